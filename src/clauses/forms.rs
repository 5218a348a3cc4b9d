//! Input of the clause module, parsed into validated values (French errors per field).

use entities::enums::{TypeDonneurOrdre, TypeEntreprise};
use serde::Deserialize;
use utoipa::ToSchema;

use super::siret::Siret;
use crate::error::{AppError, AppResult, FieldError};
use crate::text::clean;

/// A buyer's or a company's identity, shared by both forms.
#[derive(Debug, Clone)]
pub struct Organisation {
    pub nom: String,
    pub siret: Siret,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub commune: Option<String>,
}

fn organisation(nom_field: &str, nom: &str, siret: &str, adresse: &Option<String>, code_postal: &Option<String>, commune: &Option<String>) -> AppResult<Organisation> {
    let mut errors = Vec::new();
    let nom = nom.trim();
    if nom.is_empty() || nom.chars().count() > 255 {
        errors.push(FieldError::new(nom_field, "Obligatoire, 255 caractères au plus."));
    }
    let siret = Siret::parse(siret).map_err(|m| errors.push(FieldError::new("siret", m))).ok();
    let code_postal = clean(code_postal);
    if let Some(cp) = &code_postal {
        if cp.len() != 5 || !cp.bytes().all(|b| b.is_ascii_alphanumeric()) {
            errors.push(FieldError::new("code_postal", "Le code postal compte 5 caractères."));
        }
    }
    match siret {
        Some(siret) if errors.is_empty() => Ok(Organisation { nom: nom.to_string(), siret, adresse: clean(adresse), code_postal, commune: clean(commune) }),
        _ => Err(AppError::Invalid(errors)),
    }
}


#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DonneurOrdreInput {
    pub nom: String,
    pub siret: String,
    #[serde(rename = "type")]
    pub type_: TypeDonneurOrdre,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub commune: Option<String>,
}

impl DonneurOrdreInput {
    pub fn parse(&self) -> AppResult<Organisation> {
        organisation("nom", &self.nom, &self.siret, &self.adresse, &self.code_postal, &self.commune)
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntrepriseInput {
    pub raison_sociale: String,
    pub siret: String,
    #[serde(rename = "type")]
    pub type_: TypeEntreprise,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub commune: Option<String>,
}

impl EntrepriseInput {
    pub fn parse(&self) -> AppResult<Organisation> {
        organisation("raison_sociale", &self.raison_sociale, &self.siret, &self.adresse, &self.code_postal, &self.commune)
    }
}
