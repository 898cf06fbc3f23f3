//! ST-doctor rotation placements (randning) at the host hospital: trainees,
//! training elements, placements, versioned cost-sharing agreements and the
//! exact month-by-month split between home clinic and host.

pub mod agreements;
pub mod api;
pub mod demo;
pub mod model;
pub mod pages;
pub mod placement_bench;
pub mod placement_pages;
pub mod placement_texts;
pub mod placements;
pub mod reports;
pub mod texts;
pub mod timeline;
pub mod trainees;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// Rotation pages and the rotation API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rotations/agreements", get(pages::list_page))
        .route(
            "/rotations/agreements/new",
            get(pages::new_page).post(pages::create),
        )
        .route(
            "/rotations/agreements/{id}/version",
            get(pages::version_page).post(pages::create_version),
        )
        .route("/rotations/split-preview", get(pages::preview_page))
        .route("/api/v1/rotations/agreements", get(api::list))
        .route("/api/v1/rotations/split-preview", post(api::split_preview))
        .merge(placement_pages::router())
}
