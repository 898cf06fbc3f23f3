//! iCalendar feeds, read back with an iCalendar parser: stable UIDs, SEQUENCE
//! after edits, cancelled sessions and offerings, times across the change to
//! summer time, and subscription links fetched without a session.

use crate::enrolment_support::{Spec, offering, session};
use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use chrono::{DateTime, TimeZone, Utc};
use icalendar::{
    Calendar, CalendarDateTime, Component, DatePerhapsTime, Event, EventLike, EventStatus,
};
use oncotrack::auth::model::Role;
use serde_json::json;

fn parse(text: &str) -> Calendar {
    text.parse::<Calendar>()
        .unwrap_or_else(|e| panic!("not iCalendar ({e}): {text}"))
}

fn event(cal: &Calendar, session: i64) -> &Event {
    let uid = format!("session-{session}@oncotrack");
    cal.events()
        .find(|e| e.get_uid() == Some(uid.as_str()))
        .unwrap_or_else(|| panic!("no event {uid}"))
}

/// The instant a DTSTART/DTEND names: a Stockholm wall-clock time with its
/// TZID (read with the zone's rules), or a UTC time.
fn utc(d: Option<DatePerhapsTime>) -> DateTime<Utc> {
    match d {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid })) => {
            assert_eq!(tzid, "Europe/Stockholm");
            chrono_tz::Europe::Stockholm
                .from_local_datetime(&date_time)
                .single()
                .expect("an unambiguous local time")
                .with_timezone(&Utc)
        }
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(t))) => t,
        other => panic!("not a time: {other:?}"),
    }
}

/// The wall-clock time as written, `HH:MM`.
fn wall(d: Option<DatePerhapsTime>) -> String {
    match d {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, .. })) => {
            date_time.format("%H:%M").to_string()
        }
        other => panic!("not a local time: {other:?}"),
    }
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("time")
}

