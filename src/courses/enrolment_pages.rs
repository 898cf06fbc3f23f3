//! Enrolment pages and API: enrolling, the waitlist, cancelling, attendance
//! and completion, participant lists, and calendar feeds.
//!
//! Who may act for a person: the person themselves, a manager whose scope
//! holds the person's unit, and coordinators and administrators. Anyone else
//! gets 404 for the person's enrolments, so that they do not learn of them.

use crate::auth::{ApiUser, Ctx};
use crate::web::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::calendar::{self, Feed};
use super::enrolment::{self as model, Enrolment, Offering, Placed, Refusal, Status};
use crate::AppState;
use crate::audit::store::{self as audit, Actor, Entry};
use crate::auth::model::{Principal, Role};
use crate::i18n::{Lang, Msg};
use crate::organisation::model::normalise_hsa_id;
use crate::organisation::store::{self as org, Person};
use crate::web::layout::{self, FieldAttrs, csrf_field, page, text_field};
use crate::web::{AppError, FieldErrors, Form, Json, Query, csv, ical};

/// Who runs offerings: participant lists, attendance and completion.
pub const COORDINATORS: &[Role] = super::api::WRITERS;

/// Enrolment and calendar routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/enrolments", get(my_enrolments))
        .route("/offerings/{id}/enrol", get(enrol_page).post(enrol_submit))
        .route("/enrolments/{id}/cancel", post(cancel_submit))
        .route("/offerings/{id}/participants", get(participants_page))
        .route("/offerings/{id}/participants.csv", get(participants_csv))
        .route("/offerings/{id}/participants.json", get(participants_json))
        .route("/enrolments/{id}/attendance", post(attendance_submit))
        .route("/enrolments/{id}/complete", post(complete_submit))
        .route("/enrolments/{id}/undo-completion", post(undo_submit))
        .route("/calendar-feeds", post(create_feed))
        .route("/calendar-feeds/{id}/revoke", post(revoke_feed))
        .route("/calendar/{token}", get(feed_calendar))
        .route("/offerings/{id}/calendar.ics", get(offering_calendar))
        .routes(routes!(api_list, api_enrol))
        .routes(routes!(api_get, api_cancel))
        .routes(routes!(api_cancel_post))
        .routes(routes!(api_calendar))
}

// ---- Shared steps ----

/// True when `user` may enrol, cancel for, or look at the enrolments of `person`.
pub fn may_act_for(user: &Principal, person_id: i64, unit_id: i64) -> bool {
    user.person_id == Some(person_id)
        || user.has_any(COORDINATORS)
        || (user.has(Role::Manager) && user.managed_units.contains(&unit_id))
}

/// A refusal as the API and the forms report it, in both languages.
fn refusal_message(key: &'static str) -> String {
    format!("{} / {}", Lang::En.t(key), Lang::Sv.t(key))
}

fn refusal_error(r: Refusal) -> AppError {
    match r {
        Refusal::AlreadyEnrolled => AppError::Conflict(refusal_message(r.key()).into()),
        Refusal::Audience | Refusal::Left => {
            AppError::unprocessable("person", refusal_message(r.key()))
        }
        _ => AppError::unprocessable("offering", refusal_message(r.key())),
    }
}

/// Who is enrolled: a person found by HSA-id or e-mail (the form's one field
/// takes either), or the user's own person record.
#[derive(Debug, Clone)]
enum Target {
    Myself,
    HsaId(String),
    Email(String),
}

impl Target {
    /// Reads the API body or the form field; `field` names it in errors.
    fn parse(hsa_id: &str, email: &str, field: &'static str) -> Result<Target, AppError> {
        let (hsa_id, email) = (hsa_id.trim(), email.trim());
        if !hsa_id.is_empty() {
            return normalise_hsa_id(hsa_id)
                .map(Target::HsaId)
                .map_err(|m| AppError::unprocessable(field, m));
        }
        if !email.is_empty() {
            return crate::check::email(email).map(Target::Email).map_err(|m| {
                AppError::unprocessable(if field == "hsa_id" { "email" } else { field }, m)
            });
        }
        Ok(Target::Myself)
    }

    fn find(&self, conn: &rusqlite::Connection, user: &Principal) -> Result<Person, AppError> {
        let found = match self {
            Target::Myself => match user.person_id {
                Some(id) => org::person(conn, id)?,
                None => {
                    return Err(AppError::unprocessable(
                        "person",
                        refusal_message("enrolment.no_person"),
                    ));
                }
            },
            Target::HsaId(h) => org::person_by_hsa_id(conn, h)?,
            Target::Email(e) => org::person_by_email(conn, e)?,
        };
        let person = found.ok_or(AppError::NotFound)?;
        if !user.may_see_person(person.id, person.unit_id) {
            return Err(AppError::NotFound);
        }
        if !may_act_for(user, person.id, person.unit_id) {
            return Err(AppError::Forbidden);
        }
        Ok(person)
    }
}

