//! Every schema version that was released left a database file under
//! `tests/data/`. Each is upgraded to the current version and must keep its data.

use std::path::Path;

use oncotrack::db::{self, Db, DbOptions};
use rusqlite::{Connection, OpenFlags};

/// Rows per table, the search index's own tables left out (an upgrade may
/// build the index again, in other rows); its matches are checked instead.
fn counts(conn: &Connection) -> Vec<(String, i64)> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'person_search%' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    tables
        .into_iter()
        .map(|t| {
            let n = conn
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                .expect("count");
            (t, n)
        })
        .collect()
}

#[test]
fn every_released_schema_upgrades_with_its_data_intact() {
    let mut files: Vec<_> = std::fs::read_dir("tests/data")
        .expect("tests/data")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "db"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no schema files under tests/data");
    let fresh_dir = tempfile::tempdir().expect("tempdir");
    let fresh = fresh_dir.path().join("fresh.db");
    drop(Db::open(&fresh, DbOptions::default()).expect("fresh"));
    for file in files {
        let dir = tempfile::tempdir().expect("tempdir");
        let copy = dir.path().join("old.db");
        std::fs::copy(&file, &copy).expect("copy");
        let before = {
            let conn = Connection::open_with_flags(&copy, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .expect("open old");
            counts(&conn)
        };
        let sample_before: Vec<(String, String, Option<String>)> = sample(&copy);
        let opened = Db::open(&copy, DbOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        drop(opened);
        let report = db::check(&copy).expect("check");
        assert!(report.is_ok(), "{}: {report:?}", file.display());
        let mut conn = Connection::open(&copy).expect("open new");
        let after = counts(&conn);
        // An upgrade may make the kept compliance counts again in a new shape:
        // brought up to date, they are what a rebuild from the data gives.
        let today = chrono::Utc::now().date_naive();
        let refresh = |conn: &mut Connection| {
            let tx = conn.transaction().expect("transaction");
            oncotrack::licences::counts::refresh(&tx, today)
                .unwrap_or_else(|e| panic!("{}: refresh: {e}", file.display()));
            tx.commit().expect("commit");
        };
        refresh(&mut conn);
        let kept = crate::support::kept_rows(&conn);
        conn.execute("INSERT OR IGNORE INTO compliance_dirty VALUES (0, 0)", [])
            .expect("mark dirty");
        refresh(&mut conn);
        assert_eq!(
            crate::support::kept_rows(&conn),
            kept,
            "{}: kept counts",
            file.display()
        );
        for (table, n) in &before {
            if table.starts_with("compliance_") {
                continue;
            }
            let now = after.iter().find(|(t, _)| t == table).map(|(_, n)| *n);
            assert_eq!(now, Some(*n), "{}: rows of {table}", file.display());
        }
        assert_eq!(
            sample(&copy),
            sample_before,
            "{}: people changed",
            file.display()
        );
        // The search index holds every person as they are now.
        conn.execute_batch("INSERT INTO person_search (person_search) VALUES ('integrity-check')")
            .unwrap_or_else(|e| panic!("{}: search index: {e}", file.display()));
        for (_, email, _) in sample(&copy).iter().take(5) {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM person_search WHERE person_search MATCH ?1",
                    [format!("\"{email}\"")],
                    |r| r.get(0),
                )
                .expect("search");
            assert_eq!(n, 1, "{}: {email} in the search index", file.display());
        }
        assert_eq!(
            shape(&copy),
            shape(&fresh),
            "{}: the upgraded schema differs from a fresh one",
            file.display()
        );
        // Every approved placement knows the agreement version that priced it.
        let unpriced: i64 = conn
            .query_row(
                "SELECT count(*) FROM placement WHERE agreement_code IS NOT NULL AND agreement_version IS NULL",
                [],
                |r| r.get(0),
            )
            .expect("placements");
        assert_eq!(
            unpriced,
            0,
            "{}: placements without a version",
            file.display()
        );
        // CHECK constraints are not in the shape: every kind of notice the
        // code sends must fit the upgraded outbox too.
        let mut conn = conn;
        let tx = conn.transaction().expect("transaction");
        for kind in oncotrack::mail::store::Kind::ALL {
            tx.execute(
                "INSERT INTO outbox (kind, dedupe_key, recipient_account_id, to_email, subject, body, created_at)
                 SELECT ?1, 'upgrade-check:' || ?1, min(id), 'a@test.example', 's', 'b', '2026-01-01T00:00:00Z' FROM account",
                [kind.as_str()],
            )
            .unwrap_or_else(|e| panic!("{}: outbox kind {}: {e}", file.display(), kind.as_str()));
        }
        drop(tx);
    }
}

/// Every table's columns (name, type, not null, default, key), every index's
/// columns and every trigger's name: what an upgraded file must share with a
/// fresh one, however its statements were written.
fn shape(path: &Path) -> Vec<String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let strings = |sql: &str| -> Vec<String> {
        conn.prepare(sql)
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("schema query")
    };
    let mut shape = strings(
        "SELECT 'column ' || m.name || '.' || c.name || ' ' || c.type || ' ' || c.\"notnull\"
                || ' ' || ifnull(c.dflt_value, '-') || ' ' || c.pk
         FROM sqlite_schema m JOIN pragma_table_info(m.name) c
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
    );
    shape.extend(strings(
        "SELECT 'index ' || m.name || ' on ' || m.tbl_name || ': ' || group_concat(ifnull(i.name, '<expr>'), ',')
         FROM sqlite_schema m JOIN pragma_index_info(m.name) i
         WHERE m.type = 'index' AND m.name NOT LIKE 'sqlite_%' GROUP BY m.name",
    ));
    shape.extend(strings(
        "SELECT 'trigger ' || name || ' on ' || tbl_name FROM sqlite_schema WHERE type = 'trigger'",
    ));
    shape.extend(strings(
        "SELECT 'check ' || name || ': ' || (sql LIKE '%CHECK%') FROM sqlite_schema WHERE type = 'table'",
    ));
    shape.sort();
    shape
}

fn sample(path: &Path) -> Vec<(String, String, Option<String>)> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    conn.prepare("SELECT name, email, hsa_id FROM person ORDER BY id LIMIT 50")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .expect("people")
}

#[test]
fn a_newer_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("future.db");
    {
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch("CREATE TABLE x (a INTEGER) STRICT; PRAGMA user_version = 999;")
            .expect("future");
    }
    let err = Db::open(&path, DbOptions::default())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("newer"), "{err}");
    let conn = Connection::open(&path).expect("open");
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(v, 999);
}

#[test]
fn a_fresh_file_gets_the_schema_of_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new.db");
    Db::open(&path, DbOptions::default()).expect("open");
    let conn = Connection::open(&path).expect("open");
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(v, db::CURRENT_VERSION);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    let strict: i64 = conn
        .query_row("SELECT count(*) FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' AND strict = 0", [], |r| r.get(0))
        .expect("strict");
    assert_eq!(strict, 0, "every table is STRICT");
}
