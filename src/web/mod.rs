//! Shared web pieces: JSON and path extractors whose rejections are problem+json, the
//! layout's context (menu by role, flash, stylesheet), French formats, error pages,
//! static files, lists (search, sort, pages) and the fallbacks.

pub mod choix;
pub mod entree;
pub mod flash;
pub mod format;
pub mod formulaire;
pub mod graphique;
pub mod html;
pub mod liste;
pub mod menu;
pub mod page;
pub mod statics;

use axum::extract::{FromRequest, FromRequestParts};
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

/// The client's address: the TCP peer (a reverse proxy's own address is what it sees; a
/// forwarded header is not trusted). Absent when the router is called in process.
pub struct AdresseClient(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for AdresseClient {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(AdresseClient(parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())))
    }
}

/// A French error page (`erreur.html`) with its status.
pub fn page_erreur(state: &AppState, connecte: Option<&crate::auth::session::Connecte>, status: StatusCode, titre: &str, message: &str) -> Result<Response, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("titre", titre);
    ctx.insert("message", message);
    ctx.insert("details", &Vec::<String>::new());
    ctx.insert("status", &status.as_u16());
    Ok((status, render(state, "erreur.html", connecte, ctx)?).into_response())
}

/// A breadcrumb step: its label and address.
pub type Etape = (String, String);

/// The breadcrumb steps of a page: `(label, address)`; the last has no address.
pub fn fil(etapes: &[(&str, &str)]) -> Vec<Etape> {
    etapes.iter().map(|(l, u)| (l.to_string(), u.to_string())).collect()
}

/// Renders a page with what the layout needs: the version, the stylesheet's address, who
/// is logged in (name, role in words, the logout form's CSRF token), the menu of its
/// role, the flash message and the breadcrumb (`fil`, the page's own steps above it).
pub fn render(state: &AppState, template: &str, connecte: Option<&crate::auth::session::Connecte>, mut ctx: tera::Context) -> Result<Html<String>, AppError> {
    ctx.insert("version", env!("CARGO_PKG_VERSION"));
    ctx.insert("modele", template);
    ctx.insert("css", &state.statiques.url("clausier.css"));
    ctx.insert("js", &state.statiques.url("clausier.js"));
    ctx.insert(
        "connecte",
        &connecte.map(|c| {
            serde_json::json!({
                "nom": c.acteur.nom,
                "role": crate::text::code(c.acteur.role),
                "role_libelle": crate::libelles::de("role", c.acteur.role),
                "csrf": c.csrf,
            })
        }),
    );
    ctx.insert("menu", &connecte.map(|c| menu::menu(c.acteur.role, &c.chemin)).unwrap_or_default());
    ctx.insert("flash", &connecte.and_then(|c| c.flash.clone()));
    if !ctx.contains_key("fil") {
        ctx.insert("fil", &Vec::<Etape>::new());
    }
    state.templates.render(template, &ctx).map(Html).map_err(|e| AppError::Internal(anyhow::anyhow!("page {template} : {e:?}")))
}

/// Unknown routes: problem+json (the pages' layer makes it a French page off /api).
pub async fn not_found(_uri: Uri) -> Response {
    AppError::NotFound.into_response()
}

/// Loads the Tera templates, pages and e-mails (strict: an unknown variable is an error;
/// only `.html` files are HTML-escaped), with the French formats (`format`).
pub fn templates(dir: &std::path::Path) -> anyhow::Result<tera::Tera> {
    let glob = format!("{}/**/*.{{html,txt}}", dir.display());
    let mut tera = tera::Tera::new(&glob).map_err(|e| anyhow::anyhow!("modèles {glob} : {e}"))?;
    format::register(&mut tera);
    anyhow::ensure!(
        tera.get_template_names().any(|n| n == "accueil.html"),
        "modèles introuvables dans {} (réglage server.templates_dir)",
        dir.display()
    );
    Ok(tera)
}
