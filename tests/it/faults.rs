//! The server when its storage fails: a database that takes no writes (a
//! read-only file, a full disk) answers writes with 503 and a clear message,
//! keeps answering reads, and writes nothing by halves; a backup taken during
//! a write load is intact and holds every write answered before it began.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;
use oncotrack::db::{self, DbError};

async fn count(app: &TestApp, table: &'static str) -> i64 {
    app.query(move |c| c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)))
        .await
}

/// From now on the writer connection refuses every change, as SQLite does
/// when the file or its folder turns read-only.
async fn make_read_only(app: &TestApp) {
    app.state
        .db
        .write(|tx| -> Result<(), DbError> {
            tx.execute_batch("PRAGMA query_only = 1")?;
            Ok(())
        })
        .await
        .expect("query_only");
}

#[tokio::test]
async fn a_read_only_database_refuses_writes_with_503_and_keeps_serving_reads() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let token = app.token_for(Role::Admin).await;
    let regions = count(&app, "region").await;
    let audit = count(&app, "audit_log").await;
    make_read_only(&app).await;
    // A signed-in page still opens (its session is read; refreshing it may fail quietly).
    app.advance(5);
    let r = admin.get("/org").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A form write answers 503 with a message people can act on.
    let r = admin
        .post("/org/regions/new", &[("name", "Nya regionen")])
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert!(
        r.text
            .contains("databasen kan inte ta emot ändringar just nu"),
        "{}",
        r.text
    );
    // The API reads go on; its errors are problem+json.
    let r = app
        .api(Method::GET, "/api/v1/units", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .api(
            Method::GET,
            "/api/v1/licences/status?hsa_id=SE9990000001-T0001&licence=CYTO",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Nothing was written, not even the audit row of the refused write.
    assert_eq!(count(&app, "region").await, regions);
    assert_eq!(count(&app, "audit_log").await, audit);
}

#[tokio::test]
async fn a_full_disk_is_reported_as_unavailable_storage_and_rolls_back() {
    let app = TestApp::new().await;
    let before = count(&app, "region").await;
    // Cap the file at its current size: the next page it needs is refused
    // exactly as a full disk refuses it.
    let outcome = app
        .state
        .db
        .write(|tx| -> Result<(), DbError> {
            let pages: i64 = tx.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            let _: i64 = tx.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })?;
            let filler = "x".repeat(3000);
            for i in 0..10_000 {
                tx.execute(
                    "INSERT INTO region (name) VALUES (?1)",
                    [format!("{i} {filler}")],
                )?;
            }
            Ok(())
        })
        .await;
    let error = outcome.expect_err("the capped file must fill up");
    assert!(error.is_storage_unavailable(), "{error}");
    let shown = oncotrack::web::error::AppError::from(error);
    assert_eq!(shown.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        count(&app, "region").await,
        before,
        "the failed transaction left nothing behind"
    );
}

#[tokio::test]
async fn a_backup_during_writes_is_intact_and_holds_every_answered_write() {
    let app = TestApp::new().await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..3 {
        let db = app.state.db.clone();
        let stop = stop.clone();
        writers.push(tokio::spawn(async move {
            let mut done = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let name = format!("Region {w}-{i}");
                let id = db
                    .write(move |tx| -> Result<i64, DbError> {
                        Ok(oncotrack::organisation::store::create_region(tx, &name)?)
                    })
                    .await
                    .expect("write");
                done.push(id);
                i += 1;
            }
            done
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    // Every write answered so far must be in the copy.
    let answered: i64 = count(&app, "region").await;
    let max_answered: i64 = app
        .query(|c| c.query_row("SELECT max(id) FROM region", [], |r| r.get(0)))
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("backup.db");
    app.state
        .db
        .backup_to(copy.clone())
        .await
        .expect("backup during writes");
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for w in writers {
        total += w.await.expect("writer").len();
    }
    assert!(total > 10, "the load wrote while the backup ran ({total})");
    let report = db::check(&copy).expect("check");
    assert!(report.is_ok(), "{report:?}");
    let conn = rusqlite::Connection::open(&copy).expect("open backup");
    let (in_copy, missing): (i64, i64) = conn
        .query_row(
            "SELECT count(*), ?1 - (SELECT count(*) FROM region WHERE id <= ?1) FROM region",
            [max_answered],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count");
    assert!(in_copy >= answered, "{in_copy} < {answered}");
    assert_eq!(missing, 0, "every region up to the last answered one");
}

/// 256 requests at once over four read connections: each waits its turn
/// (none is answered with a 5xx), and `/healthz` answers all the while.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saturated_read_pool_queues_requests_and_health_stays_up() {
    use tower::ServiceExt;
    let app = TestApp::new().await;
    let token = app.token_for(Role::Admin).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..256 {
        let router = app.router.clone();
        let path = if i % 16 == 0 {
            "/healthz".to_string()
        } else {
            format!("/api/v1/people?per_page=500&q=sar&page={}", 1 + i % 3)
        };
        let auth = format!("Bearer {token}");
        tasks.spawn(async move {
            let req = axum::http::Request::builder()
                .uri(&path)
                .header(axum::http::header::AUTHORIZATION, auth)
                .extension(axum::extract::ConnectInfo(
                    "192.0.2.30:5000"
                        .parse::<std::net::SocketAddr>()
                        .expect("addr"),
                ))
                .body(axum::body::Body::empty())
                .expect("request");
            let status = router.oneshot(req).await.expect("infallible").status();
            (path, status)
        });
    }
    let mut health = 0;
    while let Some(done) = tasks.join_next().await {
        let (path, status) = done.expect("task");
        assert!(!status.is_server_error(), "{path}: {status}");
        if path == "/healthz" {
            assert_eq!(status, StatusCode::OK);
            health += 1;
        }
    }
    assert_eq!(health, 16);
}
