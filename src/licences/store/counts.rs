//! The SQL of the kept compliance counts (`licences::counts`): the people's
//! employment and completions as the engine reads them, and its three
//! tables, `compliance_event` (each person's transitions),
//! `compliance_delta` (their changes to the counts per unit and day) and
//! `compliance_checkpoint` (the running sums at the start of each month),
//! with `compliance_dirty` and the refresh mark. No rules here: the engine
//! decides what to write.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::{CachedStatement, Connection, OptionalExtension, params};

use crate::licences::model::{Done, Part, Status};
use crate::licences::timeline::{Counted, Segment, Transition};
use crate::organisation::model::Profession;

/// Signed changes of (valid, expiring, expired, missing).
pub type Change = [i64; 4];

/// The first day of the day numbers the event and delta tables store.
const DAY_ZERO: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");

/// A day as the event and delta tables store it: days since 1970-01-01.
fn day_number(day: NaiveDate) -> i64 {
    day.signed_duration_since(DAY_ZERO).num_days()
}

/// The day a stored day number stands for.
fn day_of(number: i64) -> Option<NaiveDate> {
    DAY_ZERO.checked_add_signed(chrono::TimeDelta::try_days(number)?)
}

/// A status as the event table stores it.
fn status_code(status: Status) -> i64 {
    match status {
        Status::Valid => 0,
        Status::Expiring => 1,
        Status::Expired => 2,
        Status::Missing => 3,
    }
}

/// The status a stored code stands for.
fn status_of(code: i64) -> Option<Status> {
    match code {
        0 => Some(Status::Valid),
        1 => Some(Status::Expiring),
        2 => Some(Status::Expired),
        3 => Some(Status::Missing),
        _ => None,
    }
}

fn segment_from_row(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Option<Segment>> {
    let unit_id: i64 = r.get(first)?;
    let profession: String = r.get(first + 1)?;
    let from: String = r.get(first + 2)?;
    let to: Option<String> = r.get(first + 3)?;
    // Rows the straightforward computation skips are skipped here too.
    let (Some(profession), Some(from)) =
        (Profession::parse(&profession), crate::check::date(&from))
    else {
        return Ok(None);
    };
    Ok(Some(Segment {
        from,
        to: to.as_deref().and_then(crate::check::date),
        unit_id,
        profession,
    }))
}

/// One person's employment, oldest first.
pub fn person_segments(conn: &Connection, person_id: i64) -> rusqlite::Result<Vec<Segment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT unit_id, profession, valid_from, valid_to FROM employment WHERE person_id = ?1 ORDER BY valid_from, id",
    )?;
    let rows = stmt.query_map([person_id], |r| segment_from_row(r, 0))?;
    let mut out = Vec::new();
    for row in rows {
        out.extend(row?);
    }
    Ok(out)
}

/// The employment of the people with ids from `first` up to, not including,
/// `end`, by person, oldest first.
pub fn segments_between(
    conn: &Connection,
    first: i64,
    end: i64,
) -> rusqlite::Result<BTreeMap<i64, Vec<Segment>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT person_id, unit_id, profession, valid_from, valid_to FROM employment
         WHERE person_id >= ?1 AND person_id < ?2 ORDER BY person_id, valid_from, id",
    )?;
    let rows = stmt.query_map([first, end], |r| {
        Ok((r.get::<_, i64>(0)?, segment_from_row(r, 1)?))
    })?;
    let mut out: BTreeMap<i64, Vec<Segment>> = BTreeMap::new();
    for row in rows {
        if let (person, Some(s)) = row? {
            out.entry(person).or_default().push(s);
        }
    }
    Ok(out)
}

/// The largest person id with employment (0 when there is none).
pub fn last_employed(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT coalesce(max(person_id), 0) FROM employment")?
        .query_row([], |r| r.get(0))
}

/// One person's completions of one type, as the rules see them, per part.
#[derive(Debug, Default)]
pub struct Parts {
    /// Theory.
    pub theory: Vec<Done>,
    /// Practical.
    pub practical: Vec<Done>,
}

impl Parts {
    fn push(&mut self, part: Part, d: Done) {
        match part {
            Part::Theory => self.theory.push(d),
            Part::Practical => self.practical.push(d),
        }
    }
}

