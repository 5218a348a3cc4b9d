//! What every answer to a browser passes through: an error (problem+json) on a page's
//! address becomes the French error page in the layout, whatever raised it (a malformed
//! id, query or form, a refused right, a panic); a shown flash message is cleared; and
//! the security headers (a strict Content-Security-Policy: no inline script or style).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn couche(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let chemin = request.uri().path().to_string();
    let headers = request.headers().clone();
    let page = !chemin.starts_with("/api/") && chemin != "/health";
    let mut response = next.run(request).await;
    let probleme = response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"application/problem+json"));
    if page && probleme {
        response = page_du_probleme(&state, &headers, &chemin, response).await;
    }
    let h = response.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // Served over TLS (its public address is https): browsers keep to https for a year.
    if state.settings.base_url().starts_with("https://") {
        h.insert("strict-transport-security", HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    let html = h.get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if html && crate::web::flash::lire(&headers).is_some() {
        if let Ok(v) = HeaderValue::from_str(&crate::web::flash::effacer()) {
            h.append(header::SET_COOKIE, v);
        }
    }
    response
}

async fn page_du_probleme(state: &AppState, headers: &axum::http::HeaderMap, chemin: &str, response: Response) -> Response {
    let status = response.status();
    let apres = response.headers().get(header::RETRY_AFTER).cloned();
    let corps = axum::body::to_bytes(response.into_body(), 256 * 1024).await.unwrap_or_default();
    let probleme: serde_json::Value = serde_json::from_slice(&corps).unwrap_or_default();
    let titre = match status {
        StatusCode::NOT_FOUND => "Page introuvable".to_string(),
        _ => probleme["title"].as_str().unwrap_or("Erreur").to_string(),
    };
    let mut message = probleme["detail"].as_str().unwrap_or("").to_string();
    if status == StatusCode::NOT_FOUND {
        message = "Cette page n'existe pas, ou ce qu'elle montre n'est pas accessible avec votre compte.".into();
    }
    let details: Vec<String> = probleme["errors"]
        .as_array()
        .map(|errs| errs.iter().filter_map(|e| e["message"].as_str()).map(str::to_string).collect())
        .unwrap_or_default();
    let mut connecte = crate::auth::session::connecte(state, headers).await.ok().flatten();
    if let Some(c) = connecte.as_mut() {
        c.chemin = chemin.to_string();
    }
    let mut ctx = tera::Context::new();
    ctx.insert("titre", &titre);
    ctx.insert("message", &message);
    ctx.insert("details", &details);
    ctx.insert("status", &status.as_u16());
    let mut page = match crate::web::render(state, "erreur.html", connecte.as_ref(), ctx) {
        Ok(html) => (status, html).into_response(),
        Err(_) => (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], Body::from(format!("{titre}\n\n{message}"))).into_response(),
    };
    if let Some(apres) = apres {
        page.headers_mut().insert(header::RETRY_AFTER, apres);
    }
    page
}
