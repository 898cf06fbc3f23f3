//! A unit of work: one write transaction, who makes it and when, and the
//! audit rows that describe it, committed together or not at all. Every
//! change in the application is made through one ([`Db::change`]), so no
//! write can forget its audit row and no audit row outlives a failed write.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};
use serde::Serialize;

use super::{Db, DbError};
use crate::clock::stamp;

/// Who did something, and from where.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    /// The account, when signed in.
    pub account_id: Option<i64>,
    /// What the log shows: an e-mail, or `cli`, `system`, `anonymous`.
    pub label: String,
    /// Client address, when over HTTP.
    pub address: Option<String>,
}

impl Actor {
    /// The command line, run by whoever has the server's shell.
    pub fn cli() -> Actor {
        Actor {
            account_id: None,
            label: "cli".into(),
            address: None,
        }
    }

    /// The server itself (scheduled jobs).
    pub fn system() -> Actor {
        Actor {
            account_id: None,
            label: "system".into(),
            address: None,
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Verb, e.g. `person.create`, `login.failed`.
    pub action: &'a str,
    /// Table or concept, e.g. `person`.
    pub entity: &'a str,
    /// The row, when there is one.
    pub entity_id: Option<String>,
    /// State before, as JSON.
    pub before: Option<serde_json::Value>,
    /// State after, as JSON.
    pub after: Option<serde_json::Value>,
}

/// Appends one audit row. Only [`Work::record`] and the upgrade of old
/// files call it, inside the transaction of the write it describes.
fn append(
    tx: &Transaction,
    actor: &Actor,
    at: DateTime<Utc>,
    entry: Entry<'_>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
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

/// A write in progress: the transaction, who makes it and the clock's
/// reading. Store functions take it where they take a `&Transaction` (it
/// derefs to one); [`Work::record`] adds the audit rows.
pub struct Work<'t> {
    tx: &'t Transaction<'t>,
    actor: Actor,
    now: DateTime<Utc>,
}

impl<'t> Work<'t> {
    /// A unit of work on a transaction the caller already holds (the
    /// command line's single connection, a test).
    pub fn new(tx: &'t Transaction<'t>, actor: Actor, now: DateTime<Utc>) -> Work<'t> {
        Work { tx, actor, now }
    }

    /// The transaction.
    pub fn tx(&self) -> &'t Transaction<'t> {
        self.tx
    }

    /// When the change is made.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Who makes it.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Records one audit row for this change.
    pub fn record(&self, entry: Entry<'_>) -> rusqlite::Result<()> {
        append(self.tx, &self.actor, self.now, entry)
    }

    /// Records a new row `id` of `entity` as `after`.
    pub fn created(
        &self,
        action: &str,
        entity: &str,
        id: i64,
        after: impl Serialize,
    ) -> rusqlite::Result<()> {
        self.record(Entry {
            action,
            entity,
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json(after)),
        })
    }

    /// Records a change of row `id` of `entity` from `before` to `after`.
    pub fn changed(
        &self,
        action: &str,
        entity: &str,
        id: i64,
        before: impl Serialize,
        after: impl Serialize,
    ) -> rusqlite::Result<()> {
        self.record(Entry {
            action,
            entity,
            entity_id: Some(id.to_string()),
            before: Some(json(before)),
            after: Some(json(after)),
        })
    }
}

impl<'t> std::ops::Deref for Work<'t> {
    type Target = Transaction<'t>;

    fn deref(&self) -> &Transaction<'t> {
        self.tx
    }
}

fn json(value: impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

impl Db {
    /// Runs `f` as one unit of work by `actor` at `now`: its writes and its
    /// audit rows commit together when it returns `Ok`, and nothing is
    /// written when it refuses.
    pub async fn change<T, E, F>(&self, actor: Actor, now: DateTime<Utc>, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Work<'_>) -> Result<T, E> + Send + 'static,
    {
        self.write(move |tx| f(&Work::new(tx, actor, now))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(db: &std::path::Path) -> i64 {
        rusqlite::Connection::open(db)
            .and_then(|c| c.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0)))
            .unwrap_or(-1)
    }

    #[tokio::test]
    async fn a_refused_change_leaves_neither_its_rows_nor_its_audit_row() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        let db = Db::open(&path, super::super::DbOptions::default()).expect("open");
        let now = Utc::now();
        let before = count(&path);
        let made: Result<(), DbError> = db
            .change(Actor::cli(), now, |w| {
                w.execute("INSERT INTO setting (key, value) VALUES ('k', 'v')", [])?;
                w.created(
                    "setting.create",
                    "setting",
                    1,
                    serde_json::json!({"k": "v"}),
                )?;
                Ok(())
            })
            .await;
        assert!(made.is_ok());
        assert_eq!(count(&path), before + 1);
        let refused: Result<(), DbError> = db
            .change(Actor::cli(), now, |w| {
                w.execute("INSERT INTO setting (key, value) VALUES ('k2', 'v')", [])?;
                w.created("setting.create", "setting", 2, serde_json::json!({}))?;
                Err(DbError::Task("refused".into()))
            })
            .await;
        assert!(refused.is_err());
        assert_eq!(
            count(&path),
            before + 1,
            "the refused change left no audit row"
        );
        let kept: i64 = rusqlite::Connection::open(&path)
            .and_then(|c| {
                c.query_row("SELECT count(*) FROM setting WHERE key = 'k2'", [], |r| {
                    r.get(0)
                })
            })
            .unwrap_or(-1);
        assert_eq!(kept, 0, "nor its row");
    }
}
