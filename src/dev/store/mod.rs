//! The SQL of the developers' tools that the domains' stores have no use
//! for.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};

pub mod bulk;

/// Every administration's name with the codes of its units.
pub fn administrations_with_units(
    conn: &Connection,
) -> rusqlite::Result<Vec<(String, Vec<String>)>> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT a.name, u.code FROM administration a LEFT JOIN unit u ON u.administration_id = a.id
         ORDER BY a.id, u.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    for row in rows {
        let (admin, unit) = row?;
        match out.last_mut() {
            Some((name, units)) if *name == admin => units.extend(unit),
            _ => out.push((admin, unit.into_iter().collect())),
        }
    }
    Ok(out)
}

/// How many rows `table` holds. `table` is one of the schema's names, from
/// the code, never from input.
pub fn count(conn: &Connection, table: &str) -> rusqlite::Result<i64> {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
}

/// The ids of the units that give chemotherapy, in order.
pub fn chemotherapy_unit_ids(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    conn.prepare("SELECT id FROM unit WHERE gives_chemotherapy = 1 ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// The administration of the first unit that gives chemotherapy.
pub fn first_chemotherapy_administration(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT administration_id FROM unit WHERE gives_chemotherapy = 1 ORDER BY id LIMIT 1",
        [],
        |r| r.get(0),
    )
    .optional()
}

/// Stops a unit giving chemotherapy, without history: the benchmarks roll
/// it back.
pub fn stop_chemotherapy(conn: &Connection, unit_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE unit SET gives_chemotherapy = 0 WHERE id = ?1",
        [unit_id],
    )
    .map(drop)
}

/// The people the kept counts hold a unit for under one licence type.
pub fn counted_people(conn: &Connection, licence_type_id: i64) -> rusqlite::Result<Vec<i64>> {
    conn.prepare(
        "SELECT DISTINCT person_id FROM compliance_event WHERE licence_type_id = ?1 AND unit_id IS NOT NULL",
    )?
    .query_map([licence_type_id], |r| r.get(0))?
    .collect()
}

/// The ids of the units that take trainees, in order.
pub fn host_unit_ids(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    conn.prepare("SELECT id FROM unit WHERE trainee_capacity > 0 ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// The first `limit` ST doctors who have not left, in order.
pub fn st_doctor_ids(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<i64>> {
    conn.prepare(
        "SELECT id FROM person WHERE profession = 'st_doctor' AND left_on IS NULL ORDER BY id LIMIT ?1",
    )?
    .query_map([limit as i64], |r| r.get(0))?
    .collect()
}

/// The ST doctors who have not left, with their unit's code, outside the
/// university hospital's units (codes `NUS-…`).
pub fn st_doctors_outside_the_host(conn: &Connection) -> rusqlite::Result<Vec<(i64, String)>> {
    conn.prepare(
        "SELECT p.id, u.code FROM person p JOIN unit u ON u.id = p.unit_id
         WHERE p.profession = 'st_doctor' AND p.left_on IS NULL AND u.code NOT LIKE 'NUS-%'
         ORDER BY p.id",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// The day a person was first employed.
pub fn first_employed(conn: &Connection, person_id: i64) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT min(valid_from) FROM employment WHERE person_id = ?1",
        [person_id],
        |r| r.get(0),
    )
}

/// Links an account to a person; the account takes the person's name.
pub fn link_account(conn: &Connection, account_id: i64, person_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE account SET person_id = ?2, name = (SELECT name FROM person WHERE id = ?2) WHERE id = ?1",
        [account_id, person_id],
    )
    .map(drop)
}

/// People who have not left by `today`, with their stored profession.
pub fn current_people(conn: &Connection, today: NaiveDate) -> rusqlite::Result<Vec<(i64, String)>> {
    conn.prepare(
        "SELECT id, profession FROM person WHERE left_on IS NULL OR left_on > ?1 ORDER BY id",
    )?
    .query_map([today.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Every offering's id, by start date.
pub fn offering_ids(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    conn.prepare("SELECT id FROM offering ORDER BY starts_on, id")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// What the enrolment generator needs of an offering.
pub struct OfferingSketch {
    /// Id.
    pub id: i64,
    /// Places.
    pub capacity: i64,
    /// Stored status.
    pub status: String,
    /// When enrolment opens (`YYYY-MM-DD`).
    pub enrolment_opens: String,
    /// Last day (`YYYY-MM-DD`).
    pub ends_on: String,
}

/// Every offering, by id.
pub fn offering_sketches(conn: &Connection) -> rusqlite::Result<Vec<OfferingSketch>> {
    conn.prepare("SELECT id, capacity, status, enrolment_opens, ends_on FROM offering ORDER BY id")?
        .query_map([], |r| {
            Ok(OfferingSketch {
                id: r.get(0)?,
                capacity: r.get(1)?,
                status: r.get(2)?,
                enrolment_opens: r.get(3)?,
                ends_on: r.get(4)?,
            })
        })?
        .collect()
}

/// The compliance triggers, by name with their SQL: the generator sets them
/// aside while it writes and recreates them from this SQL.
pub fn compliance_triggers(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'compliance_dirty_%'",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Drops the triggers `compliance_triggers` found.
pub fn drop_triggers(conn: &Connection, triggers: &[(String, String)]) -> rusqlite::Result<()> {
    for (name, _) in triggers {
        conn.execute_batch(&format!("DROP TRIGGER {name}"))?;
    }
    Ok(())
}

/// Recreates the triggers `compliance_triggers` found.
pub fn create_triggers(conn: &Connection, triggers: &[(String, String)]) -> rusqlite::Result<()> {
    for (_, sql) in triggers {
        conn.execute_batch(sql)?;
    }
    Ok(())
}

/// The straightforward SQL: each required nurse in a chemotherapy unit on the
/// day, and their latest completion on or before it, counted per unit.
const BARE_SQL: &str = "
WITH required AS (
    SELECT e.person_id, e.unit_id FROM employment e JOIN unit u ON u.id = e.unit_id
    WHERE u.gives_chemotherapy = 1 AND e.profession = 'nurse'
      AND e.valid_from <= ?2 AND (e.valid_to IS NULL OR e.valid_to > ?2)
), latest AS (
    SELECT r.person_id, r.unit_id,
           (SELECT max(c.completed_on) FROM licence_completion c
             WHERE c.person_id = r.person_id AND c.licence_type_id = ?1 AND c.completed_on <= ?2
               AND NOT EXISTS (SELECT 1 FROM licence_revocation v WHERE v.completion_id = c.id)) AS done
    FROM required r
)
SELECT unit_id, count(*),
       sum(done IS NOT NULL AND date(done, '+36 months') >= ?2),
       sum(done IS NULL)
FROM latest GROUP BY unit_id";

/// Runs [`BARE_SQL`] for the day and returns how many unit rows it gave.
pub fn bare_compliance_rows(
    conn: &Connection,
    licence_type_id: i64,
    day: NaiveDate,
) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare_cached(BARE_SQL)?;
    let n = stmt
        .query_map(rusqlite::params![licence_type_id, day.to_string()], |_| {
            Ok(())
        })?
        .count();
    Ok(n)
}
