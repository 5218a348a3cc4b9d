//! The bilans as web pages, one handler for every perimeter — opération, marché, clause,
//! donneur d'ordre, entreprise, a facilitateur's portfolio, the structure: the figures,
//! the hours per month and each breakdown as SVG charts with their tables, a period of
//! whole months chosen in French, the exports, a report for A4 printing, and links to the
//! neighbouring perimeters. Same service, same rights, same masking as the API.
//! `/bilans` is the facilitateurs' page of yearly downloads (the structure's bilan, the
//! consolidation for the network).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, Months, NaiveDate};
use entities::enums::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};

use super::model::{heures_ou_masque, Bilan, Ventilation};
use super::routes::{rendre, BilanQuery};
use super::service::{self, Cible};
use crate::auth::session::Connecte;
use crate::auth::GESTION;
use crate::clauses::service::{clauses_visibles, clauses as clause_service, marches as marche_service, operations as operation_service};
use crate::error::AppError;
use crate::parcours::limites::parse_mois;
use crate::state::AppState;
use crate::text::{date_num, heures_fr, mois_fr, pourcent_fr};
use crate::web::graphique::{barres, heures_par_mois, Barres, MoisGraphique};
use crate::web::{page_erreur, render, ApiPath, ApiQuery, Etape};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/operations/{id}/bilan", get(operation))
        .route("/marches/{id}/bilan", get(marche))
        .route("/clauses/{id}/bilan", get(clause))
        .route("/donneurs-ordre/{id}/bilan", get(donneur_ordre))
        .route("/entreprises/{id}/bilan", get(entreprise))
        .route("/portefeuille/bilan", get(portefeuille))
        .route("/bilan", get(structure))
        .route("/bilans", get(telechargements))
        .route("/bilans/consolidation", get(consolidation))
}

async fn operation(State(s): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<BilanQuery>) -> Result<Response, AppError> {
    page(&s, &c, Cible::Operation(id), q).await
}
async fn marche(State(s): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<BilanQuery>) -> Result<Response, AppError> {
    page(&s, &c, Cible::Marche(id), q).await
}
async fn clause(State(s): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<BilanQuery>) -> Result<Response, AppError> {
    page(&s, &c, Cible::Clause(id), q).await
}
async fn donneur_ordre(State(s): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<BilanQuery>) -> Result<Response, AppError> {
    page(&s, &c, Cible::DonneurOrdre(id), q).await
}
async fn entreprise(State(s): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<BilanQuery>) -> Result<Response, AppError> {
    page(&s, &c, Cible::Entreprise(id), q).await
}
async fn portefeuille(State(s): State<AppState>, c: Connecte, ApiQuery(q): ApiQuery<BilanQuery>) -> Result<Response, AppError> {
    let id = c.acteur.utilisateur_id;
    page(&s, &c, Cible::Portefeuille(id), q).await
}
async fn structure(State(s): State<AppState>, c: Connecte, ApiQuery(q): ApiQuery<BilanQuery>) -> Result<Response, AppError> {
    page(&s, &c, Cible::Structure, q).await
}

/// A breakdown as the page shows it: bars and a table, each row in words.
#[derive(Serialize)]
struct Tableau {
    id: &'static str,
    titre: &'static str,
    titre_graphique: String,
    lignes: Vec<Ligne>,
    barres: Barres,
}

#[derive(Serialize)]
struct Ligne {
    libelle: String,
    contrats: String,
    participants: String,
    realisees: String,
    retenues: String,
}

fn tableau(id: &'static str, titre: &'static str, genre: &str, v: &BTreeMap<String, Ventilation>) -> Tableau {
    let libelle = |k: &str| super::export::libelle(genre, k);
    Tableau {
        id,
        titre,
        titre_graphique: format!("Heures retenues {}", titre.to_lowercase()),
        lignes: v
            .iter()
            .map(|(k, c)| Ligne { libelle: libelle(k), contrats: c.contrats.texte(), participants: c.participants.texte(), realisees: heures_ou_masque(c.heures_realisees, heures_fr), retenues: heures_ou_masque(c.heures_retenues, heures_fr) })
            .collect(),
        barres: barres(v.iter().map(|(k, c)| (libelle(k), c.heures_retenues, heures_ou_masque(c.heures_retenues, heures_fr))).collect()),
    }
}

