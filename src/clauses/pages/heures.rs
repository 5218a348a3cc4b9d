//! The pages of the monthly hours of clause contrats, on the same services as the API
//! (so the rules, the rights and the French messages are the API's):
//! - `/declarations?mois=AAAA-MM`: the contrats whose hours of a month are still to
//!   declare (or to correct), each with its form. A company sees the contrats it employs
//!   — the list its reminder e-mail gave; facilitateurs and admins the whole
//!   structure's, with the employer. Each declaration is a new revision
//!   (`PUT /api/v1/contrats/{id}/heures/{mois}`).
//! - `/declarations/{contrat}/{mois}`: the revisions of a month.
//! The validation queue is in `validations.rs`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Months, NaiveDate};
use std::collections::BTreeMap;

use entities::enums::{Role, StatutDeclaration};
use serde::Serialize;

use crate::auth::session::Connecte;
use crate::error::AppError;
use crate::parcours::forms::HeuresInput;
use crate::parcours::limites::{format_mois, heures, heures_en_saisie, heures_saisies, parse_mois, plafond_minutes, premier_du_mois};
use crate::relances::declarations::{a_declarer, completer, ContratADeclarer};
use crate::state::AppState;
use crate::web::liste::Params;
use crate::web::{page_erreur, render, ApiForm, ApiPath, ApiQuery};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/declarations", get(page).post(declarer))
        .route("/declarations/{contrat}/{mois}", get(historique))
}

/// One line of the grid: a contrat whose hours of the month are to declare, in draft or
/// sent back, with what was typed and refused.
#[derive(Serialize)]
struct Ligne {
    contrat_id: i64,
    participant: String,
    poste: String,
    employeur: String,
    employeur_id: i64,
    date_debut: NaiveDate,
    date_fin: Option<NaiveDate>,
    /// The month's cap (worked + training), in hours.
    plafond: f64,
    /// « à déclarer », « brouillon », « à corriger ».
    etat: &'static str,
    /// Sent back: the facilitateur's reason and the hours declared before.
    motif_renvoi: Option<String>,
    avant: Option<(f64, f64)>,
    heures_travail: String,
    heures_formation: String,
    erreurs: Vec<String>,
}

pub(super) const ROLES: &[Role] = &[Role::Entreprise, Role::Facilitateur, Role::Admin];

/// The month shown: the one asked, else the month before today's (the one reminders are about).
pub(super) fn mois_choisi(state: &AppState, mois: Option<&str>) -> Result<NaiveDate, String> {
    match mois.filter(|m| !m.is_empty()) {
        Some(m) => parse_mois(m).ok_or_else(|| {
            let cite: String = m.chars().take(20).collect();
            format!("Mois « {cite} » illisible : AAAA-MM attendu.")
        }),
        None => Ok(premier_du_mois(state.clock.today()) - Months::new(1)),
    }
}

/// The grid's list: searched (person, poste, employer), filtered by employer, sorted,
/// paginated; the month is one of its filters.
const TRIS: &[&str] = &["salarie", "employeur", "etat"];

pub(super) fn liste(query: &BTreeMap<String, String>) -> Params {
    Params::lire("/declarations", query, TRIS)
}

async fn page(State(state): State<AppState>, connecte: Connecte, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let p = liste(&query);
    let mois = match mois_choisi(&state, query.get("mois").map(String::as_str)) {
        Ok(m) => m,
        Err(message) => return page_erreur(&state, Some(&connecte), StatusCode::BAD_REQUEST, "Mois illisible", &message),
    };
    // After the redirect of a recorded grid: how many lines, and whether as drafts.
    let fait = query.get("fait").and_then(|f| f.parse::<usize>().ok()).map(|n| {
        let s = if n > 1 { "s" } else { "" };
        if query.get("brouillon").is_some_and(|b| b == "true") { format!("{n} ligne{s} enregistrée{s} en brouillon.") } else { format!("{n} ligne{s} déclarée{s} : le facilitateur les validera.") }
    });
    afficher(&state, &connecte, mois, fait, &Saisies::default(), &p).await
}

