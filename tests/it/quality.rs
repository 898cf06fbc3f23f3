//! The quality indicator through the real router: sources, imports with a
//! check first, the report in every output with small numbers suppressed,
//! who sees what, and every view logged.

use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;

use crate::support::{Client, TestApp, assert_status};

const HEADER: &str = "pseudonym;administration;unit;treatment;treated_on;died_on\n";

/// A source with the usual column names; its id.
async fn source(app: &TestApp, analyst: &mut Client<'_>, name: &str) -> i64 {
    let r = analyst
        .post("/quality/sources/new", &[("name", name), ("region_id", "")])
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    app.count("SELECT max(id) FROM quality_source").await
}

async fn import(
    analyst: &mut Client<'_>,
    source: i64,
    from: &str,
    to: &str,
    action: &str,
    file: &str,
) -> crate::support::TestResponse {
    let id = source.to_string();
    analyst
        .post_file(
            "/quality/import",
            &[
                ("source_id", &id),
                ("from", from),
                ("to", to),
                ("action", action),
            ],
            file.as_bytes(),
        )
        .await
}

/// Twelve deaths in 2025 at Testsjukhuset (six treated within four weeks,
/// by ONK1 and KIR1) and three at Annat sjukhus (two late).
fn extract() -> String {
    let mut f = HEADER.to_string();
    for i in 0..12 {
        let (unit, treated) = if i < 6 {
            ("ONK1", "2025-05-10")
        } else {
            ("KIR1", "2025-03-01")
        };
        f.push_str(&format!(
            "TS-{i};Testsjukhuset;{unit};cytotoxic;{treated};2025-05-20\n"
        ));
        // A radiotherapy row of the same patients, long before.
        f.push_str(&format!(
            "TS-{i};Testsjukhuset;;radiotherapy;2025-01-10;2025-05-20\n"
        ));
    }
    for i in 0..3 {
        // Sixteen days before death: late within 28 days, not within 14.
        let treated = if i < 2 { "2025-05-30" } else { "2025-01-01" };
        f.push_str(&format!(
            "AS-{i};Annat sjukhus;;cytotoxic;{treated};2025-06-15\n"
        ));
    }
    // Alive: not counted.
    f.push_str("TS-99;Testsjukhuset;ONK1;cytotoxic;2025-06-01;\n");
    f
}

