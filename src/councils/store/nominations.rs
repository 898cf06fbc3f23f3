//! Nominations: requests for named people, the administrations they ask
//! of, and the people named.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::day;
use crate::clock::stamp;

/// A request for named people.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Request {
    /// Id.
    pub id: i64,
    /// The council.
    pub council_id: i64,
    /// E.g. "Kontaktperson för suicidprevention".
    pub title: String,
    /// What is asked, in more words.
    pub description: String,
    /// How many people each administration is asked for.
    pub per_administration: i64,
    /// By when.
    pub due_on: NaiveDate,
}

const REQUEST_SELECT: &str =
    "SELECT id, council_id, title, description, per_administration, due_on FROM nomination_request";

fn request_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Request> {
    Ok(Request {
        id: r.get(0)?,
        council_id: r.get(1)?,
        title: r.get(2)?,
        description: r.get(3)?,
        per_administration: r.get(4)?,
        due_on: day(r.get(5)?).unwrap_or_default(),
    })
}

/// One request.
pub fn request(conn: &Connection, id: i64) -> rusqlite::Result<Option<Request>> {
    conn.prepare_cached(&format!("{REQUEST_SELECT} WHERE id = ?1"))?
        .query_row([id], request_from_row)
        .optional()
}

/// A council's requests, by due day.
pub fn requests(conn: &Connection, council_id: i64) -> rusqlite::Result<Vec<Request>> {
    conn.prepare_cached(&format!(
        "{REQUEST_SELECT} WHERE council_id = ?1 ORDER BY due_on, id"
    ))?
    .query_map([council_id], request_from_row)?
    .collect()
}

/// A new request.
#[derive(Debug, Clone, Serialize)]
pub struct NewRequest {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// People per administration.
    pub per_administration: i64,
    /// By when.
    pub due_on: NaiveDate,
    /// The administrations asked.
    pub administrations: Vec<i64>,
}

/// Makes a request of the given administrations.
pub fn create_request(
    conn: &Connection,
    council_id: i64,
    q: &NewRequest,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO nomination_request (council_id, title, description, per_administration, due_on, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        council_id,
        q.title,
        q.description,
        q.per_administration,
        q.due_on.to_string(),
        stamp(now)
    ])?;
    let id = conn.last_insert_rowid();
    let mut add = conn.prepare_cached(
        "INSERT OR IGNORE INTO nomination_target (request_id, administration_id) VALUES (?1, ?2)",
    )?;
    for a in &q.administrations {
        add.execute(params![id, a])?;
    }
    Ok(id)
}

/// An administration a request asks of.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Target {
    /// The administration.
    pub administration_id: i64,
    /// Its name.
    pub administration: String,
    /// Its region's name.
    pub region: String,
}

/// The administrations a request asks of, by region and name.
pub fn targets(conn: &Connection, request_id: i64) -> rusqlite::Result<Vec<Target>> {
    conn.prepare_cached(
        "SELECT a.id, a.name, r.name FROM nomination_target t
         JOIN administration a ON a.id = t.administration_id JOIN region r ON r.id = a.region_id
         WHERE t.request_id = ?1 ORDER BY r.name COLLATE swedish, a.name COLLATE swedish",
    )?
    .query_map([request_id], |r| {
        Ok(Target {
            administration_id: r.get(0)?,
            administration: r.get(1)?,
            region: r.get(2)?,
        })
    })?
    .collect()
}

/// A person named.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Nominee {
    /// Id of the nomination.
    pub id: i64,
    /// The request.
    pub request_id: i64,
    /// For which administration.
    pub administration_id: i64,
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// Their e-mail.
    pub email: String,
    /// A note (their function, the extent of service).
    pub note: String,
}

/// The people named (and not withdrawn) for a request.
pub fn nominees(conn: &Connection, request_id: i64) -> rusqlite::Result<Vec<Nominee>> {
    conn.prepare_cached(
        "SELECT n.id, n.request_id, n.administration_id, p.id, p.name, p.email, n.note FROM nomination n
         JOIN person p ON p.id = n.person_id
         WHERE n.request_id = ?1 AND n.withdrawn_at IS NULL ORDER BY n.named_at, n.id",
    )?
    .query_map([request_id], |r| {
        Ok(Nominee {
            id: r.get(0)?,
            request_id: r.get(1)?,
            administration_id: r.get(2)?,
            person_id: r.get(3)?,
            name: r.get(4)?,
            email: r.get(5)?,
            note: r.get(6)?,
        })
    })?
    .collect()
}

