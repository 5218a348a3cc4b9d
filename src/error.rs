//! One error type for the whole application. Every error leaves as RFC 9457
//! `application/problem+json` with a French `title`/`detail`; a 5xx is logged with its
//! cause chain and never shows internals to the caller.

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field of a request, with a French message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// A required text, trimmed; « Ce champ est obligatoire. » when it is empty.
pub fn obligatoire(errors: &mut Vec<FieldError>, field: impl Into<String>, value: &str) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(FieldError::new(field, "Ce champ est obligatoire."));
    }
    v.to_string()
}

/// The problem+json body (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: u16,
    pub title: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentification requise")]
    Unauthorized(&'static str),
    #[error("accès refusé")]
    Forbidden,
    #[error("introuvable")]
    NotFound,
    #[error("conflit: {0}")]
    Conflict(String),
    #[error("requête invalide: {0}")]
    BadRequest(String),
    #[error("données invalides")]
    Invalid(Vec<FieldError>),
    #[error("type de contenu non pris en charge")]
    UnsupportedMediaType,
    #[error("méthode non autorisée")]
    MethodNotAllowed,
    #[error("service indisponible")]
    Unavailable(&'static str),
    #[error("requête trop volumineuse")]
    TropVolumineux(usize),
    /// Too many failed logins: seconds until the next try.
    #[error("trop de tentatives")]
    TropDeTentatives(u64),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A 422 for a single field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TropVolumineux(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TropDeTentatives(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        let (title, detail, errors) = match self {
            AppError::Unauthorized(why) => ("Authentification requise", why.to_string(), vec![]),
            AppError::Forbidden => (
                "Accès refusé",
                "Votre rôle ne permet pas cette action.".to_string(),
                vec![],
            ),
            AppError::NotFound => (
                "Introuvable",
                "Cette ressource n'existe pas ou n'est pas accessible avec votre compte.".to_string(),
                vec![],
            ),
            AppError::Conflict(detail) => ("Conflit", detail.clone(), vec![]),
            AppError::BadRequest(detail) => ("Requête invalide", detail.clone(), vec![]),
            AppError::Invalid(errors) => (
                "Données invalides",
                "Certains champs sont invalides ; rien n'a été enregistré.".to_string(),
                errors.clone(),
            ),
            AppError::UnsupportedMediaType => (
                "Type de contenu non pris en charge",
                "Envoyez le corps de la requête en JSON (Content-Type: application/json).".to_string(),
                vec![],
            ),
            AppError::MethodNotAllowed => (
                "Méthode non autorisée",
                "Cette adresse n'accepte pas cette méthode HTTP.".to_string(),
                vec![],
            ),
            AppError::Unavailable(why) => ("Service indisponible", why.to_string(), vec![]),
            AppError::TropDeTentatives(secondes) => (
                "Trop de tentatives",
                format!("Trop de tentatives de connexion échouées : réessayez dans {} minute(s).", secondes.div_ceil(60)),
                vec![],
            ),
            AppError::TropVolumineux(max) => ("Requête trop volumineuse", format!("Le corps de la requête dépasse {} Mo.", max / 1024 / 1024), vec![]),
            AppError::Internal(_) => (
                "Erreur interne",
                "Une erreur inattendue s'est produite ; elle a été journalisée.".to_string(),
                vec![],
            ),
        };
        Problem { type_: "about:blank".into(), status: status.as_u16(), title: title.into(), detail, errors }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let erreur = match self {
            AppError::Internal(err) if surcharge(&err) => {
                tracing::warn!(erreur = %format!("{err:#}"), "base de données saturée");
                AppError::Unavailable(SATURE)
            }
            AppError::Internal(err) => {
                // One line: the cause chain, no backtrace.
                tracing::error!(erreur = %format!("{err:#}"), "erreur interne");
                AppError::Internal(err)
            }
            autre => autre,
        };
        let status = erreur.status();
        let body = serde_json::to_vec(&erreur.problem()).unwrap_or_default();
        let mut response = (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        let apres = match erreur {
            AppError::TropDeTentatives(secondes) => Some(secondes),
            AppError::Unavailable(_) => Some(REESSAYER_APRES),
            _ => None,
        };
        if let Some(secondes) = apres {
            response.headers_mut().insert(header::RETRY_AFTER, secondes.into());
        }
        response
    }
}

/// What an overloaded or unreachable server says (503, with `Retry-After`).
pub const SATURE: &str = "Le serveur est très sollicité en ce moment ; réessayez dans quelques secondes.";

/// Seconds a client is told to wait after a 503.
pub const REESSAYER_APRES: u64 = 5;

/// Whether a database error means "no connection in time" or "database unreachable"
/// (a pool that timed out, was closed, or a connection that failed), whichever way
/// sea-orm wrapped sqlx's error.
fn injoignable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => {
            matches!(e, sea_orm::sqlx::Error::PoolTimedOut | sea_orm::sqlx::Error::PoolClosed | sea_orm::sqlx::Error::Io(_))
        }
        _ => false,
    }
}

/// An internal error whose cause is an overloaded or unreachable database (one that went
/// through `anyhow` before it reached a handler).
fn surcharge(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<DbErr>().is_some_and(injoignable)
            || cause.downcast_ref::<sea_orm::sqlx::Error>().is_some_and(|e| matches!(e, sea_orm::sqlx::Error::PoolTimedOut | sea_orm::sqlx::Error::PoolClosed))
    })
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                AppError::Conflict("Un enregistrement identique existe déjà.".into())
            }
            // No connection free in time, or the database cannot be reached: a 503, the
            // client may retry.
            _ if injoignable(&err) => {
                tracing::warn!(erreur = %err, "base de données saturée ou injoignable");
                AppError::Unavailable(SATURE)
            }
            _ => AppError::Internal(anyhow::Error::new(err)),
        }
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType,
            JsonRejection::JsonSyntaxError(e) => {
                AppError::BadRequest(format!("Le corps de la requête n'est pas un JSON valide ({}).", source_text(&e)))
            }
            JsonRejection::JsonDataError(e) => {
                let text = std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_else(|| e.body_text());
                json_data_error(&text)
            }
            other => AppError::BadRequest(format!("Corps de requête illisible : {}", other.body_text())),
        }
    }
}

