//! `/validations`: the facilitateur's queue of months declared and waiting, at volume.
//! Filtered by month, employer, opération and clause, searched, sorted, paginated; each
//! line with its context (clause and opération, contract dates, the month's cap, the
//! previous months' hours, who certified); several lines validated in one action, or sent
//! back each with its reason — all or nothing, on the API's service
//! (`parcours::service::heures::decider_lot`). A month sent back is e-mailed to the
//! company at once (`relances::renvois_maintenant`, once per revision).

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Months, NaiveDate};
use entities::enums::StatutDeclaration;
use entities::{contrats, entreprises, heures_mensuelles, mises_en_emploi, operations, participants};
use sea_orm::{ColumnTrait, QueryFilter};
use serde::Serialize;

use crate::auth::session::Connecte;
use crate::error::AppError;
use crate::parcours::forms::{Decision, ValidationInput};
use crate::parcours::limites::{format_mois, heures_fr, plafond_minutes};
use crate::state::AppState;
use crate::web::liste::Params;
use crate::web::{page_erreur, render, ApiForm, ApiQuery};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/validations", get(page).post(decider))
}

/// The sorts: oldest month first by default.
const TRIS: &[&str] = &["mois", "employeur", "salarie", "operation"];

/// How many earlier months of the contrat a line recalls.
const MOIS_PRECEDENTS: u32 = 3;

#[derive(Serialize, Clone)]
struct Ligne {
    /// `contrat:AAAA-MM:revision`, the value of its checkbox and buttons.
    cle: String,
    contrat_id: i64,
    mois: String,
    mois_fr: String,
    revision: i32,
    employeur_id: i64,
    employeur: String,
    participant: String,
    poste: String,
    date_debut: NaiveDate,
    date_fin: Option<NaiveDate>,
    operation_id: i64,
    operation: String,
    clause_id: i64,
    heures_travail: String,
    heures_formation: String,
    plafond: String,
    /// « avril 2025 : 140 h (validé) », most recent first.
    precedents: Vec<String>,
    atteste: Option<String>,
    motif: String,
    choisi: bool,
    erreurs: Vec<String>,
    /// The queue filtered on this line's employer.
    filtre_employeur: String,
}

/// What was sent and refused, to show again.
#[derive(Default)]
struct Saisies {
    motifs: BTreeMap<String, String>,
    choisis: BTreeSet<String>,
    erreurs: BTreeMap<String, Vec<String>>,
    generales: Vec<String>,
}

async fn page(State(state): State<AppState>, connecte: Connecte, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let p = Params::lire("/validations", &query, TRIS);
    afficher(&state, &connecte, &p, query.get("fait").map(String::as_str), &Saisies::default()).await
}

fn refusee(state: &AppState, connecte: &Connecte) -> Result<Response, AppError> {
    page_erreur(state, Some(connecte), StatusCode::FORBIDDEN, "Accès refusé", "La validation des heures est réservée aux facilitateurs et aux administrateurs de la structure.")
}

// Past CHOIX_MAX choices a filter is not listed: the search finds them, and a line's
// employer is a link that filters on it.
use crate::web::choix::CHOIX_MAX;

