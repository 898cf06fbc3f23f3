//! Course rows for the enrolment and calendar tests: a course, an offering
//! and its sessions made through the course API, so that each test states
//! exactly the offering it needs.

#![allow(dead_code)]

use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;
use serde_json::json;

use crate::support::TestApp;

/// An offering to create; `Default` is open for enrolment on the fixture
/// clock's day (2026-03-02), 10 places, starting 2026-04-10, for everyone.
#[derive(Debug, Clone)]
pub struct Spec {
    pub code: &'static str,
    pub status: &'static str,
    pub capacity: i64,
    pub opens: &'static str,
    pub closes: &'static str,
    pub starts: &'static str,
    pub ends: &'static str,
    /// Professions; empty means everyone.
    pub audience: &'static [&'static str],
    /// The licence type code the course grants (theory part).
    pub licence: Option<&'static str>,
    /// `basic`, `renewal` or `any` (when none).
    pub purpose: Option<&'static str>,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            code: "CYT1",
            status: "open",
            capacity: 10,
            opens: "2026-03-01",
            closes: "2026-03-31",
            starts: "2026-04-10",
            ends: "2026-04-11",
            audience: &[],
            licence: None,
            purpose: None,
        }
    }
}

/// Creates a course (one per code) and an offering through the course API;
/// returns the offering id. A status other than planned or open is set
/// afterwards, as the catalogue's status change would.
pub async fn offering(app: &TestApp, spec: Spec) -> i64 {
    let token = app.token_for(Role::Coordinator).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(json!({
                "code": spec.code, "title_sv": "Cytostatikautbildning", "title_en": "Cytotoxic drug training",
                "licence": spec.licence, "audience": spec.audience, "purpose": spec.purpose,
            })),
        )
        .await;
    assert!(
        r.status == StatusCode::CREATED || r.status == StatusCode::CONFLICT,
        "course: {} {}",
        r.status,
        r.text
    );
    let initial = if spec.status == "planned" {
        "planned"
    } else {
        "open"
    };
    let r = app
        .api(
            Method::POST,
            "/api/v1/offerings",
            Some(&token),
            Some(json!({
                "course": spec.code, "starts_on": spec.starts, "ends_on": spec.ends,
                "place": "Sal 1, Testsjukhuset", "capacity": spec.capacity,
                "enrolment_opens": spec.opens, "enrolment_closes": spec.closes, "status": initial,
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "offering: {}", r.text);
    let id = r.json()["id"].as_i64().expect("offering id");
    if spec.status != initial {
        set_status(app, id, spec.status).await;
    }
    id
}

/// Sets an offering's status straight in the table (no notices).
pub async fn set_status(app: &TestApp, id: i64, status: &'static str) {
    app.state
        .db
        .write(move |tx| -> Result<usize, oncotrack::db::DbError> {
            Ok(tx.execute(
                "UPDATE offering SET status = ?2 WHERE id = ?1",
                rusqlite::params![id, status],
            )?)
        })
        .await
        .expect("status");
}

/// Adds a session through the course API (Stockholm local times
/// `YYYY-MM-DDTHH:MM`); returns its id.
pub async fn session(
    app: &TestApp,
    offering: i64,
    starts_at: &str,
    ends_at: &str,
    topic: &str,
) -> i64 {
    let token = app.token_for(Role::Coordinator).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/offerings/{offering}/sessions"),
            Some(&token),
            Some(json!({"starts_at": starts_at, "ends_at": ends_at, "topic": topic, "lecturers_needed": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "session: {}", r.text);
    r.json()["id"].as_i64().expect("session id")
}

/// Creates `n` nurses in ONK1 (HSA-ids SE9990000003-N0001...); returns their ids.
pub async fn nurses(
    app: &TestApp,
    n: usize,
    profession: oncotrack::organisation::model::Profession,
) -> Vec<i64> {
    let unit = app.fixture.onk1;
    let now = oncotrack::clock::Clock::now(&app.clock);
    app.state
        .db
        .write(move |tx| -> Result<Vec<i64>, oncotrack::db::DbError> {
            let mut ids = Vec::new();
            let start: i64 = tx.query_row("SELECT count(*) FROM person", [], |r| r.get(0))?;
            for i in 0..n {
                let k = start + i as i64 + 1;
                ids.push(oncotrack::organisation::store::create_person(
                    tx,
                    &oncotrack::organisation::store::NewPerson {
                        name: format!("Sköterska {k:04}"),
                        email: format!("nurse{k}@test.example"),
                        hsa_id: Some(format!("SE9990000003-N{k:04}")),
                        profession,
                        unit_id: unit,
                        from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date"),
                    },
                    now,
                )?);
            }
            Ok(ids)
        })
        .await
        .expect("nurses")
}

/// The HSA-id `nurses` gave person `id`.
pub async fn hsa_of(app: &TestApp, id: i64) -> String {
    app.query(move |c| {
        c.query_row("SELECT hsa_id FROM person WHERE id = ?1", [id], |r| {
            r.get(0)
        })
    })
    .await
}
