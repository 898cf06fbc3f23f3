//! What the licence reminders read besides the licences: the units' labels,
//! the people's addresses and the managers to send digests to.

use std::collections::HashMap;

use rusqlite::Connection;

/// Every unit's code and name, by id.
pub fn unit_labels(conn: &Connection) -> rusqlite::Result<HashMap<i64, String>> {
    conn.prepare("SELECT id, code || ' ' || name FROM unit")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// The e-mail of person `id`.
pub fn person_email(conn: &Connection, person_id: i64) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT email FROM person WHERE id = ?1")?
        .query_row([person_id], |r| r.get(0))
}

/// A manager to send a digest to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manager {
    /// The account.
    pub account_id: i64,
    /// Its name.
    pub name: String,
    /// Its e-mail.
    pub email: String,
}

/// Active accounts holding a manager role.
pub fn managers(conn: &Connection) -> rusqlite::Result<Vec<Manager>> {
    conn.prepare(
        "SELECT DISTINCT a.id, a.name, a.email FROM account a JOIN account_role r ON r.account_id = a.id
         WHERE a.active = 1 AND r.role = 'manager' ORDER BY a.id",
    )?
    .query_map([], |r| {
        Ok(Manager {
            account_id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
        })
    })?
    .collect()
}
