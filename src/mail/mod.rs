//! Messages the application sends (licence reminders, manager digests): the
//! outbox they wait in, their delivery over SMTP, and the pages that show
//! them, so every message is visible in the app whether or not e-mail is set up.

pub mod pages;
pub mod smtp;
pub mod store;

use axum::Router;
use axum::routing::get;

use crate::AppState;

/// The signed-in user's messages and the administrators' outbox.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/messages", get(pages::my_messages))
        .route("/admin/outbox", get(pages::outbox))
}
