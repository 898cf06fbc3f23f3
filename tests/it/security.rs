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