impl From<PathRejection> for AppError {
    fn from(_: PathRejection) -> Self {
        // An id that cannot even be parsed names nothing that exists.
        AppError::NotFound
    }
}

impl From<FormRejection> for AppError {
    fn from(rejection: FormRejection) -> Self {
        match rejection {
            FormRejection::InvalidFormContentType(_) => AppError::UnsupportedMediaType,
            other => AppError::BadRequest(format!("Formulaire incomplet ou illisible : {}", en_francais(&other.body_text()))),
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::BadRequest(format!("Paramètres de l'adresse invalides : {}", en_francais(&rejection.body_text())))
    }
}

/// serde's English about a query string or a form ("Failed to deserialize query string:
/// du: input contains invalid characters") said in French, naming the field.
fn en_francais(text: &str) -> String {
    let text = text.split_once(": ").map(|(debut, reste)| if debut.starts_with("Failed to deserialize") { reste } else { text }).unwrap_or(text);
    let FieldError { field, message } = serde_en_francais(text);
    if field.is_empty() { message } else { format!("« {field} » : {message}") }
}

fn source_text(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text = s.to_string();
        source = s.source();
    }
    text
}

/// serde's message for well-formed JSON of the wrong shape ("lots[0]: missing field
/// `numero` at line 1 column 9") as a 422 on the field it names.
fn json_data_error(text: &str) -> AppError {
    AppError::Invalid(vec![serde_en_francais(text)])
}