/// The month of a bilan key (`2025-03`) in words.
fn mois_texte(m: &str) -> String {
    parse_mois(m).map(mois_fr).unwrap_or_else(|| m.to_string())
}

/// The hours per month of the chart: every month of the progression with its hours.
fn mois_graphique(b: &Bilan) -> Vec<MoisGraphique> {
    let heures: BTreeMap<&str, (f64, f64)> = b.par_mois.iter().map(|m| (m.mois.as_str(), (m.heures_realisees, m.heures_retenues))).collect();
    b.progression
        .iter()
        .map(|p| {
            let (realisees, retenues) = heures.get(p.mois.as_str()).copied().unwrap_or_default();
            MoisGraphique { mois: mois_texte(&p.mois), realisees, retenues, cumul: p.heures_retenues_cumulees, attendu: p.heures_attendues_cumulees }
        })
        .collect()
}

/// The period in words, stated even when it is the default.
fn periode_texte(du: Option<NaiveDate>, au: Option<NaiveDate>, today: NaiveDate) -> String {
    match (du, au) {
        (Some(d), Some(a)) if d.month() == 1 && a.month() == 12 && d.year() == a.year() => format!("année {} (du {} au {})", d.year(), date_num(d), date_num(a)),
        (Some(d), Some(a)) if (d.year(), d.month()) == (a.year(), a.month()) => format!("{} (du {} au {})", mois_fr(d), date_num(d), date_num(a)),
        (Some(d), Some(a)) => format!("de {} à {} (du {} au {})", mois_fr(d), mois_fr(a), date_num(d), date_num(a)),
        (Some(d), None) => format!("depuis {} (du {} au {})", mois_fr(d), date_num(d), date_num(today)),
        (None, Some(a)) => format!("depuis le début jusqu'à {} (au {})", mois_fr(a), date_num(a)),
        (None, None) => format!("depuis le début des clauses jusqu'au {}", date_num(today)),
    }
}

/// The months offered by the period selector: first days (`du`) and last days (`au`).
fn choix_mois(du: Option<NaiveDate>, today: NaiveDate, premier: Option<NaiveDate>) -> (Vec<(String, String)>, Vec<(String, String)>) {
    let annee = [Some(today.year() - 4), du.map(|d| d.year()), premier.map(|d| d.year())].into_iter().flatten().min().unwrap_or(today.year()).max(today.year() - 15);
    let mut d = NaiveDate::from_ymd_opt(annee, 1, 1).unwrap_or(today);
    let fin = NaiveDate::from_ymd_opt(today.year(), 12, 1).unwrap_or(today);
    let (mut debuts, mut fins) = (Vec::new(), Vec::new());
    while d <= fin {
        let dernier = (d + Months::new(1)).pred_opt().unwrap_or(d);
        debuts.push((d.to_string(), mois_fr(d)));
        fins.push((dernier.to_string(), mois_fr(d)));
        d = d + Months::new(1);
    }
    (debuts, fins)
}

/// What the page says of its perimeter: « de l'opération », « du marché »…
fn de_perimetre(cible: Cible) -> &'static str {
    match cible {
        Cible::Operation(_) => "de l'opération",
        Cible::Marche(_) => "du marché",
        Cible::Clause(_) => "de la",
        Cible::DonneurOrdre(_) => "du donneur d'ordre",
        Cible::Entreprise(_) => "de l'entreprise",
        Cible::Portefeuille(_) => "du",
        Cible::Structure => "de la structure",
    }
}

