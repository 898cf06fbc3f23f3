//! Councils: meetings, agendas carried over, actions, frozen minutes,
//! members' access, reminders and the meetings' calendar.

use crate::support::{Client, TestApp, email_for};
use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;

/// The id at the end of a redirect to `{prefix}{id}` (anchors dropped).
fn id_after(location: Option<&str>, prefix: &str) -> i64 {
    location
        .and_then(|l| l.strip_prefix(prefix))
        .and_then(|s| s.split(['#', '/', '?']).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("expected a redirect to {prefix}{{id}}, got {location:?}"))
}

/// A council made by the secretary, in the fixture's region.
async fn council(app: &TestApp, c: &mut Client<'_>, name: &str) -> i64 {
    let region = app.fixture.region.to_string();
    let r = c
        .post(
            "/councils/new",
            &[("name", name), ("short_name", "RAG"), ("regions", &region)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    id_after(r.location(), "/councils/")
}

/// Plans a meeting on `day` 09:00–11:00 Stockholm time.
async fn meeting(c: &mut Client<'_>, council: i64, day: &str) -> i64 {
    let r = c
        .post(
            &format!("/councils/{council}/meetings/new"),
            &[
                ("day", day),
                ("start", "09:00"),
                ("end", "11:00"),
                ("place", "Teams"),
                ("link", "https://teams.example/rag"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    id_after(r.location(), "/meetings/")
}

async fn item(c: &mut Client<'_>, meeting: i64, title: &str) -> i64 {
    let r = c
        .post(
            &format!("/meetings/{meeting}/items"),
            &[("title", title), ("responsible", "Ordföranden")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.location()
        .and_then(|l| l.split("#item-").nth(1))
        .and_then(|s| s.parse().ok())
        .expect("item id")
}

/// `(title, carried_from)` of a meeting's agenda, from the API.
async fn agenda(app: &TestApp, token: &str, meeting: i64) -> Vec<(String, Option<i64>)> {
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/meetings/{meeting}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap_or("").to_string(),
                i["carried_from"].as_i64(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_item_moved_to_the_next_meeting_appears_there_exactly_once() {
    let app = TestApp::new().await;
    let mut s = app.login_as(Role::CouncilSecretary).await;
    let token = app.token_for(Role::CouncilSecretary).await;
    let rag = council(&app, &mut s, "RAG onkologi").await;
    let september = meeting(&mut s, rag, "2026-09-10").await;
    let nvp = item(&mut s, september, "Remiss: NVP binjuretumörer").await;
    item(&mut s, september, "Föregående protokoll").await;
    // Moved before a next meeting exists: it waits.
    let r = s
        .post(&format!("/agenda-items/{nvp}/carry-over"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let october = meeting(&mut s, rag, "2026-10-08").await;
    assert_eq!(
        agenda(&app, &token, october).await,
        [("Remiss: NVP binjuretumörer".to_string(), Some(nvp))],
        "placed when the next meeting is planned"
    );
    // Moving it again, or planning more meetings, adds nothing.
    s.post(&format!("/agenda-items/{nvp}/carry-over"), &[])
        .await;
    let november = meeting(&mut s, rag, "2026-11-12").await;
    meeting(&mut s, rag, "2026-09-24").await;
    assert_eq!(agenda(&app, &token, october).await.len(), 1);
    assert!(agenda(&app, &token, november).await.is_empty());
    // The original keeps its place in September's minutes, marked moved.
    let page = s.get(&format!("/meetings/{september}")).await;
    assert!(
        page.text.contains("Flyttas över till nästa möte"),
        "{}",
        page.text
    );
    let page = s.get(&format!("/meetings/{october}")).await;
    assert!(
        page.text.contains("Flyttad från mötet 2026-09-10"),
        "{}",
        page.text
    );
    // October cancelled: its items move on to November, once.
    let continued = agenda(&app, &token, october).await;
    assert_eq!(continued.len(), 1);
    let r = s.post(&format!("/meetings/{october}/cancel"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let moved = agenda(&app, &token, november).await;
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0].0, "Remiss: NVP binjuretumörer");
    s.post(&format!("/meetings/{october}/cancel"), &[]).await;
    assert_eq!(agenda(&app, &token, november).await.len(), 1);
    // A cancelled meeting takes no new items.
    let r = s
        .post(&format!("/meetings/{october}/items"), &[("title", "Sent")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("mötet är inställt"), "{}", r.text);
}

#[tokio::test]
async fn an_action_due_at_the_next_meeting_follows_that_meeting_when_it_moves() {
    let app = TestApp::new().await;
    let mut s = app.login_as(Role::CouncilSecretary).await;
    let token = app.token_for(Role::CouncilSecretary).await;
    let rag = council(&app, &mut s, "RAG onkologi").await;
    let september = meeting(&mut s, rag, "2026-09-10").await;
    let proposal = item(&mut s, september, "Regional vårdprocess").await;
    let r = s
        .post(
            &format!("/meetings/{september}/actions"),
            &[
                ("item_id", &proposal.to_string()),
                (
                    "text",
                    "Ordföranden tar fram ett förslag och skickar till rådet",
                ),
                ("responsible_name", "Ordföranden"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let due = |j: serde_json::Value| j["actions"][0]["due"].clone();
    async fn detail(app: &TestApp, token: &str, meeting: i64) -> serde_json::Value {
        app.api(
            Method::GET,
            &format!("/api/v1/meetings/{meeting}"),
            Some(token),
            None,
        )
        .await
        .json()
    }
    assert_eq!(
        due(detail(&app, &token, september).await)["kind"],
        "next_meeting_unplanned"
    );
    let october = meeting(&mut s, rag, "2026-10-08").await;
    assert_eq!(
        due(detail(&app, &token, september).await),
        serde_json::json!({"kind": "next_meeting", "meeting_id": october, "day": "2026-10-08"})
    );
    // The October meeting moves to the 15th: the action is due then.
    let r = s
        .post(
            &format!("/meetings/{october}/edit"),
            &[("day", "2026-10-15"), ("start", "13:00"), ("end", "15:00")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        due(detail(&app, &token, september).await)["day"],
        "2026-10-15"
    );
    // Followed up in October and carried over: due at the meeting after.
    let action = detail(&app, &token, september).await["actions"][0]["id"]
        .as_i64()
        .expect("id");
    let november = meeting(&mut s, rag, "2026-11-12").await;
    let r = s
        .post(
            &format!("/council-actions/{action}/status"),
            &[
                ("status", "carried_over"),
                ("note", "Återkommer"),
                ("at", &october.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let d = due(detail(&app, &token, september).await);
    assert_eq!(d["meeting_id"].as_i64(), Some(november), "{d}");
    // November's agenda follows it up; October's did before.
    let page = s.get(&format!("/meetings/{november}")).await;
    assert!(
        page.text.contains("Ordföranden tar fram ett förslag"),
        "{}",
        page.text
    );
    // A day that is not a day is refused, naming the field, nothing written.
    let r = s
        .post(
            &format!("/meetings/{september}/actions"),
            &[
                ("text", "X"),
                ("responsible_name", "Y"),
                ("due_on", "2026-02-30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/actions?council={rag}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn approved_minutes_are_frozen_and_only_corrected_by_appending() {
    let app = TestApp::new().await;
    let mut s = app.login_as(Role::CouncilSecretary).await;
    let rag = council(&app, &mut s, "RAG onkologi").await;
    let first = meeting(&mut s, rag, "2026-03-05").await;
    let point = item(&mut s, first, "Kontaktpersoner suicidprevention").await;
    let second = meeting(&mut s, rag, "2026-04-02").await;
    // Not before the second meeting has begun (the clock is at 2 March).
    let r = s
        .post(&format!("/meetings/{second}/approve-previous"), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Minutes not yet approved are edited, not corrected.
    let r = s
        .post(
            &format!("/meetings/{first}/corrections"),
            &[("text", "Rättelse")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("inte godkänt"), "{}", r.text);
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-04-02T07:30:00Z")
            .expect("t")
            .to_utc(),
    );
    // A month later: signed in again.
    let mut s = app.login_as(Role::CouncilSecretary).await;
    let r = s
        .post(&format!("/meetings/{second}/approve-previous"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.location(), Some(format!("/meetings/{second}").as_str()));
    let r = s
        .post(&format!("/meetings/{second}/approve-previous"), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "approved once");
    // Frozen: no edit, no new item, no new action, no attendance.
    let r = s
        .post(
            &format!("/agenda-items/{point}/edit"),
            &[("title", "Ändrad"), ("notes", "I efterhand")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("protokollet är godkänt"), "{}", r.text);
    for path in [
        format!("/meetings/{first}/items"),
        format!("/agenda-items/{point}/carry-over"),
        format!("/agenda-items/{point}/up"),
    ] {
        let r = s.post(&path, &[("title", "Ny")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }
    // A correction is appended and shown in the minutes.
    let r = s
        .post(
            &format!("/meetings/{first}/corrections"),
            &[
                ("item_id", &point.to_string()),
                ("text", "Region B:s kontaktperson är namngiven"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let minutes = s.get(&format!("/meetings/{first}/minutes")).await;
    assert_eq!(minutes.status, StatusCode::OK);
    for text in [
        "Mötespunkt",
        "Anteckning",
        "Ansvarig",
        "Kontaktpersoner suicidprevention",
        "Rättelser",
        "Region B:s kontaktperson är namngiven",
        "Protokollet godkänt",
    ] {
        assert!(minutes.text.contains(text), "{text}: {}", minutes.text);
    }
    assert!(!minutes.text.contains("I efterhand"));
    let audit: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT count(*) FROM audit_log WHERE action IN ('meeting.approve_minutes', 'meeting.correction')",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(audit, 2);
}

#[tokio::test]
async fn members_see_the_work_the_secretary_edits_and_the_responsible_marks_their_own() {
    let app = TestApp::new().await;
    let mut s = app.login_as(Role::CouncilSecretary).await;
    let rag = council(&app, &mut s, "RAG onkologi").await;
    // The nurse of the register (the Staff account) and the member account.
    for (who, function) in [
        (email_for(Role::Staff), "member"),
        ("SE9990000001-T0002".to_string(), "adjunct"),
        (email_for(Role::CouncilMember), "chair"),
    ] {
        let r = s
            .post(
                &format!("/councils/{rag}/members"),
                &[("who", &who), ("function", function)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}: {}", r.text);
    }
    let r = s
        .post(
            &format!("/councils/{rag}/members"),
            &[("who", &email_for(Role::Staff)), ("function", "member")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "twice");
    assert!(r.text.contains("är redan ledamot"), "{}", r.text);
    let r = s
        .post(
            &format!("/councils/{rag}/members"),
            &[("who", "ingen@test.example"), ("function", "member")],
        )
        .await;
    assert!(
        r.text.contains("ingen person eller användare"),
        "{}",
        r.text
    );
    let first = meeting(&mut s, rag, "2026-03-12").await;
    let point = item(&mut s, first, "Läkare till regional vårdprocess").await;
    let r = s
        .post(
            &format!("/meetings/{first}/actions"),
            &[
                ("item_id", &point.to_string()),
                ("text", "Föreslå en läkare på 20-30 %"),
                ("responsible_person", &app.fixture.nurse.to_string()),
                ("due_on", "2026-03-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // Attendance: an adjunct needs the item they attend.
    let members: Vec<i64> = app
        .query(move |c| {
            c.prepare("SELECT id FROM council_member WHERE council_id = ?1 ORDER BY id")?
                .query_map([rag], |r| r.get(0))?
                .collect()
        })
        .await;
    let adjunct = members[2];
    let r = s
        .post(
            &format!("/meetings/{first}/attendance"),
            &[(&format!("status_{adjunct}"), "adjunct")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .post(
            &format!("/meetings/{first}/attendance"),
            &[
                (&format!("status_{}", members[1]), "absent"),
                (&format!("status_{adjunct}"), "adjunct"),
                (&format!("item_{adjunct}"), &point.to_string()),
                (&format!("status_{}", members[3]), "present"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let minutes = s.get(&format!("/meetings/{first}/minutes")).await;
    assert!(minutes.text.contains("Förhinder"), "{}", minutes.text);
    assert!(
        minutes.text.contains("Åke Öhman (punkt 1)"),
        "{}",
        minutes.text
    );

    // The chair (a member account) sees everything and edits nothing.
    let mut chair = app.login_as(Role::CouncilMember).await;
    assert_eq!(
        chair.get(&format!("/councils/{rag}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        chair.get(&format!("/meetings/{first}")).await.status,
        StatusCode::OK
    );
    let r = chair
        .post(&format!("/meetings/{first}/items"), &[("title", "X")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Someone on no council does not learn it exists.
    let mut outsider = app.login_as(Role::Coordinator).await;
    assert_eq!(
        outsider.get(&format!("/councils/{rag}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        outsider
            .get(&format!("/meetings/{first}/minutes"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The nurse finds her action on the start page and marks it done, but
    // may not drop it.
    let mut nurse = app.login_as(Role::Staff).await;
    let home = nurse.get("/").await;
    assert!(
        home.text.contains("Föreslå en läkare på 20-30 %"),
        "{}",
        home.text
    );
    let action: i64 = app
        .query(|c| c.query_row("SELECT id FROM council_action", [], |r| r.get(0)))
        .await;
    let r = nurse
        .post(
            &format!("/council-actions/{action}/status"),
            &[("status", "dropped")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = nurse
        .post(
            &format!("/council-actions/{action}/status"),
            &[("status", "done"), ("next", "/")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.location(), Some("/"));
    let home = nurse.get("/").await;
    assert!(!home.text.contains("Föreslå en läkare på 20-30 %"));
    // Members who left stay in old minutes but no longer see the council.
    let r = s
        .post(&format!("/council-members/{}/remove", members[3]), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        chair.get(&format!("/councils/{rag}")).await.status,
        StatusCode::NOT_FOUND
    );
    let minutes = s.get(&format!("/meetings/{first}/minutes")).await;
    assert!(
        minutes.text.contains("Test council_member"),
        "{}",
        minutes.text
    );
}

#[tokio::test]
async fn an_overdue_action_is_reminded_once_through_the_outbox() {
    let app = TestApp::new().await;
    let mut s = app.login_as(Role::CouncilSecretary).await;
    let rag = council(&app, &mut s, "RAG onkologi").await;
    let first = meeting(&mut s, rag, "2026-02-05").await;
    for (text, due) in [
        ("Dokumentet klart", "2026-03-01"),
        ("Inte än", "2026-03-02"),
    ] {
        let r = s
            .post(
                &format!("/meetings/{first}/actions"),
                &[
                    ("text", text),
                    ("responsible_person", &app.fixture.nurse.to_string()),
                    ("due_on", due),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("day");
    let now = oncotrack::clock::Clock::now(&app.clock);
    for _ in 0..2 {
        oncotrack::councils::queue_reminders(
            &app.state.db,
            today,
            now,
            Some("https://oncotrack.example".into()),
            oncotrack::db::Actor::system(),
        )
        .await
        .expect("reminders");
    }
    let rows: Vec<(String, String, String)> = app
        .query(|c| {
            c.prepare(
                "SELECT to_email, subject, body FROM outbox WHERE kind = 'council_action_overdue'",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect()
        })
        .await;
    assert_eq!(
        rows.len(),
        1,
        "once, and only the one past its day: {rows:?}"
    );
    assert_eq!(rows[0].0, email_for(Role::Staff));
    assert!(rows[0].2.contains("Dokumentet klart"), "{}", rows[0].2);
    assert!(
        rows[0].2.contains("https://oncotrack.example/councils/"),
        "{}",
        rows[0].2
    );
    let page = s.get(&format!("/councils/{rag}")).await;
    assert!(page.text.contains("Försenad"), "flagged: {}", page.text);
}

#[tokio::test]
async fn the_meetings_calendar_is_icalendar_a_parser_reads() {
    let app = TestApp::new().await;
    let mut s = app.login_as(Role::CouncilSecretary).await;
    let rag = council(&app, &mut s, "RAG onkologi").await;
    let summer = meeting(&mut s, rag, "2026-06-11").await;
    let winter = meeting(&mut s, rag, "2026-12-10").await;
    s.post(&format!("/meetings/{winter}/cancel"), &[]).await;
    let r = s.get(&format!("/councils/{rag}/meetings.ics")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("text/calendar")
    );
    let parsed: icalendar::Calendar = r.text.parse().expect("parses");
    let events: Vec<_> = parsed
        .components
        .iter()
        .filter_map(|c| match c {
            icalendar::CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 2);
    use icalendar::Component;
    let by_uid = |id: i64| {
        events
            .iter()
            .find(|e| e.get_uid() == Some(&format!("meeting-{id}@oncotrack")))
            .expect("event")
    };
    assert_eq!(by_uid(summer).get_summary(), Some("RAG onkologi"));
    assert!(
        r.text
            .contains("DTSTART;TZID=Europe/Stockholm:20260611T090000"),
        "summer time kept as local: {}",
        r.text
    );
    assert!(
        r.text
            .contains("DTSTART;TZID=Europe/Stockholm:20261210T090000")
    );
    assert_eq!(
        by_uid(winter).property_value("STATUS"),
        Some("CANCELLED"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn a_member_subscribes_to_the_meetings_until_she_leaves_or_revokes() {
    let app = TestApp::new().await;
    let mut secretary = app.login_as(Role::CouncilSecretary).await;
    let rag = council(&app, &mut secretary, "RAG onkologi").await;
    meeting(&mut secretary, rag, "2026-06-11").await;
    let r = secretary
        .post(
            &format!("/councils/{rag}/members"),
            &[("who", &email_for(Role::Staff)), ("function", "member")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let mut member = app.login_as(Role::Staff).await;
    let page = member
        .post(&format!("/councils/{rag}/calendar-feeds"), &[])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let start = page
        .text
        .find("/council-calendar/")
        .expect("the link, once");
    let end = page.text[start..].find(".ics").expect(".ics") + start + 4;
    let link = page.text[start..end].to_string();
    assert!(link.len() > 60, "an unguessable token: {link}");
    assert!(page.text.contains(r#"href="webcal://"#), "{}", page.text);
    // Shown once: the council's page lists the link, not its address.
    let again = member.get(&format!("/councils/{rag}")).await;
    assert!(!again.text.contains(&link));
    assert!(again.text.contains("Länk skapad"), "{}", again.text);

    let mut calendar_app = app.browser();
    let r = calendar_app.get(&link).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let parsed: icalendar::Calendar = r.text.parse().expect("parses");
    assert_eq!(
        parsed
            .components
            .iter()
            .filter(|c| matches!(c, icalendar::CalendarComponent::Event(_)))
            .count(),
        1
    );

    // Out of the council, her link opens nothing; someone else's revoke
    // request is not found.
    let member_id: i64 = app
        .query(move |c| {
            c.query_row(
                "SELECT m.id FROM council_member m JOIN account a ON a.person_id = m.person_id OR a.id = m.account_id
                 WHERE m.council_id = ?1 AND a.email = ?2",
                rusqlite::params![rag, email_for(Role::Staff)],
                |r| r.get(0),
            )
        })
        .await;
    let r = secretary
        .post(&format!("/council-members/{member_id}/remove"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(calendar_app.get(&link).await.status, StatusCode::NOT_FOUND);

    // The secretary's own link works until she revokes it.
    let page = secretary
        .post(&format!("/councils/{rag}/calendar-feeds"), &[])
        .await;
    let start = page.text.find("/council-calendar/").expect("link");
    let end = page.text[start..].find(".ics").expect(".ics") + start + 4;
    let link = page.text[start..end].to_string();
    assert_eq!(calendar_app.get(&link).await.status, StatusCode::OK);
    let feed: i64 = app
        .query(|c| c.query_row("SELECT max(id) FROM calendar_feed", [], |r| r.get(0)))
        .await;
    assert_eq!(
        member
            .post(&format!("/council-calendar-feeds/{feed}/revoke"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(calendar_app.get(&link).await.status, StatusCode::OK);
    let r = secretary
        .post(&format!("/council-calendar-feeds/{feed}/revoke"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(calendar_app.get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        calendar_app
            .get("/council-calendar/not-a-token.ics")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_round_is_answered_late_answers_marked_then_compiled_sent_and_shared_back() {
    let app = TestApp::new().await;
    let mut s = app.login_as(Role::CouncilSecretary).await;
    let rag = council(&app, &mut s, "RAG onkologi").await;
    let r = s
        .post(
            &format!("/councils/{rag}/members"),
            &[("who", &email_for(Role::Staff)), ("function", "member")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // The internal deadline comes first.
    let round = |internal: &'static str| {
        [
            ("title", "NVP palliativ vård"),
            ("sender", "RCC i samverkan"),
            ("internal_due_on", internal),
            ("external_due_on", "2026-03-20"),
        ]
    };
    let r = s
        .post(
            &format!("/councils/{rag}/consultations"),
            &round("2026-03-20"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text
            .contains("den interna svarsdagen måste ligga före den externa"),
        "{}",
        r.text
    );
    let r = s
        .post(
            &format!("/councils/{rag}/consultations"),
            &round("2026-03-10"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let k = id_after(r.location(), "/consultations/");
    // Two documents: one by the nurse (by HSA-id), one by Åke Öhman.
    let administration = format!("a{}", app.fixture.administration);
    for (title, people) in [
        ("Kapitel 5: symtomlindring", "SE9990000001-T0001"),
        ("Bilaga: akut onkologi", "ake.ohman@test.example"),
    ] {
        let r = s
            .post(
                &format!("/consultations/{k}/documents"),
                &[
                    ("title", title),
                    ("represents", &administration),
                    ("people", people),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let r = s
        .post(
            &format!("/consultations/{k}/documents"),
            &[("title", "X"), ("people", "ingen@test.example")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("ingen@test.example: ingen person"),
        "{}",
        r.text
    );
    let docs: Vec<i64> = app
        .query(|c| {
            c.prepare("SELECT id FROM consultation_document ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .await;
    // Three days before the internal deadline, both are reminded, once.
    for _ in 0..2 {
        oncotrack::councils::queue_reminders(
            &app.state.db,
            chrono::NaiveDate::from_ymd_opt(2026, 3, 7).expect("day"),
            oncotrack::clock::Clock::now(&app.clock),
            None,
            oncotrack::db::Actor::system(),
        )
        .await
        .expect("reminders");
    }
    let reminded: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT count(*) FROM outbox WHERE kind = 'consultation_reminder'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(reminded, 2);
    // The nurse answers her document in time.
    let mut nurse = app.login_as(Role::Staff).await;
    let d0 = docs[0];
    let r = nurse
        .post(
            &format!("/consultation-documents/{d0}/answer"),
            &[
                (
                    &format!("answer-{d0}"),
                    "Regionen tillstyrker med en synpunkt om brytpunktssamtal.",
                ),
                (&format!("status-{d0}"), "submitted"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // She may not answer the other document.
    let d1 = docs[1];
    let r = nurse
        .post(
            &format!("/consultation-documents/{d1}/answer"),
            &[
                (&format!("answer-{d1}"), "X"),
                (&format!("status-{d1}"), "draft"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // After the internal deadline the other answer is taken, marked late.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-03-12T08:00:00Z")
            .expect("t")
            .to_utc(),
    );
    let mut s = app.login_as(Role::CouncilSecretary).await;
    let r = s
        .post(
            &format!("/consultation-documents/{d1}/answer"),
            &[
                (&format!("answer-{d1}"), "Inga synpunkter på bilagan."),
                (&format!("status-{d1}"), "submitted"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let token = app.token_for(Role::CouncilSecretary).await;
    let j = app
        .api(
            Method::GET,
            &format!("/api/v1/consultations/{k}"),
            Some(&token),
            None,
        )
        .await
        .json();
    let late: Vec<bool> = j["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| d["late"].as_bool().expect("late"))
        .collect();
    assert_eq!(late, [false, true]);
    let page = s.get(&format!("/consultations/{k}")).await;
    assert!(page.text.contains("Sent inlämnat"), "{}", page.text);
    // Compiled (the form starts from the answers), sent, shared back.
    assert!(
        page.text.contains("Regionen tillstyrker"),
        "the draft: {}",
        page.text
    );
    let r = s
        .post(&format!("/consultations/{k}/send"), &[("sent_to", "RCC")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing compiled yet"
    );
    let r = s
        .post(
            &format!("/consultations/{k}/compile"),
            &[(
                "compiled_answer",
                "Regionerna tillstyrker. Se bilagda synpunkter.",
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // Members see the compiled answer only once it is shared.
    let before = nurse.get(&format!("/consultations/{k}")).await;
    assert!(
        !before.text.contains("Regionerna tillstyrker"),
        "{}",
        before.text
    );
    let r = s.post(&format!("/consultations/{k}/share"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "not sent yet");
    let r = s
        .post(
            &format!("/consultations/{k}/send"),
            &[("sent_to", "RCC Sydost")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = s.post(&format!("/consultations/{k}/share"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let shared: Vec<String> = app
        .query(|c| {
            c.prepare(
                "SELECT to_email FROM outbox WHERE kind = 'consultation_shared' ORDER BY to_email",
            )?
            .query_map([], |r| r.get(0))?
            .collect()
        })
        .await;
    assert_eq!(
        shared,
        [
            "ake.ohman@test.example".to_string(),
            email_for(Role::CouncilSecretary),
            email_for(Role::Staff)
        ],
        "every participant once"
    );
    let mut nurse = app.login_as(Role::Staff).await;
    let after = nurse.get(&format!("/consultations/{k}")).await;
    assert!(
        after.text.contains("Regionerna tillstyrker"),
        "{}",
        after.text
    );
    // Sent: answers are closed.
    let r = s
        .post(
            &format!("/consultation-documents/{d1}/answer"),
            &[
                (&format!("answer-{d1}"), "Ändrat"),
                (&format!("status-{d1}"), "submitted"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The history is searchable.
    let hit = s
        .get(&format!("/councils/{rag}/consultations?q=palliativ"))
        .await;
    assert!(hit.text.contains("NVP palliativ vård"), "{}", hit.text);
    let hit = s
        .get(&format!("/councils/{rag}/consultations?q=brytpunkt"))
        .await;
    assert!(
        hit.text.contains("NVP palliativ vård"),
        "answers too: {}",
        hit.text
    );
    let miss = s
        .get(&format!("/councils/{rag}/consultations?q=binjure"))
        .await;
    assert!(
        !miss.text.contains(&format!("href=\"/consultations/{k}\"")),
        "{}",
        miss.text
    );
}

/// Gives the fixture manager the whole administration (their grant is for
/// one unit otherwise).
async fn manager_of_the_administration(app: &TestApp) {
    let administration = app.fixture.administration;
    app.state
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
}

#[tokio::test]
async fn an_administration_is_done_in_the_matrix_only_when_everyone_asked_for_is_named() {
    let app = TestApp::new().await;
    manager_of_the_administration(&app).await;
    let mut s = app.login_as(Role::CouncilSecretary).await;
    let rag = council(&app, &mut s, "RAG onkologi").await;
    let administration = app.fixture.administration.to_string();
    let mut requests = Vec::new();
    for (title, per) in [
        ("Kontaktperson för suicidprevention", "1"),
        ("Två ledamöter till palliativ arbetsgrupp", "2"),
    ] {
        let r = s
            .post(
                &format!("/councils/{rag}/nominations"),
                &[
                    ("title", title),
                    ("per_administration", per),
                    ("due_on", "2026-04-30"),
                    ("administrations", &administration),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        requests.push(id_after(r.location(), "/nomination-requests/"));
    }
    let r = s
        .post(
            &format!("/councils/{rag}/nominations"),
            &[
                ("title", "X"),
                ("per_administration", "0"),
                ("due_on", "2026-04-30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The manager is on no council, yet names for his administration: his
    // start page lists what is asked of it.
    let mut m = app.login_as(Role::Manager).await;
    let home = m.get("/").await;
    assert!(
        home.text
            .contains("Förfrågningar som väntar på namn från er förvaltning"),
        "{}",
        home.text
    );
    for r in &requests {
        assert!(
            home.text
                .contains(&format!("href=\"/nomination-requests/{r}\"")),
            "{}",
            home.text
        );
    }
    assert!(home.text.contains("saknas (2)") && home.text.contains("senast 2026-04-30"));
    let page = m
        .get(&format!("/nomination-requests/{}", requests[0]))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("saknas (1)"), "{}", page.text);
    async fn name(
        m: &mut Client<'_>,
        administration: &str,
        who: &str,
        request: i64,
    ) -> crate::support::TestResponse {
        m.post(
            &format!("/nomination-requests/{request}/nominate"),
            &[
                ("administration_id", administration),
                ("who", who),
                ("note", "20 %"),
            ],
        )
        .await
    }
    let r = name(&mut m, &administration, "SE9990000001-T0001", requests[0]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = name(&mut m, &administration, "SE9990000001-T0001", requests[0]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "twice");
    assert!(r.text.contains("är redan namngiven"), "{}", r.text);
    let r = name(&mut m, &administration, "SE9990000001-T0001", requests[1]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // One of two named: not done.
    let csv_of = |text: &str| -> Vec<Vec<String>> {
        let body = text.strip_prefix('\u{feff}').expect("BOM");
        csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .from_reader(body.as_bytes())
            .records()
            .map(|r| r.expect("record").iter().map(str::to_string).collect())
            .collect()
    };
    let table = csv_of(
        &s.get(&format!("/councils/{rag}/nominations.csv"))
            .await
            .text,
    );
    assert_eq!(
        table[0],
        [
            "Region",
            "Förvaltning",
            "Kontaktperson för suicidprevention",
            "Två ledamöter till palliativ arbetsgrupp"
        ]
    );
    assert_eq!(table.len(), 2, "{table:?}");
    assert_eq!(table[1][2], "Sara Sjöström");
    assert_eq!(table[1][3], "Sara Sjöström (saknas)");
    let r = name(
        &mut m,
        &administration,
        "ake.ohman@test.example",
        requests[1],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let table = csv_of(
        &s.get(&format!("/councils/{rag}/nominations.csv"))
            .await
            .text,
    );
    assert_eq!(table[1][3], "Sara Sjöström, Åke Öhman");
    // Everyone asked for is named: nothing waits on his start page.
    let home = m.get("/").await;
    assert!(
        !home.text.contains("Förfrågningar som väntar på namn"),
        "{}",
        home.text
    );
    let matrix = s.get(&format!("/councils/{rag}/nominations")).await;
    assert_eq!(
        matrix.text.matches("badge ok").count(),
        2,
        "{}",
        matrix.text
    );
    // Withdrawn, the administration is missing someone again.
    let nomination: i64 = app
        .query(|c| c.query_row("SELECT max(id) FROM nomination", [], |r| r.get(0)))
        .await;
    let r = m
        .post(&format!("/nominations/{nomination}/withdraw"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let table = csv_of(
        &s.get(&format!("/councils/{rag}/nominations.csv"))
            .await
            .text,
    );
    assert_eq!(table[1][3], "Sara Sjöström (saknas)");
    // Someone with no part in it sees nothing; the API gives the matrix.
    let mut outsider = app.login_as(Role::Coordinator).await;
    assert_eq!(
        outsider
            .get(&format!("/nomination-requests/{}", requests[0]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let token = app.token_for(Role::CouncilSecretary).await;
    let j = app
        .api(
            Method::GET,
            &format!("/api/v1/nominations?council={rag}"),
            Some(&token),
            None,
        )
        .await
        .json();
    let done: Vec<bool> = j["rows"][0]["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| c["done"].as_bool().expect("done"))
        .collect();
    assert_eq!(done, [true, false]);
}
