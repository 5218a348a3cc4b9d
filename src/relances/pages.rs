//! The facilitateurs' page of sends (`/envois`): what was sent to whom, when, and what
//! failed and why, with the same filters as `GET /api/v1/envois`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use entities::enums::StatutEnvoi;
use serde::Serialize;

use super::routes::{liste, EnvoisQuery};
use crate::auth::session::Connecte;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{page_erreur, render, ApiQuery};

pub fn routes() -> Router<AppState> {
    Router::new().route("/envois", get(page))
}

/// The name of each e-mail, as the facilitateur reads it.
pub fn libelle(kind: &str) -> &str {
    match kind {
        "rappel_declaration" => "Rappel de déclaration",
        "relance_declaration" => "Relance de déclaration",
        "derniere_relance_declaration" => "Dernière relance de déclaration",
        "declarations_en_retard" => "Entreprises en retard",
        "digest_facilitateur" => "Point de la semaine",
        "digest_referent" => "Point du trimestre (référent)",
        "avis_referent" => "Avis au référent",
        "suivi_six_mois" => "Suivi à 6 mois",
        "bilan_donneur_ordre" => "Bilan mensuel du donneur d'ordre",
        other => other,
    }
}

fn libelle_statut(s: StatutEnvoi) -> &'static str {
    match s {
        StatutEnvoi::EnAttente => "en attente",
        StatutEnvoi::Envoye => "envoyé",
        StatutEnvoi::Echec => "en échec, nouvel essai prévu",
        StatutEnvoi::Abandonne => "abandonné",
    }
}

fn heure(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Paris).format("%d/%m/%Y %H:%M").to_string()
}

#[derive(Serialize)]
struct Ligne {
    id: i64,
    quoi: String,
    destinataire: String,
    periode: String,
    sujet: String,
    statut_code: String,
    statut: &'static str,
    tentatives: i32,
    erreur: Option<String>,
    quand: String,
    prochain_essai: Option<String>,
}

/// The page's filters, as a browser sends them (`statut=` empty for all).
#[derive(serde::Deserialize)]
struct Filtres {
    statut: Option<String>,
    page: Option<u64>,
}

async fn page(State(state): State<AppState>, connecte: Connecte, ApiQuery(f): ApiQuery<Filtres>) -> Result<Response, AppError> {
    let statut = f.statut.filter(|s| !s.is_empty()).and_then(|s| serde_json::from_value::<StatutEnvoi>(serde_json::Value::String(s)).ok());
    let q = EnvoisQuery { statut, destinataire: None, kind: None, page: f.page.filter(|p| *p > 0), par_page: Some(50) };
    let page = match liste(&state, &connecte.acteur, &q).await {
        Err(AppError::Forbidden) => {
            return page_erreur(&state, Some(&connecte), StatusCode::FORBIDDEN, "Accès refusé", "Cette page est réservée aux facilitateurs et aux administrateurs de la structure.");
        }
        other => other?,
    };
    let lignes: Vec<Ligne> = page
        .items
        .into_iter()
        .map(|e| Ligne {
            id: e.id,
            quoi: libelle(&e.kind).to_string(),
            destinataire: e.destinataire,
            periode: e.periode,
            sujet: e.sujet,
            statut_code: crate::text::code(e.statut),
            statut: libelle_statut(e.statut),
            tentatives: e.tentatives,
            erreur: e.derniere_erreur,
            quand: heure(e.envoye_at.unwrap_or(e.created_at)),
            prochain_essai: e.prochain_essai_at.map(heure),
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("lignes", &lignes);
    ctx.insert("total", &page.total);
    ctx.insert("page", &page.page);
    ctx.insert("pages", &page.total.div_ceil(page.par_page).max(1));
    ctx.insert("statut", &q.statut.map(crate::text::code).unwrap_or_default());
    ctx.insert("statuts", &[("", "tous"), ("envoye", "envoyés"), ("en_attente", "en attente"), ("echec", "en échec"), ("abandonne", "abandonnés")]);
    Ok(render(&state, "relances/envois.html", Some(&connecte), ctx)?.into_response())
}
