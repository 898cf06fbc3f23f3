//! Verification links: a nurse shares her chemotherapy licence with a link and
//! a QR code; whoever opens it sees her name, the licence, today's status and
//! valid-until and nothing more; links are revoked, rate limited, and stored
//! only as hashes.

use crate::support::{Client, TestApp, TestResponse, assert_status, email_for};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use oncotrack::auth::model::Role;
use oncotrack::db::DbError;
use oncotrack::licences::model::Part;
use oncotrack::licences::store::{self as licence_store, NewCompletion};
use oncotrack::licences::verify::REQUESTS_PER_MINUTE;

const NURSE_HSA: &str = "SE9990000001-T0001";
/// CYTO, the licence a fresh database knows.
const CYTO: i64 = 1;

/// Records a CYTO theory completion through the store.
async fn seed_cyto(app: &TestApp, person: i64, on: &str) {
    let c = NewCompletion {
        person_id: person,
        licence_type_id: CYTO,
        part: Part::Theory,
        completed_on: NaiveDate::parse_from_str(on, "%Y-%m-%d").expect("date"),
        signed_by: None,
        note: Some("Kurs på Testsjukhuset".into()),
        source: "manual",
        import_batch_id: None,
    };
    let now = oncotrack::clock::Clock::now(&app.clock);
    app.state
        .db
        .write(move |tx| licence_store::record_completion(tx, &c, None, now).map_err(DbError::from))
        .await
        .expect("completion");
}

/// The CYTO valid-until of `person` today, as the person page computes it.
async fn valid_until(app: &TestApp, person: i64) -> String {
    let today = oncotrack::clock::Clock::today(&app.clock);
    app.query(move |c| licence_store::person_licences(c, person, today))
        .await
        .into_iter()
        .find(|l| l.licence.id == CYTO)
        .and_then(|l| l.standing.valid_until)
        .expect("valid until")
        .to_string()
}

fn create_path(person: i64) -> String {
    format!("/people/{person}/licences/{CYTO}/verification")
}

/// The `/verify/...` path of the link a create page shows once.
fn shown_link(r: &TestResponse) -> String {
    let start = r
        .text
        .find("http://localhost/verify/")
        .expect("link on the page")
        + "http://localhost".len();
    let end = r.text[start..]
        .find(['"', '<'])
        .map(|e| e + start)
        .expect("end of link");
    r.text[start..end].to_string()
}

/// Makes a link as `client` and returns its public path.
async fn make_link(client: &mut Client<'_>, person: i64) -> String {
    let r = client.post(&create_path(person), &[]).await;
    assert_status(&r, StatusCode::OK);
    shown_link(&r)
}

async fn newest_link_id(app: &TestApp) -> i64 {
    app.count("SELECT max(id) FROM licence_verification").await
}

async fn live_links(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM licence_verification WHERE revoked_at IS NULL")
        .await
}

/// A GET from a browser that has never been here, in `lang`.
async fn visit(app: &TestApp, path: &str, lang: &str) -> TestResponse {
    let req = Request::builder()
        .uri(path)
        .header(header::ACCEPT_LANGUAGE, lang)
        .body(Body::empty())
        .expect("request");
    app.send(req).await
}

