//! Marchés in the back office: list (search, opération, sort, pages), the marché with
//! its lots, attributions and clauses, its creation with its lots, and attributions.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use entities::{attributions, clauses, entreprises, marches, operations};
use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::auth::session::Connecte;
use crate::auth::GESTION;
use crate::clauses::forms::{AttributionInput, LotInput, MarcheInput};
use crate::clauses::service::{self, marches as service_m, operations as service_op};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::formulaire::Formulaire;
use crate::web::liste::{like, Params};
use crate::web::{choix, flash, render, ApiForm, ApiPath, ApiQuery};

/// Lot lines offered by the creation form (blank lines are ignored).
const LIGNES_LOTS: usize = 6;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/marches", get(liste))
        .route("/marches/nouveau", get(nouveau).post(creer))
        .route("/marches/{id}", get(fiche))
        .route("/marches/{id}/modifier", get(modifier).post(enregistrer))
        .route("/marches/{id}/attributions", post(attribuer))
        .route("/marches/{id}/lots", post(ajouter_lot))
}

#[derive(Serialize)]
struct Ligne {
    id: i64,
    numero: String,
    objet: String,
    operation_id: i64,
    operation: String,
    nature: String,
    montant: f64,
    date_debut: chrono::NaiveDate,
    date_fin: chrono::NaiveDate,
}

const TRIS: &[&str] = &["numero", "objet", "montant", "debut", "fin"];


