//! The protocole rule set that categorises a sortie (domain.md §3.1): positive_emploi,
//! positive_formation, dynamique or autre. The rules read the same contrats and monthly
//! hours as the clause counting. Thresholds and their comparison (≥ or >) are data:
//! each structure versions its own rule set (table `protocoles`). Pure.

use chrono::{Months, NaiveDate};
use entities::enums::{CategorieSortie, TypeContrat, TypeEtape};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::limites::{heures_fr, premier_du_mois};

/// A threshold: `valeur` (hours, months or weeks, as named), compared with ≥, or with >
/// when `strict`. An inactive rule never applies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Seuil {
    #[serde(default = "yes")]
    pub actif: bool,
    pub valeur: f64,
    #[serde(default)]
    pub strict: bool,
}

fn yes() -> bool {
    true
}

impl Seuil {
    const fn au_moins(valeur: f64) -> Seuil {
        Seuil { actif: true, valeur, strict: false }
    }
    const fn plus_de(valeur: f64) -> Seuil {
        Seuil { actif: true, valeur, strict: true }
    }
    /// `mesure` (in the unit's smallest step: minutes for hours, days for months) against
    /// the threshold converted to the same step.
    fn atteint(&self, mesure: i64, seuil: i64) -> bool {
        if self.strict { mesure > seuil } else { mesure >= seuil }
    }
    fn minutes(&self) -> i64 {
        (self.valeur * 60.0).round() as i64
    }
    fn mois(&self) -> u32 {
        self.valeur.round().max(0.0) as u32
    }
    fn signe(&self) -> &'static str {
        if self.strict { ">" } else { "≥" }
    }
}

/// The rule set; every field has the default of domain.md (`004:L724-762`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Regles {
    /// CDI of at least this many hours a week (a half-time: 17.5 h).
    pub cdi_heures_hebdo: Seuil,
    /// CDD (same employer) of at least this many months, at least half-time.
    pub cdd_mois: Seuil,
    /// Intérim missions covering this many months without interruption.
    pub interim_continu_mois: Seuil,
    /// Intérim hours over the last `interim_fenetre_mois` months (600 h on clause missions).
    pub interim_heures: Seuil,
    pub interim_fenetre_mois: u32,
    /// Successive contrats: this many weeks employed, or `successifs_heures`, over the
    /// last `successifs_fenetre_mois` months.
    pub successifs_semaines: Seuil,
    pub successifs_heures: Seuil,
    pub successifs_fenetre_mois: u32,
    /// Alternance (contrat pro, apprentissage) after this many months.
    pub alternance_mois: Seuil,
    /// Création d'entreprise after this many months.
    pub creation_entreprise_mois: Seuil,
    /// Contrat aidé (PEC) of more than this many months.
    pub contrat_aide_mois: Seuil,
    /// CDDI of more than this many months.
    pub cddi_mois: Seuil,
    /// Formation qualifiante of at least this many hours.
    pub formation_qualifiante_heures: Seuil,
}

impl Default for Regles {
    fn default() -> Self {
        Regles {
            cdi_heures_hebdo: Seuil::au_moins(17.5),
            cdd_mois: Seuil::au_moins(6.0),
            interim_continu_mois: Seuil::au_moins(6.0),
            interim_heures: Seuil::au_moins(600.0),
            interim_fenetre_mois: 6,
            successifs_semaines: Seuil::au_moins(39.0),
            successifs_heures: Seuil::au_moins(1200.0),
            successifs_fenetre_mois: 12,
            alternance_mois: Seuil::au_moins(6.0),
            creation_entreprise_mois: Seuil::au_moins(6.0),
            contrat_aide_mois: Seuil::plus_de(12.0),
            cddi_mois: Seuil::plus_de(12.0),
            formation_qualifiante_heures: Seuil::au_moins(300.0),
        }
    }
}

