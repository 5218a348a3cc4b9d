//! Accounts: the structure's users listed, deactivated and reactivated (a deactivated
//! user's sessions and tokens stop at the next request: every request checks `actif`);
//! one's own API tokens listed (creation, last use) and revoked; one's password changed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use entities::enums::Role;
use entities::{api_tokens, sessions, utilisateurs};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::routes::Utilisateur;
use super::{password, Acteur, GESTION};
use crate::audit;
use crate::error::{AppError, AppResult, FieldError, Problem};
use crate::state::AppState;
use crate::web::{ApiJson, ApiPath};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(lister)).routes(routes!(activer)).routes(routes!(jetons)).routes(routes!(revoquer)).routes(routes!(changer_mot_de_passe))
}

fn vue(u: utilisateurs::Model) -> Utilisateur {
    Utilisateur { id: u.id, mot_de_passe_defini: u.password_hash.is_some(), email: u.email, nom: u.nom, role: u.role, entreprise_id: u.entreprise_id, donneur_ordre_id: u.donneur_ordre_id, actif: u.actif }
}

/// The users of the caller's structure, by name (facilitateurs, admins).
#[utoipa::path(get, path = "/utilisateurs", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<Utilisateur>), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn lister(State(s): State<AppState>, acteur: Acteur) -> AppResult<Json<Vec<Utilisateur>>> {
    acteur.require(GESTION)?;
    let users = acteur.scoped::<utilisateurs::Entity>().order_by_asc(utilisateurs::Column::Nom).order_by_asc(utilisateurs::Column::Id).all(&s.db).await?;
    Ok(Json(users.into_iter().map(vue).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActifInput {
    pub actif: bool,
}

/// Deactivates or reactivates a user of the structure: its sessions and tokens stop (or
/// work again) at once. Admins for everyone; facilitateurs for companies', buyers' and
/// référents' accounts. Nobody deactivates itself.
#[utoipa::path(put, path = "/utilisateurs/{id}/actif", tag = "auth", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ActifInput,
    responses((status = 200, body = Utilisateur), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn activer(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<ActifInput>) -> AppResult<Json<Utilisateur>> {
    acteur.require(GESTION)?;
    let txn = crate::db::ecrire(&s.db).await?;
    let avant = acteur.scoped::<utilisateurs::Entity>().filter(utilisateurs::Column::Id.eq(id)).one(&txn).await?.ok_or(AppError::NotFound)?;
    if avant.id == acteur.utilisateur_id {
        return Err(AppError::field("actif", "Vous ne pouvez pas désactiver votre propre compte."));
    }
    if acteur.role != Role::Admin && matches!(avant.role, Role::Admin | Role::Facilitateur) {
        return Err(AppError::Forbidden);
    }
    let mut m: utilisateurs::ActiveModel = avant.clone().into();
    m.actif = Set(input.actif);
    let apres = m.update(&txn).await?;
    let action = if input.actif { "reactivation" } else { "desactivation" };
    audit::record(&txn, &s.clock, &acteur, action, "utilisateur", id, Some(&serde_json::json!({"actif": avant.actif})), Some(&serde_json::json!({"actif": apres.actif}))).await?;
    txn.commit().await?;
    Ok(Json(vue(apres)))
}

/// An API token of one's own (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct Jeton {
    pub id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One's own API tokens, newest first: creation, last use (to the hour), expiry,
/// revocation.
#[utoipa::path(get, path = "/moi/jetons", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<Jeton>), (status = 401, body = Problem)))]
async fn jetons(State(s): State<AppState>, acteur: Acteur) -> AppResult<Json<Vec<Jeton>>> {
    let liste = api_tokens::Entity::find().filter(api_tokens::Column::UtilisateurId.eq(acteur.utilisateur_id)).order_by_desc(api_tokens::Column::Id).all(&s.db).await?;
    Ok(Json(liste.into_iter().map(|t| Jeton { id: t.id, label: t.label, created_at: t.created_at, last_used_at: t.last_used_at, expires_at: t.expires_at, revoked_at: t.revoked_at }).collect()))
}

/// Revokes one of one's own tokens (at once; already revoked: no change).
#[utoipa::path(delete, path = "/moi/jetons/{id}", tag = "auth", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn revoquer(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>) -> AppResult<StatusCode> {
    let t = api_tokens::Entity::find_by_id(id).filter(api_tokens::Column::UtilisateurId.eq(acteur.utilisateur_id)).one(&s.db).await?.ok_or(AppError::NotFound)?;
    if t.revoked_at.is_none() {
        let mut m: api_tokens::ActiveModel = t.into();
        m.revoked_at = Set(Some(s.clock.now()));
        m.update(&s.db).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MotDePasseInput {
    pub actuel: String,
    pub nouveau: String,
}

/// Changes one's password (the current one is asked); one's web sessions end.
#[utoipa::path(put, path = "/moi/mot-de-passe", tag = "auth", security(("bearer" = [])), request_body = MotDePasseInput,
    responses((status = 204), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn changer_mot_de_passe(State(s): State<AppState>, acteur: Acteur, ApiJson(input): ApiJson<MotDePasseInput>) -> AppResult<StatusCode> {
    let user = utilisateurs::Entity::find_by_id(acteur.utilisateur_id).one(&s.db).await?.ok_or(AppError::NotFound)?;
    let phc = user.password_hash.clone().unwrap_or_default();
    let mut errors = Vec::new();
    if !password::verify_async(input.actuel.clone(), phc).await {
        errors.push(FieldError::new("actuel", "Mot de passe actuel incorrect."));
    }
    if input.nouveau.chars().count() < password::MIN_LENGTH || input.nouveau.chars().count() > 200 {
        errors.push(FieldError::new("nouveau", format!("Entre {} et 200 caractères.", password::MIN_LENGTH)));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let hash = password::hash_async(input.nouveau).await?;
    let txn = crate::db::ecrire(&s.db).await?;
    let mut m: utilisateurs::ActiveModel = user.into();
    m.password_hash = Set(Some(hash));
    m.update(&txn).await?;
    sessions::Entity::delete_many().filter(sessions::Column::UtilisateurId.eq(acteur.utilisateur_id)).exec(&txn).await?;
    audit::record(&txn, &s.clock, &acteur, "mot_de_passe", "utilisateur", acteur.utilisateur_id, None::<&()>, None).await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
