//! Organisation and staff: the forms, employment history, who sees whom, the
//! people API, the CSV imports, and the audit log they all write.

use crate::support::{Client, TestApp, TestResponse, assert_status, email_for};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use chrono::NaiveDate;
use oncotrack::auth::model::Role;
use oncotrack::organisation::model::Profession;
use oncotrack::organisation::store;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Row counts of every table a form or an import may write.
async fn snapshot(app: &TestApp) -> [i64; 6] {
    app.query(|c| {
        let mut out = [0; 6];
        for (i, table) in [
            "region",
            "administration",
            "unit",
            "person",
            "employment",
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

/// A person's history, oldest first: (unit code, from, to).
async fn history(app: &TestApp, person: i64) -> Vec<(String, String, Option<String>)> {
    app.query(move |c| {
        c.prepare(
            "SELECT u.code, e.valid_from, e.valid_to FROM employment e JOIN unit u ON u.id = e.unit_id
             WHERE e.person_id = ?1 ORDER BY e.valid_from, e.id",
        )?
        .query_map([person], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect()
    })
    .await
}

async fn employment_on(app: &TestApp, person: i64, day: &str) -> Option<(i64, Profession)> {
    let day = d(day);
    app.query(move |c| store::employment_on(c, person, day))
        .await
}

async fn person_id_by_email(app: &TestApp, email: &'static str) -> Option<i64> {
    app.query(move |c| {
        use rusqlite::OptionalExtension;
        c.query_row("SELECT id FROM person WHERE email = ?1", [email], |r| {
            r.get(0)
        })
        .optional()
    })
    .await
}

/// The summary above a refused form names `field` by its `label` (linked
/// to the field), followed by `message` (or the start of it), and never by
/// the field's internal name.
fn assert_summary(r: &TestResponse, field: &str, label: &str, message: &str) {
    let named = format!("<a href=\"#f-{field}\">{label}</a>: {message}");
    assert!(r.text.contains(&named), "{named:?} in {}", r.text);
    assert!(
        !r.text.contains(&format!("<li>{field}: ")),
        "{field} named by its internal name: {}",
        r.text
    );
}

// ---- Regions, administrations, units ----

#[tokio::test]
async fn an_administrator_builds_a_region_an_administration_and_a_unit() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;

    let r = admin
        .post(
            "/org/regions/new",
            &[("name", "Region Halland"), ("active", "1")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/org?msg=common.saved"));
    let region: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT id FROM region WHERE name = 'Region Halland'",
                [],
                |r| r.get(0),
            )
        })
        .await;

    let region_id = region.to_string();
    let r = admin
        .post(
            "/org/administrations/new",
            &[
                ("region_id", &region_id),
                ("name", "Hallands sjukhus"),
                ("active", "1"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let administration: i64 = app
        .query(move |c| {
            c.query_row(
                "SELECT id FROM administration WHERE region_id = ?1 AND name = 'Hallands sjukhus'",
                [region],
                |r| r.get(0),
            )
        })
        .await;

    let administration_id = administration.to_string();
    let r = admin
        .post(
            "/org/units/new",
            &[
                ("administration_id", &administration_id),
                ("code", "HAL-ONK"),
                ("name", "Onkologi Halmstad"),
                ("gives_chemotherapy", "1"),
                ("trainee_capacity", "3"),
                ("active", "1"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let (unit, admin_of_unit, chemo, capacity, active): (i64, i64, bool, Option<i64>, bool) = app
        .query(|c| {
            c.query_row(
                "SELECT id, administration_id, gives_chemotherapy, trainee_capacity, active FROM unit WHERE code = 'HAL-ONK'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
        })
        .await;
    assert_eq!(r.location(), Some(format!("/org/units/{unit}").as_str()));
    assert_eq!(
        (admin_of_unit, chemo, capacity, active),
        (administration, true, Some(3), true)
    );

    let page = admin.get(&format!("/org/units/{unit}")).await;
    assert_status(&page, StatusCode::OK);
    for shown in [
        "HAL-ONK",
        "Onkologi Halmstad",
        "Region Halland",
        "Hallands sjukhus",
    ] {
        assert!(page.text.contains(shown), "{shown} on the unit page");
    }
    let overview = admin.get("/org").await;
    assert!(overview.text.contains("Region Halland") && overview.text.contains("HAL-ONK"));
}

#[tokio::test]
async fn a_duplicate_unit_code_is_refused_and_the_form_keeps_the_input() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let before = snapshot(&app).await;
    let administration = app.fixture.administration.to_string();
    let r = admin
        .post(
            "/org/units/new",
            &[
                ("administration_id", &administration),
                ("code", "ONK1"),
                ("name", "Dubblettenheten"),
                ("gives_chemotherapy", "1"),
                ("trainee_capacity", "4"),
                ("active", "1"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(&r, "code", "Kod", "en annan enhet har denna kod");
    assert!(
        r.text.contains("id=\"f-code-error\""),
        "the message sits beside the code field"
    );
    assert!(r.text.contains("value=\"ONK1\""));
    assert!(r.text.contains("value=\"Dubblettenheten\""));
    assert!(r.text.contains("value=\"4\""));
    assert_eq!(
        snapshot(&app).await,
        before,
        "nothing written, not even an audit row"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM unit WHERE name = 'Dubblettenheten'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_unit_code_differing_only_in_case_is_a_duplicate() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let administration = app.fixture.administration.to_string();
    let r = admin
        .post(
            "/org/units/new",
            &[
                ("administration_id", &administration),
                ("code", "onk1"),
                ("name", "Skuggenheten"),
                ("active", "1"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT count(*) FROM unit WHERE code = 'onk1' COLLATE BINARY")
            .await,
        0
    );
}

#[tokio::test]
async fn a_trainee_capacity_that_is_not_a_number_is_refused() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let before = snapshot(&app).await;
    let administration = app.fixture.administration.to_string();
    for bad in ["many", "-1", "1001", "2.5"] {
        let r = admin
            .post(
                "/org/units/new",
                &[
                    ("administration_id", &administration),
                    ("code", "NY-1"),
                    ("name", "Ny enhet"),
                    ("trainee_capacity", bad),
                    ("active", "1"),
                ],
            )
            .await;
        assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
        assert_summary(&r, "trainee_capacity", "Platser för ST-läkare", "");
        assert!(
            r.text.contains(&format!("value=\"{bad}\"")),
            "{bad} kept in the form"
        );
    }
    assert_eq!(snapshot(&app).await, before);
}

// ---- People ----

#[tokio::test]
async fn an_administrator_adds_a_person_whose_history_starts_on_the_employment_date() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let onk1 = app.fixture.onk1.to_string();
    let r = admin
        .post(
            "/people/new",
            &[
                ("name", "Maja Ek-Lindström"),
                ("email", "maja.ek@test.example"),
                ("hsa_id", " se2321000131-e000000012345 "),
                ("unit_id", &onk1),
                ("profession", "nurse"),
                ("employed_from", "2025-09-01"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let id = person_id_by_email(&app, "maja.ek@test.example")
        .await
        .expect("created");
    assert_eq!(r.location(), Some(format!("/people/{id}").as_str()));
    let hsa: String = app
        .query(move |c| {
            c.query_row("SELECT hsa_id FROM person WHERE id = ?1", [id], |r| {
                r.get(0)
            })
        })
        .await;
    assert_eq!(hsa, "SE2321000131-E000000012345", "stored normalised");
    assert_eq!(
        history(&app, id).await,
        [("ONK1".to_string(), "2025-09-01".to_string(), None)]
    );
    assert_eq!(employment_on(&app, id, "2025-08-31").await, None);
    assert_eq!(
        employment_on(&app, id, "2025-09-01").await,
        Some((app.fixture.onk1, Profession::Nurse))
    );
    let page = admin.get(&format!("/people/{id}")).await;
    assert_status(&page, StatusCode::OK);
    assert!(
        page.text.contains("Maja Ek-Lindström") && page.text.contains("SE2321000131-E000000012345")
    );
}

#[tokio::test]
async fn bad_hsa_ids_taken_emails_and_future_dates_are_refused() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let before = snapshot(&app).await;
    let onk1 = app.fixture.onk1.to_string();
    let form = |name: &'static str, email: &'static str, hsa: &'static str, from: &'static str| {
        vec![
            ("name", name),
            ("email", email),
            ("hsa_id", hsa),
            ("unit_id", onk1.as_str()),
            ("profession", "nurse"),
            ("employed_from", from),
        ]
    };

    let r = admin
        .post(
            "/people/new",
            &form("Nils Fel", "nils@test.example", "SE123-X", "2025-01-01"),
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(&r, "hsa_id", "HSA-id", "");
    assert!(r.text.contains("id=\"f-hsa_id-error\""));
    assert!(
        r.text.contains("value=\"SE123-X\"") && r.text.contains("value=\"Nils Fel\""),
        "input kept"
    );

    // E-mail addresses are unique whatever their case.
    let r = admin
        .post(
            "/people/new",
            &form("Åke Dubblett", "Ake.Ohman@Test.example", "", "2025-01-01"),
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(&r, "email", "E-post", "en annan person har denna e-post");
    assert!(r.text.contains("value=\"Åke Dubblett\""));

    let r = admin
        .post(
            "/people/new",
            &form(
                "Åke Dubblett",
                "ake2@test.example",
                "SE9990000001-T0002",
                "2025-01-01",
            ),
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(&r, "hsa_id", "HSA-id", "en annan person har detta HSA-id");

    let r = admin
        .post(
            "/people/new",
            &form("Framtida Fia", "fia@test.example", "", "2026-03-03"),
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(&r, "employed_from", "Anställd från", "");

    assert_eq!(snapshot(&app).await, before, "nothing written");
}

#[tokio::test]
async fn a_move_closes_the_old_record_on_the_date_and_opens_a_new_one() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut admin = app.login_as(Role::Admin).await;
    let kir1 = f.kir1.to_string();
    let r = admin
        .post(
            &format!("/people/{}/assignment", f.nurse),
            &[
                ("unit_id", &kir1),
                ("profession", "nurse"),
                ("effective_from", "2026-02-01"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some(format!("/people/{}", f.nurse).as_str()));
    assert_eq!(
        history(&app, f.nurse).await,
        [
            (
                "ONK1".to_string(),
                "2020-01-01".to_string(),
                Some("2026-02-01".to_string())
            ),
            ("KIR1".to_string(), "2026-02-01".to_string(), None),
        ]
    );
    // `valid_to` is exclusive: the day before the move is still ONK1.
    assert_eq!(
        employment_on(&app, f.nurse, "2026-01-31").await,
        Some((f.onk1, Profession::Nurse))
    );
    assert_eq!(
        employment_on(&app, f.nurse, "2026-02-01").await,
        Some((f.kir1, Profession::Nurse))
    );
    assert_eq!(employment_on(&app, f.nurse, "2019-12-31").await, None);

    let page = admin.get(&format!("/people/{}", f.nurse)).await;
    assert!(page.text.contains("KIR1"));
    let list = admin.get("/people?unit=KIR1").await;
    assert!(
        list.text.contains("Sara Sjöström"),
        "listed under the new unit"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'person.move'")
            .await,
        1
    );

    // A change of profession alone also keeps history.
    let r = admin
        .post(
            &format!("/people/{}/assignment", f.nurse),
            &[
                ("unit_id", &kir1),
                ("profession", "physician"),
                ("effective_from", "2026-03-01"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(
        employment_on(&app, f.nurse, "2026-02-28").await,
        Some((f.kir1, Profession::Nurse))
    );
    assert_eq!(
        employment_on(&app, f.nurse, "2026-03-01").await,
        Some((f.kir1, Profession::Physician))
    );
}

#[tokio::test]
async fn a_move_cannot_reach_back_before_the_current_record_starts() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut admin = app.login_as(Role::Admin).await;
    let (kir1, onk2) = (f.kir1.to_string(), f.onk2.to_string());
    let before = snapshot(&app).await;
    let r = admin
        .post(
            &format!("/people/{}/assignment", f.nurse),
            &[
                ("unit_id", &kir1),
                ("profession", "nurse"),
                ("effective_from", "2019-12-31"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(
        &r,
        "effective_from",
        "Gäller från",
        "måste vara 2020-01-01 eller senare",
    );
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(
        history(&app, f.nurse).await,
        [("ONK1".to_string(), "2020-01-01".to_string(), None)]
    );

    // After a move, the new record is the one that cannot be reached behind.
    let r = admin
        .post(
            &format!("/people/{}/assignment", f.nurse),
            &[
                ("unit_id", &kir1),
                ("profession", "nurse"),
                ("effective_from", "2026-02-01"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let before = snapshot(&app).await;
    let r = admin
        .post(
            &format!("/people/{}/assignment", f.nurse),
            &[
                ("unit_id", &onk2),
                ("profession", "nurse"),
                ("effective_from", "2026-01-15"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("2026-02-01"), "{}", r.text);
    assert_eq!(snapshot(&app).await, before);
    let unit: i64 = app
        .query(move |c| {
            c.query_row("SELECT unit_id FROM person WHERE id = ?1", [f.nurse], |r| {
                r.get(0)
            })
        })
        .await;
    assert_eq!(unit, f.kir1);
}

#[tokio::test]
async fn a_move_dated_in_the_future_leaves_the_person_in_the_old_unit_until_then() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut admin = app.login_as(Role::Admin).await;
    let kir1 = f.kir1.to_string();
    let r = admin
        .post(
            &format!("/people/{}/assignment", f.nurse),
            &[
                ("unit_id", &kir1),
                ("profession", "nurse"),
                ("effective_from", "2026-06-01"),
            ],
        )
        .await;
    assert!(
        r.status == StatusCode::SEE_OTHER || r.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.status
    );
    // Today (2026-03-02) she still works in ONK1, so her manager still sees her
    // and the unit's list still shows her.
    assert_eq!(
        employment_on(&app, f.nurse, "2026-03-02").await,
        Some((f.onk1, Profession::Nurse))
    );
    let mut manager = app.login_as(Role::Manager).await;
    assert_eq!(
        manager.get(&format!("/people/{}", f.nurse)).await.status,
        StatusCode::OK
    );
    assert!(
        admin
            .get("/people?unit=ONK1")
            .await
            .text
            .contains("Sara Sjöström")
    );
}

#[tokio::test]
async fn a_person_who_leaves_drops_out_of_the_list_until_rehired() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut admin = app.login_as(Role::Admin).await;
    assert!(admin.get("/people").await.text.contains("Sara Sjöström"));

    // Leaving on the day the record starts would mean no day worked.
    let r = admin
        .post(
            &format!("/people/{}/leave", f.nurse),
            &[("left_on", "2020-01-01")],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(&r, "left_on", "Slutade", "");

    let r = admin
        .post(
            &format!("/people/{}/leave", f.nurse),
            &[("left_on", "2026-03-01")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(
        history(&app, f.nurse).await,
        [(
            "ONK1".to_string(),
            "2020-01-01".to_string(),
            Some("2026-03-01".to_string())
        )]
    );
    assert_eq!(
        employment_on(&app, f.nurse, "2026-02-28").await,
        Some((f.onk1, Profession::Nurse))
    );
    assert_eq!(employment_on(&app, f.nurse, "2026-03-01").await, None);

    let list = admin.get("/people").await;
    assert!(
        !list.text.contains("Sara Sjöström"),
        "left people are hidden by default"
    );
    assert!(list.text.contains("Åke Öhman"));
    assert!(
        admin
            .get("/people?include_left=1")
            .await
            .text
            .contains("Sara Sjöström")
    );

    // Rehiring cannot start before the leaving date.
    let kir1 = f.kir1.to_string();
    let before = snapshot(&app).await;
    let r = admin
        .post(
            &format!("/people/{}/rejoin", f.nurse),
            &[
                ("unit_id", &kir1),
                ("profession", "nurse"),
                ("effective_from", "2026-02-15"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(&r, "effective_from", "Gäller från", "");
    assert_eq!(snapshot(&app).await, before);

    let r = admin
        .post(
            &format!("/people/{}/rejoin", f.nurse),
            &[
                ("unit_id", &kir1),
                ("profession", "nurse"),
                ("effective_from", "2026-03-02"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert!(admin.get("/people").await.text.contains("Sara Sjöström"));
    assert_eq!(
        employment_on(&app, f.nurse, "2026-03-01").await,
        None,
        "the gap stays in the history"
    );
    assert_eq!(
        employment_on(&app, f.nurse, "2026-03-02").await,
        Some((f.kir1, Profession::Nurse))
    );
    assert_eq!(history(&app, f.nurse).await.len(), 2);
    let actions: Vec<String> = app
        .query(|c| {
            c.prepare("SELECT action FROM audit_log WHERE entity = 'person' ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .await;
    assert_eq!(actions, ["person.leave", "person.rejoin"]);
}

// ---- Who sees whom ----

#[tokio::test]
async fn a_manager_sees_only_the_people_of_their_unit() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut manager = app.login_as(Role::Manager).await;
    let list = manager.get("/people").await;
    assert_status(&list, StatusCode::OK);
    assert!(list.text.contains("Sara Sjöström"));
    assert!(!list.text.contains("Åke Öhman"));
    let search = manager.get("/people?q=%C3%96hman").await;
    assert!(
        !search.text.contains("Åke Öhman"),
        "searching does not reach past the scope"
    );
    assert_eq!(
        manager.get(&format!("/people/{}", f.nurse)).await.status,
        StatusCode::OK
    );
    let hidden = manager.get(&format!("/people/{}", f.other_nurse)).await;
    assert_eq!(
        hidden.status,
        StatusCode::NOT_FOUND,
        "not 403: the record's existence does not leak"
    );
    assert!(!hidden.text.contains("Åke"));
    // The unit page of another unit shows the unit, not its staff.
    let unit = manager.get(&format!("/org/units/{}", f.onk2)).await;
    assert_status(&unit, StatusCode::OK);
    assert!(!unit.text.contains("Åke Öhman"));
    assert!(
        manager
            .get(&format!("/org/units/{}", f.onk1))
            .await
            .text
            .contains("Sara Sjöström")
    );
}

#[tokio::test]
async fn staff_see_only_themselves() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut staff = app.login_as(Role::Staff).await;
    assert_eq!(staff.get("/people").await.status, StatusCode::FORBIDDEN);
    let own = staff.get(&format!("/people/{}", f.nurse)).await;
    assert_status(&own, StatusCode::OK);
    assert!(own.text.contains("Sara Sjöström"));
    assert!(
        !own.text
            .contains(&format!("/people/{}/assignment", f.nurse)),
        "no admin forms for staff"
    );
    assert_eq!(
        staff
            .get(&format!("/people/{}", f.other_nurse))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(staff.get("/org").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn coordinators_see_everyone() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let list = coordinator.get("/people").await;
    assert_status(&list, StatusCode::OK);
    assert!(list.text.contains("Sara Sjöström") && list.text.contains("Åke Öhman"));
    assert_eq!(
        coordinator
            .get(&format!("/people/{}", f.nurse))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        coordinator
            .get(&format!("/people/{}", f.other_nurse))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(coordinator.get("/org").await.status, StatusCode::OK);
}

#[tokio::test]
async fn only_administrators_change_the_organisation_and_people() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let before = snapshot(&app).await;
    let (onk1, kir1, administration) = (
        f.onk1.to_string(),
        f.kir1.to_string(),
        f.administration.to_string(),
    );
    for role in [Role::Manager, Role::Coordinator, Role::Staff] {
        let mut b = app.login_as(role).await;
        let posts: [(String, Vec<(&str, &str)>); 5] = [
            (
                "/people/new".into(),
                vec![
                    ("name", "Ny Person"),
                    ("email", "ny@test.example"),
                    ("unit_id", &onk1),
                    ("profession", "nurse"),
                    ("employed_from", "2025-01-01"),
                ],
            ),
            (
                format!("/people/{}/assignment", f.nurse),
                vec![
                    ("unit_id", &kir1),
                    ("profession", "nurse"),
                    ("effective_from", "2026-02-01"),
                ],
            ),
            (
                format!("/people/{}/leave", f.nurse),
                vec![("left_on", "2026-03-01")],
            ),
            (
                "/org/regions/new".into(),
                vec![("name", "Smygregionen"), ("active", "1")],
            ),
            (
                "/org/units/new".into(),
                vec![
                    ("administration_id", &administration),
                    ("code", "SMYG"),
                    ("name", "Smyg"),
                    ("active", "1"),
                ],
            ),
        ];
        for (path, fields) in &posts {
            let r = b.post(path, fields).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} POST {path}");
        }
        assert_eq!(
            b.get("/people/new").await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        assert_eq!(
            b.get("/import").await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
    let after = snapshot(&app).await;
    // Sign-ins are audited; nothing else may change.
    assert_eq!(after[..5], before[..5]);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action NOT LIKE 'login.%'")
            .await,
        0
    );
}

// ---- The people API ----

fn names(r: &TestResponse) -> Vec<String> {
    r.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect()
}

async fn api_ok(app: &TestApp, token: &str, path: &str) -> TestResponse {
    let r = app.api(Method::GET, path, Some(token), None).await;
    assert_status(&r, StatusCode::OK);
    r
}

#[tokio::test]
async fn the_people_api_shows_a_manager_only_their_unit() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Manager).await;
    let r = app
        .api(Method::GET, "/api/v1/people", Some(&token), None)
        .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(names(&r), ["Sara Sjöström"]);
    assert_eq!(r.json()["total"], 1);
    assert_eq!(r.json()["items"][0]["unit"], "ONK1");
    // Filters cannot widen the scope.
    let r = app
        .api(Method::GET, "/api/v1/people?unit=ONK2", Some(&token), None)
        .await;
    assert_status(&r, StatusCode::OK);
    assert!(names(&r).is_empty());
    let r = app
        .api(
            Method::GET,
            "/api/v1/people?hsa_id=SE9990000001-T0002",
            Some(&token),
            None,
        )
        .await;
    assert!(names(&r).is_empty());
}

#[tokio::test]
async fn the_people_api_filters() {
    let app = TestApp::new().await;
    let f = app.fixture;
    app.add_person(store::NewPerson {
        name: "Örjan Läkare".into(),
        email: "orjan@test.example".into(),
        hsa_id: Some("SE9990000001-T0003".into()),
        profession: Profession::Physician,
        unit_id: f.onk2,
        from: d("2021-05-01"),
    })
    .await;
    let token = app.token_for(Role::Admin).await;
    let get = |path: &'static str| api_ok(&app, &token, path);

    let all = get("/api/v1/people").await;
    assert_eq!(all.json()["total"], 3);
    assert_eq!(
        names(&all),
        ["Sara Sjöström", "Åke Öhman", "Örjan Läkare"],
        "Swedish order: å before ö"
    );

    let r = get("/api/v1/people?hsa_id=SE9990000001-T0002").await;
    assert_eq!(names(&r), ["Åke Öhman"]);
    assert_eq!(r.json()["items"][0]["hsa_id"], "SE9990000001-T0002");
    assert_eq!(r.json()["items"][0]["profession"], "nurse");
    assert_eq!(r.json()["items"][0]["active"], true);
    assert_eq!(
        names(&get("/api/v1/people?hsa_id=se9990000001-t0002").await),
        ["Åke Öhman"]
    );
    assert_eq!(
        names(&get("/api/v1/people?unit=ONK2").await),
        ["Åke Öhman", "Örjan Läkare"]
    );
    assert_eq!(
        names(&get("/api/v1/people?unit=ONK2&profession=nurse").await),
        ["Åke Öhman"]
    );
    assert_eq!(
        names(&get("/api/v1/people?profession=nurse").await),
        ["Sara Sjöström", "Åke Öhman"]
    );
    assert_eq!(
        names(&get("/api/v1/people?profession=l%C3%A4kare").await),
        ["Örjan Läkare"],
        "Swedish profession words"
    );
    assert_eq!(
        names(&get("/api/v1/people?q=%C3%96hman").await),
        ["Åke Öhman"]
    );
    assert_eq!(
        names(&get("/api/v1/people?email=ake.ohman%40test.example").await),
        ["Åke Öhman"]
    );

    let page2 = get("/api/v1/people?per_page=2&page=2").await;
    assert_eq!(names(&page2), ["Örjan Läkare"]);
    assert_eq!(page2.json()["total"], 3);
    assert_eq!(page2.json()["per_page"], 2);
}

#[tokio::test]
async fn searching_for_people_ignores_case_in_swedish_letters() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Admin).await;
    // "åke" and "öhman" in lower case.
    for q in ["%C3%A5ke", "%C3%B6hman"] {
        let r = app
            .api(
                Method::GET,
                &format!("/api/v1/people?q={q}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(names(&r), ["Åke Öhman"], "q={q}");
    }
}

#[tokio::test]
async fn the_people_api_names_the_bad_parameter() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Admin).await;
    for (query, field) in [
        ("per_page=0", "per_page"),
        ("per_page=501", "per_page"),
        ("page=0", "page"),
        ("profession=pilot", "profession"),
    ] {
        let r = app
            .api(
                Method::GET,
                &format!("/api/v1/people?{query}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.text);
        assert_eq!(
            r.header("content-type"),
            Some("application/problem+json"),
            "{query}"
        );
        let doc = r.json();
        assert_eq!(doc["status"], 400, "{query}");
        assert_eq!(doc["field"], field, "{query}: {doc}");
    }
}

#[tokio::test]
async fn the_people_api_names_a_parameter_that_does_not_parse() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Admin).await;
    for (query, field) in [("page=abc", "page"), ("per_page=-1", "per_page")] {
        let r = app
            .api(
                Method::GET,
                &format!("/api/v1/people?{query}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(r.json()["field"], field, "{query}: {}", r.text);
    }
}

#[tokio::test]
async fn include_left_false_leaves_out_people_who_left() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let r = admin
        .post(
            &format!("/people/{}/leave", app.fixture.other_nurse),
            &[("left_on", "2026-02-01")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let token = app.token_for(Role::Admin).await;
    assert_eq!(
        names(&api_ok(&app, &token, "/api/v1/people").await),
        ["Sara Sjöström"]
    );
    assert_eq!(
        names(&api_ok(&app, &token, "/api/v1/people?include_left=true").await),
        ["Sara Sjöström", "Åke Öhman"]
    );
    assert_eq!(
        names(&api_ok(&app, &token, "/api/v1/people?include_left=false").await),
        ["Sara Sjöström"]
    );
}

// ---- Units import ----

const UNITS_FILE: &str = "\u{feff}region;administration;unit_code;unit_name;gives_chemotherapy;trainee_capacity\n\
Region Halland;Hallands sjukhus;HAL-ONK;Onkologi Halmstad;ja;2\n\
Testregionen;Testsjukhuset;ONK1;Onkologi avd 51;ja;2\n\
Testregionen;Testsjukhuset;KIR1;Enhet KIR1;nej;2\n";

#[tokio::test]
async fn a_units_file_is_previewed_then_applied_then_changes_nothing() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let before = snapshot(&app).await;

    let r = admin
        .post_file(
            "/import/units",
            &[("action", "preview")],
            UNITS_FILE.as_bytes(),
        )
        .await;
    assert_status(&r, StatusCode::OK);
    for change in [
        "rad 2: ny region Region Halland",
        "rad 2: ny förvaltning Hallands sjukhus i Region Halland",
        "rad 2: ny enhet HAL-ONK Onkologi Halmstad (Hallands sjukhus, Region Halland); cytostatika ja",
        "rad 3: enhet ONK1: namn Enhet ONK1 → Onkologi avd 51",
    ] {
        assert!(
            r.text.contains(change),
            "preview lists {change:?}: {}",
            r.text
        );
    }
    assert!(!r.text.contains("KIR1:"), "KIR1 is unchanged");
    assert!(r.text.contains("1 oförändrade"));
    assert!(
        r.text.contains("Genomför importen"),
        "the preview offers to apply"
    );
    assert_eq!(snapshot(&app).await, before, "a preview writes nothing");

    let r = admin
        .post_file(
            "/import/units",
            &[("action", "apply")],
            UNITS_FILE.as_bytes(),
        )
        .await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("Importen är klar."));
    let after = snapshot(&app).await;
    assert_eq!(after[0], before[0] + 1, "one region");
    assert_eq!(after[1], before[1] + 1, "one administration");
    assert_eq!(after[2], before[2] + 1, "one unit");
    let (name, chemo, capacity, admin_name, region_name): (String, bool, Option<i64>, String, String) = app
        .query(|c| {
            c.query_row(
                "SELECT u.name, u.gives_chemotherapy, u.trainee_capacity, a.name, r.name FROM unit u
                 JOIN administration a ON a.id = u.administration_id JOIN region r ON r.id = a.region_id WHERE u.code = 'HAL-ONK'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
        })
        .await;
    assert_eq!(
        (
            name.as_str(),
            chemo,
            capacity,
            admin_name.as_str(),
            region_name.as_str()
        ),
        (
            "Onkologi Halmstad",
            true,
            Some(2),
            "Hallands sjukhus",
            "Region Halland"
        )
    );
    let onk1: String = app
        .query(|c| {
            c.query_row("SELECT name FROM unit WHERE code = 'ONK1'", [], |r| {
                r.get(0)
            })
        })
        .await;
    assert_eq!(onk1, "Onkologi avd 51");
    let actions: Vec<String> = app
        .query(|c| {
            c.prepare("SELECT action FROM audit_log WHERE action NOT LIKE 'login.%' ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .await;
    assert_eq!(
        actions,
        [
            "region.create",
            "administration.create",
            "unit.create",
            "unit.update",
            "import.units"
        ]
    );

    let r = admin
        .post_file(
            "/import/units",
            &[("action", "preview")],
            UNITS_FILE.as_bytes(),
        )
        .await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("Inga ändringar."), "{}", r.text);
    assert!(r.text.contains("3 oförändrade"));
    assert!(!r.text.contains("Genomför importen"), "nothing to apply");
    let r = admin
        .post_file(
            "/import/units",
            &[("action", "apply")],
            UNITS_FILE.as_bytes(),
        )
        .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(
        snapshot(&app).await,
        after,
        "re-importing writes nothing, not even an audit row"
    );
}

/// The value of the hidden `content` input on a preview page, unescaped.
fn hidden_content(page: &str) -> String {
    let marker = "name=\"content\" value=\"";
    let start = page.find(marker).expect("hidden content field") + marker.len();
    let end = page[start..].find('"').expect("end of value") + start;
    page[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Posts the preview page's apply form as a browser would: no file, the
/// previewed text in the hidden field.
async fn post_apply_form(client: &mut Client<'_>, path: &str, content: &str) -> TestResponse {
    let token = client.csrf().await;
    let boundary = "----oncotrack-apply-boundary";
    let mut body = String::new();
    for (name, value) in [
        ("csrf_token", token.as_str()),
        ("action", "apply"),
        ("content", content),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    client
        .request(
            Method::POST,
            path,
            Some(&format!("multipart/form-data; boundary={boundary}")),
            Body::from(body),
        )
        .await
}

#[tokio::test]
async fn the_apply_button_on_the_preview_imports_what_was_previewed() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let preview = admin
        .post_file(
            "/import/units",
            &[("action", "preview")],
            UNITS_FILE.as_bytes(),
        )
        .await;
    assert_status(&preview, StatusCode::OK);
    let content = hidden_content(&preview.text);
    let before = app.count("SELECT count(*) FROM unit").await;
    let r = post_apply_form(&mut admin, "/import/units", &content).await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("Importen är klar."));
    assert_eq!(app.count("SELECT count(*) FROM unit").await, before + 1);
    assert_eq!(
        app.count("SELECT count(*) FROM unit WHERE name = 'Onkologi avd 51'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_units_file_with_one_bad_line_writes_nothing() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let before = snapshot(&app).await;
    let file = "region;administration;unit_code;unit_name;gives_chemotherapy;trainee_capacity\n\
Region Halland;Hallands sjukhus;HAL-ONK;Onkologi Halmstad;ja;2\n\
Region Halland;Hallands sjukhus;HAL-KIR;Kirurgi Halmstad;kanske;\n\
Testregionen;Testsjukhuset;ONK1;Onkologi avd 51;ja;många\n";
    for action in ["preview", "apply"] {
        let r = admin
            .post_file("/import/units", &[("action", action)], file.as_bytes())
            .await;
        assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("rad 3: gives_chemotherapy:"), "{}", r.text);
        assert!(
            r.text.contains("rad 4: trainee_capacity:"),
            "every bad line is reported"
        );
        assert!(!r.text.contains("rad 2:"), "the good line is not blamed");
        assert_eq!(snapshot(&app).await, before, "{action}: nothing written");
    }
    let onk1: String = app
        .query(|c| {
            c.query_row("SELECT name FROM unit WHERE code = 'ONK1'", [], |r| {
                r.get(0)
            })
        })
        .await;
    assert_eq!(onk1, "Enhet ONK1");
}

#[tokio::test]
async fn line_numbers_are_right_in_files_with_windows_line_endings() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let file = "region;administration;unit_code;unit_name;gives_chemotherapy;trainee_capacity\r\n\
Region Halland;Hallands sjukhus;HAL-ONK;Onkologi Halmstad;ja;2\r\n\
Region Halland;Hallands sjukhus;HAL-KIR;Kirurgi Halmstad;kanske;\r\n";
    let r = admin
        .post_file("/import/units", &[("action", "preview")], file.as_bytes())
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("rad 3: gives_chemotherapy:"), "{}", r.text);
    let r = admin
        .post_file(
            "/import/units",
            &[("action", "preview")],
            UNITS_FILE.replace('\n', "\r\n").as_bytes(),
        )
        .await;
    assert!(
        r.text.contains("rad 2: ny region Region Halland"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn a_units_file_without_a_required_column_names_it() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let before = snapshot(&app).await;
    let file = "region;administration;unit_name;gives_chemotherapy\nRegion Halland;Hallands sjukhus;Onkologi;ja\n";
    let r = admin
        .post_file("/import/units", &[("action", "apply")], file.as_bytes())
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("rad 1: unit_code: kolumnen saknas i rubrikraden"),
        "{}",
        r.text
    );
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn importing_a_change_to_an_inactive_unit_keeps_it_inactive() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let administration = app.fixture.administration.to_string();
    let r = admin
        .post(
            &format!("/org/units/{}/edit", app.fixture.kir1),
            &[
                ("administration_id", &administration),
                ("code", "KIR1"),
                ("name", "Enhet KIR1"),
                ("trainee_capacity", "2"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT active FROM unit WHERE code = 'KIR1'")
            .await,
        0
    );
    let file = "region;administration;unit_code;unit_name;gives_chemotherapy;trainee_capacity\nTestregionen;Testsjukhuset;KIR1;Kirurgen;nej;2\n";
    let r = admin
        .post_file("/import/units", &[("action", "apply")], file.as_bytes())
        .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(
        app.count("SELECT count(*) FROM unit WHERE code = 'KIR1' AND name = 'Kirurgen'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT active FROM unit WHERE code = 'KIR1'")
            .await,
        0,
        "a rename is not a re-activation"
    );
}

// ---- Staff import ----

const STAFF_FILE: &str = "hsa_id,name,email,profession,unit_code,employed_from\n\
SE2321000131-E000000000101,Maja Ek-Lindström,maja.ek@test.example,Sjuksköterska,ONK1,2025-08-18\n\
SE2321000131-E000000000102,Omar Haddad,omar.haddad@test.example,ST-läkare,kir1,\n";

#[tokio::test]
async fn a_staff_file_creates_people_with_history_and_a_second_run_adds_nobody() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut admin = app.login_as(Role::Admin).await;
    let before = snapshot(&app).await;
    let r = admin
        .post_file(
            "/import/staff",
            &[("action", "preview")],
            STAFF_FILE.as_bytes(),
        )
        .await;
    assert_status(&r, StatusCode::OK);
    assert!(
        r.text
            .contains("rad 2: ny person Maja Ek-Lindström (nurse, ONK1) från 2025-08-18"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("rad 3: ny person Omar Haddad (st_doctor, KIR1) från 2026-03-02"),
        "{}",
        r.text
    );
    assert_eq!(snapshot(&app).await, before);

    let r = admin
        .post_file(
            "/import/staff",
            &[("action", "apply")],
            STAFF_FILE.as_bytes(),
        )
        .await;
    assert_status(&r, StatusCode::OK);
    let maja = person_id_by_email(&app, "maja.ek@test.example")
        .await
        .expect("Maja");
    let omar = person_id_by_email(&app, "omar.haddad@test.example")
        .await
        .expect("Omar");
    assert_eq!(
        history(&app, maja).await,
        [("ONK1".to_string(), "2025-08-18".to_string(), None)]
    );
    assert_eq!(
        history(&app, omar).await,
        [("KIR1".to_string(), "2026-03-02".to_string(), None)],
        "no date: from the day of the import"
    );
    assert_eq!(
        employment_on(&app, maja, "2025-08-18").await,
        Some((f.onk1, Profession::Nurse))
    );
    assert_eq!(
        employment_on(&app, omar, "2026-03-02").await,
        Some((f.kir1, Profession::StDoctor))
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'person.create'")
            .await,
        2
    );

    let after = snapshot(&app).await;
    // The same people, with the HSA-ids in lower case as some exports write them.
    let again = STAFF_FILE.replace("SE2321000131-E", "se2321000131-e");
    assert_ne!(again, STAFF_FILE);
    let r = admin
        .post_file("/import/staff", &[("action", "apply")], again.as_bytes())
        .await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("Inga ändringar."), "{}", r.text);
    assert!(r.text.contains("2 oförändrade"));
    assert_eq!(snapshot(&app).await, after);
}

#[tokio::test]
async fn a_staff_row_without_hsa_id_updates_the_person_with_that_email() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut admin = app.login_as(Role::Admin).await;
    let people = app.count("SELECT count(*) FROM person").await;
    let file = "hsa_id,name,email,profession,unit_code,employed_from\n,Åke Öhman-Lund,AKE.OHMAN@test.example,sjuksköterska,ONK2,\n";
    let r = admin
        .post_file("/import/staff", &[("action", "preview")], file.as_bytes())
        .await;
    assert_status(&r, StatusCode::OK);
    assert!(
        r.text
            .contains("rad 2: Åke Öhman: namn Åke Öhman → Åke Öhman-Lund"),
        "{}",
        r.text
    );
    let r = admin
        .post_file("/import/staff", &[("action", "apply")], file.as_bytes())
        .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(
        app.count("SELECT count(*) FROM person").await,
        people,
        "nobody new"
    );
    let (name, hsa): (String, Option<String>) = app
        .query(move |c| {
            c.query_row(
                "SELECT name, hsa_id FROM person WHERE id = ?1",
                [f.other_nurse],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert_eq!(name, "Åke Öhman-Lund");
    assert_eq!(
        hsa.as_deref(),
        Some("SE9990000001-T0002"),
        "an empty HSA-id cell does not clear it"
    );
    assert_eq!(
        history(&app, f.other_nurse).await.len(),
        1,
        "same unit: history untouched"
    );
}

#[tokio::test]
async fn a_staff_row_with_another_unit_moves_the_person_with_history() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut admin = app.login_as(Role::Admin).await;
    let file = "hsa_id,name,email,profession,unit_code,employed_from\nSE9990000001-T0001,Sara Sjöström,staff@test.example,Sjuksköterska,KIR1,2026-01-15\n";
    let r = admin
        .post_file("/import/staff", &[("action", "apply")], file.as_bytes())
        .await;
    assert_status(&r, StatusCode::OK);
    assert!(
        r.text.contains("ONK1 nurse → KIR1 nurse från 2026-01-15"),
        "{}",
        r.text
    );
    assert_eq!(
        history(&app, f.nurse).await,
        [
            (
                "ONK1".to_string(),
                "2020-01-01".to_string(),
                Some("2026-01-15".to_string())
            ),
            ("KIR1".to_string(), "2026-01-15".to_string(), None),
        ]
    );
    assert_eq!(
        employment_on(&app, f.nurse, "2026-01-14").await,
        Some((f.onk1, Profession::Nurse))
    );
    assert_eq!(
        employment_on(&app, f.nurse, "2026-01-15").await,
        Some((f.kir1, Profession::Nurse))
    );
    // The manager of ONK1 no longer sees her.
    let mut manager = app.login_as(Role::Manager).await;
    assert!(!manager.get("/people").await.text.contains("Sara Sjöström"));
}

#[tokio::test]
async fn a_staff_file_with_bad_lines_reports_each_and_writes_nothing() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let before = snapshot(&app).await;
    let file = "hsa_id,name,email,profession,unit_code,employed_from\n\
SE2321000131-E000000000201,Nina Ny,nina.ny@test.example,nurse,ONK1,2025-01-01\n\
SE2321000131-E000000000202,Erik Enhetslös,erik@test.example,nurse,NOPE9,\n\
SE2321000131-E000000000203,Fia Framtid,fia@test.example,nurse,ONK1,2026-04-01\n\
SE2321000131-E000000000201,Dora Dubbel,dora@test.example,nurse,ONK1,\n\
SE9990000001-T0001,Sara Sjöström,ake.ohman@test.example,nurse,ONK1,\n";
    for action in ["preview", "apply"] {
        let r = admin
            .post_file("/import/staff", &[("action", action)], file.as_bytes())
            .await;
        assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
        let expected = [
            "rad 3: unit_code: ingen enhet har koden",
            "rad 4: employed_from: 2026-04-01 ligger i framtiden",
            "rad 5: hsa_id: SE2321000131-E000000000201 förekommer igen (först på rad 2)",
            "rad 6: email: ake.ohman@test.example tillhör en annan person (Åke Öhman) än HSA-id:t",
        ];
        let mut last = 0;
        for e in expected {
            let at = r
                .text
                .find(e)
                .unwrap_or_else(|| panic!("{action}: {e:?} missing: {}", r.text));
            assert!(at > last, "errors in line order");
            last = at;
        }
        assert!(!r.text.contains("rad 2:"), "the good line is not blamed");
        assert_eq!(snapshot(&app).await, before, "{action}: nothing written");
    }
    assert_eq!(person_id_by_email(&app, "nina.ny@test.example").await, None);
}

#[tokio::test]
async fn a_staff_file_listing_someone_who_leaves_later_is_accepted() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    // She has given notice: her last day is 31 May.
    let r = admin
        .post(
            &format!("/people/{}/leave", app.fixture.nurse),
            &[("left_on", "2026-06-01")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let before = snapshot(&app).await;
    // Today's HR export still lists her, unchanged.
    let file = "hsa_id,name,email,profession,unit_code,employed_from\nSE9990000001-T0001,Sara Sjöström,staff@test.example,nurse,ONK1,\n";
    let r = admin
        .post_file("/import/staff", &[("action", "apply")], file.as_bytes())
        .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(snapshot(&app).await[..5], before[..5], "nothing to change");
    let nurse = app.fixture.nurse;
    let left: Option<String> = app
        .query(move |c| {
            c.query_row("SELECT left_on FROM person WHERE id = ?1", [nurse], |r| {
                r.get(0)
            })
        })
        .await;
    assert_eq!(
        left.as_deref(),
        Some("2026-06-01"),
        "the leaving date stands"
    );
}

#[tokio::test]
async fn only_administrators_import() {
    let app = TestApp::new().await;
    let before = snapshot(&app).await;
    let mut manager = app.login_as(Role::Manager).await;
    let r = manager
        .post_file(
            "/import/staff",
            &[("action", "apply")],
            STAFF_FILE.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = manager
        .post_file(
            "/import/units",
            &[("action", "apply")],
            UNITS_FILE.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(&app).await[..5], before[..5]);
}

// ---- Audit ----

#[tokio::test]
async fn a_write_is_audited_with_who_where_and_what() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let administration = app.fixture.administration.to_string();
    let r = admin
        .post(
            "/org/units/new",
            &[
                ("administration_id", &administration),
                ("code", "STR1"),
                ("name", "Strålbehandling"),
                ("trainee_capacity", "1"),
                ("active", "1"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let unit: i64 = app
        .query(|c| c.query_row("SELECT id FROM unit WHERE code = 'STR1'", [], |r| r.get(0)))
        .await;
    type Row = (
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = app
        .query(|c| {
            c.prepare("SELECT at, actor, address, entity, entity_id, before, after FROM audit_log WHERE action = 'unit.create'")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
                .collect()
        })
        .await;
    assert_eq!(rows.len(), 1);
    let (at, actor, address, entity, entity_id, before, after) = rows[0].clone();
    assert!(at.starts_with("2026-03-02T09:00"), "the clock's time: {at}");
    assert_eq!(actor, email_for(Role::Admin));
    assert_eq!(address.as_deref(), Some("192.0.2.10"));
    assert_eq!(entity, "unit");
    assert_eq!(entity_id, Some(unit.to_string()));
    assert_eq!(before, None);
    let after: serde_json::Value = serde_json::from_str(&after.expect("after")).expect("JSON");
    assert_eq!(after["unit"]["code"], "STR1");
    assert_eq!(after["unit"]["name"], "Strålbehandling");
    assert_eq!(after["unit"]["trainee_capacity"], 1);
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed_or_emptied() {
    let app = TestApp::new().await;
    let _admin = app.login_as(Role::Admin).await;
    let rows = app.count("SELECT count(*) FROM audit_log").await;
    assert!(rows > 0);
    let conn = rusqlite::Connection::open(&app.path).expect("open");
    let e = conn
        .execute("UPDATE audit_log SET actor = 'someone else'", [])
        .expect_err("update refused");
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = conn
        .execute("DELETE FROM audit_log", [])
        .expect_err("delete refused");
    assert!(e.to_string().contains("append-only"), "{e}");
    drop(conn);
    assert_eq!(app.count("SELECT count(*) FROM audit_log").await, rows);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE actor = 'someone else'")
            .await,
        0
    );
}

#[tokio::test]
async fn only_administrators_read_the_audit_log() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let r = admin.get("/admin/audit").await;
    assert_status(&r, StatusCode::OK);
    assert!(r.text.contains("login.success"), "{}", r.text);
    for role in [Role::Manager, Role::Coordinator, Role::Staff] {
        let mut b = app.login_as(role).await;
        assert_eq!(
            b.get("/admin/audit").await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        assert_eq!(
            b.get("/admin/audit.csv").await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
}

fn read_csv(bytes: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM first");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(&bytes[3..]);
    reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn the_audit_log_exports_as_csv_for_spreadsheets() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let administration = app.fixture.administration.to_string();
    let r = admin
        .post(
            "/org/units/new",
            &[
                ("administration_id", &administration),
                ("code", "STR1"),
                ("name", "Strålbehandling, Göteborg"),
                ("active", "1"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let r = admin
        .post(
            "/org/regions/new",
            &[("name", "Region Halland"), ("active", "1")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);

    let r = admin.get("/admin/audit.csv").await;
    assert_status(&r, StatusCode::OK);
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/csv"))
    );
    let header = [
        "Id",
        "Tid (UTC)",
        "Vem",
        "Adress",
        "Händelse (kod)",
        "Post",
        "Post-id",
        "Före",
        "Efter",
        "Händelse",
    ];
    let text = String::from_utf8(r.bytes[3..].to_vec()).expect("UTF-8");
    assert!(
        text.starts_with(&header.join(";")),
        "semicolons by default: {text}"
    );
    let rows = read_csv(&r.bytes, b';');
    assert_eq!(rows[0], header);
    let actions: Vec<&str> = rows[1..].iter().map(|r| r[4].as_str()).collect();
    assert!(
        actions.contains(&"unit.create")
            && actions.contains(&"region.create")
            && actions.contains(&"login.success"),
        "{actions:?}"
    );
    let unit_row = rows
        .iter()
        .find(|r| r[4] == "unit.create")
        .expect("unit row");
    assert_eq!(unit_row[9], "Enhet skapad", "{unit_row:?}");
    let english = read_csv(&admin.get("/admin/audit.csv?lang=en").await.bytes, b';');
    assert_eq!(english[0][1], "Time (UTC)");
    let after: serde_json::Value = serde_json::from_str(&unit_row[8]).expect("after is JSON");
    assert_eq!(after["unit"]["name"], "Strålbehandling, Göteborg");

    let r = admin.get("/admin/audit.csv?sep=,").await;
    let text = String::from_utf8(r.bytes[3..].to_vec()).expect("UTF-8");
    assert!(
        text.starts_with(&header.join(",")),
        "commas on request: {text}"
    );
    assert_eq!(read_csv(&r.bytes, b',').len(), rows.len());

    let r = admin.get("/admin/audit.csv?action=unit.").await;
    let only_units = read_csv(&r.bytes, b';');
    assert_eq!(
        only_units.len(),
        2,
        "header and the one unit row: {only_units:?}"
    );
    assert!(only_units[1..].iter().all(|r| r[4].starts_with("unit.")));
}

// ---- Languages ----

#[tokio::test]
async fn a_refused_unit_form_speaks_the_pages_language_and_names_fields_by_label() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    let administration = app.fixture.administration.to_string();
    let form = [
        ("administration_id", administration.as_str()),
        ("code", "ONK1"),
        ("name", "Dubblettenheten"),
        ("trainee_capacity", "many"),
        ("active", "1"),
    ];
    let r = admin.post("/org/units/new", &form).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(
        &r,
        "trainee_capacity",
        "Platser för ST-läkare",
        "ett heltal från 0 till 1000",
    );
    assert!(!r.text.contains("whole number"), "no English: {}", r.text);

    admin
        .post("/lang", &[("lang", "en"), ("next", "/org/units/new")])
        .await;
    let r = admin.post("/org/units/new", &form).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(
        &r,
        "trainee_capacity",
        "Trainee capacity",
        "a whole number from 0 to 1000",
    );
    assert!(!r.text.contains("heltal"), "no Swedish: {}", r.text);
    // The taken code, once the capacity is right.
    let mut form = form;
    form[3] = ("trainee_capacity", "4");
    let r = admin.post("/org/units/new", &form).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(&r, "code", "Code", "another unit has this code");
    assert!(!r.text.contains("en annan enhet"), "no Swedish: {}", r.text);
}

#[tokio::test]
async fn the_person_forms_speak_english_on_an_english_page() {
    let app = TestApp::new().await;
    let f = app.fixture;
    let mut admin = app.login_as(Role::Admin).await;
    admin
        .post("/lang", &[("lang", "en"), ("next", "/people")])
        .await;
    let onk1 = f.onk1.to_string();
    let r = admin
        .post(
            "/people/new",
            &[
                ("name", "Nils Fel"),
                ("email", "nils@test.example"),
                ("hsa_id", "SE123-X"),
                ("unit_id", &onk1),
                ("profession", "nurse"),
                ("employed_from", "2025-01-01"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(
        &r,
        "hsa_id",
        "HSA-id",
        "HSA-id starts with SE and ten digits",
    );
    assert!(!r.text.contains("börjar med"), "no Swedish: {}", r.text);

    let r = admin
        .post(
            "/people/new",
            &[
                ("name", "Framtida Fia"),
                ("email", "fia@test.example"),
                ("unit_id", &onk1),
                ("profession", "nurse"),
                ("employed_from", "2026-03-03"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(
        &r,
        "employed_from",
        "Employed from",
        "2026-03-03 is in the future",
    );
    assert!(!r.text.contains("framtiden"), "no Swedish: {}", r.text);

    let kir1 = f.kir1.to_string();
    let r = admin
        .post(
            &format!("/people/{}/assignment", f.nurse),
            &[
                ("unit_id", &kir1),
                ("profession", "nurse"),
                ("effective_from", "2019-12-31"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(
        &r,
        "effective_from",
        "Effective from",
        "must be on or after 2020-01-01",
    );
    assert!(!r.text.contains("måste vara"), "no Swedish: {}", r.text);
    assert!(r.text.contains("value=\"2019-12-31\""), "the input is kept");

    let r = admin
        .post(
            &format!("/people/{}/leave", f.nurse),
            &[("left_on", "2020-01-01")],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_summary(&r, "left_on", "Left on", "must be after 2020-01-01");
    assert!(!r.text.contains("måste vara"), "no Swedish: {}", r.text);
}

#[tokio::test]
async fn the_people_api_refuses_in_the_requests_language() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Admin).await;
    let detail = |r: &TestResponse| r.json()["detail"].as_str().unwrap_or("").to_string();
    for (lang, shown, hidden) in [
        (Some("sv"), "från 1 till 500", "from 1"),
        (None, "från 1 till 500", "from 1"),
        (Some("en"), "from 1 to 500", "från"),
    ] {
        let r = app
            .api_in(
                lang,
                Method::GET,
                "/api/v1/people?per_page=0",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{lang:?}");
        assert_eq!(r.json()["field"], "per_page");
        assert!(detail(&r).contains(shown), "{lang:?}: {}", r.text);
        assert!(!detail(&r).contains(hidden), "{lang:?}: {}", r.text);
    }
    for (lang, shown, hidden) in [
        (Some("sv"), "true eller false", " or "),
        (Some("en"), "true or false", "eller"),
    ] {
        let r = app
            .api_in(
                lang,
                Method::GET,
                "/api/v1/people?include_left=1",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{lang:?}");
        assert!(detail(&r).contains(shown), "{lang:?}: {}", r.text);
        assert!(!detail(&r).contains(hidden), "{lang:?}: {}", r.text);
    }
}

#[tokio::test]
async fn an_import_preview_speaks_the_pages_language() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    admin
        .post("/lang", &[("lang", "en"), ("next", "/import")])
        .await;
    let r = admin
        .post_file(
            "/import/units",
            &[("action", "preview")],
            UNITS_FILE.as_bytes(),
        )
        .await;
    assert_status(&r, StatusCode::OK);
    for change in [
        "line 2: new region Region Halland",
        "line 2: new administration Hallands sjukhus in Region Halland",
        "line 2: new unit HAL-ONK Onkologi Halmstad (Hallands sjukhus, Region Halland); chemotherapy yes",
        "line 3: unit ONK1: name Enhet ONK1 → Onkologi avd 51",
    ] {
        assert!(r.text.contains(change), "{change:?}: {}", r.text);
    }
    for swedish in ["rad ", "ny region", "cytostatika"] {
        assert!(!r.text.contains(swedish), "{swedish:?}: {}", r.text);
    }
    let r = admin
        .post_file(
            "/import/staff",
            &[("action", "preview")],
            "hsa_id,name,email,profession,unit_code,employed_from\n\
SE2321000131-E000000000201,Nina Ny,nina.ny@test.example,nurse,ONK1,2026-04-01\n\
SE9990000001-T0001,Sara Sjöström,ake.ohman@test.example,nurse,ONK1,\n"
                .as_bytes(),
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    for error in [
        "line 2: employed_from: 2026-04-01 is in the future",
        "line 3: email: ake.ohman@test.example belongs to another person (Åke Öhman) than the HSA-id",
    ] {
        assert!(r.text.contains(error), "{error:?}: {}", r.text);
    }
    assert!(!r.text.contains("rad "), "no Swedish: {}", r.text);
}

#[tokio::test]
async fn people_are_found_by_any_part_of_name_email_or_hsa_id_and_paged_in_swedish_order() {
    let app = TestApp::new().await;
    let onk1 = app.fixture.onk1;
    let names = [
        "Öberg, Olle",
        "Zetterlund, Zara",
        "Åkesson, Åsa",
        "Ahlström, Anna",
        "Ängström, Ärla",
        "Éklund, Emil",
        "Eriksson, Erik",
        "ebbesson, eva",
    ];
    app.state
        .db
        .write(move |tx| {
            for (i, n) in names.iter().enumerate() {
                tx.execute(
                    "INSERT INTO person (name, email, hsa_id, profession, unit_id, created_at, sort_name)
                     VALUES (?1, ?2, ?3, 'nurse', ?4, '2026-01-01T00:00:00Z', ?5)",
                    rusqlite::params![
                        n,
                        format!("p{i}@sok.example"),
                        format!("SE9990000001-S{i:04}"),
                        onk1,
                        oncotrack::db::collation::sort_key(n)
                    ],
                )?;
            }
            Ok::<_, oncotrack::web::AppError>(())
        })
        .await
        .expect("people");
    let mut admin = app.login_as(Role::Admin).await;
    let found = |r: &crate::support::TestResponse| -> Vec<String> {
        r.text
            .split("<td><a href=\"/people/")
            .skip(1)
            .filter_map(|s| {
                s.split_once("\">")
                    .and_then(|(_, rest)| rest.split('<').next())
            })
            .map(str::to_string)
            .collect()
    };
    // Three letters or more: the trigram index, case and å ä ö as typed.
    for (q, who) in [
        ("%C3%A5kes", "Åkesson, Åsa"),
        ("HLSTRÖ", "Ahlström, Anna"),
        ("p6%40sok", "Eriksson, Erik"),
        ("S0002", "Åkesson, Åsa"),
        ("sjöst", "Sara Sjöström"),
    ] {
        let r = admin.get(&format!("/people?q={q}")).await;
        assert_eq!(found(&r), [who], "q={q}: {}", r.text);
    }
    // Two letters: the start of a word of the name, any word.
    assert_eq!(found(&admin.get("/people?q=%C3%B6h").await), ["Åke Öhman"]);
    assert_eq!(found(&admin.get("/people?q=OL").await), ["Öberg, Olle"]);
    assert_eq!(
        found(&admin.get("/people?q=hm").await),
        Vec::<String>::new(),
        "not inside a word"
    );
    // One letter: the start of the name.
    assert_eq!(found(&admin.get("/people?q=z").await), ["Zetterlund, Zara"]);
    let r = admin.get("/people?q=z").await;
    assert!(
        r.text.contains("minst tre"),
        "the page says what short searches find"
    );
    // Swedish order, a page at a time by position.
    let all = found(&admin.get("/people").await);
    assert_eq!(
        all,
        [
            "Ahlström, Anna",
            "ebbesson, eva",
            "Éklund, Emil",
            "Eriksson, Erik",
            "Sara Sjöström",
            "Zetterlund, Zara",
            "Åke Öhman",
            "Åkesson, Åsa",
            "Ängström, Ärla",
            "Öberg, Olle"
        ]
    );
    let r = app
        .api(
            axum::http::Method::GET,
            "/api/v1/people?per_page=3",
            Some(&app.token_for(Role::Admin).await),
            None,
        )
        .await;
    let first: Vec<i64> = r.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(first.len(), 3);
    let token = app.token_for(Role::Admin).await;
    let next = app
        .api(
            axum::http::Method::GET,
            &format!("/api/v1/people?per_page=3&after={}", first[2]),
            Some(&token),
            None,
        )
        .await;
    let names: Vec<String> = next.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect();
    assert_eq!(
        names,
        ["Eriksson, Erik", "Sara Sjöström", "Zetterlund, Zara"]
    );
    let back = app
        .api(
            axum::http::Method::GET,
            &format!("/api/v1/people?per_page=2&before={}", first[2]),
            Some(&token),
            None,
        )
        .await;
    let names: Vec<String> = back.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect();
    assert_eq!(names, ["Ahlström, Anna", "ebbesson, eva"]);
    // A renamed person is found by the new name only.
    let first_id = first[0];
    app.state
        .db
        .write(move |tx| {
            oncotrack::organisation::store::update_person_details(
                tx,
                first_id,
                "Berg, Bodil",
                "bodil@sok.example",
                None,
            )?;
            Ok::<_, oncotrack::web::AppError>(())
        })
        .await
        .expect("rename");
    assert!(found(&admin.get("/people?q=ahlstr").await).is_empty());
    assert_eq!(found(&admin.get("/people?q=bodil").await), ["Berg, Bodil"]);
}

#[tokio::test]
async fn a_person_is_moved_by_unit_code_without_a_list_of_every_unit_in_the_page() {
    let app = TestApp::new().await;
    let nurse = app.fixture.nurse;
    let mut admin = app.login_as(Role::Admin).await;
    let page = admin.get(&format!("/people/{nurse}")).await;
    assert_status(&page, StatusCode::OK);
    assert!(
        !page.text.contains("<option value=\"2\""),
        "no unit list: {}",
        page.text
    );
    assert!(
        page.text
            .contains(r#"name="unit" type="text" value="ONK1""#),
        "{}",
        page.text
    );
    let r = admin
        .post(
            &format!("/people/{nurse}/assignment"),
            &[
                ("unit", "ingen-sådan"),
                ("profession", "nurse"),
                ("effective_from", "2026-03-02"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.visible()
            .contains("ingen aktiv enhet har koden ”ingen-sådan”"),
        "{}",
        r.text
    );
    let r = admin
        .post(
            &format!("/people/{nurse}/assignment"),
            &[
                ("unit", "kir1"),
                ("profession", "nurse"),
                ("effective_from", "2026-03-02"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = admin.get(&format!("/people/{nurse}")).await;
    assert!(page.text.contains(r#"value="KIR1""#), "{}", page.text);
    // The new-person form names the unit by code too.
    let form = admin.get("/people/new").await;
    assert!(!form.text.contains("<option value=\"2\""), "{}", form.text);
    let fields = |unit: &'static str| {
        [
            ("name", "Nils Nyström"),
            ("email", "nils.nystrom@test.example"),
            ("hsa_id", ""),
            ("unit", unit),
            ("profession", "nurse"),
            ("employed_from", "2026-03-02"),
        ]
    };
    let r = admin.post("/people/new", &fields("ONK9")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.visible().contains("ingen aktiv enhet har koden ”ONK9”"),
        "{}",
        r.text
    );
    let r = admin.post("/people/new", &fields("onk2")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = admin.get(r.location().expect("the person")).await;
    assert!(page.visible().contains("ONK2"), "{}", page.text);
}

#[tokio::test]
async fn a_search_with_control_characters_is_a_search_not_an_error() {
    let app = TestApp::new().await;
    let mut admin = app.login_as(Role::Admin).await;
    for q in ["%00namn", "sj%00%C3%B6str", "%22%00", "a%0Ab"] {
        let r = admin.get(&format!("/people?q={q}")).await;
        assert_status(&r, StatusCode::OK);
    }
    let r = admin.get("/people?q=sj%C3%B6%00str").await;
    assert!(r.visible().contains("Sara Sjöström"), "{}", r.text);
}

/// Every way the people search reads its rows (all matches sorted, the
/// name order with the matches looked up, the name order with each row
/// tested, a unit's people tested) gives what a plain filter and sort of
/// everyone gives, page after page.
#[tokio::test]
async fn every_search_plan_finds_the_same_people_in_the_same_order() {
    let app = TestApp::new().await;
    let (onk1, kir1) = (app.fixture.onk1, app.fixture.kir1);
    // 3 000 people: "walk" in five of six names (very many), "mittemellan"
    // in one of four (more), "fåtal" in one of thirty (few).
    let people: Vec<(String, String, i64, bool)> = (0..3000)
        .map(|i| {
            let given = if i % 4 == 0 {
                "Mittemellan"
            } else {
                ["Åsa", "Erik", "Örjan", "Anna"][i % 4]
            };
            let family = if i % 30 == 0 {
                "Fåtal"
            } else if i % 6 != 0 {
                "Walkström"
            } else {
                "Berg"
            };
            (
                format!("{given} {family} {i}"),
                format!("p{i}@plan.example"),
                if i % 2 == 0 { onk1 } else { kir1 },
                i % 17 == 0,
            )
        })
        .collect();
    let rows = people.clone();
    app.state
        .db
        .write(move |tx| {
            for (name, email, unit, left) in &rows {
                tx.execute(
                    "INSERT INTO person (name, email, profession, unit_id, left_on, created_at, sort_name)
                     VALUES (?1, ?2, 'nurse', ?3, ?4, '2026-01-01T00:00:00Z', ?5)",
                    rusqlite::params![
                        name,
                        email,
                        unit,
                        left.then_some("2026-01-01"),
                        oncotrack::db::collation::sort_key(name)
                    ],
                )?;
            }
            Ok::<_, oncotrack::web::AppError>(())
        })
        .await
        .expect("people");
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("day");
    for (q, unit) in [
        ("walk", ""),
        ("mittemellan", ""),
        ("fåtal", ""),
        ("WALKSTRÖM", "ONK1"),
        ("wa", ""),
        ("mi", ""),
    ] {
        // Everyone who has not left, by the plain rule, in Swedish order.
        let everyone = app
            .state
            .db
            .read(move |c| {
                store::search_people(
                    c,
                    &store::PeopleQuery::default(),
                    &oncotrack::auth::model::UnitFilter::All,
                    None,
                    today,
                    1,
                    10_000,
                    store::Count::All,
                )
                .map_err(oncotrack::web::AppError::from)
            })
            .await
            .expect("everyone")
            .0;
        let folded = q.to_lowercase();
        let expected: Vec<i64> = everyone
            .iter()
            .filter(|p| {
                if folded.chars().count() >= 3 {
                    p.name.to_lowercase().contains(&folded)
                        || p.email.to_lowercase().contains(&folded)
                } else {
                    format!(" {}", p.name.to_lowercase().replace('-', " "))
                        .contains(&format!(" {folded}"))
                }
            })
            .filter(|p| unit.is_empty() || p.unit_code.eq_ignore_ascii_case(unit))
            .map(|p| p.id)
            .collect();
        assert!(!expected.is_empty(), "q={q}");
        let mut found = Vec::new();
        let mut after = None;
        loop {
            let query = store::PeopleQuery {
                q: q.to_string(),
                unit: unit.to_string(),
                after,
                ..Default::default()
            };
            let (page, total) = app
                .state
                .db
                .read(move |c| {
                    store::search_people(
                        c,
                        &query,
                        &oncotrack::auth::model::UnitFilter::All,
                        None,
                        today,
                        1,
                        50,
                        store::Count::All,
                    )
                    .map_err(oncotrack::web::AppError::from)
                })
                .await
                .expect("search");
            assert_eq!(total, expected.len() as i64, "q={q}: total");
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            found.extend(page.iter().map(|p| p.id));
        }
        assert_eq!(found, expected, "q={q} unit={unit}");
    }
}
