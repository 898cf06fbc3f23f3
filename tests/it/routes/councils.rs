//! The councils' rows of the route table (see tests/it/routes.rs).

use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;

use super::{Route, Rule, r};
use crate::support::{TestApp, email_for};

/// Council 1's members: its secretary and a member (and administrators,
/// who see every council).
const SEE: &[Role] = &[Role::Admin, Role::CouncilSecretary, Role::CouncilMember];
/// Who edits council 1.
const EDIT: &[Role] = &[Role::Admin, Role::CouncilSecretary];
/// Members who only see.
const MEMBER: &[Role] = &[Role::CouncilMember];

/// This domain's routes and who may use them.
pub fn routes() -> Vec<Route> {
    use Rule::*;
    let write = RowWrite {
        see: MEMBER,
        write: EDIT,
    };
    vec![
        r(Method::GET, "/councils", SignedIn),
        r(Method::GET, "/councils/new", Roles(EDIT)),
        r(Method::POST, "/councils/new", Roles(EDIT)),
        r(Method::GET, "/councils/{id}", Rows(SEE)),
        r(Method::GET, "/councils/{id}/edit", write),
        r(Method::POST, "/councils/{id}/edit", write),
        r(Method::POST, "/councils/{id}/members", write),
        r(Method::POST, "/council-members/{id}/remove", write),
        r(Method::GET, "/councils/{id}/meetings.ics", Rows(SEE)),
        r(Method::POST, "/councils/{id}/calendar-feeds", Rows(SEE)),
        // Nobody's link: 404 for everyone signed in.
        r(
            Method::POST,
            "/council-calendar-feeds/{id}/revoke",
            SignedIn,
        ),
        // An unknown token: 404 for everyone, never a sign-in.
        r(Method::GET, "/council-calendar/{token}", Public),
        r(Method::GET, "/councils/{id}/meetings/new", write),
        r(Method::POST, "/councils/{id}/meetings/new", write),
        r(Method::GET, "/meetings/{id}", Rows(SEE)),
        r(Method::GET, "/meetings/{id}/edit", write),
        r(Method::POST, "/meetings/{id}/edit", write),
        r(Method::GET, "/meetings/{id}/minutes", Rows(SEE)),
        r(Method::POST, "/meetings/{id}/items", write),
        r(Method::POST, "/meetings/{id}/actions", write),
        r(Method::POST, "/meetings/{id}/attendance", write),
        r(Method::POST, "/meetings/{id}/approve-previous", write),
        r(Method::POST, "/meetings/{id}/corrections", write),
        r(Method::POST, "/meetings/{id}/cancel", write),
        r(Method::GET, "/agenda-items/{id}/edit", write),
        r(Method::POST, "/agenda-items/{id}/edit", write),
        r(Method::POST, "/agenda-items/{id}/up", write),
        r(Method::POST, "/agenda-items/{id}/down", write),
        r(Method::POST, "/agenda-items/{id}/carry-over", write),
        r(Method::POST, "/council-actions/{id}/status", write),
        r(Method::GET, "/councils/{id}/consultations", Rows(SEE)),
        r(Method::POST, "/councils/{id}/consultations", write),
        r(Method::GET, "/consultations/{id}", Rows(SEE)),
        r(Method::POST, "/consultations/{id}/documents", write),
        r(Method::POST, "/consultation-documents/{id}/answer", write),
        r(Method::POST, "/consultations/{id}/compile", write),
        r(Method::POST, "/consultations/{id}/send", write),
        r(Method::POST, "/consultations/{id}/share", write),
        r(
            Method::GET,
            "/api/v1/consultations",
            ApiOnly(SEE, StatusCode::NOT_FOUND),
        ),
        r(
            Method::GET,
            "/api/v1/consultations/{id}",
            ApiOnly(SEE, StatusCode::NOT_FOUND),
        ),
        r(
            Method::POST,
            "/api/v1/consultations/{id}/answers",
            ApiRowWrite {
                see: MEMBER,
                write: EDIT,
            },
        ),
        r(Method::GET, "/councils/{id}/nominations", Rows(SEE)),
        r(Method::POST, "/councils/{id}/nominations", write),
        r(Method::GET, "/councils/{id}/nominations.csv", Rows(SEE)),
        r(Method::GET, "/nomination-requests/{id}", Rows(SEE)),
        r(Method::POST, "/nomination-requests/{id}/nominate", write),
        r(Method::POST, "/nominations/{id}/withdraw", write),
        r(
            Method::GET,
            "/api/v1/nominations",
            ApiOnly(SEE, StatusCode::NOT_FOUND),
        ),
        r(
            Method::GET,
            "/api/v1/nominations/{id}",
            ApiOnly(SEE, StatusCode::NOT_FOUND),
        ),
        r(Method::GET, "/api/v1/councils", Api),
        r(
            Method::GET,
            "/api/v1/councils/{id}",
            ApiOnly(SEE, StatusCode::NOT_FOUND),
        ),
        r(
            Method::GET,
            "/api/v1/meetings/{id}",
            ApiOnly(SEE, StatusCode::NOT_FOUND),
        ),
        r(Method::GET, "/api/v1/actions", Api),
        r(
            Method::POST,
            "/api/v1/actions/{id}/status",
            ApiRowWrite {
                see: MEMBER,
                write: EDIT,
            },
        ),
    ]
}

