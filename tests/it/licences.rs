//! Chemotherapy licences and other licence types: recording and previewing
//! completions, renewal windows, status on a date through the API, revoking,
//! moves and leavers, compliance reports and their exports, the licence type
//! administration, and a nurse's own licences.

use crate::support::{Client, TestApp, TestResponse, assert_problem, assert_status, email_for};
use axum::http::{Method, StatusCode};
use chrono::{NaiveDate, TimeZone, Utc};
use oncotrack::auth::model::Role;
use oncotrack::db::DbError;
use oncotrack::licences::model::Part;
use oncotrack::licences::store::{self as licence_store, NewCompletion};
use oncotrack::organisation::model::Profession;
use oncotrack::organisation::store::{self as org_store, NewPerson};
use serde_json::Value;

const NURSE_HSA: &str = "SE9990000001-T0001";
const OTHER_NURSE_HSA: &str = "SE9990000001-T0002";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Moves the clock to 09:00 UTC on `day`. Done before signing in, because a
/// jump of months would end the browser's session.
fn set_today(app: &TestApp, day: &str) {
    let at = Utc.from_utc_datetime(&d(day).and_hms_opt(9, 0, 0).expect("time"));
    app.clock.set(at);
}

/// Rows in the tables a completion or a revocation writes.
async fn licence_rows(app: &TestApp) -> [i64; 3] {
    [
        app.count("SELECT count(*) FROM licence_completion").await,
        app.count("SELECT count(*) FROM licence_revocation").await,
        app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'licence%'")
            .await,
    ]
}

async fn type_id(app: &TestApp, code: &'static str) -> i64 {
    app.query(move |c| {
        c.query_row("SELECT id FROM licence_type WHERE code = ?1", [code], |r| {
            r.get(0)
        })
    })
    .await
}

/// A person's completions, oldest first: (id, part, completed_on, source, recorded by).
async fn completions_of(
    app: &TestApp,
    person: i64,
) -> Vec<(i64, String, String, String, Option<String>)> {
    app.query(move |c| {
        c.prepare(
            "SELECT c.id, c.part, c.completed_on, c.source, a.email FROM licence_completion c
             LEFT JOIN account a ON a.id = c.recorded_by WHERE c.person_id = ?1 ORDER BY c.id",
        )?
        .query_map([person], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect()
    })
    .await
}

/// Adds a person through the store, employed in `unit` since 2020-01-01.
async fn add_person(
    app: &TestApp,
    name: &str,
    email: &str,
    hsa: Option<&str>,
    profession: Profession,
    unit: i64,
) -> i64 {
    app.add_person(NewPerson {
        name: name.into(),
        email: email.into(),
        hsa_id: hsa.map(Into::into),
        profession,
        unit_id: unit,
        from: d("2020-01-01"),
    })
    .await
}

async fn add_nurse(app: &TestApp, name: &str, email: &str, hsa: &str, unit: i64) -> i64 {
    add_person(app, name, email, Some(hsa), Profession::Nurse, unit).await
}

/// Records a theory completion of CYTO through the store (for populations
/// that only need to exist; recording itself is tested through the forms).
async fn seed_cyto(app: &TestApp, person: i64, on: &str) {
    let cyto = type_id(app, "CYTO").await;
    let c = NewCompletion {
        person_id: person,
        licence_type_id: cyto,
        part: Part::Theory,
        completed_on: d(on),
        signed_by: None,
        note: None,
        source: "manual",
        import_batch_id: None,
    };
    let now = oncotrack::clock::Clock::now(&app.clock);
    app.state
        .db
        .write(move |tx| licence_store::record_completion(tx, &c, None, now).map_err(DbError::from))
        .await
        .expect("completion");
}

/// Posts the record form for `person`.
async fn record(
    client: &mut Client<'_>,
    person: i64,
    licence: i64,
    part: &str,
    on: &str,
    action: &str,
) -> TestResponse {
    let licence = licence.to_string();
    client
        .post(
            &format!("/people/{person}/licences"),
            &[
                ("licence", &licence),
                ("part", part),
                ("completed_on", on),
                ("action", action),
            ],
        )
        .await
}

/// Records a CYTO theory completion through the form and checks it was saved.
async fn save_cyto(client: &mut Client<'_>, person: i64, on: &str) {
    let cyto = type_id(client.app, "CYTO").await;
    let r = record(client, person, cyto, "theory", on, "save").await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        Some(format!("/people/{person}/licences").as_str())
    );
}

async fn status_api(app: &TestApp, token: &str, query: &str) -> TestResponse {
    app.api(
        Method::GET,
        &format!("/api/v1/licences/status?{query}"),
        Some(token),
        None,
    )
    .await
}

/// The status body for a person and licence on a day.
async fn status_on(app: &TestApp, token: &str, hsa: &str, licence: &str, day: &str) -> Value {
    let r = status_api(
        app,
        token,
        &format!("hsa_id={hsa}&licence={licence}&as_of={day}"),
    )
    .await;
    assert_status(&r, StatusCode::OK);
    r.json()
}

/// (status, valid_until, required) of a status body.
fn standing(v: &Value) -> (String, Option<String>, bool) {
    (
        v["status"].as_str().expect("status").to_string(),
        v["valid_until"].as_str().map(str::to_string),
        v["required"].as_bool().expect("required"),
    )
}

fn st(status: &str, until: Option<&str>, required: bool) -> (String, Option<String>, bool) {
    (status.to_string(), until.map(str::to_string), required)
}

async fn compliance_api(app: &TestApp, token: &str, query: &str) -> Value {
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/compliance?{query}"),
            Some(token),
            None,
        )
        .await;
    assert_status(&r, StatusCode::OK);
    r.json()
}

/// [required, valid, expiring, expired, missing] of a row or total.
fn counts(v: &Value) -> [u64; 5] {
    ["required", "valid", "expiring", "expired", "missing"]
        .map(|k| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}")))
}

/// The rows of a report as (id, name, counts), in the report's order.
fn rows(report: &Value) -> Vec<(i64, String, [u64; 5])> {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().expect("id"),
                r["name"].as_str().expect("name").to_string(),
                counts(r),
            )
        })
        .collect()
}

// ---- Recording ----

#[tokio::test]
async fn a_preview_shows_the_expiry_and_window_and_writes_nothing_then_save_records() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let cyto = type_id(&app, "CYTO").await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let before = licence_rows(&app).await;

    let r = record(
        &mut coordinator,
        f.nurse,
        cyto,
        "theory",
        "2025-01-31",
        "preview",
    )
    .await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("<strong>2028-01-31</strong>"), "{}", r.text);
    // 2028-01-31 minus 90 days.
    assert!(r.text.contains("<strong>2027-11-02</strong>"), "{}", r.text);
    assert!(
        r.text.contains("value=\"2025-01-31\""),
        "the form keeps the date"
    );
    assert_eq!(licence_rows(&app).await, before, "a preview writes nothing");

    save_cyto(&mut coordinator, f.nurse, "2025-01-31").await;
    let saved = completions_of(&app, f.nurse).await;
    assert_eq!(saved.len(), 1, "{saved:?}");
    let (_, part, on, source, by) = &saved[0];
    assert_eq!(
        (part.as_str(), on.as_str(), source.as_str(), by.clone()),
        (
            "theory",
            "2025-01-31",
            "manual",
            Some(email_for(Role::Coordinator))
        )
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'licence.complete'")
            .await,
        1
    );

    let page = coordinator
        .get(&format!("/people/{}/licences", f.nurse))
        .await;
    assert_status(&page, StatusCode::OK);
    assert!(
        page.text.contains("class=\"badge valid\">Giltigt</span>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("<dd>2028-01-31</dd>"), "{}", page.text);
    assert!(page.text.contains("<dd>2027-11-02</dd>"), "window opens");
    assert!(page.text.contains("Cytostatikakörkort"));
}

#[tokio::test]
async fn a_completion_on_leap_day_expires_on_the_last_day_of_february() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let cyto = type_id(&app, "CYTO").await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = record(
        &mut coordinator,
        f.other_nurse,
        cyto,
        "theory",
        "2024-02-29",
        "preview",
    )
    .await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("<strong>2027-02-28</strong>"), "{}", r.text);

    save_cyto(&mut coordinator, f.other_nurse, "2024-02-29").await;
    let page = coordinator
        .get(&format!("/people/{}/licences", f.other_nurse))
        .await;
    assert!(page.text.contains("<dd>2027-02-28</dd>"), "{}", page.text);
    let token = app.token_for(Role::Admin).await;
    assert_eq!(
        standing(&status_on(&app, &token, OTHER_NURSE_HSA, "CYTO", "2027-02-28").await),
        st("expiring", Some("2027-02-28"), true)
    );
    assert_eq!(
        standing(&status_on(&app, &token, OTHER_NURSE_HSA, "CYTO", "2027-03-01").await).0,
        "expired"
    );
}

