//! The placements' SQL: placements with their trainee's and host's names,
//! their elements, home periods and the reported split ledger.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::date_col;
use crate::clock::stamp;
use crate::rotations::placements::{
    ApprovedPlan, Certificate, HomePeriodRow, HomeReason, LedgerLine, Placement, PlanInput, Span,
    Stored,
};

const PLACEMENT_SELECT: &str = "SELECT p.id, p.trainee_id, pe.name, pe.unit_id, hu.code, hu.name, p.host_unit_id, u.code, u.name,
        p.kind, p.start_on, p.end_on, p.extent_percent, p.host_supervisor, p.certificate, p.status,
        p.approved_kind, p.approved_start, p.approved_end, p.approved_extent, p.agreement_code, p.approved_at,
        p.agreement_version
    FROM placement p
    JOIN trainee t ON t.id = p.trainee_id
    JOIN person pe ON pe.id = t.person_id
    JOIN unit hu ON hu.id = pe.unit_id
    JOIN unit u ON u.id = p.host_unit_id";

fn placement_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Placement> {
    let certificate: String = r.get(14)?;
    let stored: String = r.get(15)?;
    let approved_kind: Option<String> = r.get(16)?;
    let approved = match approved_kind {
        Some(kind) => Some(ApprovedPlan {
            kind,
            start: date_col(r, 17)?,
            end: date_col(r, 18)?,
            extent: r.get(19)?,
            agreement_code: r.get::<_, Option<String>>(20)?.unwrap_or_default(),
            agreement_version: r
                .get::<_, Option<i64>>(22)?
                .and_then(|v| u32::try_from(v).ok()),
            at: r.get::<_, Option<String>>(21)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Placement {
        id: r.get(0)?,
        trainee_id: r.get(1)?,
        trainee_name: r.get(2)?,
        home_unit_id: r.get(3)?,
        home_unit_code: r.get(4)?,
        home_unit_name: r.get(5)?,
        host_unit_id: r.get(6)?,
        host_unit_code: r.get(7)?,
        host_unit_name: r.get(8)?,
        kind: r.get(9)?,
        start: date_col(r, 10)?,
        end: date_col(r, 11)?,
        extent: r.get(12)?,
        host_supervisor: r.get(13)?,
        certificate: Certificate::parse(&certificate).unwrap_or(Certificate::NotStarted),
        stored: Stored::parse(&stored).unwrap_or(Stored::Planned),
        approved,
    })
}

/// One placement.
pub fn placement(conn: &Connection, id: i64) -> rusqlite::Result<Option<Placement>> {
    conn.prepare_cached(&format!("{PLACEMENT_SELECT} WHERE p.id = ?1"))?
        .query_row([id], placement_from_row)
        .optional()
}

/// Placements matching optional filters, by start day.
pub fn placements(
    conn: &Connection,
    trainee_id: Option<i64>,
    host_unit_id: Option<i64>,
    overlapping: Option<(NaiveDate, NaiveDate)>,
) -> rusqlite::Result<Vec<Placement>> {
    let (from, to) = overlapping
        .map(|(a, b)| (Some(a.to_string()), Some(b.to_string())))
        .unwrap_or((None, None));
    conn.prepare_cached(&format!(
        "{PLACEMENT_SELECT}
         WHERE (?1 IS NULL OR p.trainee_id = ?1) AND (?2 IS NULL OR p.host_unit_id = ?2)
           AND (?3 IS NULL OR p.end_on >= ?3) AND (?4 IS NULL OR p.start_on <= ?4)
         ORDER BY p.start_on, p.id"
    ))?
    .query_map(
        params![trainee_id, host_unit_id, from, to],
        placement_from_row,
    )?
    .collect()
}

/// Live (not cancelled) spans of a trainee's or a host's placements, leaving
/// out `except` (the placement being changed).
pub fn live_spans(
    conn: &Connection,
    trainee_id: Option<i64>,
    host_unit_id: Option<i64>,
    except: Option<i64>,
) -> rusqlite::Result<Vec<Span>> {
    conn.prepare_cached(
        "SELECT id, start_on, end_on FROM placement
         WHERE status <> 'cancelled' AND (?1 IS NULL OR trainee_id = ?1)
           AND (?2 IS NULL OR host_unit_id = ?2) AND (?3 IS NULL OR id <> ?3)",
    )?
    .query_map(params![trainee_id, host_unit_id, except], |r| {
        Ok((r.get(0)?, date_col(r, 1)?, date_col(r, 2)?))
    })?
    .collect()
}

/// A unit's trainee capacity (None when it hosts none or does not exist).
pub fn capacity(conn: &Connection, unit_id: i64) -> rusqlite::Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT trainee_capacity FROM unit WHERE id = ?1",
            [unit_id],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten())
}

/// Units that take trainees, `(id, code, name, capacity)`.
pub fn host_units(conn: &Connection) -> rusqlite::Result<Vec<(i64, String, String, i64)>> {
    conn.prepare_cached(
        "SELECT id, code, name, trainee_capacity FROM unit
         WHERE active = 1 AND trainee_capacity > 0 ORDER BY code",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
    .collect()
}

/// Stores a new planned placement with its elements.
pub fn create_placement(
    conn: &Connection,
    p: &PlanInput,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO placement (trainee_id, host_unit_id, kind, start_on, end_on, extent_percent, host_supervisor, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'planned', ?8)",
        params![
            p.trainee_id,
            p.host_unit_id,
            p.kind,
            p.start.to_string(),
            p.end.to_string(),
            p.extent,
            p.host_supervisor,
            stamp(now)
        ],
    )?;
    let id = conn.last_insert_rowid();
    set_elements(conn, id, &p.elements)?;
    Ok(id)
}

