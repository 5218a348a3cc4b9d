//! `marches`: A public contract (marché), in an opération; DECP uid when imported.

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "marches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub operation_id: i64,
    pub numero: String,
    pub decp_uid: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub objet: String,
    pub nature: NatureMarche,
    pub code_cpv: Option<String>,
    pub procedure: Option<String>,
    pub montant_ht_cents: i64,
    pub date_notification: Option<Date>,
    pub date_debut: Date,
    pub date_fin: Date,
    pub duree_mois: Option<i32>,
    pub lieu_execution: Option<String>,
    /// Imported: the digest of what the DECP files said of the marché (all its records).
    pub decp_empreinte: Option<String>,
    /// Imported: the publication date of that data (`datePublicationDonnees`).
    pub decp_publie_le: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::operations::Entity", from = "Column::OperationId", to = "super::operations::Column::Id")]
    Operation,
}

impl Related<super::structures::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Structure.def()
    }
}

impl Related<super::operations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Operation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
