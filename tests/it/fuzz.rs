//! Nonsense from clients: generated CSV files for every import, and generated
//! values for forms and query parameters. Nothing may panic or answer 5xx; a
//! rejected file names its lines, a rejected API parameter names itself, and a
//! rejected file writes nothing.

use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// A cell: usually plausible (dates, HSA-ids, codes, e-mails), sometimes
/// anything, including separators, quotes and line breaks.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("SE9990000001-T0001".to_string()),
        Just("staff@test.example".to_string()),
        Just("CYTO".to_string()),
        Just("ONK1".to_string()),
        Just("nurse".to_string()),
        Just("theory".to_string()),
        Just("practical".to_string()),
        Just("Testsjukhuset".to_string()),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[a-zåäöA-ZÅÄÖ -]{0,12}",
        "[ -~åäöÅÄÖ\"\r\n;,]{0,16}",
        any::<String>().prop_map(|s| s.chars().take(20).collect()),
    ]
}

const HEADERS: &[&str] = &[
    "hsa_id",
    "email",
    "name",
    "profession",
    "unit",
    "unit_code",
    "code",
    "region",
    "administration",
    "gives_chemotherapy",
    "trainee_capacity",
    "licence",
    "completed_on",
    "part",
    "signed_by",
    "note",
    "started_on",
    "bogus",
];

/// A CSV file: a header of known and unknown columns, rows of cells, either
/// separator, optional BOM and CRLF; or raw bytes.
fn csv_file() -> impl Strategy<Value = Vec<u8>> {
    let table = (
        prop::sample::subsequence(HEADERS, 0..8),
        prop::collection::vec(prop::collection::vec(cell(), 0..9), 0..6),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(header, rows, semicolon, bom, crlf)| {
            let sep = if semicolon { ";" } else { "," };
            let end = if crlf { "\r\n" } else { "\n" };
            let mut text = String::new();
            if bom {
                text.push('\u{feff}');
            }
            text.push_str(&header.join(sep));
            text.push_str(end);
            for row in rows {
                text.push_str(&row.join(sep));
                text.push_str(end);
            }
            text.into_bytes()
        });
    prop_oneof![4 => table, 1 => prop::collection::vec(any::<u8>(), 0..200)]
}

fn assert_lines_named(path: &str, text: &str) {
    let Some(at) = text.find("Filen har fel. Ingenting har sparats.") else {
        return;
    };
    let list = &text[at..];
    let list = &list[..list.find("</ul>").unwrap_or(list.len())];
    for item in list.split("<li>").skip(1) {
        // The pages speak Swedish: "rad N: kolumn: meddelande".
        assert!(
            item.starts_with("rad "),
            "{path}: a rejection that names no line: {item}"
        );
    }
}

#[test]
fn generated_csv_files_never_break_an_import() {
    let rt = runtime();
    let app = rt.block_on(TestApp::new());
    let admin = std::cell::RefCell::new(rt.block_on(app.login_as(Role::Admin)));
    let tables = ["person", "unit", "licence_completion", "audit_log"];
    let counts = |app: &TestApp| -> Vec<i64> {
        tables
            .iter()
            .map(|t| {
                let sql = format!("SELECT count(*) FROM {t}");
                rt.block_on(app.query(move |c| c.query_row(&sql, [], |r| r.get(0))))
            })
            .collect()
    };
    let before = counts(&app);
    runner(48)
        .run(&csv_file(), |file| {
            for path in ["/import/units", "/import/staff", "/import/completions"] {
                let r = rt.block_on(admin.borrow_mut().post_file(
                    path,
                    &[("action", "preview")],
                    &file,
                ));
                prop_assert!(
                    !r.status.is_server_error(),
                    "{path}: {} {}",
                    r.status,
                    r.text
                );
                assert_lines_named(path, &r.text);
            }
            Ok(())
        })
        .expect("imports");
    // A preview writes nothing.
    assert_eq!(counts(&app)[..3], before[..3]);
}

