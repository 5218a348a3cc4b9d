//! Input of the parcours core, parsed into validated values (French errors per field).

use chrono::{Datelike, NaiveDate};
use entities::enums::{NiveauFormation, Sexe};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    #[serde(deserialize_with = "crate::texte::court")]
    pub nom: String,
    #[serde(deserialize_with = "crate::texte::court")]
    pub prenom: String,
    #[serde(deserialize_with = "crate::texte::date")]
    pub date_naissance: NaiveDate,
    pub sexe: Sexe,
    #[serde(deserialize_with = "crate::texte::court")]
    pub commune: String,
    pub qpv: bool,
    pub niveau_formation: NiveauFormation,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub adresse: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub code_postal: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub qpv_code: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::date_opt")]
    pub demandeur_emploi_depuis: Option<NaiveDate>,
    #[serde(default)]
    pub inscrit_france_travail: bool,
    #[serde(default)]
    pub beneficiaire_rsa: bool,
    #[serde(default)]
    pub beneficiaire_ass: bool,
    #[serde(default)]
    pub beneficiaire_aah: bool,
    #[serde(default)]
    pub rqth: bool,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub telephone: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub email: Option<String>,
    pub prescripteur_type: Option<entities::enums::TypePrescripteur>,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub prescripteur_nom: Option<String>,
}

/// Age limits of a participant at registration (work age, and a typo guard).
const AGE_MIN: i32 = 15;
const AGE_MAX: i32 = 80;

fn required(errors: &mut Vec<FieldError>, field: &str, value: &str) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(FieldError::new(field, "Ce champ est obligatoire."));
    } else if v.chars().count() > 100 {
        errors.push(FieldError::new(field, "100 caractères au plus."));
    }
    v.to_string()
}

