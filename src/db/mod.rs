//! The database handle: one writer connection reached through an async mutex,
//! and a small pool of read connections. Every call runs on tokio's blocking
//! pool, so SQLite never blocks the async runtime.

pub mod collation;
pub mod memo;
mod migrate;
pub mod settings;
mod work;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use migrate::{CURRENT_VERSION, SCHEMA};
pub use work::{Actor, Entry, Work};

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused or failed.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file has a schema newer than this program knows.
    #[error("database schema version {found} is newer than this program's {supported}")]
    TooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// The blocking task running the query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
    /// Every read connection stayed busy past the read deadline: the server
    /// is overloaded, and the client should come back shortly.
    #[error("every read connection is busy")]
    Busy,
}

impl DbError {
    /// True when the failure comes from the storage itself (read-only file, full
    /// disk, I/O error) rather than from the query: the server answers 503.
    pub fn is_storage_unavailable(&self) -> bool {
        use rusqlite::ErrorCode as C;
        matches!(
            self,
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, C::ReadOnly | C::DiskFull | C::SystemIoFailure | C::CannotOpen | C::DatabaseBusy | C::DatabaseLocked)
        )
    }
}

/// True when `e` is a UNIQUE constraint failure.
pub fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

/// How the database is opened.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// `synchronous=FULL` unless turned off (benchmarks may use NORMAL).
    pub synchronous_full: bool,
    /// Read connections in the pool.
    pub readers: usize,
    /// How long a read waits for a free connection before it gives up
    /// with [`DbError::Busy`].
    pub read_deadline: Duration,
    /// How many reads may wait at once; more are refused at once.
    pub max_waiting: usize,
    /// Serve a replica: every connection read-only, the schema left as it
    /// is (it must be the current one), writes refused.
    pub read_only: bool,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            synchronous_full: true,
            readers: 4,
            read_deadline: Duration::from_secs(2),
            max_waiting: 1024,
            read_only: false,
        }
    }
}

/// A cloneable handle to the database.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Arc<tokio::sync::Mutex<Connection>>,
    readers: Mutex<Vec<Connection>>,
    /// One permit per idle connection in `readers`; a permit is given back
    /// only when its connection is, so a cancelled request cannot leave a
    /// permit without a connection.
    reader_permits: Arc<Semaphore>,
    reader_count: usize,
    /// Reads waiting for a permit now.
    waiting: AtomicUsize,
    read_deadline: Duration,
    max_waiting: usize,
    /// A connection of its own for `/healthz`, so that a busy pool does not
    /// make the server look dead to a load balancer.
    health: Mutex<Connection>,
    /// Counts committed write transactions, so in-memory copies of rows can
    /// tell that they may be out of date.
    generation: AtomicU64,
    /// A replica: no writes.
    read_only: bool,
}

impl Inner {
    /// Runs `f` on an idle read connection, whose permit the caller holds,
    /// inside one read transaction, and gives the connection back: also when
    /// `f` panics (the panic becomes an error, as a blocking task's would),
    /// so a panic cannot shrink the pool.
    fn run_read<T, E, F>(&self, permit: OwnedSemaphorePermit, f: F) -> Result<T, E>
    where
        E: From<DbError>,
        F: FnOnce(&Connection) -> Result<T, E>,
    {
        let conn = self
            .readers
            .lock()
            .map_err(|_| DbError::Task("reader pool poisoned".into()))?
            .pop()
            .ok_or_else(|| DbError::Task("no idle reader".into()))?;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            in_read_transaction(&conn, f)
        }));
        if !conn.is_autocommit() {
            // A failed COMMIT or a panic left the transaction open: a reader
            // left inside it would serve an old snapshot from then on.
            let _ = conn.execute_batch("ROLLBACK");
        }
        if let Ok(mut pool) = self.readers.lock() {
            pool.push(conn);
        }
        // The permit goes back only with its connection.
        drop(permit);
        result.unwrap_or_else(|_| Err(E::from(DbError::Task("a read panicked".into()))))
    }
}

/// `f` inside one read transaction: every query sees the same snapshot, and
/// the file's read lock is taken and let go once instead of around every
/// statement.
fn in_read_transaction<T, E, F>(conn: &Connection, f: F) -> Result<T, E>
where
    E: From<DbError>,
    F: FnOnce(&Connection) -> Result<T, E>,
{
    conn.prepare_cached("BEGIN")
        .and_then(|mut s| s.execute([]))
        .map_err(DbError::from)?;
    let result = f(conn);
    if let Err(e) = conn
        .prepare_cached("COMMIT")
        .and_then(|mut s| s.execute([]))
    {
        tracing::warn!(error = %e, "a read transaction did not end; rolled back");
    }
    result
}