/// Enrols `target` on offering `id` in one write transaction with its audit
/// row. A refusal is a value: the API and the page word it differently.
async fn enrol(
    state: &AppState,
    user: Principal,
    actor: Actor,
    id: i64,
    target: Target,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Result<Placed, Refusal>, AppError> {
    state
        .db
        .write(move |tx| -> Result<Result<Placed, Refusal>, AppError> {
            let o = model::offering(tx, id)?.ok_or(AppError::NotFound)?;
            let person = target.find(tx, &user)?;
            let placed = model::enrol(tx, &o, person.id, &actor, now, today)?;
            let placed = match placed {
                Ok(p) => p,
                Err(r) => return Ok(Err(r)),
            };
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action: "enrolment.create",
                    entity: "enrolment",
                    entity_id: Some(placed.enrolment_id.to_string()),
                    before: None,
                    after: Some(json!({
                        "offering_id": id, "person_id": person.id,
                        "status": placed.status, "position": placed.position,
                    })),
                },
            )?;
            Ok(Ok(placed))
        })
        .await
}

/// Loads an enrolment and its offering for a writer who may act for its
/// person; others get 404.
fn enrolment_for(
    conn: &rusqlite::Connection,
    user: &Principal,
    id: i64,
) -> Result<(Enrolment, Offering), AppError> {
    let e = model::enrolment(conn, id)?.ok_or(AppError::NotFound)?;
    if !may_act_for(user, e.person_id, e.unit_id) {
        return Err(AppError::NotFound);
    }
    let o = model::offering(conn, e.offering_id)?.ok_or(AppError::NotFound)?;
    Ok((e, o))
}

/// Cancels enrolment `id` (already cancelled is a no-op) and promotes from
/// the waitlist; returns the enrolment and the promoted ids.
async fn cancel(
    state: &AppState,
    user: Principal,
    actor: Actor,
    id: i64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<(Enrolment, Vec<i64>), AppError> {
    state
        .db
        .write(move |tx| -> Result<(Enrolment, Vec<i64>), AppError> {
            let (e, o) = enrolment_for(tx, &user, id)?;
            if e.status == Status::Cancelled {
                return Ok((e, Vec::new()));
            }
            let promoted = model::cancel(tx, &e, &o, &actor, now, today)?
                .map_err(|r| AppError::unprocessable("enrolment", refusal_message(r.key())))?;
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action: "enrolment.cancel",
                    entity: "enrolment",
                    entity_id: Some(id.to_string()),
                    before: Some(json!({"status": e.status})),
                    after: Some(json!({"status": Status::Cancelled, "promoted": promoted})),
                },
            )?;
            Ok((e, promoted))
        })
        .await
}

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

// ---- API ----

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
        return Err(AppError::unprocessable("hsa_id", "give hsa_id or email"));
    }
    let target = Target::parse(&body.hsa_id, &body.email, "hsa_id")?;
    let placed = enrol(
        &state,
        user.principal.clone(),
        user.actor(),
        id,
        target,
        user.now,
        user.today,
    )
    .await?
    .map_err(refusal_error)?;
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
        .read(move |c| enrolment_for(c, &principal, id))
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
    let (_, promoted) = cancel(
        &state,
        user.principal.clone(),
        user.actor(),
        id,
        user.now,
        user.today,
    )
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

/// `GET /api/v1/offerings/{id}/calendar.ics`: the offering's sessions.
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
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    feed_response(&state, Feed::Offering(id), user.now, Lang::Sv).await
}

// ---- Participants ----

async fn load_participants(
    state: &AppState,
    id: i64,
) -> Result<(Offering, Vec<Enrolment>), AppError> {
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let o = model::offering(c, id)?.ok_or(AppError::NotFound)?;
            Ok((o, model::participants(c, id)?))
        })
        .await
}

fn participants_body(o: &Offering, rows: &[Enrolment]) -> Participants {
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

fn attended_label(lang: Lang, a: Option<bool>) -> &'static str {
    match a {
        None => "–",
        Some(true) => lang.t("common.yes"),
        Some(false) => lang.t("common.no"),
    }
}

fn status_badge(lang: Lang, s: Status) -> Markup {
    layout::badge(
        lang.t(s.label_key()),
        match s {
            Status::Enrolled => "ok",
            Status::Waitlisted => "warn",
            Status::Cancelled => "muted",
        },
    )
}

