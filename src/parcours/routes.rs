//! HTTP API of the parcours core (`/api/v1/participants`, `/contrats/{id}`…). Handlers
//! are thin: parse, call `service`, shape the answer.

use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::forms::*;
use super::parametres::ParametresParcours;
use super::service::{self, contrats, criteres, etapes, heures, participants, sorties};
use super::views::*;
use crate::auth::{Acteur, GESTION};
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use crate::web::page::{Page, PageQuery};
use crate::web::{created, ApiJson, ApiPath, ApiQuery, Created};
use super::eligibilite::Eligibilite;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_participant, search_participants))
        .routes(routes!(get_participant, update_participant))
        .routes(routes!(set_referent))
        .routes(routes!(referents))
        .routes(routes!(get_parcours))
        .routes(routes!(exporter))
        .routes(routes!(add_critere, list_criteres))
        .routes(routes!(withdraw_critere))
        .routes(routes!(get_eligibilite))
        .routes(routes!(add_etape))
        .routes(routes!(add_contrat))
        .routes(routes!(add_sortie))
        .routes(routes!(get_contrat))
        .routes(routes!(end_contrat))
        .routes(routes!(set_suivi))
        .routes(routes!(list_heures))
        .routes(routes!(declare_heures, get_mois))
        .routes(routes!(decide_heures))
        .routes(routes!(list_protocoles, create_protocole))
        .routes(routes!(get_protocole_actif))
        .routes(routes!(get_parametres, set_parametres))
}

/// Registers a participant (facilitateur, admin, référent — who then follows it).
#[utoipa::path(post, path = "/participants", tag = "parcours", security(("bearer" = [])), request_body = ParticipantInput,
    responses((status = 201, body = Participant), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_participant(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<ParticipantInput>) -> Created<Participant> {
    created(participants::vue(&acteur, participants::create_participant(&s.db, &s.clock, &acteur, input).await?))
}

/// Searches participants in the caller's scope by nom/prénom, commune or référent.
#[utoipa::path(get, path = "/participants", tag = "parcours", security(("bearer" = [])), params(RechercheParticipants),
    responses((status = 200, body = Page<Participant>), (status = 403, body = Problem)))]
async fn search_participants(State(s): State<AppState>, acteur: Acteur, ApiQuery(q): ApiQuery<RechercheParticipants>) -> AppResult<Json<Page<Participant>>> {
    Ok(Json(participants::rechercher(&s.db, &acteur, &q).await?))
}

/// A participant: 404 if it is not in the caller's scope.
#[utoipa::path(get, path = "/participants/{id}", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Participant), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_participant(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Participant>> {
    Ok(Json(participants::vue(&acteur, service::get_participant(&s.db, &acteur, id).await?)))
}

/// Replaces a participant's identity and situation (audited, before/after).
#[utoipa::path(put, path = "/participants/{id}", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ParticipantInput,
    responses((status = 200, body = Participant), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_participant(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<ParticipantInput>) -> AppResult<Json<Participant>> {
    Ok(Json(participants::vue(&acteur, participants::update_participant(&s.db, &s.clock, &acteur, id, input).await?)))
}

/// Gives the participant a new référent (facilitateur, admin); history is kept.
#[utoipa::path(put, path = "/participants/{id}/referent", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReferentInput,
    responses((status = 200, body = Participant), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_referent(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<ReferentInput>) -> AppResult<Json<Participant>> {
    Ok(Json(participants::vue(&acteur, participants::changer_referent(&s.db, &s.clock, &acteur, id, input.referent_id).await?)))
}

/// Who followed the participant, and when.
#[utoipa::path(get, path = "/participants/{id}/referents", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = Page<ReferentAssignation>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn referents(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(page): ApiQuery<PageQuery>) -> AppResult<Json<Page<ReferentAssignation>>> {
    Ok(Json(page.decouper(participants::historique_referents(&s.db, &acteur, id).await?.into_iter().map(Into::into).collect())?))
}

/// The whole parcours, ordered: identity, criteria, étapes (a contrat is an `emploi`
/// étape), sorties, and eligibility today.
#[utoipa::path(get, path = "/participants/{id}/parcours", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Parcours), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_parcours(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Parcours>> {
    Ok(Json(participants::parcours(&s.db, &s.clock, &acteur, id).await?))
}

/// Everything held on the person, as JSON (droit d'accès, RGPD art. 15): parcours, every
/// revision of its monthly hours, référents over time, 6-month follow-ups. For the
/// staff who may read the participant; the export is recorded in the audit log.
#[utoipa::path(get, path = "/participants/{id}/export", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ExportParticipant), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn exporter(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>) -> AppResult<Json<ExportParticipant>> {
    Ok(Json(participants::exporter(&s.db, &s.clock, &acteur, id).await?))
}

