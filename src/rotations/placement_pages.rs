//! Trainee, training element and placement pages, timelines and cost reports.

use axum::Router;

use crate::AppState;

/// Trainee, placement and report routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
