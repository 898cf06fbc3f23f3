//! The course API: the catalogue, offerings with their counts and sessions,
//! sessions with their sign-ups, and the sign-up endpoints. Writes need the
//! coordinator or administrator role, except a lecturer's own sign-up.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::actions;
use super::model::{
    self, Course, CourseFields, FieldError, Offering, OfferingFields, OfferingStatus, Purpose,
    Session, SessionFields, SignupStatus, stockholm_input,
};
use super::store::{self, OfferingFilter, Signup};
use crate::AppState;
use crate::auth::ApiUser;
use crate::auth::model::Role;
use crate::licences::model::Part;
use crate::msg;
use crate::organisation::model::Profession;
use crate::web::context::request_lang;
use crate::web::{ApiQuery, AppError, Json, Path};

pub use super::model::WRITERS;

/// An optional number as form text (absent is empty), so that one check
/// serves forms and JSON alike.
fn number(v: Option<u32>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

/// The first failed check as a 422 naming its field.
fn first(errors: Vec<FieldError>) -> AppError {
    match errors.into_iter().next() {
        Some((field, message)) => AppError::unprocessable(field, message),
        None => AppError::unprocessable("body", msg!("courses.error_invalid")),
    }
}

/// A course in the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseOut {
    id: i64,
    /// Short code, upper case, unique regardless of case.
    #[schema(example = "CYTO-G")]
    code: String,
    title_sv: String,
    title_en: String,
    /// The syllabus (kursplan), plain text; empty when not given.
    syllabus: String,
    length_hours: Option<u32>,
    /// Code of the licence type that completing the course grants.
    #[schema(example = "CYTO")]
    licence: Option<String>,
    /// Which part of that licence it grants.
    part: Option<Part>,
    /// Whom the licence page suggests it to: `basic` (those without the
    /// licence), `renewal` (those who hold it) or `any`.
    purpose: Purpose,
    /// Who it is for; empty means every profession.
    audience: Vec<Profession>,
    /// Offered for new offerings.
    active: bool,
}

impl From<&Course> for CourseOut {
    fn from(c: &Course) -> Self {
        CourseOut {
            id: c.id,
            code: c.code.clone(),
            title_sv: c.title_sv.clone(),
            title_en: c.title_en.clone(),
            syllabus: c.syllabus.clone(),
            length_hours: c.length_hours,
            licence: c.licence.clone(),
            part: c.part,
            purpose: c.purpose,
            audience: c.audience.clone(),
            active: c.active,
        }
    }
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseList {
    courses: Vec<CourseOut>,
}

/// A session: UTC instants and Europe/Stockholm wall-clock times.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    id: i64,
    offering_id: i64,
    /// Start, UTC.
    #[schema(format = DateTime, example = "2026-04-14T07:00:00Z")]
    starts_at: String,
    /// End, UTC.
    #[schema(format = DateTime)]
    ends_at: String,
    /// Start in Stockholm, `YYYY-MM-DDTHH:MM`.
    #[schema(example = "2026-04-14T09:00")]
    starts_local: String,
    /// End in Stockholm, `YYYY-MM-DDTHH:MM`.
    ends_local: String,
    /// Always `Europe/Stockholm`.
    time_zone: String,
    topic: String,
    /// Its own place, when not the offering's.
    place: Option<String>,
    lecturers_needed: u32,
    /// Lecturers confirmed.
    confirmed: u32,
    /// Lecturers who volunteered and wait for a decision.
    volunteered: u32,
    /// Fewer confirmed lecturers than needed.
    short_of_lecturers: bool,
    cancelled: bool,
    /// iCalendar SEQUENCE of the session's event.
    sequence: u32,
}

impl From<&Session> for SessionOut {
    fn from(s: &Session) -> Self {
        SessionOut {
            id: s.id,
            offering_id: s.offering_id,
            starts_at: crate::clock::stamp(s.starts_at),
            ends_at: crate::clock::stamp(s.ends_at),
            starts_local: stockholm_input(s.starts_at),
            ends_local: stockholm_input(s.ends_at),
            time_zone: "Europe/Stockholm".into(),
            topic: s.topic.clone(),
            place: s.place.clone(),
            lecturers_needed: s.lecturers_needed,
            confirmed: s.confirmed,
            volunteered: s.volunteered,
            short_of_lecturers: s.short_of_lecturers(),
            cancelled: s.cancelled_at.is_some(),
            sequence: s.sequence,
        }
    }
}

