//! Participants: registration, identity updates, search, référent (with history), and
//! the parcours timeline.

use entities::enums::Role;
use entities::{contrats, criteres, etapes, participants, referent_assignations, sorties, utilisateurs};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select, Set, TransactionTrait};

use super::super::eligibilite::{eligibilite, CritereFait};
use super::super::forms::{ParticipantInput, RechercheParticipants};
use super::super::views::{AssignationReferent, Contrat, Critere, Etape, HeuresMois, Parcours, Participant, Sortie, Suivi};
use crate::audit;
use crate::auth::{Acteur, GESTION};
use crate::clock::Clock;
use crate::error::{AppError, AppResult, FieldError};
use crate::text::clean;
use crate::web::page::{Page, PageQuery};

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

/// Whether the caller may read sensitive details (levée de freins) of this participant:
/// its référent and administrators only (domain.md §8).
pub fn voit_details_sensibles(acteur: &Acteur, p: &participants::Model) -> bool {
    acteur.role == Role::Admin || (acteur.role == Role::Referent && p.referent_id == Some(acteur.utilisateur_id))
}

/// A participant as this caller may read it (health data only for its référent and admins).
pub fn vue(acteur: &Acteur, p: participants::Model) -> Participant {
    let details = voit_details_sensibles(acteur, &p);
    Participant::vu(p, details)
}

/// 403 unless the caller may change this participant's parcours: gestion roles, or its
/// référent (who reaches only participants it follows anyway).
pub fn peut_modifier_parcours(acteur: &Acteur) -> AppResult<()> {
    acteur.require(&[Role::Admin, Role::Facilitateur, Role::Referent])
}

fn apply(model: &mut participants::ActiveModel, p: ParticipantInput) {
    model.nom = Set(p.nom);
    model.prenom = Set(p.prenom);
    model.date_naissance = Set(p.date_naissance);
    model.sexe = Set(p.sexe);
    model.adresse = Set(clean(&p.adresse));
    model.code_postal = Set(clean(&p.code_postal));
    model.commune = Set(p.commune);
    model.qpv = Set(p.qpv);
    model.qpv_code = Set(clean(&p.qpv_code));
    model.niveau_formation = Set(p.niveau_formation);
    model.demandeur_emploi_depuis = Set(p.demandeur_emploi_depuis);
    model.inscrit_france_travail = Set(p.inscrit_france_travail);
    model.beneficiaire_rsa = Set(p.beneficiaire_rsa);
    model.beneficiaire_ass = Set(p.beneficiaire_ass);
    model.beneficiaire_aah = Set(p.beneficiaire_aah);
    model.rqth = Set(p.rqth);
    model.telephone = Set(clean(&p.telephone));
    model.email = Set(clean(&p.email));
    model.prescripteur_type = Set(p.prescripteur_type);
    model.prescripteur_nom = Set(clean(&p.prescripteur_nom));
}

