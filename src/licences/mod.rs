//! Chemotherapy licences (cytostatikakörkort) and other licence types: the
//! rules, completions and revocations, requirements, and compliance.

pub mod api;
pub mod compliance;
pub mod counts;
pub mod import;
pub mod import_pages;
pub mod model;
pub mod pages;
pub mod reminders;
pub mod renewals;
pub mod store;
pub mod timeline;
pub mod verify;

use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// Licence pages, compliance, the completions import, verification links
/// and the licence API. `upload_limit` caps an uploaded file.
pub fn router(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/licences", get(pages::my_licences))
        .route(
            "/people/{id}/licences",
            get(pages::person_licences).post(pages::record),
        )
        .route("/licences/completions/{id}/revoke", post(pages::revoke))
        .route("/compliance", get(pages::compliance_page))
        .route("/compliance.csv", get(pages::compliance_csv))
        .route("/compliance.json", get(pages::compliance_json))
        .route("/admin/licences", get(pages::types_page))
        .route(
            "/admin/licences/new",
            get(pages::new_type_page).post(pages::create_type),
        )
        .route(
            "/admin/licences/{id}/edit",
            get(pages::edit_type_page).post(pages::update_type),
        )
        .route(
            "/admin/licences/{id}/requirements",
            post(pages::add_requirement),
        )
        .route(
            "/admin/requirements/{id}/deactivate",
            post(pages::remove_requirement),
        )
        .routes(routes!(api::status))
        .routes(routes!(api::compliance))
        .merge(import_pages::import_router(upload_limit).into())
        .merge(verify::verify_router().into())
}