/// One completion row as the rules see it: (person, part, done).
fn done_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<(i64, Part, Done)>> {
    let part: String = r.get(1)?;
    let on: String = r.get(2)?;
    let Some(on) = crate::check::date(&on) else {
        return Ok(None);
    };
    let part = match Part::parse(&part) {
        Some(Part::Practical) => Part::Practical,
        _ => Part::Theory,
    };
    Ok(Some((
        r.get(0)?,
        part,
        Done {
            on,
            revoked: r.get(3)?,
        },
    )))
}

const DONE_SELECT: &str = "SELECT c.person_id, c.part, c.completed_on, v.completion_id IS NOT NULL
    FROM licence_completion c LEFT JOIN licence_revocation v ON v.completion_id = c.id";

/// One person's completions of one type.
pub fn person_done(
    conn: &Connection,
    person_id: i64,
    licence_type_id: i64,
) -> rusqlite::Result<Parts> {
    let mut stmt = conn.prepare_cached(&format!(
        "{DONE_SELECT} WHERE c.person_id = ?1 AND c.licence_type_id = ?2"
    ))?;
    let rows = stmt.query_map([person_id, licence_type_id], done_from_row)?;
    let mut out = Parts::default();
    for row in rows {
        if let Some((_, part, d)) = row? {
            out.push(part, d);
        }
    }
    Ok(out)
}

/// The completions of one type of everyone in `people`, whose ids lie from
/// `first` up to, not including, `end`: one range of the type's index.
pub fn done_between<V>(
    conn: &Connection,
    licence_type_id: i64,
    first: i64,
    end: i64,
    people: &BTreeMap<i64, V>,
) -> rusqlite::Result<HashMap<i64, Parts>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{DONE_SELECT} WHERE c.licence_type_id = ?1 AND c.person_id >= ?2 AND c.person_id < ?3"
    ))?;
    let rows = stmt.query_map([licence_type_id, first, end], done_from_row)?;
    let mut out: HashMap<i64, Parts> = HashMap::new();
    for row in rows {
        if let Some((person, part, d)) = row?
            && people.contains_key(&person)
        {
            out.entry(person).or_default().push(part, d);
        }
    }
    Ok(out)
}

/// The transitions stored for one person and type, in order.
pub fn stored_transitions(
    conn: &Connection,
    licence_type_id: i64,
    person_id: i64,
) -> rusqlite::Result<Vec<Transition>> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, unit_id, status, valid_until FROM compliance_event
         WHERE licence_type_id = ?1 AND person_id = ?2 ORDER BY day",
    )?;
    let rows = stmt.query_map([licence_type_id, person_id], |r| {
        let day: i64 = r.get(0)?;
        let unit_id: Option<i64> = r.get(1)?;
        let status: Option<i64> = r.get(2)?;
        let valid_until: Option<i64> = r.get(3)?;
        Ok((day, unit_id, status, valid_until))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (day, unit_id, status, valid_until) = row?;
        let Some(day) = day_of(day) else {
            continue;
        };
        let state = match (unit_id, status.and_then(status_of)) {
            (Some(unit_id), Some(status)) => Some(Counted {
                unit_id,
                status,
                valid_until: valid_until.and_then(day_of),
            }),
            _ => None,
        };
        out.push(Transition { day, state });
    }
    Ok(out)
}

/// What the stored transitions tell of one person and type on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// A change to the person or the type waits in `compliance_dirty`: the
    /// stored transitions may be out of date.
    Stale,
    /// Up to date, and the person does not count that day (not required, or
    /// not employed).
    Uncounted,
    /// Up to date, and the person counts that day in this state.
    Counted(Counted),
}

/// The state of one person for one type on `day` from the stored
/// transitions: the last one on or before the day, unless a change to the
/// person, the type or everything waits to be applied. Primary-key probes
/// only: no temporary tables (an `IN` list or a joined subquery would open
/// one for every call).
pub fn state_on(
    conn: &Connection,
    licence_type_id: i64,
    person_id: i64,
    day: NaiveDate,
) -> rusqlite::Result<Kept> {
    let waiting: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM compliance_dirty WHERE person_id = 0 AND licence_type_id = 0)
                 OR EXISTS (SELECT 1 FROM compliance_dirty WHERE person_id = 0 AND licence_type_id = ?1)
                 OR EXISTS (SELECT 1 FROM compliance_dirty WHERE person_id = ?2 AND licence_type_id = 0)
                 OR EXISTS (SELECT 1 FROM compliance_dirty WHERE person_id = ?2 AND licence_type_id = ?1)",
        )?
        .query_row([licence_type_id, person_id], |r| r.get(0))?;
    if waiting {
        return Ok(Kept::Stale);
    }
    let last = conn
        .prepare_cached(
            "SELECT unit_id, status, valid_until FROM compliance_event
             WHERE licence_type_id = ?1 AND person_id = ?2 AND day <= ?3
             ORDER BY day DESC LIMIT 1",
        )?
        .query_row(params![licence_type_id, person_id, day_number(day)], |r| {
            Ok((
                r.get::<_, Option<i64>>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })
        .optional()?;
    Ok(match last {
        Some((Some(unit_id), Some(status), valid_until)) => match status_of(status) {
            Some(status) => Kept::Counted(Counted {
                unit_id,
                status,
                valid_until: valid_until.and_then(day_of),
            }),
            // A code this build does not know: let the rules answer.
            None => Kept::Stale,
        },
        _ => Kept::Uncounted,
    })
}

/// Writes people's transitions; one prepared statement for a whole rebuild.
pub struct EventWriter<'c> {
    insert: CachedStatement<'c>,
}