/// Registers a participant. A référent who registers one follows it.
pub async fn create_participant(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, input: ParticipantInput) -> AppResult<participants::Model> {
    peut_modifier_parcours(acteur)?;
    let today = clock.today();
    let p = input.validate(today)?;
    let now = clock.now();
    let referent_id = (acteur.role == Role::Referent).then_some(acteur.utilisateur_id);
    let mut model = participants::ActiveModel {
        structure_id: Set(acteur.structure_id),
        referent_id: Set(referent_id),
        anonymise_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut model, p);
    let txn = crate::db::ecrire(db).await?;
    let created = model.insert(&txn).await?;
    if let Some(referent_id) = referent_id {
        open_assignation(&txn, clock, acteur, created.id, referent_id).await?;
    }
    audit::record(&txn, clock, acteur, "creation", "participant", created.id, None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

/// The participants of the structure with this name and birth date (a likely duplicate;
/// `sauf` left out), each with whether the caller may open its record.
pub async fn semblables(db: &impl ConnectionTrait, acteur: &Acteur, nom: &str, prenom: &str, date_naissance: chrono::NaiveDate, sauf: Option<i64>) -> AppResult<Vec<(participants::Model, bool)>> {
    peut_modifier_parcours(acteur)?;
    let minuscule = |c: participants::Column| Expr::expr(Func::lower(Expr::col(c)));
    let mut s = acteur
        .scoped::<participants::Entity>()
        .filter(participants::Column::DateNaissance.eq(date_naissance))
        .filter(minuscule(participants::Column::Nom).eq(nom.trim().to_lowercase()))
        .filter(minuscule(participants::Column::Prenom).eq(prenom.trim().to_lowercase()))
        .filter(participants::Column::AnonymiseAt.is_null());
    if let Some(id) = sauf {
        s = s.filter(participants::Column::Id.ne(id));
    }
    let visible = |p: &participants::Model| acteur.role != Role::Referent || p.referent_id == Some(acteur.utilisateur_id);
    Ok(sea_orm::QuerySelect::limit(s, 10).all(db).await?.into_iter().map(|p| {
        let v = visible(&p);
        (p, v)
    }).collect())
}

/// Replaces a participant's identity and situation (the whole form, validated again).
/// Health data (RQTH, AAH) stay as they were when the caller may not read them.
pub async fn update_participant(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, id: i64, input: ParticipantInput) -> AppResult<participants::Model> {
    peut_modifier_parcours(acteur)?;
    let mut p = input.validate(clock.today())?;
    let txn = crate::db::ecrire(db).await?;
    let before = get_participant(&txn, acteur, id).await?;
    if !voit_details_sensibles(acteur, &before) {
        (p.rqth, p.beneficiaire_aah) = (before.rqth, before.beneficiaire_aah);
    }
    let mut model: participants::ActiveModel = before.clone().into();
    apply(&mut model, p);
    model.updated_at = Set(clock.now());
    let after = model.update(&txn).await?;
    audit::record(&txn, clock, acteur, "modification", "participant", id, Some(&before), Some(&after)).await?;
    txn.commit().await?;
    Ok(after)
}

/// Search by nom/prénom (`q`), commune or référent, paginated, by name.
pub async fn rechercher(db: &impl ConnectionTrait, acteur: &Acteur, r: &RechercheParticipants) -> AppResult<Page<Participant>> {
    let mut select = participants_visibles(acteur)?;
    if let Some(m) = r.q.as_deref().and_then(crate::web::liste::motif) {
        use crate::web::liste::like;
        select = select.filter(Condition::any().add(like(participants::Column::Nom, &m)).add(like(participants::Column::Prenom, &m)));
    }
    if let Some(commune) = r.commune.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        select = select.filter(Expr::expr(Func::lower(Expr::col(participants::Column::Commune))).eq(commune.to_lowercase()));
    }
    if let Some(referent_id) = r.referent_id {
        select = select.filter(participants::Column::ReferentId.eq(referent_id));
    }
    let select = select.order_by_asc(participants::Column::Nom).order_by_asc(participants::Column::Prenom).order_by_asc(participants::Column::Id);
    PageQuery { page: r.page, par_page: r.par_page }.fetch(db, select, |p| vue(acteur, p)).await
}

async fn open_assignation(db: &impl ConnectionTrait, clock: &Clock, acteur: &Acteur, participant_id: i64, referent_id: i64) -> AppResult<()> {
    referent_assignations::ActiveModel {
        structure_id: Set(acteur.structure_id),
        participant_id: Set(participant_id),
        referent_id: Set(referent_id),
        du: Set(clock.today()),
        au: Set(None),
        assigne_par_id: Set(Some(acteur.utilisateur_id)),
        created_at: Set(clock.now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Gives the participant a new référent (or none); the previous assignment is closed
/// today and kept.
pub async fn changer_referent(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, id: i64, referent_id: Option<i64>) -> AppResult<participants::Model> {
    acteur.require(GESTION)?;
    let txn = crate::db::ecrire(db).await?;
    let before = get_participant(&txn, acteur, id).await?;
    if let Some(rid) = referent_id {
        let user = acteur.scoped::<utilisateurs::Entity>().filter(utilisateurs::Column::Id.eq(rid)).one(&txn).await?;
        if !user.is_some_and(|u| u.actif && matches!(u.role, Role::Referent | Role::Facilitateur)) {
            return Err(AppError::Invalid(vec![FieldError::new("referent_id", "Ce référent n'existe pas dans votre structure (rôle référent ou facilitateur attendu).")]));
        }
    }
    if before.referent_id == referent_id {
        txn.commit().await?;
        return Ok(before);
    }
    referent_assignations::Entity::update_many()
        .col_expr(referent_assignations::Column::Au, Expr::value(clock.today()))
        .filter(referent_assignations::Column::ParticipantId.eq(id))
        .filter(referent_assignations::Column::Au.is_null())
        .exec(&txn)
        .await?;
    if let Some(rid) = referent_id {
        open_assignation(&txn, clock, acteur, id, rid).await?;
    }
    let mut model: participants::ActiveModel = before.clone().into();
    model.referent_id = Set(referent_id);
    model.updated_at = Set(clock.now());
    let after = model.update(&txn).await?;
    audit::record(&txn, clock, acteur, "changement_referent", "participant", id, Some(&before), Some(&after)).await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn historique_referents(db: &impl ConnectionTrait, acteur: &Acteur, id: i64) -> AppResult<Vec<referent_assignations::Model>> {
    get_participant(db, acteur, id).await?;
    Ok(acteur
        .scoped::<referent_assignations::Entity>()
        .filter(referent_assignations::Column::ParticipantId.eq(id))
        .order_by_asc(referent_assignations::Column::Du)
        .order_by_asc(referent_assignations::Column::Id)
        .all(db)
        .await?)
}

/// The whole parcours: identity, criteria, étapes (with their contrats), sorties, and
/// eligibility today. Four queries whatever the length of the parcours.
pub async fn parcours(db: &impl ConnectionTrait, clock: &Clock, acteur: &Acteur, id: i64) -> AppResult<Parcours> {
    let p = get_participant(db, acteur, id).await?;
    let details = voit_details_sensibles(acteur, &p);
    let criteres = acteur.scoped::<criteres::Entity>().filter(criteres::Column::ParticipantId.eq(id)).order_by_asc(criteres::Column::DateVerification).order_by_asc(criteres::Column::Id).all(db).await?;
    let etapes = acteur.scoped::<etapes::Entity>().filter(etapes::Column::ParticipantId.eq(id)).order_by_asc(etapes::Column::DateDebut).order_by_asc(etapes::Column::Id).all(db).await?;
    let mut contrats: std::collections::HashMap<i64, contrats::Model> =
        acteur.scoped::<contrats::Entity>().filter(contrats::Column::ParticipantId.eq(id)).all(db).await?.into_iter().map(|c| (c.etape_id, c)).collect();
    let sorties = acteur.scoped::<sorties::Entity>().filter(sorties::Column::ParticipantId.eq(id)).order_by_asc(sorties::Column::DateSortie).order_by_asc(sorties::Column::Id).all(db).await?;
    let fenetre = super::parametres(db, acteur.structure_id).await?.eligibilite_mois;
    let faits: Vec<CritereFait> = criteres.iter().map(CritereFait::from).collect();
    let today = clock.today();
    Ok(Parcours {
        eligibilite: eligibilite(&faits, today, fenetre),
        participant: Participant::vu(p, details),
        criteres: criteres.into_iter().map(|c| Critere::vu(c, details)).collect(),
        etapes: etapes
            .into_iter()
            .map(|e| {
                let contrat = contrats.remove(&e.id).map(|c| {
                    let elig = eligibilite(&faits, c.date_debut, fenetre);
                    Contrat::new(c, Some(elig))
                });
                Etape::new(e, contrat, details)
            })
            .collect(),
        sorties: sorties.into_iter().map(Sortie::from).collect(),
    })
}

/// Everything held on a person (droit d'accès, RGPD art. 15): the parcours, every
/// revision of every month of hours of its contrats, its référents over time and its
/// 6-month follow-ups. The export itself is recorded in the audit log.
pub async fn exporter(db: &(impl ConnectionTrait + TransactionTrait), clock: &Clock, acteur: &Acteur, id: i64) -> AppResult<super::super::views::ExportParticipant> {
    use entities::{heures_mensuelles, suivis_six_mois};
    let parcours = parcours(db, clock, acteur, id).await?;
    let contrats: Vec<i64> = acteur.scoped::<contrats::Entity>().filter(contrats::Column::ParticipantId.eq(id)).all(db).await?.into_iter().map(|c| c.id).collect();
    let heures = acteur
        .scoped::<heures_mensuelles::Entity>()
        .filter(heures_mensuelles::Column::ContratId.is_in(contrats.clone()))
        .order_by_asc(heures_mensuelles::Column::ContratId)
        .order_by_asc(heures_mensuelles::Column::Mois)
        .order_by_asc(heures_mensuelles::Column::Revision)
        .all(db)
        .await?;
    let suivis = acteur
        .scoped::<suivis_six_mois::Entity>()
        .filter(suivis_six_mois::Column::ContratId.is_in(contrats))
        .order_by_asc(suivis_six_mois::Column::DateEcheance)
        .all(db)
        .await?;
    let referents = historique_referents(db, acteur, id).await?;
    let noms = crate::auth::service::noms_utilisateurs(db, acteur, referents.iter().map(|r| r.referent_id).collect()).await?;
    let txn = crate::db::ecrire(db).await?;
    audit::record(&txn, clock, acteur, "export_rgpd", "participant", id, None::<&()>, None).await?;
    txn.commit().await?;
    Ok(super::super::views::ExportParticipant {
        genere_le: clock.now(),
        parcours,
        heures: heures.into_iter().map(HeuresMois::from).collect(),
        referents: referents
            .into_iter()
            .map(|r| AssignationReferent { referent: noms.get(&r.referent_id).cloned().unwrap_or_default(), referent_id: r.referent_id, du: r.du, au: r.au })
            .collect(),
        suivis_six_mois: suivis.into_iter().map(Suivi::from).collect(),
    })
}

/// « Léa D. »: how a participant is named to an employer (reminders, hours pages).
pub fn nom_court(p: &participants::Model) -> String {
    format!("{} {}.", p.prenom, p.nom.chars().next().unwrap_or('?'))
}

/// The short names of these participants of the caller's structure.
pub async fn noms_courts(db: &impl ConnectionTrait, acteur: &Acteur, ids: Vec<i64>) -> AppResult<std::collections::BTreeMap<i64, String>> {
    Ok(crate::db::par_ids(db, acteur.scoped::<participants::Entity>(), participants::Column::Id, ids).await?.iter().map(|p| (p.id, nom_court(p))).collect())
}
