//! Licence reminders and manager digests: what a run queues on which day, that
//! each message exists once, that the app shows them, and delivery to a real
//! SMTP server started by the test.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use crate::support::{TestApp, email_for};
use axum::http::StatusCode;
use chrono::{NaiveDate, TimeZone, Utc};
use oncotrack::audit::store::Actor;
use oncotrack::auth::model::Role;
use oncotrack::config::{Config, MailSettings};
use oncotrack::licences::model::Part;
use oncotrack::licences::reminders::{self, Queued, RunReport};
use oncotrack::licences::store::{NewCompletion, record_completion};
use oncotrack::mail::smtp::{Mailer, deliver_pending};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Moves the test clock to 09:00 UTC on `day` (the same date in Stockholm).
fn set_day(app: &TestApp, day: &str) {
    let date = d(day);
    app.clock
        .set(Utc.from_utc_datetime(&date.and_hms_opt(9, 0, 0).expect("time")));
}

async fn complete(app: &TestApp, person_id: i64, on: &str) {
    let on = d(on);
    let now = oncotrack::clock::Clock::now(&app.clock);
    app.state
        .db
        .write(move |tx| {
            record_completion(
                tx,
                &NewCompletion {
                    person_id,
                    licence_type_id: 1,
                    part: Part::Theory,
                    completed_on: on,
                    signed_by: None,
                    note: None,
                    source: "manual",
                    import_batch_id: None,
                },
                None,
                now,
            )
            .map_err(oncotrack::db::DbError::from)
        })
        .await
        .expect("record completion");
}

async fn run(app: &TestApp) -> RunReport {
    reminders::run(
        &app.state.db,
        &app.state.config,
        &app.clock,
        None,
        Actor::system(),
    )
    .await
    .expect("reminders run")
}

async fn run_as_of(app: &TestApp, day: &str) -> RunReport {
    reminders::run(
        &app.state.db,
        &app.state.config,
        &app.clock,
        Some(d(day)),
        Actor::system(),
    )
    .await
    .expect("reminders run")
}

/// A stored message as the tests look at it.
#[derive(Debug, Clone)]
struct Row {
    kind: String,
    key: String,
    person: Option<i64>,
    account: Option<i64>,
    to: String,
    subject: String,
    body: String,
    sent_at: Option<String>,
    attempts: i64,
    last_error: Option<String>,
}

async fn outbox(app: &TestApp) -> Vec<Row> {
    app.query(|c| {
        c.prepare(
            "SELECT kind, dedupe_key, recipient_person_id, recipient_account_id, to_email, subject, body,
                    sent_at, attempts, last_error
             FROM outbox ORDER BY id",
        )?
        .query_map([], |r| {
            Ok(Row {
                kind: r.get(0)?,
                key: r.get(1)?,
                person: r.get(2)?,
                account: r.get(3)?,
                to: r.get(4)?,
                subject: r.get(5)?,
                body: r.get(6)?,
                sent_at: r.get(7)?,
                attempts: r.get(8)?,
                last_error: r.get(9)?,
            })
        })?
        .collect()
    })
    .await
}

async fn account_id(app: &TestApp, role: Role) -> i64 {
    let email = email_for(role);
    app.query(move |c| {
        c.query_row("SELECT id FROM account WHERE email = ?1", [email], |r| {
            r.get(0)
        })
    })
    .await
}

async fn audit_runs(app: &TestApp) -> i64 {
    app.query(|c| {
        c.query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'reminders.run'",
            [],
            |r| r.get(0),
        )
    })
    .await
}

fn queued(warnings: usize, expired: usize, digests: usize) -> Queued {
    Queued {
        warnings,
        expired,
        digests,
    }
}

/// The ONK1 nurse completed the course on 2023-05-31, so her licence is valid
/// until 2026-05-31: 90 days after Monday 2026-03-02, the fixture's first day.
/// The ONK2 nurse's licence lapsed in 2023: too long ago for an expiry notice.
async fn app_with_licences(config: Config) -> TestApp {
    let app = TestApp::with_config(config).await;
    complete(&app, app.fixture.nurse, "2023-05-31").await;
    complete(&app, app.fixture.other_nurse, "2020-01-10").await;
    app
}

