//! What was sent to whom, and what failed: `GET /envois` for the structure's
//! facilitateurs, and `POST /envois/{id}/renvoi` to try again an e-mail given up.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use entities::emails::{self, Column as C};
use entities::enums::StatutEnvoi;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Acteur, GESTION};
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use crate::web::page::{Page, PageQuery};
use crate::web::{ApiPath, ApiQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(envois)).routes(routes!(renvoi))
}

/// An e-mail of the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envoi {
    pub id: i64,
    /// The e-mail: `rappel_declaration`, `digest_facilitateur`…
    pub kind: String,
    pub destinataire: String,
    /// What it is about: a month, a week, an event.
    pub periode: String,
    pub sujet: String,
    pub statut: StatutEnvoi,
    pub tentatives: i32,
    pub derniere_erreur: Option<String>,
    pub created_at: DateTime<Utc>,
    pub envoye_at: Option<DateTime<Utc>>,
    /// Next attempt (waiting or failed e-mails).
    pub prochain_essai_at: Option<DateTime<Utc>>,
}

impl From<emails::Model> for Envoi {
    fn from(m: emails::Model) -> Envoi {
        let attente = matches!(m.statut, StatutEnvoi::EnAttente | StatutEnvoi::Echec);
        Envoi {
            id: m.id,
            kind: m.kind,
            destinataire: m.destinataire,
            periode: m.periode,
            sujet: m.sujet,
            statut: m.statut,
            tentatives: m.tentatives,
            derniere_erreur: m.derniere_erreur,
            created_at: m.created_at,
            envoye_at: m.envoye_at,
            prochain_essai_at: attente.then_some(m.prochain_essai_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnvoisQuery {
    /// Only this state: `en_attente`, `envoye`, `echec`, `abandonne`.
    pub statut: Option<StatutEnvoi>,
    /// Only this recipient (exact address).
    pub destinataire: Option<String>,
    /// Only this e-mail kind.
    pub kind: Option<String>,
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 200)]
    pub par_page: Option<u64>,
}

/// The structure's e-mails, newest first.
#[utoipa::path(get, path = "/envois", tag = "relances", security(("bearer" = [])), params(EnvoisQuery),
    responses((status = 200, body = Page<Envoi>), (status = 403, body = Problem)))]
async fn envois(State(s): State<AppState>, acteur: Acteur, ApiQuery(q): ApiQuery<EnvoisQuery>) -> AppResult<Json<Page<Envoi>>> {
    Ok(Json(liste(&s, &acteur, &q).await?))
}

/// The structure's e-mails for gestion roles, filtered, newest first (API and page).
pub async fn liste(s: &AppState, acteur: &Acteur, q: &EnvoisQuery) -> AppResult<Page<Envoi>> {
    acteur.require(GESTION)?;
    let mut select = acteur.scoped::<emails::Entity>();
    if let Some(statut) = q.statut {
        select = select.filter(C::Statut.eq(statut));
    }
    if let Some(d) = q.destinataire.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        select = select.filter(C::Destinataire.eq(d.to_lowercase()));
    }
    if let Some(k) = q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        select = select.filter(C::Kind.eq(k));
    }
    let select = select.order_by_desc(C::CreatedAt).order_by_desc(C::Id);
    let page = PageQuery { page: q.page, par_page: q.par_page };
    page.fetch(&s.db, select, Envoi::from).await
}

/// Tries again, at once, an e-mail that failed or was given up.
#[utoipa::path(post, path = "/envois/{id}/renvoi", tag = "relances", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Envoi), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn renvoi(State(s): State<AppState>, acteur: Acteur, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Envoi>> {
    acteur.require(GESTION)?;
    let email = acteur.get::<emails::Entity>(&s.db, id).await?;
    if !matches!(email.statut, StatutEnvoi::Echec | StatutEnvoi::Abandonne) {
        return Err(AppError::Conflict("Seul un e-mail en échec ou abandonné peut être renvoyé.".into()));
    }
    emails::Entity::update_many()
        .col_expr(C::Statut, Expr::value(StatutEnvoi::EnAttente))
        .col_expr(C::Tentatives, Expr::value(0))
        .col_expr(C::ProchainEssaiAt, Expr::value(s.clock.now()))
        .filter(C::Id.eq(id))
        .filter(C::Statut.is_in([StatutEnvoi::Echec, StatutEnvoi::Abandonne]))
        .exec(&s.db)
        .await?;
    crate::audit::record(&s.db, &s.clock, &acteur, "renvoi", "emails", id, None::<&()>, None).await?;
    Ok(Json(acteur.get::<emails::Entity>(&s.db, id).await?.into()))
}
