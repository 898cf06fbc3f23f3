//! The regional quality indicator "kloka kliniska val" (Choosing Wisely):
//! treatment in the last weeks of life, per region, administration and
//! unit, from pseudonymised treatment extracts, with small numbers
//! suppressed.

pub mod actions;
pub mod api;
pub mod charts;
pub mod import;
pub mod import_pages;
pub mod model;
pub mod pages;
pub mod report;
pub mod store;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::web;

/// The report, its exports and API, the import and the sources. Uploads get
/// `upload_limit` instead of the small default body limit.
pub fn router(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/quality", get(pages::report_page))
        .route("/quality.csv", get(pages::report_csv))
        .route("/quality.json", get(pages::report_json))
        .merge(OpenApiRouter::from(
            Router::new()
                .route(
                    "/quality/import",
                    get(import_pages::import_page).post(import_pages::import_submit),
                )
                .layer(DefaultBodyLimit::max(upload_limit)),
        ))
        .route("/quality/sources", get(import_pages::sources_page))
        .merge(OpenApiRouter::from(web::edit::routes::<
            AppState,
            import_pages::SourceForm,
        >(
            "/quality/sources/new",
            "/quality/sources/{id}/edit",
        )))
        .routes(routes!(api::indicator))
}
