//! Clausier's integration tests, through the public surface (HTTP API and CLI).
//! SQLite by default; PostgreSQL when CLAUSIER_TEST_POSTGRES=postgres://… is set.

mod helpers;

mod admin;

mod heures;
mod liens;
mod matrice;

mod auth;
mod bornes;
mod bilans;
mod pages;
mod pages_clause;
mod pages_parcours;
mod parcours;
mod clauses;
mod cli;
mod decp;
mod droits_pages;
mod errors;
mod referentiels;
mod relances;
mod schema;
mod sauvegarde;
mod sorties;
mod tableur;
mod toutes_pages;
mod scope;
