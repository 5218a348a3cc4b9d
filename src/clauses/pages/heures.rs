//! The pages of the monthly hours of clause contrats, on the same services as the API
//! (so the rules, the rights and the French messages are the API's):
//! - `/declarations?mois=AAAA-MM`: the contrats whose hours of a month are still to
//!   declare (or to correct), each with its form. A company sees the contrats it employs
//!   — the list its reminder e-mail gave; facilitateurs and admins the whole
//!   structure's, with the employer. Each declaration is a new revision
//!   (`PUT /api/v1/contrats/{id}/heures/{mois}`).
//! - `/validations`: for facilitateurs and admins, the months declared and waiting, each
//!   to validate or to send back with a reason
//!   (`POST /api/v1/contrats/{id}/heures/{mois}/validation`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Months, NaiveDate};
use entities::enums::Role;
use serde::{Deserialize, Serialize};

use crate::auth::session::Connecte;
use crate::error::AppError;
use crate::parcours::forms::HeuresInput;
use crate::parcours::limites::{format_mois, parse_mois, premier_du_mois};
use crate::relances::declarations::contrats_a_declarer;
use crate::state::AppState;
use crate::web::liste::{contient, Params};
use crate::web::{page_erreur, render, ApiForm, ApiQuery};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/declarations", get(page).post(declarer)).route("/validations", get(page_validations).post(decider))
}

#[derive(Deserialize)]
struct Choix {
    mois: Option<String>,
    /// The contrat just declared (after the redirect).
    fait: Option<i64>,
}

/// One declaration as the browser posts it (hours with a comma or a point).
#[derive(Deserialize)]
struct Saisie {
    csrf: String,
    contrat_id: i64,
    mois: String,
    heures_travail: String,
    #[serde(default)]
    heures_formation: String,
}

#[derive(Serialize)]
struct Ligne {
    contrat_id: i64,
    participant: String,
    poste: String,
    employeur: String,
    etat: &'static str,
    /// What was typed and refused, with why.
    heures_travail: String,
    heures_formation: String,
    erreurs: Vec<String>,
}

const ROLES: &[Role] = &[Role::Entreprise, Role::Facilitateur, Role::Admin];

/// The month shown: the one asked, else the month before today's (the one reminders are about).
fn mois_choisi(state: &AppState, mois: Option<&str>) -> Result<NaiveDate, String> {
    match mois.filter(|m| !m.is_empty()) {
        Some(m) => parse_mois(m).ok_or_else(|| format!("Mois « {m} » illisible : AAAA-MM attendu.")),
        None => Ok(premier_du_mois(state.clock.today()) - Months::new(1)),
    }
}

async fn page(State(state): State<AppState>, connecte: Connecte, ApiQuery(choix): ApiQuery<Choix>) -> Result<Response, AppError> {
    let mois = match mois_choisi(&state, choix.mois.as_deref()) {
        Ok(m) => m,
        Err(message) => return page_erreur(&state, Some(&connecte), StatusCode::BAD_REQUEST, "Mois illisible", &message),
    };
    afficher(&state, &connecte, mois, choix.fait, None).await
}

/// Renders the page; `refus`: the contrat whose declaration was refused, what was typed
/// and why.
async fn afficher(state: &AppState, connecte: &Connecte, mois: NaiveDate, fait: Option<i64>, refus: Option<(&Saisie, Vec<String>)>) -> Result<Response, AppError> {
    if !ROLES.contains(&connecte.acteur.role) {
        return page_erreur(state, Some(connecte), StatusCode::FORBIDDEN, "Accès refusé", "Les déclarations d'heures sont faites par les entreprises, les facilitateurs et les administrateurs.");
    }
    let acteur = &connecte.acteur;
    let mut contrats = contrats_a_declarer(&state.db, acteur, mois).await?;
    if acteur.role == Role::Entreprise {
        contrats.retain(|c| Some(c.employeur_id) == acteur.entreprise_id);
    }
    let ids: Vec<i64> = contrats.iter().map(|c| c.employeur_id).collect();
    let noms = crate::clauses::service::noms_entreprises(&state.db, acteur, ids).await?;
    let lignes: Vec<Ligne> = contrats
        .into_iter()
        .map(|c| {
            let (travail, formation, erreurs) = match &refus {
                Some((s, e)) if s.contrat_id == c.contrat_id => (s.heures_travail.clone(), s.heures_formation.clone(), e.clone()),
                _ => (String::new(), String::new(), Vec::new()),
            };
            Ligne { contrat_id: c.contrat_id, participant: c.participant, poste: c.poste, employeur: noms.get(&c.employeur_id).cloned().unwrap_or_default(), etat: c.etat, heures_travail: travail, heures_formation: formation, erreurs }
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("mois", &format_mois(mois));
    let mois_fr = crate::text::mois_fr(mois);
    // « d'avril », « d'août », « d'octobre », « de juin ».
    let de = if mois_fr.starts_with(['a', 'o']) { "d'" } else { "de " };
    ctx.insert("de_mois", &format!("{de}{mois_fr}"));
    ctx.insert("mois_fr", &mois_fr);
    ctx.insert("lignes", &lignes);
    ctx.insert("gestion", &(acteur.role != Role::Entreprise));
    ctx.insert("fait", &fait.is_some());
    let status = if refus.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(state, "clauses/declarations.html", Some(connecte), ctx)?).into_response())
}

