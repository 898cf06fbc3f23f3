//! The cost split preview (API and page) and the agreement pages, through the
//! real router.

use crate::support::{TestApp, TestResponse};
use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;
use serde_json::{Value, json};

const PREVIEW: &str = "/api/v1/rotations/split-preview";

async fn preview(app: &TestApp, role: Role, body: Value) -> TestResponse {
    let token = app.token_for(role).await;
    // No Accept-Language: the explanations come in Swedish, the default.
    app.api_in(None, Method::POST, PREVIEW, Some(&token), Some(body))
        .await
}

fn months(r: &TestResponse) -> Vec<Value> {
    r.json()["months"].as_array().cloned().unwrap_or_default()
}

fn month<'a>(lines: &'a [Value], m: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["month"] == m)
        .unwrap_or_else(|| panic!("no line for {m}"))
}

#[tokio::test]
async fn a_radiotherapy_placement_follows_the_older_regional_tiers() {
    let app = TestApp::new().await;
    let r = preview(
        &app,
        Role::StudyDirector,
        json!({
            "kind": "radiotherapy",
            "start": "2025-01-15",
            "end": "2025-10-14",
            "monthly_cost_ore": 3_000_000,
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["agreement"], "older-regional");
    let lines = months(&r);
    assert_eq!(lines.len(), 10);
    let april = month(&lines, "2025-04");
    assert_eq!(april["total_ore"], 3_000_000);
    assert_eq!(april["home_ore"], 2_200_000);
    assert_eq!(april["host_ore"], 800_000);
    assert_eq!(
        april["explanation"],
        "april 2025: 1–14 månad 3 (hemklinik 100 %), 15–30 månad 4 (50/50)"
    );
    // July: days 1–14 are month 6 (half), 15–31 month 7 (host):
    // 3 000 000 × (7 + 17) / 31 = 2 322 580.6 öre to the host.
    let july = month(&lines, "2025-07");
    assert_eq!(july["host_ore"], 2_322_581);
    assert_eq!(july["home_ore"], 677_419);
    // Nine placement months of 30 000 kr, whatever the calendar months.
    assert_eq!(body["total"]["total_ore"], 27_000_000);
    let host: i64 = lines
        .iter()
        .map(|l| l["host_ore"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(body["total"]["host_ore"], host);
    assert_eq!(body["warnings"], json!([]));
    for l in &lines {
        assert_eq!(
            l["home_ore"].as_i64().unwrap_or(-1) + l["host_ore"].as_i64().unwrap_or(-1),
            l["total_ore"].as_i64().unwrap_or(0),
            "{l}"
        );
    }
}

#[tokio::test]
async fn a_short_radiotherapy_placement_says_why_the_home_clinic_pays() {
    let app = TestApp::new().await;
    let body = json!({"kind": "radiotherapy", "start": "2026-04-01", "end": "2026-06-30", "monthly_cost_ore": 3_000_000});
    let r = preview(&app, Role::StudyDirector, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["agreement"], "home-pays");
    assert_eq!(
        r.json()["warnings"],
        json!([
            "Äldre regional överenskommelse gäller från 6 månader och placeringen är planerad till 3 månader, därför gäller Hemkliniken betalar."
        ])
    );
    let r = preview_in(&app, "en", body).await;
    assert_eq!(
        r.json()["warnings"][0],
        "Older regional agreement applies from 6 months and the placement is planned for 3 months, so The home clinic pays applies."
    );
}

#[tokio::test]
async fn a_short_general_placement_is_paid_by_the_home_clinic() {
    let app = TestApp::new().await;
    let r = preview(
        &app,
        Role::Manager,
        json!({
            "kind": "general",
            "start": "2026-02-01",
            "end": "2026-04-30",
            "monthly_cost_ore": 5_000_000,
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["agreement"], "home-pays");
    assert_eq!(body["total"]["host_ore"], 0);
    assert_eq!(body["total"]["total_ore"], 15_000_000);
    // February is a whole month: exactly the monthly cost.
    assert_eq!(month(&months(&r), "2026-02")["total_ore"], 5_000_000);
}

#[tokio::test]
async fn salary_rows_extent_and_home_periods_show_in_the_lines() {
    let app = TestApp::new().await;
    let r = preview(
        &app,
        Role::Admin,
        json!({
            "kind": "radiotherapy",
            "start": "2025-01-01",
            "end": "2025-12-31",
            "salary": [
                {"from": "2025-01-01", "monthly_cost_ore": 3_100_000},
                {"from": "2025-10-16", "monthly_cost_ore": 3_410_000},
            ],
            "extent_percent": 80,
            "home_periods": [{"from": "2025-07-29", "to": "2025-08-04", "reason": "semester"}],
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    let lines = months(&r);
    // July: 28 days at the host at 80 % of 100 000 öre, 3 at home.
    let july = month(&lines, "2025-07");
    assert_eq!(july["host_ore"], 28 * 80_000);
    assert_eq!(july["home_ore"], 3_100_000 - 28 * 80_000);
    let aug = month(&lines, "2025-08");
    let text = aug["explanation"].as_str().unwrap_or("");
    assert!(text.contains("hemkallad 1–4"), "{text}");
    assert!(text.contains("(semester, hemklinik 100 %)"), "{text}");
    assert!(text.ends_with("80 % omfattning"), "{text}");
    // October: 15 days at 100 000 and 16 at 110 000.
    assert_eq!(
        month(&lines, "2025-10")["total_ore"],
        15 * 100_000 + 16 * 110_000
    );
    // Months 10-12 lie after the last tier of the older agreement.
    let warnings = body["warnings"].as_array().cloned().unwrap_or_default();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].as_str().unwrap_or("").contains("efter månad 9"),
        "{warnings:?}"
    );
    let sum: i64 = lines
        .iter()
        .map(|l| l["total_ore"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(body["total"]["total_ore"], sum);
}

/// The texts of a preview (agreement name, explanations, warnings), in
/// lower case, to look for words of the other language (the field names
/// are English in every language).
fn texts(body: &Value) -> String {
    let mut all = vec![body["agreement_name"].as_str().unwrap_or("").to_string()];
    for m in body["months"].as_array().into_iter().flatten() {
        all.push(m["explanation"].as_str().unwrap_or("").to_string());
    }
    for w in body["warnings"].as_array().into_iter().flatten() {
        all.push(w.as_str().unwrap_or("").to_string());
    }
    all.join("\n").to_lowercase()
}

/// Asks for the split of `body` with `Accept-Language: lang`.
async fn preview_in(app: &TestApp, lang: &str, body: Value) -> TestResponse {
    let token = app.token_for(Role::StudyDirector).await;
    app.api_in(Some(lang), Method::POST, PREVIEW, Some(&token), Some(body))
        .await
}

#[tokio::test]
async fn explanations_and_warnings_come_in_the_requests_language() {
    let app = TestApp::new().await;
    let body = json!({
        "kind": "radiotherapy",
        "start": "2025-01-01",
        "end": "2025-12-31",
        "salary": [
            {"from": "2025-01-01", "monthly_cost_ore": 3_100_000},
            {"from": "2025-10-16", "monthly_cost_ore": 3_410_000},
        ],
        "extent_percent": 80,
        "home_periods": [
            {"from": "2025-07-29", "to": "2025-08-04", "reason": "semester"},
            {"from": "2025-09-01", "to": "2025-09-05"},
        ],
    });
    let r = preview_in(&app, "en", body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let en = r.json();
    assert_eq!(en["agreement_name"], "Older regional agreement");
    let lines = months(&r);
    let aug = month(&lines, "2025-08")["explanation"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(aug.starts_with("August 2025: called home 1–4 month 8 (semester, home clinic 100 %), 5–31 month 8 (host 100 %)"), "{aug}");
    assert!(aug.ends_with("; 80 % extent"), "{aug}");
    let sep = month(&lines, "2025-09")["explanation"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        sep.starts_with("September 2025: called home 1–5 month 9 (home clinic 100 %)"),
        "{sep}"
    );
    let oct = month(&lines, "2025-10")["explanation"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        oct.contains("monthly cost 31\u{a0}000 kr from 1, 34\u{a0}100 kr from 16"),
        "{oct}"
    );
    let warnings = en["warnings"].as_array().cloned().unwrap_or_default();
    assert_eq!(warnings.len(), 1);
    let warning = warnings[0].as_str().unwrap_or("");
    assert!(warning.contains("after month 9"), "{warning}");
    // Nothing Swedish in the English answer's texts.
    let text = texts(&en);
    for swedish in [
        "månad",
        "hemklinik",
        "värd",
        "omfattning",
        "hemkallad",
        "äldre",
    ] {
        assert!(!text.contains(swedish), "{swedish} in {text}");
    }

    // The same plan in Swedish, with nothing English in it.
    let r = preview_in(&app, "sv", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sv = r.json();
    assert_eq!(sv["agreement_name"], "Äldre regional överenskommelse");
    assert!(
        sv["warnings"][0]
            .as_str()
            .unwrap_or("")
            .contains("efter månad 9"),
        "{}",
        r.text
    );
    let text = texts(&sv);
    for english in [
        "month",
        "home clinic",
        "host",
        "extent",
        "called home",
        "older",
    ] {
        assert!(!text.contains(english), "{english} in {text}");
    }
    // The amounts are the same whatever the language.
    assert_eq!(sv["total"], en["total"]);
}

#[tokio::test]
async fn an_api_refusal_is_told_in_the_requests_language() {
    let app = TestApp::new().await;
    let body = json!({
        "kind": "general",
        "start": "2025-03-01",
        "end": "2025-02-01",
        "monthly_cost_ore": 3_000_000,
    });
    let r = preview_in(&app, "sv", body.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let sv = r.json();
    assert_eq!(sv["field"], "end");
    let detail = sv["detail"].as_str().unwrap_or("");
    assert!(detail.contains("Slutdatum är före startdatum."), "{detail}");
    assert!(!detail.contains("The end"), "{detail}");

    let r = preview_in(&app, "en", body.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let en = r.json();
    assert_eq!(en["field"], "end");
    let detail = en["detail"].as_str().unwrap_or("");
    assert!(detail.contains("The end is before the start."), "{detail}");
    assert!(!detail.contains("Slutdatum"), "{detail}");

    // The API's own checks too: a cost and salary rows at once.
    let mut both = body;
    both["end"] = json!("2025-05-31");
    both["salary"] = json!([{"from": "2025-03-01", "monthly_cost_ore": 1}]);
    let r = preview_in(&app, "en", both.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap_or("")
            .contains("not both"),
        "{}",
        r.text
    );
    let r = preview_in(&app, "sv", both).await;
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap_or("")
            .contains("inte båda"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn bad_input_is_a_422_naming_the_field() {
    let app = TestApp::new().await;
    let base = json!({
        "kind": "radiotherapy",
        "start": "2025-01-01",
        "end": "2025-09-30",
        "monthly_cost_ore": 3_000_000,
    });
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let cases = [
        (with("end", json!("2024-12-31")), "end"),
        (with("extent_percent", json!(0)), "extent_percent"),
        (with("extent_percent", json!(101)), "extent_percent"),
        (
            with(
                "home_periods",
                json!([{"from": "2025-09-01", "to": "2025-10-03"}]),
            ),
            "home_periods[0].to",
        ),
        (
            with(
                "home_periods",
                json!([
                    {"from": "2025-03-01", "to": "2025-03-10"},
                    {"from": "2025-03-10", "to": "2025-03-12"}
                ]),
            ),
            "home_periods[1].from",
        ),
        (with("agreement", json!("no-such")), "agreement"),
        (
            with("monthly_cost_ore", json!(100_000_000_001_i64)),
            "monthly_cost_ore",
        ),
        (with("monthly_cost_ore", json!(-1)), "monthly_cost_ore"),
        (with("start", json!("2025-13-01")), "start"),
        // chrono reads a signed year; at the end of its calendar there is no
        // next month, which once counted for ever.
        (with("start", json!("+262142-12-01")), "start"),
        (with("kind", json!("surgery")), "kind"),
        (
            with(
                "salary",
                json!([{"from": "2025-02-01", "monthly_cost_ore": 1}]),
            ),
            "salary",
        ),
    ];
    for (body, field) in cases {
        let r = preview(&app, Role::StudyDirector, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert_eq!(r.json()["field"], field, "{body}: {}", r.text);
    }
    // No cost at all.
    let mut b = base.clone();
    if let Some(o) = b.as_object_mut() {
        o.remove("monthly_cost_ore");
    }
    let r = preview(&app, Role::StudyDirector, b).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "monthly_cost_ore");
}

#[tokio::test]
async fn only_study_directors_administrators_and_managers_preview() {
    let app = TestApp::new().await;
    let body = json!({"kind": "general", "start": "2025-01-01", "end": "2025-03-31", "monthly_cost_ore": 1});
    for role in [Role::Staff, Role::Lecturer, Role::Coordinator] {
        let r = preview(&app, role, body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    let r = app.api(Method::POST, PREVIEW, None, Some(body)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_preview_page_shows_lines_chart_and_field_errors() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::StudyDirector).await;
    let r = b.get("/rotations/split-preview").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("name=\"monthly_cost\""));

    let r = b
        .get("/rotations/split-preview?kind=radiotherapy&start=2025-01-15&end=2025-10-14&monthly_cost=30+000&extent_percent=100")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text
            .contains("april 2025: 1–14 månad 3 (hemklinik 100 %), 15–30 månad 4 (50/50)"),
        "{}",
        r.text
    );
    assert!(r.text.contains("<svg"), "a chart per month");
    assert!(r.text.contains("Äldre regional överenskommelse"));
    // 270 000 kr in total, grouped by thousands.
    assert!(r.text.contains("270\u{a0}000 kr"), "{}", r.text);

    // Bad input re-renders the form with the message and what was typed.
    let r = b
        .get("/rotations/split-preview?kind=radiotherapy&start=2025-01-15&end=2024-10-14&monthly_cost=30000&home_from=&home_to=&home_from=2025-02-01&home_to=2025-02-03")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("Slutdatum är före startdatum."),
        "{}",
        r.text
    );
    assert!(r.text.contains("value=\"2024-10-14\""));
    assert!(!r.text.contains("<svg"));

    // A home period in the second row is named by its row, blank first row or not.
    let r = b
        .get("/rotations/split-preview?kind=radiotherapy&start=2025-01-15&end=2025-10-14&monthly_cost=30000&home_from=&home_to=&home_from=2025-10-01&home_to=2025-10-20")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Named by its label, never by the engine's field name.
    assert!(
        r.text
            .contains("Hemperiod 2, till och med: Hemperioden slutar efter placeringen."),
        "{}",
        r.text
    );
    assert!(!r.text.contains("home_periods[1].to:"), "{}", r.text);

    let mut staff = app.login_as(Role::Staff).await;
    let r = staff.get("/rotations/split-preview").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// The fields of a new agreement, two-thirds to the host up to a cap.
fn two_thirds<'a>(
    code: &'a str,
    valid_from: &'a str,
    permille: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("code", code),
        ("name_sv", "Två tredjedelar med tak"),
        ("name_en", "Two thirds with a cap"),
        ("valid_from", valid_from),
        ("valid_to", ""),
        ("kind_general", "1"),
        ("min_months", "2"),
        ("max_months", ""),
        ("cap", "30 000"),
        ("note", "Beslut i samordningsrådet"),
        ("tier_from", "1"),
        ("tier_to", ""),
        ("tier_permille", permille),
        ("tier_from", ""),
        ("tier_to", ""),
        ("tier_permille", ""),
    ]
}

#[tokio::test]
async fn a_study_director_adds_an_agreement_and_a_new_version() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::StudyDirector).await;
    let r = b
        .post(
            "/rotations/agreements/new",
            &two_thirds("two-thirds", "2025-01-01", "667"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let list = b.get("/rotations/agreements").await;
    assert!(list.text.contains("Två tredjedelar med tak"));
    assert!(list.text.contains("Äldre regional överenskommelse"));

    // A general 3-month placement now falls under it: 2/3 of 60 000 kr is
    // 40 020 kr, capped at 30 000 kr a month.
    let body = json!({"kind": "general", "start": "2025-03-01", "end": "2025-05-31", "monthly_cost_ore": 6_000_000});
    let r = preview(&app, Role::StudyDirector, body.clone()).await;
    assert_eq!(r.json()["agreement"], "two-thirds");
    assert_eq!(month(&months(&r), "2025-03")["host_ore"], 3_000_000);

    // A new version from 2026 gives the host half; the first version stays.
    let r = b
        .post(
            "/rotations/agreements/3/version",
            &two_thirds("ignored", "2026-01-01", "500"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = preview(&app, Role::StudyDirector, body).await;
    assert_eq!(month(&months(&r), "2025-03")["host_ore"], 3_000_000);
    let later = json!({"kind": "general", "start": "2026-03-01", "end": "2026-05-31", "monthly_cost_ore": 4_000_000});
    let r = preview(&app, Role::StudyDirector, later).await;
    assert_eq!(r.json()["agreement"], "two-thirds");
    assert_eq!(month(&months(&r), "2026-03")["host_ore"], 2_000_000);

    let (versions, audits): (Vec<(i64, String)>, i64) = app
        .query(|c| {
            let v = c
                .prepare("SELECT version, valid_from FROM agreement WHERE code = 'two-thirds' ORDER BY version")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let a = c.query_row(
                "SELECT count(*) FROM audit_log WHERE entity = 'agreement' AND action IN ('agreement.create', 'agreement.version')",
                [],
                |r| r.get(0),
            )?;
            Ok((v, a))
        })
        .await;
    assert_eq!(
        versions,
        vec![(1, "2025-01-01".to_string()), (2, "2026-01-01".to_string())]
    );
    assert_eq!(audits, 2);

    let token = app.token_for(Role::Manager).await;
    let r = app
        .api(
            Method::GET,
            "/api/v1/rotations/agreements",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["agreements"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn the_agreement_form_checks_tiers_dates_and_codes() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::Admin).await;
    let mut gap = two_thirds("gappy", "2025-01-01", "0");
    gap.extend([("tier_from", "1"), ("tier_to", "3"), ("tier_permille", "0")]);
    // Rows: 1– (open), blank, 1–3: the open tier is not last.
    let r = b.post("/rotations/agreements/new", &gap).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("Bara sista nivån får sakna slutmånad."),
        "{}",
        r.text
    );

    let r = b
        .post(
            "/rotations/agreements/new",
            &two_thirds("too-much", "2025-01-01", "1001"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The tier row is named by its label, never by its field name.
    assert!(
        r.text
            .contains("Nivå 1: Värdens andel ska vara 0–1000 promille."),
        "{}",
        r.text
    );
    assert!(!r.text.contains("tiers[0]:"), "{}", r.text);

    let mut dates = two_thirds("dates", "2025-01-01", "500");
    dates[4] = ("valid_to", "2024-12-31");
    let r = b.post("/rotations/agreements/new", &dates).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Slutdatum ska vara efter startdatum."));

    let r = b
        .post(
            "/rotations/agreements/new",
            &two_thirds("older-regional", "2025-01-01", "500"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("lägg till en ny version"));
    // What was typed is kept.
    assert!(r.text.contains("value=\"Två tredjedelar med tak\""));

    let n: i64 = app
        .query(|c| c.query_row("SELECT count(*) FROM agreement", [], |r| r.get(0)))
        .await;
    assert_eq!(n, 2, "nothing written");

    let mut m = app.login_as(Role::Manager).await;
    assert_eq!(m.get("/rotations/agreements").await.status, StatusCode::OK);
    let r = m
        .post(
            "/rotations/agreements/new",
            &two_thirds("mgr", "2025-01-01", "500"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[test]
fn a_version_1_database_gets_the_seeded_agreements_on_upgrade() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("v1.db");
    std::fs::copy("tests/data/schema-v1.db", &copy).expect("copy");
    drop(oncotrack::db::Db::open(&copy, oncotrack::db::DbOptions::default()).expect("upgrade"));
    let conn = rusqlite::Connection::open(&copy).expect("open");
    let agreements = oncotrack::rotations::agreements::load_agreements(&conn).expect("load");
    let codes: Vec<&str> = agreements.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, vec!["home-pays", "older-regional"]);
    let older = &agreements[1];
    assert_eq!(
        older
            .tiers
            .iter()
            .map(|t| (t.from_month, t.to_month, t.host_permille))
            .collect::<Vec<_>>(),
        vec![(1, Some(3), 0), (4, Some(6), 500), (7, Some(9), 1000)]
    );
    assert!(agreements[0].is_fallback);
}
