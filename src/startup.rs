//! Building the application: database, templates, mailer, router — and serving it.

use std::sync::Arc;
use std::time::Duration;

use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::clock::Clock;
use crate::config::Settings;
use crate::error::AppError;
use crate::mail::Mailer;
use crate::state::AppState;

/// Connects, migrates and assembles the state.
pub async fn state(settings: Settings, clock: Clock) -> anyhow::Result<AppState> {
    let db = crate::db::connect_avec(settings.database_url(), settings.database.pool()).await?;
    crate::db::migrate(&db).await?;
    let lourds = crate::charge::Lourds::sur_leurs_fils(settings.database_url(), settings.database.pool_lourd(), settings.server.travaux_lourds, Duration::from_secs(settings.server.attente_travail_lourd_secondes)).await?;
    etat(settings, clock, db, lourds, None)
}

/// Assembles the state from an open database (tests pass their own mailer); heavy reads
/// share its pool.
pub fn state_with(settings: Settings, clock: Clock, db: DatabaseConnection, mailer: Option<Mailer>) -> anyhow::Result<AppState> {
    let lourds = crate::charge::Lourds::new(db.clone(), settings.server.travaux_lourds, Duration::from_secs(settings.server.attente_travail_lourd_secondes));
    etat(settings, clock, db, lourds, mailer)
}

fn etat(settings: Settings, clock: Clock, db: DatabaseConnection, lourds: crate::charge::Lourds, mailer: Option<Mailer>) -> anyhow::Result<AppState> {
    let lourds = Arc::new(lourds);
    let mailer = match mailer {
        Some(m) => m,
        None => Mailer::from_settings(&settings.mail)?,
    };
    let templates = Arc::new(crate::web::templates(&settings.server.templates_dir)?);
    let statiques = Arc::new(crate::web::statics::Statiques::charger(&settings.server.templates_dir.join("static"))?);
    Ok(AppState { db, lourds, settings: Arc::new(settings), mailer, clock, templates, statiques, antememoire: Arc::default() })
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
        .merge(crate::auth::admin::routes())
        .merge(crate::relances::pages::routes())
        .merge(crate::bilans::pages::routes())
        .merge(crate::clauses::pages::routes())
        .merge(crate::parcours::pages::routes())
        .fallback(crate::web::not_found)
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .with_state(state.clone())
        .layer(CatchPanicLayer::custom(|_| AppError::Internal(anyhow::anyhow!("handler panicked")).into_response()))
        .layer(axum::middleware::from_fn(crate::web::entree::controler))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::charge::delai))
        .layer(axum::middleware::from_fn_with_state(state, crate::web::html::couche))
        .layer(TraceLayer::new_for_http())
}

async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    state.db.ping().await.map_err(|_| AppError::Unavailable("La base de données ne répond pas."))?;
    Ok(Json(serde_json::json!({"status": "ok"})))
}

/// Serves `router` on `listener` until ctrl-c / SIGTERM, with the default time limit on
/// reading a request's headers.
pub async fn serve(listener: TcpListener, router: Router) -> anyhow::Result<()> {
    serve_avec(listener, router, Duration::from_secs(30), shutdown_signal()).await
}

/// The accept loop: each connection is served by hyper (HTTP/1.1 and HTTP/2) with a time
/// limit on reading a request's headers — a slow, half-sent or idle keep-alive connection
/// is closed — and the client's address (`ConnectInfo`); on `arret`, connections finish
/// their requests (at most 30 s) before the server returns.
pub async fn serve_avec(listener: TcpListener, router: Router, delai_entetes: Duration, arret: impl std::future::Future<Output = ()>) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use tower::Service;

    let mut fabrique = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let gracieux = hyper_util::server::graceful::GracefulShutdown::new();
    let mut arret = std::pin::pin!(arret);
    loop {
        let (flux, adresse) = tokio::select! {
            accepte = listener.accept() => match accepte {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, go on.
                    tracing::warn!(error = %e, "connexion refusée");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut arret => break,
        };
        let service = match fabrique.call(adresse).await {
            Ok(s) => s,
            Err(e) => match e {},
        };
        let mut constructeur = Builder::new(TokioExecutor::new());
        constructeur.http1().timer(TokioTimer::new()).header_read_timeout(delai_entetes);
        let connexion = constructeur.serve_connection_with_upgrades(TokioIo::new(flux), hyper_util::service::TowerToHyperService::new(service)).into_owned();
        let connexion = gracieux.watch(connexion);
        tokio::spawn(async move {
            if let Err(e) = connexion.await {
                tracing::debug!(error = %e, "connexion close");
            }
        });
    }
    tokio::select! {
        _ = gracieux.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(30)) => tracing::warn!("arrêt : des connexions n'ont pas fini à temps"),
    }
    Ok(())
}

/// ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
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
