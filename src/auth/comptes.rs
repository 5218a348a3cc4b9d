//! Accounts: the structure's users listed, deactivated and reactivated (a deactivated
//! user's sessions and tokens stop at the next request: every request checks `actif`);
//! one's own API tokens listed (creation, last use) and revoked; one's password changed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use entities::enums::Role;
use entities::{api_tokens, sessions, utilisateurs};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::routes::Utilisateur;
use super::{password, Acteur, GESTION};
use crate::audit;
use crate::error::{AppError, AppResult, FieldError, Problem};
use crate::state::AppState;
use crate::web::page::{Page, PageQuery};
use crate::web::{ApiJson, ApiPath, ApiQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(lister))
        .routes(routes!(activer))
        .routes(routes!(role))
        .routes(routes!(renvoyer_invitation))
        .routes(routes!(revoquer_jetons))
        .routes(routes!(jetons))
        .routes(routes!(revoquer))
        .routes(routes!(changer_mot_de_passe))
}

/// Whether the caller's role may manage this account at all: admins every account;
/// facilitateurs the companies', buyers' and référents' accounts (the pages show their
/// actions by the same rule).
pub fn role_gere(acteur: &Acteur, u: &utilisateurs::Model) -> bool {
    acteur.role == Role::Admin || (acteur.role == Role::Facilitateur && !matches!(u.role, Role::Admin | Role::Facilitateur))
}

/// An account the caller may manage ([`role_gere`]), never its own.
pub async fn compte_gere(db: &impl ConnectionTrait, acteur: &Acteur, id: i64) -> AppResult<utilisateurs::Model> {
    acteur.require(GESTION)?;
    let u = acteur.scoped::<utilisateurs::Entity>().filter(utilisateurs::Column::Id.eq(id)).one(db).await?.ok_or(AppError::NotFound)?;
    if !role_gere(acteur, &u) {
        return Err(AppError::Forbidden);
    }
    if u.id == acteur.utilisateur_id {
        return Err(AppError::field("compte", "Vous ne pouvez pas modifier ainsi votre propre compte."));
    }
    Ok(u)
}

/// Deactivates or reactivates an account: a deactivated user's sessions end and its
/// tokens stop at once (every request checks `actif`).
pub async fn changer_actif(s: &AppState, acteur: &Acteur, id: i64, actif: bool) -> AppResult<utilisateurs::Model> {
    let txn = crate::db::ecrire(&s.db).await?;
    let avant = compte_gere(&txn, acteur, id).await?;
    let mut m: utilisateurs::ActiveModel = avant.clone().into();
    m.actif = Set(actif);
    let apres = m.update(&txn).await?;
    if !actif {
        sessions::Entity::delete_many().filter(sessions::Column::UtilisateurId.eq(id)).exec(&txn).await?;
    }
    let action = if actif { "reactivation" } else { "desactivation" };
    audit::record(&txn, &s.clock, acteur, action, "utilisateur", id, Some(&serde_json::json!({"actif": avant.actif})), Some(&serde_json::json!({"actif": apres.actif}))).await?;
    txn.commit().await?;
    Ok(apres)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    /// `admin`, `facilitateur`, `referent`, `entreprise`, `donneur_ordre`.
    pub role: Role,
    pub entreprise_id: Option<i64>,
    pub donneur_ordre_id: Option<i64>,
}

/// Changes an account's role and attachment (administrators only): its sessions end, so
/// that its next page is the new role's.
pub async fn changer_role(s: &AppState, acteur: &Acteur, id: i64, input: RoleInput) -> AppResult<utilisateurs::Model> {
    acteur.require(&[Role::Admin])?;
    let txn = crate::db::ecrire(&s.db).await?;
    let avant = compte_gere(&txn, acteur, id).await?;
    if let Some(e) = super::service::rattachement(input.role, input.entreprise_id, input.donneur_ordre_id) {
        return Err(AppError::Invalid(vec![e]));
    }
    if let Some(e) = input.entreprise_id {
        acteur.scoped::<entities::entreprises::Entity>().filter(entities::entreprises::Column::Id.eq(e)).one(&txn).await?.ok_or_else(|| AppError::field("entreprise_id", "Entreprise introuvable."))?;
    }
    if let Some(d) = input.donneur_ordre_id {
        acteur.scoped::<entities::donneurs_ordre::Entity>().filter(entities::donneurs_ordre::Column::Id.eq(d)).one(&txn).await?.ok_or_else(|| AppError::field("donneur_ordre_id", "Donneur d'ordre introuvable."))?;
    }
    let mut m: utilisateurs::ActiveModel = avant.clone().into();
    m.role = Set(input.role);
    m.entreprise_id = Set(input.entreprise_id);
    m.donneur_ordre_id = Set(input.donneur_ordre_id);
    let apres = m.update(&txn).await?;
    sessions::Entity::delete_many().filter(sessions::Column::UtilisateurId.eq(id)).exec(&txn).await?;
    let resume = |u: &utilisateurs::Model| serde_json::json!({"role": u.role, "entreprise_id": u.entreprise_id, "donneur_ordre_id": u.donneur_ordre_id});
    audit::record(&txn, &s.clock, acteur, "changement_role", "utilisateur", id, Some(&resume(&avant)), Some(&resume(&apres))).await?;
    txn.commit().await?;
    Ok(apres)
}

