//! The audit log (domain.md §8): who changed what, when, with before/after.

use entities::audit_log;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde::Serialize;

use crate::auth::Acteur;
use crate::clock::Clock;
use crate::error::AppResult;

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
    let json = |v: Option<&T>| v.map(serde_json::to_value).transpose();
    audit_log::ActiveModel {
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
    }
    .insert(db)
    .await?;
    Ok(())
}
