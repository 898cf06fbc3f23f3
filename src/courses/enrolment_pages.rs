//! Enrolment pages: enrolling oneself or a member of staff, the waitlist,
//! cancelling, the user's own courses page, and the participant list with
//! attendance, completion and its exports.
//!
//! Who may act for a person: the person themselves, a manager whose scope
//! holds the person's unit, and coordinators and administrators
//! ([`may_act_for`](super::model::enrolment::may_act_for)). Anyone else gets
//! 404 for the person's enrolments, so that they do not learn of them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::actions::{self, Target};
use super::calendar::{Feed, FeedLink};
use super::enrolment_api::{Participants, participants_body};
use super::model::enrolment::{
    self as rules, COORDINATORS, Counts, Enrolment, Offering, Refusal, Status,
};
use super::store;
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::{Principal, Role};
use crate::i18n::Lang;
use crate::msg;
use crate::organisation::store as org;
use crate::web::layout::{self, FieldAttrs, csrf_field, page, text_field};
use crate::web::{AppError, FieldErrors, Form, Path, Query, csv, see_other};

// ---- Shared parts ----

/// `?msg=` after a redirect, `?sep=` for CSV.
#[derive(Debug, Deserialize, Default)]
pub struct MsgQuery {
    #[serde(default)]
    msg: String,
    #[serde(default)]
    sep: Option<String>,
    /// An export's language: `en` for English headers.
    #[serde(default)]
    lang: Option<String>,
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

/// An enrolment's status with its waitlist place.
fn standing(lang: Lang, e: &Enrolment) -> Markup {
    html! {
        (status_badge(lang, e.status))
        @if let Some(p) = e.position { " " (lang.t("enrolment.position")) " " (p) }
    }
}

fn offering_facts(lang: Lang, o: &Offering, c: Counts) -> Markup {
    html! {
        dl.facts {
            dt { (lang.t("enrolment.dates")) } dd { (layout::date_range(lang, o.starts_on, o.ends_on)) }
            dt { (lang.t("enrolment.place")) } dd { (o.place) }
            dt { (lang.t("enrolment.window")) } dd { (o.enrolment_opens) " – " (o.enrolment_closes) }
            dt { (lang.t("enrolment.places")) } dd { (c.enrolled) " / " (o.capacity) }
            dt { (lang.t("enrolment.waitlist")) } dd { (c.waitlisted) }
        }
    }
}

/// The button that cancels enrolment `id`, returning to `next` (the user's
/// page when `None`).
fn cancel_button(ctx: &Ctx, id: i64, next: Option<&str>) -> Markup {
    html! {
        form method="post" action=(format!("/enrolments/{id}/cancel")) {
            (csrf_field(ctx))
            @if let Some(n) = next { input type="hidden" name="next" value=(n); }
            button.secondary type="submit" { (ctx.t("enrolment.cancel")) }
        }
    }
}

// ---- Participants ----

/// An offering and everyone on it.
pub(super) async fn load_participants(
    state: &AppState,
    id: i64,
) -> Result<(Offering, Vec<Enrolment>), AppError> {
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let o = store::enrolment::offering(c, id)?.ok_or(AppError::NotFound)?;
            Ok((o, store::enrolment::participants(c, id)?))
        })
        .await
}

