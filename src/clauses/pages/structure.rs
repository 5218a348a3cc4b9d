//! `/reglages`: the structure's settings, read by facilitateurs, changed by
//! administrators, in two forms on two services (each written alone, in its own
//! transaction): the parcours settings (eligibility window, hour caps, follow-up delay,
//! retention) and the clause follow-up (progress thresholds, reminders on or off).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use entities::enums::Role;

use crate::auth::session::Connecte;
use crate::auth::GESTION;
use crate::clauses::parametres::{relances_du_formulaire, relances_en_champs, seuils_du_formulaire, seuils_en_champs, ParametresSuivi, RELANCES};
use crate::clauses::service;
use crate::comptage::regles::SeuilsAvancement;
use crate::error::AppError;
use crate::parcours::parametres::ParametresParcours;
use crate::state::AppState;
use crate::web::formulaire::Formulaire;
use crate::web::{fil, flash, render, ApiForm};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/reglages", get(page).post(enregistrer_parcours)).route("/reglages/suivi", post(enregistrer_suivi))
}

/// The parcours settings as a form (values as typed).
fn formulaire_parcours(p: &ParametresParcours) -> Formulaire {
    Formulaire::de(BTreeMap::from([
        ("eligibilite_mois".to_string(), p.eligibilite_mois.to_string()),
        ("heures_max_semaine".to_string(), p.heures_max_semaine.to_string()),
        ("heures_max_jour_ouvre".to_string(), p.heures_max_jour_ouvre.to_string()),
        ("suivi_mois_apres_fin".to_string(), p.suivi_mois_apres_fin.to_string()),
        ("anonymisation_annees".to_string(), p.anonymisation_annees.to_string()),
    ]))
}

fn formulaire_suivi(p: &ParametresSuivi) -> Formulaire {
    let mut v = BTreeMap::new();
    seuils_en_champs("avancement", &p.avancement, &mut v);
    relances_en_champs(&p.relances, &mut v);
    Formulaire::de(v)
}

/// The page, one of its forms possibly sent back with its errors.
async fn afficher(state: &AppState, c: &Connecte, parcours: Option<Formulaire>, suivi: Option<Formulaire>, status: StatusCode) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let fp = match parcours {
        Some(f) => f,
        None => formulaire_parcours(&crate::parcours::service::parametres(&state.db, c.acteur.structure_id).await?),
    };
    let fs = match suivi {
        Some(f) => f,
        None => formulaire_suivi(&service::parametres_suivi(&state.db, c.acteur.structure_id).await?),
    };
    let mut defauts = BTreeMap::new();
    seuils_en_champs("avancement", &SeuilsAvancement::default(), &mut defauts);
    let mut ctx = tera::Context::new();
    ctx.insert("f", &fp);
    ctx.insert("fs", &fs);
    ctx.insert("defauts", &defauts);
    ctx.insert("relances", &relances(state));
    ctx.insert("admin", &(c.acteur.role == Role::Admin));
    ctx.insert("fil", &fil(&[("Réglages de la structure", "")]));
    Ok((status, render(state, "clauses/structure.html", Some(c), ctx)?).into_response())
}

/// A reminder of the form: its check box and when the server next runs it.
#[derive(serde::Serialize)]
struct Relance {
    champ: String,
    libelle: &'static str,
    prochain: String,
}

fn relances(state: &AppState) -> Vec<Relance> {
    let now = state.clock.now();
    RELANCES
        .iter()
        .map(|(tache, libelle)| {
            let prochain = match state.settings.jobs.horaires.get(*tache).map(|e| e.trim()) {
                None | Some("off") => "Arrêté sur le serveur pour toutes les structures.".to_string(),
                Some(e) => match jobs::Schedule::parse(e).ok().and_then(|s| s.next_after(now)) {
                    Some(t) => format!("Prochain passage : {}.", crate::text::horodatage_fr(t)),
                    None => "Horaire du serveur illisible.".to_string(),
                },
            };
            Relance { champ: format!("relances.{tache}"), libelle, prochain }
        })
        .collect()
}

async fn page(State(state): State<AppState>, c: Connecte) -> Result<Response, AppError> {
    afficher(&state, &c, None, None, StatusCode::OK).await
}

async fn enregistrer_parcours(State(state): State<AppState>, c: Connecte, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, &[Role::Admin], valeurs)?;
    let entier = |f: &mut Formulaire, champ: &str| -> u32 {
        match f.nombre(champ) {
            Some(x) if x.fract() == 0.0 && (0.0..=1000.0).contains(&x) => x as u32,
            Some(_) => {
                f.erreur(champ, "Nombre entier attendu.");
                0
            }
            None => {
                f.erreur(champ, "Ce champ est obligatoire.");
                0
            }
        }
    };
    let p = ParametresParcours {
        eligibilite_mois: entier(&mut f, "eligibilite_mois"),
        heures_max_semaine: entier(&mut f, "heures_max_semaine"),
        heures_max_jour_ouvre: entier(&mut f, "heures_max_jour_ouvre"),
        suivi_mois_apres_fin: entier(&mut f, "suivi_mois_apres_fin"),
        anonymisation_annees: entier(&mut f, "anonymisation_annees"),
    };
    if f.valide() {
        match crate::parcours::service::set_parametres(&state.db, &state.clock, &c.acteur, p).await {
            Ok(_) => return Ok(flash::rediriger("/reglages", "Réglages du parcours enregistrés.")),
            Err(e) => f.refus(e, "formulaire")?,
        }
    }
    afficher(&state, &c, Some(f), None, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn enregistrer_suivi(State(state): State<AppState>, c: Connecte, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, &[Role::Admin], valeurs)?;
    let p = ParametresSuivi { avancement: seuils_du_formulaire(&mut f, "avancement", &SeuilsAvancement::default()), relances: relances_du_formulaire(&f) };
    let appliquer = f.case("appliquer_aux_clauses");
    if f.valide() {
        match service::set_parametres_suivi(&state.db, &state.clock, &c.acteur, p, appliquer).await {
            Ok(e) => {
                let message = if appliquer { format!("Suivi des clauses enregistré ; seuils donnés à {} clause(s).", e.clauses_modifiees) } else { "Suivi des clauses enregistré.".to_string() };
                return Ok(flash::rediriger("/reglages", &message));
            }
            Err(e) => f.refus(e, "avancement")?,
        }
    }
    afficher(&state, &c, None, Some(f), StatusCode::UNPROCESSABLE_ENTITY).await
}