/// The neighbouring perimeters: (label, address), the parent first, then the children;
/// and the page's breadcrumb. Only what the caller may open.
async fn voisins(s: &AppState, c: &Connecte, cible: Cible) -> Result<(Vec<Etape>, Vec<Etape>), AppError> {
    let a = &c.acteur;
    let gestion = GESTION.contains(&a.role);
    let (mut liens, mut fil): (Vec<Etape>, Vec<Etape>) = (Vec::new(), Vec::new());
    let bilan = |t: &str, id: i64| format!("/{t}/{id}/bilan");
    match cible {
        Cible::Operation(id) => {
            let o = operation_service::get_operation(&s.db, a, id).await?;
            if gestion {
                fil = vec![("Opérations".into(), "/operations".into()), (o.nom.clone(), format!("/operations/{id}"))];
                liens.push(("Fiche de l'opération".into(), format!("/operations/{id}")));
            }
            liens.push(("Bilan du donneur d'ordre (toutes ses opérations)".into(), bilan("donneurs-ordre", o.donneur_ordre_id)));
            let marches = marche_service::list_marches(a, Some(id))?.limit(200).all(&s.db).await?;
            liens.extend(marches.into_iter().map(|m| (format!("Bilan du marché {} — {}", m.numero, m.objet), bilan("marches", m.id))));
        }
        Cible::Marche(id) => {
            let (m, lots) = marche_service::get_marche(&s.db, a, id).await?;
            let o = operation_service::get_operation(&s.db, a, m.operation_id).await?;
            fil = if gestion { vec![("Marchés".into(), "/marches".into()), (format!("Marché {}", m.numero), format!("/marches/{id}"))] } else { vec![(format!("Bilan de « {} »", o.nom), bilan("operations", o.id))] };
            if gestion {
                liens.push(("Fiche du marché".into(), format!("/marches/{id}")));
            }
            liens.push((format!("Bilan de l'opération « {} »", o.nom), bilan("operations", o.id)));
            let clauses = clauses_visibles(a)?.filter(entities::clauses::Column::MarcheId.eq(id)).limit(200).all(&s.db).await?;
            let lot = |lid: i64| lots.iter().find(|l| l.id == lid).map(crate::clauses::pages::nom_lot).unwrap_or_default();
            liens.extend(clauses.into_iter().map(|k| (format!("Bilan de la clause n° {} — {}", k.id, lot(k.lot_id)), bilan("clauses", k.id))));
        }
        Cible::Clause(id) => {
            let k = clause_service::get_clause(&s.db, a, id).await?;
            let (m, _) = marche_service::get_marche(&s.db, a, k.marche_id).await?;
            fil = if gestion { vec![("Clauses".into(), "/clauses".into()), (format!("Clause n° {id}"), format!("/clauses/{id}"))] } else { vec![(format!("Bilan du marché {}", m.numero), bilan("marches", m.id))] };
            if gestion {
                liens.push(("Fiche de la clause".into(), format!("/clauses/{id}")));
            }
            liens.push((format!("Bilan du marché {} — {}", m.numero, m.objet), bilan("marches", m.id)));
            liens.push(("Bilan de l'opération".into(), bilan("operations", m.operation_id)));
        }
        Cible::DonneurOrdre(id) => {
            if gestion {
                let nom = crate::clauses::service::get_donneur_ordre(&s.db, a, id).await?.nom;
                fil = vec![("Donneurs d'ordre".into(), "/donneurs-ordre".into()), (nom, format!("/donneurs-ordre/{id}"))];
                liens.push(("Fiche du donneur d'ordre".into(), format!("/donneurs-ordre/{id}")));
            }
            let ops = operation_service::list_operations(a, Some(id))?.limit(200).all(&s.db).await?;
            liens.extend(ops.into_iter().map(|o| (format!("Bilan de l'opération « {} »", o.nom), bilan("operations", o.id))));
        }
        Cible::Entreprise(id) => {
            if gestion {
                let nom = crate::clauses::service::get_entreprise(&s.db, a, id).await?.raison_sociale;
                fil = vec![("Entreprises".into(), "/entreprises".into()), (nom, format!("/entreprises/{id}"))];
                liens.push(("Fiche de l'entreprise".into(), format!("/entreprises/{id}")));
            }
        }
        Cible::Portefeuille(uid) => {
            fil = vec![("Bilans".into(), "/bilans".into())];
            let ops = operation_service::list_operations(a, None)?.filter(entities::operations::Column::FacilitateurId.eq(uid)).limit(200).all(&s.db).await?;
            liens.extend(ops.into_iter().map(|o| (format!("Bilan de l'opération « {} »", o.nom), bilan("operations", o.id))));
        }
        Cible::Structure => {
            fil = vec![("Bilans".into(), "/bilans".into())];
            liens.push(("Bilans par année et consolidation".into(), "/bilans".into()));
            liens.push(("Bilan de mon portefeuille".into(), "/portefeuille/bilan".into()));
        }
    }
    fil.push(("Bilan".into(), String::new()));
    Ok((liens, fil))
}

