//! ST-doctor rotation placements (randning) at the host hospital: trainees,
//! training elements, placements, versioned cost-sharing agreements and the
//! exact month-by-month split between home clinic and host.

pub mod model;
pub mod placement_pages;
pub mod placement_texts;
pub mod placements;
pub mod texts;
pub mod trainees;

use axum::Router;

use crate::AppState;

/// Rotation pages and the rotation API.
pub fn router() -> Router<AppState> {
    Router::new().merge(placement_pages::router())
}