fn offering_facts(lang: Lang, o: &Offering, c: model::Counts) -> Markup {
    html! {
        dl.facts {
            dt { (lang.t("enrolment.dates")) } dd { (o.starts_on) " – " (o.ends_on) }
            dt { (lang.t("enrolment.place")) } dd { (o.place) }
            dt { (lang.t("enrolment.window")) } dd { (o.enrolment_opens) " – " (o.enrolment_closes) }
            dt { (lang.t("enrolment.places")) } dd { (c.enrolled) " / " (o.capacity) }
            dt { (lang.t("enrolment.waitlist")) } dd { (c.waitlisted) }
        }
    }
}

fn participants_view(
    ctx: &Ctx,
    o: &Offering,
    rows: &[Enrolment],
    notice: Option<&str>,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let counts = model::Counts {
        enrolled: rows.iter().filter(|e| e.status == Status::Enrolled).count() as i64,
        waitlisted: rows
            .iter()
            .filter(|e| e.status == Status::Waitlisted)
            .count() as i64,
    };
    let base = format!("/offerings/{}/participants", o.id);
    page(
        ctx,
        &format!(
            "{} {} – {}",
            o.code,
            o.title(lang),
            lang.t("enrolment.participants")
        ),
        html! {
            @if let Some(n) = notice { (layout::notice(n)) }
            (layout::form_errors(lang, errors))
            (offering_facts(lang, o, counts))
            p {
                a href=(format!("/offerings/{}/enrol", o.id)) { (lang.t("enrolment.enrol_someone")) } " · "
                a href=(format!("{base}.csv")) { "CSV" } " · "
                a href=(format!("{base}.json")) { "JSON" } " · "
                a href=(format!("/offerings/{}/calendar.ics", o.id)) { (lang.t("calendar.download")) }
            }
            form.inline method="post" action="/calendar-feeds" {
                (csrf_field(ctx))
                input type="hidden" name="kind" value="offering";
                input type="hidden" name="offering" value=(o.id);
                button.secondary type="submit" { (lang.t("calendar.create_offering")) }
            }
            @if rows.is_empty() { p.muted { (lang.t("enrolment.no_participants")) } }
            @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th { (lang.t("enrolment.name")) } th { (lang.t("enrolment.unit")) } th { (lang.t("common.status")) }
                        th { (lang.t("enrolment.attended")) } th { (lang.t("enrolment.completed_on")) } th { (lang.t("enrolment.actions")) }
                    } }
                    tbody { @for e in rows { tr {
                        td { (e.name) br; span.muted { (e.hsa_id.as_deref().unwrap_or(&e.email)) } }
                        td { (e.unit_code) }
                        td { (status_badge(lang, e.status)) @if let Some(p) = e.position { " " (lang.t("enrolment.position")) " " (p) } }
                        td { (attended_label(lang, e.attended)) }
                        td { (e.completed_on.as_deref().unwrap_or("–")) @if e.licence_completion_id.is_some() { " " (layout::badge(lang.t("enrolment.licence_recorded"), "ok")) } }
                        td { @if e.status == Status::Enrolled { (participant_actions(ctx, o, e)) }
                             @if e.status != Status::Cancelled && model::may_cancel(o.starts_on, ctx.today) {
                                form method="post" action=(format!("/enrolments/{}/cancel", e.id)) {
                                    (csrf_field(ctx))
                                    input type="hidden" name="next" value=(base);
                                    button.secondary type="submit" { (lang.t("enrolment.cancel")) }
                                }
                             } }
                    } } }
                } }
            }
        },
    )
}

fn participant_actions(ctx: &Ctx, o: &Offering, e: &Enrolment) -> Markup {
    let lang = ctx.lang;
    let default_on = o.ends_on.min(ctx.today).to_string();
    html! {
        form.inline method="post" action=(format!("/enrolments/{}/attendance", e.id)) {
            (csrf_field(ctx))
            label for=(format!("att-{}", e.id)) { (lang.t("enrolment.attended")) }
            " "
            select id=(format!("att-{}", e.id)) name="attended" {
                option value="" selected[e.attended.is_none()] { "–" }
                option value="yes" selected[e.attended == Some(true)] { (lang.t("common.yes")) }
                option value="no" selected[e.attended == Some(false)] { (lang.t("common.no")) }
            }
            " "
            button.secondary type="submit" { (lang.t("common.save")) }
        }
        @if e.completed_on.is_none() {
            form.inline method="post" action=(format!("/enrolments/{}/complete", e.id)) {
                (csrf_field(ctx))
                label for=(format!("done-{}", e.id)) { (lang.t("enrolment.completed_on")) }
                " "
                input id=(format!("done-{}", e.id)) type="date" name="completed_on" value=(default_on) max=(ctx.today.to_string());
                " "
                button type="submit" { (lang.t("enrolment.complete")) }
            }
        } @else {
            form.inline method="post" action=(format!("/enrolments/{}/undo-completion", e.id)) {
                (csrf_field(ctx))
                label for=(format!("undo-{}", e.id)) { (lang.t("enrolment.undo_reason")) }
                " "
                input id=(format!("undo-{}", e.id)) type="text" name="reason" required maxlength="500";
                " "
                button.secondary type="submit" { (lang.t("enrolment.undo_completion")) }
            }
        }
    }
}

