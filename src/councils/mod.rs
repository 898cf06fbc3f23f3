//! The councils' own work (samordningsråd, RAG): councils and their
//! members, meetings with agenda items, attendance and minutes that freeze
//! once approved, and the actions decided, followed up at the next meeting
//! and reminded when overdue.
//!
//! - `model`: the rules, pure (the next meeting, when an action is due,
//!   frozen minutes, who may do what).
//! - `store`: the SQL; `actions`: every change on a unit of work.
//! - Pages: `council_pages` (councils, members, the meetings' calendar) and
//!   `meeting_pages` (a meeting, its agenda, actions and minutes), shared
//!   parts in `views`; the API in `api`.

pub mod actions;
pub mod api;
pub mod consultation_pages;
pub mod consultations;
pub mod council_pages;
pub mod meeting_pages;
pub mod model;
pub mod nomination_pages;
pub mod nominations;
pub mod store;
pub mod views;

use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::model::Role;
use crate::web::edit;

/// Who finds the councils in the menu: their members and secretaries, and
/// administrators (anyone who sits on a council reaches it from the start
/// page too).
pub const MENU_ROLES: &[Role] = &[Role::Admin, Role::CouncilSecretary, Role::CouncilMember];

/// Queues the reminders of council actions overdue on `day` and of
/// consultation answers due soon (the daily job and `oncotrack remind` run
/// it before delivering the outbox).
pub async fn queue_reminders(
    db: &crate::db::Db,
    day: chrono::NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    public_url: Option<String>,
    actor: crate::db::Actor,
) -> Result<usize, crate::web::AppError> {
    db.change(actor, now, move |w| {
        Ok(
            actions::queue_overdue_reminders(w, day, public_url.as_deref())?
                + consultations::queue_round_reminders(w, day, public_url.as_deref())?,
        )
    })
    .await
}

/// The council pages and API.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::from(edit::routes::<AppState, council_pages::CouncilForm>(
        "/councils/new",
        "/councils/{id}/edit",
    ))
    .merge(OpenApiRouter::from(edit::edit_routes::<
        AppState,
        meeting_pages::ItemForm,
    >("/agenda-items/{id}/edit")))
    .route("/councils", get(council_pages::list_page))
    .route("/councils/{id}", get(council_pages::council_page))
    .route("/councils/{id}/members", post(council_pages::add_member))
    .route(
        "/council-members/{id}/remove",
        post(council_pages::remove_member),
    )
    .route(
        "/councils/{id}/meetings.ics",
        get(council_pages::meetings_ics),
    )
    .route(
        "/councils/{id}/calendar-feeds",
        post(council_pages::create_feed),
    )
    .route(
        "/council-calendar-feeds/{id}/revoke",
        post(council_pages::revoke_feed),
    )
    .route("/council-calendar/{token}", get(council_pages::feed_ics))
    .route(
        "/councils/{id}/meetings/new",
        get(meeting_pages::new_meeting_page).post(meeting_pages::create_meeting),
    )
    .route("/meetings/{id}", get(meeting_pages::meeting_page))
    .route(
        "/meetings/{id}/edit",
        get(meeting_pages::edit_meeting_page).post(meeting_pages::update_meeting),
    )
    .route("/meetings/{id}/minutes", get(meeting_pages::minutes_page))
    .route("/meetings/{id}/items", post(meeting_pages::add_item))
    .route("/meetings/{id}/actions", post(meeting_pages::add_action))
    .route(
        "/meetings/{id}/attendance",
        post(meeting_pages::record_attendance),
    )
    .route(
        "/meetings/{id}/approve-previous",
        post(meeting_pages::approve_previous),
    )
    .route(
        "/meetings/{id}/corrections",
        post(meeting_pages::add_correction),
    )
    .route("/meetings/{id}/cancel", post(meeting_pages::cancel_meeting))
    .route("/agenda-items/{id}/up", post(meeting_pages::item_up))
    .route("/agenda-items/{id}/down", post(meeting_pages::item_down))
    .route(
        "/agenda-items/{id}/carry-over",
        post(meeting_pages::carry_over),
    )
    .route(
        "/council-actions/{id}/status",
        post(meeting_pages::set_action_status),
    )
    .route(
        "/councils/{id}/consultations",
        get(consultation_pages::rounds_page).post(consultation_pages::open_round),
    )
    .route("/consultations/{id}", get(consultation_pages::round_page))
    .route(
        "/consultations/{id}/documents",
        post(consultation_pages::add_document),
    )
    .route(
        "/consultation-documents/{id}/answer",
        post(consultation_pages::answer),
    )
    .route(
        "/consultations/{id}/compile",
        post(consultation_pages::compile),
    )
    .route(
        "/consultations/{id}/send",
        post(consultation_pages::mark_sent),
    )
    .route("/consultations/{id}/share", post(consultation_pages::share))
    .route(
        "/councils/{id}/nominations",
        get(nomination_pages::matrix_page).post(nomination_pages::create_request),
    )
    .route(
        "/councils/{id}/nominations.csv",
        get(nomination_pages::matrix_csv),
    )
    .route(
        "/nomination-requests/{id}",
        get(nomination_pages::request_page),
    )
    .route(
        "/nomination-requests/{id}/nominate",
        post(nomination_pages::nominate),
    )
    .route(
        "/nominations/{id}/withdraw",
        post(nomination_pages::withdraw),
    )
    .routes(routes!(api::list_councils))
    .routes(routes!(api::get_council))
    .routes(routes!(api::get_meeting))
    .routes(routes!(api::list_actions))
    .routes(routes!(api::set_action_status))
    .routes(routes!(api::list_consultations))
    .routes(routes!(api::get_consultation))
    .routes(routes!(api::answer_consultation))
    .routes(routes!(api::nomination_matrix))
    .routes(routes!(api::get_nomination_request))
}
