//! Holes an outside test found, each reproduced here: a test per finding
//! that fails without its fix.

use axum::http::StatusCode;
use oncotrack::auth::model::Role;

use crate::support::{PASSWORD, TestApp, email_for};

#[tokio::test]
async fn sign_in_never_redirects_off_site_or_fails_on_a_crafted_next() {
    let app = TestApp::new().await;
    for (next, expected) in [
        // Browsers drop the tab and follow `//evil.example/x`.
        ("/\t/evil.example/x", "/"),
        // A carriage return in a Location header was a 500 after sign-in.
        ("/\r/x", "/"),
        ("/\n/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/people?q=a", "/people?q=a"),
    ] {
        let mut c = app.browser();
        let page = c
            .get(&format!(
                "/login?next={}",
                form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{next:?}");
        assert!(
            page.text
                .contains(&format!(r#"name="next" value="{expected}""#)),
            "the login form carries {expected:?} on for {next:?}"
        );
        let r = c
            .post(
                "/login",
                &[
                    ("email", &email_for(Role::Admin)),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}: {}", r.text);
        assert_eq!(r.location(), Some(expected), "{next:?}");
    }
}

#[tokio::test]
async fn an_upload_larger_than_two_mebibytes_reaches_the_import() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    // 3 MiB in one line; before, the CSRF check read uploads with axum's
    // 2 MiB default and answered "invalid CSRF token".
    let file = format!(
        "region;administration;unit_code;unit_name;gives_chemotherapy\nTestregionen;Testsjukhuset;BIG1;{};ja\n",
        "x".repeat(3 * 1024 * 1024)
    );
    let r = admin
        .post_file("/import/units", &[("action", "preview")], file.as_bytes())
        .await;
    assert_ne!(
        r.status,
        StatusCode::FORBIDDEN,
        "{}",
        &r.text[..r.text.len().min(500)]
    );
    assert!(
        r.text.contains("rad 2: "),
        "{}",
        &r.text[..r.text.len().min(2000)]
    );
}

#[tokio::test]
async fn a_form_larger_than_a_form_may_be_is_refused_before_the_token_is_read() {
    let app = TestApp::new().await;
    let mut c = app.browser();
    let token = c.csrf().await;
    let big = "x".repeat(2 * 1024 * 1024);
    let r = c
        .post_raw(
            "/login",
            &[("csrf_token", &token), ("email", &big), ("password", "p")],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn an_upload_without_the_token_first_is_refused() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let boundary = "b0undary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n{}\r\n--{boundary}--\r\n",
        "y".repeat(1024 * 1024)
    );
    let r = admin
        .request(
            axum::http::Method::POST,
            "/import/units",
            Some(&format!("multipart/form-data; boundary={boundary}")),
            axum::body::Body::from(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
