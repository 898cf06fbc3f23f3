//! The test harness: a real SQLite file in a temporary directory, the real
//! router, a clock the test moves, one account per role, and a browser-like
//! client that keeps cookies and reads CSRF tokens from the pages it gets.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use oncotrack::AppState;
use oncotrack::auth::model::{Grant, Role, Scope};
use oncotrack::auth::{password, store as auth_store};
use oncotrack::clock::ManualClock;
use oncotrack::config::Config;
use oncotrack::db::{Db, DbOptions};
use oncotrack::organisation::model::Profession;
use oncotrack::organisation::store::{self, NewPerson, UnitInput};
use tower::ServiceExt;

/// The password every test account has.
pub const PASSWORD: &str = "korvgubbe-Tändsticka-hylla-97";

static HASH: LazyLock<String> = LazyLock::new(|| password::hash_blocking(PASSWORD).expect("hash"));

/// Ids of the fixture organisation.
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    pub region: i64,
    pub other_region: i64,
    pub administration: i64,
    pub other_administration: i64,
    /// Gives chemotherapy; the manager's unit.
    pub onk1: i64,
    /// In the same administration, no chemotherapy.
    pub kir1: i64,
    /// In the other region.
    pub onk2: i64,
    /// A nurse in ONK1 with the staff account.
    pub nurse: i64,
    /// A nurse in ONK2 nobody but admins and coordinators sees.
    pub other_nurse: i64,
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub clock: ManualClock,
    pub path: PathBuf,
    pub fixture: Fixture,
    _dir: tempfile::TempDir,
}

