//! oncotrack: training and certification tracking for oncology care.
//!
//! The library holds the whole application; `main.rs` only parses the command
//! line. Tests build the same router with [`app`].

pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod courses;
pub mod db;
pub mod demo;
pub mod generate;
pub mod home;
pub mod i18n;
pub mod licences;
pub mod mail;
pub mod organisation;
pub mod rotations;
pub mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::password::Hasher;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{Db, DbError};

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// Settings.
    pub config: Arc<Config>,
    /// Installation secret that signs CSRF tokens.
    pub secret: Arc<Vec<u8>>,
    /// Bounded password hashing.
    pub hasher: Hasher,
    /// Request metrics.
    pub metrics: Arc<web::metrics::Metrics>,
    /// Requests per address to the public verification pages.
    pub verify_limit: Arc<web::rate_limit::RateLimiter>,
    /// API tokens checked recently.
    pub api_tokens: Arc<auth::token_cache::TokenCache>,
    /// Compliance reports computed recently.
    pub compliance_reports: Arc<licences::pages::ReportCache>,
}

impl AppState {
    /// Builds the state, creating the installation secret on first start.
    pub fn new(db: Db, clock: Arc<dyn Clock>, config: Config) -> Result<AppState, DbError> {
        let secret = load_secret(&db)?;
        Ok(AppState {
            hasher: Hasher::new(config.hash_concurrency),
            db,
            clock,
            config: Arc::new(config),
            secret: Arc::new(secret),
            metrics: Arc::new(web::metrics::Metrics::default()),
            verify_limit: Arc::new(licences::verify::rate_limiter()),
            api_tokens: Arc::new(auth::token_cache::token_cache()),
            compliance_reports: Arc::new(licences::pages::report_cache()),
        })
    }
}

fn load_secret(db: &Db) -> Result<Vec<u8>, DbError> {
    use base64::Engine;
    let conn = db::open_connection(db.path(), &db::DbOptions::default())?;
    let existing: Option<String> = rusqlite::OptionalExtension::optional(conn.query_row(
        "SELECT value FROM setting WHERE key = 'secret'",
        [],
        |r| r.get(0),
    ))?;
    let encoded = match existing {
        Some(s) => s,
        None => {
            let fresh = auth::store::new_token();
            conn.execute(
                "INSERT OR IGNORE INTO setting (key, value) VALUES ('secret', ?1)",
                [&fresh],
            )?;
            conn.query_row("SELECT value FROM setting WHERE key = 'secret'", [], |r| {
                r.get(0)
            })?
        }
    };
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.as_bytes())
        .unwrap_or_else(|_| encoded.into_bytes()))
}

/// The whole application as a router.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    Router::new()
        .route("/", get(home::home))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(web::openapi::openapi_json))
        .route("/static/style.css", get(stylesheet))
        .merge(auth::router())
        .merge(organisation::router(config.max_upload_bytes))
        .merge(licences::import_pages::import_router(config.max_upload_bytes))
        .merge(audit::router())
        .merge(licences::router())
        .merge(mail::router())
        .merge(licences::verify::verify_router())
        .merge(courses::router())
        .merge(rotations::router())
        .fallback(web::middleware::not_found)
        .route_layer(from_fn_with_state(state.clone(), web::metrics::track))
        .layer(from_fn_with_state(state.clone(), web::csrf::guard))
        .layer(axum::extract::DefaultBodyLimit::max(config.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(config.max_upload_bytes))
        .layer(from_fn(web::middleware::render_errors))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(HeaderName::from_static("x-request-id")))
        .layer(SetRequestIdLayer::new(HeaderName::from_static("x-request-id"), MakeRequestUuid))
        .layer(from_fn_with_state(state.clone(), web::middleware::security_headers))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Response {
    let ok = state
        .db
        .read(|c| {
            c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map_err(DbError::from)
        })
        .await
        .is_ok();
    if ok {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut r = state.metrics.render(state.db.pool_status()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

async fn stylesheet() -> Response {
    let mut r = web::layout::STYLESHEET.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

/// How often the reminder job runs. Its dedupe keys make runs idempotent, so
/// running several times a day only makes it notice a new day sooner.
pub const REMINDER_INTERVAL: std::time::Duration = std::time::Duration::from_secs(4 * 60 * 60);

/// The reminder job running beside the server; see [`spawn_reminders`].
pub struct ReminderTask {
    stop: tokio::sync::watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
}

impl ReminderTask {
    /// Stops the job and waits for it. A run in progress stops at its next
    /// step; what it committed stays, and the next run picks up the rest.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.handle.await;
    }
}

/// Starts the licence reminder job: a run at start-up and then every
/// [`REMINDER_INTERVAL`], each queueing what is due today and e-mailing it when
/// SMTP is configured. Dropping the returned handle also stops the job.
pub fn spawn_reminders(state: AppState) -> ReminderTask {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let handle = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(REMINDER_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stopped.changed() => break,
            }
            let run = licences::reminders::run(
                &state.db,
                &state.config,
                state.clock.as_ref(),
                None,
                audit::store::Actor::system(),
            );
            tokio::select! {
                result = run => match result {
                    Ok(r) => tracing::info!(
                        as_of = ?r.as_of,
                        queued = r.queued.total(),
                        sent = r.delivered.map(|d| d.sent),
                        failed = r.delivered.map(|d| d.failed),
                        "reminders run"
                    ),
                    Err(e) => tracing::error!(error = %e, "reminders run failed"),
                },
                _ = stopped.changed() => break,
            }
        }
    });
    ReminderTask { stop, handle }
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the
/// requests in flight.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
