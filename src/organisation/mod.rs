//! Regions, administrations, units and people, with dated employment history
//! and the CSV imports.

pub mod actions;
pub mod api;
pub mod import;
pub mod model;
pub mod pages;
pub mod store;

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

/// Organisation and staff pages, the imports and the API.
pub fn router(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/org", get(pages::overview))
        .merge(OpenApiRouter::from(web::edit::routes::<
            AppState,
            pages::RegionForm,
        >(
            "/org/regions/new",
            "/org/regions/{id}/edit",
        )))
        .route(
            "/org/administrations/new",
            get(pages::new_administration_page).post(pages::create_administration),
        )
        .route(
            "/org/administrations/{id}/edit",
            get(pages::edit_administration_page).post(pages::update_administration),
        )
        .route(
            "/org/units/new",
            get(pages::new_unit_page).post(pages::create_unit),
        )
        .route("/org/units/{id}", get(pages::unit_page))
        .route(
            "/org/units/{id}/edit",
            get(pages::edit_unit_page).post(pages::update_unit),
        )
        .route("/people", get(pages::people_list))
        .route(
            "/people/new",
            get(pages::new_person_page).post(pages::create_person),
        )
        .route("/people/{id}", get(pages::person_page))
        .route(
            "/people/{id}/edit",
            get(pages::edit_person_page).post(pages::update_person),
        )
        .route("/people/{id}/assignment", post(pages::change_assignment))
        .route("/people/{id}/leave", post(pages::leave))
        .route("/people/{id}/rejoin", post(pages::rejoin))
        .route("/import", get(pages::import_page))
        .merge(OpenApiRouter::from(
            Router::new()
                .route("/import/units", post(pages::import_units))
                .route("/import/staff", post(pages::import_staff))
                .layer(DefaultBodyLimit::max(upload_limit)),
        ))
        .routes(routes!(api::units))
        .routes(routes!(api::people))
}