/// One nomination (withdrawn ones too): `(request, administration)`.
pub fn nomination(conn: &Connection, id: i64) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.prepare_cached("SELECT request_id, administration_id FROM nomination WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// Names a person for an administration.
pub fn nominate(
    conn: &Connection,
    request_id: i64,
    administration_id: i64,
    person_id: i64,
    note: &str,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO nomination (request_id, administration_id, person_id, note, named_by, named_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![request_id, administration_id, person_id, note, by, stamp(now)])?;
    Ok(conn.last_insert_rowid())
}

/// Withdraws a nomination (it stays in the history).
pub fn withdraw(conn: &Connection, id: i64, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE nomination SET withdrawn_at = ?2 WHERE id = ?1 AND withdrawn_at IS NULL",
    )?
    .execute(params![id, stamp(now)])?;
    Ok(())
}

/// The units of an administration.
/// The administrations whose every unit is one of `units` (those a manager
/// of `units` leads), in id order.
pub fn administrations_led(conn: &Connection, units: &[i64]) -> rusqlite::Result<Vec<i64>> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let units = serde_json::to_string(units).unwrap_or_else(|_| "[]".into());
    conn.prepare_cached(
        "WITH mine(id) AS (SELECT value FROM json_each(?1))
         SELECT a.id FROM administration a
         WHERE EXISTS (SELECT 1 FROM unit u WHERE u.administration_id = a.id)
           AND NOT EXISTS (SELECT 1 FROM unit u WHERE u.administration_id = a.id
                             AND u.id NOT IN (SELECT id FROM mine))
         ORDER BY a.id",
    )?
    .query_map([units], |r| r.get(0))?
    .collect()
}

/// Whether a person or account sits on a council representing an
/// administration.
pub fn represents(
    conn: &Connection,
    administration_id: i64,
    person_id: Option<i64>,
    account_id: i64,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM council_member WHERE administration_id = ?1 AND left_at IS NULL
             AND (person_id = ?2 OR account_id = ?3))",
    )?
    .query_row(params![administration_id, person_id, account_id], |r| r.get(0))
}

/// A request still short of people from one administration.
#[derive(Debug, Clone)]
pub struct Waiting {
    /// The request.
    pub request_id: i64,
    /// Its title.
    pub title: String,
    /// By when.
    pub due_on: NaiveDate,
    /// The administration asked.
    pub administration: String,
    /// How many people it is asked for.
    pub asked: i64,
    /// How many it has named.
    pub named: i64,
}

/// The requests still short of people from one of `administrations`, by
/// due day.
pub fn waiting_for(conn: &Connection, administrations: &[i64]) -> rusqlite::Result<Vec<Waiting>> {
    let administrations = serde_json::to_string(administrations).unwrap_or_else(|_| "[]".into());
    conn.prepare_cached(
        "SELECT * FROM (
             SELECT r.id, r.title, r.due_on, a.name, r.per_administration,
                    (SELECT count(*) FROM nomination n WHERE n.request_id = r.id
                       AND n.administration_id = a.id AND n.withdrawn_at IS NULL) AS named
             FROM nomination_target t
             JOIN nomination_request r ON r.id = t.request_id
             JOIN administration a ON a.id = t.administration_id
             WHERE t.administration_id IN (SELECT value FROM json_each(?1)))
         WHERE named < per_administration
         ORDER BY due_on, id, name COLLATE swedish",
    )?
    .query_map([administrations], |r| {
        Ok(Waiting {
            request_id: r.get(0)?,
            title: r.get(1)?,
            due_on: day(r.get(2)?).unwrap_or_default(),
            administration: r.get(3)?,
            asked: r.get(4)?,
            named: r.get(5)?,
        })
    })?
    .collect()
}
