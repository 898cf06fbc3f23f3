//! The `oncotrack` binary, run as an operator would: real processes on real
//! database files in a temporary directory.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use rusqlite::OptionalExtension;

/// The password the tests give accounts; strong enough for the checker.
const STRONG: &str = "korvgubbe-Tändsticka-hylla-97";

fn oncotrack(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oncotrack"));
    cmd.args(args)
        .env_remove("ONCOTRACK_DB")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run oncotrack");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait")
}

fn run(args: &[&str]) -> Output {
    oncotrack(args, None)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_success(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status,
        stdout(o),
        stderr(o)
    );
}

#[track_caller]
fn assert_failure(o: &Output) {
    assert!(
        !o.status.success(),
        "expected failure\nstdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
}

fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

/// Row counts of the tables commands write.
fn snapshot(db: &Path) -> Vec<i64> {
    [
        "region",
        "administration",
        "unit",
        "person",
        "employment",
        "account",
        "account_role",
        "api_token",
        "audit_log",
    ]
    .iter()
    .map(|t| count(db, &format!("SELECT count(*) FROM {t}")))
    .collect()
}

/// A database with the demo data; returns the demo password.
fn demo_db(db: &Path) -> String {
    let o = run(&["demo", "--db", p(db)]);
    assert_success(&o);
    let out = stdout(&o);
    let marker = "password for all: ";
    let start = out.find(marker).expect("password line") + marker.len();
    let end = out[start..].find(')').expect("end of password") + start;
    out[start..end].to_string()
}

// ---- demo and check ----

#[test]
fn demo_loads_an_empty_database_once_and_check_accepts_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let o = run(&["demo", "--db", p(&db)]);
    assert_success(&o);
    let out = stdout(&o);
    assert!(out.contains("demo data: "), "{out}");
    assert!(out.contains("password for all: "), "{out}");
    for account in [
        "admin@demo.oncotrack.example",
        "chef.avd51@demo.oncotrack.example",
        "sjukskoterska@demo.oncotrack.example",
    ] {
        assert!(out.contains(account), "{account} listed: {out}");
    }
    // The printed password is the one that works.
    let marker = "password for all: ";
    let start = out.find(marker).expect("password") + marker.len();
    let password = &out[start..start + out[start..].find(')').expect("end")];
    let conn = rusqlite::Connection::open(&db).expect("open");
    let hash: String = conn
        .query_row(
            "SELECT password_hash FROM account WHERE email = 'admin@demo.oncotrack.example'",
            [],
            |r| r.get(0),
        )
        .expect("admin account");
    assert!(oncotrack::auth::password::verify_blocking(password, &hash));
    assert!(!out.contains(&hash), "never the hash");
    drop(conn);

    let o = run(&["check", "--db", p(&db)]);
    assert_success(&o);
    let out = stdout(&o);
    assert!(out.contains("integrity: ok"), "{out}");
    assert!(out.contains("foreign key violations: 0"), "{out}");
    let version = format!("schema version: {}", oncotrack::db::CURRENT_VERSION);
    assert!(out.contains(&version), "{out}");

    let before = snapshot(&db);
    let o = run(&["demo", "--db", p(&db)]);
    assert_failure(&o);
    assert!(
        stderr(&o).contains("already has an organisation"),
        "{}",
        stderr(&o)
    );
    assert_eq!(snapshot(&db), before, "the second run adds nothing");
}

#[test]
fn check_refuses_a_file_that_is_not_there() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("missing.db");
    let o = run(&["check", "--db", p(&db)]);
    assert_failure(&o);
    assert!(stderr(&o).contains("--db"), "{}", stderr(&o));
    assert!(!db.exists(), "check does not create the file");
}

// ---- user add ----