/// `?msg=` after a redirect.
#[derive(Debug, Deserialize, Default)]
pub struct MsgQuery {
    #[serde(default)]
    msg: String,
    #[serde(default)]
    sep: Option<String>,
}

/// `GET /offerings/{id}/participants`: the list with attendance and completion.
pub async fn participants_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<MsgQuery>,
) -> Result<Markup, AppError> {
    ctx.require(COORDINATORS)?;
    let (o, rows) = load_participants(&state, id).await?;
    Ok(participants_view(
        &ctx,
        &o,
        &rows,
        layout::notice_key(ctx.lang, &q.msg),
        &FieldErrors::new(ctx.lang),
    ))
}

/// `GET /offerings/{id}/participants.csv` (`;` unless `sep=,`).
pub async fn participants_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<MsgQuery>,
) -> Result<Response, AppError> {
    ctx.require(COORDINATORS)?;
    let (o, rows) = load_participants(&state, id).await?;
    Ok(csv::response(
        &format!("participants-{}-{}.csv", o.code, o.starts_on),
        csv::delimiter(q.sep.as_deref()),
        &[
            "enrolment_id",
            "name",
            "email",
            "hsa_id",
            "unit",
            "status",
            "position",
            "queued_at",
            "enrolled_at",
            "attended",
            "completed_on",
        ],
        rows.iter().map(|e| {
            vec![
                e.id.to_string(),
                e.name.clone(),
                e.email.clone(),
                e.hsa_id.clone().unwrap_or_default(),
                e.unit_code.clone(),
                e.status.as_str().to_string(),
                e.position.map(|p| p.to_string()).unwrap_or_default(),
                e.queued_at.clone(),
                e.enrolled_at.clone().unwrap_or_default(),
                match e.attended {
                    None => String::new(),
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                },
                e.completed_on.clone().unwrap_or_default(),
            ]
        }),
    ))
}

/// `GET /offerings/{id}/participants.json`.
pub async fn participants_json(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<axum::Json<Participants>, AppError> {
    ctx.require(COORDINATORS)?;
    let (o, rows) = load_participants(&state, id).await?;
    Ok(axum::Json(participants_body(&o, &rows)))
}

/// Attendance field: `yes`, `no`, or empty to clear.
#[derive(Debug, Deserialize, Default)]
pub struct AttendanceForm {
    #[serde(default)]
    attended: String,
}

/// A coordinator's write on one enrolment, with its audit row, in one
/// transaction; answers with a redirect to the participant list.
async fn coordinator_write<F>(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    action: &'static str,
    f: F,
) -> Result<Response, AppError>
where
    F: FnOnce(&rusqlite::Transaction<'_>, &Enrolment, &Offering) -> Result<Value, AppError>
        + Send
        + 'static,
{
    let user = ctx.require(COORDINATORS)?.clone();
    let (actor, now) = (ctx.actor(), ctx.now);
    let reader = user.clone();
    let written = state
        .db
        .write(move |tx| -> Result<i64, AppError> {
            let (e, o) = enrolment_for(tx, &user, id)?;
            let after = f(tx, &e, &o)?;
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action,
                    entity: "enrolment",
                    entity_id: Some(id.to_string()),
                    before: Some(json!({
                        "attended": e.attended, "completed_on": e.completed_on,
                        "licence_completion_id": e.licence_completion_id,
                    })),
                    after: Some(after),
                },
            )?;
            Ok(o.id)
        })
        .await;
    match written {
        Ok(offering) => Ok(crate::web::see_other(&format!(
            "/offerings/{offering}/participants?msg=enrolment.notice_saved"
        ))),
        // A broken rule shows the list again with the message.
        Err(AppError::Unprocessable { field, message }) => {
            let offering = state
                .db
                .read(move |c| enrolment_for(c, &reader, id).map(|(_, o)| o.id))
                .await?;
            let (o, rows) = load_participants(state, offering).await?;
            let mut errors = FieldErrors::new(ctx.lang);
            errors.add(
                match field.as_str() {
                    "completed_on" => "completed_on",
                    "reason" => "reason",
                    _ => "enrolment",
                },
                message,
            );
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                participants_view(ctx, &o, &rows, None, &errors),
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

/// `POST /enrolments/{id}/attendance`.
pub async fn attendance_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<AttendanceForm>,
) -> Result<Response, AppError> {
    let attended = match form.attended.trim() {
        "" => None,
        "yes" | "1" | "ja" => Some(true),
        "no" | "0" | "nej" => Some(false),
        _ => return Err(AppError::bad_request("attended", "yes, no or empty")),
    };
    coordinator_write(&state, &ctx, id, "enrolment.attendance", move |tx, e, _| {
        model::set_attended(tx, e.id, attended)?;
        Ok(json!({"attended": attended}))
    })
    .await
}

/// Completion date.
#[derive(Debug, Deserialize, Default)]
pub struct CompleteForm {
    #[serde(default)]
    completed_on: String,
}

/// `POST /enrolments/{id}/complete`: marks the participant completed and,
/// when the course grants a licence, records it.
pub async fn complete_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CompleteForm>,
) -> Result<Response, AppError> {
    let on = match form.completed_on.trim() {
        "" => None,
        s => Some(crate::check::date(s).ok_or_else(|| {
            AppError::unprocessable("completed_on", "a date YYYY-MM-DD / ett datum ÅÅÅÅ-MM-DD")
        })?),
    };
    let (account, now, today) = (ctx.user()?.account_id, ctx.now, ctx.today);
    let actor = ctx.actor();
    coordinator_write(&state, &ctx, id, "enrolment.complete", move |tx, e, o| {
        let licence = model::complete(tx, e, o, on, Some(account), now, today)?
            .map_err(|r| AppError::unprocessable("completed_on", refusal_message(r.key())))?;
        let done = model::enrolment(tx, e.id)?.and_then(|e| e.completed_on);
        if let Some(cid) = licence {
            // The licence's own history names the offering that recorded it.
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action: "licence.complete",
                    entity: "licence_completion",
                    entity_id: Some(cid.to_string()),
                    before: None,
                    after: Some(json!({
                        "person_id": e.person_id, "completed_on": done,
                        "source": "offering", "offering_id": o.id, "enrolment_id": e.id,
                    })),
                },
            )?;
        }
        Ok(json!({"completed_on": done, "licence_completion_id": licence}))
    })
    .await
}

