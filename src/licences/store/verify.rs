//! Verification links in SQLite: only the SHA-256 of a link's token is
//! stored, so the token is shown once, when the link is made.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::auth::store::{new_token, token_hash};
use crate::clock::stamp;

/// A link as its page lists it (never the token, which is not stored).
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Id.
    pub id: i64,
    /// When made (UTC).
    pub created_at: String,
    /// Who made it.
    pub created_by: Option<String>,
    /// When revoked (UTC).
    pub revoked_at: Option<String>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
}

/// Makes a link; returns its id and the token, which only the caller ever sees.
pub fn create_link(
    conn: &Connection,
    person_id: i64,
    licence_type_id: i64,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<(i64, String)> {
    let token = new_token();
    conn.prepare_cached(
        "INSERT INTO licence_verification (person_id, licence_type_id, token_hash, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        person_id,
        licence_type_id,
        token_hash(&token),
        stamp(now),
        by
    ])?;
    Ok((conn.last_insert_rowid(), token))
}

/// The links of one person and licence, newest first.
pub fn links(
    conn: &Connection,
    person_id: i64,
    licence_type_id: i64,
) -> rusqlite::Result<Vec<Link>> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.created_at, ca.name, v.revoked_at, ra.name FROM licence_verification v
         LEFT JOIN account ca ON ca.id = v.created_by
         LEFT JOIN account ra ON ra.id = v.revoked_by
         WHERE v.person_id = ?1 AND v.licence_type_id = ?2
         ORDER BY v.created_at DESC, v.id DESC",
    )?;
    stmt.query_map(params![person_id, licence_type_id], |r| {
        Ok(Link {
            id: r.get(0)?,
            created_at: r.get(1)?,
            created_by: r.get(2)?,
            revoked_at: r.get(3)?,
            revoked_by: r.get(4)?,
        })
    })?
    .collect()
}

/// Whose link it is, for deciding who may revoke it.
#[derive(Debug, Clone, Copy)]
pub struct LinkOwner {
    /// The person.
    pub person_id: i64,
    /// The person's current unit.
    pub unit_id: i64,
    /// The licence.
    pub licence_type_id: i64,
}

/// The owner of link `id`.
pub fn link_owner(conn: &Connection, id: i64) -> rusqlite::Result<Option<LinkOwner>> {
    conn.prepare_cached(
        "SELECT v.person_id, p.unit_id, v.licence_type_id FROM licence_verification v
         JOIN person p ON p.id = v.person_id WHERE v.id = ?1",
    )?
    .query_row([id], |r| {
        Ok(LinkOwner {
            person_id: r.get(0)?,
            unit_id: r.get(1)?,
            licence_type_id: r.get(2)?,
        })
    })
    .optional()
}

/// Revokes a link; true when it was live (revoking twice changes nothing).
pub fn revoke_link(
    conn: &Connection,
    id: i64,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE licence_verification SET revoked_at = ?2, revoked_by = ?3
         WHERE id = ?1 AND revoked_at IS NULL",
        params![id, stamp(now), by],
    )?;
    Ok(changed == 1)
}

/// The person and licence behind a live token.
pub fn live_link(conn: &Connection, token: &str) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.prepare_cached(
        "SELECT person_id, licence_type_id FROM licence_verification
         WHERE token_hash = ?1 AND revoked_at IS NULL",
    )?
    .query_row([token_hash(token)], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}
