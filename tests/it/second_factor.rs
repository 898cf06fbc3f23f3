//! The second factor as its users meet it: setting up TOTP on the account
//! page, signing in with a code (a wrong one, a used one, a fresh one) and
//! with a recovery code, the end of the step after five wrong codes, the
//! administrators who must have one, and the notices the holder gets.

use axum::http::StatusCode;
use oncotrack::auth::model::Role;
use oncotrack::auth::totp;
use oncotrack::clock::Clock;

use crate::support::{PASSWORD, TestApp, email_for};

fn now(app: &TestApp) -> u64 {
    app.clock.now().timestamp() as u64
}

async fn secret_of(app: &TestApp, role: Role) -> String {
    let email = email_for(role);
    app.query(move |c| {
        c.query_row(
            "SELECT t.secret FROM account_totp t JOIN account a ON a.id = t.account_id WHERE a.email = ?1",
            [email],
            |r| r.get(0),
        )
    })
    .await
}

async fn notices(app: &TestApp) -> Vec<String> {
    app.query(|c| {
        c.prepare("SELECT subject FROM outbox WHERE kind = 'security_notice' ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect()
    })
    .await
}

/// The recovery codes a setup page shows.
fn codes_on(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .filter_map(|s| s.split("</code>").next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn a_nurse_sets_up_a_code_and_signs_in_with_it_and_with_a_recovery_code() {
    let app = TestApp::new().await;
    let mut sara = app.login_as(Role::Staff).await;
    let page = sara.get("/account").await;
    assert!(
        page.visible().contains("Slå på tvåstegsverifiering"),
        "{}",
        page.text
    );
    let r = sara.post("/account/second-factor", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("<svg"), "a QR code: {}", r.text);
    let secret = secret_of(&app, Role::Staff).await;
    // A wrong code does not turn it on; the same secret is shown again.
    let r = sara
        .post("/account/second-factor/confirm", &[("code", "000000")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.visible().contains("Koden stämmer inte"), "{}", r.text);
    let code = totp::code_at(&secret, now(&app)).expect("code");
    let r = sara
        .post("/account/second-factor/confirm", &[("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let codes = codes_on(&r.text);
    assert_eq!(codes.len(), totp::RECOVERY_CODES, "{}", r.text);
    assert_eq!(
        notices(&app).await,
        ["Tvåstegsverifiering påslagen i oncotrack"]
    );

    // Signing in now asks for the code after the password.
    sara.post("/logout", &[]).await;
    let mut b = app.browser();
    let r = b.login(&email_for(Role::Staff), PASSWORD).await;
    assert_eq!(r.location(), Some("/login/second-factor"), "{}", r.text);
    assert!(
        !b.cookies.contains_key("ot_session"),
        "no session before the code"
    );
    let page = b.get("/login/second-factor").await;
    assert!(
        page.text.contains(r#"autocomplete="one-time-code""#),
        "{}",
        page.text
    );
    // Wrong, then the code already used to turn it on (same 30 s): refused.
    let r = b.post("/login/second-factor", &[("code", "123456")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.visible().contains("4 försök kvar"), "{}", r.text);
    let r = b.post("/login/second-factor", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a code is taken once");
    // The next code works.
    app.clock.advance(chrono::Duration::seconds(30));
    let fresh = totp::code_at(&secret, now(&app)).expect("code");
    let r = b.post("/login/second-factor", &[("code", &fresh)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    let page = b.get("/account").await;
    assert!(
        page.visible().contains("Lösenord och kod"),
        "the session says how: {}",
        page.text
    );

    // Without the phone: a recovery code, once.
    for (attempt, expected) in [(0, StatusCode::SEE_OTHER), (1, StatusCode::UNAUTHORIZED)] {
        let mut c = app.browser();
        c.address = format!("198.51.100.{}:4000", 20 + attempt)
            .parse()
            .expect("addr");
        c.login(&email_for(Role::Staff), PASSWORD).await;
        let r = c
            .post(
                "/login/second-factor",
                &[("code", &codes[0].to_uppercase())],
            )
            .await;
        assert_eq!(
            r.status, expected,
            "recovery code, try {attempt}: {}",
            r.text
        );
    }
    let told = notices(&app).await;
    assert_eq!(told.len(), 2, "{told:?}");
    assert_eq!(told[1], "En reservkod har använts i oncotrack");
    let audit: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'login.second_factor_failed'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(audit, 3);
}

#[tokio::test]
async fn five_wrong_codes_end_the_step() {
    let app = TestApp::new().await;
    let mut sara = app.login_as(Role::Staff).await;
    sara.post("/account/second-factor", &[]).await;
    let secret = secret_of(&app, Role::Staff).await;
    let code = totp::code_at(&secret, now(&app)).expect("code");
    sara.post("/account/second-factor/confirm", &[("code", &code)])
        .await;
    app.clock.advance(chrono::Duration::seconds(30));
    let mut b = app.browser();
    b.login(&email_for(Role::Staff), PASSWORD).await;
    for _ in 0..4 {
        let r = b.post("/login/second-factor", &[("code", "111111")]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = b.post("/login/second-factor", &[("code", "111111")]).await;
    assert!(r.visible().contains("Logga in igen"), "{}", r.text);
    assert!(!b.cookies.contains_key("ot_challenge"), "the step is over");
    // Even the right code no longer helps without the password.
    let right = totp::code_at(&secret, now(&app)).expect("code");
    let r = b.post("/login/second-factor", &[("code", &right)]).await;
    assert_eq!(r.location(), Some("/login"));
}

#[tokio::test]
async fn administrators_set_up_a_second_factor_before_anything_else() {
    let app = TestApp::new().await;
    // Another administrator's session, one that has passed its second factor.
    let mut other = app.login_as(Role::Admin).await;
    let mut admin = app.browser();
    let r = admin.login(&email_for(Role::Admin), PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for path in ["/", "/admin/accounts", "/admin/audit"] {
        let r = admin.get(path).await;
        assert_eq!(r.location(), Some("/account/second-factor"), "{path}");
    }
    let page = admin.get("/account/second-factor").await;
    assert!(
        page.visible().contains("Administratörer måste ha"),
        "{}",
        page.text
    );
    admin.post("/account/second-factor", &[]).await;
    let secret = secret_of(&app, Role::Admin).await;
    let code = totp::code_at(&secret, now(&app)).expect("code");
    let r = admin
        .post("/account/second-factor/confirm", &[("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // This session has now passed the second factor.
    assert_eq!(admin.get("/admin/accounts").await.status, StatusCode::OK);
    // An administrator keeps it; another administrator can take it away
    // (lost phone and codes), and the holder is told.
    let r = admin
        .post("/account/second-factor/remove", &[("current", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let id: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT id FROM account WHERE email = 'admin@test.example'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    let r = other
        .post(&format!("/admin/accounts/{id}/second-factor/remove"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        notices(&app).await,
        [
            "Tvåstegsverifiering påslagen i oncotrack",
            "Tvåstegsverifiering avstängd i oncotrack"
        ]
    );
}

#[tokio::test]
async fn users_see_and_end_their_own_sessions_only() {
    let app = TestApp::new().await;
    let mut phone = app.login_as(Role::Staff).await;
    let mut desk = app.browser();
    desk.address = "198.51.100.9:4000".parse().expect("addr");
    desk.login(&email_for(Role::Staff), PASSWORD).await;
    let page = desk.get("/account").await;
    assert!(page.visible().contains("Den här"), "{}", page.text);
    assert!(
        page.text.contains("192.0.2.10"),
        "the other sign-in: {}",
        page.text
    );
    let other: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT rowid FROM session WHERE address = '192.0.2.10' AND ended_at IS NULL",
                [],
                |r| r.get(0),
            )
        })
        .await;
    // Another's session is not found.
    let mut lecturer = app.login_as(Role::Lecturer).await;
    let r = lecturer
        .post(&format!("/account/sessions/{other}/end"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(phone.get("/").await.status, StatusCode::OK);
    let r = desk
        .post(&format!("/account/sessions/{other}/end"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        phone.get("/").await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    assert_eq!(desk.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_password_change_is_told_to_the_holder() {
    let app = TestApp::new().await;
    let mut sara = app.login_as(Role::Staff).await;
    let r = sara
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", "nya-Lösenordet-är-långt-7"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(notices(&app).await, ["Ditt lösenord i oncotrack är bytt"]);
    let messages = sara.get("/messages").await;
    assert!(
        messages
            .visible()
            .contains("Ditt lösenord i oncotrack är bytt"),
        "{}",
        messages.text
    );
}

#[tokio::test]
async fn guessing_the_password_to_remove_the_second_factor_waits_like_sign_in() {
    let app = TestApp::new().await;
    let mut sara = app.login_as(Role::Staff).await;
    sara.post("/account/second-factor", &[]).await;
    let secret = secret_of(&app, Role::Staff).await;
    let code = totp::code_at(&secret, now(&app)).expect("code");
    sara.post("/account/second-factor/confirm", &[("code", &code)])
        .await;
    // After the sign-in's second, so its success does not hide the guesses.
    app.advance(1);
    for n in 0..5 {
        let guess = format!("gissning-nummer-{n}-x");
        let r = sara
            .post("/account/second-factor/remove", &[("current", &guess)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "guess {n}");
    }
    let r = sara
        .post("/account/second-factor/remove", &[("current", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.header("retry-after").is_some());
    assert_eq!(
        app.query(
            |c| c.query_row("SELECT count(*) FROM account_totp", [], |r| r
                .get::<_, i64>(0))
        )
        .await,
        1,
        "still in force"
    );
}
