//! ST-doctor rotation placements (randning) at the host hospital: trainees,
//! training elements, placements, versioned cost-sharing agreements and the
//! exact month-by-month split between home clinic and host.

pub mod agreements;
pub mod api;
pub mod model;
pub mod pages;
pub mod placement_pages;
pub mod placements;
pub mod reports;
pub mod timeline;
pub mod trainees;

use axum::routing::get;
use maud::{Markup, html};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::Role;

/// Who reads agreements, split previews, placements and their reports
/// (managers within their units).
pub const READERS: &[Role] = &[Role::Admin, Role::StudyDirector, Role::Manager];

/// Who plans placements and keeps agreements, trainees and elements.
pub const WRITERS: &[Role] = &[Role::Admin, Role::StudyDirector];

/// The links between the rotation pages.
pub(crate) fn sub_nav(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    let links = [
        ("/placements", "placements.title"),
        ("/trainees", "trainees.title"),
        ("/training-elements", "trainees.elements_title"),
        ("/rotations/timeline", "placements.timeline_title"),
        ("/rotations/reports/costs", "rotreport.costs_title"),
        ("/rotations/reports/capacity", "rotreport.capacity_title"),
        (
            "/rotations/reports/missing-elements",
            "rotreport.missing_title",
        ),
        ("/rotations/agreements", "rotations.nav_agreements"),
        ("/rotations/split-preview", "rotations.nav_preview"),
    ];
    html! {
        nav.breadcrumbs aria-label=(lang.t("placements.nav")) {
            @for (i, (href, key)) in links.iter().enumerate() {
                @if i > 0 { " · " }
                a href=(href) { (lang.t(key)) }
            }
        }
    }
}

/// Rotation pages and the rotation API.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
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
        .routes(routes!(api::list))
        .routes(routes!(api::split_preview))
        .merge(placement_pages::router())
}
