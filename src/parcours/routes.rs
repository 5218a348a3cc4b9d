//! HTTP API of the parcours core (`/api/v1/participants`…).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::forms::ParticipantInput;
use super::service;
use super::views::Participant;
use crate::auth::Acteur;
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use crate::web::{ApiJson, ApiPath};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_participant)).routes(routes!(get_participant))
}

/// Registers a participant (facilitateur, admin, référent — who then follows it).
#[utoipa::path(post, path = "/participants", tag = "parcours", security(("bearer" = [])), request_body = ParticipantInput,
    responses((status = 201, body = Participant), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_participant(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<ParticipantInput>) -> AppResult<(StatusCode, Json<Participant>)> {
    let created = service::create_participant(&s.db, &s.clock, &acteur, input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// A participant: 404 if it is not in the caller's scope.
#[utoipa::path(get, path = "/participants/{id}", tag = "parcours", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Participant), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_participant(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Participant>> {
    Ok(Json(service::get_participant(&s.db, &acteur, id).await?.into()))
}
