//! The learning-portal completion import: preview, apply, re-import, bad
//! lines, undo, and who may do what; through the real router and through the
//! `oncotrack import completions` command.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{Client, TestApp, TestResponse, assert_status};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use chrono::NaiveDate;
use oncotrack::auth::model::Role;
use oncotrack::licences::model::{LicenceType, Part, Status};
use oncotrack::licences::store;

/// The fixture's today is 2026-03-02.
fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Completions, batches, revocations and audit rows.
async fn snapshot(app: &TestApp) -> [i64; 4] {
    app.query(|c| {
        let mut out = [0; 4];
        for (i, table) in [
            "licence_completion",
            "import_batch",
            "licence_revocation",
            "audit_log",
        ]
        .iter()
        .enumerate()
        {
            out[i] = c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        }
        Ok(out)
    })
    .await
}

/// The value of a hidden input on a page, unescaped.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).expect("hidden field") + marker.len();
    let end = page[start..].find('"').expect("end of value") + start;
    page[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Posts the preview page's apply form as a browser would: no file, the
/// previewed text and file name in the hidden fields.
async fn apply_preview(client: &mut Client<'_>, preview: &TestResponse) -> TestResponse {
    let token = client.csrf().await;
    let boundary = "----oncotrack-apply-boundary";
    let mut body = String::new();
    for (name, value) in [
        ("csrf_token", token),
        ("action", "apply".to_string()),
        ("file_name", hidden(&preview.text, "file_name")),
        ("content", hidden(&preview.text, "content")),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    client
        .request(
            Method::POST,
            "/import/completions",
            Some(&format!("multipart/form-data; boundary={boundary}")),
            Body::from(body),
        )
        .await
}

async fn preview(client: &mut Client<'_>, file: &str) -> TestResponse {
    client
        .post_file(
            "/import/completions",
            &[("action", "preview")],
            file.as_bytes(),
        )
        .await
}

async fn import(client: &mut Client<'_>, file: &str) -> TestResponse {
    client
        .post_file(
            "/import/completions",
            &[("action", "apply")],
            file.as_bytes(),
        )
        .await
}

async fn cyto_status(app: &TestApp, person: i64) -> Status {
    app.query(move |c| {
        let all = store::person_licences(c, person, d("2026-03-02"))?;
        Ok(all
            .into_iter()
            .find(|l| l.licence.code == "CYTO")
            .expect("CYTO listed")
            .standing
            .status)
    })
    .await
}

const TWO_NURSES: &str = "hsa_id,licence,completed_on,note\n\
    SE9990000001-T0001,CYTO,2025-11-20,Webbkurs ht 2025\n\
    SE9990000001-T0002,CYTO,2025-12-01,\n";

#[tokio::test]
async fn a_preview_writes_nothing_and_its_apply_button_records_one_batch() {
    let app = TestApp::new().await;
    let nurse = app.fixture.nurse;
    assert_eq!(cyto_status(&app, nurse).await, Status::Missing);
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let before = snapshot(&app).await;

    let r = preview(&mut coordinator, TWO_NURSES).await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("Sara Sjöström"), "{}", r.text);
    assert!(r.text.contains("rad 2:"), "{}", r.text);
    assert_eq!(snapshot(&app).await, before, "a preview writes nothing");

    let r = apply_preview(&mut coordinator, &r).await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("Importen är klar."), "{}", r.text);
    let after = snapshot(&app).await;
    assert_eq!(after[0], before[0] + 2, "two completions");
    assert_eq!(after[1], before[1] + 1, "one batch");
    assert_eq!(after[3], before[3] + 1, "one audit row for the whole batch");

    let (kind, file, rows, added, by): (String, String, i64, i64, String) = app
        .query(|c| {
            c.query_row(
                "SELECT b.kind, b.file_name, b.rows, b.added, a.email FROM import_batch b
                 JOIN account a ON a.id = b.created_by",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
        })
        .await;
    assert_eq!(
        (kind.as_str(), file.as_str(), rows, added, by.as_str()),
        (
            "completions",
            "import.csv",
            2,
            2,
            "coordinator@test.example"
        )
    );
    let history = app.query(move |c| store::completions(c, nurse, None)).await;
    assert_eq!(history.len(), 1);
    let c = &history[0];
    assert_eq!(c.completed_on, d("2025-11-20"));
    assert_eq!(c.part, Part::Theory);
    assert_eq!(c.source, "import");
    assert!(c.import_batch_id.is_some());
    assert_eq!(c.note.as_deref(), Some("Webbkurs ht 2025"));
    assert_eq!(cyto_status(&app, nurse).await, Status::Valid);
    let audit: (String, String) = app
        .query(|c| {
            c.query_row(
                "SELECT entity, after FROM audit_log WHERE action = 'import.completions'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert_eq!(audit.0, "import_batch");
    assert!(audit.1.contains("\"added\":2"), "{}", audit.1);

    // The list of imported files shows it.
    let r = coordinator.get("/import/batches").await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("import.csv"), "{}", r.text);
    assert!(r.text.contains("coordinator@test.example"));
}

#[tokio::test]
async fn importing_the_same_file_again_adds_nothing() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    assert_status(&import(&mut admin, TWO_NURSES).await, StatusCode::OK);
    let after_first = snapshot(&app).await;

    let r = import(&mut admin, TWO_NURSES).await;
    assert_status(&r, StatusCode::OK);
    assert!(
        r.text
            .contains("Inget nytt att registrera: alla rader finns redan."),
        "{}",
        r.text
    );
    assert_eq!(
        snapshot(&app).await,
        after_first,
        "no completion, no batch, no audit row"
    );

    // One new row among known ones: only it is added.
    let more = format!("{TWO_NURSES}SE9990000001-T0001,CYTO,2023-01-10,\n");
    let r = import(&mut admin, &more).await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(snapshot(&app).await[0], after_first[0] + 1);
    let already: i64 = app
        .count("SELECT count(*) FROM import_batch WHERE rows = 3 AND added = 1")
        .await;
    assert_eq!(already, 1);
}

#[tokio::test]
async fn a_semicolon_file_with_bom_naming_people_by_email_is_read() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let file = "\u{feff}Email;Licence;Completed_on;Part\r\n\
        STAFF@test.example;cyto;2025-05-01;teori\r\n\
        ake.ohman@test.example;CYTO;2025-06-01;\r\n";
    let r = import(&mut admin, file).await;
    assert_status(&r, StatusCode::OK);
    let nurse = app.fixture.nurse;
    let other = app.fixture.other_nurse;
    let found = app
        .query(move |c| {
            Ok((
                store::completions(c, nurse, None)?,
                store::completions(c, other, None)?,
            ))
        })
        .await;
    assert_eq!(found.0.len(), 1);
    assert_eq!(found.0[0].completed_on, d("2025-05-01"));
    assert_eq!(found.1.len(), 1);
    assert_eq!(found.1[0].completed_on, d("2025-06-01"));
}

#[tokio::test]
async fn one_bad_line_among_good_ones_writes_nothing_and_every_bad_line_is_named() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let before = snapshot(&app).await;
    let file = "hsa_id,email,licence,completed_on,part\n\
        SE9990000001-T0001,,CYTO,2025-11-20,\n\
        SE9990000001-T9999,,CYTO,2025-11-20,\n\
        ,nobody@test.example,CYTO,2025-11-20,\n\
        SE9990000001-T0002,,CYTO,2026-03-03,\n\
        SE9990000001-T0002,,KÖRKORT,2025-01-01,\n\
        SE9990000001-T0002,,CYTO,2025-02-30,\n\
        SE9990000001-T0002,,CYTO,2025-01-01,halvdag\n\
        ,,CYTO,2025-01-01,\n\
        ,staff@test.example,CYTO,2025-11-20,theory\n\
        SE9990000001-T0002,,CYTO,2025-12-24,\n";
    let r = import(&mut admin, file).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    for expected in [
        "rad 3: hsa_id: ingen person har HSA-id SE9990000001-T9999",
        "rad 4: email: ingen person har e-postadressen nobody@test.example",
        "rad 5: completed_on: 2026-03-03 ligger i framtiden",
        "rad 6: licence: okänd behörighetstyp &quot;KÖRKORT&quot;",
        "rad 7: completed_on: väntade ett datum ÅÅÅÅ-MM-DD, fick &quot;2025-02-30&quot;",
        "rad 8: part: okänd del &quot;halvdag&quot;",
        "rad 9: hsa_id: obligatoriskt: ett HSA-id eller en e-postadress",
        "rad 10: row: staff@test.example CYTO theory 2025-11-20 förekommer igen (först på rad 2)",
    ] {
        assert!(r.text.contains(expected), "{expected}\n{}", r.text);
    }
    assert!(!r.text.contains("rad 2:"), "the good line is not blamed");
    assert!(!r.text.contains("rad 11:"), "the good line is not blamed");
    assert_eq!(snapshot(&app).await, before, "nothing written");

    // The same file, read in English.
    admin
        .post("/lang", &[("lang", "en"), ("next", "/import/completions")])
        .await;
    let r = import(&mut admin, file).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    for expected in [
        "line 3: hsa_id: no person has the HSA-id SE9990000001-T9999",
        "line 4: email: no person has the e-mail nobody@test.example",
        "line 5: completed_on: 2026-03-03 is in the future",
        "line 6: licence: unknown licence type &quot;KÖRKORT&quot;",
        "line 7: completed_on: expected a date YYYY-MM-DD, got &quot;2025-02-30&quot;",
        "line 8: part: unknown part &quot;halvdag&quot;",
        "line 9: hsa_id: required: an HSA-id or an e-mail",
        "line 10: row: staff@test.example CYTO theory 2025-11-20 appears again (first on line 2)",
    ] {
        assert!(r.text.contains(expected), "{expected}\n{}", r.text);
    }
    assert!(!r.text.contains("rad "), "no Swedish left: {}", r.text);
}