pub fn age_at(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

impl ParticipantInput {
    /// Checks the input against `today`; returns it trimmed, or every error at once.
    pub fn validate(mut self, today: NaiveDate) -> AppResult<ParticipantInput> {
        let mut errors = Vec::new();
        self.nom = required(&mut errors, "nom", &self.nom);
        self.prenom = required(&mut errors, "prenom", &self.prenom);
        self.commune = required(&mut errors, "commune", &self.commune);
        let age = age_at(self.date_naissance, today);
        if !(AGE_MIN..=AGE_MAX).contains(&age) {
            errors.push(FieldError::new("date_naissance", format!("La date de naissance donne {age} ans : l'âge doit être entre {AGE_MIN} et {AGE_MAX} ans.")));
        }
        if let Some(d) = self.demandeur_emploi_depuis {
            if d > today || d < self.date_naissance {
                errors.push(FieldError::new("demandeur_emploi_depuis", "Date impossible (dans le futur ou avant la naissance)."));
            }
        }
        if self.qpv_code.as_deref().is_some_and(|c| !c.trim().is_empty()) && !self.qpv {
            errors.push(FieldError::new("qpv_code", "Un code QPV n'a de sens que pour un résident QPV (qpv = true)."));
        }
        if self.email.as_deref().is_some_and(|e| !e.trim().is_empty() && !e.contains('@')) {
            errors.push(FieldError::new("email", "Adresse e-mail invalide."));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(AppError::Invalid(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::age_at;
    use chrono::NaiveDate;

    #[test]
    fn age_turns_on_the_birthday() {
        let d = |y, m, j| NaiveDate::from_ymd_opt(y, m, j).unwrap();
        assert_eq!(age_at(d(2000, 3, 15), d(2026, 3, 14)), 25);
        assert_eq!(age_at(d(2000, 3, 15), d(2026, 3, 15)), 26);
        assert_eq!(age_at(d(2000, 2, 29), d(2026, 2, 28)), 25);
    }
}

// ---------------------------------------------------------------- search, référent

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RechercheParticipants {
    /// Part of the nom or prénom (case-insensitive).
    pub q: Option<String>,
    pub commune: Option<String>,
    pub referent_id: Option<i64>,
    pub page: Option<u64>,
    pub par_page: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferentInput {
    /// The user who follows the participant from now on (`null` = nobody).
    pub referent_id: Option<i64>,
}

// ---------------------------------------------------------------- critères

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CritereInput {
    pub code: entities::enums::CodeCritere,
    #[serde(deserialize_with = "crate::texte::date")]
    pub date_verification: NaiveDate,
    /// The kind of proof seen (never the document itself).
    #[serde(deserialize_with = "crate::texte::court")]
    pub justificatif: String,
    /// Free label, required for `autre`.
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub libelle: Option<String>,
    /// The facilitateur's justification, required for `autre`.
    #[serde(default, deserialize_with = "crate::texte::long_opt")]
    pub justification: Option<String>,
    #[serde(default, deserialize_with = "crate::texte::date_opt")]
    pub valide_jusqu_au: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetraitInput {
    #[serde(deserialize_with = "crate::texte::long")]
    pub motif: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default, deserialize_with = "crate::texte::date_opt")]
    pub date: Option<NaiveDate>,
}

// ---------------------------------------------------------------- étapes

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EtapeInput {
    #[serde(rename = "type")]
    pub type_: entities::enums::TypeEtape,
    /// levee_freins: logement, sante, mobilite, garde, budget, justice;
    /// formation: qualifiante, non_qualifiante; mobilisation: pmsmp…
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub sous_type: Option<String>,
    #[serde(deserialize_with = "crate::texte::long")]
    pub intitule: String,
    #[serde(deserialize_with = "crate::texte::date")]
    pub date_debut: NaiveDate,
    #[serde(default, deserialize_with = "crate::texte::date_opt")]
    pub date_fin: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::texte::long_opt")]
    pub resultat: Option<String>,
    /// Formation: length in hours (quarters).
    pub heures_formation: Option<f64>,
    /// Formation: RNCP / CQP certification.
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub certification: Option<String>,
}

// ---------------------------------------------------------------- contrats

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContratInput {
    pub employeur_id: i64,
    pub type_contrat: entities::enums::TypeContrat,
    #[serde(deserialize_with = "crate::texte::date")]
    pub date_debut: NaiveDate,
    #[serde(default, deserialize_with = "crate::texte::date_opt")]
    pub date_fin_prevue: Option<NaiveDate>,
    pub heures_hebdo: f64,
    #[serde(deserialize_with = "crate::texte::court")]
    pub poste: String,
    #[serde(default, deserialize_with = "crate::texte::court_opt")]
    pub code_rome: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinContratInput {
    #[serde(deserialize_with = "crate::texte::date")]
    pub date_fin_reelle: NaiveDate,
    #[serde(deserialize_with = "crate::texte::court")]
    pub motif_fin: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuiviInput {
    pub situation: entities::enums::SituationSuivi,
    #[serde(deserialize_with = "crate::texte::date")]
    pub date_realisation: NaiveDate,
    #[serde(default, deserialize_with = "crate::texte::long_opt")]
    pub commentaire: Option<String>,
}

// ---------------------------------------------------------------- heures

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeuresInput {
    pub heures_travail: f64,
    #[serde(default)]
    pub heures_formation: f64,
    /// Required to correct a validated month (it becomes a new revision).
    #[serde(default, deserialize_with = "crate::texte::long_opt")]
    pub motif: Option<String>,
    /// The revision this change is based on: 409 if another one was recorded since.
    pub revision: Option<i32>,
    /// Save without declaring (only while nothing was declared for the month).
    #[serde(default)]
    pub brouillon: bool,
    /// « Je certifie l'exactitude des heures déclarées »: required of a company user who
    /// declares (not for a draft); who certified and when is kept with the revision.
    #[serde(default)]
    pub attestation: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Validee,
    ACorriger,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidationInput {
    pub decision: Decision,
    #[serde(default, deserialize_with = "crate::texte::long_opt")]
    pub motif: Option<String>,
    pub revision: Option<i32>,
}

// ---------------------------------------------------------------- sorties, protocoles

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SortieInput {
    #[serde(deserialize_with = "crate::texte::date")]
    pub date_sortie: NaiveDate,
    /// What the person goes to: cdi, cdd, interim, alternance, contrat_aide, cddi,
    /// creation_entreprise, formation_qualifiante, formation, emploi, recherche_emploi,
    /// levee_freins, abandon, demenagement, reorientation, sante, autre.
    #[serde(deserialize_with = "crate::texte::court")]
    pub situation: String,
    #[serde(default, deserialize_with = "crate::texte::long_opt")]
    pub commentaire: Option<String>,
}

pub const SITUATIONS_SORTIE: &[&str] = &[
    "cdi", "cdd", "interim", "alternance", "contrat_aide", "cddi", "creation_entreprise", "formation_qualifiante", "formation", "emploi",
    "recherche_emploi", "levee_freins", "abandon", "demenagement", "reorientation", "sante", "autre",
];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtocoleInput {
    #[serde(deserialize_with = "crate::texte::court")]
    pub nom: String,
    #[serde(default)]
    pub regles: super::protocole::Regles,
}
