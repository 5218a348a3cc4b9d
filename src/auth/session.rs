//! Web sessions for the HTML pages: a random token in an `HttpOnly; SameSite=Strict`
//! cookie (only its SHA-256 is stored, in `sessions`), with a per-session CSRF token for
//! the forms that change something. API clients keep using bearer tokens.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use entities::{sessions, utilisateurs};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{token, Acteur};
use crate::clock::Clock;
use crate::error::AppResult;
use crate::state::AppState;

pub const COOKIE: &str = "clausier_session";

/// Opens a session for `user`; returns the cookie's secret.
pub async fn ouvrir(db: &impl ConnectionTrait, clock: &Clock, ttl_hours: i64, user: &utilisateurs::Model) -> AppResult<String> {
    let secret = token::generate();
    sessions::ActiveModel {
        structure_id: Set(user.structure_id),
        utilisateur_id: Set(user.id),
        token_hash: Set(token::digest(&secret)),
        csrf_token: Set(token::generate()),
        created_at: Set(clock.now()),
        expires_at: Set(clock.now() + Duration::hours(ttl_hours.max(1))),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// The live session of a cookie's secret, with its active user.
pub async fn trouver(db: &impl ConnectionTrait, now: DateTime<Utc>, secret: &str) -> AppResult<Option<(sessions::Model, utilisateurs::Model)>> {
    let found = sessions::Entity::find()
        .filter(sessions::Column::TokenHash.eq(token::digest(secret)))
        .filter(sessions::Column::ExpiresAt.gt(now))
        .find_also_related(utilisateurs::Entity)
        .one(db)
        .await?;
    Ok(found.and_then(|(s, u)| u.filter(|u| u.actif).map(|u| (s, u))))
}

pub async fn fermer(db: &impl ConnectionTrait, secret: &str) -> AppResult<()> {
    sessions::Entity::delete_many().filter(sessions::Column::TokenHash.eq(token::digest(secret))).exec(db).await?;
    Ok(())
}

/// The session secret sent by the browser, if any.
pub fn secret(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, COOKIE)
}

/// The value of a cookie the browser sent, if any (not empty).
pub fn cookie<'a>(headers: &'a HeaderMap, nom: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == nom)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The `Set-Cookie` value: the secret, or an expired cookie to log out (`Secure` when
/// the site is served over HTTPS).
pub fn set_cookie(state: &AppState, secret: Option<&str>) -> String {
    let secure = if state.settings.base_url().starts_with("https://") { "; Secure" } else { "" };
    match secret {
        Some(s) => format!("{COOKIE}={s}; Path=/; HttpOnly; SameSite=Strict{secure}"),
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    }
}

/// A user logged in through the web pages. Without a live session, the page answers
/// with a redirect to the login form, which brings the user back afterwards.
#[derive(Debug, Clone)]
pub struct Connecte {
    pub acteur: Acteur,
    /// To put in every form that changes something.
    pub csrf: String,
    /// The message of the last action, to show once (`web::flash`).
    pub flash: Option<String>,
    /// The page's path (the menu marks where the user is).
    pub chemin: String,
}

/// Who the browser's session cookie names, if anyone.
pub async fn connecte(state: &AppState, headers: &HeaderMap) -> AppResult<Option<Connecte>> {
    let Some(secret) = secret(headers) else { return Ok(None) };
    Ok(trouver(&state.db, state.clock.now(), secret).await?.map(|(session, user)| Connecte {
        acteur: Acteur::from_user(&user),
        csrf: session.csrf_token,
        flash: crate::web::flash::lire(headers),
        chemin: String::new(),
    }))
}

impl FromRequestParts<AppState> for Connecte {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match connecte(state, &parts.headers).await {
            Ok(Some(mut c)) => {
                c.chemin = parts.uri.path().to_string();
                Ok(c)
            }
            Ok(None) => {
                let suite = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                Err(Redirect::to(&format!("/connexion?suite={}", encode(suite))).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// Logs `user` in: a new session, its cookie, and a redirect to `suite`.
pub async fn connecter(state: &AppState, user: &utilisateurs::Model, suite: &str) -> AppResult<Response> {
    let secret = ouvrir(&state.db, &state.clock, state.settings.auth.session_ttl_hours, user).await?;
    Ok(([(header::SET_COOKIE, set_cookie(state, Some(&secret)))], Redirect::to(suite)).into_response())
}

/// Percent-encodes a path for a query parameter.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where to go after logging in: only a path of this site (never `//elsewhere`).
pub fn suite_sure(suite: Option<&str>) -> &str {
    match suite {
        // Browsers drop tabs and newlines from addresses (`/\t/evil.example` is read as
        // `//evil.example`): a path holding any control or blank character is refused.
        Some(s) if s.starts_with('/') && !s.starts_with("//") && !s.contains('\\') && !s.chars().any(|c| c.is_control() || c.is_whitespace()) => s,
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_return_path_stays_on_the_site() {
        assert_eq!(super::suite_sure(Some("/envois?statut=echec")), "/envois?statut=echec");
        assert_eq!(super::suite_sure(Some("//evil.example")), "/");
        assert_eq!(super::suite_sure(Some("https://evil.example")), "/");
        for piege in ["/\t/evil.example", "/\n/evil.example", "/\\evil.example", "/ /evil.example", "/\r//evil.example"] {
            assert_eq!(super::suite_sure(Some(piege)), "/", "{piege:?}");
        }
        assert_eq!(super::suite_sure(None), "/");
        assert_eq!(super::encode("/envois?statut=echec"), "/envois%3Fstatut%3Dechec");
    }
}
