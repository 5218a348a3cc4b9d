//! Opérations: a programme of works or services of one donneur d'ordre.

use entities::enums::Role;
use entities::{operations, utilisateurs};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, Select, Set, TransactionTrait};

use super::super::forms::OperationInput;
use super::{get_donneur_ordre, operations_visibles};
use crate::audit;
use crate::auth::{Acteur, GESTION};
use crate::clock::Clock;
use crate::error::{obligatoire, AppError, AppResult, FieldError};

/// The checks of an opération's fields (creation and edit): its trimmed nom and commune.
async fn verifier(txn: &impl ConnectionTrait, acteur: &Acteur, input: &OperationInput) -> AppResult<(String, String)> {
    let mut errors = Vec::new();
    let nom = obligatoire(&mut errors, "nom", &input.nom);
    let commune = obligatoire(&mut errors, "commune", &input.commune);
    if let (Some(a), Some(b)) = (input.date_debut, input.date_fin) {
        if b < a {
            errors.push(FieldError::new("date_fin", "La date de fin précède la date de début."));
        }
    }
    if get_donneur_ordre(txn, acteur, input.donneur_ordre_id).await.is_err() {
        errors.push(FieldError::new("donneur_ordre_id", "Ce donneur d'ordre n'existe pas dans votre structure."));
    }
    if let Some(fid) = input.facilitateur_id {
        let f = acteur.scoped::<utilisateurs::Entity>().filter(utilisateurs::Column::Id.eq(fid)).one(txn).await?;
        if !f.is_some_and(|u| matches!(u.role, Role::Facilitateur | Role::Admin)) {
            errors.push(FieldError::new("facilitateur_id", "Ce facilitateur n'existe pas dans votre structure."));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok((nom, commune))
}

pub async fn create_operation(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, input: OperationInput) -> AppResult<operations::Model> {
    acteur.require(GESTION)?;
    let txn = crate::db::ecrire(db).await?;
    let (nom, commune) = verifier(&txn, acteur, &input).await?;
    let now = clock.now();
    let created = operations::ActiveModel {
        structure_id: Set(acteur.structure_id),
        donneur_ordre_id: Set(input.donneur_ordre_id),
        nom: Set(nom),
        commune: Set(commune),
        qpv: Set(input.qpv),
        anru: Set(input.anru),
        secteur: Set(input.secteur),
        date_debut: Set(input.date_debut),
        date_fin: Set(input.date_fin),
        facilitateur_id: Set(input.facilitateur_id.or((acteur.role == Role::Facilitateur).then_some(acteur.utilisateur_id))),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, clock, acteur, "creation", "operation", created.id, None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes an opération's fields (the facilitateur in charge is kept when none is given);
/// the previous version stays in the audit log.
pub async fn update_operation(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, id: i64, input: OperationInput) -> AppResult<operations::Model> {
    acteur.require(GESTION)?;
    let txn = crate::db::ecrire(db).await?;
    let avant = get_operation(&txn, acteur, id).await?;
    let (nom, commune) = verifier(&txn, acteur, &input).await?;
    let mut m: operations::ActiveModel = avant.clone().into();
    m.donneur_ordre_id = Set(input.donneur_ordre_id);
    m.nom = Set(nom);
    m.commune = Set(commune);
    m.qpv = Set(input.qpv);
    m.anru = Set(input.anru);
    m.secteur = Set(input.secteur);
    m.date_debut = Set(input.date_debut);
    m.date_fin = Set(input.date_fin);
    if input.facilitateur_id.is_some() {
        m.facilitateur_id = Set(input.facilitateur_id);
    }
    m.updated_at = Set(clock.now());
    let apres = m.update(&txn).await?;
    audit::record(&txn, clock, acteur, "modification", "operation", id, Some(&avant), Some(&apres)).await?;
    txn.commit().await?;
    Ok(apres)
}

pub async fn get_operation(db: &impl ConnectionTrait, acteur: &Acteur, id: i64) -> AppResult<operations::Model> {
    operations_visibles(acteur)?.filter(operations::Column::Id.eq(id)).one(db).await?.ok_or(AppError::NotFound)
}

pub fn list_operations(acteur: &Acteur, donneur_ordre_id: Option<i64>) -> AppResult<Select<operations::Entity>> {
    let mut select = operations_visibles(acteur)?;
    if let Some(d) = donneur_ordre_id {
        select = select.filter(operations::Column::DonneurOrdreId.eq(d));
    }
    Ok(select.order_by_asc(operations::Column::Nom).order_by_asc(operations::Column::Id))
}

/// Groups marchés into one opération (after a DECP import, which gives each marché its
/// own): the marchés, their clauses and their contrats' links move; an opération left
/// without marché is deleted (it was only the import's placeholder). Returns how many
/// marchés moved and how many opérations were deleted.
pub async fn regrouper_marches(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, operation_id: i64, marche_ids: &[i64]) -> AppResult<(u64, u64)> {
    use entities::{clauses, marches, mises_en_emploi};
    use sea_orm::sea_query::Expr;
    use sea_orm::{EntityTrait, PaginatorTrait};
    acteur.require(GESTION)?;
    if marche_ids.is_empty() {
        return Err(AppError::Invalid(vec![FieldError::new("marches", "Cochez au moins un marché à regrouper.")]));
    }
    let txn = crate::db::ecrire(db).await?;
    if get_operation(&txn, acteur, operation_id).await.is_err() {
        return Err(AppError::Invalid(vec![FieldError::new("operation_id", "Cette opération n'existe pas dans votre structure.")]));
    }
    let trouves = super::marches_visibles(acteur)?.filter(marches::Column::Id.is_in(marche_ids.iter().copied())).all(&txn).await?;
    if trouves.len() != marche_ids.iter().collect::<std::collections::BTreeSet<_>>().len() {
        return Err(AppError::Invalid(vec![FieldError::new("marches", "Un des marchés cochés n'existe pas dans votre structure.")]));
    }
    let a_deplacer: Vec<&marches::Model> = trouves.iter().filter(|m| m.operation_id != operation_id).collect();
    let ids: Vec<i64> = a_deplacer.iter().map(|m| m.id).collect();
    let anciennes: std::collections::BTreeSet<i64> = a_deplacer.iter().map(|m| m.operation_id).collect();
    let now = clock.now();
    marches::Entity::update_many()
        .col_expr(marches::Column::OperationId, Expr::value(operation_id))
        .col_expr(marches::Column::UpdatedAt, Expr::value(now))
        .filter(marches::Column::StructureId.eq(acteur.structure_id))
        .filter(marches::Column::Id.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    clauses::Entity::update_many().col_expr(clauses::Column::OperationId, Expr::value(operation_id)).filter(clauses::Column::StructureId.eq(acteur.structure_id)).filter(clauses::Column::MarcheId.is_in(ids.clone())).exec(&txn).await?;
    mises_en_emploi::Entity::update_many()
        .col_expr(mises_en_emploi::Column::OperationId, Expr::value(operation_id))
        .filter(mises_en_emploi::Column::StructureId.eq(acteur.structure_id))
        .filter(mises_en_emploi::Column::MarcheId.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    for m in &a_deplacer {
        let apres = serde_json::json!({ "operation_id": operation_id });
        audit::record(&txn, clock, acteur, "regroupement", "marche", m.id, Some(&serde_json::json!({ "operation_id": m.operation_id })), Some(&apres)).await?;
    }
    let mut supprimees = 0;
    for o in anciennes {
        let reste = marches::Entity::find().filter(marches::Column::OperationId.eq(o)).count(&txn).await?;
        if reste == 0 {
            if let Ok(vide) = get_operation(&txn, acteur, o).await {
                operations::Entity::delete_by_id(o).exec(&txn).await?;
                audit::record(&txn, clock, acteur, "suppression", "operation", o, Some(&vide), None::<&operations::Model>).await?;
                supprimees += 1;
            }
        }
    }
    txn.commit().await?;
    Ok((ids.len() as u64, supprimees))
}
