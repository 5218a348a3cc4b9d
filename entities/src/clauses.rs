//! `clauses`: A social clause on a lot, its objective and its counting rule set (JSON, see comptage).

use sea_orm::entity::prelude::*;
#[allow(unused_imports)]
use crate::enums::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "clauses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub structure_id: i64,
    pub lot_id: i64,
    /// The lot's marché and its opération, copied at creation, rewritten only when
    /// a regrouping moves the marché to another opération: the
    /// perimeters of bilans select clauses by them.
    pub marche_id: i64,
    pub operation_id: i64,
    pub r#type: TypeClause,
    pub mode_objectif: ModeObjectif,
    /// mode heures
    pub objectif_minutes: Option<i32>,
    pub calcul_montant_ht_cents: Option<i64>,
    pub calcul_part_main_oeuvre_ppm: Option<i32>,
    pub calcul_taux_insertion_ppm: Option<i32>,
    pub calcul_cout_horaire_cents: Option<i64>,
    /// mode pourcentage_heures
    pub pourcentage_heures_ppm: Option<i32>,
    /// mode heures_par_euro: euros invoiced (in cents) per insertion hour
    pub cents_par_heure: Option<i64>,
    pub objectif_force_minutes: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub motif_forcage: Option<String>,
    pub globalisable: bool,
    pub penalite_par_heure_cents: Option<i64>,
    pub date_debut: Date,
    pub date_fin: Date,
    #[sea_orm(column_type = "Json")]
    pub regles: Json,
    /// mode pourcentage_heures: hours worked on the marché, as reported (minutes)
    pub heures_travaillees_marche_minutes: Option<i64>,
    /// mode heures_par_euro: amount invoiced so far (cents)
    pub montant_facture_cents: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::structures::Entity", from = "Column::StructureId", to = "super::structures::Column::Id")]
    Structure,
    #[sea_orm(belongs_to = "super::lots::Entity", from = "Column::LotId", to = "super::lots::Column::Id")]
    Lot,
    #[sea_orm(belongs_to = "super::operations::Entity", from = "Column::OperationId", to = "super::operations::Column::Id")]
    Operation,
}

impl Related<super::structures::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Structure.def()
    }
}

impl Related<super::lots::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lot.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
