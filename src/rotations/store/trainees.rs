//! The trainees' SQL: trainees with their person and home clinic, salary
//! rows, training elements and which elements live placements cover.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::date_col;
use crate::clock::stamp;
use crate::rotations::model::SalaryChange;
use crate::rotations::trainees::{
    Element, Rulebook, SalaryRow, Trainee, TraineeInput, effective_history,
};

const TRAINEE_SELECT: &str =
    "SELECT t.id, t.person_id, p.name, p.unit_id, u.code, u.name, t.specialty, t.rulebook,
        t.st_start, t.planned_end, t.study_director, t.supervisor
    FROM trainee t JOIN person p ON p.id = t.person_id JOIN unit u ON u.id = p.unit_id";

/// Parses the `YYYY-MM-DD` the store writes without a format parser: the
/// cost report reads several dates for each of thousands of placements.
fn trainee_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Trainee> {
    let rulebook: String = r.get(7)?;
    Ok(Trainee {
        id: r.get(0)?,
        person_id: r.get(1)?,
        name: r.get(2)?,
        home_unit_id: r.get(3)?,
        home_unit_code: r.get(4)?,
        home_unit_name: r.get(5)?,
        specialty: r.get(6)?,
        rulebook: Rulebook::parse(&rulebook).unwrap_or(Rulebook::HslfFs2021_8),
        st_start: date_col(r, 8)?,
        planned_end: date_col(r, 9)?,
        study_director: r.get(10)?,
        supervisor: r.get(11)?,
    })
}

/// Every trainee, by name.
pub fn trainees(conn: &Connection) -> rusqlite::Result<Vec<Trainee>> {
    conn.prepare_cached(&format!(
        "{TRAINEE_SELECT} ORDER BY p.name COLLATE swedish, t.id"
    ))?
    .query_map([], trainee_from_row)?
    .collect()
}

/// One trainee.
pub fn trainee(conn: &Connection, id: i64) -> rusqlite::Result<Option<Trainee>> {
    conn.prepare_cached(&format!("{TRAINEE_SELECT} WHERE t.id = ?1"))?
        .query_row([id], trainee_from_row)
        .optional()
}

/// The trainee record of a person, if any.
pub fn trainee_of_person(conn: &Connection, person_id: i64) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM trainee WHERE person_id = ?1",
        [person_id],
        |r| r.get(0),
    )
    .optional()
}

/// ST doctors still employed who have no trainee record yet, `(id, name, unit code)`.
pub fn st_doctors_without_record(
    conn: &Connection,
) -> rusqlite::Result<Vec<(i64, String, String)>> {
    conn.prepare_cached(
        "SELECT p.id, p.name, u.code FROM person p JOIN unit u ON u.id = p.unit_id
         WHERE p.profession = 'st_doctor' AND p.left_on IS NULL
           AND NOT EXISTS (SELECT 1 FROM trainee t WHERE t.person_id = p.id)
         ORDER BY p.name COLLATE swedish",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}

/// The profession of a person, to check that a new trainee is an ST doctor.
pub fn person_profession(conn: &Connection, person_id: i64) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT profession FROM person WHERE id = ?1",
        [person_id],
        |r| r.get(0),
    )
    .optional()
}

/// Stores a new trainee.
pub fn create_trainee(
    conn: &Connection,
    t: &TraineeInput,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO trainee (person_id, specialty, rulebook, st_start, planned_end, study_director, supervisor, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            t.person_id,
            t.specialty,
            t.rulebook.as_str(),
            t.st_start.to_string(),
            t.planned_end.to_string(),
            t.study_director,
            t.supervisor,
            stamp(now)
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Changes a trainee's details (the person stays).
pub fn update_trainee(conn: &Connection, id: i64, t: &TraineeInput) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE trainee SET specialty = ?2, rulebook = ?3, st_start = ?4, planned_end = ?5,
            study_director = ?6, supervisor = ?7 WHERE id = ?1",
        params![
            id,
            t.specialty,
            t.rulebook.as_str(),
            t.st_start.to_string(),
            t.planned_end.to_string(),
            t.study_director,
            t.supervisor
        ],
    )
}

/// A trainee's salary rows, oldest effective day first.
pub fn salary_rows(conn: &Connection, trainee_id: i64) -> rusqlite::Result<Vec<SalaryRow>> {
    conn.prepare_cached(
        "SELECT s.id, s.effective_from, s.monthly_cost_ore, s.recorded_at, a.email
         FROM trainee_salary s LEFT JOIN account a ON a.id = s.recorded_by
         WHERE s.trainee_id = ?1 ORDER BY s.effective_from, s.id",
    )?
    .query_map([trainee_id], |r| {
        Ok(SalaryRow {
            id: r.get(0)?,
            salary: SalaryChange {
                from: date_col(r, 1)?,
                monthly_cost_ore: r.get(2)?,
            },
            recorded_at: r.get(3)?,
            recorded_by: r.get(4)?,
        })
    })?
    .collect()
}

