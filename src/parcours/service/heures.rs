//! Monthly hours of a contrat and their declaration workflow:
//! brouillon → declaree → validee | a_corriger → declaree … Hours of a revision are
//! never edited: every declaration is a new revision (history kept), and a validated
//! month is corrected only with a reason. Writers of the same contrat are serialised by
//! locking the contrat row first, so no update is lost; a client that names the
//! revision it saw gets 409 if another one was recorded since.

use chrono::NaiveDate;
use entities::enums::{Role, StatutDeclaration as S};
use entities::{contrats, heures_mensuelles};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};

use super::super::forms::{Decision, HeuresInput, ValidationInput};
use super::super::limites::{heures_fr, minutes, parse_mois, plafond_minutes, premier_du_mois};
use super::contrats::{fin_effective, get_contrat};
use crate::audit;
use crate::auth::{Acteur, GESTION};
use crate::clock::Clock;
use crate::error::{AppError, AppResult, FieldError};
use crate::text::{clean, date_num, mois_fr};

/// « juin 2025 » → « Juin 2025 », to open a sentence.
fn majuscule(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|p| p.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// A move of the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Enregistrer,
    Declarer,
    Valider,
    RenvoyerACorriger,
}

/// The workflow as a table: for each move, the statuses it may start from (`None` =
/// nothing recorded yet), the roles allowed, and the status it leads to. Correcting a
/// validated month (`Declarer` from `validee`) also needs a reason.
const TRANSITIONS: &[(Action, &[Option<S>], &[Role], S)] = &[
    (Action::Enregistrer, &[None, Some(S::Brouillon)], &[Role::Entreprise, Role::Facilitateur, Role::Admin], S::Brouillon),
    (Action::Declarer, &[None, Some(S::Brouillon), Some(S::Declaree), Some(S::ACorriger), Some(S::Validee)], &[Role::Entreprise, Role::Facilitateur, Role::Admin], S::Declaree),
    (Action::Valider, &[Some(S::Declaree)], &[Role::Facilitateur, Role::Admin], S::Validee),
    (Action::RenvoyerACorriger, &[Some(S::Declaree)], &[Role::Facilitateur, Role::Admin], S::ACorriger),
];

fn libelle(s: Option<S>) -> &'static str {
    match s {
        None => "non déclaré",
        Some(S::Brouillon) => "brouillon",
        Some(S::Declaree) => "déclaré",
        Some(S::Validee) => "validé",
        Some(S::ACorriger) => "à corriger",
    }
}

/// The status `action` leads to from `from`, or why not (403 for the role, 409 for the
/// status).
pub fn transition(action: Action, from: Option<S>, role: Role) -> AppResult<S> {
    let (_, sources, roles, to) = TRANSITIONS.iter().find(|(a, ..)| *a == action).ok_or(AppError::Forbidden)?;
    if !roles.contains(&role) {
        return Err(AppError::Forbidden);
    }
    if !sources.contains(&from) {
        return Err(AppError::Conflict(format!("Impossible depuis l'état « {} » de ce mois.", libelle(from))));
    }
    Ok(*to)
}

fn parse_mois_field(mois: &str) -> AppResult<NaiveDate> {
    parse_mois(mois).ok_or_else(|| AppError::field("mois", "Mois attendu au format AAAA-MM."))
}

/// Locks the contrat row for the rest of the transaction (the first statement is a
/// write: SQLite takes its write lock now and waits for other writers; PostgreSQL locks
/// the row), then reads it through the caller's scope.
async fn lock_contrat(txn: &DatabaseTransaction, acteur: &Acteur, contrat_id: i64) -> AppResult<contrats::Model> {
    contrats::Entity::update_many()
        .col_expr(contrats::Column::UpdatedAt, Expr::col(contrats::Column::UpdatedAt).into())
        .filter(contrats::Column::Id.eq(contrat_id))
        .filter(contrats::Column::StructureId.eq(acteur.structure_id))
        .exec(txn)
        .await?;
    get_contrat(txn, acteur, contrat_id).await
}

async fn courante(db: &impl ConnectionTrait, acteur: &Acteur, contrat_id: i64, mois: NaiveDate) -> AppResult<Option<heures_mensuelles::Model>> {
    Ok(acteur
        .scoped::<heures_mensuelles::Entity>()
        .filter(heures_mensuelles::Column::ContratId.eq(contrat_id))
        .filter(heures_mensuelles::Column::Mois.eq(mois))
        .filter(heures_mensuelles::Column::Courante.eq(true))
        .one(db)
        .await?)
}