/// The e-mail of the fixture account holding `role`.
pub fn email_for(role: Role) -> String {
    format!("{}@test.example", role.as_str())
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::with_config(Config::default()).await
    }

    pub async fn with_config(config: Config) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("test.db");
        let clock = ManualClock::new(
            Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
                .single()
                .expect("time"),
        );
        let db = Db::open(
            &path,
            DbOptions {
                synchronous_full: false,
                readers: 4,
                ..DbOptions::default()
            },
        )
        .expect("open");
        let now = oncotrack::clock::Clock::now(&clock);
        let fixture = db
            .write(move |tx| -> Result<Fixture, oncotrack::db::DbError> {
                let region = store::create_region(tx, "Testregionen")?;
                let other_region = store::create_region(tx, "Region Annanstans")?;
                let administration = store::create_administration(tx, region, "Testsjukhuset")?;
                let other_administration =
                    store::create_administration(tx, other_region, "Annat sjukhus")?;
                let unit = |admin, code: &str, chemo| UnitInput {
                    administration_id: admin,
                    code: code.into(),
                    name: format!("Enhet {code}"),
                    gives_chemotherapy: chemo,
                    trainee_capacity: Some(2),
                };
                let onk1 = store::create_unit(tx, &unit(administration, "ONK1", true))?;
                let kir1 = store::create_unit(tx, &unit(administration, "KIR1", false))?;
                let onk2 = store::create_unit(tx, &unit(other_administration, "ONK2", true))?;
                let from = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
                let person = |name: &str, email: &str, hsa: &str, unit_id| NewPerson {
                    name: name.into(),
                    email: email.into(),
                    hsa_id: Some(hsa.into()),
                    profession: Profession::Nurse,
                    unit_id,
                    from,
                };
                let nurse = store::create_person(
                    tx,
                    &person(
                        "Sara Sjöström",
                        &email_for(Role::Staff),
                        "SE9990000001-T0001",
                        onk1,
                    ),
                    now,
                )?;
                let other_nurse = store::create_person(
                    tx,
                    &person(
                        "Åke Öhman",
                        "ake.ohman@test.example",
                        "SE9990000001-T0002",
                        onk2,
                    ),
                    now,
                )?;
                for role in Role::ALL {
                    let id = auth_store::create_account(
                        tx,
                        &email_for(role),
                        &format!("Test {}", role.as_str()),
                        &HASH,
                        now,
                    )?;
                    let scope = (role == Role::Manager).then_some(Scope::Unit(onk1));
                    auth_store::add_grant(tx, id, Grant { role, scope })?;
                }
                Ok(Fixture {
                    region,
                    other_region,
                    administration,
                    other_administration,
                    onk1,
                    kir1,
                    onk2,
                    nurse,
                    other_nurse,
                })
            })
            .await
            .expect("fixture");
        let state = AppState::new(db, Arc::new(clock.clone()), config).expect("state");
        let router = oncotrack::app(state.clone());
        TestApp {
            state,
            router,
            clock,
            path,
            fixture,
            _dir: dir,
        }
    }

    /// A browser without cookies.
    pub fn browser(&self) -> Client<'_> {
        Client {
            app: self,
            cookies: BTreeMap::new(),
            address: "192.0.2.10:50000".parse().expect("addr"),
        }
    }

    /// A browser signed in as the fixture account of `role`.
    pub async fn login_as(&self, role: Role) -> Client<'_> {
        let mut c = self.browser();
        let r = c.login(&email_for(role), PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login as {role}: {}",
            r.text
        );
        if role == Role::Admin {
            // Administrators pass a second factor; the journey of it is in
            // tests/it/second_factor.rs. Here the session is one that did.
            let token = c.cookies["ot_session"].clone();
            self.state
                .db
                .write(move |tx| {
                    tx.execute(
                        "UPDATE session SET method = 'password+totp' WHERE token_hash = ?1",
                        [auth_store::token_hash(&token)],
                    )
                    .map(|_| ())
                    .map_err(oncotrack::web::AppError::from)
                })
                .await
                .expect("second factor");
        }
        c
    }

    /// Sends one raw request through the real router.
    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(req).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// A JSON API call with a bearer token, asking for English answers
    /// (the tests' assertions are in English; the API's default is Swedish,
    /// see [`TestApp::api_in`]).
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> TestResponse {
        self.api_in(Some("en"), method, path, token, body).await
    }

    /// A JSON API call with a bearer token and `Accept-Language: lang`
    /// (none when `lang` is `None`).
    pub async fn api_in(
        &self,
        lang: Option<&str>,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> TestResponse {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(lang) = lang {
            b = b.header(header::ACCEPT_LANGUAGE, lang);
        }
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        }
        .expect("request");
        self.send(req).await
    }

    /// Creates an API token for the fixture account of `role`.
    pub async fn token_for(&self, role: Role) -> String {
        let email = email_for(role);
        let now = oncotrack::clock::Clock::now(&self.clock);
        self.state
            .db
            .write(move |tx| -> Result<String, oncotrack::db::DbError> {
                let (acc, _) = auth_store::account_by_email(tx, &email)?.expect("account");
                Ok(auth_store::create_api_token(tx, acc.id, "test", &Default::default(), now)?.1)
            })
            .await
            .expect("token")
    }

    /// Runs a query on the database file.
    pub async fn query<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> T {
        self.state
            .db
            .read(move |c| f(c).map_err(oncotrack::db::DbError::from))
            .await
            .expect("query")
    }

    /// Adds a person to the staff register, as of the test clock's now.
    pub async fn add_person(&self, person: oncotrack::organisation::store::NewPerson) -> i64 {
        let now = oncotrack::clock::Clock::now(&self.clock);
        self.state
            .db
            .write(move |tx| {
                oncotrack::organisation::store::create_person(tx, &person, now)
                    .map_err(oncotrack::db::DbError::from)
            })
            .await
            .expect("person")
    }

    /// The single number a query such as `SELECT count(*) ...` answers.
    pub async fn count(&self, sql: &'static str) -> i64 {
        self.query(move |c| c.query_row(sql, [], |r| r.get(0)))
            .await
    }

    pub fn advance(&self, minutes: i64) {
        self.clock.advance(chrono::Duration::minutes(minutes));
    }
}

