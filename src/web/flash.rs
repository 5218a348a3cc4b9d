//! Flash messages: what the last action did (« Opération créée. »), said once on the
//! next page. The text travels in a short-lived cookie set with the redirect; the page
//! that shows it clears it (`web::html::couche`).

use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};

pub const COOKIE: &str = "clausier_flash";

/// Redirects to `url` (after a POST: 303) with `message` to show there.
pub fn rediriger(url: &str, message: &str) -> Response {
    let valeur = utf8_percent_encode(message, NON_ALPHANUMERIC);
    ([(header::SET_COOKIE, format!("{COOKIE}={valeur}; Path=/; HttpOnly; SameSite=Strict; Max-Age=120"))], Redirect::to(url)).into_response()
}

/// The message the browser brings back, if any.
pub fn lire(headers: &HeaderMap) -> Option<String> {
    let brut = crate::auth::session::cookie(headers, COOKIE)?;
    let texte = percent_decode_str(brut).decode_utf8().ok()?.chars().take(300).collect::<String>();
    Some(texte).filter(|t| !t.trim().is_empty())
}

/// The header that clears it once shown.
pub fn effacer() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}
