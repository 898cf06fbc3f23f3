//! The course API: the catalogue, offerings with their counts and sessions,
//! sessions with their sign-ups, and the sign-up endpoints. Writes need the
//! coordinator or administrator role, except a lecturer's own sign-up.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::actions::{self, By};
use super::model::{
    self, Course, CourseFields, FieldError, Offering, OfferingFields, OfferingStatus, Session,
    SessionFields, SignupStatus, stockholm_input,
};
use super::store::{self, OfferingFilter, Signup};
use crate::AppState;
use crate::auth::model::Role;
use crate::organisation::model::parse_date;
use crate::web::{ApiUser, AppError, Json, Query};

/// Roles that run the catalogue and offerings.
pub const WRITERS: &[Role] = &[Role::Admin, Role::Coordinator];

/// A JSON value as form text: strings as they are, numbers written out, null
/// and absence empty, so one check serves forms and JSON alike.
fn text(v: &Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        // Neither text nor a number: a value no check accepts.
        Some(other) => format!("\u{0}{other}"),
    }
}

/// The first failed check as a 422 naming its field.
fn first(errors: Vec<FieldError>) -> AppError {
    match errors.into_iter().next() {
        Some((field, message)) => AppError::unprocessable(field, message),
        None => AppError::unprocessable("body", "invalid"),
    }
}

fn by(user: &ApiUser) -> By {
    By {
        actor: user.actor(),
        now: user.now,
    }
}

/// A course as JSON.
pub fn course_json(c: &Course) -> Value {
    json!({
        "id": c.id,
        "code": c.code,
        "title_sv": c.title_sv,
        "title_en": c.title_en,
        "syllabus": c.syllabus,
        "length_hours": c.length_hours,
        "licence": c.licence,
        "part": c.part.map(|p| p.as_str()),
        "audience": c.audience.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        "active": c.active,
    })
}

/// A session as JSON: UTC instants and Stockholm wall-clock times.
pub fn session_json(s: &Session) -> Value {
    json!({
        "id": s.id,
        "offering_id": s.offering_id,
        "starts_at": crate::clock::stamp(s.starts_at),
        "ends_at": crate::clock::stamp(s.ends_at),
        "starts_local": stockholm_input(s.starts_at),
        "ends_local": stockholm_input(s.ends_at),
        "time_zone": "Europe/Stockholm",
        "topic": s.topic,
        "place": s.place,
        "lecturers_needed": s.lecturers_needed,
        "confirmed": s.confirmed,
        "volunteered": s.volunteered,
        "short_of_lecturers": s.short_of_lecturers(),
        "cancelled": s.cancelled_at.is_some(),
        "sequence": s.sequence,
    })
}

/// An offering as JSON, with counts when known.
pub fn offering_json(o: &Offering, counts: Option<(u32, u32)>) -> Value {
    let mut v = json!({
        "id": o.id,
        "course": o.course_code,
        "title_sv": o.title_sv,
        "title_en": o.title_en,
        "starts_on": o.starts_on,
        "ends_on": o.ends_on,
        "place": o.place,
        "capacity": o.capacity,
        "min_participants": o.min_participants,
        "enrolment_opens": o.enrolment_opens,
        "enrolment_closes": o.enrolment_closes,
        "status": o.status.as_str(),
        "sequence": o.sequence,
    });
    if let (Some((enrolled, waitlisted)), Some(m)) = (counts, v.as_object_mut()) {
        m.insert("enrolled".into(), json!(enrolled));
        m.insert("waitlisted".into(), json!(waitlisted));
        m.insert("full".into(), json!(model::is_full(o.capacity, enrolled)));
    }
    v
}

/// A sign-up as JSON; the lecturer's note only for coordinators and the
/// lecturer.
fn signup_json(s: &Signup, viewer: &ApiUser) -> Value {
    let note_visible =
        viewer.principal.has_any(WRITERS) || viewer.principal.account_id == s.account_id;
    json!({
        "id": s.id,
        "session_id": s.session_id,
        "account_id": s.account_id,
        "name": s.name,
        "status": s.status.as_str(),
        "note": if note_visible { s.note.clone() } else { None },
        "updated_at": s.updated_at,
    })
}

/// `POST /api/v1/courses` body.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct CourseBody {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    title_sv: Option<Value>,
    #[serde(default)]
    title_en: Option<Value>,
    #[serde(default)]
    syllabus: Option<Value>,
    #[serde(default)]
    length_hours: Option<Value>,
    #[serde(default)]
    licence: Option<Value>,
    #[serde(default)]
    part: Option<Value>,
    #[serde(default)]
    audience: Vec<String>,
}

