//! This domain's rows of the route table (see tests/routes.rs).

use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;

use super::{Route, Rule, r};
use crate::support::TestApp;

const COORDINATORS: &[Role] = &[Role::Admin, Role::Coordinator];

/// This domain's routes and who may use them.
pub fn routes() -> Vec<Route> {
    use Rule::*;
    vec![
        r(Method::GET, "/enrolments", SignedIn),
        r(Method::GET, "/offerings/{id}/enrol", SignedIn),
        // Enrols the user; accounts without a person record get 422.
        r(Method::POST, "/offerings/{id}/enrol", SignedIn),
        // Enrolment 1 is the other region's nurse's: only those who act for
        // everyone find it (cancelling again changes nothing).
        r(
            Method::POST,
            "/enrolments/{id}/cancel",
            RowWrite {
                see: &[],
                write: COORDINATORS,
            },
        ),
        r(
            Method::GET,
            "/offerings/{id}/participants",
            Roles(COORDINATORS),
        ),
        r(
            Method::GET,
            "/offerings/{id}/participants.csv",
            Roles(COORDINATORS),
        ),
        r(
            Method::GET,
            "/offerings/{id}/participants.json",
            Roles(COORDINATORS),
        ),
        r(
            Method::POST,
            "/enrolments/{id}/attendance",
            Roles(COORDINATORS),
        ),
        r(
            Method::POST,
            "/offerings/{id}/attendance/all-present",
            Roles(COORDINATORS),
        ),
        r(
            Method::GET,
            "/offerings/{id}/attendance-list",
            Roles(COORDINATORS),
        ),
        r(
            Method::POST,
            "/enrolments/{id}/complete",
            Roles(COORDINATORS),
        ),
        r(
            Method::POST,
            "/enrolments/{id}/undo-completion",
            Roles(COORDINATORS),
        ),
        // Without a kind the form is refused (422), never forbidden.
        r(Method::POST, "/calendar-feeds", SignedIn),
        r(Method::POST, "/calendar-feeds/{id}/revoke", SignedIn),
        // An unknown token: 404 for everyone, never a sign-in.
        r(Method::GET, "/calendar/{token}", Public),
        r(Method::GET, "/offerings/{id}/calendar.ics", SignedIn),
        // The walk sends no body: 400 naming the body, for every role.
        r(
            Method::POST,
            "/api/v1/offerings/{id}/enrolments",
            ApiOnly(&[], StatusCode::BAD_REQUEST),
        ),
        r(
            Method::GET,
            "/api/v1/offerings/{id}/enrolments",
            ApiOnly(COORDINATORS, StatusCode::FORBIDDEN),
        ),
        r(
            Method::GET,
            "/api/v1/enrolments/{id}",
            ApiOnly(COORDINATORS, StatusCode::NOT_FOUND),
        ),
        r(
            Method::DELETE,
            "/api/v1/enrolments/{id}",
            ApiOnly(COORDINATORS, StatusCode::NOT_FOUND),
        ),
        r(
            Method::POST,
            "/api/v1/enrolments/{id}/cancel",
            ApiOnly(COORDINATORS, StatusCode::NOT_FOUND),
        ),
        r(Method::GET, "/api/v1/offerings/{id}/calendar.ics", Api),
    ]
}

/// Creates the rows this domain's routes need, so that `{id}` = 1 finds them:
/// offering 1 open for enrolment with a session, and enrolment 1 of the
/// other region's nurse.
pub async fn prepare(app: &TestApp) {
    let other = app.fixture.other_nurse;
    app.state
        .db
        .write(move |tx| -> Result<(), oncotrack::db::DbError> {
            let exists: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM offering WHERE id = 1)", [], |r| r.get(0))?;
            if !exists {
                tx.execute_batch(
                    "INSERT INTO course (code, title_sv, title_en, created_at)
                        VALUES ('RT-ENR', 'Kurs', 'Course', '2026-01-01T00:00:00Z');
                     INSERT INTO offering (course_id, starts_on, ends_on, place, capacity, enrolment_opens, enrolment_closes, status, created_at)
                        VALUES ((SELECT id FROM course WHERE code = 'RT-ENR'), '2026-04-10', '2026-04-11', 'Sal 1', 10,
                                '2026-03-01', '2026-03-31', 'open', '2026-01-01T00:00:00Z');",
                )?;
            }
            tx.execute_batch(
                "INSERT INTO course_session (offering_id, starts_at, ends_at, topic)
                    SELECT 1, '2026-04-10T07:00:00Z', '2026-04-10T09:00:00Z', 'Inledning'
                    WHERE NOT EXISTS (SELECT 1 FROM course_session WHERE id = 1);",
            )?;
            tx.execute(
                "INSERT INTO enrolment (offering_id, person_id, status, queued_at, enrolled_at)
                 VALUES (1, ?1, 'enrolled', '2026-03-01T08:00:00Z', '2026-03-01T08:00:00Z')",
                [other],
            )?;
            Ok(())
        })
        .await
        .expect("enrolment rows");
}
