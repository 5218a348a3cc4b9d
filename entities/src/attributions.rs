//! `attributions`: A company on a lot: titulaire (mandataire), cotraitant or soustraitant.

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "attributions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub marche_id: i64,
    pub lot_id: i64,
    pub entreprise_id: i64,
    pub role: RoleAttribution,
    pub montant_ht_cents: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::marches::Entity", from = "Column::MarcheId", to = "super::marches::Column::Id")]
    Marche,
    #[sea_orm(belongs_to = "super::lots::Entity", from = "Column::LotId", to = "super::lots::Column::Id")]
    Lot,
    #[sea_orm(belongs_to = "super::entreprises::Entity", from = "Column::EntrepriseId", to = "super::entreprises::Column::Id")]
    Entreprise,
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

impl Related<super::lots::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lot.def()
    }
}

impl Related<super::entreprises::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Entreprise.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
