//! The names around clauses (opération, donneur d'ordre, marché, lot, titulaires), read
//! in a few queries for a whole list of clauses.

use std::collections::HashMap;

use entities::enums::RoleAttribution;
use entities::{attributions, donneurs_ordre, entreprises, lots, marches, operations};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};

use crate::auth::Acteur;
use crate::clauses::views::ClauseComptee;
use crate::error::AppResult;

#[derive(Default)]
pub struct Contexte {
    pub operations: HashMap<i64, operations::Model>,
    pub donneurs: HashMap<i64, String>,
    pub marches: HashMap<i64, marches::Model>,
    pub lots: HashMap<i64, lots::Model>,
    /// The titulaires' names of each lot.
    pub titulaires: HashMap<i64, Vec<String>>,
}

pub async fn contexte(db: &impl ConnectionTrait, a: &Acteur, clauses: &[ClauseComptee]) -> AppResult<Contexte> {
    let lot_ids: Vec<i64> = clauses.iter().map(|c| c.clause.lot_id).collect();
    let marche_ids: Vec<i64> = clauses.iter().map(|c| c.marche_id).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let lots: HashMap<i64, lots::Model> = a.scoped::<lots::Entity>().filter(lots::Column::Id.is_in(lot_ids.clone())).all(db).await?.into_iter().map(|l| (l.id, l)).collect();
    let marches: HashMap<i64, marches::Model> = a.scoped::<marches::Entity>().filter(marches::Column::Id.is_in(marche_ids)).all(db).await?.into_iter().map(|m| (m.id, m)).collect();
    let op_ids: Vec<i64> = marches.values().map(|m| m.operation_id).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let operations: HashMap<i64, operations::Model> = a.scoped::<operations::Entity>().filter(operations::Column::Id.is_in(op_ids)).all(db).await?.into_iter().map(|o| (o.id, o)).collect();
    let do_ids: Vec<i64> = operations.values().map(|o| o.donneur_ordre_id).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let donneurs = a.scoped::<donneurs_ordre::Entity>().filter(donneurs_ordre::Column::Id.is_in(do_ids)).all(db).await?.into_iter().map(|d| (d.id, d.nom)).collect();
    let attributions = a
        .scoped::<attributions::Entity>()
        .filter(attributions::Column::LotId.is_in(lot_ids))
        .filter(attributions::Column::Role.eq(RoleAttribution::Titulaire))
        .all(db)
        .await?;
    let ent_ids: Vec<i64> = attributions.iter().map(|t| t.entreprise_id).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let noms: HashMap<i64, String> = a.scoped::<entreprises::Entity>().filter(entreprises::Column::Id.is_in(ent_ids)).all(db).await?.into_iter().map(|e| (e.id, e.raison_sociale)).collect();
    let mut titulaires: HashMap<i64, Vec<String>> = HashMap::new();
    for t in attributions {
        titulaires.entry(t.lot_id).or_default().push(noms.get(&t.entreprise_id).cloned().unwrap_or_default());
    }
    Ok(Contexte { operations, donneurs, marches, lots, titulaires })
}
