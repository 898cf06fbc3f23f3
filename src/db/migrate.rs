//! Schema creation and upgrades. A fresh file gets `schema.sql` whole; an older
//! file runs the upgrade steps after its version, all in one transaction, so a
//! failed upgrade leaves the file as it was.

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::DbError;

/// The schema of record.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// The version `schema.sql` describes.
pub const CURRENT_VERSION: i64 = 13;

/// An upgrade step: turns a version N-1 file into version N.
type Step = fn(&Transaction) -> rusqlite::Result<()>;

/// Upgrade steps: `(version it produces, step)`. Version 1 is the first
/// released schema.
const UPGRADES: &[(i64, Step)] = &[
    (2, to_version_2),
    (3, to_version_3),
    (4, to_version_4),
    (5, to_version_5),
    (6, to_version_6),
    (7, to_version_7),
    (8, to_version_8),
    (9, to_version_9),
    (10, to_version_10),
    (11, to_version_11),
    (12, to_version_12),
    (13, to_version_13),
];

/// Version 13 keeps the compliance counts as day numbers and status codes,
/// under half their size: the tables are made again, empty, and everything
/// is marked for the rebuild that the next refresh runs. Completions
/// without an import batch leave the batch index. Calendar links may open a
/// council's meetings.
fn to_version_13(tx: &Transaction) -> rusqlite::Result<()> {
    rebuild(tx, "calendar_feed")?;
    for table in [
        "compliance_event",
        "compliance_delta",
        "compliance_checkpoint",
    ] {
        remake(tx, table)?;
    }
    tx.execute_batch(
        "DELETE FROM compliance_dirty;
         INSERT INTO compliance_dirty (person_id, licence_type_id) VALUES (0, 0);
         DROP INDEX licence_completion_batch;
         CREATE INDEX licence_completion_batch ON licence_completion (import_batch_id)
             WHERE import_batch_id IS NOT NULL;",
    )
}

/// Version 12 is the councils' own work: councils and their members,
/// meetings with agenda items, attendance and minutes, and the actions
/// decided, whose overdue reminders the outbox now carries.
fn to_version_12(tx: &Transaction) -> rusqlite::Result<()> {
    rebuild(tx, "outbox")?;
    tx.execute_batch(added_in(12))
}

/// Version 11 searches the starts of words of a name as well (the search
/// index is made again, from a view that puts a space before every word)
/// and counts the changes behind the cost report, which is kept while they
/// stay.
fn to_version_11(tx: &Transaction) -> rusqlite::Result<()> {
    tx.execute_batch(
        "DROP TRIGGER IF EXISTS person_search_insert;
         DROP TRIGGER IF EXISTS person_search_delete;
         DROP TRIGGER IF EXISTS person_search_update;
         DROP TABLE IF EXISTS person_search;",
    )?;
    tx.execute_batch(added_in(11))?;
    tx.execute_batch("INSERT INTO person_search (person_search) VALUES ('rebuild');")
}

/// Version 10 lists people fast at national scale: the staff list's
/// Swedish-ordered index (and, until version 11, the trigram search index).
fn to_version_10(tx: &Transaction) -> rusqlite::Result<()> {
    add_column(tx, "person", "sort_name", "TEXT NOT NULL DEFAULT ''")?;
    let names: Vec<(i64, String)> = tx
        .prepare("SELECT id, name FROM person")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut set = tx.prepare("UPDATE person SET sort_name = ?2 WHERE id = ?1")?;
    for (id, name) in names {
        set.execute(rusqlite::params![id, super::collation::sort_key(&name)])?;
    }
    tx.execute_batch(added_in(10))
}

/// Version 9 is sign-in a region can switch on: second factors (TOTP and
/// recovery codes), the step between password and second factor, OpenID
/// Connect sign-ins and identities, how and from which browser a session
/// signed in, API tokens with an end day and a scope, and security notices
/// in the outbox.
fn to_version_9(tx: &Transaction) -> rusqlite::Result<()> {
    add_column(tx, "session", "method", "TEXT")?;
    add_column(tx, "session", "user_agent", "TEXT")?;
    add_column(tx, "api_token", "expires_on", "TEXT")?;
    add_column(tx, "api_token", "scope", "TEXT NOT NULL DEFAULT 'all'")?;
    rebuild(tx, "outbox")?;
    tx.execute_batch(added_in(9))
}

