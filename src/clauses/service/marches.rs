//! Marchés, their lots, and the companies that hold them (attributions).

use std::collections::HashSet;

use entities::{attributions, entreprises, lots, marches};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, Select, Set, TransactionTrait};

use super::super::forms::{cents, AttributionInput, LotInput, MarcheInput};
use super::marches_visibles;
use super::operations::get_operation;
use crate::audit;
use crate::auth::{Acteur, GESTION};
use crate::clock::Clock;
use crate::error::{obligatoire, AppError, AppResult, FieldError};
use crate::text::clean;

/// The most lots a marché has (the largest real ones have a few dozen).
pub const MAX_LOTS: usize = 200;

/// The checks of a marché's own fields (creation and edit): its trimmed numéro and
/// objet, and its amount in cents.
fn champs(input: &MarcheInput, errors: &mut Vec<FieldError>) -> (String, String, i64) {
    let numero = obligatoire(errors, "numero", &input.numero);
    let objet = obligatoire(errors, "objet", &input.objet);
    let montant = cents("montant_ht", input.montant_ht, errors);
    if input.date_fin < input.date_debut {
        errors.push(FieldError::new("date_fin", "La fin d'exécution précède le début."));
    }
    (numero, objet, montant)
}

/// Changes a marché's own fields (its lots and opération stay: lots are added, marchés
/// are regrouped); the previous version stays in the audit log.
pub async fn update_marche(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, id: i64, input: MarcheInput) -> AppResult<marches::Model> {
    acteur.require(GESTION)?;
    let mut errors = Vec::new();
    let (numero, objet, montant) = champs(&input, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let txn = crate::db::ecrire(db).await?;
    let (avant, _) = get_marche(&txn, acteur, id).await?;
    let mut errors = Vec::new();
    if input.operation_id != avant.operation_id {
        errors.push(FieldError::new("operation_id", "Un marché change d'opération par un regroupement depuis l'opération qui le reçoit."));
    }
    if !input.lots.is_empty() {
        errors.push(FieldError::new("lots", "Les lots d'un marché existant ne se modifient pas ici."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let doublon = acteur
        .scoped::<marches::Entity>()
        .filter(marches::Column::OperationId.eq(avant.operation_id))
        .filter(marches::Column::Numero.eq(&numero))
        .filter(marches::Column::Id.ne(id))
        .one(&txn)
        .await?;
    if doublon.is_some() {
        return Err(AppError::Conflict(format!("Le marché n° {numero} existe déjà dans cette opération.")));
    }
    let mut m: marches::ActiveModel = avant.clone().into();
    m.numero = Set(numero);
    m.objet = Set(objet);
    m.nature = Set(input.nature);
    m.montant_ht_cents = Set(montant);
    m.date_debut = Set(input.date_debut);
    m.date_fin = Set(input.date_fin);
    m.code_cpv = Set(clean(&input.code_cpv));
    if input.procedure.is_some() {
        m.procedure = Set(clean(&input.procedure));
    }
    if input.date_notification.is_some() {
        m.date_notification = Set(input.date_notification);
    }
    if input.lieu_execution.is_some() {
        m.lieu_execution = Set(clean(&input.lieu_execution));
    }
    m.updated_at = Set(clock.now());
    let apres = m.update(&txn).await?;
    audit::record(&txn, clock, acteur, "modification", "marche", id, Some(&avant), Some(&apres)).await?;
    txn.commit().await?;
    Ok(apres)
}

/// Creates a marché with its lots (one lot "unique" when none is given).
pub async fn create_marche(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, input: MarcheInput) -> AppResult<(marches::Model, Vec<lots::Model>)> {
    acteur.require(GESTION)?;
    let mut errors = Vec::new();
    let (numero, objet, montant) = champs(&input, &mut errors);
    if input.lots.len() > MAX_LOTS {
        errors.push(FieldError::new("lots", format!("{MAX_LOTS} lots au plus par marché.")));
    }
    let mut numeros = HashSet::new();
    let mut lots_valides = Vec::new();
    for (i, l) in input.lots.iter().enumerate() {
        let n = l.numero.trim().to_string();
        if n.is_empty() || !numeros.insert(n.clone()) {
            errors.push(FieldError::new(format!("lots[{i}].numero"), "Numéro de lot vide ou en double."));
        }
        let intitule = obligatoire(&mut errors, format!("lots[{i}].intitule"), &l.intitule);
        let m = cents(&format!("lots[{i}].montant_ht"), l.montant_ht, &mut errors);
        lots_valides.push((n, intitule, m));
    }
    if lots_valides.is_empty() {
        lots_valides.push(("unique".into(), "Lot unique".into(), montant));
    }
    let txn = crate::db::ecrire(db).await?;
    let operation = get_operation(&txn, acteur, input.operation_id).await;
    if operation.is_err() {
        errors.push(FieldError::new("operation_id", "Cette opération n'existe pas dans votre structure."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let exists = acteur.scoped::<marches::Entity>().filter(marches::Column::OperationId.eq(input.operation_id)).filter(marches::Column::Numero.eq(&numero)).one(&txn).await?;
    if exists.is_some() {
        return Err(AppError::Conflict(format!("Le marché n° {numero} existe déjà dans cette opération.")));
    }
    let now = clock.now();
    let marche = marches::ActiveModel {
        structure_id: Set(acteur.structure_id),
        operation_id: Set(input.operation_id),
        numero: Set(numero),
        decp_uid: Set(None),
        objet: Set(objet),
        nature: Set(input.nature),
        code_cpv: Set(clean(&input.code_cpv)),
        procedure: Set(clean(&input.procedure)),
        montant_ht_cents: Set(montant),
        date_notification: Set(input.date_notification),
        date_debut: Set(input.date_debut),
        date_fin: Set(input.date_fin),
        duree_mois: Set(None),
        lieu_execution: Set(clean(&input.lieu_execution)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut lots = Vec::new();
    for (numero, intitule, montant) in lots_valides {
        lots.push(lots::ActiveModel { structure_id: Set(acteur.structure_id), marche_id: Set(marche.id), numero: Set(numero), intitule: Set(intitule), montant_ht_cents: Set(montant), created_at: Set(now), ..Default::default() }.insert(&txn).await?);
    }
    audit::record(&txn, clock, acteur, "creation", "marche", marche.id, None, Some(&(&marche, &lots))).await?;
    txn.commit().await?;
    Ok((marche, lots))
}

/// Adds a lot to a marché (its numéro unique in the marché).
pub async fn ajouter_lot(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, marche_id: i64, input: LotInput) -> AppResult<lots::Model> {
    acteur.require(GESTION)?;
    let mut errors = Vec::new();
    let numero = obligatoire(&mut errors, "numero", &input.numero);
    let intitule = obligatoire(&mut errors, "intitule", &input.intitule);
    let montant = cents("montant_ht", input.montant_ht, &mut errors);
    let txn = crate::db::ecrire(db).await?;
    let (_, lots_du_marche) = get_marche(&txn, acteur, marche_id).await?;
    if lots_du_marche.iter().any(|l| l.numero == numero) {
        errors.push(FieldError::new("numero", format!("Le lot n° {numero} existe déjà dans ce marché.")));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let lot = lots::ActiveModel { structure_id: Set(acteur.structure_id), marche_id: Set(marche_id), numero: Set(numero), intitule: Set(intitule), montant_ht_cents: Set(montant), created_at: Set(clock.now()), ..Default::default() }.insert(&txn).await?;
    audit::record(&txn, clock, acteur, "ajout_lot", "marche", marche_id, None, Some(&lot)).await?;
    txn.commit().await?;
    Ok(lot)
}

pub async fn get_marche(db: &impl ConnectionTrait, acteur: &Acteur, id: i64) -> AppResult<(marches::Model, Vec<lots::Model>)> {
    let marche = marches_visibles(acteur)?.filter(marches::Column::Id.eq(id)).one(db).await?.ok_or(AppError::NotFound)?;
    let lots = acteur.scoped::<lots::Entity>().filter(lots::Column::MarcheId.eq(id)).order_by_asc(lots::Column::Numero).order_by_asc(lots::Column::Id).all(db).await?;
    Ok((marche, lots))
}

pub fn list_marches(acteur: &Acteur, operation_id: Option<i64>) -> AppResult<Select<marches::Entity>> {
    let mut select = marches_visibles(acteur)?;
    if let Some(o) = operation_id {
        select = select.filter(marches::Column::OperationId.eq(o));
    }
    Ok(select.order_by_asc(marches::Column::Numero).order_by_asc(marches::Column::Id))
}

/// Lots of several marchés at once (one query), for lists.
pub async fn lots_of(db: &impl ConnectionTrait, acteur: &Acteur, marche_ids: Vec<i64>) -> AppResult<Vec<lots::Model>> {
    Ok(acteur.scoped::<lots::Entity>().filter(lots::Column::MarcheId.is_in(marche_ids)).order_by_asc(lots::Column::Numero).order_by_asc(lots::Column::Id).all(db).await?)
}

/// A company on a lot of the marché: titulaire, cotraitant or sous-traitant.
pub async fn attribuer(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, marche_id: i64, input: AttributionInput) -> AppResult<attributions::Model> {
    acteur.require(GESTION)?;
    let mut errors = Vec::new();
    let montant = input.montant_ht.map(|m| cents("montant_ht", m, &mut errors));
    let txn = crate::db::ecrire(db).await?;
    let (marche, lots) = get_marche(&txn, acteur, marche_id).await?;
    if !lots.iter().any(|l| l.id == input.lot_id) {
        errors.push(FieldError::new("lot_id", "Ce lot n'appartient pas à ce marché."));
    }
    if acteur.scoped::<entreprises::Entity>().filter(entreprises::Column::Id.eq(input.entreprise_id)).one(&txn).await?.is_none() {
        errors.push(FieldError::new("entreprise_id", "Cette entreprise n'existe pas dans votre structure."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let exists = acteur.scoped::<attributions::Entity>().filter(attributions::Column::LotId.eq(input.lot_id)).filter(attributions::Column::EntrepriseId.eq(input.entreprise_id)).one(&txn).await?;
    if exists.is_some() {
        return Err(AppError::Conflict("Cette entreprise est déjà attributaire de ce lot.".into()));
    }
    let created = attributions::ActiveModel {
        structure_id: Set(acteur.structure_id),
        marche_id: Set(marche.id),
        lot_id: Set(input.lot_id),
        entreprise_id: Set(input.entreprise_id),
        role: Set(input.role),
        montant_ht_cents: Set(montant),
        created_at: Set(clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, clock, acteur, "creation", "attribution", created.id, None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn attributions_du_marche(db: &impl ConnectionTrait, acteur: &Acteur, marche_id: i64) -> AppResult<Vec<attributions::Model>> {
    get_marche(db, acteur, marche_id).await?;
    let mut select = acteur.scoped::<attributions::Entity>().filter(attributions::Column::MarcheId.eq(marche_id));
    if acteur.role == entities::enums::Role::Entreprise {
        // A company never sees the other companies.
        select = select.filter(attributions::Column::EntrepriseId.eq(acteur.entreprise_id.unwrap_or(-1)));
    }
    Ok(select.order_by_asc(attributions::Column::LotId).order_by_asc(attributions::Column::Id).all(db).await?)
}
