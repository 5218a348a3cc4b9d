//! The validation queue (`/validations`, the dashboard's « à valider », the weekly digest)
//! reads a structure's current revisions « déclarée ». Through `(structure_id, statut)`
//! it also read every earlier revision still marked « déclarée » (a revision replaced keeps
//! its status) and filtered them out: 24 000 rows read for 947 kept in the national data
//! set after a month of corrections (EXPLAIN in the README, « Plans PostgreSQL »).
//! PostgreSQL also gets statistics of the three columns together: without them it takes
//! `courante` as unrelated to `statut`, expects most « déclarée » rows to be current and
//! keeps the old index (measured: 5 484 rows expected, 983 read; with them, 968).

use sea_orm_migration::prelude::*;

use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index("heures_mensuelles", &["structure_id", "statut", "courante"]).to_owned()).await?;
        if m.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            let db = m.get_connection();
            db.execute_unprepared("CREATE STATISTICS IF NOT EXISTS st_heures_mensuelles_structure_statut_courante (mcv) ON structure_id, statut, courante FROM heures_mensuelles").await?;
            db.execute_unprepared("ANALYZE heures_mensuelles").await?;
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}
