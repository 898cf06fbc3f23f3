//! Offerings (kurstillfällen) and their sessions: the list, an offering's
//! page with its sessions and lecturers, the create/edit form (through the
//! shared skeleton, [`EditForm`]), status changes, and adding, editing and
//! cancelling sessions.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::actions;
use super::lecturer_pages::{overlap_warning, volunteer_controls};
use super::model::{
    self, Course, Offering, OfferingFields, OfferingStatus, Session, SessionFields, SignupStatus,
    WRITERS, holidays, stockholm_input,
};
use super::pages::{
    alert, course_options, links, may_write, offering_rows, offering_table, signup_badge,
    status_badge,
};
use super::store::{self, OfferingFilter, Signup};
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::Role;
use crate::i18n::{Lang, Msg};
use crate::msg;
use crate::web::edit::{EditForm, Refused};
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Form, Path, Query, see_other};

/// Filters of the offering list.
#[derive(Debug, Deserialize, Default)]
pub struct OfferingsQuery {
    #[serde(default)]
    course: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    status: String,
}

/// `GET /offerings`: coming offerings first (from today unless another
/// `from` is given), filtered by course and status.
pub async fn offerings_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OfferingsQuery>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let from = match q.from.trim() {
        "" => ctx.today,
        s => crate::check::date(s)
            .ok_or_else(|| AppError::bad_request("from", crate::msg!("input.not_a_date")))?,
    };
    let status = match q.status.trim() {
        "" => None,
        s => Some(OfferingStatus::parse(s).ok_or_else(|| {
            AppError::bad_request("status", crate::msg!("courses.error_unknown_status"))
        })?),
    };
    let filter = OfferingFilter {
        course: Some(q.course.trim().to_uppercase()).filter(|c| !c.is_empty()),
        from: Some(from),
        to: None,
        status,
    };
    let (offerings, courses) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            Ok((
                offering_rows(c, store::list_offerings(c, &filter, 500)?)?,
                store::list_courses(c, false)?,
            ))
        })
        .await?;
    let lang = ctx.lang;
    let all = (String::new(), lang.t("common.all").to_string());
    let course_choices = course_options(lang, Some(all.clone()), &courses);
    let status_choices: Vec<(String, String)> = std::iter::once(all)
        .chain(
            OfferingStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), lang.t(s.label_key()).to_string())),
        )
        .collect();
    let none = FieldErrors::new(ctx.lang);
    Ok(page(
        &ctx,
        lang.t("courses.offerings"),
        html! {
            (links(&ctx))
            @if may_write(&user) { p { a.button href="/offerings/new" { (lang.t("courses.new_offering")) } } }
            form.filters method="get" action="/offerings" {
                (select_field(lang.t("courses.course"), "course", &course_choices, &q.course.trim().to_uppercase(), &none))
                (text_field(lang.t("common.from"), "from", &from.to_string(), &none, FieldAttrs::optional().kind("date")))
                (select_field(lang.t("common.status"), "status", &status_choices, q.status.trim(), &none))
                button type="submit" { (lang.t("common.filter")) }
            }
            (offering_table(lang, &offerings))
        },
    ))
}

/// The offering form: `GET`/`POST /offerings/new` and `/offerings/{id}/edit`.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct OfferingForm {
    #[serde(default)]
    course: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    min_participants: String,
    #[serde(default)]
    enrolment_opens: String,
    #[serde(default)]
    enrolment_closes: String,
}

impl OfferingForm {
    fn from_offering(o: &Offering) -> OfferingForm {
        OfferingForm {
            course: o.course_code.clone(),
            starts_on: o.starts_on.to_string(),
            ends_on: o.ends_on.to_string(),
            place: o.place.clone(),
            capacity: o.capacity.to_string(),
            min_participants: o.min_participants.to_string(),
            enrolment_opens: o.enrolment_opens.to_string(),
            enrolment_closes: o.enrolment_closes.to_string(),
        }
    }

    fn fields(&self) -> OfferingFields {
        OfferingFields {
            course: self.course.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            place: self.place.clone(),
            capacity: self.capacity.clone(),
            min_participants: self.min_participants.clone(),
            enrolment_opens: self.enrolment_opens.clone(),
            enrolment_closes: self.enrolment_closes.clone(),
        }
    }
}

impl EditForm<AppState> for OfferingForm {
    type Ctx = Ctx;
    type Choices = Vec<Course>;

