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

type Cle = (&'static str, i64, NaiveDate);
type Valeur = (i64, Arc<dyn Any + Send + Sync>);

/// Kept results, by kind, structure and day (what is due or late depends on the day).
pub struct Antememoire {
    entrees: Mutex<HashMap<Cle, Valeur>>,
    /// Results kept at most; the oldest day's go first.
    max: usize,
}

impl Default for Antememoire {
    fn default() -> Self {
        Antememoire { entrees: Mutex::new(HashMap::new()), max: 64 }
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
        let v = version(db, structure_id).await?;
        let cle = (sorte, structure_id, jour);
        let garde = self.entrees.lock().map(|e| e.get(&cle).cloned()).unwrap_or(None);
        if let Some((kept, valeur)) = garde {
            if kept == v {
                if let Ok(valeur) = valeur.downcast::<V>() {
                    return Ok(valeur);
                }
            }
        }
        let valeur = Arc::new(calculer().await?);
        if let Ok(mut e) = self.entrees.lock() {
            if e.len() >= self.max && !e.contains_key(&cle) {
                if let Some(vieille) = e.keys().min_by_key(|k| k.2).copied() {
                    e.remove(&vieille);
                }
            }
            e.insert(cle, (v, valeur.clone() as Arc<dyn Any + Send + Sync>));
        }
        Ok(valeur)
    }
}
