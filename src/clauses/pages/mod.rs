//! The clause module's pages, on the same services as its API: the facilitateur's
//! dashboard and portfolio, the back office (donneurs d'ordre, opérations, marchés,
//! entreprises, clauses) and the monthly hours (declarations, validations).

mod clause;
mod contexte;
mod donneur;
mod entreprise;
mod heures;
mod import;
mod marches;
mod operations;
mod organisations;
mod placement;
mod referent;
mod reglages;
mod structure;
mod tableau;
mod tableur;
mod validations;

use axum::Router;

use crate::state::AppState;

pub use tableau::accueil;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(heures::routes())
        .merge(validations::routes())
        .merge(tableur::routes())
        .merge(organisations::routes())
        .merge(operations::routes())
        .merge(marches::routes())
        .merge(clause::routes())
        .merge(placement::routes())
        .merge(import::routes())
        .merge(reglages::routes())
        .merge(structure::routes())
        .merge(tableau::routes())
}

pub(crate) use crate::web::fil;

/// A lot as pages name it: « Lot unique » for a marché without lots, else its number and title.
pub(crate) fn nom_lot(l: &entities::lots::Model) -> String {
    if l.numero == "unique" { "Lot unique".to_string() } else { format!("Lot {} — {}", l.numero, l.intitule) }
}
