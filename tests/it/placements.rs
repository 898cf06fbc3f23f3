//! Trainees, placements, the reported split ledger and the rotation reports,
//! through the real router. The clock stands at 2026-03-02.

use crate::support::{Client, TestApp};
use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;
use oncotrack::check::date as parse_date;
use oncotrack::organisation::model::Profession;
use oncotrack::organisation::store::NewPerson;

/// Monthly cost of every trainee here: 60 000 kr.
const SALARY_ORE: i64 = 6_000_000;

/// Adds an ST doctor in `unit` to the staff register and returns the person id.
async fn st_doctor(app: &TestApp, name: &str, unit: i64) -> i64 {
    app.add_person(NewPerson {
        name: name.to_string(),
        email: format!("{}@test.example", name.to_lowercase().replace(' ', ".")),
        hsa_id: None,
        profession: Profession::StDoctor,
        unit_id: unit,
        from: parse_date("2024-01-01").expect("date"),
    })
    .await
}

fn id_from(location: Option<&str>, prefix: &str) -> i64 {
    location
        .and_then(|l| l.strip_prefix(prefix))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("expected a redirect to {prefix}{{id}}, got {location:?}"))
}

/// Registers a trainee with a salary of 60 000 kr from the ST start.
async fn trainee(app: &TestApp, c: &mut Client<'_>, name: &str, unit: i64) -> i64 {
    let person = st_doctor(app, name, unit).await.to_string();
    let r = c
        .post(
            "/trainees/new",
            &[
                ("person_id", &person),
                ("specialty", "Onkologi"),
                ("rulebook", "hslf_fs_2021_8"),
                ("st_start", "2024-01-01"),
                ("planned_end", "2029-01-01"),
                ("study_director", "Stina Studierektor"),
                ("supervisor", "Hans Handledare"),
                ("monthly_cost", "60 000"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    id_from(r.location(), "/trainees/")
}

/// Posts a placement form; the response tells whether it was stored.
async fn post_placement(
    c: &mut Client<'_>,
    trainee: i64,
    host: i64,
    kind: &str,
    start: &str,
    end: &str,
) -> crate::support::TestResponse {
    let (t, h) = (trainee.to_string(), host.to_string());
    c.post(
        "/placements/new",
        &[
            ("trainee_id", &t),
            ("host_unit_id", &h),
            ("kind", kind),
            ("start", start),
            ("end", end),
            ("extent", "100"),
            ("host_supervisor", "Vera Värd"),
        ],
    )
    .await
}

async fn placement(
    c: &mut Client<'_>,
    trainee: i64,
    host: i64,
    kind: &str,
    start: &str,
    end: &str,
) -> i64 {
    let r = post_placement(c, trainee, host, kind, start, end).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    id_from(r.location(), "/placements/")
}

async fn approve(c: &mut Client<'_>, id: i64) {
    let r = c.post(&format!("/placements/{id}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}

/// `(kind, recorded_on, month, home, host, cause)` of a placement's ledger.
async fn ledger(app: &TestApp, id: i64) -> Vec<(String, String, String, i64, i64, String)> {
    app.query(move |c| {
        c.prepare(
            "SELECT kind, recorded_on, month, home_ore, host_ore, cause FROM placement_split_line
             WHERE placement_id = ?1 ORDER BY id",
        )?
        .query_map([id], |r| {
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
    .await
}

async fn agreement_of(app: &TestApp, id: i64) -> Option<String> {
    app.query(move |c| {
        c.query_row(
            "SELECT agreement_code FROM placement WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
    })
    .await
}

#[tokio::test]
async fn a_placement_longer_than_ten_years_is_refused_when_it_is_planned() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let t = trainee(&app, &mut c, "Lars Långplan", app.fixture.onk1).await;
    let r = post_placement(
        &mut c,
        t,
        app.fixture.kir1,
        "general",
        "2026-04-01",
        "2037-03-31",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("Placeringen är längre än tio år."),
        "{}",
        r.text
    );
    assert_eq!(
        app.count("SELECT count(*) FROM placement").await,
        0,
        "nothing is planned"
    );
}

#[tokio::test]
async fn an_overlapping_placement_is_refused_naming_the_other() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let t = trainee(&app, &mut c, "Olle Överlapp", app.fixture.onk1).await;
    let first = placement(
        &mut c,
        t,
        app.fixture.kir1,
        "general",
        "2026-04-01",
        "2026-06-30",
    )
    .await;
    let r = post_placement(
        &mut c,
        t,
        app.fixture.onk2,
        "general",
        "2026-06-15",
        "2026-09-14",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains(&format!(
            "Överlappar ST-läkarens placering #{first} (2026-04-01 – 2026-06-30)"
        )),
        "{}",
        r.text
    );
    // The form keeps what was typed.
    assert!(r.text.contains("value=\"2026-06-15\""));
    // Back to back is fine, and a cancelled placement no longer blocks.
    placement(
        &mut c,
        t,
        app.fixture.onk2,
        "general",
        "2026-07-01",
        "2026-09-30",
    )
    .await;
    let r = c.post(&format!("/placements/{first}/cancel"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    placement(
        &mut c,
        t,
        app.fixture.kir1,
        "general",
        "2026-04-01",
        "2026-06-30",
    )
    .await;
}

#[tokio::test]
async fn a_host_over_capacity_is_refused_naming_the_first_full_day() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let kir1 = app.fixture.kir1; // capacity 2
    let a = trainee(&app, &mut c, "Anna Först", app.fixture.onk1).await;
    let b = trainee(&app, &mut c, "Bo Andra", app.fixture.onk1).await;
    let d = trainee(&app, &mut c, "Disa Tredje", app.fixture.onk2).await;
    placement(&mut c, a, kir1, "general", "2026-04-01", "2026-06-30").await;
    placement(&mut c, b, kir1, "general", "2026-05-15", "2026-08-14").await;
    let r = post_placement(&mut c, d, kir1, "general", "2026-05-01", "2026-07-31").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("Värdenheten är full från 2026-05-15 (kapacitet 2)"),
        "{}",
        r.text
    );
    // Starting the day after the first one ends fits.
    placement(&mut c, d, kir1, "general", "2026-07-01", "2026-09-30").await;
    let count: i64 = app
        .query(|c| c.query_row("SELECT count(*) FROM placement", [], |r| r.get(0)))
        .await;
    assert_eq!(count, 3);
}

#[tokio::test]
async fn bad_plans_are_refused_field_by_field_and_nothing_is_written() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let t = trainee(&app, &mut c, "Fia Fel", app.fixture.onk1).await;
    let (ts, h) = (t.to_string(), app.fixture.kir1.to_string());
    let r = c
        .post(
            "/placements/new",
            &[
                ("trainee_id", ts.as_str()),
                ("host_unit_id", h.as_str()),
                ("kind", "general"),
                ("start", "2026-05-01"),
                ("end", "2026-04-01"),
                ("extent", "120"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Slutdatum är före startdatum."));
    assert!(r.text.contains("Omfattningen ska vara ett heltal 1–100."));
    let p = placement(
        &mut c,
        t,
        app.fixture.kir1,
        "general",
        "2026-04-01",
        "2026-06-30",
    )
    .await;
    let r = c
        .post(
            &format!("/placements/{p}/home-periods"),
            &[
                ("home_start", "2026-06-20"),
                ("home_end", "2026-07-05"),
                ("reason", "leave"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("Hemperioden måste ligga inom placeringen (2026-04-01 – 2026-06-30)"),
        "{}",
        r.text
    );
    let writes: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT (SELECT count(*) FROM placement) + (SELECT count(*) FROM placement_home_period)",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(writes, 1);
}

#[tokio::test]
async fn a_signed_year_or_an_unknown_element_is_no_server_error() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let t = trainee(&app, &mut c, "Sam Tecken", app.fixture.onk1).await;
    let (ts, h) = (t.to_string(), app.fixture.kir1.to_string());
    let form = |start: &'static str, element: &'static str| {
        vec![
            ("trainee_id", ts.clone()),
            ("host_unit_id", h.clone()),
            ("kind", "general".to_string()),
            ("start", start.to_string()),
            ("end", "2026-06-30".to_string()),
            ("extent", "100".to_string()),
            ("elements", element.to_string()),
        ]
    };
    // chrono reads "-009-04-01" as year -9; the form does not.
    let bad = form("-009-04-01", "");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.post("/placements/new", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // An element id no element has (a stale form) is left out.
    let stale = form("2026-04-01", "999999");
    let stale: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.post("/placements/new", &stale).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(app.count("SELECT count(*) FROM placement").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM placement_element").await, 0);
}

#[tokio::test]
async fn approval_chooses_the_agreement_from_the_plan() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let rt = trainee(&app, &mut c, "Rut Strålning", app.fixture.onk1).await;
    let gt = trainee(&app, &mut c, "Gun Allmän", app.fixture.onk1).await;
    let radio = placement(
        &mut c,
        rt,
        app.fixture.kir1,
        "radiotherapy",
        "2026-04-01",
        "2026-11-30",
    )
    .await;
    let general = placement(
        &mut c,
        gt,
        app.fixture.kir1,
        "general",
        "2026-04-01",
        "2026-06-30",
    )
    .await;
    approve(&mut c, radio).await;
    approve(&mut c, general).await;
    assert_eq!(
        agreement_of(&app, radio).await.as_deref(),
        Some("older-regional")
    );
    assert_eq!(
        agreement_of(&app, general).await.as_deref(),
        Some("home-pays")
    );

    // Older regional: months 1-3 home, 4-6 half each, 7-9 host.
    let lines = ledger(&app, radio).await;
    assert_eq!(lines.len(), 8);
    let host: Vec<i64> = lines.iter().map(|l| l.4).collect();
    assert_eq!(
        host,
        [
            0, 0, 0, 3_000_000, 3_000_000, 3_000_000, 6_000_000, 6_000_000
        ]
    );
    assert!(
        lines
            .iter()
            .all(|l| l.0 == "approval" && l.1 == "2026-03-02" && l.3 + l.4 == SALARY_ORE)
    );
    // Home pays: the host pays nothing.
    assert!(
        ledger(&app, general)
            .await
            .iter()
            .all(|l| l.4 == 0 && l.3 == SALARY_ORE)
    );

    let page = c.get(&format!("/placements/{radio}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Godkänd"));
    // A second approval is refused with a message.
    let r = c.post(&format!("/placements/{radio}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Bara planerade placeringar kan godkännas."));
    // Approval and its lines are in the audit log.
    let audited: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'placement.approve'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn an_approved_placement_keeps_the_agreement_version_it_was_priced_with() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let t = trainee(&app, &mut c, "Vera Versionsson", app.fixture.onk1).await;
    let p = placement(
        &mut c,
        t,
        app.fixture.kir1,
        "radiotherapy",
        "2026-04-01",
        "2026-09-30",
    )
    .await;
    approve(&mut c, p).await;
    let reported = ledger(&app, p).await;
    let host: Vec<i64> = reported.iter().map(|l| l.4).collect();
    assert_eq!(host, [0, 0, 0, 3_000_000, 3_000_000, 3_000_000]);

    // A new version of the older regional agreement, valid from before the
    // placement started, gives the host everything from month 1.
    let r = c
        .post(
            "/rotations/agreements/1/version",
            &[
                ("code", "older-regional"),
                ("name_sv", "Äldre regional överenskommelse"),
                ("name_en", "Older regional agreement"),
                ("valid_from", "2026-01-01"),
                ("valid_to", ""),
                ("kind_radiotherapy", "1"),
                ("min_months", "6"),
                ("max_months", ""),
                ("cap", ""),
                ("note", "Ny fördelning"),
                ("tier_from", "1"),
                ("tier_to", ""),
                ("tier_permille", "1000"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // Extending the placement adds the new month under version 1 (month 7
    // is the host's there too) and leaves the reported months alone.
    let (ts, h) = (t.to_string(), app.fixture.kir1.to_string());
    let r = c
        .post(
            &format!("/placements/{p}/edit"),
            &[
                ("trainee_id", ts.as_str()),
                ("host_unit_id", h.as_str()),
                ("kind", "radiotherapy"),
                ("start", "2026-04-01"),
                ("end", "2026-10-31"),
                ("extent", "100"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let after = ledger(&app, p).await;
    assert_eq!(&after[..6], &reported[..]);
    let added: Vec<(&str, i64, i64)> = after[6..]
        .iter()
        .map(|l| (l.2.as_str(), l.3, l.4))
        .collect();
    assert_eq!(added, [("2026-10", 0, SALARY_ORE)], "only the new month");
    let version: Option<i64> = app
        .query(move |c| {
            c.query_row(
                "SELECT agreement_version FROM placement WHERE id = ?1",
                [p],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(version, Some(1));
    let page = c.get(&format!("/placements/{p}")).await;
    assert!(
        page.visible()
            .contains("Äldre regional överenskommelse (version 1)"),
        "{}",
        page.text
    );

    // A placement approved now is priced with the new version.
    let u = trainee(&app, &mut c, "Nils Nyversion", app.fixture.onk1).await;
    let q = placement(
        &mut c,
        u,
        app.fixture.kir1,
        "radiotherapy",
        "2026-05-01",
        "2026-10-31",
    )
    .await;
    approve(&mut c, q).await;
    assert!(
        ledger(&app, q)
            .await
            .iter()
            .all(|l| l.3 == 0 && l.4 == SALARY_ORE)
    );
}

#[tokio::test]
async fn changes_after_approval_become_dated_adjustments_and_reported_lines_stay() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let t = trainee(&app, &mut c, "Erik Förlängd", app.fixture.onk1).await;
    let p = placement(
        &mut c,
        t,
        app.fixture.kir1,
        "radiotherapy",
        "2026-04-01",
        "2026-09-30",
    )
    .await;
    approve(&mut c, p).await;
    let reported = ledger(&app, p).await;
    assert_eq!(reported.len(), 6);

    // Two weeks later the placement is extended by two months.
    app.advance(14 * 24 * 60);
    let mut c = app.login_as(Role::StudyDirector).await;
    let (ts, h) = (t.to_string(), app.fixture.kir1.to_string());
    let r = c
        .post(
            &format!("/placements/{p}/edit"),
            &[
                ("trainee_id", ts.as_str()),
                ("host_unit_id", h.as_str()),
                ("kind", "radiotherapy"),
                ("start", "2026-04-01"),
                ("end", "2026-11-30"),
                ("extent", "100"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let after = ledger(&app, p).await;
    assert_eq!(&after[..6], &reported[..], "reported lines never change");
    assert_eq!(
        after[6..]
            .iter()
            .map(|l| (
                l.0.as_str(),
                l.1.as_str(),
                l.2.as_str(),
                l.3,
                l.4,
                l.5.as_str()
            ))
            .collect::<Vec<_>>(),
        [
            (
                "adjustment",
                "2026-03-16",
                "2026-10",
                0,
                SALARY_ORE,
                "change"
            ),
            (
                "adjustment",
                "2026-03-16",
                "2026-11",
                0,
                SALARY_ORE,
                "change"
            ),
        ]
    );
    // The agreement stays the one chosen at approval.
    assert_eq!(
        agreement_of(&app, p).await.as_deref(),
        Some("older-regional")
    );

    // A salary revision from 1 October adjusts October and November only.
    let r = c
        .post(
            &format!("/trainees/{t}/salary"),
            &[("monthly_cost", "63 000"), ("effective_from", "2026-10-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let after = ledger(&app, p).await;
    assert_eq!(after.len(), 10);
    assert!(
        after[8..]
            .iter()
            .all(|l| l.5 == "salary" && l.3 == 0 && l.4 == 300_000)
    );

    // Every month's lines sum to the split the page shows now, and the
    // page shows both the reported lines and the adjustments.
    let page = c.get(&format!("/placements/{p}")).await;
    assert!(page.text.contains("Rapporterat vid godkännande"));
    assert!(page.text.contains("Justering"));
    let total: i64 = after.iter().map(|l| l.3 + l.4).sum();
    assert_eq!(total, 6 * SALARY_ORE + 2 * 6_300_000);
}

#[tokio::test]
async fn the_cost_report_adds_up_to_the_ore_and_exports_csv() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let a = trainee(&app, &mut c, "Karin Kostnad", app.fixture.onk1).await;
    let b = trainee(&app, &mut c, "Lars Lön", app.fixture.onk2).await;
    let p1 = placement(
        &mut c,
        a,
        app.fixture.kir1,
        "radiotherapy",
        "2026-04-17",
        "2026-12-20",
    )
    .await;
    let p2 = placement(
        &mut c,
        b,
        app.fixture.kir1,
        "general",
        "2026-02-10",
        "2026-05-09",
    )
    .await;
    approve(&mut c, p1).await;
    let r = c
        .post(
            &format!("/placements/{p1}/home-periods"),
            &[
                ("home_start", "2026-08-03"),
                ("home_end", "2026-08-21"),
                ("reason", "called_home"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // The home days (in placement month 4, where the host pays half) move
    // the host's August share to the home clinic, as a dated adjustment.
    let lines = ledger(&app, p1).await;
    let adjusted: Vec<_> = lines.iter().filter(|l| l.0 == "adjustment").collect();
    assert_eq!(adjusted.len(), 1);
    assert_eq!(
        (adjusted[0].2.as_str(), adjusted[0].5.as_str()),
        ("2026-08", "home_period")
    );
    assert!(adjusted[0].4 < 0 && adjusted[0].3 == -adjusted[0].4);
    // The planned placement has no reported lines.
    assert!(ledger(&app, p2).await.is_empty());

    let r = c.get("/rotations/reports/costs.json?year=2026").await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    let payers = j["payers"].as_array().expect("payers");
    let placements = j["placements"].as_array().expect("placements");
    assert_eq!(placements.len(), 2);
    let payer_sum: i64 = payers
        .iter()
        .map(|p| p["total_ore"].as_i64().expect("total"))
        .sum();
    let placement_sum: i64 = placements
        .iter()
        .map(|p| p["total"]["total_ore"].as_i64().expect("total"))
        .sum();
    assert_eq!(payer_sum, placement_sum);
    assert_eq!(j["total_ore"].as_i64(), Some(payer_sum));
    for p in placements {
        for m in p["months"].as_array().expect("months") {
            assert_eq!(
                m["home_ore"].as_i64().expect("home") + m["host_ore"].as_i64().expect("host"),
                m["total_ore"].as_i64().expect("total")
            );
            assert!(!m["explanation_sv"].as_str().unwrap_or("").is_empty());
        }
    }
    // Whole months cost exactly the salary: May is whole for p1's trainee.
    let may = placements
        .iter()
        .find(|p| p["placement"]["id"].as_i64() == Some(p1))
        .and_then(|p| p["months"].as_array())
        .and_then(|m| m.iter().find(|m| m["month"] == "2026-05"))
        .expect("May");
    assert_eq!(may["total_ore"].as_i64(), Some(SALARY_ORE));
    // The host paid nothing on the home days: August has less host share
    // than September (both in tier 4-6 at 50 %).
    let host_of = |month: &str| {
        placements
            .iter()
            .find(|p| p["placement"]["id"].as_i64() == Some(p1))
            .and_then(|p| p["months"].as_array())
            .and_then(|m| m.iter().find(|m| m["month"] == month))
            .and_then(|m| m["host_ore"].as_i64())
            .expect("month")
    };
    assert!(host_of("2026-08") < host_of("2026-09"));

    // CSV: BOM, semicolons, one row per payer and month.
    let r = c.get("/rotations/reports/costs.csv?year=2026").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("text/csv")
    );
    let text = String::from_utf8(r.bytes.clone()).expect("utf8");
    let body = text.strip_prefix('\u{feff}').expect("BOM first");
    let mut lines = body.lines();
    assert_eq!(
        lines.next(),
        Some("Betalare, kod;Betalare;Månad;Som hemklinik (kr);Som värd (kr);Totalt (kr)")
    );
    // Kronor with two decimals and a decimal comma, as Swedish Excel reads
    // numbers; back to öre they add up exactly.
    let ore = |cell: &str| -> i64 {
        let (kr, ore) = cell.split_once(',').expect("a decimal comma");
        assert_eq!(ore.len(), 2, "{cell}");
        kr.parse::<i64>().expect("kronor") * 100 + ore.parse::<i64>().expect("öre")
    };
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(';').collect()).collect();
    assert_eq!(rows.len(), 12 * payers.len());
    let csv_sum: i64 = rows.iter().map(|r| ore(r[5])).sum();
    assert_eq!(csv_sum, payer_sum);
    assert!(rows.iter().all(|r| ore(r[3]) + ore(r[4]) == ore(r[5])));
    // Commas and English on request; month lines with explanations, the
    // agreement by name, codes and names in columns of their own.
    let r = c
        .get("/rotations/reports/costs.csv?year=2026&sep=,&list=lines&lang=en")
        .await;
    let text = String::from_utf8(r.bytes.clone()).expect("utf8");
    assert!(
        text.starts_with("\u{feff}Placement id,Trainee,Home clinic code,Home clinic,Host unit code,Host unit,Kind,Status,Agreement,Month,Total (kr),Home clinic (kr),Host (kr),Explanation\n"),
        "{text}"
    );
    assert!(text.contains(",Older regional agreement,"), "{text}");
    assert!(text.contains(",60000.00,"), "{text}");

    // The page shows the payers and drills down to month lines.
    let kir1 = app.fixture.kir1;
    let r = c
        .get(&format!("/rotations/reports/costs?year=2026&payer={kir1}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("KIR1"));
    assert!(r.text.contains("Månadsrader"));
    // The year's total is the first figure of a row, before the months.
    let page = c.get("/rotations/reports/costs?year=2026").await;
    let total = page.text.find("<th>Året</th>").expect("year total");
    let january = page.text.find("<th>jan</th>").expect("months by name");
    assert!(total < january, "{}", page.text);
    // Payer first: the placements are listed for one payer at a time.
    assert!(page.visible().contains("Välj en betalare"), "{}", page.text);
    assert!(!page.text.contains("href=\"/placements/"), "{}", page.text);
    assert!(r.text.contains("href=\"/placements/"), "{}", r.text);
}

#[tokio::test]
async fn managers_see_their_units_and_cannot_plan() {
    let app = TestApp::new().await;
    let mut sd = app.login_as(Role::StudyDirector).await;
    let mine = trainee(&app, &mut sd, "Maja Min", app.fixture.onk1).await;
    let other = trainee(&app, &mut sd, "Nils Annan", app.fixture.onk2).await;
    let p_mine = placement(
        &mut sd,
        mine,
        app.fixture.kir1,
        "general",
        "2026-04-01",
        "2026-06-30",
    )
    .await;
    let p_other = placement(
        &mut sd,
        other,
        app.fixture.onk2,
        "general",
        "2026-04-01",
        "2026-06-30",
    )
    .await;
    let mut m = app.login_as(Role::Manager).await; // manager of ONK1
    assert_eq!(
        m.get(&format!("/placements/{p_mine}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        m.get(&format!("/placements/{p_other}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        m.get(&format!("/trainees/{other}")).await.status,
        StatusCode::NOT_FOUND
    );
    let list = m.get("/trainees").await;
    assert!(list.text.contains("Maja Min") && !list.text.contains("Nils Annan"));
    let r = m.post(&format!("/placements/{p_mine}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let j = m
        .get("/rotations/reports/costs.json?year=2026")
        .await
        .json();
    let codes: Vec<&str> = j["payers"]
        .as_array()
        .expect("payers")
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert_eq!(codes, ["ONK1"]);
}

#[tokio::test]
async fn timeline_capacity_and_missing_elements_pages_show_the_plan() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let r = c
        .post(
            "/training-elements",
            &[
                ("specialty", "Onkologi"),
                ("name", "Strålbehandling"),
                ("goals_largely", "STc2, STc3"),
                ("suggested_months", "6"),
                ("at_host", "1"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = c
        .post(
            "/training-elements",
            &[
                ("specialty", "Onkologi"),
                ("name", "Fel"),
                ("goals_largely", "X9"),
                ("suggested_months", "6"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("X9"));
    let t = trainee(&app, &mut c, "Ylva Ytterst", app.fixture.onk1).await;
    let missing = c.get("/rotations/reports/missing-elements").await;
    assert!(missing.text.contains("Ylva Ytterst") && missing.text.contains("STc2, STc3"));
    placement(
        &mut c,
        t,
        app.fixture.kir1,
        "radiotherapy",
        "2026-04-01",
        "2026-09-30",
    )
    .await;
    let missing = c.get("/rotations/reports/missing-elements").await;
    assert!(
        missing.text.contains("Ylva Ytterst"),
        "no element chosen yet"
    );

    let kir1 = app.fixture.kir1;
    let tl = c
        .get(&format!(
            "/rotations/timeline?unit={kir1}&from=2026-01-01&months=12"
        ))
        .await;
    assert_eq!(tl.status, StatusCode::OK);
    assert!(tl.text.contains("<svg") && tl.text.contains("Ylva Ytterst"));
    // Months on the axis read as names.
    assert!(
        tl.text.contains(">apr</text>") && tl.text.contains(">feb</text>"),
        "{}",
        tl.text
    );
    // Without a choice it opens on the busiest host: ONK1 with two
    // placements rather than KIR1, first in the list, with one.
    for name in ["Åsa Åter", "Örjan Ödman"] {
        let other = trainee(&app, &mut c, name, app.fixture.onk2).await;
        placement(
            &mut c,
            other,
            app.fixture.onk1,
            "general",
            "2026-05-01",
            "2026-07-31",
        )
        .await;
    }
    let onk1 = app.fixture.onk1;
    let tl = c.get("/rotations/timeline?from=2026-01-01&months=12").await;
    assert!(tl.text.contains("Åsa Åter"), "{}", tl.text);
    assert!(
        tl.text
            .contains(&format!(r#"<option value="{onk1}" selected>"#)),
        "{}",
        tl.text
    );
    let cap = c.get("/rotations/reports/capacity").await;
    assert!(cap.text.contains("1 / 2"), "{}", cap.text);
    let page = c.get(&format!("/trainees/{t}")).await;
    assert!(page.text.contains("<svg") && page.text.contains("Saknas"));
}

#[tokio::test]
async fn cancelling_an_approved_placement_balances_its_reported_lines() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let t = trainee(&app, &mut c, "Carl Inställd", app.fixture.onk1).await;
    let p = placement(
        &mut c,
        t,
        app.fixture.kir1,
        "radiotherapy",
        "2026-04-01",
        "2026-09-30",
    )
    .await;
    approve(&mut c, p).await;
    let r = c.post(&format!("/placements/{p}/cancel"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let lines = ledger(&app, p).await;
    assert_eq!(
        lines.len(),
        12,
        "six reported months and six balancing lines"
    );
    assert!(
        lines[6..]
            .iter()
            .all(|l| l.0 == "adjustment" && l.5 == "cancel")
    );
    assert_eq!(lines.iter().map(|l| l.3).sum::<i64>(), 0);
    assert_eq!(lines.iter().map(|l| l.4).sum::<i64>(), 0);
    // A cancelled placement cannot be changed any more.
    let r = c
        .post(
            &format!("/placements/{p}/home-periods"),
            &[
                ("home_start", "2026-05-04"),
                ("home_end", "2026-05-08"),
                ("reason", "leave"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Placeringen är inställd."));
}

#[tokio::test]
async fn the_cost_api_answers_bi_tools_within_the_token_scope() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let t = trainee(&app, &mut c, "Ada Api", app.fixture.onk1).await;
    placement(
        &mut c,
        t,
        app.fixture.kir1,
        "general",
        "2026-04-01",
        "2026-06-30",
    )
    .await;
    let token = app.token_for(Role::Manager).await;
    let r = app
        .api(
            Method::GET,
            "/api/v1/rotations/costs?year=2026",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j["total_ore"].as_i64(), Some(3 * SALARY_ORE));
    assert_eq!(j["payers"][0]["code"], "ONK1");
    let r = app
        .api(
            Method::GET,
            "/api/v1/rotations/costs?year=tjugo",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["field"], "year");
    let staff = app.token_for(Role::Staff).await;
    let r = app
        .api(Method::GET, "/api/v1/rotations/costs", Some(&staff), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn approval_without_a_salary_is_refused_with_the_reason() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let person = st_doctor(&app, "Lina Lönlös", app.fixture.onk1)
        .await
        .to_string();
    let r = c
        .post(
            "/trainees/new",
            &[
                ("person_id", &person),
                ("specialty", "Onkologi"),
                ("rulebook", "sosfs_2015_8"),
                ("st_start", "2025-01-01"),
                ("planned_end", "2030-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let t = id_from(r.location(), "/trainees/");
    let p = placement(
        &mut c,
        t,
        app.fixture.kir1,
        "general",
        "2026-04-01",
        "2026-06-30",
    )
    .await;
    let r = c.post(&format!("/placements/{p}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Ingen lön gäller"), "{}", r.text);
    assert_eq!(agreement_of(&app, p).await, None);
    // A salary typed wrongly is shown again with its message.
    let r = c
        .post(
            &format!("/trainees/{t}/salary"),
            &[
                ("monthly_cost", "sextio tusen"),
                ("effective_from", "2025-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("value=\"sextio tusen\""));
    let r = c
        .post(
            &format!("/trainees/{t}/salary"),
            &[("monthly_cost", "58 000"), ("effective_from", "2025-01-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    approve(&mut c, p).await;
    assert_eq!(agreement_of(&app, p).await.as_deref(), Some("home-pays"));
}

/// The summary of what to fix above a refused form.
fn summary(html: &str) -> &str {
    let start = html
        .find("<div class=\"alert error\" role=\"alert\">")
        .unwrap_or_else(|| panic!("no summary in {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</div>").unwrap_or(rest.len())]
}

#[tokio::test]
async fn a_refused_plan_is_told_in_the_pages_language_naming_fields_by_their_labels() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let t = trainee(&app, &mut c, "Eva Lang", app.fixture.onk1).await;
    let (ts, h) = (t.to_string(), app.fixture.kir1.to_string());
    let bad = [
        ("trainee_id", ts.as_str()),
        ("host_unit_id", h.as_str()),
        ("kind", "general"),
        ("start", "2026-05-01"),
        ("end", "2026-04-01"),
        ("extent", "120"),
    ];

    // In Swedish: the messages and the labels, nothing English.
    let r = c.post("/placements/new", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let sv = summary(&r.text);
    assert!(
        sv.contains(">Slutdatum (inklusive)</a>: Slutdatum är före startdatum."),
        "{sv}"
    );
    assert!(
        sv.contains(">Omfattning hos värden (%)</a>: Omfattningen ska vara ett heltal 1–100."),
        "{sv}"
    );
    for english in [
        "The end",
        "extent must",
        "End (inclusive)",
        ">end<",
        ">extent<",
    ] {
        assert!(!r.text.contains(english), "{english} in {sv}");
    }

    // In English: the same refusal, nothing Swedish.
    let r = c.post("/lang", &[("lang", "en"), ("next", "/")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = c.post("/placements/new", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let en = summary(&r.text);
    assert!(
        en.contains(">End (inclusive)</a>: The end is before the start."),
        "{en}"
    );
    assert!(
        en.contains(">Extent at the host (%)</a>: The extent must be a whole number 1–100."),
        "{en}"
    );
    for swedish in ["Slutdatum", "Omfattning", "Rätta"] {
        assert!(!en.contains(swedish), "{swedish} in {en}");
    }
    assert!(!r.text.contains("Slutdatum är före startdatum."));

    // A refused button on an English page: the reason in English only.
    let p = placement(
        &mut c,
        t,
        app.fixture.kir1,
        "general",
        "2026-04-01",
        "2026-06-30",
    )
    .await;
    approve(&mut c, p).await;
    let r = c.post(&format!("/placements/{p}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("Only planned placements can be approved."),
        "{}",
        r.text
    );
    assert!(!r.text.contains("Bara planerade placeringar"));
    // The split's explanations follow the page too.
    let page = c.get(&format!("/placements/{p}")).await;
    assert!(
        page.text
            .contains("April 2026: 1–30 month 1 (home clinic 100 %)"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("månad 1 (hemklinik"));
}

#[tokio::test]
async fn the_salary_form_names_its_fields_by_their_labels() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let t = trainee(&app, &mut c, "Sara Summering", app.fixture.onk1).await;
    let r = c
        .post(
            &format!("/trainees/{t}/salary"),
            &[("monthly_cost", "mycket"), ("effective_from", "igår")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sv = summary(&r.text);
    assert!(
        sv.contains(">Månadskostnad (kr, lön med sociala avgifter)</a>: Ange ett belopp i kronor"),
        "{sv}"
    );
    assert!(
        sv.contains(">Gäller från</a>: Ange ett datum ÅÅÅÅ-MM-DD."),
        "{sv}"
    );
    assert!(
        !sv.contains("<li>monthly_cost") && !sv.contains("<li>effective_from"),
        "{sv}"
    );
}

#[tokio::test]
async fn a_new_placement_from_a_trainees_page_names_the_trainee() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let t = trainee(&app, &mut c, "Nora Ny", app.fixture.onk1).await;
    let r = c.get(&format!("/placements/new?trainee={t}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains(&format!("<option value=\"{t}\" selected>")),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn a_hosts_manager_sees_only_placements_at_their_units_and_no_salary() {
    let app = TestApp::new().await;
    let mut sd = app.login_as(Role::StudyDirector).await;
    // Home clinic ONK2 (another region); one placement at ONK1, whose
    // manager the test manager is, and one at KIR1, which they do not lead.
    let t = trainee(&app, &mut sd, "Hanna Hemma", app.fixture.onk2).await;
    placement(
        &mut sd,
        t,
        app.fixture.onk1,
        "general",
        "2026-04-01",
        "2026-06-30",
    )
    .await;
    placement(
        &mut sd,
        t,
        app.fixture.kir1,
        "general",
        "2026-09-01",
        "2026-11-30",
    )
    .await;
    let sd_page = sd.get(&format!("/trainees/{t}")).await;
    assert!(
        sd_page.visible().contains("60\u{a0}000"),
        "the study director sees the salary"
    );

    let mut m = app.login_as(Role::Manager).await;
    let page = m.get(&format!("/trainees/{t}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.visible();
    assert!(text.contains("ONK1"), "{text}");
    assert!(
        !text.contains("KIR1"),
        "a placement outside the scope: {text}"
    );
    assert!(
        !text.contains("60\u{a0}000"),
        "no salary for a host's manager: {text}"
    );
    assert!(
        text.contains("Lönekostnaden visas för hemklinikens chef"),
        "{text}"
    );
    let list = m.get("/trainees").await;
    assert!(list.visible().contains("Hanna Hemma"), "{}", list.text);
    assert!(!list.visible().contains("60\u{a0}000"), "{}", list.text);
}

#[tokio::test]
async fn the_kept_cost_report_follows_every_change_it_reads() {
    let app = TestApp::new().await;
    let mut c = app.login_as(Role::StudyDirector).await;
    let t = trainee(&app, &mut c, "Karin Kvar", app.fixture.onk1).await;
    let p = placement(
        &mut c,
        t,
        app.fixture.kir1,
        "general",
        "2026-03-01",
        "2026-06-30",
    )
    .await;
    approve(&mut c, p).await;
    // Made ahead, as the server does at start-up: the same report.
    oncotrack::rotations::report_pages::warm(app.state.clone())
        .await
        .expect("warm");
    let total = |j: &serde_json::Value| j["total_ore"].as_i64().expect("total");
    let report = c
        .get("/rotations/reports/costs.json?year=2026")
        .await
        .json();
    assert_eq!(total(&report), 4 * SALARY_ORE);
    assert_eq!(
        c.get("/rotations/reports/costs.json?year=2026")
            .await
            .json(),
        report,
        "asked again, nothing changed"
    );
    // A raise through the page.
    let r = c
        .post(
            &format!("/trainees/{t}/salary"),
            &[("monthly_cost", "66 000"), ("effective_from", "2026-05-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let report = c
        .get("/rotations/reports/costs.json?year=2026")
        .await
        .json();
    assert_eq!(total(&report), 2 * SALARY_ORE + 2 * 6_600_000);
    // Writes from another process (the command line, a script) count too:
    // the host unit renamed, then the placement shortened.
    let other = rusqlite::Connection::open(&app.path).expect("open");
    other
        .execute(
            "UPDATE unit SET name = 'Kirurgen, nytt namn' WHERE id = ?1",
            [app.fixture.kir1],
        )
        .expect("rename");
    let page = c.get("/rotations/reports/costs?year=2026").await;
    assert!(page.text.contains("Kirurgen, nytt namn"), "{}", page.text);
    other
        .execute(
            "UPDATE placement SET end_on = '2026-05-31', approved_end = '2026-05-31' WHERE id = ?1",
            [p],
        )
        .expect("shorten");
    let report = c
        .get("/rotations/reports/costs.json?year=2026")
        .await
        .json();
    assert_eq!(total(&report), 2 * SALARY_ORE + 6_600_000);
}