/// The months waiting in the caller's structure that the filters and the search keep,
/// sorted as asked: one page of them, and how many in all — chosen, sorted and cut by the
/// database (a structure may have thousands waiting).
async fn file(state: &AppState, connecte: &Connecte, p: &Params, total_sans_filtre: u64) -> Result<(Vec<(heures_mensuelles::Model, contrats::Model)>, crate::web::liste::Pagination), AppError> {
    use sea_orm::sea_query::{Expr, Func, Query, SimpleExpr};
    use sea_orm::{Condition, JoinType, Order, PaginatorTrait, QueryOrder, QuerySelect, RelationTrait};
    use crate::web::liste::{like, PAR_PAGE};
    let acteur = &connecte.acteur;
    let liens = |colonne: mises_en_emploi::Column, id: i64| contrats::Column::Id.in_subquery(Query::select().column(mises_en_emploi::Column::ContratId).from(mises_en_emploi::Entity).and_where(colonne.eq(id)).to_owned());
    let mut s = crate::relances::declarations::declarations_a_valider(acteur);
    sea_orm::QueryTrait::query(&mut s).clear_order_by();
    let mut s = s
        .join(JoinType::InnerJoin, contrats::Relation::Employeur.def())
        .join(JoinType::InnerJoin, contrats::Relation::Participant.def());
    if let Some(mois) = p.filtre("mois").and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok()) {
        s = s.filter(heures_mensuelles::Column::Mois.eq(mois));
    }
    if let Some(e) = p.filtre_id("employeur") {
        s = s.filter(contrats::Column::EmployeurId.eq(e));
    }
    if let Some(o) = p.filtre_id("operation") {
        s = s.filter(liens(mises_en_emploi::Column::OperationId, o));
    }
    if let Some(k) = p.filtre_id("clause") {
        s = s.filter(liens(mises_en_emploi::Column::ClauseId, k));
    }
    if let Some(m) = p.motif() {
        let par_operation = Query::select()
            .column((mises_en_emploi::Entity, mises_en_emploi::Column::ContratId))
            .from(mises_en_emploi::Entity)
            .inner_join(operations::Entity, Expr::col((operations::Entity, operations::Column::Id)).equals((mises_en_emploi::Entity, mises_en_emploi::Column::OperationId)))
            .and_where(like(operations::Column::Nom, &m))
            .to_owned();
        s = s.filter(
            Condition::any()
                .add(like(entreprises::Column::RaisonSociale, &m))
                .add(like(participants::Column::Nom, &m))
                .add(like(participants::Column::Prenom, &m))
                .add(like(contrats::Column::Poste, &m))
                .add(contrats::Column::Id.in_subquery(par_operation)),
        );
    }
    let sens = if p.desc { Order::Desc } else { Order::Asc };
    let bas = |c: SimpleExpr| SimpleExpr::from(Func::lower(c));
    let mois = Expr::col((heures_mensuelles::Entity, heures_mensuelles::Column::Mois)).into();
    let employeur = bas(Expr::col((entreprises::Entity, entreprises::Column::RaisonSociale)).into());
    let cles: Vec<SimpleExpr> = match p.tri.as_str() {
        "employeur" => vec![employeur, mois],
        "salarie" => vec![bas(Expr::col((participants::Entity, participants::Column::Prenom)).into()), bas(Expr::col((participants::Entity, participants::Column::Nom)).into()), mois],
        // A contrat's opération (the first by name when it works on several clauses).
        "operation" => vec![Expr::cust("(SELECT MIN(LOWER(o.nom)) FROM mises_en_emploi m JOIN operations o ON o.id = m.operation_id WHERE m.contrat_id = contrats.id)"), mois],
        _ => vec![mois, employeur],
    };
    for cle in cles {
        s = s.order_by(cle, sens.clone());
    }
    let s = s.order_by(contrats::Column::Id, sens.clone()).order_by(heures_mensuelles::Column::Id, sens);
    let paginator = s.paginate(&state.db, PAR_PAGE);
    let filtre = p.motif().is_some() || ["mois", "employeur", "operation", "clause"].iter().any(|f| p.filtre(f).is_some());
    let total = if filtre { paginator.num_items().await? } else { total_sans_filtre };
    let pagination = p.pagination(total);
    let lignes = paginator.fetch_page(pagination.page - 1).await?.into_iter().filter_map(|(h, c)| c.map(|c| (h, c))).collect();
    Ok((lignes, pagination))
}

