//! The rule set of a clause (domain.md §4): every setting, with the defaults written
//! there. Stored as JSON in `clauses.regles`; a missing key takes its default, so an
//! empty object `{}` is the default rule set.

use std::collections::BTreeMap;

use entities::enums::{Modalite, TypeContrat};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ppm;
use crate::error::FieldError;
use crate::text::code;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReglesComptage {
    /// Rule 2: only hours of a participant eligible at the contrat start are retenues.
    pub eligibilite_requise: bool,
    /// Rule 3: coefficient per contract type (`{"cdi": 1.5}`); 1 when absent.
    #[schema(value_type = Object)]
    pub coefficients_type_contrat: BTreeMap<String, f64>,
    /// Rule 3: coefficient per modalité; 1 when absent.
    #[schema(value_type = Object)]
    pub coefficients_modalite: BTreeMap<String, f64>,
    /// Rule 4: training hours count.
    pub formation_comptee: bool,
    /// Rule 4: cap of training hours, as a share of the objective (0.2 = 20 %); none by default.
    pub plafond_formation: Option<f64>,
    /// Rule 5: only the first N months of a CDI count; no cap by default.
    pub cdi_mois_comptes: Option<u32>,
    /// Rule 5: flat bonus of hours counted at the signature of a CDI (default 0).
    pub bonus_signature_cdi_heures: f64,
    /// Rule 6: SIAE sous-traitance without named hours converted from its amount
    /// (montant × part MO ÷ coût horaire), flagged `estimee`; off by default.
    pub sous_traitance_estimee: bool,
    pub sous_traitance_part_main_oeuvre: f64,
    pub sous_traitance_cout_horaire: f64,
    /// Progress thresholds (domain.md §4, "Progress of a clause").
    pub avancement: SeuilsAvancement,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SeuilsAvancement {
    /// `en_retard` under this share of the expected hours.
    pub retard: f64,
    /// `critique` under this share of the expected hours…
    pub critique: f64,
    /// …once this share of the period has elapsed.
    pub critique_periode_ecoulee: f64,
    /// `en_avance` above this share of the expected hours.
    pub avance: f64,
    /// `non_demarree` when no hour is retained this many months after the start.
    pub non_demarree_mois: u32,
}

impl SeuilsAvancement {
    /// What is wrong with these thresholds, in French (one rule for a clause's and a
    /// structure's).
    pub fn erreur(&self) -> Option<&'static str> {
        let a = self;
        let bons = 0.0 < a.critique && a.critique <= a.retard && a.retard <= 1.0 && a.avance >= 1.0 && a.avance <= 10.0 && (0.0..=1.0).contains(&a.critique_periode_ecoulee) && a.non_demarree_mois <= 24;
        (!bons).then_some("Seuils attendus : 0 < critique ≤ retard ≤ 100 % ≤ avance ; période écoulée entre 0 et 100 % ; au plus 24 mois.")
    }
}

impl Default for SeuilsAvancement {
    fn default() -> Self {
        SeuilsAvancement { retard: 0.8, critique: 0.5, critique_periode_ecoulee: 0.25, avance: 1.1, non_demarree_mois: 1 }
    }
}

impl Default for ReglesComptage {
    fn default() -> Self {
        ReglesComptage {
            eligibilite_requise: true,
            coefficients_type_contrat: BTreeMap::new(),
            coefficients_modalite: BTreeMap::new(),
            formation_comptee: true,
            plafond_formation: None,
            cdi_mois_comptes: None,
            bonus_signature_cdi_heures: 0.0,
            sous_traitance_estimee: false,
            sous_traitance_part_main_oeuvre: 0.5,
            sous_traitance_cout_horaire: 30.0,
            avancement: SeuilsAvancement::default(),
        }
    }
}


impl ReglesComptage {
    /// Reads a stored rule set from its JSON text (unknown or broken content falls back
    /// to the defaults; key by key is not possible: a stored set was validated when
    /// written).
    pub fn from_texte(texte: &str) -> ReglesComptage {
        serde_json::from_str(texte).unwrap_or_default()
    }

