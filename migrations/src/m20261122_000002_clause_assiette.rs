//! The bases of the "% of hours worked" and "hours per € invoiced" objectives: hours
//! worked on the marché and amount invoiced, as reported for the clause.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(Table::alter().table(n("clauses")).add_column(big_integer_null("heures_travaillees_marche_minutes")).to_owned()).await?;
        m.alter_table(Table::alter().table(n("clauses")).add_column(big_integer_null("montant_facture_cents")).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}