/// Version 8 lets the outbox carry a manager's reminder to one person.
fn to_version_8(tx: &Transaction) -> rusqlite::Result<()> {
    rebuild(tx, "outbox")
}

/// Version 7 dates a unit's chemotherapy flag: the changes table, and the
/// requirement triggers that now also mark the people of units that gave
/// chemotherapy once.
fn to_version_7(tx: &Transaction) -> rusqlite::Result<()> {
    tx.execute_batch(added_in(7))?;
    for name in [
        "compliance_dirty_requirement_insert",
        "compliance_dirty_requirement_update",
    ] {
        let Some(definition) = trigger(name) else {
            return Err(rusqlite::Error::InvalidParameterName(format!(
                "schema.sql does not define trigger {name}"
            )));
        };
        tx.execute_batch(&format!("DROP TRIGGER IF EXISTS {name}; {definition}"))?;
    }
    Ok(())
}

/// The `CREATE TRIGGER name` statement of `schema.sql`, through its `END;`.
fn trigger(name: &str) -> Option<String> {
    let at = SCHEMA.find(&format!("\nCREATE TRIGGER {name} "))? + 1;
    let rest = &SCHEMA[at..];
    let end = rest.find("\nEND;")? + "\nEND;".len();
    Some(rest[..end].to_string())
}

/// Version 6 keeps the agreement version an approved placement was priced
/// with, so that a new version valid from an earlier day does not re-price
/// it. Placements approved before get the version that priced them then: the
/// one in force on their approved start (the latest version otherwise).
fn to_version_6(tx: &Transaction) -> rusqlite::Result<()> {
    add_column(tx, "placement", "agreement_version", "INTEGER")?;
    tx.execute_batch(
        "UPDATE placement SET agreement_version = coalesce(
             (SELECT a.version FROM agreement a
              WHERE a.code = placement.agreement_code AND a.valid_from <= placement.approved_start
                AND (a.valid_to IS NULL OR a.valid_to >= placement.approved_start)
              ORDER BY a.valid_from DESC, a.version DESC LIMIT 1),
             (SELECT max(a.version) FROM agreement a WHERE a.code = placement.agreement_code))
         WHERE agreement_code IS NOT NULL AND agreement_version IS NULL;",
    )
}

/// Version 5 tells basic courses from renewals, so that the licence page
/// suggests each to the right people. Existing courses serve both. (A
/// version 1 file got today's course table from version 2's step.)
fn to_version_5(tx: &Transaction) -> rusqlite::Result<()> {
    add_column(
        tx,
        "course",
        "purpose",
        "TEXT NOT NULL DEFAULT 'any' CHECK (purpose IN ('any', 'basic', 'renewal'))",
    )
}

/// Adds `column` to `table` unless an earlier step's table already has it.
fn add_column(
    tx: &Transaction,
    table: &str,
    column: &str,
    definition: &str,
) -> rusqlite::Result<()> {
    let present: i64 = tx.query_row(
        "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
        [table, column],
        |r| r.get(0),
    )?;
    if present == 0 {
        tx.execute_batch(&format!(
            "ALTER TABLE {table} ADD COLUMN {column} {definition};"
        ))?;
    }
    Ok(())
}

/// Version 4 adds the quality indicator's extracts and the roles of quality
/// analysts and council secretaries and members.
fn to_version_4(tx: &Transaction) -> rusqlite::Result<()> {
    rebuild(tx, "account_role")?;
    tx.execute_batch(added_in(4))
}

/// Version 3 lets the outbox tell lecturers and participants of a cancelled
/// session. (The rebuild takes the outbox's current definition, so it also
/// brings a version 1 file the course notices of version 2.)
fn to_version_3(tx: &Transaction) -> rusqlite::Result<()> {
    rebuild(tx, "outbox")
}

