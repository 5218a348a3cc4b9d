//! Input of the parcours core, parsed into validated values (French errors per field).

use chrono::{Datelike, NaiveDate};
use entities::enums::{NiveauFormation, Sexe};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    pub nom: String,
    pub prenom: String,
    pub date_naissance: NaiveDate,
    pub sexe: Sexe,
    pub commune: String,
    pub qpv: bool,
    pub niveau_formation: NiveauFormation,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub qpv_code: Option<String>,
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
    pub telephone: Option<String>,
    pub email: Option<String>,
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
