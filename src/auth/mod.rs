//! Accounts and access: users, password hashing, API tokens, and the `Acteur` extractor
//! with the one tenant-scoping mechanism (`scope`).

mod acteur;
pub mod admin;
pub mod comptes;
pub mod invitations;
pub mod liens;
pub mod limites;
pub mod pages;
pub mod password;
pub mod routes;
pub mod scope;
pub mod service;
pub mod session;
pub mod token;

pub use acteur::{Acteur, GESTION};
pub use scope::Tenant;