#[tokio::test]
async fn a_practical_part_needs_its_supervisor_when_the_licence_requires_one() {
    let app = TestApp::new().await;
    app.state
        .db
        .write(|tx| -> Result<i64, oncotrack::db::DbError> {
            Ok(store::create_licence_type(
                tx,
                &LicenceType {
                    id: 0,
                    code: "CYTOP".into(),
                    name_sv: "Cytostatikakörkort med praktik".into(),
                    name_en: "Chemotherapy licence with practice".into(),
                    validity_months: 36,
                    window_days: 90,
                    extend_from_expiry: true,
                    warning_days: vec![90],
                    requires_practical: true,
                    practical_validity_months: None,
                    active: true,
                },
            )?)
        })
        .await
        .expect("licence type");
    let mut admin = app.login_as(Role::Admin).await;
    let file = "hsa_id,licence,completed_on,part,signed_by\n\
        SE9990000001-T0001,CYTOP,2025-11-20,theory,\n\
        SE9990000001-T0001,CYTOP,2025-11-21,practical,\n";
    let r = import(&mut admin, file).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("rad 3: signed_by: obligatoriskt"),
        "{}",
        r.text
    );

    let signed = file.replace("practical,\n", "practical,Maria Handledare\n");
    let r = import(&mut admin, &signed).await;
    assert_status(&r, StatusCode::OK);
    let nurse = app.fixture.nurse;
    let history = app.query(move |c| store::completions(c, nurse, None)).await;
    let practical = history
        .iter()
        .find(|c| c.part == Part::Practical)
        .expect("practical part");
    assert_eq!(practical.signed_by.as_deref(), Some("Maria Handledare"));
}