fn sessions_out(sessions: &[Session]) -> Vec<SessionOut> {
    sessions.iter().map(SessionOut::from).collect()
}

/// An offering (kurstillfälle) with its enrolment counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferingOut {
    id: i64,
    /// The course's code.
    course: String,
    title_sv: String,
    title_en: String,
    /// First day.
    starts_on: NaiveDate,
    /// Last day.
    ends_on: NaiveDate,
    place: String,
    /// Places.
    capacity: u32,
    /// Fewer enrolled than this puts the offering at risk.
    min_participants: u32,
    enrolment_opens: NaiveDate,
    enrolment_closes: NaiveDate,
    status: OfferingStatus,
    /// iCalendar SEQUENCE.
    sequence: u32,
    /// People holding a place.
    enrolled: u32,
    /// People on the waiting list.
    waitlisted: u32,
    /// Every place taken: new enrolments go to the waiting list.
    full: bool,
}

impl OfferingOut {
    fn new(o: &Offering, (enrolled, waitlisted): (u32, u32)) -> Self {
        OfferingOut {
            id: o.id,
            course: o.course_code.clone(),
            title_sv: o.title_sv.clone(),
            title_en: o.title_en.clone(),
            starts_on: o.starts_on,
            ends_on: o.ends_on,
            place: o.place.clone(),
            capacity: o.capacity,
            min_participants: o.min_participants,
            enrolment_opens: o.enrolment_opens,
            enrolment_closes: o.enrolment_closes,
            status: o.status,
            sequence: o.sequence,
            enrolled,
            waitlisted,
            full: model::is_full(o.capacity, enrolled),
        }
    }
}

/// Offerings, soonest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferingList {
    offerings: Vec<OfferingOut>,
}

/// An offering with its sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferingDetail {
    #[serde(flatten)]
    offering: OfferingOut,
    sessions: Vec<SessionOut>,
}

/// An offering's sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    sessions: Vec<SessionOut>,
}

/// A lecturer's sign-up for a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignupOut {
    id: i64,
    session_id: i64,
    /// The lecturer's account.
    account_id: i64,
    /// The lecturer's name.
    name: String,
    status: SignupStatus,
    /// The lecturer's note, shown only to coordinators and the lecturer.
    note: Option<String>,
    /// When it last changed, UTC.
    #[schema(format = DateTime)]
    updated_at: String,
}

impl SignupOut {
    /// The sign-up as `viewer` may see it.
    fn new(s: &Signup, viewer: &ApiUser) -> Self {
        let note_visible =
            viewer.principal.has_any(WRITERS) || viewer.principal.account_id == s.account_id;
        SignupOut {
            id: s.id,
            session_id: s.session_id,
            account_id: s.account_id,
            name: s.name.clone(),
            status: s.status,
            note: if note_visible { s.note.clone() } else { None },
            updated_at: s.updated_at.clone(),
        }
    }

    fn all(signups: &[Signup], viewer: &ApiUser) -> Vec<Self> {
        signups.iter().map(|s| SignupOut::new(s, viewer)).collect()
    }
}

/// A session with its sign-ups.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDetail {
    #[serde(flatten)]
    session: SessionOut,
    signups: Vec<SignupOut>,
}

/// A session's sign-ups.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignupList {
    signups: Vec<SignupOut>,
}

/// Another session at the same time that the lecturer already teaches or
/// offered to teach.
#[derive(Debug, Serialize, ToSchema)]
pub struct Overlap {
    session_id: i64,
    /// Course, topic and start, the course title in the caller's language.
    description: String,
}

/// The caller's sign-up, with the overlapping session when there is one.
#[derive(Debug, Serialize, ToSchema)]
pub struct Volunteered {
    #[serde(flatten)]
    signup: SignupOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    overlaps: Option<Overlap>,
}