use crate::web::choix::CHOIX_MAX;

/// The grid's contrats of `mois` that the employer filter and the search keep, sorted as
/// asked: one page of them (chosen, sorted and cut by the database), the pages, and the
/// employer filter's choices (`None` past [`CHOIX_MAX`]; a company has none).
async fn grille(state: &AppState, acteur: &crate::auth::Acteur, mois: NaiveDate, p: &Params) -> Result<(Vec<ContratADeclarer>, crate::web::liste::Pagination, Option<Vec<(String, String)>>), AppError> {
    use entities::{contrats, entreprises, heures_mensuelles, participants};
    use sea_orm::sea_query::{Expr, Func, SimpleExpr};
    use sea_orm::{ColumnTrait, Condition, EntityTrait, JoinType, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait};
    use crate::web::liste::{like, PAR_PAGE};
    let db = &state.db;
    // Each employer's count (one grouped read): the filter's choices and, without a
    // search or filter, the total — for the whole structure, kept while its data is
    // unchanged.
    let resume = async {
        let par_employeur = crate::relances::declarations::a_declarer_par_employeur(db, acteur, mois).await?;
        let total: u64 = par_employeur.iter().map(|(_, n)| *n as u64).sum();
        if acteur.role == Role::Entreprise {
            return Ok::<_, AppError>((total, Some(Vec::new())));
        }
        if par_employeur.len() > CHOIX_MAX {
            return Ok((total, None));
        }
        let noms = crate::clauses::service::noms_entreprises(db, acteur, par_employeur.iter().map(|(e, _)| *e).collect()).await?;
        let mut v: Vec<(String, String)> = par_employeur.iter().map(|(e, _)| (e.to_string(), noms.get(e).cloned().unwrap_or_default())).collect();
        v.sort_by_key(|(_, n)| n.to_lowercase());
        Ok((total, Some(v)))
    };
    let (total_sans_filtre, employeurs) = if acteur.role == Role::Entreprise {
        resume.await?
    } else {
        (*state.antememoire.obtenir(db, "grille", acteur.structure_id, mois, || resume).await?).clone()
    };
    // The revision in force this month (a draft or hours sent back): the state's sort.
    let courante = contrats::Entity::has_many(heures_mensuelles::Entity)
        .from(contrats::Column::Id)
        .to(heures_mensuelles::Column::ContratId)
        .on_condition(move |_, h| Condition::all().add(Expr::col((h.clone(), heures_mensuelles::Column::Mois)).eq(mois)).add(Expr::col((h, heures_mensuelles::Column::Courante)).eq(true)))
        .into();
    let mut s = a_declarer(acteur, mois)
        .find_also_related(participants::Entity)
        .join(JoinType::InnerJoin, contrats::Relation::Employeur.def())
        .join(JoinType::LeftJoin, courante);
    if let Some(e) = p.filtre_id("employeur") {
        s = s.filter(contrats::Column::EmployeurId.eq(e));
    }
    if let Some(m) = p.motif() {
        s = s.filter(
            Condition::any()
                .add(like(participants::Column::Nom, &m))
                .add(like(participants::Column::Prenom, &m))
                .add(like(contrats::Column::Poste, &m))
                .add(like(entreprises::Column::RaisonSociale, &m)),
        );
    }
    let sens = if p.desc { Order::Desc } else { Order::Asc };
    let bas = |c: SimpleExpr| SimpleExpr::from(Func::lower(c));
    let prenom = bas(Expr::col((participants::Entity, participants::Column::Prenom)).into());
    let nom = bas(Expr::col((participants::Entity, participants::Column::Nom)).into());
    let cles: Vec<SimpleExpr> = match p.tri.as_str() {
        "employeur" => vec![bas(Expr::col((entreprises::Entity, entreprises::Column::RaisonSociale)).into()), prenom, nom],
        // « brouillon », « à corriger », « à déclarer » (no revision): the states' French
        // names in alphabetical order.
        "etat" => vec![Expr::cust("CASE heures_mensuelles.statut WHEN 'brouillon' THEN 0 WHEN 'a_corriger' THEN 1 ELSE 2 END"), prenom, nom],
        _ => vec![prenom, nom],
    };
    for cle in cles {
        s = s.order_by(cle, sens.clone());
    }
    let s = s.order_by(contrats::Column::Id, sens);
    let paginator = s.paginate(db, PAR_PAGE);
    let total = if p.motif().is_none() && p.filtre_id("employeur").is_none() { total_sans_filtre } else { paginator.num_items().await? };
    let pagination = p.pagination(total);
    let lignes = paginator.fetch_page(pagination.page - 1).await?;
    Ok((completer(db, acteur, mois, lignes).await?, pagination, employeurs))
}

