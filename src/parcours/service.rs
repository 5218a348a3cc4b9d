//! The parcours core's service API, used by its REST API and by other PLIE modules.
//! It imports no other domain module.

use entities::enums::Role;
use entities::{participants, referent_assignations};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, Select, Set, TransactionTrait};

use super::forms::ParticipantInput;
use crate::audit;
use crate::auth::Acteur;
use crate::clock::Clock;
use crate::error::{AppError, AppResult};
use crate::text::clean;

/// Participants the caller may see: all of its structure's for facilitateurs and admins,
/// the ones it follows for a référent; entreprise and donneur d'ordre users never reach
/// the parcours (403).
pub fn participants_visibles(acteur: &Acteur) -> AppResult<Select<participants::Entity>> {
    let select = acteur.scoped::<participants::Entity>();
    match acteur.role {
        Role::Admin | Role::Facilitateur => Ok(select),
        Role::Referent => Ok(select.filter(participants::Column::ReferentId.eq(acteur.utilisateur_id))),
        Role::Entreprise | Role::DonneurOrdre => Err(AppError::Forbidden),
    }
}

pub async fn get_participant(db: &impl ConnectionTrait, acteur: &Acteur, id: i64) -> AppResult<participants::Model> {
    participants_visibles(acteur)?.filter(participants::Column::Id.eq(id)).one(db).await?.ok_or(AppError::NotFound)
}

/// Registers a participant. A référent who registers one follows it.
pub async fn create_participant(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, input: ParticipantInput) -> AppResult<participants::Model> {
    acteur.require(&[Role::Admin, Role::Facilitateur, Role::Referent])?;
    let today = clock.today();
    let p = input.validate(today)?;
    let now = clock.now();
    let referent_id = (acteur.role == Role::Referent).then_some(acteur.utilisateur_id);
    let txn = db.begin().await?;
    let created = participants::ActiveModel {
        structure_id: Set(acteur.structure_id),
        nom: Set(p.nom),
        prenom: Set(p.prenom),
        date_naissance: Set(p.date_naissance),
        sexe: Set(p.sexe),
        adresse: Set(clean(&p.adresse)),
        code_postal: Set(clean(&p.code_postal)),
        commune: Set(p.commune),
        qpv: Set(p.qpv),
        qpv_code: Set(clean(&p.qpv_code)),
        niveau_formation: Set(p.niveau_formation),
        demandeur_emploi_depuis: Set(p.demandeur_emploi_depuis),
        inscrit_france_travail: Set(p.inscrit_france_travail),
        beneficiaire_rsa: Set(p.beneficiaire_rsa),
        beneficiaire_ass: Set(p.beneficiaire_ass),
        beneficiaire_aah: Set(p.beneficiaire_aah),
        rqth: Set(p.rqth),
        telephone: Set(clean(&p.telephone)),
        email: Set(clean(&p.email)),
        referent_id: Set(referent_id),
        prescripteur_type: Set(None),
        prescripteur_nom: Set(None),
        anonymise_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(referent_id) = referent_id {
        referent_assignations::ActiveModel {
            structure_id: Set(acteur.structure_id),
            participant_id: Set(created.id),
            referent_id: Set(referent_id),
            du: Set(today),
            au: Set(None),
            assigne_par_id: Set(Some(acteur.utilisateur_id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::record(&txn, clock, acteur, "creation", "participant", created.id, None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}
