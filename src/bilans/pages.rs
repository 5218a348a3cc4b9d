//! The bilan of an opération as a web page (`/operations/{id}/bilan`): the figures,
//! an SVG chart of the hours month by month, the breakdowns, and the same bilan to
//! download (CSV, XLSX, XML) for the logged-in user. Same service, same rights, same
//! masking as the API.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::model::{Bilan, Ventilation};
use super::routes::{rendre, BilanQuery};
use super::service::{self, Cible};
use crate::auth::session::Connecte;
use crate::error::AppError;
use crate::state::AppState;
use crate::text::heures_fr;
use crate::web::{page_erreur, render, ApiPath, ApiQuery};

pub fn routes() -> Router<AppState> {
    Router::new().route("/operations/{id}/bilan", get(page_operation))
}

#[derive(Serialize)]
struct Ligne {
    cle: String,
    contrats: String,
    participants: String,
    heures_retenues: String,
}

#[derive(Serialize)]
struct Tableau {
    titre: &'static str,
    lignes: Vec<Ligne>,
}

#[derive(Serialize)]
struct Barre {
    x: f64,
    largeur: f64,
    y_realisees: f64,
    h_realisees: f64,
    y_retenues: f64,
    h_retenues: f64,
    mois: String,
    titre: String,
}

/// The chart's geometry: bars of réalisées (light) and retenues (dark) per month.
const LARGEUR: f64 = 640.0;
const HAUTEUR: f64 = 180.0;

fn barres(b: &Bilan) -> Vec<Barre> {
    let max = b.par_mois.iter().map(|m| m.heures_realisees.max(m.heures_retenues)).fold(0.0, f64::max);
    if b.par_mois.is_empty() || max <= 0.0 {
        return Vec::new();
    }
    let pas = LARGEUR / b.par_mois.len() as f64;
    let hauteur = |h: f64| (h / max * HAUTEUR * 100.0).round() / 100.0;
    b.par_mois
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (hr, ht) = (hauteur(m.heures_realisees), hauteur(m.heures_retenues));
            Barre {
                x: (i as f64 * pas * 100.0).round() / 100.0 + 1.0,
                largeur: (pas - 2.0).max(1.0),
                y_realisees: HAUTEUR - hr,
                h_realisees: hr,
                y_retenues: HAUTEUR - ht,
                h_retenues: ht,
                mois: crate::parcours::limites::parse_mois(&m.mois).map(crate::text::mois_fr).unwrap_or_else(|| m.mois.clone()),
                titre: format!("{} : {} réalisées, {} retenues", crate::parcours::limites::parse_mois(&m.mois).map(crate::text::mois_fr).unwrap_or_else(|| m.mois.clone()), heures_fr(m.heures_realisees), heures_fr(m.heures_retenues)),
            }
        })
        .collect()
}

fn tableau(titre: &'static str, kind: &str, v: &BTreeMap<String, Ventilation>) -> Tableau {
    Tableau {
        titre,
        lignes: v
            .iter()
            .map(|(k, c)| Ligne { cle: crate::libelles::ou_texte(kind, k), contrats: c.contrats.texte(), participants: c.participants.texte(), heures_retenues: crate::bilans::model::heures_ou_masque(c.heures_retenues, heures_fr) })
            .collect(),
    }
}

async fn page_operation(State(state): State<AppState>, connecte: Connecte, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<BilanQuery>) -> Result<Response, AppError> {
    let erreur = |status: StatusCode, titre: &str, message: &str| page_erreur(&state, Some(&connecte), status, titre, message);
    let periode = match service::periode(q.du, q.au) {
        Ok(p) => p,
        Err(AppError::Invalid(errors)) => {
            let message = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" ");
            return erreur(StatusCode::UNPROCESSABLE_ENTITY, "Période invalide", &message);
        }
        Err(e) => return Err(e),
    };
    let b = match service::bilan(&state.db, &connecte.acteur, Cible::Operation(id), periode).await {
        Ok(b) => b,
        Err(AppError::Forbidden) => return erreur(StatusCode::FORBIDDEN, "Accès refusé", "Votre rôle ne donne pas accès à ce bilan."),
        Err(AppError::NotFound) => return erreur(StatusCode::NOT_FOUND, "Bilan introuvable", "Cette opération n'existe pas ou n'est pas suivie par votre structure."),
        Err(e) => return Err(e),
    };
    if let Some(format) = q.format {
        return rendre(&b, format);
    }
    let mut ctx = tera::Context::new();
    ctx.insert("nom", &b.perimetre.nom);
    // The breadcrumb links only to what the role may open (a donneur d'ordre reaches its
    // bilans from its home page).
    let fil = if crate::auth::GESTION.contains(&connecte.acteur.role) {
        vec![("Opérations".to_string(), "/operations".to_string()), (b.perimetre.nom.clone(), format!("/operations/{id}")), ("Bilan".to_string(), String::new())]
    } else {
        vec![(format!("Bilan de « {} »", b.perimetre.nom), String::new())]
    };
    ctx.insert("fil", &fil);
    ctx.insert("id", &id);
    ctx.insert("du", &b.periode.du.map(|d| d.to_string()).unwrap_or_default());
    ctx.insert("au", &b.periode.au.map(|d| d.to_string()).unwrap_or_default());
    ctx.insert("objectif", &heures_fr(b.heures_objectif));
    ctx.insert("realisees", &heures_fr(b.heures_realisees));
    ctx.insert("retenues", &heures_fr(b.heures_retenues));
    ctx.insert("ecart", &heures_fr(b.ecart));
    ctx.insert("taux", &crate::text::pourcent_fr(b.taux_realisation));
    ctx.insert("taux_largeur", &((b.taux_realisation.clamp(0.0, 1.0) * 400.0).round()));
    ctx.insert("participants", &b.participants.texte());
    ctx.insert("contrats", &b.contrats.texte());
    ctx.insert("entreprises", &b.entreprises);
    ctx.insert("non_retenues", &[
        ("personne non éligible", heures_fr(b.heures_non_retenues.non_eligible)),
        ("hors période de la clause", heures_fr(b.heures_non_retenues.hors_periode)),
        ("au-delà du plafond mensuel", heures_fr(b.heures_non_retenues.plafond)),
    ]);
    ctx.insert("barres", &barres(&b));
    ctx.insert("largeur", &LARGEUR);
    ctx.insert("hauteur", &HAUTEUR);
    let tableaux: Vec<Tableau> = b.ventilations().into_iter().map(|(_, titre, genre, table)| tableau(titre, genre, table)).collect();
    ctx.insert("tableaux", &tableaux);
    let public: Vec<(String, String)> = b.par_public.iter().map(|(k, c)| (crate::libelles::public(k), c.texte())).collect();
    ctx.insert("public", &public);
    Ok(render(&state, "bilans/operation.html", Some(&connecte), ctx)?.into_response())
}
