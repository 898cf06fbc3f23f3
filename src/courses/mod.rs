//! Courses and their offerings (kurstillfällen): sessions, the lecturers who
//! volunteer to teach them, enrolment with a waitlist, attendance and
//! completion (which records a licence when the course grants one), and
//! iCalendar feeds.
//!
//! - `model` (with `model::enrolment`) and `calendar`: the rules, pure.
//! - `store`: the SQL.
//! - `actions`: every change, on a unit of work; `notices`: the e-mails
//!   they send, in each recipient's language.
//! - Pages by subject (`course_pages`, `offering_pages`, `lecturer_pages`,
//!   `enrolment_pages`, `calendar_pages`, shared parts in `pages`) and the
//!   API (`api`, `enrolment_api`).
//! - `enrolment`: enrolment by the name the rest of the application uses.

pub mod actions;
pub mod api;
pub mod calendar;
pub mod calendar_pages;
pub mod course_pages;
pub mod enrolment;
pub mod enrolment_api;
pub mod enrolment_pages;
pub mod lecturer_pages;
pub mod model;
pub mod notices;
pub mod offering_pages;
pub mod pages;
pub mod store;

use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::web::edit;

/// Course pages and the course API.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(catalogue_router())
        .merge(lecturer_router())
        .merge(enrolment_router())
        .routes(routes!(api::list_courses, api::create_course))
        .routes(routes!(api::list_offerings, api::create_offering))
        .routes(routes!(api::get_offering))
        .routes(routes!(api::list_sessions, api::create_session))
        .routes(routes!(api::get_session))
        .routes(routes!(api::list_signups, api::volunteer, api::withdraw))
        .routes(routes!(api::get_signup, api::decide))
}

/// Courses, offerings and sessions.
fn catalogue_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::from(edit::routes::<AppState, course_pages::CourseForm>(
        "/courses/new",
        "/courses/{id}/edit",
    ))
    .merge(OpenApiRouter::from(edit::routes::<
        AppState,
        offering_pages::OfferingForm,
    >(
        "/offerings/new",
        "/offerings/{id}/edit",
    )))
    .route("/courses", get(course_pages::courses_page))
    .route("/courses/{id}", get(course_pages::course_page))
    .route("/offerings", get(offering_pages::offerings_page))
    .route("/offerings/{id}", get(offering_pages::offering_page))
    .route(
        "/offerings/{id}/status",
        post(offering_pages::change_status),
    )
    .route(
        "/offerings/{id}/sessions",
        post(offering_pages::add_session),
    )
    .route(
        "/sessions/{id}/edit",
        get(offering_pages::edit_session_page).post(offering_pages::update_session),
    )
    .route(
        "/sessions/{id}/cancel",
        get(offering_pages::cancel_session_page).post(offering_pages::cancel_session),
    )
    .route(
        "/offerings/{id}/cancel",
        get(offering_pages::cancel_offering_page),
    )
}

/// The board, volunteering, decisions and the teaching record.
fn lecturer_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/sessions/{id}/volunteer", post(lecturer_pages::volunteer))
        .route(
            "/sessions/{id}/withdraw",
            get(lecturer_pages::withdraw_page).post(lecturer_pages::withdraw),
        )
        .route("/signups/{id}/confirm", post(lecturer_pages::confirm))
        .route("/signups/{id}/decline", post(lecturer_pages::decline))
        .route("/lecturers-wanted", get(lecturer_pages::board_page))
        .route("/teaching", get(lecturer_pages::teaching_page))
        .route("/teaching.csv", get(lecturer_pages::teaching_csv))
}

/// Enrolment, participants and calendars, pages and API.
fn enrolment_router() -> OpenApiRouter<AppState> {
    use enrolment_api as api;
    use enrolment_pages as pages;
    OpenApiRouter::new()
        .route("/enrolments", get(pages::my_enrolments))
        .route(
            "/offerings/{id}/enrol",
            get(pages::enrol_page).post(pages::enrol_submit),
        )
        .route("/enrolments/{id}/cancel", post(pages::cancel_submit))
        .route(
            "/offerings/{id}/participants",
            get(pages::participants_page),
        )
        .route(
            "/offerings/{id}/participants.csv",
            get(pages::participants_csv),
        )
        .route(
            "/offerings/{id}/participants.json",
            get(pages::participants_json),
        )
        .route(
            "/enrolments/{id}/attendance",
            post(pages::attendance_submit),
        )
        .route(
            "/offerings/{id}/attendance/all-present",
            post(pages::all_present_submit),
        )
        .route(
            "/offerings/{id}/attendance-list",
            get(pages::attendance_list),
        )
        .route("/enrolments/{id}/complete", post(pages::complete_submit))
        .route("/enrolments/{id}/undo-completion", post(pages::undo_submit))
        .route("/calendar-feeds", post(calendar_pages::create_feed))
        .route(
            "/calendar-feeds/{id}/revoke",
            post(calendar_pages::revoke_feed),
        )
        .route("/calendar/{token}", get(calendar_pages::feed_calendar))
        .route(
            "/offerings/{id}/calendar.ics",
            get(calendar_pages::offering_calendar),
        )
        .routes(routes!(api::api_list, api::api_enrol))
        .routes(routes!(api::api_get, api::api_cancel))
        .routes(routes!(api::api_cancel_post))
        .routes(routes!(api::api_calendar))
}