/// These months with their context: names, clause and opération, the month's cap, the
/// previous months' hours, who certified.
async fn lignes(state: &AppState, connecte: &Connecte, mois: Vec<(heures_mensuelles::Model, contrats::Model)>) -> Result<Vec<Ligne>, AppError> {
    let acteur = &connecte.acteur;
    let contrats: Vec<i64> = mois.iter().map(|(_, c)| c.id).collect::<BTreeSet<_>>().into_iter().collect();
    let noms = crate::clauses::service::noms_entreprises(&state.db, acteur, mois.iter().map(|(_, c)| c.employeur_id).collect()).await?;
    let personnes = crate::parcours::service::noms_courts(&state.db, acteur, mois.iter().map(|(_, c)| c.participant_id).collect()).await?;
    let liens: BTreeMap<i64, mises_en_emploi::Model> = acteur.scoped::<mises_en_emploi::Entity>().filter(mises_en_emploi::Column::ContratId.is_in(contrats.clone())).all(&state.db).await?.into_iter().map(|m| (m.contrat_id, m)).collect();
    let operations: BTreeMap<i64, String> = acteur
        .scoped::<operations::Entity>()
        .filter(operations::Column::Id.is_in(liens.values().map(|m| m.operation_id).collect::<Vec<_>>()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.nom))
        .collect();
    // The earlier months of these contrats (current revisions).
    let plus_ancien = mois.iter().map(|(h, _)| h.mois).min().map(|m| m - Months::new(MOIS_PRECEDENTS));
    let mut historiques: BTreeMap<i64, Vec<heures_mensuelles::Model>> = BTreeMap::new();
    if let Some(depuis) = plus_ancien {
        for h in acteur
            .scoped::<heures_mensuelles::Entity>()
            .filter(heures_mensuelles::Column::ContratId.is_in(contrats.clone()))
            .filter(heures_mensuelles::Column::Courante.eq(true))
            .filter(heures_mensuelles::Column::Mois.gte(depuis))
            .all(&state.db)
            .await?
        {
            historiques.entry(h.contrat_id).or_default().push(h);
        }
    }
    let attestants = crate::auth::service::noms_utilisateurs(&state.db, acteur, mois.iter().filter_map(|(h, _)| h.atteste_par_id).collect()).await?;
    let params = crate::parcours::service::parametres(&state.db, acteur.structure_id).await?;
    Ok(mois
        .into_iter()
        .map(|(h, c)| {
            let lien = liens.get(&c.id);
            let fin = c.date_fin_reelle.or(c.date_fin_prevue);
            let mut precedents: Vec<&heures_mensuelles::Model> = historiques.get(&c.id).map(|v| v.iter().filter(|p| p.mois < h.mois && p.mois >= h.mois - Months::new(MOIS_PRECEDENTS)).collect()).unwrap_or_default();
            precedents.sort_by_key(|p| std::cmp::Reverse(p.mois));
            let mois = format_mois(h.mois);
            Ligne {
                cle: format!("{}:{mois}:{}", c.id, h.revision),
                contrat_id: c.id,
                mois_fr: crate::text::mois_fr(h.mois),
                revision: h.revision,
                employeur_id: c.employeur_id,
                employeur: noms.get(&c.employeur_id).cloned().unwrap_or_default(),
                participant: personnes.get(&c.participant_id).cloned().unwrap_or_default(),
                poste: c.poste.clone(),
                date_debut: c.date_debut,
                date_fin: fin,
                operation_id: lien.map_or(0, |l| l.operation_id),
                operation: lien.and_then(|l| operations.get(&l.operation_id).cloned()).unwrap_or_default(),
                clause_id: lien.map_or(0, |l| l.clause_id),
                heures_travail: heures_fr(h.minutes_travail.into()),
                heures_formation: heures_fr(h.minutes_formation.into()),
                plafond: heures_fr(plafond_minutes(h.mois, c.date_debut, fin, params.heures_max_semaine, params.heures_max_jour_ouvre)),
                precedents: precedents
                    .iter()
                    .map(|p| format!("{} : {} ({})", crate::text::mois_fr(p.mois), heures_fr(i64::from(p.minutes_travail) + i64::from(p.minutes_formation)), crate::libelles::de("statut_declaration", p.statut)))
                    .collect(),
                atteste: h.atteste_par_id.map(|a| format!("{}, le {}", attestants.get(&a).cloned().unwrap_or_default(), h.atteste_at.map(crate::text::horodatage_fr).unwrap_or_default())),
                motif: String::new(),
                choisi: false,
                erreurs: Vec::new(),
                filtre_employeur: String::new(),
                mois,
            }
        })
        .collect())
}

