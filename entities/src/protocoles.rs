//! `protocoles`: A versioned rule set that categorises sorties (per structure).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "protocoles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub nom: String,
    pub version: i32,
    #[sea_orm(column_type = "Json")]
    pub regles: Json,
    pub actif: bool,
    pub cree_par_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::CreeParId", to = "super::utilisateurs::Column::Id")]
    CreePar,
}

impl Related<super::structures::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Structure.def()
    }
}

impl Related<super::utilisateurs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreePar.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
