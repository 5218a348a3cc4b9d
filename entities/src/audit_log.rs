//! `audit_log`: Who changed what, when, before/after (domain.md §8).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub utilisateur_id: Option<i64>,
    pub action: String,
    pub entite: String,
    pub entite_id: i64,
    #[sea_orm(column_type = "Json")]
    pub avant: Option<Json>,
    #[sea_orm(column_type = "Json")]
    pub apres: Option<Json>,
    pub created_at: DateTimeUtc,
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
