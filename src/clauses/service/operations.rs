//! Opérations: a programme of works or services of one donneur d'ordre.

use entities::enums::Role;
use entities::{operations, utilisateurs};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, Select, Set, TransactionTrait};

use super::super::forms::OperationInput;
use super::{get_donneur_ordre, operations_visibles};
use crate::audit;
use crate::auth::{Acteur, GESTION};
use crate::clock::Clock;
use crate::error::{AppError, AppResult, FieldError};

pub async fn create_operation(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, input: OperationInput) -> AppResult<operations::Model> {
    acteur.require(GESTION)?;
    let mut errors = Vec::new();
    let nom = input.nom.trim().to_string();
    let commune = input.commune.trim().to_string();
    if nom.is_empty() {
        errors.push(FieldError::new("nom", "Ce champ est obligatoire."));
    }
    if commune.is_empty() {
        errors.push(FieldError::new("commune", "Ce champ est obligatoire."));
    }
    if let (Some(a), Some(b)) = (input.date_debut, input.date_fin) {
        if b < a {
            errors.push(FieldError::new("date_fin", "La date de fin précède la date de début."));
        }
    }
    let txn = crate::db::ecrire(db).await?;
    if get_donneur_ordre(&txn, acteur, input.donneur_ordre_id).await.is_err() {
        errors.push(FieldError::new("donneur_ordre_id", "Ce donneur d'ordre n'existe pas dans votre structure."));
    }
    if let Some(fid) = input.facilitateur_id {
        let f = acteur.scoped::<utilisateurs::Entity>().filter(utilisateurs::Column::Id.eq(fid)).one(&txn).await?;
        if !f.is_some_and(|u| matches!(u.role, Role::Facilitateur | Role::Admin)) {
            errors.push(FieldError::new("facilitateur_id", "Ce facilitateur n'existe pas dans votre structure."));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
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
