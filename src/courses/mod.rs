//! Courses and their offerings (kurstillfällen): sessions, the lecturers who
//! volunteer to teach them, enrolment with a waitlist, attendance and
//! completion (which records a licence when the course grants one), and
//! iCalendar feeds.

pub mod actions;
pub mod api;
pub mod calendar;
pub mod enrolment;
pub mod enrolment_pages;
pub mod enrolment_texts;
pub mod model;
pub mod store;
pub mod texts;

use axum::Router;
use axum::routing::get;

use crate::AppState;

/// Course pages and the course API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/courses",
            get(api::list_courses).post(api::create_course),
        )
        .route(
            "/api/v1/offerings",
            get(api::list_offerings).post(api::create_offering),
        )
        .route("/api/v1/offerings/{id}", get(api::get_offering))
        .route(
            "/api/v1/offerings/{id}/sessions",
            get(api::list_sessions).post(api::create_session),
        )
        .route("/api/v1/sessions/{id}", get(api::get_session))
        .route(
            "/api/v1/sessions/{id}/signups",
            get(api::list_signups)
                .post(api::volunteer)
                .delete(api::withdraw),
        )
        .route(
            "/api/v1/signups/{id}",
            get(api::get_signup).patch(api::decide),
        )
        .merge(enrolment_pages::router())
}