/// One serde message ("lots[0]: missing field `numero` at line 1 column 9") as the field
/// it names and a French message, with none of serde's English.
fn serde_en_francais(text: &str) -> FieldError {
    let text = text.split(" at line ").next().unwrap_or(text);
    let (path, message) = match text.split_once(": ") {
        Some((p, m)) if !p.contains(' ') => (p.trim_start_matches('.'), m),
        _ => ("", text),
    };
    let named = message.split('`').nth(1).unwrap_or("");
    // serde_path_to_error's path already ends with an unknown field's own name.
    let join = |name: &str| {
        if path.is_empty() || path == name || path.ends_with(&format!(".{name}")) {
            if path.is_empty() { name.to_string() } else { path.to_string() }
        } else {
            format!("{path}.{name}")
        }
    };
    let (field, french) = if message.starts_with("missing field") {
        (join(named), "Champ obligatoire manquant.".to_string())
    } else if message.starts_with("unknown field") {
        (join(named), "Champ inconnu.".to_string())
    } else if message.starts_with("unknown variant") {
        let expected = message.split("expected ").nth(1).unwrap_or("").replace("one of ", "").replace("` or `", ", ").replace("`, `", ", ").replace('`', "");
        (path.to_string(), format!("Valeur « {named} » non reconnue ; valeurs possibles : {expected}."))
    } else if message.starts_with("invalid type") {
        let attendu = message.split("expected ").nth(1).unwrap_or("");
        let quoi = if attendu.contains("bool") {
            "un booléen (true ou false)"
        } else if attendu.contains("integer") || attendu.contains("i64") || attendu.contains("u64") || attendu.contains("i32") {
            "un nombre entier"
        } else if attendu.contains("f64") || attendu.contains("float") || attendu.contains("number") {
            "un nombre"
        } else if attendu.contains("string") || attendu.contains("date") {
            "un texte"
        } else if attendu.contains("sequence") {
            "une liste"
        } else if attendu.contains("map") || attendu.contains("struct") {
            "un objet"
        } else {
            "une autre sorte de valeur"
        };
        (path.to_string(), format!("Type de valeur incorrect : {quoi} est attendu."))
    } else if message.contains("premature end of input") || message.contains("input contains invalid characters") || message.contains("input is out of range") || message.contains("input is not enough for unique") || message.contains("trailing input") {
        (path.to_string(), "Date illisible : AAAA-MM-JJ attendu.".to_string())
    } else if message.contains("invalid digit") || message.contains("cannot parse integer") || message.contains("invalid float") || message.contains("number too large") || message.contains("too small") {
        (path.to_string(), "Nombre illisible ou hors limites.".to_string())
    } else if let Some(m) = message.split(crate::texte::MARQUE).nth(1) {
        (path.to_string(), m.to_string())
    } else {
        (path.to_string(), "Valeur illisible.".to_string())
    };
    FieldError::new(field, french)
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_overloaded_database_is_a_503_with_retry_after_whichever_way_it_came() {
        use sea_orm::sqlx;
        use sea_orm::RuntimeErr;
        let cas: Vec<AppError> = vec![
            DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout).into(),
            DbErr::Query(RuntimeErr::SqlxError(sqlx::Error::PoolTimedOut)).into(),
            DbErr::Exec(RuntimeErr::SqlxError(sqlx::Error::PoolClosed)).into(),
            AppError::Internal(anyhow::Error::new(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)).context("lecture du tableau de bord")),
            AppError::Internal(anyhow::Error::new(sqlx::Error::PoolTimedOut)),
        ];
        for erreur in cas {
            let r = erreur.into_response();
            assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(r.headers()[header::RETRY_AFTER], "5");
            assert_eq!(r.headers()[header::CONTENT_TYPE], "application/problem+json");
        }
        let autre = AppError::Internal(anyhow::anyhow!("autre chose")).into_response();
        assert_eq!((autre.status(), autre.headers().get(header::RETRY_AFTER)), (StatusCode::INTERNAL_SERVER_ERROR, None));
    }
    use super::*;

    #[test]
    fn serde_shape_errors_name_the_field_in_french() {
        let AppError::Invalid(e) = json_data_error("lots[0]: missing field `numero` at line 1 column 9") else { panic!() };
        assert_eq!(e, vec![FieldError::new("lots[0].numero", "Champ obligatoire manquant.")]);
        let AppError::Invalid(e) = json_data_error("sexe: unknown variant `X`, expected `F` or `M` at line 1 column 9") else { panic!() };
        assert_eq!(e[0].field, "sexe");
        assert_eq!(e[0].message, "Valeur « X » non reconnue ; valeurs possibles : F, M.");
        let AppError::Invalid(e) = json_data_error("missing field `nom` at line 1 column 2") else { panic!() };
        assert_eq!(e[0].field, "nom");
        let AppError::Invalid(e) = json_data_error("lots[0].prix: unknown field `prix`, expected one of `numero` at line 1 column 2") else { panic!() };
        assert_eq!(e[0].field, "lots[0].prix");
    }

    #[test]
    fn unique_violations_are_conflicts_and_internals_say_nothing() {
        let p = AppError::Internal(anyhow::anyhow!("password=secret")).problem();
        assert_eq!(p.status, 500);
        assert!(!p.detail.contains("secret"));
    }
}
