//! The completion import in SQLite: everyone a file may name and the
//! completions already recorded, each loaded once per file; the batches and
//! their undoing.
//!
//! Files from a whole region run to a hundred thousand rows, so the checks
//! look people and existing completions up in memory instead of asking
//! SQLite once per row.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::clock::stamp;
use crate::licences::model::Part;

/// What one completion is, for "already recorded" and duplicates: the person,
/// the licence type, the part and the date. Notes and supervisors do not make
/// a completion different.
pub type Key = (i64, i64, Part, NaiveDate);

/// Everyone the file may name, loaded once.
#[derive(Debug, Default)]
pub struct People {
    /// Upper-cased HSA-id to the person.
    pub by_hsa: HashMap<String, i64>,
    /// Lower-cased e-mail to the person and whether they have an HSA-id.
    pub by_email: HashMap<String, (i64, bool)>,
}

/// Every person by HSA-id and by e-mail.
pub fn people(conn: &Connection) -> rusqlite::Result<People> {
    let count: i64 = conn.query_row("SELECT count(*) FROM person", [], |r| r.get(0))?;
    let count = usize::try_from(count).unwrap_or(0);
    let mut people = People {
        by_hsa: HashMap::with_capacity(count),
        by_email: HashMap::with_capacity(count),
    };
    let mut stmt = conn.prepare_cached("SELECT id, hsa_id, email FROM person")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let hsa: Option<String> = r.get(1)?;
        let email = lower(r.get(2)?);
        people.by_email.insert(email, (id, hsa.is_some()));
        if let Some(mut h) = hsa {
            // HSA-ids are ASCII once checked.
            h.make_ascii_uppercase();
            people.by_hsa.insert(h, id);
        }
    }
    Ok(people)
}

/// Lower case, in place for the usual ASCII address.
pub fn lower(mut s: String) -> String {
    if s.is_ascii() {
        s.make_ascii_lowercase();
        s
    } else {
        s.to_lowercase()
    }
}

/// The non-revoked completions of the people and licence types in `wanted`,
/// each pair looked up by the person's index (in person order, so the reads
/// move forward through it).
pub fn existing(conn: &Connection, wanted: &HashSet<(i64, i64)>) -> rusqlite::Result<HashSet<Key>> {
    // Revocations are far fewer than completions: one set of them is cheaper
    // than asking for each of hundreds of thousands of rows.
    let revoked: HashSet<i64> = conn
        .prepare_cached("SELECT completion_id FROM licence_revocation")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    // Each wanted person's completions of the type, read from the person's
    // index in its order: a file names a fraction of the people, and a
    // type may have tens of millions of completions.
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.part, c.completed_on FROM licence_completion c
         WHERE c.person_id = ?1 AND c.licence_type_id = ?2",
    )?;
    let mut pairs: Vec<(i64, i64)> = wanted.iter().copied().collect();
    pairs.sort_unstable();
    let mut existing = HashSet::new();
    for (person, t) in pairs {
        let mut rows = stmt.query([person, t])?;
        while let Some(r) = rows.next()? {
            if revoked.contains(&r.get(0)?) {
                continue;
            }
            let part = match r.get_ref(1)?.as_str()? {
                "practical" => Part::Practical,
                _ => Part::Theory,
            };
            if let Some(on) = crate::check::date(r.get_ref(2)?.as_str()?) {
                existing.insert((person, t, part, on));
            }
        }
    }
    Ok(existing)
}

/// A new batch; returns its id.
pub fn create_batch(
    conn: &Connection,
    kind: &str,
    file_name: &str,
    rows: usize,
    added: usize,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO import_batch (kind, file_name, rows, added, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        kind,
        file_name,
        rows as i64,
        added as i64,
        stamp(now),
        by
    ])?;
    Ok(conn.last_insert_rowid())
}

/// One recorded import.
#[derive(Debug, Clone, Serialize)]
pub struct Batch {
    /// Id.
    pub id: i64,
    /// What was imported, e.g. `completions`.
    pub kind: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// Data rows in the file.
    pub rows: i64,
    /// Records it added.
    pub added: i64,
    /// When (UTC).
    pub created_at: String,
    /// The account's e-mail; `None` for the command line.
    pub created_by: Option<String>,
    /// When undone (UTC) and by whom.
    pub undone: Option<(String, Option<String>)>,
}

const BATCH_SELECT: &str =
    "SELECT b.id, b.kind, b.file_name, b.rows, b.added, b.created_at, ca.email,
        b.undone_at, ua.email
    FROM import_batch b
    LEFT JOIN account ca ON ca.id = b.created_by
    LEFT JOIN account ua ON ua.id = b.undone_by";

fn batch_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Batch> {
    let undone_at: Option<String> = r.get(7)?;
    Ok(Batch {
        id: r.get(0)?,
        kind: r.get(1)?,
        file_name: r.get(2)?,
        rows: r.get(3)?,
        added: r.get(4)?,
        created_at: r.get(5)?,
        created_by: r.get(6)?,
        undone: match undone_at {
            Some(at) => Some((at, r.get(8)?)),
            None => None,
        },
    })
}

/// Batches, newest first, `limit` from `offset`, and how many there are.
pub fn batches(conn: &Connection, limit: u32, offset: u32) -> rusqlite::Result<(Vec<Batch>, i64)> {
    let total: i64 = conn.query_row("SELECT count(*) FROM import_batch", [], |r| r.get(0))?;
    let rows = conn
        .prepare_cached(&format!(
            "{BATCH_SELECT} ORDER BY b.id DESC LIMIT ?1 OFFSET ?2"
        ))?
        .query_map(params![limit, offset], batch_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

/// One batch.
pub fn batch(conn: &Connection, id: i64) -> rusqlite::Result<Option<Batch>> {
    conn.prepare_cached(&format!("{BATCH_SELECT} WHERE b.id = ?1"))?
        .query_row([id], batch_from_row)
        .optional()
}

/// Revokes, with `reason`, every completion of the batch not revoked yet,
/// and marks the batch undone. Returns how many it revoked.
pub fn undo_batch(
    conn: &Connection,
    batch_id: i64,
    reason: &str,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let at = stamp(now);
    // One statement for the whole batch: a batch can hold a hundred thousand rows.
    let revoked = conn.execute(
        "INSERT INTO licence_revocation (completion_id, revoked_at, revoked_by, reason)
         SELECT c.id, ?2, ?3, ?4 FROM licence_completion c
         WHERE c.import_batch_id = ?1
           AND NOT EXISTS (SELECT 1 FROM licence_revocation v WHERE v.completion_id = c.id)",
        params![batch_id, at, by, reason],
    )?;
    conn.execute(
        "UPDATE import_batch SET undone_at = ?2, undone_by = ?3 WHERE id = ?1",
        params![batch_id, at, by],
    )?;
    Ok(revoked)
}