/// `GET /api/v1/courses`: the catalogue.
#[utoipa::path(
    get,
    path = "/api/v1/courses",
    tag = "courses",
    responses((status = 200, description = "Every course", body = serde_json::Value))
)]
pub async fn list_courses(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<axum::Json<Value>, AppError> {
    let courses = state
        .db
        .read(|c| store::list_courses(c, false).map_err(AppError::from))
        .await?;
    Ok(axum::Json(json!({
        "courses": courses.iter().map(course_json).collect::<Vec<_>>()
    })))
}

/// `POST /api/v1/courses` → 201 with the course.
#[utoipa::path(
    post,
    path = "/api/v1/courses",
    tag = "courses",
    request_body = CourseBody,
    responses((status = 201, description = "The new course", body = serde_json::Value), (status = 409, description = "The code is taken", body = crate::web::openapi::ProblemDetails, content_type = "application/problem+json"))
)]
pub async fn create_course(
    State(state): State<AppState>,
    user: ApiUser,
    Json(b): Json<CourseBody>,
) -> Result<Response, AppError> {
    user.require(WRITERS)?;
    let fields = CourseFields {
        code: text(&b.code),
        title_sv: text(&b.title_sv),
        title_en: text(&b.title_en),
        syllabus: text(&b.syllabus),
        length_hours: text(&b.length_hours),
        licence: text(&b.licence),
        part: text(&b.part),
        audience: b.audience,
    };
    let input = model::check_course(&fields, true).map_err(first)?;
    let by = by(&user);
    let course = state
        .db
        .write(move |tx| {
            let id = actions::create_course(tx, &by, &input)?;
            store::get_course(tx, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(course_json(&course))).into_response())
}

/// `GET /api/v1/offerings` parameters.
#[derive(Debug, Deserialize, Default)]
pub struct OfferingQuery {
    #[serde(default)]
    course: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    status: String,
}

/// `GET /api/v1/offerings?course=CODE&from=YYYY-MM-DD&status=S`: offerings
/// ending on or after `from` (default: all), soonest first.
#[utoipa::path(
    get,
    path = "/api/v1/offerings",
    tag = "courses",
    params(("course" = Option<String>, Query, description = "Course code"), ("from" = Option<chrono::NaiveDate>, Query, description = "Offerings ending on or after this day"), ("status" = Option<String>, Query, description = "Offering status")),
    responses((status = 200, description = "Offerings, soonest first", body = serde_json::Value))
)]
pub async fn list_offerings(
    State(state): State<AppState>,
    _user: ApiUser,
    Query(q): Query<OfferingQuery>,
) -> Result<axum::Json<Value>, AppError> {
    let from = match q.from.trim() {
        "" => None,
        s => Some(
            parse_date(s)
                .ok_or_else(|| AppError::bad_request("from", "expected a date YYYY-MM-DD"))?,
        ),
    };
    let status = match q.status.trim() {
        "" => None,
        s => Some(OfferingStatus::parse(s).ok_or_else(|| {
            AppError::bad_request("status", "planned, open, cancelled or completed")
        })?),
    };
    let filter = OfferingFilter {
        course: Some(q.course.trim().to_uppercase()).filter(|c| !c.is_empty()),
        from,
        to: None,
        status,
    };
    let offerings = state
        .db
        .read(move |c| -> Result<Vec<Value>, AppError> {
            store::list_offerings(c, &filter, 10_000)?
                .iter()
                .map(|o| Ok(offering_json(o, Some(store::enrolment_counts(c, o.id)?))))
                .collect()
        })
        .await?;
    Ok(axum::Json(json!({ "offerings": offerings })))
}

/// `POST /api/v1/offerings` body.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct OfferingBody {
    #[serde(default)]
    course: Option<Value>,
    #[serde(default)]
    starts_on: Option<Value>,
    #[serde(default)]
    ends_on: Option<Value>,
    #[serde(default)]
    place: Option<Value>,
    #[serde(default)]
    capacity: Option<Value>,
    #[serde(default)]
    min_participants: Option<Value>,
    #[serde(default)]
    enrolment_opens: Option<Value>,
    #[serde(default)]
    enrolment_closes: Option<Value>,
    #[serde(default)]
    status: Option<Value>,
}

