//! The one mechanism that scopes tenant data to the caller's structure. Every read of a
//! tenant table starts from `acteur.scoped::<E>()` (or `acteur.get::<E>(id)`), so a row
//! of another structure is simply not found (404), never filtered later by hand.
//! Role-level narrowing (a référent's own participants, an entreprise's own contrats) is
//! added on top of it by each module's service.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

use super::Acteur;
use crate::error::{AppError, AppResult};

/// A table whose rows belong to one structure.
pub trait Tenant: EntityTrait {
    fn structure_column() -> Self::Column;
    fn id_column() -> Self::Column;
}

macro_rules! tenant_tables {
    ($($table:ident),* $(,)?) => {
        $(impl Tenant for entities::$table::Entity {
            fn structure_column() -> Self::Column { entities::$table::Column::StructureId }
            fn id_column() -> Self::Column { entities::$table::Column::Id }
        })*
        /// Tables scoped by [`Tenant`]; a test checks it lists every tenant table.
        pub const SCOPED_TABLES: &[&str] = &[$(stringify!($table)),*];
    };
}

tenant_tables!(
    entreprises, donneurs_ordre, utilisateurs, api_tokens, sessions, participants,
    referent_assignations, criteres, etapes, contrats, heures_mensuelles, protocoles, sorties,
    suivis_six_mois, contacts, operations, marches, marche_versions, lots, clauses,
    attributions, mises_en_emploi, audit_log, emails, invitations,
);

impl Acteur {
    /// Every row of `E` in the caller's structure.
    pub fn scoped<E: Tenant>(&self) -> Select<E> {
        E::find().filter(E::structure_column().eq(self.structure_id))
    }

    /// One row of `E` by id, or 404 if it does not exist in the caller's structure.
    pub async fn get<E: Tenant>(&self, db: &impl ConnectionTrait, id: i64) -> AppResult<E::Model> {
        self.scoped::<E>().filter(E::id_column().eq(id)).one(db).await?.ok_or(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_tenant_table_is_scoped() {
        let mut scoped = super::SCOPED_TABLES.to_vec();
        let mut tenant = entities::TENANT_TABLES.to_vec();
        scoped.sort();
        tenant.sort();
        assert_eq!(scoped, tenant);
    }
}