/// Hours typed in French (`151,75`) or not at all (0).
fn heures(champ: &str, texte: &str, erreurs: &mut Vec<String>) -> f64 {
    let t = texte.trim().replace(',', ".");
    if t.is_empty() {
        return 0.0;
    }
    t.parse::<f64>().unwrap_or_else(|_| {
        erreurs.push(format!("{champ} : « {} » n'est pas un nombre d'heures (par exemple 151,75).", texte.trim()));
        0.0
    })
}

/// The page refusing a form that does not carry the session's CSRF token.
fn formulaire_etranger(state: &AppState, connecte: &Connecte) -> Result<Response, AppError> {
    page_erreur(state, Some(connecte), StatusCode::FORBIDDEN, "Formulaire expiré", "Ce formulaire ne vient pas de votre session : rechargez la page puis recommencez.")
}

/// The page answering a contrat the caller may not reach.
fn contrat_introuvable(state: &AppState, connecte: &Connecte) -> Result<Response, AppError> {
    page_erreur(state, Some(connecte), StatusCode::NOT_FOUND, "Contrat introuvable", "Ce contrat n'existe pas ou ne vous concerne pas.")
}

async fn declarer(State(state): State<AppState>, connecte: Connecte, ApiForm(saisie): ApiForm<Saisie>) -> Result<Response, AppError> {
    if saisie.csrf != connecte.csrf {
        return formulaire_etranger(&state, &connecte);
    }
    let mois = match mois_choisi(&state, Some(&saisie.mois)) {
        Ok(m) => m,
        Err(message) => return page_erreur(&state, Some(&connecte), StatusCode::BAD_REQUEST, "Mois illisible", &message),
    };
    let mut erreurs = Vec::new();
    let travail = heures("Heures de travail", &saisie.heures_travail, &mut erreurs);
    let formation = heures("Heures de formation", &saisie.heures_formation, &mut erreurs);
    if !erreurs.is_empty() {
        return afficher(&state, &connecte, mois, None, Some((&saisie, erreurs))).await;
    }
    let input = HeuresInput { heures_travail: travail, heures_formation: formation, motif: None, revision: None, brouillon: false, attestation: true };
    match crate::parcours::service::declarer_heures(&state.db, &state.clock, &connecte.acteur, saisie.contrat_id, &format_mois(mois), input).await {
        Ok(_) => Ok(Redirect::to(&format!("/declarations?mois={}&fait={}", format_mois(mois), saisie.contrat_id)).into_response()),
        Err(AppError::Invalid(champs)) => afficher(&state, &connecte, mois, None, Some((&saisie, champs.into_iter().map(|c| c.message).collect()))).await,
        Err(AppError::Conflict(message)) => afficher(&state, &connecte, mois, None, Some((&saisie, vec![message]))).await,
        Err(AppError::NotFound) => contrat_introuvable(&state, &connecte),
        Err(AppError::Forbidden) => page_erreur(&state, Some(&connecte), StatusCode::FORBIDDEN, "Accès refusé", "Vous ne pouvez pas déclarer les heures de ce contrat."),
        Err(autre) => Err(autre),
    }
}

/// A decision as the browser posts it.
#[derive(Deserialize)]
struct Decision {
    csrf: String,
    contrat_id: i64,
    mois: String,
    /// The revision shown: deciding on a month declared again since is refused.
    revision: i32,
    decision: String,
    #[serde(default)]
    motif: String,
}


#[derive(Serialize)]
struct AValider {
    contrat_id: i64,
    mois: String,
    mois_fr: String,
    revision: i32,
    employeur: String,
    participant: String,
    poste: String,
    heures_travail: String,
    heures_formation: String,
    motif: String,
    erreurs: Vec<String>,
}

async fn page_validations(State(state): State<AppState>, connecte: Connecte, ApiQuery(query): ApiQuery<std::collections::BTreeMap<String, String>>) -> Result<Response, AppError> {
    let p = Params::lire("/validations", &query, TRIS_VALIDATIONS);
    afficher_validations(&state, &connecte, &p, query.get("fait").map(String::as_str), None).await
}

/// The validation queue's sorts: oldest month first by default.
const TRIS_VALIDATIONS: &[&str] = &["mois", "employeur", "salarie"];

/// The page refusing the validation of hours to other roles than gestion.
fn validation_refusee(state: &AppState, connecte: &Connecte) -> Result<Response, AppError> {
    page_erreur(state, Some(connecte), StatusCode::FORBIDDEN, "Accès refusé", "La validation des heures est réservée aux facilitateurs et aux administrateurs de la structure.")
}