impl<'c> EventWriter<'c> {
    /// A writer on `conn`.
    pub fn new(conn: &'c Connection) -> rusqlite::Result<EventWriter<'c>> {
        Ok(EventWriter {
            insert: conn.prepare_cached(
                "INSERT INTO compliance_event (licence_type_id, person_id, day, until_day, unit_id, status, valid_until)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
        })
    }

    /// Stores one person's transitions (each row lasting until the next).
    pub fn insert(
        &mut self,
        licence_type_id: i64,
        person_id: i64,
        transitions: &[Transition],
    ) -> rusqlite::Result<()> {
        for (i, t) in transitions.iter().enumerate() {
            let until = transitions.get(i + 1).map(|n| day_number(n.day));
            self.insert.execute(params![
                licence_type_id,
                person_id,
                day_number(t.day),
                until,
                t.state.map(|c| c.unit_id),
                t.state.map(|c| status_code(c.status)),
                t.state.and_then(|c| c.valid_until).map(day_number),
            ])?;
        }
        Ok(())
    }
}

/// Deletes one person's stored transitions of a type.
pub fn delete_events(
    conn: &Connection,
    licence_type_id: i64,
    person_id: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM compliance_event WHERE licence_type_id = ?1 AND person_id = ?2",
    )?
    .execute([licence_type_id, person_id])?;
    Ok(())
}

/// The first and last checkpoint month of a type, when it has any.
pub fn horizon(
    conn: &Connection,
    licence_type_id: i64,
) -> rusqlite::Result<Option<(NaiveDate, NaiveDate)>> {
    // Two queries: SQLite answers a lone min() or max() from the index.
    let first: Option<String> = conn
        .prepare_cached("SELECT min(month) FROM compliance_checkpoint WHERE licence_type_id = ?1")?
        .query_row([licence_type_id], |r| r.get(0))?;
    let last: Option<String> = conn
        .prepare_cached("SELECT max(month) FROM compliance_checkpoint WHERE licence_type_id = ?1")?
        .query_row([licence_type_id], |r| r.get(0))?;
    Ok(
        match (
            first.as_deref().and_then(crate::check::date),
            last.as_deref().and_then(crate::check::date),
        ) {
            (Some(f), Some(l)) => Some((f, l)),
            _ => None,
        },
    )
}

/// The day of a type's first delta, when it has any.
pub fn first_delta_day(
    conn: &Connection,
    licence_type_id: i64,
) -> rusqlite::Result<Option<NaiveDate>> {
    let day: Option<i64> = conn
        .prepare_cached("SELECT min(day) FROM compliance_delta WHERE licence_type_id = ?1")?
        .query_row([licence_type_id], |r| r.get(0))?;
    Ok(day.and_then(day_of))
}

/// Every unit with deltas of a type, in id order.
pub fn delta_units(conn: &Connection, licence_type_id: i64) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached(
        "SELECT DISTINCT unit_id FROM compliance_delta WHERE licence_type_id = ?1 ORDER BY unit_id",
    )?
    .query_map([licence_type_id], |r| r.get(0))?
    .collect()
}

/// Empties the three tables (before rebuilding everything).
pub fn clear_all(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DELETE FROM compliance_event; DELETE FROM compliance_delta; DELETE FROM compliance_checkpoint;",
    )
}

/// Deletes what the three tables hold of one type (before rebuilding it).
pub fn clear_type(conn: &Connection, licence_type_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM compliance_event WHERE licence_type_id = ?1",
        [licence_type_id],
    )?;
    conn.execute(
        "DELETE FROM compliance_delta WHERE licence_type_id = ?1",
        [licence_type_id],
    )?;
    conn.execute(
        "DELETE FROM compliance_checkpoint WHERE licence_type_id = ?1",
        [licence_type_id],
    )?;
    Ok(())
}

