//! Journeys in a real browser: headless Chromium driven through chromedriver
//! (WebDriver) against the real server on a real SQLite file. Each journey
//! saves a screenshot under `target/e2e/`.
//!
//! Chromium and chromedriver come from Debian's packages (`.ci/run` installs
//! them). Where they are missing the journeys are skipped with a message,
//! unless `ONCOTRACK_E2E=1` (set by `.ci/run`) demands them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{PASSWORD, TestApp, email_for};
use fantoccini::{Client, ClientBuilder, Locator};
use oncotrack::auth::model::Role;
use oncotrack::config::Config;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// The running server, browser and driver of one journey.
struct Journey {
    app: TestApp,
    browser: Client,
    driver: Child,
    base: String,
    downloads: tempfile::TempDir,
    _profile: tempfile::TempDir,
}

impl Drop for Journey {
    /// Ends the browser chromedriver started and chromedriver itself, also
    /// when a journey fails half-way.
    fn drop(&mut self) {
        let _ = Command::new("pkill")
            .args(["-KILL", "-P", &self.driver.id().to_string()])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Gives the account of `email` a second factor in force; its secret.
async fn give_second_factor(app: &TestApp, email: &str) -> String {
    let email = email.to_string();
    app.state
        .db
        .write(move |tx| {
            let w =
                oncotrack::db::Work::new(tx, oncotrack::db::Actor::system(), chrono::Utc::now());
            let (account, _) = oncotrack::auth::store::account_by_email(tx, &email)?
                .ok_or(oncotrack::web::AppError::NotFound)?;
            Ok::<_, oncotrack::web::AppError>(
                oncotrack::auth::actions::enrol_totp_now(&w, account.id)?.0,
            )
        })
        .await
        .expect("second factor")
}

/// Starts the server and a browser, or `None` (with a message) when this
/// machine has no Chromium and nothing demands one.
async fn start() -> Option<Journey> {
    start_with(0, |_| Config::default()).await
}

/// [`start`] on `port` (0: any free one) with the configuration `config`
/// makes for the server's address.
async fn start_with(port: u16, config: impl FnOnce(&str) -> Config) -> Option<Journey> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("ONCOTRACK_E2E").is_none(),
            "ONCOTRACK_E2E is set but {CHROMEDRIVER} or {CHROMIUM} is missing: apt-get install chromium chromium-driver"
        );
        eprintln!("skipped: no {CHROMIUM} / {CHROMEDRIVER} on this machine");
        return None;
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = TestApp::with_config(config(&base)).await;
    let router = oncotrack::app(app.state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });

    let port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let downloads = tempfile::tempdir().expect("download dir");
    let profile = tempfile::tempdir().expect("profile dir");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            // The machine's network is closed: keep Chromium from calling home.
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", "--lang=sv-SE",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": {
                "download.default_directory": downloads.path().display().to_string(),
                "download.prompt_for_download": false,
                "intl.accept_languages": "sv-SE,sv",
            },
        }),
    );
    // chromedriver speaks plain HTTP on loopback: no TLS stack needed.
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let browser = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("browser session");
    Some(Journey {
        app,
        browser,
        driver,
        base,
        downloads,
        _profile: profile,
    })
}

impl Journey {
    async fn goto(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("goto");
    }

    async fn text(&self) -> String {
        self.browser
            .find(Locator::Css("body"))
            .await
            .expect("body")
            .text()
            .await
            .expect("text")
    }

    /// Signs in through the form; an administrator has a second factor
    /// and types its code.
    async fn sign_in(&self, email: &str) {
        let secret = if email == email_for(Role::Admin) {
            Some(give_second_factor(&self.app, email).await)
        } else {
            None
        };
        self.goto("/login").await;
        let form = self
            .browser
            .form(Locator::Css("form[action='/login']"))
            .await
            .expect("sign-in form");
        form.set_by_name("email", email).await.expect("email");
        form.set_by_name("password", PASSWORD)
            .await
            .expect("password");
        drop(form);
        self.click_button("form[action='/login'] button[type=submit]")
            .await;
        if let Some(secret) = secret {
            // An administrator's second step: the code the app shows now.
            let now = oncotrack::clock::Clock::now(&self.app.clock).timestamp() as u64;
            let code = oncotrack::auth::totp::code_at(&secret, now).expect("code");
            let form = self
                .browser
                .form(Locator::Css("form[action='/login/second-factor']"))
                .await
                .expect("second-factor form");
            form.set_by_name("code", &code).await.expect("code");
            drop(form);
            self.click_button("form[action='/login/second-factor'] button[type=submit]")
                .await;
        }
        assert!(
            self.text().await.contains("Logga ut"),
            "signed in as {email}"
        );
    }

