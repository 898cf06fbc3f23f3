//! The one error type of the web edge. Handlers return it; the `render` layer
//! turns it into an HTML page for pages and `application/problem+json`
//! (RFC 9457) for `/api`, because only the edge knows which the client wants.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::db::DbError;

/// Everything a handler can fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// No such page or row (also used for rows the user may not see, so that
    /// their existence does not leak).
    #[error("not found")]
    NotFound,
    /// Signed in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Not signed in (pages redirect to the sign-in form; the API answers 401).
    #[error("unauthenticated")]
    Unauthenticated,
    /// The CSRF token is missing or wrong.
    #[error("invalid or missing csrf_token")]
    Csrf,
    /// Malformed input; `field` names the parameter when known.
    #[error("bad request: {message}")]
    BadRequest {
        /// The parameter or field.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// Well-formed input that breaks a rule.
    #[error("{field}: {message}")]
    Unprocessable {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Conflicts with what is stored (duplicates).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Throttled; retry after this many seconds.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// Storage cannot take writes now (read-only file, full disk).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; details are logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// 400 naming the field.
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::BadRequest {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// 422 naming the field.
    pub fn unprocessable(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Unprocessable {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A UNIQUE constraint failure becomes `Conflict` (the form names the
    /// field); any other database error passes through.
    pub fn conflict_on_unique(e: rusqlite::Error) -> AppError {
        if crate::db::is_unique_violation(&e) {
            AppError::Conflict(e.to_string())
        } else {
            AppError::from(e)
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Short title for problem+json and the error page.
    pub fn title(&self) -> &'static str {
        match self {
            AppError::NotFound => "Not found",
            AppError::Forbidden => "Forbidden",
            AppError::Csrf => "Invalid CSRF token",
            AppError::Unauthenticated => "Unauthorized",
            AppError::BadRequest { .. } => "Bad request",
            AppError::Unprocessable { .. } => "Unprocessable content",
            AppError::Conflict(_) => "Conflict",
            AppError::TooManyRequests { .. } => "Too many requests",
            AppError::Unavailable(_) => "Service unavailable",
            AppError::Internal(_) => "Internal server error",
        }
    }

    /// What the client may be told (never internals).
    pub fn public_detail(&self) -> Option<String> {
        match self {
            AppError::BadRequest { field, message } => Some(match field {
                Some(f) => format!("{f}: {message}"),
                None => message.clone(),
            }),
            AppError::Unprocessable { field, message } => Some(format!("{field}: {message}")),
            AppError::Conflict(m) | AppError::Unavailable(m) => Some(m.clone()),
            AppError::Csrf => Some("the form's csrf_token is missing or does not match".into()),
            _ => None,
        }
    }

    /// The field or parameter at fault, for problem+json's `field` member.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::BadRequest { field, .. } => field.as_deref(),
            AppError::Unprocessable { field, .. } => Some(field),
            AppError::Csrf => Some("csrf_token"),
            _ => None,
        }
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        if e.is_storage_unavailable() {
            AppError::Unavailable(
                "the database cannot take writes right now / databasen kan inte ta emot ändringar just nu".into(),
            )
        } else {
            AppError::Internal(e.to_string())
        }
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::from(DbError::from(e))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        // A bare answer carrying the error; `web::middleware::render_errors`
        // replaces the body with a page or a problem document.
        let mut response = (self.status(), self.title()).into_response();
        if let AppError::TooManyRequests { retry_after } = &self
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response.extensions_mut().insert(self);
        response
    }
}