/// Makes the empty scratch table a rebuild sums its deltas in: each batch
/// of people adds its own sums per (unit, day), and [`insert_staged_deltas`]
/// adds those up. It lives in the connection's temporary database, so memory
/// stays bounded however many deltas there are.
pub fn begin_staging(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS compliance_delta_staged (
             licence_type_id INTEGER NOT NULL, day INTEGER NOT NULL, unit_id INTEGER NOT NULL,
             valid INTEGER NOT NULL, expiring INTEGER NOT NULL, expired INTEGER NOT NULL,
             missing INTEGER NOT NULL);
         DELETE FROM temp.compliance_delta_staged;",
    )
}

/// Drops the scratch table of [`begin_staging`].
pub fn end_staging(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("DROP TABLE IF EXISTS temp.compliance_delta_staged")
}

/// Adds one batch's summed deltas of a type to the scratch table.
pub fn stage_deltas(
    conn: &Connection,
    licence_type_id: i64,
    deltas: &HashMap<(i64, NaiveDate), Change>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO temp.compliance_delta_staged (licence_type_id, unit_id, day, valid, expiring, expired, missing)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for ((unit, day), c) in deltas {
        if c.iter().any(|n| *n != 0) {
            stmt.execute(params![
                licence_type_id,
                unit,
                day_number(*day),
                c[0],
                c[1],
                c[2],
                c[3]
            ])?;
        }
    }
    Ok(())
}

/// Writes a rebuilt type's deltas (none stored for it yet) from the scratch
/// table: summed per (day, unit), in the table's order (appending is the
/// quickest way to fill a b-tree), leaving out the sums that come to zero.
pub fn insert_staged_deltas(conn: &Connection, licence_type_id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO compliance_delta (licence_type_id, day, unit_id, valid, expiring, expired, missing)
         SELECT licence_type_id, day, unit_id, sum(valid), sum(expiring), sum(expired), sum(missing)
         FROM temp.compliance_delta_staged WHERE licence_type_id = ?1
         GROUP BY day, unit_id
         HAVING sum(valid) <> 0 OR sum(expiring) <> 0 OR sum(expired) <> 0 OR sum(missing) <> 0
         ORDER BY day, unit_id",
    )?
    .execute([licence_type_id])?;
    Ok(())
}

/// Adds changes to the stored deltas of one unit, dropping the rows that
/// come to zero.
pub fn add_to_deltas(
    conn: &Connection,
    licence_type_id: i64,
    unit_id: i64,
    changes: &[(NaiveDate, Change)],
) -> rusqlite::Result<()> {
    let mut upsert = conn.prepare_cached(
        "INSERT INTO compliance_delta (licence_type_id, unit_id, day, valid, expiring, expired, missing)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (licence_type_id, day, unit_id) DO UPDATE SET valid = valid + excluded.valid,
             expiring = expiring + excluded.expiring, expired = expired + excluded.expired, missing = missing + excluded.missing",
    )?;
    let mut prune = conn.prepare_cached(
        "DELETE FROM compliance_delta WHERE licence_type_id = ?1 AND unit_id = ?2 AND day = ?3
           AND valid = 0 AND expiring = 0 AND expired = 0 AND missing = 0",
    )?;
    for (day, c) in changes {
        let day = day_number(*day);
        upsert.execute(params![
            licence_type_id,
            unit_id,
            day,
            c[0],
            c[1],
            c[2],
            c[3]
        ])?;
        prune.execute(params![licence_type_id, unit_id, day])?;
    }
    Ok(())
}

/// The units with a checkpoint row of a type in `month`.
pub fn checkpoint_units(
    conn: &Connection,
    licence_type_id: i64,
    month: NaiveDate,
) -> rusqlite::Result<HashSet<i64>> {
    conn.prepare_cached(
        "SELECT unit_id FROM compliance_checkpoint WHERE licence_type_id = ?1 AND month = ?2",
    )?
    .query_map(params![licence_type_id, month.to_string()], |r| r.get(0))?
    .collect()
}