/// Reason for undoing a completion.
#[derive(Debug, Deserialize, Default)]
pub struct UndoForm {
    #[serde(default)]
    reason: String,
}

/// `POST /enrolments/{id}/undo-completion`: the licence completion it
/// recorded is revoked with the reason.
pub async fn undo_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<UndoForm>,
) -> Result<Response, AppError> {
    let (account, now) = (ctx.user()?.account_id, ctx.now);
    let actor = ctx.actor();
    let reason = form.reason.trim().to_string();
    coordinator_write(
        &state,
        &ctx,
        id,
        "enrolment.undo_completion",
        move |tx, e, _| {
            model::undo_completion(tx, e, &reason, Some(account), now)?
                .map_err(|r| AppError::unprocessable("reason", refusal_message(r.key())))?;
            if let Some(cid) = e.licence_completion_id {
                audit::record(
                    tx,
                    &actor,
                    now,
                    Entry {
                        action: "licence.revoke",
                        entity: "licence_completion",
                        entity_id: Some(cid.to_string()),
                        before: None,
                        after: Some(json!({"reason": reason, "enrolment_id": e.id})),
                    },
                )?;
            }
            Ok(json!({"completed_on": null, "revoked": e.licence_completion_id, "reason": reason}))
        },
    )
    .await
}

// ---- Enrolling ----

/// The enrol form: empty `person` enrols the user.
#[derive(Debug, Deserialize, Default)]
pub struct EnrolForm {
    #[serde(default)]
    person: String,
}

/// What the enrol page shows about the offering and the user.
struct EnrolPage {
    o: Offering,
    c: model::Counts,
    /// The user's own live enrolment.
    mine: Option<Enrolment>,
    /// Why the user could not enrol themselves (audience, left).
    my_refusal: Option<Refusal>,
}

