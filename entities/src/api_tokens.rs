//! `api_tokens`: Bearer tokens for the REST API; only a SHA-256 of the token is stored.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub utilisateur_id: i64,
    pub token_hash: String,
    pub label: String,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::UtilisateurId", to = "super::utilisateurs::Column::Id")]
    Utilisateur,
}

impl Related<super::structures::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Structure.def()
    }
}

impl Related<super::utilisateurs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Utilisateur.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
