//! Courses, offerings, sessions and lecturers through the real router: the
//! JSON API contract, the catalogue and offering pages, the lecturers-wanted
//! board, confirming and declining with their notices, the teaching record,
//! and at-risk offerings on the start page.

use crate::support::{TestApp, assert_status};
use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;
use serde_json::json;

/// A course, an offering in April 2026 and one session, made through the API
/// as the coordinator. Returns (offering id, session id).
async fn offering_with_session(app: &TestApp, token: &str, code: &str) -> (i64, i64) {
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(token),
            Some(json!({"code": code, "title_sv": "Cytostatikakörkort – grundkurs", "title_en": "Chemotherapy licence – basic course", "licence": "CYTO"})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let r = app
        .api(
            Method::POST,
            "/api/v1/offerings",
            Some(token),
            Some(json!({"course": code, "starts_on": "2026-04-14", "ends_on": "2026-04-15", "place": "Sal Onkologen", "capacity": 2, "min_participants": 1, "enrolment_opens": "2026-03-01", "enrolment_closes": "2026-04-01"})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let offering = r.json()["id"].as_i64().expect("offering id");
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/offerings/{offering}/sessions"),
            Some(token),
            Some(json!({"starts_at": "2026-04-14T09:00", "ends_at": "2026-04-14T10:30", "topic": "Säker hantering av cytostatika", "lecturers_needed": 1})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    (offering, r.json()["id"].as_i64().expect("session id"))
}

#[tokio::test]
async fn a_session_outside_its_offerings_days_is_refused() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    // The offering runs 2026-04-14 to 2026-04-15.
    let (offering, session) = offering_with_session(&app, &token, "CYTO-S").await;
    let post = |starts: &'static str, ends: &'static str| {
        let path = format!("/api/v1/offerings/{offering}/sessions");
        let token = token.clone();
        let app = &app;
        async move {
            app.api(
                Method::POST,
                &path,
                Some(&token),
                Some(json!({"starts_at": starts, "ends_at": ends, "topic": "Omvårdnad", "lecturers_needed": 1})),
            )
            .await
        }
    };
    // The last evening still counts; the day after does not, nor the day before.
    assert_status(
        &post("2026-04-15T16:00", "2026-04-15T23:30").await,
        StatusCode::CREATED,
    );
    for (starts, ends) in [
        ("2026-04-16T09:00", "2026-04-16T10:00"),
        ("2026-04-13T09:00", "2026-04-13T10:00"),
        ("2026-04-15T23:00", "2026-04-16T00:30"),
    ] {
        let r = post(starts, ends).await;
        assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["field"], "starts_at", "{}", r.text);
        assert!(
            r.text
                .contains("outside the offering's days 2026-04-14–2026-04-15"),
            "{starts}: {}",
            r.text
        );
    }
    // Moving a session out is refused as well, and changes nothing.
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = coordinator
        .post(
            &format!("/sessions/{session}/edit"),
            &[
                ("starts_at", "2026-05-01T09:00"),
                ("ends_at", "2026-05-01T10:00"),
                ("topic", "Säker hantering av cytostatika"),
                ("lecturers_needed", "1"),
                ("place", ""),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("passet ligger utanför kurstillfällets dagar 2026-04-14–2026-04-15"),
        "{}",
        r.text
    );
    let starts: String = app
        .query(move |c| {
            c.query_row(
                "SELECT starts_at FROM course_session WHERE id = ?1",
                [session],
                |r| r.get(0),
            )
        })
        .await;
    assert!(starts.starts_with("2026-04-14"), "{starts}");
}

#[tokio::test]
async fn sessions_show_their_weekday_and_warn_on_a_public_holiday() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let (offering, _) = offering_with_session(&app, &token, "CYTO-P").await;
    // Stretch the offering over Easter 2026 (Good Friday is 3 April).
    app.state
        .db
        .write(move |tx| -> Result<(), oncotrack::db::DbError> {
            tx.execute(
                "UPDATE offering SET starts_on = '2026-04-02' WHERE id = ?1",
                [offering],
            )?;
            Ok(())
        })
        .await
        .expect("over Easter");
    for (starts, ends, topic) in [
        (
            "2026-04-02T09:00",
            "2026-04-02T10:00",
            "Skärtorsdagens pass",
        ),
        ("2026-04-03T09:00", "2026-04-03T10:00", "Långfredagens pass"),
    ] {
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/offerings/{offering}/sessions"),
                Some(&token),
                Some(json!({"starts_at": starts, "ends_at": ends, "topic": topic, "lecturers_needed": 1})),
            )
            .await;
        assert_status(&r, StatusCode::CREATED);
    }
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let page = coordinator.get(&format!("/offerings/{offering}")).await;
    let heading = |topic: &str| -> String {
        let at = page.text.find(topic).expect(topic);
        let start = page.text[..at].rfind("<h3>").expect("heading");
        let end = at + page.text[at..].find("</h3>").expect("end");
        page.text[start..end]
            .replace("</time>", "")
            .replace("<time datetime=", "")
    };
    let friday = heading("Långfredagens pass");
    assert!(friday.contains("fre 2026-04-03"), "{friday}");
    assert!(friday.contains("helgdag: långfredagen"), "{friday}");
    let thursday = heading("Skärtorsdagens pass");
    assert!(thursday.contains("tors 2026-04-02"), "{thursday}");
    assert!(
        !thursday.contains("helgdag"),
        "an ordinary working day: {thursday}"
    );
    let tuesday = heading("Säker hantering av cytostatika");
    assert!(tuesday.contains("tis 2026-04-14 09:00–10:30"), "{tuesday}");
    // The dates of the offering read with weekdays too, in English as well.
    assert!(
        page.visible().contains("tors 2026-04-02 – ons 2026-04-15"),
        "{}",
        page.text
    );
    coordinator
        .post("/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let english = coordinator.get(&format!("/offerings/{offering}")).await;
    assert!(
        english.text.contains("public holiday: Good Friday"),
        "{}",
        english.text
    );
    // The lecturers' board warns as well.
    let mut lecturer = app.login_as(Role::Lecturer).await;
    let board = lecturer.get("/lecturers-wanted").await;
    assert!(
        board.text.contains("helgdag: långfredagen"),
        "{}",
        board.text
    );
}

#[tokio::test]
async fn a_coordinator_builds_a_course_offering_and_session_through_the_api() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(json!({"code": "cyto-g", "title_sv": "Cytostatikakörkort – grundkurs", "title_en": "Chemotherapy licence – basic course", "licence": "CYTO"})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let course = r.json();
    assert!(course["id"].as_i64().is_some());
    assert_eq!(course["code"], "CYTO-G");
    assert_eq!(course["licence"], "CYTO");
    assert_eq!(course["part"], "theory", "theory is the default part");

    let r = app
        .api(
            Method::POST,
            "/api/v1/offerings",
            Some(&token),
            Some(json!({"course": "CYTO-G", "starts_on": "2026-04-14", "ends_on": "2026-04-15", "place": "Teams", "capacity": 24, "enrolment_opens": "2026-03-01", "enrolment_closes": "2026-04-01", "status": "open"})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let offering = r.json()["id"].as_i64().expect("id");
    assert_eq!(r.json()["status"], "open");

    // Summer time: 09:00 in Stockholm is 07:00 UTC.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/offerings/{offering}/sessions"),
            Some(&token),
            Some(json!({"starts_at": "2026-04-14T09:00", "ends_at": "2026-04-14T12:00", "topic": "Arbetsmiljöverkets regler", "lecturers_needed": 2})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let s = r.json();
    assert_eq!(s["starts_at"], "2026-04-14T07:00:00Z");
    assert_eq!(s["starts_local"], "2026-04-14T09:00");
    assert_eq!(s["ends_at"], "2026-04-14T10:00:00Z");

    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/offerings/{offering}"),
            Some(&token),
            None,
        )
        .await;
    assert_status(&r, StatusCode::OK);
    let o = r.json();
    assert_eq!(o["enrolled"], 0);
    assert_eq!(o["waitlisted"], 0);
    assert_eq!(o["full"], false);
    assert_eq!(o["sessions"].as_array().map(Vec::len), Some(1));
    assert_eq!(o["sessions"][0]["short_of_lecturers"], true);

    let r = app
        .api(Method::GET, "/api/v1/courses", Some(&token), None)
        .await;
    assert_eq!(r.json()["courses"][0]["code"], "CYTO-G");
    let r = app
        .api(
            Method::GET,
            "/api/v1/offerings?course=cyto-g&from=2026-04-15",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.json()["offerings"].as_array().map(Vec::len), Some(1));
    let r = app
        .api(
            Method::GET,
            "/api/v1/offerings?from=2026-04-16",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.json()["offerings"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action IN ('course.create', 'offering.create', 'session.create')").await,
        3
    );
}

#[tokio::test]
async fn the_api_names_the_field_of_bad_input_and_writes_nothing() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    offering_with_session(&app, &token, "K1").await;
    let offering = json!({"course": "K1", "starts_on": "2026-04-14", "ends_on": "2026-04-15", "place": "Sal 1", "capacity": 10, "enrolment_opens": "2026-03-01", "enrolment_closes": "2026-04-01"});
    let cases = [
        ("capacity", json!(0)),
        ("capacity", json!("many")),
        ("starts_on", json!("14 april")),
        ("ends_on", json!("2026-04-13")),
        ("enrolment_closes", json!("2026-02-01")),
        ("course", json!("NOPE")),
    ];
    for (field, value) in cases {
        let mut body = offering.clone();
        body[field] = value.clone();
        let r = app
            .api(Method::POST, "/api/v1/offerings", Some(&token), Some(body))
            .await;
        assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["field"], field, "{field} = {value}: {}", r.text);
    }
    let session = |starts: &str, ends: &str, needed: i64| json!({"starts_at": starts, "ends_at": ends, "topic": "Biverkningar", "lecturers_needed": needed});
    for (body, field) in [
        (
            session("2026-04-14T10:00", "2026-04-14T09:00", 1),
            "ends_at",
        ),
        (
            session("2026-04-14T10:00", "2026-04-14T11:00", 0),
            "lecturers_needed",
        ),
        (
            session("2026-03-29T02:30", "2026-03-29T04:00", 1),
            "starts_at",
        ),
        (session("14/4 10:00", "2026-04-14T11:00", 1), "starts_at"),
    ] {
        let r = app
            .api(
                Method::POST,
                "/api/v1/offerings/1/sessions",
                Some(&token),
                Some(body),
            )
            .await;
        assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["field"], field, "{}", r.text);
    }
    let r = app
        .api(
            Method::POST,
            "/api/v1/offerings/1/sessions",
            Some(&token),
            Some(session("2026-03-29T02:30", "2026-03-29T04:00", 1)),
        )
        .await;
    assert!(r.text.contains("does not exist"), "{}", r.text);
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(json!({"code": "k1", "title_sv": "Dubblett", "title_en": "Duplicate"})),
        )
        .await;
    assert_status(&r, StatusCode::CONFLICT);
    let r = app
        .api(
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(json!({"code": "K2", "title_sv": "X", "title_en": "X", "licence": "NOPE"})),
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "licence");
    assert_eq!(app.count("SELECT count(*) FROM offering").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM course_session").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM course").await, 1);
}

