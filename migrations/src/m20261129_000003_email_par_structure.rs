//! An e-mail address is unique within a structure, no longer across the deployment: a
//! company's accountant working with two PLIE has one account in each, and inviting an
//! address tells a structure nothing about the others.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_utilisateurs_email").table(n("utilisateurs")).to_owned()).await?;
        m.create_index(index("utilisateurs", &["structure_id", "email"]).unique().to_owned()).await?;
        m.create_index(Index::create().name("ix_utilisateurs_adresse").table(n("utilisateurs")).col(n("email")).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}
