//! The names around clauses (opération, donneur d'ordre, marché, lot, titulaires), read
//! in a few queries for all the clauses of a structure.

use std::collections::HashMap;

use entities::enums::RoleAttribution;
use entities::{attributions, clauses, donneurs_ordre, entreprises, lots, marches, operations};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};

use crate::auth::Acteur;
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

/// The names around every clause of the caller's structure, each table read once, its
/// rows found by a subquery on the structure's clauses (no id lists: PostgreSQL plans a
/// list of thousands of ids slowly).
pub async fn contexte(db: &impl ConnectionTrait, a: &Acteur) -> AppResult<Contexte> {
    let des_clauses = |col: clauses::Column| Query::select().column(col).from(clauses::Entity).and_where(clauses::Column::StructureId.eq(a.structure_id)).to_owned();
    let lots: HashMap<i64, lots::Model> = a.scoped::<lots::Entity>().filter(lots::Column::Id.in_subquery(des_clauses(clauses::Column::LotId))).all(db).await?.into_iter().map(|l| (l.id, l)).collect();
    let marches: HashMap<i64, marches::Model> = a.scoped::<marches::Entity>().filter(marches::Column::Id.in_subquery(des_clauses(clauses::Column::MarcheId))).all(db).await?.into_iter().map(|m| (m.id, m)).collect();
    let operations: HashMap<i64, operations::Model> = a.scoped::<operations::Entity>().filter(operations::Column::Id.in_subquery(des_clauses(clauses::Column::OperationId))).all(db).await?.into_iter().map(|o| (o.id, o)).collect();
    let do_ids: Vec<i64> = operations.values().map(|o| o.donneur_ordre_id).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let donneurs = a.scoped::<donneurs_ordre::Entity>().filter(donneurs_ordre::Column::Id.is_in(do_ids)).all(db).await?.into_iter().map(|d| (d.id, d.nom)).collect();
    let attributions = a
        .scoped::<attributions::Entity>()
        .filter(attributions::Column::LotId.in_subquery(des_clauses(clauses::Column::LotId)))
        .filter(attributions::Column::Role.eq(RoleAttribution::Titulaire))
        .all(db)
        .await?;
    let titulaires_ids = Query::select()
        .column(attributions::Column::EntrepriseId)
        .from(attributions::Entity)
        .and_where(attributions::Column::StructureId.eq(a.structure_id))
        .and_where(attributions::Column::Role.eq(RoleAttribution::Titulaire))
        .and_where(attributions::Column::LotId.in_subquery(des_clauses(clauses::Column::LotId)))
        .to_owned();
    let noms: HashMap<i64, String> = a.scoped::<entreprises::Entity>().filter(entreprises::Column::Id.in_subquery(titulaires_ids)).all(db).await?.into_iter().map(|e| (e.id, e.raison_sociale)).collect();
    let mut titulaires: HashMap<i64, Vec<String>> = HashMap::new();
    for t in attributions {
        titulaires.entry(t.lot_id).or_default().push(noms.get(&t.entreprise_id).cloned().unwrap_or_default());
    }
    Ok(Contexte { operations, donneurs, marches, lots, titulaires })
}
