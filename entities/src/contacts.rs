//! `contacts`: A person at an entreprise or a donneur d'ordre (receives reminders, bilans).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub entreprise_id: Option<i64>,
    pub donneur_ordre_id: Option<i64>,
    pub nom: String,
    pub prenom: Option<String>,
    pub fonction: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub recoit_relances: bool,
    pub recoit_bilans: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::entreprises::Entity", from = "Column::EntrepriseId", to = "super::entreprises::Column::Id")]
    Entreprise,
    #[sea_orm(belongs_to = "super::donneurs_ordre::Entity", from = "Column::DonneurOrdreId", to = "super::donneurs_ordre::Column::Id")]
    DonneurOrdre,
}

impl Related<super::structures::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Structure.def()
    }
}

impl Related<super::entreprises::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Entreprise.def()
    }
}

impl Related<super::donneurs_ordre::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DonneurOrdre.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
