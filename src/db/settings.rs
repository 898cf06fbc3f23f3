//! The installation's own settings (`setting`): values made once, such as
//! the secret that signs CSRF tokens.

use rusqlite::{Connection, OptionalExtension};

/// The value of `key`, if set.
pub fn get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
}

/// The value of `key`, set to `fresh` first when there is none. Two
/// processes starting at once agree on one value.
pub fn get_or_insert(conn: &Connection, key: &str, fresh: &str) -> rusqlite::Result<String> {
    let existing: Option<String> = conn
        .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(value) = existing {
        return Ok(value);
    }
    conn.execute(
        "INSERT OR IGNORE INTO setting (key, value) VALUES (?1, ?2)",
        [key, fresh],
    )?;
    conn.query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
        r.get(0)
    })
}
