//! Enrolment through the pages and the API: the window and the audience, the
//! waitlist and its promotion under concurrent requests, cancelling, who may
//! enrol whom, attendance and completion with the licence it records, and
//! the participant exports.

use std::collections::BTreeSet;

use crate::enrolment_support::{Spec, hsa_of, nurses, offering};
use crate::support::TestApp;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use oncotrack::auth::model::Role;
use oncotrack::organisation::model::Profession;
use serde_json::json;
use tower::ServiceExt;

const SARA_HSA: &str = "SE9990000001-T0001";

async fn enrol_api(
    app: &TestApp,
    token: &str,
    offering: i64,
    body: serde_json::Value,
) -> crate::support::TestResponse {
    app.api(
        Method::POST,
        &format!("/api/v1/offerings/{offering}/enrolments"),
        Some(token),
        Some(body),
    )
    .await
}

async fn statuses(app: &TestApp, offering: i64) -> Vec<(i64, String)> {
    app.query(move |c| {
        c.prepare("SELECT person_id, status FROM enrolment WHERE offering_id = ?1 ORDER BY id")?
            .query_map([offering], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
    })
    .await
}

#[tokio::test]
async fn a_nurse_enrols_herself_and_joins_the_waitlist_when_full() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            capacity: 1,
            ..Spec::default()
        },
    )
    .await;
    let others = nurses(&app, 1, Profession::Nurse).await;
    let coordinator = app.token_for(Role::Coordinator).await;
    let r = enrol_api(
        &app,
        &coordinator,
        o,
        json!({"hsa_id": hsa_of(&app, others[0]).await}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["status"], "enrolled");
    assert!(r.json()["position"].is_null());

    let mut sara = app.login_as(Role::Staff).await;
    let page = sara.get(&format!("/offerings/{o}/enrol")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("Fullt"),
        "the page says the offering is full"
    );
    let r = sara.post(&format!("/offerings/{o}/enrol"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = sara.get(r.location().expect("redirect")).await;
    assert!(page.text.contains("reservlistan"), "{}", page.text);
    assert!(
        page.text.contains("plats 1"),
        "her waitlist position is shown"
    );
    let mine = sara.get("/enrolments").await;
    assert!(mine.text.contains("Reservlista") && mine.text.contains("plats 1"));
}

#[tokio::test]
async fn refusals_say_why() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let sara = json!({"hsa_id": SARA_HSA});

    let later = offering(
        &app,
        Spec {
            code: "LATER",
            opens: "2026-03-10",
            ..Spec::default()
        },
    )
    .await;
    let r = enrol_api(&app, &token, later, sara.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("not opened yet"), "{}", r.text);

    let doctors = offering(
        &app,
        Spec {
            code: "ST-ONK",
            audience: &["st_doctor", "physician"],
            ..Spec::default()
        },
    )
    .await;
    let r = enrol_api(&app, &token, doctors, sara.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "person");
    assert!(r.text.contains("profession"), "{}", r.text);

    let cancelled = offering(
        &app,
        Spec {
            code: "GONE",
            status: "cancelled",
            ..Spec::default()
        },
    )
    .await;
    let r = enrol_api(&app, &token, cancelled, sara.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("cancelled"), "{}", r.text);

    let o = offering(&app, Spec::default()).await;
    assert_eq!(
        enrol_api(&app, &token, o, sara.clone()).await.status,
        StatusCode::CREATED
    );
    let r = enrol_api(&app, &token, o, sara.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("already enrolled"), "{}", r.text);

    // The page shows the same reason beside the form.
    let mut staff = app.login_as(Role::Staff).await;
    let r = staff.post(&format!("/offerings/{later}/enrol"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("inte öppnat"), "{}", r.text);
    let r = staff
        .post(&format!("/offerings/{doctors}/enrol"), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("yrkesgrupp"), "{}", r.text);
    // The page says so before she tries, and offers no button.
    let page = staff.get(&format!("/offerings/{doctors}/enrol")).await;
    assert!(page.text.contains("yrkesgrupp"), "{}", page.text);
    assert!(!page.text.contains("Anmäl mig"), "{}", page.text);
    let page = staff.get(&format!("/offerings/{o}/enrol")).await;
    assert!(
        page.text.contains("Du är"),
        "her place on the open one: {}",
        page.text
    );
    // After the window closes (2026-03-31) nobody enrols.
    app.advance(60 * 24 * 30);
    let other = nurses(&app, 1, Profession::Nurse).await;
    let r = enrol_api(
        &app,
        &token,
        o,
        json!({"hsa_id": hsa_of(&app, other[0]).await}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("closed"), "{}", r.text);
}

#[tokio::test]
async fn bad_api_input_names_the_field_and_unknown_rows_are_404() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Coordinator).await;
    let o = offering(&app, Spec::default()).await;
    let r = enrol_api(&app, &token, o, json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "hsa_id");
    let r = enrol_api(&app, &token, o, json!({"hsa_id": "not an id"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "hsa_id");
    let r = enrol_api(&app, &token, o, json!({"email": "nobody"})).await;
    assert_eq!(r.json()["field"], "email", "{}", r.text);
    let r = enrol_api(&app, &token, o, json!({"hsa_id": 5})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "hsa_id");
    let r = enrol_api(&app, &token, o, json!({"email": "nobody@test.example"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = enrol_api(&app, &token, 999, json!({"hsa_id": SARA_HSA})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(statuses(&app, o).await.is_empty());
}

#[tokio::test]
async fn managers_enrol_their_own_staff_only_and_staff_only_themselves() {
    let app = TestApp::new().await;
    let o = offering(&app, Spec::default()).await;
    let other = json!({"hsa_id": "SE9990000001-T0002"});
    let manager = app.token_for(Role::Manager).await;
    assert_eq!(
        enrol_api(&app, &manager, o, other.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    let r = enrol_api(&app, &manager, o, json!({"email": "staff@test.example"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    let staff = app.token_for(Role::Staff).await;
    let colleague = nurses(&app, 1, Profession::Nurse).await;
    let r = enrol_api(
        &app,
        &staff,
        o,
        json!({"hsa_id": hsa_of(&app, colleague[0]).await}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "staff see only themselves");
    let study = app.token_for(Role::StudyDirector).await;
    let r = enrol_api(&app, &study, o, other.clone()).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "study directors see people but do not enrol them"
    );

    let coordinator = app.token_for(Role::Coordinator).await;
    assert_eq!(
        enrol_api(&app, &coordinator, o, other).await.status,
        StatusCode::CREATED
    );
    // Who enrolled is recorded.
    let by: Vec<String> = app
        .query(move |c| {
            c.prepare("SELECT a.email FROM enrolment e JOIN account a ON a.id = e.enrolled_by WHERE e.offering_id = ?1 ORDER BY e.id")?
                .query_map([o], |r| r.get(0))?
                .collect()
        })
        .await;
    assert_eq!(by, ["manager@test.example", "coordinator@test.example"]);
}

/// Sends requests at once through clones of the real router.
async fn concurrently(
    app: &TestApp,
    requests: Vec<Request<Body>>,
) -> Vec<(StatusCode, serde_json::Value)> {
    let mut set = tokio::task::JoinSet::new();
    for (i, req) in requests.into_iter().enumerate() {
        let router = app.router.clone();
        set.spawn(async move {
            let res = router.oneshot(req).await.expect("infallible");
            let status = res.status();
            let bytes = http_body_util::BodyExt::collect(res.into_body())
                .await
                .expect("body")
                .to_bytes();
            (
                i,
                status,
                serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
            )
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.expect("task"));
    }
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, s, v)| (s, v)).collect()
}

fn enrol_request(token: &str, offering: i64, hsa: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/offerings/{offering}/enrolments"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"hsa_id": hsa}).to_string()))
        .expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_enrolments_fill_ten_places_and_queue_the_rest_in_order() {
    let app = TestApp::new().await;
    let o = offering(&app, Spec::default()).await;
    let people = nurses(&app, 200, Profession::Nurse).await;
    let token = app.token_for(Role::Coordinator).await;
    let mut requests = Vec::new();
    for p in &people {
        requests.push(enrol_request(&token, o, &hsa_of(&app, *p).await));
    }
    let answers = concurrently(&app, requests).await;
    assert!(
        answers.iter().all(|(s, _)| *s == StatusCode::CREATED),
        "{answers:?}"
    );
    let enrolled = answers
        .iter()
        .filter(|(_, v)| v["status"] == "enrolled")
        .count();
    assert_eq!(enrolled, 10);
    let mut positions: Vec<i64> = answers
        .iter()
        .filter(|(_, v)| v["status"] == "waitlisted")
        .map(|(_, v)| v["position"].as_i64().expect("position"))
        .collect();
    positions.sort_unstable();
    assert_eq!(
        positions,
        (1..=190).collect::<Vec<i64>>(),
        "each answer got its own place"
    );

    // The stored order agrees with the answers: positions follow queued_at, id.
    let stored: Vec<(i64, i64, String)> = app
        .query(move |c| {
            c.prepare("SELECT id, person_id, status FROM enrolment WHERE offering_id = ?1 ORDER BY queued_at, id")?
                .query_map([o], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .await;
    assert_eq!(stored.len(), 200);
    let distinct: BTreeSet<i64> = stored.iter().map(|(_, p, _)| *p).collect();
    assert_eq!(distinct.len(), 200, "no one twice");
    assert!(
        stored[..10].iter().all(|(_, _, s)| s == "enrolled"),
        "the first ten hold the places"
    );
    assert!(stored[10..].iter().all(|(_, _, s)| s == "waitlisted"));
    let admin = app.token_for(Role::Admin).await;
    let list = app
        .api(
            Method::GET,
            &format!("/api/v1/offerings/{o}/enrolments"),
            Some(&admin),
            None,
        )
        .await
        .json();
    let by_id: std::collections::HashMap<i64, i64> = list["enrolments"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|e| e["status"] == "waitlisted")
        .map(|e| {
            (
                e["id"].as_i64().expect("id"),
                e["position"].as_i64().expect("pos"),
            )
        })
        .collect();
    for (k, (id, _, _)) in stored[10..].iter().enumerate() {
        assert_eq!(by_id[id], k as i64 + 1, "enrolment {id}");
    }
    for (answer, p) in answers.iter().zip(&people) {
        let (id, _, status) = stored
            .iter()
            .find(|(_, person, _)| person == p)
            .expect("stored");
        assert_eq!(answer.1["id"].as_i64(), Some(*id));
        assert_eq!(answer.1["status"].as_str(), Some(status.as_str()));
        if status == "waitlisted" {
            assert_eq!(answer.1["position"].as_i64(), Some(by_id[id]));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_person_enrolling_twice_at_once_gets_one_place_and_a_409() {
    let app = TestApp::new().await;
    let o = offering(&app, Spec::default()).await;
    let token = app.token_for(Role::Coordinator).await;
    let answers = concurrently(
        &app,
        vec![
            enrol_request(&token, o, SARA_HSA),
            enrol_request(&token, o, SARA_HSA),
        ],
    )
    .await;
    let mut codes: Vec<StatusCode> = answers.iter().map(|(s, _)| *s).collect();
    codes.sort();
    assert_eq!(codes, [StatusCode::CREATED, StatusCode::CONFLICT]);
    assert_eq!(statuses(&app, o).await.len(), 1);
}

#[tokio::test]
async fn cancelling_a_place_promotes_the_first_on_the_waitlist_and_tells_them() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            capacity: 2,
            ..Spec::default()
        },
    )
    .await;
    let people = nurses(&app, 4, Profession::Nurse).await;
    let token = app.token_for(Role::Coordinator).await;
    let mut ids = Vec::new();
    for p in &people {
        let r = enrol_api(&app, &token, o, json!({"hsa_id": hsa_of(&app, *p).await})).await;
        ids.push(r.json()["id"].as_i64().expect("id"));
        app.advance(1);
    }
    // Cancelling a waitlist place promotes nobody but moves the others up.
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/enrolments/{}", ids[2]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["promoted"], json!([]));
    let last = app
        .api(
            Method::GET,
            &format!("/api/v1/enrolments/{}", ids[3]),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(last["position"], 1);

    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/enrolments/{}/cancel", ids[0]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.json()["promoted"], json!([ids[3]]));
    let st = statuses(&app, o).await;
    assert_eq!(
        st.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(),
        ["cancelled", "enrolled", "cancelled", "enrolled"]
    );
    let person = people[3];
    let (kind, to): (String, i64) = app
        .query(move |c| {
            c.query_row(
                "SELECT kind, recipient_person_id FROM outbox WHERE kind = 'enrolment_promoted'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert_eq!((kind.as_str(), to), ("enrolment_promoted", person));
    let audit: i64 = app
        .query(|c| c.query_row("SELECT count(*) FROM audit_log WHERE action IN ('enrolment.cancel', 'enrolment.promote')", [], |r| r.get(0)))
        .await;
    assert_eq!(audit, 3);

    // Cancelling again changes nothing; after the start nobody cancels.
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/enrolments/{}", ids[0]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    app.clock.set(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 4, 10, 8, 0, 0)
            .single()
            .expect("t"),
    );
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/enrolments/{}", ids[1]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("started"), "{}", r.text);
}

#[tokio::test]
async fn a_nurse_cancels_her_own_place_on_her_page() {
    let app = TestApp::new().await;
    let o = offering(&app, Spec::default()).await;
    let mut sara = app.login_as(Role::Staff).await;
    assert_eq!(
        sara.post(&format!("/offerings/{o}/enrol"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let id: i64 = app
        .query(|c| c.query_row("SELECT id FROM enrolment", [], |r| r.get(0)))
        .await;
    let r = sara.post(&format!("/enrolments/{id}/cancel"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = sara.get(r.location().expect("to")).await;
    assert!(page.text.contains("Avanmälan är klar"), "{}", page.text);
    assert_eq!(statuses(&app, o).await[0].1, "cancelled");
    // Someone else's place is not hers to cancel.
    let coordinator = app.token_for(Role::Coordinator).await;
    let r = enrol_api(
        &app,
        &coordinator,
        o,
        json!({"hsa_id": "SE9990000001-T0002"}),
    )
    .await;
    let other = r.json()["id"].as_i64().expect("id");
    assert_eq!(
        sara.post(&format!("/enrolments/{other}/cancel"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn completing_records_the_licence_and_undoing_revokes_it() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            licence: Some("CYTO"),
            ..Spec::default()
        },
    )
    .await;
    let token = app.token_for(Role::Coordinator).await;
    let id = enrol_api(&app, &token, o, json!({"hsa_id": SARA_HSA}))
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    let mut coordinator = app.login_as(Role::Coordinator).await;
    // Not before the offering has started.
    let r = coordinator
        .post(
            &format!("/enrolments/{id}/complete"),
            &[("completed_on", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // The list comes back with the reason.
    assert!(r.text.contains("har inte börjat"), "{}", r.text);
    assert!(r.text.contains("Sara Sjöström"), "{}", r.text);
    app.clock.set(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 4, 20, 8, 0, 0)
            .single()
            .expect("t"),
    );
    // The session has run out meanwhile.
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = coordinator
        .post(
            &format!("/enrolments/{id}/attendance"),
            &[("attended", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = coordinator
        .post(
            &format!("/enrolments/{id}/complete"),
            &[("completed_on", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let (source, on, offering_id, linked): (String, String, i64, i64) = app
        .query(move |c| {
            c.query_row(
                "SELECT l.source, l.completed_on, l.offering_id, e.licence_completion_id FROM enrolment e
                 JOIN licence_completion l ON l.id = e.licence_completion_id WHERE e.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
        })
        .await;
    assert_eq!(
        (source.as_str(), on.as_str(), offering_id),
        ("offering", "2026-04-11", o)
    );

    // The nurse's licence is now valid, dated by the offering's last day.
    let mut sara = app.login_as(Role::Staff).await;
    let licences = sara.get("/licences").await;
    assert!(licences.text.contains("2029-04-11"), "{}", licences.text);

    let r = coordinator
        .post(
            &format!("/enrolments/{id}/undo-completion"),
            &[("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The summary names the reason field by its label.
    assert!(
        r.text.contains(r##"<a href="#f-reason">Skäl</a>: "##),
        "{}",
        r.text
    );
    assert!(!r.text.contains("reason: "), "{}", r.text);
    let r = coordinator
        .post(
            &format!("/enrolments/{id}/undo-completion"),
            &[("reason", "Fel person markerad")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (reason, completed): (String, Option<String>) = app
        .query(move |c| {
            c.query_row(
                "SELECT v.reason, e.completed_on FROM licence_revocation v, enrolment e WHERE v.completion_id = ?1 AND e.id = ?2",
                rusqlite::params![linked, id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert_eq!((reason.as_str(), completed), ("Fel person markerad", None));
    // A chosen date completes again with a new record; the old one stays revoked.
    let r = coordinator
        .post(
            &format!("/enrolments/{id}/complete"),
            &[("completed_on", "2026-04-10")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let rows: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT count(*) FROM licence_completion WHERE source = 'offering'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(rows, 2);
    let actions: Vec<String> = app
        .query(|c| {
            c.prepare("SELECT action FROM audit_log WHERE entity IN ('enrolment', 'licence_completion') ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .await;
    assert_eq!(
        actions,
        [
            "enrolment.create",
            "enrolment.attendance",
            "licence.complete",
            "enrolment.complete",
            "licence.revoke",
            "enrolment.undo_completion",
            "licence.complete",
            "enrolment.complete"
        ]
    );
    let page = coordinator
        .get(&format!("/offerings/{o}/participants"))
        .await;
    assert!(
        page.text.contains("2026-04-10") && page.text.contains("körkort registrerat"),
        "{}",
        page.text
    );
}

/// The enrolment id of the first participant, by the course API.
async fn enrolled_on_licence_course(app: &TestApp) -> (i64, i64) {
    let o = offering(
        app,
        Spec {
            licence: Some("CYTO"),
            ..Spec::default()
        },
    )
    .await;
    let token = app.token_for(Role::Coordinator).await;
    let id = enrol_api(app, &token, o, json!({"hsa_id": SARA_HSA}))
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    (o, id)
}

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, y, m, d, 8, 0, 0)
        .single()
        .expect("t")
}

#[tokio::test]
async fn a_completion_is_dated_inside_the_offering_and_never_ahead_of_it() {
    let app = TestApp::new().await;
    let (o, id) = enrolled_on_licence_course(&app).await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    // A month before the offering: no completion, whatever date is chosen;
    // the list says so instead of offering the form.
    for on in ["", "2026-03-01", "2026-04-11"] {
        let r = coordinator
            .post(
                &format!("/enrolments/{id}/complete"),
                &[("completed_on", on)],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{on}: {}",
            r.text
        );
        assert!(r.text.contains("har inte börjat"), "{on}: {}", r.text);
    }
    let page = coordinator
        .get(&format!("/offerings/{o}/participants"))
        .await;
    assert!(
        !page.text.contains(&format!("/enrolments/{id}/complete")),
        "{}",
        page.text
    );

    app.clock.set(at(2026, 4, 20));
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let page = coordinator
        .get(&format!("/offerings/{o}/participants"))
        .await;
    assert!(page.text.contains(r#"min="2026-04-10""#), "{}", page.text);
    // Before the first day, or after today: refused, beside the date.
    for (on, says) in [
        ("2026-04-09", "före kurstillfällets första dag"),
        ("2026-04-21", "framtiden"),
        ("2027-04-15", "framtiden"),
    ] {
        let r = coordinator
            .post(
                &format!("/enrolments/{id}/complete"),
                &[("completed_on", on)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{on}");
        assert!(r.text.contains(says), "{on}: {}", r.text);
        assert!(
            r.text.contains(r##"href="#f-completed_on""##),
            "{on}: {}",
            r.text
        );
    }
    let written: i64 = app
        .query(|c| c.query_row("SELECT count(*) FROM licence_completion", [], |r| r.get(0)))
        .await;
    assert_eq!(written, 0);
    // The first day itself is fine.
    let r = coordinator
        .post(
            &format!("/enrolments/{id}/complete"),
            &[("completed_on", "2026-04-10")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}

#[tokio::test]
async fn an_absent_participant_completes_only_with_a_reason_kept_in_the_log() {
    let app = TestApp::new().await;
    let (o, id) = enrolled_on_licence_course(&app).await;
    app.clock.set(at(2026, 4, 20));
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = coordinator
        .post(
            &format!("/enrolments/{id}/attendance"),
            &[("attended", "no")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The form asks for the reason beside the date.
    let page = coordinator
        .get(&format!("/offerings/{o}/participants"))
        .await;
    assert!(
        page.text.contains(r#"name="absent_reason""#),
        "{}",
        page.text
    );
    for reason in [None, Some("  ")] {
        let mut form = vec![("completed_on", "")];
        form.extend(reason.map(|r| ("absent_reason", r)));
        let r = coordinator
            .post(&format!("/enrolments/{id}/complete"), &form)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains("markerad frånvarande"), "{}", r.text);
    }
    let granted: i64 = app
        .query(|c| c.query_row("SELECT count(*) FROM licence_completion", [], |r| r.get(0)))
        .await;
    assert_eq!(granted, 0, "a no-show gets no licence");

    let r = coordinator
        .post(
            &format!("/enrolments/{id}/complete"),
            &[
                ("completed_on", ""),
                ("absent_reason", "Gick om kursdagen vid nästa tillfälle"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let after: String = app
        .query(move |c| {
            c.query_row(
                "SELECT after FROM audit_log WHERE action = 'enrolment.complete' AND entity_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
        })
        .await;
    let after: serde_json::Value = serde_json::from_str(&after).expect("json");
    assert_eq!(
        after["absent_override"],
        "Gick om kursdagen vid nästa tillfälle"
    );
}

#[tokio::test]
async fn cancelling_an_offering_tells_everyone_enrolled_and_waitlisted() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            capacity: 1,
            ..Spec::default()
        },
    )
    .await;
    let token = app.token_for(Role::Coordinator).await;
    enrol_api(&app, &token, o, json!({"hsa_id": SARA_HSA})).await;
    enrol_api(&app, &token, o, json!({"hsa_id": "SE9990000001-T0002"})).await;
    let now = oncotrack::clock::Clock::now(&app.clock);
    let queued = app
        .state
        .db
        .write(move |tx| {
            oncotrack::courses::enrolment::on_offering_cancelled(tx, o, now)
                .map_err(oncotrack::db::DbError::from)
        })
        .await
        .expect("queue");
    assert_eq!(queued, 2);
    let again = app
        .state
        .db
        .write(move |tx| {
            oncotrack::courses::enrolment::on_offering_cancelled(tx, o, now)
                .map_err(oncotrack::db::DbError::from)
        })
        .await
        .expect("queue");
    assert_eq!(again, 0, "each person is told once");
    let to: Vec<String> = app
        .query(|c| {
            c.prepare("SELECT to_email FROM outbox WHERE kind = 'offering_cancelled' ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .await;
    assert_eq!(to, ["staff@test.example", "ake.ohman@test.example"]);
}

#[tokio::test]
async fn participant_exports_follow_the_licence_exports() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            capacity: 1,
            ..Spec::default()
        },
    )
    .await;
    let token = app.token_for(Role::Coordinator).await;
    enrol_api(&app, &token, o, json!({"hsa_id": SARA_HSA})).await;
    enrol_api(&app, &token, o, json!({"hsa_id": "SE9990000001-T0002"})).await;
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let csv = coordinator
        .get(&format!("/offerings/{o}/participants.csv"))
        .await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.text
            .starts_with("\u{feff}Anmälnings-id;Namn;E-post;HSA-id;Enhetskod;Status;Plats i kön"),
        "{}",
        csv.text
    );
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[1].contains("Sara Sjöström") && lines[1].contains(";Antagen;"));
    assert!(lines[2].contains("Åke Öhman") && lines[2].contains(";Reservlista;1;"));
    // Times as people read them, in Stockholm.
    assert!(lines[1].contains(";2026-03-02 10:00;"), "{}", lines[1]);
    let comma = coordinator
        .get(&format!("/offerings/{o}/participants.csv?sep=,&lang=en"))
        .await;
    assert!(comma.text.contains("Enrolment id,Name"), "{}", comma.text);
    assert!(comma.text.contains(",Waitlisted,1,"), "{}", comma.text);
    let json = coordinator
        .get(&format!("/offerings/{o}/participants.json"))
        .await
        .json();
    assert_eq!(json["enrolled"], 1);
    assert_eq!(json["enrolments"][1]["position"], 1);
    let mut staff = app.login_as(Role::Staff).await;
    assert_eq!(
        staff
            .get(&format!("/offerings/{o}/participants.csv"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_licence_page_lists_the_next_offerings_that_give_it() {
    let app = TestApp::new().await;
    let mut sara = app.login_as(Role::Staff).await;
    // Sara has never held the licence: basic courses, and those for either.
    let page = sara.get("/licences").await;
    assert!(page.text.contains("ger körkortet"), "{}", page.text);
    assert!(
        page.text.contains("Inget kommande kurstillfälle passar"),
        "none yet"
    );
    let basic = offering(
        &app,
        Spec {
            licence: Some("CYTO"),
            purpose: Some("basic"),
            ..Spec::default()
        },
    )
    .await;
    let either = offering(
        &app,
        Spec {
            code: "CYT2",
            licence: Some("CYTO"),
            starts: "2026-04-20",
            ends: "2026-04-21",
            ..Spec::default()
        },
    )
    .await;
    let renewal = offering(
        &app,
        Spec {
            code: "CYT-R",
            licence: Some("CYTO"),
            purpose: Some("renewal"),
            ..Spec::default()
        },
    )
    .await;
    let other_course = offering(
        &app,
        Spec {
            code: "HLR1",
            ..Spec::default()
        },
    )
    .await;
    let cancelled = offering(
        &app,
        Spec {
            licence: Some("CYTO"),
            status: "cancelled",
            starts: "2026-05-04",
            ends: "2026-05-05",
            ..Spec::default()
        },
    )
    .await;
    let physicians_only = offering(
        &app,
        Spec {
            code: "CYT-L",
            licence: Some("CYTO"),
            audience: &["physician"],
            ..Spec::default()
        },
    )
    .await;
    let page = sara.get("/licences").await;
    assert!(page.text.contains("ger körkortet"), "{}", page.text);
    assert!(page.text.contains(&format!("/offerings/{basic}/enrol")));
    assert!(page.text.contains(&format!("/offerings/{either}/enrol")));
    assert!(page.text.contains("10 platser kvar"));
    // Dates read with their weekdays.
    assert!(page.text.contains("fre 2026-04-10"), "{}", page.text);
    for (not_for_her, why) in [
        (renewal, "a renewal is for those who hold the licence"),
        (other_course, "gives no licence"),
        (cancelled, "cancelled"),
        (physicians_only, "for physicians"),
    ] {
        assert!(
            !page
                .text
                .contains(&format!("/offerings/{not_for_her}/enrol")),
            "{why}: {}",
            page.text
        );
    }
}

/// Records a CYTO completion for `person_id` on `on`, as an import would.
async fn holds_cyto_from(app: &TestApp, person_id: i64, on: &str) {
    let on = chrono::NaiveDate::parse_from_str(on, "%Y-%m-%d").expect("date");
    let now = oncotrack::clock::Clock::now(&app.clock);
    app.state
        .db
        .write(move |tx| {
            oncotrack::licences::store::record_completion(
                tx,
                &oncotrack::licences::store::NewCompletion {
                    person_id,
                    licence_type_id: 1,
                    part: oncotrack::licences::model::Part::Theory,
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
        .expect("completion");
}

#[tokio::test]
async fn renewals_are_suggested_inside_the_window_and_a_second_one_warns() {
    let app = TestApp::new().await;
    // Valid until 2026-05-31; the 90-day window opens 2026-03-02. Looking on
    // 2025-12-01, before it opens.
    holds_cyto_from(&app, app.fixture.nurse, "2023-05-31").await;
    app.clock.set(at(2025, 12, 1));
    let renewal = |code, starts, ends, closes| Spec {
        code,
        licence: Some("CYTO"),
        purpose: Some("renewal"),
        opens: "2025-11-01",
        closes,
        starts,
        ends,
        ..Spec::default()
    };
    let too_early = offering(
        &app,
        renewal("CYT-R", "2026-01-15", "2026-01-16", "2026-01-10"),
    )
    .await;
    let in_window = offering(
        &app,
        renewal("CYT-R", "2026-04-10", "2026-04-11", "2026-03-31"),
    )
    .await;
    let late = offering(
        &app,
        renewal("CYT-R", "2026-06-10", "2026-06-11", "2026-06-01"),
    )
    .await;
    // The window's first day counts; the day before does not.
    let on_the_edge = offering(
        &app,
        renewal("CYT-R", "2026-03-02", "2026-03-02", "2026-02-20"),
    )
    .await;
    let a_day_early = offering(
        &app,
        renewal("CYT-R", "2026-03-01", "2026-03-01", "2026-02-20"),
    )
    .await;
    let basic = offering(
        &app,
        Spec {
            code: "CYT-G",
            purpose: Some("basic"),
            opens: "2025-11-01",
            ..renewal("CYT-G", "2026-04-14", "2026-04-15", "2026-03-31")
        },
    )
    .await;
    let mut sara = app.login_as(Role::Staff).await;
    let page = sara.get("/licences").await;
    assert!(page.text.contains("förnyar körkortet"), "{}", page.text);
    assert!(
        page.text
            .contains("Förnyelsefönstret är 2026-03-02–2026-05-31"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains(&format!("/offerings/{in_window}/enrol")),
        "{}",
        page.text
    );
    assert!(
        page.text.contains(&format!("/offerings/{late}/enrol")),
        "{}",
        page.text
    );
    assert!(
        !page.text.contains(&format!("/offerings/{too_early}/enrol")),
        "ends before the window opens, so it would not renew: {}",
        page.text
    );
    assert!(
        page.text
            .contains(&format!("/offerings/{on_the_edge}/enrol")),
        "{}",
        page.text
    );
    assert!(
        !page
            .text
            .contains(&format!("/offerings/{a_day_early}/enrol")),
        "{}",
        page.text
    );
    assert!(
        !page.text.contains(&format!("/offerings/{basic}/enrol")),
        "a basic course is not a renewal: {}",
        page.text
    );
    assert_eq!(
        page.text
            .matches("slutar efter att körkortet går ut 2026-05-31")
            .count(),
        1,
        "only the late one: {}",
        page.text
    );

    // She takes a place on the one in the window: it comes first and says so.
    app.clock.set(at(2026, 3, 5));
    let mut sara = app.login_as(Role::Staff).await;
    let r = sara
        .post(&format!("/offerings/{in_window}/enrol"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = sara.get("/licences").await;
    let booked = page
        .text
        .find(&format!("/offerings/{in_window}/enrol"))
        .expect("listed");
    let other = page
        .text
        .find(&format!("/offerings/{late}/enrol"))
        .expect("listed");
    assert!(booked < other, "{}", page.text);
    assert!(page.text.contains("Du är antagen"), "{}", page.text);

    // The late one now warns that it would be a second renewal; she may
    // still enrol.
    let page = sara.get(&format!("/offerings/{late}/enrol")).await;
    assert!(
        page.text
            .contains("Du har redan en plats på CYT-R som börjar fre 2026-04-10"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains(&format!("/offerings/{in_window}/enrol")),
        "{}",
        page.text
    );
    let page = sara.get(&format!("/offerings/{in_window}/enrol")).await;
    assert!(
        !page.text.contains("Du har redan en plats"),
        "{}",
        page.text
    );
}

#[test]
fn the_demo_has_a_waitlist_and_licences_recorded_by_offerings() {
    let dir = tempfile::tempdir().expect("dir");
    let mut conn = oncotrack::db::open_connection(
        &dir.path().join("demo.db"),
        &oncotrack::db::DbOptions::default(),
    )
    .expect("open");
    let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 2, 9, 0, 0)
        .single()
        .expect("t");
    oncotrack::dev::demo::load(&mut conn, now, now.date_naive()).expect("demo");
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert!(one("SELECT count(*) FROM enrolment WHERE status = 'waitlisted'") >= 4);
    assert!(
        one(
            "SELECT count(*) FROM licence_completion WHERE source = 'offering' AND offering_id IS NOT NULL"
        ) > 0
    );
    assert_eq!(
        one("SELECT count(*) FROM enrolment e JOIN licence_completion l ON l.id = e.licence_completion_id
             JOIN offering o ON o.id = e.offering_id WHERE l.completed_on = o.ends_on"),
        one("SELECT count(*) FROM enrolment WHERE licence_completion_id IS NOT NULL"),
    );
    // Never more enrolled than places.
    assert_eq!(
        one("SELECT count(*) FROM offering o WHERE o.capacity <
             (SELECT count(*) FROM enrolment e WHERE e.offering_id = o.id AND e.status = 'enrolled')"),
        0
    );
    // The demo nurse holds a place and waits for another.
    assert_eq!(
        one("SELECT count(DISTINCT e.status) FROM enrolment e JOIN account a ON a.person_id = e.person_id
             WHERE a.email = 'sjukskoterska@demo.oncotrack.example'"),
        2
    );
}

#[tokio::test]
async fn a_raised_capacity_goes_to_those_waiting_before_newcomers() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            capacity: 1,
            ..Spec::default()
        },
    )
    .await;
    let people = nurses(&app, 3, Profession::Nurse).await;
    let token = app.token_for(Role::Coordinator).await;
    for p in &people[..2] {
        enrol_api(&app, &token, o, json!({"hsa_id": hsa_of(&app, *p).await})).await;
    }
    app.state
        .db
        .write(move |tx| -> Result<usize, oncotrack::db::DbError> {
            Ok(tx.execute("UPDATE offering SET capacity = 2 WHERE id = ?1", [o])?)
        })
        .await
        .expect("capacity");
    let r = enrol_api(
        &app,
        &token,
        o,
        json!({"hsa_id": hsa_of(&app, people[2]).await}),
    )
    .await;
    assert_eq!(r.json()["status"], "waitlisted", "{}", r.text);
    assert_eq!(r.json()["position"], 1);
    assert_eq!(
        statuses(&app, o)
            .await
            .iter()
            .map(|(_, s)| s.as_str())
            .collect::<Vec<_>>(),
        ["enrolled", "enrolled", "waitlisted"]
    );
    // That promotion is in the audit log too, with what freed the place.
    let promoted = app
        .count(
            "SELECT count(*) FROM audit_log WHERE action = 'enrolment.promote'
             AND json_extract(after, '$.capacity') = 2",
        )
        .await;
    assert_eq!(promoted, 1);
}

mod waitlist_properties {
    use oncotrack::courses::enrolment::{self, Status};
    use proptest::prelude::*;

    /// One step: a person (0..12) enrols, or the k-th live enrolment cancels.
    #[derive(Debug, Clone)]
    enum Step {
        Enrol(usize),
        Cancel(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0usize..12).prop_map(Step::Enrol),
            (0usize..12).prop_map(Step::Cancel)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Whatever the order of enrolments and cancellations: never more
        /// enrolled than places, nobody waits while a place is free, nobody
        /// holds two live rows, and the waitlist keeps its queueing order.
        #[test]
        fn the_waitlist_keeps_its_invariants(capacity in 1i64..5, steps in proptest::collection::vec(step(), 1..40)) {
            let dir = tempfile::tempdir().expect("dir");
            let conn = oncotrack::db::open_connection(&dir.path().join("p.db"), &oncotrack::db::DbOptions::default()).expect("open");
            conn.execute_batch(&format!(
                "INSERT INTO region (name) VALUES ('R');
                 INSERT INTO administration (region_id, name) VALUES (1, 'A');
                 INSERT INTO unit (administration_id, code, name) VALUES (1, 'U1', 'U');
                 INSERT INTO course (code, title_sv, title_en, created_at) VALUES ('C', 'K', 'C', '2026-01-01T00:00:00Z');
                 INSERT INTO offering (course_id, starts_on, ends_on, place, capacity, enrolment_opens, enrolment_closes, status, created_at)
                    VALUES (1, '2026-04-10', '2026-04-11', 'Sal', {capacity}, '2026-03-01', '2026-03-31', 'open', '2026-01-01T00:00:00Z');"
            )).expect("rows");
            for p in 0..12 {
                conn.execute(
                    "INSERT INTO person (name, email, profession, unit_id, created_at) VALUES (?1, ?2, 'nurse', 1, '2026-01-01T00:00:00Z')",
                    rusqlite::params![format!("P{p}"), format!("p{p}@x.example")],
                ).expect("person");
            }
            let o = enrolment::offering(&conn, 1).expect("read").expect("offering");
            let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("day");
            let mut now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 2, 9, 0, 0).single().expect("t");
            for s in steps {
                now += chrono::Duration::seconds(1);
                match s {
                    Step::Enrol(p) => {
                        let _ = enrolment::enrol(&conn, &o, p as i64 + 1, &oncotrack::audit::store::Actor::system(), now, today).expect("enrol");
                    }
                    Step::Cancel(k) => {
                        let live: Vec<_> = enrolment::participants(&conn, 1).expect("list")
                            .into_iter().filter(|e| e.status != Status::Cancelled).collect();
                        if let Some(e) = live.get(k % live.len().max(1)) {
                            let first_waiting = live.iter().find(|w| w.status == Status::Waitlisted).map(|w| w.id);
                            let promoted = enrolment::cancel(&conn, e, &o, &oncotrack::audit::store::Actor::system(), now, today).expect("cancel").expect("allowed");
                            // A freed place goes to the head of the queue.
                            let expected: Vec<i64> = match (e.status, first_waiting) {
                                (Status::Enrolled, Some(w)) => vec![w],
                                _ => Vec::new(),
                            };
                            prop_assert_eq!(promoted, expected);
                        }
                    }
                }
                let rows = enrolment::participants(&conn, 1).expect("list");
                let enrolled = rows.iter().filter(|e| e.status == Status::Enrolled).count() as i64;
                let waiting: Vec<_> = rows.iter().filter(|e| e.status == Status::Waitlisted).collect();
                prop_assert!(enrolled <= capacity);
                prop_assert!(waiting.is_empty() || enrolled == capacity, "a free place while people wait");
                let mut live: Vec<i64> = rows.iter().filter(|e| e.status != Status::Cancelled).map(|e| e.person_id).collect();
                let n = live.len();
                live.sort_unstable();
                live.dedup();
                prop_assert_eq!(live.len(), n, "someone holds two live rows");
                for (i, w) in waiting.iter().enumerate() {
                    prop_assert_eq!(w.position, Some(i as i64 + 1));
                    // The single-row lookup agrees with the list.
                    let one = enrolment::enrolment(&conn, w.id).expect("one").expect("row");
                    prop_assert_eq!(one.position, w.position);
                }
                prop_assert!(waiting.windows(2).all(|w| (&w[0].queued_at, w[0].id) < (&w[1].queued_at, w[1].id)));
            }
        }
    }
}

#[tokio::test]
async fn people_who_have_left_are_not_enrolled() {
    let app = TestApp::new().await;
    let o = offering(&app, Spec::default()).await;
    let gone = nurses(&app, 1, Profession::Nurse).await[0];
    app.state
        .db
        .write(move |tx| -> Result<usize, oncotrack::db::DbError> {
            Ok(tx.execute(
                "UPDATE person SET left_on = '2026-03-01' WHERE id = ?1",
                [gone],
            )?)
        })
        .await
        .expect("left");
    let token = app.token_for(Role::Coordinator).await;
    let r = enrol_api(&app, &token, o, json!({"hsa_id": hsa_of(&app, gone).await})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "person");
    assert!(r.text.contains("no longer works here"), "{}", r.text);
    assert!(statuses(&app, o).await.is_empty());
}

#[tokio::test]
async fn a_waitlisted_person_who_has_left_is_passed_over() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            capacity: 1,
            ..Spec::default()
        },
    )
    .await;
    let people = nurses(&app, 3, Profession::Nurse).await;
    let token = app.token_for(Role::Coordinator).await;
    let mut ids = Vec::new();
    for p in &people {
        let r = enrol_api(&app, &token, o, json!({"hsa_id": hsa_of(&app, *p).await})).await;
        ids.push(r.json()["id"].as_i64().expect("id"));
        app.advance(1);
    }
    // The first on the waitlist left yesterday.
    let gone = people[1];
    let yesterday = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    app.state
        .db
        .write(move |tx| -> Result<(), oncotrack::db::DbError> {
            oncotrack::organisation::store::mark_left(tx, gone, yesterday)?.expect("left");
            Ok(())
        })
        .await
        .expect("mark left");
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/enrolments/{}/cancel", ids[0]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["promoted"], json!([ids[2]]), "{}", r.text);
    let st = statuses(&app, o).await;
    assert_eq!(
        st.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(),
        ["cancelled", "waitlisted", "enrolled"]
    );
    let told: i64 = app
        .query(move |c| {
            c.query_row(
                "SELECT count(*) FROM outbox WHERE kind = 'enrolment_promoted' AND recipient_person_id = ?1",
                [gone],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(told, 0, "nobody tells the one who left");
}

#[tokio::test]
async fn the_capacity_hook_promotes_the_head_of_the_waitlist_and_tells_them() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            capacity: 1,
            ..Spec::default()
        },
    )
    .await;
    let people = nurses(&app, 4, Profession::Nurse).await;
    let token = app.token_for(Role::Coordinator).await;
    for p in &people {
        enrol_api(&app, &token, o, json!({"hsa_id": hsa_of(&app, *p).await})).await;
    }
    let now = oncotrack::clock::Clock::now(&app.clock);
    let promoted = app
        .state
        .db
        .write(move |tx| {
            tx.execute("UPDATE offering SET capacity = 3 WHERE id = ?1", [o])?;
            oncotrack::courses::enrolment::on_capacity_changed(
                tx,
                o,
                &oncotrack::audit::store::Actor::system(),
                now,
            )
            .map_err(oncotrack::db::DbError::from)
        })
        .await
        .expect("hook");
    assert_eq!(promoted.len(), 2);
    let st = statuses(&app, o).await;
    assert_eq!(
        st.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(),
        ["enrolled", "enrolled", "enrolled", "waitlisted"]
    );
    let told: Vec<i64> = app
        .query(|c| {
            c.prepare("SELECT recipient_person_id FROM outbox WHERE kind = 'enrolment_promoted' ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .await;
    assert_eq!(told, people[1..3]);
}

#[tokio::test]
async fn raising_the_capacity_on_the_offering_form_enrols_the_first_waiting() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            capacity: 1,
            ..Spec::default()
        },
    )
    .await;
    let people = nurses(&app, 3, Profession::Nurse).await;
    let token = app.token_for(Role::Coordinator).await;
    for p in &people {
        enrol_api(&app, &token, o, json!({"hsa_id": hsa_of(&app, *p).await})).await;
        app.advance(1);
    }
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = coordinator
        .post(
            &format!("/offerings/{o}/edit"),
            &[
                ("course", "CYT1"),
                ("starts_on", "2026-04-10"),
                ("ends_on", "2026-04-11"),
                ("place", "Sal 3"),
                ("capacity", "2"),
                ("min_participants", "0"),
                ("enrolment_opens", "2026-03-01"),
                ("enrolment_closes", "2026-03-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let statuses: Vec<(i64, String)> = app
        .query(move |c| {
            c.prepare("SELECT person_id, status FROM enrolment WHERE offering_id = ?1 ORDER BY id")?
                .query_map([o], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .await;
    let expected: Vec<(i64, String)> = people
        .iter()
        .zip(["enrolled", "enrolled", "waitlisted"])
        .map(|(p, s)| (*p, s.to_string()))
        .collect();
    assert_eq!(statuses, expected, "the first on the waitlist moved up");
    let told: i64 = app
        .query(move |c| {
            c.query_row(
                "SELECT count(*) FROM outbox WHERE kind = 'enrolment_promoted' AND recipient_person_id = ?1",
                [people[1]],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(told, 1);
}

#[tokio::test]
async fn a_promotion_is_written_in_the_language_of_the_persons_account() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            capacity: 1,
            ..Spec::default()
        },
    )
    .await;
    let token = app.token_for(Role::Coordinator).await;
    // Åke holds the place; Sara, whose account chose English, waits.
    let first = enrol_api(&app, &token, o, json!({"hsa_id": "SE9990000001-T0002"})).await;
    let first = first.json()["id"].as_i64().expect("id");
    enrol_api(&app, &token, o, json!({"hsa_id": SARA_HSA})).await;
    let mut sara = app.login_as(Role::Staff).await;
    sara.post("/lang", &[("lang", "en"), ("next", "/")]).await;
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/enrolments/{first}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (subject, body): (String, String) = app
        .query(|c| {
            c.query_row(
                "SELECT subject, body FROM outbox WHERE kind = 'enrolment_promoted'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert_eq!(subject, "You have a place: CYT1 Cytotoxic drug training");
    assert!(body.starts_with("A place became free"), "{body}");
    assert!(
        !body.contains("antagen") && !body.contains("Cytostatikautbildning"),
        "{body}"
    );
    // Åke waits again; cancelling the offering tells him, who has no
    // account, in Swedish, and Sara in English.
    let r = enrol_api(&app, &token, o, json!({"hsa_id": "SE9990000001-T0002"})).await;
    assert_eq!(r.json()["status"], "waitlisted", "{}", r.text);
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = coordinator
        .post(
            &format!("/offerings/{o}/status"),
            &[("status", "cancelled"), ("reason", "För få anmälda")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let told: Vec<(String, String, String)> = app
        .query(|c| {
            c.prepare("SELECT to_email, subject, body FROM outbox WHERE kind = 'offering_cancelled' ORDER BY to_email")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .await;
    assert_eq!(told.len(), 2, "{told:?}");
    let (ake, sara) = (&told[0], &told[1]);
    assert_eq!(ake.0, "ake.ohman@test.example");
    assert_eq!(ake.1, "Inställt: CYT1 Cytostatikautbildning");
    assert!(
        ake.2
            .starts_with("Kurstillfället CYT1 Cytostatikautbildning"),
        "{ake:?}"
    );
    assert!(
        ake.2.contains("Du stod på reservlistan") && !ake.2.contains("waitlist"),
        "{ake:?}"
    );
    assert_eq!(sara.1, "Cancelled: CYT1 Cytotoxic drug training");
    assert!(
        sara.2.contains("You were enrolled") && !sara.2.contains("antagen"),
        "{sara:?}"
    );
}

#[tokio::test]
async fn a_nurses_start_page_puts_her_licence_and_its_next_step_first() {
    let app = TestApp::new().await;
    holds_cyto_from(&app, app.fixture.nurse, "2023-05-31").await;
    let o = offering(
        &app,
        Spec {
            licence: Some("CYTO"),
            purpose: Some("renewal"),
            ..Spec::default()
        },
    )
    .await;
    let mut sara = app.login_as(Role::Staff).await;
    let home = sara.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let text = home.visible();
    assert!(text.contains("Går snart ut"), "{text}");
    assert!(
        text.contains("Giltigt till och med 2026-05-31 · 90 dagar kvar"),
        "{text}"
    );
    assert!(text.contains("Nästa steg: CYT1"), "{text}");
    // The licence comes before anything else on the page.
    let card = home.text.find("licence-card").expect("card");
    let roles = home.text.find("Dina roller").unwrap_or(usize::MAX);
    assert!(card < roles, "{}", home.text);
    let enrol = format!(r#"action="/offerings/{o}/enrol""#);
    assert!(home.text.contains(&enrol), "one click: {}", home.text);
    let nurse = app.fixture.nurse;
    assert!(
        home.text
            .contains(&format!("/people/{nurse}/licences/1/verification")),
        "{}",
        home.text
    );
    // The one click enrols her; the card then says so.
    let r = sara.post(&format!("/offerings/{o}/enrol"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let home = sara.get("/").await;
    assert!(
        home.visible().contains("Du är antagen till CYT1"),
        "{}",
        home.text
    );
    assert!(!home.text.contains(&enrol), "{}", home.text);

    // Someone without a staff record sees no licence cards.
    let mut admin = app.login_as(Role::Admin).await;
    let home = admin.get("/").await;
    assert!(!home.text.contains("licence-card"), "{}", home.text);
}

#[tokio::test]
async fn a_coordinator_marks_everyone_present_and_prints_the_attendance_list() {
    let app = TestApp::new().await;
    let o = offering(&app, Spec::default()).await;
    let token = app.token_for(Role::Coordinator).await;
    let ids: Vec<i64> = {
        let mut ids = Vec::new();
        for hsa in [SARA_HSA, "SE9990000001-T0002"] {
            let r = enrol_api(&app, &token, o, json!({"hsa_id": hsa})).await;
            ids.push(r.json()["id"].as_i64().expect("id"));
        }
        ids
    };
    app.clock.set(at(2026, 4, 10));
    let mut coordinator = app.login_as(Role::Coordinator).await;
    // One did not come.
    let r = coordinator
        .post(
            &format!("/enrolments/{}/attendance", ids[1]),
            &[("attended", "no")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = coordinator
        .get(&format!("/offerings/{o}/participants"))
        .await;
    let all = format!(r#"action="/offerings/{o}/attendance/all-present""#);
    assert!(page.text.contains(&all), "{}", page.text);
    let r = coordinator
        .post(&format!("/offerings/{o}/attendance/all-present"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let marks: Vec<Option<bool>> = app
        .query(|c| {
            c.prepare("SELECT attended FROM enrolment ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .await;
    assert_eq!(
        marks,
        [Some(true), Some(false)],
        "the absent one stays absent"
    );
    let audited: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'enrolment.attendance'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(audited, 2, "one row for the absence, one for the bulk mark");
    // Nothing left to mark: the button goes.
    let page = coordinator
        .get(&format!("/offerings/{o}/participants"))
        .await;
    assert!(!page.text.contains(&all), "{}", page.text);

    let list = coordinator
        .get(&format!("/offerings/{o}/attendance-list"))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let text = list.visible();
    assert!(
        text.contains("Närvarolista") && text.contains("Signatur"),
        "{text}"
    );
    assert!(
        text.contains("Sara Sjöström") && text.contains("Åke Öhman"),
        "{text}"
    );
    assert!(text.contains("fre 2026-04-10"), "{text}");
    let mut sara = app.login_as(Role::Staff).await;
    assert_eq!(
        sara.get(&format!("/offerings/{o}/attendance-list"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_unit_managers_start_page_shows_a_traffic_light_and_who_to_act_on() {
    let app = TestApp::new().await;
    let mut manager = app.login_as(Role::Manager).await;
    // Sara in ONK1 has never held the licence: red, and she is named.
    let home = manager.get("/").await;
    let text = home.visible();
    assert!(text.contains("Åtgärda"), "{text}");
    assert!(text.contains("0 av 1 har ett giltigt körkort"), "{text}");
    assert!(
        text.contains("Att åtgärda") && text.contains("Sara Sjöström"),
        "{text}"
    );
    let onk1 = app.fixture.onk1;
    // The manager of one unit is taken to that unit's page.
    assert!(
        home.text.contains(&format!(
            "/compliance?licence=CYTO&amp;by=unit&amp;unit={onk1}"
        )),
        "{}",
        home.text
    );
    // Åke in the other region is not the manager's to see.
    assert!(!text.contains("Åke Öhman"), "{text}");

    // Once her licence runs out within the warning period: amber.
    holds_cyto_from(&app, app.fixture.nurse, "2023-05-31").await;
    let home = manager.get("/").await;
    let text = home.visible();
    assert!(text.contains("Håll koll"), "{text}");
    assert!(text.contains("1 av 1 har ett giltigt körkort"), "{text}");
    assert!(text.contains("Sara Sjöström"), "{text}");

    // Nurses and coordinators see no traffic light.
    let mut sara = app.login_as(Role::Staff).await;
    assert!(
        !sara
            .get("/")
            .await
            .visible()
            .contains("har ett giltigt körkort")
    );
}

#[tokio::test]
async fn the_staff_list_shows_each_persons_booked_course() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            capacity: 1,
            ..Spec::default()
        },
    )
    .await;
    let token = app.token_for(Role::Coordinator).await;
    enrol_api(&app, &token, o, json!({"hsa_id": SARA_HSA})).await;
    enrol_api(&app, &token, o, json!({"hsa_id": "SE9990000001-T0002"})).await;
    let mut admin = app.login_as(Role::Admin).await;
    let list = admin.get("/people").await;
    assert!(list.text.contains("Bokad kurs"), "{}", list.text);
    let row = |name: &str| -> String {
        let at = list.text.find(name).expect(name);
        let end = at + list.text[at..].find("</tr>").expect("row end");
        list.text[at..end].to_string()
    };
    assert!(
        row("Sara Sjöström").contains(&format!("/offerings/{o}/enrol")),
        "{}",
        list.text
    );
    assert!(row("Åke Öhman").contains("väntelista"), "{}", list.text);
    // The unit page's staff list says the same.
    let page = admin.get(&format!("/org/units/{}", app.fixture.onk1)).await;
    assert!(
        page.text.contains(&format!("/offerings/{o}/enrol")),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn a_manager_enrols_a_nurse_from_her_licence_page() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            licence: Some("CYTO"),
            ..Spec::default()
        },
    )
    .await;
    let nurse = app.fixture.nurse;
    let mut manager = app.login_as(Role::Manager).await;
    let page = manager.get(&format!("/people/{nurse}/licences")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.visible()
            .contains("Anmäl Sara Sjöström till CYT1 2026-04-10"),
        "{}",
        page.text
    );
    let r = manager
        .post(&format!("/offerings/{o}/enrol"), &[("person", SARA_HSA)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(statuses(&app, o).await[0].1, "enrolled");
    // Her page now says she has a place, in the third person.
    let page = manager.get(&format!("/people/{nurse}/licences")).await;
    let text = page.visible();
    assert!(text.contains("Antagen"), "{text}");
    assert!(!text.contains("Du är antagen"), "{text}");
    assert!(!text.contains("Anmäl Sara Sjöström till CYT1"), "{text}");
}

#[tokio::test]
async fn attendance_is_marked_from_the_offerings_first_day() {
    let app = TestApp::new().await;
    let o = offering(&app, Spec::default()).await;
    let token = app.token_for(Role::Coordinator).await;
    let r = enrol_api(&app, &token, o, json!({"hsa_id": SARA_HSA})).await;
    let id = r.json()["id"].as_i64().expect("id");
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let page = coordinator
        .get(&format!("/offerings/{o}/participants"))
        .await;
    assert!(
        !page.text.contains(&format!("/enrolments/{id}/attendance")),
        "{}",
        page.text
    );
    let r = coordinator
        .post(
            &format!("/enrolments/{id}/attendance"),
            &[("attended", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.visible()
            .contains("närvaro markeras från första kursdagen"),
        "{}",
        r.text
    );
    let r = coordinator
        .post(&format!("/offerings/{o}/attendance/all-present"), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        app.count("SELECT count(*) FROM enrolment WHERE attended IS NOT NULL")
            .await,
        0
    );
    // From the first day on, it is.
    app.clock.set(at(2026, 4, 10));
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let r = coordinator
        .post(
            &format!("/enrolments/{id}/attendance"),
            &[("attended", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}
