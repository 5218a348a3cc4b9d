//! The edge of every request, before any extractor: bodies are limited in size (413)
//! and no text may carry the NUL character (U+0000) — PostgreSQL refuses it in text
//! columns, which made any such value a 500, even in a login's e-mail. The address (raw
//! `%00`), a form (`%00`) and a JSON body (`\u0000` or a raw NUL byte) are checked; a
//! file upload (multipart) is read by its own page, with its own limit.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// The largest JSON or form body (a marché with its lots, a month of declarations).
pub const CORPS_MAX: usize = 2 * 1024 * 1024;

fn nul() -> Response {
    AppError::field("texte", "Le caractère nul (U+0000) n'est pas accepté dans un texte.").into_response()
}

pub async fn controler(request: Request, next: Next) -> Response {
    let adresse = request.uri().path_and_query().map(|p| p.as_str().to_ascii_lowercase()).unwrap_or_default();
    if adresse.contains("%00") {
        return nul();
    }
    let type_ = request.headers().get(header::CONTENT_TYPE).map(|t| t.as_bytes().to_ascii_lowercase()).unwrap_or_default();
    if type_.starts_with(b"multipart/") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let octets = match to_bytes(body, CORPS_MAX).await {
        Ok(o) => o,
        Err(_) => return AppError::TropVolumineux(CORPS_MAX).into_response(),
    };
    let contient = |motif: &[u8]| octets.windows(motif.len()).any(|w| w.eq_ignore_ascii_case(motif));
    // In JSON a NUL is written `\u0000` (a raw NUL byte is malformed JSON, answered 400 by
    // its extractor); in a form it is `%00` or a raw byte.
    let json = type_.starts_with(b"application/json");
    let refuse = if json { contient(b"\\u0000") } else { octets.contains(&0) || contient(b"%00") };
    if refuse {
        return nul();
    }
    next.run(Request::from_parts(parts, Body::from(octets))).await
}
