//! Progress of a clause at a date (domain.md §4): taux = retenues ÷ objectif; expected =
//! objectif × elapsed share of the execution period (linear); a status from thresholds
//! that are settings of the rule set. Exact integer comparisons.

use chrono::{Months, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use super::regles::SeuilsAvancement;
use super::{mul_div_round, ppm};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatutAvancement {
    NonDemarree,
    Critique,
    EnRetard,
    Conforme,
    EnAvance,
    Atteinte,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Avancement {
    pub date: NaiveDate,
    /// Minutes expected by `date` at a linear pace.
    pub attendu: i64,
    /// Elapsed share of the execution period (0 to 1).
    pub part_ecoulee: f64,
    /// retenues ÷ objectif.
    pub taux_realisation: f64,
    pub statut: StatutAvancement,
}

pub fn avancement(objectif: i64, retenues: i64, debut: NaiveDate, fin: NaiveDate, date: NaiveDate, seuils: &SeuilsAvancement) -> Avancement {
    let total = (fin - debut).num_days().max(0) + 1;
    let ecoule = if date < debut { 0 } else { ((date.min(fin) - debut).num_days() + 1).min(total) };
    let attendu = mul_div_round(objectif, ecoule, total);
    let taux_realisation = if objectif > 0 { retenues as f64 / objectif as f64 } else { 0.0 };
    // retenues ÷ (objectif × ecoule ÷ total) compared with a threshold in ppm.
    let sous = |seuil: f64| i128::from(retenues) * i128::from(total) * 1_000_000 < i128::from(objectif) * i128::from(ecoule) * i128::from(ppm(seuil));
    let dessus = |seuil: f64| i128::from(retenues) * i128::from(total) * 1_000_000 > i128::from(objectif) * i128::from(ecoule) * i128::from(ppm(seuil));
    let demarrage = debut.checked_add_months(Months::new(seuils.non_demarree_mois)).unwrap_or(NaiveDate::MAX);
    let periode_critique = i128::from(ecoule) * 1_000_000 >= i128::from(total) * i128::from(ppm(seuils.critique_periode_ecoulee));
    let statut = if objectif > 0 && retenues >= objectif {
        StatutAvancement::Atteinte
    } else if retenues == 0 && date >= demarrage {
        StatutAvancement::NonDemarree
    } else if ecoule == 0 || objectif == 0 || (retenues == 0 && date < demarrage) {
        // Nothing expected yet, or the first month (hours are declared after the month).
        StatutAvancement::Conforme
    } else if sous(seuils.critique) && periode_critique {
        StatutAvancement::Critique
    } else if sous(seuils.retard) {
        StatutAvancement::EnRetard
    } else if dessus(seuils.avance) {
        StatutAvancement::EnAvance
    } else {
        StatutAvancement::Conforme
    };
    Avancement { date, attendu, part_ecoulee: ecoule as f64 / total as f64, taux_realisation, statut }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comptage::moteur::tests::d;

    fn st(retenues: i64, date: NaiveDate) -> StatutAvancement {
        // 1 000 h over 2025 (365 days); on 2 July (day 183) 501.37 h are expected.
        avancement(1000 * 60, retenues * 60, d(2025, 1, 1), d(2025, 12, 31), date, &SeuilsAvancement::default()).statut
    }

    #[test]
    fn statuses_at_their_thresholds() {
        let mid = d(2025, 7, 2);
        let a = avancement(1000 * 60, 0, d(2025, 1, 1), d(2025, 12, 31), mid, &SeuilsAvancement::default());
        assert_eq!(a.attendu, 30_082, "1000 h × 183/365, in minutes");
        assert_eq!(st(1000, mid), StatutAvancement::Atteinte);
        assert_eq!(st(0, mid), StatutAvancement::NonDemarree);
        assert_eq!(st(0, d(2025, 1, 31)), StatutAvancement::Conforme, "not a month yet");
        assert_eq!(st(0, d(2025, 2, 1)), StatutAvancement::NonDemarree);
        // 80 % of 501.37 h = 401.1 h: 401 h is late, 402 h is not.
        assert_eq!(st(401, mid), StatutAvancement::EnRetard);
        assert_eq!(st(402, mid), StatutAvancement::Conforme);
        // 50 % = 250.68 h; 25 % of the period elapsed, so critique.
        assert_eq!(st(250, mid), StatutAvancement::Critique);
        assert_eq!(st(251, mid), StatutAvancement::EnRetard);
        // 110 % = 551.5 h.
        assert_eq!(st(551, mid), StatutAvancement::Conforme);
        assert_eq!(st(552, mid), StatutAvancement::EnAvance);
        // Early in the period a very low rate is late, not yet critical (< 25 % elapsed).
        assert_eq!(st(10, d(2025, 3, 1)), StatutAvancement::EnRetard);
    }
}
