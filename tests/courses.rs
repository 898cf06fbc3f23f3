//! Courses, offerings, sessions and lecturers through the real router: the
//! JSON API contract, the catalogue and offering pages, the lecturers-wanted
//! board, confirming and declining with their notices, the teaching record,
//! and at-risk offerings on the start page.

mod support;

use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;
use serde_json::json;
use support::{TestApp, TestResponse};

fn assert_status(r: &TestResponse, status: StatusCode) {
    assert_eq!(r.status, status, "{}", r.text);
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    app.query(move |c| c.query_row(sql, [], |r| r.get(0))).await
}

/// A course, an offering in April 2026 and one session, made through the API
/// as the coordinator. Returns (offering id, session id).
async fn offering_with_session(app: &TestApp, token: &str, code: &str) -> (i64, i64) {
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(token),
            Some(json!({"code": code, "title_sv": "Cytostatikakörkort – grundkurs", "title_en": "Chemotherapy licence – basic course", "licence": "CYTO"})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let r = app
        .api(
            Method::POST,
            "/api/v1/offerings",
            Some(token),
            Some(json!({"course": code, "starts_on": "2026-04-14", "ends_on": "2026-04-15", "place": "Sal Onkologen", "capacity": 2, "min_participants": 1, "enrolment_opens": "2026-03-01", "enrolment_closes": "2026-04-01"})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let offering = r.json()["id"].as_i64().expect("offering id");
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/offerings/{offering}/sessions"),
            Some(token),
            Some(json!({"starts_at": "2026-04-14T09:00", "ends_at": "2026-04-14T10:30", "topic": "Säker hantering av cytostatika", "lecturers_needed": 1})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    (offering, r.json()["id"].as_i64().expect("session id"))
}

#[tokio::test]
async fn a_coordinator_builds_a_course_offering_and_session_through_the_api() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(json!({"code": "cyto-g", "title_sv": "Cytostatikakörkort – grundkurs", "title_en": "Chemotherapy licence – basic course", "licence": "CYTO"})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let course = r.json();
    assert!(course["id"].as_i64().is_some());
    assert_eq!(course["code"], "CYTO-G");
    assert_eq!(course["licence"], "CYTO");
    assert_eq!(course["part"], "theory", "theory is the default part");

    let r = app
        .api(
            Method::POST,
            "/api/v1/offerings",
            Some(&token),
            Some(json!({"course": "CYTO-G", "starts_on": "2026-04-14", "ends_on": "2026-04-15", "place": "Teams", "capacity": 24, "enrolment_opens": "2026-03-01", "enrolment_closes": "2026-04-01", "status": "open"})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let offering = r.json()["id"].as_i64().expect("id");
    assert_eq!(r.json()["status"], "open");

    // Summer time: 09:00 in Stockholm is 07:00 UTC.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/offerings/{offering}/sessions"),
            Some(&token),
            Some(json!({"starts_at": "2026-04-14T09:00", "ends_at": "2026-04-14T12:00", "topic": "Arbetsmiljöverkets regler", "lecturers_needed": 2})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let s = r.json();
    assert_eq!(s["starts_at"], "2026-04-14T07:00:00Z");
    assert_eq!(s["starts_local"], "2026-04-14T09:00");
    assert_eq!(s["ends_at"], "2026-04-14T10:00:00Z");

    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/offerings/{offering}"),
            Some(&token),
            None,
        )
        .await;
    assert_status(&r, StatusCode::OK);
    let o = r.json();
    assert_eq!(o["enrolled"], 0);
    assert_eq!(o["waitlisted"], 0);
    assert_eq!(o["full"], false);
    assert_eq!(o["sessions"].as_array().map(Vec::len), Some(1));
    assert_eq!(o["sessions"][0]["short_of_lecturers"], true);

    let r = app
        .api(Method::GET, "/api/v1/courses", Some(&token), None)
        .await;
    assert_eq!(r.json()["courses"][0]["code"], "CYTO-G");
    let r = app
        .api(
            Method::GET,
            "/api/v1/offerings?course=cyto-g&from=2026-04-15",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.json()["offerings"].as_array().map(Vec::len), Some(1));
    let r = app
        .api(
            Method::GET,
            "/api/v1/offerings?from=2026-04-16",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.json()["offerings"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        count(&app, "SELECT count(*) FROM audit_log WHERE action IN ('course.create', 'offering.create', 'session.create')").await,
        3
    );
}

#[tokio::test]
async fn the_api_names_the_field_of_bad_input_and_writes_nothing() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    offering_with_session(&app, &token, "K1").await;
    let offering = json!({"course": "K1", "starts_on": "2026-04-14", "ends_on": "2026-04-15", "place": "Sal 1", "capacity": 10, "enrolment_opens": "2026-03-01", "enrolment_closes": "2026-04-01"});
    let cases = [
        ("capacity", json!(0)),
        ("capacity", json!("many")),
        ("starts_on", json!("14 april")),
        ("ends_on", json!("2026-04-13")),
        ("enrolment_closes", json!("2026-02-01")),
        ("course", json!("NOPE")),
    ];
    for (field, value) in cases {
        let mut body = offering.clone();
        body[field] = value.clone();
        let r = app
            .api(Method::POST, "/api/v1/offerings", Some(&token), Some(body))
            .await;
        assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["field"], field, "{field} = {value}: {}", r.text);
    }
    let session = |starts: &str, ends: &str, needed: i64| json!({"starts_at": starts, "ends_at": ends, "topic": "Biverkningar", "lecturers_needed": needed});
    for (body, field) in [
        (
            session("2026-04-14T10:00", "2026-04-14T09:00", 1),
            "ends_at",
        ),
        (
            session("2026-04-14T10:00", "2026-04-14T11:00", 0),
            "lecturers_needed",
        ),
        (
            session("2026-03-29T02:30", "2026-03-29T04:00", 1),
            "starts_at",
        ),
        (session("14/4 10:00", "2026-04-14T11:00", 1), "starts_at"),
    ] {
        let r = app
            .api(
                Method::POST,
                "/api/v1/offerings/1/sessions",
                Some(&token),
                Some(body),
            )
            .await;
        assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["field"], field, "{}", r.text);
    }
    let r = app
        .api(
            Method::POST,
            "/api/v1/offerings/1/sessions",
            Some(&token),
            Some(session("2026-03-29T02:30", "2026-03-29T04:00", 1)),
        )
        .await;
    assert!(r.text.contains("does not exist"), "{}", r.text);
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(json!({"code": "k1", "title_sv": "Dubblett", "title_en": "Duplicate"})),
        )
        .await;
    assert_status(&r, StatusCode::CONFLICT);
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(json!({"code": "K2", "title_sv": "X", "title_en": "X", "licence": "NOPE"})),
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "licence");
    assert_eq!(count(&app, "SELECT count(*) FROM offering").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM course_session").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM course").await, 1);
}

#[tokio::test]
async fn only_coordinators_and_administrators_write_through_the_api() {
    let app = TestApp::new().await;
    let body = json!({"code": "X1", "title_sv": "X", "title_en": "X"});
    for (role, status) in [
        (Role::Staff, StatusCode::FORBIDDEN),
        (Role::Lecturer, StatusCode::FORBIDDEN),
        (Role::Manager, StatusCode::FORBIDDEN),
        (Role::Admin, StatusCode::CREATED),
    ] {
        let token = app.token_for(role).await;
        let r = app
            .api(
                Method::POST,
                "/api/v1/courses",
                Some(&token),
                Some(body.clone()),
            )
            .await;
        assert_status(&r, status);
    }
}

#[tokio::test]
async fn lecturers_volunteer_and_coordinators_confirm_through_the_api() {
    let app = TestApp::new().await;
    let coordinator = app.token_for(Role::Coordinator).await;
    let lecturer = app.token_for(Role::Lecturer).await;
    let (_, session) = offering_with_session(&app, &coordinator, "K1").await;
    let path = format!("/api/v1/sessions/{session}/signups");
    let r = app
        .api(
            Method::POST,
            &path,
            Some(&lecturer),
            Some(json!({"note": "Gärna förmiddag"})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let signup = r.json()["id"].as_i64().expect("id");
    assert_eq!(r.json()["status"], "volunteered");
    // A coordinator cannot volunteer, a lecturer cannot confirm.
    let r = app.api(Method::POST, &path, Some(&coordinator), None).await;
    assert_status(&r, StatusCode::FORBIDDEN);
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/signups/{signup}"),
            Some(&lecturer),
            Some(json!({"status": "confirmed"})),
        )
        .await;
    assert_status(&r, StatusCode::FORBIDDEN);
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/signups/{signup}"),
            Some(&coordinator),
            Some(json!({"status": "confirmed"})),
        )
        .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(r.json()["status"], "confirmed");
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/sessions/{session}"),
            Some(&lecturer),
            None,
        )
        .await;
    assert_eq!(r.json()["confirmed"], 1);
    assert_eq!(r.json()["signups"][0]["status"], "confirmed");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE kind = 'lecturer_confirmed'"
        )
        .await,
        1
    );
    // Withdrawing tells the coordinators.
    let r = app.api(Method::DELETE, &path, Some(&lecturer), None).await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(r.json()["status"], "withdrawn");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE kind = 'lecturer_withdrawn'"
        )
        .await,
        1
    );
}