/// Fails with the body when the status is not `status`.
#[track_caller]
pub fn assert_status(r: &TestResponse, status: StatusCode) {
    assert_eq!(r.status, status, "{}", r.text);
}

/// Fails unless `r` is a problem+json answer with `status` naming `field`.
#[track_caller]
pub fn assert_problem(r: &TestResponse, status: StatusCode, field: &str) {
    assert_status(r, status);
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("application/problem+json")),
        "{:?}: {}",
        r.header("content-type"),
        r.text
    );
    assert_eq!(r.json()["field"], field, "{}", r.text);
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl TestResponse {
    /// The page's text as a reader sees it: tags dropped, so that
    /// `<time>tis 2026-04-14</time> 09:00` reads `tis 2026-04-14 09:00`.
    pub fn visible(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut in_tag = false;
        for c in self.text.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The first CSRF token on the page.
    pub fn csrf(&self) -> Option<String> {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.text.find(marker)? + marker.len();
        let end = self.text[start..].find('"')? + start;
        Some(self.text[start..end].to_string())
    }
}

/// A browser: keeps cookies, sends forms with the page's CSRF token.
pub struct Client<'a> {
    pub app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
    pub address: SocketAddr,
}

impl Client<'_> {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, r: &TestResponse) {
        for v in r.headers.get_all(header::SET_COOKIE) {
            let Ok(s) = v.to_str() else { continue };
            let first = s.split(';').next().unwrap_or("");
            if let Some((k, val)) = first.split_once('=') {
                if val.is_empty() || s.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), val.to_string());
                }
            }
        }
    }

    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Body,
    ) -> TestResponse {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .extension(ConnectInfo(self.address));
        if !self.cookies.is_empty() {
            b = b.header(header::COOKIE, self.cookie_header());
        }
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        let r = self.app.send(b.body(body).expect("request")).await;
        self.keep_cookies(&r);
        r
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.request(Method::GET, path, None, Body::empty()).await
    }

    /// A CSRF token valid for this browser, read from a page as a user's browser would.
    pub async fn csrf(&mut self) -> String {
        let page = if self.cookies.keys().any(|k| k.contains("session")) {
            "/account"
        } else {
            "/login"
        };
        let mut r = self.get(page).await;
        // An administrator who must first set up a second factor is sent
        // to its page, which has a token too.
        if let Some(to) = r.location().map(str::to_string) {
            r = self.get(&to).await;
        }
        r.csrf()
            .unwrap_or_else(|| panic!("no csrf token on {page}: {} {}", r.status, r.text))
    }

    /// Posts a form with a fresh CSRF token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = serde_html_form::to_string(fields).expect("form");
        self.request(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    /// Posts a multipart form with a file, as the import pages do.
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: &[u8],
    ) -> TestResponse {
        let token = self.csrf().await;
        let boundary = "----oncotrack-test-boundary";
        let mut body = Vec::new();
        let mut part = |name: &str, value: &[u8], filename: Option<&str>| {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match filename {
                Some(f) => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
                ),
                None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
            }
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        };
        part("csrf_token", token.as_bytes(), None);
        for (k, v) in fields {
            part(k, v.as_bytes(), None);
        }
        part("file", file, Some("import.csv"));
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.request(
            Method::POST,
            path,
            Some(&format!("multipart/form-data; boundary={boundary}")),
            Body::from(body),
        )
        .await
    }

    pub async fn login(&mut self, email: &str, password: &str) -> TestResponse {
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }
}

/// Every row of the kept compliance counts, table by table in key order.
pub fn kept_rows(conn: &rusqlite::Connection) -> Vec<Vec<Vec<rusqlite::types::Value>>> {
    [
        "compliance_event",
        "compliance_delta",
        "compliance_checkpoint",
    ]
    .iter()
    .map(|t| {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2, 3, 4"))
            .expect("prepare");
        let n = stmt.column_count();
        stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
            .and_then(|rows| rows.collect())
            .expect("rows")
    })
    .collect()
}
