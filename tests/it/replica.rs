//! A read-only replica (`serve --read-only`) on a copy of the primary's
//! file, as Litestream restores one: pages and the API answer for the
//! primary's sessions and tokens, every change is refused with 503 naming
//! the primary, and a replica at another schema version is not served.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use oncotrack::auth::model::Role;
use oncotrack::config::Config;
use oncotrack::db::{Db, DbOptions};
use tower::ServiceExt;

use crate::support::TestApp;

/// One request to `router` with these cookies and headers; status and body.
async fn send(
    router: &axum::Router,
    method: Method,
    path: &str,
    cookie: &str,
    extra: &[(&str, &str)],
    body: &str,
) -> (StatusCode, String) {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, cookie)
        .extension(axum::extract::ConnectInfo(
            "192.0.2.40:5000"
                .parse::<std::net::SocketAddr>()
                .expect("addr"),
        ));
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    let r = router
        .clone()
        .oneshot(b.body(Body::from(body.to_string())).expect("request"))
        .await
        .expect("infallible");
    let status = r.status();
    let bytes = r.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn a_replica_serves_pages_and_the_api_and_refuses_changes_naming_the_primary() {
    let primary = TestApp::new().await;
    let admin = primary.login_as(Role::Admin).await;
    let cookie = format!("ot_session={}", admin.cookies["ot_session"]);
    let token = primary.token_for(Role::Admin).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("replica.db");
    primary
        .state
        .db
        .backup_to(copy.clone())
        .await
        .expect("backup");

    let db = Db::open(
        &copy,
        DbOptions {
            read_only: true,
            ..DbOptions::default()
        },
    )
    .expect("replica");
    let state = oncotrack::AppState::new(
        db,
        Arc::new(primary.clock.clone()),
        Config {
            primary_url: Some("https://onco.primary.example".into()),
            ..Config::default()
        },
    )
    .expect("state");
    let replica = oncotrack::app(state);

    // The primary's session and token work here.
    let (status, page) = send(&replica, Method::GET, "/people", &cookie, &[], "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Sara Sjöström"), "{page}");
    let (status, _) = send(
        &replica,
        Method::GET,
        "/compliance?licence=CYTO&by=unit",
        &cookie,
        &[],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let bearer = format!("Bearer {token}");
    let (status, body) = send(
        &replica,
        Method::GET,
        "/api/v1/people",
        "",
        &[("authorization", bearer.as_str())],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = send(&replica, Method::GET, "/healthz", "", &[], "").await;
    assert_eq!(status, StatusCode::OK);

    // Every change, signing in included, is refused and names the primary.
    let csrf = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf")
        .to_string();
    let form = format!("csrf_token={csrf}&name=Region+Ny&active=1");
    let (status, page) = send(
        &replica,
        Method::POST,
        "/org/regions/new",
        &cookie,
        &[("content-type", "application/x-www-form-urlencoded")],
        &form,
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{page}");
    assert!(
        page.contains("läskopia") && page.contains("https://onco.primary.example"),
        "{page}"
    );
    let (status, body) = send(
        &replica,
        Method::POST,
        "/api/v1/courses",
        "",
        &[
            ("authorization", bearer.as_str()),
            ("content-type", "application/json"),
        ],
        r#"{"code":"X1","title_sv":"X","title_en":"X"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("onco.primary.example"), "{body}");
    let (status, _) = send(
        &replica,
        Method::POST,
        "/login",
        "",
        &[("content-type", "application/x-www-form-urlencoded")],
        "email=admin%40test.example&password=x",
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    // Nothing was written to the copy.
    let regions: i64 = rusqlite::Connection::open(&copy)
        .expect("open")
        .query_row(
            "SELECT count(*) FROM region WHERE name = 'Region Ny'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(regions, 0);
}

#[test]
fn a_replica_at_another_schema_version_is_not_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("old.db");
    std::fs::copy("tests/data/schema-v9.db", &old).expect("copy");
    let err = Db::open(
        &old,
        DbOptions {
            read_only: true,
            ..DbOptions::default()
        },
    )
    .err()
    .expect("refused");
    assert!(
        err.to_string().contains("upgrade the primary first"),
        "{err}"
    );
    let missing = Db::open(
        &dir.path().join("none.db"),
        DbOptions {
            read_only: true,
            ..DbOptions::default()
        },
    );
    assert!(missing.is_err());
    assert!(
        !dir.path().join("none.db").exists(),
        "a replica is never created"
    );
}