/// Records a criterion verified by the calling facilitateur (or admin).
#[utoipa::path(post, path = "/participants/{id}/criteres", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)), request_body = CritereInput,
    responses((status = 201, body = Critere), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn add_critere(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<CritereInput>) -> Created<Critere> {
    created(criteres::ajouter_critere(&s.db, &s.clock, &acteur, id, input).await?.into())
}

#[utoipa::path(get, path = "/participants/{id}/criteres", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = Page<Critere>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn list_criteres(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(page): ApiQuery<PageQuery>) -> AppResult<Json<Page<Critere>>> {
    let details = participants::voit_details_sensibles(&acteur, &service::get_participant(&s.db, &acteur, id).await?);
    Ok(Json(page.decouper(criteres::criteres_de(&s.db, &acteur, id).await?.into_iter().map(|c| Critere::vu(c, details)).collect())?))
}

/// Withdraws a criterion's verification (kept, with the reason).
#[utoipa::path(post, path = "/participants/{id}/criteres/{critere_id}/retrait", tag = "parcours", security(("bearer" = [])),
    params(("id" = i64, Path), ("critere_id" = i64, Path)), request_body = RetraitInput,
    responses((status = 200, body = Critere), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn withdraw_critere(State(s): State<AppState>, acteur: Acteur, ApiPath((id, critere_id)): ApiPath<(i64, i64)>, ApiJson(input): ApiJson<RetraitInput>) -> AppResult<Json<Critere>> {
    Ok(Json(criteres::retirer_critere(&s.db, &s.clock, &acteur, id, critere_id, &input.motif).await?.into()))
}

/// Is the participant eligible for a clause contrat starting on `date` (default today)?
#[utoipa::path(get, path = "/participants/{id}/eligibilite", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path), DateQuery),
    responses((status = 200, body = Eligibilite), (status = 404, body = Problem)))]
async fn get_eligibilite(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<DateQuery>) -> AppResult<Json<Eligibilite>> {
    Ok(Json(service::eligibilite_participant(&s.db, &acteur, id, q.date.unwrap_or_else(|| s.clock.today())).await?))
}

