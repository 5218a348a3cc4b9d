//! The forms of a participant's record, on the parcours services (the same rules, rights
//! and French messages as the API): verify a criterion and withdraw one, record an étape,
//! record a sortie (its category computed by the structure's protocole, with each rule's
//! explanation shown on the record), change the référent. Each goes back to the record
//! with what was done, or shows the record again with the refusal next to the field.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use entities::enums::{CodeCritere, Role, TypeEtape};

use super::forms::{CritereInput, EtapeInput, SortieInput, SuiviInput};
use super::service::{contrats, criteres, etapes, participants, sorties};
use crate::auth::session::Connecte;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::formulaire::Formulaire;
use crate::web::{flash, ApiForm, ApiPath};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/participants/{id}/criteres", post(critere))
        .route("/participants/{id}/criteres/{critere}/retrait", post(retrait))
        .route("/participants/{id}/etapes", post(etape))
        .route("/participants/{id}/sorties", post(sortie))
        .route("/participants/{id}/referent", post(referent))
        .route("/participants/{id}/suivis/{contrat}", post(suivi))
}

const SUIVI: &[Role] = &[Role::Admin, Role::Facilitateur, Role::Referent];

/// Back to the record with `message`, or the record again with the form `nom` and its
/// errors (the service's refusal next to its field, `champ` for a conflict).
async fn conclure(state: &AppState, c: &Connecte, id: i64, nom: &'static str, mut f: Formulaire, resultat: Option<Result<String, AppError>>, champ: &str) -> Result<Response, AppError> {
    match resultat {
        Some(Ok(message)) => return Ok(flash::rediriger(&format!("/participants/{id}"), &message)),
        Some(Err(e)) => f.refus(e, champ)?,
        None => {}
    }
    super::pages::page_fiche(state, c, id, BTreeMap::from([(nom, f)]), None, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn critere(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, SUIVI, valeurs)?;
    let code: Option<CodeCritere> = f.code("code");
    let date_verification = f.date_obligatoire("date_verification");
    let justificatif = f.obligatoire("justificatif");
    let (libelle, justification, valide_jusqu_au) = (f.option("libelle"), f.option("justification"), f.date("valide_jusqu_au"));
    let resultat = match code {
        Some(code) if f.valide() => {
            let input = CritereInput { code, date_verification, justificatif, libelle, justification, valide_jusqu_au };
            Some(criteres::ajouter_critere(&state.db, &state.clock, &c.acteur, id, input).await.map(|k| format!("Critère « {} » vérifié.", crate::libelles::de("critere", k.code))))
        }
        _ => None,
    };
    conclure(&state, &c, id, "critere", f, resultat, "code").await
}

async fn retrait(State(state): State<AppState>, c: Connecte, ApiPath((id, critere)): ApiPath<(i64, i64)>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, SUIVI, valeurs)?;
    let motif = f.obligatoire("motif");
    let resultat = if f.valide() { Some(criteres::retirer_critere(&state.db, &state.clock, &c.acteur, id, critere, &motif).await.map(|k| format!("Critère « {} » retiré.", crate::libelles::de("critere", k.code)))) } else { None };
    conclure(&state, &c, id, "retrait", f, resultat, "motif").await
}

async fn etape(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, SUIVI, valeurs)?;
    let type_: Option<TypeEtape> = f.code("type");
    let intitule = f.obligatoire("intitule");
    let date_debut = f.date_obligatoire("date_debut");
    let input = EtapeInput { type_: type_.unwrap_or(TypeEtape::AccueilDiagnostic), sous_type: f.option("sous_type"), intitule, date_debut, date_fin: f.date("date_fin"), resultat: f.option("resultat"), heures_formation: f.nombre("heures_formation"), certification: f.option("certification") };
    let resultat = if f.valide() { Some(etapes::ajouter_etape(&state.db, &state.clock, &c.acteur, id, input).await.map(|e| format!("Étape « {} » enregistrée.", e.intitule))) } else { None };
    conclure(&state, &c, id, "etape", f, resultat, "type").await
}

async fn sortie(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, SUIVI, valeurs)?;
    let date_sortie = f.date_obligatoire("date_sortie");
    let situation = f.obligatoire("situation");
    let input = SortieInput { date_sortie, situation, commentaire: f.option("commentaire") };
    let resultat = if f.valide() {
        Some(sorties::enregistrer_sortie(&state.db, &state.clock, &c.acteur, id, input).await.map(|s| format!("Sortie enregistrée : {}.", crate::libelles::de("categorie_sortie", s.categorie))))
    } else {
        None
    };
    conclure(&state, &c, id, "sortie", f, resultat, "situation").await
}

async fn referent(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, crate::auth::GESTION, valeurs)?;
    let referent_id = f.id("referent_id");
    let resultat = if f.valide() { Some(participants::changer_referent(&state.db, &state.clock, &c.acteur, id, referent_id).await.map(|_| if referent_id.is_some() { "Référent changé.".to_string() } else { "Le participant n'a plus de référent.".to_string() })) } else { None };
    conclure(&state, &c, id, "referent", f, resultat, "referent_id").await
}

async fn suivi(State(state): State<AppState>, c: Connecte, ApiPath((id, contrat)): ApiPath<(i64, i64)>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, SUIVI, valeurs)?;
    // The contrat must be this participant's (and readable by the caller).
    let k = contrats::get_contrat(&state.db, &c.acteur, contrat).await?;
    if k.participant_id != id {
        return Err(AppError::NotFound);
    }
    let situation: Option<entities::enums::SituationSuivi> = f.code("situation");
    let date_realisation = f.date_obligatoire("date_realisation");
    let commentaire = f.option("commentaire");
    let resultat = match situation {
        Some(situation) if f.valide() => Some(contrats::renseigner_suivi(&state.db, &state.clock, &c.acteur, contrat, SuiviInput { situation, date_realisation, commentaire }).await.map(|_| "Suivi à six mois enregistré.".to_string())),
        _ => None,
    };
    conclure(&state, &c, id, "suivi", f, resultat, "situation").await
}