fn attended_label(lang: Lang, a: Option<bool>) -> &'static str {
    match a {
        None => "–",
        Some(true) => lang.t("common.yes"),
        Some(false) => lang.t("common.no"),
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
    // The forms are in the rows below the summary: it names them so.
    errors.label("completed_on", lang.t("enrolment.completed_on"));
    errors.label("reason", lang.t("enrolment.undo_reason"));
    errors.label("enrolment", lang.t("enrolment.participants"));
    let counts = Counts {
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
                a href=(format!("/offerings/{}/attendance-list", o.id)) { (lang.t("enrolment.attendance_list")) } " · "
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
            @if rows.iter().any(|e| e.status == Status::Enrolled && e.attended.is_none()) && ctx.today >= o.starts_on {
                form.inline method="post" action=(format!("/offerings/{}/attendance/all-present", o.id)) {
                    (csrf_field(ctx))
                    button type="submit" { (lang.t("enrolment.mark_all_present")) }
                    " " span.muted { (lang.t("enrolment.mark_all_present_hint")) }
                }
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
                        td { (standing(lang, e)) }
                        td { (attended_label(lang, e.attended)) }
                        td { (e.completed_on.as_deref().unwrap_or("–")) @if e.licence_completion_id.is_some() { " " (layout::badge(lang.t("enrolment.licence_recorded"), "ok")) } }
                        td { @if e.status == Status::Enrolled { (participant_actions(ctx, o, e)) }
                             @if e.status != Status::Cancelled && rules::may_cancel(o.starts_on, ctx.today) {
                                (cancel_button(ctx, e.id, Some(&base)))
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
        @if ctx.today >= o.starts_on { form.inline method="post" action=(format!("/enrolments/{}/attendance", e.id)) {
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
        } }
        @if e.completed_on.is_none() && ctx.today < o.starts_on {
            span.muted { (lang.t("enrolment.complete_not_started")) }
        } @else if e.completed_on.is_none() {
            form.inline method="post" action=(format!("/enrolments/{}/complete", e.id)) {
                (csrf_field(ctx))
                label for=(format!("done-{}", e.id)) { (lang.t("enrolment.completed_on")) }
                " "
                input id=(format!("done-{}", e.id)) type="date" name="completed_on" value=(default_on)
                    min=(o.starts_on.to_string()) max=(ctx.today.to_string());
                @if e.attended == Some(false) {
                    " "
                    label for=(format!("absent-{}", e.id)) { (lang.t("enrolment.absent_reason")) }
                    " "
                    input id=(format!("absent-{}", e.id)) type="text" name="absent_reason" required maxlength=(crate::check::REASON_MAX);
                }
                " "
                button type="submit" { (lang.t("enrolment.complete")) }
            }
        } @else {
            (layout::reason_form(
                ctx,
                &format!("/enrolments/{}/undo-completion", e.id),
                &e.id.to_string(),
                lang.t("enrolment.undo_reason"),
                lang.t("enrolment.undo_completion"),
            ))
        }
    }
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

/// `POST /offerings/{id}/attendance/all-present`: everyone enrolled whose
/// attendance is unmarked is marked present.
pub async fn all_present_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = ctx.require(COORDINATORS)?.clone();
    match ctx
        .change(&state.db, move |w| actions::mark_all_present(w, &user, id))
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/offerings/{id}/participants?msg=enrolment.notice_saved"
        ))),
        Err(AppError::Unprocessable { message, .. }) => {
            participants_refused(&state, &ctx, id, "enrolment", message).await
        }
        Err(e) => Err(e),
    }
}