    const TITLE_NEW: &'static str = "courses.new_offering";
    const TITLE_EDIT: &'static str = "courses.edit_offering";

    fn action(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/offerings/{id}/edit"),
            None => "/offerings/new".into(),
        }
    }

    fn blank() -> Self {
        OfferingForm {
            capacity: "20".into(),
            min_participants: "0".into(),
            ..Default::default()
        }
    }

    async fn choices(state: &AppState, ctx: &Ctx) -> Result<Vec<Course>, AppError> {
        ctx.require(WRITERS)?;
        state
            .db
            .read(|c| store::list_courses(c, true).map_err(AppError::from))
            .await
    }

    async fn load(state: &AppState, _: &Ctx, id: i64) -> Result<Self, AppError> {
        let o = state
            .db
            .read(move |c| store::get_offering(c, id).map_err(AppError::from))
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(OfferingForm::from_offering(&o))
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let input = model::check_offering(&self.fields())
            .map_err(|e| FieldErrors::from_list(ctx.lang, e))?;
        let saved = ctx
            .change(&state.db, move |w| match id {
                Some(id) => actions::update_offering(w, id, &input).map(|()| id),
                None => actions::create_offering(w, &input, OfferingStatus::Planned),
            })
            .await;
        match saved {
            Ok(id) => Ok(format!("/offerings/{id}")),
            Err(AppError::Unprocessable { field, message }) => {
                let field = if field == "course" {
                    "course"
                } else {
                    "status"
                };
                Err(FieldErrors::from_list(ctx.lang, [(field, message)]).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    fn fields(
        &self,
        ctx: &Ctx,
        _: Option<i64>,
        courses: &Vec<Course>,
        errors: &FieldErrors,
    ) -> Markup {
        let lang = ctx.lang;
        let options = course_options(lang, None, courses);
        let date = FieldAttrs::required().kind("date");
        // A refusal of the offering as a whole (it is closed) is shown
        // under its status.
        errors.label("status", lang.t("common.status"));
        html! {
            @if courses.is_empty() { p.muted { (lang.t("courses.no_courses")) } }
            (select_field(lang.t("courses.course"), "course", &options, &self.course, errors))
            (text_field(lang.t("courses.starts_on"), "starts_on", &self.starts_on, errors, date))
            (text_field(lang.t("courses.ends_on"), "ends_on", &self.ends_on, errors, date))
            (text_field(lang.t("courses.place"), "place", &self.place, errors, FieldAttrs::required().placeholder("Teams")))
            (text_field(lang.t("courses.capacity"), "capacity", &self.capacity, errors, FieldAttrs::required().kind("number")))
            (text_field(lang.t("courses.min_participants"), "min_participants", &self.min_participants, errors, FieldAttrs::optional().kind("number")))
            (text_field(lang.t("courses.enrolment_opens"), "enrolment_opens", &self.enrolment_opens, errors, date))
            (text_field(lang.t("courses.enrolment_closes"), "enrolment_closes", &self.enrolment_closes, errors, date))
        }
    }
}

/// Everything the offering page shows.
struct OfferingView {
    offering: Offering,
    enrolled: u32,
    waitlisted: u32,
    sessions: Vec<(Session, Vec<Signup>)>,
}

async fn load_offering(state: &AppState, id: i64) -> Result<OfferingView, AppError> {
    state
        .db
        .read(move |c| -> Result<OfferingView, AppError> {
            let offering = store::get_offering(c, id)?.ok_or(AppError::NotFound)?;
            let (enrolled, waitlisted) = store::enrolment_counts(c, id)?;
            let sessions = store::list_sessions(c, id)?
                .into_iter()
                .map(|s| {
                    let signups = store::signups_for_session(c, s.id)?;
                    Ok((s, signups))
                })
                .collect::<Result<_, AppError>>()?;
            Ok(OfferingView {
                offering,
                enrolled,
                waitlisted,
                sessions,
            })
        })
        .await
}

/// Page messages: `?overlap=SESSION` after volunteering, `?msg=KEY`.
#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    pub(super) overlap: Option<i64>,
    #[serde(default)]
    pub(super) msg: String,
}

/// `GET /offerings/{id}`: the offering, its counts, its sessions with their
/// lecturers; coordinators confirm and decline, lecturers volunteer.
pub async fn offering_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    ctx.user()?;
    let notice = overlap_warning(&state, &ctx, &q).await?;
    render_offering(&state, &ctx, Some(id), notice, None, StatusCode::OK).await
}

async fn render_offering(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    notice: Markup,
    session_form: Option<(SessionForm, FieldErrors)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let id = id.ok_or(AppError::NotFound)?;
    let v = load_offering(state, id).await?;
    Ok((status, offering_view(ctx, &v, notice, session_form)).into_response())
}

/// A redirect on success; on a broken rule, the offering page again with the
/// message and 422.
pub(super) async fn refusal_or(
    state: &AppState,
    ctx: &Ctx,
    offering: Option<i64>,
    result: Result<String, AppError>,
) -> Result<Response, AppError> {
    match result {
        Ok(to) => Ok(see_other(&to)),
        Err(AppError::Unprocessable { message, .. }) => {
            render_offering(
                state,
                ctx,
                offering,
                alert(&message.render(ctx.lang), "error"),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// A session's time as pages show it: `tis 2026-04-14 09:00–10:30`, and
/// a warning when the day is a public holiday.
pub(super) fn session_time(lang: Lang, s: &Session) -> Markup {
    let day = model::stockholm_date(s.starts_at);
    html! {
        span.nowrap {
            (layout::date_with_weekday(lang, day))
            " "
            (stockholm_input(s.starts_at).get(11..).unwrap_or(""))
            "–"
            (stockholm_input(s.ends_at).get(11..).unwrap_or(""))
        }
        @if let Some(h) = holidays::holiday(day) {
            " " (layout::badge(&msg!("courses.session_on_holiday", name = lang.t(h.label_key())).render(lang), "warn"))
        }
    }
}

fn offering_view(
    ctx: &Ctx,
    v: &OfferingView,
    notice: Markup,
    session_form: Option<(SessionForm, FieldErrors)>,
) -> Markup {
    let lang = ctx.lang;
    let o = &v.offering;
    let user = ctx.user.as_ref();
    let writer = user.is_some_and(may_write);
    let lecturer = user.filter(|u| u.has(Role::Lecturer));
    let live = o.status.is_live();
    let full = model::is_full(o.capacity, v.enrolled);
    page(
        ctx,
        &format!("{} {} {}", o.course_code, o.title(lang), o.starts_on),
        html! {
            (links(ctx))
            (notice)
            dl.facts {
                dt { (lang.t("common.status")) } dd { (status_badge(lang, o.status)) @if full { " " (layout::badge(lang.t("courses.full"), "full")) } }
                dt { (lang.t("courses.course")) } dd { a href=(format!("/courses/{}", o.course_id)) { (o.course_code) } " " (o.title(lang)) }
                dt { (lang.t("courses.dates")) } dd { (layout::date_range(lang, o.starts_on, o.ends_on)) }
                dt { (lang.t("courses.place")) } dd { (o.place) }
                dt { (lang.t("courses.enrolment_window")) } dd { (o.enrolment_opens) " – " (o.enrolment_closes) }
                dt { (lang.t("courses.capacity")) } dd { (o.capacity) }
                dt { (lang.t("courses.min_participants")) } dd { (o.min_participants) }
                dt { (lang.t("courses.enrolled")) } dd { (v.enrolled) }
                dt { (lang.t("courses.waitlisted")) } dd { (v.waitlisted) }
            }
            // The enrolment pages for this offering.
            p.actions {
                @if o.status == OfferingStatus::Open && user.is_some_and(|u| u.person_id.is_some()) {
                    a.button href=(format!("/offerings/{}/enrol", o.id)) { (lang.t("courses.enrol")) } " "
                }
                @if writer { a href=(format!("/offerings/{}/participants", o.id)) { (lang.t("courses.participants")) } " · " }
                a href=(format!("/offerings/{}/calendar.ics", o.id)) { (lang.t("courses.calendar")) }
            }
            @if writer && live {
                div.actions {
                    a href=(format!("/offerings/{}/edit", o.id)) { (lang.t("common.edit")) }
                    @for next in [OfferingStatus::Open, OfferingStatus::Completed, OfferingStatus::Cancelled] {
                        @if o.status.may_become(next) && next == OfferingStatus::Cancelled {
                            " " a.button.secondary href=(format!("/offerings/{}/cancel", o.id)) { (lang.t(status_action_key(next))) }
                        } @else if o.status.may_become(next) {
                            form.inline method="post" action=(format!("/offerings/{}/status", o.id)) {
                                (csrf_field(ctx))
                                input type="hidden" name="status" value=(next.as_str());
                                button type="submit" { (lang.t(status_action_key(next))) }
                            }
                        }
                    }
                }
            }
            h2 { (lang.t("courses.sessions")) }
            @if v.sessions.is_empty() { p.muted { (lang.t("courses.no_sessions")) } }
            @for (s, signups) in &v.sessions {
                section.card.session id=(format!("session-{}", s.id)) {
                    h3 {
                        (session_time(lang, s)) " " (s.topic)
                        @if s.cancelled_at.is_some() { " " (layout::badge(lang.t("courses.session_cancelled"), "cancelled")) }
                        @else if s.short_of_lecturers() { " " (layout::badge(lang.t("courses.short"), "bad")) }
                    }
                    p {
                        (lang.t("courses.place")) ": " (s.place.as_deref().unwrap_or(&o.place)) " · "
                        (lang.t("courses.lecturers")) ": " (s.confirmed) " / " (s.lecturers_needed)
                    }
                    @if !signups.is_empty() {
                        ul.signups { @for u in signups {
                            li {
                                (u.name) " " (signup_badge(lang, u.status))
                                // A note is between the lecturer and the coordinators.
                                @if writer || user.is_some_and(|me| me.account_id == u.account_id) {
                                    @if let Some(n) = &u.note { " " span.muted { "“" (n) "”" } }
                                }
                                @if writer && live && s.cancelled_at.is_none() {
                                    @if u.status == SignupStatus::Volunteered && s.short_of_lecturers() {
                                        (signup_button(ctx, u.id, "confirm", lang.t("courses.confirm")))
                                    }
                                    @if matches!(u.status, SignupStatus::Volunteered | SignupStatus::Confirmed) {
                                        (signup_button(ctx, u.id, "decline", lang.t("courses.decline")))
                                    }
                                }
                            }
                        } }
                    }
                    @if live && s.cancelled_at.is_none() {
                        @if let Some(l) = lecturer {
                            (volunteer_controls(ctx, s.id, signups.iter().find(|u| u.account_id == l.account_id).map(|u| u.status), &format!("/offerings/{}", o.id)))
                        }
                        @if writer {
                            div.actions {
                                a href=(format!("/sessions/{}/edit", s.id)) { (lang.t("common.edit")) }
                                " " a.button.secondary href=(format!("/sessions/{}/cancel", s.id)) { (lang.t("courses.cancel_session")) }
                            }
                        }
                    }
                }
            }
            @if writer && live {
                @let (form, errors) = session_form.unwrap_or_else(|| (SessionForm::default(), FieldErrors::new(lang)));
                h2 { (lang.t("courses.add_session")) }
                (session_form_view(ctx, &format!("/offerings/{}/sessions", o.id), &form, &errors))
            }
        },
    )
}

fn status_action_key(next: OfferingStatus) -> &'static str {
    match next {
        OfferingStatus::Open => "courses.do_open",
        OfferingStatus::Completed => "courses.do_complete",
        OfferingStatus::Cancelled => "courses.do_cancel",
        OfferingStatus::Planned => "courses.status_planned",
    }
}

fn signup_button(ctx: &Ctx, id: i64, what: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action=(format!("/signups/{id}/{what}")) {
            (csrf_field(ctx))
            button.secondary[what == "decline"] type="submit" { (label) }
        }
    }
}

/// The status change form.
#[derive(Debug, Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    /// Why, when cancelling.
    #[serde(default)]
    reason: String,
}

/// Why something irreversible is done: the confirmation step's field.
#[derive(Debug, Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// The confirmation step before cancelling offering `id`: who will be told,
/// and the reason.
async fn cancel_offering_view(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    reason: &str,
    errors: &FieldErrors,
) -> Result<Markup, AppError> {
    let v = load_offering(state, id).await?;
    let o = &v.offering;
    let lang = ctx.lang;
    let lecturers: usize = v
        .sessions
        .iter()
        .flat_map(|(_, signups)| signups.iter().filter(|u| u.status.is_active()))
        .map(|u| u.account_id)
        .collect::<std::collections::HashSet<_>>()
        .len();
    let consequence = msg!(
        "courses.cancel_offering_consequence",
        enrolled = v.enrolled,
        waitlisted = v.waitlisted,
        lecturers
    )
    .render(lang);
    let cancelled = OfferingStatus::Cancelled.as_str();
    Ok(page(
        ctx,
        &msg!(
            "courses.cancel_offering_title",
            code = o.course_code.as_str(),
            date = o.starts_on
        )
        .render(lang),
        layout::confirm_card(
            ctx,
            &format!("/offerings/{id}/status"),
            &[("status", cancelled)],
            &consequence,
            reason,
            errors,
            lang.t("courses.do_cancel"),
            &format!("/offerings/{id}"),
        ),
    ))
}

/// `GET /offerings/{id}/cancel`: the step before cancelling.
pub async fn cancel_offering_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    cancel_offering_view(&state, &ctx, id, "", &FieldErrors::new(ctx.lang)).await
}

/// `POST /offerings/{id}/status`: open, complete or cancel.
pub async fn change_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let next = OfferingStatus::parse(&form.status).ok_or_else(|| {
        AppError::bad_request("status", crate::msg!("courses.error_unknown_status"))
    })?;
    let reason = form.reason.clone();
    let result = ctx
        .change(&state.db, move |w| {
            actions::change_status(w, id, next, Some(&reason))
        })
        .await;
    if let Some(errors) = reason_refused(ctx.lang, &result) {
        let body = cancel_offering_view(&state, &ctx, id, &form.reason, &errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    refusal_or(
        &state,
        &ctx,
        Some(id),
        result.map(|()| format!("/offerings/{id}?msg=common.saved")),
    )
    .await
}

// ---- Sessions ----

/// Fields of the session form (Stockholm local times).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct SessionForm {
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    lecturers_needed: String,
    #[serde(default)]
    place: String,
}

impl SessionForm {
    fn from_session(s: &Session) -> SessionForm {
        SessionForm {
            starts_at: stockholm_input(s.starts_at),
            ends_at: stockholm_input(s.ends_at),
            topic: s.topic.clone(),
            lecturers_needed: s.lecturers_needed.to_string(),
            place: s.place.clone().unwrap_or_default(),
        }
    }

    fn fields(&self) -> SessionFields {
        SessionFields {
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            topic: self.topic.clone(),
            lecturers_needed: self.lecturers_needed.clone(),
            place: self.place.clone(),
        }
    }
}

fn session_form_view(ctx: &Ctx, action: &str, form: &SessionForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let time = FieldAttrs::required()
        .kind("datetime-local")
        .placeholder("2026-04-14T09:00");
    let fields = html! {
        (text_field(lang.t("courses.starts_at"), "starts_at", &form.starts_at, errors, time))
        (text_field(lang.t("courses.ends_at"), "ends_at", &form.ends_at, errors, time))
        (text_field(lang.t("courses.topic"), "topic", &form.topic, errors, FieldAttrs::required()))
        (text_field(lang.t("courses.lecturers_needed"), "lecturers_needed", &form.lecturers_needed, errors, FieldAttrs::optional().kind("number").placeholder("1")))
        (text_field(lang.t("courses.session_place"), "place", &form.place, errors, FieldAttrs::optional()))
        p.muted { (lang.t("courses.local_time_hint")) }
    };
    layout::form_card(ctx, action, errors, fields, lang.t("common.save"))
}

/// `POST /offerings/{id}/sessions`: adds a session.
pub async fn add_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<SessionForm>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let errors = match model::check_session(&form.fields()) {
        Ok(input) => {
            let added = ctx
                .change(&state.db, move |w| actions::add_session(w, id, &input))
                .await;
            match added {
                Ok(sid) => return Ok(see_other(&format!("/offerings/{id}#session-{sid}"))),
                // The offering closed meanwhile: said at the first field.
                Err(AppError::Unprocessable { message, .. }) => {
                    FieldErrors::from_list(ctx.lang, [("starts_at", message)])
                }
                Err(e) => return Err(e),
            }
        }
        Err(e) => FieldErrors::from_list(ctx.lang, e),
    };
    render_offering(
        &state,
        &ctx,
        Some(id),
        html! {},
        Some((form, errors)),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

fn edit_session_view(
    ctx: &Ctx,
    id: i64,
    offering: i64,
    form: &SessionForm,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    page(
        ctx,
        lang.t("courses.edit_session"),
        html! {
            p { a href=(format!("/offerings/{offering}#session-{id}")) { "← " (lang.t("common.back")) } }
            (session_form_view(ctx, &format!("/sessions/{id}/edit"), form, errors))
        },
    )
}

async fn load_session(state: &AppState, id: i64) -> Result<Session, AppError> {
    state
        .db
        .read(move |c| store::get_session(c, id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /sessions/{id}/edit`.
pub async fn edit_session_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let s = load_session(&state, id).await?;
    Ok(edit_session_view(
        &ctx,
        id,
        s.offering_id,
        &SessionForm::from_session(&s),
        &FieldErrors::new(ctx.lang),
    ))
}

/// `POST /sessions/{id}/edit`: changes a session (its SEQUENCE moves on).
pub async fn update_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<SessionForm>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let offering = load_session(&state, id).await?.offering_id;
    let errors = match model::check_session(&form.fields()) {
        Ok(input) => {
            let edited = ctx
                .change(&state.db, move |w| actions::edit_session(w, id, &input))
                .await;
            match edited {
                Ok(()) => return Ok(see_other(&format!("/offerings/{offering}#session-{id}"))),
                Err(AppError::Unprocessable { field, message }) => {
                    let field = if field == "lecturers_needed" {
                        "lecturers_needed"
                    } else {
                        "starts_at"
                    };
                    FieldErrors::from_list(ctx.lang, [(field, message)])
                }
                Err(e) => return Err(e),
            }
        }
        Err(e) => FieldErrors::from_list(ctx.lang, e),
    };
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        edit_session_view(&ctx, id, offering, &form, &errors),
    )
        .into_response())
}

/// The offering of session `session`, when there is one.
pub(super) async fn session_offering(
    state: &AppState,
    session: i64,
) -> Result<Option<i64>, AppError> {
    Ok(state
        .db
        .read(move |c| store::get_session(c, session).map_err(AppError::from))
        .await?
        .map(|s| s.offering_id))
}

/// What a confirmation step about one session says: catalogue keys of its
/// title (with the session as `{session}`), what will happen and the
/// button, where it posts and the hidden fields it carries.
pub(super) struct SessionStep<'a> {
    pub title: &'static str,
    pub consequence: &'static str,
    pub button: &'static str,
    pub action: String,
    pub hidden: &'a [(&'a str, &'a str)],
}

/// The confirmation step before something irreversible about session `id`
/// (cancelling it, withdrawing from it), with the reason typed so far.
pub(super) async fn session_step_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    step: SessionStep<'_>,
    reason: &str,
    errors: &FieldErrors,
) -> Result<Markup, AppError> {
    let s = state
        .db
        .read(move |c| store::session_line(c, id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    let lang = ctx.lang;
    Ok(page(
        ctx,
        &Msg::new(step.title)
            .with("session", s.describe(lang))
            .render(lang),
        layout::confirm_card(
            ctx,
            &step.action,
            step.hidden,
            lang.t(step.consequence),
            reason,
            errors,
            lang.t(step.button),
            &format!("/offerings/{}#session-{id}", s.session.offering_id),
        ),
    ))
}

/// A refusal for want of a reason, as the confirmation step's field errors;
/// any other outcome is `None`.
pub(super) fn reason_refused<T>(lang: Lang, result: &Result<T, AppError>) -> Option<FieldErrors> {
    match result {
        Err(AppError::Unprocessable { field, message }) if field == "reason" => {
            Some(FieldErrors::from_list(lang, [("reason", message.clone())]))
        }
        _ => None,
    }
}

/// The confirmation step before cancelling session `id`.
async fn cancel_session_view(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    reason: &str,
    errors: &FieldErrors,
) -> Result<Markup, AppError> {
    let step = SessionStep {
        title: "courses.cancel_session_title",
        consequence: "courses.cancel_session_consequence",
        button: "courses.cancel_session",
        action: format!("/sessions/{id}/cancel"),
        hidden: &[],
    };
    session_step_page(state, ctx, id, step, reason, errors).await
}

/// `GET /sessions/{id}/cancel`: the step before cancelling a session.
pub async fn cancel_session_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    cancel_session_view(&state, &ctx, id, "", &FieldErrors::new(ctx.lang)).await
}

/// `POST /sessions/{id}/cancel`, with the reason.
pub async fn cancel_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let offering = session_offering(&state, id).await?;
    let reason = form.reason.clone();
    let result = ctx
        .change(&state.db, move |w| actions::cancel_session(w, id, &reason))
        .await;
    if let Some(errors) = reason_refused(ctx.lang, &result) {
        let body = cancel_session_view(&state, &ctx, id, &form.reason, &errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    refusal_or(
        &state,
        &ctx,
        offering,
        result.map(|o| format!("/offerings/{o}#session-{id}")),
    )
    .await
}
