//! Companies without a SIRET (foreign titulaires of the DECP: TVA intracommunautaire,
//! HORS-UE, TAHITI, RIDET, FRWF, IREP): the kind of their identifier, next to its value
//! (the `siret` column). Every existing company keeps its SIRET (`siret` by default).

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(n("entreprises")).add_column(ColumnDef::new(n("type_identifiant")).string_len(32).not_null().default("siret")).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}
