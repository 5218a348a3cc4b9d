//! `participants`: A person accompanied (parcours core). Personal data: see domain.md §8.

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "participants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub nom: String,
    pub prenom: String,
    pub date_naissance: Date,
    pub sexe: Sexe,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub commune: String,
    pub qpv: bool,
    pub qpv_code: Option<String>,
    pub niveau_formation: NiveauFormation,
    pub demandeur_emploi_depuis: Option<Date>,
    pub inscrit_france_travail: bool,
    pub beneficiaire_rsa: bool,
    pub beneficiaire_ass: bool,
    pub beneficiaire_aah: bool,
    pub rqth: bool,
    pub telephone: Option<String>,
    pub email: Option<String>,
    pub referent_id: Option<i64>,
    pub prescripteur_type: Option<TypePrescripteur>,
    pub prescripteur_nom: Option<String>,
    pub anonymise_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::utilisateurs::Entity", from = "Column::ReferentId", to = "super::utilisateurs::Column::Id")]
    Referent,
}

impl Related<super::structures::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Structure.def()
    }
}

impl Related<super::utilisateurs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Referent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