/// The bilan page of a perimeter, or its export (`format`).
async fn page(s: &AppState, c: &Connecte, cible: Cible, q: BilanQuery) -> Result<Response, AppError> {
    let erreur = |status: StatusCode, titre: &str, message: &str| page_erreur(s, Some(c), status, titre, message);
    let periode = match service::periode(q.du, q.au) {
        Ok(p) => p,
        Err(AppError::Invalid(errors)) => {
            let message = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" ");
            return erreur(StatusCode::UNPROCESSABLE_ENTITY, "Période invalide", &message);
        }
        Err(e) => return Err(e),
    };
    // The bilan, its neighbours and the structure's name are independent reads, side by
    // side; the bilan's answer (rights, existence) is looked at first.
    let structure = async { Ok::<_, AppError>(entities::structures::Entity::find_by_id(c.acteur.structure_id).select_only().column(entities::structures::Column::Nom).into_tuple::<String>().one(&s.db).await?.unwrap_or_default()) };
    let (b, voisins, structure) = tokio::join!(super::routes::bilan_garde(s, &c.acteur, cible, periode), voisins(s, c, cible), structure);
    let b = match b {
        Ok(b) => b,
        Err(AppError::Forbidden) => return erreur(StatusCode::FORBIDDEN, "Accès refusé", "Votre rôle ne donne pas accès à ce bilan."),
        Err(AppError::NotFound) => return erreur(StatusCode::NOT_FOUND, "Bilan introuvable", "Ce périmètre n'existe pas ou ne vous est pas ouvert."),
        Err(e) => return Err(e),
    };
    if let Some(format) = q.format {
        return rendre(&b, format);
    }
    let today = s.clock.today();
    let (liens, fil) = voisins?;
    let structure = structure?;
    let chemin = match cible {
        Cible::Operation(id) => format!("/operations/{id}/bilan"),
        Cible::Marche(id) => format!("/marches/{id}/bilan"),
        Cible::Clause(id) => format!("/clauses/{id}/bilan"),
        Cible::DonneurOrdre(id) => format!("/donneurs-ordre/{id}/bilan"),
        Cible::Entreprise(id) => format!("/entreprises/{id}/bilan"),
        Cible::Portefeuille(_) => "/portefeuille/bilan".into(),
        Cible::Structure => "/bilan".into(),
    };
    let periode_qs: String = [b.periode.du.map(|d| format!("&du={d}")), b.periode.au.map(|d| format!("&au={d}"))].into_iter().flatten().collect();
    let premier = b.progression.first().and_then(|p| parse_mois(&p.mois));
    let (debuts, fins) = choix_mois(b.periode.du, today, premier);
    let annee = today.year();
    let raccourcis: Vec<(String, String)> = vec![
        (format!("Année {annee}"), format!("{chemin}?du={annee}-01-01&au={annee}-12-31")),
        (format!("Année {}", annee - 1), format!("{chemin}?du={}-01-01&au={}-12-31", annee - 1, annee - 1)),
        ("Depuis le début".into(), chemin.clone()),
    ];
    let mois = mois_graphique(&b);
    let mut ctx = tera::Context::new();
    let nom = match cible {
        // « Bilan de la clause n° 12 », « Bilan du portefeuille de … ».
        Cible::Clause(_) | Cible::Portefeuille(_) => {
            let mut l = b.perimetre.nom.chars();
            l.next().map(|p| p.to_lowercase().chain(l).collect()).unwrap_or_default()
        }
        _ => format!("« {} »", b.perimetre.nom),
    };
    ctx.insert("titre", &format!("Bilan {} {nom}", de_perimetre(cible)));
    ctx.insert("nom", &b.perimetre.nom);
    ctx.insert("structure", &structure);
    ctx.insert("perimetre", &format!("{} : {}", crate::libelles::ou_texte("perimetre", &b.perimetre.type_), b.perimetre.nom));
    ctx.insert("periode", &periode_texte(b.periode.du, b.periode.au, today));
    ctx.insert("edite", &date_num(today));
    ctx.insert("chemin", &chemin);
    ctx.insert("periode_qs", &periode_qs);
    ctx.insert("du", &b.periode.du.map(|d| d.to_string()).unwrap_or_default());
    ctx.insert("au", &b.periode.au.map(|d| d.to_string()).unwrap_or_default());
    ctx.insert("debuts", &debuts);
    ctx.insert("fins", &fins);
    ctx.insert("raccourcis", &raccourcis);
    ctx.insert("masque", &(c.acteur.role == Role::DonneurOrdre));
    ctx.insert("b", &b);
    ctx.insert("taux", &pourcent_fr(b.taux_realisation));
    ctx.insert("taux_largeur", &((b.taux_realisation.clamp(0.0, 1.0) * 400.0).round()));
    ctx.insert("graphique", &heures_par_mois(&mois, b.heures_objectif));
    ctx.insert("mois", &mois);
    let tableaux: Vec<Tableau> = b.ventilations().into_iter().map(|(id, titre, genre, table)| tableau(id, titre, genre, table)).collect();
    ctx.insert("tableaux", &tableaux);
    let comptes = |genre: &str, t: &BTreeMap<String, super::model::Compte>| t.iter().map(|(k, c)| (super::export::libelle(genre, k), c.texte())).collect::<Vec<_>>();
    ctx.insert("public", &comptes("public", &b.par_public));
    ctx.insert("situation", &comptes("situation_suivi", &b.situation_6_mois));
    ctx.insert("liens", &liens);
    ctx.insert("fil", &fil);
    Ok(render(s, "bilans/bilan.html", Some(c), ctx)?.into_response())
}