/// Applies the pragmas every connection needs.
fn configure(conn: &Connection, options: &DbOptions) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // Without the query planner stability guarantee SQLite re-prepares a
    // cached statement whenever a new bound value might suit another plan
    // (statistics, partial indexes, LIKE): the status API then spent a third
    // of its time parsing SQL it had already prepared.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.create_collation("swedish", collation::swedish)?;
    // LIKE ignores case for ASCII only; searches compare casefold() of both
    // sides so that "åke" finds "Åke".
    conn.create_scalar_function(
        "casefold",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8
            | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase())),
    )?;
    // `contains_folded(needle, text, ...)`: whether any text holds the
    // needle (already lower case) ignoring case, without making a lower-case
    // copy of each text first: the people search tests rows with it.
    conn.create_scalar_function(
        "contains_folded",
        -1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8
            | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let needle = ctx.get_raw(0).as_str().unwrap_or("");
            let found = (1..ctx.len()).any(|i| {
                ctx.get_raw(i)
                    .as_str()
                    .is_ok_and(|text| contains_folded(text, needle))
            });
            Ok(found)
        },
    )?;
    conn.pragma_update(
        None,
        "synchronous",
        if options.synchronous_full {
            "FULL"
        } else {
            "NORMAL"
        },
    )?;
    Ok(())
}

/// Whether `text` holds `needle` (in lower case) ignoring case.
pub fn contains_folded(text: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if text.is_ascii() && needle.is_ascii() {
        text.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    } else {
        text.to_lowercase().contains(needle)
    }
}

/// How often what `topic`'s computed answers read has changed (the
/// `change_count` table, kept by triggers): an answer computed at one count
/// is still true while it stays.
pub fn change_count(conn: &Connection, topic: &str) -> rusqlite::Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT n FROM change_count WHERE topic = ?1")?
        .query_row([topic], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Opens one connection with the project's pragmas, creating or upgrading the
/// schema when `prepare` is set. Used by the CLI commands that need no pool.
pub fn open_connection(path: &Path, options: &DbOptions) -> Result<Connection, DbError> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    configure(&conn, options)?;
    migrate::prepare(&mut conn)?;
    Ok(conn)
}

/// Opens a replica read-only: the file must exist and be at the current
/// schema version (upgrades happen on the primary).
fn open_replica(path: &Path, options: &DbOptions) -> Result<Connection, DbError> {
    if !path.exists() {
        return Err(DbError::Task(format!("{} does not exist", path.display())));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn, options)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version != migrate::CURRENT_VERSION {
        return Err(DbError::Task(format!(
            "the replica is at schema version {version}, this server needs {}: upgrade the primary first",
            migrate::CURRENT_VERSION
        )));
    }
    Ok(conn)
}

