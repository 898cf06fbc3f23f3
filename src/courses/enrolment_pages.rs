//! Enrolment pages and API: enrolling, the waitlist, cancelling, attendance
//! and completion, participant lists, and calendar feeds.

use axum::Router;

use crate::AppState;

/// Enrolment and calendar routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