/// `POST /api/v1/courses` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CourseBody {
    /// Unique regardless of case; stored upper case.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,20}$", example = "CYTO-G")]
    code: String,
    #[schema(pattern = "\\S", max_length = 200)]
    title_sv: String,
    #[schema(pattern = "\\S", max_length = 200)]
    title_en: String,
    #[serde(default)]
    syllabus: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10000)]
    length_hours: Option<u32>,
    /// Code of an existing licence type the course grants.
    #[serde(default)]
    licence: Option<String>,
    /// Which part of the licence; `theory` when a licence is given without it.
    #[serde(default)]
    part: Option<Part>,
    /// `basic`, `renewal` or `any` (the default); `basic` and `renewal`
    /// need a licence.
    #[serde(default)]
    purpose: Option<Purpose>,
    /// Who it is for; empty or absent means every profession.
    #[serde(default)]
    audience: Vec<Profession>,
}

/// `GET /api/v1/courses`: the catalogue.
#[utoipa::path(
    get,
    path = "/api/v1/courses",
    tag = "courses",
    responses((status = 200, description = "Every course", body = CourseList))
)]
pub async fn list_courses(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<axum::Json<CourseList>, AppError> {
    let courses = state
        .db
        .read(|c| store::list_courses(c, false).map_err(AppError::from))
        .await?;
    Ok(axum::Json(CourseList {
        courses: courses.iter().map(CourseOut::from).collect(),
    }))
}

/// `POST /api/v1/courses` → 201 with the course.
#[utoipa::path(
    post,
    path = "/api/v1/courses",
    tag = "courses",
    request_body = CourseBody,
    responses((status = 201, description = "The new course", body = CourseOut), (status = 409, description = "The code is taken", body = crate::web::openapi::ProblemDetails, content_type = "application/problem+json"))
)]
pub async fn create_course(
    State(state): State<AppState>,
    user: ApiUser,
    Json(b): Json<CourseBody>,
) -> Result<Response, AppError> {
    user.require(WRITERS)?;
    let fields = CourseFields {
        code: b.code,
        title_sv: b.title_sv,
        title_en: b.title_en,
        syllabus: b.syllabus.unwrap_or_default(),
        length_hours: number(b.length_hours),
        licence: b.licence.unwrap_or_default(),
        part: b.part.map(|p| p.as_str().to_owned()).unwrap_or_default(),
        purpose: b.purpose.map(|p| p.as_str().to_owned()).unwrap_or_default(),
        audience: b.audience.iter().map(|p| p.as_str().to_owned()).collect(),
    };
    let input = model::check_course(&fields, true).map_err(first)?;
    let course = user
        .change(&state.db, move |w| {
            let id = actions::create_course(w, &input)?;
            store::get_course(w, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(CourseOut::from(&course))).into_response())
}

/// `GET /api/v1/offerings` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfferingQuery {
    /// Course code.
    #[param(min_length = 1)]
    course: Option<String>,
    /// Only offerings ending on or after this day.
    #[param(value_type = Option<String>, format = Date)]
    from: Option<String>,
    /// Only offerings with this status.
    #[param(value_type = Option<OfferingStatus>)]
    status: Option<String>,
}

/// `GET /api/v1/offerings?course=CODE&from=YYYY-MM-DD&status=S`: offerings
/// ending on or after `from` (default: all), soonest first.
#[utoipa::path(
    get,
    path = "/api/v1/offerings",
    tag = "courses",
    params(OfferingQuery),
    responses((status = 200, description = "Offerings, soonest first", body = OfferingList))
)]
pub async fn list_offerings(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(q): ApiQuery<OfferingQuery>,
) -> Result<axum::Json<OfferingList>, AppError> {
    // A parameter given is a parameter checked, even when empty.
    let from = q
        .from
        .map(|s| {
            crate::check::date(&s)
                .ok_or_else(|| AppError::bad_request("from", msg!("input.not_a_date")))
        })
        .transpose()?;
    let status = q
        .status
        .map(|s| {
            OfferingStatus::parse(&s).ok_or_else(|| {
                AppError::bad_request("status", msg!("courses.error_unknown_status"))
            })
        })
        .transpose()?;
    let filter = OfferingFilter {
        course: q
            .course
            .map(|c| c.trim().to_uppercase())
            .filter(|c| !c.is_empty()),
        from,
        to: None,
        status,
    };
    let offerings = state
        .db
        .read(move |c| -> Result<Vec<OfferingOut>, AppError> {
            store::list_offerings(c, &filter, 10_000)?
                .iter()
                .map(|o| Ok(OfferingOut::new(o, store::enrolment_counts(c, o.id)?)))
                .collect()
        })
        .await?;
    Ok(axum::Json(OfferingList { offerings }))
}

