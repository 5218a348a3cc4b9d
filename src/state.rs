//! The state shared by every request handler.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::Settings;
use crate::mail::Mailer;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Heavy reads (bilans, exports, consolidation): their own pool, a few at a time.
    pub lourds: Arc<crate::charge::Lourds>,
    pub settings: Arc<Settings>,
    pub mailer: Mailer,
    pub clock: Clock,
    pub templates: Arc<tera::Tera>,
    /// Static files under fingerprinted names.
    pub statiques: Arc<crate::web::statics::Statiques>,
    /// Whole-structure results kept while the structure's data is unchanged.
    pub antememoire: Arc<crate::antememoire::Antememoire>,
}