    /// Clicks what `locator` finds and waits for the page it leads to.
    async fn click_to_next_page(&self, locator: Locator<'_>, what: &str) {
        let element = match self.browser.find(locator).await {
            Ok(e) => e,
            Err(e) => panic!("{what}: {e}\n{}", self.text().await),
        };
        self.browser
            .execute("window.__leaving = true; return null;", Vec::new())
            .await
            .expect("mark page");
        element.click().await.expect("click");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let arrived = self
                .browser
                .execute(
                    "return window.__leaving === undefined && document.readyState === 'complete';",
                    Vec::new(),
                )
                .await
                .map(|v| v == serde_json::Value::Bool(true))
                .unwrap_or(false);
            if arrived {
                return;
            }
            assert!(Instant::now() < deadline, "{what}: no new page");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    /// Follows the first link whose text contains `text`.
    async fn click_link(&self, text: &str) {
        let xpath = format!("//a[contains(normalize-space(.), '{text}')]");
        self.click_to_next_page(Locator::XPath(&xpath), &format!("link {text:?}"))
            .await;
    }

    async fn click_button(&self, css: &str) {
        self.click_to_next_page(Locator::Css(css), &format!("button {css}"))
            .await;
    }

    /// Sets the field `name` of the form matched by `form` (any input or
    /// select; date inputs take ISO dates this way, whatever the locale).
    async fn fill(&self, form: &str, name: &str, value: &str) {
        let set = self
            .browser
            .execute(
                "const f = document.querySelector(arguments[0] + ' [name=\"' + arguments[1] + '\"]');
                 if (!f) { return false; }
                 f.value = arguments[2];
                 return f.value === arguments[2];",
                vec![form.into(), name.into(), value.into()],
            )
            .await
            .expect("fill");
        assert_eq!(
            set,
            serde_json::Value::Bool(true),
            "{form} [name={name}] = {value}"
        );
    }

    /// Signs out (the next journey step signs in as someone else).
    async fn sign_out(&self) {
        self.click_button("form[action='/logout'] button").await;
    }

    /// Saves what the browser shows as `target/e2e/{name}.png`.
    async fn screenshot(&self, name: &str) {
        let png = self.browser.screenshot().await.expect("screenshot");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e");
        std::fs::create_dir_all(&dir).expect("target/e2e");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    async fn end(self) {
        let _ = self.browser.clone().close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_signs_in_and_imports_staff() {
    let Some(j) = start().await else { return };
    j.sign_in(&email_for(Role::Admin)).await;
    j.goto("/import").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("personal.csv");
    std::fs::write(
        &file,
        "\u{feff}hsa_id;name;email;profession;unit_code\r\n\
         SE9990000001-T0101;Ylva Ekström-Åberg;ylva.ekstrom@test.example;nurse;ONK1\r\n\
         SE9990000001-T0102;Jonas Lind;jonas.lind@test.example;nurse;KIR1\r\n",
    )
    .expect("csv");
    j.browser
        .find(Locator::Css(
            "form[action='/import/staff'] input[type=file]",
        ))
        .await
        .expect("file input")
        .send_keys(&file.display().to_string())
        .await
        .expect("choose file");
    j.click_button("form[action='/import/staff'] button[type=submit]")
        .await;
    let preview = j.text().await;
    assert!(preview.contains("Ylva Ekström-Åberg"), "{preview}");
    j.click_button("form[action='/import/staff'] button[type=submit]")
        .await;
    let done = j.text().await;
    assert!(done.contains("Ylva Ekström-Åberg"), "{done}");
    let imported: i64 = j
        .app
        .query(|c| {
            c.query_row(
                "SELECT count(*) FROM person WHERE hsa_id IN ('SE9990000001-T0101', 'SE9990000001-T0102')",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(imported, 2);
    j.screenshot("admin-imports-staff").await;
    j.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_drills_from_region_to_unit_and_downloads_the_csv() {
    let Some(j) = start().await else { return };
    // A manager of the whole test region.
    let region = j.app.fixture.region;
    j.app
        .state
        .db
        .write(move |tx| -> Result<(), oncotrack::db::DbError> {
            let (account, _) =
                oncotrack::auth::store::account_by_email(tx, &email_for(Role::Manager))?
                    .expect("manager");
            oncotrack::auth::store::add_grant(
                tx,
                account.id,
                oncotrack::auth::model::Grant {
                    role: Role::Manager,
                    scope: Some(oncotrack::auth::model::Scope::Region(region)),
                },
            )?;
            Ok(())
        })
        .await
        .expect("grant");
    j.sign_in(&email_for(Role::Manager)).await;
    // The start page opens on the traffic light for the region's units.
    let start = j.text().await;
    assert!(start.contains("Att åtgärda"), "{start}");
    j.screenshot("manager-start").await;
    j.browser
        .set_window_size(390, 844)
        .await
        .expect("phone size");
    j.screenshot("manager-start-phone").await;
    j.browser
        .set_window_size(1366, 900)
        .await
        .expect("desktop size");
    j.goto("/compliance?licence=CYTO&by=region").await;
    j.click_link("Testregionen").await;
    j.click_link("Testsjukhuset").await;
    j.click_link("Enhet ONK1").await;
    let unit = j.text().await;
    assert!(unit.contains("Sara Sjöström"), "{unit}");
    j.screenshot("manager-compliance-unit").await;
    // A download leaves the page where it is.
    j.browser
        .find(Locator::XPath("//a[normalize-space(.) = 'Exportera CSV']"))
        .await
        .expect("CSV link")
        .click()
        .await
        .expect("download");
    let deadline = Instant::now() + Duration::from_secs(10);
    let csv = loop {
        let done = std::fs::read_dir(j.downloads.path())
            .expect("downloads")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "csv"));
        if let Some(path) = done {
            break std::fs::read(path).expect("csv");
        }
        assert!(Instant::now() < deadline, "no CSV was downloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(csv.starts_with("\u{feff}".as_bytes()), "BOM for Excel");
    let text = String::from_utf8_lossy(&csv);
    assert!(text.contains("Enhet ONK1"), "{text}");
    assert!(
        text.lines().next().is_some_and(|h| h.contains(';')),
        "{text}"
    );
    j.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_switch_turns_every_label_to_english_and_back() {
    let Some(j) = start().await else { return };
    j.sign_in(&email_for(Role::Admin)).await;
    // Texts that differ between the languages and are long enough not to
    // occur by chance inside other words.
    let swedish_only: Vec<&str> = oncotrack::i18n::entries()
        .filter(|(_, sv, en)| sv != en && sv.chars().count() > 5 && !en.contains(sv))
        .map(|(_, sv, _)| sv)
        .collect();
    for path in [
        "/",
        "/org",
        "/people",
        "/compliance",
        "/licences",
        "/import",
    ] {
        j.goto(path).await;
        j.click_button("form[action='/lang'] button").await;
        let english = j.text().await;
        let left: Vec<&&str> = swedish_only
            .iter()
            .filter(|sv| english.contains(**sv))
            .collect();
        assert!(left.is_empty(), "{path} in English still shows {left:?}");
        if path == "/compliance" {
            j.screenshot("language-english").await;
        }
        j.click_button("form[action='/lang'] button").await;
        let swedish = j.text().await;
        assert!(swedish.contains("Logga ut"), "{path}: {swedish}");
    }
    j.end().await;
}

#[tokio::test]
async fn form_and_import_messages_speak_the_pages_language() {
    let Some(j) = start().await else { return };
    j.sign_in(&email_for(Role::Admin)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("personal.csv");
    std::fs::write(
        &file,
        "hsa_id;name;email;profession;unit_code\nSE9990000001-T0201;Pia Ny;pia.ny@test.example;nurse;INGEN\n",
    )
    .expect("csv");
    let cases = [
        (
            "bokstäver, siffror, - och _, högst 20",
            "letters, digits",
            "rad 2: unit_code: ingen enhet har koden",
        ),
        (
            "letters, digits, - and _, at most 20",
            "bokstäver, siffror",
            "line 2: unit_code: no unit has the code",
        ),
    ];
    for (i, (shown, hidden, import_error)) in cases.into_iter().enumerate() {
        if i == 1 {
            j.click_button("form[action='/lang'] button").await;
        }
        j.goto("/courses/new").await;
        let form = "form[action='/courses/new']";
        for (name, value) in [
            ("code", "fel kod!"),
            ("title_sv", "Titel"),
            ("title_en", "Title"),
        ] {
            j.fill(form, name, value).await;
        }
        j.click_button(&format!("{form} button[type=submit]")).await;
        let page = j.text().await;
        assert!(page.contains(shown), "{shown:?} not shown: {page}");
        assert!(!page.contains(hidden), "{hidden:?} shown too: {page}");

        j.goto("/import").await;
        j.browser
            .find(Locator::Css(
                "form[action='/import/staff'] input[type=file]",
            ))
            .await
            .expect("file input")
            .send_keys(&file.display().to_string())
            .await
            .expect("choose file");
        j.click_button("form[action='/import/staff'] button[type=submit]")
            .await;
        let page = j.text().await;
        assert!(page.contains(import_error), "{import_error:?}: {page}");
    }
    j.end().await;
}

/// axe-core, installed by `.ci/run` with npm under `target/axe`.
fn axe_script() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/axe/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(script) => Some(script),
        Err(_) => {
            assert!(
                std::env::var_os("ONCOTRACK_E2E").is_none(),
                "ONCOTRACK_E2E is set but {} is missing: npm install --prefix target/axe axe-core@4",
                path.display()
            );
            eprintln!("skipped: no axe-core under target/axe");
            None
        }
    }
}

impl Journey {
    /// The WCAG 2 A and AA rules axe-core finds broken on the current page,
    /// as "rule: the first offending element".
    async fn accessibility_violations(&self, axe: &str) -> Vec<String> {
        self.browser
            .execute(axe, Vec::new())
            .await
            .expect("load axe-core");
        let result = self
            .browser
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] })
                    .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' ' + v.nodes[0].html)))
                    .catch(e => done(['axe failed: ' + e]));",
                Vec::new(),
            )
            .await
            .expect("run axe-core");
        result
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_pass_the_accessibility_check() {
    let Some(axe) = axe_script() else { return };
    let Some(j) = start().await else { return };
    let nurse = j.app.fixture.nurse;
    let mut found = Vec::new();
    j.goto("/login").await;
    // The check itself must see a broken page as broken.
    j.browser
        .execute(
            "document.body.insertAdjacentHTML('beforeend', '<img src=\"/x.png\">'); return null;",
            Vec::new(),
        )
        .await
        .expect("break the page");
    let broken = j.accessibility_violations(&axe).await;
    assert!(
        broken.iter().any(|v| v.starts_with("image-alt")),
        "{broken:?}"
    );
    j.goto("/login").await;
    for v in j.accessibility_violations(&axe).await {
        found.push(format!("/login: {v}"));
    }
    let (council, meeting, item, round, request) = a_council_with_a_meeting(&j.app).await;
    j.sign_in(&email_for(Role::Admin)).await;
    for path in [
        "/".to_string(),
        "/org".to_string(),
        "/people".to_string(),
        format!("/people/{nurse}"),
        format!("/people/{nurse}/licences"),
        "/compliance?licence=CYTO&by=unit".to_string(),
        "/import".to_string(),
        "/admin/accounts".to_string(),
        "/admin/licences".to_string(),
        "/admin/audit".to_string(),
        "/account".to_string(),
        "/account/second-factor".to_string(),
        "/courses".to_string(),
        "/courses/new".to_string(),
        "/offerings".to_string(),
        "/offerings/new".to_string(),
        "/lecturers-wanted".to_string(),
        "/enrolments".to_string(),
        "/placements".to_string(),
        "/placements/new".to_string(),
        "/trainees".to_string(),
        "/training-elements".to_string(),
        "/rotations/agreements".to_string(),
        "/rotations/split-preview?kind=radiotherapy&start=2026-01-31&end=2026-09-30&monthly_cost=60000".to_string(),
        "/rotations/timeline".to_string(),
        "/rotations/reports/costs".to_string(),
        "/rotations/reports/capacity".to_string(),
        "/quality".to_string(),
        "/quality/import".to_string(),
        "/quality/sources".to_string(),
        "/quality/sources/new".to_string(),
        "/councils".to_string(),
        "/councils/new".to_string(),
        format!("/councils/{council}"),
        format!("/councils/{council}/meetings/new"),
        format!("/meetings/{meeting}"),
        format!("/meetings/{meeting}/minutes"),
        format!("/agenda-items/{item}/edit"),
        format!("/councils/{council}/consultations"),
        format!("/consultations/{round}"),
        format!("/councils/{council}/nominations"),
        format!("/nomination-requests/{request}"),
    ] {
        j.goto(&path).await;
        for v in j.accessibility_violations(&axe).await {
            found.push(format!("{path}: {v}"));
        }
    }
    assert!(found.is_empty(), "accessibility:\n{}", found.join("\n"));
    j.end().await;
}

/// A council with a meeting, an item and an action, a consultation round
/// and a request for named people: `(council, meeting, item, round,
/// request)`.
async fn a_council_with_a_meeting(app: &TestApp) -> (i64, i64, i64, i64, i64) {
    use oncotrack::councils::store;
    let now = oncotrack::clock::Clock::now(&app.clock);
    let region = app.fixture.region;
    let nurse = app.fixture.nurse;
    app.state
        .db
        .write(move |tx| {
            let council = store::create_council(tx, "RAG onkologi", "RAG", now)?;
            store::set_regions(tx, council, &[region])?;
            store::add_member(
                tx,
                council,
                &store::NewMember {
                    person_id: Some(nurse),
                    account_id: None,
                    function: oncotrack::councils::model::Function::Member,
                    region_id: Some(region),
                    administration_id: None,
                },
                now,
            )?;
            let times = store::MeetingTimes {
                starts_at: now,
                ends_at: now + chrono::Duration::hours(2),
                place: "Teams".into(),
                link: "https://teams.example/rag".into(),
            };
            let meeting = store::create_meeting(tx, council, &times, now)?;
            let text = store::ItemText {
                title: "Remissrunda".into(),
                notes: "Interna utkast först.".into(),
                links: "https://cancercentrum.example/nvp".into(),
                ..Default::default()
            };
            let item = store::add_item(tx, meeting, &text, None, now)?;
            let action = store::NewAction {
                item_id: Some(item),
                text: "Sammanställa svaren".into(),
                responsible_person_id: Some(nurse),
                responsible: String::new(),
                due_on: None,
            };
            store::create_action(tx, council, meeting, &action, now)?;
            let round = store::create_consultation(
                tx,
                council,
                &store::NewConsultation {
                    title: "NVP binjuretumörer".into(),
                    sender: "RCC".into(),
                    links: String::new(),
                    internal_due_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 10).expect("day"),
                    external_due_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 20).expect("day"),
                },
                now,
            )?;
            store::add_document(
                tx,
                round,
                &store::NewDocument {
                    title: "Remissversion".into(),
                    link: String::new(),
                    region_id: Some(region),
                    administration_id: None,
                    people: vec![nurse],
                },
                now,
            )?;
            let administrations: Vec<i64> =
                oncotrack::organisation::store::administrations(tx, Some(region))?
                    .into_iter()
                    .map(|a| a.id)
                    .collect();
            let request = store::create_request(
                tx,
                council,
                &store::NewRequest {
                    title: "Kontaktperson".into(),
                    description: String::new(),
                    per_administration: 1,
                    due_on: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).expect("day"),
                    administrations,
                },
                now,
            )?;
            Ok::<_, oncotrack::web::AppError>((council, meeting, item, round, request))
        })
        .await
        .expect("council")
}

