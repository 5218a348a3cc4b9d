//! Sanity limits of monthly hours (domain.md §4.8): hours ≥ 0 in steps of 0.25 h; per
//! month at most N hours per week of the month overlapped by the contrat, and never more
//! than M hours per working day (Monday to Friday) of that overlap; worked + training
//! hours together under the same bound. Pure and exact (integer minutes).

use chrono::{Datelike, Months, NaiveDate, Weekday};

use crate::error::FieldError;

/// Hours of a month given as a JSON number, checked and turned into exact minutes.
pub fn minutes(field: &str, heures: f64) -> Result<i32, FieldError> {
    minutes_max(field, heures, 1_000).map(|m| m as i32)
}

/// Hours (at most `max_heures`) given as a JSON number, in exact minutes.
pub fn minutes_max(field: &str, heures: f64, max_heures: i64) -> Result<i64, FieldError> {
    if !heures.is_finite() || heures < 0.0 {
        return Err(FieldError::new(field, "Les heures doivent être positives ou nulles."));
    }
    let quarts = heures * 4.0;
    if quarts.fract() != 0.0 {
        return Err(FieldError::new(field, "Les heures se saisissent par quarts d'heure (0,25 h)."));
    }
    if quarts > 4.0 * max_heures as f64 {
        return Err(FieldError::new(field, format!("Au plus {max_heures} heures.")));
    }
    Ok((quarts as i64) * 15)
}

/// Hours typed in a form: digits with at most two decimals after a comma or a point
/// (`151,75`, `151.75`, `8`); anything else — empty, `1e2`, `NaN`, `inf`, text — is refused
/// with a French message that quotes at most the first 20 characters typed.
pub fn heures_saisies(texte: &str) -> Result<f64, String> {
    let t = texte.trim();
    if t.is_empty() {
        return Err("Indiquez un nombre d'heures (0 s'il n'y en a pas).".into());
    }
    let (entier, decimales) = match t.split_once([',', '.']) {
        Some((e, d)) => (e, d),
        None => (t, ""),
    };
    let chiffres = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let forme = !entier.is_empty() && entier.len() <= 6 && chiffres(entier) && decimales.len() <= 2 && chiffres(decimales) && !(t.contains([',', '.']) && decimales.is_empty());
    if !forme {
        let cite: String = t.chars().take(20).collect();
        let suite = if t.chars().count() > 20 { "…" } else { "" };
        return Err(format!("« {cite}{suite} » n'est pas un nombre d'heures : écrivez par exemple 151,75."));
    }
    Ok(format!("{entier}.{}", if decimales.is_empty() { "0" } else { decimales }).parse().unwrap_or(0.0))
}

/// Hours as a person types them back in a field: « 151,75 », « 8 » (no thousands
/// separator), what `heures_saisies` reads.
pub fn heures_en_saisie(h: f64) -> String {
    crate::text::nombre_fr(h).replace(['\u{202f}', '\u{a0}', ' '], "")
}

/// Minutes as the JSON number of hours (exact for quarters of an hour).
pub fn heures(minutes: i64) -> f64 {
    minutes as f64 / 60.0
}

/// French display of a number of minutes: "151,75 h".
pub fn heures_fr(minutes: i64) -> String {
    let h = heures(minutes);
    let s = if h.fract() == 0.0 { format!("{h:.0}") } else { format!("{h:.2}").trim_end_matches('0').to_string() };
    format!("{} h", s.replace('.', ","))
}

/// The days of `mois` (first day of a month) inside `[debut, fin]`.
pub fn jours_couverts(mois: NaiveDate, debut: NaiveDate, fin: Option<NaiveDate>) -> (u32, u32) {
    let fin_mois = mois.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(mois);
    let a = mois.max(debut);
    let b = fin.map_or(fin_mois, |f| f.min(fin_mois));
    let (mut jours, mut ouvres) = (0, 0);
    let mut d = a;
    while d <= b {
        jours += 1;
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            ouvres += 1;
        }
        d = d.succ_opt().unwrap_or(NaiveDate::MAX);
    }
    (jours, ouvres)
}

/// The most minutes (worked + training) a contrat may declare for `mois`.
pub fn plafond_minutes(mois: NaiveDate, debut: NaiveDate, fin: Option<NaiveDate>, max_semaine_h: u32, max_jour_h: u32) -> i64 {
    let (jours, ouvres) = jours_couverts(mois, debut, fin);
    let par_semaine = i64::from(max_semaine_h) * 60 * i64::from(jours) / 7;
    let par_jour = i64::from(max_jour_h) * 60 * i64::from(ouvres);
    par_semaine.min(par_jour)
}

pub fn premier_du_mois(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// Parses a `YYYY-MM` month into its first day.
pub fn parse_mois(s: &str) -> Option<NaiveDate> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
}

pub fn format_mois(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, j: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, j).unwrap()
    }

    #[test]
    fn quarters_only_and_exact() {
        assert_eq!(minutes("h", 151.75), Ok(9105));
        assert_eq!(minutes("h", 0.0), Ok(0));
        assert!(minutes("h", 10.1).is_err());
        assert!(minutes("h", -0.25).is_err());
        assert!(minutes("h", 0.2500000001).is_err());
        assert_eq!(heures(9105), 151.75);
        assert_eq!(heures_fr(9105), "151,75 h");
        assert_eq!(heures_fr(600), "10 h");
        assert_eq!(heures_fr(630), "10,5 h");
    }

    #[test]
    fn caps_follow_the_overlap() {
        // March 2025: 31 days, 21 working days. 48 h x 31/7 = 212.57 h; 10 h x 21 = 210 h.
        assert_eq!(plafond_minutes(d(2025, 3, 1), d(2025, 1, 1), None, 48, 10), 210 * 60);
        // February 2025 (28 days, 20 working days): 48 x 4 = 192 h < 200 h.
        assert_eq!(plafond_minutes(d(2025, 2, 1), d(2025, 1, 1), None, 48, 10), 192 * 60);
        // A contrat starting on Monday 24 March: 8 days (6 working) -> min(54.85 h, 60 h).
        assert_eq!(plafond_minutes(d(2025, 3, 1), d(2025, 3, 24), None, 48, 10), 48 * 60 * 8 / 7);
        // Outside the contrat: nothing.
        assert_eq!(plafond_minutes(d(2025, 5, 1), d(2025, 1, 1), Some(d(2025, 4, 30)), 48, 10), 0);
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(parse_mois("2025-03"), Some(d(2025, 3, 1)));
        assert_eq!(parse_mois("2025-13"), None);
        assert_eq!(parse_mois("2025-3"), None);
        assert_eq!(parse_mois("mars"), None);
        assert_eq!(format_mois(d(2025, 3, 1)), "2025-03");
    }
}

#[cfg(test)]
mod saisie {
    use super::heures_saisies;

    #[test]
    fn hours_are_typed_with_a_comma_or_a_point_and_nothing_else() {
        assert_eq!(heures_saisies("151,75"), Ok(151.75));
        assert_eq!(heures_saisies(" 151.75 "), Ok(151.75));
        assert_eq!(heures_saisies("8"), Ok(8.0));
        assert_eq!(heures_saisies("0,5"), Ok(0.5));
        for mauvais in ["", "  ", "1e2", "NaN", "inf", "-3", "douze", "1,2,3", "12,", ",5", "1 000", "151,755", "0x10"] {
            assert!(heures_saisies(mauvais).is_err(), "{mauvais:?}");
        }
        let long = "9".repeat(14_000);
        let message = heures_saisies(&long).unwrap_err();
        assert!(message.chars().count() < 100 && message.contains('…'), "{message}");
    }
}
