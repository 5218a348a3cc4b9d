//! Bilans (domain.md §5, api.md §4): per opération, marché, clause, donneur d'ordre,
//! entreprise and structure, over whole months; JSON, CSV, XLSX and XML from the same
//! value; masked for buyers.

pub mod consolidation;
pub mod export;
pub mod model;
pub mod pages;
pub mod routes;
pub mod service;

pub use routes::routes;