#[test]
fn rejected_files_write_nothing_when_applied() {
    let rt = runtime();
    let app = rt.block_on(TestApp::new());
    let admin = std::cell::RefCell::new(rt.block_on(app.login_as(Role::Admin)));
    let people = |app: &TestApp| -> (i64, i64) {
        rt.block_on(app.query(|c| {
            c.query_row(
                "SELECT (SELECT count(*) FROM person), (SELECT count(*) FROM licence_completion)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        }))
    };
    // One good line and then the generated ones: when anything is wrong the
    // good line must not be written either.
    let strategy = prop::collection::vec(prop::collection::vec(cell(), 0..6), 1..4);
    runner(32)
        .run(&strategy, |rows| {
            let before = people(&app);
            let mut staff =
                "hsa_id;name;email;profession;unit\nSE9990000009-T0099;Ny Person;ny.person@test.example;nurse;ONK1\n"
                    .to_string();
            for row in &rows {
                staff.push_str(&row.join(";"));
                staff.push('\n');
            }
            let r = rt.block_on(admin.borrow_mut().post_file(
                "/import/staff",
                &[("action", "apply")],
                staff.as_bytes(),
            ));
            prop_assert!(!r.status.is_server_error(), "{} {}", r.status, r.text);
            if r.text.contains("Filen har fel.") {
                prop_assert_eq!(people(&app), before, "a rejected file wrote rows");
            }
            Ok(())
        })
        .expect("apply");
}

/// A query or form value: plausible or anything.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        cell(),
        Just("4294967296".to_string()),
        Just("-1".to_string()),
        Just("2026-02-30".to_string()),
        Just("%ZZ".to_string()),
        // SQLite's length() stops at a NUL, so a NUL-first text once passed
        // the form checks and failed a CHECK constraint.
        Just("\u{0}namn".to_string()),
        "[0-9]{1,25}",
    ]
}

#[test]
fn generated_query_parameters_never_break_a_page_or_the_api() {
    let rt = runtime();
    let app = rt.block_on(TestApp::new());
    let admin = std::cell::RefCell::new(rt.block_on(app.login_as(Role::Admin)));
    let token = rt.block_on(app.token_for(Role::Admin));
    let pages = [
        (
            "/people",
            &["q", "page", "unit", "profession", "status"][..],
        ),
        (
            "/compliance",
            &["as_of", "licence", "by", "within", "unit"][..],
        ),
        ("/compliance.csv", &["as_of", "licence", "sep", "by"][..]),
        (
            "/compliance.json",
            &["as_of", "licence", "by", "within"][..],
        ),
        (
            "/admin/audit",
            &["q", "page", "entity", "from", "to", "actor"][..],
        ),
        ("/messages", &["page", "kind"][..]),
        ("/admin/outbox", &["page", "kind", "delivery", "q"][..]),
        ("/licences", &["as_of"][..]),
        ("/import/batches", &["page"][..]),
        ("/org", &["q"][..]),
        ("/offerings", &["course", "from", "status", "page"][..]),
        (
            "/lecturers-wanted",
            &["course", "topic", "page", "overlap", "msg"][..],
        ),
        (
            "/rotations/split-preview",
            &[
                "kind",
                "start",
                "end",
                "monthly_cost",
                "extent_percent",
                "agreement",
                "salary_from",
                "home_from",
                "home_to",
            ][..],
        ),
        (
            "/rotations/reports/costs",
            &["year", "unit", "sep", "list"][..],
        ),
        ("/rotations/timeline", &["unit", "from", "months"][..]),
        ("/placements", &["page", "status", "unit"][..]),
    ];
    let apis = [
        (
            "/api/v1/licences/status",
            &["hsa_id", "email", "licence", "as_of"][..],
        ),
        (
            "/api/v1/compliance",
            &["licence", "as_of", "by", "within"][..],
        ),
        ("/api/v1/people", &["q", "unit", "page", "limit"][..]),
        ("/api/v1/units", &["q"][..]),
    ];
    let encode = |pairs: &[(&str, String)]| -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
            .finish()
    };
    let strategy = (
        0..pages.len(),
        0..apis.len(),
        prop::collection::vec((0..6usize, value()), 0..5),
    );
    runner(96)
        .run(&strategy, |(p, a, values)| {
            let (path, names) = pages[p];
            let pairs: Vec<(&str, String)> = values
                .iter()
                .map(|(i, v)| (names[i % names.len()], v.clone()))
                .collect();
            let url = format!("{path}?{}", encode(&pairs));
            let r = rt.block_on(admin.borrow_mut().get(&url));
            prop_assert!(
                !r.status.is_server_error(),
                "{url}: {} {}",
                r.status,
                r.text
            );

            let (path, names) = apis[a];
            let pairs: Vec<(&str, String)> = values
                .iter()
                .map(|(i, v)| (names[i % names.len()], v.clone()))
                .collect();
            let url = format!("{path}?{}", encode(&pairs));
            let r = rt.block_on(app.api(Method::GET, &url, Some(&token), None));
            prop_assert!(
                !r.status.is_server_error(),
                "{url}: {} {}",
                r.status,
                r.text
            );
            if r.status == StatusCode::BAD_REQUEST {
                let body = r.json();
                prop_assert!(
                    body["field"].as_str().is_some_and(|f| !f.is_empty()),
                    "{url}: a 400 that names no parameter: {body}"
                );
            }
            Ok(())
        })
        .expect("queries");
}

#[test]
fn generated_form_values_never_break_a_form() {
    let rt = runtime();
    let app = rt.block_on(TestApp::new());
    let admin = std::cell::RefCell::new(rt.block_on(app.login_as(Role::Admin)));
    let nurse = app.fixture.nurse;
    let forms: Vec<(String, &[&str])> = vec![
        ("/org/regions/new".into(), &["name", "active"][..]),
        (
            "/org/administrations/new".into(),
            &["name", "region_id", "active"][..],
        ),
        (
            "/org/units/new".into(),
            &[
                "code",
                "name",
                "administration_id",
                "gives_chemotherapy",
                "trainee_capacity",
            ][..],
        ),
        (
            "/people/new".into(),
            &["name", "email", "hsa_id", "profession", "unit_id", "from"][..],
        ),
        (
            format!("/people/{nurse}/licences"),
            &[
                "licence_type_id",
                "part",
                "completed_on",
                "signed_by",
                "note",
                "action",
            ][..],
        ),
        (
            "/admin/licences/new".into(),
            &[
                "code",
                "name_sv",
                "name_en",
                "validity_months",
                "window_days",
                "warning_days",
                "extend_from_expiry",
                "requires_practical",
            ][..],
        ),
        (
            "/admin/accounts/new".into(),
            &["email", "name", "password", "role"][..],
        ),
        ("/lang".into(), &["lang", "back"][..]),
        (
            "/courses/new".into(),
            &[
                "code",
                "title_sv",
                "title_en",
                "syllabus",
                "length_hours",
                "licence",
                "part",
                "audience",
            ][..],
        ),
        (
            "/offerings/new".into(),
            &[
                "course",
                "starts_on",
                "ends_on",
                "place",
                "capacity",
                "min_participants",
                "enrolment_opens",
                "enrolment_closes",
            ][..],
        ),
        (
            "/placements/new".into(),
            &[
                "trainee_id",
                "host_unit_id",
                "kind",
                "start",
                "end",
                "extent",
                "host_supervisor",
            ][..],
        ),
        (
            "/trainees/new".into(),
            &[
                "person_id",
                "specialty",
                "rulebook",
                "st_start",
                "planned_end",
                "monthly_cost",
            ][..],
        ),
        (
            "/rotations/agreements/new".into(),
            &[
                "code",
                "name_sv",
                "name_en",
                "valid_from",
                "valid_to",
                "min_months",
                "max_months",
                "cap",
                "tier_from",
                "tier_permille",
            ][..],
        ),
    ];
    let strategy = (
        0..forms.len(),
        prop::collection::vec((0..8usize, value()), 0..8),
    );
    runner(96)
        .run(&strategy, |(f, values)| {
            let (path, names) = &forms[f];
            let fields: Vec<(&str, &str)> = values
                .iter()
                .map(|(i, v)| (names[i % names.len()], v.as_str()))
                .collect();
            let r = rt.block_on(admin.borrow_mut().post(path, &fields));
            prop_assert!(
                !r.status.is_server_error(),
                "{path} {fields:?}: {} {}",
                r.status,
                r.text
            );
            Ok(())
        })
        .expect("forms");
}
