//! Placing a participant on a clause from the clause page: find the person, see their
//! eligibility at the contrat's start and why, then choose employer, attributaire,
//! modalité and the contrat itself; the contrat is created by the same service as
//! `POST /contrats` (`mises_en_emploi::mettre_en_emploi`), whose refusals come back in
//! French next to their fields.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use entities::enums::{Modalite, TypeEntreprise};
use entities::{attributions, entreprises, participants};
use sea_orm::{ColumnTrait, Condition, Iterable, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::auth::session::Connecte;
use crate::auth::GESTION;
use crate::clauses::forms::MiseEnEmploiInput;
use crate::clauses::service::mises_en_emploi::{self, modalites_possibles};
use crate::clauses::service::clauses as service_c;
use crate::error::{AppError, AppResult};
use crate::parcours::service::criteres::criteres_de;
use crate::parcours::service::{eligibilite_participant, get_participant, participants_visibles};
use crate::state::AppState;
use crate::web::formulaire::Formulaire;
use crate::web::liste::{like, Params};
use crate::web::{choix, flash, render, ApiForm, ApiPath, ApiQuery};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/clauses/{id}/placer", get(page).post(placer))
}

#[derive(Serialize)]
struct Personne {
    id: i64,
    nom: String,
    commune: String,
    date_naissance: NaiveDate,
}

#[derive(Serialize)]
struct Critere {
    code: String,
    date_verification: NaiveDate,
    valide_jusqu_au: Option<NaiveDate>,
    verifie: bool,
    retire: bool,
}

/// An employer as the form offers it: its kind, its role on the lot and the modalités
/// that kind and role allow (the same rules as the service, said beforehand).
#[derive(Serialize)]
struct Employeur {
    id: String,
    libelle: String,
    possibles: String,
}

struct Clause {
    id: i64,
    lot_id: i64,
    date_debut: NaiveDate,
    date_fin: NaiveDate,
}

async fn clause(state: &AppState, c: &Connecte, id: i64) -> AppResult<Clause> {
    c.acteur.require(GESTION)?;
    let k = service_c::get_clause(&state.db, &c.acteur, id).await?;
    Ok(Clause { id: k.id, lot_id: k.lot_id, date_debut: k.date_debut, date_fin: k.date_fin })
}

