//! Every schema version that was released left a database file under
//! `tests/data/`. Each is upgraded to the current version and must keep its data.

use std::path::Path;

use oncotrack::db::{self, Db, DbOptions};
use rusqlite::{Connection, OpenFlags};

fn counts(conn: &Connection) -> Vec<(String, i64)> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
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
        let conn = Connection::open(&copy).expect("open new");
        let after = counts(&conn);
        for (table, n) in &before {
            let now = after.iter().find(|(t, _)| t == table).map(|(_, n)| *n);
            assert_eq!(now, Some(*n), "{}: rows of {table}", file.display());
        }
        assert_eq!(
            sample(&copy),
            sample_before,
            "{}: people changed",
            file.display()
        );
    }
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
        .query_row("SELECT count(*) FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' AND strict = 0", [], |r| r.get(0))
        .expect("strict");
    assert_eq!(strict, 0, "every table is STRICT");
}