/// `GET /offerings/{id}/attendance-list`: the list to print and sign on the
/// day: the offering, its sessions, and a row per enrolled participant.
pub async fn attendance_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(COORDINATORS)?;
    let (o, rows) = load_participants(&state, id).await?;
    let sessions = state
        .db
        .read(move |c| store::list_sessions(c, id).map_err(AppError::from))
        .await?;
    let lang = ctx.lang;
    let enrolled: Vec<&Enrolment> = rows
        .iter()
        .filter(|e| e.status == Status::Enrolled)
        .collect();
    Ok(page(
        &ctx,
        &format!(
            "{} {} – {}",
            o.code,
            o.title(lang),
            lang.t("enrolment.attendance_list")
        ),
        html! {
            p.no-print { (lang.t("enrolment.attendance_list_hint")) " " a href=(format!("/offerings/{id}/participants")) { (lang.t("common.back")) } }
            dl.facts {
                dt { (lang.t("enrolment.dates")) } dd { (layout::date_range(lang, o.starts_on, o.ends_on)) }
                dt { (lang.t("courses.place")) } dd { (o.place) }
                dt { (lang.t("enrolment.participants")) } dd { (enrolled.len()) }
            }
            @if !sessions.is_empty() {
                ul { @for s in sessions.iter().filter(|s| s.cancelled_at.is_none()) {
                    li { (super::offering_pages::session_time(lang, s)) " " (s.topic) }
                } }
            }
            table.attendance {
                thead { tr {
                    th { (lang.t("enrolment.name")) } th { (lang.t("enrolment.unit")) } th { (lang.t("people.hsa_id")) }
                    th { (lang.t("enrolment.present")) } th { (lang.t("enrolment.signature")) }
                } }
                tbody { @for e in &enrolled { tr {
                    td { (e.name) } td { (e.unit_code) } td { (e.hsa_id.as_deref().unwrap_or("")) }
                    td.box { @if e.attended == Some(true) { "✓" } } td.sign {}
                } } }
            }
        },
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
    let lang = csv::export_lang(q.lang.as_deref());
    Ok(csv::response_in(
        lang,
        &format!("participants-{}-{}.csv", o.code, o.starts_on),
        csv::delimiter(q.sep.as_deref()),
        &[
            "export.enrolment_id",
            "export.name",
            "export.email",
            "export.hsa_id",
            "export.unit_code",
            "export.status",
            "export.position",
            "export.queued_at",
            "export.enrolled_at",
            "export.attended",
            "export.completed_on",
        ],
        rows.iter().map(|e| {
            vec![
                e.id.to_string(),
                e.name.clone(),
                e.email.clone(),
                e.hsa_id.clone().unwrap_or_default(),
                e.unit_code.clone(),
                lang.t(e.status.label_key()).to_string(),
                e.position.map(|p| p.to_string()).unwrap_or_default(),
                crate::clock::local_display(&e.queued_at),
                e.enrolled_at
                    .as_deref()
                    .map(crate::clock::local_display)
                    .unwrap_or_default(),
                match e.attended {
                    None => String::new(),
                    Some(true) => lang.t("common.yes").to_string(),
                    Some(false) => lang.t("common.no").to_string(),
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

/// After a coordinator's change to enrolment `id` (which answered its
/// offering): back to the participant list, or on a broken rule the list
/// again with the message beside what it is about.
async fn after_participant_change(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    changed: Result<i64, AppError>,
) -> Result<Response, AppError> {
    match changed {
        Ok(offering) => Ok(see_other(&format!(
            "/offerings/{offering}/participants?msg=enrolment.notice_saved"
        ))),
        Err(AppError::Unprocessable { field, message }) => {
            let user = ctx.user()?.clone();
            let offering = state
                .db
                .read(move |c| actions::enrolment_for(c, &user, id).map(|(_, o)| o.id))
                .await?;
            let field = match field.as_str() {
                "completed_on" => "completed_on",
                "reason" => "reason",
                _ => "enrolment",
            };
            participants_refused(state, ctx, offering, field, message).await
        }
        Err(e) => Err(e),
    }
}

/// The participant list of `offering` again, with a refusal beside `field`.
async fn participants_refused(
    state: &AppState,
    ctx: &Ctx,
    offering: i64,
    field: &'static str,
    message: crate::i18n::Msg,
) -> Result<Response, AppError> {
    let (o, rows) = load_participants(state, offering).await?;
    let errors = FieldErrors::from_list(ctx.lang, [(field, message)]);
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        participants_view(ctx, &o, &rows, None, &errors),
    )
        .into_response())
}

/// Attendance field: `yes`, `no`, or empty to clear.
#[derive(Debug, Deserialize, Default)]
pub struct AttendanceForm {
    #[serde(default)]
    attended: String,
}

/// `POST /enrolments/{id}/attendance`.
pub async fn attendance_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<AttendanceForm>,
) -> Result<Response, AppError> {
    let user = ctx.require(COORDINATORS)?.clone();
    let attended = match form.attended.trim() {
        "" => None,
        "yes" | "1" | "ja" => Some(true),
        "no" | "0" | "nej" => Some(false),
        _ => {
            return Err(AppError::bad_request(
                "attended",
                crate::msg!("enrolment.error_attended"),
            ));
        }
    };
    let changed = ctx
        .change(&state.db, move |w| {
            actions::set_attendance(w, &user, id, attended)
        })
        .await;
    after_participant_change(&state, &ctx, id, changed).await
}

/// Completion date.
#[derive(Debug, Deserialize, Default)]
pub struct CompleteForm {
    #[serde(default)]
    completed_on: String,
    /// Why a participant marked absent completes all the same.
    #[serde(default)]
    absent_reason: String,
}

/// `POST /enrolments/{id}/complete`: marks the participant completed and,
/// when the course grants a licence, records it.
pub async fn complete_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CompleteForm>,
) -> Result<Response, AppError> {
    let user = ctx.require(COORDINATORS)?.clone();
    let on = match form.completed_on.trim() {
        "" => None,
        s => Some(crate::check::date(s).ok_or_else(|| {
            AppError::unprocessable("completed_on", crate::msg!("input.not_a_date"))
        })?),
    };
    let changed = ctx
        .change(&state.db, move |w| {
            actions::complete(w, &user, id, on, Some(&form.absent_reason))
        })
        .await;
    after_participant_change(&state, &ctx, id, changed).await
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
    let user = ctx.require(COORDINATORS)?.clone();
    let changed = ctx
        .change(&state.db, move |w| {
            actions::undo_completion(w, &user, id, &form.reason)
        })
        .await;
    after_participant_change(&state, &ctx, id, changed).await
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
    c: Counts,
    /// The user's own live enrolment.
    mine: Option<Enrolment>,
    /// Why the user could not enrol themselves (audience, left).
    my_refusal: Option<Refusal>,
    /// Other coming offerings granting the same licence the user holds a
    /// place on: enrolling on this one too gains nothing.
    also_booked: Vec<(i64, String, NaiveDate)>,
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
    let refusal = rules::open_for_enrolment(o, ctx.today).err();
    let person_form = may_enrol_others && refusal.is_none();
    // The summary comes first: a refusal of one's own enrolment is named by
    // the button that asked for it.
    errors.label(
        "person",
        lang.t(if person_form {
            "enrolment.person_field"
        } else {
            "enrolment.enrol_me"
        }),
    );
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
                p.big { (match (e.status, e.position) {
                    (Status::Waitlisted, Some(position)) => msg!("enrolment.you_are_waitlisted", position).render(lang),
                    (Status::Waitlisted, None) => lang.t("enrolment.you_are_waitlisted_plain").to_string(),
                    _ => lang.t("enrolment.you_are_enrolled").to_string(),
                }) }
                @if rules::may_cancel(o.starts_on, ctx.today) {
                    (cancel_button(ctx, e.id, Some(&format!("/offerings/{}/enrol", o.id))))
                }
            } @else if let (Some(r), None) = (p.my_refusal, refusal) {
                p { (layout::badge(lang.t(r.key()), "bad")) }
            } @else if user.is_some_and(|u| u.person_id.is_some()) && refusal.is_none() {
                @for (other, code, starts_on) in &p.also_booked {
                    div.alert.warn role="status" {
                        (msg!("enrolment.second_renewal", code = code, date = lang.date_with_weekday(*starts_on)).render(lang))
                        " " a href=(format!("/offerings/{other}/enrol")) { (lang.t("enrolment.see_that_offering")) }
                    }
                }
                form method="post" action=(format!("/offerings/{}/enrol", o.id)) {
                    (csrf_field(ctx))
                    button type="submit" { (lang.t("enrolment.enrol_me")) }
                }
            }
            @if person_form {
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
            let o = store::enrolment::offering(conn, id)?.ok_or(AppError::NotFound)?;
            let (mut mine, mut my_refusal, mut also_booked) = (None, None, Vec::new());
            if let Some(p) = me {
                if let Some((licence, _)) = o.grants {
                    also_booked =
                        store::enrolment::other_bookings_for_licence(conn, p, licence, id, today)?;
                }
                mine = store::enrolment::person_enrolments(conn, p)?
                    .into_iter()
                    .map(|(e, _)| e)
                    .find(|e| e.offering_id == id);
                if let Some(person) = org::person(conn, p)? {
                    my_refusal = rules::still_employed(person.left_on, today)
                        .and_then(|()| rules::eligibility(&o, person.profession, today))
                        .err();
                }
            }
            let c = store::enrolment::counts(conn, id)?;
            Ok(EnrolPage {
                o,
                c,
                mine,
                my_refusal,
                also_booked,
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
    let placed = match target {
        Ok(t) => {
            ctx.change(&state.db, move |w| actions::enrol(w, &user, id, &t))
                .await
        }
        Err(e) => Err(e),
    };
    match placed {
        Ok(p) => {
            let msg = match p.status {
                Status::Waitlisted => "enrolment.notice_waitlisted",
                _ => "enrolment.notice_enrolled",
            };
            Ok(see_other(&format!("/offerings/{id}/enrol?msg={msg}")))
        }
        // Refusals show the page again with the reason.
        Err(AppError::Conflict(message) | AppError::Unprocessable { message, .. }) => {
            let errors = FieldErrors::from_list(ctx.lang, [("person", message)]);
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
    ctx.change(&state.db, move |w| actions::cancel_enrolment(w, &user, id))
        .await?;
    let next = match form.next.trim() {
        "" => "/enrolments".to_string(),
        n => layout::safe_next(n),
    };
    let sep = if next.contains('?') { '&' } else { '?' };
    Ok(see_other(&format!(
        "{next}{sep}msg=enrolment.notice_cancelled"
    )))
}

// ---- The user's own page ----

/// What "my courses" shows.
struct MinePage {
    enrolments: Vec<(Enrolment, Offering)>,
    open: Vec<(Offering, Counts)>,
    feeds: Vec<FeedLink>,
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
                Some(p) => store::enrolment::person_enrolments(c, p)?,
                None => Vec::new(),
            };
            // The soonest; the catalogue's offering list has the rest.
            let open = store::enrolment::open_offerings(c, today, 30)?
                .into_iter()
                .map(|o| store::enrolment::counts(c, o.id).map(|n| (o, n)))
                .collect::<rusqlite::Result<_>>()?;
            Ok(MinePage {
                enrolments,
                open,
                feeds: store::calendar::feeds_of(c, account)?,
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
                    td { (layout::date_range(lang, o.starts_on, o.ends_on)) }
                    td { (standing(lang, e)) }
                    td { @if rules::may_cancel(o.starts_on, ctx.today) { (cancel_button(ctx, e.id, None)) } }
                } } }
            } }
        }
        h2 { (lang.t("enrolment.open_offerings")) }
        @if p.open.is_empty() { p.muted { (lang.t("enrolment.none_open")) } }
        @else {
            ul { @for (o, c) in &p.open { li {
                a href=(format!("/offerings/{}/enrol", o.id)) { (o.code) " " (o.title(lang)) } ", "
                (layout::date_range(lang, o.starts_on, o.ends_on)) ", " (o.place) ". "
                @if c.enrolled >= o.capacity { (layout::badge(lang.t("enrolment.full"), "warn")) }
                @else { (o.capacity - c.enrolled) " " (lang.t("enrolment.places_left")) }
            } } }
        }
        p { a href="/offerings" { (lang.t("enrolment.all_offerings")) } }
        h2 { (lang.t("calendar.title")) }
        p { (lang.t("calendar.explain")) }
        @if let Some(url) = new_link { (crate::web::ical::new_link_notice(lang, url)) }
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

/// The user's courses page, with a subscription link just made shown once.
pub(super) async fn mine_page(
    state: &AppState,
    ctx: &Ctx,
    new_link: Option<&str>,
    notice: Option<&str>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let p = load_mine(state, &user, ctx.today).await?;
    Ok(page(
        ctx,
        ctx.t("enrolment.my_title"),
        mine_view(ctx, &p, new_link, notice),
    ))
}

/// `GET /enrolments`: the user's enrolments and waitlist places, offerings
/// open for enrolment, and calendar subscription links.
pub async fn my_enrolments(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MsgQuery>,
) -> Result<Markup, AppError> {
    mine_page(&state, &ctx, None, layout::notice_key(ctx.lang, &q.msg)).await
}
