//! The DECP import page: a facilitateur uploads a file (XML or JSON, v1 or v2), the same
//! import as `clausier import decp` writes it into the structure, and the page shows the
//! report (created, updated, unchanged, left out with their lines). The import gives
//! each marché its own opération: `/operations/{id}/regrouper` then gathers marchés into
//! one opération.

use std::collections::BTreeMap;
use std::io::Write;

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use entities::{donneurs_ordre, marches, operations};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::auth::session::Connecte;
use crate::auth::GESTION;
use crate::clauses::service::{marches_visibles, operations as service_op};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::formulaire::Formulaire;
use crate::web::liste::{like, Params};
use crate::web::{flash, render, ApiForm, ApiPath, ApiQuery};

/// The largest file the page takes (a region's DECP for several years).
const TAILLE_MAX: usize = 512 * 1024 * 1024;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/import-decp", get(formulaire).post(importer).layer(DefaultBodyLimit::max(TAILLE_MAX)))
        .route("/operations/{id}/regrouper", get(choisir).post(regrouper))
}

#[derive(Serialize, Default)]
struct Rapport {
    fichier: String,
    illisible: Option<(String, String)>,
    lus: u64,
    avec_clause_sociale: u64,
    crees: u64,
    mis_a_jour: u64,
    inchanges: u64,
    ignores: u64,
    hors_clause: u64,
    donneurs_ordre_crees: u64,
    entreprises_creees: u64,
    modifications: u64,
    problemes: Vec<(String, String)>,
}

async fn page(state: &AppState, c: &Connecte, f: &Formulaire, rapport: Option<Rapport>, status: StatusCode) -> Result<Response, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("f", f);
    ctx.insert("rapport", &rapport);
    ctx.insert("taille_max", &(TAILLE_MAX / 1024 / 1024));
    ctx.insert("fil", &super::fil(&[("Import DECP", "")]));
    Ok((status, render(state, "clauses/import.html", Some(c), ctx)?).into_response())
}

async fn formulaire(State(state): State<AppState>, c: Connecte) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let f = Formulaire::de([("clauses_seulement".to_string(), "oui".to_string())].into());
    page(&state, &c, &f, None, StatusCode::OK).await
}

/// Reads the form: its fields, and the file streamed to a temporary file.
pub(super) async fn lire(mut multipart: Multipart, fichier: &mut tempfile::NamedTempFile) -> Result<(BTreeMap<String, String>, Option<(String, u64)>), AppError> {
    let illisible = |_| AppError::BadRequest("Envoi du formulaire incomplet ou illisible : recommencez.".into());
    let mut valeurs = BTreeMap::new();
    let mut envoye = None;
    while let Some(mut champ) = multipart.next_field().await.map_err(illisible)? {
        let nom = champ.name().unwrap_or_default().to_string();
        if nom == "fichier" {
            let nom_fichier = champ.file_name().unwrap_or_default().chars().take(200).collect::<String>();
            let mut taille = 0u64;
            while let Some(morceau) = champ.chunk().await.map_err(illisible)? {
                taille += morceau.len() as u64;
                fichier.write_all(&morceau).map_err(anyhow::Error::from)?;
            }
            fichier.flush().map_err(anyhow::Error::from)?;
            envoye = Some((nom_fichier, taille));
        } else {
            valeurs.insert(nom, champ.text().await.map_err(illisible)?.chars().take(2000).collect());
        }
    }
    Ok((valeurs, envoye))
}

