//! THE eligibility rule (domain.md §3.1), used everywhere a contrat start is judged: a
//! person is eligible on a date when at least one criterion was verified by a
//! facilitateur at most N months (setting, default 6) before that date, is still valid on
//! that date and was not withdrawn. Pure: no database, no clock.

use chrono::{Months, NaiveDate};
use entities::enums::CodeCritere;
use serde::Serialize;
use utoipa::ToSchema;

use crate::text::date_num;

/// What the rule needs of a criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CritereFait {
    pub id: i64,
    pub code: CodeCritere,
    pub date_verification: NaiveDate,
    pub verifie: bool,
    pub retire: bool,
    pub valide_jusqu_au: Option<NaiveDate>,
}

impl From<&entities::criteres::Model> for CritereFait {
    fn from(c: &entities::criteres::Model) -> Self {
        CritereFait { id: c.id, code: c.code, date_verification: c.date_verification, verifie: c.verifie_par_id.is_some(), retire: c.retire_at.is_some(), valide_jusqu_au: c.valide_jusqu_au }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Eligibilite {
    pub date: NaiveDate,
    pub eligible: bool,
    /// The criterion that makes the person eligible (the most recent one).
    pub critere_id: Option<i64>,
    pub code: Option<CodeCritere>,
    /// Why, in French.
    pub motif: String,
}

/// The earliest verification date that still counts on `date`.
pub fn debut_fenetre(date: NaiveDate, fenetre_mois: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(fenetre_mois)).unwrap_or(NaiveDate::MIN)
}

pub fn eligibilite(criteres: &[CritereFait], date: NaiveDate, fenetre_mois: u32) -> Eligibilite {
    let debut = debut_fenetre(date, fenetre_mois);
    let retenu = criteres
        .iter()
        .filter(|c| c.verifie && !c.retire)
        .filter(|c| c.date_verification <= date && c.date_verification >= debut)
        .filter(|c| c.valide_jusqu_au.is_none_or(|fin| fin >= date))
        .max_by_key(|c| (c.date_verification, c.id));
    match retenu {
        Some(c) => Eligibilite {
            date,
            eligible: true,
            critere_id: Some(c.id),
            code: Some(c.code),
            motif: format!("Critère vérifié le {} (fenêtre de {fenetre_mois} mois depuis le {}).", date_num(c.date_verification), date_num(debut)),
        },
        None => Eligibilite {
            date,
            eligible: false,
            critere_id: None,
            code: None,
            motif: format!("Aucun critère vérifié par un facilitateur entre le {} et le {}, valide et non retiré.", date_num(debut), date_num(date)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, j: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, j).unwrap()
    }

    fn c(date: NaiveDate) -> CritereFait {
        CritereFait { id: 1, code: CodeCritere::Rsa, date_verification: date, verifie: true, retire: false, valide_jusqu_au: None }
    }

    #[test]
    fn window_edges_six_months() {
        let start = d(2025, 7, 15);
        assert!(eligibilite(&[c(d(2025, 1, 15))], start, 6).eligible, "exactly 6 months before counts");
        assert!(!eligibilite(&[c(d(2025, 1, 14))], start, 6).eligible, "one day more does not");
        assert!(eligibilite(&[c(start)], start, 6).eligible, "verified on the day counts");
        assert!(!eligibilite(&[c(d(2025, 7, 16))], start, 6).eligible, "verified after the date does not");
        // End of month: 31 August minus 6 months is 28 February.
        assert!(eligibilite(&[c(d(2025, 2, 28))], d(2025, 8, 31), 6).eligible);
        assert!(!eligibilite(&[c(d(2025, 2, 27))], d(2025, 8, 31), 6).eligible);
        // The window is a setting.
        assert!(eligibilite(&[c(d(2024, 7, 15))], start, 12).eligible);
    }

    #[test]
    fn withdrawn_unverified_or_expired_criteria_do_not_count() {
        let start = d(2025, 7, 15);
        let base = c(d(2025, 5, 1));
        assert!(!eligibilite(&[CritereFait { retire: true, ..base.clone() }], start, 6).eligible);
        assert!(!eligibilite(&[CritereFait { verifie: false, ..base.clone() }], start, 6).eligible);
        assert!(!eligibilite(&[CritereFait { valide_jusqu_au: Some(d(2025, 7, 14)), ..base.clone() }], start, 6).eligible);
        assert!(eligibilite(&[CritereFait { valide_jusqu_au: Some(start), ..base.clone() }], start, 6).eligible);
        let best = eligibilite(&[CritereFait { id: 7, ..c(d(2025, 3, 1)) }, CritereFait { id: 9, ..c(d(2025, 6, 1)) }], start, 6);
        assert_eq!(best.critere_id, Some(9));
    }
}
