//! The server killed with SIGKILL in the middle of a write load, fifty times
//! over on the same file: every write it answered with success is there
//! afterwards, and `oncotrack check` finds the database intact.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const ROUNDS: usize = 50;

fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oncotrack"));
    cmd.env_remove("ONCOTRACK_DB")
        .env_remove("ONCOTRACK_SMTP_URL")
        .stdin(Stdio::null());
    cmd
}

fn run_ok(args: &[&str]) -> String {
    let out = binary().args(args).output().expect("run oncotrack");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// One HTTP/1.1 exchange; `None` when the server is gone before it answered.
fn http(port: u16, method: &str, path: &str, token: &str, body: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    Some((status, answer))
}

fn start(db: &Path, port: u16) -> Child {
    let mut child = binary()
        .args([
            "serve",
            "--db",
            db.to_str().expect("path"),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some((200, _)) = http(port, "GET", "/healthz", "", "") {
            return child;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

#[test]
fn answered_writes_survive_sigkill_and_the_file_stays_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("crash.db");
    let db_arg = db.to_str().expect("path");
    run_ok(&["demo", "--db", db_arg]);
    let token = run_ok(&[
        "token",
        "create",
        "--db",
        db_arg,
        "--email",
        "admin@demo.oncotrack.example",
        "--label",
        "crash",
    ])
    .trim()
    .to_string();

    let mut answered: Vec<String> = Vec::new();
    for round in 0..ROUNDS {
        let port = free_port();
        let mut server = start(&db, port);
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..3)
            .map(|w| {
                let token = token.clone();
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut ok = Vec::new();
                    for n in 0.. {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let code = format!("K{round}-{w}-{n}");
                        let body = format!(
                            r#"{{"code":"{code}","title_sv":"Krocktest {code}","title_en":"Crash test {code}"}}"#
                        );
                        match http(port, "POST", "/api/v1/courses", &token, &body) {
                            Some((201, _)) => ok.push(code),
                            Some((status, text)) => panic!("{code}: {status} {text}"),
                            None => break,
                        }
                    }
                    ok
                })
            })
            .collect();
        // Somewhere between 30 and 250 ms into the load, varying by round.
        std::thread::sleep(Duration::from_millis(30 + (round as u64 * 37) % 220));
        server.kill().expect("SIGKILL");
        server.wait().expect("reap");
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            answered.extend(w.join().expect("writer"));
        }
    }
    assert!(
        answered.len() > ROUNDS,
        "the load wrote too little to prove anything ({})",
        answered.len()
    );

    eprintln!(
        "{ROUNDS} kills, {} writes answered with 201 before them",
        answered.len()
    );
    let report = run_ok(&["check", "--db", db_arg]);
    assert!(report.contains("integrity: ok"), "{report}");
    assert!(report.contains("foreign key violations: 0"), "{report}");
    let conn = rusqlite::Connection::open(&db).expect("open");
    let mut find = conn
        .prepare("SELECT count(*) FROM course WHERE code = ?1")
        .expect("prepare");
    let lost: Vec<&String> = answered
        .iter()
        .filter(|code| {
            find.query_row([code.as_str()], |r| r.get::<_, i64>(0))
                .expect("query")
                == 0
        })
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} answered writes lost: {lost:?}",
        lost.len(),
        answered.len()
    );
}
