//! The home page by role. For facilitateurs and admins, the dashboard: the worklists of
//! the week (each with its count and links) and the portfolio of clauses, which is also
//! the clause list (`/clauses`): progress against the expected mark, filters, sort, pages.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use entities::enums::Role;

use crate::comptage::StatutAvancement;
use serde::Serialize;

use super::contexte::contexte;
use crate::auth::session::Connecte;
use crate::auth::GESTION;
use crate::clauses::service::compte::{charger, Filtre, Selection};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::liste::{contient, Params};
use crate::web::render;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/clauses", get(page_clauses))
}

#[derive(Serialize)]
struct LignePortefeuille {
    id: i64,
    operation_id: i64,
    operation: String,
    donneur_ordre_id: i64,
    donneur_ordre: String,
    marche_id: i64,
    marche: String,
    lot: String,
    attributaires: String,
    type_clause: String,
    objectif: f64,
    retenues: f64,
    taux: f64,
    attendu: f64,
    statut: String,
    date_fin: NaiveDate,
    /// Bar and expected mark, in % of the objective (0–100).
    barre: f64,
    repere: f64,
    texte_barre: String,
}

const TRIS: &[&str] = &["operation", "marche", "attributaire", "objectif", "retenues", "taux", "statut", "fin"];
const COLONNES: &[(&str, &str)] = &[
    ("operation", "Opération"),
    ("marche", "Marché et lot"),
    ("attributaire", "Attributaire"),
    ("objectif", "Objectif"),
    ("retenues", "Retenues"),
    ("taux", "Avancement"),
    ("statut", "Statut"),
    ("fin", "Fin"),
];

/// Options of the portfolio's filters.
#[derive(Serialize)]
struct Filtres {
    statuts: &'static [(&'static str, &'static str)],
    /// `None` past [`CHOIX_MAX`] (the search finds them).
    donneurs: Option<Vec<(String, String)>>,
    operations: Option<Vec<(String, String)>>,
    trop_de_choix: bool,
}

struct Portefeuille {
    lignes: Vec<LignePortefeuille>,
    pagination: crate::web::liste::Pagination,
    filtres: Filtres,
}

fn rang_statut(s: &str) -> u8 {
    ["critique", "en_retard", "non_demarree", "conforme", "en_avance", "atteinte"].iter().position(|x| *x == s).unwrap_or(9) as u8
}

/// The structure's clauses counted today, with the names around them: computed once and
/// kept while the structure's data is unchanged (`antememoire`), for the dashboard (its
/// alerts and portfolio) and the clause list. Facilitateurs and admins see the whole
/// structure, so one result serves them all.
pub(super) struct Comptees {
    clauses: Vec<crate::clauses::views::ClauseComptee>,
    contexte: super::contexte::Contexte,
}

async fn comptees(state: &AppState, a: &crate::auth::Acteur) -> AppResult<Arc<Comptees>> {
    a.require(GESTION)?;
    let today = state.clock.today();
    state
        .antememoire
        .obtenir(&state.db, "clauses", a.structure_id, today, || async {
            // The whole structure as one selection (no id list), without the per-month
            // explanations that only the clause page shows.
            let filtre = Filtre { du: None, au: today, attributaire: None, expliquer: false };
            let (charge, contexte) = tokio::try_join!(charger(&state.db, a, Selection::Structure, filtre), contexte(&state.db, a))?;
            let clauses = charge.clauses;
            Ok(Comptees { clauses, contexte })
        })
        .await
}