#[tokio::test]
async fn undoing_a_batch_revokes_its_completions_once() {
    let app = TestApp::new().await;
    let nurse = app.fixture.nurse;
    let mut admin = app.login_as(Role::Admin).await;
    assert_status(&import(&mut admin, TWO_NURSES).await, StatusCode::OK);
    assert_eq!(cyto_status(&app, nurse).await, Status::Valid);
    let batch: i64 = app.count("SELECT id FROM import_batch").await;
    let path = format!("/import/batches/{batch}/undo");

    let r = admin.post(&path, &[("reason", "  ")]).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Ange ett skäl"), "{}", r.text);
    assert_eq!(
        app.count("SELECT count(*) FROM licence_revocation").await,
        0
    );

    let r = admin
        .post(&path, &[("reason", "Fel fil från lärplattformen")])
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let r = admin.get(r.location().expect("location")).await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("Importen är ångrad"), "{}", r.text);

    let history = app.query(move |c| store::completions(c, nurse, None)).await;
    assert_eq!(history.len(), 1, "revoked, never deleted");
    let (_, by, reason) = history[0].revoked.clone().expect("revoked");
    assert_eq!(reason, "Fel fil från lärplattformen");
    assert_eq!(by.as_deref(), Some("admin@test.example"));
    assert_eq!(cyto_status(&app, nurse).await, Status::Missing);
    assert_eq!(
        app.count("SELECT count(*) FROM licence_revocation").await,
        2
    );
    assert_eq!(
        app.count("SELECT count(*) FROM import_batch WHERE undone_at IS NOT NULL AND undone_by IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'import.undo' AND entity = 'import_batch'"
        )
        .await,
        1
    );

    let before = snapshot(&app).await;
    let r = admin.post(&path, &[("reason", "En gång till")]).await;
    assert_status(&r, StatusCode::CONFLICT);
    assert!(r.text.contains("Importen är redan ångrad."), "{}", r.text);
    assert_eq!(
        snapshot(&app).await,
        before,
        "the second undo writes nothing"
    );

    // The same file can be imported again after the undo.
    let r = import(&mut admin, TWO_NURSES).await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(cyto_status(&app, nurse).await, Status::Valid);

    let r = admin
        .post("/import/batches/9999/undo", &[("reason", "x")])
        .await;
    assert_status(&r, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_administrators_undo_and_staff_do_not_import() {
    let app = TestApp::new().await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    assert_status(&import(&mut coordinator, TWO_NURSES).await, StatusCode::OK);
    let batch: i64 = app.count("SELECT id FROM import_batch").await;
    let r = coordinator
        .post(
            &format!("/import/batches/{batch}/undo"),
            &[("reason", "fel")],
        )
        .await;
    assert_status(&r, StatusCode::FORBIDDEN);
    let page = coordinator.get("/import/batches").await;
    assert_status(&page, StatusCode::OK);
    assert!(
        !page.text.contains("/undo\""),
        "no undo form for coordinators"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM licence_revocation").await,
        0
    );

    let before = snapshot(&app).await;
    for role in [
        Role::Staff,
        Role::Manager,
        Role::Lecturer,
        Role::StudyDirector,
    ] {
        let mut user = app.login_as(role).await;
        assert_status(
            &user.get("/import/completions").await,
            StatusCode::FORBIDDEN,
        );
        assert_status(&user.get("/import/batches").await, StatusCode::FORBIDDEN);
        assert_status(&import(&mut user, TWO_NURSES).await, StatusCode::FORBIDDEN);
    }
    assert_eq!(snapshot(&app).await[..3], before[..3]);
}

// ---- The command line ----

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oncotrack"))
        .args(args)
        .env_remove("ONCOTRACK_DB")
        .output()
        .expect("run oncotrack")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

fn db_count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

#[test]
fn the_command_line_imports_a_portal_export_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let o = run(&["demo", "--db", p(&db)]);
    assert!(o.status.success(), "{:?}", text(&o));
    let file = dir.path().join("portal.csv");
    std::fs::write(
        &file,
        "hsa_id;licence;completed_on\n\
         SE9990000001-D00000001;CYTO;2025-01-15\n\
         SE9990000001-D00000002;CYTO;2025-01-15\n\
         se9990000001-d00000003;cyto;2024-09-30\n",
    )
    .expect("write");
    let completions = "SELECT count(*) FROM licence_completion";
    let before = db_count(&db, completions);

    let o = run(&[
        "import",
        "completions",
        p(&file),
        "--dry-run",
        "--db",
        p(&db),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        out.contains("3 row(s): 3 to add, 0 already recorded (dry run: nothing written)"),
        "{out}"
    );
    assert!(out.contains("CYTO theory: 3"), "{out}");
    assert_eq!(db_count(&db, completions), before);

    let o = run(&["import", "completions", p(&file), "--db", p(&db)]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        out.contains("3 row(s): 3 to add, 0 already recorded"),
        "{out}"
    );
    assert_eq!(db_count(&db, completions), before + 3);
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM import_batch WHERE kind = 'completions' AND file_name = 'portal.csv'
             AND rows = 3 AND added = 3 AND created_by IS NULL"
        ),
        1
    );
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'import.completions' AND actor = 'cli'"
        ),
        1
    );

    let o = run(&["import", "completions", p(&file), "--db", p(&db)]);
    let (out, _) = text(&o);
    assert!(o.status.success());
    assert!(
        out.contains("3 row(s): 0 to add, 3 already recorded"),
        "{out}"
    );
    assert_eq!(db_count(&db, completions), before + 3);
    assert_eq!(db_count(&db, "SELECT count(*) FROM import_batch"), 1);
}

