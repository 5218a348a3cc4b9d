//! THE SHARED CORE: participants, critères, étapes, contrats, heures mensuelles, sorties,
//! protocole rules. Other PLIE modules use it through `parcours::service` and
//! `/api/v1/participants`. It imports no other domain module.
//!
//! Pure rules live beside the service: `eligibilite` (the eligibility rule), `limites`
//! (monthly hour caps, hours ↔ minutes), `protocole` (exit categories), `parametres`
//! (the structure's settings).

pub mod actions;
pub mod eligibilite;
pub mod forms;
pub mod formulaires;
pub mod limites;
pub mod pages;
pub mod parametres;
pub mod protocole;
pub mod protocoles;
pub mod routes;
pub mod service;
pub mod views;

pub use routes::routes;
