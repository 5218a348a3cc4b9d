//! Eligibility criteria: only a facilitateur (or admin) verifies or withdraws one; the
//! eligibility of a participant on a date is `eligibilite::eligibilite` over its criteria.

use chrono::NaiveDate;
use entities::criteres;
use entities::enums::CodeCritere;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, Set, TransactionTrait};

use super::super::eligibilite::{eligibilite, CritereFait, Eligibilite};
use super::super::forms::{age_at, CritereInput};
use super::participants::get_participant;
use crate::audit;
use crate::auth::{Acteur, GESTION};
use crate::clock::Clock;
use crate::error::{AppError, AppResult, FieldError};
use crate::text::clean;

pub async fn criteres_de(db: &impl ConnectionTrait, acteur: &Acteur, participant_id: i64) -> AppResult<Vec<criteres::Model>> {
    get_participant(db, acteur, participant_id).await?;
    Ok(acteur
        .scoped::<criteres::Entity>()
        .filter(criteres::Column::ParticipantId.eq(participant_id))
        .order_by_asc(criteres::Column::DateVerification)
        .order_by_asc(criteres::Column::Id)
        .all(db)
        .await?)
}

/// Records a criterion verified today by the calling facilitateur.
pub async fn ajouter_critere(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, participant_id: i64, input: CritereInput) -> AppResult<criteres::Model> {
    acteur.require(GESTION)?;
    let txn = crate::db::ecrire(db).await?;
    let p = get_participant(&txn, acteur, participant_id).await?;
    let today = clock.today();
    let mut errors = Vec::new();
    let justificatif = input.justificatif.trim().to_string();
    if justificatif.is_empty() {
        errors.push(FieldError::new("justificatif", "Indiquez la pièce consultée (ex. attestation CAF)."));
    }
    if input.date_verification > today {
        errors.push(FieldError::new("date_verification", "La vérification ne peut pas être dans le futur."));
    }
    if input.date_verification < p.date_naissance {
        errors.push(FieldError::new("date_verification", "La vérification ne peut pas précéder la naissance."));
    }
    if input.valide_jusqu_au.is_some_and(|fin| fin < input.date_verification) {
        errors.push(FieldError::new("valide_jusqu_au", "La fin de validité précède la date de vérification."));
    }
    let age = age_at(p.date_naissance, input.date_verification);
    match input.code {
        CodeCritere::JeunePeuQualifie if age >= 26 => errors.push(FieldError::new("code", format!("« jeune peu qualifié » : moins de 26 ans attendu ({age} ans à la vérification)."))),
        CodeCritere::Senior if age < 50 => errors.push(FieldError::new("code", format!("« senior » : 50 ans ou plus attendu ({age} ans à la vérification)."))),
        CodeCritere::Autre => {
            if clean(&input.libelle).is_none() {
                errors.push(FieldError::new("libelle", "Un critère « autre » doit être nommé."));
            }
            if clean(&input.justification).is_none() {
                errors.push(FieldError::new("justification", "Un critère « autre » doit être justifié par le facilitateur."));
            }
        }
        _ => {}
    }
    let duplicate = acteur
        .scoped::<criteres::Entity>()
        .filter(criteres::Column::ParticipantId.eq(participant_id))
        .filter(criteres::Column::Code.eq(input.code))
        .filter(criteres::Column::DateVerification.eq(input.date_verification))
        .filter(criteres::Column::RetireAt.is_null())
        .one(&txn)
        .await?;
    if duplicate.is_some() {
        errors.push(FieldError::new("code", "Ce critère est déjà enregistré à cette date."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let created = criteres::ActiveModel {
        structure_id: Set(acteur.structure_id),
        participant_id: Set(participant_id),
        code: Set(input.code),
        libelle: Set(clean(&input.libelle)),
        justificatif: Set(justificatif),
        justification: Set(clean(&input.justification)),
        date_verification: Set(input.date_verification),
        verifie_par_id: Set(Some(acteur.utilisateur_id)),
        valide_jusqu_au: Set(input.valide_jusqu_au),
        retire_at: Set(None),
        retire_par_id: Set(None),
        motif_retrait: Set(None),
        created_at: Set(clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, clock, acteur, "verification", "critere", created.id, None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

/// Withdraws a verification (kept, marked withdrawn, with its reason).
pub async fn retirer_critere(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, participant_id: i64, critere_id: i64, motif: &str) -> AppResult<criteres::Model> {
    acteur.require(GESTION)?;
    let motif = motif.trim();
    if motif.is_empty() {
        return Err(AppError::field("motif", "Le motif du retrait est obligatoire."));
    }
    let txn = crate::db::ecrire(db).await?;
    get_participant(&txn, acteur, participant_id).await?;
    let before = acteur.get::<criteres::Entity>(&txn, critere_id).await?;
    if before.participant_id != participant_id {
        return Err(AppError::NotFound);
    }
    if before.retire_at.is_some() {
        return Err(AppError::Conflict("Ce critère est déjà retiré.".into()));
    }
    let mut model: criteres::ActiveModel = before.clone().into();
    model.retire_at = Set(Some(clock.now()));
    model.retire_par_id = Set(Some(acteur.utilisateur_id));
    model.motif_retrait = Set(Some(motif.to_string()));
    let after = model.update(&txn).await?;
    audit::record(&txn, clock, acteur, "retrait", "critere", critere_id, Some(&before), Some(&after)).await?;
    txn.commit().await?;
    Ok(after)
}

/// Eligibility of a participant on `date`, with the structure's window.
pub async fn eligibilite_participant(db: &impl ConnectionTrait, acteur: &Acteur, participant_id: i64, date: NaiveDate) -> AppResult<Eligibilite> {
    let criteres = criteres_de(db, acteur, participant_id).await?;
    let fenetre = super::parametres(db, acteur.structure_id).await?.eligibilite_mois;
    let faits: Vec<CritereFait> = criteres.iter().map(CritereFait::from).collect();
    Ok(eligibilite(&faits, date, fenetre))
}
