//! `operations`: A programme of works or services of one donneur d'ordre.

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "operations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub donneur_ordre_id: i64,
    pub nom: String,
    pub commune: String,
    pub qpv: bool,
    pub anru: bool,
    pub secteur: Secteur,
    pub date_debut: Option<Date>,
    pub date_fin: Option<Date>,
    pub facilitateur_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::donneurs_ordre::Entity", from = "Column::DonneurOrdreId", to = "super::donneurs_ordre::Column::Id")]
    DonneurOrdre,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::FacilitateurId", to = "super::utilisateurs::Column::Id")]
    Facilitateur,
}

impl Related<super::structures::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Structure.def()
    }
}

impl Related<super::donneurs_ordre::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DonneurOrdre.def()
    }
}

impl Related<super::utilisateurs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Facilitateur.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
