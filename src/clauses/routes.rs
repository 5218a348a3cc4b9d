//! HTTP API of the clause module.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::forms::*;
use super::parametres::ParametresSuivi;
use super::service::{self, clauses as clause_service, compte, marches, mises_en_emploi, operations, Organisation};
use super::views::*;
use crate::auth::Acteur;
use crate::error::{AppResult, Problem};
use crate::parcours::views::Contrat;
use crate::state::AppState;
use crate::web::page::{Page, PageQuery};
use crate::web::{created, ApiJson, ApiPath, ApiQuery, Created};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_donneur_ordre, list_donneurs_ordre))
        .routes(routes!(get_donneur_ordre, update_donneur_ordre))
        .routes(routes!(create_entreprise, list_entreprises))
        .routes(routes!(get_entreprise, update_entreprise))
        .routes(routes!(add_contact_entreprise, list_contacts_entreprise))
        .routes(routes!(add_contact_donneur, list_contacts_donneur))
        .routes(routes!(create_operation, list_operations))
        .routes(routes!(get_operation, update_operation))
        .routes(routes!(regrouper_marches))
        .routes(routes!(create_marche, list_marches))
        .routes(routes!(get_marche, update_marche))
        .routes(routes!(attribuer, list_attributions))
        .routes(routes!(ajouter_lot))
        .routes(routes!(create_clause, list_clauses))
        .routes(routes!(get_clause, modifier_clause))
        .routes(routes!(get_comptage))
        .routes(routes!(get_contrats_clause))
        .routes(routes!(forcer_objectif))
        .routes(routes!(changer_regles))
        .routes(routes!(changer_assiette))
        .routes(routes!(create_contrat))
        .routes(routes!(get_parametres_suivi, set_parametres_suivi))
}