/// Gives a unit new to a type a zero row in each of `months`.
pub fn insert_zero_checkpoints(
    conn: &Connection,
    licence_type_id: i64,
    unit_id: i64,
    months: &[NaiveDate],
) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO compliance_checkpoint (licence_type_id, month, unit_id, valid, expiring, expired, missing)
         VALUES (?1, ?2, ?3, 0, 0, 0, 0)",
    )?;
    for m in months {
        insert.execute(params![licence_type_id, m.to_string(), unit_id])?;
    }
    Ok(())
}

/// Adds `c` to one unit's checkpoint of a type in `month`.
pub fn add_to_checkpoint(
    conn: &Connection,
    licence_type_id: i64,
    month: NaiveDate,
    unit_id: i64,
    c: &Change,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE compliance_checkpoint SET valid = valid + ?4, expiring = expiring + ?5, expired = expired + ?6,
             missing = missing + ?7
         WHERE licence_type_id = ?1 AND month = ?2 AND unit_id = ?3",
    )?
    .execute(params![
        licence_type_id,
        month.to_string(),
        unit_id,
        c[0],
        c[1],
        c[2],
        c[3]
    ])?;
    Ok(())
}

/// Every unit's checkpoint of a type in `month`.
pub fn checkpoint(
    conn: &Connection,
    licence_type_id: i64,
    month: NaiveDate,
) -> rusqlite::Result<Vec<(i64, Change)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT unit_id, valid, expiring, expired, missing FROM compliance_checkpoint
         WHERE licence_type_id = ?1 AND month = ?2",
    )?;
    stmt.query_map(params![licence_type_id, month.to_string()], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
        ))
    })?
    .collect()
}

/// The deltas of a type from `from` (`None`: the beginning) to `to`, both
/// included, as (unit, change).
pub fn deltas_from_to(
    conn: &Connection,
    licence_type_id: i64,
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> rusqlite::Result<Vec<(i64, Change)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT unit_id, valid, expiring, expired, missing FROM compliance_delta
         WHERE licence_type_id = ?1 AND day >= ?2 AND day <= ?3",
    )?;
    let from = from.map_or(i64::MIN, day_number);
    stmt.query_map(params![licence_type_id, from, day_number(to)], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
        ))
    })?
    .collect()
}

/// The deltas of a type from `from` up to, not including, `before`.
pub fn deltas_before(
    conn: &Connection,
    licence_type_id: i64,
    from: NaiveDate,
    before: NaiveDate,
) -> rusqlite::Result<Vec<(i64, Change)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT unit_id, valid, expiring, expired, missing FROM compliance_delta
         WHERE licence_type_id = ?1 AND day >= ?2 AND day < ?3",
    )?;
    stmt.query_map(
        params![licence_type_id, day_number(from), day_number(before)],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
            ))
        },
    )?
    .collect()
}

/// Writes one month's checkpoint of a type for every unit in `values`.
pub fn insert_month(
    conn: &Connection,
    licence_type_id: i64,
    month: NaiveDate,
    values: &BTreeMap<i64, Change>,
) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO compliance_checkpoint (licence_type_id, month, unit_id, valid, expiring, expired, missing)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let month = month.to_string();
    for (unit, c) in values {
        insert.execute(params![
            licence_type_id,
            month,
            unit,
            c[0],
            c[1],
            c[2],
            c[3]
        ])?;
    }
    Ok(())
}

/// Drops the secondary indexes of the event and delta tables and returns the
/// SQL that recreates them: building an index once after a bulk load is far
/// quicker than keeping it up to date row by row in random order.
pub fn set_aside_indexes(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let found: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL
               AND tbl_name IN ('compliance_event', 'compliance_delta')",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &found {
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(found.into_iter().map(|(_, sql)| sql).collect())
}

/// Recreates the indexes [`set_aside_indexes`] dropped.
pub fn restore_indexes(conn: &Connection, sql: &[String]) -> rusqlite::Result<()> {
    for s in sql {
        conn.execute_batch(s)?;
    }
    Ok(())
}

/// What the triggers recorded as changed: (person, type), where 0 means
/// every person or every type.
pub fn dirty(conn: &Connection) -> rusqlite::Result<Vec<(i64, i64)>> {
    conn.prepare_cached("SELECT person_id, licence_type_id FROM compliance_dirty")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Empties the dirty set once the counts are up to date.
pub fn clear_dirty(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM compliance_dirty", [])?;
    Ok(())
}

/// True when a write since the last refresh may have changed the counts.
pub fn is_dirty(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM compliance_dirty)")?
        .query_row([], |r| r.get(0))
}

/// How many times the counts were brought up to date.
pub fn refreshed(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT ifnull((SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'compliance_refreshed'), 0)",
    )?
    .query_row([], |r| r.get(0))
}

