//! Courses and their offerings (kurstillfällen): sessions, the lecturers who
//! volunteer to teach them, enrolment with a waitlist, attendance and
//! completion (which records a licence when the course grants one), and
//! iCalendar feeds.

pub mod calendar;
pub mod enrolment;
pub mod enrolment_pages;
pub mod enrolment_texts;
pub mod texts;

use axum::Router;

use crate::AppState;

/// Course pages and the course API.
pub fn router() -> Router<AppState> {
    Router::new().merge(enrolment_pages::router())
}
