//! THE SHARED CORE: participants, critères, étapes, contrats, heures mensuelles, sorties,
//! protocole rules. Other PLIE modules use it through `parcours::service` and
//! `/api/v1/participants`. It imports no other domain module.

pub mod forms;
pub mod routes;
pub mod service;
pub mod views;

pub use routes::routes;
