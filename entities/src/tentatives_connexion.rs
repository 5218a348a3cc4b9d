//! `tentatives_connexion`: failed logins counted per key (`compte:<e-mail>` or
//! `ip:<address>`) in a window, to slow down password guessing. Not tenant data: a login
//! is tried before anyone knows the structure.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "tentatives_connexion")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub cle: String,
    /// Start of the current window.
    pub debut: DateTimeUtc,
    pub echecs: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
