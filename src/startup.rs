//! Building the application: database, templates, mailer, router — and serving it.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::clock::Clock;
use crate::config::Settings;
use crate::error::AppError;
use crate::mail::Mailer;
use crate::state::AppState;

/// Connects, migrates and assembles the state.
pub async fn state(settings: Settings, clock: Clock) -> anyhow::Result<AppState> {
    let db = crate::db::connect(settings.database_url(), settings.database.max_connections).await?;
    crate::db::migrate(&db).await?;
    state_with(settings, clock, db, None)
}

/// Assembles the state from an open database (tests pass their own mailer).
pub fn state_with(settings: Settings, clock: Clock, db: DatabaseConnection, mailer: Option<Mailer>) -> anyhow::Result<AppState> {
    let mailer = match mailer {
        Some(m) => m,
        None => Mailer::from_settings(&settings.mail)?,
    };
    let templates = Arc::new(crate::web::templates(&settings.server.templates_dir)?);
    let statiques = Arc::new(crate::web::statics::Statiques::charger(&settings.server.templates_dir.join("static"))?);
    Ok(AppState { db, settings: Arc::new(settings), mailer, clock, templates, statiques, antememoire: Arc::default() })
}

pub fn router(state: AppState) -> Router {
    let (api, openapi) = crate::api::router();
    let openapi = Arc::new(openapi);
    Router::new()
        .route("/", get(crate::clauses::pages::accueil))
        .route("/static/{nom}", get(crate::web::statics::servir))
        .route("/health", get(health))
        .route("/api/openapi.json", get(move || async move { Json(openapi.as_ref().clone()) }))
        .merge(api)
        .merge(crate::auth::pages::routes())
        .merge(crate::relances::pages::routes())
        .merge(crate::bilans::pages::routes())
        .merge(crate::clauses::pages::routes())
        .fallback(crate::web::not_found)
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .with_state(state.clone())
        .layer(CatchPanicLayer::custom(|_| AppError::Internal(anyhow::anyhow!("handler panicked")).into_response()))
        .layer(axum::middleware::from_fn(crate::web::entree::controler))
        .layer(axum::middleware::from_fn_with_state(state, crate::web::html::couche))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(60)))
        .layer(TraceLayer::new_for_http())
}

async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    state.db.ping().await.map_err(|_| AppError::Unavailable("La base de données ne répond pas."))?;
    Ok(Json(serde_json::json!({"status": "ok"})))
}

/// Serves `router` on `listener` until ctrl-c / SIGTERM.
pub async fn serve(listener: TcpListener, router: Router) -> anyhow::Result<()> {
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).with_graceful_shutdown(shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("arrêt demandé, fin des requêtes en cours");
}
