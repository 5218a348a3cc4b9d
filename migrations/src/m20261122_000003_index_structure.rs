//! Indexes for structure-wide reads (bilans of a whole structure, consolidation): every
//! tenant table read by structure alone must have an index starting with structure_id.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index("mises_en_emploi", &["structure_id", "clause_id"]).to_owned()).await?;
        m.create_index(index("attributions", &["structure_id", "role"]).to_owned()).await?;
        m.create_index(index("lots", &["structure_id", "marche_id"]).to_owned()).await?;
        m.create_index(index("criteres", &["structure_id", "participant_id"]).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}
