//! The outbox is unique per structure: the same accountant may work with two structures
//! and must get each structure's reminder. Also an index for the senders' page.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_emails_kind_destinataire_periode").table(n("emails")).to_owned()).await?;
        m.create_index(index("emails", &["structure_id", "kind", "destinataire", "periode"]).unique().to_owned()).await?;
        m.create_index(index("emails", &["structure_id", "created_at"]).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}
