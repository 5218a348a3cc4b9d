//! `invitations`: One-time links of a user: to choose its password (an invitation, a
//! forgotten password), or, with `suite`, to sign in and go to that page (the link of a
//! reminder e-mail).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub utilisateur_id: i64,
    pub token_hash: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// A sign-in link: the page it leads to. Empty for a password link.
    pub suite: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::UtilisateurId", to = "super::utilisateurs::Column::Id")]
    Utilisateur,
}

impl Related<super::utilisateurs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Utilisateur.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
