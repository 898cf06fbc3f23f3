//! This domain's rows of the route table (see tests/routes.rs).

use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;

use super::{Route, Rule, r};
use crate::support::TestApp;

/// Study directors, administrators and managers read agreements and preview splits.
const VIEW: &[Role] = &[Role::StudyDirector, Role::Admin, Role::Manager];
/// Administrators and study directors add agreements and versions.
const EDIT: &[Role] = &[Role::Admin, Role::StudyDirector];

/// This domain's routes and who may use them.
pub fn routes() -> Vec<Route> {
    use Rule::*;
    vec![
        r(Method::GET, "/rotations/agreements", Roles(VIEW)),
        r(Method::GET, "/rotations/agreements/new", Roles(EDIT)),
        r(Method::POST, "/rotations/agreements/new", Roles(EDIT)),
        // Version 1 of the seeded `older-regional` agreement is row 1.
        r(
            Method::GET,
            "/rotations/agreements/{id}/version",
            Roles(EDIT),
        ),
        r(
            Method::POST,
            "/rotations/agreements/{id}/version",
            Roles(EDIT),
        ),
        r(Method::GET, "/rotations/split-preview", Roles(VIEW)),
        r(
            Method::GET,
            "/api/v1/rotations/agreements",
            ApiOnly(VIEW, StatusCode::FORBIDDEN),
        ),
        r(
            Method::POST,
            "/api/v1/rotations/split-preview",
            ApiOnly(VIEW, StatusCode::FORBIDDEN),
        ),
    ]
}

/// The JSON body an API route of this domain needs to answer 200.
pub fn api_body(pattern: &str) -> Option<serde_json::Value> {
    match pattern {
        "/api/v1/rotations/split-preview" => Some(serde_json::json!({
            "kind": "radiotherapy",
            "start": "2026-01-01",
            "end": "2026-09-30",
            "monthly_cost_ore": 6_000_000,
        })),
        _ => None,
    }
}

/// Creates the rows this domain's routes need, so that `{id}` = 1 finds them.
/// The agreements are seeded by the schema.
pub async fn prepare(_app: &TestApp) {}