#[test]
fn the_command_line_refuses_a_file_with_a_bad_line_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    assert!(run(&["demo", "--db", p(&db)]).status.success());
    let file = dir.path().join("portal.csv");
    std::fs::write(
        &file,
        "email,hsa_id,licence,completed_on\n\
         ,SE9990000001-D00000001,CYTO,2025-01-15\n\
         ,SE9990000001-D00000002,CYTX,2025-01-15\n\
         ,SE9990000001-D00000003,CYTO,2999-01-01\n",
    )
    .expect("write");
    let before = db_count(&db, "SELECT count(*) FROM licence_completion");
    let audit = db_count(&db, "SELECT count(*) FROM audit_log");
    let o = run(&["import", "completions", p(&file), "--db", p(&db)]);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}\n{err}");
    assert!(
        err.contains("line 3: licence: unknown licence type \"CYTX\""),
        "{err}"
    );
    assert!(
        err.contains("line 4: completed_on: 2999-01-01 is in the future"),
        "{err}"
    );
    assert!(err.contains("2 bad line(s); nothing was imported"), "{err}");
    assert_eq!(
        db_count(&db, "SELECT count(*) FROM licence_completion"),
        before
    );
    assert_eq!(db_count(&db, "SELECT count(*) FROM import_batch"), 0);
    assert_eq!(db_count(&db, "SELECT count(*) FROM audit_log"), audit);
}
