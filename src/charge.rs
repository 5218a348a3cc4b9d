//! Behaviour under load: heavy reads kept apart from the rest, and overload said in
//! French.
//!
//! A bilan, an export or the consolidation reads thousands of rows with several queries at
//! once; at month's end the same server takes every company's declarations. Heavy reads
//! therefore run on their own pool of connections and only a few at a time (a semaphore
//! of `server.travaux_lourds` permits): the others wait their turn — at most
//! `server.attente_travail_lourd_secondes`, then a 503 with `Retry-After` — on threads of
//! their own with a lower CPU priority, while declarations and pages keep the main pool,
//! the main threads and the CPU first.
//!
//! [`delai`] is the whole request's time limit, answered like any other overload (French
//! problem+json, `Retry-After`), not with an empty body.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sea_orm::DatabaseConnection;
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Heavy reads: their pool, their turn, and on a server their own threads.
pub struct Lourds {
    db: DatabaseConnection,
    permis: Arc<Semaphore>,
    attente: Duration,
    /// The heavy reads' threads, at a lower CPU priority; `None`: the caller's runtime
    /// (tests, which share one pool).
    fils: Option<Fils>,
}

/// A runtime of its own for heavy reads, its threads niced ([`PRIORITE`]): the system
/// gives a declaration's thread the CPU before them. The heavy pool is opened from
/// these threads, so SQLite's own worker thread of each connection is niced too.
struct Fils(Option<tokio::runtime::Runtime>);

impl Drop for Fils {
    fn drop(&mut self) {
        // Dropped from async code (the last AppState): no blocking wait here.
        if let Some(r) = self.0.take() {
            r.shutdown_background();
        }
    }
}

/// The `nice` value of the heavy reads' threads (0: normal, 19: lowest).
pub const PRIORITE: i32 = 10;

fn baisser_priorite() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on this thread's own id; no memory is touched.
    unsafe {
        let fil = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, fil, PRIORITE);
    }
}

impl Lourds {
    /// `simultanes` heavy reads at once (at least one) on `db`, on the caller's runtime;
    /// a request waits at most `attente` for its turn.
    pub fn new(db: DatabaseConnection, simultanes: usize, attente: Duration) -> Lourds {
        Lourds { db, permis: Arc::new(Semaphore::new(simultanes.max(1))), attente, fils: None }
    }

    /// The same on threads of their own, at a lower priority, with their own pool on
    /// `url` opened from them.
    pub async fn sur_leurs_fils(url: &str, pool: crate::db::OptionsPool, simultanes: usize, attente: Duration) -> anyhow::Result<Lourds> {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(simultanes.max(1)).thread_name("clausier-lourd").on_thread_start(baisser_priorite).enable_all().build()?;
        let url = url.to_string();
        let db = runtime.spawn(async move { crate::db::connect_avec(&url, pool).await }).await??;
        Ok(Lourds { fils: Some(Fils(Some(runtime))), ..Lourds::new(db, simultanes, attente) })
    }

    /// Runs a heavy read on the heavy pool once its turn comes (a 503 « très sollicité »
    /// past the wait), on the heavy threads when there are.
    pub async fn executer<T, F, Fut>(&self, travail: F) -> AppResult<T>
    where
        F: FnOnce(DatabaseConnection) -> Fut + Send + 'static,
        Fut: Future<Output = AppResult<T>> + Send + 'static,
        T: Send + 'static,
    {
        let permis = match tokio::time::timeout(self.attente, self.permis.clone().acquire_owned()).await {
            Ok(Ok(permis)) => permis,
            Ok(Err(_)) | Err(_) => {
                tracing::warn!(attente_s = self.attente.as_secs(), "travail lourd refusé : file d'attente pleine");
                return Err(AppError::Unavailable(crate::error::SATURE));
            }
        };
        let db = self.db.clone();
        let tache = async move {
            let resultat = travail(db).await;
            drop(permis);
            resultat
        };
        match self.fils.as_ref().and_then(|f| f.0.as_ref()) {
            Some(runtime) => runtime.spawn(tache).await.map_err(|e| AppError::Internal(anyhow::anyhow!("travail lourd interrompu : {e}")))?,
            None => tache.await,
        }
    }

    /// Holds a turn without running anything (tests: a heavy read under way).
    pub async fn occuper(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.permis.clone().acquire_owned().await.expect("semaphore open")
    }
}

/// The whole request's time limit (`server.delai_requete_secondes`): past it, a 503 in
/// French with `Retry-After`.
pub async fn delai(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limite = Duration::from_secs(state.settings.server.delai_requete_secondes.max(1));
    let chemin = request.uri().path().to_string();
    match tokio::time::timeout(limite, next.run(request)).await {
        Ok(reponse) => reponse,
        Err(_) => {
            tracing::warn!(chemin, limite_s = limite.as_secs(), "requête interrompue : trop longue");
            AppError::Unavailable("La requête a pris trop de temps ; réessayez dans quelques secondes.").into_response()
        }
    }
}
