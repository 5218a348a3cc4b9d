//! `criteres`: An eligibility criterion seen and verified for a participant.

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "criteres")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub participant_id: i64,
    pub code: CodeCritere,
    pub libelle: Option<String>,
    pub justificatif: String,
    #[sea_orm(column_type = "Text")]
    pub justification: Option<String>,
    pub date_verification: Date,
    pub verifie_par_id: Option<i64>,
    pub valide_jusqu_au: Option<Date>,
    pub retire_at: Option<DateTimeUtc>,
    pub retire_par_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub motif_retrait: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::participants::Entity", from = "Column::ParticipantId", to = "super::participants::Column::Id")]
    Participant,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::VerifieParId", to = "super::utilisateurs::Column::Id")]
    VerifiePar,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::RetireParId", to = "super::utilisateurs::Column::Id")]
    RetirePar,
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
