//! Contrats (étape `emploi`): creation with their étape, reading per role, end of a
//! contrat and the 6-month follow-up it makes due.

use chrono::Months;
use entities::enums::{Role, TypeContrat, TypeEtape};
use entities::{contrats, entreprises, etapes, heures_mensuelles, participants, suivis_six_mois};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Select, Set, TransactionTrait};

use super::super::eligibilite::Eligibilite;
use super::super::forms::{ContratInput, FinContratInput, SuiviInput};
use super::super::limites::{minutes, premier_du_mois};
use super::participants::get_participant;
use crate::audit;
use crate::auth::{Acteur, GESTION};
use crate::clock::Clock;
use crate::error::{AppError, AppResult, FieldError};
use crate::text::{clean, code};

/// Contrats the caller may see: its structure's for gestion roles; those of the
/// participants it follows for a référent; those it employs for an entreprise user.
pub fn contrats_visibles(acteur: &Acteur) -> AppResult<Select<contrats::Entity>> {
    let select = acteur.scoped::<contrats::Entity>();
    match acteur.role {
        Role::Admin | Role::Facilitateur => Ok(select),
        Role::Referent => Ok(select.filter(
            contrats::Column::ParticipantId.in_subquery(
                Query::select()
                    .column(participants::Column::Id)
                    .from(participants::Entity)
                    .and_where(Expr::col(participants::Column::ReferentId).eq(acteur.utilisateur_id))
                    .to_owned(),
            ),
        )),
        Role::Entreprise => Ok(select.filter(contrats::Column::EmployeurId.eq(acteur.entreprise_id.unwrap_or(-1)))),
        Role::DonneurOrdre => Err(AppError::Forbidden),
    }
}

pub async fn get_contrat(db: &impl ConnectionTrait, acteur: &Acteur, id: i64) -> AppResult<contrats::Model> {
    contrats_visibles(acteur)?.filter(contrats::Column::Id.eq(id)).one(db).await?.ok_or(AppError::NotFound)
}

/// The end that bounds a contrat's months: real end, else planned end.
pub fn fin_effective(c: &contrats::Model) -> Option<chrono::NaiveDate> {
    c.date_fin_reelle.or(c.date_fin_prevue)
}

