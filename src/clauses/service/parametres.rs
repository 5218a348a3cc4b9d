//! The structure's clause follow-up settings (`clauses::parametres`): read by every
//! manager, changed by administrators; changing the thresholds can carry them to every
//! clause of the structure at once.

use entities::clauses;
use sea_orm::{ActiveModelTrait, ConnectionTrait, QueryOrder, Set, TransactionTrait};

use crate::audit;
use crate::auth::{Acteur, GESTION};
use crate::clauses::parametres::ParametresSuivi;
use crate::clock::Clock;
use crate::comptage::regles::ReglesComptage;
use crate::error::{AppError, AppResult};

pub async fn parametres_suivi(db: &impl ConnectionTrait, structure_id: i64) -> AppResult<ParametresSuivi> {
    Ok(ParametresSuivi::from_structure(&crate::auth::service::parametres_structure(db, structure_id).await?))
}

/// What a change of the settings did.
#[derive(Debug, Clone, PartialEq)]
pub struct Enregistrement {
    pub parametres: ParametresSuivi,
    /// Clauses whose thresholds were brought to the structure's (when asked).
    pub clauses_modifiees: u64,
}

/// Changes the settings (admin), audited; with `appliquer_aux_clauses`, every clause of
/// the structure whose thresholds differ takes the new ones, each change audited, all
/// in the same transaction.
pub async fn set_parametres_suivi(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, p: ParametresSuivi, appliquer_aux_clauses: bool) -> AppResult<Enregistrement> {
    acteur.require(&[entities::enums::Role::Admin])?;
    acteur.require(GESTION)?;
    p.validate().map_err(AppError::Invalid)?;
    let txn = crate::db::ecrire(db).await?;
    crate::auth::service::ecrire_parametres(&txn, clock, acteur, "suivi", serde_json::to_value(&p).map_err(anyhow::Error::new)?).await?;
    let mut clauses_modifiees = 0;
    if appliquer_aux_clauses {
        let now = clock.now();
        for before in acteur.scoped::<clauses::Entity>().order_by_asc(clauses::Column::Id).all(&txn).await? {
            let mut regles: ReglesComptage = serde_json::from_value(before.regles.clone()).unwrap_or_default();
            if regles.avancement == p.avancement {
                continue;
            }
            regles.avancement = p.avancement.clone();
            let mut model: clauses::ActiveModel = before.clone().into();
            model.regles = Set(serde_json::to_value(&regles).map_err(anyhow::Error::new)?);
            model.updated_at = Set(now);
            let after = model.update(&txn).await?;
            audit::record(&txn, clock, acteur, "regles", "clause", before.id, Some(&before), Some(&after)).await?;
            clauses_modifiees += 1;
        }
    }
    txn.commit().await?;
    Ok(Enregistrement { parametres: p, clauses_modifiees })
}
