//! Clausier's data model: one module per table (sea-orm entities), enums in `enums`.
//! Data only: no behaviour, no I/O. Hours are integer minutes, money integer cents,
//! ratios integer parts per million: never binary floats.

pub mod enums;
pub mod structures;
pub mod entreprises;
pub mod donneurs_ordre;
pub mod utilisateurs;
pub mod api_tokens;
pub mod sessions;
pub mod participants;
pub mod referent_assignations;
pub mod criteres;
pub mod etapes;
pub mod contrats;
pub mod heures_mensuelles;
pub mod protocoles;
pub mod sorties;
pub mod suivis_six_mois;
pub mod contacts;
pub mod operations;
pub mod marches;
pub mod marche_versions;
pub mod lots;
pub mod clauses;
pub mod attributions;
pub mod mises_en_emploi;
pub mod audit_log;
pub mod emails;
pub mod invitations;
pub mod job_runs;
pub mod tentatives_connexion;

/// Every table that carries a `structure_id` (tenant data).
pub const TENANT_TABLES: &[&str] = &[
    "entreprises",
    "donneurs_ordre",
    "utilisateurs",
    "api_tokens",
    "sessions",
    "participants",
    "referent_assignations",
    "criteres",
    "etapes",
    "contrats",
    "heures_mensuelles",
    "protocoles",
    "sorties",
    "suivis_six_mois",
    "contacts",
    "operations",
    "marches",
    "marche_versions",
    "lots",
    "clauses",
    "attributions",
    "mises_en_emploi",
    "audit_log",
    "emails",
    "invitations",
];
