//! The objective of a clause in hours (domain.md §3.2): fixed; computed = montant HT ×
//! part de main-d'œuvre × taux d'insertion ÷ coût horaire, rounded half up to the hour;
//! a share of the hours worked on the marché; or hours per € invoiced. A forced value
//! (with its reason, kept by the caller) wins over all.

use entities::enums::ModeObjectif;
use serde::Serialize;
use utoipa::ToSchema;

use super::mul_div_round;

/// What the objective is computed from (money in cents, ratios in ppm, hours in minutes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectifSource {
    pub mode: Option<ModeObjectif>,
    pub heures_minutes: Option<i64>,
    pub montant_ht_cents: Option<i64>,
    pub part_main_oeuvre_ppm: Option<i64>,
    pub taux_insertion_ppm: Option<i64>,
    pub cout_horaire_cents: Option<i64>,
    pub pourcentage_heures_ppm: Option<i64>,
    pub heures_travaillees_marche_minutes: Option<i64>,
    pub cents_par_heure: Option<i64>,
    pub montant_facture_cents: Option<i64>,
    pub force_minutes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ObjectifCalcule {
    pub minutes: i64,
    /// How it was obtained, in French.
    pub explication: String,
}

const HEURE: i64 = 60;

/// The objective in minutes (always whole hours except for a fixed or forced value),
/// with how it was obtained.
pub fn objectif_minutes(s: &ObjectifSource) -> ObjectifCalcule {
    objectif(s, true)
}

/// The same; the explanation is written only if `expliquer` (bilans count thousands of
/// clauses and show none).
pub fn objectif(s: &ObjectifSource, expliquer: bool) -> ObjectifCalcule {
    let texte = |f: &dyn Fn() -> String| if expliquer { f() } else { String::new() };
    if let Some(m) = s.force_minutes {
        return ObjectifCalcule { minutes: m, explication: "Objectif forcé par le facilitateur.".into() };
    }
    match s.mode {
        Some(ModeObjectif::Heures) => ObjectifCalcule { minutes: s.heures_minutes.unwrap_or(0), explication: "Nombre d'heures fixé par le marché.".into() },
        Some(ModeObjectif::Calcul) => {
            let (m, p, t, c) = (s.montant_ht_cents.unwrap_or(0), s.part_main_oeuvre_ppm.unwrap_or(0), s.taux_insertion_ppm.unwrap_or(0), s.cout_horaire_cents.unwrap_or(0));
            if c <= 0 {
                return ObjectifCalcule { minutes: 0, explication: "Coût horaire manquant.".into() };
            }
            // hours = cents × ppm × ppm ÷ (cents/h × 10^12), half up to the hour.
            let heures = i128::from(m) * i128::from(p) * i128::from(t);
            let d = i128::from(c) * 1_000_000_000_000;
            let h = ((2 * heures + d) / (2 * d)) as i64;
            ObjectifCalcule { minutes: h * HEURE, explication: texte(&|| format!("{} € × {} × {} ÷ {} €/h = {} h (arrondi à l'heure).", euros(m), ratio(p), ratio(t), euros(c), entier(h))) }
        }
        Some(ModeObjectif::PourcentageHeures) => {
            let (pct, total) = (s.pourcentage_heures_ppm.unwrap_or(0), s.heures_travaillees_marche_minutes.unwrap_or(0));
            let h = mul_div_round(total, pct, 1_000_000 * HEURE);
            ObjectifCalcule { minutes: h * HEURE, explication: texte(&|| format!("{} des {} h travaillées sur le marché = {} h.", ratio(pct), entier(total / HEURE), entier(h))) }
        }
        Some(ModeObjectif::HeuresParEuro) => {
            let (cph, facture) = (s.cents_par_heure.unwrap_or(0), s.montant_facture_cents.unwrap_or(0));
            if cph <= 0 {
                return ObjectifCalcule { minutes: 0, explication: "Montant par heure manquant.".into() };
            }
            let h = mul_div_round(facture, 1, cph);
            ObjectifCalcule { minutes: h * HEURE, explication: texte(&|| format!("{} € facturés ÷ {} € par heure = {} h.", euros(facture), euros(cph), entier(h))) }
        }
        None => ObjectifCalcule { minutes: 0, explication: "Aucun objectif.".into() },
    }
}

/// Amounts and hours in explanations are written the French way (`2 400 000`).
fn euros(cents: i64) -> String {
    crate::text::nombre_fr(cents as f64 / 100.0)
}

fn entier(n: i64) -> String {
    crate::text::nombre_fr(n as f64)
}

fn ratio(ppm: i64) -> String {
    let pct = ppm as f64 / 10_000.0;
    format!("{} %", format!("{pct}").replace('.', ","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_objective_rounds_half_up_to_the_hour() {
        let calc = |m: i64, p: i64, t: i64, c: i64| {
            objectif_minutes(&ObjectifSource { mode: Some(ModeObjectif::Calcul), montant_ht_cents: Some(m), part_main_oeuvre_ppm: Some(p), taux_insertion_ppm: Some(t), cout_horaire_cents: Some(c), ..Default::default() })
        };
        // domain.md: 1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h.
        let o = calc(100_000_000, 500_000, 50_000, 3_000);
        assert_eq!(o.minutes, 833 * 60);
        assert_eq!(o.explication, "1\u{202f}000\u{202f}000 € × 50 % × 5 % ÷ 30 €/h = 833 h (arrondi à l'heure).");
        // 1 000 € × 100 % × 100 % ÷ 400 €/h = 2.5 h → 3 h; 2.49 € more or less decide.
        assert_eq!(calc(100_000, 1_000_000, 1_000_000, 40_000).minutes, 3 * 60);
        assert_eq!(calc(99_999, 1_000_000, 1_000_000, 40_000).minutes, 2 * 60);
        assert_eq!(calc(100_000, 1_000_000, 1_000_000, 0).minutes, 0);
    }

    #[test]
    fn other_modes_and_forcing() {
        let fixed = ObjectifSource { mode: Some(ModeObjectif::Heures), heures_minutes: Some(400 * 60), ..Default::default() };
        assert_eq!(objectif_minutes(&fixed).minutes, 400 * 60);
        let forced = ObjectifSource { force_minutes: Some(350 * 60), ..fixed.clone() };
        assert_eq!(objectif_minutes(&forced).minutes, 350 * 60);
        let pct = ObjectifSource { mode: Some(ModeObjectif::PourcentageHeures), pourcentage_heures_ppm: Some(70_000), heures_travaillees_marche_minutes: Some(12_345 * 60), ..Default::default() };
        assert_eq!(objectif_minutes(&pct).minutes, 864 * 60, "7 % of 12 345 h = 864.15 h");
        // Accord-cadre: 1 h per 2 000 € invoiced; 301 000 € → 150.5 h → 151 h.
        let bpu = ObjectifSource { mode: Some(ModeObjectif::HeuresParEuro), cents_par_heure: Some(200_000), montant_facture_cents: Some(30_100_000), ..Default::default() };
        assert_eq!(objectif_minutes(&bpu).minutes, 151 * 60);
    }
}
