//! The login and logout pages (`/connexion`, `/deconnexion`).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::session::{self, suite_sure};
use super::service;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{page_erreur, render, ApiForm, ApiPath, ApiQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/connexion", get(formulaire).post(connexion))
        .route("/deconnexion", post(deconnexion))
        .route("/mot-de-passe-oublie", get(oubli).post(demander))
        .route("/invitation/{token}", get(invitation).post(accepter))
        .route("/connexion/lien/{token}", get(lien).post(utiliser_lien))
}

#[derive(Deserialize)]
struct Suite {
    suite: Option<String>,
}

#[derive(Deserialize)]
struct Identifiants {
    email: String,
    password: String,
    suite: Option<String>,
    /// The login form's own CSRF token, the same as its cookie (double submit: there is
    /// no session yet).
    csrf: Option<String>,
}

/// The cookie holding the login form's CSRF token.
const COOKIE_CONNEXION: &str = "clausier_connexion";

#[derive(Deserialize)]
struct Jeton {
    csrf: String,
}

fn page(state: &AppState, email: &str, suite: &str, csrf: &str, erreur: Option<&str>) -> Result<axum::response::Html<String>, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("csrf", csrf);
    ctx.insert("email", email);
    ctx.insert("suite", suite);
    ctx.insert("erreur", &erreur);
    render(state, "auth/connexion.html", None, ctx)
}

async fn formulaire(State(state): State<AppState>, ApiQuery(q): ApiQuery<Suite>) -> Result<Response, AppError> {
    let jeton = super::token::generate();
    let secure = if state.settings.base_url().starts_with("https://") { "; Secure" } else { "" };
    let cookie = format!("{COOKIE_CONNEXION}={jeton}; Path=/connexion; HttpOnly; SameSite=Strict; Max-Age=7200{secure}");
    Ok(([(header::SET_COOKIE, cookie)], page(&state, "", suite_sure(q.suite.as_deref()), &jeton, None)?).into_response())
}