#[tokio::test]
async fn only_coordinators_and_administrators_write_through_the_api() {
    let app = TestApp::new().await;
    let body = json!({"code": "X1", "title_sv": "X", "title_en": "X"});
    for (role, status) in [
        (Role::Staff, StatusCode::FORBIDDEN),
        (Role::Lecturer, StatusCode::FORBIDDEN),
        (Role::Manager, StatusCode::FORBIDDEN),
        (Role::Admin, StatusCode::CREATED),
    ] {
        let token = app.token_for(role).await;
        let r = app
            .api(
                Method::POST,
                "/api/v1/courses",
                Some(&token),
                Some(body.clone()),
            )
            .await;
        assert_status(&r, status);
    }
}

#[tokio::test]
async fn lecturers_volunteer_and_coordinators_confirm_through_the_api() {
    let app = TestApp::new().await;
    let coordinator = app.token_for(Role::Coordinator).await;
    let lecturer = app.token_for(Role::Lecturer).await;
    let (_, session) = offering_with_session(&app, &coordinator, "K1").await;
    let path = format!("/api/v1/sessions/{session}/signups");
    let r = app
        .api(
            Method::POST,
            &path,
            Some(&lecturer),
            Some(json!({"note": "Gärna förmiddag"})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let signup = r.json()["id"].as_i64().expect("id");
    assert_eq!(r.json()["status"], "volunteered");
    // The note is for the coordinators, not for everyone.
    let staff = app.token_for(Role::Staff).await;
    let session_path = format!("/api/v1/sessions/{session}");
    let r = app
        .api(Method::GET, &session_path, Some(&coordinator), None)
        .await;
    assert_eq!(r.json()["signups"][0]["note"], "Gärna förmiddag");
    let r = app
        .api(Method::GET, &session_path, Some(&staff), None)
        .await;
    assert_eq!(r.json()["signups"][0]["note"], serde_json::Value::Null);
    // A coordinator cannot volunteer, a lecturer cannot confirm.
    let r = app.api(Method::POST, &path, Some(&coordinator), None).await;
    assert_status(&r, StatusCode::FORBIDDEN);
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/signups/{signup}"),
            Some(&lecturer),
            Some(json!({"status": "confirmed"})),
        )
        .await;
    assert_status(&r, StatusCode::FORBIDDEN);
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/signups/{signup}"),
            Some(&coordinator),
            Some(json!({"status": "confirmed"})),
        )
        .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(r.json()["status"], "confirmed");
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/sessions/{session}"),
            Some(&lecturer),
            None,
        )
        .await;
    assert_eq!(r.json()["confirmed"], 1);
    assert_eq!(r.json()["signups"][0]["status"], "confirmed");
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE kind = 'lecturer_confirmed'")
            .await,
        1
    );
    // A confirmed lecturer says why; withdrawing tells the coordinators.
    let r = app.api(Method::DELETE, &path, Some(&lecturer), None).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "reason", "{}", r.text);
    let r = app
        .api(
            Method::DELETE,
            &format!("{path}?reason=Sjuk%20den%20dagen"),
            Some(&lecturer),
            None,
        )
        .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(r.json()["status"], "withdrawn");
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE kind = 'lecturer_withdrawn'")
            .await,
        1
    );
}