#[tokio::test]
async fn today_is_the_date_in_sweden() {
    let app = TestApp::new().await;
    let f = app.fixture;
    // 23:30 UTC on 2 March is 00:30 on 3 March in Stockholm.
    app.clock.set(
        Utc.with_ymd_and_hms(2026, 3, 2, 23, 30, 0)
            .single()
            .expect("time"),
    );
    let mut coordinator = app.login_as(Role::Coordinator).await;
    save_cyto(&mut coordinator, f.nurse, "2026-03-03").await;
    assert_eq!(completions_of(&app, f.nurse).await[0].2, "2026-03-03");
}

#[tokio::test]
async fn the_preview_of_a_backdated_completion_matches_what_saving_gives() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let cyto = type_id(&app, "CYTO").await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    save_cyto(&mut coordinator, f.nurse, "2025-01-31").await;
    // An older course found on paper, entered afterwards.
    let r = record(
        &mut coordinator,
        f.nurse,
        cyto,
        "theory",
        "2024-02-29",
        "preview",
    )
    .await;
    assert_status(&r, StatusCode::OK);
    save_cyto(&mut coordinator, f.nurse, "2024-02-29").await;
    let page = coordinator
        .get(&format!("/people/{}/licences", f.nurse))
        .await;
    assert!(page.text.contains("<dd>2028-01-31</dd>"), "{}", page.text);
    // "If recorded, the licence will be valid until …" must say what saving gave.
    assert!(r.text.contains("<strong>2028-01-31</strong>"), "{}", r.text);
}

#[tokio::test]
async fn a_completion_dated_in_the_future_is_refused_and_nothing_is_written() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let cyto = type_id(&app, "CYTO").await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let before = licence_rows(&app).await;
    for action in ["save", "preview"] {
        // Today is 2026-03-02.
        let r = record(
            &mut coordinator,
            f.nurse,
            cyto,
            "theory",
            "2026-03-03",
            action,
        )
        .await;
        assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
        // The summary names the field by its label, never its internal name.
        assert!(
            r.text
                .contains("<a href=\"#f-completed_on\">Genomfört</a>: kan inte ligga i framtiden"),
            "{}",
            r.text
        );
        assert!(!r.text.contains("completed_on: "), "{}", r.text);
        assert!(r.text.contains("value=\"2026-03-03\""), "input kept");
    }
    let r = record(
        &mut coordinator,
        f.nurse,
        cyto,
        "theory",
        "31/01/2025",
        "save",
    )
    .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("<a href=\"#f-completed_on\">Genomfört</a>: "),
        "{}",
        r.text
    );
    assert!(!r.text.contains("completed_on: "), "{}", r.text);
    assert_eq!(licence_rows(&app).await, before);

    // Today itself is fine.
    save_cyto(&mut coordinator, f.nurse, "2026-03-02").await;
    assert_eq!(completions_of(&app, f.nurse).await.len(), 1);
}

#[tokio::test]
async fn the_record_form_names_its_fields_in_the_page_language_only() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let cyto = type_id(&app, "CYTO").await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    // Swedish: each message under its Swedish label, nothing in English.
    let r = record(
        &mut coordinator,
        f.nurse,
        cyto,
        "halvdag",
        "2026-03-03",
        "save",
    )
    .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    for expected in [
        "<a href=\"#f-part\">Del</a>: teori eller praktik",
        "<a href=\"#f-completed_on\">Genomfört</a>: kan inte ligga i framtiden",
    ] {
        assert!(r.text.contains(expected), "{expected}: {}", r.text);
    }
    for english in ["theory or practical", "cannot be in the future", "Part</a>"] {
        assert!(!r.text.contains(english), "{english}: {}", r.text);
    }
    // English: the same form, nothing in Swedish.
    coordinator
        .post("/lang", &[("lang", "en"), ("next", "/licences")])
        .await;
    let r = record(
        &mut coordinator,
        f.nurse,
        cyto,
        "halvdag",
        "2026-03-03",
        "save",
    )
    .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    for expected in [
        "<a href=\"#f-part\">Part</a>: theory or practical",
        "<a href=\"#f-completed_on\">Completed on</a>: cannot be in the future",
    ] {
        assert!(r.text.contains(expected), "{expected}: {}", r.text);
    }
    for swedish in ["teori eller praktik", "framtiden", "Genomfört", "Del</a>"] {
        assert!(!r.text.contains(swedish), "{swedish}: {}", r.text);
    }
}

#[tokio::test]
async fn the_history_names_the_source_in_the_page_language() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    save_cyto(&mut coordinator, f.nurse, "2025-01-31").await;
    let page = coordinator
        .get(&format!("/people/{}/licences", f.nurse))
        .await;
    assert_status(&page, StatusCode::OK);
    assert!(page.text.contains("<td>Manuell</td>"), "{}", page.text);
    assert!(!page.text.contains("<td>manual</td>"), "{}", page.text);
}

// ---- Renewal window ----

#[tokio::test]
async fn a_renewal_inside_the_window_extends_from_the_old_expiry_and_others_from_their_date() {
    let app = TestApp::new().await;
    let f = app.fixture;
    // Late enough that every date below lies in the past.
    set_today(&app, "2026-06-01");
    let early = add_nurse(
        &app,
        "Tidig Tina",
        "tina@test.example",
        "SE9990000001-T0101",
        f.onk1,
    )
    .await;
    let late = add_nurse(
        &app,
        "Sen Sven",
        "sven@test.example",
        "SE9990000001-T0102",
        f.onk1,
    )
    .await;
    let cyto = type_id(&app, "CYTO").await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let token = app.token_for(Role::Admin).await;

    for p in [f.nurse, early, late] {
        save_cyto(&mut coordinator, p, "2023-03-15").await;
    }

    // Inside the window (it opens 2025-12-15): from the old expiry.
    let r = record(
        &mut coordinator,
        f.nurse,
        cyto,
        "theory",
        "2026-01-10",
        "preview",
    )
    .await;
    assert!(r.text.contains("<strong>2029-03-15</strong>"), "{}", r.text);
    assert!(r.text.contains("<strong>2028-12-15</strong>"), "{}", r.text);
    save_cyto(&mut coordinator, f.nurse, "2026-01-10").await;
    // One day before the window: from the completion date.
    save_cyto(&mut coordinator, early, "2025-12-14").await;
    // After expiry: from the completion date.
    save_cyto(&mut coordinator, late, "2026-03-16").await;

    for (hsa, until) in [
        (NURSE_HSA, "2029-03-15"),
        ("SE9990000001-T0101", "2028-12-14"),
        ("SE9990000001-T0102", "2029-03-16"),
    ] {
        assert_eq!(
            standing(&status_on(&app, &token, hsa, "CYTO", "2026-06-01").await),
            st("valid", Some(until), true),
            "{hsa}"
        );
    }
    let page = coordinator
        .get(&format!("/people/{}/licences", f.nurse))
        .await;
    assert!(page.text.contains("<dd>2029-03-15</dd>"), "{}", page.text);

    // The late renewer had a gap: expired between expiry and the new course.
    assert_eq!(
        standing(&status_on(&app, &token, "SE9990000001-T0102", "CYTO", "2026-03-16").await),
        st("valid", Some("2029-03-16"), true)
    );
    assert_eq!(
        standing(&status_on(&app, &token, "SE9990000001-T0102", "CYTO", "2026-03-15").await),
        st("expiring", Some("2026-03-15"), true)
    );
    // Before her renewal the early renewer's licence stood as it was.
    assert_eq!(
        standing(&status_on(&app, &token, "SE9990000001-T0101", "CYTO", "2025-12-13").await),
        st("valid", Some("2026-03-15"), true)
    );
    assert_eq!(
        standing(&status_on(&app, &token, "SE9990000001-T0101", "CYTO", "2025-12-14").await),
        st("valid", Some("2028-12-14"), true)
    );
    let then = coordinator
        .get(&format!("/people/{early}/licences?as_of=2025-12-13"))
        .await;
    assert_status(&then, StatusCode::OK);
    assert!(then.text.contains("<dd>2026-03-15</dd>"), "{}", then.text);
    assert!(!then.text.contains("<dd>2028-12-14</dd>"));
}