/// One page of the grid as read: its contrats, pages, employer filter, employers' names
/// and the structure's caps.
struct GrilleLue {
    contrats: Vec<ContratADeclarer>,
    pagination: crate::web::liste::Pagination,
    employeurs: Option<Vec<(String, String)>>,
    noms: BTreeMap<i64, String>,
    params: crate::parcours::parametres::ParametresParcours,
}

/// What the grid was sent: the typed hours by contrat, the refusals by contrat, and
/// refusals that belong to no line of the page.
#[derive(Default)]
pub(super) struct Saisies {
    pub(super) valeurs: BTreeMap<i64, (String, String)>,
    pub(super) erreurs: BTreeMap<i64, Vec<String>>,
    pub(super) generales: Vec<String>,
    pub(super) attestation: bool,
}

/// Renders the grid of `mois`; `saisies`: what was typed and refused (422), if anything.
pub(super) async fn afficher(state: &AppState, connecte: &Connecte, mois: NaiveDate, fait: Option<String>, saisies: &Saisies, p: &Params) -> Result<Response, AppError> {
    if !ROLES.contains(&connecte.acteur.role) {
        return declarations_refusees(state, connecte);
    }
    let acteur = &connecte.acteur;
    let today = state.clock.today();
    // One page of the grid, as the database gives it, is kept while the structure's data
    // is unchanged (any declaration changes it): the same page asked again (a company's
    // accountant coming back to it, every facilitateur of the structure) is not read again.
    let detail = format!("{:?}|{:?}|{}", acteur.role, acteur.entreprise_id, p.lien(&[("fait", None), ("brouillon", None)]));
    let lue = state
        .antememoire
        .obtenir_pour(&state.db, "page_grille", acteur.structure_id, mois, detail, || async {
            let (contrats, pagination, employeurs) = grille(state, acteur, mois, p).await?;
            let noms = crate::clauses::service::noms_entreprises(&state.db, acteur, contrats.iter().map(|c| c.employeur_id).collect()).await?;
            let params = crate::parcours::service::parametres(&state.db, acteur.structure_id).await?;
            Ok(GrilleLue { contrats, pagination, employeurs, noms, params })
        })
        .await?;
    let GrilleLue { contrats, pagination, employeurs, noms, params } = &*lue;
    let lignes: Vec<Ligne> = contrats
        .iter()
        .cloned()
        .map(|c| {
            let courante = c.courante.as_ref();
            let brouillon = courante.filter(|h| h.statut == StatutDeclaration::Brouillon);
            let renvoi = courante.filter(|h| h.statut == StatutDeclaration::ACorriger);
            let (travail, formation) = match (saisies.valeurs.get(&c.contrat_id), brouillon) {
                (Some(v), _) => v.clone(),
                (None, Some(b)) => (heures_en_saisie(heures(b.minutes_travail.into())), heures_en_saisie(heures(b.minutes_formation.into()))),
                (None, None) => (String::new(), "0".to_string()),
            };
            Ligne {
                plafond: heures(plafond_minutes(mois, c.date_debut, c.date_fin, params.heures_max_semaine, params.heures_max_jour_ouvre)),
                etat: if renvoi.is_some() { "à corriger" } else if brouillon.is_some() { "brouillon" } else { "à déclarer" },
                motif_renvoi: renvoi.and_then(|h| h.motif_decision.clone()),
                avant: renvoi.map(|h| (heures(h.minutes_travail.into()), heures(h.minutes_formation.into()))),
                erreurs: saisies.erreurs.get(&c.contrat_id).cloned().unwrap_or_default(),
                contrat_id: c.contrat_id,
                participant: c.participant,
                poste: c.poste,
                employeur: noms.get(&c.employeur_id).cloned().unwrap_or_default(),
                employeur_id: c.employeur_id,
                date_debut: c.date_debut,
                date_fin: c.date_fin,
                heures_travail: travail,
                heures_formation: formation,
            }
        })
        .collect();
    let f_employeur = p.filtre("employeur").map(str::to_string);
    // A refusal of a contrat that is not a line of this page is said above the grid.
    let mut generales = saisies.generales.clone();
    generales.extend(saisies.erreurs.iter().filter(|(id, _)| !lignes.iter().any(|l| l.contrat_id == **id)).flat_map(|(_, m)| m.iter().cloned()));
    let gestion = acteur.role != Role::Entreprise;
    let mut colonnes = vec![("salarie", "Salarié"), ("", "Poste")];
    if gestion {
        colonnes.push(("employeur", "Employeur"));
    }
    colonnes.extend([("", "Contrat"), ("", "Plafond du mois"), ("etat", "État"), ("", "Travail (h)"), ("", "Formation (h)"), ("", "Historique")]);
    let dernier_jour = mois + Months::new(1) - chrono::Days::new(1);
    let mut ctx = tera::Context::new();
    ctx.insert("pagination", &pagination);
    ctx.insert("colonnes", &p.colonnes(&colonnes));
    ctx.insert("q", &p.q);
    ctx.insert("employeurs", &employeurs);
    ctx.insert("employeur_choisi", &f_employeur.unwrap_or_default());
    ctx.insert("retour", &p.lien(&[("fait", None), ("brouillon", None), ("mois", Some(format_mois(mois)))]));
    ctx.insert("mois", &format_mois(mois));
    let mois_fr = crate::text::mois_fr(mois);
    // « d'avril », « d'août », « d'octobre », « de juin ».
    let de = if mois_fr.starts_with(['a', 'o']) { "d'" } else { "de " };
    ctx.insert("de_mois", &format!("{de}{mois_fr}"));
    ctx.insert("mois_fr", &mois_fr);
    ctx.insert("mois_max", &format_mois(premier_du_mois(today)));
    ctx.insert("en_cours", &(dernier_jour > today));
    ctx.insert("dernier_jour", &dernier_jour);
    ctx.insert("lignes", &lignes);
    ctx.insert("gestion", &gestion);
    ctx.insert("entreprise", &(acteur.role == Role::Entreprise));
    ctx.insert("attestation", &saisies.attestation);
    ctx.insert("generales", &generales);
    ctx.insert("fait", &fait);
    // A company's other months waiting (facilitateurs have the dashboard's worklists: the
    // whole structure's months would cost a read of every contrat's hours).
    let a_traiter = if acteur.role == Role::Entreprise { crate::relances::declarations::mois_a_traiter(&state.db, acteur, today).await? } else { Vec::new() };
    ctx.insert("a_traiter", &a_traiter.into_iter().filter(|m| m.mois != mois).map(MoisVu::from).collect::<Vec<_>>());
    ctx.insert("fil", &super::fil(&[("Déclarations", "")]));
    let refus = !saisies.erreurs.is_empty() || !saisies.generales.is_empty();
    let status = if refus { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(state, "clauses/declarations.html", Some(connecte), ctx)?).into_response())
}

