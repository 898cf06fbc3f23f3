//! The quality indicator's rows of the route table (see tests/it/routes.rs).

use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;

use super::{Route, Rule, r};
use crate::support::TestApp;

/// Analysts and administrators everything; managers their scope.
const READERS: &[Role] = &[Role::Admin, Role::QualityAnalyst, Role::Manager];
/// Who imports extracts and keeps the sources.
const ANALYSTS: &[Role] = &[Role::Admin, Role::QualityAnalyst];

/// This domain's routes and who may use them.
pub fn routes() -> Vec<Route> {
    use Rule::*;
    vec![
        r(Method::GET, "/quality", Roles(READERS)),
        r(Method::GET, "/quality.csv", Roles(READERS)),
        r(Method::GET, "/quality.json", Roles(READERS)),
        r(Method::GET, "/quality/import", Roles(ANALYSTS)),
        r(Method::POST, "/quality/import", Roles(ANALYSTS)),
        r(Method::GET, "/quality/sources", Roles(ANALYSTS)),
        r(Method::GET, "/quality/sources/new", Roles(ANALYSTS)),
        r(Method::POST, "/quality/sources/new", Roles(ANALYSTS)),
        r(Method::GET, "/quality/sources/{id}/edit", Roles(ANALYSTS)),
        r(Method::POST, "/quality/sources/{id}/edit", Roles(ANALYSTS)),
        r(
            Method::GET,
            "/api/v1/quality/indicator",
            ApiOnly(READERS, StatusCode::FORBIDDEN),
        ),
    ]
}

/// Source 1, for its edit page.
pub async fn prepare(app: &TestApp) {
    let now = oncotrack::clock::Clock::now(&app.clock);
    app.state
        .db
        .change(oncotrack::db::Actor::cli(), now, |w| {
            oncotrack::quality::actions::save_source(
                w,
                None,
                "Testkällan",
                None,
                &oncotrack::quality::import::Mapping::default(),
            )
        })
        .await
        .expect("source");
}