#[tokio::test]
async fn a_licence_cycle_sends_each_reminder_once() {
    let app = app_with_licences(Config::default()).await;
    let nurse = app.fixture.nurse;
    let cycle = format!("licence:{nurse}:1:2026-05-31:");

    // Monday 2026-03-02: exactly 90 days left.
    let r = run(&app).await;
    assert_eq!(r.as_of, Some(d("2026-03-02")));
    assert_eq!(r.queued, queued(1, 0, 1));
    assert_eq!(r.delivered, None, "no SMTP configured");
    let rows = outbox(&app).await;
    let to_nurse: Vec<&Row> = rows.iter().filter(|m| m.person == Some(nurse)).collect();
    assert_eq!(to_nurse.len(), 1, "{rows:#?}");
    assert_eq!(to_nurse[0].key, format!("{cycle}warn:90"));
    assert_eq!(to_nurse[0].kind, "licence_warning");
    assert_eq!(to_nurse[0].to, email_for(Role::Staff));
    assert!(
        to_nurse[0].subject.contains("Cytostatikakörkort"),
        "{}",
        to_nurse[0].subject
    );
    assert!(to_nurse[0].body.contains("2026-05-31"));
    assert!(to_nurse[0].sent_at.is_none());
    assert!(
        rows.iter()
            .all(|m| m.person != Some(app.fixture.other_nurse)),
        "a licence that lapsed years ago gets no notice"
    );
    assert_eq!(audit_runs(&app).await, 1);

    // Again the same day, and the next day: nothing new, and no audit row.
    assert_eq!(run(&app).await.queued, Queued::default());
    set_day(&app, "2026-03-03");
    assert_eq!(run(&app).await.queued, Queued::default());
    assert_eq!(outbox(&app).await.len(), 2);
    assert_eq!(audit_runs(&app).await, 1);

    // Friday 2026-05-01: 30 days left (and a new week's digest).
    set_day(&app, "2026-05-01");
    assert_eq!(run(&app).await.queued, queued(1, 0, 1));
    set_day(&app, "2026-05-02");
    assert_eq!(run(&app).await.queued, Queued::default());

    // The last valid day sends nothing more; the day after, the expiry notice.
    set_day(&app, "2026-05-31");
    assert_eq!(run(&app).await.queued.warnings, 0);
    set_day(&app, "2026-06-01");
    assert_eq!(run(&app).await.queued, queued(0, 1, 1));
    set_day(&app, "2026-06-02");
    assert_eq!(run(&app).await.queued, Queued::default());

    let keys: Vec<String> = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m.person == Some(nurse))
        .map(|m| m.key)
        .collect();
    assert_eq!(
        keys,
        [
            format!("{cycle}warn:90"),
            format!("{cycle}warn:30"),
            format!("{cycle}expired"),
        ]
    );

    // A renewal after expiry runs three years from its date: a new cycle.
    complete(&app, nurse, "2026-06-10").await;
    set_day(&app, "2026-06-11");
    let r = run(&app).await;
    assert_eq!((r.queued.warnings, r.queued.expired), (0, 0));
    set_day(&app, "2029-03-12"); // 90 days before 2029-06-10
    assert_eq!(run(&app).await.queued.warnings, 1);
    let last = outbox(&app)
        .await
        .into_iter()
        .rfind(|m| m.person == Some(nurse))
        .expect("message");
    assert_eq!(last.key, format!("licence:{nurse}:1:2029-06-10:warn:90"));
}

#[tokio::test]
async fn the_first_run_sends_only_the_latest_threshold_and_never_an_older_one() {
    let app = app_with_licences(Config::default()).await;
    let nurse = app.fixture.nurse;
    // Installed ten days before expiry: both thresholds are crossed.
    set_day(&app, "2026-05-21");
    assert_eq!(run(&app).await.queued.warnings, 1);
    // A run for an earlier day (an operator's --as-of) does not go back to 90.
    assert_eq!(run_as_of(&app, "2026-03-02").await.queued.warnings, 0);
    let keys: Vec<String> = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m.person == Some(nurse))
        .map(|m| m.key)
        .collect();
    assert_eq!(keys, [format!("licence:{nurse}:1:2026-05-31:warn:30")]);
}

