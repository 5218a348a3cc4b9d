//! Failed logins per account and per address, in a window (slows down password guessing
//! across every server of a deployment).

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("tentatives_connexion"))
                .col(ColumnDef::new(n("cle")).string_len(320).not_null().primary_key())
                .col(timestamp_with_time_zone("debut"))
                .col(integer("echecs"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}