/// Council 1 with its secretary and a member (the fixture accounts of
/// those roles) and a member of the register (member 1, whom the walk
/// removes); meeting 1 with item 1 and action 1.
pub async fn prepare(app: &TestApp) {
    use oncotrack::councils::{model::Function, store};
    let now = oncotrack::clock::Clock::now(&app.clock);
    let region = app.fixture.region;
    let nurse = app.fixture.nurse;
    app.state
        .db
        .write(move |tx| {
            let council = store::create_council(tx, "RAG onkologi", "RAG", now)?;
            store::set_regions(tx, council, &[region])?;
            let member = |person_id, account_id, function| store::NewMember {
                person_id,
                account_id,
                function,
                region_id: None,
                administration_id: None,
            };
            store::add_member(
                tx,
                council,
                &member(Some(nurse), None, Function::Member),
                now,
            )?;
            for (role, function) in [
                (Role::CouncilSecretary, Function::Secretary),
                (Role::CouncilMember, Function::Member),
            ] {
                let account: i64 = tx.query_row(
                    "SELECT id FROM account WHERE email = ?1",
                    [email_for(role)],
                    |r| r.get(0),
                )?;
                store::add_member(tx, council, &member(None, Some(account), function), now)?;
            }
            let meeting = store::create_meeting(
                tx,
                council,
                &store::MeetingTimes {
                    starts_at: now + chrono::Duration::days(7),
                    ends_at: now + chrono::Duration::days(7) + chrono::Duration::hours(2),
                    place: "Teams".into(),
                    link: String::new(),
                },
                now,
            )?;
            let item = store::add_item(
                tx,
                meeting,
                &store::ItemText {
                    title: "Föregående protokoll".into(),
                    ..Default::default()
                },
                None,
                now,
            )?;
            store::create_action(
                tx,
                council,
                meeting,
                &store::NewAction {
                    item_id: Some(item),
                    text: "Ordföranden tar fram ett förslag".into(),
                    responsible_person_id: None,
                    responsible: "Ordföranden".into(),
                    due_on: None,
                },
                now,
            )?;
            let round = store::create_consultation(
                tx,
                council,
                &store::NewConsultation {
                    title: "NVP palliativ vård".into(),
                    sender: "RCC".into(),
                    links: String::new(),
                    internal_due_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("day"),
                    external_due_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 9).expect("day"),
                },
                now,
            )?;
            store::add_document(
                tx,
                round,
                &store::NewDocument {
                    title: "Kapitel 5".into(),
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
                    title: "Kontaktperson för suicidprevention".into(),
                    description: String::new(),
                    per_administration: 1,
                    due_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("day"),
                    administrations: administrations.clone(),
                },
                now,
            )?;
            store::nominate(tx, request, administrations[0], nurse, "", None, now)?;
            Ok::<_, oncotrack::web::AppError>(())
        })
        .await
        .expect("council");
}

/// The body an API write needs to answer 200.
pub fn api_body(pattern: &str) -> Option<serde_json::Value> {
    match pattern {
        "/api/v1/actions/{id}/status" => Some(serde_json::json!({"status": "open"})),
        "/api/v1/consultations/{id}/answers" => Some(
            serde_json::json!({"document_id": 1, "answer": "Inga synpunkter", "status": "draft"}),
        ),
        _ => None,
    }
}
