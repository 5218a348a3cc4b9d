//! The REST API v1: every module's routes nested under `/api/v1`, and the OpenAPI
//! document generated from them (served at `/api/openapi.json`).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Clausier API", description = "Clauses sociales d'insertion et parcours des participants. Erreurs en application/problem+json (RFC 9457), messages en français."),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Jetons d'accès"),
        (name = "parcours", description = "Cœur parcours : participants, critères, étapes, contrats, heures, sorties"),
        (name = "clauses", description = "Donneurs d'ordre, opérations, marchés, clauses, entreprises"),
        (name = "bilans", description = "Bilans par périmètre : JSON, CSV, XLSX, XML"),
        (name = "relances", description = "E-mails envoyés par les relances : à qui, quand, échecs"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// The API router (paths relative to `/api/v1`) and its OpenAPI document.
pub fn router() -> (axum::Router<AppState>, OpenApiDoc) {
    let v1 = OpenApiRouter::new()
        .merge(crate::auth::routes::routes())
        .merge(crate::auth::comptes::routes())
        .merge(crate::parcours::routes())
        .merge(crate::clauses::routes())
        .merge(crate::bilans::routes())
        .merge(crate::relances::routes::routes())
        .merge(crate::audit::routes());
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1).split_for_parts()
}