async fn offering_calendar(app: &TestApp, o: i64) -> Calendar {
    let token = app.token_for(Role::Staff).await;
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/offerings/{o}/calendar.ics"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    // Local times name their zone, and the zone's rules come along.
    if r.text.contains("BEGIN:VEVENT") {
        assert!(
            r.text.contains("DTSTART;TZID=Europe/Stockholm:"),
            "{}",
            r.text
        );
        assert!(
            r.text
                .contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Stockholm\r\n"),
            "{}",
            r.text
        );
        assert!(
            r.text.contains("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
            "{}",
            r.text
        );
    }
    parse(&r.text)
}

async fn lecturer_account(app: &TestApp) -> i64 {
    let email = crate::support::email_for(Role::Lecturer);
    app.query(move |c| {
        c.query_row("SELECT id FROM account WHERE email = ?1", [email], |r| {
            r.get(0)
        })
    })
    .await
}

async fn sql(app: &TestApp, statement: &'static str, id: i64) {
    app.state
        .db
        .write(move |tx| -> Result<usize, oncotrack::db::DbError> {
            Ok(tx.execute(statement, [id])?)
        })
        .await
        .expect("update");
}

#[tokio::test]
async fn an_offering_calendar_keeps_stockholm_hours_across_the_change_to_summer_time() {
    let app = TestApp::new().await;
    let o = offering(
        &app,
        Spec {
            starts: "2026-03-27",
            ends: "2026-03-30",
            closes: "2026-03-20",
            ..Spec::default()
        },
    )
    .await;
    let winter = session(&app, o, "2026-03-27T09:00", "2026-03-27T12:00", "Inledning").await;
    let night = session(&app, o, "2026-03-28T23:00", "2026-03-29T04:00", "Nattpass").await;
    let summer = session(
        &app,
        o,
        "2026-03-30T09:00",
        "2026-03-30T12:00",
        "Avslutning",
    )
    .await;
    let cal = offering_calendar(&app, o).await;
    assert_eq!(cal.events().count(), 3);
    // 09:00 in Stockholm on both sides of the change, which is 08:00 UTC in
    // winter and 07:00 UTC in summer.
    assert_eq!(wall(event(&cal, winter).get_start()), "09:00");
    assert_eq!(wall(event(&cal, summer).get_start()), "09:00");
    assert_eq!(utc(event(&cal, winter).get_start()), at(2026, 3, 27, 8, 0));
    assert_eq!(utc(event(&cal, summer).get_start()), at(2026, 3, 30, 7, 0));
    assert_eq!(wall(event(&cal, night).get_end()), "04:00");
    // The night across the change is four real hours, not five.
    let n = event(&cal, night);
    assert_eq!(utc(n.get_start()), at(2026, 3, 28, 22, 0));
    assert_eq!(utc(n.get_end()), at(2026, 3, 29, 2, 0));
    assert_eq!(n.get_summary(), Some("CYT1: Nattpass"));
    assert_eq!(n.get_location(), Some("Sal 1, Testsjukhuset"));
    assert_eq!(n.get_status(), Some(EventStatus::Confirmed));
}

#[tokio::test]
async fn edits_raise_the_sequence_and_cancellations_show_as_cancelled() {
    let app = TestApp::new().await;
    let o = offering(&app, Spec::default()).await;
    let first = session(&app, o, "2026-04-10T09:00", "2026-04-10T12:00", "Inledning").await;
    let second = session(&app, o, "2026-04-10T13:00", "2026-04-10T16:00", "Praktik").await;
    let before = offering_calendar(&app, o).await;
    let seq = |cal: &Calendar, s| event(cal, s).get_sequence().expect("SEQUENCE");
    let (first_before, second_before) = (seq(&before, first), seq(&before, second));

    // The catalogue's edit moves the session and bumps its sequence.
    sql(
        &app,
        "UPDATE course_session SET starts_at = '2026-04-10T08:00:00Z', sequence = sequence + 1 WHERE id = ?1",
        first,
    )
    .await;
    let after = offering_calendar(&app, o).await;
    assert_eq!(seq(&after, first), first_before + 1);
    assert_eq!(
        seq(&after, second),
        second_before,
        "the other session did not change"
    );
    assert_eq!(utc(event(&after, first).get_start()), at(2026, 4, 10, 8, 0));

    sql(
        &app,
        "UPDATE course_session SET cancelled_at = '2026-03-02T09:00:00Z', sequence = sequence + 1 WHERE id = ?1",
        second,
    )
    .await;
    let cal = offering_calendar(&app, o).await;
    assert_eq!(
        event(&cal, second).get_status(),
        Some(EventStatus::Cancelled)
    );
    assert_eq!(
        event(&cal, first).get_status(),
        Some(EventStatus::Confirmed)
    );

    // Cancelling the offering cancels every event and raises every SEQUENCE.
    sql(
        &app,
        "UPDATE offering SET status = 'cancelled', sequence = sequence + 1 WHERE id = ?1",
        o,
    )
    .await;
    let gone = offering_calendar(&app, o).await;
    for s in [first, second] {
        assert_eq!(event(&gone, s).get_status(), Some(EventStatus::Cancelled));
        assert_eq!(seq(&gone, s), seq(&cal, s) + 1);
    }
}

/// The link the page shows once after making it.
fn link_on(page: &str) -> String {
    let start = page.find("/calendar/").expect("a link on the page");
    let end = page[start..].find(".ics").expect("ends in .ics") + start + 4;
    page[start..end].to_string()
}

#[tokio::test]
async fn a_subscription_link_works_without_a_session_until_revoked() {
    let app = TestApp::new().await;
    let mine = offering(&app, Spec::default()).await;
    let other = offering(
        &app,
        Spec {
            code: "ANNAN",
            ..Spec::default()
        },
    )
    .await;
    let s = session(
        &app,
        mine,
        "2026-04-10T09:00",
        "2026-04-10T12:00",
        "Inledning",
    )
    .await;
    let not_mine = session(&app, other, "2026-04-10T09:00", "2026-04-10T12:00", "Annat").await;
    let mut sara = app.login_as(Role::Staff).await;
    assert_eq!(
        sara.post(&format!("/offerings/{mine}/enrol"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let page = sara.post("/calendar-feeds", &[("kind", "person")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let link = link_on(&page.text);
    assert!(link.len() > 40, "an unguessable token: {link}");
    // The same address as webcal://, which calendar apps subscribe to.
    assert!(
        page.text.contains(r#"href="webcal://"#) && page.text.contains(&format!("{link}\">")),
        "{}",
        page.text
    );
    assert!(page.text.contains("Från Internet"), "{}", page.text);
    // The token itself is not stored.
    let token = link
        .trim_start_matches("/calendar/")
        .trim_end_matches(".ics")
        .to_string();
    let stored: i64 = app
        .query(move |c| {
            c.query_row(
                "SELECT count(*) FROM calendar_feed WHERE token_hash = ?1",
                [token],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(stored, 0);

    let mut calendar_app = app.browser();
    let r = calendar_app.get(&link).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let cal = parse(&r.text);
    assert_eq!(cal.events().count(), 1);
    event(&cal, s);
    assert!(
        cal.events()
            .all(|e| e.get_uid() != Some(&format!("session-{not_mine}@oncotrack")))
    );

    // An account no longer linked to her opens nothing; linked again, it does.
    let person: i64 = app
        .query(|c| c.query_row("SELECT subject_id FROM calendar_feed", [], |r| r.get(0)))
        .await;
    sql(
        &app,
        "UPDATE account SET person_id = NULL WHERE person_id = ?1",
        person,
    )
    .await;
    assert_eq!(calendar_app.get(&link).await.status, StatusCode::NOT_FOUND);
    let email = crate::support::email_for(Role::Staff);
    app.state
        .db
        .write(move |tx| -> Result<usize, oncotrack::db::DbError> {
            Ok(tx.execute(
                "UPDATE account SET person_id = ?1 WHERE email = ?2",
                rusqlite::params![person, email],
            )?)
        })
        .await
        .expect("link again");
    assert_eq!(calendar_app.get(&link).await.status, StatusCode::OK);

    // Revoked from her page: the link answers 404.
    let id: i64 = app
        .query(|c| c.query_row("SELECT id FROM calendar_feed", [], |r| r.get(0)))
        .await;
    let r = sara
        .post(&format!("/calendar-feeds/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(calendar_app.get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        calendar_app.get("/calendar/not-a-token.ics").await.status,
        StatusCode::NOT_FOUND
    );
    // Nobody else revokes her links.
    let mut other_user = app.login_as(Role::Coordinator).await;
    let r = other_user
        .post(
            "/calendar-feeds",
            &[("kind", "offering"), ("offering", &mine.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let theirs: i64 = app
        .query(|c| c.query_row("SELECT max(id) FROM calendar_feed", [], |r| r.get(0)))
        .await;
    assert_eq!(
        sara.post(&format!("/calendar-feeds/{theirs}/revoke"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_lecturer_calendar_holds_only_confirmed_sessions() {
    let app = TestApp::new().await;
    let o = offering(&app, Spec::default()).await;
    let confirmed = session(&app, o, "2026-04-10T09:00", "2026-04-10T12:00", "Inledning").await;
    let offered = session(&app, o, "2026-04-11T09:00", "2026-04-11T12:00", "Praktik").await;
    let lecturer = app.token_for(Role::Lecturer).await;
    let coordinator = app.token_for(Role::Coordinator).await;
    let mut signups = Vec::new();
    for s in [confirmed, offered] {
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/sessions/{s}/signups"),
                Some(&lecturer),
                Some(json!({})),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        signups.push(r.json()["id"].as_i64().expect("signup id"));
    }
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/signups/{}", signups[0]),
            Some(&coordinator),
            Some(json!({"status": "confirmed"})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let mut b = app.login_as(Role::Lecturer).await;
    let page = b.post("/calendar-feeds", &[("kind", "lecturer")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let link = link_on(&page.text);
    let r = app.browser().get(&link).await;
    let cal = parse(&r.text);
    let uids: Vec<&str> = cal.events().filter_map(|e| e.get_uid()).collect();
    assert_eq!(uids, [format!("session-{confirmed}@oncotrack")]);
    // The link follows its maker: without the lecturer role it opens nothing,
    // and works again once the role is back.
    let account = lecturer_account(&app).await;
    sql(
        &app,
        "DELETE FROM account_role WHERE account_id = ?1 AND role = 'lecturer'",
        account,
    )
    .await;
    assert_eq!(app.browser().get(&link).await.status, StatusCode::NOT_FOUND);
    sql(
        &app,
        "INSERT INTO account_role (account_id, role) VALUES (?1, 'lecturer')",
        account,
    )
    .await;
    assert_eq!(app.browser().get(&link).await.status, StatusCode::OK);
    sql(&app, "UPDATE account SET active = 0 WHERE id = ?1", account).await;
    assert_eq!(app.browser().get(&link).await.status, StatusCode::NOT_FOUND);
    // Staff are not lecturers.
    let mut staff = app.login_as(Role::Staff).await;
    assert_eq!(
        staff
            .post("/calendar-feeds", &[("kind", "lecturer")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn signed_in_users_download_an_offering_calendar_and_coordinators_share_it() {
    let app = TestApp::new().await;
    let o = offering(&app, Spec::default()).await;
    let s = session(&app, o, "2026-04-10T09:00", "2026-04-10T12:00", "Inledning").await;
    let mut staff = app.login_as(Role::Staff).await;
    let page = staff.get(&format!("/offerings/{o}/enrol")).await;
    assert!(page.text.contains(&format!("/offerings/{o}/calendar.ics")));
    let r = staff.get(&format!("/offerings/{o}/calendar.ics")).await;
    assert_eq!(r.status, StatusCode::OK);
    event(&parse(&r.text), s);
    assert_eq!(
        app.browser()
            .get(&format!("/offerings/{o}/calendar.ics"))
            .await
            .status,
        StatusCode::SEE_OTHER,
        "not without signing in"
    );
    let mut coordinator = app.login_as(Role::Coordinator).await;
    let page = coordinator
        .post(
            "/calendar-feeds",
            &[("kind", "offering"), ("offering", &o.to_string())],
        )
        .await;
    let r = app.browser().get(&link_on(&page.text)).await;
    assert_eq!(r.status, StatusCode::OK);
    event(&parse(&r.text), s);
    let r = coordinator
        .post(
            "/calendar-feeds",
            &[("kind", "offering"), ("offering", "999")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