#[tokio::test]
async fn managers_get_a_weekly_digest_of_their_scope() {
    let app = app_with_licences(Config::default()).await;
    let manager = account_id(&app, Role::Manager).await;
    run(&app).await;
    let digests: Vec<Row> = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m.kind == "manager_digest")
        .collect();
    assert_eq!(digests.len(), 1, "only the ONK1 manager has people to list");
    let digest = &digests[0];
    assert_eq!(digest.account, Some(manager));
    assert_eq!(digest.to, email_for(Role::Manager));
    assert_eq!(digest.key, format!("digest:{manager}:2026-W10"));
    assert!(digest.body.contains("Sara Sjöström"), "{}", digest.body);
    assert!(digest.body.contains("ONK1"), "{}", digest.body);
    assert!(digest.body.contains("2026-05-31"), "{}", digest.body);
    assert!(
        !digest.body.contains("Åke"),
        "the ONK2 nurse is outside the manager's scope"
    );
    // Nobody chose a language: Swedish, and only Swedish.
    assert!(digest.body.contains("Hej"), "Swedish: {}", digest.body);
    assert!(
        !digest.body.contains("Hello"),
        "no English: {}",
        digest.body
    );
    assert!(!digest.subject.contains("Licences"), "{}", digest.subject);

    // Later in the same ISO week: no second digest.
    set_day(&app, "2026-03-06");
    assert_eq!(run(&app).await.queued.digests, 0);
    // The next Monday: a new one.
    set_day(&app, "2026-03-09");
    assert_eq!(run(&app).await.queued.digests, 1);
}

/// Sets the language an account chose.
async fn choose_language(app: &TestApp, role: Role, lang: &'static str) {
    let email = email_for(role);
    app.state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE account SET language = ?2 WHERE email = ?1",
                [email.as_str(), lang],
            )
            .map_err(oncotrack::db::DbError::from)
        })
        .await
        .expect("language");
}

#[tokio::test]
async fn each_message_is_written_in_its_recipients_language() {
    let app = TestApp::new().await;
    // Both nurses' licences run out on 2026-05-31: a warning to each.
    complete(&app, app.fixture.nurse, "2023-05-31").await;
    complete(&app, app.fixture.other_nurse, "2023-05-31").await;
    // Sara's account (and the manager's) chose English; Åke has no account.
    choose_language(&app, Role::Staff, "en").await;
    choose_language(&app, Role::Manager, "en").await;
    let r = run(&app).await;
    assert_eq!(r.queued, queued(2, 0, 1));
    let rows = outbox(&app).await;
    let to = |person: i64| {
        rows.iter()
            .find(|m| m.person == Some(person))
            .unwrap_or_else(|| panic!("a reminder to {person}: {rows:#?}"))
    };

    let english = to(app.fixture.nurse);
    assert_eq!(
        english.subject, "Chemotherapy licence expires on 2026-05-31",
        "{english:#?}"
    );
    assert!(
        english.body.contains("Hello Sara Sjöström"),
        "{}",
        english.body
    );
    assert!(english.body.contains("Sent automatically by oncotrack"));
    for swedish in ["Cytostatikakörkort", "Hej", "Skickat automatiskt"] {
        assert!(
            !english.body.contains(swedish),
            "{swedish}: {}",
            english.body
        );
    }

    let swedish = to(app.fixture.other_nurse);
    assert_eq!(
        swedish.subject, "Cytostatikakörkort går ut 2026-05-31",
        "{swedish:#?}"
    );
    assert!(swedish.body.contains("Hej Åke Öhman"), "{}", swedish.body);
    for english in ["Chemotherapy licence", "Hello", "Sent automatically"] {
        assert!(
            !swedish.body.contains(english),
            "{english}: {}",
            swedish.body
        );
    }

    let digest = rows
        .iter()
        .find(|m| m.kind == "manager_digest")
        .expect("digest");
    assert_eq!(digest.subject, "Licences to act on, week 2026-W10");
    assert!(digest.body.contains("Hello"), "{}", digest.body);
    assert!(digest.body.contains("· Expiring"), "{}", digest.body);
    assert!(
        !digest.body.contains("Hej") && !digest.body.contains("Går snart ut"),
        "{}",
        digest.body
    );
}

