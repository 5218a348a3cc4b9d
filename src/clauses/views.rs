//! What the clause module's API returns.

use chrono::{DateTime, Utc};
use entities::enums::{TypeDonneurOrdre, TypeEntreprise};
use entities::{donneurs_ordre, entreprises};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct DonneurOrdre {
    pub id: i64,
    pub nom: String,
    pub siret: String,
    #[serde(rename = "type")]
    pub type_: TypeDonneurOrdre,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub commune: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<donneurs_ordre::Model> for DonneurOrdre {
    fn from(m: donneurs_ordre::Model) -> Self {
        DonneurOrdre { id: m.id, nom: m.nom, siret: m.siret, type_: m.r#type, adresse: m.adresse, code_postal: m.code_postal, commune: m.commune, created_at: m.created_at }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Entreprise {
    pub id: i64,
    pub raison_sociale: String,
    pub siret: String,
    #[serde(rename = "type")]
    pub type_: TypeEntreprise,
    /// Structure d'insertion par l'activité économique (derived from the kind).
    pub siae: bool,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub commune: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// SIAE kinds (domain.md §3.2). GEIQ, EA, ESAT, ETT are insertion employers, not SIAE.
pub fn est_siae(kind: TypeEntreprise) -> bool {
    matches!(kind, TypeEntreprise::Ei | TypeEntreprise::Etti | TypeEntreprise::Aci | TypeEntreprise::Ai | TypeEntreprise::Eiti)
}

impl From<entreprises::Model> for Entreprise {
    fn from(m: entreprises::Model) -> Self {
        Entreprise {
            id: m.id,
            raison_sociale: m.raison_sociale,
            siret: m.siret,
            type_: m.r#type,
            siae: est_siae(m.r#type),
            adresse: m.adresse,
            code_postal: m.code_postal,
            commune: m.commune,
            created_at: m.created_at,
        }
    }
}
