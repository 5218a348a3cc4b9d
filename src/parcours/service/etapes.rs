//! Étapes of a parcours (other than `emploi`, which is created with its contrat).

use entities::enums::TypeEtape;
use entities::etapes;
use sea_orm::{ActiveModelTrait, Set, TransactionTrait};

use super::super::forms::EtapeInput;
use super::super::limites::minutes;
use super::participants::{get_participant, peut_modifier_parcours};
use crate::audit;
use crate::auth::Acteur;
use crate::clock::Clock;
use crate::error::{AppError, AppResult, FieldError};
use crate::text::clean;

const FREINS: &[&str] = &["logement", "sante", "mobilite", "garde", "budget", "justice"];
const FORMATIONS: &[&str] = &["qualifiante", "non_qualifiante"];

pub async fn ajouter_etape(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, participant_id: i64, input: EtapeInput) -> AppResult<etapes::Model> {
    peut_modifier_parcours(acteur)?;
    let mut errors = Vec::new();
    let sous_type = clean(&input.sous_type);
    let intitule = input.intitule.trim().to_string();
    if intitule.is_empty() {
        errors.push(FieldError::new("intitule", "Ce champ est obligatoire."));
    }
    match input.type_ {
        TypeEtape::Emploi => errors.push(FieldError::new("type", "Une étape emploi se crée avec son contrat (POST /participants/{id}/contrats).")),
        TypeEtape::LeveeFreins if !sous_type.as_deref().is_some_and(|s| FREINS.contains(&s)) => {
            errors.push(FieldError::new("sous_type", format!("Précisez le frein levé : logement, santé, mobilité, garde d'enfants, budget ou justice (codes : {}).", FREINS.join(", "))))
        }
        TypeEtape::Formation if !sous_type.as_deref().is_some_and(|s| FORMATIONS.contains(&s)) => {
            errors.push(FieldError::new("sous_type", "Précisez la formation : qualifiante ou non qualifiante (codes : qualifiante, non_qualifiante)."))
        }
        _ => {}
    }
    if input.date_fin.is_some_and(|fin| fin < input.date_debut) {
        errors.push(FieldError::new("date_fin", "La date de fin précède la date de début."));
    }
    let minutes_formation = match input.heures_formation {
        Some(_) if input.type_ != TypeEtape::Formation => {
            errors.push(FieldError::new("heures_formation", "Seule une formation a une durée en heures."));
            None
        }
        Some(h) => minutes("heures_formation", h).map_err(|e| errors.push(e)).ok(),
        None => None,
    };
    let txn = crate::db::ecrire(db).await?;
    let p = get_participant(&txn, acteur, participant_id).await?;
    if input.date_debut < p.date_naissance {
        errors.push(FieldError::new("date_debut", "Date antérieure à la naissance."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let now = clock.now();
    let created = etapes::ActiveModel {
        structure_id: Set(acteur.structure_id),
        participant_id: Set(participant_id),
        r#type: Set(input.type_),
        sous_type: Set(sous_type),
        intitule: Set(intitule),
        date_debut: Set(input.date_debut),
        date_fin: Set(input.date_fin),
        resultat: Set(clean(&input.resultat)),
        minutes_formation: Set(minutes_formation),
        certification: Set(clean(&input.certification)),
        sensible: Set(input.type_ == TypeEtape::LeveeFreins),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, clock, acteur, "creation", "etape", created.id, None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}
