//! Opérations in the back office: list (search, donneur d'ordre, sort, pages), the
//! opération with its totals, marchés and clauses, and its creation.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use entities::{donneurs_ordre, marches, operations};
use sea_orm::{ColumnTrait, Condition, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::auth::session::Connecte;
use crate::auth::GESTION;
use crate::clauses::forms::OperationInput;
use crate::clauses::service::{self, compte, operations as service_op};
use crate::clauses::views::Totaux;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::formulaire::Formulaire;
use crate::web::liste::{like, Params};
use crate::web::{choix, flash, render, ApiForm, ApiPath, ApiQuery};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/operations", get(liste))
        .route("/operations/nouvelle", get(nouvelle).post(creer))
        .route("/operations/{id}", get(fiche))
        .route("/operations/{id}/modifier", get(modifier).post(enregistrer))
}

#[derive(Serialize)]
struct Ligne {
    id: i64,
    nom: String,
    commune: String,
    donneur_ordre_id: i64,
    donneur_ordre: String,
    secteur: String,
    date_debut: Option<chrono::NaiveDate>,
    date_fin: Option<chrono::NaiveDate>,
}

const TRIS: &[&str] = &["nom", "commune", "debut", "fin"];


async fn liste(State(state): State<AppState>, c: Connecte, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let p = Params::lire("/operations", &query, TRIS);
    use operations::Column as C;
    let mut s = service_op::list_operations(&c.acteur, p.filtre_id("donneur_ordre"))?;
    if let Some(m) = p.motif() {
        // Also the donneur d'ordre's name: past 200 buyers, their filter is not listed.
        let donneurs = sea_orm::sea_query::Query::select().column(donneurs_ordre::Column::Id).from(donneurs_ordre::Entity).and_where(like(donneurs_ordre::Column::Nom, &m)).and_where(donneurs_ordre::Column::StructureId.eq(c.acteur.structure_id)).to_owned();
        s = s.filter(Condition::any().add(like(C::Nom, &m)).add(like(C::Commune, &m)).add(C::DonneurOrdreId.in_subquery(donneurs)));
    }
    if let Some(sec) = p.filtre("secteur") {
        s = s.filter(C::Secteur.eq(sec));
    }
    let col = match p.tri.as_str() { "commune" => C::Commune, "debut" => C::DateDebut, "fin" => C::DateFin, _ => C::Nom };
    let s = p.trier(s, col, C::Id);
    let (items, pagination) = p.charger(&state.db, s).await?;
    let noms: BTreeMap<i64, String> = c.acteur.scoped::<donneurs_ordre::Entity>().filter(donneurs_ordre::Column::Id.is_in(items.iter().map(|o| o.donneur_ordre_id).collect::<Vec<_>>())).all(&state.db).await?.into_iter().map(|d| (d.id, d.nom)).collect();
    let lignes: Vec<Ligne> = items
        .into_iter()
        .map(|o| Ligne { id: o.id, donneur_ordre: noms.get(&o.donneur_ordre_id).cloned().unwrap_or_default(), nom: o.nom, commune: o.commune, donneur_ordre_id: o.donneur_ordre_id, secteur: crate::text::code(o.secteur), date_debut: o.date_debut, date_fin: o.date_fin })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("lignes", &lignes);
    ctx.insert("pagination", &pagination);
    ctx.insert("colonnes", &p.colonnes(&[("nom", "Opération"), ("", "Donneur d'ordre"), ("commune", "Commune"), ("", "Secteur"), ("debut", "Début"), ("fin", "Fin")]));
    ctx.insert("q", &p.q);
    ctx.insert("choix", &p.filtres);
    ctx.insert("donneurs", &choix::filtre(&state.db, service::list_donneurs_ordre(&c.acteur)?, donneurs_ordre::Column::Nom, donneurs_ordre::Column::Id, p.filtre_id("donneur_ordre"), |d| d.nom.clone()).await?);
    ctx.insert("secteurs", crate::libelles::options("secteur"));
    ctx.insert("fil", &super::fil(&[("Opérations", "")]));
    Ok(render(&state, "clauses/operations.html", Some(&c), ctx)?.into_response())
}

/// The opération page lists this many marchés and clauses, then links to their lists.
const APERCU: usize = 25;

#[derive(Serialize)]
struct ClauseVue {
    id: i64,
    marche_id: i64,
    marche: String,
    objectif: f64,
    retenues: f64,
    taux: f64,
    statut: String,
}