/// `POST /api/v1/offerings` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OfferingBody {
    /// Code of an existing course.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,20}$", example = "CYTO-G")]
    course: String,
    /// First day.
    #[schema(format = Date, example = "2026-04-14")]
    starts_on: String,
    /// Last day, not before the first.
    #[schema(format = Date, example = "2026-04-15")]
    ends_on: String,
    /// A room, or "Teams".
    #[schema(pattern = "\\S", max_length = 200)]
    place: String,
    /// Places.
    #[schema(minimum = 1, maximum = 10000)]
    capacity: u32,
    /// Fewer enrolled than this puts the offering at risk; not above the capacity.
    #[serde(default)]
    #[schema(maximum = 10000)]
    min_participants: Option<u32>,
    /// First day of enrolment.
    #[schema(format = Date, example = "2026-03-01")]
    enrolment_opens: String,
    /// Last day of enrolment: not before it opens, not after the last day.
    #[schema(format = Date, example = "2026-04-01")]
    enrolment_closes: String,
    /// `planned` (the default) or `open`.
    #[serde(default)]
    status: Option<OfferingStatus>,
}

/// `POST /api/v1/offerings` → 201 with the offering.
#[utoipa::path(
    post,
    path = "/api/v1/offerings",
    tag = "courses",
    request_body = OfferingBody,
    responses((status = 201, description = "The new offering", body = OfferingOut))
)]
pub async fn create_offering(
    State(state): State<AppState>,
    user: ApiUser,
    Json(b): Json<OfferingBody>,
) -> Result<Response, AppError> {
    user.require(WRITERS)?;
    let fields = OfferingFields {
        course: b.course,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
        place: b.place,
        capacity: b.capacity.to_string(),
        min_participants: number(b.min_participants),
        enrolment_opens: b.enrolment_opens,
        enrolment_closes: b.enrolment_closes,
    };
    let status = match b.status {
        None | Some(OfferingStatus::Planned) => OfferingStatus::Planned,
        Some(OfferingStatus::Open) => OfferingStatus::Open,
        Some(_) => {
            return Err(AppError::unprocessable(
                "status",
                msg!("courses.error_new_offering_status"),
            ));
        }
    };
    let input = model::check_offering(&fields).map_err(first)?;
    let o = user
        .change(&state.db, move |w| {
            let id = actions::create_offering(w, &input, status)?;
            store::get_offering(w, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(OfferingOut::new(&o, (0, 0))),
    )
        .into_response())
}

/// `GET /api/v1/offerings/{id}`: the offering, its enrolled and waitlisted
/// counts, and its sessions.
#[utoipa::path(
    get,
    path = "/api/v1/offerings/{id}",
    tag = "courses",
    params(("id" = i64, Path, description = "Offering id")),
    responses((status = 200, description = "The offering", body = OfferingDetail))
)]
pub async fn get_offering(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<OfferingDetail>, AppError> {
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let o = store::get_offering(c, id)?.ok_or(AppError::NotFound)?;
            Ok(axum::Json(OfferingDetail {
                offering: OfferingOut::new(&o, store::enrolment_counts(c, id)?),
                sessions: sessions_out(&store::list_sessions(c, id)?),
            }))
        })
        .await
}