/// Renders the queue; `saisies`: what was sent and refused (422), if anything.
async fn afficher(state: &AppState, connecte: &Connecte, p: &Params, fait: Option<&str>, saisies: &Saisies) -> Result<Response, AppError> {
    if !crate::auth::GESTION.contains(&connecte.acteur.role) {
        return refusee(state, connecte);
    }
    // The filters' choices and the queue's size: read once per version of the structure's
    // data (kept while nothing is written), not at every page.
    let choix = state.antememoire.obtenir(&state.db, "file_validation", connecte.acteur.structure_id, state.clock.today(), || choix(state, connecte)).await?;
    let (mois, pagination) = file(state, connecte, p, choix.total).await?;
    let lignes: Vec<Ligne> = lignes(state, connecte, mois)
        .await?
        .into_iter()
        .map(|mut l| {
            l.motif = saisies.motifs.get(&l.cle).cloned().unwrap_or_default();
            l.choisi = saisies.choisis.contains(&l.cle);
            l.erreurs = saisies.erreurs.get(&l.cle).cloned().unwrap_or_default();
            l.filtre_employeur = p.lien(&[("employeur", Some(l.employeur_id.to_string())), ("page", None), ("fait", None)]);
            l
        })
        .collect();
    let trop: Vec<&str> = [("employeurs", choix.employeurs.is_none()), ("opérations", choix.operations.is_none()), ("clauses", choix.clauses.is_none())].into_iter().filter(|(_, t)| *t).map(|(n, _)| n).collect();
    let filtre = |nom: &str| p.filtre(nom).map(str::to_string);
    let (f_mois, f_employeur, f_operation, f_clause) = (filtre("mois"), filtre("employeur"), filtre("operation"), filtre("clause"));
    let mut ctx = tera::Context::new();
    ctx.insert("lignes", &lignes);
    ctx.insert("pagination", &pagination);
    ctx.insert("colonnes", &p.colonnes(&[("", "Choisir"), ("mois", "Mois"), ("employeur", "Employeur"), ("salarie", "Salarié et contrat"), ("operation", "Opération et clause"), ("", "Heures du mois"), ("", "Mois précédents"), ("", "Décision")]));
    ctx.insert("q", &p.q);
    ctx.insert("filtres", &serde_json::json!({
        "mois": f_mois, "employeur": f_employeur, "operation": f_operation, "clause": f_clause,
    }));
    ctx.insert("mois_possibles", &choix.mois);
    ctx.insert("employeurs", &choix.employeurs);
    ctx.insert("operations", &choix.operations);
    ctx.insert("clauses", &choix.clauses);
    ctx.insert("choix_max", &CHOIX_MAX);
    ctx.insert("trop", &trop);
    ctx.insert("sans_filtres", &p.lien(&[("employeur", None), ("operation", None), ("clause", None), ("page", None), ("fait", None)]));
    ctx.insert("fait", &fait);
    ctx.insert("generales", &saisies.generales);
    ctx.insert("retour", &p.lien(&[("fait", None)]));
    let refus = !saisies.erreurs.is_empty() || !saisies.generales.is_empty();
    let status = if refus { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(state, "clauses/validations.html", Some(connecte), ctx)?).into_response())
}

/// The filters' choices: the values present in the queue; `None` past [`CHOIX_MAX`].
struct Choix {
    /// Months waiting in the structure.
    total: u64,
    mois: Vec<(String, String)>,
    employeurs: Option<Vec<(String, String)>>,
    operations: Option<Vec<(String, String)>>,
    clauses: Option<Vec<(String, String)>>,
}

