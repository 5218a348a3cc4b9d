//! # Clausier
//!
//! Follows the *clauses sociales d'insertion* of public procurement and the parcours of
//! the participants they employ, for PLIE and Maisons de l'emploi.
//!
//! ## Glossary (French term → meaning)
//! - **structure**: a tenant (PLIE, Maison de l'emploi); every row belongs to one.
//! - **facilitateur**: the clause officer who links buyers, marchés, companies and
//!   participants, and validates eligibility and declarations.
//! - **référent (de parcours)**: follows participants along their parcours.
//! - **participant**: a person accompanied; **parcours**: their pathway of **étapes**.
//! - **critère (d'éligibilité)**: why a person may be hired on a clause (RSA, DELD…).
//! - **contrat**: a work contract (étape `emploi`); **heures mensuelles**: its monthly
//!   hours, declared (**déclaration**) then validated, revised, never edited in place.
//! - **sortie**: the end of a parcours, categorised by a **protocole** rule set.
//! - **donneur d'ordre**: a public buyer; **opération**: its programme of works;
//!   **marché**: a public contract, in **lots**; **clause**: the insertion obligation
//!   on a lot, with an objective in hours (**heures objectif**).
//! - **entreprise attributaire**: the company that won the marché; **SIAE**: an
//!   insertion company (EI, ETTI, ACI, AI, EITI); **mise en emploi**: a contrat counted
//!   on a clause, with its **modalité**.
//! - **heures réalisées / retenues**: hours worked / hours counted towards the objective.
//! - **bilan**: the report of a perimeter (opération, marché, donneur d'ordre…).
//! - **DECP** (*données essentielles de la commande publique*): the open data of public
//!   contracts, imported by `clausier import decp`.
//!
//! ## Modules
//! `parcours` (the shared core, depends on no other domain module), `clauses`,
//! `auth` (accounts, tokens, `Acteur` and tenant scoping), `web`, `api` (OpenAPI),
//! `mail` (mailer and outbox), `relances` (the reminder jobs run by the `jobs` engine),
//! `decp` (import of public contracts' open data), `bilans`, `demo`, `config`, `db`, `error`.

pub mod antememoire;
pub mod api;
pub mod audit;
pub mod bench;
pub mod bilans;
pub mod charge;
pub mod auth;
pub mod clauses;
pub mod clock;
pub mod comptage;
pub mod config;
pub mod db;
pub mod decp;
pub mod demo;
pub mod error;
pub mod libelles;
pub mod mail;
pub mod parcours;
pub mod relances;
pub mod startup;
pub mod state;
pub mod text;
pub mod texte;
pub mod web;
