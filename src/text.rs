//! Small text helpers shared by every module's input parsing.

/// Trims an optional text; blank becomes absent.
pub fn clean(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// The snake_case code of an enumeration of the data model (`cdi`, `mise_a_disposition`…),
/// as the API writes it.
pub fn code<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

const MOIS: [&str; 12] =
    ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

/// « mars 2025 ».
pub fn mois_fr(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{} {}", MOIS[date.month0() as usize], date.year())
}

/// « 1er avril 2025 », « 10 avril 2025 ».
pub fn date_fr(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let jour = if date.day() == 1 { "1er".to_string() } else { date.day().to_string() };
    format!("{jour} {}", mois_fr(date))
}

/// « 29/11/2026 ».
pub fn date_num(date: chrono::NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// « 29/11/2026 à 10:30 », Paris time.
pub fn horodatage_fr(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Paris).format("%d/%m/%Y à %H:%M").to_string()
}

/// « 81,3 % » for 0.813 (one decimal at most).
pub fn pourcent_fr(ratio: f64) -> String {
    format!("{}\u{a0}%", nombre_fr((ratio * 1000.0).round() / 10.0))
}

/// « 1 200 000 € », « 1 234,50 € » (cents shown only when there are some).
pub fn euros_fr(euros: f64) -> String {
    let centimes = (euros * 100.0).round() as i64;
    let texte = nombre_fr(centimes as f64 / 100.0);
    let texte = if centimes % 100 != 0 && texte.split(',').nth(1).is_some_and(|d| d.len() == 1) { format!("{texte}0") } else { texte };
    format!("{texte}\u{a0}€")
}

/// « 1 234,5 h »: hours the way French readers write them (thin space between
/// thousands, decimal comma, at most two decimals).
pub fn heures_fr(h: f64) -> String {
    format!("{} h", nombre_fr(h))
}

/// « 1 234,5 ».
pub fn nombre_fr(x: f64) -> String {
    let signe = if x < 0.0 { "-" } else { "" };
    let centiemes = (x.abs() * 100.0).round() as i64;
    let (entier, reste) = (centiemes / 100, centiemes % 100);
    let chiffres = entier.to_string();
    let mut texte = String::new();
    for (i, c) in chiffres.chars().enumerate() {
        if i > 0 && (chiffres.len() - i) % 3 == 0 {
            texte.push('\u{202f}');
        }
        texte.push(c);
    }
    if reste != 0 {
        texte.push_str(format!(",{reste:02}").trim_end_matches('0'));
    }
    format!("{signe}{texte}")
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    #[test]
    fn hours_read_the_french_way() {
        assert_eq!(super::heures_fr(1233.0), "1\u{202f}233 h");
        assert_eq!(super::heures_fr(1_234_567.5), "1\u{202f}234\u{202f}567,5 h");
        assert_eq!(super::heures_fr(42.5), "42,5 h");
        assert_eq!(super::heures_fr(7.25), "7,25 h");
        assert_eq!(super::heures_fr(0.0), "0 h");
        assert_eq!(super::nombre_fr(-3.1), "-3,1");
        assert_eq!(super::pourcent_fr(0.8125), "81,3\u{a0}%");
        assert_eq!(super::euros_fr(1_200_000.0), "1\u{202f}200\u{202f}000\u{a0}€");
        assert_eq!(super::euros_fr(1234.5), "1\u{202f}234,50\u{a0}€");
    }

    #[test]
    fn dates_read_the_french_way() {
        let d = |y, m, j| NaiveDate::from_ymd_opt(y, m, j).unwrap();
        assert_eq!(super::mois_fr(d(2025, 8, 14)), "août 2025");
        assert_eq!(super::date_fr(d(2025, 4, 1)), "1er avril 2025");
        assert_eq!(super::date_fr(d(2025, 12, 20)), "20 décembre 2025");
        assert_eq!(super::date_num(d(2026, 11, 29)), "29/11/2026");
    }
}