#[test]
fn user_add_creates_a_scoped_manager_with_the_password_from_stdin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("o.db");
    demo_db(&db);
    let o = oncotrack(
        &[
            "user",
            "add",
            "--db",
            p(&db),
            "--email",
            "nina.chef@test.example",
            "--name",
            "Nina Chef",
            "--role",
            "manager:unit:NUS-ONK51",
            "--password-stdin",
        ],
        Some(&format!("{STRONG}\n")),
    );
    assert_success(&o);
    assert!(
        stdout(&o).contains("created nina.chef@test.example"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains(STRONG), "the password is not echoed");

    let conn = rusqlite::Connection::open(&db).expect("open");
    let (id, hash): (i64, String) = conn
        .query_row(
            "SELECT id, password_hash FROM account WHERE email = 'nina.chef@test.example'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("account");
    assert!(
        oncotrack::auth::password::verify_blocking(STRONG, &hash),
        "the newline from stdin is not part of the password"
    );
    let grant: (String, String, i64) = conn
        .query_row(
            "SELECT role, scope_kind, scope_id FROM account_role WHERE account_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("grant");
    let unit: i64 = conn
        .query_row("SELECT id FROM unit WHERE code = 'NUS-ONK51'", [], |r| {
            r.get(0)
        })
        .expect("unit");
    assert_eq!(grant, ("manager".to_string(), "unit".to_string(), unit));
    let actor: String = conn
        .query_row(
            "SELECT actor FROM audit_log WHERE action = 'account.create' AND entity_id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .expect("audited");
    assert_eq!(actor, "cli");
}

#[test]
fn user_add_refuses_weak_passwords_and_unknown_roles_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("o.db");
    demo_db(&db);
    let before = snapshot(&db);
    let add = |role: &str, password: &str| {
        oncotrack(
            &[
                "user",
                "add",
                "--db",
                p(&db),
                "--email",
                "ny@test.example",
                "--name",
                "Ny Person",
                "--role",
                role,
                "--password-stdin",
            ],
            Some(password),
        )
    };

    for weak in ["aaaaaaaaaaaaaaaa\n", "kort\n", "ny@test.example\n"] {
        let o = add("staff", weak);
        assert_failure(&o);
        assert!(stderr(&o).contains("password:"), "{weak:?}: {}", stderr(&o));
    }

    let o = add("pilot", STRONG);
    assert_failure(&o);
    assert!(
        stderr(&o).contains("pilot"),
        "the role is named: {}",
        stderr(&o)
    );

    let o = add("manager:unit:FINNS-EJ", STRONG);
    assert_failure(&o);
    assert!(stderr(&o).contains("FINNS-EJ"), "{}", stderr(&o));

    let o = add("manager", STRONG);
    assert_failure(&o);
    assert!(stderr(&o).contains("scope"), "{}", stderr(&o));

    assert_eq!(snapshot(&db), before, "no account, no role, no audit row");

    // An e-mail that already has an account.
    let o = oncotrack(
        &[
            "user",
            "add",
            "--db",
            p(&db),
            "--email",
            "admin@demo.oncotrack.example",
            "--name",
            "Ny Admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some(STRONG),
    );
    assert_failure(&o);
    assert!(stderr(&o).contains("--email"), "{}", stderr(&o));
    assert_eq!(snapshot(&db), before);
}

// ---- token create ----

#[test]
fn token_create_prints_one_token_that_belongs_to_the_account() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("o.db");
    demo_db(&db);
    let o = run(&[
        "token",
        "create",
        "--db",
        p(&db),
        "--email",
        "admin@demo.oncotrack.example",
        "--label",
        "t",
    ]);
    assert_success(&o);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "only the token on stdout: {out}");
    let token = lines[0].trim();
    assert!(token.starts_with("ot_") && token.len() > 20, "{token}");

    let conn = rusqlite::Connection::open(&db).expect("open");
    let owner: Option<(String, String)> = conn
        .query_row(
            "SELECT a.email, t.label FROM api_token t JOIN account a ON a.id = t.account_id WHERE t.token_hash = ?1",
            [oncotrack::auth::store::token_hash(token)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .expect("query");
    assert_eq!(
        owner,
        Some(("admin@demo.oncotrack.example".to_string(), "t".to_string())),
        "stored by hash"
    );
    let plain: i64 = conn
        .query_row(
            "SELECT count(*) FROM api_token WHERE token_hash = ?1",
            [token],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(plain, 0, "never stored in plain text");
    drop(conn);

    let before = snapshot(&db);
    let o = run(&[
        "token",
        "create",
        "--db",
        p(&db),
        "--email",
        "nobody@demo.oncotrack.example",
        "--label",
        "t",
    ]);
    assert_failure(&o);
    assert!(
        stderr(&o).contains("nobody@demo.oncotrack.example"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).trim().is_empty());
    assert_eq!(snapshot(&db), before);
}

#[test]
fn a_token_can_be_limited_to_the_status_api_and_a_last_day() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("o.db");
    demo_db(&db);
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "token",
            "create",
            "--db",
            p(&db),
            "--email",
            "admin@demo.oncotrack.example",
            "--label",
            "Ordination",
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run_args = |a: Vec<String>| run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let before = snapshot(&db);
    for (bad, names) in [
        (&["--scope", "statuz"][..], "--scope"),
        (&["--expires-on", "2020-01-01"][..], "--expires-on"),
        (&["--expires-on", "snart"][..], "--expires-on"),
    ] {
        let o = run_args(args(bad));
        assert_failure(&o);
        assert!(stderr(&o).contains(names), "{}", stderr(&o));
    }
    assert_eq!(snapshot(&db), before);
    let last = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let mut ok = args(&["--scope", "status"]);
    ok.extend(["--expires-on".to_string(), last.clone()]);
    let o = run_args(ok);
    assert_success(&o);
    let conn = rusqlite::Connection::open(&db).expect("open");
    let (scope, expires): (String, String) = conn
        .query_row(
            "SELECT scope, expires_on FROM api_token WHERE label = 'Ordination'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("token");
    assert_eq!(
        (scope.as_str(), expires.as_str()),
        ("status", last.as_str())
    );
}

// ---- user totp ----

#[test]
fn user_totp_prints_the_otpauth_address_and_recovery_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("o.db");
    demo_db(&db);
    let o = run(&[
        "user",
        "totp",
        "--db",
        p(&db),
        "--email",
        "admin@demo.oncotrack.example",
    ]);
    assert_success(&o);
    let out = stdout(&o);
    let first = out.lines().next().unwrap_or("");
    assert!(
        first.starts_with("otpauth://totp/oncotrack:admin%40demo.oncotrack.example?"),
        "{out}"
    );
    let secret = first
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("secret="))
        .expect("secret");
    // The code the app would show now is the one the server takes.
    let now = chrono::Utc::now().timestamp() as u64;
    let code = oncotrack::auth::totp::code_at(secret, now).expect("code");
    assert_eq!(
        oncotrack::auth::totp::accepted_step(secret, &code, now, 0),
        Some((now / 30) as i64)
    );
    let codes = out.lines().filter(|l| l.starts_with("  ")).count();
    assert_eq!(codes, oncotrack::auth::totp::RECOVERY_CODES, "{out}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM account_totp WHERE confirmed_at IS NOT NULL"
        ),
        1
    );
    let o = run(&[
        "user",
        "totp",
        "--db",
        p(&db),
        "--email",
        "nobody@demo.oncotrack.example",
    ]);
    assert_failure(&o);
    assert!(stderr(&o).contains("--email"), "{}", stderr(&o));
}

// ---- import ----

const UNITS: &str = "\u{feff}region;administration;unit_code;unit_name;gives_chemotherapy;trainee_capacity\n\
Region Halland;Hallands sjukhus;HAL-ONK;Onkologi Halmstad;ja;2\n\
Region Halland;Hallands sjukhus;HAL-KIR;Kirurgi Halmstad;nej;\n\
Region Halland;Varbergs sjukhus;VAR-ONK;Onkologi Varberg;ja;1\n";

#[test]
fn import_units_previews_applies_and_refuses_bad_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("o.db");
    let file = dir.path().join("units.csv");
    std::fs::write(&file, UNITS).expect("write");

    let o = run(&["import", "units", "--db", p(&db), p(&file), "--dry-run"]);
    assert_success(&o);
    let out = stdout(&o);
    assert!(out.contains("line 2: new region Region Halland"), "{out}");
    assert!(
        out.contains("line 4: new unit VAR-ONK Onkologi Varberg"),
        "{out}"
    );
    assert!(out.contains("dry run"), "{out}");
    assert_eq!(
        count(&db, "SELECT count(*) FROM region"),
        0,
        "a dry run writes nothing"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log"), 0);

    let o = run(&["import", "units", "--db", p(&db), p(&file)]);
    assert_success(&o);
    assert!(!stdout(&o).contains("dry run"));
    assert_eq!(count(&db, "SELECT count(*) FROM region"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM administration"), 2);
    assert_eq!(count(&db, "SELECT count(*) FROM unit"), 3);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM unit WHERE code = 'HAL-ONK' AND gives_chemotherapy = 1 AND trainee_capacity = 2"
        ),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'unit.create' AND actor = 'cli'"
        ),
        3
    );

    let o = run(&["import", "units", "--db", p(&db), p(&file)]);
    assert_success(&o);
    assert!(
        stdout(&o).contains("0 change(s), 3 unchanged"),
        "{}",
        stdout(&o)
    );

    let before = snapshot(&db);
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "region;administration;unit_code;unit_name;gives_chemotherapy;trainee_capacity\n\
Region Halland;Hallands sjukhus;HAL-ONK;Onkologi Halland;ja;2\n\
Region Halland;Hallands sjukhus;HAL-GYN;Gynonkologi;kanske;\n",
    )
    .expect("write");
    for args in [vec!["--dry-run"], vec![]] {
        let mut all = vec!["import", "units", "--db", p(&db), p(&bad)];
        all.extend(args);
        let o = run(&all);
        assert_failure(&o);
        let err = stderr(&o);
        assert!(err.contains("line 3: gives_chemotherapy: "), "{err}");
        assert!(err.contains("nothing was imported"), "{err}");
        assert_eq!(snapshot(&db), before, "nothing written");
    }
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM unit WHERE name = 'Onkologi Halland'"
        ),
        0,
        "the good line was not applied either"
    );

    let o = run(&[
        "import",
        "units",
        "--db",
        p(&db),
        p(&dir.path().join("missing.csv")),
    ]);
    assert_failure(&o);
    assert!(stderr(&o).contains("missing.csv"), "{}", stderr(&o));
}