/// Creates a donneur d'ordre (facilitateur, admin). 409 if its SIRET is already known.
#[utoipa::path(post, path = "/donneurs-ordre", tag = "clauses", security(("bearer" = [])), request_body = DonneurOrdreInput,
    responses((status = 201, body = DonneurOrdre), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_donneur_ordre(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<DonneurOrdreInput>) -> Created<DonneurOrdre> {
    created(service::create_donneur_ordre(&s.db, &s.clock, &acteur, &input).await?.into())
}

/// Donneurs d'ordre of the caller's structure, by name.
#[utoipa::path(get, path = "/donneurs-ordre", tag = "clauses", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<DonneurOrdre>), (status = 403, body = Problem)))]
async fn list_donneurs_ordre(State(s): State<AppState>, acteur: Acteur, ApiQuery(page): ApiQuery<PageQuery>) -> AppResult<Json<Page<DonneurOrdre>>> {
    Ok(Json(page.fetch(&s.db, service::list_donneurs_ordre(&acteur)?, DonneurOrdre::from).await?))
}

#[utoipa::path(get, path = "/donneurs-ordre/{id}", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = DonneurOrdre), (status = 404, body = Problem)))]
async fn get_donneur_ordre(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>) -> AppResult<Json<DonneurOrdre>> {
    Ok(Json(service::get_donneur_ordre(&s.db, &acteur, id).await?.into()))
}

/// Replaces a donneur d'ordre's name, SIRET, kind and address (facilitateur, admin).
#[utoipa::path(put, path = "/donneurs-ordre/{id}", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DonneurOrdreInput,
    responses((status = 200, body = DonneurOrdre), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_donneur_ordre(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<DonneurOrdreInput>) -> AppResult<Json<DonneurOrdre>> {
    Ok(Json(service::update_donneur_ordre(&s.db, &s.clock, &acteur, id, &input).await?.into()))
}

/// Creates an entreprise (facilitateur, admin). 409 if its SIRET is already known.
#[utoipa::path(post, path = "/entreprises", tag = "clauses", security(("bearer" = [])), request_body = EntrepriseInput,
    responses((status = 201, body = Entreprise), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_entreprise(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<EntrepriseInput>) -> Created<Entreprise> {
    created(service::create_entreprise(&s.db, &s.clock, &acteur, &input).await?.into())
}

/// Entreprises of the caller's structure, by raison sociale.
#[utoipa::path(get, path = "/entreprises", tag = "clauses", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<Entreprise>), (status = 403, body = Problem)))]
async fn list_entreprises(State(s): State<AppState>, acteur: Acteur, ApiQuery(page): ApiQuery<PageQuery>) -> AppResult<Json<Page<Entreprise>>> {
    Ok(Json(page.fetch(&s.db, service::list_entreprises(&acteur)?, Entreprise::from).await?))
}

#[utoipa::path(get, path = "/entreprises/{id}", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Entreprise), (status = 404, body = Problem)))]
async fn get_entreprise(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Entreprise>> {
    Ok(Json(service::get_entreprise(&s.db, &acteur, id).await?.into()))
}

/// Replaces an entreprise's raison sociale, SIRET, kind and address (facilitateur, admin):
/// the kind decides what its contrats count as (SIAE, mise à disposition…).
#[utoipa::path(put, path = "/entreprises/{id}", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = EntrepriseInput,
    responses((status = 200, body = Entreprise), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_entreprise(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<EntrepriseInput>) -> AppResult<Json<Entreprise>> {
    Ok(Json(service::update_entreprise(&s.db, &s.clock, &acteur, id, &input).await?.into()))
}

/// Adds a contact to an entreprise (who gets the declaration reminders).
#[utoipa::path(post, path = "/entreprises/{id}/contacts", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ContactInput,
    responses((status = 201, body = Contact), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn add_contact_entreprise(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<ContactInput>) -> Created<Contact> {
    created(service::add_contact(&s.db, &s.clock, &acteur, Organisation::Entreprise(id), input).await?.into())
}

#[utoipa::path(get, path = "/entreprises/{id}/contacts", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = Page<Contact>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn list_contacts_entreprise(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(page): ApiQuery<PageQuery>) -> AppResult<Json<Page<Contact>>> {
    Ok(Json(page.decouper(service::contacts(&s.db, &acteur, Organisation::Entreprise(id)).await?.into_iter().map(Into::into).collect())?))
}

/// Adds a contact to a donneur d'ordre (who gets the bilans).
#[utoipa::path(post, path = "/donneurs-ordre/{id}/contacts", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ContactInput,
    responses((status = 201, body = Contact), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn add_contact_donneur(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<ContactInput>) -> Created<Contact> {
    created(service::add_contact(&s.db, &s.clock, &acteur, Organisation::DonneurOrdre(id), input).await?.into())
}

#[utoipa::path(get, path = "/donneurs-ordre/{id}/contacts", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = Page<Contact>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn list_contacts_donneur(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(page): ApiQuery<PageQuery>) -> AppResult<Json<Page<Contact>>> {
    Ok(Json(page.decouper(service::contacts(&s.db, &acteur, Organisation::DonneurOrdre(id)).await?.into_iter().map(Into::into).collect())?))
}

/// Creates an opération of a donneur d'ordre.
#[utoipa::path(post, path = "/operations", tag = "clauses", security(("bearer" = [])), request_body = OperationInput,
    responses((status = 201, body = Operation), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_operation(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<OperationInput>) -> Created<Operation> {
    created(operations::create_operation(&s.db, &s.clock, &acteur, input).await?.into())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OperationsQuery {
    pub donneur_ordre_id: Option<i64>,
    pub page: Option<u64>,
    pub par_page: Option<u64>,
}

/// Opérations the caller may read, by name.
#[utoipa::path(get, path = "/operations", tag = "clauses", security(("bearer" = [])), params(OperationsQuery),
    responses((status = 200, body = Page<Operation>)))]
async fn list_operations(State(s): State<AppState>, acteur: Acteur, ApiQuery(q): ApiQuery<OperationsQuery>) -> AppResult<Json<Page<Operation>>> {
    let page = PageQuery { page: q.page, par_page: q.par_page };
    Ok(Json(page.fetch(&s.db, operations::list_operations(&acteur, q.donneur_ordre_id)?, Operation::from).await?))
}

/// Replaces an opération's fields (facilitateur, admin); the facilitateur in charge is
/// kept when `facilitateur_id` is absent.
#[utoipa::path(put, path = "/operations/{id}", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = OperationInput,
    responses((status = 200, body = Operation), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_operation(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<OperationInput>) -> AppResult<Json<Operation>> {
    Ok(Json(operations::update_operation(&s.db, &s.clock, &acteur, id, input).await?.into()))
}

/// Groups marchés (with their clauses and contrats' links) into this opération, e.g.
/// after a DECP import that gave each its own; an opération left without marché is
/// deleted (facilitateur, admin).
#[utoipa::path(post, path = "/operations/{id}/marches", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = RegroupementInput,
    responses((status = 200, body = Regroupement), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn regrouper_marches(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<RegroupementInput>) -> AppResult<Json<Regroupement>> {
    operations::get_operation(&s.db, &acteur, id).await?;
    let (deplaces, operations_supprimees) = operations::regrouper_marches(&s.db, &s.clock, &acteur, id, &input.marche_ids).await?;
    Ok(Json(Regroupement { deplaces, operations_supprimees }))
}

/// An opération with the totals of its clauses at `date` (default today).
#[utoipa::path(get, path = "/operations/{id}", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path), DateParam),
    responses((status = 200, body = Operation), (status = 404, body = Problem)))]
async fn get_operation(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<DateParam>) -> AppResult<Json<Operation>> {
    let operation = operations::get_operation(&s.db, &acteur, id).await?;
    let date = q.date.unwrap_or_else(|| s.clock.today());
    let ids = compte::clauses_de(&s.db, &acteur, Some(id), None).await?;
    let comptees = compte::compter_clauses(&s.db, &acteur, &ids, date).await?;
    let mut view = Operation::from(operation);
    view.avancement = Some(Totaux::de(date, &comptees));
    Ok(Json(view))
}

/// Creates a marché with its lots (`lots: []` gives one lot "unique").
#[utoipa::path(post, path = "/marches", tag = "clauses", security(("bearer" = [])), request_body = MarcheInput,
    responses((status = 201, body = Marche), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_marche(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<MarcheInput>) -> Created<Marche> {
    let (m, lots) = marches::create_marche(&s.db, &s.clock, &acteur, input).await?;
    created(Marche::new(m, lots))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MarchesQuery {
    pub operation_id: Option<i64>,
    pub page: Option<u64>,
    pub par_page: Option<u64>,
}

/// Marchés the caller may read, with their lots.
#[utoipa::path(get, path = "/marches", tag = "clauses", security(("bearer" = [])), params(MarchesQuery),
    responses((status = 200, body = Page<Marche>)))]
async fn list_marches(State(s): State<AppState>, acteur: Acteur, ApiQuery(q): ApiQuery<MarchesQuery>) -> AppResult<Json<Page<Marche>>> {
    let page = PageQuery { page: q.page, par_page: q.par_page }.fetch(&s.db, marches::list_marches(&acteur, q.operation_id)?, |m| m).await?;
    let mut lots = marches::lots_of(&s.db, &acteur, page.items.iter().map(|m| m.id).collect()).await?;
    let items = page
        .items
        .into_iter()
        .map(|m| {
            let (siens, autres): (Vec<_>, Vec<_>) = std::mem::take(&mut lots).into_iter().partition(|l| l.marche_id == m.id);
            lots = autres;
            Marche::new(m, siens)
        })
        .collect();
    Ok(Json(Page { items, total: page.total, page: page.page, par_page: page.par_page }))
}

/// Replaces a marché's own fields (facilitateur, admin). Its lots stay (`lots` must be
/// empty) and so does its opération (`operation_id` must be its own: marchés change
/// opération through `POST /operations/{id}/marches`). 409 if the numéro is taken.
#[utoipa::path(put, path = "/marches/{id}", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = MarcheInput,
    responses((status = 200, body = Marche), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_marche(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<MarcheInput>) -> AppResult<Json<Marche>> {
    marches::update_marche(&s.db, &s.clock, &acteur, id, input).await?;
    let (m, lots) = marches::get_marche(&s.db, &acteur, id).await?;
    Ok(Json(Marche::new(m, lots)))
}

/// Adds a lot to a marché (facilitateur, admin); 422 if its numéro is taken.
#[utoipa::path(post, path = "/marches/{id}/lots", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = LotInput,
    responses((status = 201, body = Marche), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn ajouter_lot(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<LotInput>) -> Created<Marche> {
    marches::ajouter_lot(&s.db, &s.clock, &acteur, id, input).await?;
    let (m, lots) = marches::get_marche(&s.db, &acteur, id).await?;
    created(Marche::new(m, lots))
}

#[utoipa::path(get, path = "/marches/{id}", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Marche), (status = 404, body = Problem)))]
async fn get_marche(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Marche>> {
    let (m, lots) = marches::get_marche(&s.db, &acteur, id).await?;
    Ok(Json(Marche::new(m, lots)))
}

/// Puts a company on a lot of the marché: titulaire, cotraitant or sous-traitant.
#[utoipa::path(post, path = "/marches/{id}/attributions", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = AttributionInput,
    responses((status = 201, body = Attribution), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn attribuer(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<AttributionInput>) -> Created<Attribution> {
    created(marches::attribuer(&s.db, &s.clock, &acteur, id, input).await?.into())
}

#[utoipa::path(get, path = "/marches/{id}/attributions", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = Page<Attribution>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn list_attributions(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(page): ApiQuery<PageQuery>) -> AppResult<Json<Page<Attribution>>> {
    Ok(Json(page.decouper(marches::attributions_du_marche(&s.db, &acteur, id).await?.into_iter().map(Into::into).collect())?))
}

/// Creates a clause on a lot; answers its objective in hours (`heures_objectif`).
#[utoipa::path(post, path = "/clauses", tag = "clauses", security(("bearer" = [])), request_body = ClauseInput,
    responses((status = 201, body = Clause), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_clause(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<ClauseInput>) -> Created<Clause> {
    let clause = clause_service::create_clause(&s.db, &s.clock, &acteur, input).await?;
    created(counted(&s, &acteur, clause.id, None).await?)
}

async fn counted(s: &AppState, acteur: &Acteur, id: i64, date: Option<chrono::NaiveDate>) -> AppResult<Clause> {
    Ok((&comptee(s, acteur, id, date).await?).into())
}

async fn comptee(s: &AppState, acteur: &Acteur, id: i64, date: Option<chrono::NaiveDate>) -> AppResult<ClauseComptee> {
    clause_service::get_clause(&s.db, acteur, id).await?;
    let date = date.unwrap_or_else(|| s.clock.today());
    compte::compter_clauses(&s.db, acteur, &[id], date).await?.pop().ok_or(crate::error::AppError::NotFound)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClausesQuery {
    pub marche_id: Option<i64>,
    pub operation_id: Option<i64>,
    /// Progress as at this date (default today).
    pub date: Option<chrono::NaiveDate>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Items per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub par_page: Option<u64>,
}

/// Clauses the caller may read (of a marché or an opération), with their progress, one
/// page at a time (by number).
#[utoipa::path(get, path = "/clauses", tag = "clauses", security(("bearer" = [])), params(ClausesQuery),
    responses((status = 200, body = Page<Clause>), (status = 422, body = Problem)))]
async fn list_clauses(State(s): State<AppState>, acteur: Acteur, ApiQuery(q): ApiQuery<ClausesQuery>) -> AppResult<Json<Page<Clause>>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let mut select = service::clauses_visibles(&acteur)?;
    if let Some(m) = q.marche_id {
        select = select.filter(entities::clauses::Column::MarcheId.eq(m));
    }
    if let Some(o) = q.operation_id {
        select = select.filter(entities::clauses::Column::OperationId.eq(o));
    }
    let ids = PageQuery { page: q.page, par_page: q.par_page }.fetch(&s.db, select.order_by_asc(entities::clauses::Column::Id), |c| c.id).await?;
    let date = q.date.unwrap_or_else(|| s.clock.today());
    // A page of counted clauses is kept while the structure's data is unchanged (same
    // clauses, date and caller's rights).
    let detail = format!("{:?}|{date}|{:?}|{:?}|{:?}|{}", ids.items, acteur.role, acteur.entreprise_id, acteur.donneur_ordre_id, acteur.utilisateur_id);
    let items = s
        .antememoire
        .obtenir_pour(&s.db, "page_clauses", acteur.structure_id, s.clock.today(), detail, || async {
            Ok(compte::compter_clauses(&s.db, &acteur, &ids.items, date).await?.iter().map(Clause::from).collect::<Vec<Clause>>())
        })
        .await?;
    Ok(Json(Page { items: (*items).clone(), total: ids.total, page: ids.page, par_page: ids.par_page }))
}

/// A clause: objective, réalisées, retenues, non retenues, taux, expected-by-now and
/// `statut_avancement`, computed as at `date` (default today).
/// Replaces a clause's type, period, objective, globalisation, penalty and, when given,
/// its rule set (facilitateur, admin). `lot_id` must be the clause's own; a forced
/// objective stays forced.
#[utoipa::path(put, path = "/clauses/{id}", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ClauseInput,
    responses((status = 200, body = Clause), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn modifier_clause(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<ClauseInput>) -> AppResult<Json<Clause>> {
    clause_service::modifier_clause(&s.db, &s.clock, &acteur, id, input).await?;
    Ok(Json(counted(&s, &acteur, id, None).await?))
}

#[utoipa::path(get, path = "/clauses/{id}", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path), DateParam),
    responses((status = 200, body = Clause), (status = 404, body = Problem)))]
async fn get_clause(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<DateParam>) -> AppResult<Json<Clause>> {
    Ok(Json(counted(&s, &acteur, id, q.date).await?))
}

/// The counting line by line: every contrat-month, the rule that kept or dropped it.
#[utoipa::path(get, path = "/clauses/{id}/comptage", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path), DateParam),
    responses((status = 200, body = DetailComptage), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_comptage(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<DateParam>) -> AppResult<Json<DetailComptage>> {
    acteur.require(crate::auth::GESTION)?;
    let c = comptee(&s, &acteur, id, q.date).await?;
    Ok(Json(DetailComptage {
        clause_id: id,
        date: c.avancement.date,
        heures_realisees: crate::parcours::limites::heures(c.comptage.realisees),
        heures_retenues_propres: crate::parcours::limites::heures(c.comptage.retenues),
        heures_non_retenues: (&c.comptage.non_retenues).into(),
        lignes: c.comptage.lignes,
        estimations: c.comptage.estimations,
    }))
}

/// The contrats working on a clause (name and contract only).
#[utoipa::path(get, path = "/clauses/{id}/contrats", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path), DateParam, PageQuery),
    responses((status = 200, body = Page<ContratSurClause>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn get_contrats_clause(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<DateParam>, ApiQuery(page): ApiQuery<PageQuery>) -> AppResult<Json<Page<ContratSurClause>>> {
    let c = comptee(&s, &acteur, id, q.date).await?;
    Ok(Json(page.decouper(mises_en_emploi::contrats_de_la_clause(&s.db, &acteur, &c).await?)?))
}

/// Forces the objective with a reason (`heures: null` goes back to the computed one).
#[utoipa::path(put, path = "/clauses/{id}/objectif", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ObjectifForceInput,
    responses((status = 200, body = Clause), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn forcer_objectif(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<ObjectifForceInput>) -> AppResult<Json<Clause>> {
    clause_service::forcer_objectif(&s.db, &s.clock, &acteur, id, input).await?;
    Ok(Json(counted(&s, &acteur, id, None).await?))
}

/// Replaces the clause's counting rule set (and, if given, its globalisable flag).
#[utoipa::path(put, path = "/clauses/{id}/regles", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReglesInput,
    responses((status = 200, body = Clause), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn changer_regles(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<ReglesInput>) -> AppResult<Json<Clause>> {
    clause_service::changer_regles(&s.db, &s.clock, &acteur, id, input.regles, input.globalisable).await?;
    Ok(Json(counted(&s, &acteur, id, None).await?))
}

/// Reports hours worked on the marché / amount invoiced (bases of % and per-€ objectives).
#[utoipa::path(put, path = "/clauses/{id}/assiette", tag = "clauses", security(("bearer" = [])), params(("id" = i64, Path)), request_body = AssietteInput,
    responses((status = 200, body = Clause), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn changer_assiette(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<AssietteInput>) -> AppResult<Json<Clause>> {
    clause_service::changer_assiette(&s.db, &s.clock, &acteur, id, input).await?;
    Ok(Json(counted(&s, &acteur, id, None).await?))
}

/// Mise en emploi: creates the participant's contrat (an `emploi` étape of its parcours)
/// on a clause, with the attributaire and the modalité; answers `eligible`.
#[utoipa::path(post, path = "/contrats", tag = "clauses", security(("bearer" = [])), request_body = MiseEnEmploiInput,
    responses((status = 201, body = MiseEnEmploi), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_contrat(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<MiseEnEmploiInput>) -> Created<MiseEnEmploi> {
    let (contrat, mise, eligibilite) = mises_en_emploi::mettre_en_emploi(&s.db, &s.clock, &acteur, input).await?;
    created(MiseEnEmploi { contrat: Contrat::new(contrat, Some(eligibilite)), clause_id: mise.clause_id, attributaire_id: mise.attributaire_id, modalite: mise.modalite })
}

/// The structure's clause follow-up settings: the progress thresholds its new clauses
/// start with, and which reminders it sends (facilitateurs, admins).
#[utoipa::path(get, path = "/parametres/suivi", tag = "clauses", security(("bearer" = [])),
    responses((status = 200, body = ParametresSuivi), (status = 403, body = Problem)))]
async fn get_parametres_suivi(State(s): State<AppState>, acteur: Acteur) -> AppResult<Json<ParametresSuivi>> {
    acteur.require(crate::auth::GESTION)?;
    Ok(Json(service::parametres_suivi(&s.db, acteur.structure_id).await?))
}

/// The settings as sent: `appliquer_aux_clauses` also gives the thresholds to every
/// clause of the structure (each change audited).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParametresSuiviInput {
    #[serde(default)]
    pub avancement: crate::comptage::regles::SeuilsAvancement,
    #[serde(default)]
    pub relances: super::parametres::RelancesActives,
    #[serde(default)]
    pub appliquer_aux_clauses: bool,
}

/// Changes the clause follow-up settings (admin); with `appliquer_aux_clauses`, the
/// structure's clauses take the thresholds too.
#[utoipa::path(put, path = "/parametres/suivi", tag = "clauses", security(("bearer" = [])), request_body = ParametresSuiviInput,
    responses((status = 200, body = ParametresSuivi), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn set_parametres_suivi(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<ParametresSuiviInput>) -> AppResult<Json<ParametresSuivi>> {
    let p = ParametresSuivi { avancement: input.avancement, relances: input.relances };
    Ok(Json(service::set_parametres_suivi(&s.db, &s.clock, &acteur, p, input.appliquer_aux_clauses).await?.parametres))
}
