//! Chemotherapy licences (cytostatikakörkort) and other licence types: the
//! rules, completions and revocations, requirements, and compliance.
//!
//! - `model`: the rules (expiry, renewal window, status on a day, who may
//!   record, what a completion, a revocation, an undo or a licence type
//!   must satisfy), pure.
//! - `store` (and `store/`): all SQL.
//! - `actions`: every change, with its audit row, in one unit of work.
//! - `counts` and `timeline`: the kept compliance counts; `report`: the
//!   compliance report and its cache; `compliance`: its arithmetic and
//!   pictures.
//! - The pages, split by subject (`licence_pages`, `compliance_pages`,
//!   `type_pages`, `import_pages`, `verify`), and `api`.

pub mod actions;
pub mod api;
pub mod compliance;
pub mod compliance_pages;
pub mod counts;
pub mod import;
pub mod import_pages;
pub mod licence_pages;
pub mod model;
pub mod pages;
pub mod reminders;
pub mod renewals;
pub mod report;
pub mod store;
pub mod timeline;
pub mod type_pages;
pub mod verify;

use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// Licence pages, compliance, the completions import, verification links
/// and the licence API. `upload_limit` caps an uploaded file.
pub fn router(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/licences", get(licence_pages::my_licences))
        .route(
            "/people/{id}/licences",
            get(licence_pages::person_licences).post(licence_pages::record),
        )
        .route(
            "/licences/completions/{id}/revoke",
            post(licence_pages::revoke),
        )
        .route(
            "/people/{id}/licences/{licence_id}/remind",
            post(licence_pages::remind),
        )
        .route("/compliance", get(compliance_pages::compliance_page))
        .route("/compliance.csv", get(compliance_pages::compliance_csv))
        .route("/compliance.json", get(compliance_pages::compliance_json))
        .route("/admin/licences", get(type_pages::types_page))
        .merge(OpenApiRouter::from(crate::web::edit::routes::<
            AppState,
            type_pages::TypeForm,
        >(
            "/admin/licences/new",
            "/admin/licences/{id}/edit",
        )))
        .route(
            "/admin/licences/{id}/requirements",
            post(type_pages::add_requirement),
        )
        .route(
            "/admin/requirements/{id}/deactivate",
            post(type_pages::remove_requirement),
        )
        .routes(routes!(api::status))
        .routes(routes!(api::compliance))
        .merge(import_pages::import_router(upload_limit).into())
        .merge(verify::verify_router().into())
}