/// Every trainee's salary history in force, by trainee id: one query, for
/// reports over many placements.
pub fn all_salary_histories(
    conn: &Connection,
) -> rusqlite::Result<HashMap<i64, Vec<SalaryChange>>> {
    let mut by_trainee: HashMap<i64, Vec<SalaryRow>> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT trainee_id, id, effective_from, monthly_cost_ore FROM trainee_salary",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        by_trainee.entry(r.get(0)?).or_default().push(SalaryRow {
            id: r.get(1)?,
            salary: SalaryChange {
                from: date_col(r, 2)?,
                monthly_cost_ore: r.get(3)?,
            },
            recorded_at: String::new(),
            recorded_by: None,
        });
    }
    Ok(by_trainee
        .into_iter()
        .map(|(k, v)| (k, effective_history(&v)))
        .collect())
}

/// Appends a salary row.
pub fn add_salary(
    conn: &Connection,
    trainee_id: i64,
    s: SalaryChange,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO trainee_salary (trainee_id, effective_from, monthly_cost_ore, recorded_at, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![trainee_id, s.from.to_string(), s.monthly_cost_ore, stamp(now), by],
    )?;
    Ok(conn.last_insert_rowid())
}

fn element_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Element> {
    Ok(Element {
        id: r.get(0)?,
        specialty: r.get(1)?,
        name: r.get(2)?,
        goals_largely: r.get(3)?,
        goals_partly: r.get(4)?,
        suggested_months: r.get(5)?,
        at_host: r.get(6)?,
        active: r.get(7)?,
    })
}

const ELEMENT_SELECT: &str = "SELECT id, specialty, name, goals_largely, goals_partly, suggested_months, at_host, active FROM training_element";

/// Every element, by specialty and name.
pub fn elements(conn: &Connection) -> rusqlite::Result<Vec<Element>> {
    conn.prepare_cached(&format!(
        "{ELEMENT_SELECT} ORDER BY specialty COLLATE swedish, name COLLATE swedish"
    ))?
    .query_map([], element_from_row)?
    .collect()
}

/// The active elements of one specialty.
pub fn elements_of(conn: &Connection, specialty: &str) -> rusqlite::Result<Vec<Element>> {
    conn.prepare_cached(&format!(
        "{ELEMENT_SELECT} WHERE specialty = ?1 AND active = 1 ORDER BY name COLLATE swedish"
    ))?
    .query_map([specialty], element_from_row)?
    .collect()
}

/// One element.
pub fn element(conn: &Connection, id: i64) -> rusqlite::Result<Option<Element>> {
    conn.prepare_cached(&format!("{ELEMENT_SELECT} WHERE id = ?1"))?
        .query_row([id], element_from_row)
        .optional()
}

/// Stores a new element; `id` is ignored.
pub fn create_element(conn: &Connection, e: &Element) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO training_element (specialty, name, goals_largely, goals_partly, suggested_months, at_host, active)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![e.specialty, e.name, e.goals_largely, e.goals_partly, e.suggested_months, e.at_host, e.active],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Changes an element.
pub fn update_element(conn: &Connection, e: &Element) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE training_element SET specialty = ?2, name = ?3, goals_largely = ?4, goals_partly = ?5,
            suggested_months = ?6, at_host = ?7, active = ?8 WHERE id = ?1",
        params![e.id, e.specialty, e.name, e.goals_largely, e.goals_partly, e.suggested_months, e.at_host, e.active],
    )
}

/// The specialties named by elements or trainees, for pickers.
pub fn specialties(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT specialty FROM training_element UNION SELECT specialty FROM trainee ORDER BY 1",
    )?
    .query_map([], |r| r.get(0))?
    .collect()
}

/// `(element id, certificate signed)` for every live placement element of a trainee.
pub fn covered_elements(conn: &Connection, trainee_id: i64) -> rusqlite::Result<Vec<(i64, bool)>> {
    conn.prepare_cached(
        "SELECT pe.element_id, p.certificate = 'signed' FROM placement_element pe
         JOIN placement p ON p.id = pe.placement_id
         WHERE p.trainee_id = ?1 AND p.status <> 'cancelled'",
    )?
    .query_map([trainee_id], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// `(element id, certificate signed)` of every live placement element, by
/// trainee: one query for the missing-elements report.
pub fn all_covered_elements(conn: &Connection) -> rusqlite::Result<HashMap<i64, Vec<(i64, bool)>>> {
    let mut out: HashMap<i64, Vec<(i64, bool)>> = Default::default();
    let mut stmt = conn.prepare_cached(
        "SELECT p.trainee_id, pe.element_id, p.certificate = 'signed' FROM placement_element pe
         JOIN placement p ON p.id = pe.placement_id WHERE p.status <> 'cancelled'",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        out.entry(r.get(0)?)
            .or_default()
            .push((r.get(1)?, r.get(2)?));
    }
    Ok(out)
}
