//! `sorties`: The end of a parcours, with the category computed by a protocole.

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "sorties")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub participant_id: i64,
    pub date_sortie: Date,
    pub situation: String,
    pub categorie: CategorieSortie,
    pub protocole_id: Option<i64>,
    #[sea_orm(column_type = "Json")]
    pub explication: Json,
    #[sea_orm(column_type = "Text")]
    pub commentaire: Option<String>,
    pub enregistre_par_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::participants::Entity", from = "Column::ParticipantId", to = "super::participants::Column::Id")]
    Participant,
    #[sea_orm(belongs_to = "super::protocoles::Entity", from = "Column::ProtocoleId", to = "super::protocoles::Column::Id")]
    Protocole,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::EnregistreParId", to = "super::utilisateurs::Column::Id")]
    EnregistrePar,
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

impl Related<super::protocoles::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Protocole.def()
    }
}

impl Related<super::utilisateurs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EnregistrePar.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
