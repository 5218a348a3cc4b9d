//! `job_runs`: Ledger of job occurrences: one row per (job, occurrence), leased by one server.

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub job: String,
    pub occurrence_at: DateTimeUtc,
    pub statut: StatutJob,
    pub tentatives: i32,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub erreur: Option<String>,
    #[sea_orm(column_type = "Json")]
    pub resultat: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
}

impl ActiveModelBehavior for ActiveModel {}