#[derive(Deserialize)]
struct AnneeForm {
    annee: Option<String>,
}

/// `/bilans`: the structure's bilan by year (page and files) and the consolidation for
/// the network, for facilitateurs and admins.
async fn telechargements(State(s): State<AppState>, c: Connecte, ApiQuery(q): ApiQuery<AnneeForm>) -> Result<Response, AppError> {
    if !GESTION.contains(&c.acteur.role) {
        return page_erreur(&s, Some(&c), StatusCode::FORBIDDEN, "Accès refusé", "Votre rôle ne donne pas accès aux bilans de la structure.");
    }
    let today = s.clock.today();
    let annees: Vec<i32> = (today.year() - 5..=today.year()).rev().collect();
    let annee = match q.annee.as_deref().filter(|a| !a.is_empty()) {
        None => today.year(),
        Some(a) => match a.parse::<i32>() {
            Ok(a) if annees.contains(&a) => a,
            _ => return page_erreur(&s, Some(&c), StatusCode::UNPROCESSABLE_ENTITY, "Année invalide", &format!("Choisissez une année de {} à {}.", today.year() - 5, today.year())),
        },
    };
    let mut ctx = tera::Context::new();
    ctx.insert("annees", &annees);
    ctx.insert("annee", &annee);
    ctx.insert("fil", &vec![("Bilans".to_string(), String::new())]);
    Ok(render(&s, "bilans/bilans.html", Some(&c), ctx)?.into_response())
}

#[derive(Deserialize)]
struct ConsolidationQuery {
    annee: i32,
}

/// The consolidation XML of a year, downloaded from `/bilans` (the API's file).
async fn consolidation(State(s): State<AppState>, c: Connecte, ApiQuery(q): ApiQuery<ConsolidationQuery>) -> Result<Response, AppError> {
    let (acteur, annee) = (c.acteur.clone(), q.annee);
    match s.lourds.executer(move |db| async move { super::consolidation::consolider(&db, &acteur, annee).await }).await {
        Ok((b, activite)) => {
            let xml = super::consolidation::xml(q.annee, &b, &activite).map_err(AppError::Internal)?;
            Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"consolidation-{}.xml\"", q.annee))], xml).into_response())
        }
        Err(AppError::Forbidden) => page_erreur(&s, Some(&c), StatusCode::FORBIDDEN, "Accès refusé", "Votre rôle ne donne pas accès à la consolidation."),
        Err(AppError::Invalid(e)) => page_erreur(&s, Some(&c), StatusCode::UNPROCESSABLE_ENTITY, "Année invalide", &e.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" ")),
        Err(e) => Err(e),
    }
}
