//! iCalendar responses.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// An iCalendar (`text/calendar`) answer named `filename`. Calendar apps poll
/// subscriptions, so it may be cached briefly but never shared by proxies.
pub fn response(filename: &str, body: String) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