/// The portfolio: the counted clauses filtered (statut, donneur d'ordre, opération, mine,
/// end of period, text), sorted and cut to one page.
fn portefeuille(c: &Connecte, p: &Params, comptees: &Comptees) -> Portefeuille {
    let a = &c.acteur;
    let ctx = &comptees.contexte;
    let (operation, donneur) = (p.filtre_id("operation"), p.filtre_id("donneur_ordre"));
    let mes = p.filtre("mes") == Some("oui");
    let fin_avant = p.filtre("fin_avant").and_then(|f| NaiveDate::parse_from_str(f, "%Y-%m-%d").ok());
    let statut = p.filtre("statut");
    // The clauses kept, each with its sort key computed once; only the page shown is
    // then written out (a large structure has thousands of clauses).
    let texte = |s: &str| s.to_lowercase();
    let mut gardees: Vec<(Cle, &crate::clauses::views::ClauseComptee, &entities::marches::Model, &entities::operations::Model, &entities::lots::Model)> = comptees
        .clauses
        .iter()
        .filter_map(|cc| {
            if statut.is_some_and(|s| s != crate::text::code(cc.avancement.statut)) {
                return None;
            }
            let m = ctx.marches.get(&cc.marche_id)?;
            let o = ctx.operations.get(&m.operation_id)?;
            let hors_filtre = operation.is_some_and(|id| id != o.id)
                || donneur.is_some_and(|id| id != o.donneur_ordre_id)
                || (mes && o.facilitateur_id != Some(a.utilisateur_id))
                || fin_avant.is_some_and(|f| cc.clause.date_fin > f);
            if hors_filtre {
                return None;
            }
            let lot = ctx.lots.get(&cc.clause.lot_id)?;
            let attributaires = || ctx.titulaires.get(&lot.id).map(|t| t.join(", ")).unwrap_or_default();
            if !p.q.is_empty() {
                let donneur_ordre = ctx.donneurs.get(&o.donneur_ordre_id).map_or("", String::as_str);
                if !contient(&format!("{} {} {} {} {} {donneur_ordre}", o.nom, m.numero, m.objet, lot.intitule, attributaires()), &p.q) {
                    return None;
                }
            }
            let marche = || texte(&format!("{} — {}", m.numero, m.objet));
            let cle = match p.tri.as_str() {
                "marche" => Cle::Texte(marche(), String::new()),
                "attributaire" => Cle::Texte(texte(&attributaires()), String::new()),
                "objectif" => Cle::Nombre(cc.objectif_minutes as f64),
                "retenues" => Cle::Nombre(cc.globalisation.retenues as f64),
                "taux" => Cle::Nombre(cc.avancement.taux_realisation),
                "statut" => Cle::Nombre(f64::from(rang_statut(&crate::text::code(cc.avancement.statut)))),
                "fin" => Cle::Date(cc.clause.date_fin),
                _ => Cle::Texte(texte(&o.nom), marche()),
            };
            Some((cle, cc, m, o, lot))
        })
        .collect();
    gardees.sort_by(|x, y| {
        let o = x.0.cmp(&y.0).then(x.1.clause.id.cmp(&y.1.clause.id));
        if p.desc { o.reverse() } else { o }
    });
    let (gardees, pagination) = p.tranche(gardees);
    let lignes: Vec<LignePortefeuille> = gardees
        .into_iter()
        .map(|(_, cc, m, o, lot)| {
            let objectif = crate::parcours::limites::heures(cc.objectif_minutes);
            let retenues = crate::parcours::limites::heures(cc.globalisation.retenues);
            let attendu = if cc.objectif_minutes > 0 { cc.avancement.attendu as f64 / cc.objectif_minutes as f64 } else { 0.0 };
            LignePortefeuille {
                id: cc.clause.id,
                operation_id: o.id,
                operation: o.nom.clone(),
                donneur_ordre_id: o.donneur_ordre_id,
                donneur_ordre: ctx.donneurs.get(&o.donneur_ordre_id).cloned().unwrap_or_default(),
                marche_id: m.id,
                marche: format!("{} — {}", m.numero, m.objet),
                lot: super::nom_lot(lot),
                attributaires: ctx.titulaires.get(&lot.id).map(|t| t.join(", ")).unwrap_or_default(),
                type_clause: crate::text::code(cc.clause.r#type),
                objectif,
                retenues,
                taux: cc.avancement.taux_realisation,
                attendu,
                statut: crate::text::code(cc.avancement.statut),
                date_fin: cc.clause.date_fin,
                barre: (cc.avancement.taux_realisation.clamp(0.0, 1.0) * 1000.0).round() / 10.0,
                repere: (attendu.clamp(0.0, 1.0) * 990.0).round() / 10.0,
                texte_barre: format!("{} réalisés, {} attendus à ce jour", crate::text::pourcent_fr(cc.avancement.taux_realisation), crate::text::pourcent_fr(attendu)),
            }
        })
        .collect();
    // The filters offer the donneurs d'ordre and opérations that have clauses — up to
    // CHOIX_MAX of each; past it, the search finds them by name.
    let choix = |v: Vec<(String, String)>| {
        (v.len() <= CHOIX_MAX).then(|| {
            let mut v = v;
            v.sort_by_cached_key(|x| texte(&x.1));
            v
        })
    };
    let donneurs = choix(ctx.donneurs.iter().map(|(id, nom)| (id.to_string(), nom.clone())).collect());
    let operations = choix(ctx.operations.values().map(|o| (o.id.to_string(), o.nom.clone())).collect());
    let trop_de_choix = donneurs.is_none() || operations.is_none();
    Portefeuille { lignes, pagination, filtres: Filtres { statuts: crate::libelles::options("statut_avancement"), donneurs, operations, trop_de_choix } }
}

use crate::web::choix::CHOIX_MAX;

/// A clause's sort key in the portfolio, computed once.
#[derive(PartialEq, PartialOrd)]
enum Cle {
    Texte(String, String),
    Nombre(f64),
    Date(NaiveDate),
}

impl Eq for Cle {}

impl Ord for Cle {
    fn cmp(&self, autre: &Cle) -> std::cmp::Ordering {
        match (self, autre) {
            (Cle::Texte(a, b), Cle::Texte(c, d)) => a.cmp(c).then_with(|| b.cmp(d)),
            (Cle::Nombre(a), Cle::Nombre(b)) => a.total_cmp(b),
            (Cle::Date(a), Cle::Date(b)) => a.cmp(b),
            _ => std::cmp::Ordering::Equal,
        }
    }
}

fn inserer_portefeuille(ctx: &mut tera::Context, p: &Params, pf: Portefeuille) {
    ctx.insert("lignes", &pf.lignes);
    ctx.insert("pagination", &pf.pagination);
    ctx.insert("filtres", &pf.filtres);
    ctx.insert("colonnes", &p.colonnes(COLONNES));
    ctx.insert("q", &p.q);
    ctx.insert("choix", &p.filtres);
    ctx.insert("base", &p.base);
}

async fn page_clauses(State(state): State<AppState>, c: Connecte, crate::web::ApiQuery(query): crate::web::ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let p = Params::lire("/clauses", &query, TRIS);
    let pf = portefeuille(&c, &p, &*comptees(&state, &c.acteur).await?);
    let mut ctx = tera::Context::new();
    inserer_portefeuille(&mut ctx, &p, pf);
    ctx.insert("fil", &super::fil(&[("Clauses", "")]));
    Ok(render(&state, "clauses/liste.html", Some(&c), ctx)?.into_response())
}

#[derive(Serialize)]
struct Tache {
    titre: String,
    detail: String,
    url: String,
}

#[derive(Serialize)]
struct ListeTravail {
    titre: &'static str,
    nombre: usize,
    url: &'static str,
    lien: &'static str,
    taches: Vec<Tache>,
}

const APERCU: usize = 5;

fn liste(titre: &'static str, url: &'static str, lien: &'static str, taches: Vec<Tache>) -> ListeTravail {
    let nombre = taches.len();
    liste_de(titre, url, lien, nombre, taches)
}

/// A worklist of `nombre` tasks whose first ones are `taches`.
fn liste_de(titre: &'static str, url: &'static str, lien: &'static str, nombre: usize, taches: Vec<Tache>) -> ListeTravail {
    ListeTravail { titre, nombre, url, lien, taches: taches.into_iter().take(APERCU).collect() }
}

/// `/`: the public page, or the home of the logged-in user's role.
pub async fn accueil(State(state): State<AppState>, headers: HeaderMap, uri: axum::http::Uri) -> Result<Response, AppError> {
    let mut c = crate::auth::session::connecte(&state, &headers).await?;
    let Some(c) = c.as_mut() else {
        return Ok(render(&state, "accueil.html", None, tera::Context::new())?.into_response());
    };
    c.chemin = "/".into();
    let query: BTreeMap<String, String> = uri.query().and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
    if !GESTION.contains(&c.acteur.role) {
        let mut ctx = tera::Context::new();
        if c.acteur.role == Role::Entreprise {
            super::entreprise::contexte(&state, c, &mut ctx).await?;
        }
        if c.acteur.role == Role::Referent {
            super::referent::contexte(&state, c, &mut ctx).await?;
        }
        if c.acteur.role == Role::DonneurOrdre {
            super::donneur::contexte(&state, c, &Params::lire("/", &query, &[]), &mut ctx).await?;
        }
        return Ok(render(&state, "accueil.html", Some(c), ctx)?.into_response());
    }
    let p = Params::lire("/", &query, TRIS);
    let a = &c.acteur;
    let today = state.clock.today();
    // The counting and the worklists are read side by side.
    let (comptees, travail) = tokio::try_join!(comptees(&state, a), state.antememoire.obtenir(&state.db, "travail", a.structure_id, today, || listes_de_travail(&state, a)))?;
    let pf = portefeuille(c, &p, &comptees);
    let mut listes: Vec<&ListeTravail> = travail.iter().collect();
    let alertes = alertes(&comptees);
    listes.insert(2.min(listes.len()), &alertes);
    let mut ctx = tera::Context::new();
    ctx.insert("listes", &listes);
    ctx.insert("aujourdhui", &today);
    inserer_portefeuille(&mut ctx, &p, pf);
    Ok(render(&state, "clauses/tableau.html", Some(c), ctx)?.into_response())
}

/// The clauses en retard or critiques of the structure (not only the page shown).
fn alertes(comptees: &Comptees) -> ListeTravail {
    let en_alerte = || comptees.clauses.iter().filter(|cc| matches!(cc.avancement.statut, StatutAvancement::EnRetard | StatutAvancement::Critique));
    let nombre = en_alerte().count();
    let taches = en_alerte()
        .take(APERCU)
        .map(|cc| Tache {
            titre: match (comptees.contexte.marches.get(&cc.marche_id), comptees.contexte.lots.get(&cc.clause.lot_id)) {
                (Some(m), Some(l)) => format!("Marché {}, {}", m.numero, super::nom_lot(l)),
                _ => format!("Clause n° {}", cc.clause.id),
            },
            detail: format!("{} — {} réalisés", crate::libelles::de("statut_avancement", cc.avancement.statut), crate::text::pourcent_fr(cc.avancement.taux_realisation)),
            url: format!("/clauses/{}", cc.clause.id),
        })
        .collect();
    liste_de("Clauses en retard ou critiques", "/clauses?statut=critique", "Voir les clauses critiques", nombre, taches)
}

/// The other worklists of the dashboard (each with its count and its first tasks): the
/// same lists as the facilitateur's weekly digest.
async fn listes_de_travail(state: &AppState, a: &crate::auth::Acteur) -> AppResult<Vec<ListeTravail>> {
    let today = state.clock.today();
    let t = crate::relances::travail::travail(&state.db, a, today, APERCU as u64).await?;
    let a_valider: Vec<(&entities::heures_mensuelles::Model, &entities::contrats::Model)> = t.a_valider.premiers.iter().filter_map(|(h, c)| c.as_ref().map(|c| (h, c))).collect();
    let employeurs: Vec<i64> = a_valider.iter().map(|(_, c)| c.employeur_id).chain(t.en_retard.iter().map(|r| r.employeur_id)).collect();
    let noms = crate::clauses::service::noms_entreprises(&state.db, a, employeurs).await?;
    let personnes = crate::parcours::service::noms_courts(&state.db, a, a_valider.iter().map(|(_, c)| c.participant_id).collect()).await?;
    let nom = |id: &i64| noms.get(id).cloned().unwrap_or_default();
    let nom_court = |p: &Option<entities::participants::Model>| p.as_ref().map(crate::parcours::service::nom_court).unwrap_or_default();
    let listes = vec![
        liste_de(
            "Déclarations à valider",
            "/validations",
            "Valider les heures",
            t.a_valider.total,
            a_valider
                .iter()
                .map(|(h, c)| Tache { titre: nom(&c.employeur_id), detail: format!("{} — {}", personnes.get(&c.participant_id).cloned().unwrap_or_default(), crate::text::mois_fr(h.mois)), url: "/validations".into() })
                .collect(),
        ),
        liste(
            "Entreprises en retard de déclaration",
            "/declarations",
            "Voir les déclarations",
            t.en_retard
                .iter()
                .map(|r| Tache {
                    titre: nom(&r.employeur_id),
                    detail: format!("{} : {} contrat(s), {} jour(s) de retard", crate::text::mois_fr(r.mois), r.contrats, (today - r.echeance).num_days().max(0)),
                    url: format!("/declarations?mois={}", crate::parcours::limites::format_mois(r.mois)),
                })
                .collect(),
        ),
        liste_de(
            "Contrats finissant dans les 30 jours",
            "",
            "",
            t.fin_proche.total,
            t.fin_proche.premiers.iter().map(|(c, p)| Tache { titre: nom_court(p), detail: format!("{} — fin prévue le {}", c.poste, c.date_fin_prevue.map(crate::text::date_num).unwrap_or_default()), url: String::new() }).collect(),
        ),
        liste_de(
            "Critères d'éligibilité qui expirent",
            "",
            "",
            t.criteres.total,
            t.criteres
                .premiers
                .iter()
                .map(|(k, p)| Tache { titre: nom_court(p), detail: format!("{} — valable jusqu'au {}", crate::libelles::de("critere", k.code), k.valide_jusqu_au.map(crate::text::date_num).unwrap_or_default()), url: String::new() })
                .collect(),
        ),
        liste_de(
            "Suivis à 6 mois à faire",
            "",
            "",
            t.suivis.total,
            t.suivis.premiers.iter().map(|s| Tache { titre: format!("Contrat n° {}", s.contrat_id), detail: format!("dû le {}", crate::text::date_num(s.date_echeance)), url: String::new() }).collect(),
        ),
        liste_de(
            "Marchés qui démarrent",
            "/marches",
            "Voir les marchés",
            t.demarrages.total,
            t.demarrages.premiers.iter().map(|m| Tache { titre: format!("{} — {}", m.numero, m.objet), detail: format!("début le {}", crate::text::date_num(m.date_debut)), url: format!("/marches/{}", m.id) }).collect(),
        ),
    ];
    Ok(listes)
}