fn enrol_view(
    ctx: &Ctx,
    p: &EnrolPage,
    errors: &FieldErrors,
    person: &str,
    notice: Option<&str>,
) -> Markup {
    let (o, c, mine) = (&p.o, p.c, p.mine.as_ref());
    let lang = ctx.lang;
    let user = ctx.user.as_ref();
    let may_enrol_others =
        user.is_some_and(|u| u.has_any(&[Role::Admin, Role::Coordinator, Role::Manager]));
    let refusal = model::open_for_enrolment(o, ctx.today).err();
    page(
        ctx,
        &format!("{} {}", o.code, o.title(lang)),
        html! {
            @if let Some(n) = notice { (layout::notice(n)) }
            (layout::form_errors(lang, errors))
            (offering_facts(lang, o, c))
            @if c.enrolled >= o.capacity { p { (layout::badge(lang.t("enrolment.full"), "warn")) " " (lang.t("enrolment.full_hint")) } }
            @if let Some(r) = refusal { p { (layout::badge(lang.t(r.key()), "bad")) } }
            @if let Some(e) = mine {
                p { (lang.t("enrolment.you_are")) " " (status_badge(lang, e.status))
                    @if let Some(p) = e.position { " " (lang.t("enrolment.position")) " " (p) } }
                @if model::may_cancel(o.starts_on, ctx.today) {
                    form method="post" action=(format!("/enrolments/{}/cancel", e.id)) {
                        (csrf_field(ctx))
                        input type="hidden" name="next" value=(format!("/offerings/{}/enrol", o.id));
                        button.secondary type="submit" { (lang.t("enrolment.cancel")) }
                    }
                }
            } @else if let (Some(r), None) = (p.my_refusal, refusal) {
                p { (layout::badge(lang.t(r.key()), "bad")) }
            } @else if user.is_some_and(|u| u.person_id.is_some()) && refusal.is_none() {
                form method="post" action=(format!("/offerings/{}/enrol", o.id)) {
                    (csrf_field(ctx))
                    button type="submit" { (lang.t("enrolment.enrol_me")) }
                }
            }
            @if may_enrol_others && refusal.is_none() {
                h2 { (lang.t("enrolment.enrol_someone")) }
                form method="post" action=(format!("/offerings/{}/enrol", o.id)) {
                    (csrf_field(ctx))
                    (text_field(lang.t("enrolment.person_field"), "person", person, errors, FieldAttrs::required()))
                    button type="submit" { (lang.t("enrolment.enrol")) }
                }
            }
            p {
                a href=(format!("/offerings/{}/calendar.ics", o.id)) { (lang.t("calendar.download")) }
                @if user.is_some_and(|u| u.has_any(COORDINATORS)) {
                    " · " a href=(format!("/offerings/{}/participants", o.id)) { (lang.t("enrolment.participants")) }
                }
            }
        },
    )
}

async fn render_enrol_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    errors: &FieldErrors,
    person: &str,
    notice: Option<&str>,
) -> Result<Markup, AppError> {
    let (me, today) = (ctx.user()?.person_id, ctx.today);
    let p = state
        .db
        .read(move |conn| -> Result<EnrolPage, AppError> {
            let o = model::offering(conn, id)?.ok_or(AppError::NotFound)?;
            let (mut mine, mut my_refusal) = (None, None);
            if let Some(p) = me {
                mine = model::person_enrolments(conn, p)?
                    .into_iter()
                    .map(|(e, _)| e)
                    .find(|e| e.offering_id == id);
                if let Some(person) = org::person(conn, p)? {
                    my_refusal = model::still_employed(person.left_on, today)
                        .and_then(|()| model::eligibility(&o, person.profession, today))
                        .err();
                }
            }
            let c = model::counts(conn, id)?;
            Ok(EnrolPage {
                o,
                c,
                mine,
                my_refusal,
            })
        })
        .await?;
    Ok(enrol_view(ctx, &p, errors, person, notice))
}

/// `GET /offerings/{id}/enrol`: the offering's places, the user's own place,
/// and (for managers and coordinators) a form to enrol someone.
pub async fn enrol_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<MsgQuery>,
) -> Result<Markup, AppError> {
    render_enrol_page(
        &state,
        &ctx,
        id,
        &FieldErrors::new(ctx.lang),
        "",
        layout::notice_key(ctx.lang, &q.msg),
    )
    .await
}

/// `POST /offerings/{id}/enrol`: enrols the user, or the person named by
/// HSA-id or e-mail in `person`.
pub async fn enrol_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<EnrolForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let person = form.person.trim().to_string();
    let target = if person.contains('@') {
        Target::parse("", &person, "person")
    } else {
        Target::parse(&person, "", "person")
    };
    let result = match target {
        Ok(t) => enrol(&state, user, ctx.actor(), id, t, ctx.now, ctx.today).await,
        Err(e) => Err(e),
    };
    let result = result.map(|r| r.map_err(|refusal| Msg::new(refusal.key())));
    match result {
        Ok(Ok(p)) => {
            let msg = match p.status {
                Status::Waitlisted => "enrolment.notice_waitlisted",
                _ => "enrolment.notice_enrolled",
            };
            Ok(crate::web::see_other(&format!(
                "/offerings/{id}/enrol?msg={msg}"
            )))
        }
        // Refusals re-render the page with the reason beside the field.
        Ok(Err(message)) | Err(AppError::Unprocessable { message, .. }) => {
            let mut errors = FieldErrors::new(ctx.lang);
            errors.add("person", message);
            let body = render_enrol_page(&state, &ctx, id, &errors, &person, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e),
    }
}

/// Where to go after a cancel.
#[derive(Debug, Deserialize, Default)]
pub struct CancelForm {
    #[serde(default)]
    next: String,
}

