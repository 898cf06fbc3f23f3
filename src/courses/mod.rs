//! Courses and their offerings (kurstillfällen): sessions, the lecturers who
//! volunteer to teach them, enrolment with a waitlist, attendance and
//! completion (which records a licence when the course grants one), and
//! iCalendar feeds.

pub mod actions;
pub mod api;
pub mod calendar;
pub mod enrolment;
pub mod enrolment_pages;
pub mod model;
pub mod pages;
pub mod store;

use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// Course pages and the course API.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/courses", get(pages::courses_page))
        .route(
            "/courses/new",
            get(pages::new_course_page).post(pages::create_course),
        )
        .route("/courses/{id}", get(pages::course_page))
        .route(
            "/courses/{id}/edit",
            get(pages::edit_course_page).post(pages::update_course),
        )
        .route("/offerings", get(pages::offerings_page))
        .route(
            "/offerings/new",
            get(pages::new_offering_page).post(pages::create_offering),
        )
        .route("/offerings/{id}", get(pages::offering_page))
        .route(
            "/offerings/{id}/edit",
            get(pages::edit_offering_page).post(pages::update_offering),
        )
        .route("/offerings/{id}/status", post(pages::change_status))
        .route("/offerings/{id}/sessions", post(pages::add_session))
        .route(
            "/sessions/{id}/edit",
            get(pages::edit_session_page).post(pages::update_session),
        )
        .route("/sessions/{id}/cancel", post(pages::cancel_session))
        .route("/sessions/{id}/volunteer", post(pages::volunteer))
        .route("/sessions/{id}/withdraw", post(pages::withdraw))
        .route("/signups/{id}/confirm", post(pages::confirm))
        .route("/signups/{id}/decline", post(pages::decline))
        .route("/lecturers-wanted", get(pages::board_page))
        .route("/teaching", get(pages::teaching_page))
        .route("/teaching.csv", get(pages::teaching_csv))
        .routes(routes!(api::list_courses, api::create_course))
        .routes(routes!(api::list_offerings, api::create_offering))
        .routes(routes!(api::get_offering))
        .routes(routes!(api::list_sessions, api::create_session))
        .routes(routes!(api::get_session))
        .routes(routes!(api::list_signups, api::volunteer, api::withdraw))
        .routes(routes!(api::get_signup, api::decide))
        .merge(enrolment_pages::router())
}
