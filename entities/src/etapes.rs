//! `etapes`: One step of a parcours. An `emploi` étape carries a contrat.

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "etapes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub participant_id: i64,
    pub r#type: TypeEtape,
    pub sous_type: Option<String>,
    pub intitule: String,
    pub date_debut: Date,
    pub date_fin: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub resultat: Option<String>,
    pub minutes_formation: Option<i32>,
    pub certification: Option<String>,
    pub sensible: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::participants::Entity", from = "Column::ParticipantId", to = "super::participants::Column::Id")]
    Participant,
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