fn check_revision(expected: Option<i32>, current: Option<&heures_mensuelles::Model>) -> AppResult<()> {
    let actual = current.map_or(0, |c| c.revision);
    match expected {
        Some(r) if r != actual => Err(AppError::Conflict(format!(
            "Ce mois a été modifié entre-temps : la révision en vigueur est la {actual}, vous êtes parti·e de la {r}. Rechargez avant de recommencer."
        ))),
        _ => Ok(()),
    }
}

/// Declares (or saves as draft) the hours of `mois` for a contrat: a new revision.
pub async fn declarer_heures(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, contrat_id: i64, mois: &str, input: HeuresInput) -> AppResult<heures_mensuelles::Model> {
    let txn = crate::db::ecrire(db).await?;
    let created = declarer_dans(&txn, clock, acteur, contrat_id, mois, input).await?;
    txn.commit().await?;
    Ok(created)
}

/// Declares (or saves as drafts) the hours of one month for several contrats at once,
/// all or nothing: either every line is recorded, or none is and each refused line comes
/// back with its French messages.
pub async fn declarer_lot(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, mois: &str, lignes: Vec<(i64, HeuresInput)>) -> AppResult<Result<usize, Vec<(i64, Vec<String>)>>> {
    let txn = crate::db::ecrire(db).await?;
    let mut refus = Vec::new();
    let n = lignes.len();
    for (contrat_id, input) in lignes {
        if let Err(e) = declarer_dans(&txn, clock, acteur, contrat_id, mois, input).await {
            refus.push((contrat_id, messages_du_refus(e, "Ce contrat n'existe pas ou ne vous concerne pas.")?));
        }
    }
    conclure(txn, refus, n).await
}

/// The French messages of a refusal of one line of a batch; other errors stop the batch.
fn messages_du_refus(e: AppError, introuvable: &str) -> AppResult<Vec<String>> {
    match e {
        AppError::Invalid(champs) => Ok(champs.into_iter().map(|c| c.message).collect()),
        AppError::Conflict(message) => Ok(vec![message]),
        AppError::NotFound => Ok(vec![introuvable.to_string()]),
        AppError::Forbidden => Ok(vec!["Votre rôle ne permet pas cette opération sur ce contrat.".to_string()]),
        autre => Err(autre),
    }
}

/// A batch is all or nothing: committed when no line was refused, else rolled back and
/// the refusals returned.
async fn conclure<T, K>(txn: DatabaseTransaction, refus: Vec<K>, fait: T) -> AppResult<Result<T, Vec<K>>> {
    if refus.is_empty() {
        txn.commit().await?;
        Ok(Ok(fait))
    } else {
        txn.rollback().await?;
        Ok(Err(refus))
    }
}