// ---- Status through the API ----

#[tokio::test]
async fn the_status_api_answers_for_any_date() {
    let app = TestApp::new().await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    save_cyto(&mut coordinator, app.fixture.nurse, "2023-03-15").await;
    let token = app.token_for(Role::Admin).await;

    let r = status_api(
        &app,
        &token,
        &format!("hsa_id={NURSE_HSA}&licence=CYTO&as_of=2023-03-14"),
    )
    .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(
        r.json(),
        serde_json::json!({"status": "missing", "valid_until": null, "required": true})
    );
    for (day, expected) in [
        ("2023-03-15", st("valid", Some("2026-03-15"), true)),
        // 91 and 90 days before expiry.
        ("2025-12-14", st("valid", Some("2026-03-15"), true)),
        ("2025-12-15", st("expiring", Some("2026-03-15"), true)),
        ("2026-03-15", st("expiring", Some("2026-03-15"), true)),
        ("2026-03-16", st("expired", Some("2026-03-15"), true)),
    ] {
        assert_eq!(
            standing(&status_on(&app, &token, NURSE_HSA, "CYTO", day).await),
            expected,
            "{day}"
        );
    }
    // Without as_of: today (2026-03-02), inside the warning period.
    let r = status_api(&app, &token, &format!("hsa_id={NURSE_HSA}&licence=CYTO")).await;
    assert_eq!(
        standing(&r.json()),
        st("expiring", Some("2026-03-15"), true)
    );

    // By e-mail instead of HSA-id; the HSA-id in lower case is the same person.
    let r = status_api(
        &app,
        &token,
        &format!(
            "email={}&licence=CYTO&as_of=2026-03-16",
            email_for(Role::Staff)
        ),
    )
    .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(standing(&r.json()), st("expired", Some("2026-03-15"), true));
    let r = status_api(
        &app,
        &token,
        "hsa_id=se9990000001-t0001&licence=cyto&as_of=2024-01-01",
    )
    .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(standing(&r.json()), st("valid", Some("2026-03-15"), true));
}

#[tokio::test]
async fn the_status_api_names_the_bad_parameter() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Admin).await;
    for (query, field) in [
        (format!("hsa_id={NURSE_HSA}"), "licence"),
        (format!("hsa_id={NURSE_HSA}&licence="), "licence"),
        (
            format!("hsa_id={NURSE_HSA}&licence=CYTO&as_of=2026-13-01"),
            "as_of",
        ),
        ("hsa_id=SE123-X&licence=CYTO".to_string(), "hsa_id"),
    ] {
        let r = status_api(&app, &token, &query).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, field);
        assert!(
            r.json()["detail"]
                .as_str()
                .is_some_and(|s| s.starts_with(&format!("{field}: "))),
            "{query}: {}",
            r.text
        );
    }
    // Well-formed, but breaking a rule: 422 naming the parameter.
    for (query, field) in [
        (format!("hsa_id={NURSE_HSA}&licence=NOPE"), "licence"),
        ("licence=CYTO".to_string(), "hsa_id"),
    ] {
        let r = status_api(&app, &token, &query).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, field);
    }

    let r = status_api(&app, &token, "hsa_id=SE9990000001-T9999&licence=CYTO").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = status_api(&app, &token, "email=nobody@test.example&licence=CYTO").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/licences/status?hsa_id={NURSE_HSA}&licence=CYTO"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_status_api_explains_itself_in_the_language_asked_for() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Admin).await;
    let detail = |r: &TestResponse| r.json()["detail"].as_str().unwrap_or("").to_string();
    let bad_hsa = "/api/v1/licences/status?hsa_id=SE2321000131&licence=CYTO";
    let r = app
        .api_in(Some("en"), Method::GET, bad_hsa, Some(&token), None)
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "hsa_id");
    assert!(detail(&r).contains("HSA-id looks like"), "{}", r.text);
    assert!(!detail(&r).contains("ser ut som"), "{}", r.text);
    for lang in [Some("sv"), None] {
        let r = app
            .api_in(lang, Method::GET, bad_hsa, Some(&token), None)
            .await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "hsa_id");
        assert!(
            detail(&r).contains("HSA-id ser ut som"),
            "{lang:?}: {}",
            r.text
        );
        assert!(!detail(&r).contains("looks like"), "{lang:?}: {}", r.text);
    }

    let unknown = format!("/api/v1/licences/status?hsa_id={NURSE_HSA}&licence=NOPE");
    let r = app
        .api_in(Some("en"), Method::GET, &unknown, Some(&token), None)
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "licence");
    assert_eq!(detail(&r), "licence: no licence type has the code \"NOPE\"");
    let r = app
        .api_in(Some("sv"), Method::GET, &unknown, Some(&token), None)
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "licence");
    assert_eq!(detail(&r), "licence: ingen körkortstyp har koden \"NOPE\"");

    let by = "/api/v1/compliance?licence=CYTO&by=ward";
    let r = app
        .api_in(Some("en"), Method::GET, by, Some(&token), None)
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "by");
    assert_eq!(detail(&r), "by: region, administration or unit");
    let r = app.api_in(None, Method::GET, by, Some(&token), None).await;
    assert_eq!(detail(&r), "by: region, administration eller unit");
}

#[tokio::test]
async fn a_manager_asks_only_about_their_own_people() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Manager).await;
    let r = status_api(
        &app,
        &token,
        &format!("hsa_id={NURSE_HSA}&licence=CYTO&as_of=2026-03-02"),
    )
    .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(standing(&r.json()), st("missing", None, true));
    let r = status_api(
        &app,
        &token,
        &format!("hsa_id={OTHER_NURSE_HSA}&licence=CYTO&as_of=2026-03-02"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = status_api(&app, &token, "email=ake.ohman@test.example&licence=CYTO").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
}

#[tokio::test]
async fn a_nurse_in_a_unit_without_chemotherapy_is_not_required() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let surgeon_nurse = add_nurse(
        &app,
        "Kirsti Kirurg",
        "kirsti@test.example",
        "SE9990000001-T0201",
        f.kir1,
    )
    .await;
    // And a physician in the chemotherapy unit: the requirement names nurses.
    add_person(
        &app,
        "Doktor Dahl",
        "dahl@test.example",
        Some("SE9990000001-T0202"),
        Profession::Physician,
        f.onk1,
    )
    .await;
    let token = app.token_for(Role::Admin).await;
    assert_eq!(
        standing(&status_on(&app, &token, "SE9990000001-T0201", "CYTO", "2026-03-02").await),
        st("missing", None, false)
    );
    assert_eq!(
        standing(&status_on(&app, &token, "SE9990000001-T0202", "CYTO", "2026-03-02").await),
        st("missing", None, false)
    );
    // Holding it anyway is shown, still not required.
    seed_cyto(&app, surgeon_nurse, "2025-05-05").await;
    assert_eq!(
        standing(&status_on(&app, &token, "SE9990000001-T0201", "CYTO", "2026-03-02").await),
        st("valid", Some("2028-05-05"), false)
    );
}

// ---- Revoking ----

