//! The append-only audit log.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::clock::stamp;

pub use crate::db::{Actor, Entry};

/// Appends one row. Call it inside the transaction of the write it describes.
///
/// Superseded by [`crate::db::Work::record`] (and `created`/`changed`),
/// which the unit of work gives every action; kept until the domains that
/// still call it are converted.
pub fn record(
    conn: &Connection,
    actor: &Actor,
    at: DateTime<Utc>,
    entry: Entry<'_>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor_account_id, actor, address, action, entity, entity_id, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        stamp(at),
        actor.account_id,
        actor.label,
        actor.address,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.before.map(|v| v.to_string()),
        entry.after.map(|v| v.to_string()),
    ])?;
    Ok(())
}

/// A stored row.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    /// Id.
    pub id: i64,
    /// UTC timestamp.
    pub at: String,
    /// Who.
    pub actor: String,
    /// From where.
    pub address: Option<String>,
    /// What.
    pub action: String,
    /// On what.
    pub entity: String,
    /// Which row.
    pub entity_id: Option<String>,
    /// Before, JSON.
    pub before: Option<String>,
    /// After, JSON.
    pub after: Option<String>,
}

/// Filters for browsing; empty fields match everything.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuditFilter {
    /// Substring of the actor.
    #[serde(default)]
    pub actor: String,
    /// Prefix of the action.
    #[serde(default)]
    pub action: String,
    /// Exact entity.
    #[serde(default)]
    pub entity: String,
    /// Exact entity id.
    #[serde(default)]
    pub entity_id: String,
    /// From date (Stockholm), inclusive, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// To date, inclusive.
    #[serde(default)]
    pub to: String,
    /// Page, from 1.
    #[serde(default)]
    pub page: Option<u32>,
}

/// Rows matching `filter`, newest first; `limit` None gives all (CSV export).
pub fn search(
    conn: &Connection,
    filter: &AuditFilter,
    from_utc: Option<String>,
    to_utc: Option<String>,
    limit: Option<(u32, u32)>,
) -> rusqlite::Result<(Vec<AuditRow>, i64)> {
    let where_sql = "WHERE (?1 = '' OR actor LIKE '%' || ?1 || '%')
          AND (?2 = '' OR action LIKE ?2 || '%')
          AND (?3 = '' OR entity = ?3)
          AND (?4 = '' OR entity_id = ?4)
          AND (?5 IS NULL OR at >= ?5)
          AND (?6 IS NULL OR at < ?6)";
    let p = params![
        filter.actor.trim(),
        filter.action.trim(),
        filter.entity.trim(),
        filter.entity_id.trim(),
        from_utc,
        to_utc
    ];
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM audit_log {where_sql}"),
        p,
        |r| r.get(0),
    )?;
    let (lim, off) = limit
        .map(|(l, o)| (i64::from(l), i64::from(o)))
        .unwrap_or((-1, 0));
    let sql = format!(
        "SELECT id, at, actor, address, action, entity, entity_id, before, after FROM audit_log {where_sql}
         ORDER BY id DESC LIMIT {lim} OFFSET {off}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(p, |r| {
            Ok(AuditRow {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                address: r.get(3)?,
                action: r.get(4)?,
                entity: r.get(5)?,
                entity_id: r.get(6)?,
                before: r.get(7)?,
                after: r.get(8)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}
