//! `contrats`: A work contract (étape emploi). Its monthly hours are heures_mensuelles.

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "contrats")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub participant_id: i64,
    pub etape_id: i64,
    pub employeur_id: i64,
    pub type_contrat: TypeContrat,
    pub date_debut: Date,
    pub date_fin_prevue: Option<Date>,
    pub date_fin_reelle: Option<Date>,
    pub motif_fin: Option<String>,
    /// heures hebdomadaires prévues, in minutes
    pub minutes_hebdo: i32,
    pub poste: String,
    pub code_rome: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::participants::Entity", from = "Column::ParticipantId", to = "super::participants::Column::Id")]
    Participant,
    #[sea_orm(belongs_to = "super::etapes::Entity", from = "Column::EtapeId", to = "super::etapes::Column::Id")]
    Etape,
    #[sea_orm(belongs_to = "super::entreprises::Entity", from = "Column::EmployeurId", to = "super::entreprises::Column::Id")]
    Employeur,
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

impl Related<super::etapes::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Etape.def()
    }
}

impl Related<super::entreprises::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Employeur.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
