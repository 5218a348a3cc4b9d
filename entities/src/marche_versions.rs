//! `marche_versions`: Modifications of a marché (DECP), kept as versions.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "marche_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub marche_id: i64,
    pub version: i32,
    pub source: String,
    #[sea_orm(column_type = "Json")]
    pub donnees: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::marches::Entity", from = "Column::MarcheId", to = "super::marches::Column::Id")]
    Marche,
}

impl Related<super::structures::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Structure.def()
    }
}

impl Related<super::marches::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Marche.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
