//! Course rows for the enrolment and calendar tests: a course, an offering
//! and its sessions, written straight into the tables so that each test
//! states exactly the offering it needs.

#![allow(dead_code)]

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
        }
    }
}

/// Creates a course (one per code) and an offering; returns the offering id.
pub async fn offering(app: &TestApp, spec: Spec) -> i64 {
    app.state
        .db
        .write(move |tx| -> Result<i64, oncotrack::db::DbError> {
            tx.execute(
                "INSERT INTO course (code, title_sv, title_en, licence_type_id, licence_part, created_at)
                 VALUES (?1, 'Cytostatikautbildning', 'Cytotoxic drug training',
                    (SELECT id FROM licence_type WHERE code = ?2), CASE WHEN ?2 IS NULL THEN NULL ELSE 'theory' END,
                    '2026-01-01T00:00:00Z')
                 ON CONFLICT (code) DO NOTHING",
                rusqlite::params![spec.code, spec.licence],
            )?;
            let course: i64 = tx.query_row("SELECT id FROM course WHERE code = ?1", [spec.code], |r| r.get(0))?;
            for p in spec.audience {
                tx.execute(
                    "INSERT OR IGNORE INTO course_audience (course_id, profession) VALUES (?1, ?2)",
                    rusqlite::params![course, p],
                )?;
            }
            tx.execute(
                "INSERT INTO offering (course_id, starts_on, ends_on, place, capacity, enrolment_opens, enrolment_closes, status, created_at)
                 VALUES (?1, ?2, ?3, 'Sal 1, Testsjukhuset', ?4, ?5, ?6, ?7, '2026-01-01T00:00:00Z')",
                rusqlite::params![course, spec.starts, spec.ends, spec.capacity, spec.opens, spec.closes, spec.status],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .await
        .expect("offering")
}

/// Adds a session (UTC instants `YYYY-MM-DDTHH:MM:SSZ`); returns its id.
pub async fn session(
    app: &TestApp,
    offering: i64,
    starts_at: &str,
    ends_at: &str,
    topic: &str,
) -> i64 {
    let (s, e, t) = (
        starts_at.to_string(),
        ends_at.to_string(),
        topic.to_string(),
    );
    app.state
        .db
        .write(move |tx| -> Result<i64, oncotrack::db::DbError> {
            tx.execute(
                "INSERT INTO course_session (offering_id, starts_at, ends_at, topic) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![offering, s, e, t],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .await
        .expect("session")
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
