//! Use cases of the clause module. Every read starts from the caller's scope (below);
//! every write checks the role and runs in one transaction with its audit row.

pub mod clauses;
pub mod compte;
pub mod marches;
pub mod mises_en_emploi;
pub mod operations;
pub mod organisations;
mod parametres;

pub use organisations::*;
pub use parametres::{parametres_suivi, set_parametres_suivi, Enregistrement};

use entities::enums::Role;
use entities::{attributions, clauses as clause_table, lots, marches as marche_table, operations as operation_table};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{ColumnTrait, QueryFilter, Select};

use crate::auth::Acteur;
use crate::error::AppResult;

/// Marchés on which the entreprise holds an attribution.
fn marches_de_l_entreprise(entreprise_id: i64) -> SelectStatement {
    Query::select().column(attributions::Column::MarcheId).from(attributions::Entity).and_where(Expr::col(attributions::Column::EntrepriseId).eq(entreprise_id)).to_owned()
}

/// Opérations of the donneur d'ordre.
fn operations_du_donneur(donneur_ordre_id: i64) -> SelectStatement {
    Query::select().column(operation_table::Column::Id).from(operation_table::Entity).and_where(Expr::col(operation_table::Column::DonneurOrdreId).eq(donneur_ordre_id)).to_owned()
}

/// Opérations the caller may read: its structure's (gestion, référents); a donneur
/// d'ordre's own; those where an entreprise holds a marché.
pub fn operations_visibles(acteur: &Acteur) -> AppResult<Select<operation_table::Entity>> {
    let select = acteur.scoped::<operation_table::Entity>();
    Ok(match acteur.role {
        Role::Admin | Role::Facilitateur | Role::Referent => select,
        Role::DonneurOrdre => select.filter(operation_table::Column::DonneurOrdreId.eq(acteur.donneur_ordre_id.unwrap_or(-1))),
        Role::Entreprise => select.filter(
            operation_table::Column::Id.in_subquery(
                Query::select()
                    .column(marche_table::Column::OperationId)
                    .from(marche_table::Entity)
                    .and_where(Expr::col(marche_table::Column::Id).in_subquery(marches_de_l_entreprise(acteur.entreprise_id.unwrap_or(-1))))
                    .to_owned(),
            ),
        ),
    })
}

/// Marchés the caller may read (same audiences as opérations).
pub fn marches_visibles(acteur: &Acteur) -> AppResult<Select<marche_table::Entity>> {
    let select = acteur.scoped::<marche_table::Entity>();
    Ok(match acteur.role {
        Role::Admin | Role::Facilitateur | Role::Referent => select,
        Role::DonneurOrdre => select.filter(marche_table::Column::OperationId.in_subquery(operations_du_donneur(acteur.donneur_ordre_id.unwrap_or(-1)))),
        Role::Entreprise => select.filter(marche_table::Column::Id.in_subquery(marches_de_l_entreprise(acteur.entreprise_id.unwrap_or(-1)))),
    })
}

/// Clauses the caller may read: on the lots of the marchés it may read; an entreprise
/// only on the lots it holds.
pub fn clauses_visibles(acteur: &Acteur) -> AppResult<Select<clause_table::Entity>> {
    let select = acteur.scoped::<clause_table::Entity>();
    let lots_de = |marches: SelectStatement| Query::select().column(lots::Column::Id).from(lots::Entity).and_where(Expr::col(lots::Column::MarcheId).in_subquery(marches)).to_owned();
    Ok(match acteur.role {
        Role::Admin | Role::Facilitateur | Role::Referent => select,
        Role::DonneurOrdre => select.filter(
            clause_table::Column::LotId.in_subquery(lots_de(
                Query::select()
                    .column(marche_table::Column::Id)
                    .from(marche_table::Entity)
                    .and_where(Expr::col(marche_table::Column::OperationId).in_subquery(operations_du_donneur(acteur.donneur_ordre_id.unwrap_or(-1))))
                    .to_owned(),
            )),
        ),
        Role::Entreprise => select.filter(
            clause_table::Column::LotId.in_subquery(
                Query::select().column(attributions::Column::LotId).from(attributions::Entity).and_where(Expr::col(attributions::Column::EntrepriseId).eq(acteur.entreprise_id.unwrap_or(-1))).to_owned(),
            ),
        ),
    })
}