async fn declarer_dans(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, contrat_id: i64, mois: &str, input: HeuresInput) -> AppResult<heures_mensuelles::Model> {
    acteur.require(&[Role::Entreprise, Role::Facilitateur, Role::Admin])?;
    let mois = parse_mois_field(mois)?;
    let mut errors = Vec::new();
    let travail = minutes("heures_travail", input.heures_travail).map_err(|e| errors.push(e)).unwrap_or(0);
    let formation = minutes("heures_formation", input.heures_formation).map_err(|e| errors.push(e)).unwrap_or(0);
    let motif = clean(&input.motif);

    let contrat = lock_contrat(txn, acteur, contrat_id).await?;
    let params = super::parametres(txn, acteur.structure_id).await?;
    let fin = fin_effective(&contrat);
    let dernier_jour = mois + chrono::Months::new(1) - chrono::Days::new(1);
    if mois > premier_du_mois(clock.today()) {
        errors.push(FieldError::new("mois", "Un mois futur ne peut pas être déclaré."));
    } else if !input.brouillon && dernier_jour > clock.today() {
        errors.push(FieldError::new(
            "mois",
            format!("Les heures de {} se déclarent à partir du {} ; d'ici là, enregistrez-les en brouillon.", mois_fr(mois), date_num(dernier_jour)),
        ));
    }
    if acteur.role == Role::Entreprise && !input.brouillon && !input.attestation {
        errors.push(FieldError::new("attestation", "Pour déclarer, certifiez l'exactitude des heures déclarées (case à cocher)."));
    }
    if mois < premier_du_mois(contrat.date_debut) || fin.is_some_and(|f| mois > premier_du_mois(f)) {
        let au = fin.map_or("(sans fin)".to_string(), date_num);
        errors.push(FieldError::new("mois", format!("{} est en dehors du contrat (du {} au {au}).", majuscule(&mois_fr(mois)), date_num(contrat.date_debut))));
    } else if errors.iter().all(|e| e.field == "attestation") {
        let plafond = plafond_minutes(mois, contrat.date_debut, fin, params.heures_max_semaine, params.heures_max_jour_ouvre);
        if i64::from(travail) + i64::from(formation) > plafond {
            errors.push(FieldError::new(
                "heures_travail",
                format!(
                    "{} de travail et de formation dépassent le plafond de {} pour {} ({} h par semaine couverte par le contrat, {} h par jour ouvré).",
                    heures_fr(i64::from(travail) + i64::from(formation)),
                    heures_fr(plafond),
                    mois_fr(mois),
                    params.heures_max_semaine,
                    params.heures_max_jour_ouvre
                ),
            ));
        }
    }
    let current = courante(txn, acteur, contrat_id, mois).await?;
    let from = current.as_ref().map(|c| c.statut);
    if from == Some(S::Validee) && motif.is_none() {
        errors.push(FieldError::new("motif", "Ce mois est validé : indiquez le motif de la correction."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    check_revision(input.revision, current.as_ref())?;
    let action = if input.brouillon { Action::Enregistrer } else { Action::Declarer };
    let statut = transition(action, from, acteur.role)?;

    let now = clock.now();
    if let Some(c) = &current {
        heures_mensuelles::Entity::update_many()
            .col_expr(heures_mensuelles::Column::Courante, Expr::value(false))
            .filter(heures_mensuelles::Column::Id.eq(c.id))
            .exec(txn)
            .await?;
    }
    let created = heures_mensuelles::ActiveModel {
        structure_id: Set(acteur.structure_id),
        contrat_id: Set(contrat_id),
        mois: Set(mois),
        revision: Set(current.as_ref().map_or(1, |c| c.revision + 1)),
        courante: Set(true),
        minutes_travail: Set(travail),
        minutes_formation: Set(formation),
        statut: Set(statut),
        motif: Set(motif),
        declare_par_id: Set(Some(acteur.utilisateur_id)),
        declare_at: Set(Some(now)),
        decide_par_id: Set(None),
        decide_at: Set(None),
        motif_decision: Set(None),
        created_at: Set(now),
        atteste_par_id: Set((input.attestation && !input.brouillon).then_some(acteur.utilisateur_id)),
        atteste_at: Set((input.attestation && !input.brouillon).then_some(now)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let action = if from == Some(S::Validee) { "correction" } else { "declaration" };
    audit::record(txn, clock, acteur, action, "heures_mensuelles", created.id, current.as_ref(), Some(&created)).await?;
    Ok(created)
}

/// Validates the current revision of a month, or sends it back for correction.
pub async fn decider_heures(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, contrat_id: i64, mois: &str, input: ValidationInput) -> AppResult<heures_mensuelles::Model> {
    let txn = crate::db::ecrire(db).await?;
    let after = decider_dans(&txn, clock, acteur, contrat_id, mois, input).await?;
    txn.commit().await?;
    Ok(after)
}

/// Decides on several months at once, all or nothing: either every decision is recorded,
/// or none is and each refused one comes back, keyed by (contrat, month), with its French
/// messages. Returns the revisions decided.
pub async fn decider_lot(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, lignes: Vec<(i64, String, ValidationInput)>) -> AppResult<Result<Vec<heures_mensuelles::Model>, Vec<((i64, String), Vec<String>)>>> {
    let txn = crate::db::ecrire(db).await?;
    let mut refus = Vec::new();
    let mut faits = Vec::new();
    for (contrat_id, mois, input) in lignes {
        match decider_dans(&txn, clock, acteur, contrat_id, &mois, input).await {
            Ok(h) => faits.push(h),
            Err(e) => refus.push(((contrat_id, mois), messages_du_refus(e, "Ce mois n'est pas déclaré ou ne vous concerne pas.")?)),
        }
    }
    conclure(txn, refus, faits).await
}

async fn decider_dans(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, contrat_id: i64, mois: &str, input: ValidationInput) -> AppResult<heures_mensuelles::Model> {
    acteur.require(GESTION)?;
    let mois = parse_mois_field(mois)?;
    let motif = clean(&input.motif);
    if input.decision == Decision::ACorriger && motif.is_none() {
        return Err(AppError::field("motif", "Indiquez à l'entreprise ce qu'il faut corriger."));
    }
    lock_contrat(txn, acteur, contrat_id).await?;
    let current = courante(txn, acteur, contrat_id, mois).await?.ok_or(AppError::NotFound)?;
    check_revision(input.revision, Some(&current))?;
    let action = match input.decision {
        Decision::Validee => Action::Valider,
        Decision::ACorriger => Action::RenvoyerACorriger,
    };
    let statut = transition(action, Some(current.statut), acteur.role)?;
    let mut model: heures_mensuelles::ActiveModel = current.clone().into();
    model.statut = Set(statut);
    model.decide_par_id = Set(Some(acteur.utilisateur_id));
    model.decide_at = Set(Some(clock.now()));
    model.motif_decision = Set(motif);
    let after = model.update(txn).await?;
    let action = if statut == S::Validee { "validation" } else { "renvoi_a_corriger" };
    audit::record(txn, clock, acteur, action, "heures_mensuelles", after.id, Some(&current), Some(&after)).await?;
    Ok(after)
}

/// The current revision of every month of a contrat, in month order.
pub async fn heures_du_contrat(db: &impl ConnectionTrait, acteur: &Acteur, contrat_id: i64) -> AppResult<Vec<heures_mensuelles::Model>> {
    get_contrat(db, acteur, contrat_id).await?;
    heures_des_contrats(db, acteur, &[contrat_id]).await
}

/// The current revision of every month of these contrats (already checked readable), by
/// contrat then month, in one query.
pub async fn heures_des_contrats(db: &impl ConnectionTrait, acteur: &Acteur, contrat_ids: &[i64]) -> AppResult<Vec<heures_mensuelles::Model>> {
    Ok(acteur
        .scoped::<heures_mensuelles::Entity>()
        .filter(heures_mensuelles::Column::ContratId.is_in(contrat_ids.to_vec()))
        .filter(heures_mensuelles::Column::Courante.eq(true))
        .order_by_asc(heures_mensuelles::Column::ContratId)
        .order_by_asc(heures_mensuelles::Column::Mois)
        .all(db)
        .await?)
}

/// Every revision of one month, newest first (404 if nothing was recorded).
pub async fn historique_mois(db: &impl ConnectionTrait, acteur: &Acteur, contrat_id: i64, mois: &str) -> AppResult<Vec<heures_mensuelles::Model>> {
    let mois = parse_mois_field(mois)?;
    get_contrat(db, acteur, contrat_id).await?;
    let rows = acteur
        .scoped::<heures_mensuelles::Entity>()
        .filter(heures_mensuelles::Column::ContratId.eq(contrat_id))
        .filter(heures_mensuelles::Column::Mois.eq(mois))
        .order_by_desc(heures_mensuelles::Column::Revision)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_table() {
        use Role::*;
        assert_eq!(transition(Action::Declarer, None, Entreprise).unwrap(), S::Declaree);
        assert_eq!(transition(Action::Declarer, Some(S::ACorriger), Entreprise).unwrap(), S::Declaree);
        assert_eq!(transition(Action::Valider, Some(S::Declaree), Facilitateur).unwrap(), S::Validee);
        assert_eq!(transition(Action::RenvoyerACorriger, Some(S::Declaree), Admin).unwrap(), S::ACorriger);
        assert!(matches!(transition(Action::Valider, Some(S::Declaree), Entreprise), Err(AppError::Forbidden)));
        assert!(matches!(transition(Action::Declarer, None, Referent), Err(AppError::Forbidden)));
        assert!(matches!(transition(Action::Declarer, None, DonneurOrdre), Err(AppError::Forbidden)));
        assert!(matches!(transition(Action::Valider, Some(S::Validee), Facilitateur), Err(AppError::Conflict(_))));
        assert!(matches!(transition(Action::Valider, Some(S::Brouillon), Facilitateur), Err(AppError::Conflict(_))));
        assert!(matches!(transition(Action::Valider, None, Facilitateur), Err(AppError::Conflict(_))));
        assert!(matches!(transition(Action::Enregistrer, Some(S::Declaree), Entreprise), Err(AppError::Conflict(_))));
    }
}
