//! Behaviour under load: heavy reads kept apart from the rest, and overload said in
//! French.
//!
//! A bilan, an export or the consolidation reads thousands of rows with several queries at
//! once; at month's end the same server takes every company's declarations. Heavy reads
//! therefore run on their own pool of connections ([`Lourds::db`]) and only a few at a
//! time (a semaphore of `server.travaux_lourds` permits): the others wait their turn —
//! at most `server.attente_travail_lourd_secondes`, then a 503 with `Retry-After` — while
//! declarations and pages keep the main pool and the other core.
//!
//! [`delai`] is the whole request's time limit, answered like any other overload (French
//! problem+json, `Retry-After`), not with an empty body.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sea_orm::DatabaseConnection;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Heavy reads: their pool and their turn.
pub struct Lourds {
    db: DatabaseConnection,
    permis: Semaphore,
    attente: Duration,
}

/// The right to run one heavy read, on the heavy pool (released when dropped).
pub struct TravailLourd<'a> {
    pub db: &'a DatabaseConnection,
    _permis: SemaphorePermit<'a>,
}

impl Lourds {
    /// `simultanes` heavy reads at once (at least one) on `db`; a request waits at most
    /// `attente` for its turn.
    pub fn new(db: DatabaseConnection, simultanes: usize, attente: Duration) -> Lourds {
        Lourds { db, permis: Semaphore::new(simultanes.max(1)), attente }
    }

    /// Waits for a turn; a 503 « très sollicité » past the wait.
    pub async fn entrer(&self) -> AppResult<TravailLourd<'_>> {
        match tokio::time::timeout(self.attente, self.permis.acquire()).await {
            Ok(Ok(permis)) => Ok(TravailLourd { db: &self.db, _permis: permis }),
            Ok(Err(_)) | Err(_) => {
                tracing::warn!(attente_s = self.attente.as_secs(), "travail lourd refusé : file d'attente pleine");
                Err(AppError::Unavailable(crate::error::SATURE))
            }
        }
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