/// `GET /api/v1/offerings/{id}/sessions`.
#[utoipa::path(
    get,
    path = "/api/v1/offerings/{id}/sessions",
    tag = "courses",
    params(("id" = i64, Path, description = "Offering id")),
    responses((status = 200, description = "The offering's sessions", body = SessionList))
)]
pub async fn list_sessions(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<SessionList>, AppError> {
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            store::get_offering(c, id)?.ok_or(AppError::NotFound)?;
            Ok(axum::Json(SessionList {
                sessions: sessions_out(&store::list_sessions(c, id)?),
            }))
        })
        .await
}

/// `POST /api/v1/offerings/{id}/sessions` body (Stockholm local times).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SessionBody {
    /// Start in Stockholm, `YYYY-MM-DDTHH:MM`; a time the spring clock change
    /// skips is refused, one the autumn change repeats is the first.
    #[schema(
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$",
        example = "2026-04-14T09:00"
    )]
    starts_at: String,
    /// End in Stockholm, after the start.
    #[schema(
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$",
        example = "2026-04-14T10:30"
    )]
    ends_at: String,
    #[schema(pattern = "\\S", max_length = 200)]
    topic: String,
    /// Lecturers it needs; 1 when absent.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 50)]
    lecturers_needed: Option<u32>,
    /// Its own place; absent for the offering's.
    #[serde(default)]
    place: Option<String>,
}

/// `POST /api/v1/offerings/{id}/sessions` → 201 with the session.
#[utoipa::path(
    post,
    path = "/api/v1/offerings/{id}/sessions",
    tag = "courses",
    params(("id" = i64, Path, description = "Offering id")),
    request_body = SessionBody,
    responses((status = 201, description = "The new session", body = SessionOut))
)]
pub async fn create_session(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<SessionBody>,
) -> Result<Response, AppError> {
    user.require(WRITERS)?;
    let input = model::check_session(&SessionFields {
        starts_at: b.starts_at,
        ends_at: b.ends_at,
        topic: b.topic,
        lecturers_needed: number(b.lecturers_needed),
        place: b.place.unwrap_or_default(),
    })
    .map_err(first)?;
    let s = user
        .change(&state.db, move |w| {
            let sid = actions::add_session(w, id, &input)?;
            store::get_session(w, sid)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(SessionOut::from(&s))).into_response())
}

/// `GET /api/v1/sessions/{id}`: the session and its sign-ups.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}",
    tag = "courses",
    params(("id" = i64, Path, description = "Session id")),
    responses((status = 200, description = "The session", body = SessionDetail))
)]
pub async fn get_session(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<SessionDetail>, AppError> {
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let s = store::get_session(c, id)?.ok_or(AppError::NotFound)?;
            Ok(axum::Json(SessionDetail {
                session: SessionOut::from(&s),
                signups: SignupOut::all(&store::signups_for_session(c, id)?, &user),
            }))
        })
        .await
}

/// `POST /api/v1/sessions/{id}/signups` body; the body may be left out.
#[derive(Debug, Deserialize, Default, ToSchema)]
pub struct VolunteerBody {
    /// A note to the coordinator.
    #[serde(default)]
    #[schema(max_length = 500)]
    note: Option<String>,
}

/// `GET /api/v1/sessions/{id}/signups`.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}/signups",
    tag = "courses",
    params(("id" = i64, Path, description = "Session id")),
    responses((status = 200, description = "Lecturer sign-ups of the session", body = SignupList))
)]
pub async fn list_signups(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<SignupList>, AppError> {
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            store::get_session(c, id)?.ok_or(AppError::NotFound)?;
            Ok(axum::Json(SignupList {
                signups: SignupOut::all(&store::signups_for_session(c, id)?, &user),
            }))
        })
        .await
}