#[tokio::test]
async fn the_digest_lists_everyone_not_compliant_with_a_link_to_their_unit() {
    let app = app_with_licences(Config {
        public_url: Some("https://onko.example.se".into()),
        ..Config::default()
    })
    .await;
    let added = crate::enrolment_support::nurses(
        &app,
        3,
        oncotrack::organisation::model::Profession::Nurse,
    )
    .await;
    // One expired last year, one never held it, one holds a valid one.
    complete(&app, added[0], "2022-11-30").await;
    complete(&app, added[2], "2025-06-01").await;
    run(&app).await;
    let digest = outbox(&app)
        .await
        .into_iter()
        .find(|m| m.kind == "manager_digest")
        .expect("digest");
    let body = &digest.body;
    assert!(body.contains("(3 st)"), "{body}");
    let lines: Vec<&str> = body.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(lines.len(), 3, "{body}");
    // The one who never held it first, then by expiry.
    assert!(
        lines[0].contains("· Saknas · har aldrig haft körkortet"),
        "{body}"
    );
    assert!(
        lines[1].contains("· Utgånget · giltigt till 2025-11-30"),
        "{body}"
    );
    assert!(
        lines[2].contains("Sara Sjöström · Går snart ut · giltigt till 2026-05-31"),
        "{body}"
    );
    let onk1 = app.fixture.onk1;
    let link = format!("https://onko.example.se/compliance?licence=CYTO&by=unit&unit={onk1}");
    assert!(body.contains(&link), "{body}");
    // The link opens the unit's page for the manager, listing the same people.
    let mut manager = app.login_as(Role::Manager).await;
    let page = manager
        .get(link.trim_start_matches("https://onko.example.se"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Sara Sjöström"), "{}", page.text);
}

#[tokio::test]
async fn nobody_to_list_means_no_digest() {
    let app = TestApp::new().await;
    // The manager's nurse holds a licence good for years; the other
    // region's nurse without one is in nobody's scope but the admins'.
    complete(&app, app.fixture.nurse, "2025-06-01").await;
    let r = run(&app).await;
    assert_eq!(r.queued, Queued::default());
    assert!(outbox(&app).await.is_empty());
    assert_eq!(audit_runs(&app).await, 0);
}

#[tokio::test]
async fn messages_are_visible_in_the_app() {
    let app = app_with_licences(Config::default()).await;
    run(&app).await;

    let mut nurse = app.login_as(Role::Staff).await;
    let r = nurse.get("/messages").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("Cytostatikakörkort går ut 2026-05-31"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("Endast här"),
        "not e-mailed: shown here only"
    );
    assert!(
        !r.text.contains("Veckosammanställning"),
        "the digest is the manager's"
    );

    let mut manager = app.login_as(Role::Manager).await;
    let r = manager.get("/messages").await;
    assert!(r.text.contains("Sara Sjöström"), "{}", r.text);
    assert!(!r.text.contains("Cytostatikakörkort går ut 2026-05-31"));

    let mut lecturer = app.login_as(Role::Lecturer).await;
    let r = lecturer.get("/messages").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Inga meddelanden."));

    let mut admin = app.login_as(Role::Admin).await;
    let r = admin.get("/admin/outbox").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains(&email_for(Role::Staff)));
    assert!(r.text.contains(&email_for(Role::Manager)));
    assert!(r.text.contains("E-post är inte inställd"));
    let r = admin.get("/admin/outbox?kind=manager_digest").await;
    assert!(r.text.contains(&email_for(Role::Manager)));
    assert!(!r.text.contains(&email_for(Role::Staff)));
    let r = admin.get("/admin/outbox?status=sent").await;
    assert!(!r.text.contains(&email_for(Role::Staff)));
    let r = admin.get("/admin/outbox?status=nonsense").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_outbox_and_the_messages_speak_the_readers_language() {
    let app = app_with_licences(Config::default()).await;
    run(&app).await;

    let mut admin = app.login_as(Role::Admin).await;
    admin.cookies.insert("ot_lang".into(), "en".into());
    let r = admin.get("/admin/outbox?status=nonsense").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains(
            "<a href=\"#f-status\">Status</a>: nonsense is not one of the allowed values (sent, unsent, failed)"
        ),
        "{}",
        r.text
    );
    assert!(!r.text.contains("tillåtna") && !r.text.contains("Rätta"));
    let r = admin.get("/admin/outbox").await;
    assert!(r.text.contains("E-mail is not set up"), "{}", r.text);
    assert!(r.text.contains("Shown here only") && !r.text.contains("Endast här"));

    admin.cookies.insert("ot_lang".into(), "sv".into());
    let r = admin.get("/admin/outbox?kind=postcard").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text
            .contains("<a href=\"#f-kind\">Typ</a>: postcard är inte ett av de tillåtna värdena"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("allowed values") && !r.text.contains("Please correct"));

    let mut nurse = app.login_as(Role::Staff).await;
    nurse.cookies.insert("ot_lang".into(), "en".into());
    let r = nurse.get("/messages").await;
    assert!(
        r.text.contains("Shown here only") && r.text.contains("Licence expiring"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("Endast här") && !r.text.contains("Inga meddelanden"));
}

// ---- A real SMTP server on 127.0.0.1 ------------------------------------

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
struct Received {
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

/// Collects what clients send; mailin runs the SMTP dialogue.
struct Collector {
    inbox: Inbox,
    current: Option<Received>,
}

impl mailin::Handler for Collector {
    fn data_start(
        &mut self,
        _domain: &str,
        from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin::Response {
        self.current = Some(Received {
            from: from.to_string(),
            to: to.to_vec(),
            data: Vec::new(),
        });
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(m) = &mut self.current {
            m.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> mailin::Response {
        if let Some(m) = self.current.take() {
            self.inbox.lock().expect("inbox").push(m);
        }
        mailin::response::OK
    }
}

/// Starts an SMTP server on a free port of 127.0.0.1; returns its address and
/// the messages it accepts. It stops with the test's runtime.
async fn smtp_server() -> (SocketAddr, Inbox) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let inbox: Inbox = Arc::default();
    let shared = inbox.clone();
    tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            let handler = Collector {
                inbox: shared.clone(),
                current: None,
            };
            tokio::spawn(async move {
                let _ = smtp_session(stream, peer, handler).await;
            });
        }
    });
    (addr, inbox)
}

async fn smtp_session(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    handler: Collector,
) -> std::io::Result<()> {
    let mut session = mailin::SessionBuilder::new("smtp.test").build(peer.ip(), handler);
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(&session.greeting().buffer()?).await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let response = session.process(&line);
        match response.action {
            mailin::Action::Reply => write.write_all(&response.buffer()?).await?,
            mailin::Action::NoReply => {}
            mailin::Action::Close | mailin::Action::UpgradeTls => {
                write.write_all(&response.buffer()?).await?;
                return Ok(());
            }
        }
    }
}

/// The headers (unfolded, names lower-cased) and the decoded body of a message.
fn parse_message(data: &[u8]) -> (Vec<(String, String)>, String) {
    let text = String::from_utf8_lossy(data).replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").expect("headers and body");
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    let headers: Vec<(String, String)> = unfolded
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let encoding = headers
        .iter()
        .find(|(k, _)| k == "content-transfer-encoding")
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    let body = match encoding.as_str() {
        "quoted-printable" => String::from_utf8(
            quoted_printable::decode(body.as_bytes(), quoted_printable::ParseMode::Robust)
                .expect("quoted-printable"),
        )
        .expect("UTF-8"),
        "base64" => {
            use base64::Engine;
            let joined: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .expect("base64"),
            )
            .expect("UTF-8")
        }
        _ => body.to_string(),
    };
    (headers, body)
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?...?=`) in a header value.
fn decode_header(value: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    let mut previous_encoded = false;
    for word in value.split(' ').filter(|w| !w.is_empty()) {
        let decoded = word
            .strip_prefix("=?")
            .and_then(|w| w.strip_suffix("?="))
            .and_then(|inner| {
                let mut parts = inner.splitn(3, '?');
                let (_charset, encoding, text) = (parts.next()?, parts.next()?, parts.next()?);
                assert!(encoding.eq_ignore_ascii_case("b"), "encoding {encoding}");
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .expect("base64 word");
                Some(String::from_utf8(bytes).expect("UTF-8 word"))
            });
        // Space between two encoded words is folding, not text (RFC 2047 §6.2).
        let joins_encoded_words = previous_encoded && decoded.is_some();
        if !out.is_empty() && !joins_encoded_words {
            out.push(' ');
        }
        previous_encoded = decoded.is_some();
        out.push_str(decoded.as_deref().unwrap_or(word));
    }
    out
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

fn smtp_config(addr: SocketAddr) -> Config {
    Config {
        mail: Some(
            MailSettings::new(
                &format!("smtp://{addr}"),
                "Oncotrack <oncotrack@test.example>",
            )
            .expect("mail settings"),
        ),
        ..Config::default()
    }
}

#[tokio::test]
async fn reminders_are_delivered_over_smtp_once() {
    let (addr, inbox) = smtp_server().await;
    let app = app_with_licences(smtp_config(addr)).await;

    let r = run(&app).await;
    assert_eq!(r.queued, queued(1, 0, 1));
    let delivered = r.delivered.expect("SMTP configured");
    assert_eq!((delivered.sent, delivered.failed), (2, 0));

    let rows = outbox(&app).await;
    assert!(
        rows.iter().all(|m| m.sent_at.is_some() && m.attempts == 1),
        "{rows:#?}"
    );
    let received = inbox.lock().expect("inbox").clone();
    assert_eq!(received.len(), 2);
    let warning = rows
        .iter()
        .find(|m| m.kind == "licence_warning")
        .expect("warning");
    let mail = received
        .iter()
        .find(|m| m.to == [email_for(Role::Staff)])
        .unwrap_or_else(|| panic!("nothing to the nurse: {received:?}"));
    assert_eq!(mail.from, "oncotrack@test.example");
    let (headers, body) = parse_message(&mail.data);
    assert_eq!(decode_header(header(&headers, "subject")), warning.subject);
    assert!(header(&headers, "to").contains(&email_for(Role::Staff)));
    assert!(header(&headers, "from").contains("oncotrack@test.example"));
    assert!(body.contains("Ditt cytostatikakörkort (CYTO)"), "{body}");
    assert!(body.contains("2026-05-31"), "{body}");
    assert!(
        received.iter().any(|m| m.to == [email_for(Role::Manager)]),
        "the digest went to the manager"
    );

    // A second run, and a second delivery, send nothing again.
    let r = run(&app).await;
    assert_eq!(r.queued, Queued::default());
    assert_eq!(r.delivered.map(|d| d.sent), Some(0));
    let mailer = Mailer::new(app.state.config.mail.as_ref().expect("mail")).expect("mailer");
    let again = deliver_pending(&app.state.db, &mailer, &app.clock)
        .await
        .expect("deliver");
    assert_eq!((again.sent, again.failed), (0, 0));
    assert_eq!(inbox.lock().expect("inbox").len(), 2);

    let mut nurse = app.login_as(Role::Staff).await;
    let page = nurse.get("/messages").await;
    assert!(page.text.contains("E-postat"), "{}", page.text);
}

#[tokio::test]
async fn a_failed_delivery_is_recorded_and_retried() {
    // A port nobody listens on: bind one, note it, let it go.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let app = app_with_licences(smtp_config(closed)).await;
    let r = run(&app).await;
    assert_eq!(r.delivered.map(|d| (d.sent, d.failed)), Some((0, 2)));
    let rows = outbox(&app).await;
    assert!(
        rows.iter()
            .all(|m| m.sent_at.is_none() && m.attempts == 1 && m.last_error.is_some()),
        "{rows:#?}"
    );
    let mut admin = app.login_as(Role::Admin).await;
    let page = admin.get("/admin/outbox?status=failed").await;
    assert!(page.text.contains(&email_for(Role::Staff)), "{}", page.text);

    // The server is back (here: another one): the next delivery sends both.
    let (addr, inbox) = smtp_server().await;
    let mailer = Mailer::new(smtp_config(addr).mail.as_ref().expect("mail")).expect("mailer");
    let done = deliver_pending(&app.state.db, &mailer, &app.clock)
        .await
        .expect("deliver");
    assert_eq!((done.sent, done.failed), (2, 0));
    assert_eq!(inbox.lock().expect("inbox").len(), 2);
    let rows = outbox(&app).await;
    assert!(
        rows.iter()
            .all(|m| m.sent_at.is_some() && m.attempts == 2 && m.last_error.is_none()),
        "{rows:#?}"
    );
}

#[tokio::test]
async fn old_unsent_messages_are_left_to_the_app() {
    let (addr, inbox) = smtp_server().await;
    let app = app_with_licences(Config::default()).await;
    run(&app).await; // queued without SMTP
    app.clock.advance(chrono::Duration::days(15));
    let mailer = Mailer::new(smtp_config(addr).mail.as_ref().expect("mail")).expect("mailer");
    let done = deliver_pending(&app.state.db, &mailer, &app.clock)
        .await
        .expect("deliver");
    assert_eq!(done.sent, 0, "two-week-old reminders are not e-mailed late");
    assert!(inbox.lock().expect("inbox").is_empty());
}

#[tokio::test]
async fn the_background_job_runs_at_start_and_stops() {
    let app = app_with_licences(Config::default()).await;
    let task = oncotrack::spawn_reminders(app.state.clone());
    let mut waited = 0;
    while outbox(&app).await.is_empty() {
        assert!(waited < 200, "the job did not run at start-up");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        waited += 1;
    }
    task.stop().await;
    assert_eq!(outbox(&app).await.len(), 2);
}

// ---- The command line ----------------------------------------------------

fn oncotrack(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oncotrack"));
    cmd.args(args)
        .env_remove("ONCOTRACK_DB")
        .env_remove("ONCOTRACK_SMTP_URL")
        .env_remove("ONCOTRACK_MAIL_FROM")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.output().expect("run oncotrack")
}

#[track_caller]
fn stdout_of(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

/// The three counts from `queued N warning(s), N expiry notice(s), N digest(s)`.
fn printed_counts(out: &str) -> Vec<i64> {
    let line = out
        .lines()
        .find(|l| l.contains("queued"))
        .unwrap_or_else(|| panic!("no counts in {out}"));
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .skip(3) // the date's year, month and day
        .collect()
}

#[test]
fn the_command_queues_once_and_prints_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let db_s = db.to_str().expect("UTF-8 path");
    stdout_of(&oncotrack(&["demo", "--db", db_s], &[]));

    let args = ["reminders", "run", "--as-of", "2026-06-01", "--db", db_s];
    let first = stdout_of(&oncotrack(&args, &[]));
    assert!(first.contains("as of 2026-06-01"), "{first}");
    assert!(first.contains("e-mail: not configured"), "{first}");
    let counts = printed_counts(&first);
    assert_eq!(counts.len(), 3, "{first}");
    let queued: i64 = counts.iter().sum();
    assert!(queued > 0, "the demo has licences to remind about: {first}");
    assert_eq!(count(&db, "SELECT count(*) FROM outbox"), queued);

    let second = stdout_of(&oncotrack(&args, &[]));
    assert_eq!(printed_counts(&second), [0, 0, 0], "{second}");
    assert_eq!(count(&db, "SELECT count(*) FROM outbox"), queued);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'reminders.run' AND actor = 'cli'"
        ),
        1
    );
}

#[test]
fn the_command_names_what_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("empty.db");
    let db_s = db.to_str().expect("UTF-8 path");

    let missing = oncotrack(&["reminders", "run", "--db", db_s], &[]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--db"));

    // An empty file is an empty SQLite database; the command sets it up.
    std::fs::File::create(&db).expect("create");
    let bad_date = oncotrack(
        &["reminders", "run", "--as-of", "1 juni", "--db", db_s],
        &[],
    );
    assert!(!bad_date.status.success());
    assert!(String::from_utf8_lossy(&bad_date.stderr).contains("--as-of"));

    let half = oncotrack(
        &["reminders", "run", "--db", db_s],
        &[("ONCOTRACK_SMTP_URL", "smtp://127.0.0.1:2525")],
    );
    assert!(!half.status.success());
    assert!(
        String::from_utf8_lossy(&half.stderr).contains("ONCOTRACK_MAIL_FROM"),
        "{}",
        String::from_utf8_lossy(&half.stderr)
    );
}

#[tokio::test]
async fn a_manager_reminds_one_nurse_once_a_day_in_her_language() {
    let app = TestApp::new().await;
    let nurse = app.fixture.nurse;
    let mut manager = app.login_as(Role::Manager).await;
    let page = manager.get(&format!("/people/{nurse}/licences")).await;
    let action = format!("/people/{nurse}/licences/1/remind");
    assert!(page.text.contains(&action), "{}", page.text);
    let r = manager.post(&action, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = manager.get(r.location().expect("back")).await;
    assert!(
        page.text.contains("Påminnelsen är skickad"),
        "{}",
        page.text
    );
    let sent: Vec<Row> = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m.kind == "manager_reminder")
        .collect();
    assert_eq!(sent.len(), 1);
    let m = &sent[0];
    assert_eq!(
        (m.person, m.to.as_str()),
        (Some(nurse), email_for(Role::Staff).as_str())
    );
    assert!(m.subject.contains("Påminnelse"), "{}", m.subject);
    assert!(m.body.contains("Hej Sara Sjöström"), "{}", m.body);
    assert!(m.body.contains("påminner dig"), "{}", m.body);
    assert!(
        m.body.contains("Du har inte cytostatikakörkort än"),
        "{}",
        m.body
    );
    // Again the same day: nothing new, and the page says why.
    let r = manager.post(&action, &[]).await;
    let page = manager.get(r.location().expect("back")).await;
    assert!(page.text.contains("redan skickats i dag"), "{}", page.text);
    assert_eq!(
        outbox(&app)
            .await
            .iter()
            .filter(|m| m.kind == "manager_reminder")
            .count(),
        1
    );
    // The nurse herself cannot send them.
    let mut sara = app.login_as(Role::Staff).await;
    assert_eq!(sara.post(&action, &[]).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_manager_reminds_or_books_from_the_units_list_of_people() {
    let app = TestApp::new().await;
    let (nurse, onk1) = (app.fixture.nurse, app.fixture.onk1);
    let mut manager = app.login_as(Role::Manager).await;
    let list = format!("/compliance?licence=CYTO&by=unit&unit={onk1}");
    let page = manager.get(&list).await;
    let action = format!(r#"action="/people/{nurse}/licences/1/remind""#);
    assert!(page.text.contains(&action), "{}", page.text);
    assert!(
        page.text
            .contains(&format!(r#"href="/people/{nurse}/licences#licence-1""#)),
        "{}",
        page.text
    );
    assert!(page.visible().contains("Boka kurs"), "{}", page.text);
    let r = manager
        .post(&format!("/people/{nurse}/licences/1/remind"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE kind = 'manager_reminder'")
            .await,
        1
    );
    // A report of a past day is for reading: no buttons.
    let page = manager.get(&format!("{list}&as_of=2026-01-02")).await;
    assert!(!page.text.contains(&action), "{}", page.text);
    // Nor for one who may only read the report.
    let mut director = app.login_as(Role::StudyDirector).await;
    let page = director.get(&list).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains(&action), "{}", page.text);
}