/// The page: the search while no participant is chosen, then the eligibility and the form.
async fn afficher(state: &AppState, c: &Connecte, k: &Clause, query: &BTreeMap<String, String>, mut f: Formulaire, status: StatusCode) -> Result<Response, AppError> {
    let base = format!("/clauses/{}/placer", k.id);
    let mut ctx = tera::Context::new();
    ctx.insert("clause", &(k.id, k.date_debut, k.date_fin));
    ctx.insert("fil", &vec![("Clauses".to_string(), "/clauses".to_string()), (format!("Clause n° {}", k.id), format!("/clauses/{}", k.id)), ("Placer un participant".to_string(), String::new())]);
    let participant = f.valeurs.get("participant_id").or(query.get("participant")).and_then(|v| v.parse::<i64>().ok());
    let participant = match participant {
        Some(id) => Some(get_participant(&state.db, &c.acteur, id).await?),
        None => None,
    };
    let Some(p) = participant else {
        let params = Params::lire(&base, query, &["nom"]);
        let mut s = participants_visibles(&c.acteur)?;
        if let Some(m) = params.motif() {
            s = s.filter(Condition::any().add(like(participants::Column::Nom, &m)).add(like(participants::Column::Prenom, &m)).add(like(participants::Column::Commune, &m)));
        }
        let s = if params.desc { s.order_by_desc(participants::Column::Nom) } else { s.order_by_asc(participants::Column::Nom) }.order_by_asc(participants::Column::Prenom).order_by_asc(participants::Column::Id);
        let (lignes, pagination) = params.charger(&state.db, s).await?;
        let personnes: Vec<Personne> = lignes.into_iter().map(|p| Personne { id: p.id, nom: format!("{} {}", p.nom, p.prenom), commune: p.commune, date_naissance: p.date_naissance }).collect();
        ctx.insert("personnes", &personnes);
        ctx.insert("pagination", &pagination);
        ctx.insert("colonnes", &params.colonnes(&[("nom", "Nom")]));
        ctx.insert("q", &params.q);
        ctx.insert("base", &base);
        return Ok((status, render(state, "clauses/placement.html", Some(c), ctx)?).into_response());
    };
    f.valeurs.insert("participant_id".into(), p.id.to_string());
    let debut = f.valeurs.get("date_debut").and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).unwrap_or_else(|| state.clock.today().max(k.date_debut));
    f.valeurs.entry("date_debut".into()).or_insert_with(|| debut.to_string());
    let eligibilite = eligibilite_participant(&state.db, &c.acteur, p.id, debut).await?;
    let criteres: Vec<Critere> = criteres_de(&state.db, &c.acteur, p.id)
        .await?
        .into_iter()
        .map(|cr| Critere { code: crate::text::code(cr.code), date_verification: cr.date_verification, valide_jusqu_au: cr.valide_jusqu_au, verifie: cr.verifie_par_id.is_some(), retire: cr.retire_at.is_some() })
        .collect();
    // Employers: the lot's attributaires first, then the companies that may employ on
    // a lot they do not hold (SIAE mise à disposition, training bodies) — at most 200 of
    // those, narrowed by the search next to the list.
    let sur_le_lot: Vec<attributions::Model> = c.acteur.scoped::<attributions::Entity>().filter(attributions::Column::LotId.eq(k.lot_id)).all(&state.db).await?;
    let role_de = |id: i64| sur_le_lot.iter().find(|a| a.entreprise_id == id).map(|a| a.role);
    let du_lot: Vec<entreprises::Model> =
        c.acteur.scoped::<entreprises::Entity>().filter(entreprises::Column::Id.is_in(sur_le_lot.iter().map(|a| a.entreprise_id).collect::<Vec<_>>())).order_by_asc(entreprises::Column::RaisonSociale).all(&state.db).await?;
    let hors_lot_possibles: Vec<TypeEntreprise> = TypeEntreprise::iter().filter(|t| !modalites_possibles(*t, None).is_empty()).collect();
    let autres = c.acteur.scoped::<entreprises::Entity>().filter(entreprises::Column::Type.is_in(hors_lot_possibles)).filter(entreprises::Column::Id.is_not_in(sur_le_lot.iter().map(|a| a.entreprise_id).collect::<Vec<_>>()));
    let retenu = f.valeurs.get("employeur_id").and_then(|v| v.trim().parse().ok());
    let recherche = choix::recherche(&f, "employeur_id");
    let (autres, tronque) = choix::lire(&state.db, autres, entreprises::Column::RaisonSociale, entreprises::Column::Id, &recherche, retenu).await?;
    let employeurs: Vec<Employeur> = du_lot
        .iter()
        .chain(autres.iter())
        .filter_map(|e| {
            let role = role_de(e.id);
            let possibles = modalites_possibles(e.r#type, role);
            if possibles.is_empty() {
                return None;
            }
            let quoi = match role {
                Some(r) => format!("{}, {} du lot", crate::libelles::de("type_entreprise", e.r#type), crate::libelles::de("role_attribution", r).to_lowercase()),
                None => crate::libelles::de("type_entreprise", e.r#type),
            };
            let possibles = possibles.into_iter().map(|m| crate::libelles::de("modalite", m).to_lowercase()).collect::<Vec<_>>().join(", ");
            Some(Employeur { id: e.id.to_string(), libelle: format!("{} ({quoi})", e.raison_sociale), possibles })
        })
        .collect();
    let attributaires: Vec<(String, String)> = du_lot
        .iter()
        .filter_map(|e| role_de(e.id).map(|r| (e.id.to_string(), format!("{} ({})", e.raison_sociale, crate::libelles::de("role_attribution", r).to_lowercase()))))
        .collect();
    if attributaires.len() == 1 {
        f.valeurs.entry("attributaire_id".into()).or_insert_with(|| attributaires[0].0.clone());
    }
    ctx.insert("personne", &Personne { id: p.id, nom: format!("{} {}", p.nom, p.prenom), commune: p.commune.clone(), date_naissance: p.date_naissance });
    ctx.insert("eligibilite", &eligibilite);
    ctx.insert("criteres", &criteres);
    ctx.insert("employeurs", &choix::Choix { options: employeurs.iter().map(|e| (e.id.clone(), e.libelle.clone())).collect(), tronque, recherche });
    ctx.insert("possibles", &employeurs);
    ctx.insert("attributaires", &attributaires);
    ctx.insert("modalites", crate::libelles::options("modalite"));
    ctx.insert("types_contrat", crate::libelles::options("type_contrat"));
    ctx.insert("f", &f);
    ctx.insert("base", &base);
    Ok((status, render(state, "clauses/placement.html", Some(c), ctx)?).into_response())
}

async fn page(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let k = clause(&state, &c, id).await?;
    let mut f = Formulaire::default();
    if let Some(d) = query.get("date_debut").filter(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()) {
        f.valeurs.insert("date_debut".into(), d.clone());
    }
    afficher(&state, &c, &k, &query, f, StatusCode::OK).await
}

async fn placer(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let k = clause(&state, &c, id).await?;
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    if choix::cherche(&f) {
        return afficher(&state, &c, &k, &BTreeMap::new(), f, StatusCode::OK).await;
    }
    let participant_id = f.id_obligatoire("participant_id");
    let employeur_id = f.id_obligatoire("employeur_id");
    let attributaire_id = f.id_obligatoire("attributaire_id");
    let modalite = f.code::<Modalite>("modalite");
    let type_contrat = f.code("type_contrat");
    let date_debut = f.date_obligatoire("date_debut");
    let date_fin_prevue = f.date("date_fin_prevue");
    let heures_hebdo = f.nombre_obligatoire("heures_hebdo");
    let poste = f.obligatoire("poste");
    let code_rome = f.option("code_rome");
    let vide = BTreeMap::new();
    if f.valeurs.get("action").is_some_and(|a| a == "eligibilite") {
        f.erreurs.clear();
        return afficher(&state, &c, &k, &vide, f, StatusCode::OK).await;
    }
    if let (true, Some(modalite), Some(type_contrat)) = (f.valide(), modalite, type_contrat) {
        let input = MiseEnEmploiInput { participant_id, employeur_id, clause_id: k.id, attributaire_id, modalite, type_contrat, date_debut, date_fin_prevue, heures_hebdo, poste, code_rome };
        match mises_en_emploi::mettre_en_emploi(&state.db, &state.clock, &c.acteur, input).await {
            Ok((_, _, e)) => {
                let message = if e.eligible { "Participant placé sur la clause.".to_string() } else { format!("Participant placé sur la clause ; attention, ses heures ne compteront pas : {}", e.motif) };
                return Ok(flash::rediriger(&format!("/clauses/{}", k.id), &message));
            }
            Err(e) => f.refus(e, "participant_id")?,
        }
    }
    afficher(&state, &c, &k, &vide, f, StatusCode::UNPROCESSABLE_ENTITY).await
}
