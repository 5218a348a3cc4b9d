//! The marché and opération of every clause and of every mise en emploi, copied beside
//! `lot_id` / `clause_id`, so that a bilan finds its perimeter's rows in one index range
//! (opération → clauses, opération → links) instead of walking marchés → lots → clauses
//! in each read (measured on the national set: half of a bilan's database work).
//!
//! The copies never go stale: a lot never changes marché, a marché never changes
//! opération, a clause never changes lot and a link never changes clause. They are
//! written once, when the row is created. NOT NULL with a default of 0 because SQLite
//! adds a NOT NULL column only with a default; every existing row is filled here.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let colonne = |nom: &str| ColumnDef::new(n(nom)).big_integer().not_null().default(0).to_owned();
        // SQLite adds one column per ALTER TABLE.
        for table in ["clauses", "mises_en_emploi"] {
            for c in ["marche_id", "operation_id"] {
                m.alter_table(Table::alter().table(n(table)).add_column(colonne(c)).to_owned()).await?;
            }
        }
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE clauses SET \
               marche_id = (SELECT l.marche_id FROM lots l WHERE l.id = clauses.lot_id), \
               operation_id = (SELECT ma.operation_id FROM lots l JOIN marches ma ON ma.id = l.marche_id WHERE l.id = clauses.lot_id)",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE mises_en_emploi SET \
               marche_id = (SELECT c.marche_id FROM clauses c WHERE c.id = mises_en_emploi.clause_id), \
               operation_id = (SELECT c.operation_id FROM clauses c WHERE c.id = mises_en_emploi.clause_id)",
        )
        .await?;
        for table in ["clauses", "mises_en_emploi"] {
            m.create_index(index(table, &["structure_id", "operation_id"]).to_owned()).await?;
            m.create_index(index(table, &["structure_id", "marche_id"]).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}
