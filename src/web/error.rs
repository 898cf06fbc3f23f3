//! The one error type of the web edge. Handlers return it; the `render` layer
//! turns it into an HTML page for pages and `application/problem+json`
//! (RFC 9457) for `/api`, because only the edge knows which the client wants.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::db::DbError;
use crate::i18n::{Lang, Msg};
use crate::msg;

/// Everything a handler can fail with. Messages are catalogue keys with
/// their arguments; the edge renders them in the reader's language.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// No such page or row (also used for rows the user may not see, so that
    /// their existence does not leak).
    #[error("not found")]
    NotFound,
    /// A row that exists but is outside what the user may see: answered as
    /// not found (its existence does not leak), and logged, since a pattern
    /// of them is how probing for others' rows shows.
    #[error("not found (outside the user's scope)")]
    Hidden,
    /// Signed in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Not signed in (pages redirect to the sign-in form; the API answers 401).
    #[error("unauthenticated")]
    Unauthenticated,
    /// Signed in, but a second factor must be set up first (pages redirect
    /// to its setup).
    #[error("second factor required")]
    SecondFactorRequired,
    /// The CSRF token is missing or wrong.
    #[error("invalid or missing csrf_token")]
    Csrf,
    /// Malformed input; `field` names the parameter when known.
    #[error("bad request: {field:?}: {message:?}")]
    BadRequest {
        /// The parameter or field.
        field: Option<String>,
        /// What is wrong.
        message: Msg,
    },
    /// Well-formed input that breaks a rule.
    #[error("{field}: {message:?}")]
    Unprocessable {
        /// The field.
        field: String,
        /// What is wrong.
        message: Msg,
    },
    /// Conflicts with what is stored.
    #[error("conflict: {0:?}")]
    Conflict(Msg),
    /// A row with the same unique value exists; `constraint` is SQLite's
    /// description of it (`person.hsa_id`), for the page to name the field.
    #[error("duplicate: {constraint}")]
    Duplicate {
        /// The columns of the constraint.
        constraint: String,
    },
    /// Throttled; retry after this many seconds.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// Storage cannot take writes now (read-only file, full disk).
    #[error("service unavailable: {0:?}")]
    Unavailable(Msg),
    /// Every read connection stayed busy past the deadline: 503 with
    /// `Retry-After`, so that clients and load balancers come back shortly.
    #[error("overloaded")]
    Overloaded,
    /// A bug or an unexpected failure; details are logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// 400 naming the field.
    pub fn bad_request(field: impl Into<String>, message: impl Into<Msg>) -> AppError {
        AppError::BadRequest {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// 422 naming the field.
    pub fn unprocessable(field: impl Into<String>, message: impl Into<Msg>) -> AppError {
        AppError::Unprocessable {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A UNIQUE constraint failure becomes `Duplicate` (the form names the
    /// field); any other database error passes through.
    pub fn conflict_on_unique(e: rusqlite::Error) -> AppError {
        if crate::db::is_unique_violation(&e) {
            let text = e.to_string();
            AppError::Duplicate {
                constraint: text
                    .strip_prefix("UNIQUE constraint failed: ")
                    .unwrap_or(&text)
                    .to_string(),
            }
        } else {
            AppError::from(e)
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Hidden => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf | AppError::SecondFactorRequired => {
                StatusCode::FORBIDDEN
            }
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) | AppError::Duplicate { .. } => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Short title for problem+json and the error page.
    pub fn title(&self) -> Msg {
        Msg::new(match self {
            AppError::NotFound | AppError::Hidden => "error.title_not_found",
            AppError::Forbidden | AppError::SecondFactorRequired => "error.title_forbidden",
            AppError::Csrf => "error.title_csrf",
            AppError::Unauthenticated => "error.title_unauthenticated",
            AppError::BadRequest { .. } => "error.title_bad_request",
            AppError::Unprocessable { .. } => "error.title_unprocessable",
            AppError::Conflict(_) | AppError::Duplicate { .. } => "error.title_conflict",
            AppError::TooManyRequests { .. } => "error.title_too_many",
            AppError::Unavailable(_) | AppError::Overloaded => "error.title_unavailable",
            AppError::Internal(_) => "error.title_internal",
        })
    }

    /// What went wrong, as the client may be told it (never internals).
    pub fn message(&self) -> Option<Msg> {
        match self {
            AppError::BadRequest { message, .. } | AppError::Unprocessable { message, .. } => {
                Some(message.clone())
            }
            AppError::Conflict(m) | AppError::Unavailable(m) => Some(m.clone()),
            AppError::Duplicate { .. } => Some(msg!("error.duplicate")),
            AppError::Overloaded => Some(msg!("error.overloaded")),
            AppError::Csrf => Some(msg!("error.csrf")),
            _ => None,
        }
    }

    /// The detail of a problem document in `lang`: the field, then the message.
    pub fn public_detail(&self, lang: Lang) -> Option<String> {
        let message = self.message()?.render(lang);
        Some(match self.field() {
            Some(f) => format!("{f}: {message}"),
            None => message,
        })
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
        if matches!(e, DbError::Busy) {
            AppError::Overloaded
        } else if e.is_storage_unavailable() {
            AppError::Unavailable(msg!("error.storage_unavailable"))
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
        let mut response = (self.status(), self.title().render(Lang::En)).into_response();
        if let AppError::TooManyRequests { retry_after } = &self
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if matches!(self, AppError::Overloaded) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response.extensions_mut().insert(self);
        response
    }
}
