//! HTTP API of the clause module.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::forms::{DonneurOrdreInput, EntrepriseInput};
use super::service;
use super::views::{DonneurOrdre, Entreprise};
use crate::auth::Acteur;
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use crate::web::page::{Page, PageQuery};
use crate::web::{ApiJson, ApiPath, ApiQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_donneur_ordre, list_donneurs_ordre))
        .routes(routes!(get_donneur_ordre))
        .routes(routes!(create_entreprise, list_entreprises))
        .routes(routes!(get_entreprise))
}

/// Creates a donneur d'ordre (facilitateur, admin). 409 if its SIRET is already known.
#[utoipa::path(post, path = "/donneurs-ordre", tag = "clauses", security(("bearer" = [])), request_body = DonneurOrdreInput,
    responses((status = 201, body = DonneurOrdre), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_donneur_ordre(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<DonneurOrdreInput>) -> AppResult<(StatusCode, Json<DonneurOrdre>)> {
    let created = service::create_donneur_ordre(&s.db, &s.clock, &acteur, &input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
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

/// Creates an entreprise (facilitateur, admin). 409 if its SIRET is already known.
#[utoipa::path(post, path = "/entreprises", tag = "clauses", security(("bearer" = [])), request_body = EntrepriseInput,
    responses((status = 201, body = Entreprise), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_entreprise(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<EntrepriseInput>) -> AppResult<(StatusCode, Json<Entreprise>)> {
    let created = service::create_entreprise(&s.db, &s.clock, &acteur, &input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
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