/// A month needing action, as pages show it.
#[derive(Serialize)]
pub(super) struct MoisVu {
    mois: String,
    mois_fr: String,
    a_declarer: usize,
    brouillons: usize,
    a_corriger: usize,
    echeance: NaiveDate,
    jours_retard: i64,
    en_cours: bool,
}

impl From<crate::relances::declarations::MoisATraiter> for MoisVu {
    fn from(m: crate::relances::declarations::MoisATraiter) -> MoisVu {
        MoisVu {
            mois: format_mois(m.mois),
            mois_fr: crate::text::mois_fr(m.mois),
            a_declarer: m.a_declarer,
            brouillons: m.brouillons,
            a_corriger: m.a_corriger,
            echeance: m.echeance,
            jours_retard: m.jours_retard,
            en_cours: m.en_cours,
        }
    }
}

/// The page refusing the declarations (grid, spreadsheet) to other roles.
pub(super) fn declarations_refusees(state: &AppState, connecte: &Connecte) -> Result<Response, AppError> {
    page_erreur(state, Some(connecte), StatusCode::FORBIDDEN, "Accès refusé", "Les déclarations d'heures sont faites par les entreprises, les facilitateurs et les administrateurs.")
}

/// The page refusing a form that does not carry the session's CSRF token.
pub(super) fn formulaire_etranger(state: &AppState, connecte: &Connecte) -> Result<Response, AppError> {
    page_erreur(state, Some(connecte), StatusCode::FORBIDDEN, "Formulaire expiré", "Ce formulaire ne vient pas de votre session : rechargez la page puis recommencez.")
}