/// Adds an étape (not `emploi`: a contrat creates its own). Levée de freins is sensitive.
#[utoipa::path(post, path = "/participants/{id}/etapes", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)), request_body = EtapeInput,
    responses((status = 201, body = Etape), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn add_etape(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<EtapeInput>) -> Created<Etape> {
    let etape = etapes::ajouter_etape(&s.db, &s.clock, &acteur, id, input).await?;
    created(Etape::new(etape, None, true))
}

/// Creates a contrat (and its `emploi` étape) for the participant; answers whether the
/// participant is eligible at its start. Facilitateur, admin.
#[utoipa::path(post, path = "/participants/{id}/contrats", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ContratInput,
    responses((status = 201, body = Contrat), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn add_contrat(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<ContratInput>) -> Created<Contrat> {
    let txn = crate::db::ecrire(&s.db).await?;
    let (contrat, eligibilite) = service::create_contrat(&txn, &s.clock, &acteur, id, &input).await?;
    txn.commit().await?;
    created(Contrat::new(contrat, Some(eligibilite)))
}

/// Records an exit; the category is computed by the structure's protocole.
#[utoipa::path(post, path = "/participants/{id}/sorties", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)), request_body = SortieInput,
    responses((status = 201, body = Sortie), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn add_sortie(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<SortieInput>) -> Created<Sortie> {
    created(sorties::enregistrer_sortie(&s.db, &s.clock, &acteur, id, input).await?.into())
}

/// A contrat in the caller's scope.
#[utoipa::path(get, path = "/contrats/{id}", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Contrat), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_contrat(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Contrat>> {
    Ok(Json(Contrat::new(service::get_contrat(&s.db, &acteur, id).await?, None)))
}

/// Ends a contrat (real end date and reason); the 6-month follow-up becomes due.
#[utoipa::path(post, path = "/contrats/{id}/fin", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)), request_body = FinContratInput,
    responses((status = 200, body = Contrat), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn end_contrat(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<FinContratInput>) -> AppResult<Json<Contrat>> {
    Ok(Json(Contrat::new(contrats::terminer_contrat(&s.db, &s.clock, &acteur, id, input).await?, None)))
}

/// Records the situation 6 months after the contrat's end.
#[utoipa::path(put, path = "/contrats/{id}/suivi", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)), request_body = SuiviInput,
    responses((status = 200, body = Suivi), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn set_suivi(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<SuiviInput>) -> AppResult<Json<Suivi>> {
    Ok(Json(contrats::renseigner_suivi(&s.db, &s.clock, &acteur, id, input).await?.into()))
}

/// The current revision of every month of a contrat.
#[utoipa::path(get, path = "/contrats/{id}/heures", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = Page<HeuresMois>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn list_heures(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(page): ApiQuery<PageQuery>) -> AppResult<Json<Page<HeuresMois>>> {
    Ok(Json(page.decouper(heures::heures_du_contrat(&s.db, &acteur, id).await?.into_iter().map(Into::into).collect())?))
}

/// Declares the hours of a month (a new revision). `motif` is required to correct a
/// validated month; `revision` (optional) makes a stale write a 409.
#[utoipa::path(put, path = "/contrats/{id}/heures/{mois}", tag = "parcours", security(("bearer" = [])),
    params(("id" = i64, Path), ("mois" = String, Path, description = "YYYY-MM")), request_body = HeuresInput,
    responses((status = 200, body = HeuresMois), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn declare_heures(State(s): State<AppState>, acteur: Acteur, ApiPath((id, mois)): ApiPath<(i64, String)>, ApiJson(input): ApiJson<HeuresInput>) -> AppResult<Json<HeuresMois>> {
    Ok(Json(service::declarer_heures(&s.db, &s.clock, &acteur, id, &mois, input).await?.into()))
}

/// A month: its current revision and every revision, newest first.
#[utoipa::path(get, path = "/contrats/{id}/heures/{mois}", tag = "parcours", security(("bearer" = [])),
    params(("id" = i64, Path), ("mois" = String, Path, description = "YYYY-MM")),
    responses((status = 200, body = HistoriqueMois), (status = 404, body = Problem)))]
async fn get_mois(State(s): State<AppState>, acteur: Acteur, ApiPath((id, mois)): ApiPath<(i64, String)>) -> AppResult<Json<HistoriqueMois>> {
    let rows = heures::historique_mois(&s.db, &acteur, id, &mois).await?;
    let courante = rows.iter().find(|r| r.courante).cloned().ok_or(AppError::NotFound)?;
    Ok(Json(HistoriqueMois { courante: courante.into(), revisions: rows.into_iter().map(Into::into).collect() }))
}

/// Validates a declared month, or sends it back for correction (with a reason).
#[utoipa::path(post, path = "/contrats/{id}/heures/{mois}/validation", tag = "parcours", security(("bearer" = [])),
    params(("id" = i64, Path), ("mois" = String, Path, description = "YYYY-MM")), request_body = ValidationInput,
    responses((status = 200, body = HeuresMois), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn decide_heures(State(s): State<AppState>, acteur: Acteur, ApiPath((id, mois)): ApiPath<(i64, String)>, ApiJson(input): ApiJson<ValidationInput>) -> AppResult<Json<HeuresMois>> {
    Ok(Json(service::decider_heures(&s.db, &s.clock, &acteur, id, &mois, input).await?.into()))
}

/// The structure's exit rule sets, every version.
#[utoipa::path(get, path = "/protocoles", tag = "parcours", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<Protocole>), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_protocoles(State(s): State<AppState>, acteur: Acteur, ApiQuery(page): ApiQuery<PageQuery>) -> AppResult<Json<Page<Protocole>>> {
    Ok(Json(page.decouper(sorties::protocoles(&s.db, &acteur).await?)?))
}

/// Records a new version of an exit rule set (admin); it is in force from now on.
#[utoipa::path(post, path = "/protocoles", tag = "parcours", security(("bearer" = [])), request_body = ProtocoleInput,
    responses((status = 201, body = Protocole), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_protocole(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<ProtocoleInput>) -> Created<Protocole> {
    created(Protocole::from_model(sorties::creer_protocole(&s.db, &s.clock, &acteur, input).await?))
}

/// The exit rule set in force (the built-in default, version 0, if none was recorded).
#[utoipa::path(get, path = "/protocoles/actif", tag = "parcours", security(("bearer" = [])),
    responses((status = 200, body = Protocole), (status = 403, body = Problem)))]
async fn get_protocole_actif(State(s): State<AppState>, acteur: Acteur) -> AppResult<Json<Protocole>> {
    acteur.require(&[entities::enums::Role::Admin, entities::enums::Role::Facilitateur, entities::enums::Role::Referent])?;
    Ok(Json(sorties::protocole_actif(&s.db, &acteur).await?))
}

/// The parcours settings of the caller's structure.
#[utoipa::path(get, path = "/parametres/parcours", tag = "parcours", security(("bearer" = [])),
    responses((status = 200, body = ParametresParcours), (status = 403, body = Problem)))]
async fn get_parametres(State(s): State<AppState>, acteur: Acteur) -> AppResult<Json<ParametresParcours>> {
    acteur.require(GESTION)?;
    Ok(Json(service::parametres(&s.db, acteur.structure_id).await?))
}

/// Changes the parcours settings (admin).
#[utoipa::path(put, path = "/parametres/parcours", tag = "parcours", security(("bearer" = [])), request_body = ParametresParcours,
    responses((status = 200, body = ParametresParcours), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn set_parametres(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<ParametresParcours>) -> AppResult<Json<ParametresParcours>> {
    Ok(Json(service::set_parametres(&s.db, &s.clock, &acteur, input).await?))
}