/// Counts one more refresh.
pub fn count_refresh(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO setting (key, value) VALUES ('compliance_refreshed', '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
        [],
    )?;
    Ok(())
}

/// Marks everything for a rebuild (before a bulk load, or to repair).
pub fn mark_all_dirty(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id) VALUES (0, 0)",
        [],
    )?;
    Ok(())
}

/// A required person's stored state on a day: who, where, the status and
/// until when the licence is valid.
#[derive(Debug, Clone)]
pub struct EventPerson {
    /// Person id.
    pub person_id: i64,
    /// Name.
    pub name: String,
    /// HSA-id.
    pub hsa_id: Option<String>,
    /// The unit counted in.
    pub unit_id: i64,
    /// The status.
    pub status: Status,
    /// The last valid day, when held.
    pub valid_until: Option<NaiveDate>,
}

/// Everyone employed in one of `units` on `day` whose stored transition of
/// the type counts them there, each looked up by index.
pub fn people_in_units(
    conn: &Connection,
    licence_type_id: i64,
    day: NaiveDate,
    units: &[i64],
) -> rusqlite::Result<Vec<EventPerson>> {
    let ids = serde_json::to_string(units).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare_cached(
        "SELECT ev.person_id, p.name, p.hsa_id, ev.unit_id, ev.status, ev.valid_until
         FROM (SELECT DISTINCT person_id FROM employment
               WHERE unit_id IN (SELECT value FROM json_each(?3))
                 AND valid_from <= ?2 AND (valid_to IS NULL OR valid_to > ?2)) AS e
         JOIN compliance_event ev ON ev.licence_type_id = ?1 AND ev.person_id = e.person_id
              AND ev.day <= ?4 AND (ev.until_day IS NULL OR ev.until_day > ?4)
         JOIN person p ON p.id = ev.person_id
         WHERE ev.unit_id IN (SELECT value FROM json_each(?3))",
    )?;
    event_people(
        &mut stmt,
        params![licence_type_id, day.to_string(), ids, day_number(day)],
    )
}

/// The people a query of (person, name, HSA-id, unit, status, valid-until)
/// names, with their stored state.
fn event_people(
    stmt: &mut CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<EventPerson>> {
    let rows = stmt.query_map(params, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, Option<i64>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (person_id, name, hsa_id, unit_id, status, until) = row?;
        if let Some(status) = status_of(status) {
            out.push(EventPerson {
                person_id,
                name,
                hsa_id,
                unit_id,
                status,
                valid_until: until.and_then(day_of),
            });
        }
    }
    Ok(out)
}

/// Everyone required on `day` whose licence of the type is not valid then
/// (expiring, expired, missing), by person: who the reminders and the
/// managers' digests name, read from the stored transitions in one pass over
/// the type's events.
pub fn needing_attention(
    conn: &Connection,
    licence_type_id: i64,
    day: NaiveDate,
) -> rusqlite::Result<Vec<EventPerson>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ev.person_id, p.name, p.hsa_id, ev.unit_id, ev.status, ev.valid_until
         FROM compliance_event ev JOIN person p ON p.id = ev.person_id
         WHERE ev.licence_type_id = ?1 AND ev.day <= ?2 AND (ev.until_day IS NULL OR ev.until_day > ?2)
           AND ev.status IS NOT NULL AND ev.status <> 0
         ORDER BY ev.person_id",
    )?;
    event_people(&mut stmt, params![licence_type_id, day_number(day)])
}

/// The (unit, valid-until) of every licence of the type valid on `day`
/// that runs out from `first` up to, not including, `end`: an index range
/// over the expiry dates.
pub fn expiries(
    conn: &Connection,
    licence_type_id: i64,
    day: NaiveDate,
    first: NaiveDate,
    end: NaiveDate,
) -> rusqlite::Result<Vec<(i64, NaiveDate)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.unit_id, e.valid_until FROM compliance_event e
         WHERE e.licence_type_id = ?1 AND e.status IN (0, 1)
           AND e.valid_until >= ?2 AND e.valid_until < ?3
           AND e.day <= ?4 AND (e.until_day IS NULL OR e.until_day > ?4)",
    )?;
    let rows = stmt.query_map(
        params![
            licence_type_id,
            day_number(first),
            day_number(end),
            day_number(day)
        ],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (unit_id, until) = row?;
        if let Some(until) = day_of(until) {
            out.push((unit_id, until));
        }
    }
    Ok(out)
}
