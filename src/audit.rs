//! The audit log (domain.md §8): who changed what, when, with before/after. Confidential
//! values (a levée de freins étape's text, RQTH and AAH, a disability criterion's
//! justification) are not kept in clear: a marker says they changed. Admins read the log
//! through `GET /api/v1/audit`.

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use entities::audit_log;
use entities::enums::Role;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Acteur;
use crate::clock::Clock;
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use crate::web::page::{Page, PageQuery};
use crate::web::ApiQuery;

/// What the log keeps instead of a confidential value.
pub const MASQUE: &str = "(confidentiel : modifié)";

/// The kinds of records some of whose fields [`masquer`] may mask: the others are
/// written as they are (and [`valeurs`] writes them straight to text).
const MASQUES: [&str; 3] = ["participant", "etape", "critere"];

/// The value as the log keeps it: confidential fields replaced by the marker.
fn masquer(entite: &str, mut v: serde_json::Value) -> serde_json::Value {
    if !MASQUES.contains(&entite) {
        return v;
    }
    let Some(o) = v.as_object_mut() else { return v };
    let champs: &[&str] = match entite {
        "participant" => &["rqth", "beneficiaire_aah"],
        "etape" if o.get("sensible").and_then(|s| s.as_bool()) == Some(true) || o.get("type").and_then(|t| t.as_str()) == Some("levee_freins") => &["intitule", "sous_type", "resultat", "commentaire"],
        "critere" if o.get("code").and_then(|c| c.as_str()) == Some("th") => &["justification", "justificatif", "libelle"],
        _ => &[],
    };
    for c in champs {
        if let Some(x) = o.get_mut(*c) {
            if !x.is_null() {
                *x = serde_json::Value::String(MASQUE.into());
            }
        }
    }
    v
}

/// Records one change, inside the caller's transaction.
pub async fn record<T: Serialize>(
    db: &impl ConnectionTrait,
    clock: &Clock,
    acteur: &Acteur,
    action: &str,
    entite: &str,
    entite_id: i64,
    avant: Option<&T>,
    apres: Option<&T>,
) -> AppResult<()> {
    ligne(clock, acteur, action, entite, entite_id, avant, apres)?.insert(db).await?;
    Ok(())
}

/// The row [`record`] writes, for a caller that writes many at once.
pub fn ligne<T: Serialize>(clock: &Clock, acteur: &Acteur, action: &str, entite: &str, entite_id: i64, avant: Option<&T>, apres: Option<&T>) -> AppResult<audit_log::ActiveModel> {
    let json = |v: Option<&T>| v.map(serde_json::to_value).transpose().map(|v| v.map(|v| masquer(entite, v)));
    Ok(audit_log::ActiveModel {
        structure_id: Set(acteur.structure_id),
        // The system (imports, jobs: `Acteur::systeme`) is no user.
        utilisateur_id: Set((acteur.utilisateur_id != 0).then_some(acteur.utilisateur_id)),
        action: Set(action.to_string()),
        entite: Set(entite.to_string()),
        entite_id: Set(entite_id),
        avant: Set(json(avant).map_err(anyhow::Error::new)?),
        apres: Set(json(apres).map_err(anyhow::Error::new)?),
        created_at: Set(clock.now()),
        ..Default::default()
    })
}

/// The columns of [`valeurs`], in its order.
pub const COLONNES: [audit_log::Column; 7] = [
    audit_log::Column::StructureId,
    audit_log::Column::UtilisateurId,
    audit_log::Column::Action,
    audit_log::Column::Entite,
    audit_log::Column::EntiteId,
    audit_log::Column::Apres,
    audit_log::Column::CreatedAt,
];

/// The row of a creation ([`ligne`] with nothing before) as values of [`COLONNES`], the
/// record as JSON text: for writers of many rows (imports, [`crate::db::lignes`]).
pub fn valeurs<T: Serialize>(clock: &Clock, acteur: &Acteur, action: &str, entite: &str, entite_id: i64, apres: &T) -> AppResult<Vec<sea_orm::Value>> {
    // A kind of record never masked is written straight to text.
    let texte = if MASQUES.contains(&entite) { serde_json::to_value(apres).map(|v| masquer(entite, v)).and_then(|v| serde_json::to_string(&v)) } else { serde_json::to_string(apres) }.map_err(anyhow::Error::new)?;
    Ok(vec![
        acteur.structure_id.into(),
        (acteur.utilisateur_id != 0).then_some(acteur.utilisateur_id).into(),
        action.into(),
        entite.into(),
        entite_id.into(),
        texte.into(),
        clock.now().into(),
    ])
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(lire))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiltreAudit {
    /// Who made the changes (a user's id).
    pub utilisateur_id: Option<i64>,
    /// What was changed: `participant`, `contrat`, `clause`, `heures`, …
    pub entite: Option<String>,
    /// Which one (with `entite`).
    pub entite_id: Option<i64>,
    /// From this day (included).
    pub du: Option<NaiveDate>,
    /// Up to this day (included).
    pub au: Option<NaiveDate>,
    pub page: Option<u64>,
    pub par_page: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntreeAudit {
    pub id: i64,
    pub utilisateur_id: Option<i64>,
    pub action: String,
    pub entite: String,
    pub entite_id: i64,
    #[schema(value_type = Option<Object>)]
    pub avant: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub apres: Option<serde_json::Value>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The structure's audit log, newest first (admins only): filters by who, what and
/// when; confidential values appear as a marker.
#[utoipa::path(get, path = "/audit", tag = "auth", security(("bearer" = [])), params(FiltreAudit),
    responses((status = 200, body = Page<EntreeAudit>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn lire(State(s): State<AppState>, acteur: Acteur, ApiQuery(f): ApiQuery<FiltreAudit>) -> AppResult<Json<Page<EntreeAudit>>> {
    acteur.require(&[Role::Admin])?;
    let q = requete(&acteur, &f);
    let page = PageQuery { page: f.page, par_page: f.par_page };
    Ok(Json(
        page.fetch(&s.db, q, |e| EntreeAudit { id: e.id, utilisateur_id: e.utilisateur_id, action: e.action, entite: e.entite, entite_id: e.entite_id, avant: e.avant, apres: e.apres, created_at: e.created_at })
            .await?,
    ))
}

/// The structure's entries matching a filter, newest first (the API's and the page's).
pub fn requete(acteur: &Acteur, f: &FiltreAudit) -> sea_orm::Select<audit_log::Entity> {
    let mut q = acteur.scoped::<audit_log::Entity>();
    if let Some(u) = f.utilisateur_id {
        q = q.filter(audit_log::Column::UtilisateurId.eq(u));
    }
    if let Some(e) = f.entite.as_deref().filter(|e| !e.is_empty()) {
        q = q.filter(audit_log::Column::Entite.eq(e));
    }
    if let Some(id) = f.entite_id {
        q = q.filter(audit_log::Column::EntiteId.eq(id));
    }
    if let Some(du) = f.du {
        q = q.filter(audit_log::Column::CreatedAt.gte(du.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()));
    }
    if let Some(au) = f.au.and_then(|a| a.succ_opt()) {
        q = q.filter(audit_log::Column::CreatedAt.lt(au.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()));
    }
    q.order_by_desc(audit_log::Column::CreatedAt).order_by_desc(audit_log::Column::Id)
}
