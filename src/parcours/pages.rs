//! The parcours pages, on the parcours services (the same scoping and masking as the
//! API): the participants' list (search, sort, pages), a participant's record (identity,
//! eligibility, criteria, étapes and contrats, sorties) and the readable page of
//! everything held on the person (droit d'accès), also downloadable as the API's JSON.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use entities::{entreprises, participants};
use sea_orm::{ColumnTrait, Condition, QueryFilter};
use serde::Serialize;

use super::service::participants as service;
use crate::auth::session::Connecte;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::liste::{like, Params};
use crate::web::formulaire::Formulaire;
use crate::web::{fil, render, ApiPath, ApiQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/participants", get(liste))
        .route("/participants/{id}", get(fiche))
        .route("/participants/{id}/donnees", get(donnees))
        .merge(super::formulaires::routes())
        .merge(super::actions::routes())
        .merge(super::protocoles::routes())
}

const TRIS: &[&str] = &["nom", "commune", "naissance"];

#[derive(Serialize)]
struct Ligne {
    id: i64,
    nom: String,
    prenom: String,
    date_naissance: chrono::NaiveDate,
    commune: String,
    referent: String,
}

async fn liste(State(state): State<AppState>, c: Connecte, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    use participants::Column as C;
    let mut s = service::participants_visibles(&c.acteur)?;
    let p = Params::lire("/participants", &query, TRIS);
    if let Some(m) = p.motif() {
        s = s.filter(Condition::any().add(like(C::Nom, &m)).add(like(C::Prenom, &m)));
    }
    let commune = p.filtre("commune").map(str::to_string);
    if let Some(m) = commune.as_deref().and_then(crate::web::liste::motif) {
        s = s.filter(like(C::Commune, &m));
    }
    // Facilitateurs and admins filter by référent (a référent sees only its own anyway).
    let gestion = crate::auth::GESTION.contains(&c.acteur.role);
    let referent = p.filtre_id("referent").filter(|_| gestion);
    if let Some(r) = referent {
        s = s.filter(C::ReferentId.eq(r));
    }
    let referents = referents_de_la_structure(&state, &c, false).await?;
    let col = match p.tri.as_str() {
        "commune" => C::Commune,
        "naissance" => C::DateNaissance,
        _ => C::Nom,
    };
    let s = p.trier(s, col, C::Id);
    let (items, pagination): (Vec<participants::Model>, _) = p.charger(&state.db, s).await?;
    let noms = crate::auth::service::noms_utilisateurs(&state.db, &c.acteur, items.iter().filter_map(|p| p.referent_id).collect()).await?;
    let lignes: Vec<Ligne> = items
        .into_iter()
        .map(|m| Ligne {
            referent: m.referent_id.and_then(|r| noms.get(&r).cloned()).unwrap_or_default(),
            id: m.id,
            nom: m.nom,
            prenom: m.prenom,
            date_naissance: m.date_naissance,
            commune: m.commune,
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("lignes", &lignes);
    ctx.insert("pagination", &pagination);
    ctx.insert("colonnes", &p.colonnes(&[("nom", "Nom"), ("", "Prénom"), ("naissance", "Né(e) le"), ("commune", "Commune"), ("", "Référent")]));
    ctx.insert("q", &p.q);
    ctx.insert("commune", &commune.unwrap_or_default());
    ctx.insert("referents", &referents);
    ctx.insert("referent", &referent.map(|r| r.to_string()).unwrap_or_default());
    ctx.insert("fil", &fil(&[("Participants", "")]));
    Ok(render(&state, "parcours/liste.html", Some(&c), ctx)?.into_response())
}

/// The structure's référents as a list's options (id as text, name), for facilitateurs
/// and admins (a référent chooses nobody); only active accounts when `actifs`.
async fn referents_de_la_structure(state: &AppState, c: &Connecte, actifs: bool) -> Result<Vec<(String, String)>, AppError> {
    use entities::utilisateurs::{Column as U, Entity};
    use sea_orm::{QueryOrder, QuerySelect};
    if !crate::auth::GESTION.contains(&c.acteur.role) {
        return Ok(Vec::new());
    }
    let mut s = c.acteur.scoped::<Entity>().filter(U::Role.eq(entities::enums::Role::Referent));
    if actifs {
        s = s.filter(U::Actif.eq(true));
    }
    let lignes: Vec<(i64, String)> = s.order_by_asc(U::Nom).select_only().columns([U::Id, U::Nom]).into_tuple().all(&state.db).await?;
    Ok(lignes.into_iter().map(|(i, n)| (i.to_string(), n)).collect())
}

/// The names of the employers of these contrats, keyed as the templates look them up
/// (the id as text). The parcours core reads the entreprises table itself: it depends on
/// no other module.
async fn noms_employeurs(state: &AppState, c: &Connecte, ids: Vec<i64>) -> Result<HashMap<String, String>, AppError> {
    Ok(c.acteur.scoped::<entreprises::Entity>().filter(entreprises::Column::Id.is_in(ids)).all(&state.db).await?.into_iter().map(|e| (e.id.to_string(), e.raison_sociale)).collect())
}

fn nom_complet(p: &super::views::Participant) -> String {
    format!("{} {}", p.prenom, p.nom)
}

/// A contrat on the record: its months (month, hours worked, hours of training, state)
/// and its six-month follow-up (due, done, situation, comment).
#[derive(Serialize)]
struct ContratVu {
    id: i64,
    poste: String,
    mois: Vec<(String, f64, f64, String)>,
    suivi: Option<(chrono::NaiveDate, Option<chrono::NaiveDate>, Option<String>, Option<String>)>,
}

#[derive(serde::Deserialize)]
struct FicheQuery {
    /// The eligibility asked at this date (`YYYY-MM-DD`), besides today's.
    date: Option<String>,
}

async fn fiche(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<FicheQuery>) -> Result<Response, AppError> {
    let mut formulaires = BTreeMap::new();
    let mut date = Formulaire::de(BTreeMap::from([("date".to_string(), q.date.unwrap_or_default())]));
    let le = date.date("date");
    formulaires.insert("date", date);
    page_fiche(&state, &c, id, formulaires, le, axum::http::StatusCode::OK).await
}

/// The participant's record with its forms (`formulaires` by name: the one sent back
/// with its errors), and the eligibility at `le` when asked.
pub(super) async fn page_fiche(state: &AppState, c: &Connecte, id: i64, formulaires: BTreeMap<&'static str, Formulaire>, le: Option<chrono::NaiveDate>, status: axum::http::StatusCode) -> Result<Response, AppError> {
    let parcours = service::parcours(&state.db, &state.clock, &c.acteur, id).await?;
    let eligibilite_le = match le {
        Some(d) => Some((d, super::service::criteres::eligibilite_participant(&state.db, &c.acteur, id, d).await?)),
        None => None,
    };
    // Each contrat's months (current revisions) and its six-month follow-up: two queries
    // for all the record's contrats (the parcours already checked them readable).
    let ids: Vec<i64> = parcours.etapes.iter().filter_map(|e| e.contrat.as_ref().map(|k| k.id)).collect();
    let (heures, suivis) = tokio::try_join!(super::service::heures::heures_des_contrats(&state.db, &c.acteur, &ids), super::service::contrats::suivis_des_contrats(&state.db, &c.acteur, &ids))?;
    let contrats: Vec<ContratVu> = parcours
        .etapes
        .iter()
        .filter_map(|e| e.contrat.as_ref())
        .map(|k| ContratVu {
            id: k.id,
            poste: k.poste.clone(),
            mois: heures
                .iter()
                .filter(|h| h.contrat_id == k.id)
                .map(|h| (crate::text::mois_fr(h.mois), crate::parcours::limites::heures(i64::from(h.minutes_travail)), crate::parcours::limites::heures(i64::from(h.minutes_formation)), crate::libelles::de("statut_declaration", h.statut)))
                .collect(),
            suivi: suivis.iter().find(|s| s.contrat_id == k.id).map(|s| (s.date_echeance, s.date_realisation, s.situation.map(|x| crate::libelles::de("situation_suivi", x)), s.commentaire.clone())),
        })
        .collect();
    let historique = service::historique_referents(&state.db, &c.acteur, id).await?;
    let noms = crate::auth::service::noms_utilisateurs(&state.db, &c.acteur, historique.iter().map(|h| h.referent_id).collect()).await?;
    let historique: Vec<(String, chrono::NaiveDate, Option<chrono::NaiveDate>)> = historique.iter().map(|h| (noms.get(&h.referent_id).cloned().unwrap_or_default(), h.du, h.au)).collect();
    let referents = referents_de_la_structure(state, c, true).await?;
    let employeurs = noms_employeurs(state, c, parcours.etapes.iter().filter_map(|e| e.contrat.as_ref().map(|k| k.employeur_id)).collect()).await?;
    let referent = match parcours.participant.referent_id {
        Some(r) => crate::auth::service::noms_utilisateurs(&state.db, &c.acteur, vec![r]).await?.remove(&r),
        None => None,
    };
    let nom = nom_complet(&parcours.participant);
    let mut formulaires = formulaires;
    formulaires.entry("referent").or_insert_with(|| Formulaire::de(BTreeMap::from([("referent_id".to_string(), parcours.participant.referent_id.map(|r| r.to_string()).unwrap_or_default())])));
    let mut ctx = tera::Context::new();
    for nom in ["date", "critere", "retrait", "etape", "sortie", "referent", "suivi"] {
        ctx.insert(format!("f_{nom}"), formulaires.get(nom).unwrap_or(&Formulaire::default()));
    }
    ctx.insert("parcours", &parcours);
    ctx.insert("employeurs", &employeurs);
    ctx.insert("referent", &referent);
    ctx.insert("eligibilite_le", &eligibilite_le);
    ctx.insert("contrats", &contrats);
    ctx.insert("situations_suivi", crate::libelles::options("situation_suivi"));
    ctx.insert("historique", &historique);
    ctx.insert("referents", &referents);
    ctx.insert("gestion", &crate::auth::GESTION.contains(&c.acteur.role));
    ctx.insert("criteres", crate::libelles::options("critere"));
    ctx.insert("types_etape", crate::libelles::options("type_etape"));
    ctx.insert("sous_types_etape", crate::libelles::options("sous_type_etape"));
    ctx.insert("situations", crate::libelles::options("situation_sortie"));
    ctx.insert("fil", &fil(&[("Participants", "/participants"), (&nom, "")]));
    Ok((status, render(state, "parcours/fiche.html", Some(c), ctx)?).into_response())
}

#[derive(serde::Deserialize)]
struct Format {
    format: Option<String>,
}

/// Everything held on the person, readable and printable; `?format=json` downloads the
/// API's export. Either way the export is recorded in the audit log.
async fn donnees(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiQuery(f): ApiQuery<Format>) -> Result<Response, AppError> {
    let export = service::exporter(&state.db, &state.clock, &c.acteur, id).await?;
    if f.format.as_deref() == Some("json") {
        let corps = serde_json::to_vec_pretty(&export).map_err(|e| AppError::Internal(e.into()))?;
        let fichier = format!("attachment; filename=\"participant-{id}.json\"");
        return Ok(([(header::CONTENT_TYPE, "application/json".to_string()), (header::CONTENT_DISPOSITION, fichier)], corps).into_response());
    }
    let employeurs = noms_employeurs(&state, &c, export.parcours.etapes.iter().filter_map(|e| e.contrat.as_ref().map(|k| k.employeur_id)).collect()).await?;
    let postes: HashMap<String, String> = export.parcours.etapes.iter().filter_map(|e| e.contrat.as_ref()).map(|k| (k.id.to_string(), k.poste.clone())).collect();
    let nom = nom_complet(&export.parcours.participant);
    let mut ctx = tera::Context::new();
    ctx.insert("referent", &export.referents.iter().find(|r| r.au.is_none()).map(|r| r.referent.clone()));
    ctx.insert("x", &export);
    ctx.insert("employeurs", &employeurs);
    ctx.insert("postes", &postes);
    ctx.insert("fil", &fil(&[("Participants", "/participants"), (&nom, &format!("/participants/{id}")), ("Données détenues", "")]));
    Ok(render(&state, "parcours/donnees.html", Some(&c), ctx)?.into_response())
}

