//! Who certified a declaration's hours, and when (« Je certifie l'exactitude des heures
//! déclarées »): kept with the revision.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(n("heures_mensuelles")).add_column(ColumnDef::new(n("atteste_par_id")).big_integer().null()).to_owned()).await?;
        m.alter_table(Table::alter().table(n("heures_mensuelles")).add_column(ColumnDef::new(n("atteste_at")).timestamp_with_time_zone().null()).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}