async fn liste(State(state): State<AppState>, c: Connecte, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let p = Params::lire("/marches", &query, TRIS);
    use marches::Column as C;
    let mut s = service_m::list_marches(&c.acteur, p.filtre_id("operation"))?;
    // A company's marchés (from its page): those where it holds an attribution.
    let entreprise = match p.filtre_id("entreprise") {
        Some(e) => Some(service::get_entreprise(&state.db, &c.acteur, e).await?),
        None => None,
    };
    if let Some(e) = &entreprise {
        let siens = sea_orm::sea_query::Query::select().column(attributions::Column::MarcheId).from(attributions::Entity).and_where(attributions::Column::EntrepriseId.eq(e.id)).to_owned();
        s = s.filter(C::Id.in_subquery(siens));
    }
    if let Some(m) = p.motif() {
        // Also the opération's name: past 200 opérations, their filter is not listed.
        let ops = sea_orm::sea_query::Query::select().column(operations::Column::Id).from(operations::Entity).and_where(like(operations::Column::Nom, &m)).and_where(operations::Column::StructureId.eq(c.acteur.structure_id)).to_owned();
        s = s.filter(Condition::any().add(like(C::Numero, &m)).add(like(C::Objet, &m)).add(C::OperationId.in_subquery(ops)));
    }
    let col = match p.tri.as_str() { "objet" => C::Objet, "montant" => C::MontantHtCents, "debut" => C::DateDebut, "fin" => C::DateFin, _ => C::Numero };
    let s = p.trier(s, col, C::Id);
    let (items, pagination) = p.charger(&state.db, s).await?;
    let noms: BTreeMap<i64, String> = c.acteur.scoped::<operations::Entity>().filter(operations::Column::Id.is_in(items.iter().map(|m| m.operation_id).collect::<Vec<_>>())).all(&state.db).await?.into_iter().map(|o| (o.id, o.nom)).collect();
    let lignes: Vec<Ligne> = items
        .into_iter()
        .map(|m| Ligne {
            id: m.id,
            operation: noms.get(&m.operation_id).cloned().unwrap_or_default(),
            numero: m.numero,
            objet: m.objet,
            operation_id: m.operation_id,
            nature: crate::text::code(m.nature),
            montant: m.montant_ht_cents as f64 / 100.0,
            date_debut: m.date_debut,
            date_fin: m.date_fin,
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("lignes", &lignes);
    ctx.insert("pagination", &pagination);
    ctx.insert("colonnes", &p.colonnes(&[("numero", "Numéro"), ("objet", "Objet"), ("", "Opération"), ("montant", "Montant HT"), ("debut", "Début"), ("fin", "Fin")]));
    ctx.insert("q", &p.q);
    ctx.insert("choix", &p.filtres);
    ctx.insert("operations", &choix::filtre(&state.db, service_op::list_operations(&c.acteur, None)?, operations::Column::Nom, operations::Column::Id, p.filtre_id("operation"), |o| o.nom.clone()).await?);
    ctx.insert("entreprise", &entreprise.map(|e| (e.id, e.raison_sociale)));
    ctx.insert("fil", &super::fil(&[("Marchés", "")]));
    Ok(render(&state, "clauses/marches.html", Some(&c), ctx)?.into_response())
}

#[derive(Serialize)]
struct LotVue {
    id: i64,
    numero: String,
    intitule: String,
    montant: f64,
    attributions: Vec<(i64, String, String, Option<f64>)>,
    clauses: Vec<(i64, String)>,
}

async fn fiche(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    afficher(&state, &c, id, Formulaire::default(), Formulaire::default(), StatusCode::OK).await
}

/// The marché page; `f` the attribution form and `fl` the new lot's, one of them maybe
/// sent back with its errors.
async fn afficher(state: &AppState, c: &Connecte, id: i64, f: Formulaire, fl: Formulaire, status: StatusCode) -> Result<Response, AppError> {
    let (m, lots) = service_m::get_marche(&state.db, &c.acteur, id).await?;
    let o = service_op::get_operation(&state.db, &c.acteur, m.operation_id).await?;
    let attributions = service_m::attributions_du_marche(&state.db, &c.acteur, id).await?;
    let noms = service::noms_entreprises(&state.db, &c.acteur, attributions.iter().map(|a| a.entreprise_id).collect()).await?;
    let clauses_m = c.acteur.scoped::<clauses::Entity>().filter(clauses::Column::MarcheId.eq(id)).order_by_asc(clauses::Column::Id).all(&state.db).await?;
    let lots_vus: Vec<LotVue> = lots
        .iter()
        .map(|l| LotVue {
            id: l.id,
            numero: l.numero.clone(),
            intitule: l.intitule.clone(),
            montant: l.montant_ht_cents as f64 / 100.0,
            attributions: attributions
                .iter()
                .filter(|a| a.lot_id == l.id)
                .map(|a| (a.entreprise_id, noms.get(&a.entreprise_id).cloned().unwrap_or_default(), crate::libelles::de("role_attribution", a.role), a.montant_ht_cents.map(|c| c as f64 / 100.0)))
                .collect(),
            clauses: clauses_m.iter().filter(|k| k.lot_id == l.id).map(|k| (k.id, crate::libelles::de("type_clause", k.r#type))).collect(),
        })
        .collect();
    let entreprises = choix::du_formulaire(&state.db, &f, "entreprise_id", c.acteur.scoped::<entreprises::Entity>(), entreprises::Column::RaisonSociale, entreprises::Column::Id, |e| e.raison_sociale.clone()).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("m", &crate::clauses::views::Marche::new(m.clone(), Vec::new()));
    ctx.insert("nature", &crate::text::code(m.nature));
    ctx.insert("operation", &(o.id, o.nom.clone()));
    ctx.insert("lots", &lots_vus);
    ctx.insert("choix_lots", &lots.iter().map(|l| (l.id.to_string(), super::nom_lot(l))).collect::<Vec<_>>());
    ctx.insert("entreprises", &entreprises);
    ctx.insert("roles", crate::libelles::options("role_attribution"));
    ctx.insert("f", &f);
    ctx.insert("fl", &fl);
    ctx.insert("fil", &vec![("Marchés".to_string(), "/marches".to_string()), (o.nom, format!("/operations/{}", o.id)), (format!("Marché {}", m.numero), String::new())]);
    Ok((status, render(state, "clauses/marche.html", Some(c), ctx)?).into_response())
}

/// The creation form (`id` none) or the edit form of a marché (its own fields only).
async fn page_form(state: &AppState, c: &Connecte, id: Option<i64>, f: &Formulaire, status: StatusCode) -> Result<Response, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("f", f);
    ctx.insert("id", &id);
    ctx.insert("natures", crate::libelles::options("nature_marche"));
    match id {
        Some(id) => {
            let (m, _) = service_m::get_marche(&state.db, &c.acteur, id).await?;
            let o = service_op::get_operation(&state.db, &c.acteur, m.operation_id).await?;
            ctx.insert("operation", &(o.id, o.nom));
            ctx.insert("fil", &super::fil(&[("Marchés", "/marches"), (&format!("Marché {}", m.numero), &format!("/marches/{id}")), ("Modifier", "")]));
        }
        None => {
            ctx.insert("operations", &choix::du_formulaire(&state.db, f, "operation_id", service_op::list_operations(&c.acteur, None)?, operations::Column::Nom, operations::Column::Id, |o| o.nom.clone()).await?);
            ctx.insert("lignes_lots", &(0..LIGNES_LOTS).map(|i| (i, i + 1)).collect::<Vec<_>>());
            ctx.insert("fil", &super::fil(&[("Marchés", "/marches"), ("Nouveau marché", "")]));
        }
    }
    Ok((status, render(state, "clauses/marche_form.html", Some(c), ctx)?).into_response())
}

async fn nouveau(State(state): State<AppState>, c: Connecte, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let mut f = Formulaire::default();
    if let Some(o) = query.get("operation") {
        f.valeurs.insert("operation_id".into(), o.clone());
    }
    page_form(&state, &c, None, &f, StatusCode::OK).await
}

/// The marché as the form gives it (none when a field is refused); lots and opération
/// only on creation.
fn lire(f: &mut Formulaire, creation: bool) -> Option<MarcheInput> {
    let operation_id = if creation { f.id_obligatoire("operation_id") } else { 0 };
    let numero = f.obligatoire("numero");
    let objet = f.obligatoire("objet");
    let nature = f.code("nature");
    let montant_ht = f.nombre_obligatoire("montant_ht");
    let date_debut = f.date_obligatoire("date_debut");
    let date_fin = f.date_obligatoire("date_fin");
    let mut lots = Vec::new();
    for i in 0..if creation { LIGNES_LOTS } else { 0 } {
        let (n, t) = (format!("lots.{i}.numero"), format!("lots.{i}.intitule"));
        let (numero, intitule) = (f.texte(&n), f.texte(&t));
        let montant = f.nombre(&format!("lots.{i}.montant_ht"));
        if numero.is_empty() && intitule.is_empty() && montant.is_none() {
            continue;
        }
        lots.push(LotInput { numero, intitule, montant_ht: montant.unwrap_or(0.0) });
    }
    let code_cpv = f.option("code_cpv");
    let nature = nature?;
    Some(MarcheInput { operation_id, numero, objet, nature, montant_ht, date_debut, date_fin, lots, code_cpv, procedure: None, date_notification: None, lieu_execution: None }).filter(|_| f.valide())
}

async fn creer(State(state): State<AppState>, c: Connecte, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    if choix::cherche(&f) {
        return page_form(&state, &c, None, &f, StatusCode::OK).await;
    }
    if let Some(input) = lire(&mut f, true) {
        match service_m::create_marche(&state.db, &state.clock, &c.acteur, input).await {
            Ok((m, _)) => return Ok(flash::rediriger(&format!("/marches/{}", m.id), &format!("Marché {} créé.", m.numero))),
            Err(e) => f.refus(e, "numero")?,
        }
    }
    page_form(&state, &c, None, &f, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn modifier(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let (m, _) = service_m::get_marche(&state.db, &c.acteur, id).await?;
    let mut v: BTreeMap<String, String> = [
        ("numero", m.numero),
        ("objet", m.objet),
        ("nature", crate::text::code(m.nature)),
        ("montant_ht", crate::text::nombre_fr(m.montant_ht_cents as f64 / 100.0)),
        ("date_debut", m.date_debut.to_string()),
        ("date_fin", m.date_fin.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Some(cpv) = m.code_cpv {
        v.insert("code_cpv".into(), cpv);
    }
    page_form(&state, &c, Some(id), &Formulaire::de(v), StatusCode::OK).await
}

async fn enregistrer(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let (actuel, _) = service_m::get_marche(&state.db, &c.acteur, id).await?;
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    if let Some(input) = lire(&mut f, false).map(|i| MarcheInput { operation_id: actuel.operation_id, ..i }) {
        match service_m::update_marche(&state.db, &state.clock, &c.acteur, id, input).await {
            Ok(m) => return Ok(flash::rediriger(&format!("/marches/{id}"), &format!("Marché {} modifié.", m.numero))),
            Err(e) => f.refus(e, "numero")?,
        }
    }
    page_form(&state, &c, Some(id), &f, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn attribuer(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    service_m::get_marche(&state.db, &c.acteur, id).await?;
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    if choix::cherche(&f) {
        return afficher(&state, &c, id, f, Formulaire::default(), StatusCode::OK).await;
    }
    let entreprise_id = f.id_obligatoire("entreprise_id");
    let lot_id = f.id_obligatoire("lot_id");
    let role = f.code("role");
    let montant_ht = f.nombre("montant_ht");
    if let (true, Some(role)) = (f.valide(), role) {
        match service_m::attribuer(&state.db, &state.clock, &c.acteur, id, AttributionInput { entreprise_id, lot_id, role, montant_ht }).await {
            Ok(_) => return Ok(flash::rediriger(&format!("/marches/{id}"), "Attribution enregistrée.")),
            Err(e) => f.refus(e, "entreprise_id")?,
        }
    }
    afficher(&state, &c, id, f, Formulaire::default(), StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn ajouter_lot(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    service_m::get_marche(&state.db, &c.acteur, id).await?;
    let numero = f.obligatoire("numero");
    let intitule = f.obligatoire("intitule");
    let montant_ht = f.nombre_obligatoire("lot_montant_ht");
    if f.valide() {
        match service_m::ajouter_lot(&state.db, &state.clock, &c.acteur, id, LotInput { numero, intitule, montant_ht }).await {
            Ok(l) => return Ok(flash::rediriger(&format!("/marches/{id}"), &format!("Lot {} ajouté.", l.numero))),
            Err(e) => f.refus(e, "numero")?,
        }
    }
    if let Some(e) = f.erreurs.remove("montant_ht") {
        f.erreurs.insert("lot_montant_ht".into(), e);
    }
    afficher(&state, &c, id, Formulaire::default(), f, StatusCode::UNPROCESSABLE_ENTITY).await
}