/// Renders the months waiting for a decision; `refus`: the decision refused and why.
async fn afficher_validations(state: &AppState, connecte: &Connecte, p: &Params, fait: Option<&str>, refus: Option<(&Decision, Vec<String>)>) -> Result<Response, AppError> {
    let acteur = &connecte.acteur;
    if !crate::auth::GESTION.contains(&acteur.role) {
        return validation_refusee(state, connecte);
    }
    let mois = crate::relances::declarations::declarations_a_valider(&state.db, acteur).await?;
    let noms = crate::clauses::service::noms_entreprises(&state.db, acteur, mois.iter().map(|(_, c)| c.employeur_id).collect()).await?;
    let personnes = crate::parcours::service::noms_courts(&state.db, acteur, mois.iter().map(|(_, c)| c.participant_id).collect()).await?;
    let lignes: Vec<AValider> = mois
        .into_iter()
        .map(|(h, c)| {
            let (motif, erreurs) = match &refus {
                Some((d, e)) if d.contrat_id == c.id && d.mois == format_mois(h.mois) => (d.motif.clone(), e.clone()),
                _ => (String::new(), Vec::new()),
            };
            AValider {
                contrat_id: c.id,
                mois: format_mois(h.mois),
                mois_fr: crate::text::mois_fr(h.mois),
                revision: h.revision,
                employeur: noms.get(&c.employeur_id).cloned().unwrap_or_default(),
                participant: personnes.get(&c.participant_id).cloned().unwrap_or_default(),
                poste: c.poste,
                heures_travail: crate::parcours::limites::heures_fr(i64::from(h.minutes_travail)),
                heures_formation: crate::parcours::limites::heures_fr(i64::from(h.minutes_formation)),
                motif,
                erreurs,
            }
        })
        .collect();
    // Search (employer, person, job), sort, pages.
    let mut lignes: Vec<AValider> = lignes.into_iter().filter(|l| contient(&format!("{} {} {}", l.employeur, l.participant, l.poste), &p.q)).collect();
    let cle = |l: &AValider| match p.tri.as_str() {
        "employeur" => (l.employeur.to_lowercase(), l.mois.clone()),
        "salarie" => (l.participant.to_lowercase(), l.mois.clone()),
        _ => (l.mois.clone(), l.employeur.to_lowercase()),
    };
    lignes.sort_by_key(|l| (cle(l), l.contrat_id));
    if p.desc {
        lignes.reverse();
    }
    let (lignes, pagination) = p.tranche(lignes);
    let mut ctx = tera::Context::new();
    ctx.insert("lignes", &lignes);
    ctx.insert("pagination", &pagination);
    ctx.insert("colonnes", &p.colonnes(&[("mois", "Mois"), ("employeur", "Employeur"), ("salarie", "Salarié")]));
    ctx.insert("q", &p.q);
    ctx.insert("fait", &fait);
    let status = if refus.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(state, "clauses/validations.html", Some(connecte), ctx)?).into_response())
}

async fn decider(State(state): State<AppState>, connecte: Connecte, ApiForm(d): ApiForm<Decision>) -> Result<Response, AppError> {
    if d.csrf != connecte.csrf {
        return formulaire_etranger(&state, &connecte);
    }
    let decision = match d.decision.as_str() {
        "validee" => crate::parcours::forms::Decision::Validee,
        "a_corriger" => crate::parcours::forms::Decision::ACorriger,
        autre => return page_erreur(&state, Some(&connecte), StatusCode::BAD_REQUEST, "Décision inconnue", &format!("« {autre} » : valider ou renvoyer pour correction.")),
    };
    let input = crate::parcours::forms::ValidationInput { decision, motif: Some(d.motif.clone()).filter(|m| !m.trim().is_empty()), revision: Some(d.revision) };
    match crate::parcours::service::decider_heures(&state.db, &state.clock, &connecte.acteur, d.contrat_id, &d.mois, input).await {
        Ok(h) => {
            let quoi = if h.statut == entities::enums::StatutDeclaration::Validee { "validees" } else { "renvoyees" };
            Ok(Redirect::to(&format!("/validations?fait={quoi}")).into_response())
        }
        Err(AppError::Invalid(champs)) => afficher_validations(&state, &connecte, &Params::lire("/validations", &Default::default(), TRIS_VALIDATIONS), None, Some((&d, champs.into_iter().map(|c| c.message).collect()))).await,
        Err(AppError::Conflict(message)) => afficher_validations(&state, &connecte, &Params::lire("/validations", &Default::default(), TRIS_VALIDATIONS), None, Some((&d, vec![message]))).await,
        Err(AppError::NotFound) => contrat_introuvable(&state, &connecte),
        Err(AppError::Forbidden) => validation_refusee(&state, &connecte),
        Err(autre) => Err(autre),
    }
}
