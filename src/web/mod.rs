//! The shared web edge: layout and components, extractors, errors, CSRF,
//! security headers, metrics and CSV.

pub mod context;
pub mod csrf;
pub mod csv;
pub mod edit;
pub mod error;
pub mod form;
pub mod ical;
pub mod layout;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod rate_limit;
pub mod strict_json;
pub mod token;

pub use error::AppError;
pub use form::{ApiQuery, FieldErrors, Form, Json, Path, Query};

/// A 303 See Other to `to`, the answer to every successful form post.
pub fn see_other(to: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    axum::response::Redirect::to(to).into_response()
}
