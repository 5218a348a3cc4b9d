//! DECP imports at national scale: a marché keeps the digest of what the files said of
//! it (a re-import of the same data writes nothing) and the publication date of that
//! data (an older file never brings older values back); each lot of a marché published
//! as several records sharing (acheteur, id) keeps the key of its record.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(n("marches")).add_column(ColumnDef::new(n("decp_empreinte")).string().null()).to_owned()).await?;
        m.alter_table(Table::alter().table(n("marches")).add_column(ColumnDef::new(n("decp_publie_le")).date().null()).to_owned()).await?;
        m.alter_table(Table::alter().table(n("lots")).add_column(ColumnDef::new(n("decp_cle")).string().null()).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}
