//! This domain's rows of the route table (see tests/routes.rs): trainees,
//! training elements, placements, the timeline and the rotation reports.

use axum::http::{Method, StatusCode};
use oncotrack::auth::model::Role;
use oncotrack::organisation::model::Profession;
use oncotrack::organisation::store::{self as org, NewPerson};
use oncotrack::rotations::model::SalaryChange;
use oncotrack::rotations::placements::PlanInput;
use oncotrack::rotations::store;
use oncotrack::rotations::trainees::{Element, Rulebook, TraineeInput};

use super::{Route, Rule, r};
use crate::support::TestApp;

/// Read rotation pages.
const READERS: &[Role] = &[Role::Admin, Role::StudyDirector, Role::Manager];
/// Plan and change.
const WRITERS: &[Role] = &[Role::Admin, Role::StudyDirector];

/// This domain's routes and who may use them.
pub fn routes() -> Vec<Route> {
    use Rule::*;
    vec![
        r(Method::GET, "/trainees", Roles(READERS)),
        r(Method::GET, "/trainees/new", Roles(WRITERS)),
        r(Method::POST, "/trainees/new", Roles(WRITERS)),
        // Trainee 1 works in ONK1, the manager's unit.
        r(Method::GET, "/trainees/{id}", Roles(READERS)),
        r(Method::GET, "/trainees/{id}/edit", Roles(WRITERS)),
        r(Method::POST, "/trainees/{id}/edit", Roles(WRITERS)),
        r(Method::POST, "/trainees/{id}/salary", Roles(WRITERS)),
        r(Method::GET, "/training-elements", Roles(READERS)),
        r(Method::POST, "/training-elements", Roles(WRITERS)),
        r(Method::GET, "/training-elements/new", Roles(WRITERS)),
        r(Method::POST, "/training-elements/new", Roles(WRITERS)),
        r(Method::GET, "/training-elements/{id}/edit", Roles(WRITERS)),
        r(Method::POST, "/training-elements/{id}/edit", Roles(WRITERS)),
        r(Method::GET, "/placements", Roles(READERS)),
        r(Method::GET, "/placements/new", Roles(WRITERS)),
        r(Method::POST, "/placements/new", Roles(WRITERS)),
        r(Method::GET, "/placements/{id}", Roles(READERS)),
        r(Method::GET, "/placements/{id}/edit", Roles(WRITERS)),
        r(Method::POST, "/placements/{id}/edit", Roles(WRITERS)),
        // The walk approves placement 1, then cancels it; later posts are
        // refused with a message, never an error.
        r(Method::POST, "/placements/{id}/approve", Roles(WRITERS)),
        r(
            Method::POST,
            "/placements/{id}/home-periods",
            Roles(WRITERS),
        ),
        r(Method::POST, "/placements/{id}/certificate", Roles(WRITERS)),
        r(Method::POST, "/placements/{id}/cancel", Roles(WRITERS)),
        r(Method::GET, "/rotations/timeline", Roles(READERS)),
        r(Method::GET, "/rotations/reports/costs", Roles(READERS)),
        r(Method::GET, "/rotations/reports/costs.csv", Roles(READERS)),
        r(Method::GET, "/rotations/reports/costs.json", Roles(READERS)),
        r(
            Method::GET,
            "/api/v1/rotations/costs",
            ApiOnly(READERS, StatusCode::FORBIDDEN),
        ),
        r(Method::GET, "/rotations/reports/capacity", Roles(READERS)),
        r(
            Method::GET,
            "/rotations/reports/missing-elements",
            Roles(READERS),
        ),
    ]
}

/// Creates trainee 1 (an ST doctor in ONK1 with a salary), training element 1
/// and placement 1 (planned, at KIR1).
pub async fn prepare(app: &TestApp) {
    let (onk1, kir1) = (app.fixture.onk1, app.fixture.kir1);
    let now = oncotrack::clock::Clock::now(&app.clock);
    app.state
        .db
        .write(move |tx| -> Result<(), oncotrack::db::DbError> {
            let day = |s: &str| oncotrack::check::date(s).expect("date");
            let person = org::create_person(
                tx,
                &NewPerson {
                    name: "Tove Tränare".into(),
                    email: "tove.tranare@test.example".into(),
                    hsa_id: Some("SE9990000001-T0101".into()),
                    profession: Profession::StDoctor,
                    unit_id: onk1,
                    from: day("2024-01-01"),
                },
                now,
            )?;
            let trainee = store::create_trainee(
                tx,
                &TraineeInput {
                    person_id: person,
                    specialty: "Onkologi".into(),
                    rulebook: Rulebook::HslfFs2021_8,
                    st_start: day("2024-01-01"),
                    planned_end: day("2029-01-01"),
                    study_director: "Studierektor".into(),
                    supervisor: "Handledare".into(),
                },
                now,
            )?;
            store::add_salary(
                tx,
                trainee,
                SalaryChange {
                    from: day("2024-01-01"),
                    monthly_cost_ore: 6_000_000,
                },
                None,
                now,
            )?;
            let element = store::create_element(
                tx,
                &Element {
                    id: 0,
                    specialty: "Onkologi".into(),
                    name: "Strålbehandling".into(),
                    goals_largely: "STc2 STc3".into(),
                    goals_partly: String::new(),
                    suggested_months: 6,
                    at_host: true,
                    active: true,
                },
            )?;
            store::create_placement(
                tx,
                &PlanInput {
                    trainee_id: trainee,
                    host_unit_id: kir1,
                    kind: "radiotherapy".into(),
                    start: day("2026-04-01"),
                    end: day("2026-10-31"),
                    extent: 100,
                    host_supervisor: "Värdhandledare".into(),
                    elements: vec![element],
                },
                now,
            )?;
            Ok(())
        })
        .await
        .expect("placement rows");
}