/// `POST /enrolments/{id}/cancel`.
pub async fn cancel_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CancelForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    cancel(&state, user, ctx.actor(), id, ctx.now, ctx.today).await?;
    let next = match form.next.trim() {
        "" => "/enrolments".to_string(),
        n => layout::safe_next(n),
    };
    let sep = if next.contains('?') { '&' } else { '?' };
    Ok(crate::web::see_other(&format!(
        "{next}{sep}msg=enrolment.notice_cancelled"
    )))
}

// ---- The user's own page and calendar links ----

struct MinePage {
    enrolments: Vec<(Enrolment, Offering)>,
    open: Vec<(Offering, model::Counts)>,
    feeds: Vec<calendar::FeedLink>,
}

async fn load_mine(
    state: &AppState,
    user: &Principal,
    today: NaiveDate,
) -> Result<MinePage, AppError> {
    let (person, account) = (user.person_id, user.account_id);
    state
        .db
        .read(move |c| -> Result<MinePage, AppError> {
            let enrolments = match person {
                Some(p) => model::person_enrolments(c, p)?,
                None => Vec::new(),
            };
            // The soonest; the catalogue's offering list has the rest.
            let open = model::open_offerings(c, today, 30)?
                .into_iter()
                .map(|o| model::counts(c, o.id).map(|n| (o, n)))
                .collect::<rusqlite::Result<_>>()?;
            Ok(MinePage {
                enrolments,
                open,
                feeds: calendar::feeds_of(c, account)?,
            })
        })
        .await
}

fn feed_label(lang: Lang, f: Feed) -> String {
    match f {
        Feed::Person(_) => lang.t("calendar.kind_person").to_string(),
        Feed::Lecturer(_) => lang.t("calendar.kind_lecturer").to_string(),
        Feed::Offering(id) => format!("{} #{id}", lang.t("calendar.kind_offering")),
    }
}

fn mine_view(ctx: &Ctx, p: &MinePage, new_link: Option<&str>, notice: Option<&str>) -> Markup {
    let lang = ctx.lang;
    let user = ctx.user.as_ref();
    html! {
        @if let Some(n) = notice { (layout::notice(n)) }
        h2 { (lang.t("enrolment.mine")) }
        @if p.enrolments.is_empty() { p.muted { (lang.t("enrolment.none")) } }
        @else {
            div.table-wrap tabindex="0" { table {
                thead { tr { th { (lang.t("enrolment.course")) } th { (lang.t("enrolment.dates")) } th { (lang.t("common.status")) } th {} } }
                tbody { @for (e, o) in &p.enrolments { tr {
                    td { a href=(format!("/offerings/{}/enrol", o.id)) { (o.code) " " (o.title(lang)) } }
                    td { (o.starts_on) " – " (o.ends_on) }
                    td { (status_badge(lang, e.status)) @if let Some(pos) = e.position { " " (lang.t("enrolment.position")) " " (pos) } }
                    td { @if model::may_cancel(o.starts_on, ctx.today) {
                        form method="post" action=(format!("/enrolments/{}/cancel", e.id)) {
                            (csrf_field(ctx))
                            button.secondary type="submit" { (lang.t("enrolment.cancel")) }
                        }
                    } }
                } } }
            } }
        }
        h2 { (lang.t("enrolment.open_offerings")) }
        @if p.open.is_empty() { p.muted { (lang.t("enrolment.none_open")) } }
        @else {
            ul { @for (o, c) in &p.open { li {
                a href=(format!("/offerings/{}/enrol", o.id)) { (o.code) " " (o.title(lang)) } ", "
                (o.starts_on) " – " (o.ends_on) ", " (o.place) ". "
                @if c.enrolled >= o.capacity { (layout::badge(lang.t("enrolment.full"), "warn")) }
                @else { (o.capacity - c.enrolled) " " (lang.t("enrolment.places_left")) }
            } } }
        }
        p { a href="/offerings" { (lang.t("enrolment.all_offerings")) } }
        h2 { (lang.t("calendar.title")) }
        p { (lang.t("calendar.explain")) }
        @if let Some(url) = new_link {
            div.alert.ok role="status" { p { (lang.t("calendar.new_link")) } p { code { (url) } } }
        }
        @if !p.feeds.is_empty() {
            ul { @for f in &p.feeds { li {
                (feed_label(lang, f.feed)) " · " (crate::clock::local_display(&f.created_at)) " "
                form.inline method="post" action=(format!("/calendar-feeds/{}/revoke", f.id)) {
                    (csrf_field(ctx))
                    button.secondary type="submit" { (lang.t("calendar.revoke")) }
                }
            } } }
        }
        @if user.is_some_and(|u| u.person_id.is_some()) {
            form.inline method="post" action="/calendar-feeds" {
                (csrf_field(ctx))
                input type="hidden" name="kind" value="person";
                button type="submit" { (lang.t("calendar.create_person")) }
            }
        }
        @if user.is_some_and(|u| u.has(Role::Lecturer)) {
            form.inline method="post" action="/calendar-feeds" {
                (csrf_field(ctx))
                input type="hidden" name="kind" value="lecturer";
                button type="submit" { (lang.t("calendar.create_lecturer")) }
            }
        }
    }
}