/// The page answering a contrat the caller may not reach.
fn contrat_introuvable(state: &AppState, connecte: &Connecte) -> Result<Response, AppError> {
    page_erreur(state, Some(connecte), StatusCode::NOT_FOUND, "Contrat introuvable", "Ce contrat n'existe pas ou ne vous concerne pas.")
}

/// The grid sent: `travail_<contrat>` and `formation_<contrat>` for each line, `action`
/// (`brouillon` or `declarer`), `attestation`. Lines left empty are not sent to the
/// service; the others go together, all or nothing.
async fn declarer(State(state): State<AppState>, connecte: Connecte, ApiForm(champs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let champ = |nom: &str| champs.get(nom).map(String::as_str).unwrap_or_default();
    if champ("csrf") != connecte.csrf {
        return formulaire_etranger(&state, &connecte);
    }
    let mois = match mois_choisi(&state, Some(champ("mois")).filter(|m| !m.is_empty()).or(Some("?"))) {
        Ok(m) => m,
        Err(message) => return page_erreur(&state, Some(&connecte), StatusCode::BAD_REQUEST, "Mois illisible", &message),
    };
    let brouillon = champ("action") == "brouillon";
    let p = liste_de_retour(champ("retour"));
    let mut saisies = Saisies { attestation: champ("attestation") == "oui", ..Default::default() };
    for (nom, travail) in &champs {
        let Some(id) = nom.strip_prefix("travail_").and_then(|i| i.parse::<i64>().ok()) else { continue };
        let formation = champs.get(&format!("formation_{id}")).cloned().unwrap_or_default();
        let cite = |t: &str| -> String { t.chars().take(20).collect() };
        saisies.valeurs.insert(id, (cite(travail), cite(&formation)));
    }
    let mut lignes = Vec::new();
    for (id, (travail, formation)) in &saisies.valeurs {
        if travail.trim().is_empty() && matches!(formation.trim(), "" | "0") {
            continue;
        }
        let mut erreurs = Vec::new();
        let t = heures_saisies(travail).map_err(|e| erreurs.push(format!("Travail : {e}"))).unwrap_or(0.0);
        let f = heures_saisies(formation).map_err(|e| erreurs.push(format!("Formation : {e}"))).unwrap_or(0.0);
        if erreurs.is_empty() {
            lignes.push((*id, HeuresInput { heures_travail: t, heures_formation: f, motif: None, revision: None, brouillon, attestation: saisies.attestation }));
        } else {
            saisies.erreurs.insert(*id, erreurs);
        }
    }
    if lignes.is_empty() && saisies.erreurs.is_empty() {
        saisies.generales.push("Saisissez les heures d'au moins une ligne.".into());
    }
    if !saisies.erreurs.is_empty() || !saisies.generales.is_empty() {
        return afficher(&state, &connecte, mois, None, &saisies, &p).await;
    }
    match crate::parcours::service::heures::declarer_lot(&state.db, &state.clock, &connecte.acteur, &format_mois(mois), lignes).await? {
        Ok(n) => Ok(Redirect::to(&apres_envoi(&p, mois, n, brouillon)).into_response()),
        Err(refus) => {
            saisies.erreurs.extend(refus);
            afficher(&state, &connecte, mois, None, &saisies, &p).await
        }
    }
}

/// The grid's list a form came from (its hidden `retour`), to show it again.
pub(super) fn liste_de_retour(retour: &str) -> Params {
    let query: BTreeMap<String, String> = retour.split_once('?').filter(|_| retour.starts_with("/declarations")).and_then(|(_, q)| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
    liste(&query)
}

/// Where a grid goes once recorded: the same list and month, with what was done.
pub(super) fn apres_envoi(p: &Params, mois: NaiveDate, n: usize, brouillon: bool) -> String {
    let mut changes = vec![("mois", Some(format_mois(mois))), ("fait", Some(n.to_string()))];
    if brouillon {
        changes.push(("brouillon", Some("true".to_string())));
    }
    p.lien(&changes)
}

/// The revisions of one month of a contrat: who declared what and when, who certified,
/// the decisions and their reasons.
async fn historique(State(state): State<AppState>, connecte: Connecte, ApiPath((contrat_id, mois)): ApiPath<(i64, String)>) -> Result<Response, AppError> {
    if !ROLES.contains(&connecte.acteur.role) {
        return page_erreur(&state, Some(&connecte), StatusCode::FORBIDDEN, "Accès refusé", "L'historique des déclarations est réservé aux entreprises, aux facilitateurs et aux administrateurs.");
    }
    let Some(debut) = parse_mois(&mois) else { return contrat_introuvable(&state, &connecte) };
    let contrat = crate::parcours::service::get_contrat(&state.db, &connecte.acteur, contrat_id).await?;
    if connecte.acteur.role == Role::Entreprise && Some(contrat.employeur_id) != connecte.acteur.entreprise_id {
        return contrat_introuvable(&state, &connecte);
    }
    let revisions = match crate::parcours::service::heures::historique_mois(&state.db, &connecte.acteur, contrat_id, &mois).await {
        Ok(r) => r,
        Err(AppError::NotFound) => Vec::new(),
        Err(e) => return Err(e),
    };
    let ids: Vec<i64> = revisions.iter().flat_map(|r| [r.declare_par_id, r.decide_par_id, r.atteste_par_id]).flatten().collect();
    let noms = crate::auth::service::noms_utilisateurs(&state.db, &connecte.acteur, ids).await?;
    let nom = |id: Option<i64>| id.and_then(|i| noms.get(&i).cloned());
    let vues: Vec<serde_json::Value> = revisions
        .iter()
        .map(|r| {
            serde_json::json!({
                "revision": r.revision,
                "courante": r.courante,
                "statut": crate::text::code(r.statut),
                "travail": heures(r.minutes_travail.into()),
                "formation": heures(r.minutes_formation.into()),
                "motif": r.motif,
                "declare_par": nom(r.declare_par_id),
                "declare_at": r.declare_at,
                "atteste_par": nom(r.atteste_par_id),
                "atteste_at": r.atteste_at,
                "decide_par": nom(r.decide_par_id),
                "decide_at": r.decide_at,
                "motif_decision": r.motif_decision,
            })
        })
        .collect();
    let personne = crate::parcours::service::noms_courts(&state.db, &connecte.acteur, vec![contrat.participant_id]).await?.remove(&contrat.participant_id).unwrap_or_default();
    let mut ctx = tera::Context::new();
    ctx.insert("revisions", &vues);
    ctx.insert("personne", &personne);
    ctx.insert("poste", &contrat.poste);
    ctx.insert("mois", &format_mois(debut));
    ctx.insert("mois_fr", &crate::text::mois_fr(debut));
    let retour = format!("/declarations?mois={}", format_mois(debut));
    ctx.insert("fil", &super::fil(&[("Déclarations", &retour), ("Historique", "")]));
    Ok(render(&state, "clauses/historique.html", Some(&connecte), ctx)?.into_response())
}
