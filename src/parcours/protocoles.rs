//! `/protocoles`: the structure's sortie rule sets (versioned): the one in force with
//! each rule's threshold in words, the earlier versions, and — for administrators — the
//! next version created from the current one (a form of every rule: on or off, its
//! threshold, whether the threshold itself counts). Same service as the API.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use entities::enums::Role;
use serde::Serialize;

use super::forms::ProtocoleInput;
use super::protocole::Regles;
use super::service::sorties;
use crate::auth::session::Connecte;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::formulaire::Formulaire;
use crate::web::{fil, flash, render, ApiForm};

pub fn routes() -> Router<AppState> {
    Router::new().route("/protocoles", get(page).post(creer))
}

/// A rule as the page shows it: its key (form field), label, and either a threshold (on
/// or off, value, strict) or a plain number (a window).
#[derive(Serialize)]
struct Regle {
    cle: String,
    libelle: String,
    seuil: bool,
    texte: String,
}

fn regles(r: &Regles) -> Vec<Regle> {
    let valeur = serde_json::to_value(r).unwrap_or_default();
    valeur
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(cle, v)| {
                    let libelle = crate::libelles::libelle("regle_protocole", cle).unwrap_or(cle).to_string();
                    match v.as_object() {
                        Some(s) => {
                            let n = crate::text::nombre_fr(s.get("valeur").and_then(|x| x.as_f64()).unwrap_or(0.0));
                            let texte = if s.get("actif").and_then(|x| x.as_bool()) == Some(false) { "règle désactivée".to_string() } else if s.get("strict").and_then(|x| x.as_bool()) == Some(true) { format!("plus de {n}") } else { format!("au moins {n}") };
                            Regle { cle: cle.clone(), libelle, seuil: true, texte }
                        }
                        None => Regle { cle: cle.clone(), libelle, seuil: false, texte: crate::text::nombre_fr(v.as_f64().unwrap_or(0.0)) },
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The form of a rule set: `cle.actif`, `cle.valeur`, `cle.strict` of each threshold,
/// `cle` of each window.
fn valeurs(nom: &str, r: &Regles) -> BTreeMap<String, String> {
    let mut v = BTreeMap::from([("nom".to_string(), nom.to_string())]);
    for (cle, x) in serde_json::to_value(r).unwrap_or_default().as_object().into_iter().flatten() {
        match x.as_object() {
            Some(s) => {
                let oui = |k: &str| if s.get(k).and_then(|b| b.as_bool()) == Some(true) { "oui".to_string() } else { String::new() };
                v.insert(format!("{cle}.actif"), oui("actif"));
                v.insert(format!("{cle}.strict"), oui("strict"));
                v.insert(format!("{cle}.valeur"), crate::text::nombre_fr(s.get("valeur").and_then(|n| n.as_f64()).unwrap_or(0.0)).replace('\u{202f}', ""));
            }
            None => {
                v.insert(cle.clone(), x.to_string());
            }
        }
    }
    v
}

async fn afficher(state: &AppState, c: &Connecte, f: &Formulaire, status: StatusCode) -> Result<Response, AppError> {
    let (actif, tous) = tokio::try_join!(sorties::protocole_actif(&state.db, &c.acteur), sorties::protocoles(&state.db, &c.acteur))?;
    let f = if f.valeurs.is_empty() { &Formulaire::de(valeurs(&actif.nom, &actif.regles)) } else { f };
    let mut ctx = tera::Context::new();
    ctx.insert("regles", &regles(&actif.regles));
    ctx.insert("actif", &actif);
    ctx.insert("versions", &tous);
    ctx.insert("admin", &(c.acteur.role == Role::Admin));
    ctx.insert("f", f);
    ctx.insert("fil", &fil(&[("Protocoles de sortie", "")]));
    Ok((status, render(state, "parcours/protocoles.html", Some(c), ctx)?).into_response())
}

async fn page(State(state): State<AppState>, c: Connecte) -> Result<Response, AppError> {
    afficher(&state, &c, &Formulaire::default(), StatusCode::OK).await
}

async fn creer(State(state): State<AppState>, c: Connecte, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, &[Role::Admin], valeurs)?;
    let nom = f.obligatoire("nom");
    let modele = serde_json::to_value(Regles::default()).unwrap_or_default();
    let mut regles = serde_json::Map::new();
    for (cle, x) in modele.as_object().into_iter().flatten() {
        let valeur = if x.is_object() {
            let n = f.nombre(&format!("{cle}.valeur")).unwrap_or(0.0);
            serde_json::json!({"actif": f.case(&format!("{cle}.actif")), "valeur": n, "strict": f.case(&format!("{cle}.strict"))})
        } else {
            match f.nombre(cle) {
                Some(n) if n.fract() == 0.0 && n >= 0.0 => serde_json::json!(n as u64),
                _ => {
                    f.erreur(cle, "Nombre entier de mois attendu.");
                    serde_json::json!(0)
                }
            }
        };
        regles.insert(cle.clone(), valeur);
    }
    if f.valide() {
        match serde_json::from_value::<Regles>(serde_json::Value::Object(regles)) {
            Ok(regles) => match sorties::creer_protocole(&state.db, &state.clock, &c.acteur, ProtocoleInput { nom, regles }).await {
                Ok(p) => return Ok(flash::rediriger("/protocoles", &format!("Version {} de « {} » en vigueur.", p.version, p.nom))),
                Err(e) => {
                    // A threshold's error is named after the rule: shown next to its value.
                    if let AppError::Invalid(champs) = e {
                        for ch in champs {
                            f.erreur(ch.field.trim_start_matches("regles."), ch.message);
                        }
                    } else {
                        return Err(e);
                    }
                }
            },
            Err(_) => f.erreur("formulaire", "Règles illisibles."),
        }
    }
    afficher(&state, &c, &f, StatusCode::UNPROCESSABLE_ENTITY).await
}