/// Version 2 adds courses and rotations, lets the outbox carry course
/// notifications, links a licence completion to the offering that recorded it,
/// and counts a unit's staff from an index alone.
fn to_version_2(tx: &Transaction) -> rusqlite::Result<()> {
    // The outbox's new kinds: rebuilt once, by version 3's step.
    tx.execute_batch(
        "ALTER TABLE licence_completion ADD COLUMN offering_id INTEGER REFERENCES offering (id);
         DROP INDEX person_unit;
         CREATE INDEX person_unit ON person (unit_id, left_on);",
    )?;
    tx.execute_batch(added_in(2))
}

/// The part of `schema.sql` after its `-- @version N` marker, up to the next
/// marker: the tables, indexes and triggers that version added.
fn added_in(version: i64) -> &'static str {
    let marker = format!("\n-- @version {version}\n");
    match SCHEMA.find(&marker) {
        Some(at) => {
            let rest = &SCHEMA[at + marker.len()..];
            let end = rest.find("\n-- @version ").unwrap_or(rest.len());
            &rest[..end]
        }
        None => "",
    }
}

/// Rebuilds `table` to its definition in `schema.sql`, keeping its rows (SQLite
/// cannot change a CHECK constraint in place). Columns are copied by name, so
/// the new definition may add columns with defaults. Its indexes are recreated
/// from `schema.sql` too.
fn rebuild(tx: &Transaction, table: &str) -> rusqlite::Result<()> {
    let scratch = format!("{table}_rebuilt");
    let columns: Vec<String> = tx
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let columns = columns.join(", ");
    create_as(tx, table, &scratch)?;
    tx.execute_batch(&format!(
        "INSERT INTO {scratch} ({columns}) SELECT {columns} FROM {table};
         DROP TABLE {table};
         ALTER TABLE {scratch} RENAME TO {table};"
    ))?;
    create_indexes(tx, table)
}

/// Makes `table` again, empty, to its definition in `schema.sql` (for the
/// derived tables, which are filled again from what they derive from).
fn remake(tx: &Transaction, table: &str) -> rusqlite::Result<()> {
    tx.execute_batch(&format!("DROP TABLE IF EXISTS {table};"))?;
    create_as(tx, table, table)?;
    create_indexes(tx, table)
}

/// Creates `table` as `schema.sql` defines it, under the name `name`.
fn create_as(tx: &Transaction, table: &str, name: &str) -> rusqlite::Result<()> {
    let head = format!("CREATE TABLE {table} (");
    let Some(definition) = statement(&head) else {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "schema.sql does not define {table}"
        )));
    };
    tx.execute_batch(&definition.replacen(&head, &format!("CREATE TABLE {name} ("), 1))
}

/// Creates the indexes `schema.sql` defines on `table`.
fn create_indexes(tx: &Transaction, table: &str) -> rusqlite::Result<()> {
    for prefix in ["CREATE INDEX ", "CREATE UNIQUE INDEX "] {
        for index in SCHEMA
            .split(';')
            .map(without_comments)
            .filter(|s| s.starts_with(prefix) && s.contains(&format!(" ON {table} (")))
        {
            tx.execute_batch(&format!("{index};"))?;
        }
    }
    Ok(())
}

/// A statement of `schema.sql` without the comment lines before it.
fn without_comments(statement: &str) -> &str {
    let mut rest = statement.trim_start();
    while rest.starts_with("--") {
        rest = rest
            .split_once('\n')
            .map_or("", |(_, after)| after)
            .trim_start();
    }
    rest.trim_end()
}

/// The statement of `schema.sql` that starts with `head`, through its `;`.
fn statement(head: &str) -> Option<String> {
    let at = SCHEMA.find(&format!("\n{head}"))? + 1;
    let rest = &SCHEMA[at..];
    let end = rest.find(";\n")?;
    Some(rest[..=end].to_string())
}

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
        for (version, step) in UPGRADES.iter().filter(|(v, _)| *v > found) {
            step(&tx)?;
            tx.pragma_update(None, "user_version", version)?;
        }
    }
    tx.pragma_update(None, "user_version", CURRENT_VERSION)?;
    tx.commit()?;
    Ok(found)
}
