//! `mises_en_emploi`: Links a core contrat to a clause and the attributaire on whose marché hours are worked.

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "mises_en_emploi")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub contrat_id: i64,
    pub clause_id: i64,
    /// The clause's marché and opération, copied at creation, rewritten only when a
    /// regrouping moves the marché to another opération: the perimeters of bilans select links by them.
    pub marche_id: i64,
    pub operation_id: i64,
    pub attributaire_id: i64,
    pub modalite: Modalite,
    pub valide_par_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::contrats::Entity", from = "Column::ContratId", to = "super::contrats::Column::Id")]
    Contrat,
    #[sea_orm(belongs_to = "super::clauses::Entity", from = "Column::ClauseId", to = "super::clauses::Column::Id")]
    Clause,
    #[sea_orm(belongs_to = "super::entreprises::Entity", from = "Column::AttributaireId", to = "super::entreprises::Column::Id")]
    Attributaire,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::ValideParId", to = "super::utilisateurs::Column::Id")]
    ValidePar,
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

impl Related<super::clauses::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Clause.def()
    }
}

impl Related<super::entreprises::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Attributaire.def()
    }
}

impl Related<super::utilisateurs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ValidePar.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