/// Revokes every API token of an account (they stop at once); returns how many.
pub async fn revoquer_tous(s: &AppState, acteur: &Acteur, id: i64) -> AppResult<u64> {
    let txn = crate::db::ecrire(&s.db).await?;
    compte_gere(&txn, acteur, id).await?;
    let n = api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, sea_orm::sea_query::Expr::value(s.clock.now()))
        .filter(api_tokens::Column::UtilisateurId.eq(id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    audit::record(&txn, &s.clock, acteur, "revocation_jetons", "utilisateur", id, None::<&serde_json::Value>, Some(&serde_json::json!({"jetons_revoques": n}))).await?;
    txn.commit().await?;
    Ok(n)
}

pub fn vue(u: utilisateurs::Model) -> Utilisateur {
    Utilisateur { id: u.id, mot_de_passe_defini: u.password_hash.is_some(), email: u.email, nom: u.nom, role: u.role, entreprise_id: u.entreprise_id, donneur_ordre_id: u.donneur_ordre_id, actif: u.actif }
}

/// The users of the caller's structure, by name, one page at a time (facilitateurs, admins).
#[utoipa::path(get, path = "/utilisateurs", tag = "auth", security(("bearer" = [])), params(crate::web::page::PageQuery),
    responses((status = 200, body = crate::web::page::Page<Utilisateur>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn lister(State(s): State<AppState>, acteur: Acteur, crate::web::ApiQuery(page): crate::web::ApiQuery<crate::web::page::PageQuery>) -> AppResult<Json<crate::web::page::Page<Utilisateur>>> {
    acteur.require(GESTION)?;
    let select = acteur.scoped::<utilisateurs::Entity>().order_by_asc(utilisateurs::Column::Nom).order_by_asc(utilisateurs::Column::Id);
    Ok(Json(page.fetch(&s.db, select, vue).await?))
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
    Ok(Json(vue(changer_actif(&s, &acteur, id, input.actif).await?)))
}

/// Changes a user's role and its attachment (administrators): its web sessions end.
#[utoipa::path(put, path = "/utilisateurs/{id}/role", tag = "auth", security(("bearer" = [])), params(("id" = i64, Path)), request_body = RoleInput,
    responses((status = 200, body = Utilisateur), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn role(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>, ApiJson(input): ApiJson<RoleInput>) -> AppResult<Json<Utilisateur>> {
    Ok(Json(vue(changer_role(&s, &acteur, id, input).await?)))
}

/// Sends the invitation again, with a new link (the earlier one stops working), to an
/// active account that has not chosen its password yet.
#[utoipa::path(post, path = "/utilisateurs/{id}/invitation", tag = "auth", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Utilisateur), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn renvoyer_invitation(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Utilisateur>> {
    let u = super::invitations::renvoyer(&s, &acteur, id).await?;
    super::routes::envoyer_bientot(&s);
    Ok(Json(vue(u)))
}

/// How many tokens a revocation stopped.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revocation {
    pub jetons_revoques: u64,
}

/// Revokes every API token of a user of the structure (they stop at once).
#[utoipa::path(delete, path = "/utilisateurs/{id}/jetons", tag = "auth", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Revocation), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn revoquer_jetons(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Revocation>> {
    Ok(Json(Revocation { jetons_revoques: revoquer_tous(&s, &acteur, id).await? }))
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
    params(PageQuery), responses((status = 200, body = Page<Jeton>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn jetons(State(s): State<AppState>, acteur: Acteur, ApiQuery(page): ApiQuery<PageQuery>) -> AppResult<Json<Page<Jeton>>> {
    let liste = api_tokens::Entity::find().filter(api_tokens::Column::UtilisateurId.eq(acteur.utilisateur_id)).order_by_desc(api_tokens::Column::Id);
    Ok(Json(page.fetch(&s.db, liste, |t| Jeton { id: t.id, label: t.label, created_at: t.created_at, last_used_at: t.last_used_at, expires_at: t.expires_at, revoked_at: t.revoked_at }).await?))
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
