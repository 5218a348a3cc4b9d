//! Clausier's migrations: one file per change (`mYYYYMMDD_HHMMSS_what.rs`), forward-only,
//! giving the same schema on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_schema;
mod m20261122_000002_clause_assiette;
mod m20261122_000003_index_structure;
mod m20261122_000004_outbox_structure;
mod m20261122_000005_invitations;
mod m20261128_000001_perimetre;
mod m20261129_000001_audit_version;
mod m20261129_000002_tentatives_connexion;
mod m20261129_000003_email_par_structure;
mod m20261129_000004_attestation;
mod m20261129_000005_lien_connexion;
mod m20261129_000006_decp_lots;
mod m20261129_000007_identifiant_entreprise;
mod m20261130_000001_index_file_validation;
mod m20261207_000001_index_redondants;
mod m20261208_000001_cles_composees;
mod util;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_schema::Migration),
            Box::new(m20261122_000002_clause_assiette::Migration),
            Box::new(m20261122_000003_index_structure::Migration),
            Box::new(m20261122_000004_outbox_structure::Migration),
            Box::new(m20261122_000005_invitations::Migration),
            Box::new(m20261128_000001_perimetre::Migration),
            Box::new(m20261129_000001_audit_version::Migration),
            Box::new(m20261129_000002_tentatives_connexion::Migration),
            Box::new(m20261129_000003_email_par_structure::Migration),
            Box::new(m20261129_000004_attestation::Migration),
            Box::new(m20261129_000005_lien_connexion::Migration),
            Box::new(m20261129_000006_decp_lots::Migration),
            Box::new(m20261129_000007_identifiant_entreprise::Migration),
            Box::new(m20261130_000001_index_file_validation::Migration),
            Box::new(m20261207_000001_index_redondants::Migration),
            Box::new(m20261208_000001_cles_composees::Migration),
        ]
    }
}
