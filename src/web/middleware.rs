//! Layers every response passes: security headers and error rendering.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::context::request_lang;
use super::error::AppError;
use super::layout;
use crate::i18n::Lang;

/// What the header layer needs to know.
#[derive(Debug, Clone, Copy)]
pub struct Headers {
    /// Served over TLS: send `Strict-Transport-Security`.
    pub hsts: bool,
}

const CSP: &str = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Adds the security headers to every response.
pub async fn security_headers(State(state): State<Headers>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if state.hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Turns `AppError`s into a problem document under `/api` and a page elsewhere.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let is_get = req.method() == axum::http::Method::GET;
    let lang = request_lang(req.headers(), None);
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let response = next.run(req).await;
    let Some(error) = response.extensions().get::<AppError>().cloned() else {
        return response;
    };
    match &error {
        AppError::Internal(detail) => tracing::error!(request_id, %path, detail, "internal error"),
        // Someone signed in asked for what their roles do not allow: worth
        // a line in the log, since a pattern of them is how probing shows.
        AppError::Forbidden => tracing::warn!(request_id, %path, "forbidden"),
        AppError::Hidden => tracing::warn!(request_id, %path, "row outside the user's scope"),
        _ => {}
    }
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let mut out = if path.starts_with("/api/") {
        problem(&error, lang, &path, &request_id)
    } else if matches!(
        error,
        AppError::Unauthenticated | AppError::SecondFactorRequired
    ) {
        let next = if is_get { path_and_query } else { "/".into() };
        let target = if matches!(error, AppError::SecondFactorRequired) {
            "/account/second-factor".to_string()
        } else {
            format!("/login?next={}", urlencode(&next))
        };
        let mut r = StatusCode::SEE_OTHER.into_response();
        if let Ok(v) = HeaderValue::from_str(&target) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r
    } else {
        let title = error.title().render(lang);
        let message = match &error {
            AppError::NotFound | AppError::Hidden => lang.t("error.not_found").to_string(),
            AppError::Forbidden => lang.t("error.forbidden").to_string(),
            other => other.public_detail(lang).unwrap_or_else(|| title.clone()),
        };
        let body = layout::error_page(lang, error.status().as_u16(), &title, &message, &request_id);
        (error.status(), Html(body.into_string())).into_response()
    };
    if let Some(v) = retry_after {
        out.headers_mut().insert(header::RETRY_AFTER, v);
    }
    out
}

/// The problem document (RFC 9457) of `error`, its texts in `lang`: the
/// request's `Accept-Language`, Swedish by default.
fn problem(error: &AppError, lang: Lang, path: &str, request_id: &str) -> Response {
    let mut doc = serde_json::json!({
        "type": "about:blank",
        "title": error.title().render(lang),
        "status": error.status().as_u16(),
        "instance": path,
    });
    if let Some(detail) = error.public_detail(lang) {
        doc["detail"] = detail.into();
    }
    if let Some(field) = error.field() {
        doc["field"] = field.into();
    }
    if !request_id.is_empty() {
        doc["request_id"] = request_id.into();
    }
    let mut response = (error.status(), doc.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if matches!(error, AppError::Unauthenticated) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// Percent-encodes a value for a query string.
pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Fallback for unknown routes.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
