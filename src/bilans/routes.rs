//! `GET …/bilan?du=&au=&format=json|csv|xlsx|xml` for every perimeter.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::Bilan;
use super::service::{self, Cible};
use crate::auth::Acteur;
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use crate::web::{ApiPath, ApiQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(bilan_operation))
        .routes(routes!(bilan_marche))
        .routes(routes!(bilan_clause))
        .routes(routes!(bilan_donneur_ordre))
        .routes(routes!(bilan_entreprise))
        .routes(routes!(bilan_structure))
        .routes(routes!(consolidation))
}

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    Csv,
    Xlsx,
    Xml,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BilanQuery {
    /// First day of the first month (default: from the start).
    pub du: Option<NaiveDate>,
    /// Last day of the last month (default: up to now).
    pub au: Option<NaiveDate>,
    /// json (default), csv (French Excel), xlsx, xml.
    #[param(inline)]
    pub format: Option<Format>,
}

async fn repondre(s: &AppState, acteur: &Acteur, cible: Cible, q: BilanQuery) -> AppResult<Response> {
    let periode = service::periode(q.du, q.au)?;
    let bilan = bilan_garde(s, acteur, cible, periode).await?;
    rendre(&bilan, q.format.unwrap_or_default())
}

/// A bilan as a heavy read (its turn, its pool, its threads), kept while the structure's
/// data is unchanged: for the same perimeter, period and caller's rights, requests
/// arriving together wait for one computation, and later ones read it until a write.
pub(super) async fn bilan_garde(s: &AppState, acteur: &Acteur, cible: Cible, periode: crate::bilans::model::Periode) -> AppResult<std::sync::Arc<Bilan>> {
    // What the answer depends on besides the data: the rights and masking of the caller.
    let detail = format!("{cible:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}", periode.du, periode.au, acteur.role, acteur.entreprise_id, acteur.donneur_ordre_id, acteur.utilisateur_id);
    let calculer = || {
        let acteur = acteur.clone();
        s.lourds.executer(move |db| async move { service::bilan(&db, &acteur, cible, periode).await })
    };
    s.antememoire.obtenir_pour(&s.db, "bilan", acteur.structure_id, s.clock.today(), detail, calculer).await
}

pub(super) fn rendre(b: &Bilan, format: Format) -> AppResult<Response> {
    let nom = format!("bilan-{}-{}", b.perimetre.type_, b.perimetre.id.unwrap_or(0));
    let fichier = |bytes: Vec<u8>, mime: &'static str, ext: &str| {
        ([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{nom}.{ext}\""))], bytes).into_response()
    };
    Ok(match format {
        Format::Json => Json(b).into_response(),
        Format::Csv => fichier(super::export::csv::render(b).map_err(AppError::Internal)?, "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => fichier(super::export::xlsx::render(b).map_err(AppError::Internal)?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        Format::Xml => fichier(super::export::xml::render(b).map_err(AppError::Internal)?, "application/xml; charset=utf-8", "xml"),
    })
}

/// Bilan of an opération (facilitateur, admin; its donneur d'ordre, masked).
#[utoipa::path(get, path = "/operations/{id}/bilan", tag = "bilans", security(("bearer" = [])), params(("id" = i64, Path), BilanQuery),
    responses((status = 200, body = Bilan, description = "JSON, or the file for csv / xlsx / xml"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn bilan_operation(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<BilanQuery>) -> AppResult<Response> {
    repondre(&s, &acteur, Cible::Operation(id), q).await
}

/// Bilan of a marché.
#[utoipa::path(get, path = "/marches/{id}/bilan", tag = "bilans", security(("bearer" = [])), params(("id" = i64, Path), BilanQuery),
    responses((status = 200, body = Bilan), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn bilan_marche(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<BilanQuery>) -> AppResult<Response> {
    repondre(&s, &acteur, Cible::Marche(id), q).await
}

/// Bilan of a clause.
#[utoipa::path(get, path = "/clauses/{id}/bilan", tag = "bilans", security(("bearer" = [])), params(("id" = i64, Path), BilanQuery),
    responses((status = 200, body = Bilan), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn bilan_clause(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<BilanQuery>) -> AppResult<Response> {
    repondre(&s, &acteur, Cible::Clause(id), q).await
}

/// Bilan of a donneur d'ordre (all its opérations).
#[utoipa::path(get, path = "/donneurs-ordre/{id}/bilan", tag = "bilans", security(("bearer" = [])), params(("id" = i64, Path), BilanQuery),
    responses((status = 200, body = Bilan), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn bilan_donneur_ordre(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<BilanQuery>) -> AppResult<Response> {
    repondre(&s, &acteur, Cible::DonneurOrdre(id), q).await
}

/// Bilan of an entreprise: the contrats worked on its marchés (facilitateur, admin, the
/// entreprise itself).
#[utoipa::path(get, path = "/entreprises/{id}/bilan", tag = "bilans", security(("bearer" = [])), params(("id" = i64, Path), BilanQuery),
    responses((status = 200, body = Bilan), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn bilan_entreprise(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<BilanQuery>) -> AppResult<Response> {
    repondre(&s, &acteur, Cible::Entreprise(id), q).await
}

/// Bilan of the whole structure (facilitateur, admin).
#[utoipa::path(get, path = "/bilan", tag = "bilans", security(("bearer" = [])), params(BilanQuery),
    responses((status = 200, body = Bilan), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn bilan_structure(State(s): State<AppState>, acteur: Acteur, ApiQuery(q): ApiQuery<BilanQuery>) -> AppResult<Response> {
    repondre(&s, &acteur, Cible::Structure, q).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnneeQuery {
    /// The year consolidated.
    #[param(minimum = 2000, maximum = 2100)]
    pub annee: i32,
}

/// The structure's yearly consolidation (aggregates only), as one XML file to send to
/// the network (facilitateur, admin).
#[utoipa::path(get, path = "/consolidation", tag = "bilans", security(("bearer" = [])), params(AnneeQuery),
    responses((status = 200, content_type = "application/xml", description = "urn:clausier:consolidation:1"), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn consolidation(State(s): State<AppState>, acteur: Acteur, ApiQuery(q): ApiQuery<AnneeQuery>) -> AppResult<Response> {
    let annee = q.annee;
    let (b, activite) = s.lourds.executer(move |db| async move { super::consolidation::consolider(&db, &acteur, annee).await }).await?;
    let xml = super::consolidation::xml(q.annee, &b, &activite).map_err(AppError::Internal)?;
    Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"consolidation-{}.xml\"", q.annee))], xml).into_response())
}