#[test]
fn import_staff_previews_applies_and_refuses_bad_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("o.db");
    let units = dir.path().join("units.csv");
    std::fs::write(&units, UNITS).expect("write");
    assert_success(&run(&["import", "units", "--db", p(&db), p(&units)]));

    let staff = dir.path().join("staff.csv");
    std::fs::write(
        &staff,
        "hsa_id,name,email,profession,unit_code,employed_from\n\
SE2321000131-E000000000101,Maja Ek-Lindström,maja.ek@test.example,Sjuksköterska,HAL-ONK,2024-05-01\n\
SE2321000131-E000000000102,Omar Haddad,omar.haddad@test.example,ST-läkare,VAR-ONK,\n",
    )
    .expect("write");
    let before = snapshot(&db);
    let o = run(&["import", "staff", "--db", p(&db), p(&staff), "--dry-run"]);
    assert_success(&o);
    let out = stdout(&o);
    assert!(
        out.contains("line 2: new person Maja Ek-Lindström (nurse, HAL-ONK) from 2024-05-01"),
        "{out}"
    );
    assert!(
        out.contains("line 3: new person Omar Haddad (st_doctor, VAR-ONK)"),
        "{out}"
    );
    assert!(out.contains("dry run"), "{out}");
    assert_eq!(snapshot(&db), before, "a dry run writes nothing");

    let o = run(&["import", "staff", "--db", p(&db), p(&staff)]);
    assert_success(&o);
    assert_eq!(count(&db, "SELECT count(*) FROM person"), 2);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM employment e JOIN person p ON p.id = e.person_id
             WHERE p.email = 'maja.ek@test.example' AND e.valid_from = '2024-05-01' AND e.valid_to IS NULL"
        ),
        1
    );
    // Without a date the history starts on the day of the import.
    let today = oncotrack::clock::Clock::today(&oncotrack::clock::SystemClock).to_string();
    let conn = rusqlite::Connection::open(&db).expect("open");
    let from: String = conn
        .query_row(
            "SELECT e.valid_from FROM employment e JOIN person p ON p.id = e.person_id WHERE p.email = 'omar.haddad@test.example'",
            [],
            |r| r.get(0),
        )
        .expect("history");
    assert_eq!(from, today);
    drop(conn);

    let o = run(&["import", "staff", "--db", p(&db), p(&staff)]);
    assert_success(&o);
    assert!(
        stdout(&o).contains("0 change(s), 2 unchanged"),
        "{}",
        stdout(&o)
    );

    let before = snapshot(&db);
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "hsa_id,name,email,profession,unit_code,employed_from\n\
SE2321000131-E000000000103,Nina Ny,nina.ny@test.example,nurse,HAL-ONK,2024-01-01\n\
SE2321000131-E000000000104,Erik Enhetslös,erik@test.example,nurse,NOPE9,\n\
SE2321000131-E000000000105,Pia Pilot,pia@test.example,pilot,HAL-ONK,\n",
    )
    .expect("write");
    let o = run(&["import", "staff", "--db", p(&db), p(&bad)]);
    assert_failure(&o);
    let err = stderr(&o);
    assert!(err.contains("line 3: unit_code: "), "{err}");
    assert!(err.contains("line 4: profession: "), "{err}");
    assert!(err.contains("2 bad line(s); nothing was imported"), "{err}");
    assert_eq!(snapshot(&db), before, "nothing written");
}