async fn importer(State(state): State<AppState>, c: Connecte, multipart: Multipart) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let mut temporaire = tempfile::NamedTempFile::new().map_err(anyhow::Error::from)?;
    let (valeurs, envoye) = lire(multipart, &mut temporaire).await?;
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    let Some((nom, taille)) = envoye.filter(|(_, t)| *t > 0) else {
        f.erreur("fichier", "Choisissez un fichier DECP (XML ou JSON).");
        return page(&state, &c, &f, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let r = crate::decp::importer(&state.db, &state.clock, &c.acteur, temporaire.path(), f.case("clauses_seulement"), false).await?;
    tracing::info!(fichier = %nom, taille, lus = r.lus, crees = r.crees, "import DECP depuis la page");
    let rapport = Rapport {
        fichier: nom,
        illisible: r.illisible.as_ref().map(|i| (i.position.to_string(), i.message.clone())),
        lus: r.lus,
        avec_clause_sociale: r.avec_clause_sociale,
        crees: r.crees,
        mis_a_jour: r.mis_a_jour,
        inchanges: r.inchanges,
        ignores: r.ignores,
        hors_clause: r.hors_clause,
        donneurs_ordre_crees: r.donneurs_ordre_crees,
        entreprises_creees: r.entreprises_creees,
        modifications: r.modifications,
        problemes: r.problemes.into_iter().take(500).map(|(p, m)| (p.to_string(), m)).collect(),
    };
    let status = if rapport.illisible.is_some() || rapport.lus == 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    page(&state, &c, &f, Some(rapport), status).await
}

#[derive(Serialize)]
struct Candidat {
    id: i64,
    numero: String,
    objet: String,
    operation_id: i64,
    operation: String,
    date_debut: chrono::NaiveDate,
}

/// The marchés that may join the opération: search, the opération's donneur d'ordre's
/// marchés by default, pages.
async fn afficher_choix(state: &AppState, c: &Connecte, id: i64, query: &BTreeMap<String, String>, f: &Formulaire, status: StatusCode) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let o = service_op::get_operation(&state.db, &c.acteur, id).await?;
    let base = format!("/operations/{id}/regrouper");
    let p = Params::lire(&base, query, &["numero", "debut"]);
    let tous = p.filtre("tous").is_some();
    let mut s = marches_visibles(&c.acteur)?.filter(marches::Column::OperationId.ne(id));
    if !tous {
        let du_donneur = sea_orm::sea_query::Query::select()
            .column(operations::Column::Id)
            .from(operations::Entity)
            .and_where(operations::Column::DonneurOrdreId.eq(o.donneur_ordre_id))
            .and_where(operations::Column::StructureId.eq(c.acteur.structure_id))
            .to_owned();
        s = s.filter(marches::Column::OperationId.in_subquery(du_donneur));
    }
    if let Some(m) = p.motif() {
        s = s.filter(Condition::any().add(like(marches::Column::Numero, &m)).add(like(marches::Column::Objet, &m)));
    }
    let s = p.trier(s, if p.tri == "debut" { marches::Column::DateDebut } else { marches::Column::Numero }, marches::Column::Id);
    let (lignes, pagination) = p.charger(&state.db, s).await?;
    let ops: BTreeMap<i64, String> = operations::Entity::find()
        .filter(operations::Column::StructureId.eq(c.acteur.structure_id))
        .filter(operations::Column::Id.is_in(lignes.iter().map(|m| m.operation_id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.nom))
        .collect();
    let candidats: Vec<Candidat> = lignes
        .into_iter()
        .map(|m| Candidat { operation: ops.get(&m.operation_id).cloned().unwrap_or_default(), id: m.id, numero: m.numero, objet: m.objet, operation_id: m.operation_id, date_debut: m.date_debut })
        .collect();
    let donneur = donneurs_ordre::Entity::find_by_id(o.donneur_ordre_id).one(&state.db).await?.map(|d| d.nom).unwrap_or_default();
    let mut ctx = tera::Context::new();
    ctx.insert("operation", &(o.id, &o.nom, donneur));
    ctx.insert("candidats", &candidats);
    ctx.insert("pagination", &pagination);
    ctx.insert("colonnes", &p.colonnes(&[("numero", "Marché"), ("debut", "Début")]));
    ctx.insert("q", &p.q);
    ctx.insert("tous", &tous);
    ctx.insert("base", &base);
    ctx.insert("f", f);
    ctx.insert("fil", &super::fil(&[("Opérations", "/operations"), (&o.nom, &format!("/operations/{id}")), ("Regrouper des marchés", "")]));
    Ok((status, render(state, "clauses/regrouper.html", Some(c), ctx)?).into_response())
}

async fn choisir(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    afficher_choix(&state, &c, id, &query, &Formulaire::default(), StatusCode::OK).await
}

async fn regrouper(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<Vec<(String, String)>>) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    service_op::get_operation(&state.db, &c.acteur, id).await?;
    let ids: Vec<i64> = valeurs.iter().filter(|(k, _)| k == "marche").filter_map(|(_, v)| v.parse().ok()).collect();
    let mut f = Formulaire::de(valeurs.into_iter().filter(|(k, _)| k != "marche").collect());
    if !f.csrf_valide(&c) {
        return Err(AppError::Forbidden);
    }
    match service_op::regrouper_marches(&state.db, &state.clock, &c.acteur, id, &ids).await {
        Ok((n, supprimees)) => {
            let message = format!("{n} marché(s) regroupé(s) dans l'opération{}.", if supprimees > 0 { format!(" ; {supprimees} opération(s) restée(s) vide(s) supprimée(s)") } else { String::new() });
            Ok(flash::rediriger(&format!("/operations/{id}"), &message))
        }
        Err(e) => {
            f.refus(e, "marches")?;
            afficher_choix(&state, &c, id, &BTreeMap::new(), &f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
