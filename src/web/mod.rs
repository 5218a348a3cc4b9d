//! Shared web pieces: JSON and path extractors whose rejections are problem+json, the
//! home page, the fallbacks.

pub mod page;

use axum::extract::{FromRequest, FromRequestParts, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;

/// The answer of a create: `201 Created` with the created object.
pub type Created<T> = Result<(StatusCode, axum::Json<T>), AppError>;

pub fn created<T>(value: T) -> Created<T> {
    Ok((StatusCode::CREATED, axum::Json(value)))
}

/// `Json<T>` whose rejections become problem+json (400 malformed, 415 wrong content
/// type, 422 wrong shape with the field named).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

/// `Path<T>` whose rejections become a 404 problem+json.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

/// `Form<T>` (the pages' forms) whose rejections become a 400 problem+json in French.
#[derive(FromRequest)]
#[from_request(via(axum::Form), rejection(AppError))]
pub struct ApiForm<T>(pub T);

/// `Query<T>` whose rejections become a 400 problem+json.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

pub async fn home(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Result<Html<String>, AppError> {
    let connecte = crate::auth::session::connecte(&state, &headers).await?;
    render(&state, "accueil.html", connecte.as_ref(), tera::Context::new())
}

/// A French error page (`erreur.html`) with its status.
pub fn page_erreur(state: &AppState, connecte: Option<&crate::auth::session::Connecte>, status: StatusCode, titre: &str, message: &str) -> Result<Response, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("titre", titre);
    ctx.insert("message", message);
    Ok((status, render(state, "erreur.html", connecte, ctx)?).into_response())
}

/// Renders a page with what the layout needs: the version and who is logged in (their
/// name, role and the CSRF token of the logout form).
pub fn render(state: &AppState, template: &str, connecte: Option<&crate::auth::session::Connecte>, mut ctx: tera::Context) -> Result<Html<String>, AppError> {
    ctx.insert("version", env!("CARGO_PKG_VERSION"));
    ctx.insert(
        "connecte",
        &connecte.map(|c| serde_json::json!({"nom": c.acteur.nom, "role": crate::text::code(c.acteur.role), "csrf": c.csrf})),
    );
    state.templates.render(template, &ctx).map(Html).map_err(|e| AppError::Internal(anyhow::anyhow!("page {template} : {e:?}")))
}

/// Unknown routes: problem+json under /api, a French page elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        AppError::NotFound.into_response()
    } else {
        (StatusCode::NOT_FOUND, Html(NOT_FOUND_PAGE)).into_response()
    }
}

const NOT_FOUND_PAGE: &str = "<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Page introuvable — Clausier</title><body><h1>Page introuvable</h1><p><a href=\"/\">Retour à l'accueil</a></p></body></html>";

/// Loads the Tera templates, pages and e-mails (strict: an unknown variable is an error;
/// only `.html` files are HTML-escaped).
pub fn templates(dir: &std::path::Path) -> anyhow::Result<tera::Tera> {
    let glob = format!("{}/**/*.{{html,txt}}", dir.display());
    let tera = tera::Tera::new(&glob).map_err(|e| anyhow::anyhow!("modèles {glob} : {e}"))?;
    anyhow::ensure!(
        tera.get_template_names().any(|n| n == "accueil.html"),
        "modèles introuvables dans {} (réglage server.templates_dir)",
        dir.display()
    );
    Ok(tera)
}
