//! Results computed for a whole structure (the counting of all its clauses behind the
//! dashboard and the portfolio), kept in each server's memory while the structure's data
//! is unchanged. The version of a structure's data is its latest audit entry: every write
//! through the services records one in the same transaction, and reading it is one index
//! lookup (`audit_log (structure_id, id)`). A server checks the version before serving a
//! kept result, so several servers on one database never serve figures older than the
//! last write, and nothing needs to be told when data changes.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::error::AppResult;

/// Kind, structure, day, and what else the result depends on (a perimeter, a period, the
/// caller's role…; empty when nothing).
type Cle = (&'static str, i64, NaiveDate, String);
type Valeur = (i64, Arc<dyn Any + Send + Sync>);

/// Kept results, by kind, structure and day (what is due or late depends on the day).
pub struct Antememoire {
    entrees: Mutex<HashMap<Cle, Valeur>>,
    /// One computation at a time per key: requests arriving together for a result not
    /// kept wait for the first one's instead of each computing it (64 dashboards at once
    /// computed the structure's counting 64 times: memory and CPU for nothing).
    en_calcul: Mutex<HashMap<Cle, Arc<tokio::sync::Mutex<()>>>>,
    /// Results kept at most; the oldest day's go first.
    max: usize,
}

impl Default for Antememoire {
    fn default() -> Self {
        Antememoire { entrees: Mutex::new(HashMap::new()), en_calcul: Mutex::new(HashMap::new()), max: 64 }
    }
}

/// The version of a structure's data: the id of its latest audit entry (0 if none).
pub async fn version(db: &impl ConnectionTrait, structure_id: i64) -> AppResult<i64> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => "SELECT COALESCE(MAX(id), 0)::BIGINT AS v FROM audit_log WHERE structure_id = $1",
        _ => "SELECT COALESCE(MAX(id), 0) AS v FROM audit_log WHERE structure_id = ?",
    };
    let ligne = db.query_one(Statement::from_sql_and_values(db.get_database_backend(), sql, [structure_id.into()])).await?;
    Ok(ligne.map(|l| l.try_get::<i64>("", "v")).transpose()?.unwrap_or(0))
}

impl Antememoire {
    /// Forgets everything kept (benchmarks of the first call after a write).
    pub fn vider(&self) {
        if let Ok(mut e) = self.entrees.lock() {
            e.clear();
        }
    }

    /// The result of `sorte` for the structure on `jour`: kept if its data has not
    /// changed since, else computed by `calculer` and kept.
    pub async fn obtenir<V, F, Fut>(&self, db: &impl ConnectionTrait, sorte: &'static str, structure_id: i64, jour: NaiveDate, calculer: F) -> AppResult<Arc<V>>
    where
        V: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = AppResult<V>>,
    {
        self.obtenir_pour(db, sorte, structure_id, jour, String::new(), calculer).await
    }

    /// The same for a result that also depends on `detail` (part of the key).
    pub async fn obtenir_pour<V, F, Fut>(&self, db: &impl ConnectionTrait, sorte: &'static str, structure_id: i64, jour: NaiveDate, detail: String, calculer: F) -> AppResult<Arc<V>>
    where
        V: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = AppResult<V>>,
    {
        let v = version(db, structure_id).await?;
        let cle = (sorte, structure_id, jour, detail);
        if let Some(valeur) = self.garde::<V>(&cle, v) {
            return Ok(valeur);
        }
        let verrou = self.en_calcul.lock().map(|mut c| c.entry(cle.clone()).or_default().clone()).unwrap_or_default();
        let _tour = verrou.lock().await;
        // Computed meanwhile by the request that had the turn?
        if let Some(valeur) = self.garde::<V>(&cle, v) {
            return Ok(valeur);
        }
        let valeur = Arc::new(calculer().await?);
        if let Ok(mut e) = self.entrees.lock() {
            if e.len() >= self.max && !e.contains_key(&cle) {
                if let Some(vieille) = e.keys().min_by_key(|k| k.2).cloned() {
                    e.remove(&vieille);
                }
            }
            e.insert(cle.clone(), (v, valeur.clone() as Arc<dyn Any + Send + Sync>));
        }
        // The turns of earlier days nobody waits for any more.
        if let Ok(mut c) = self.en_calcul.lock() {
            c.retain(|k, tour| k.2 >= jour || Arc::strong_count(tour) > 1);
        }
        Ok(valeur)
    }

    /// The result kept for `cle` if it is of version `v` (or newer: computed by a request
    /// that read the version after this one did).
    fn garde<V: Send + Sync + 'static>(&self, cle: &Cle, v: i64) -> Option<Arc<V>> {
        let (kept, valeur) = self.entrees.lock().ok()?.get(cle).cloned()?;
        if kept >= v {
            valeur.downcast::<V>().ok()
        } else {
            None
        }
    }
}
