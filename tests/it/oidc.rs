//! Sign-in through a real OpenID provider: npm's `oidc-provider`, started
//! from tests/oidc/provider.mjs with a client for oncotrack and invented
//! accounts. The browser's side (its redirects and the provider's sign-in
//! form) is an HTTP client with cookies; oncotrack's side talks to the
//! provider itself (discovery, keys, token, user info). Checked: a known
//! person signs in, a first sign-in makes a staff account, an unknown
//! HSA-id, a wrong state, a replayed code, and local passwords switched
//! off but for the break-glass administrator.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use axum::http::StatusCode;
use oncotrack::auth::model::Role;
use oncotrack::config::{Config, OidcSettings};

use crate::support::{Client, PASSWORD, TestApp, TestResponse, email_for};

const PUBLIC: &str = "http://oncotrack.test";
const MODULE: &str = "target/oidc/node_modules/oidc-provider/lib/index.js";

/// The provider's process, stopped when dropped.
pub struct Provider {
    child: Child,
    /// Its issuer, `http://127.0.0.1:PORT`.
    pub issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the provider for oncotrack at `public`, or `None` (with a
/// message) when node or the package is missing; with `ONCOTRACK_E2E` set
/// that is a failure.
pub async fn provider(public: &str) -> Option<Provider> {
    let have_node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_node || !Path::new(MODULE).exists() {
        assert!(
            std::env::var_os("ONCOTRACK_E2E").is_none(),
            "ONCOTRACK_E2E is set but node or {MODULE} is missing: npm install --prefix target/oidc oidc-provider@9"
        );
        eprintln!("skipped: no node or oidc-provider on this machine");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let accounts = serde_json::json!({
        "sara": {"email": email_for(Role::Staff), "email_verified": true,
                 "employeeHsaId": "SE9990000001-T0001", "name": "Sara Sjöström"},
        "ake": {"email": "ake.ohman@test.example", "email_verified": true,
                "employeeHsaId": "se9990000001-t0002", "name": "Åke Öhman"},
        "okand": {"email": "okand@test.example", "email_verified": false,
                  "employeeHsaId": "SE9990000001-T9999", "name": "Okänd Person"},
    });
    let child = Command::new("node")
        .arg("tests/oidc/provider.mjs")
        .env(
            "OIDC_PROVIDER_MODULE",
            std::fs::canonicalize(MODULE).expect("module"),
        )
        .env("PORT", port.to_string())
        .env("OIDC_CLIENT_ID", "oncotrack")
        .env("OIDC_CLIENT_SECRET", "a-client-secret-for-tests")
        .env("OIDC_REDIRECT_URI", format!("{public}/auth/oidc/callback"))
        .env("OIDC_ACCOUNTS", accounts.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("node");
    let p = Provider {
        child,
        issuer: format!("http://127.0.0.1:{port}"),
    };
    let discovery = format!("{}/.well-known/openid-configuration", p.issuer);
    for _ in 0..100 {
        if reqwest::get(&discovery)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Some(p);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the provider did not start");
}

/// oncotrack's settings for the provider at `issuer`.
pub fn settings(issuer: &str) -> OidcSettings {
    OidcSettings {
        issuer: issuer.to_string(),
        client_id: "oncotrack".into(),
        client_secret: "a-client-secret-for-tests".into(),
        hsa_claim: "employeeHsaId".into(),
        scopes: vec!["openid".into(), "email".into(), "profile".into()],
        label: "SITHS eID".into(),
    }
}

async fn app_for(p: &Provider) -> TestApp {
    TestApp::with_config(Config {
        public_url: Some(PUBLIC.into()),
        oidc: Some(settings(&p.issuer)),
        ..Config::default()
    })
    .await
}

/// Follows the browser from oncotrack's start to the provider, signs in
/// there as `account`, and returns the callback address it is sent back to.
async fn at_provider(b: &mut Client<'_>, account: &str) -> String {
    let r = b.get("/auth/oidc/start?next=/licences").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let mut url = reqwest::Url::parse(r.location().expect("to the provider")).expect("url");
    assert!(
        url.query()
            .is_some_and(|q| q.contains("code_challenge_method=S256")),
        "{url}"
    );
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for _ in 0..10 {
        let resp = http.get(url.clone()).send().await.expect("provider");
        let resp = if resp.status() == reqwest::StatusCode::OK {
            // The provider's own sign-in form.
            assert!(url.path().starts_with("/interaction/"), "{url}");
            http.post(url.clone())
                .form(&[("login", account)])
                .send()
                .await
                .expect("sign in at the provider")
        } else {
            resp
        };
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{url}: {} without a location", resp.status()))
            .to_string();
        if let Some(back) = location.strip_prefix(PUBLIC) {
            return back.to_string();
        }
        url = url.join(&location).expect("location");
    }
    panic!("the provider did not send the browser back");
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    app.query(move |c| c.query_row(sql, [], |r| r.get(0))).await
}

#[tokio::test]
async fn a_nurse_signs_in_through_the_provider_and_a_first_timer_gets_an_account() {
    let Some(p) = provider(PUBLIC).await else {
        return;
    };
    let app = app_for(&p).await;
    let mut b = app.browser();
    let page = b.get("/login").await;
    assert!(
        page.visible().contains("Logga in med SITHS eID"),
        "{}",
        page.text
    );
    let back = at_provider(&mut b, "sara").await;
    let r = b.get(&back).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.location(), Some("/licences"));
    let page = b.get("/account").await;
    assert!(
        page.visible().contains("Sara") || page.visible().contains("Test staff"),
        "{}",
        page.text
    );
    assert!(
        page.visible().contains("Regionens inloggning"),
        "{}",
        page.text
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_log WHERE action = 'login.success' AND after LIKE '%oidc%'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM account_identity").await,
        1
    );

    // Åke has no account yet: the first sign-in makes a staff account
    // linked to him (the claim's HSA-id in lower case still finds him).
    let accounts = count(&app, "SELECT count(*) FROM account").await;
    let mut ake = app.browser();
    let back = at_provider(&mut ake, "ake").await;
    assert_eq!(ake.get(&back).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        count(&app, "SELECT count(*) FROM account").await,
        accounts + 1
    );
    let (role, linked): (String, i64) = app
        .query(|c| {
            c.query_row(
                "SELECT r.role, a.person_id = p.id FROM account a JOIN account_role r ON r.account_id = a.id
                 JOIN person p ON p.hsa_id = 'SE9990000001-T0002' WHERE a.email = 'ake.ohman@test.example'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert_eq!((role.as_str(), linked), ("staff", 1));
    // He has no local password to sign in with.
    let mut local = app.browser();
    let r = local.login("ake.ohman@test.example", "").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A second sign-in is the same account.
    let mut again = app.browser();
    let back = at_provider(&mut again, "ake").await;
    assert_eq!(again.get(&back).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        count(&app, "SELECT count(*) FROM account").await,
        accounts + 1
    );
}

#[tokio::test]
async fn an_unknown_hsa_id_a_wrong_state_and_a_replayed_code_are_clear_pages() {
    let Some(p) = provider(PUBLIC).await else {
        return;
    };
    let app = app_for(&p).await;

    let mut stranger = app.browser();
    let back = at_provider(&mut stranger, "okand").await;
    let r = stranger.get(&back).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(
        r.visible()
            .contains("Det finns ingen person med HSA-id SE9990000001-T9999"),
        "{}",
        r.text
    );
    assert!(!stranger.cookies.contains_key("ot_session"));

    // The answer taken to another browser (no state cookie), or with a
    // state changed on the way: refused before the code is used.
    let mut b = app.browser();
    let back = at_provider(&mut b, "sara").await;
    let mut other = app.browser();
    let r: TestResponse = other.get(&back).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.visible().contains("hör inte till en inloggning"),
        "{}",
        r.text
    );
    let forged = back.replace("state=", "state=x");
    let r = b.get(&forged).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    // A wrong issuer named in the answer (each refusal ends the attempt,
    // so each case starts its own).
    let mut b = app.browser();
    let back = at_provider(&mut b, "sara").await;
    let r = b
        .get(&back.replace("iss=", "iss=http%3A%2F%2Fevil.example&was="))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(
        r.visible().contains("annan inloggningstjänst"),
        "{}",
        r.text
    );
    // The genuine answer works once; the same again is refused.
    let mut b = app.browser();
    let back = at_provider(&mut b, "sara").await;
    assert_eq!(b.get(&back).await.status, StatusCode::SEE_OTHER);
    let r = b.get(&back).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The used code with a state of a new sign-in: the provider refuses it.
    let mut c = app.browser();
    let fresh = at_provider(&mut c, "sara").await;
    let fresh_state = fresh
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("state="))
        .expect("state")
        .to_string();
    let old_code = back
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("code="))
        .expect("code")
        .to_string();
    let replay = format!("/auth/oidc/callback?code={old_code}&state={fresh_state}");
    let r = c.get(&replay).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.visible().contains("godtog inte koden"), "{}", r.text);
    assert!(
        count(
            &app,
            "SELECT count(*) FROM audit_log WHERE action = 'login.oidc_failed'"
        )
        .await
            >= 5,
        "{:?}",
        app.query(|c| c
            .prepare("SELECT action, after FROM audit_log WHERE action LIKE 'login.%'")?
            .query_map([], |r| Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?
            )))?
            .collect::<Result<Vec<_>, _>>())
            .await
    );
    // The provider saying no is told as such.
    let r = c
        .get("/auth/oidc/callback?error=access_denied&error_description=Avbrutet")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.visible().contains("Avbrutet"), "{}", r.text);
}

#[tokio::test]
async fn with_local_passwords_off_only_administrators_use_one() {
    let app = TestApp::with_config(Config {
        local_login: false,
        ..Config::default()
    })
    .await;
    let mut b = app.browser();
    let page = b.get("/login").await;
    assert!(
        page.visible().contains("Nödinloggning för administratörer"),
        "{}",
        page.text
    );
    let r = b.login(&email_for(Role::Staff), PASSWORD).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(
        r.visible().contains("Lösenordsinloggning är avstängd"),
        "{}",
        r.text
    );
    assert!(!b.cookies.contains_key("ot_session"));
    // A wrong password is told as wrong, whoever it is for.
    let r = b
        .login(&email_for(Role::Staff), "inte-rätt-lösenord-alls")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = b.login(&email_for(Role::Admin), PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "break-glass: {}", r.text);
}