impl Db {
    /// Opens (creating when missing) the database at `path`, brings its schema to
    /// the current version in one transaction, and opens the read pool.
    pub fn open(path: &Path, options: DbOptions) -> Result<Db, DbError> {
        let writer = if options.read_only {
            open_replica(path, &options)?
        } else {
            open_connection(path, &options)?
        };
        let readers = (0..options.readers.max(1))
            .map(|_| {
                let conn = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )?;
                configure(&conn, &options)?;
                Ok(conn)
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        let reader_count = readers.len();
        let health = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        health.busy_timeout(Duration::from_secs(1))?;
        Ok(Db {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Arc::new(tokio::sync::Mutex::new(writer)),
                readers: Mutex::new(readers),
                reader_permits: Arc::new(Semaphore::new(reader_count)),
                reader_count,
                waiting: AtomicUsize::new(0),
                read_deadline: options.read_deadline,
                max_waiting: options.max_waiting,
                health: Mutex::new(health),
                generation: AtomicU64::new(0),
                read_only: options.read_only,
            }),
        })
    }

    /// Whether this handle serves a replica and takes no writes.
    pub fn read_only(&self) -> bool {
        self.inner.read_only
    }

    /// The file this handle works on.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// How many write transactions this handle has committed. A copy of rows
    /// taken while the generation was G is current as long as it still is G
    /// (writes by other processes, such as the command line, aside).
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    /// Read connections in the pool, and how many are idle now (for /metrics).
    pub fn pool_status(&self) -> (usize, usize) {
        (
            self.inner.reader_count,
            self.inner.reader_permits.available_permits(),
        )
    }

    /// Whether the database file answers a trivial query, on a connection of
    /// its own: the answer does not wait for the read pool.
    pub async fn ping(&self) -> Result<(), DbError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = inner
                .health
                .lock()
                .map_err(|_| DbError::Task("health connection poisoned".into()))?;
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
                r.get::<_, i64>(0)
            })?;
            Ok(())
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// Reads waiting for a connection now (for /metrics).
    pub fn waiting_reads(&self) -> usize {
        self.inner.waiting.load(Ordering::Acquire)
    }

    /// Runs `f` on a read connection without blocking the runtime.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let permit = self.reader_permit().await?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.run_read(permit, f))
            .await
            .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }

    /// Runs `f` like [`Db::read`], but on the calling thread when a reader is
    /// idle, without the hop to the blocking pool: for a handful of index
    /// lookups, which take microseconds, that hop costs more than the work
    /// (an empty read through it served 24 000 a second where the request
    /// without it served 40 000). Only for reads whose time does not grow
    /// with the data; anything that scans uses `read`. With no idle reader
    /// it waits in line as `read` does.
    pub async fn lookup<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        match self.inner.reader_permits.clone().try_acquire_owned() {
            Ok(permit) => self.inner.run_read(permit, f),
            Err(_) => self.read(f).await,
        }
    }

    /// A permit for one read connection: waiting in line up to the deadline;
    /// a line that is already long is refused at once.
    async fn reader_permit<E: From<DbError>>(&self) -> Result<OwnedSemaphorePermit, E> {
        let inner = &self.inner;
        if inner.waiting.fetch_add(1, Ordering::AcqRel) >= inner.max_waiting {
            inner.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(E::from(DbError::Busy));
        }
        let waited = tokio::time::timeout(
            inner.read_deadline,
            inner.reader_permits.clone().acquire_owned(),
        )
        .await;
        inner.waiting.fetch_sub(1, Ordering::AcqRel);
        match waited {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(e)) => Err(E::from(DbError::Task(e.to_string()))),
            Err(_) => Err(E::from(DbError::Busy)),
        }
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction on the single writer;
    /// commits when it returns `Ok`, rolls back otherwise.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
    {
        let mut conn = self.inner.writer.clone().lock_owned().await;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(DbError::from)?;
            let value = f(&tx)?;
            tx.commit().map_err(DbError::from)?;
            inner.generation.fetch_add(1, Ordering::AcqRel);
            Ok(value)
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }

    /// Copies the live database to `to` with SQLite's online backup, which
    /// reads a consistent snapshot while writers go on.
    pub async fn backup_to(&self, to: PathBuf) -> Result<(), DbError> {
        let path = self.inner.path.clone();
        tokio::task::spawn_blocking(move || backup(&path, &to))
            .await
            .map_err(|e| DbError::Task(e.to_string()))?
    }
}

/// Online backup from the database file at `from` into a new file at `to`.
pub fn backup(from: &Path, to: &Path) -> Result<(), DbError> {
    let src = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    src.busy_timeout(Duration::from_secs(5))?;
    let mut dst = Connection::open(to)?;
    {
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
        backup.run_to_completion(256, Duration::from_millis(5), None)?;
    }
    // The copy is a single file a person can move: no WAL beside it.
    dst.pragma_update(None, "journal_mode", "DELETE")?;
    Ok(())
}

/// What `oncotrack check` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// `ok`, or SQLite's list of problems.
    pub integrity: Vec<String>,
    /// Rows that break a foreign key.
    pub foreign_key_violations: usize,
    /// `PRAGMA user_version` of the file.
    pub schema_version: i64,
}

impl CheckReport {
    /// True when the file is intact and at the current schema version.
    pub fn is_ok(&self) -> bool {
        self.integrity == ["ok"]
            && self.foreign_key_violations == 0
            && self.schema_version == CURRENT_VERSION
    }
}

