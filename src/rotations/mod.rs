//! ST-doctor rotation placements (randning) at the host hospital: trainees,
//! training elements, placements, versioned cost-sharing agreements and the
//! exact month-by-month split between home clinic and host.
//!
//! Where things are: the split engine in `model`, its words in `explain`;
//! the rules of trainees, placements and agreements in `trainees`,
//! `placements` and `agreements`; the reports' sums in `reports`; the SQL
//! in `store`; the reported ledger's writes in `ledger`; every change in
//! `actions`; the pages by subject (`*_pages`) and the API in `api`.

pub mod actions;
pub mod agreement_pages;
pub mod agreements;
pub mod api;
pub mod explain;
pub mod ledger;
pub mod model;
pub mod placement_pages;
pub mod placements;
pub mod preview_pages;
pub mod report_pages;
pub mod reports;
pub mod store;
pub mod timeline;
pub mod timeline_pages;
pub mod trainee_pages;
pub mod trainees;
pub mod views;

use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::model::Role;
use crate::web::edit;

/// Who reads agreements, split previews, placements and their reports
/// (managers within their units).
pub const READERS: &[Role] = &[Role::Admin, Role::StudyDirector, Role::Manager];

/// Who plans placements and keeps agreements, trainees and elements.
pub const WRITERS: &[Role] = &[Role::Admin, Role::StudyDirector];

/// Rotation pages and the rotation API.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/rotations/agreements", get(agreement_pages::list_page))
        .route(
            "/rotations/agreements/new",
            get(agreement_pages::new_page).post(agreement_pages::create),
        )
        .route(
            "/rotations/agreements/{id}/version",
            get(agreement_pages::version_page).post(agreement_pages::create_version),
        )
        .route("/rotations/split-preview", get(preview_pages::preview_page))
        .routes(routes!(api::list))
        .routes(routes!(api::split_preview))
        .route("/trainees", get(trainee_pages::trainees_page))
        .route("/trainees/{id}", get(trainee_pages::trainee_page))
        .route("/trainees/{id}/salary", post(trainee_pages::add_salary))
        .route(
            "/training-elements",
            get(trainee_pages::elements_page).post(trainee_pages::create_element),
        )
        .merge(OpenApiRouter::from(edit::routes::<
            AppState,
            trainee_pages::TraineeForm,
        >(
            "/trainees/new",
            "/trainees/{id}/edit",
        )))
        .merge(OpenApiRouter::from(edit::routes::<
            AppState,
            trainee_pages::ElementForm,
        >(
            "/training-elements/new",
            "/training-elements/{id}/edit",
        )))
        .route("/placements", get(placement_pages::placements_page))
        .route("/placements/{id}", get(placement_pages::placement_page))
        .merge(OpenApiRouter::from(edit::routes::<
            AppState,
            placement_pages::PlacementForm,
        >(
            "/placements/new",
            "/placements/{id}/edit",
        )))
        .route(
            "/placements/{id}/approve",
            post(placement_pages::approve_placement),
        )
        .route(
            "/placements/{id}/cancel",
            post(placement_pages::cancel_placement),
        )
        .route(
            "/placements/{id}/home-periods",
            post(placement_pages::add_home_period),
        )
        .route(
            "/placements/{id}/certificate",
            post(placement_pages::set_certificate),
        )
        .route("/rotations/timeline", get(timeline_pages::timeline_page))
        .route("/rotations/reports/costs", get(report_pages::costs_page))
        .route("/rotations/reports/costs.csv", get(report_pages::costs_csv))
        .route(
            "/rotations/reports/costs.json",
            get(report_pages::costs_json),
        )
        .routes(routes!(report_pages::costs_api))
        .route(
            "/rotations/reports/capacity",
            get(report_pages::capacity_page),
        )
        .route(
            "/rotations/reports/missing-elements",
            get(report_pages::missing_page),
        )
}
