//! Invitations: a user created by `POST /utilisateurs` chooses its password through a
//! one-time link (only the token's SHA-256 is stored).

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("invitations"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("utilisateur_id"))
                .col(string("token_hash"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("invitations", "structure_id", "structures"))
                .foreign_key(&mut fk("invitations", "utilisateur_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("invitations", &["token_hash"]).unique().to_owned()).await?;
        m.create_index(index("invitations", &["structure_id", "utilisateur_id"]).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}