/// Runs SQLite's integrity and foreign-key checks without changing the file.
pub fn check(path: &Path) -> Result<CheckReport, DbError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let integrity = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut fk = conn.prepare("PRAGMA foreign_key_check")?;
    let foreign_key_violations = fk.query_map([], |_| Ok(()))?.count();
    let schema_version = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok(CheckReport {
        integrity,
        foreign_key_violations,
        schema_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_folded_ignores_case_in_every_alphabet() {
        assert!(contains_folded("Åke Öhman", "öhm"));
        assert!(contains_folded("ÅKE", "åke"));
        assert!(contains_folded("anna.berg@region.example", "berg@"));
        assert!(contains_folded("SE9990000002-G00000001", "g0000"));
        assert!(!contains_folded("Anna", "annas"));
        assert!(!contains_folded("Ohman", "öh"));
        let conn = Connection::open_in_memory().expect("memory");
        configure(&conn, &DbOptions::default()).expect("configure");
        let hit: bool = conn
            .query_row(
                "SELECT contains_folded('sjö', 'x', NULL, 'Sara SJÖSTRÖM')",
                [],
                |r| r.get(0),
            )
            .expect("query");
        assert!(hit, "any of the texts, NULLs skipped");
    }

    fn one_reader(dir: &tempfile::TempDir, deadline: Duration) -> Db {
        Db::open(
            &dir.path().join("t.db"),
            DbOptions {
                synchronous_full: false,
                readers: 1,
                read_deadline: deadline,
                max_waiting: 1,
                read_only: false,
            },
        )
        .expect("open")
    }

    /// Waits until `done` holds, polling (the other task may start late on a
    /// busy machine).
    async fn until(done: impl Fn() -> bool) {
        for _ in 0..500 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the condition never held");
    }

    /// A read that holds the only connection for `ms` milliseconds.
    async fn hold(db: &Db, ms: u64) -> Result<(), DbError> {
        db.read(move |_| {
            std::thread::sleep(Duration::from_millis(ms));
            Ok(())
        })
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_waits_for_a_connection_until_its_deadline() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = one_reader(&dir, Duration::from_millis(800));
        let busy = tokio::spawn({
            let db = db.clone();
            async move { hold(&db, 300).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Waits the 250 ms left, within the deadline.
        assert!(db.ping().await.is_ok(), "the health check needs no reader");
        assert!(hold(&db, 0).await.is_ok());
        assert!(busy.await.expect("join").is_ok());

        let db = one_reader(&dir, Duration::from_millis(100));
        let busy = tokio::spawn({
            let db = db.clone();
            async move { hold(&db, 600).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            matches!(hold(&db, 0).await, Err(DbError::Busy)),
            "past the deadline"
        );
        assert!(busy.await.expect("join").is_ok());

        // One may wait (max_waiting is 1); the next is refused at once: with
        // a deadline far beyond the holder's 400 ms, only the line's length
        // can refuse it.
        let db = one_reader(&dir, Duration::from_secs(30));
        let busy = tokio::spawn({
            let db = db.clone();
            async move { hold(&db, 400).await }
        });
        until(|| db.pool_status().1 == 0).await;
        let waiting = tokio::spawn({
            let db = db.clone();
            async move { hold(&db, 0).await }
        });
        until(|| db.waiting_reads() == 1).await;
        assert!(matches!(hold(&db, 0).await, Err(DbError::Busy)));
        assert!(
            waiting.await.expect("join").is_ok(),
            "the one in line is served"
        );
        assert!(busy.await.expect("join").is_ok());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_read_gives_its_connection_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = one_reader(&dir, Duration::from_secs(2));
        // The request goes away while its query still runs.
        let cancelled = tokio::spawn({
            let db = db.clone();
            async move { hold(&db, 200).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        cancelled.abort();
        // The next read waits for the connection instead of finding a
        // permit without one ("no idle reader").
        for _ in 0..3 {
            assert!(hold(&db, 0).await.is_ok());
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lookup_runs_at_once_or_waits_in_line_like_a_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = one_reader(&dir, Duration::from_secs(2));
        let one = |c: &Connection| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0));
        let lookup =
            |db: Db| async move { db.lookup(move |c| one(c).map_err(DbError::from)).await };
        assert_eq!(lookup(db.clone()).await.expect("idle reader"), 1);
        // With the only reader busy, the lookup waits for it.
        let busy = tokio::spawn({
            let db = db.clone();
            async move { hold(&db, 300).await }
        });
        until(|| db.pool_status().1 == 0).await;
        assert_eq!(lookup(db.clone()).await.expect("after waiting"), 1);
        assert!(busy.await.expect("join").is_ok());
        assert_eq!(db.pool_status(), (1, 1), "the reader is back");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_that_panics_gives_its_connection_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = one_reader(&dir, Duration::from_millis(500));
        let panicked = db
            .read(|c| -> Result<(), DbError> {
                c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
                panic!("a bug in a query's caller");
            })
            .await;
        assert!(matches!(panicked, Err(DbError::Task(_))));
        assert_eq!(db.pool_status(), (1, 1));
        let panicked = db
            .lookup(|_| -> Result<(), DbError> { panic!("a bug on the calling thread") })
            .await;
        assert!(
            matches!(panicked, Err(DbError::Task(_))),
            "an error, not a panic"
        );
        assert_eq!(db.pool_status(), (1, 1));
        // The connection came back outside any transaction: a write is seen.
        db.write(|tx| {
            tx.execute_batch("CREATE TABLE seen (x INTEGER); INSERT INTO seen VALUES (7)")?;
            Ok::<_, DbError>(())
        })
        .await
        .expect("write");
        let x = db
            .lookup(|c| {
                Ok::<_, DbError>(c.query_row("SELECT x FROM seen", [], |r| r.get::<_, i64>(0))?)
            })
            .await
            .expect("read after the panic");
        assert_eq!(x, 7);
    }
}