/// `POST /api/v1/offerings` → 201 with the offering.
#[utoipa::path(
    post,
    path = "/api/v1/offerings",
    tag = "courses",
    request_body = OfferingBody,
    responses((status = 201, description = "The new offering", body = serde_json::Value))
)]
pub async fn create_offering(
    State(state): State<AppState>,
    user: ApiUser,
    Json(b): Json<OfferingBody>,
) -> Result<Response, AppError> {
    user.require(WRITERS)?;
    let fields = OfferingFields {
        course: text(&b.course),
        starts_on: text(&b.starts_on),
        ends_on: text(&b.ends_on),
        place: text(&b.place),
        capacity: text(&b.capacity),
        min_participants: text(&b.min_participants),
        enrolment_opens: text(&b.enrolment_opens),
        enrolment_closes: text(&b.enrolment_closes),
    };
    let status = match text(&b.status).trim() {
        "" => OfferingStatus::Planned,
        s => OfferingStatus::parse(s).ok_or_else(|| {
            AppError::unprocessable("status", "planned or open / planerat eller öppet")
        })?,
    };
    let input = model::check_offering(&fields).map_err(first)?;
    let by = by(&user);
    let o = state
        .db
        .write(move |tx| {
            let id = actions::create_offering(tx, &by, &input, status)?;
            store::get_offering(tx, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(offering_json(&o, Some((0, 0)))),
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
    responses((status = 200, description = "The offering", body = serde_json::Value))
)]
pub async fn get_offering(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, AppError> {
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let o = store::get_offering(c, id)?.ok_or(AppError::NotFound)?;
            let mut v = offering_json(&o, Some(store::enrolment_counts(c, id)?));
            let sessions: Vec<Value> = store::list_sessions(c, id)?
                .iter()
                .map(session_json)
                .collect();
            if let Some(m) = v.as_object_mut() {
                m.insert("sessions".into(), json!(sessions));
            }
            Ok(axum::Json(v))
        })
        .await
}

/// `GET /api/v1/offerings/{id}/sessions`.
#[utoipa::path(
    get,
    path = "/api/v1/offerings/{id}/sessions",
    tag = "courses",
    params(("id" = i64, Path, description = "Offering id")),
    responses((status = 200, description = "The offering's sessions", body = serde_json::Value))
)]
pub async fn list_sessions(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, AppError> {
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            store::get_offering(c, id)?.ok_or(AppError::NotFound)?;
            let sessions: Vec<Value> = store::list_sessions(c, id)?
                .iter()
                .map(session_json)
                .collect();
            Ok(axum::Json(json!({ "sessions": sessions })))
        })
        .await
}

/// `POST /api/v1/offerings/{id}/sessions` body (Stockholm local times).
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct SessionBody {
    #[serde(default)]
    starts_at: Option<Value>,
    #[serde(default)]
    ends_at: Option<Value>,
    #[serde(default)]
    topic: Option<Value>,
    #[serde(default)]
    lecturers_needed: Option<Value>,
    #[serde(default)]
    place: Option<Value>,
}

/// `POST /api/v1/offerings/{id}/sessions` → 201 with the session.
#[utoipa::path(
    post,
    path = "/api/v1/offerings/{id}/sessions",
    tag = "courses",
    params(("id" = i64, Path, description = "Offering id")),
    request_body = SessionBody,
    responses((status = 201, description = "The new session", body = serde_json::Value))
)]
pub async fn create_session(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<SessionBody>,
) -> Result<Response, AppError> {
    user.require(WRITERS)?;
    let input = model::check_session(&SessionFields {
        starts_at: text(&b.starts_at),
        ends_at: text(&b.ends_at),
        topic: text(&b.topic),
        lecturers_needed: text(&b.lecturers_needed),
        place: text(&b.place),
    })
    .map_err(first)?;
    let by = by(&user);
    let s = state
        .db
        .write(move |tx| {
            let sid = actions::add_session(tx, &by, id, &input)?;
            store::get_session(tx, sid)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(session_json(&s))).into_response())
}

/// `GET /api/v1/sessions/{id}`: the session and its sign-ups.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}",
    tag = "courses",
    params(("id" = i64, Path, description = "Session id")),
    responses((status = 200, description = "The session", body = serde_json::Value))
)]
pub async fn get_session(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, AppError> {
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let s = store::get_session(c, id)?.ok_or(AppError::NotFound)?;
            let mut v = session_json(&s);
            let signups: Vec<Value> = store::signups_for_session(c, id)?
                .iter()
                .map(|s| signup_json(s, &user))
                .collect();
            if let Some(m) = v.as_object_mut() {
                m.insert("signups".into(), json!(signups));
            }
            Ok(axum::Json(v))
        })
        .await
}

/// `POST /api/v1/sessions/{id}/signups` body.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct VolunteerBody {
    #[serde(default)]
    note: Option<String>,
}

