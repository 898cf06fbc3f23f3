//! The audit log: who changed what, when, from where, before and after.

pub mod pages;
pub mod store;

use axum::Router;
use axum::routing::get;

use crate::AppState;

/// The administrators' audit pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(pages::browse))
        .route("/admin/audit.csv", get(pages::export))
}