#[tokio::test]
async fn a_revoked_completion_stays_in_the_history_and_counts_for_nothing() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    save_cyto(&mut coordinator, f.nurse, "2025-01-31").await;
    let id = completions_of(&app, f.nurse).await[0].0;
    let token = app.token_for(Role::Admin).await;
    assert_eq!(
        standing(&status_on(&app, &token, NURSE_HSA, "CYTO", "2026-03-02").await).0,
        "valid"
    );

    let page = coordinator
        .get(&format!("/people/{}/licences", f.nurse))
        .await;
    assert!(
        page.text
            .contains(&format!("action=\"/licences/completions/{id}/revoke\"")),
        "a revoke button for the coordinator"
    );

    let revoke = format!("/licences/completions/{id}/revoke");
    let r = coordinator
        .post(&revoke, &[("reason", "Fel person registrerad")])
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        Some(format!("/people/{}/licences", f.nurse).as_str())
    );

    let page = coordinator
        .get(&format!("/people/{}/licences", f.nurse))
        .await;
    assert!(
        page.text.contains("class=\"badge bad\">Återkallad</span>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Fel person registrerad"));
    assert!(
        page.text.contains("<td>2025-01-31</td>"),
        "the completion is still listed"
    );
    assert!(page.text.contains("class=\"badge missing\">Saknas</span>"));
    assert!(!page.text.contains(&format!("action=\"{revoke}\"")));
    assert_eq!(
        standing(&status_on(&app, &token, NURSE_HSA, "CYTO", "2026-03-02").await),
        st("missing", None, true)
    );
    assert_eq!(
        completions_of(&app, f.nurse).await.len(),
        1,
        "never deleted"
    );

    let before = licence_rows(&app).await;
    let r = coordinator.post(&revoke, &[("reason", "Igen")]).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(licence_rows(&app).await, before);
    let reason: String = app
        .query(move |c| {
            c.query_row(
                "SELECT reason FROM licence_revocation WHERE completion_id = ?1",
                [id],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(reason, "Fel person registrerad", "the first reason stands");

    // A correction is a new record.
    save_cyto(&mut coordinator, f.nurse, "2025-02-03").await;
    assert_eq!(
        standing(&status_on(&app, &token, NURSE_HSA, "CYTO", "2026-03-02").await),
        st("valid", Some("2028-02-03"), true)
    );
}

#[tokio::test]
async fn a_revocation_needs_a_reason() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    save_cyto(&mut coordinator, f.nurse, "2025-01-31").await;
    let id = completions_of(&app, f.nurse).await[0].0;
    let before = licence_rows(&app).await;
    for reason in ["", "   "] {
        let r = coordinator
            .post(
                &format!("/licences/completions/{id}/revoke"),
                &[("reason", reason)],
            )
            .await;
        assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(licence_rows(&app).await, before);
    let r = coordinator
        .post("/licences/completions/999999/revoke", &[("reason", "x")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_nurse_herself_can_neither_record_nor_revoke() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let cyto = type_id(&app, "CYTO").await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    save_cyto(&mut coordinator, f.nurse, "2025-01-31").await;
    let id = completions_of(&app, f.nurse).await[0].0;
    let before = licence_rows(&app).await;

    let mut staff = app.login_as(Role::Staff).await;
    let page = staff.get(&format!("/people/{}/licences", f.nurse)).await;
    assert_status(&page, StatusCode::OK);
    assert!(
        !page.text.contains("/revoke\""),
        "no revoke button for herself"
    );
    assert!(
        !page.text.contains("name=\"completed_on\""),
        "no record form for herself"
    );
    let r = record(&mut staff, f.nurse, cyto, "theory", "2026-01-01", "save").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = staff
        .post(
            &format!("/licences/completions/{id}/revoke"),
            &[("reason", "Jag vill inte")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(licence_rows(&app).await, before);
    // Nor see someone else's licences.
    let r = staff
        .get(&format!("/people/{}/licences", f.other_nurse))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_manager_records_and_revokes_only_in_their_unit() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let cyto = type_id(&app, "CYTO").await;
    seed_cyto(&app, f.other_nurse, "2025-01-31").await;
    let other_completion = completions_of(&app, f.other_nurse).await[0].0;

    let mut manager = app.login_as(Role::Manager).await;
    save_cyto(&mut manager, f.nurse, "2025-06-30").await;
    assert_eq!(
        completions_of(&app, f.nurse).await[0].4,
        Some(email_for(Role::Manager))
    );
    let own = completions_of(&app, f.nurse).await[0].0;

    let before = licence_rows(&app).await;
    let r = record(
        &mut manager,
        f.other_nurse,
        cyto,
        "theory",
        "2025-06-30",
        "save",
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = manager
        .get(&format!("/people/{}/licences", f.other_nurse))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = manager
        .post(
            &format!("/licences/completions/{other_completion}/revoke"),
            &[("reason", "Inte min")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(licence_rows(&app).await, before);

    let r = manager
        .post(
            &format!("/licences/completions/{own}/revoke"),
            &[("reason", "Dubbelregistrerad")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn completions_and_revocations_cannot_be_changed_or_deleted_in_the_database() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    save_cyto(&mut coordinator, f.nurse, "2025-01-31").await;
    save_cyto(&mut coordinator, f.nurse, "2025-02-01").await;
    let ids: Vec<i64> = completions_of(&app, f.nurse)
        .await
        .iter()
        .map(|c| c.0)
        .collect();
    let r = coordinator
        .post(
            &format!("/licences/completions/{}/revoke", ids[1]),
            &[("reason", "Fel datum")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);

    let conn = rusqlite::Connection::open(&app.path).expect("open");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy timeout");
    let id = ids[0];
    for sql in [
        "UPDATE licence_completion SET completed_on = '2026-01-01' WHERE id = ?1",
        "UPDATE licence_completion SET note = 'ändrad' WHERE id = ?1",
        "DELETE FROM licence_completion WHERE id = ?1",
    ] {
        let e = conn.execute(sql, [id]).expect_err(sql);
        assert!(
            e.to_string().contains("completions are never"),
            "{sql}: {e}"
        );
    }
    for sql in [
        "UPDATE licence_revocation SET reason = 'annat' WHERE completion_id = ?1",
        "DELETE FROM licence_revocation WHERE completion_id = ?1",
    ] {
        let e = conn.execute(sql, [ids[1]]).expect_err(sql);
        assert!(
            e.to_string().contains("revocations are never"),
            "{sql}: {e}"
        );
    }
    drop(conn);
    let after = completions_of(&app, f.nurse).await;
    assert_eq!(after.len(), 2);
    assert_eq!(after[0].2, "2025-01-31");
    assert_eq!(
        app.count("SELECT count(*) FROM licence_revocation").await,
        1
    );
}

// ---- Moves, leavers and as-of ----

#[tokio::test]
async fn a_nurse_moved_to_a_unit_without_chemotherapy_stops_being_required_on_the_move_date() {
    let app = TestApp::new().await;
    let f = app.fixture;
    seed_cyto(&app, f.nurse, "2025-01-31").await;
    let mut admin = app.login_as(Role::Admin).await;
    let kir1 = f.kir1.to_string();
    let r = admin
        .post(
            &format!("/people/{}/assignment", f.nurse),
            &[
                ("unit_id", &kir1),
                ("profession", "nurse"),
                ("effective_from", "2026-02-01"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let token = app.token_for(Role::Admin).await;

    assert_eq!(
        standing(&status_on(&app, &token, NURSE_HSA, "CYTO", "2026-01-31").await),
        st("valid", Some("2028-01-31"), true)
    );
    assert_eq!(
        standing(&status_on(&app, &token, NURSE_HSA, "CYTO", "2026-02-01").await),
        st("valid", Some("2028-01-31"), false),
        "the licence stays; the requirement goes"
    );

    let by_unit = |day: &str| {
        format!(
            "licence=CYTO&by=unit&within={}&as_of={day}",
            f.administration
        )
    };
    let before = compliance_api(&app, &token, &by_unit("2026-01-31")).await;
    assert_eq!(
        rows(&before),
        [(f.onk1, "ONK1 Enhet ONK1".to_string(), [1, 1, 0, 0, 0])]
    );
    assert_eq!(counts(&before["total"]), [1, 1, 0, 0, 0]);
    let after = compliance_api(&app, &token, &by_unit("2026-02-01")).await;
    assert!(
        rows(&after)
            .iter()
            .all(|(id, _, c)| *id != f.onk1 || c[0] == 0),
        "{after}"
    );
    assert!(
        rows(&after).iter().all(|(id, _, _)| *id != f.kir1),
        "KIR1 requires nothing"
    );
    assert_eq!(counts(&after["total"]), [0, 0, 0, 0, 0]);
}

#[tokio::test]
async fn a_person_who_left_stops_counting_from_the_left_date() {
    let app = TestApp::new().await;
    let f = app.fixture;
    seed_cyto(&app, f.other_nurse, "2025-01-31").await;
    let mut admin = app.login_as(Role::Admin).await;
    let r = admin
        .post(
            &format!("/people/{}/leave", f.other_nurse),
            &[("left_on", "2026-02-15")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let token = app.token_for(Role::Admin).await;

    let by_region = |day: &str| format!("licence=CYTO&by=region&as_of={day}");
    let on_last_day = compliance_api(&app, &token, &by_region("2026-02-14")).await;
    assert_eq!(
        rows(&on_last_day),
        [
            (
                f.other_region,
                "Region Annanstans".to_string(),
                [1, 1, 0, 0, 0]
            ),
            (f.region, "Testregionen".to_string(), [1, 0, 0, 0, 1]),
        ]
    );
    let on_left_day = compliance_api(&app, &token, &by_region("2026-02-15")).await;
    assert_eq!(
        rows(&on_left_day),
        [(f.region, "Testregionen".to_string(), [1, 0, 0, 0, 1])]
    );
    assert_eq!(counts(&on_left_day["total"]), [1, 0, 0, 0, 1]);
    assert_eq!(
        standing(&status_on(&app, &token, OTHER_NURSE_HSA, "CYTO", "2026-02-14").await),
        st("valid", Some("2028-01-31"), true)
    );
    assert_eq!(
        standing(&status_on(&app, &token, OTHER_NURSE_HSA, "CYTO", "2026-02-15").await),
        st("valid", Some("2028-01-31"), false),
        "still holds it, no longer counted"
    );
}

// ---- Compliance ----

/// Ids of the compliance population.
struct Population {
    expiring: i64,
}

/// On 2026-03-02:
/// - ONK1: Sara (2025-01-31, valid to 2028-01-31), Anna (2023-04-20, expiring
///   2026-04-20), Berit (2021-07-01, expired 2024-07-01), Cecilia (nothing,
///   missing); a physician and a KIR1 nurse who are not required.
/// - ONK2: Åke (2024-01-10, valid to 2027-01-10), Dora (2023-01-10, expired
///   2026-01-10).
///
/// On 2024-06-01: Sara missing, Anna valid, Berit expiring (30 days left),
/// Cecilia missing; Åke valid, Dora valid.
async fn population(app: &TestApp) -> Population {
    let f = app.fixture;
    seed_cyto(app, f.nurse, "2025-01-31").await;
    let anna = add_nurse(
        app,
        "Anna Ärlig",
        "anna@test.example",
        "SE9990000001-T0301",
        f.onk1,
    )
    .await;
    seed_cyto(app, anna, "2023-04-20").await;
    let berit = add_nurse(
        app,
        "Berit Bäck",
        "berit@test.example",
        "SE9990000001-T0302",
        f.onk1,
    )
    .await;
    seed_cyto(app, berit, "2021-07-01").await;
    add_nurse(
        app,
        "Cecilia Ceder",
        "cecilia@test.example",
        "SE9990000001-T0303",
        f.onk1,
    )
    .await;
    let doctor = add_person(
        app,
        "Doktor Dahl",
        "dahl@test.example",
        None,
        Profession::Physician,
        f.onk1,
    )
    .await;
    seed_cyto(app, doctor, "2025-01-01").await;
    let kir = add_nurse(
        app,
        "Kirsti Kirurg",
        "kirsti@test.example",
        "SE9990000001-T0304",
        f.kir1,
    )
    .await;
    seed_cyto(app, kir, "2019-01-01").await;
    seed_cyto(app, f.other_nurse, "2024-01-10").await;
    let dora = add_nurse(
        app,
        "Dora Dal",
        "dora@test.example",
        "SE9990000001-T0305",
        f.onk2,
    )
    .await;
    seed_cyto(app, dora, "2023-01-10").await;
    Population { expiring: anna }
}

#[tokio::test]
async fn compliance_counts_per_region_administration_and_unit() {
    let app = TestApp::new().await;
    let f = app.fixture;
    population(&app).await;
    let token = app.token_for(Role::Admin).await;

    let by_region = compliance_api(&app, &token, "licence=CYTO&by=region").await;
    assert_eq!(by_region["licence"], "CYTO");
    assert_eq!(by_region["as_of"], "2026-03-02", "today by default");
    assert_eq!(by_region["by"], "region");
    assert_eq!(
        rows(&by_region),
        [
            (
                f.other_region,
                "Region Annanstans".to_string(),
                [2, 1, 0, 1, 0]
            ),
            (f.region, "Testregionen".to_string(), [4, 1, 1, 1, 1]),
        ]
    );
    assert_eq!(counts(&by_region["total"]), [6, 2, 1, 2, 1]);

    let by_admin = compliance_api(
        &app,
        &token,
        &format!(
            "licence=CYTO&by=administration&within={}&as_of=2026-03-02",
            f.region
        ),
    )
    .await;
    assert_eq!(
        rows(&by_admin),
        [(
            f.administration,
            "Testsjukhuset".to_string(),
            [4, 1, 1, 1, 1]
        )]
    );
    assert_eq!(counts(&by_admin["total"]), [4, 1, 1, 1, 1]);

    let by_unit = compliance_api(
        &app,
        &token,
        &format!(
            "licence=CYTO&by=unit&within={}&as_of=2026-03-02",
            f.administration
        ),
    )
    .await;
    assert_eq!(
        rows(&by_unit),
        [(f.onk1, "ONK1 Enhet ONK1".to_string(), [4, 1, 1, 1, 1])]
    );
    let by_unit = compliance_api(
        &app,
        &token,
        &format!(
            "licence=CYTO&by=unit&within={}&as_of=2026-03-02",
            f.other_administration
        ),
    )
    .await;
    assert_eq!(
        rows(&by_unit),
        [(f.onk2, "ONK2 Enhet ONK2".to_string(), [2, 1, 0, 1, 0])]
    );
}

#[tokio::test]
async fn compliance_as_of_a_past_date_counts_as_things_stood_then() {
    let app = TestApp::new().await;
    let f = app.fixture;
    population(&app).await;
    let token = app.token_for(Role::Admin).await;
    let then = compliance_api(&app, &token, "licence=CYTO&by=region&as_of=2024-06-01").await;
    assert_eq!(then["as_of"], "2024-06-01");
    assert_eq!(
        rows(&then),
        [
            (
                f.other_region,
                "Region Annanstans".to_string(),
                [2, 2, 0, 0, 0]
            ),
            (f.region, "Testregionen".to_string(), [4, 1, 1, 0, 2]),
        ]
    );
    assert_eq!(counts(&then["total"]), [6, 3, 1, 0, 2]);
}

#[tokio::test]
async fn compliance_for_a_manager_is_their_unit_and_staff_get_none() {
    let app = TestApp::new().await;
    let f = app.fixture;
    population(&app).await;
    let token = app.token_for(Role::Manager).await;
    let r = compliance_api(&app, &token, "licence=CYTO&by=region&as_of=2026-03-02").await;
    assert_eq!(
        rows(&r),
        [(f.region, "Testregionen".to_string(), [4, 1, 1, 1, 1])]
    );
    assert_eq!(counts(&r["total"]), [4, 1, 1, 1, 1]);
    let r = compliance_api(
        &app,
        &token,
        &format!(
            "licence=CYTO&by=unit&within={}&as_of=2026-03-02",
            f.other_administration
        ),
    )
    .await;
    assert!(rows(&r).is_empty(), "{r}");
    assert_eq!(counts(&r["total"]), [0, 0, 0, 0, 0]);

    let staff = app.token_for(Role::Staff).await;
    let r = app
        .api(
            Method::GET,
            "/api/v1/compliance?licence=CYTO&by=region",
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    let mut staff = app.login_as(Role::Staff).await;
    for path in ["/compliance", "/compliance.csv", "/compliance.json"] {
        assert_eq!(
            staff.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let mut manager = app.login_as(Role::Manager).await;
    let page = manager.get("/compliance?licence=CYTO&by=region").await;
    assert_status(&page, StatusCode::OK);
    assert!(!page.text.contains("Region Annanstans"));
    let people = manager
        .get("/compliance.csv?licence=CYTO&by=region&list=people")
        .await;
    assert!(people.text.contains("Sara Sjöström"));
    assert!(!people.text.contains("Åke Öhman") && !people.text.contains("Dora Dal"));
}

#[tokio::test]
async fn the_compliance_api_names_the_bad_parameter() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Admin).await;
    for (query, field) in [
        ("licence=CYTO&by=planet", "by"),
        ("by=region", "licence"),
        ("licence=CYTO&by=region&as_of=2026-02-30", "as_of"),
    ] {
        let r = app
            .api(
                Method::GET,
                &format!("/api/v1/compliance?{query}"),
                Some(&token),
                None,
            )
            .await;
        assert_problem(&r, StatusCode::BAD_REQUEST, field);
    }
    // A licence code no type has is well-formed but unknown: 422.
    let r = app
        .api(
            Method::GET,
            "/api/v1/compliance?licence=NOPE&by=region",
            Some(&token),
            None,
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "licence");
}

#[tokio::test]
async fn the_compliance_page_shows_the_table_the_pictures_and_the_drill_down() {
    let app = TestApp::new().await;
    let f = app.fixture;
    population(&app).await;
    let mut admin = app.login_as(Role::Admin).await;

    let page = admin.get("/compliance?licence=CYTO&by=region").await;
    assert_status(&page, StatusCode::OK);
    assert_eq!(
        page.text.matches("<svg").count(),
        2,
        "a bar chart and a forecast"
    );
    assert!(page.text.contains("Testregionen") && page.text.contains("Region Annanstans"));
    // Testregionen: 4 required, 1 valid, 1 expiring, 1 expired, 1 missing, 50 %.
    assert!(
        page.text.contains(
            "<td class=\"num\">4</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">50,0 %</td>"
        ),
        "{}",
        page.text
    );
    let to_administrations = format!(
        "href=\"/compliance?licence=CYTO&amp;as_of=2026-03-02&amp;by=administration&amp;within={}\"",
        f.region
    );
    assert!(page.text.contains(&to_administrations), "{}", page.text);

    let page = admin
        .get(&format!(
            "/compliance?licence=CYTO&as_of=2026-03-02&by=administration&within={}",
            f.region
        ))
        .await;
    assert_status(&page, StatusCode::OK);
    assert!(page.text.contains("Testsjukhuset"));
    assert!(!page.text.contains("Annat sjukhus"));
    let to_units = format!(
        "href=\"/compliance?licence=CYTO&amp;as_of=2026-03-02&amp;by=unit&amp;within={}\"",
        f.administration
    );
    assert!(page.text.contains(&to_units), "{}", page.text);

    let page = admin
        .get(&format!(
            "/compliance?licence=CYTO&as_of=2026-03-02&by=unit&within={}",
            f.administration
        ))
        .await;
    assert_status(&page, StatusCode::OK);
    assert!(page.text.contains("ONK1 Enhet ONK1"));
    // The forecast covers the people the unit level lists: Anna's licence runs
    // out in April; Sara's (2028) is beyond the twelve months, and Åke's next
    // January belongs to the other administration.
    assert!(
        page.text.contains("<title>2026-04: 1</title>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("<title>2026-03: 0</title>"));
    assert!(page.text.contains("<title>2027-01: 0</title>"));
    let to_people = format!(
        "href=\"/compliance?licence=CYTO&amp;as_of=2026-03-02&amp;by=unit&amp;within={}&amp;unit={}\"",
        f.administration, f.onk1
    );
    assert!(page.text.contains(&to_people), "{}", page.text);
    // The people needing attention: expired and missing, not the valid ones.
    assert!(page.text.contains("Berit Bäck") && page.text.contains("Cecilia Ceder"));
    assert!(!page.text.contains("Sara Sjöström"));

    let page = admin
        .get(&format!(
            "/compliance?licence=CYTO&as_of=2026-03-02&by=unit&within={}&unit={}",
            f.administration, f.onk1
        ))
        .await;
    assert_status(&page, StatusCode::OK);
    for name in ["Sara Sjöström", "Anna Ärlig", "Berit Bäck", "Cecilia Ceder"] {
        assert!(page.text.contains(name), "{name} in the unit's list");
    }
    assert!(!page.text.contains("Doktor Dahl") && !page.text.contains("Kirsti Kirurg"));
    assert!(
        page.text
            .contains(&format!("href=\"/people/{}/licences\"", f.nurse))
    );
}

#[tokio::test]
async fn the_compliance_exports_match_the_report() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let pop = population(&app).await;
    let mut admin = app.login_as(Role::Admin).await;

    let r = admin
        .get("/compliance.csv?licence=CYTO&by=region&as_of=2026-03-02")
        .await;
    assert_status(&r, StatusCode::OK);
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/csv"))
    );
    assert!(r.bytes.starts_with(b"\xEF\xBB\xBF"), "a UTF-8 BOM");
    let text = r.text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "Körkort;Per dag;Id;Region;Förvaltning;Enhetskod;Enhet;Ska ha;Giltiga;Går snart ut;Utgångna;Saknas;Andel som uppfyller kraven (%)",
            &format!(
                "CYTO;2026-03-02;{};Region Annanstans;;;;2;1;0;1;0;50,0",
                f.other_region
            ),
            &format!(
                "CYTO;2026-03-02;{};Testregionen;;;;4;1;1;1;1;50,0",
                f.region
            ),
        ]
    );

    let r = admin
        .get("/compliance.csv?licence=CYTO&by=region&as_of=2026-03-02&sep=,&lang=en")
        .await;
    let text = r.text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Licence,As of,Id,Region,Administration,Unit code,Unit,Required,Valid,Expiring,Expired,Missing,Share compliant (%)"
    );
    assert_eq!(
        lines[2],
        format!(
            "CYTO,2026-03-02,{},Testregionen,,,,4,1,1,1,1,50.0",
            f.region
        )
    );
    // By unit, the administration and the unit's code and name are columns
    // of their own.
    let r = admin
        .get(&format!(
            "/compliance.csv?licence=CYTO&by=unit&within={}&as_of=2026-03-02",
            f.administration
        ))
        .await;
    let text = r.text.trim_start_matches('\u{feff}');
    assert!(
        text.lines().any(
            |l| l.starts_with(&format!("CYTO;2026-03-02;{};Testregionen;", f.onk1))
                && l.contains(";ONK1;Enhet ONK1;")
        ),
        "{text}"
    );

    let r = admin
        .get(&format!(
            "/compliance.csv?licence=CYTO&by=unit&within={}&as_of=2026-03-02&list=people",
            f.administration
        ))
        .await;
    assert_status(&r, StatusCode::OK);
    assert!(r.bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = r.text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Person-id;Namn;HSA-id;Region;Förvaltning;Enhetskod;Enhet;Status;Giltigt till och med"
    );
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines.contains(
            &format!(
                "{};Sara Sjöström;SE9990000001-T0001;Testregionen;Testsjukhuset;ONK1;Enhet ONK1;Giltigt;2028-01-31",
                f.nurse
            )
            .as_str()
        )
    );
    assert!(
        lines.contains(
            &format!(
                "{};Anna Ärlig;SE9990000001-T0301;Testregionen;Testsjukhuset;ONK1;Enhet ONK1;Går snart ut;2026-04-20",
                pop.expiring
            )
            .as_str()
        )
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(";Berit Bäck;") && l.ends_with(";Utgånget;2024-07-01"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(";Cecilia Ceder;") && l.ends_with(";Saknas;"))
    );

    let token = app.token_for(Role::Admin).await;
    for query in [
        "licence=CYTO&by=region&as_of=2026-03-02".to_string(),
        "licence=CYTO&by=region&as_of=2024-06-01".to_string(),
        format!(
            "licence=CYTO&by=administration&within={}&as_of=2026-03-02",
            f.region
        ),
    ] {
        let page_json = admin.get(&format!("/compliance.json?{query}")).await;
        assert_status(&page_json, StatusCode::OK);
        assert_eq!(
            page_json.json(),
            compliance_api(&app, &token, &query).await,
            "{query}"
        );
    }
}

// ---- Licence types and requirements ----

fn prakt_form(code: &str, validity: &str) -> Vec<(&'static str, String)> {
    vec![
        ("code", code.to_string()),
        ("name_sv", "Praktiskt körkort".to_string()),
        ("name_en", "Practical licence".to_string()),
        ("validity_months", validity.to_string()),
        ("window_days", "60".to_string()),
        ("extend_from_expiry", "1".to_string()),
        ("warning_days", "60, 14".to_string()),
        ("requires_practical", "1".to_string()),
        ("practical_validity_months", "12".to_string()),
        ("active", "1".to_string()),
    ]
}

async fn post_owned(
    client: &mut Client<'_>,
    path: &str,
    fields: &[(&'static str, String)],
) -> TestResponse {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.post(path, &fields).await
}

#[tokio::test]
async fn an_administrator_adds_a_licence_type_with_a_practical_part_and_a_requirement() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut admin = app.login_as(Role::Admin).await;

    let r = post_owned(
        &mut admin,
        "/admin/licences/new",
        &prakt_form("PRAKT", "24"),
    )
    .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/admin/licences"));
    let list = admin.get("/admin/licences").await;
    assert_status(&list, StatusCode::OK);
    assert!(
        list.text.contains("PRAKT – Praktiskt körkort"),
        "{}",
        list.text
    );
    assert!(list.text.contains("<dd>60, 14</dd>"), "warnings kept");
    let prakt = type_id(&app, "PRAKT").await;

    // Codes are unique whatever their case.
    let types_before = app.count("SELECT count(*) FROM licence_type").await;
    let r = post_owned(
        &mut admin,
        "/admin/licences/new",
        &prakt_form("prakt", "24"),
    )
    .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("<a href=\"#f-code\">Kod</a>: en annan körkortstyp har denna kod"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("code: "), "{}", r.text);
    assert!(r.text.contains("value=\"Praktiskt körkort\""), "input kept");
    let r = post_owned(&mut admin, "/admin/licences/new", &prakt_form("NOLL", "0")).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("<a href=\"#f-validity_months\">Giltighet i månader</a>: "),
        "{}",
        r.text
    );
    assert!(!r.text.contains("validity_months: "), "{}", r.text);
    assert!(
        !r.text.contains("<a href=\"#f-code\">"),
        "only the bad field is named"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM licence_type").await,
        types_before
    );

    let token = app.token_for(Role::Admin).await;
    assert_eq!(
        standing(&status_on(&app, &token, NURSE_HSA, "PRAKT", "2026-03-02").await),
        st("missing", None, false),
        "nobody must hold it yet"
    );
    let scope = format!("unit:{}", f.onk1);
    let r = admin
        .post(
            &format!("/admin/licences/{prakt}/requirements"),
            &[("profession", "nurse"), ("scope", &scope)],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(
        standing(&status_on(&app, &token, NURSE_HSA, "PRAKT", "2026-03-02").await),
        st("missing", None, true)
    );
    assert_eq!(
        standing(&status_on(&app, &token, OTHER_NURSE_HSA, "PRAKT", "2026-03-02").await),
        st("missing", None, false),
        "the requirement is for ONK1 only"
    );

    // Theory alone is not the licence.
    let r = record(&mut admin, f.nurse, prakt, "theory", "2025-06-01", "save").await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(
        standing(&status_on(&app, &token, NURSE_HSA, "PRAKT", "2026-03-02").await),
        st("missing", None, true)
    );

    let before = licence_rows(&app).await;
    let r = record(
        &mut admin,
        f.nurse,
        prakt,
        "practical",
        "2025-09-01",
        "save",
    )
    .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("<a href=\"#f-signed_by\">Signerad av</a>: "),
        "{}",
        r.text
    );
    assert!(!r.text.contains("signed_by: "), "{}", r.text);
    assert_eq!(licence_rows(&app).await, before);

    let prakt_id = prakt.to_string();
    let r = admin
        .post(
            &format!("/people/{}/licences", f.nurse),
            &[
                ("licence", &prakt_id),
                ("part", "practical"),
                ("completed_on", "2025-09-01"),
                ("signed_by", "Handledare Hanna Holm"),
                ("action", "save"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    // Theory until 2027-06-01 (24 months), practical until 2026-09-01 (12).
    assert_eq!(
        standing(&status_on(&app, &token, NURSE_HSA, "PRAKT", "2026-03-02").await),
        st("valid", Some("2026-09-01"), true)
    );
    assert_eq!(
        standing(&status_on(&app, &token, NURSE_HSA, "PRAKT", "2026-09-02").await).0,
        "expired"
    );
    let page = admin.get(&format!("/people/{}/licences", f.nurse)).await;
    assert!(page.text.contains("Handledare Hanna Holm"));
    assert!(page.text.contains("<dd>2026-09-01</dd>"), "{}", page.text);

    // Ending the requirement: she holds the licence but no longer must.
    let requirement: i64 = app
        .query(move |c| {
            c.query_row(
                "SELECT id FROM licence_requirement WHERE licence_type_id = ?1",
                [prakt],
                |r| r.get(0),
            )
        })
        .await;
    let r = admin
        .post(
            &format!("/admin/requirements/{requirement}/deactivate"),
            &[],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(
        standing(&status_on(&app, &token, NURSE_HSA, "PRAKT", "2026-03-02").await),
        st("valid", Some("2026-09-01"), false)
    );
    assert_eq!(
        standing(&status_on(&app, &token, NURSE_HSA, "CYTO", "2026-03-02").await),
        st("missing", None, true),
        "other requirements stay"
    );
}

// ---- My licences ----

#[tokio::test]
async fn a_nurse_sees_her_own_licences_and_an_unlinked_account_is_told_so() {
    let app = TestApp::new().await;
    let mut staff = app.login_as(Role::Staff).await;
    let page = staff.get("/licences").await;
    assert_status(&page, StatusCode::OK);
    assert!(page.text.contains("Cytostatikakörkort"), "{}", page.text);
    assert!(page.text.contains("class=\"badge missing\">Saknas</span>"));

    let mut coordinator = app.login_as(Role::Coordinator).await;
    save_cyto(&mut coordinator, app.fixture.nurse, "2023-04-20").await;
    let page = staff.get("/licences").await;
    assert!(
        page.text
            .contains("class=\"badge expiring\">Går snart ut</span>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("<dd>2026-04-20</dd>"));
    assert!(!page.text.contains("/revoke\""), "no revoke button");
    let then = staff.get("/licences?as_of=2024-01-01").await;
    assert!(then.text.contains("class=\"badge valid\">Giltigt</span>"));

    let mut admin = app.login_as(Role::Admin).await;
    let page = admin.get("/licences").await;
    assert_status(&page, StatusCode::OK);
    assert!(
        page.text
            .contains("Kontot är inte kopplat till någon person i personalregistret."),
        "{}",
        page.text
    );
    assert!(!page.text.contains("Cytostatikakörkort"));
}

#[tokio::test]
async fn a_report_seen_before_a_new_completion_shows_it_at_once() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let valid_in_onk1 = |r: &crate::support::TestResponse| -> i64 {
        r.json()["rows"]
            .as_array()
            .and_then(|rows| {
                rows.iter()
                    .find(|row| row["name"].as_str().is_some_and(|n| n.contains("ONK1")))
            })
            .and_then(|row| row["valid"].as_i64())
            .unwrap_or(-1)
    };
    let before = admin.get("/compliance.json?licence=CYTO&by=unit").await;
    assert_eq!(valid_in_onk1(&before), 0, "{}", before.text);
    let nurse = app.fixture.nurse;
    let r = admin
        .post(
            &format!("/people/{nurse}/licences"),
            &[
                ("licence", "1"),
                ("part", "theory"),
                ("completed_on", "2026-02-01"),
                ("action", "save"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text);
    let after = admin.get("/compliance.json?licence=CYTO&by=unit").await;
    assert_eq!(valid_in_onk1(&after), 1, "{}", after.text);
}

#[tokio::test]
async fn a_completion_written_by_another_process_shows_in_the_next_report() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let valid =
        |r: &crate::support::TestResponse| r.json()["total"]["valid"].as_i64().unwrap_or(-1);
    let before = admin.get("/compliance.json?licence=CYTO&by=unit").await;
    assert_eq!(valid(&before), 0, "{}", before.text);
    // As the command-line import would: its own connection, no server write.
    let nurse = app.fixture.nurse;
    let other = rusqlite::Connection::open(&app.path).expect("open");
    other
        .execute(
            "INSERT INTO licence_completion (person_id, licence_type_id, part, completed_on, source, recorded_at)
             VALUES (?1, 1, 'theory', '2026-02-01', 'import', '2026-03-02T09:00:00Z')",
            [nurse],
        )
        .expect("insert");
    let after = admin.get("/compliance.json?licence=CYTO&by=unit").await;
    assert_eq!(valid(&after), 1, "{}", after.text);
}

#[tokio::test]
async fn a_unit_report_over_many_units_is_paged_and_its_total_counts_them_all() {
    let app = TestApp::new().await;
    let administration = app.fixture.administration;
    let now = oncotrack::clock::Clock::now(&app.clock);
    app.state
        .db
        .write(move |tx| -> Result<(), DbError> {
            for i in 0..120 {
                let unit = org_store::create_unit(
                    tx,
                    &org_store::UnitInput {
                        administration_id: administration,
                        code: format!("P{i:03}"),
                        name: format!("Avdelning {i:03}"),
                        gives_chemotherapy: true,
                        trainee_capacity: None,
                    },
                )?;
                // The first unit has twelve nurses without a licence.
                let staff = if i == 0 { 12 } else { 1 };
                for n in 0..staff {
                    org_store::create_person(
                        tx,
                        &NewPerson {
                            name: format!("Sköterska {i:03}-{n:02}"),
                            email: format!("skoterska{i:03}-{n:02}@test.example"),
                            hsa_id: None,
                            profession: Profession::Nurse,
                            unit_id: unit,
                            from: d("2020-01-01"),
                        },
                        now,
                    )?;
                }
            }
            Ok(())
        })
        .await
        .expect("units");
    let mut admin = app.login_as(Role::Admin).await;
    let rows = |text: &str| text.matches("Avdelning ").count();
    let first = admin
        .get("/compliance?licence=CYTO&as_of=2026-03-02&by=unit")
        .await;
    assert_status(&first, StatusCode::OK);
    let total = compliance_api(
        &app,
        &app.token_for(Role::Admin).await,
        "licence=CYTO&as_of=2026-03-02&by=unit",
    )
    .await;
    let all = total["rows"].as_array().map(Vec::len).unwrap_or(0);
    assert!(all > 120, "every unit in the JSON: {all}");
    // 100 rows, each named in the table, the chart and the attention list.
    let on_first = rows(&first.text);
    assert!(
        first.text.contains("Sida 1 av 2"),
        "a pager: {}",
        first.text
    );
    // Every unit of every region lists no people (each row links to its
    // unit's page), so the page stays small and the first report fast.
    assert!(!first.text.contains("Sköterska 000-09"), "{}", first.text);
    assert!(
        first.visible().contains("välj en förvaltning"),
        "{}",
        first.text
    );
    // An administration's units: ten people a unit and a link to the rest.
    let administration = app.fixture.administration;
    let within = admin
        .get(&format!(
            "/compliance?licence=CYTO&as_of=2026-03-02&by=unit&within={administration}"
        ))
        .await;
    assert!(within.text.contains("Sköterska 000-09"), "{}", within.text);
    assert!(!within.text.contains("Sköterska 000-10"));
    assert!(
        within.text.contains("Visa alla på enhetens sida (12)"),
        "{}",
        within.text
    );
    let second = admin
        .get("/compliance?licence=CYTO&as_of=2026-03-02&by=unit&page=2")
        .await;
    assert_status(&second, StatusCode::OK);
    assert!(second.text.contains("Sida 2 av 2"));
    assert!(rows(&second.text) > 0 && rows(&second.text) < on_first);
    // The total row is the same on both pages: it counts every unit.
    let required = total["total"]["required"].as_u64().expect("required");
    let total_cell = format!("<th class=\"num\">{required}</th>");
    assert!(first.text.contains(&total_cell), "{}", first.text);
    assert!(second.text.contains(&total_cell));
    // A page past the end shows no rows, not an error.
    let past = admin
        .get("/compliance?licence=CYTO&as_of=2026-03-02&by=unit&page=99")
        .await;
    assert_status(&past, StatusCode::OK);
    assert_eq!(rows(&past.text), 0);
}

/// Saves unit ONK1 through the unit form with its chemotherapy flag.
async fn flag_onk1(app: &TestApp, admin: &mut Client<'_>, gives: bool) {
    let (onk1, administration) = (app.fixture.onk1, app.fixture.administration.to_string());
    let mut form = vec![
        ("administration_id", administration.as_str()),
        ("code", "ONK1"),
        ("name", "Enhet ONK1"),
        ("trainee_capacity", "2"),
        ("active", "1"),
    ];
    if gives {
        form.push(("gives_chemotherapy", "1"));
    }
    let r = admin.post(&format!("/org/units/{onk1}/edit"), &form).await;
    assert_status(&r, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_report_as_of_a_past_day_counts_units_as_they_gave_chemotherapy_then() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Admin).await;
    let mut admin = app.login_as(Role::Admin).await;
    let onk1 = app.fixture.onk1;
    let required_in_onk1 = |report: &Value| -> u64 {
        rows(report)
            .iter()
            .find(|(id, _, _)| *id == onk1)
            .map_or(0, |(_, _, c)| c[0])
    };
    let unit_report = |day: &str| format!("licence=CYTO&by=unit&as_of={day}");
    assert_eq!(
        required_in_onk1(&compliance_api(&app, &token, &unit_report("2026-03-01")).await),
        1
    );

    // ONK1 stops giving chemotherapy on 2026-03-02 (today).
    flag_onk1(&app, &mut admin, false).await;
    for (day, required) in [("2026-03-01", 1), ("2026-03-02", 0), ("2027-01-01", 0)] {
        let report = compliance_api(&app, &token, &unit_report(day)).await;
        assert_eq!(required_in_onk1(&report), required, "{day}: {report}");
        let status = status_on(&app, &token, NURSE_HSA, "CYTO", day).await;
        assert_eq!(status["required"], required == 1, "{day}: {status}");
    }
    // The people behind the row, from the rules themselves.
    let page = admin
        .get(&format!(
            "/compliance?licence=CYTO&by=unit&unit={onk1}&as_of=2026-03-01"
        ))
        .await;
    assert!(page.text.contains("Sara Sjöström"), "{}", page.text);

    // A week later it starts again: the week in between stays without.
    app.advance(7 * 24 * 60);
    let mut admin = app.login_as(Role::Admin).await;
    flag_onk1(&app, &mut admin, true).await;
    for (day, required) in [
        ("2026-03-01", 1),
        ("2026-03-05", 0),
        ("2026-03-09", 1),
        ("2026-06-01", 1),
    ] {
        let report = compliance_api(&app, &token, &unit_report(day)).await;
        assert_eq!(required_in_onk1(&report), required, "{day}: {report}");
        let status = status_on(&app, &token, NURSE_HSA, "CYTO", day).await;
        assert_eq!(status["required"], required == 1, "{day}: {status}");
    }
    let changes: Vec<(String, bool)> = app
        .query(move |c| {
            c.prepare("SELECT from_day, gives FROM unit_chemotherapy_change WHERE unit_id = ?1 ORDER BY id")?
                .query_map([onk1], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .await;
    assert_eq!(
        changes,
        [
            ("2026-03-02".to_string(), false),
            ("2026-03-09".to_string(), true)
        ]
    );
    // The log reads as a change list, in words.
    let log = admin.get("/admin/audit?action=unit.update").await;
    let text = log.visible();
    assert!(text.contains("Enhet ändrad"), "{text}");
    assert!(text.contains("Ger cytostatika: Nej → Ja"), "{text}");
    assert!(
        !log.text.contains("&quot;gives_chemotherapy&quot;"),
        "{}",
        log.text
    );
    // Saving the unit again without a change records nothing new.
    flag_onk1(&app, &mut admin, true).await;
    let n: i64 = app
        .query(|c| {
            c.query_row("SELECT count(*) FROM unit_chemotherapy_change", [], |r| {
                r.get(0)
            })
        })
        .await;
    assert_eq!(n, 2);
}
