//! What the extractors refuse before a handler runs, for pages and the API
//! alike: ids that are not ids, control characters in stored text, a JSON
//! array where an object belongs, and empty API query parameters. Each
//! answer names its field, and nothing is written.

use crate::support::{TestApp, assert_problem, assert_status};
use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;
use serde_json::json;

#[tokio::test]
async fn a_path_id_that_is_no_id_is_a_problem_naming_it() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Admin).await;
    for path in [
        "/api/v1/offerings/abc",
        "/api/v1/offerings/9223372036854775808",
        "/api/v1/sessions/-9223372036854775809/signups",
        "/api/v1/enrolments/1.5",
    ] {
        let r = app.api(Method::GET, path, Some(&token), None).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "id");
    }
    // Pages answer a page, not axum's plain text.
    let mut admin = app.login_as(Role::Admin).await;
    let r = admin.get("/offerings/abc").await;
    assert_status(&r, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("<html"), "{}", r.text);
}

#[tokio::test]
async fn control_characters_in_stored_text_are_refused_by_name() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    // A NUL first once reached the database, whose length() stops at it,
    // and failed a CHECK there with a 500.
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(json!({"code": "K1", "title_sv": "Titel", "title_en": "\u{0}Title"})),
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "title_en");
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(json!({"code": "K1", "title_sv": "Titel", "title_en": "Title", "audience": ["nurse", "\u{7}"]})),
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "audience[1]");
    // Tabs and line breaks are text people write.
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(json!({"code": "K1", "title_sv": "Titel", "title_en": "Title", "syllabus": "Dag 1:\n\tsäkerhet\r\n"})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    assert_eq!(app.count("SELECT count(*) FROM course").await, 1);

    let mut admin = app.login_as(Role::Admin).await;
    let r = admin
        .post(
            "/org/regions/new",
            &[("name", "\u{0}Region"), ("active", "1")],
        )
        .await;
    assert_status(&r, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("name"), "{}", r.text);
    assert_eq!(
        app.count("SELECT count(*) FROM region WHERE name LIKE '%Region'")
            .await,
        0
    );
}

#[tokio::test]
async fn an_array_where_an_object_belongs_is_refused_at_any_depth() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(json!(["K1", "Titel", "Title"])),
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "body");
    let director = app.token_for(Role::StudyDirector).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/rotations/split-preview",
            Some(&director),
            Some(
                json!({"kind": "general", "start": "2026-01-01", "end": "2026-03-31",
                        "salary": [["2026-01-01", 5_000_000]]}),
            ),
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "salary[0]");
    assert_eq!(app.count("SELECT count(*) FROM course").await, 0);
}

#[tokio::test]
async fn an_empty_api_query_parameter_is_a_mistake_not_a_wildcard() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Admin).await;
    for (path, field) in [
        ("/api/v1/offerings?status=", "status"),
        ("/api/v1/offerings?course=&from=2026-01-01", "course"),
        ("/api/v1/people?profession=", "profession"),
        ("/api/v1/people?page=", "page"),
        ("/api/v1/compliance?licence=CYTO&by=", "by"),
        ("/api/v1/rotations/costs?year=", "year"),
    ] {
        let r = app.api(Method::GET, path, Some(&token), None).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, field);
    }
    // Left out, they mean "any".
    for path in [
        "/api/v1/offerings",
        "/api/v1/people",
        "/api/v1/compliance?licence=CYTO",
        "/api/v1/rotations/costs",
    ] {
        let r = app.api(Method::GET, path, Some(&token), None).await;
        assert_status(&r, StatusCode::OK);
    }
    // Booleans are true or false.
    let r = app
        .api(
            Method::GET,
            "/api/v1/people?include_left=1",
            Some(&token),
            None,
        )
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "include_left");
}
