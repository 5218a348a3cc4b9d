//! `referent_assignations`: History of who followed a participant, and when.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "referent_assignations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub participant_id: i64,
    pub referent_id: i64,
    pub du: Date,
    pub au: Option<Date>,
    pub assigne_par_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::participants::Entity", from = "Column::ParticipantId", to = "super::participants::Column::Id")]
    Participant,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::ReferentId", to = "super::utilisateurs::Column::Id")]
    Referent,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::AssigneParId", to = "super::utilisateurs::Column::Id")]
    AssignePar,
}

impl Related<super::structures::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Structure.def()
    }
}

impl Related<super::participants::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Participant.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