/// Creates a contrat and its `emploi` étape inside the caller's transaction (so that
/// another module can link it in the same transaction), and tells whether the
/// participant is eligible at its start.
pub async fn create_contrat(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, participant_id: i64, input: &ContratInput) -> AppResult<(contrats::Model, Eligibilite)> {
    acteur.require(GESTION)?;
    let p = get_participant(txn, acteur, participant_id).await?;
    let mut errors = Vec::new();
    let poste = input.poste.trim().to_string();
    if poste.is_empty() {
        errors.push(FieldError::new("poste", "Ce champ est obligatoire."));
    }
    match (input.type_contrat, input.date_fin_prevue) {
        (TypeContrat::Cdi, _) => {}
        (_, None) => errors.push(FieldError::new("date_fin_prevue", "Obligatoire pour un contrat à durée déterminée.")),
        (_, Some(fin)) if fin < input.date_debut => errors.push(FieldError::new("date_fin_prevue", "La fin prévue précède le début du contrat.")),
        _ => {}
    }
    if input.date_debut < p.date_naissance {
        errors.push(FieldError::new("date_debut", "Date antérieure à la naissance."));
    }
    let minutes_hebdo = match minutes("heures_hebdo", input.heures_hebdo) {
        Ok(m) if m == 0 || m > 48 * 60 => {
            errors.push(FieldError::new("heures_hebdo", "Entre 0,25 et 48 heures par semaine."));
            0
        }
        Ok(m) => m,
        Err(e) => {
            errors.push(e);
            0
        }
    };
    let employeur = acteur.scoped::<entreprises::Entity>().filter(entreprises::Column::Id.eq(input.employeur_id)).one(txn).await?;
    let Some(employeur) = employeur else {
        errors.push(FieldError::new("employeur_id", "Cet employeur n'existe pas dans votre structure."));
        return Err(AppError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let now = clock.now();
    let etape = etapes::ActiveModel {
        structure_id: Set(acteur.structure_id),
        participant_id: Set(participant_id),
        r#type: Set(TypeEtape::Emploi),
        sous_type: Set(Some(code(input.type_contrat))),
        intitule: Set(format!("{poste} — {}", employeur.raison_sociale)),
        date_debut: Set(input.date_debut),
        date_fin: Set(input.date_fin_prevue),
        resultat: Set(None),
        minutes_formation: Set(None),
        certification: Set(None),
        sensible: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let contrat = contrats::ActiveModel {
        structure_id: Set(acteur.structure_id),
        participant_id: Set(participant_id),
        etape_id: Set(etape.id),
        employeur_id: Set(employeur.id),
        type_contrat: Set(input.type_contrat),
        date_debut: Set(input.date_debut),
        date_fin_prevue: Set(input.date_fin_prevue),
        date_fin_reelle: Set(None),
        motif_fin: Set(None),
        minutes_hebdo: Set(minutes_hebdo),
        poste: Set(poste),
        code_rome: Set(clean(&input.code_rome)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(txn, clock, acteur, "creation", "contrat", contrat.id, None, Some(&contrat)).await?;
    let eligibilite = super::criteres::eligibilite_participant(txn, acteur, participant_id, input.date_debut).await?;
    Ok((contrat, eligibilite))
}


/// Ends a contrat: real end date and reason; the étape ends too, and the 6-month
/// follow-up becomes due.
pub async fn terminer_contrat(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, id: i64, input: FinContratInput) -> AppResult<contrats::Model> {
    acteur.require(GESTION)?;
    let txn = crate::db::ecrire(db).await?;
    let before = get_contrat(&txn, acteur, id).await?;
    let mut errors = Vec::new();
    if input.date_fin_reelle < before.date_debut {
        errors.push(FieldError::new("date_fin_reelle", "La fin précède le début du contrat."));
    }
    if input.date_fin_reelle > clock.today() {
        errors.push(FieldError::new("date_fin_reelle", "Une fin réelle ne peut pas être dans le futur : modifiez plutôt la fin prévue."));
    }
    let motif = input.motif_fin.trim().to_string();
    if motif.is_empty() {
        errors.push(FieldError::new("motif_fin", "Ce champ est obligatoire."));
    }
    let apres_fin = acteur
        .scoped::<heures_mensuelles::Entity>()
        .filter(heures_mensuelles::Column::ContratId.eq(id))
        .filter(heures_mensuelles::Column::Courante.eq(true))
        .filter(heures_mensuelles::Column::Mois.gt(premier_du_mois(input.date_fin_reelle)))
        .one(&txn)
        .await?;
    if apres_fin.is_some() {
        errors.push(FieldError::new("date_fin_reelle", "Des heures sont déclarées pour des mois postérieurs à cette date."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if before.date_fin_reelle.is_some() {
        return Err(AppError::Conflict("Ce contrat est déjà terminé.".into()));
    }
    let mut model: contrats::ActiveModel = before.clone().into();
    model.date_fin_reelle = Set(Some(input.date_fin_reelle));
    model.motif_fin = Set(Some(motif));
    model.updated_at = Set(clock.now());
    let after = model.update(&txn).await?;
    etapes::Entity::update_many()
        .col_expr(etapes::Column::DateFin, Expr::value(input.date_fin_reelle))
        .col_expr(etapes::Column::UpdatedAt, Expr::value(clock.now()))
        .filter(etapes::Column::Id.eq(before.etape_id))
        .exec(&txn)
        .await?;
    let mois = super::parametres(&txn, acteur.structure_id).await?.suivi_mois_apres_fin;
    suivis_six_mois::ActiveModel {
        structure_id: Set(acteur.structure_id),
        contrat_id: Set(id),
        date_echeance: Set(input.date_fin_reelle.checked_add_months(Months::new(mois)).unwrap_or(input.date_fin_reelle)),
        date_realisation: Set(None),
        situation: Set(None),
        commentaire: Set(None),
        renseigne_par_id: Set(None),
        created_at: Set(clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, clock, acteur, "fin", "contrat", id, Some(&before), Some(&after)).await?;
    txn.commit().await?;
    Ok(after)
}

/// Records the situation found at the follow-up after the contrat's end.
pub async fn renseigner_suivi(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, contrat_id: i64, input: SuiviInput) -> AppResult<suivis_six_mois::Model> {
    acteur.require(&[Role::Admin, Role::Facilitateur, Role::Referent])?;
    let txn = crate::db::ecrire(db).await?;
    let contrat = get_contrat(&txn, acteur, contrat_id).await?;
    let suivi = acteur
        .scoped::<suivis_six_mois::Entity>()
        .filter(suivis_six_mois::Column::ContratId.eq(contrat_id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::Conflict("Le suivi n'existe qu'une fois le contrat terminé.".into()))?;
    let fin = contrat.date_fin_reelle.unwrap_or(contrat.date_debut);
    let mut errors = Vec::new();
    if input.date_realisation < fin {
        errors.push(FieldError::new("date_realisation", "Le suivi ne peut précéder la fin du contrat."));
    }
    if input.date_realisation > clock.today() {
        errors.push(FieldError::new("date_realisation", "Le suivi ne peut pas être dans le futur."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let mut model: suivis_six_mois::ActiveModel = suivi.clone().into();
    model.situation = Set(Some(input.situation));
    model.date_realisation = Set(Some(input.date_realisation));
    model.commentaire = Set(clean(&input.commentaire));
    model.renseigne_par_id = Set(Some(acteur.utilisateur_id));
    let after = model.update(&txn).await?;
    audit::record(&txn, clock, acteur, "suivi", "contrat", contrat_id, Some(&suivi), Some(&after)).await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn suivi_de(db: &impl ConnectionTrait, acteur: &Acteur, contrat_id: i64) -> AppResult<Option<suivis_six_mois::Model>> {
    get_contrat(db, acteur, contrat_id).await?;
    Ok(suivis_des_contrats(db, acteur, &[contrat_id]).await?.pop())
}

/// The six-month follow-ups of these contrats (already checked readable), in one query.
pub async fn suivis_des_contrats(db: &impl ConnectionTrait, acteur: &Acteur, contrat_ids: &[i64]) -> AppResult<Vec<suivis_six_mois::Model>> {
    Ok(acteur.scoped::<suivis_six_mois::Entity>().filter(suivis_six_mois::Column::ContratId.is_in(contrat_ids.to_vec())).all(db).await?)
}
