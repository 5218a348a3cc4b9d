//! `emails`: Outbox: one row per (kind, recipient, period); the sender delivers and marks it.

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "emails")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: Option<i64>,
    pub kind: String,
    pub destinataire: String,
    pub periode: String,
    pub sujet: String,
    #[sea_orm(column_type = "Text")]
    pub corps_texte: String,
    #[sea_orm(column_type = "Text")]
    pub corps_html: String,
    pub statut: StatutEnvoi,
    pub tentatives: i32,
    pub prochain_essai_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub derniere_erreur: Option<String>,
    pub created_at: DateTimeUtc,
    pub envoye_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
}

impl Related<super::structures::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Structure.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
