//! This domain's rows of the route table (see tests/routes.rs).
//!
//! API writes are not walked here: the walk sends no body, and those routes
//! share their patterns with the reads listed below. tests/courses.rs covers
//! who may write.

use axum::http::Method;
use oncotrack::auth::model::Role;
use serde_json::json;

use super::{Route, Rule, r};
use crate::support::TestApp;

/// This domain's routes and who may use them.
pub fn routes() -> Vec<Route> {
    use Rule::*;
    const WRITERS: &[Role] = &[Role::Admin, Role::Coordinator];
    const BOARD: &[Role] = &[Role::Admin, Role::Coordinator, Role::Lecturer];
    const LECTURER: &[Role] = &[Role::Lecturer];
    vec![
        r(Method::GET, "/courses", SignedIn),
        r(Method::GET, "/courses/new", Roles(WRITERS)),
        r(Method::POST, "/courses/new", Roles(WRITERS)),
        r(Method::GET, "/courses/{id}", SignedIn),
        r(Method::GET, "/courses/{id}/edit", Roles(WRITERS)),
        r(Method::POST, "/courses/{id}/edit", Roles(WRITERS)),
        r(Method::GET, "/offerings", SignedIn),
        r(Method::GET, "/offerings/new", Roles(WRITERS)),
        r(Method::POST, "/offerings/new", Roles(WRITERS)),
        r(Method::GET, "/offerings/{id}", SignedIn),
        r(Method::GET, "/offerings/{id}/edit", Roles(WRITERS)),
        r(Method::POST, "/offerings/{id}/edit", Roles(WRITERS)),
        r(Method::GET, "/offerings/{id}/cancel", Roles(WRITERS)),
        r(Method::POST, "/offerings/{id}/status", Roles(WRITERS)),
        r(Method::POST, "/offerings/{id}/sessions", Roles(WRITERS)),
        r(Method::GET, "/sessions/{id}/edit", Roles(WRITERS)),
        r(Method::POST, "/sessions/{id}/edit", Roles(WRITERS)),
        r(Method::GET, "/sessions/{id}/cancel", Roles(WRITERS)),
        r(Method::POST, "/sessions/{id}/volunteer", Roles(LECTURER)),
        r(Method::GET, "/sessions/{id}/withdraw", Roles(LECTURER)),
        r(Method::POST, "/sessions/{id}/withdraw", Roles(LECTURER)),
        r(Method::POST, "/signups/{id}/confirm", Roles(WRITERS)),
        r(Method::POST, "/signups/{id}/decline", Roles(WRITERS)),
        // Last of the writes: it cancels session 1.
        r(Method::POST, "/sessions/{id}/cancel", Roles(WRITERS)),
        r(Method::GET, "/lecturers-wanted", Roles(BOARD)),
        r(Method::GET, "/teaching", Roles(LECTURER)),
        r(Method::GET, "/teaching.csv", Roles(LECTURER)),
        r(Method::GET, "/api/v1/courses", Api),
        r(Method::GET, "/api/v1/offerings", Api),
        r(Method::GET, "/api/v1/offerings/{id}", Api),
        r(Method::GET, "/api/v1/offerings/{id}/sessions", Api),
        r(Method::GET, "/api/v1/sessions/{id}", Api),
        r(Method::GET, "/api/v1/sessions/{id}/signups", Api),
        r(Method::GET, "/api/v1/signups/{id}", Api),
    ]
}

/// Creates the rows this domain's routes need, so that `{id}` = 1 finds them:
/// course 1, offering 1 with session 1, and the lecturer's sign-up 1.
pub async fn prepare(app: &TestApp) {
    let coordinator = app.token_for(Role::Coordinator).await;
    let lecturer = app.token_for(Role::Lecturer).await;
    for (path, body, token) in [
        (
            "/api/v1/courses",
            json!({"code": "CYTO-G", "title_sv": "Cytostatikakörkort – grundkurs", "title_en": "Chemotherapy licence – basic course", "licence": "CYTO"}),
            &coordinator,
        ),
        (
            "/api/v1/offerings",
            json!({"course": "CYTO-G", "starts_on": "2026-04-14", "ends_on": "2026-04-15", "place": "Sal 1", "capacity": 20, "enrolment_opens": "2026-03-01", "enrolment_closes": "2026-04-01", "status": "open"}),
            &coordinator,
        ),
        (
            "/api/v1/offerings/1/sessions",
            json!({"starts_at": "2026-04-14T09:00", "ends_at": "2026-04-14T12:00", "topic": "Säker hantering", "lecturers_needed": 2}),
            &coordinator,
        ),
        ("/api/v1/sessions/1/signups", json!({}), &lecturer),
    ] {
        let r = app
            .api(Method::POST, path, Some(token.as_str()), Some(body))
            .await;
        assert_eq!(r.status.as_u16(), 201, "{path}: {}", r.text);
    }
}