/// Changes a placement's plan (host, kind, dates, extent, supervisor, elements).
pub fn update_placement(conn: &Connection, id: i64, p: &PlanInput) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE placement SET host_unit_id = ?2, kind = ?3, start_on = ?4, end_on = ?5,
            extent_percent = ?6, host_supervisor = ?7 WHERE id = ?1",
        params![
            id,
            p.host_unit_id,
            p.kind,
            p.start.to_string(),
            p.end.to_string(),
            p.extent,
            p.host_supervisor
        ],
    )?;
    set_elements(conn, id, &p.elements)
}

/// Replaces a placement's elements. Ids no element has (a stale or forged
/// form) are left out rather than failing the foreign key.
fn set_elements(conn: &Connection, id: i64, elements: &[i64]) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM placement_element WHERE placement_id = ?1",
        [id],
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO placement_element (placement_id, element_id)
         SELECT ?1, id FROM training_element WHERE id = ?2",
    )?;
    for e in elements {
        stmt.execute([id, *e])?;
    }
    Ok(())
}

/// The element ids of a placement.
pub fn element_ids(conn: &Connection, placement_id: i64) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached(
        "SELECT element_id FROM placement_element WHERE placement_id = ?1 ORDER BY element_id",
    )?
    .query_map([placement_id], |r| r.get(0))?
    .collect()
}

/// Records the approval, the plan it approved and the agreement version
/// (code and version) it was priced with.
pub fn approve(
    conn: &Connection,
    id: i64,
    agreement: (&str, u32),
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE placement SET status = 'approved', approved_kind = kind, approved_start = start_on,
            approved_end = end_on, approved_extent = extent_percent, agreement_code = ?2,
            agreement_version = ?5, approved_at = ?3, approved_by = ?4
         WHERE id = ?1 AND status = 'planned'",
        params![id, agreement.0, stamp(now), by, agreement.1],
    )
}

/// Marks a placement cancelled.
pub fn cancel(conn: &Connection, id: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE placement SET status = 'cancelled' WHERE id = ?1 AND status <> 'cancelled'",
        [id],
    )
}

/// Sets the certificate status.
pub fn set_certificate(conn: &Connection, id: i64, c: Certificate) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE placement SET certificate = ?2 WHERE id = ?1",
        params![id, c.as_str()],
    )
}

/// A placement's home periods, by start.
pub fn home_periods(conn: &Connection, placement_id: i64) -> rusqlite::Result<Vec<HomePeriodRow>> {
    conn.prepare_cached(
        "SELECT id, start_on, end_on, reason, note FROM placement_home_period
         WHERE placement_id = ?1 ORDER BY start_on, id",
    )?
    .query_map([placement_id], |r| {
        let reason: String = r.get(3)?;
        Ok(HomePeriodRow {
            id: r.get(0)?,
            start: date_col(r, 1)?,
            end: date_col(r, 2)?,
            reason: HomeReason::parse(&reason).unwrap_or(HomeReason::CalledHome),
            note: r.get(4)?,
        })
    })?
    .collect()
}

/// Every home period, by placement: one query for reports.
pub fn all_home_periods(
    conn: &Connection,
) -> rusqlite::Result<std::collections::HashMap<i64, Vec<HomePeriodRow>>> {
    let mut out: std::collections::HashMap<i64, Vec<HomePeriodRow>> = Default::default();
    let mut stmt = conn.prepare_cached(
        "SELECT placement_id, id, start_on, end_on, reason, note FROM placement_home_period ORDER BY start_on",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let reason: String = r.get(4)?;
        out.entry(r.get(0)?).or_default().push(HomePeriodRow {
            id: r.get(1)?,
            start: date_col(r, 2)?,
            end: date_col(r, 3)?,
            reason: HomeReason::parse(&reason).unwrap_or(HomeReason::CalledHome),
            note: r.get(5)?,
        });
    }
    Ok(out)
}

/// Adds a home period.
pub fn add_home_period(
    conn: &Connection,
    placement_id: i64,
    start: NaiveDate,
    end: NaiveDate,
    reason: HomeReason,
    note: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO placement_home_period (placement_id, start_on, end_on, reason, note, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![placement_id, start.to_string(), end.to_string(), reason.as_str(), note, stamp(now)],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A placement's recorded lines, in the order they were written.
pub fn ledger(conn: &Connection, placement_id: i64) -> rusqlite::Result<Vec<LedgerLine>> {
    conn.prepare_cached(
        "SELECT id, kind, recorded_on, month, home_ore, host_ore, cause FROM placement_split_line
         WHERE placement_id = ?1 ORDER BY id",
    )?
    .query_map([placement_id], |r| {
        Ok(LedgerLine {
            id: r.get(0)?,
            kind: r.get(1)?,
            recorded_on: date_col(r, 2)?,
            month: r.get(3)?,
            home_ore: r.get(4)?,
            host_ore: r.get(5)?,
            cause: r.get(6)?,
        })
    })?
    .collect()
}

/// Appends lines to the ledger.
pub fn append_ledger(
    conn: &Connection,
    placement_id: i64,
    kind: &str,
    on: NaiveDate,
    lines: &[(String, i64, i64)],
    cause: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO placement_split_line (placement_id, kind, recorded_on, month, home_ore, host_ore, cause, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (month, home, host) in lines {
        stmt.execute(params![
            placement_id,
            kind,
            on.to_string(),
            month,
            home,
            host,
            cause,
            stamp(now)
        ])?;
    }
    Ok(())
}
