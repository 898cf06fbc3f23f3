//! The enrolment API: enrolling by HSA-id or e-mail (a place or the
//! waitlist), an offering's participants, one enrolment, cancelling, and an
//! offering's calendar. Refusals are problem documents whose detail is in
//! the request's language.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::actions::{self, Target};
use super::calendar::Feed;
use super::calendar_pages::feed_response;
use super::enrolment_pages::load_participants;
use super::model::enrolment::{COORDINATORS, Enrolment, Offering, Status};
use crate::AppState;
use crate::auth::ApiUser;
use crate::web::context::request_lang;
use crate::web::{AppError, Json, Path};

/// An enrolment as the API shows it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct EnrolmentOut {
    id: i64,
    offering_id: i64,
    person_id: i64,
    name: String,
    email: String,
    hsa_id: Option<String>,
    /// The person's unit code.
    unit: String,
    status: Status,
    /// Place on the waiting list (1 = next), while waitlisted.
    position: Option<i64>,
    /// When the person asked for a place, UTC.
    queued_at: String,
    /// When they got a place, UTC.
    enrolled_at: Option<String>,
    /// When they cancelled, UTC.
    cancelled_at: Option<String>,
    /// Attendance, once recorded.
    attended: Option<bool>,
    /// The day the course was completed, once recorded.
    #[schema(format = Date)]
    completed_on: Option<String>,
    /// The licence completion the course recorded.
    licence_completion_id: Option<i64>,
}

impl From<&Enrolment> for EnrolmentOut {
    fn from(e: &Enrolment) -> Self {
        EnrolmentOut {
            id: e.id,
            offering_id: e.offering_id,
            person_id: e.person_id,
            name: e.name.clone(),
            email: e.email.clone(),
            hsa_id: e.hsa_id.clone(),
            unit: e.unit_code.clone(),
            status: e.status,
            position: e.position,
            queued_at: e.queued_at.clone(),
            enrolled_at: e.enrolled_at.clone(),
            cancelled_at: e.cancelled_at.clone(),
            attended: e.attended,
            completed_on: e.completed_on.clone(),
            licence_completion_id: e.licence_completion_id,
        }
    }
}

/// Where a new enrolment landed.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PlacedOut {
    /// The enrolment.
    id: i64,
    /// `enrolled` or `waitlisted`.
    status: Status,
    /// Place on the waiting list (1 = next); null when enrolled.
    position: Option<i64>,
}

/// A cancelled enrolment and who got its place.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CancelledOut {
    id: i64,
    /// Always `cancelled`.
    status: Status,
    /// Enrolments moved from the waiting list to a place.
    promoted: Vec<i64>,
}

/// An offering's participants and waiting list.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Participants {
    offering_id: i64,
    /// The course's code.
    course: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    capacity: i64,
    enrolled: usize,
    waitlisted: usize,
    /// Every enrolment, cancelled ones included.
    enrolments: Vec<EnrolmentOut>,
}

/// The participants document of `o`.
pub(super) fn participants_body(o: &Offering, rows: &[Enrolment]) -> Participants {
    Participants {
        offering_id: o.id,
        course: o.code.clone(),
        starts_on: o.starts_on,
        ends_on: o.ends_on,
        capacity: o.capacity,
        enrolled: rows.iter().filter(|e| e.status == Status::Enrolled).count(),
        waitlisted: rows
            .iter()
            .filter(|e| e.status == Status::Waitlisted)
            .count(),
        enrolments: rows.iter().map(EnrolmentOut::from).collect(),
    }
}

/// Body of `POST /api/v1/offerings/{id}/enrolments`: one of the two.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolBody {
    #[serde(default)]
    hsa_id: String,
    #[serde(default)]
    email: String,
}

