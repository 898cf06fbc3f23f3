//! The application assembled from its domains: their routers (each bringing
//! its own OpenAPI paths), the main menu, and the layers every request
//! passes. This is the one place that knows every domain.

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Menu;
use crate::auth::model::{Principal, Role};
use crate::web::layout::NavLink;
use crate::{
    AppState, audit, auth, councils, courses, home, licences, mail, organisation, quality,
    rotations, web,
};

/// The main menu of `user`: the links their roles open, in reading order.
pub fn menu(user: &Principal) -> Vec<NavLink> {
    let link = |href, key| NavLink { href, key };
    let mut links = vec![link("/", "nav.home")];
    if user.person_id.is_some() {
        links.push(link("/licences", "nav.licences"));
    }
    links.push(link("/offerings", "courses.nav"));
    if user.has_any(licences::pages::COMPLIANCE_ROLES) {
        links.push(link("/compliance", "nav.compliance"));
    }
    if user.has_any(rotations::READERS) {
        links.push(link("/placements", "placements.nav"));
    }
    if user.has_any(quality::pages::READERS) {
        links.push(link("/quality", "nav.quality"));
    }
    if user.has_any(councils::MENU_ROLES) {
        links.push(link("/councils", "nav.councils"));
    }
    if user.may_list_people() {
        links.push(link("/people", "nav.people"));
    }
    if user.has_any(organisation::READERS) {
        links.push(link("/org", "nav.organisation"));
    }
    if user.has(Role::Coordinator) && !user.is_admin() {
        links.push(link("/import/completions", "nav.import"));
    }
    if user.is_admin() {
        links.extend([
            link("/import", "nav.import"),
            link("/admin/accounts", "nav.accounts"),
            link("/admin/licences", "nav.licence_types"),
            link("/admin/audit", "nav.audit"),
            link("/admin/outbox", "nav.outbox"),
        ]);
    }
    links.extend([
        link("/messages", "nav.messages"),
        link("/account", "nav.account"),
    ]);
    links
}

/// Whether this server is a read-only replica, and where its primary is.
#[derive(Clone)]
struct ReadOnly {
    on: bool,
    primary: Option<String>,
}

/// On a read-only replica, every request that would change something
/// (anything but GET and HEAD, sign-in included) is refused with 503 and
/// the primary's address; reads pass.
async fn refuse_writes_on_a_replica(
    State(read_only): State<ReadOnly>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let reads = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    if !read_only.on || reads {
        return next.run(req).await;
    }
    let primary = read_only.primary.unwrap_or_else(|| "–".into());
    let mut r = web::AppError::Unavailable(crate::msg!(
        "error.read_only_replica",
        primary = primary.as_str()
    ))
    .into_response();
    r.headers_mut().insert(
        header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("60"),
    );
    r
}

/// Queues a notice about an account's sign-in in the outbox, to its holder.
fn queue_security_notice(
    conn: &rusqlite::Connection,
    n: &auth::notify::SecurityNotice,
    now: chrono::DateTime<chrono::Utc>,
) -> rusqlite::Result<()> {
    let message = mail::store::NewMessage {
        kind: mail::store::Kind::SecurityNotice,
        dedupe_key: n.dedupe_key.clone(),
        recipient_person_id: None,
        recipient_account_id: Some(n.account_id),
        to_email: n.to_email.clone(),
        subject: n.subject.clone(),
        body: n.body.clone(),
    };
    mail::store::queue(conn, &message, now).map(|_| ())
}

/// The whole application as a router.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    state.services.insert(Menu(menu));
    state.services.insert(licences::renewals::Renewals(
        courses::enrolment::renewal_offers,
    ));
    state.services.insert(organisation::bookings::Bookings(
        courses::enrolment::next_bookings,
    ));
    state
        .services
        .insert(auth::notify::Notifier(queue_security_notice));
    if let (Some(settings), Some(public_url)) = (&config.oidc, &config.public_url) {
        match auth::oidc::Oidc::new(settings.clone(), public_url) {
            Ok(oidc) => state.services.insert(oidc),
            Err(e) => tracing::error!(error = %e, "identity provider client"),
        }
    }
    let (routes, api) = OpenApiRouter::with_openapi(web::openapi::ApiDoc::openapi())
        .routes(routes!(web::openapi::openapi_json))
        .merge(auth::router().into())
        .merge(organisation::router(config.max_upload_bytes))
        .merge(audit::router().into())
        .merge(licences::router(config.max_upload_bytes))
        .merge(mail::router().into())
        .merge(courses::router())
        .merge(rotations::router())
        .merge(quality::router(config.max_upload_bytes))
        .merge(councils::router())
        .split_for_parts();
    routes
        .route("/", get(home::home))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/static/style.css", get(stylesheet))
        .fallback(web::middleware::not_found)
        .route_layer(from_fn_with_state(state.metrics.clone(), web::metrics::track))
        .layer(Extension(web::openapi::finish(api)))
        .layer(from_fn_with_state(
            web::csrf::Guard {
                secret: state.secret.clone(),
                secure: config.behind_tls,
                max_form_bytes: config.max_body_bytes,
            },
            web::csrf::guard,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(config.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(config.max_upload_bytes))
        .layer(from_fn_with_state(
            ReadOnly {
                on: state.db.read_only(),
                primary: config.primary_url.clone(),
            },
            refuse_writes_on_a_replica,
        ))
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
        .layer(from_fn_with_state(
            web::middleware::Headers { hsts: config.behind_tls },
            web::middleware::security_headers,
        ))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Response {
    if state.db.ping().await.is_ok() {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
    }
}

/// Whether a request may read `/metrics`: with a configured token, the
/// one that carries it as a bearer token; without, one from this machine.
fn may_read_metrics(config: &crate::config::Config, parts: &axum::http::request::Parts) -> bool {
    match &config.metrics_token {
        Some(token) => parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                // Compared without an early exit, so timing tells nothing.
                given.len() == token.len()
                    && given
                        .bytes()
                        .zip(token.bytes())
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0
            }),
        None => web::context::client_address(parts, config.trust_proxy)
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
    }
}

/// `GET /metrics`: Prometheus text, for the machine itself or the holder of
/// `ONCOTRACK_METRICS_TOKEN`; anyone else gets the not-found page.
async fn metrics(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Result<Response, web::AppError> {
    let (parts, _) = request.into_parts();
    if !may_read_metrics(&state.config, &parts) {
        return Err(web::AppError::NotFound);
    }
    let mut r = state.metrics.render(state.db.pool_status()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(r)
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
