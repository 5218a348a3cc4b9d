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
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1).split_for_parts();
    // Once every route is in: the statuses they all share.
    ReponsesCommunes.modify(&mut doc);
    (router, doc)
}

/// What every operation may answer besides its own statuses, documented once: errors are
/// `application/problem+json`; a route behind a token answers 401; a body can be 400
/// (malformed), 413 (too large), 415 (not JSON) and 422; any route 503 when the database
/// cannot be reached; logging in 429; the bilans also come as CSV, XLSX and XML.
struct ReponsesCommunes;

impl Modify for ReponsesCommunes {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let probleme = |description: &str| -> RefOr<utoipa::openapi::Response> {
            RefOr::T(ResponseBuilder::new().description(description).content("application/problem+json", ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build()).build())
        };
        for (chemin, item) in openapi.paths.paths.iter_mut() {
            for op in [&mut item.get, &mut item.post, &mut item.put, &mut item.delete].into_iter().flatten() {
                let reponses = &mut op.responses.responses;
                // The statuses each operation declared with `body = Problem` are problem+json.
                for r in reponses.values_mut() {
                    if let RefOr::T(r) = r {
                        let est_probleme = r.content.get("application/json").is_some_and(|c| matches!(&c.schema, Some(RefOr::Ref(x)) if x.ref_location.ends_with("/Problem")));
                        if est_probleme {
                            if let Some(c) = r.content.shift_remove("application/json") {
                                r.content.insert("application/problem+json".into(), c);
                            }
                        }
                    }
                }
                let public = chemin.ends_with("/auth/token") || chemin.ends_with("/auth/mot-de-passe-oublie");
                let mut ajouter = |code: &str, description: &str| {
                    reponses.entry(code.to_string()).or_insert_with(|| probleme(description));
                };
                if !public {
                    ajouter("401", "Jeton absent, invalide, expiré ou révoqué.");
                } else {
                    ajouter("429", "Trop de tentatives : réessayer après Retry-After secondes.");
                }
                ajouter("400", "Requête illisible (JSON ou paramètres).");
                if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || op.request_body.is_some() {
                    ajouter("422", "Données invalides, champ par champ, en français ; rien n'est écrit.");
                }
                if op.request_body.is_some() {
                    ajouter("413", "Corps de la requête trop volumineux (2 Mo au plus).");
                    ajouter("415", "Le corps doit être du JSON (Content-Type: application/json).");
                }
                ajouter("503", "La base de données ne répond pas ; réessayer plus tard.");
                if chemin.ends_with("/bilan") {
                    if let Some(RefOr::T(ok)) = reponses.get_mut("200") {
                        for (media, _) in [("text/csv", ()), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ()), ("application/xml", ())] {
                            ok.content.entry(media.to_string()).or_insert_with(|| ContentBuilder::new().build());
                        }
                    }
                }
            }
        }
    }
}
