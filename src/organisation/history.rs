//! A person's employment history as it changes: what the store reads, the
//! rules of [`model`](super::model) applied to it, then the store's
//! writes. The actions call these and add the audit row; code that fills a
//! database (the demo data, tests) calls them directly, through the
//! store's re-exports, where there is no one to record.

use chrono::NaiveDate;
use rusqlite::Connection;

use super::model::{self, Assignment, EmploymentError, HistoryStep, Profession};
use super::store;

/// Moves a person to another unit or profession from `effective`, keeping
/// history; refused when the person has left or the date reaches back
/// before the current record.
pub fn change_assignment(
    conn: &Connection,
    person_id: i64,
    unit_id: i64,
    profession: Profession,
    effective: NaiveDate,
) -> rusqlite::Result<Result<HistoryStep, EmploymentError>> {
    let Some((row, current)) = store::current(conn, person_id)? else {
        return Ok(Err(EmploymentError::HasLeft));
    };
    let step = match model::plan_change(current, unit_id, profession, effective) {
        Ok(step) => step,
        Err(e) => return Ok(Err(e)),
    };
    store::record_move(conn, person_id, row, step, unit_id, profession, effective)?;
    Ok(Ok(step))
}

/// Records that a person leaves; `left_on` is the first day not employed.
pub fn mark_left(
    conn: &Connection,
    person_id: i64,
    left_on: NaiveDate,
) -> rusqlite::Result<Result<(), EmploymentError>> {
    let Some((row, current)) = store::current(conn, person_id)? else {
        return Ok(Err(EmploymentError::AlreadyLeft));
    };
    if let Err(e) = model::check_leaving(current, left_on) {
        return Ok(Err(e));
    }
    store::record_leaving(conn, person_id, row, left_on)?;
    Ok(Ok(()))
}

/// Rehires a person who left, from `from`.
pub fn rejoin(
    conn: &Connection,
    person_id: i64,
    unit_id: i64,
    profession: Profession,
    from: NaiveDate,
) -> rusqlite::Result<Result<(), EmploymentError>> {
    let left = store::person(conn, person_id)?.and_then(|p| p.left_on);
    let Some(left_on) = left else {
        return Ok(Err(EmploymentError::NotLeft));
    };
    if let Err(e) = model::check_rejoin(left_on, from) {
        return Ok(Err(e));
    }
    store::record_rejoin(
        conn,
        person_id,
        &Assignment {
            unit_id,
            profession,
            from,
        },
    )?;
    Ok(Ok(()))
}
