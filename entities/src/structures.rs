//! `structures`: Tenant: one PLIE / Maison de l'emploi. Every other row belongs to one.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "structures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub nom: String,
    /// Structure settings (eligibility window, reminders...), see ParametresStructure
    #[sea_orm(column_type = "Json")]
    pub parametres: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
}

impl ActiveModelBehavior for ActiveModel {}