// ---- backup ----

#[test]
fn backup_makes_a_copy_that_check_accepts_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("o.db");
    let copy = dir.path().join("copy.db");
    demo_db(&db);

    let o = run(&["backup", "--db", p(&db), "--to", p(&copy)]);
    assert_success(&o);
    assert!(stdout(&o).contains("integrity: ok"), "{}", stdout(&o));
    let o = run(&["check", "--db", p(&copy)]);
    assert_success(&o);
    assert!(
        stdout(&o).contains("integrity: ok")
            && stdout(&o).contains(&format!(
                "schema version: {}",
                oncotrack::db::CURRENT_VERSION
            )),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        snapshot(&copy),
        snapshot(&db),
        "the copy holds the same rows"
    );
    assert!(
        !dir.path().join("copy.db-wal").exists(),
        "the copy is one file"
    );

    // A second backup onto the same file is refused and leaves it alone.
    let bytes = std::fs::read(&copy).expect("read");
    let o = run(&["backup", "--db", p(&db), "--to", p(&copy)]);
    assert_failure(&o);
    assert!(stderr(&o).contains("exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&copy).expect("read"), bytes);

    let o = run(&[
        "backup",
        "--db",
        p(&dir.path().join("missing.db")),
        "--to",
        p(&dir.path().join("other.db")),
    ]);
    assert_failure(&o);
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    assert!(!dir.path().join("other.db").exists());
}