async fn connexion(State(state): State<AppState>, adresse: crate::web::AdresseClient, headers: HeaderMap, ApiForm(f): ApiForm<Identifiants>) -> Result<Response, AppError> {
    let suite = suite_sure(f.suite.as_deref()).to_string();
    let jeton = f.csrf.clone().unwrap_or_default();
    if jeton.is_empty() || session::cookie(&headers, COOKIE_CONNEXION) != Some(jeton.as_str()) {
        return page_erreur(&state, None, StatusCode::FORBIDDEN, "Formulaire expiré", "Le formulaire de connexion a expiré ou ne vient pas de Clausier : rechargez la page de connexion et recommencez.");
    }
    match service::authenticate(&state.db, &state.clock, f.email.trim(), &f.password, adresse.0).await {
        Ok(user) => session::connecter(&state, &user, &suite).await,
        Err(AppError::Unauthorized(message)) => Ok((StatusCode::UNAUTHORIZED, page(&state, f.email.trim(), &suite, &jeton, Some(message))?).into_response()),
        Err(e @ AppError::TropDeTentatives(_)) => {
            let secondes = if let AppError::TropDeTentatives(s) = e { s } else { 0 };
            let message = e.problem().detail;
            let mut r = (StatusCode::TOO_MANY_REQUESTS, page(&state, f.email.trim(), &suite, &jeton, Some(&message))?).into_response();
            r.headers_mut().insert(header::RETRY_AFTER, secondes.into());
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct Oubli {
    email: String,
}

fn page_oubli(state: &AppState, envoye: bool) -> Result<axum::response::Html<String>, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("envoye", &envoye);
    ctx.insert("heures", &super::invitations::REINITIALISATION_HEURES);
    render(state, "auth/oubli.html", None, ctx)
}

async fn oubli(State(state): State<AppState>) -> Result<Response, AppError> {
    Ok(page_oubli(&state, false)?.into_response())
}

/// The same page whether the address exists or not.
async fn demander(State(state): State<AppState>, ApiForm(f): ApiForm<Oubli>) -> Result<Response, AppError> {
    super::invitations::reinitialiser(&state, f.email.trim()).await?;
    super::routes::envoyer_bientot(&state);
    Ok(page_oubli(&state, true)?.into_response())
}

/// Logs out: the session is deleted, the cookie expired. The form's CSRF token must be
/// the session's.
async fn deconnexion(State(state): State<AppState>, headers: HeaderMap, ApiForm(f): ApiForm<Jeton>) -> Result<Response, AppError> {
    if let Some(secret) = session::secret(&headers) {
        match session::trouver(&state.db, state.clock.now(), secret).await? {
            Some((s, _)) if s.csrf_token == f.csrf => session::fermer(&state.db, secret).await?,
            Some(_) => return Err(AppError::Forbidden),
            None => {}
        }
    }
    Ok(([(header::SET_COOKIE, session::set_cookie(&state, None))], Redirect::to("/connexion")).into_response())
}

#[derive(Deserialize)]
struct MotDePasse {
    password: String,
    confirmation: String,
}

fn page_invitation(state: &AppState, nom: &str, erreurs: &[String]) -> Result<axum::response::Html<String>, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("nom", nom);
    ctx.insert("erreurs", erreurs);
    ctx.insert("min", &super::password::MIN_LENGTH);
    render(state, "auth/invitation.html", None, ctx)
}

fn invitation_perdue(state: &AppState) -> Result<Response, AppError> {
    page_erreur(
        state,
        None,
        StatusCode::GONE,
        "Invitation expirée ou déjà utilisée",
        "Ce lien n'est plus valable. Demandez une nouvelle invitation à votre facilitateur, ou connectez-vous si vous avez déjà choisi votre mot de passe.",
    )
}

async fn invitation(State(state): State<AppState>, ApiPath(secret): ApiPath<String>) -> Result<Response, AppError> {
    match super::invitations::trouver(&state.db, &state, &secret).await? {
        Some((_, user)) => Ok(page_invitation(&state, &user.nom, &[])?.into_response()),
        None => invitation_perdue(&state),
    }
}

/// Sets the password, then logs the person in.
async fn accepter(State(state): State<AppState>, ApiPath(secret): ApiPath<String>, ApiForm(f): ApiForm<MotDePasse>) -> Result<Response, AppError> {
    match super::invitations::accepter(&state, &secret, &f.password, &f.confirmation).await {
        Ok(user) => session::connecter(&state, &user, "/").await,
        Err(AppError::Invalid(errors)) => {
            let nom = super::invitations::trouver(&state.db, &state, &secret).await?.map(|(_, u)| u.nom).unwrap_or_default();
            let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page_invitation(&state, &nom, &messages)?).into_response())
        }
        Err(AppError::NotFound) => invitation_perdue(&state),
        Err(e) => Err(e),
    }
}

/// The page of a link that is no longer valid (used, expired, or never issued).
fn lien_perdu(state: &AppState) -> Result<Response, AppError> {
    page_erreur(
        state,
        None,
        StatusCode::GONE,
        "Lien expiré ou déjà utilisé",
        "Ce lien de connexion ne sert qu'une fois et pour un temps limité. Connectez-vous avec votre adresse et votre mot de passe, ou demandez un nouveau mot de passe depuis la page de connexion.",
    )
}

/// A reminder's sign-in link: a page naming the person, with the button that uses it.
async fn lien(State(state): State<AppState>, ApiPath(secret): ApiPath<String>) -> Result<Response, AppError> {
    match super::liens::lire(&state.db, &state.clock, &secret).await? {
        Some((_, user)) => {
            let mut ctx = tera::Context::new();
            ctx.insert("nom", &user.nom);
            Ok(render(&state, "auth/lien.html", None, ctx)?.into_response())
        }
        None => lien_perdu(&state),
    }
}

/// Uses the link: a session for its user, then its page.
async fn utiliser_lien(State(state): State<AppState>, ApiPath(secret): ApiPath<String>) -> Result<Response, AppError> {
    match super::liens::utiliser(&state.db, &state.clock, &secret).await? {
        Some((user, suite)) => session::connecter(&state, &user, suite_sure(Some(&suite))).await,
        None => lien_perdu(&state),
    }
}
