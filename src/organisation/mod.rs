//! Regions, administrations, units and people, with dated employment history
//! and the CSV imports.
//!
//! `model` holds the rules (HSA-ids, unit codes, the history rules),
//! `store` the SQL, `history` the history changes (the rules applied to
//! what the store reads), `actions` the changes (each checked, written and
//! audited in one unit of work), `import` the planning of the two CSV
//! imports; the pages are split by subject (`org_pages`, `people_pages`,
//! `import_pages`) and `api` serves the JSON.

pub mod actions;
pub mod api;
pub mod bookings;
mod history;
pub mod import;
pub mod import_pages;
pub mod model;
pub mod org_pages;
pub mod people_pages;
pub mod store;
mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::model::Role;
use crate::web;

/// Who reads the organisation pages (managers within their scope).
pub const READERS: &[Role] = &[
    Role::Admin,
    Role::Manager,
    Role::Coordinator,
    Role::StudyDirector,
];

/// The create and edit pages of form `F`, as a router to merge.
fn edit_routes<F>(new_path: &str, edit_path: &str) -> OpenApiRouter<AppState>
where
    F: web::edit::EditForm<AppState> + Clone,
{
    OpenApiRouter::from(web::edit::routes::<AppState, F>(new_path, edit_path))
}

/// Organisation and staff pages, the imports and the API.
pub fn router(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/org", get(org_pages::overview))
        .merge(edit_routes::<org_pages::RegionForm>(
            "/org/regions/new",
            "/org/regions/{id}/edit",
        ))
        .merge(edit_routes::<org_pages::AdministrationForm>(
            "/org/administrations/new",
            "/org/administrations/{id}/edit",
        ))
        .merge(edit_routes::<org_pages::UnitForm>(
            "/org/units/new",
            "/org/units/{id}/edit",
        ))
        .route("/org/units/{id}", get(org_pages::unit_page))
        .route("/people", get(people_pages::people_list))
        .merge(edit_routes::<people_pages::PersonForm>(
            "/people/new",
            "/people/{id}/edit",
        ))
        .route("/people/{id}", get(people_pages::person_page))
        .route(
            "/people/{id}/assignment",
            post(people_pages::change_assignment),
        )
        .route("/people/{id}/leave", post(people_pages::leave))
        .route("/people/{id}/rejoin", post(people_pages::rejoin))
        .route("/import", get(import_pages::import_page))
        .merge(OpenApiRouter::from(
            Router::new()
                .route("/import/units", post(import_pages::import_units))
                .route("/import/staff", post(import_pages::import_staff))
                .layer(DefaultBodyLimit::max(upload_limit)),
        ))
        .routes(routes!(api::units))
        .routes(routes!(api::people))
}
