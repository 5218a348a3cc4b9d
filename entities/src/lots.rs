//! `lots`: A lot of a marché (a marché without lots has one lot).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "lots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub marche_id: i64,
    pub numero: String,
    pub intitule: String,
    pub montant_ht_cents: i64,
    /// A lot imported from a DECP record: the digest of that record as notified.
    pub decp_cle: Option<String>,
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