/// A course granting the chemotherapy licence with two open offerings: one
/// with places, one already full. Returns their ids.
async fn renewal_offerings(app: &TestApp) -> (i64, i64) {
    use axum::http::Method;
    let token = app.token_for(Role::Coordinator).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(serde_json::json!({"code": "CYT-F", "title_sv": "Cytostatikakörkort – fortsättning", "title_en": "Chemotherapy licence – renewal", "licence": "CYTO"})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    let mut ids = Vec::new();
    for (starts, capacity) in [("2026-04-14", 5), ("2026-04-21", 1)] {
        let r = app
            .api(
                Method::POST,
                "/api/v1/offerings",
                Some(&token),
                Some(serde_json::json!({"course": "CYT-F", "starts_on": starts, "ends_on": starts, "place": "Sal Onkologen", "capacity": capacity, "enrolment_opens": "2026-03-01", "enrolment_closes": "2026-04-10", "status": "open"})),
            )
            .await;
        assert_eq!(r.status.as_u16(), 201, "{}", r.text);
        ids.push(r.json()["id"].as_i64().expect("id"));
    }
    // The second is full: the other nurse holds its only place.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/offerings/{}/enrolments", ids[1]),
            Some(&token),
            Some(serde_json::json!({"hsa_id": "SE9990000001-T0002"})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    (ids[0], ids[1])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nurse_sees_her_licence_expiring_and_enrols_or_waits_for_a_renewal() {
    let Some(j) = start().await else { return };
    // Her licence from 2023-04-01 runs to 2026-04-01: expiring on 2 March 2026.
    let nurse = j.app.fixture.nurse;
    let mut admin = j.app.login_as(Role::Admin).await;
    let r = admin
        .post(
            &format!("/people/{nurse}/licences"),
            &[
                ("licence", "1"),
                ("part", "theory"),
                ("completed_on", "2023-04-01"),
                ("action", "save"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text);
    let (open, full) = renewal_offerings(&j.app).await;

    j.sign_in(&email_for(Role::Staff)).await;
    // On her phone the start page opens on her licence and its next step.
    j.browser
        .set_window_size(390, 844)
        .await
        .expect("phone size");
    j.goto("/").await;
    let start = j.text().await;
    assert!(
        start.contains("Giltigt till och med 2026-04-01 · 30 dagar kvar"),
        "{start}"
    );
    assert!(start.contains("Nästa steg:"), "{start}");
    j.screenshot("nurse-start-phone").await;
    j.browser
        .set_window_size(1366, 900)
        .await
        .expect("desktop size");
    j.screenshot("nurse-start-desktop").await;
    j.goto("/licences").await;
    let page = j.text().await;
    assert!(page.contains("2026-04-01"), "{page}");
    assert!(page.contains("Går snart ut"), "{page}");
    j.screenshot("nurse-licence-expiring").await;
    // The renewal offerings are linked from her licence.
    j.click_link("Cytostatikakörkort – fortsättning").await;
    let url = j.browser.current_url().await.expect("url");
    assert_eq!(url.path(), format!("/offerings/{open}/enrol"));
    j.click_button(&format!("form[action='/offerings/{open}/enrol'] button"))
        .await;
    let enrolled = j.text().await;
    assert!(enrolled.contains("Du är antagen."), "{enrolled}");

    j.goto(&format!("/offerings/{full}/enrol")).await;
    j.click_button(&format!("form[action='/offerings/{full}/enrol'] button"))
        .await;
    let waiting = j.text().await;
    assert!(
        waiting.contains("Du står på reservlistan, plats 1."),
        "{waiting}"
    );
    j.screenshot("nurse-waitlisted").await;
    j.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lecturer_volunteers_and_the_coordinator_confirms() {
    let Some(j) = start().await else { return };
    let (offering, _) = renewal_offerings(&j.app).await;
    let token = j.app.token_for(Role::Coordinator).await;
    let r = j
        .app
        .api(
            axum::http::Method::POST,
            &format!("/api/v1/offerings/{offering}/sessions"),
            Some(&token),
            Some(serde_json::json!({"starts_at": "2026-04-14T09:00", "ends_at": "2026-04-14T10:30", "topic": "Extravasering och första hjälpen", "lecturers_needed": 1})),
        )
        .await;
    let session = r.json()["id"].as_i64().expect("session");

    j.sign_in(&email_for(Role::Lecturer)).await;
    j.goto("/lecturers-wanted").await;
    assert!(j.text().await.contains("Extravasering och första hjälpen"));
    j.fill(
        &format!("form[action='/sessions/{session}/volunteer']"),
        "note",
        "Gärna förmiddag",
    )
    .await;
    j.click_button(&format!(
        "form[action='/sessions/{session}/volunteer'] button"
    ))
    .await;
    j.screenshot("lecturer-volunteered").await;
    j.sign_out().await;

    j.sign_in(&email_for(Role::Coordinator)).await;
    j.goto(&format!("/offerings/{offering}")).await;
    let page = j.text().await;
    assert!(page.contains("Gärna förmiddag"), "{page}");
    j.click_button("form[action$='/confirm'] button").await;
    let confirmed: String = j
        .app
        .query(move |c| {
            c.query_row(
                "SELECT status FROM lecturer_signup WHERE session_id = ?1",
                [session],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(confirmed, "confirmed");
    j.screenshot("coordinator-confirmed").await;
    j.sign_out().await;

    // Confirmed, the session leaves the board.
    j.sign_in(&email_for(Role::Lecturer)).await;
    j.goto("/lecturers-wanted").await;
    assert!(!j.text().await.contains("Extravasering och första hjälpen"));
    j.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_study_director_previews_a_split_and_creates_a_placement() {
    let Some(j) = start().await else { return };
    j.sign_in(&email_for(Role::StudyDirector)).await;
    j.goto("/rotations/split-preview").await;
    let form = "form[action='/rotations/split-preview']";
    j.fill(form, "kind", "radiotherapy").await;
    j.fill(form, "start", "2026-01-31").await;
    j.fill(form, "end", "2026-09-30").await;
    j.fill(form, "monthly_cost", "60000").await;
    j.click_button(&format!("{form} button[type=submit]")).await;
    let preview = j.text().await;
    assert!(preview.contains("older-regional"), "{preview}");
    assert!(preview.contains("februari 2026"), "{preview}");
    j.browser
        .execute(
            "document.querySelector('table.split').scrollIntoView(); return null;",
            Vec::new(),
        )
        .await
        .expect("scroll to the months");
    j.screenshot("study-director-split-preview").await;

    // A trainee to place, from the regional home clinic KIR1.
    let person = j
        .app
        .add_person(oncotrack::organisation::store::NewPerson {
            name: "Tove Tränare".into(),
            email: "tove.tranare@test.example".into(),
            hsa_id: None,
            profession: oncotrack::organisation::model::Profession::StDoctor,
            unit_id: j.app.fixture.kir1,
            from: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
        })
        .await;
    let mut director = j.app.login_as(Role::StudyDirector).await;
    let r = director
        .post(
            "/trainees/new",
            &[
                ("person_id", &person.to_string()),
                ("specialty", "Onkologi"),
                ("rulebook", "hslf_fs_2021_8"),
                ("st_start", "2024-01-01"),
                ("planned_end", "2029-01-01"),
                ("study_director", "Stina Studierektor"),
                ("supervisor", "Hans Handledare"),
                ("monthly_cost", "60 000"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text);
    let trainee: i64 = r
        .location()
        .and_then(|l| l.trim_start_matches("/trainees/").parse().ok())
        .expect("trainee id");

    j.goto("/placements/new").await;
    let form = "form[action='/placements/new']";
    j.fill(form, "trainee_id", &trainee.to_string()).await;
    j.fill(form, "host_unit_id", &j.app.fixture.onk1.to_string())
        .await;
    j.fill(form, "kind", "radiotherapy").await;
    j.fill(form, "start", "2026-05-04").await;
    j.fill(form, "end", "2026-12-31").await;
    j.fill(form, "extent", "100").await;
    j.fill(form, "host_supervisor", "Vera Värd").await;
    j.click_button(&format!("{form} button[type=submit]")).await;
    let url = j.browser.current_url().await.expect("url");
    assert!(
        url.path().starts_with("/placements/"),
        "{url}: {}",
        j.text().await
    );
    let placed: i64 = j
        .app
        .query(move |c| {
            c.query_row(
                "SELECT count(*) FROM placement WHERE trainee_id = ?1",
                [trainee],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(placed, 1);
    j.screenshot("study-director-placement").await;
    j.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_reads_in_an_extract_and_a_manager_sees_the_report_for_his_unit() {
    let Some(j) = start().await else { return };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let extract = j
        .app
        .query(move |c| {
            Ok(oncotrack::dev::quality::extract(c, 1_500, 7, 2024, 2026, today).expect("extract"))
        })
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("uttag.csv");
    std::fs::write(&file, extract).expect("csv");

    j.sign_in(&email_for(Role::QualityAnalyst)).await;
    j.goto("/quality/sources/new").await;
    let form = "form[action='/quality/sources/new']";
    j.fill(form, "name", "Cytobase Test").await;
    j.click_button(&format!("{form} button[type=submit]")).await;
    assert!(
        j.text().await.contains("Cytobase Test"),
        "{}",
        j.text().await
    );
    let source: i64 = j
        .app
        .query(|c| c.query_row("SELECT max(id) FROM quality_source", [], |r| r.get(0)))
        .await;

    j.goto("/quality/import").await;
    let form = "form[action='/quality/import']";
    j.fill(form, "source_id", &source.to_string()).await;
    j.fill(form, "from", "2024-01-01").await;
    j.fill(form, "to", "2026-03-02").await;
    j.browser
        .find(Locator::Css(&format!("{form} input[type=file]")))
        .await
        .expect("file input")
        .send_keys(&file.display().to_string())
        .await
        .expect("choose file");
    j.click_button(&format!("{form} button[value=preview]"))
        .await;
    let checked = j.text().await;
    assert!(
        checked.contains("Filen är kontrollerad. Ingenting har sparats."),
        "{checked}"
    );
    j.screenshot("analyst-checks-an-extract").await;
    // The button under the check reads in the file that was checked.
    j.click_button("form.apply-checked button[value=apply]")
        .await;
    let done = j.text().await;
    assert!(done.contains("Importen är klar."), "{done}");
    let stored: i64 = j
        .app
        .query(|c| c.query_row("SELECT count(*) FROM quality_treatment", [], |r| r.get(0)))
        .await;
    assert!(stored > 1_500, "{stored} treatments");

    j.goto("/quality?from=2024&to=2025&by=quarter").await;
    let report = j.text().await;
    assert!(report.contains("Annat sjukhus"), "{report}");
    assert!(report.contains("Trattdiagram 2025"), "{report}");
    // Both pictures are drawn whole: the funnel's two administrations and
    // the trend's quarters are shapes the browser lays out, not swallowed
    // by an unclosed element.
    let drawn = j
        .browser
        .execute(
            "return Array.from(document.querySelectorAll('svg.chart'))
                 .map(s => s.querySelectorAll('circle').length
                     - Array.from(s.querySelectorAll('circle')).filter(c => c.getBBox().width > 0).length
                     + ':' + s.querySelectorAll('circle').length);",
            Vec::new(),
        )
        .await
        .expect("count shapes");
    let drawn: Vec<String> = serde_json::from_value(drawn).expect("list");
    assert_eq!(drawn.len(), 2, "{drawn:?}");
    for d in &drawn {
        let (hidden, all) = d.split_once(':').expect("pair");
        assert!(hidden == "0" && all != "0", "{drawn:?}");
    }
    j.screenshot("analyst-quality-report").await;
    j.browser
        .execute(
            "document.querySelector('svg.chart').scrollIntoView(); return null;",
            Vec::new(),
        )
        .await
        .expect("scroll to the pictures");
    j.screenshot("analyst-quality-funnel").await;
    j.sign_out().await;

    // The manager of ONK1 sees Testsjukhuset and the whole, nothing of the
    // other region's administration.
    j.sign_in(&email_for(Role::Manager)).await;
    j.goto("/quality?from=2024&to=2026").await;
    let scoped = j.text().await;
    assert!(scoped.contains("Testsjukhuset"), "{scoped}");
    assert!(!scoped.contains("Annat sjukhus"), "{scoped}");
    j.screenshot("manager-quality-report").await;
    let views: i64 = j
        .app
        .query(|c| {
            c.query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'quality_report.view'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(views, 2, "each view of the report is logged");
    j.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nurse_signs_in_with_the_regions_identity_provider() {
    // The provider must know oncotrack's address before the server starts:
    // the port is taken first and handed to both.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let Some(idp) = crate::oidc::provider(&base).await else {
        return;
    };
    let issuer = idp.issuer.clone();
    let Some(j) = start_with(port, |b| Config {
        public_url: Some(b.to_string()),
        oidc: Some(crate::oidc::settings(&issuer)),
        ..Config::default()
    })
    .await
    else {
        return;
    };
    j.goto("/login").await;
    j.click_to_next_page(
        Locator::LinkText("Logga in med SITHS eID"),
        "to the provider",
    )
    .await;
    let form = j
        .browser
        .form(Locator::Css("form[action^='/interaction/']"))
        .await
        .expect("the provider's form");
    form.set_by_name("login", "sara").await.expect("account");
    drop(form);
    j.click_button("form[action^='/interaction/'] button[type=submit]")
        .await;
    let text = j.text().await;
    assert!(text.contains("Logga ut"), "signed in: {text}");
    assert!(
        text.contains("Cytostatikakörkort") || text.contains("cytostatikakörkort"),
        "her start page: {text}"
    );
    j.screenshot("nurse-signs-in-with-idp").await;
    j.end().await;
    drop(idp);
}

/// Opens every folded section of the page (the add forms sit in
/// `<details>`), as a user would click their summaries.
async fn unfold(j: &Journey) {
    j.browser
        .execute(
            "document.querySelectorAll('details').forEach(d => d.open = true); return null;",
            Vec::new(),
        )
        .await
        .expect("unfold");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secretary_builds_an_agenda_records_the_meeting_and_prints_the_minutes() {
    let Some(j) = start().await else { return };
    let region = j.app.fixture.region;
    j.sign_in(&email_for(Role::CouncilSecretary)).await;
    j.goto("/councils").await;
    j.click_link("Nytt råd").await;
    j.fill("form[action='/councils/new']", "name", "RAG onkologi")
        .await;
    j.browser
        .find(Locator::Css(&format!(
            "input[name=regions][value='{region}']"
        )))
        .await
        .expect("region box")
        .click()
        .await
        .expect("tick");
    j.click_button("form[action='/councils/new'] button[type=submit]")
        .await;
    assert!(
        j.text().await.contains("Kommande möten"),
        "{}",
        j.text().await
    );
    // Two meetings; the first gets its agenda.
    let mut meetings = Vec::new();
    for day in ["2026-03-12", "2026-04-09"] {
        j.click_link("Nytt möte").await;
        for (name, value) in [
            ("day", day),
            ("start", "09:00"),
            ("end", "11:00"),
            ("place", "Teams"),
        ] {
            j.fill("form[action$='/meetings/new']", name, value).await;
        }
        j.click_button("form[action$='/meetings/new'] button[type=submit]")
            .await;
        let url = j.browser.current_url().await.expect("url");
        meetings.push(
            url.path()
                .trim_start_matches("/meetings/")
                .parse::<i64>()
                .expect("meeting id"),
        );
        j.click_link("RAG onkologi").await;
    }
    let (march, april) = (meetings[0], meetings[1]);
    j.goto(&format!("/meetings/{march}")).await;
    for (title, notes) in [
        (
            "Föregående minnesanteckningar",
            "Godkänns och läggs till handlingarna.",
        ),
        (
            "Remissrunda: NVP palliativ vård",
            "Interna utkast 1 november, externa svar 9 november.",
        ),
        ("Regional läkarrepresentant i MIQA", ""),
    ] {
        unfold(&j).await;
        let form = format!("form[action='/meetings/{march}/items']");
        j.fill(&form, "title", title).await;
        j.fill(&form, "notes", notes).await;
        j.fill(&form, "responsible", "Ordföranden").await;
        j.click_button(&format!("{form} button[type=submit]")).await;
    }
    // The last item is moved to April.
    j.click_to_next_page(
        Locator::XPath(
            "//li[.//h3[contains(., 'Regional läkarrepresentant i MIQA')]]//form[contains(@action, '/carry-over')]//button",
        ),
        "carry over",
    )
    .await;
    // An action "till nästa möte" from the consultation round.
    unfold(&j).await;
    let form = format!("form[action='/meetings/{march}/actions']");
    j.fill(
        &form,
        "text",
        "RCC sammanställer svaren och skickar dem till alla i rådet",
    )
    .await;
    j.fill(&form, "responsible_name", "RCC").await;
    j.click_button(&format!("{form} button[type=submit]")).await;
    // Attendance: the secretary present.
    j.browser
        .execute(
            "document.querySelector('select[name^=status_]').value = 'present'; return null;",
            Vec::new(),
        )
        .await
        .expect("attendance");
    j.click_button(&format!(
        "form[action='/meetings/{march}/attendance'] button[type=submit]"
    ))
    .await;
    j.screenshot("secretary-meeting").await;
    // April's agenda carries the moved item once and follows up the action.
    j.goto(&format!("/meetings/{april}")).await;
    let page = j.text().await;
    let mut headings = Vec::new();
    for h in j
        .browser
        .find_all(Locator::Css("ol.agenda h3"))
        .await
        .expect("items")
    {
        headings.push(h.text().await.expect("heading"));
    }
    assert_eq!(
        headings
            .iter()
            .filter(|h| h.contains("Regional läkarrepresentant i MIQA"))
            .count(),
        1,
        "{headings:?}"
    );
    assert!(page.contains("Flyttad från mötet 2026-03-12"), "{page}");
    assert!(page.contains("RCC sammanställer svaren"), "{page}");
    assert!(page.contains("till nästa möte (2026-04-09)"), "{page}");
    j.screenshot("secretary-next-agenda").await;
    // The minutes, in their usual layout.
    j.goto(&format!("/meetings/{march}/minutes")).await;
    let minutes = j.text().await;
    for text in [
        "Mötespunkt",
        "Anteckning",
        "Ansvarig",
        "Remissrunda: NVP palliativ vård",
        "Närvarande",
    ] {
        assert!(minutes.contains(text), "{text}: {minutes}");
    }
    j.screenshot("secretary-minutes").await;
    j.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_answers_a_round_the_secretary_shares_it_and_a_manager_names_a_contact_person() {
    let Some(j) = start().await else { return };
    use oncotrack::councils::store;
    let now = oncotrack::clock::Clock::now(&j.app.clock);
    let (region, administration, nurse) = (
        j.app.fixture.region,
        j.app.fixture.administration,
        j.app.fixture.nurse,
    );
    // The council, its secretary and the nurse as a member; a round with a
    // document she answers; a request of her administration.
    let (round, document, request) = j
        .app
        .state
        .db
        .write(move |tx| {
            let council = store::create_council(tx, "RAG onkologi", "RAG", now)?;
            store::set_regions(tx, council, &[region])?;
            let secretary: i64 = tx.query_row(
                "SELECT id FROM account WHERE email = ?1",
                [email_for(Role::CouncilSecretary)],
                |r| r.get(0),
            )?;
            for (person_id, account_id, function) in [
                (
                    None,
                    Some(secretary),
                    oncotrack::councils::model::Function::Secretary,
                ),
                (
                    Some(nurse),
                    None,
                    oncotrack::councils::model::Function::Member,
                ),
            ] {
                store::add_member(
                    tx,
                    council,
                    &store::NewMember {
                        person_id,
                        account_id,
                        function,
                        region_id: Some(region),
                        administration_id: None,
                    },
                    now,
                )?;
            }
            let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).expect("day");
            let round = store::create_consultation(
                tx,
                council,
                &store::NewConsultation {
                    title: "NVP palliativ vård".into(),
                    sender: "RCC i samverkan".into(),
                    links: String::new(),
                    internal_due_on: day(10),
                    external_due_on: day(20),
                },
                now,
            )?;
            let document = store::add_document(
                tx,
                round,
                &store::NewDocument {
                    title: "Kapitel 5: symtomlindring".into(),
                    link: String::new(),
                    region_id: Some(region),
                    administration_id: None,
                    people: vec![nurse],
                },
                now,
            )?;
            let request = store::create_request(
                tx,
                council,
                &store::NewRequest {
                    title: "Kontaktperson för suicidprevention".into(),
                    description: String::new(),
                    per_administration: 1,
                    due_on: day(31),
                    administrations: vec![administration],
                },
                now,
            )?;
            Ok::<_, oncotrack::web::AppError>((round, document, request))
        })
        .await
        .expect("council");
    // The nurse answers her document.
    j.sign_in(&email_for(Role::Staff)).await;
    j.goto(&format!("/consultations/{round}")).await;
    let form = format!("form[action='/consultation-documents/{document}/answer']");
    j.fill(
        &form,
        &format!("answer-{document}"),
        "Regionen tillstyrker; brytpunktssamtalen bör lyftas fram.",
    )
    .await;
    j.fill(&form, &format!("status-{document}"), "submitted")
        .await;
    j.click_button(&format!("{form} button[type=submit]")).await;
    assert!(j.text().await.contains("Inlämnat"), "{}", j.text().await);
    j.screenshot("member-answers-a-round").await;
    j.sign_out().await;
    // The secretary compiles, sends and shares it.
    j.sign_in(&email_for(Role::CouncilSecretary)).await;
    j.goto(&format!("/consultations/{round}")).await;
    j.click_button(&format!(
        "form[action='/consultations/{round}/compile'] button[type=submit]"
    ))
    .await;
    j.fill(
        &format!("form[action='/consultations/{round}/send']"),
        "sent_to",
        "RCC i samverkan",
    )
    .await;
    j.click_button(&format!(
        "form[action='/consultations/{round}/send'] button[type=submit]"
    ))
    .await;
    j.click_button(&format!(
        "form[action='/consultations/{round}/share'] button"
    ))
    .await;
    let page = j.text().await;
    assert!(page.contains("Delat med alla"), "{page}");
    j.screenshot("secretary-shares-a-round").await;
    j.sign_out().await;
    // The nurse now reads the joint answer.
    j.sign_in(&email_for(Role::Staff)).await;
    j.goto(&format!("/consultations/{round}")).await;
    assert!(j.text().await.contains("brytpunktssamtalen"));
    j.sign_out().await;
    // A manager of the administration names a contact person: green.
    j.app
        .state
        .db
        .write(move |tx| -> Result<(), oncotrack::db::DbError> {
            let (account, _) =
                oncotrack::auth::store::account_by_email(tx, &email_for(Role::Manager))?
                    .expect("manager");
            oncotrack::auth::store::add_grant(
                tx,
                account.id,
                oncotrack::auth::model::Grant {
                    role: Role::Manager,
                    scope: Some(oncotrack::auth::model::Scope::Administration(
                        administration,
                    )),
                },
            )?;
            Ok(())
        })
        .await
        .expect("grant");
    j.sign_in(&email_for(Role::Manager)).await;
    j.goto(&format!("/nomination-requests/{request}")).await;
    assert!(j.text().await.contains("saknas (1)"));
    let form = format!("form[action='/nomination-requests/{request}/nominate']");
    j.fill(&form, "who", "SE9990000001-T0001").await;
    j.click_button(&format!("{form} button[type=submit]")).await;
    let page = j.text().await;
    assert!(
        page.contains("Sara Sjöström") && page.contains("Klart"),
        "{page}"
    );
    j.screenshot("manager-names-a-contact-person").await;
    j.end().await;
}