async fn choix(state: &AppState, connecte: &Connecte) -> Result<Choix, AppError> {
    use sea_orm::sea_query::Query;
    use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
    let acteur = &connecte.acteur;
    let db = &state.db;
    let en_attente = Query::select()
        .column(heures_mensuelles::Column::ContratId)
        .from(heures_mensuelles::Entity)
        .and_where(heures_mensuelles::Column::StructureId.eq(acteur.structure_id))
        .and_where(heures_mensuelles::Column::Courante.eq(true))
        .and_where(heures_mensuelles::Column::Statut.eq(StatutDeclaration::Declaree))
        .to_owned();
    let plafonner = |v: Vec<(String, String)>| (v.len() <= CHOIX_MAX).then_some(v);
    let mois: Vec<NaiveDate> = acteur
        .scoped::<heures_mensuelles::Entity>()
        .filter(heures_mensuelles::Column::Courante.eq(true))
        .filter(heures_mensuelles::Column::Statut.eq(StatutDeclaration::Declaree))
        .select_only()
        .column(heures_mensuelles::Column::Mois)
        .distinct()
        .order_by_asc(heures_mensuelles::Column::Mois)
        .into_tuple()
        .all(db)
        .await?;
    let employeurs: Vec<i64> = contrats::Entity::find()
        .filter(contrats::Column::StructureId.eq(acteur.structure_id))
        .filter(contrats::Column::Id.in_subquery(en_attente.clone()))
        .select_only()
        .column(contrats::Column::EmployeurId)
        .distinct()
        .limit(CHOIX_MAX as u64 + 1)
        .into_tuple()
        .all(db)
        .await?;
    let noms = crate::clauses::service::noms_entreprises(db, acteur, employeurs.clone()).await?;
    let mut employeurs: Vec<(String, String)> = employeurs.iter().map(|e| (e.to_string(), noms.get(e).cloned().unwrap_or_default())).collect();
    employeurs.sort_by_key(|(_, nom)| nom.to_lowercase());
    let liens: Vec<(i64, i64)> = acteur
        .scoped::<mises_en_emploi::Entity>()
        .filter(mises_en_emploi::Column::ContratId.in_subquery(en_attente))
        .select_only()
        .columns([mises_en_emploi::Column::ClauseId, mises_en_emploi::Column::OperationId])
        .distinct()
        .limit(CHOIX_MAX as u64 + 1)
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<i64> = liens.iter().map(|(_, o)| *o).collect::<BTreeSet<_>>().into_iter().collect();
    let noms_operations: BTreeMap<i64, String> = acteur.scoped::<operations::Entity>().filter(operations::Column::Id.is_in(ids)).all(db).await?.into_iter().map(|o| (o.id, o.nom)).collect();
    let nom = |o: &i64| noms_operations.get(o).cloned().unwrap_or_default();
    let mut operations: Vec<(String, String)> = liens.iter().map(|(_, o)| (o.to_string(), nom(o))).collect::<BTreeSet<_>>().into_iter().collect();
    operations.sort_by_key(|(_, n)| n.to_lowercase());
    let clauses: Vec<(String, String)> = liens.iter().map(|(k, o)| (k.to_string(), format!("Clause n° {k} — {}", nom(o)))).collect::<BTreeSet<_>>().into_iter().collect();
    let total = sea_orm::PaginatorTrait::count(crate::relances::declarations::declarations_a_valider(acteur), db).await?;
    Ok(Choix {
        total,
        mois: mois.into_iter().map(|m| (format_mois(m), crate::text::mois_fr(m))).collect(),
        employeurs: plafonner(employeurs),
        // Past CHOIX_MAX links, the opérations may be fewer: still too many to know.
        operations: (liens.len() <= CHOIX_MAX).then_some(operations),
        clauses: plafonner(clauses),
    })
}

/// `contrat:AAAA-MM:revision`.
fn lire_cle(cle: &str) -> Option<(i64, String, i32)> {
    let mut it = cle.splitn(3, ':');
    Some((it.next()?.parse().ok()?, it.next()?.to_string(), it.next()?.parse().ok()?))
}

