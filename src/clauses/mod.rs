//! The clause module: donneurs d'ordre, opérations, marchés, lots, clauses, entreprises,
//! attributions, mises en emploi. Builds on the parcours core, never the reverse.

pub mod forms;
pub mod pages;
pub mod parametres;
pub mod routes;
pub mod service;
pub mod siret;
pub mod views;

pub use routes::routes;