#[tokio::test]
async fn an_analyst_checks_an_extract_reads_it_in_and_a_reimport_replaces_its_days() {
    let app = TestApp::new().await;
    let mut analyst = app.login_as(Role::QualityAnalyst).await;
    // A source whose export names its columns in its own way.
    let r = analyst
        .post(
            "/quality/sources/new",
            &[
                ("name", "Cytobase Test"),
                ("region_id", ""),
                ("pseudonym", "PatientKod"),
                ("administration", "Förvaltning"),
                ("unit", "Enhet"),
                ("kind", "Behandling"),
                ("treated_on", "Datum"),
                ("died_on", "Dödsdatum"),
                ("kinds", "Cyto iv = cytotoxic\nStrål = radiotherapy"),
                ("administrations", "TS = Testsjukhuset"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let id = app.count("SELECT max(id) FROM quality_source").await;
    let file = "PatientKod;Förvaltning;Enhet;Behandling;Datum;Dödsdatum\n\
                A1;TS;ONK1;Cyto iv;20250301;2025-03-20\n\
                A2;TS;;Strål;2025-02-01;\n\
                A3;Annat sjukhus;ONK2;Cyto iv;2025-04-01;2025-04-02\n";
    let r = import(
        &mut analyst,
        id,
        "2025-01-01",
        "2025-12-31",
        "preview",
        file,
    )
    .await;
    assert_status(&r, StatusCode::OK);
    assert!(
        r.text
            .contains("Filen är kontrollerad. Ingenting har sparats."),
        "{}",
        r.text
    );
    assert_eq!(
        app.count("SELECT count(*) FROM quality_treatment").await,
        0,
        "a check writes nothing"
    );

    let r = import(&mut analyst, id, "2025-01-01", "2025-12-31", "apply", file).await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("Importen är klar."), "{}", r.text);
    assert_eq!(app.count("SELECT count(*) FROM quality_treatment").await, 3);
    assert_eq!(
        app.count("SELECT count(*) FROM quality_treatment WHERE patient IN ('A1', 'A2', 'A3')")
            .await,
        0,
        "pseudonyms are stored as keyed hashes"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'quality_batch.import'")
            .await,
        1
    );

    // The same source and days again, now with one row: it replaces the three.
    let again = "PatientKod;Förvaltning;Enhet;Behandling;Datum;Dödsdatum\nA1;TS;ONK1;Cyto iv;2025-03-01;2025-03-20\n";
    let r = import(&mut analyst, id, "2025-01-01", "2025-12-31", "apply", again).await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(app.count("SELECT count(*) FROM quality_treatment").await, 1);
    assert_eq!(
        app.count("SELECT replaced_rows FROM quality_batch ORDER BY id DESC LIMIT 1")
            .await,
        3
    );
}

#[tokio::test]
async fn a_file_with_an_identity_number_or_a_bad_line_writes_nothing() {
    let app = TestApp::new().await;
    let mut analyst = app.login_as(Role::QualityAnalyst).await;
    let id = source(&app, &mut analyst, "Källa").await;
    let file = "pseudonym;administration;treatment;treated_on;died_on;note\n\
                A1;Testsjukhuset;cytotoxic;2025-03-01;;\n\
                A2;Testsjukhuset;cytotoxic;2025-03-01;;19121212-1212\n";
    let r = import(&mut analyst, id, "2025-01-01", "2025-12-31", "apply", file).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("rad 3: note: kolumnen innehåller något som ser ut som ett personnummer"),
        "{}",
        r.text
    );
    let file = "pseudonym;administration;treatment;treated_on;died_on\n\
                A1;Testsjukhuset;cytotoxic;2025-03-01;2025-02-01\n\
                A2;Testsjukhuset;cytotoxic;2025-03-01;\n";
    let r = import(&mut analyst, id, "2025-01-01", "2025-12-31", "apply", file).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("rad 2: died_on: dödsdatum 2025-02-01 ligger före behandlingen 2025-03-01"),
        "{}",
        r.text
    );
    assert_eq!(app.count("SELECT count(*) FROM quality_treatment").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM quality_batch").await, 0);
}

#[tokio::test]
async fn the_report_hides_small_numbers_in_the_page_the_csv_and_the_json() {
    let app = TestApp::new().await;
    let mut analyst = app.login_as(Role::QualityAnalyst).await;
    let id = source(&app, &mut analyst, "Källa").await;
    let r = import(
        &mut analyst,
        id,
        "2025-01-01",
        "2025-12-31",
        "apply",
        &extract(),
    )
    .await;
    assert_status(&r, StatusCode::OK);

    let r = analyst.get("/quality?to=2025&from=2025").await;
    assert_status(&r, StatusCode::OK);
    // The whole: fifteen dead, eight treated within 28 days.
    assert!(r.text.contains("8 / 15"), "{}", r.text);
    assert!(r.text.contains("53,3 %"), "{}", r.text);
    // Annat sjukhus has three: hidden, and so is everything that would give
    // it away (the other region, and its single administration).
    assert!(!r.text.contains("2 / 3"), "{}", r.text);
    assert!(!r.text.contains("6 / 12"), "{}", r.text);
    assert!(r.text.contains("&lt;5"), "{}", r.text);
    assert!(r.text.contains("<svg"), "the pictures are drawn");

    let json = analyst.get("/quality.json?to=2025&from=2025").await.json();
    let rows = json["rows"].as_array().expect("rows");
    for row in rows {
        for cell in row["cells"].as_array().expect("cells") {
            if cell["suppressed"] == true {
                assert!(
                    cell["patients"].is_null() && cell["share_basis_points"].is_null(),
                    "{cell}"
                );
            } else {
                let n = cell["patients"].as_u64().unwrap_or(0);
                let late = cell["late"].as_u64().unwrap_or(0);
                assert!(
                    n >= 5 && late >= 5,
                    "a shown cell holds at least five: {row}"
                );
            }
        }
    }
    let all = &rows[0]["cells"][0];
    assert_eq!(
        (all["patients"].as_u64(), all["late"].as_u64()),
        (Some(15), Some(8))
    );
    let regions: Vec<_> = rows.iter().filter(|r| r["level"] == "region").collect();
    assert_eq!(regions.len(), 2);
    assert!(
        regions.iter().all(|r| r["cells"][0]["suppressed"] == true),
        "one region alone hidden would be the whole minus the other: {regions:?}"
    );

    let csv = analyst.get("/quality.csv?to=2025&from=2025").await;
    assert_status(&csv, StatusCode::OK);
    let body = String::from_utf8(csv.bytes.clone()).expect("utf8");
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(&headers[6], "Avlidna patienter", "{headers:?}");
    assert_eq!(&headers[8], "Andel (%)", "{headers:?}");
    let english = analyst.get("/quality.csv?to=2025&from=2025&lang=en").await;
    let english = String::from_utf8(english.bytes.clone()).expect("utf8");
    assert!(english.contains("Deceased patients"), "{english}");
    let mut shown = 0;
    for record in reader.records() {
        let record = record.expect("csv line");
        let (patients, late, share) = (&record[6], &record[7], &record[8]);
        if patients == "<5" {
            assert_eq!((late, share), ("<5", ""), "{record:?}");
        } else {
            shown += 1;
            assert!(patients.parse::<u32>().expect("count") >= 5, "{record:?}");
            assert!(
                share.contains(',') && !share.contains('.'),
                "a Swedish decimal comma: {record:?}"
            );
            assert_eq!(&record[0], "alla", "{record:?}");
        }
    }
    assert_eq!(shown, 1, "only the whole is shown");

    // Fourteen days: only the six treated ten days before death count, not
    // the two treated sixteen days before.
    let json = analyst
        .get("/quality.json?to=2025&from=2025&window=14")
        .await
        .json();
    assert_eq!(
        json["rows"][0]["cells"][0]["late"].as_u64(),
        Some(6),
        "{json}"
    );
}

#[tokio::test]
async fn managers_see_their_scope_staff_see_nothing_and_every_view_is_logged() {
    let app = TestApp::new().await;
    let mut analyst = app.login_as(Role::QualityAnalyst).await;
    let id = source(&app, &mut analyst, "Källa").await;
    import(
        &mut analyst,
        id,
        "2025-01-01",
        "2025-12-31",
        "apply",
        &extract(),
    )
    .await;
    let views = || app.count("SELECT count(*) FROM audit_log WHERE action = 'quality_report.view'");
    let before = views().await;

    // The manager of ONK1 sees the whole, the regions, and Testsjukhuset.
    let mut manager = app.login_as(Role::Manager).await;
    let r = manager.get("/quality?from=2025&to=2025").await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("Testsjukhuset"), "{}", r.text);
    assert!(!r.text.contains("Annat sjukhus"), "{}", r.text);
    let everyone = analyst.get("/quality?from=2025&to=2025").await;
    assert!(everyone.text.contains("Annat sjukhus"));

    let mut staff = app.login_as(Role::Staff).await;
    assert_status(&staff.get("/quality").await, StatusCode::FORBIDDEN);
    assert_status(&manager.get("/quality/import").await, StatusCode::FORBIDDEN);

    let token = app.token_for(Role::QualityAnalyst).await;
    let r = app
        .api(
            Method::GET,
            "/api/v1/quality/indicator?from=2025&to=2025",
            Some(&token),
            None,
        )
        .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(
        r.json()["rows"][0]["cells"][0]["patients"].as_u64(),
        Some(15)
    );
    analyst.get("/quality.csv?from=2025&to=2025").await;
    assert_eq!(
        views().await,
        before + 4,
        "page, page, API and CSV are each logged"
    );
}

#[tokio::test]
async fn a_window_the_indicator_does_not_take_is_named_in_the_language_asked_for() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::QualityAnalyst).await;
    let path = "/api/v1/quality/indicator?window=21";
    let sv = app
        .api_in(Some("sv"), Method::GET, path, Some(&token), None)
        .await;
    let en = app
        .api_in(Some("en"), Method::GET, path, Some(&token), None)
        .await;
    crate::support::assert_problem(&sv, StatusCode::UNPROCESSABLE_ENTITY, "window");
    crate::support::assert_problem(&en, StatusCode::UNPROCESSABLE_ENTITY, "window");
    assert_eq!(sv.json()["detail"], "window: 14, 28 eller 30");
    assert_eq!(en.json()["detail"], "window: 14, 28 or 30");
    let mut analyst = app.login_as(Role::QualityAnalyst).await;
    let page = analyst.get("/quality?by=month").await;
    assert_status(&page, StatusCode::BAD_REQUEST);
}