/// The form: `choix` (one per line ticked), `motif_<clé>` per line, `action`:
/// `valider` / `renvoyer` (the lines ticked) or `valider:<clé>` / `renvoyer:<clé>` (one
/// line), `retour` (the list's address, to come back to).
async fn decider(State(state): State<AppState>, connecte: Connecte, ApiForm(champs): ApiForm<Vec<(String, String)>>) -> Result<Response, AppError> {
    let champ = |nom: &str| champs.iter().find(|(k, _)| k == nom).map(|(_, v)| v.as_str()).unwrap_or_default();
    if champ("csrf") != connecte.csrf {
        return super::heures::formulaire_etranger(&state, &connecte);
    }
    if !crate::auth::GESTION.contains(&connecte.acteur.role) {
        return refusee(&state, &connecte);
    }
    let retour = Some(champ("retour")).filter(|r| r.starts_with("/validations")).unwrap_or("/validations").to_string();
    let query: BTreeMap<String, String> = retour.split_once('?').and_then(|(_, q)| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
    let p = Params::lire("/validations", &query, TRIS);
    let mut saisies = Saisies::default();
    for (k, v) in &champs {
        if k == "choix" {
            saisies.choisis.insert(v.clone());
        } else if let Some(cle) = k.strip_prefix("motif_") {
            // The API's rule for a reason (`texte::LONG`); a refused one is not shown back whole.
            if let Err(e) = crate::texte::verifier(v, crate::texte::LONG, true) {
                saisies.erreurs.insert(cle.to_string(), vec![format!("Motif du renvoi : {e}")]);
            }
            saisies.motifs.insert(cle.to_string(), v.chars().take(crate::texte::LONG).collect());
        }
    }
    let action = champ("action");
    let (decision, cles): (Decision, Vec<String>) = match action.split_once(':') {
        Some(("valider", cle)) => (Decision::Validee, vec![cle.to_string()]),
        Some(("renvoyer", cle)) => (Decision::ACorriger, vec![cle.to_string()]),
        _ if action == "valider" => (Decision::Validee, saisies.choisis.iter().cloned().collect()),
        _ if action == "renvoyer" => (Decision::ACorriger, saisies.choisis.iter().cloned().collect()),
        _ => return page_erreur(&state, Some(&connecte), StatusCode::BAD_REQUEST, "Décision inconnue", "Valider ou renvoyer pour correction."),
    };
    if cles.is_empty() {
        saisies.generales.push("Cochez au moins une ligne.".into());
        return afficher(&state, &connecte, &p, None, &saisies).await;
    }
    if !saisies.erreurs.is_empty() {
        saisies.generales.push("Rien n'a été enregistré : corrigez les lignes signalées.".into());
        return afficher(&state, &connecte, &p, None, &saisies).await;
    }
    let mut lots = Vec::new();
    for cle in &cles {
        let Some((contrat, mois, revision)) = lire_cle(cle) else {
            saisies.generales.push("Une ligne choisie est illisible : rechargez la page.".into());
            continue;
        };
        let motif = saisies.motifs.get(cle).cloned().filter(|m| !m.trim().is_empty());
        lots.push((contrat, mois, ValidationInput { decision, motif, revision: Some(revision) }));
    }
    if !saisies.generales.is_empty() {
        return afficher(&state, &connecte, &p, None, &saisies).await;
    }
    match crate::parcours::service::heures::decider_lot(&state.db, &state.clock, &connecte.acteur, lots).await? {
        Ok(faits) => {
            if decision == Decision::ACorriger {
                crate::relances::renvois_maintenant(&state, connecte.acteur.structure_id).await?;
            }
            let quoi = if decision == Decision::Validee { "validees" } else { "renvoyees" };
            let sep = if retour.contains('?') { '&' } else { '?' };
            Ok(Redirect::to(&format!("{retour}{sep}fait={quoi}-{}", faits.len())).into_response())
        }
        Err(refus) => {
            let visibles: BTreeSet<String> = cles.iter().cloned().collect();
            for ((contrat, mois), messages) in refus {
                match visibles.iter().find(|c| c.starts_with(&format!("{contrat}:{mois}:"))) {
                    Some(cle) => {
                        saisies.erreurs.insert(cle.clone(), messages);
                    }
                    None => saisies.generales.extend(messages),
                }
            }
            saisies.generales.insert(0, "Rien n'a été enregistré : corrigez les lignes signalées.".into());
            afficher(&state, &connecte, &p, None, &saisies).await
        }
    }
}
