//! `suivis_six_mois`: Situation 6 months after a contrat ends.

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "suivis_six_mois")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub contrat_id: i64,
    pub date_echeance: Date,
    pub date_realisation: Option<Date>,
    pub situation: Option<SituationSuivi>,
    #[sea_orm(column_type = "Text")]
    pub commentaire: Option<String>,
    pub renseigne_par_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::contrats::Entity", from = "Column::ContratId", to = "super::contrats::Column::Id")]
    Contrat,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::RenseigneParId", to = "super::utilisateurs::Column::Id")]
    RenseignePar,
}

impl Related<super::structures::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Structure.def()
    }
}

impl Related<super::contrats::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contrat.def()
    }
}

impl Related<super::utilisateurs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RenseignePar.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