async fn fiche(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let o = service_op::get_operation(&state.db, &c.acteur, id).await?;
    let today = state.clock.today();
    let ids = compte::clauses_de(&state.db, &c.acteur, Some(id), None).await?;
    let comptees = compte::compter_clauses(&state.db, &c.acteur, &ids, today).await?;
    let totaux = Totaux::de(today, &comptees);
    // The first marchés and clauses; past APERCU, a link to their list (searched, sorted,
    // paginated) filtered on the opération.
    let marches_op = c.acteur.scoped::<marches::Entity>().filter(marches::Column::OperationId.eq(id));
    let nb_marches = marches_op.clone().count(&state.db).await?;
    let marches_op = marches_op.order_by_asc(marches::Column::Numero).order_by_asc(marches::Column::Id).limit(APERCU as u64).all(&state.db).await?;
    let premieres = &comptees[..comptees.len().min(APERCU)];
    let numeros = service::noms_marches(&state.db, &c.acteur, premieres.iter().map(|cc| cc.marche_id).collect()).await?;
    let clauses: Vec<ClauseVue> = premieres
        .iter()
        .map(|cc| ClauseVue {
            id: cc.clause.id,
            marche_id: cc.marche_id,
            marche: numeros.get(&cc.marche_id).cloned().unwrap_or_default(),
            objectif: crate::parcours::limites::heures(cc.objectif_minutes),
            retenues: crate::parcours::limites::heures(cc.globalisation.retenues),
            taux: cc.avancement.taux_realisation,
            statut: crate::text::code(cc.avancement.statut),
        })
        .collect();
    let donneur = service::get_donneur_ordre(&state.db, &c.acteur, o.donneur_ordre_id).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("o", &crate::clauses::views::Operation::from(o.clone()));
    ctx.insert("secteur", &crate::text::code(o.secteur));
    ctx.insert("donneur", &(donneur.id, donneur.nom));
    ctx.insert("totaux", &totaux);
    ctx.insert("marches", &marches_op.iter().map(|m| (m.id, m.numero.clone(), m.objet.clone(), m.montant_ht_cents as f64 / 100.0)).collect::<Vec<_>>());
    ctx.insert("clauses", &clauses);
    ctx.insert("nb_marches", &nb_marches);
    ctx.insert("nb_clauses", &comptees.len());
    ctx.insert("fil", &vec![("Opérations".to_string(), "/operations".to_string()), (o.nom.clone(), String::new())]);
    Ok(render(&state, "clauses/operation.html", Some(&c), ctx)?.into_response())
}

/// The creation form (`id` none) or the edit form of an opération.
async fn page_form(state: &AppState, c: &Connecte, id: Option<i64>, f: &Formulaire, status: StatusCode) -> Result<Response, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("f", f);
    ctx.insert("id", &id);
    ctx.insert("donneurs", &choix::du_formulaire(&state.db, f, "donneur_ordre_id", service::list_donneurs_ordre(&c.acteur)?, donneurs_ordre::Column::Nom, donneurs_ordre::Column::Id, |d| d.nom.clone()).await?);
    ctx.insert("secteurs", crate::libelles::options("secteur"));
    let fil = match id {
        Some(id) => super::fil(&[("Opérations", "/operations"), (&format!("Opération n° {id}"), &format!("/operations/{id}")), ("Modifier", "")]),
        None => super::fil(&[("Opérations", "/operations"), ("Nouvelle opération", "")]),
    };
    ctx.insert("fil", &fil);
    Ok((status, render(state, "clauses/operation_form.html", Some(c), ctx)?).into_response())
}

async fn nouvelle(State(state): State<AppState>, c: Connecte, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let mut f = Formulaire::default();
    if let Some(d) = query.get("donneur_ordre") {
        f.valeurs.insert("donneur_ordre_id".into(), d.clone());
    }
    page_form(&state, &c, None, &f, StatusCode::OK).await
}

/// The opération as the form gives it (none when a field is refused).
fn lire(f: &mut Formulaire) -> Option<OperationInput> {
    let donneur_ordre_id = f.id_obligatoire("donneur_ordre_id");
    let nom = f.obligatoire("nom");
    let commune = f.obligatoire("commune");
    let secteur = f.code("secteur");
    let (date_debut, date_fin) = (f.date("date_debut"), f.date("date_fin"));
    let (qpv, anru) = (f.case("qpv"), f.case("anru"));
    Some(OperationInput { donneur_ordre_id, nom, commune, qpv, anru, secteur: secteur?, date_debut, date_fin, facilitateur_id: None }).filter(|_| f.valide())
}

async fn creer(State(state): State<AppState>, c: Connecte, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    if choix::cherche(&f) {
        return page_form(&state, &c, None, &f, StatusCode::OK).await;
    }
    if let Some(input) = lire(&mut f) {
        match service_op::create_operation(&state.db, &state.clock, &c.acteur, input).await {
            Ok(o) => return Ok(flash::rediriger(&format!("/operations/{}", o.id), &format!("Opération « {} » créée.", o.nom))),
            Err(e) => f.refus(e, "nom")?,
        }
    }
    page_form(&state, &c, None, &f, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn modifier(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let o = service_op::get_operation(&state.db, &c.acteur, id).await?;
    let mut v: BTreeMap<String, String> = [("donneur_ordre_id", o.donneur_ordre_id.to_string()), ("nom", o.nom), ("commune", o.commune), ("secteur", crate::text::code(o.secteur))]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    for (k, d) in [("date_debut", o.date_debut), ("date_fin", o.date_fin)] {
        if let Some(d) = d {
            v.insert(k.into(), d.to_string());
        }
    }
    for (k, b) in [("qpv", o.qpv), ("anru", o.anru)] {
        if b {
            v.insert(k.into(), "oui".into());
        }
    }
    page_form(&state, &c, Some(id), &Formulaire::de(v), StatusCode::OK).await
}

async fn enregistrer(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    service_op::get_operation(&state.db, &c.acteur, id).await?;
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    if choix::cherche(&f) {
        return page_form(&state, &c, Some(id), &f, StatusCode::OK).await;
    }
    if let Some(input) = lire(&mut f) {
        match service_op::update_operation(&state.db, &state.clock, &c.acteur, id, input).await {
            Ok(o) => return Ok(flash::rediriger(&format!("/operations/{id}"), &format!("Opération « {} » modifiée.", o.nom))),
            Err(e) => f.refus(e, "nom")?,
        }
    }
    page_form(&state, &c, Some(id), &f, StatusCode::UNPROCESSABLE_ENTITY).await
}
