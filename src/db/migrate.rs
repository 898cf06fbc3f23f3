//! Schema creation and upgrades. A fresh file gets `schema.sql` whole; an older
//! file runs the upgrade steps after its version, all in one transaction, so a
//! failed upgrade leaves the file as it was.

use rusqlite::{Connection, TransactionBehavior};

use super::DbError;

/// The schema of record.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// The version `schema.sql` describes.
pub const CURRENT_VERSION: i64 = 1;

/// Upgrade steps: `(version it produces, SQL)`. Step N turns a version N-1 file
/// into version N. Version 1 is the first released schema, so none exist yet.
const UPGRADES: &[(i64, &str)] = &[];

/// Creates or upgrades the schema. Returns the version the file had before.
pub fn prepare(conn: &mut Connection) -> Result<i64, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > CURRENT_VERSION {
        return Err(DbError::TooNew {
            found,
            supported: CURRENT_VERSION,
        });
    }
    if found == 0 {
        let has_tables: i64 = tx.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        if has_tables == 0 {
            tx.execute_batch(SCHEMA)?;
        }
    } else {
        for (version, sql) in UPGRADES.iter().filter(|(v, _)| *v > found) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
        }
    }
    tx.pragma_update(None, "user_version", CURRENT_VERSION)?;
    tx.commit()?;
    Ok(found)
}