/// `POST /api/v1/sessions/{id}/signups`: the caller (a lecturer) volunteers.
/// 201 with the sign-up and, when the caller has another session at the same
/// time, `"overlaps"` naming it.
#[utoipa::path(
    post,
    path = "/api/v1/sessions/{id}/signups",
    tag = "courses",
    params(("id" = i64, Path, description = "Session id")),
    request_body(content = Option<VolunteerBody>, description = "Optional: a bare POST volunteers without a note"),
    responses((status = 201, description = "The caller's sign-up", body = Volunteered))
)]
pub async fn volunteer(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let account = user.require(&[Role::Lecturer])?.account_id;
    // The body is optional: a bare POST volunteers without a note.
    let b: VolunteerBody = if body.iter().all(u8::is_ascii_whitespace) {
        VolunteerBody::default()
    } else {
        crate::web::form::from_json_bytes::<Option<VolunteerBody>>(&body)?.unwrap_or_default()
    };
    let note = b
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(AppError::unprocessable(
            "note",
            msg!("input.too_long", max = 500),
        ));
    }
    let (signup, overlap) = user
        .change(&state.db, move |w| {
            let v = actions::volunteer(w, id, account, note.as_deref())?;
            let s = store::get_signup(w, v.signup_id)?.ok_or(AppError::NotFound)?;
            Ok::<_, AppError>((s, v.overlapping))
        })
        .await?;
    let lang = request_lang(&headers, user.principal.language);
    let answer = Volunteered {
        signup: SignupOut::new(&signup, &user),
        overlaps: overlap.map(|o| Overlap {
            session_id: o.session.id,
            description: o.describe(lang),
        }),
    };
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
}

/// `DELETE /api/v1/sessions/{id}/signups` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WithdrawQuery {
    /// Why; required once a coordinator has confirmed the caller.
    #[param(min_length = 1, max_length = 500)]
    reason: Option<String>,
}

/// `DELETE /api/v1/sessions/{id}/signups?reason=`: the caller withdraws;
/// a confirmed lecturer gives a reason.
#[utoipa::path(
    delete,
    path = "/api/v1/sessions/{id}/signups",
    tag = "courses",
    params(("id" = i64, Path, description = "Session id"), WithdrawQuery),
    responses((status = 200, description = "The withdrawn sign-up", body = SignupOut))
)]
pub async fn withdraw(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<WithdrawQuery>,
) -> Result<axum::Json<SignupOut>, AppError> {
    let account = user.require(&[Role::Lecturer])?.account_id;
    let s = user
        .change(&state.db, move |w| {
            let sid = actions::withdraw(w, id, account, q.reason.as_deref())?;
            store::get_signup(w, sid)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok(axum::Json(SignupOut::new(&s, &user)))
}

/// `GET /api/v1/signups/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/signups/{id}",
    tag = "courses",
    params(("id" = i64, Path, description = "Sign-up id")),
    responses((status = 200, description = "The sign-up", body = SignupOut))
)]
pub async fn get_signup(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<SignupOut>, AppError> {
    let s = state
        .db
        .read(move |c| store::get_signup(c, id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(axum::Json(SignupOut::new(&s, &user)))
}

/// A decision on a sign-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The coordinator accepts the offer.
    Confirmed,
    /// The coordinator turns it down.
    Declined,
    /// The lecturer takes it back.
    Withdrawn,
}

/// `PATCH /api/v1/signups/{id}` body: `confirmed` or `declined` from a
/// coordinator, `withdrawn` from the sign-up's lecturer.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecideBody {
    status: Decision,
}

/// `PATCH /api/v1/signups/{id}`.
#[utoipa::path(
    patch,
    path = "/api/v1/signups/{id}",
    tag = "courses",
    params(("id" = i64, Path, description = "Sign-up id")),
    request_body = DecideBody,
    responses((status = 200, description = "The decided sign-up", body = SignupOut))
)]
pub async fn decide(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<DecideBody>,
) -> Result<axum::Json<SignupOut>, AppError> {
    let principal = user.principal.clone();
    let next = match b.status {
        Decision::Confirmed => SignupStatus::Confirmed,
        Decision::Declined => SignupStatus::Declined,
        Decision::Withdrawn => SignupStatus::Withdrawn,
    };
    let s = user
        .change(&state.db, move |w| {
            actions::answer_signup(w, &principal, id, next)
        })
        .await?;
    Ok(axum::Json(SignupOut::new(&s, &user)))
}