/// `POST /api/v1/offerings/{id}/enrolments` `{"hsa_id"}` or `{"email"}`:
/// 201 `{"id", "status": "enrolled"|"waitlisted", "position"}`, where
/// `position` is the place in the waitlist (1 = next) and `null` when
/// enrolled. 409 when the person already holds a place or a waitlist place,
/// 422 naming the field for bad input or a refusal (enrolment closed, not
/// yet open, cancelled offering, audience), 404 for an unknown offering or
/// person.
#[utoipa::path(
    post,
    path = "/api/v1/offerings/{id}/enrolments",
    tag = "enrolments",
    params(("id" = i64, Path, description = "Offering id")),
    request_body = EnrolBody,
    responses((status = 201, description = "`{id, status, position}`", body = PlacedOut), (status = 409, description = "The person is already enrolled", body = crate::web::openapi::ProblemDetails, content_type = "application/problem+json"))
)]
pub async fn api_enrol(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<EnrolBody>,
) -> Result<Response, AppError> {
    if body.hsa_id.trim().is_empty() && body.email.trim().is_empty() {
        return Err(AppError::unprocessable(
            "hsa_id",
            crate::msg!("enrolment.error_hsa_id_or_email"),
        ));
    }
    let target = Target::parse(&body.hsa_id, &body.email, "hsa_id")?;
    let principal = user.principal.clone();
    let placed = user
        .change(&state.db, move |w| {
            actions::enrol(w, &principal, id, &target)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(PlacedOut {
            id: placed.enrolment_id,
            status: placed.status,
            position: placed.position,
        }),
    )
        .into_response())
}

/// `GET /api/v1/offerings/{id}/enrolments`: every enrolment (coordinators).
#[utoipa::path(
    get,
    path = "/api/v1/offerings/{id}/enrolments",
    tag = "enrolments",
    params(("id" = i64, Path, description = "Offering id")),
    responses((status = 200, description = "The offering's participants and waiting list", body = Participants))
)]
pub async fn api_list(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<Participants>, AppError> {
    user.require(COORDINATORS)?;
    let (o, rows) = load_participants(&state, id).await?;
    Ok(axum::Json(participants_body(&o, &rows)))
}

/// `GET /api/v1/enrolments/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/enrolments/{id}",
    tag = "enrolments",
    params(("id" = i64, Path, description = "Enrolment id")),
    responses((status = 200, description = "The enrolment", body = EnrolmentOut))
)]
pub async fn api_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<EnrolmentOut>, AppError> {
    let principal = user.principal.clone();
    let (e, _) = state
        .db
        .read(move |c| actions::enrolment_for(c, &principal, id))
        .await?;
    Ok(axum::Json(EnrolmentOut::from(&e)))
}

/// `DELETE /api/v1/enrolments/{id}` and `POST .../cancel`: cancels (again is
/// a no-op) and answers `{"status": "cancelled", "promoted": [ids]}`; 422
/// once the offering has started.
#[utoipa::path(
    delete,
    path = "/api/v1/enrolments/{id}",
    tag = "enrolments",
    params(("id" = i64, Path, description = "Enrolment id")),
    responses((status = 200, description = "The cancelled enrolment and who got its place", body = CancelledOut))
)]
pub async fn api_cancel(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<CancelledOut>, AppError> {
    let principal = user.principal.clone();
    let (_, promoted) = user
        .change(&state.db, move |w| {
            actions::cancel_enrolment(w, &principal, id)
        })
        .await?;
    Ok(axum::Json(CancelledOut {
        id,
        status: Status::Cancelled,
        promoted,
    }))
}

/// `POST /api/v1/enrolments/{id}/cancel`: the same as `DELETE
/// /api/v1/enrolments/{id}`, for clients that cannot send DELETE.
#[utoipa::path(
    post,
    path = "/api/v1/enrolments/{id}/cancel",
    tag = "enrolments",
    params(("id" = i64, Path, description = "Enrolment id")),
    responses((status = 200, description = "The cancelled enrolment and who got its place", body = CancelledOut))
)]
pub async fn api_cancel_post(
    state: State<AppState>,
    user: ApiUser,
    id: Path<i64>,
) -> Result<axum::Json<CancelledOut>, AppError> {
    api_cancel(state, user, id).await
}

/// `GET /api/v1/offerings/{id}/calendar.ics`: the offering's sessions, the
/// course titles in the request's language.
#[utoipa::path(
    get,
    path = "/api/v1/offerings/{id}/calendar.ics",
    tag = "enrolments",
    params(("id" = i64, Path, description = "Offering id")),
    responses((status = 200, description = "The offering's sessions as iCalendar", body = String, content_type = "text/calendar"))
)]
pub async fn api_calendar(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let lang = request_lang(&headers, user.principal.language);
    feed_response(&state, Feed::Offering(id), user.now, lang).await
}