#[tokio::test]
async fn the_nurse_shares_her_licence_and_a_stranger_sees_only_name_licence_and_status() {
    let app = TestApp::new().await;
    let nurse = app.fixture.nurse;
    seed_cyto(&app, nurse, "2025-01-15").await;
    let until = valid_until(&app, nurse).await;
    let mut b = app.login_as(Role::Staff).await;

    let page = b.get(&format!("/people/{nurse}/licences")).await;
    assert_status(&page, StatusCode::OK);
    assert!(page.text.contains("Skapa verifieringslänk"));
    assert!(
        page.text
            .contains(&format!("action=\"{}\"", create_path(nurse)))
    );

    let created = b.post(&create_path(nurse), &[]).await;
    assert_status(&created, StatusCode::OK);
    assert!(created.text.contains("visas bara nu"), "{}", created.text);
    assert!(created.text.contains("<svg"), "the QR code is on the page");
    assert!(
        !created.text.contains("<?xml"),
        "inline, without a declaration"
    );
    let link = shown_link(&created);

    let audit = app
        .query(|c| {
            c.query_row(
                "SELECT actor, entity_id, after FROM audit_log WHERE action = 'licence_verification.create'",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
            )
        })
        .await;
    assert_eq!(audit.0, email_for(Role::Staff));
    assert_eq!(audit.1, newest_link_id(&app).await.to_string());
    assert!(audit.2.contains(&format!("\"person_id\":{nurse}")));

    // The list shows when and by whom, and never the token again.
    let list = b.get(&create_path(nurse)).await;
    assert_status(&list, StatusCode::OK);
    assert!(list.text.contains("Test staff"));
    assert!(list.text.contains("Gäller"));
    assert!(!list.text.contains(&link));

    let public = visit(&app, &link, "sv").await;
    assert_status(&public, StatusCode::OK);
    assert!(public.text.contains("Sara Sjöström"));
    assert!(public.text.contains("Cytostatikakörkort"));
    assert!(public.text.contains("Giltigt"));
    assert!(public.text.contains(&until));
    assert!(
        public
            .text
            .contains(r#"<meta name="robots" content="noindex">"#)
    );
    assert_eq!(public.header("x-robots-tag"), Some("noindex"));
    for secret in [
        NURSE_HSA,
        &email_for(Role::Staff),
        "ONK1",
        "Enhet ONK1",
        "2025-01-15",
        "Kurs på Testsjukhuset",
        "/people/",
    ] {
        assert!(
            !public.text.contains(secret),
            "the public page shows {secret:?}"
        );
    }

    let english = visit(&app, &link, "en-GB,en;q=0.9").await;
    assert_status(&english, StatusCode::OK);
    assert!(english.text.contains("Chemotherapy licence"));
    assert!(english.text.contains("Valid"));
    assert!(!english.text.contains("Cytostatikakörkort"));
}

#[tokio::test]
async fn the_qr_code_is_an_svg_of_the_link() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::Staff).await;
    let link = make_link(&mut b, app.fixture.nurse).await;
    let r = visit(&app, &format!("{link}/qr.svg"), "sv").await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(r.header("content-type"), Some("image/svg+xml"));
    assert!(r.text.contains("<svg"));
    assert!(r.text.contains("<path"));
    // A QR code of an address this long has thousands of modules.
    assert!(r.text.len() > 2000, "{}", r.text);
    let r = visit(&app, "/verify/no-such-token/qr.svg", "sv").await;
    assert_status(&r, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_revoked_link_shows_nothing_and_revoking_twice_changes_nothing() {
    let app = TestApp::new().await;
    let nurse = app.fixture.nurse;
    seed_cyto(&app, nurse, "2025-01-15").await;
    let mut b = app.login_as(Role::Staff).await;
    let link = make_link(&mut b, nurse).await;
    let id = newest_link_id(&app).await;
    assert_status(&visit(&app, &link, "sv").await, StatusCode::OK);

    let r = b.post(&format!("/verification/{id}/revoke"), &[]).await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some(create_path(nurse).as_str()));
    let list = b.get(&create_path(nurse)).await;
    assert!(list.text.contains("Återkallad"));

    let gone = visit(&app, &link, "sv").await;
    assert_status(&gone, StatusCode::NOT_FOUND);
    assert!(!gone.text.contains("Sara Sjöström"));
    assert_status(
        &visit(&app, &format!("{link}/qr.svg"), "sv").await,
        StatusCode::NOT_FOUND,
    );
    let revocations = "SELECT count(*) FROM audit_log WHERE action = 'licence_verification.revoke'";
    assert_eq!(app.count(revocations).await, 1);

    let again = b.post(&format!("/verification/{id}/revoke"), &[]).await;
    assert_status(&again, StatusCode::SEE_OTHER);
    assert_eq!(app.count(revocations).await, 1);
    assert_status(&visit(&app, &link, "sv").await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_nurse_can_neither_share_nor_revoke_someone_elses_licence() {
    let app = TestApp::new().await;
    let other = app.fixture.other_nurse;
    let mut nurse = app.login_as(Role::Staff).await;
    assert_status(
        &nurse.post(&create_path(other), &[]).await,
        StatusCode::NOT_FOUND,
    );
    assert_status(&nurse.get(&create_path(other)).await, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("SELECT count(*) FROM licence_verification").await,
        0
    );

    // The study director sees everyone but records for no one.
    let mut director = app.login_as(Role::StudyDirector).await;
    assert_status(
        &director.post(&create_path(other), &[]).await,
        StatusCode::FORBIDDEN,
    );

    let mut coordinator = app.login_as(Role::Coordinator).await;
    let link = make_link(&mut coordinator, other).await;
    let id = newest_link_id(&app).await;
    assert_status(
        &nurse.post(&format!("/verification/{id}/revoke"), &[]).await,
        StatusCode::NOT_FOUND,
    );
    assert_status(
        &director
            .post(&format!("/verification/{id}/revoke"), &[])
            .await,
        StatusCode::FORBIDDEN,
    );
    assert_eq!(live_links(&app).await, 1);
    assert_status(&visit(&app, &link, "sv").await, StatusCode::OK);
    assert_status(
        &nurse.post("/verification/9999/revoke", &[]).await,
        StatusCode::NOT_FOUND,
    );
}

#[tokio::test]
async fn the_manager_shares_and_revokes_for_her_units_nurse_only() {
    let app = TestApp::new().await;
    let (nurse, other) = (app.fixture.nurse, app.fixture.other_nurse);
    let mut manager = app.login_as(Role::Manager).await;
    let page = manager.get(&format!("/people/{nurse}/licences")).await;
    assert!(page.text.contains("Skapa verifieringslänk"));
    let link = make_link(&mut manager, nurse).await;
    let public = visit(&app, &link, "sv").await;
    assert_status(&public, StatusCode::OK);
    assert!(public.text.contains("Sara Sjöström"));
    assert!(public.text.contains("Saknas"), "no completion: missing");
    assert_status(
        &manager.post(&create_path(other), &[]).await,
        StatusCode::NOT_FOUND,
    );

    // A link the nurse made herself, revoked by her manager.
    let mut b = app.login_as(Role::Staff).await;
    let own = make_link(&mut b, nurse).await;
    let id = newest_link_id(&app).await;
    assert_status(
        &manager
            .post(&format!("/verification/{id}/revoke"), &[])
            .await,
        StatusCode::SEE_OTHER,
    );
    assert_status(&visit(&app, &own, "sv").await, StatusCode::NOT_FOUND);
    assert_status(&visit(&app, &link, "sv").await, StatusCode::OK);
}

#[tokio::test]
async fn a_lecturer_without_a_person_sees_no_button_and_cannot_share() {
    let app = TestApp::new().await;
    let nurse = app.fixture.nurse;
    let mut lecturer = app.login_as(Role::Lecturer).await;
    assert_status(
        &lecturer.post(&create_path(nurse), &[]).await,
        StatusCode::NOT_FOUND,
    );
    let mut director = app.login_as(Role::StudyDirector).await;
    let page = director.get(&format!("/people/{nurse}/licences")).await;
    assert_status(&page, StatusCode::OK);
    assert!(!page.text.contains("Skapa verifieringslänk"));
}

#[tokio::test]
async fn the_public_page_is_rate_limited_per_address() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::Staff).await;
    let link = make_link(&mut b, app.fixture.nurse).await;
    let mut stranger = app.browser();
    for i in 0..REQUESTS_PER_MINUTE {
        let r = if i % 2 == 0 {
            stranger.get(&link).await
        } else {
            stranger.get(&format!("{link}/qr.svg")).await
        };
        assert_status(&r, StatusCode::OK);
    }
    let limited = stranger.get(&link).await;
    assert_status(&limited, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(!limited.text.contains("Sara Sjöström"));
    // Unknown tokens count too, so guessing is limited the same way.
    assert_status(
        &stranger.get("/verify/guess").await,
        StatusCode::TOO_MANY_REQUESTS,
    );

    let mut neighbour = app.browser();
    neighbour.address = "198.51.100.7:40000".parse().expect("addr");
    assert_status(&neighbour.get(&link).await, StatusCode::OK);

    app.advance(1);
    assert_status(&stranger.get(&link).await, StatusCode::OK);
}

#[tokio::test]
async fn the_token_is_stored_only_as_its_hash() {
    let app = TestApp::new().await;
    let mut b = app.login_as(Role::Staff).await;
    let link = make_link(&mut b, app.fixture.nurse).await;
    let token = link.trim_start_matches("/verify/").to_string();
    assert!(token.len() >= 40, "{token}");

    let stored: String = app
        .query(|c| {
            c.query_row("SELECT token_hash FROM licence_verification", [], |r| {
                r.get(0)
            })
        })
        .await;
    assert_eq!(stored, oncotrack::auth::store::token_hash(&token));
    assert_ne!(stored, token);
    let t = token.clone();
    let anywhere: i64 = app
        .query(move |c| {
            c.query_row(
                "SELECT (SELECT count(*) FROM licence_verification WHERE token_hash = ?1)
                      + (SELECT count(*) FROM audit_log WHERE instr(coalesce(after, '') || coalesce(before, ''), ?1) > 0)",
                [&t],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(anywhere, 0);
    // Nor in the file or its write-ahead log, in any table.
    for suffix in ["", "-wal"] {
        let file = format!("{}{suffix}", app.path.display());
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the token is in {file}"
        );
    }
}