/// `GET /api/v1/sessions/{id}/signups`.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}/signups",
    tag = "courses",
    params(("id" = i64, Path, description = "Session id")),
    responses((status = 200, description = "Lecturer sign-ups of the session", body = serde_json::Value))
)]
pub async fn list_signups(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, AppError> {
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            store::get_session(c, id)?.ok_or(AppError::NotFound)?;
            let signups: Vec<Value> = store::signups_for_session(c, id)?
                .iter()
                .map(|s| signup_json(s, &user))
                .collect();
            Ok(axum::Json(json!({ "signups": signups })))
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
    request_body = VolunteerBody,
    responses((status = 201, description = "The caller's sign-up", body = serde_json::Value))
)]
pub async fn volunteer(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let account = user.require(&[Role::Lecturer])?.account_id;
    // The body is optional: a bare POST volunteers without a note.
    let b: VolunteerBody = if body.iter().all(u8::is_ascii_whitespace) {
        VolunteerBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| AppError::bad_request("body", e.to_string()))?
    };
    let note = b
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(AppError::unprocessable(
            "note",
            "at most 500 characters / högst 500 tecken",
        ));
    }
    let by = by(&user);
    let (signup, overlap) = state
        .db
        .write(move |tx| {
            let v = actions::volunteer(tx, &by, id, account, note.as_deref())?;
            let s = store::get_signup(tx, v.signup_id)?.ok_or(AppError::NotFound)?;
            Ok::<_, AppError>((s, v.overlapping))
        })
        .await?;
    let mut v = signup_json(&signup, &user);
    if let (Some(o), Some(m)) = (overlap, v.as_object_mut()) {
        m.insert(
            "overlaps".into(),
            json!({"session_id": o.session.id, "description": actions::describe(&o)}),
        );
    }
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

/// `DELETE /api/v1/sessions/{id}/signups`: the caller withdraws.
#[utoipa::path(
    delete,
    path = "/api/v1/sessions/{id}/signups",
    tag = "courses",
    params(("id" = i64, Path, description = "Session id")),
    responses((status = 200, description = "The withdrawn sign-up", body = serde_json::Value))
)]
pub async fn withdraw(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, AppError> {
    let account = user.require(&[Role::Lecturer])?.account_id;
    let by = by(&user);
    let s = state
        .db
        .write(move |tx| {
            let sid = actions::withdraw(tx, &by, id, account)?;
            store::get_signup(tx, sid)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok(axum::Json(signup_json(&s, &user)))
}

/// `GET /api/v1/signups/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/signups/{id}",
    tag = "courses",
    params(("id" = i64, Path, description = "Sign-up id")),
    responses((status = 200, description = "The sign-up", body = serde_json::Value))
)]
pub async fn get_signup(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, AppError> {
    let s = state
        .db
        .read(move |c| store::get_signup(c, id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(axum::Json(signup_json(&s, &user)))
}

/// `PATCH /api/v1/signups/{id}` body: `{"status": "confirmed" | "declined"}`
/// from a coordinator, or `"withdrawn"` from the sign-up's lecturer.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct DecideBody {
    #[serde(default)]
    status: String,
}

/// `PATCH /api/v1/signups/{id}`.
#[utoipa::path(
    patch,
    path = "/api/v1/signups/{id}",
    tag = "courses",
    params(("id" = i64, Path, description = "Sign-up id")),
    request_body = DecideBody,
    responses((status = 200, description = "The decided sign-up", body = serde_json::Value))
)]
pub async fn decide(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<DecideBody>,
) -> Result<axum::Json<Value>, AppError> {
    let status = SignupStatus::parse(&b.status)
        .ok_or_else(|| AppError::unprocessable("status", "confirmed, declined or withdrawn"))?;
    let by = by(&user);
    let account = user.principal.account_id;
    let may_decide = user.principal.has_any(WRITERS);
    let s = state
        .db
        .write(move |tx| -> Result<Signup, AppError> {
            let current = store::get_signup(tx, id)?.ok_or(AppError::NotFound)?;
            match status {
                SignupStatus::Confirmed | SignupStatus::Declined if may_decide => {
                    actions::decide(tx, &by, id, status == SignupStatus::Confirmed)
                }
                SignupStatus::Withdrawn if current.account_id == account => {
                    actions::withdraw(tx, &by, current.session_id, account)?;
                    store::get_signup(tx, id)?.ok_or(AppError::NotFound)
                }
                SignupStatus::Volunteered => Err(AppError::unprocessable(
                    "status",
                    "confirmed, declined or withdrawn",
                )),
                _ => Err(AppError::Forbidden),
            }
        })
        .await?;
    Ok(axum::Json(signup_json(&s, &user)))
}