/// `GET /enrolments`: the user's enrolments and waitlist places, offerings
/// open for enrolment, and calendar subscription links.
pub async fn my_enrolments(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MsgQuery>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let p = load_mine(&state, &user, ctx.today).await?;
    Ok(page(
        &ctx,
        ctx.t("enrolment.my_title"),
        mine_view(&ctx, &p, None, layout::notice_key(ctx.lang, &q.msg)),
    ))
}

/// Which link to make.
#[derive(Debug, Deserialize, Default)]
pub struct FeedForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    offering: Option<i64>,
}

/// `POST /calendar-feeds`: makes a subscription link and shows it once.
pub async fn create_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    Form(form): Form<FeedForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let feed = match (form.kind.trim(), user.person_id, form.offering) {
        ("person", Some(p), _) => Feed::Person(p),
        ("person", None, _) => {
            return Err(AppError::unprocessable(
                "kind",
                refusal_message("enrolment.no_person"),
            ));
        }
        ("lecturer", _, _) if user.has(Role::Lecturer) => Feed::Lecturer(user.account_id),
        ("lecturer", _, _) => return Err(AppError::Forbidden),
        ("offering", _, Some(o)) => Feed::Offering(o),
        _ => {
            return Err(AppError::unprocessable(
                "kind",
                "person, lecturer or offering",
            ));
        }
    };
    let (actor, now, account) = (ctx.actor(), ctx.now, user.account_id);
    let token = state
        .db
        .write(move |tx| -> Result<String, AppError> {
            if let Feed::Offering(o) = feed
                && model::offering(tx, o)?.is_none()
            {
                return Err(AppError::unprocessable("offering", "no such offering"));
            }
            let (id, token) = calendar::create_feed(tx, feed, account, now)?;
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action: "calendar_feed.create",
                    entity: "calendar_feed",
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(json!(feed)),
                },
            )?;
            Ok(token)
        })
        .await?;
    let origin = crate::licences::verify::origin(&state.config, &headers, &uri);
    let url = format!("{}/calendar/{token}.ics", origin.trim_end_matches('/'));
    let p = load_mine(&state, &user, ctx.today).await?;
    Ok(page(
        &ctx,
        ctx.t("enrolment.my_title"),
        mine_view(&ctx, &p, Some(&url), None),
    )
    .into_response())
}

/// `POST /calendar-feeds/{id}/revoke`: the link stops working (404).
pub async fn revoke_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let (actor, now) = (ctx.actor(), ctx.now);
    state
        .db
        .write(move |tx| -> Result<(), AppError> {
            if !calendar::revoke_feed(tx, id, user.account_id, now)? {
                return Err(AppError::NotFound);
            }
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action: "calendar_feed.revoke",
                    entity: "calendar_feed",
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: None,
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(crate::web::see_other(
        "/enrolments?msg=calendar.notice_revoked",
    ))
}

async fn feed_response(
    state: &AppState,
    feed: Feed,
    now: DateTime<Utc>,
    lang: Lang,
) -> Result<Response, AppError> {
    let (name, events) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let name = match feed {
                Feed::Offering(id) => {
                    let o = model::offering(c, id)?.ok_or(AppError::NotFound)?;
                    format!("{} {} {}", o.code, o.title(lang), o.starts_on)
                }
                Feed::Lecturer(_) => lang.t("calendar.kind_lecturer").to_string(),
                Feed::Person(_) => lang.t("calendar.kind_person").to_string(),
            };
            Ok((name, calendar::sessions(c, feed)?))
        })
        .await?;
    let (kind, id) = feed.parts();
    Ok(ical::response(
        &format!("{kind}-{id}.ics"),
        calendar::build(&name, &events, now),
    ))
}

/// `GET /offerings/{id}/calendar.ics`: the offering's sessions, for a
/// signed-in user to download or open in a calendar app.
pub async fn offering_calendar(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    ctx.user()?;
    feed_response(&state, Feed::Offering(id), ctx.now, ctx.lang).await
}

/// `GET /calendar/{token}.ics`: a subscription link, fetched by calendar
/// apps without a session. Unknown and revoked tokens answer 404.
pub async fn feed_calendar(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let token = token.strip_suffix(".ics").unwrap_or(&token).to_string();
    let now = state.clock.now();
    let feed = state
        .db
        .read(move |c| calendar::feed_by_token(c, &token).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    feed_response(&state, feed, now, Lang::Sv).await
}
