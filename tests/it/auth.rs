//! Sign-in, sessions, CSRF, throttling, API tokens and the security headers.

use crate::support::{PASSWORD, TestApp, TestResponse, email_for};
use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;
use oncotrack::config::Config;

#[tokio::test]
async fn login_sets_a_safe_cookie_and_a_new_token_each_time() {
    let app = TestApp::new().await;
    let mut b = app.browser();
    let r = b.login(&email_for(Role::Staff), PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/"));
    let cookie = r.header("set-cookie").expect("cookie");
    assert!(cookie.starts_with("ot_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let first = b.cookies["ot_session"].clone();
    assert!(first.len() >= 22, "at least 128 bits");

    let r = b.login(&email_for(Role::Staff), PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let second = b.cookies["ot_session"].clone();
    assert_ne!(first, second);

    // The old token no longer works.
    let mut old = app.browser();
    old.cookies.insert("ot_session".into(), first);
    assert_eq!(old.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_session_token_is_stored_hashed() {
    let app = TestApp::new().await;
    let b = app.login_as(Role::Staff).await;
    let token = b.cookies["ot_session"].clone();
    let stored: Vec<String> = app
        .query(|c| {
            c.prepare("SELECT token_hash FROM session")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .await;
    assert!(!stored.contains(&token));
    assert!(stored.contains(&oncotrack::auth::store::token_hash(&token)));
}

#[tokio::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let app = TestApp::new().await;
    let mut b = app.browser();
    let wrong = b
        .login(&email_for(Role::Staff), "fel-lösenord-helt-och-hållet")
        .await;
    let unknown = b.login("nobody@test.example", PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text.contains("Fel e-post eller lösenord"));
    assert!(!b.cookies.contains_key("ot_session"));
    let audit: Vec<String> = app
        .query(|c| {
            c.prepare("SELECT action FROM audit_log WHERE action LIKE 'login.%' ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .await;
    assert_eq!(audit, ["login.failed", "login.failed"]);
}

#[tokio::test]
async fn posts_without_a_valid_csrf_token_are_refused() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::Admin).await;
    let r = b
        .post_raw("/org/regions/new", &[("name", "Smygregionen")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b
        .post_raw(
            "/org/regions/new",
            &[("csrf_token", "AAAA"), ("name", "Smygregionen")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A token from another browser does not work either.
    let mut other = app.browser();
    let foreign = other.csrf().await;
    let r = b
        .post_raw(
            "/org/regions/new",
            &[("csrf_token", &foreign), ("name", "Smygregionen")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let n: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT count(*) FROM region WHERE name = 'Smygregionen'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(n, 0);
    let r = b
        .post(
            "/org/regions/new",
            &[("name", "Smygregionen"), ("active", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Even the sign-in form needs its token.
    let mut fresh = app.browser();
    let r = fresh
        .post_raw(
            "/login",
            &[("email", &email_for(Role::Staff)), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sessions_idle_out_after_30_minutes() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::Staff).await;
    app.advance(29);
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    app.advance(29);
    assert_eq!(
        b.get("/").await.status,
        StatusCode::OK,
        "activity keeps the session alive"
    );
    app.advance(31);
    let r = b.get("/people/1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/login?next=%2Fpeople%2F1"));
}

#[tokio::test]
async fn sessions_end_after_12_hours_whatever_happens() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::Staff).await;
    for _ in 0..(12 * 60 / 20) {
        app.advance(20);
        if b.get("/").await.status != StatusCode::OK {
            break;
        }
    }
    app.advance(20);
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::Staff).await;
    let token = b.cookies["ot_session"].clone();
    let r = b.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut replay = app.browser();
    replay.cookies.insert("ot_session".into(), token);
    assert_eq!(replay.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn failures_slow_only_their_own_address_and_the_holder_is_told() {
    let app = TestApp::new().await;
    let mut b = app.browser();
    let email = email_for(Role::Staff);
    for _ in 0..5 {
        assert_eq!(
            b.login(&email, "inte-rätt-lösenord-alls").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // From the guessing address even the right password waits, 30 s
    // after the fifth failure.
    let r = b.login(&email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    let retry: i64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert_eq!(retry, 30);
    // The rightful user at another address is not shut out.
    let mut own = app.browser();
    own.address = "198.51.100.7:40000".parse().expect("addr");
    assert_eq!(
        own.login(&email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    // Each further failure from the guessing address doubles its wait.
    app.clock.advance(chrono::Duration::seconds(31));
    assert_eq!(
        b.login(&email, "inte-rätt-lösenord-alls").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = b.login(&email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.header("retry-after"), Some("60"));
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        b.login(&email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    // The holder was told once, in her language, of the address.
    let notices: Vec<(String, String)> = app
        .query(|c| {
            c.prepare("SELECT subject, body FROM outbox WHERE kind = 'security_notice'")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].0.contains("felaktiga inloggningar"),
        "{notices:?}"
    );
    assert!(notices[0].1.contains("192.0.2.10"), "{notices:?}");
}

#[tokio::test]
async fn one_address_is_throttled_across_accounts() {
    let config = Config {
        login_failures_per_address: 3,
        ..Config::default()
    };
    let app = TestApp::with_config(config).await;
    let mut b = app.browser();
    for i in 0..3 {
        let r = b
            .login(&format!("guess{i}@test.example"), "inte-rätt-lösenord-alls")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = b.login(&email_for(Role::Admin), PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header("retry-after").is_some());
    let mut elsewhere = app.browser();
    elsewhere.address = "198.51.100.7:40000".parse().expect("addr");
    assert_eq!(
        elsewhere
            .login(&email_for(Role::Admin), PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_administrator_can_end_a_users_sessions() {
    let app = TestApp::new().await;
    let mut nurse = app.login_as(Role::Staff).await;
    let mut admin = app.login_as(Role::Admin).await;
    let id: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT id FROM account WHERE email = 'staff@test.example'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    let r = admin
        .post(&format!("/admin/accounts/{id}/end-sessions"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(nurse.get("/").await.status, StatusCode::SEE_OTHER);
    let r = admin.get(&format!("/admin/accounts/{id}")).await;
    assert!(r.text.contains("(0)"), "no live sessions shown");
}

#[tokio::test]
async fn api_needs_a_live_token() {
    let app = TestApp::new().await;
    let r = app.api(Method::GET, "/api/v1/units", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert_eq!(r.json()["status"], 401);
    let r = app
        .api(Method::GET, "/api/v1/units", Some("ot_nonsense"), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let token = app.token_for(Role::Admin).await;
    let r = app
        .api(Method::GET, "/api/v1/units", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json().as_array().expect("array").len(), 3);

    let id: i64 = app
        .query(|c| c.query_row("SELECT max(id) FROM api_token", [], |r| r.get(0)))
        .await;
    let mut admin = app.login_as(Role::Admin).await;
    // Used again after signing in, so the revocation below meets a token the
    // server has just checked and remembers.
    for _ in 0..3 {
        let r = app
            .api(Method::GET, "/api/v1/units", Some(&token), None)
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    assert_eq!(
        admin
            .post(&format!("/admin/tokens/{id}/revoke"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let r = app
        .api(Method::GET, "/api/v1/units", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_role_taken_away_stops_the_token_on_its_next_request() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Manager).await;
    let mut admin = app.login_as(Role::Admin).await;
    let compliance = "/api/v1/compliance?licence=CYTO&by=unit";
    for _ in 0..3 {
        let r = app.api(Method::GET, compliance, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let (account, grant): (i64, i64) = app
        .query(|c| {
            c.query_row(
                "SELECT a.id, g.id FROM account a JOIN account_role g ON g.account_id = a.id
                 WHERE a.email = 'manager@test.example' AND g.role = 'manager'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    let r = admin
        .post(
            &format!("/admin/accounts/{account}/roles/{grant}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = app.api(Method::GET, compliance, Some(&token), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// The new API token an account page shows once.
fn shown_token(r: &TestResponse) -> String {
    let start = r.text.find("ot_").expect("token shown");
    r.text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

#[tokio::test]
async fn api_tokens_can_be_made_on_the_account_page_and_are_shown_once() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let id: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT id FROM account WHERE email = 'manager@test.example'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    let r = admin
        .post(
            &format!("/admin/accounts/{id}/tokens"),
            &[("label", "BI-verktyg")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let token = shown_token(&r);
    let people = app
        .api(Method::GET, "/api/v1/people", Some(&token), None)
        .await;
    assert_eq!(people.status, StatusCode::OK);
    // The manager of ONK1 sees only ONK1's nurse.
    let items = people.json()["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["unit"], "ONK1");
    let again = admin.get(&format!("/admin/accounts/{id}")).await;
    assert!(!again.text.contains(&token));
}

#[tokio::test]
async fn a_token_works_until_its_last_day_and_only_within_its_scope() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let id: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT id FROM account WHERE email = 'coordinator@test.example'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    let path = format!("/admin/accounts/{id}/tokens");
    // Refused with the field named: a past day, too far ahead, an unknown scope.
    for (field, value, says) in [
        ("expires_on", "2026-03-01", "redan passerat"),
        ("expires_on", "2028-01-01", "högst 366 dagar"),
        ("expires_on", "1 april", "ÅÅÅÅ-MM-DD"),
        ("scope", "status, allt", "okänd behörighet ”allt”"),
    ] {
        let r = admin
            .post(&path, &[("label", "Ordinationssystem"), (field, value)])
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}"
        );
        assert!(r.visible().contains(says), "{field}={value}: {}", r.text);
    }
    let r = admin
        .post(
            &path,
            &[
                ("label", "Ordinationssystem"),
                ("expires_on", "2026-03-31"),
                ("scope", "status"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let token = shown_token(&r);
    let status = "/api/v1/licences/status?hsa_id=SE9990000001-T0001&licence=CYTO";
    assert_eq!(
        app.api(Method::GET, status, Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );
    let r = app
        .api(Method::GET, "/api/v1/people", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "outside its scope");
    // The holder was told of the new token.
    let told: String = app
        .query(|c| {
            c.query_row(
                "SELECT body FROM outbox WHERE kind = 'security_notice'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert!(told.contains("Ordinationssystem"), "{told}");
    // Through its last day, not after.
    app.clock.set(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 31, 20, 0, 0)
            .single()
            .expect("t"),
    );
    assert_eq!(
        app.api(Method::GET, status, Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );
    app.clock.set(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 31, 23, 30, 0)
            .single()
            .expect("t"),
    );
    assert_eq!(
        app.api(Method::GET, status, Some(&token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "1 April in Stockholm"
    );
    // Read-only tokens read and do not write.
    let read = app
        .state
        .db
        .write(move |c| {
            oncotrack::auth::store::create_api_token(
                c,
                id,
                "läsare",
                &oncotrack::auth::model::TokenLimits {
                    expires_on: None,
                    scope: oncotrack::auth::model::TokenScope::Read,
                },
                chrono::Utc::now(),
            )
            .map(|(_, t)| t)
            .map_err(oncotrack::web::AppError::from)
        })
        .await
        .expect("token");
    assert_eq!(
        app.api(Method::GET, "/api/v1/courses", Some(&read), None)
            .await
            .status,
        StatusCode::OK
    );
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&read),
            Some(serde_json::json!({"code": "X1", "title_sv": "X", "title_en": "X"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let app = TestApp::new().await;
    let mut b = app.browser();
    for path in ["/login", "/no/such/page", "/healthz", "/static/style.css"] {
        let r = b.get(path).await;
        let csp = r
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("CSP on {path}"));
        for part in [
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert!(r.header("referrer-policy").is_some());
        assert!(
            r.header("strict-transport-security").is_none(),
            "no HSTS without TLS"
        );
    }
}

#[tokio::test]
async fn behind_tls_cookies_are_secure_host_cookies_and_hsts_is_sent() {
    let app = TestApp::with_config(Config {
        behind_tls: true,
        ..Config::default()
    })
    .await;
    let mut b = app.browser();
    let r = b.get("/login").await;
    assert!(r.header("strict-transport-security").is_some());
    let r = b.login(&email_for(Role::Staff), PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r.header("set-cookie").expect("cookie");
    assert!(cookie.starts_with("__Host-ot_session="), "{cookie}");
    assert!(cookie.contains("Secure") && cookie.contains("Path=/"));
    assert_eq!(b.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn weak_passwords_are_refused_with_a_reason() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let r = admin
        .post(
            "/admin/accounts/new",
            &[
                ("email", "ny@test.example"),
                ("name", "Ny Person"),
                ("password", "password1234"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("för lätt att gissa"), "{}", r.text);
    assert!(
        r.text.contains("value=\"ny@test.example\""),
        "the form keeps the input"
    );
    let r = admin
        .post(
            "/admin/accounts/new",
            &[
                ("email", "ny@test.example"),
                ("name", "Ny Person"),
                ("password", "kort"),
                ("role", "staff"),
            ],
        )
        .await;
    assert!(r.text.contains("12"), "length rule named");
    let r = admin
        .post(
            "/admin/accounts/new",
            &[
                ("email", "ny@test.example"),
                ("name", "Ny Person"),
                ("password", "blåbärs-Skogen-vandrar-42"),
                ("role", "manager"),
                ("scope", "unit:ONK2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let mut ny = app.browser();
    assert_eq!(
        ny.login("ny@test.example", "blåbärs-Skogen-vandrar-42")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn passwords_are_argon2id_with_owasp_parameters() {
    let app = TestApp::new().await;
    let hash: String = app
        .query(|c| {
            c.query_row("SELECT password_hash FROM account LIMIT 1", [], |r| {
                r.get(0)
            })
        })
        .await;
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
}

#[tokio::test]
async fn language_follows_the_browser_and_the_switch() {
    let app = TestApp::new().await;
    let req = axum::http::Request::builder()
        .uri("/login")
        .header("accept-language", "en-GB,en;q=0.9")
        .body(axum::body::Body::empty())
        .expect("req");
    let r = app.send(req).await;
    assert!(r.text.contains("<html lang=\"en\""));
    assert!(r.text.contains("Sign in"));

    let mut b = app.login_as(Role::Staff).await;
    assert!(b.get("/").await.text.contains("Välkommen"));
    let r = b
        .post("/lang", &[("lang", "en"), ("next", "/account")])
        .await;
    assert_eq!(r.location(), Some("/account"));
    let page = b.get("/").await;
    assert!(
        page.text.contains("Welcome") && page.text.contains("My account"),
        "{}",
        page.text
    );
    // The choice is kept on the account, so it follows the user to another browser.
    let mut elsewhere = app.login_as(Role::Staff).await;
    assert!(elsewhere.get("/").await.text.contains("Welcome"));
    b.post("/lang", &[("lang", "sv"), ("next", "/")]).await;
    assert!(b.get("/").await.text.contains("Välkommen"));
}

#[tokio::test]
async fn login_redirects_only_to_this_site() {
    let app = TestApp::new().await;
    let mut b = app.browser();
    let r = b
        .post(
            "/login",
            &[
                ("email", &email_for(Role::Staff)),
                ("password", PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/"));
    let mut b = app.browser();
    let r = b
        .post(
            "/login",
            &[
                ("email", &email_for(Role::Staff)),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/account"));
}

#[tokio::test]
async fn changing_the_password_needs_the_old_one_and_signs_out_other_browsers() {
    let app = TestApp::new().await;
    let mut other = app.login_as(Role::Staff).await;
    let mut b = app.login_as(Role::Staff).await;
    let r = b
        .post(
            "/account/password",
            &[
                ("current", "fel-fel-fel-fel"),
                ("password", "nya-Lösenordet-är-långt-7"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = b
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", "nya-Lösenordet-är-långt-7"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    assert_eq!(other.get("/").await.status, StatusCode::SEE_OTHER);
    let mut again = app.browser();
    assert_eq!(
        again
            .login(&email_for(Role::Staff), "nya-Lösenordet-är-långt-7")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn health_and_metrics() {
    let app = TestApp::new().await;
    let mut b = app.browser();
    assert_eq!(b.get("/healthz").await.status, StatusCode::OK);
    b.get("/login").await;
    // From elsewhere, without the token: not found, and nothing told.
    let m = b.get("/metrics").await;
    assert_eq!(m.status, StatusCode::NOT_FOUND);
    assert!(!m.text.contains("oncotrack_http"), "{}", m.text);
    // From the machine itself (a Prometheus beside the server).
    b.address = std::net::SocketAddr::from(([127, 0, 0, 1], 9090));
    let m = b.get("/metrics").await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(
        m.text.contains(
            "oncotrack_http_requests_total{route=\"/login\",method=\"GET\",status=\"200\"} 1"
        ),
        "{}",
        m.text
    );
    assert!(m.text.contains(
        "oncotrack_http_request_duration_seconds_bucket{route=\"/login\",le=\"+Inf\"} 1"
    ));
    assert!(m.text.contains("oncotrack_db_read_connections 4"));
}

/// An administrator whose pages are in `lang` (the cookie the language
/// switch sets for a browser).
async fn admin_in<'a>(app: &'a TestApp, lang: &str) -> crate::support::Client<'a> {
    let mut admin = app.login_as(Role::Admin).await;
    admin.cookies.insert("ot_lang".into(), lang.into());
    admin
}

async fn account_id(app: &TestApp, role: Role) -> i64 {
    let email = email_for(role);
    app.query(move |c| {
        c.query_row("SELECT id FROM account WHERE email = ?1", [&email], |r| {
            r.get(0)
        })
    })
    .await
}

#[tokio::test]
async fn a_refused_new_account_is_told_in_the_pages_language_under_the_fields_labels() {
    let app = TestApp::new().await;
    let weak = [
        ("email", "ny@test.example"),
        ("name", "Ny Person"),
        ("password", "password1234"),
        ("role", "manager"),
    ];

    let mut en = admin_in(&app, "en").await;
    let r = en.post("/admin/accounts/new", &weak).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("<a href=\"#f-password\">Password</a>: too easy to guess: "),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("<a href=\"#f-scope\">Scope</a>: a manager needs a scope"),
        "{}",
        r.text
    );
    for swedish in [
        "för lätt att gissa",
        "en chef behöver",
        "Rätta de markerade fälten",
    ] {
        assert!(!r.text.contains(swedish), "{swedish}: {}", r.text);
    }
    assert!(
        !r.text.contains("<li>password: ") && !r.text.contains("<li>scope: "),
        "no field named by its internal name"
    );

    let mut sv = admin_in(&app, "sv").await;
    let r = sv.post("/admin/accounts/new", &weak).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("<a href=\"#f-password\">Lösenord</a>: för lätt att gissa: "),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("<a href=\"#f-scope\">Ansvarsområde</a>: en chef behöver ett ansvarsområde"),
        "{}",
        r.text
    );
    for english in [
        "too easy to guess",
        "a manager needs",
        "guess",
        "Please correct",
    ] {
        assert!(!r.text.contains(english), "{english}: {}", r.text);
    }

    // An e-mail that has an account, beside the e-mail field.
    let taken = [
        ("email", "staff@test.example"),
        ("name", "Ny Person"),
        ("password", "blåbärs-Skogen-vandrar-42"),
        ("role", "staff"),
    ];
    let r = sv.post("/admin/accounts/new", &taken).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains(
            "<a href=\"#f-email\">E-post</a>: det finns redan ett konto med denna e-post"
        ),
        "{}",
        r.text
    );
    let r = en.post("/admin/accounts/new", &taken).await;
    assert!(
        r.text
            .contains("<a href=\"#f-email\">E-mail</a>: an account with this e-mail exists"),
        "{}",
        r.text
    );
    assert_eq!(
        app.count("SELECT count(*) FROM account WHERE email = 'ny@test.example'")
            .await,
        0
    );
}

#[tokio::test]
async fn the_account_pages_forms_are_refused_in_the_pages_language() {
    let app = TestApp::new().await;
    let staff = account_id(&app, Role::Staff).await;
    let admin_id = account_id(&app, Role::Admin).await;
    let tokens = format!("/admin/accounts/{staff}/tokens");
    let roles = format!("/admin/accounts/{staff}/roles");

    let mut en = admin_in(&app, "en").await;
    let r = en.post(&tokens, &[("label", "  ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("<a href=\"#f-label\">Label</a>: required"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("obligatoriskt"));
    let r = en
        .post(&roles, &[("role", "manager"), ("scope", "unit:FINNS-EJ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("<a href=\"#f-scope\">Scope</a>: no unit matches FINNS-EJ"),
        "{}",
        r.text
    );
    // Only the refused form has a summary.
    assert_eq!(r.text.matches("role=\"alert\"").count(), 1, "{}", r.text);

    let mut sv = admin_in(&app, "sv").await;
    let r = sv.post(&tokens, &[("label", "")]).await;
    assert!(
        r.text
            .contains("<a href=\"#f-label\">Beskrivning</a>: obligatoriskt"),
        "{}",
        r.text
    );
    assert!(!r.text.contains(">required<") && !r.text.contains(": required"));
    let r = sv
        .post(&roles, &[("role", "manager"), ("scope", "unit:FINNS-EJ")])
        .await;
    assert!(
        r.text
            .contains("<a href=\"#f-scope\">Ansvarsområde</a>: ingen enhet matchar FINNS-EJ"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("no unit matches"));
    let r = sv
        .post(
            &format!("/admin/accounts/{staff}/password"),
            &[("password", "kort")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("<a href=\"#f-password\">Nytt lösenord</a>: minst 12 tecken"),
        "{}",
        r.text
    );

    // Nobody switches their own sign-in off.
    let own = format!("/admin/accounts/{admin_id}/active");
    let r = sv.post(&own, &[("active", "0")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("Du kan inte inaktivera ditt eget konto."),
        "{}",
        r.text
    );
    assert!(!r.text.contains("cannot deactivate"));
    let r = en.post(&own, &[("active", "0")]).await;
    assert!(
        r.text.contains("You cannot deactivate your own account."),
        "{}",
        r.text
    );
    assert!(!r.text.contains("inaktivera ditt"));
    assert_eq!(
        app.count("SELECT count(*) FROM account WHERE active = 0")
            .await,
        0
    );
}

#[tokio::test]
async fn a_managers_scope_is_named_in_the_pages_language() {
    let app = TestApp::new().await;
    let mut sv = admin_in(&app, "sv").await;
    let r = sv.get("/admin/accounts").await;
    assert!(r.text.contains("Chef (enhet ONK1 "), "{}", r.text);
    assert!(!r.text.contains("(unit "));
    let mut en = admin_in(&app, "en").await;
    let r = en.get("/admin/accounts").await;
    assert!(r.text.contains("Manager (unit ONK1 "), "{}", r.text);
    assert!(!r.text.contains("(enhet "));
}

/// An audit row: action, actor account, actor, entity id, before, after.
type AuditRow = (
    String,
    Option<i64>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

#[tokio::test]
async fn sign_in_and_out_keep_their_audit_rows() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::Staff).await;
    b.post("/lang", &[("lang", "en"), ("next", "/")]).await;
    b.post("/logout", &[]).await;
    let staff = account_id(&app, Role::Staff).await;
    let rows: Vec<AuditRow> = app
        .query(|c| {
            c.prepare(
                "SELECT action, actor_account_id, actor, entity_id, before, after FROM audit_log
                 WHERE actor = 'staff@test.example' ORDER BY id",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect()
        })
        .await;
    let id = Some(staff.to_string());
    assert_eq!(
        rows,
        [
            (
                "login.success".into(),
                Some(staff),
                "staff@test.example".into(),
                id.clone(),
                None,
                Some(r#"{"method":"password"}"#.into())
            ),
            (
                "account.language".into(),
                Some(staff),
                "staff@test.example".into(),
                id.clone(),
                Some(r#"{"language":null}"#.into()),
                Some(r#"{"language":"en"}"#.into())
            ),
            (
                "logout".into(),
                Some(staff),
                "staff@test.example".into(),
                id,
                None,
                None
            ),
        ]
    );
    // A failure names the e-mail typed, never the account, as its actor.
    let mut b = app.browser();
    b.login(&email_for(Role::Staff), "fel-lösenord-helt-och-hållet")
        .await;
    let failed: (Option<i64>, String, Option<String>) = app
        .query(|c| {
            c.query_row(
                "SELECT actor_account_id, actor, entity_id FROM audit_log WHERE action = 'login.failed'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .await;
    assert_eq!(
        failed,
        (None, "staff@test.example".into(), Some(staff.to_string()))
    );
}

#[tokio::test]
async fn the_audit_logs_date_filter_is_refused_beside_its_field() {
    let app = TestApp::new().await;
    let mut sv = admin_in(&app, "sv").await;
    for path in ["/admin/audit?from=igår", "/admin/audit.csv?to=2026-02-30"] {
        let r = sv.get(path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        let label = if path.contains("from") {
            "<a href=\"#f-from\">Från</a>"
        } else {
            "<a href=\"#f-to\">Till</a>"
        };
        assert!(
            r.text
                .contains(&format!("{label}: väntade ett datum ÅÅÅÅ-MM-DD")),
            "{path}: {}",
            r.text
        );
        assert!(!r.text.contains("expected a date"), "{path}");
    }
    let mut en = admin_in(&app, "en").await;
    let r = en.get("/admin/audit?from=yesterday").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text
            .contains("<a href=\"#f-from\">From</a>: expected a date YYYY-MM-DD"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("väntade"));
}

#[tokio::test]
async fn a_huge_login_email_is_cut_before_it_is_stored_or_logged() {
    let app = TestApp::new().await;
    let mut b = app.browser();
    let huge = format!("{}@example.se", "a".repeat(20_000));
    let token = b.csrf().await;
    let r = b
        .post_raw(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", &huge),
                ("password", "fel"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.status);
    let (attempt, logged): (i64, i64) = app
        .query(|c| {
            Ok((
                c.query_row("SELECT max(length(email)) FROM login_attempt", [], |r| {
                    r.get(0)
                })?,
                c.query_row(
                    "SELECT max(length(actor)) FROM audit_log WHERE action = 'login.failed'",
                    [],
                    |r| r.get(0),
                )?,
            ))
        })
        .await;
    assert_eq!(attempt, 254);
    assert!(logged <= 254, "{logged}");
}

#[tokio::test]
async fn with_a_metrics_token_only_its_holder_reads_the_metrics() {
    let app = TestApp::with_config(oncotrack::config::Config {
        metrics_token: Some("a-long-scrape-token-for-tests".into()),
        ..oncotrack::config::Config::default()
    })
    .await;
    let mut b = app.browser();
    b.address = std::net::SocketAddr::from(([127, 0, 0, 1], 9090));
    assert_eq!(
        b.get("/metrics").await.status,
        StatusCode::NOT_FOUND,
        "loopback is not enough"
    );
    let ask = |token: &'static str| {
        axum::http::Request::builder()
            .uri("/metrics")
            .header("authorization", format!("Bearer {token}"))
            .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [192, 0, 2, 7],
                5000,
            ))))
            .body(axum::body::Body::empty())
            .expect("request")
    };
    let r = app.send(ask("a-long-scrape-token-for-tests")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("oncotrack_db_read_connections"),
        "{}",
        r.text
    );
    let r = app.send(ask("a-long-scrape-token-for-testz")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_session_cannot_guess_the_current_password_without_limit() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::Staff).await;
    app.advance(1);
    let guess = |n: usize| format!("gissning-nummer-{n}-x");
    for n in 0..5 {
        let g = guess(n);
        let r = b
            .post(
                "/account/password",
                &[
                    ("current", g.as_str()),
                    ("password", "nya-Lösenordet-är-långt-7"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "guess {n}");
    }
    // The sixth try is refused before the password is checked, even the
    // right one, with a time to wait.
    let r = b
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", "nya-Lösenordet-är-långt-7"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.header("retry-after").is_some());
    let logged: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'account.password_wrong'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(logged, 5, "every wrong guess is in the log");
    // The session itself still works; the password is the old one.
    assert_eq!(b.get("/").await.status, StatusCode::OK);
}
