//! `heures_mensuelles`: One revision of the hours of a contrat for a month. Hours of a revision are never edited: a correction is a new revision (history kept); only the workflow status of a revision moves. `courante` marks the revision in force (unique per contrat x mois).

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "heures_mensuelles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub contrat_id: i64,
    /// first day of the month
    pub mois: Date,
    pub revision: i32,
    pub courante: bool,
    pub minutes_travail: i32,
    pub minutes_formation: i32,
    pub statut: StatutDeclaration,
    #[sea_orm(column_type = "Text")]
    pub motif: Option<String>,
    pub declare_par_id: Option<i64>,
    pub declare_at: Option<DateTimeUtc>,
    pub decide_par_id: Option<i64>,
    pub decide_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub motif_decision: Option<String>,
    pub created_at: DateTimeUtc,
    /// Who certified the hours declared (« Je certifie l'exactitude des heures déclarées »).
    pub atteste_par_id: Option<i64>,
    pub atteste_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::contrats::Entity", from = "Column::ContratId", to = "super::contrats::Column::Id")]
    Contrat,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::DeclareParId", to = "super::utilisateurs::Column::Id")]
    DeclarePar,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::DecideParId", to = "super::utilisateurs::Column::Id")]
    DecidePar,
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

impl ActiveModelBehavior for ActiveModel {}
