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
use crate::web::{created, ApiJson, Created};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_token)).routes(routes!(mot_de_passe_oublie)).routes(routes!(moi)).routes(routes!(inviter))
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
    responses((status = 200, body = TokenResponse), (status = 401, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn create_token(State(state): State<AppState>, adresse: crate::web::AdresseClient, ApiJson(req): ApiJson<TokenRequest>) -> AppResult<Json<TokenResponse>> {
    let user = service::authenticate(&state.db, &state.clock, &req.email, &req.password, adresse.0).await?;
    let token = service::issue_token(&state.db, &state.clock, state.settings.auth.token_ttl_days, &user, "api").await?;
    Ok(Json(TokenResponse { token }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OubliInput {
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OubliReponse {
    pub message: String,
}

/// A forgotten password: a one-time link to choose a new one is e-mailed if an active
/// account has this address. The same answer either way (202); 429 past 5 requests per
/// address in 15 minutes.
#[utoipa::path(post, path = "/auth/mot-de-passe-oublie", tag = "auth", request_body = OubliInput,
    responses((status = 202, body = OubliReponse), (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn mot_de_passe_oublie(State(state): State<AppState>, ApiJson(req): ApiJson<OubliInput>) -> AppResult<(axum::http::StatusCode, Json<OubliReponse>)> {
    super::invitations::reinitialiser(&state, &req.email).await?;
    envoyer_bientot(&state);
    Ok((axum::http::StatusCode::ACCEPTED, Json(OubliReponse { message: "Si un compte existe pour cette adresse, un e-mail vient d'y être envoyé.".into() })))
}

/// Sends the outbox now rather than at the scheduler's next round.
pub fn envoyer_bientot(state: &AppState) {
    let envoi = state.clone();
    tokio::spawn(async move {
        if let Err(e) = crate::relances::envoyer(&envoi).await {
            tracing::warn!(error = %e, "envoi différé");
        }
    });
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

/// A user account (no secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct Utilisateur {
    pub id: i64,
    pub email: String,
    pub nom: String,
    pub role: Role,
    pub entreprise_id: Option<i64>,
    pub donneur_ordre_id: Option<i64>,
    pub actif: bool,
    /// False until the invited person has chosen a password.
    pub mot_de_passe_defini: bool,
}

/// Invites a user of the caller's structure: the account is created and an e-mail with
/// a link valid 7 days lets the person choose its password. Facilitateurs invite every
/// role but `admin`.
#[utoipa::path(post, path = "/utilisateurs", tag = "auth", security(("bearer" = [])), request_body = super::invitations::InvitationInput,
    responses((status = 201, body = Utilisateur), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn inviter(State(state): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<super::invitations::InvitationInput>) -> Created<Utilisateur> {
    let u = super::invitations::inviter(&state, &acteur, input).await?;
    envoyer_bientot(&state);
    created(Utilisateur {
        id: u.id,
        email: u.email,
        nom: u.nom,
        role: u.role,
        entreprise_id: u.entreprise_id,
        donneur_ordre_id: u.donneur_ordre_id,
        actif: u.actif,
        mot_de_passe_defini: u.password_hash.is_some(),
    })
}