/// Adds a session to `offering` through the API; returns its id.
async fn session(
    app: &TestApp,
    token: &str,
    offering: i64,
    starts: &str,
    ends: &str,
    topic: &str,
    needed: i64,
) -> i64 {
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/offerings/{offering}/sessions"),
            Some(token),
            Some(json!({"starts_at": starts, "ends_at": ends, "topic": topic, "lecturers_needed": needed})),
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    r.json()["id"].as_i64().expect("id")
}

/// A third nurse, Märta Ek, in `unit`.
async fn marta_ek(app: &TestApp, unit: i64) -> i64 {
    app.add_person(oncotrack::organisation::store::NewPerson {
        name: "Märta Ek".into(),
        email: "marta.ek@test.example".into(),
        hsa_id: None,
        profession: oncotrack::organisation::model::Profession::Nurse,
        unit_id: unit,
        from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date"),
    })
    .await
}

async fn signup_id(app: &TestApp, session: i64) -> i64 {
    app.query(move |c| {
        c.query_row(
            "SELECT u.id FROM lecturer_signup u JOIN account a ON a.id = u.account_id
             WHERE u.session_id = ?1 AND a.email = 'lecturer@test.example'",
            [session],
            |r| r.get(0),
        )
    })
    .await
}

#[tokio::test]
async fn the_catalogue_form_creates_courses_and_re_renders_mistakes() {
    let app = TestApp::new().await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = coordinator
        .post(
            "/courses/new",
            &[
                ("code", "CYTO-G"),
                ("title_sv", "Cytostatikakörkort – grundkurs"),
                ("title_en", "Chemotherapy licence – basic course"),
                ("syllabus", "Webbstudier och träff med riskbedömning."),
                ("length_hours", "25"),
                ("licence", "CYTO"),
                ("part", "theory"),
                ("audience", "nurse"),
                ("audience", "assistant_nurse"),
                ("active", "1"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let page = coordinator.get(r.location().expect("location")).await;
    assert!(page.text.contains("Webbstudier och träff"), "{}", page.text);
    assert!(page.text.contains("Sjuksköterska"), "{}", page.text);
    // The same code again, and hours that are not a number: the form comes
    // back with the input kept and the fields named.
    let r = coordinator
        .post(
            "/courses/new",
            &[
                ("code", "cyto-g"),
                ("title_sv", "Ny titel"),
                ("title_en", "New title"),
                ("length_hours", "många"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("length_hours"), "{}", r.text);
    assert!(r.text.contains("Ny titel"));
    // Beside the field, the message in the page's language only.
    assert!(
        r.text
            .contains(r#"<p class="error">ett heltal från 1 till 10000</p>"#)
            || r.text.contains("-error\">ett heltal från 1 till 10000</p>"),
        "{}",
        r.text
    );
    assert!(
        !r.text.contains("a whole number from 1 to 10000"),
        "no English on a Swedish page: {}",
        r.text
    );
    // The summary names the field by its label, not its internal name.
    assert!(
        r.text.contains(
            r##"<li><a href="#f-length_hours">Omfattning (timmar)</a>: ett heltal från 1 till 10000</li>"##
        ),
        "{}",
        r.text
    );
    assert!(!r.text.contains("<li>length_hours:"), "{}", r.text);
    let r = coordinator
        .post(
            "/courses/new",
            &[
                ("code", "cyto-g"),
                ("title_sv", "Ny titel"),
                ("title_en", "New title"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("en annan kurs har denna kod"), "{}", r.text);
    assert_eq!(app.count("SELECT count(*) FROM course").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM course_audience").await, 2);
    // Staff read the catalogue but cannot add to it.
    let mut staff = app.login_as(Role::Staff).await;
    let r = staff.get("/courses").await;
    assert!(r.text.contains("CYTO-G"));
    assert!(!r.text.contains("/courses/new"));
    assert_status(&staff.get("/courses/new").await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_session_form_refuses_a_time_in_the_spring_gap() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let (offering, _) = offering_with_session(&app, &token, "K1").await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = coordinator
        .post(
            &format!("/offerings/{offering}/sessions"),
            &[
                ("starts_at", "2026-03-29T02:15"),
                ("ends_at", "2026-03-29T04:00"),
                ("topic", "Nattpass"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("2026-03-29 02:15 finns inte"), "{}", r.text);
    assert!(r.text.contains("Nattpass"), "the input is kept");
    assert_eq!(app.count("SELECT count(*) FROM course_session").await, 1);
}

#[tokio::test]
async fn a_lecturer_volunteers_from_the_board_and_is_warned_of_an_overlap() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let (offering, first) = offering_with_session(&app, &token, "K1").await;
    // 09:00-10:30 is the first; this one overlaps it by half an hour.
    let second = session(
        &app,
        &token,
        offering,
        "2026-04-14T10:00",
        "2026-04-14T11:00",
        "Biverkningar och extravasering",
        1,
    )
    .await;
    let mut lecturer = app.login_as(Role::Lecturer).await;
    let board = lecturer.get("/lecturers-wanted").await;
    assert_status(&board, StatusCode::OK);
    assert!(board.text.contains("Säker hantering av cytostatika"));
    assert!(board.text.contains("Biverkningar och extravasering"));
    // Summer time on the page: 09:00 local.
    assert!(
        board.visible().contains("2026-04-14 09:00"),
        "{}",
        board.text
    );
    let r = lecturer
        .post(
            &format!("/sessions/{first}/volunteer"),
            &[("note", "Gärna"), ("next", "/lecturers-wanted")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/lecturers-wanted?msg=common.saved"));
    let r = lecturer
        .post(
            &format!("/sessions/{second}/volunteer"),
            &[("next", "/lecturers-wanted")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let warned = lecturer.get(r.location().expect("location")).await;
    assert!(
        warned.text.contains("du har redan ett pass samtidigt"),
        "{}",
        warned.text
    );
    assert!(
        warned
            .text
            .contains("Säker hantering av cytostatika 2026-04-14 09:00")
    );
    assert_eq!(
        app.count("SELECT count(*) FROM lecturer_signup WHERE status = 'volunteered'")
            .await,
        2
    );
    // Filters: topic text.
    let r = lecturer.get("/lecturers-wanted?topic=extravas").await;
    assert!(r.text.contains("Biverkningar"));
    assert!(!r.text.contains("Säker hantering av cytostatika"));
    // The coordinator confirms the first; the second is then refused, naming it.
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = coordinator
        .post(
            &format!("/signups/{}/confirm", signup_id(&app, first).await),
            &[],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let r = coordinator
        .post(
            &format!("/signups/{}/confirm", signup_id(&app, second).await),
            &[],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("Säker hantering av cytostatika 2026-04-14 09:00"),
        "{}",
        r.text
    );
    assert_eq!(
        app.count("SELECT count(*) FROM lecturer_signup WHERE status = 'confirmed'")
            .await,
        1
    );
    // A full session leaves the board.
    let board = lecturer.get("/lecturers-wanted").await;
    assert!(!board.text.contains("Säker hantering av cytostatika"));
    // Messages: one confirmation to the lecturer, in her language (Swedish:
    // her account chose none), and in that language only.
    let body: String = app
        .query(|c| {
            c.query_row(
                "SELECT body FROM outbox WHERE kind = 'lecturer_confirmed'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert!(body.starts_with("Du är bekräftad"), "{body}");
    assert!(!body.contains("You are confirmed"), "{body}");
}

#[tokio::test]
async fn confirming_more_lecturers_than_needed_is_refused() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let (_, s) = offering_with_session(&app, &token, "K1").await;
    // Another lecturer (the administrator's account) is already confirmed.
    app.state
        .db
        .write(move |tx| -> Result<(), oncotrack::db::DbError> {
            tx.execute(
                "INSERT INTO lecturer_signup (session_id, account_id, status, created_at, updated_at)
                 SELECT ?1, id, 'confirmed', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'
                 FROM account WHERE email = 'admin@test.example'",
                [s],
            )?;
            Ok(())
        })
        .await
        .expect("insert");
    let lecturer = app.token_for(Role::Lecturer).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/sessions/{s}/signups"),
            Some(&lecturer),
            None,
        )
        .await;
    // Not on the board any more, but an offer is still taken.
    assert_status(&r, StatusCode::CREATED);
    let signup = r.json()["id"].as_i64().expect("id");
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/signups/{signup}"),
            Some(&token),
            Some(json!({"status": "confirmed"})),
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("needs 1 lecturers"), "{}", r.text);
    // Declining is always possible, and tells the lecturer.
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/signups/{signup}"),
            Some(&token),
            Some(json!({"status": "declined"})),
        )
        .await;
    assert_status(&r, StatusCode::OK);
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE kind = 'lecturer_declined' AND to_email = 'lecturer@test.example'").await,
        1
    );
}

#[tokio::test]
async fn withdrawing_tells_the_coordinators_and_cancelling_tells_the_confirmed() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let (offering, s) = offering_with_session(&app, &token, "K1").await;
    let mut lecturer = app.login_as(Role::Lecturer).await;
    lecturer
        .post(
            &format!("/sessions/{s}/volunteer"),
            &[("next", "/teaching")],
        )
        .await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    coordinator
        .post(
            &format!("/signups/{}/confirm", signup_id(&app, s).await),
            &[],
        )
        .await;
    let page = lecturer.get("/teaching").await;
    assert!(
        page.text.contains("Säker hantering av cytostatika"),
        "{}",
        page.text
    );
    // Confirmed: the page links to the step before, which asks why.
    assert!(
        page.text.contains(&format!("/sessions/{s}/withdraw?next=")),
        "{}",
        page.text
    );
    let step = lecturer
        .get(&format!("/sessions/{s}/withdraw?next=/teaching"))
        .await;
    assert_status(&step, StatusCode::OK);
    assert!(
        step.text.contains("koordinatorer får besked"),
        "{}",
        step.text
    );
    let r = lecturer
        .post(&format!("/sessions/{s}/withdraw"), &[("next", "/teaching")])
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE kind = 'lecturer_withdrawn'")
            .await,
        0
    );
    let r = lecturer
        .post(
            &format!("/sessions/{s}/withdraw"),
            &[("next", "/teaching"), ("reason", "Krock med en operation")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let to: String = app
        .query(|c| {
            c.query_row(
                "SELECT to_email FROM outbox WHERE kind = 'lecturer_withdrawn'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(to, "coordinator@test.example");
    // Volunteer again, be confirmed again, then the offering is cancelled.
    lecturer
        .post(
            &format!("/sessions/{s}/volunteer"),
            &[("next", "/teaching")],
        )
        .await;
    coordinator
        .post(
            &format!("/signups/{}/confirm", signup_id(&app, s).await),
            &[],
        )
        .await;
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE kind = 'lecturer_confirmed'")
            .await,
        2,
        "each confirmation is its own message"
    );
    let before = app.count("SELECT sequence FROM offering").await;
    let r = coordinator
        .post(
            &format!("/offerings/{offering}/status"),
            &[("status", "cancelled"), ("reason", "För få anmälda")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT sequence FROM offering").await, before + 1);
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE kind = 'offering_cancelled' AND to_email = 'lecturer@test.example'").await,
        1
    );
    // Cancelled is final.
    let r = coordinator
        .post(
            &format!("/offerings/{offering}/status"),
            &[("status", "open")],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    let board = lecturer.get("/lecturers-wanted").await;
    assert!(!board.text.contains("Säker hantering"));
}

#[tokio::test]
async fn editing_a_session_moves_its_sequence_and_keeps_local_time() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let (_, s) = offering_with_session(&app, &token, "K1").await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = coordinator.get(&format!("/sessions/{s}/edit")).await;
    assert!(r.text.contains("2026-04-14T09:00"), "{}", r.text);
    let r = coordinator
        .post(
            &format!("/sessions/{s}/edit"),
            &[
                ("starts_at", "2026-04-14T13:00"),
                ("ends_at", "2026-04-14T15:00"),
                ("topic", "Säker hantering, del 2"),
                ("lecturers_needed", "2"),
                ("place", "Sal 4"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let (starts, sequence, place): (String, i64, String) = app
        .query(move |c| {
            c.query_row(
                "SELECT starts_at, sequence, place FROM course_session WHERE id = ?1",
                [s],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .await;
    assert_eq!(starts, "2026-04-14T11:00:00Z");
    assert_eq!(sequence, 1);
    assert_eq!(place, "Sal 4");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'session.update'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_teaching_record_lists_held_sessions_and_exports_csv() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let (_, s) = offering_with_session(&app, &token, "K1").await;
    let lecturer = app.token_for(Role::Lecturer).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/sessions/{s}/signups"),
            Some(&lecturer),
            None,
        )
        .await;
    let id = r.json()["id"].as_i64().expect("id");
    app.api(
        Method::PATCH,
        &format!("/api/v1/signups/{id}"),
        Some(&token),
        Some(json!({"status": "confirmed"})),
    )
    .await;
    // After the course.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-04-20T08:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc),
    );
    // Too late to withdraw: what was taught stays on the record.
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/sessions/{s}/signups"),
            Some(&lecturer),
            None,
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    let mut browser = app.login_as(Role::Lecturer).await;
    let r = browser.get("/teaching.csv").await;
    assert_status(&r, StatusCode::OK);
    assert!(r.bytes.starts_with("\u{feff}".as_bytes()));
    assert!(
        r.text
            .contains("Börjar;Slutar;Minuter;Kurs;Titel;Ämne;Plats"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("2026-04-14 09:00;2026-04-14 10:30;90;K1"),
        "{}",
        r.text
    );
    let r = browser.get("/teaching.csv?sep=,&lang=en").await;
    assert!(
        r.text
            .contains("Starts,Ends,Minutes,Course,Title,Topic,Place"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("2026-04-14 09:00,2026-04-14 10:30,90,K1,Chemotherapy licence"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn the_start_page_shows_offerings_at_risk_to_coordinators() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    // Starts 2026-04-14, six weeks and a day from 2026-03-02; one session
    // lacks its lecturer and nobody is enrolled below a minimum of 1.
    offering_with_session(&app, &token, "K1").await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = coordinator.get("/").await;
    assert!(r.text.contains("Inga tillfällen i riskzonen"), "{}", r.text);
    let r = coordinator.get("/?weeks=8").await;
    assert!(r.text.contains("Kurstillfällen i riskzonen"));
    assert!(r.text.contains("1 pass saknar föreläsare"), "{}", r.text);
    assert!(r.text.contains("0 / 1 antagna av minst"), "{}", r.text);
    let r = coordinator.get("/?weeks=many").await;
    assert_status(&r, StatusCode::BAD_REQUEST);
    let mut staff = app.login_as(Role::Staff).await;
    let r = staff.get("/?weeks=8").await;
    assert!(!r.text.contains("riskzonen"));
}

#[tokio::test]
async fn two_confirmations_at_once_cannot_double_book_a_lecturer() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let admin = app.token_for(Role::Admin).await;
    let lecturer = app.token_for(Role::Lecturer).await;
    let (offering, first) = offering_with_session(&app, &token, "K1").await;
    let second = session(
        &app,
        &token,
        offering,
        "2026-04-14T09:30",
        "2026-04-14T11:00",
        "Omvårdnad",
        1,
    )
    .await;
    let mut signups = Vec::new();
    for s in [first, second] {
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/sessions/{s}/signups"),
                Some(&lecturer),
                None,
            )
            .await;
        assert_status(&r, StatusCode::CREATED);
        signups.push(r.json()["id"].as_i64().expect("id"));
    }
    let (p1, p2) = (
        format!("/api/v1/signups/{}", signups[0]),
        format!("/api/v1/signups/{}", signups[1]),
    );
    let (a, b) = tokio::join!(
        app.api(
            Method::PATCH,
            &p1,
            Some(&token),
            Some(json!({"status": "confirmed"}))
        ),
        app.api(
            Method::PATCH,
            &p2,
            Some(&admin),
            Some(json!({"status": "confirmed"}))
        ),
    );
    let mut codes = [a.status, b.status];
    codes.sort();
    assert_eq!(codes, [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY]);
    assert_eq!(
        app.count("SELECT count(*) FROM lecturer_signup WHERE status = 'confirmed'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_board_filters_by_course_and_hides_what_is_not_wanted() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    offering_with_session(&app, &token, "K1").await;
    let (o2, _) = offering_with_session(&app, &token, "K2").await;
    // A session that has begun is not wanted any more.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-04-14T07:30:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc),
    );
    let later = session(
        &app,
        &token,
        o2,
        "2026-04-15T13:00",
        "2026-04-15T14:00",
        "Eftermiddagspass",
        1,
    )
    .await;
    let mut lecturer = app.login_as(Role::Lecturer).await;
    let r = lecturer.get("/lecturers-wanted").await;
    assert!(
        !r.text.contains("Säker hantering av cytostatika"),
        "{}",
        r.text
    );
    assert!(r.text.contains("Eftermiddagspass"));
    let r = lecturer.get("/lecturers-wanted?course=k1").await;
    assert!(!r.text.contains("Eftermiddagspass"));
    let r = lecturer
        .get("/lecturers-wanted?course=K2&topic=efter")
        .await;
    assert!(r.text.contains(&format!("/sessions/{later}/volunteer")));
    // Volunteering for a session that has begun is refused.
    let r = lecturer.post("/sessions/1/volunteer", &[]).await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("passet har börjat"), "{}", r.text);
}

#[tokio::test]
async fn counts_and_full_come_from_the_enrolments() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    // Capacity 2, minimum 1.
    let (offering, _) = offering_with_session(&app, &token, "K1").await;
    let (nurse, other, unit) = (app.fixture.nurse, app.fixture.other_nurse, app.fixture.onk1);
    let third = marta_ek(&app, unit).await;
    app.state
        .db
        .write(move |tx| -> Result<(), oncotrack::db::DbError> {
            for (person, status) in [(nurse, "enrolled"), (other, "enrolled"), (third, "waitlisted")] {
                tx.execute(
                    "INSERT INTO enrolment (offering_id, person_id, status, queued_at) VALUES (?1, ?2, ?3, '2026-03-02T09:00:00Z')",
                    rusqlite::params![offering, person, status],
                )?;
            }
            Ok(())
        })
        .await
        .expect("enrolments");
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/offerings/{offering}"),
            Some(&token),
            None,
        )
        .await;
    let o = r.json();
    assert_eq!(
        (o["enrolled"].as_i64(), o["waitlisted"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(o["full"], true);
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let page = coordinator.get(&format!("/offerings/{offering}")).await;
    assert!(page.text.contains("Fullt"), "{}", page.text);
    let list = coordinator.get("/offerings").await;
    assert!(list.text.contains("2 / 2"), "{}", list.text);
    assert!(list.text.contains("1 pass saknar föreläsare"));
    // Enough participants now: only the lecturers are short.
    let home = coordinator.get("/?weeks=8").await;
    assert!(home.text.contains("1 pass saknar föreläsare"));
    assert!(!home.text.contains("antagna av minst"), "{}", home.text);
}

#[tokio::test]
async fn an_offering_is_edited_and_moves_from_planned_to_open_to_completed() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let (offering, _) = offering_with_session(&app, &token, "K1").await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let fields = [
        ("course", "K1"),
        ("starts_on", "2026-04-21"),
        ("ends_on", "2026-04-22"),
        ("place", "Teams"),
        ("capacity", "30"),
        ("min_participants", "5"),
        ("enrolment_opens", "2026-03-01"),
        ("enrolment_closes", "2026-04-10"),
    ];
    let r = coordinator
        .post(&format!("/offerings/{offering}/edit"), &fields)
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let mut bad = fields;
    bad[4] = ("capacity", "0");
    let r = coordinator
        .post(&format!("/offerings/{offering}/edit"), &bad)
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("ett heltal från 1"), "{}", r.text);
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/offerings/{offering}"),
            Some(&token),
            None,
        )
        .await;
    let o = r.json();
    assert_eq!(
        (o["place"].as_str(), o["capacity"].as_i64()),
        (Some("Teams"), Some(30))
    );
    assert_eq!(o["sequence"], 1, "an edit moves the calendar sequence");
    // Planned cannot jump to completed; open first.
    let status = |s: &'static str| [("status", s)];
    let path = format!("/offerings/{offering}/status");
    assert_status(
        &coordinator.post(&path, &status("completed")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_status(
        &coordinator.post(&path, &status("open")).await,
        StatusCode::SEE_OTHER,
    );
    assert_status(
        &coordinator.post(&path, &status("completed")).await,
        StatusCode::SEE_OTHER,
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'offering.status'")
            .await,
        2
    );
    let page = coordinator.get(&format!("/offerings/{offering}")).await;
    assert!(page.text.contains("Genomfört"));
    assert!(
        !page.text.contains("Lägg till pass"),
        "a completed offering takes no sessions"
    );
}

#[tokio::test]
async fn the_board_shows_fifty_sessions_a_page_soonest_first() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let (offering, _) = offering_with_session(&app, &token, "K1").await;
    // A course that runs into June, so that its sessions lie on its days.
    app.state
        .db
        .write(move |tx| -> Result<(), oncotrack::db::DbError> {
            tx.execute(
                "UPDATE offering SET ends_on = '2026-06-30' WHERE id = ?1",
                [offering],
            )?;
            Ok(())
        })
        .await
        .expect("longer offering");
    // 60 more sessions, one a day from 15 April, each with its own topic.
    for n in 0..60 {
        let day =
            chrono::NaiveDate::from_ymd_opt(2026, 4, 15).expect("date") + chrono::Days::new(n);
        session(
            &app,
            &token,
            offering,
            &format!("{day}T13:00"),
            &format!("{day}T14:00"),
            &format!("Pass nummer {n:02}"),
            1,
        )
        .await;
    }
    let mut lecturer = app.login_as(Role::Lecturer).await;
    let first = lecturer.get("/lecturers-wanted?topic=Pass").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.text.contains("Pass nummer 00"), "soonest first");
    assert!(first.text.contains("Pass nummer 49"));
    assert!(!first.text.contains("Pass nummer 50"), "fifty a page");
    assert!(
        first
            .text
            .contains("href=\"/lecturers-wanted?topic=Pass&amp;page=2\""),
        "{}",
        first.text
    );
    let second = lecturer.get("/lecturers-wanted?topic=Pass&page=2").await;
    assert!(second.text.contains("Pass nummer 50") && second.text.contains("Pass nummer 59"));
    assert!(!second.text.contains("Pass nummer 49"));
    assert!(!second.text.contains("page=3"), "no page after the last");
}

#[tokio::test]
async fn cancelling_a_session_tells_its_confirmed_lecturer_and_the_participants() {
    let app = TestApp::new().await;
    let coordinator = app.token_for(Role::Coordinator).await;
    let lecturer = app.token_for(Role::Lecturer).await;
    let (offering, session) = offering_with_session(&app, &coordinator, "K1").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/sessions/{session}/signups"),
            Some(&lecturer),
            None,
        )
        .await;
    assert_status(&r, StatusCode::CREATED);
    let signup = r.json()["id"].as_i64().expect("signup");
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/signups/{signup}"),
            Some(&coordinator),
            Some(json!({"status": "confirmed"})),
        )
        .await;
    assert_status(&r, StatusCode::OK);
    // One participant holds a place, one waits, one cancelled.
    let (nurse, other, unit) = (app.fixture.nurse, app.fixture.other_nurse, app.fixture.onk1);
    let third = marta_ek(&app, unit).await;
    app.state
        .db
        .write(move |tx| -> Result<(), oncotrack::db::DbError> {
            for (person, status) in [(nurse, "enrolled"), (other, "waitlisted"), (third, "cancelled")] {
                tx.execute(
                    "INSERT INTO enrolment (offering_id, person_id, status, queued_at) VALUES (?1, ?2, ?3, '2026-03-02T09:00:00Z')",
                    rusqlite::params![offering, person, status],
                )?;
            }
            Ok(())
        })
        .await
        .expect("enrolments");

    let mut page = app.login_as(Role::Coordinator).await;
    let r = page
        .post(
            &format!("/sessions/{session}/cancel"),
            &[("reason", "Föreläsaren är sjuk")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let notices: Vec<(Option<i64>, Option<i64>, String)> = app
        .query(|c| {
            c.prepare(
                "SELECT recipient_person_id, recipient_account_id, body FROM outbox
                 WHERE kind = 'session_cancelled' ORDER BY id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect()
        })
        .await;
    assert_eq!(notices.len(), 2, "{notices:?}");
    let to_lecturer = notices
        .iter()
        .find(|n| n.1.is_some())
        .expect("the confirmed lecturer is told");
    assert!(
        to_lecturer.2.contains("behöver inte komma"),
        "{}",
        to_lecturer.2
    );
    // In the lecturer's language (Swedish) only.
    assert!(
        !to_lecturer.2.contains("need not come"),
        "{}",
        to_lecturer.2
    );
    let to_participant = notices
        .iter()
        .find(|n| n.0.is_some())
        .expect("the participant is told");
    assert_eq!(
        to_participant.0,
        Some(nurse),
        "only the one holding a place"
    );
    assert!(
        to_participant.2.contains("övriga pass"),
        "{}",
        to_participant.2
    );

    // Cancelling again is refused and tells nobody twice.
    let r = page
        .post(
            &format!("/sessions/{session}/cancel"),
            &[("reason", "Föreläsaren är sjuk")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE kind = 'session_cancelled'")
            .await,
        2
    );
    // The notices read as such on the messages page.
    let mut sara = app.login_as(Role::Staff).await;
    let messages = sara.get("/messages").await;
    assert!(messages.text.contains("Pass inställt"), "{}", messages.text);
}

#[tokio::test]
async fn moving_a_session_cannot_put_a_confirmed_lecturer_in_two_places() {
    let app = TestApp::new().await;
    let coordinator = app.token_for(Role::Coordinator).await;
    let lecturer = app.token_for(Role::Lecturer).await;
    let (offering, morning) = offering_with_session(&app, &coordinator, "K1").await;
    // 09:00-10:30 and 13:00-14:00, both taught by the same lecturer.
    let afternoon = session(
        &app,
        &coordinator,
        offering,
        "2026-04-14T13:00",
        "2026-04-14T14:00",
        "Biverkningar",
        1,
    )
    .await;
    for s in [morning, afternoon] {
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/sessions/{s}/signups"),
                Some(&lecturer),
                None,
            )
            .await;
        assert_status(&r, StatusCode::CREATED);
        let r = app
            .api(
                Method::PATCH,
                &format!("/api/v1/signups/{}", signup_id(&app, s).await),
                Some(&coordinator),
                Some(json!({"status": "confirmed"})),
            )
            .await;
        assert_status(&r, StatusCode::OK);
    }
    let mut page = app.login_as(Role::Coordinator).await;
    let edit = |starts: &'static str, ends: &'static str| {
        [
            ("starts_at", starts),
            ("ends_at", ends),
            ("topic", "Biverkningar"),
            ("lecturers_needed", "1"),
            ("place", ""),
        ]
    };
    let r = page
        .post(
            &format!("/sessions/{afternoon}/edit"),
            &edit("2026-04-14T10:00", "2026-04-14T11:00"),
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("samtidigt"), "{}", r.text);
    let starts: String = app
        .query(move |c| {
            c.query_row(
                "SELECT starts_at FROM course_session WHERE id = ?1",
                [afternoon],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(starts, "2026-04-14T11:00:00Z", "unchanged");
    // Back to back is not at the same time.
    let r = page
        .post(
            &format!("/sessions/{afternoon}/edit"),
            &edit("2026-04-14T10:30", "2026-04-14T11:30"),
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_api_refusal_is_worded_in_the_language_asked_for() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let (_, s) = offering_with_session(&app, &token, "K1").await;
    // The one lecturer the session needs is confirmed already.
    app.state
        .db
        .write(move |tx| -> Result<(), oncotrack::db::DbError> {
            tx.execute(
                "INSERT INTO lecturer_signup (session_id, account_id, status, created_at, updated_at)
                 SELECT ?1, id, 'confirmed', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'
                 FROM account WHERE email = 'admin@test.example'",
                [s],
            )?;
            Ok(())
        })
        .await
        .expect("insert");
    let lecturer = app.token_for(Role::Lecturer).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/sessions/{s}/signups"),
            Some(&lecturer),
            None,
        )
        .await;
    let signup = r.json()["id"].as_i64().expect("id");
    let confirm = |lang: Option<&'static str>| {
        let (app, token) = (&app, &token);
        async move {
            app.api_in(
                lang,
                Method::PATCH,
                &format!("/api/v1/signups/{signup}"),
                Some(token),
                Some(json!({"status": "confirmed"})),
            )
            .await
        }
    };
    let sv = confirm(Some("sv")).await;
    crate::support::assert_problem(&sv, StatusCode::UNPROCESSABLE_ENTITY, "status");
    let detail = sv.json()["detail"].as_str().unwrap_or_default().to_string();
    assert!(
        detail.contains("passet behöver 1 föreläsare och har dem"),
        "{detail}"
    );
    assert!(!detail.contains("needs"), "no English in Swedish: {detail}");
    let en = confirm(Some("en")).await;
    crate::support::assert_problem(&en, StatusCode::UNPROCESSABLE_ENTITY, "status");
    let detail = en.json()["detail"].as_str().unwrap_or_default().to_string();
    assert!(
        detail.contains("the session needs 1 lecturers and has them"),
        "{detail}"
    );
    assert!(
        !detail.contains("behöver"),
        "no Swedish in English: {detail}"
    );
    // Without Accept-Language, Swedish.
    let none = confirm(None).await;
    assert!(none.text.contains("passet behöver"), "{}", none.text);
}

#[tokio::test]
async fn the_course_form_in_english_names_fields_by_label_in_english_only() {
    let app = TestApp::new().await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    coordinator
        .post("/lang", &[("lang", "en"), ("next", "/courses/new")])
        .await;
    let r = coordinator
        .post(
            "/courses/new",
            &[
                ("code", "fel kod!"),
                ("title_sv", "Titel"),
                ("title_en", ""),
                ("length_hours", "många"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
    for shown in [
        r##"<a href="#f-length_hours">Length (hours)</a>: a whole number from 1 to 10000"##,
        r##"<a href="#f-code">Code</a>: letters, digits, - and _, at most 20"##,
        r##"<a href="#f-title_en">Title (English)</a>: required"##,
    ] {
        assert!(r.text.contains(shown), "{shown}: {}", r.text);
    }
    for hidden in [
        "ett heltal",
        "bokstäver, siffror",
        "obligatoriskt",
        "length_hours:",
    ] {
        assert!(!r.text.contains(hidden), "{hidden}: {}", r.text);
    }
    assert_eq!(app.count("SELECT count(*) FROM course").await, 0);
}

#[tokio::test]
async fn notices_are_written_in_each_recipients_language() {
    let app = TestApp::new().await;
    let coordinator = app.token_for(Role::Coordinator).await;
    let (offering, session) = offering_with_session(&app, &coordinator, "K1").await;
    // The lecturer's account chose English; the participant's nothing.
    let mut lecturer_page = app.login_as(Role::Lecturer).await;
    lecturer_page
        .post("/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let lecturer = app.token_for(Role::Lecturer).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/sessions/{session}/signups"),
            Some(&lecturer),
            None,
        )
        .await;
    let signup = r.json()["id"].as_i64().expect("signup");
    let r = app
        .api_in(
            Some("sv"),
            Method::PATCH,
            &format!("/api/v1/signups/{signup}"),
            Some(&coordinator),
            Some(json!({"status": "confirmed"})),
        )
        .await;
    assert_status(&r, StatusCode::OK);
    let nurse = app.fixture.nurse;
    app.state
        .db
        .write(move |tx| -> Result<usize, oncotrack::db::DbError> {
            Ok(tx.execute(
                "INSERT INTO enrolment (offering_id, person_id, status, queued_at) VALUES (?1, ?2, 'enrolled', '2026-03-02T09:00:00Z')",
                rusqlite::params![offering, nurse],
            )?)
        })
        .await
        .expect("enrolment");
    let mut page = app.login_as(Role::Coordinator).await;
    let r = page
        .post(
            &format!("/sessions/{session}/cancel"),
            &[("reason", "Föreläsaren är sjuk")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let mail: Vec<(String, Option<i64>, String, String)> = app
        .query(|c| {
            c.prepare("SELECT kind, recipient_person_id, subject, body FROM outbox ORDER BY id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect()
        })
        .await;
    let find = |kind: &str, person: bool| {
        mail.iter()
            .find(|m| m.0 == kind && m.1.is_some() == person)
            .unwrap_or_else(|| panic!("{kind}: {mail:?}"))
    };
    let confirmed = find("lecturer_confirmed", false);
    assert!(
        confirmed
            .2
            .starts_with("Confirmed: K1 Chemotherapy licence – basic course"),
        "{confirmed:?}"
    );
    assert!(
        confirmed.3.starts_with("You are confirmed"),
        "{confirmed:?}"
    );
    assert!(!confirmed.3.contains("bekräftad"), "{confirmed:?}");
    let to_lecturer = find("session_cancelled", false);
    assert!(
        to_lecturer
            .2
            .starts_with("Session cancelled: K1 Chemotherapy licence"),
        "{to_lecturer:?}"
    );
    assert!(to_lecturer.3.contains("need not come"), "{to_lecturer:?}");
    assert!(!to_lecturer.3.contains("inställt"), "{to_lecturer:?}");
    let to_nurse = find("session_cancelled", true);
    assert!(
        to_nurse
            .2
            .starts_with("Inställt pass: K1 Cytostatikakörkort – grundkurs"),
        "{to_nurse:?}"
    );
    assert!(to_nurse.3.contains("övriga pass"), "{to_nurse:?}");
    assert!(!to_nurse.3.contains("cancelled"), "{to_nurse:?}");
}

#[tokio::test]
async fn cancelling_an_offering_or_a_session_asks_for_a_reason_first() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let (offering, session) = offering_with_session(&app, &token, "CYTO-C").await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    // The offering page links to the step; it does not cancel in one click.
    let page = coordinator.get(&format!("/offerings/{offering}")).await;
    assert!(
        page.text
            .contains(&format!(r#"href="/offerings/{offering}/cancel""#)),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains(&format!(r#"href="/sessions/{session}/cancel""#)),
        "{}",
        page.text
    );
    let step = coordinator
        .get(&format!("/offerings/{offering}/cancel"))
        .await;
    assert_status(&step, StatusCode::OK);
    assert!(
        step.visible()
            .contains("0 antagna och 0 på reservlistan får besked"),
        "{}",
        step.text
    );
    assert!(step.text.contains(r#"name="reason""#), "{}", step.text);
    // Without a reason: the step again, with the message, and nothing done.
    for reason in ["", "   "] {
        let r = coordinator
            .post(
                &format!("/offerings/{offering}/status"),
                &[("status", "cancelled"), ("reason", reason)],
            )
            .await;
        assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text.contains(r##"href="#f-reason">Skäl</a>"##),
            "{}",
            r.text
        );
        let r = coordinator
            .post(
                &format!("/sessions/{session}/cancel"),
                &[("reason", reason)],
            )
            .await;
        assert_status(&r, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("Ställ in passet"), "{}", r.text);
    }
    assert_eq!(
        app.count("SELECT count(*) FROM course_session WHERE cancelled_at IS NOT NULL")
            .await,
        0
    );
    // With one: done, and the reason is in the log.
    let r = coordinator
        .post(
            &format!("/sessions/{session}/cancel"),
            &[("reason", "Salen är dubbelbokad")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let r = coordinator
        .post(
            &format!("/offerings/{offering}/status"),
            &[
                ("status", "cancelled"),
                ("reason", "Kursledaren är föräldraledig"),
            ],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let reasons: Vec<String> = app
        .query(|c| {
            c.prepare(
                "SELECT json_extract(after, '$.reason') FROM audit_log
                 WHERE action IN ('session.cancel', 'offering.status') ORDER BY id",
            )?
            .query_map([], |r| r.get(0))?
            .collect()
        })
        .await;
    assert_eq!(
        reasons,
        ["Salen är dubbelbokad", "Kursledaren är föräldraledig"]
    );
}

#[tokio::test]
async fn a_lecturers_start_page_shows_their_sessions_and_requests_that_suit_them() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let (offering, taught) = offering_with_session(&app, &token, "K1").await;
    let same_course = session(
        &app,
        &token,
        offering,
        "2026-04-15T09:00",
        "2026-04-15T10:00",
        "Biverkningar och extravasering",
        1,
    )
    .await;
    let (_, other) = offering_with_session(&app, &token, "K9").await;
    app.state
        .db
        .write(move |tx| -> Result<(), oncotrack::db::DbError> {
            tx.execute(
                "UPDATE course_session SET topic = 'Strålbehandlingens fysik' WHERE id = ?1",
                [other],
            )?;
            Ok(())
        })
        .await
        .expect("topic");
    let mut lecturer = app.login_as(Role::Lecturer).await;
    let r = lecturer
        .post(
            &format!("/sessions/{taught}/volunteer"),
            &[("next", "/lecturers-wanted")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = coordinator
        .post(
            &format!("/signups/{}/confirm", signup_id(&app, taught).await),
            &[],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);

    let home = lecturer.get("/").await;
    let text = home.visible();
    assert!(text.contains("Dina bekräftade pass"), "{text}");
    assert!(
        text.contains("tis 2026-04-14 09:00–10:30 K1 Säker hantering"),
        "{text}"
    );
    assert!(text.contains("Förfrågningar som passar dig"), "{text}");
    // Another session of a course she teaches, with its one-click sign-up.
    assert!(
        home.text
            .contains(&format!(r#"action="/sessions/{same_course}/volunteer""#)),
        "{}",
        home.text
    );
    // Not a course or topic she has taught.
    assert!(!text.contains("Strålbehandlingens fysik"), "{text}");
    // Signing up from the start page lands on the board, which says so.
    let r = lecturer
        .post(
            &format!("/sessions/{same_course}/volunteer"),
            &[("next", "/")],
        )
        .await;
    assert_status(&r, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/lecturers-wanted?msg=common.saved"));
}
