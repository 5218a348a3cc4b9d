//! Login attempts limited per account and per address, across every server (the counts
//! are in the database): past the limit, a 429 in French with `Retry-After` until the
//! window ends. A success clears the account's count. Argon2 is also bounded in
//! concurrency (`password`), so a flood of logins queues instead of growing memory.

use std::net::IpAddr;

use chrono::Duration;
use entities::tentatives_connexion as t;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set, TransactionTrait};

use crate::clock::Clock;
use crate::error::{AppError, AppResult};

/// The window in which failures are counted.
pub const FENETRE_MINUTES: i64 = 15;
/// Failed logins of one account in a window.
pub const MAX_COMPTE: i32 = 10;
/// Failed logins from one address in a window (an office behind one address has many
/// people).
pub const MAX_ADRESSE: i32 = 100;

/// The keys of an attempt and their limits.
pub fn cles(email: &str, ip: Option<IpAddr>) -> Vec<(String, i32)> {
    let mut c = vec![(format!("compte:{}", crate::auth::service::normalize_email(email)), MAX_COMPTE)];
    if let Some(ip) = ip {
        c.push((format!("ip:{ip}"), MAX_ADRESSE));
    }
    c
}

/// Refuses the attempt when one of its keys is over its limit in the current window.
pub async fn verifier(db: &impl ConnectionTrait, clock: &Clock, cles: &[(String, i32)]) -> AppResult<()> {
    let now = clock.now();
    for (cle, max) in cles {
        if let Some(l) = t::Entity::find_by_id(cle.clone()).one(db).await? {
            let fin = l.debut + Duration::minutes(FENETRE_MINUTES);
            if l.echecs >= *max && fin > now {
                return Err(AppError::TropDeTentatives((fin - now).num_seconds().max(1) as u64));
            }
        }
    }
    Ok(())
}

/// Counts a failure on every key (a new window when the last one is over).
pub async fn echec(db: &impl TransactionTrait, clock: &Clock, cles: &[(String, i32)]) -> AppResult<()> {
    let now = clock.now();
    let txn = crate::db::ecrire(db).await?;
    for (cle, _) in cles {
        match t::Entity::find_by_id(cle.clone()).one(&txn).await? {
            Some(l) if l.debut + Duration::minutes(FENETRE_MINUTES) > now => {
                let echecs = l.echecs + 1;
                let mut a: t::ActiveModel = l.into();
                a.echecs = Set(echecs);
                a.update(&txn).await?;
            }
            Some(l) => {
                let mut a: t::ActiveModel = l.into();
                a.debut = Set(now);
                a.echecs = Set(1);
                a.update(&txn).await?;
            }
            None => {
                // Two first failures at once: the other one counted it.
                if let Err(e) = (t::ActiveModel { cle: Set(cle.clone()), debut: Set(now), echecs: Set(1) }.insert(&txn).await) {
                    tracing::debug!(error = %e, "tentative déjà comptée");
                }
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

/// A successful login clears its account's failures (not its address's).
pub async fn succes(db: &impl ConnectionTrait, cles: &[(String, i32)]) -> AppResult<()> {
    if let Some((cle, _)) = cles.first() {
        t::Entity::delete_by_id(cle.clone()).exec(db).await?;
    }
    Ok(())
}
