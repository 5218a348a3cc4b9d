//! HTTP: obtaining a token, and who am I.

use axum::extract::State;
use axum::Json;
use entities::enums::Role;
use entities::structures;
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{service, Acteur};
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use crate::web::ApiJson;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_token)).routes(routes!(moi))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
}

/// Exchanges an e-mail and password for a bearer token.
#[utoipa::path(post, path = "/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn create_token(State(state): State<AppState>, ApiJson(req): ApiJson<TokenRequest>) -> AppResult<Json<TokenResponse>> {
    let user = service::authenticate(&state.db, &state.clock, &req.email, &req.password).await?;
    let token = service::issue_token(&state.db, &state.clock, state.settings.auth.token_ttl_days, &user, "api").await?;
    Ok(Json(TokenResponse { token }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Moi {
    pub id: i64,
    pub email: String,
    pub nom: String,
    pub role: Role,
    pub structure: StructureRef,
    pub entreprise_id: Option<i64>,
    pub donneur_ordre_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StructureRef {
    pub id: i64,
    pub nom: String,
}

/// The calling user, its role and its structure.
#[utoipa::path(get, path = "/moi", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Moi), (status = 401, body = Problem)))]
async fn moi(State(state): State<AppState>, acteur: Acteur) -> AppResult<Json<Moi>> {
    let structure = structures::Entity::find_by_id(acteur.structure_id).one(&state.db).await?.ok_or(AppError::NotFound)?;
    Ok(Json(Moi {
        id: acteur.utilisateur_id,
        email: acteur.email,
        nom: acteur.nom,
        role: acteur.role,
        structure: StructureRef { id: structure.id, nom: structure.nom },
        entreprise_id: acteur.entreprise_id,
        donneur_ordre_id: acteur.donneur_ordre_id,
    }))
}