impl Regles {
    pub fn validate(&self) -> Result<(), Vec<crate::error::FieldError>> {
        let seuils = [
            ("cdi_heures_hebdo", self.cdi_heures_hebdo, 48.0),
            ("cdd_mois", self.cdd_mois, 60.0),
            ("interim_continu_mois", self.interim_continu_mois, 36.0),
            ("interim_heures", self.interim_heures, 5000.0),
            ("successifs_semaines", self.successifs_semaines, 104.0),
            ("successifs_heures", self.successifs_heures, 5000.0),
            ("alternance_mois", self.alternance_mois, 36.0),
            ("creation_entreprise_mois", self.creation_entreprise_mois, 36.0),
            ("contrat_aide_mois", self.contrat_aide_mois, 60.0),
            ("cddi_mois", self.cddi_mois, 60.0),
            ("formation_qualifiante_heures", self.formation_qualifiante_heures, 5000.0),
        ];
        let mut errors: Vec<_> = seuils
            .iter()
            .filter(|(_, s, max)| !(s.valeur.is_finite() && s.valeur >= 0.0 && s.valeur <= *max && (s.valeur * 4.0).fract() == 0.0))
            .map(|(name, _, max)| crate::error::FieldError::new(format!("regles.{name}.valeur"), format!("Entre 0 et {max}, par quarts (0,25).")))
            .collect();
        for (name, mois) in [("interim_fenetre_mois", self.interim_fenetre_mois), ("successifs_fenetre_mois", self.successifs_fenetre_mois)] {
            if !(1..=36).contains(&mois) {
                errors.push(crate::error::FieldError::new(format!("regles.{name}"), "Entre 1 et 36 mois."));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// What the rules read of a contrat: its dates, weekly hours and validated monthly hours.
#[derive(Debug, Clone, PartialEq)]
pub struct ContratFait {
    pub id: i64,
    pub type_contrat: TypeContrat,
    pub date_debut: NaiveDate,
    /// Real end if known, else planned end; `None` = open-ended.
    pub date_fin: Option<NaiveDate>,
    pub minutes_hebdo: i32,
    /// (first day of month, validated worked + training minutes)
    pub heures: Vec<(NaiveDate, i64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EtapeFait {
    pub type_etape: TypeEtape,
    pub sous_type: Option<String>,
    pub date_debut: NaiveDate,
    pub date_fin: Option<NaiveDate>,
    pub minutes_formation: Option<i32>,
}

/// One rule as it was evaluated, for the explanation kept with the sortie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegleEvaluee {
    pub regle: String,
    pub satisfaite: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Categorisation {
    pub categorie: CategorieSortie,
    pub regles: Vec<RegleEvaluee>,
}

/// Situations declared at exit that are an emploi or a formation (dynamique at least).
pub fn situation_active(situation: &str) -> bool {
    matches!(situation, "emploi" | "cdi" | "cdd" | "interim" | "alternance" | "contrat_aide" | "cddi" | "creation_entreprise" | "formation_qualifiante" | "formation")
}

fn mois_entre(debut: NaiveDate, fin: NaiveDate) -> u32 {
    // Whole months from `debut` to `fin` (a contrat from 1 Jan to 30 Jun lasts 6 months).
    let fin = fin.succ_opt().unwrap_or(fin);
    let mut n = 0;
    while debut.checked_add_months(Months::new(n + 1)).is_some_and(|d| d <= fin) {
        n += 1;
    }
    n
}

fn actif_le(c: &ContratFait, d: NaiveDate) -> bool {
    c.date_debut <= d && c.date_fin.is_none_or(|f| f >= d)
}

/// Categorises an exit on `date` from the participant's contrats and étapes.
pub fn categoriser(regles: &Regles, situation: &str, date: NaiveDate, contrats: &[ContratFait], etapes: &[EtapeFait]) -> Categorisation {
    let mut evaluees = Vec::new();
    let mut note = |regle: &str, satisfaite: bool, detail: String| {
        evaluees.push(RegleEvaluee { regle: regle.into(), satisfaite, detail });
        satisfaite
    };
    let mut emploi = false;
    let mi_temps = regles.cdi_heures_hebdo.minutes();

    // CDI of at least a half-time, under way on the exit date.
    if regles.cdi_heures_hebdo.actif {
        for c in contrats.iter().filter(|c| c.type_contrat == TypeContrat::Cdi && actif_le(c, date)) {
            let ok = regles.cdi_heures_hebdo.atteint(i64::from(c.minutes_hebdo), mi_temps);
            emploi |= note("cdi", ok, format!("CDI de {} par semaine ({} {} attendu).", heures_fr(c.minutes_hebdo.into()), regles.cdi_heures_hebdo.signe(), heures_fr(mi_temps)));
        }
    }
    // CDD (or CDD d'usage) long enough and at least half-time.
    if regles.cdd_mois.actif {
        for c in contrats.iter().filter(|c| matches!(c.type_contrat, TypeContrat::Cdd | TypeContrat::CddUsage) && actif_le(c, date)) {
            let duree = c.date_fin.map(|f| mois_entre(c.date_debut, f));
            let ok = duree.is_some_and(|m| regles.cdd_mois.atteint(m.into(), regles.cdd_mois.mois().into())) && i64::from(c.minutes_hebdo) >= mi_temps;
            emploi |= note("cdd", ok, format!("CDD de {} mois, {} par semaine ({} {} mois à mi-temps au moins attendu).", duree.map_or("?".into(), |m| m.to_string()), heures_fr(c.minutes_hebdo.into()), regles.cdd_mois.signe(), regles.cdd_mois.mois()));
        }
    }
    let interim: Vec<&ContratFait> = contrats.iter().filter(|c| matches!(c.type_contrat, TypeContrat::Interim | TypeContrat::MissionEtti)).collect();
    if !interim.is_empty() {
        // Missions covering the last N months without a day off contract.
        if regles.interim_continu_mois.actif {
            let depuis = date.checked_sub_months(Months::new(regles.interim_continu_mois.mois())).unwrap_or(date);
            let mut couvert_jusqu_a = depuis.pred_opt().unwrap_or(depuis);
            let mut periodes: Vec<_> = interim.iter().map(|c| (c.date_debut, c.date_fin.unwrap_or(date))).collect();
            periodes.sort();
            for (a, b) in periodes {
                if a <= couvert_jusqu_a.succ_opt().unwrap_or(a) && b > couvert_jusqu_a {
                    couvert_jusqu_a = b;
                }
            }
            let ok = couvert_jusqu_a >= date;
            emploi |= note("interim_continu", ok, format!("Missions d'intérim {} du {depuis} au {date}.", if ok { "sans interruption" } else { "interrompues" }));
        }
        // Hours of missions over the last months.
        if regles.interim_heures.actif {
            let fin = premier_du_mois(date);
            let debut = fin.checked_sub_months(Months::new(regles.interim_fenetre_mois.saturating_sub(1))).unwrap_or(fin);
            let total: i64 = interim.iter().flat_map(|c| c.heures.iter()).filter(|(m, _)| *m >= debut && *m <= fin).map(|(_, h)| h).sum();
            let ok = regles.interim_heures.atteint(total, regles.interim_heures.minutes());
            emploi |= note("interim_heures", ok, format!("{} d'intérim sur les {} derniers mois ({} {} attendu).", heures_fr(total), regles.interim_fenetre_mois, regles.interim_heures.signe(), heures_fr(regles.interim_heures.minutes())));
        }
    }
    // Successive contrats: weeks employed or hours over the last months. Insertion
    // contracts judged on their own duration (CDDI, PEC) and paid training do not count,
    // or a 9-month CDDI would pass where the protocole asks for more than 12.
    let successifs: Vec<&ContratFait> = contrats.iter().filter(|c| !matches!(c.type_contrat, TypeContrat::Cddi | TypeContrat::Pec | TypeContrat::Formation)).collect();
    if !successifs.is_empty() && (regles.successifs_semaines.actif || regles.successifs_heures.actif) {
        let fenetre_debut = date.checked_sub_months(Months::new(regles.successifs_fenetre_mois)).unwrap_or(date).succ_opt().unwrap_or(date);
        let mut jours = std::collections::BTreeSet::new();
        for c in &successifs {
            let (a, b) = (c.date_debut.max(fenetre_debut), c.date_fin.unwrap_or(date).min(date));
            let mut d = a;
            while d <= b {
                jours.insert(d);
                d = d.succ_opt().unwrap_or(NaiveDate::MAX);
            }
        }
        let premier_mois = premier_du_mois(fenetre_debut);
        let heures: i64 = successifs.iter().flat_map(|c| c.heures.iter()).filter(|(m, _)| *m >= premier_mois && *m <= date).map(|(_, h)| h).sum();
        let semaines_ok = regles.successifs_semaines.actif && regles.successifs_semaines.atteint(jours.len() as i64, (regles.successifs_semaines.valeur * 7.0).round() as i64);
        let heures_ok = regles.successifs_heures.actif && regles.successifs_heures.atteint(heures, regles.successifs_heures.minutes());
        emploi |= note(
            "contrats_successifs",
            semaines_ok || heures_ok,
            format!("{} jours sous contrat et {} sur les {} derniers mois ({} {} semaines ou {} {} attendus).", jours.len(), heures_fr(heures), regles.successifs_fenetre_mois, regles.successifs_semaines.signe(), regles.successifs_semaines.valeur, regles.successifs_heures.signe(), heures_fr(regles.successifs_heures.minutes())),
        );
    }
    // Long-running contracts judged on their age at the exit date.
    let anciennete = [
        ("alternance", regles.alternance_mois, &[TypeContrat::ContratPro, TypeContrat::Apprentissage][..]),
        ("contrat_aide", regles.contrat_aide_mois, &[TypeContrat::Pec][..]),
        ("cddi", regles.cddi_mois, &[TypeContrat::Cddi][..]),
    ];
    for (regle, seuil, types) in anciennete {
        if !seuil.actif {
            continue;
        }
        for c in contrats.iter().filter(|c| types.contains(&c.type_contrat) && c.date_debut <= date) {
            let fin = c.date_fin.map_or(date, |f| f.min(date));
            let mois = mois_entre(c.date_debut, fin);
            let ok = seuil.atteint(mois.into(), seuil.mois().into());
            emploi |= note(regle, ok, format!("{mois} mois de contrat au {date} ({} {} mois attendu).", seuil.signe(), seuil.mois()));
        }
    }
    if regles.creation_entreprise_mois.actif {
        for e in etapes.iter().filter(|e| e.type_etape == TypeEtape::CreationEntreprise && e.date_debut <= date && e.date_fin.is_none_or(|f| f >= date)) {
            let mois = mois_entre(e.date_debut, date);
            let ok = regles.creation_entreprise_mois.atteint(mois.into(), regles.creation_entreprise_mois.mois().into());
            emploi |= note("creation_entreprise", ok, format!("Entreprise créée depuis {mois} mois ({} {} attendu).", regles.creation_entreprise_mois.signe(), regles.creation_entreprise_mois.mois()));
        }
    }
    let mut formation = false;
    if regles.formation_qualifiante_heures.actif {
        let horizon = date.checked_add_days(chrono::Days::new(31)).unwrap_or(date);
        for e in etapes.iter().filter(|e| e.type_etape == TypeEtape::Formation && e.sous_type.as_deref() == Some("qualifiante") && e.date_debut <= horizon && e.date_fin.is_none_or(|f| f >= date)) {
            let minutes = i64::from(e.minutes_formation.unwrap_or(0));
            let ok = regles.formation_qualifiante_heures.atteint(minutes, regles.formation_qualifiante_heures.minutes());
            formation |= note("formation_qualifiante", ok, format!("Formation qualifiante de {} ({} {} attendu).", heures_fr(minutes), regles.formation_qualifiante_heures.signe(), heures_fr(regles.formation_qualifiante_heures.minutes())));
        }
    }
    let categorie = if emploi {
        CategorieSortie::PositiveEmploi
    } else if formation {
        CategorieSortie::PositiveFormation
    } else if situation_active(situation) || contrats.iter().any(|c| actif_le(c, date)) {
        CategorieSortie::Dynamique
    } else {
        CategorieSortie::Autre
    };
    Categorisation { categorie, regles: evaluees }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, j: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, j).unwrap()
    }

    fn contrat(t: TypeContrat, debut: NaiveDate, fin: Option<NaiveDate>, hebdo_h: f64) -> ContratFait {
        ContratFait { id: 1, type_contrat: t, date_debut: debut, date_fin: fin, minutes_hebdo: (hebdo_h * 60.0) as i32, heures: vec![] }
    }

    fn cat(contrats: &[ContratFait], etapes: &[EtapeFait], date: NaiveDate) -> CategorieSortie {
        categoriser(&Regles::default(), "emploi", date, contrats, etapes).categorie
    }

    /// Monthly rows of `minutes` from `debut` for `n` months.
    fn mois(debut: NaiveDate, n: u32, minutes: i64) -> Vec<(NaiveDate, i64)> {
        (0..n).map(|i| (debut.checked_add_months(Months::new(i)).unwrap(), minutes)).collect()
    }

    #[test]
    fn cdi_at_half_time() {
        let date = d(2025, 6, 30);
        assert_eq!(cat(&[contrat(TypeContrat::Cdi, d(2025, 6, 1), None, 17.5)], &[], date), CategorieSortie::PositiveEmploi);
        assert_eq!(cat(&[contrat(TypeContrat::Cdi, d(2025, 6, 1), None, 17.25)], &[], date), CategorieSortie::Dynamique);
    }

    #[test]
    fn cdd_of_six_months() {
        let date = d(2025, 3, 1);
        assert_eq!(cat(&[contrat(TypeContrat::Cdd, d(2025, 3, 1), Some(d(2025, 8, 31)), 35.0)], &[], date), CategorieSortie::PositiveEmploi);
        assert_eq!(cat(&[contrat(TypeContrat::Cdd, d(2025, 3, 1), Some(d(2025, 8, 30)), 35.0)], &[], date), CategorieSortie::Dynamique);
        assert_eq!(cat(&[contrat(TypeContrat::Cdd, d(2025, 3, 1), Some(d(2025, 8, 31)), 15.0)], &[], date), CategorieSortie::Dynamique, "under half-time");
    }

    #[test]
    fn interim_600_hours_over_six_months() {
        let date = d(2025, 6, 20);
        let mut c = contrat(TypeContrat::Interim, d(2025, 1, 6), Some(d(2025, 1, 31)), 35.0);
        c.heures = mois(d(2025, 1, 1), 6, 100 * 60);
        assert_eq!(cat(&[c.clone()], &[], date), CategorieSortie::PositiveEmploi, "600 h");
        c.heures[5].1 -= 15;
        assert_eq!(cat(&[c.clone()], &[], date), CategorieSortie::Dynamique, "599.75 h");
        // Hours before the window do not count.
        let mut old = c.clone();
        old.heures = mois(d(2024, 12, 1), 6, 100 * 60);
        old.heures[0].1 += 15;
        assert_eq!(cat(&[old], &[], date), CategorieSortie::Dynamique);
    }

    #[test]
    fn interim_continuous_for_six_months() {
        let date = d(2025, 7, 1);
        let a = contrat(TypeContrat::MissionEtti, d(2025, 1, 1), Some(d(2025, 3, 31)), 35.0);
        let b = contrat(TypeContrat::Interim, d(2025, 4, 1), Some(d(2025, 7, 15)), 35.0);
        assert_eq!(cat(&[a.clone(), b], &[], date), CategorieSortie::PositiveEmploi);
        let gap = contrat(TypeContrat::Interim, d(2025, 4, 3), Some(d(2025, 7, 15)), 35.0);
        assert_eq!(cat(&[a, gap], &[], date), CategorieSortie::Dynamique);
    }

    #[test]
    fn successive_contracts_1200_hours_or_39_weeks_over_12_months() {
        let date = d(2025, 12, 31);
        let mut a = contrat(TypeContrat::Cdd, d(2025, 1, 1), Some(d(2025, 3, 31)), 35.0);
        a.heures = mois(d(2025, 1, 1), 3, 200 * 60);
        let mut b = contrat(TypeContrat::Cdd, d(2025, 6, 1), Some(d(2025, 8, 31)), 35.0);
        b.heures = mois(d(2025, 6, 1), 3, 200 * 60);
        assert_eq!(cat(&[a.clone(), b.clone()], &[], date), CategorieSortie::PositiveEmploi, "1 200 h");
        b.heures[2].1 -= 15;
        let c = categoriser(&Regles::default(), "recherche_emploi", date, &[a.clone(), b.clone()], &[]);
        assert_eq!(c.categorie, CategorieSortie::Autre, "1 199.75 h, 181 days, nothing under way");
        assert_eq!(c.regles[0].regle, "contrats_successifs");
        assert!(!c.regles[0].satisfaite);
        // 39 weeks = 273 days under contrat.
        let long = contrat(TypeContrat::Cdd, d(2025, 4, 3), Some(d(2025, 12, 31)), 10.0);
        assert_eq!(cat(&[long], &[], date), CategorieSortie::PositiveEmploi, "273 days");
        let short = contrat(TypeContrat::Cdd, d(2025, 4, 4), Some(d(2025, 12, 31)), 10.0);
        assert_eq!(cat(&[short], &[], date), CategorieSortie::Dynamique, "272 days");
    }

    #[test]
    fn alternance_creation_cddi_and_training() {
        let date = d(2025, 7, 1);
        assert_eq!(cat(&[contrat(TypeContrat::Apprentissage, d(2025, 1, 1), Some(d(2026, 12, 31)), 35.0)], &[], date), CategorieSortie::PositiveEmploi);
        // 2 January to 1 July inclusive is six months; from 3 January it is not.
        assert_eq!(cat(&[contrat(TypeContrat::Apprentissage, d(2025, 1, 2), Some(d(2026, 12, 31)), 10.0)], &[], date), CategorieSortie::PositiveEmploi);
        assert_eq!(cat(&[contrat(TypeContrat::Apprentissage, d(2025, 1, 3), Some(d(2026, 12, 31)), 10.0)], &[], date), CategorieSortie::Dynamique);
        // CDDI: strictly more than 12 months.
        assert_eq!(cat(&[contrat(TypeContrat::Cddi, d(2024, 7, 1), None, 26.0)], &[], date), CategorieSortie::Dynamique, "exactly 12 months");
        assert_eq!(cat(&[contrat(TypeContrat::Cddi, d(2024, 5, 1), None, 26.0)], &[], date), CategorieSortie::PositiveEmploi, "14 months");
        let creation = |debut| EtapeFait { type_etape: TypeEtape::CreationEntreprise, sous_type: None, date_debut: debut, date_fin: None, minutes_formation: None };
        assert_eq!(cat(&[], &[creation(d(2025, 1, 1))], date), CategorieSortie::PositiveEmploi);
        assert_eq!(cat(&[], &[creation(d(2025, 1, 3))], date), CategorieSortie::Dynamique);
        let formation = |h: i32| EtapeFait { type_etape: TypeEtape::Formation, sous_type: Some("qualifiante".into()), date_debut: d(2025, 7, 15), date_fin: Some(d(2026, 1, 31)), minutes_formation: Some(h) };
        assert_eq!(cat(&[], &[formation(300 * 60)], date), CategorieSortie::PositiveFormation);
        assert_eq!(cat(&[], &[formation(300 * 60 - 15)], date), CategorieSortie::Dynamique);
    }

    #[test]
    fn thresholds_are_data_and_versionable() {
        let date = d(2025, 6, 20);
        let mut c = contrat(TypeContrat::Interim, d(2025, 1, 6), Some(d(2025, 1, 31)), 35.0);
        c.heures = mois(d(2025, 1, 1), 6, 100 * 60);
        let strict = Regles { interim_heures: Seuil { actif: true, valeur: 600.0, strict: true }, ..Regles::default() };
        assert_eq!(categoriser(&strict, "interim", date, &[c.clone()], &[]).categorie, CategorieSortie::Dynamique);
        let json = serde_json::json!({"interim_heures": {"valeur": 900}, "interim_fenetre_mois": 9});
        let agen: Regles = serde_json::from_value(json).unwrap();
        assert_eq!(agen.cdd_mois, Regles::default().cdd_mois);
        assert_eq!(agen.interim_heures.minutes(), 900 * 60);
        assert!(Regles { cdi_heures_hebdo: Seuil::au_moins(-1.0), ..Regles::default() }.validate().is_err());
        let nothing = categoriser(&Regles::default(), "demenagement", date, &[], &[]);
        assert_eq!(nothing.categorie, CategorieSortie::Autre);
        assert!(nothing.regles.is_empty());
    }
}