    /// Coefficient (ppm) for a contract type and a modalité: the product of both.
    pub fn coefficient_ppm(&self, t: TypeContrat, m: Modalite) -> i64 {
        // The default rule set has none: no code to name for each contrat of each clause.
        if self.coefficients_type_contrat.is_empty() && self.coefficients_modalite.is_empty() {
            return 1_000_000;
        }
        let a = self.coefficients_type_contrat.get(&code(t)).map_or(1_000_000, |x| ppm(*x));
        let b = self.coefficients_modalite.get(&code(m)).map_or(1_000_000, |x| ppm(*x));
        super::mul_div_round(a, b, 1_000_000)
    }

    pub fn bonus_cdi_minutes(&self) -> i64 {
        (self.bonus_signature_cdi_heures * 60.0).round() as i64
    }

    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let types: Vec<String> = entities_codes::<TypeContrat>();
        let modalites: Vec<String> = entities_codes::<Modalite>();
        for (k, v) in &self.coefficients_type_contrat {
            if !types.contains(k) {
                errors.push(FieldError::new(format!("regles.coefficients_type_contrat.{k}"), format!("Type de contrat inconnu ; valeurs possibles : {}.", types.join(", "))));
            }
            if !(0.0..=10.0).contains(v) {
                errors.push(FieldError::new(format!("regles.coefficients_type_contrat.{k}"), "Coefficient entre 0 et 10."));
            }
        }
        for (k, v) in &self.coefficients_modalite {
            if !modalites.contains(k) {
                errors.push(FieldError::new(format!("regles.coefficients_modalite.{k}"), format!("Modalité inconnue ; valeurs possibles : {}.", modalites.join(", "))));
            }
            if !(0.0..=10.0).contains(v) {
                errors.push(FieldError::new(format!("regles.coefficients_modalite.{k}"), "Coefficient entre 0 et 10."));
            }
        }
        if self.plafond_formation.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            errors.push(FieldError::new("regles.plafond_formation", "Part de l'objectif entre 0 et 1."));
        }
        if self.cdi_mois_comptes.is_some_and(|m| m == 0 || m > 120) {
            errors.push(FieldError::new("regles.cdi_mois_comptes", "Entre 1 et 120 mois."));
        }
        if !(0.0..=2000.0).contains(&self.bonus_signature_cdi_heures) || (self.bonus_signature_cdi_heures * 4.0).fract() != 0.0 {
            errors.push(FieldError::new("regles.bonus_signature_cdi_heures", "Entre 0 et 2 000 heures, par quarts d'heure."));
        }
        if !(0.0..=1.0).contains(&self.sous_traitance_part_main_oeuvre) {
            errors.push(FieldError::new("regles.sous_traitance_part_main_oeuvre", "Part entre 0 et 1."));
        }
        if !(self.sous_traitance_cout_horaire > 0.0 && self.sous_traitance_cout_horaire <= 1000.0) {
            errors.push(FieldError::new("regles.sous_traitance_cout_horaire", "Coût horaire entre 0 et 1 000 €."));
        }
        if let Some(m) = self.avancement.erreur() {
            errors.push(FieldError::new("regles.avancement", m));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// The snake_case codes of an enum of the data model.
fn entities_codes<T: sea_orm::Iterable + Serialize>() -> Vec<String> {
    T::iter().map(code).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_is_the_default_and_coefficients_multiply() {
        let r: ReglesComptage = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(r, ReglesComptage::default());
        assert_eq!(r.coefficient_ppm(TypeContrat::Cdi, Modalite::EmbaucheDirecte), 1_000_000);
        let r: ReglesComptage = serde_json::from_value(serde_json::json!({"coefficients_type_contrat": {"cdi": 1.5}, "coefficients_modalite": {"embauche_directe": 0.5}})).unwrap();
        assert_eq!(r.coefficient_ppm(TypeContrat::Cdi, Modalite::EmbaucheDirecte), 750_000);
        assert_eq!(r.coefficient_ppm(TypeContrat::Cdd, Modalite::Formation), 1_000_000);
        assert!(r.validate().is_ok());
    }

    #[test]
    fn bad_rule_sets_are_named() {
        let r: ReglesComptage = serde_json::from_value(serde_json::json!({"coefficients_type_contrat": {"cdix": 1.5}, "plafond_formation": 2})).unwrap();
        let errors = r.validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["regles.coefficients_type_contrat.cdix", "regles.plafond_formation"]);
        assert!(serde_json::from_value::<ReglesComptage>(serde_json::json!({"inconnu": 1})).is_err());
    }
}
