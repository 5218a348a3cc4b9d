//! The parcours core's service API: what its REST API and other PLIE modules call.
//! Every function takes the `Acteur` and checks role and scope itself; writes happen in
//! one transaction with their audit rows.

pub mod anonymisation;
pub mod contrats;
pub mod criteres;
pub mod etapes;
pub mod heures;
pub mod participants;
pub mod sorties;

pub use contrats::{contrats_visibles, create_contrat, get_contrat};
pub use criteres::eligibilite_participant;
pub use heures::{decider_heures, declarer_heures};
pub use participants::{get_participant, nom_court, noms_courts, participants_visibles};

use entities::enums::Role;
use sea_orm::{ConnectionTrait, TransactionTrait};

use super::parametres::ParametresParcours;
use crate::auth::Acteur;
use crate::clock::Clock;
use crate::error::{AppError, AppResult};

/// The parcours settings of a structure.
pub async fn parametres(db: &impl ConnectionTrait, structure_id: i64) -> AppResult<ParametresParcours> {
    Ok(ParametresParcours::from_structure(&crate::auth::service::parametres_structure(db, structure_id).await?))
}

/// Changes the parcours settings of the caller's structure (admin), audited.
pub async fn set_parametres(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, p: ParametresParcours) -> AppResult<ParametresParcours> {
    acteur.require(&[Role::Admin])?;
    p.validate().map_err(AppError::Invalid)?;
    let txn = crate::db::ecrire(db).await?;
    crate::auth::service::ecrire_parametres(&txn, clock, acteur, "parcours", serde_json::to_value(&p).map_err(anyhow::Error::new)?).await?;
    txn.commit().await?;
    Ok(p)
}
