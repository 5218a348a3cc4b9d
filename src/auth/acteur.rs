//! `Acteur`: who is calling — user, role, structure and what it is bound to (its
//! entreprise or donneur d'ordre). Extracted from the bearer token of every API request.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use entities::enums::Role;
use entities::{api_tokens, utilisateurs};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::token;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acteur {
    pub utilisateur_id: i64,
    pub structure_id: i64,
    pub role: Role,
    pub email: String,
    pub nom: String,
    pub entreprise_id: Option<i64>,
    pub donneur_ordre_id: Option<i64>,
}

impl Acteur {
    pub fn from_user(u: &utilisateurs::Model) -> Acteur {
        Acteur {
            utilisateur_id: u.id,
            structure_id: u.structure_id,
            role: u.role,
            email: u.email.clone(),
            nom: u.nom.clone(),
            entreprise_id: u.entreprise_id,
            donneur_ordre_id: u.donneur_ordre_id,
        }
    }

    /// The application itself acting for a structure (command line, jobs): an
    /// administrator of that structure and nothing more.
    pub fn systeme(structure_id: i64) -> Acteur {
        Acteur { utilisateur_id: 0, structure_id, role: Role::Admin, email: "systeme@clausier".into(), nom: "Clausier".into(), entreprise_id: None, donneur_ordre_id: None }
    }

    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Roles that manage a structure's data (facilitateurs and administrators).
pub const GESTION: &[Role] = &[Role::Facilitateur, Role::Admin];

impl FromRequestParts<AppState> for Acteur {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(AppError::Unauthorized("Jeton d'accès manquant (en-tête Authorization: Bearer …)."))?;
        let bearer = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthorized("En-tête Authorization invalide : attendu « Bearer <jeton> »."))?;
        let now = state.clock.now();
        let found = api_tokens::Entity::find()
            .filter(api_tokens::Column::TokenHash.eq(token::digest(bearer)))
            .filter(api_tokens::Column::RevokedAt.is_null())
            .find_also_related(utilisateurs::Entity)
            .one(&state.db)
            .await?;
        match found {
            Some((tok, Some(user))) if user.actif && tok.expires_at.is_none_or(|exp| exp > now) => {
                // The last use, to the hour (one write an hour per token, not per request).
                if tok.last_used_at.is_none_or(|t| now - t > chrono::Duration::hours(1)) {
                    let mut t: api_tokens::ActiveModel = tok.into();
                    t.last_used_at = sea_orm::Set(Some(now));
                    if let Err(e) = sea_orm::ActiveModelTrait::update(t, &state.db).await {
                        tracing::warn!(error = %e, "dernière utilisation du jeton non enregistrée");
                    }
                }
                Ok(Acteur::from_user(&user))
            }
            _ => Err(AppError::Unauthorized("Jeton d'accès invalide, expiré ou révoqué.")),
        }
    }
}
