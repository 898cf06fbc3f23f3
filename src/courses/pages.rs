//! Course pages: the catalogue, offerings with their sessions and lecturers,
//! the lecturers-wanted board, a lecturer's own teaching record, and the
//! at-risk panel of the coordinator's start page.

use crate::auth::Ctx;
use crate::web::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::actions::{self, By};
use super::api::WRITERS;
use super::model::{
    self, Course, CourseFields, Offering, OfferingFields, OfferingStatus, Session, SessionFields,
    SignupStatus, stockholm_display, stockholm_input,
};
use super::store::{self, AtRisk, BoardFilter, OfferingFilter, SessionLine, Signup};
use crate::AppState;
use crate::auth::model::{Principal, Role};
use crate::i18n::{Lang, Msg};
use crate::licences::model::{LicenceType, Part};
use crate::licences::pages::part_label;
use crate::organisation::model::Profession;
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Form, Query, csv, see_other};

fn by(ctx: &Ctx) -> By {
    By {
        actor: ctx.actor(),
        now: ctx.now,
    }
}

fn may_write(user: &Principal) -> bool {
    user.has_any(WRITERS)
}

/// An offering status badge.
pub fn status_badge(lang: Lang, s: OfferingStatus) -> Markup {
    layout::badge(lang.t(s.label_key()), s.as_str())
}

fn signup_badge(lang: Lang, s: SignupStatus) -> Markup {
    layout::badge(lang.t(s.label_key()), s.as_str())
}

fn textarea(label: &str, name: &str, value: &str, errors: &FieldErrors) -> Markup {
    let id = format!("f-{name}");
    html! {
        div.field.invalid[errors.get(name).is_some()] {
            label for=(id) { (label) }
            textarea id=(id) name=(name) rows="8" maxlength="20000" { (value) }
            @if let Some(e) = errors.get(name) { p.error { (e) } }
        }
    }
}

/// A notice shown above a page after a refusal or a warning.
fn alert(text: &str, class: &str) -> Markup {
    html! { div class=(format!("alert {class}")) role="alert" { (text) } }
}

// Catalogue -------------------------------------------------------------

/// `GET /courses`: the catalogue.
pub async fn courses_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let writer = may_write(&user);
    let courses = state
        .db
        .read(move |c| store::list_courses(c, !writer).map_err(AppError::from))
        .await?;
    let lang = ctx.lang;
    Ok(page(
        &ctx,
        lang.t("courses.catalogue"),
        html! {
            (links(&ctx))
            @if writer { p { a.button href="/courses/new" { (lang.t("courses.new_course")) } } }
            @if courses.is_empty() { p.muted { (lang.t("courses.no_courses")) } }
            @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th { (lang.t("courses.code")) } th { (lang.t("courses.title")) }
                        th { (lang.t("courses.licence")) } th { (lang.t("courses.length_hours")) }
                        th { (lang.t("courses.audience")) } th { (lang.t("common.status")) }
                    } }
                    tbody { @for c in &courses { tr {
                        td { a href=(format!("/courses/{}", c.id)) { (c.code) } }
                        td { (c.title(lang)) }
                        td { @if let (Some(l), Some(p)) = (&c.licence, c.part) { (l) " (" (part_label(lang, p)) ")" } }
                        td { @if let Some(h) = c.length_hours { (h) } }
                        td { (audience_text(lang, &c.audience)) }
                        td { (lang.t(if c.active { "common.active" } else { "common.inactive" })) }
                    } } }
                } }
            }
        },
    ))
}

fn audience_text(lang: Lang, a: &[Profession]) -> String {
    if a.is_empty() {
        lang.t("courses.audience_all").to_string()
    } else {
        a.iter()
            .map(|p| lang.t(p.label_key()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The links between the course pages, by role.
fn links(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    let Some(user) = &ctx.user else {
        return html! {};
    };
    html! {
        nav.subnav aria-label=(lang.t("courses.nav")) { ul {
            li { a href="/offerings" { (lang.t("courses.offerings")) } }
            li { a href="/courses" { (lang.t("courses.catalogue")) } }
            @if user.has_any(&[Role::Lecturer, Role::Admin, Role::Coordinator]) {
                li { a href="/lecturers-wanted" { (lang.t("courses.board")) } }
            }
            @if user.has(Role::Lecturer) {
                li { a href="/teaching" { (lang.t("courses.teaching")) } }
            }
            @if user.person_id.is_some() {
                li { a href="/enrolments" { (lang.t("courses.my_enrolments")) } }
            }
        } }
    }
}

/// `GET /courses/{id}`: a course, its syllabus and its coming offerings.
pub async fn course_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let today = ctx.today;
    let (course, offerings) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let course = store::get_course(c, id)?.ok_or(AppError::NotFound)?;
            let offerings = offering_rows(
                c,
                store::list_offerings(
                    c,
                    &OfferingFilter {
                        course: Some(course.code.clone()),
                        from: Some(today),
                        ..Default::default()
                    },
                    100,
                )?,
            )?;
            Ok((course, offerings))
        })
        .await?;
    let lang = ctx.lang;
    Ok(page(
        &ctx,
        &format!("{} {}", course.code, course.title(lang)),
        html! {
            (links(&ctx))
            dl.facts {
                dt { (lang.t("courses.title_sv")) } dd { (course.title_sv) }
                dt { (lang.t("courses.title_en")) } dd { (course.title_en) }
                dt { (lang.t("courses.licence")) } dd {
                    @if let (Some(l), Some(p)) = (&course.licence, course.part) { (l) " (" (part_label(lang, p)) ")" } @else { "–" }
                }
                dt { (lang.t("courses.length_hours")) } dd { (course.length_hours.map(|h| h.to_string()).unwrap_or_else(|| "–".into())) }
                dt { (lang.t("courses.audience")) } dd { (audience_text(lang, &course.audience)) }
            }
            @if may_write(&user) { p { a href=(format!("/courses/{id}/edit")) { (lang.t("common.edit")) } } }
            h2 { (lang.t("courses.syllabus")) }
            @if course.syllabus.is_empty() { p.muted { "–" } } @else { p.syllabus { (course.syllabus) } }
            h2 { (lang.t("courses.coming_offerings")) }
            (offering_table(lang, &offerings))
        },
    ))
}

/// Fields of the course form.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct CourseForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    title_sv: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    syllabus: String,
    #[serde(default)]
    length_hours: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    part: String,
    #[serde(default)]
    audience: Vec<String>,
    #[serde(default)]
    active: Option<String>,
}

impl CourseForm {
    fn from_course(c: &Course) -> CourseForm {
        CourseForm {
            code: c.code.clone(),
            title_sv: c.title_sv.clone(),
            title_en: c.title_en.clone(),
            syllabus: c.syllabus.clone(),
            length_hours: c.length_hours.map(|h| h.to_string()).unwrap_or_default(),
            licence: c.licence.clone().unwrap_or_default(),
            part: c.part.map(|p| p.as_str().to_string()).unwrap_or_default(),
            audience: c.audience.iter().map(|p| p.as_str().to_string()).collect(),
            active: c.active.then(|| "1".into()),
        }
    }

    fn fields(&self) -> CourseFields {
        CourseFields {
            code: self.code.clone(),
            title_sv: self.title_sv.clone(),
            title_en: self.title_en.clone(),
            syllabus: self.syllabus.clone(),
            length_hours: self.length_hours.clone(),
            licence: self.licence.clone(),
            part: self.part.clone(),
            audience: self.audience.clone(),
        }
    }
}

fn course_view(
    ctx: &Ctx,
    id: Option<i64>,
    form: &CourseForm,
    types: &[LicenceType],
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let action = match id {
        Some(id) => format!("/courses/{id}/edit"),
        None => "/courses/new".into(),
    };
    let mut licences = vec![(String::new(), lang.t("courses.no_licence").to_string())];
    licences.extend(
        types
            .iter()
            .map(|t| (t.code.clone(), format!("{} {}", t.code, t.name(lang)))),
    );
    let parts = vec![
        (
            "theory".to_string(),
            part_label(lang, Part::Theory).to_string(),
        ),
        (
            "practical".to_string(),
            part_label(lang, Part::Practical).to_string(),
        ),
    ];
    page(
        ctx,
        lang.t(if id.is_some() {
            "courses.edit_course"
        } else {
            "courses.new_course"
        }),
        html! { div.card {
            (layout::form_errors(lang, errors))
            form method="post" action=(action) {
                (csrf_field(ctx))
                (text_field(lang.t("courses.code"), "code", &form.code, errors, FieldAttrs::required()))
                (text_field(lang.t("courses.title_sv"), "title_sv", &form.title_sv, errors, FieldAttrs::required()))
                (text_field(lang.t("courses.title_en"), "title_en", &form.title_en, errors, FieldAttrs::required()))
                (textarea(lang.t("courses.syllabus"), "syllabus", &form.syllabus, errors))
                (text_field(lang.t("courses.length_hours"), "length_hours", &form.length_hours, errors, FieldAttrs::optional().kind("number")))
                (select_field(lang.t("courses.licence"), "licence", &licences, &form.licence, errors))
                (select_field(lang.t("courses.part"), "part", &parts, &form.part, errors))
                fieldset.field.invalid[errors.get("audience").is_some()] {
                    legend { (lang.t("courses.audience")) " " span.muted { (lang.t("courses.audience_hint")) } }
                    @for p in Profession::ALL {
                        div.check {
                            input id=(format!("f-audience-{}", p.as_str())) type="checkbox" name="audience" value=(p.as_str())
                                checked[form.audience.iter().any(|a| a == p.as_str())];
                            label for=(format!("f-audience-{}", p.as_str())) { (lang.t(p.label_key())) }
                        }
                    }
                    @if let Some(e) = errors.get("audience") { p.error { (e) } }
                }
                (layout::checkbox(lang.t("common.active"), "active", form.active.is_some()))
                button type="submit" { (lang.t("common.save")) }
            }
        } },
    )
}

async fn licence_types(state: &AppState) -> Result<Vec<LicenceType>, AppError> {
    state
        .db
        .read(|c| crate::licences::store::licence_types(c).map_err(AppError::from))
        .await
}

/// `GET /courses/new`.
pub async fn new_course_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let types = licence_types(&state).await?;
    let form = CourseForm {
        active: Some("1".into()),
        ..Default::default()
    };
    Ok(course_view(
        &ctx,
        None,
        &form,
        &types,
        &FieldErrors::new(ctx.lang),
    ))
}

/// `GET /courses/{id}/edit`.
pub async fn edit_course_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let course = state
        .db
        .read(move |c| store::get_course(c, id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    let types = licence_types(&state).await?;
    Ok(course_view(
        &ctx,
        Some(id),
        &CourseForm::from_course(&course),
        &types,
        &FieldErrors::new(ctx.lang),
    ))
}

async fn save_course(
    state: AppState,
    ctx: Ctx,
    id: Option<i64>,
    form: CourseForm,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let errors = match model::check_course(&form.fields(), form.active.is_some()) {
        Ok(input) => {
            let by = by(&ctx);
            let result = state
                .db
                .write(move |tx| match id {
                    Some(id) => actions::update_course(tx, &by, id, &input).map(|()| id),
                    None => actions::create_course(tx, &by, &input),
                })
                .await;
            match result {
                Ok(cid) => return Ok(see_other(&format!("/courses/{cid}"))),
                Err(AppError::Conflict(m)) => FieldErrors::from_list(ctx.lang, [("code", m)]),
                Err(AppError::Unprocessable { field, message }) if field == "licence" => {
                    FieldErrors::from_list(ctx.lang, [("licence", message)])
                }
                Err(e) => return Err(e),
            }
        }
        Err(e) => FieldErrors::from_list(ctx.lang, e.into_iter().map(|(f, m)| (f, Msg::from(m)))),
    };
    let types = licence_types(&state).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        course_view(&ctx, id, &form, &types, &errors),
    )
        .into_response())
}

/// `POST /courses/new`.
pub async fn create_course(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CourseForm>,
) -> Result<Response, AppError> {
    save_course(state, ctx, None, form).await
}

/// `POST /courses/{id}/edit`.
pub async fn update_course(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CourseForm>,
) -> Result<Response, AppError> {
    save_course(state, ctx, Some(id), form).await
}

// Offerings --------------------------------------------------------------

/// An offering in a list, with what a coordinator scans for.
struct OfferingRow {
    offering: Offering,
    enrolled: u32,
    sessions_short: u32,
}

fn offering_rows(
    c: &rusqlite::Connection,
    offerings: Vec<Offering>,
) -> rusqlite::Result<Vec<OfferingRow>> {
    offerings
        .into_iter()
        .map(|o| {
            Ok(OfferingRow {
                enrolled: store::enrolment_counts(c, o.id)?.0,
                sessions_short: store::sessions_short(c, o.id)?,
                offering: o,
            })
        })
        .collect()
}

fn offering_table(lang: Lang, rows: &[OfferingRow]) -> Markup {
    html! {
        @if rows.is_empty() { p.muted { (lang.t("courses.no_offerings")) } }
        @else {
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th { (lang.t("courses.dates")) } th { (lang.t("courses.course")) }
                    th { (lang.t("courses.place")) } th.num { (lang.t("courses.enrolled")) }
                    th { (lang.t("courses.lecturers")) } th { (lang.t("common.status")) }
                } }
                tbody { @for r in rows {
                    @let o = &r.offering;
                    tr {
                        td { a href=(format!("/offerings/{}", o.id)) { (o.starts_on) @if o.ends_on != o.starts_on { " – " (o.ends_on) } } }
                        td { (o.course_code) " " (o.title(lang)) }
                        td { (o.place) }
                        td.num { (r.enrolled) " / " (o.capacity) }
                        td { @if o.status.is_live() && r.sessions_short > 0 {
                            (layout::badge(&format!("{} {}", r.sessions_short, lang.t("courses.sessions_short")), "bad"))
                        } }
                        td {
                            (status_badge(lang, o.status))
                            @if model::is_full(o.capacity, r.enrolled) { " " (layout::badge(lang.t("courses.full"), "full")) }
                        }
                    }
                } }
            } }
        }
    }
}

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
            .ok_or_else(|| AppError::bad_request("from", "expected a date YYYY-MM-DD"))?,
    };
    let status = match q.status.trim() {
        "" => None,
        s => Some(
            OfferingStatus::parse(s)
                .ok_or_else(|| AppError::bad_request("status", "unknown status"))?,
        ),
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
    let mut course_options = vec![(String::new(), lang.t("common.all").to_string())];
    course_options.extend(
        courses
            .iter()
            .map(|c| (c.code.clone(), format!("{} {}", c.code, c.title(lang)))),
    );
    let mut status_options = vec![(String::new(), lang.t("common.all").to_string())];
    status_options.extend(
        OfferingStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), lang.t(s.label_key()).to_string())),
    );
    let none = FieldErrors::new(ctx.lang);
    Ok(page(
        &ctx,
        lang.t("courses.offerings"),
        html! {
            (links(&ctx))
            @if may_write(&user) { p { a.button href="/offerings/new" { (lang.t("courses.new_offering")) } } }
            form.filters method="get" action="/offerings" {
                (select_field(lang.t("courses.course"), "course", &course_options, &q.course.trim().to_uppercase(), &none))
                (text_field(lang.t("common.from"), "from", &from.to_string(), &none, FieldAttrs::optional().kind("date")))
                (select_field(lang.t("common.status"), "status", &status_options, q.status.trim(), &none))
                button type="submit" { (lang.t("common.filter")) }
            }
            (offering_table(lang, &offerings))
        },
    ))
}

/// Fields of the offering form.
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

fn offering_form_view(
    ctx: &Ctx,
    id: Option<i64>,
    form: &OfferingForm,
    courses: &[Course],
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let action = match id {
        Some(id) => format!("/offerings/{id}/edit"),
        None => "/offerings/new".into(),
    };
    let options: Vec<(String, String)> = courses
        .iter()
        .map(|c| (c.code.clone(), format!("{} {}", c.code, c.title(lang))))
        .collect();
    let date = FieldAttrs::required().kind("date");
    page(
        ctx,
        lang.t(if id.is_some() {
            "courses.edit_offering"
        } else {
            "courses.new_offering"
        }),
        html! { div.card {
            (layout::form_errors(lang, errors))
            @if courses.is_empty() { p.muted { (lang.t("courses.no_courses")) } }
            form method="post" action=(action) {
                (csrf_field(ctx))
                (select_field(lang.t("courses.course"), "course", &options, &form.course, errors))
                (text_field(lang.t("courses.starts_on"), "starts_on", &form.starts_on, errors, date))
                (text_field(lang.t("courses.ends_on"), "ends_on", &form.ends_on, errors, date))
                (text_field(lang.t("courses.place"), "place", &form.place, errors, FieldAttrs::required().placeholder("Teams")))
                (text_field(lang.t("courses.capacity"), "capacity", &form.capacity, errors, FieldAttrs::required().kind("number")))
                (text_field(lang.t("courses.min_participants"), "min_participants", &form.min_participants, errors, FieldAttrs::optional().kind("number")))
                (text_field(lang.t("courses.enrolment_opens"), "enrolment_opens", &form.enrolment_opens, errors, date))
                (text_field(lang.t("courses.enrolment_closes"), "enrolment_closes", &form.enrolment_closes, errors, date))
                button type="submit" { (lang.t("common.save")) }
            }
        } },
    )
}

async fn active_courses(state: &AppState) -> Result<Vec<Course>, AppError> {
    state
        .db
        .read(|c| store::list_courses(c, true).map_err(AppError::from))
        .await
}

/// `GET /offerings/new`.
pub async fn new_offering_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let courses = active_courses(&state).await?;
    let form = OfferingForm {
        capacity: "20".into(),
        min_participants: "0".into(),
        ..Default::default()
    };
    Ok(offering_form_view(
        &ctx,
        None,
        &form,
        &courses,
        &FieldErrors::new(ctx.lang),
    ))
}

/// `GET /offerings/{id}/edit`.
pub async fn edit_offering_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let o = state
        .db
        .read(move |c| store::get_offering(c, id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    let courses = active_courses(&state).await?;
    Ok(offering_form_view(
        &ctx,
        Some(id),
        &OfferingForm::from_offering(&o),
        &courses,
        &FieldErrors::new(ctx.lang),
    ))
}

async fn save_offering(
    state: AppState,
    ctx: Ctx,
    id: Option<i64>,
    form: OfferingForm,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let errors = match model::check_offering(&form.fields()) {
        Ok(input) => {
            let by = by(&ctx);
            let result = state
                .db
                .write(move |tx| match id {
                    Some(id) => actions::update_offering(tx, &by, id, &input).map(|()| id),
                    None => actions::create_offering(tx, &by, &input, OfferingStatus::Planned),
                })
                .await;
            match result {
                Ok(oid) => return Ok(see_other(&format!("/offerings/{oid}"))),
                Err(AppError::Unprocessable { field, message }) => {
                    let f = if field == "course" {
                        "course"
                    } else {
                        "status"
                    };
                    FieldErrors::from_list(ctx.lang, [(f, message)])
                }
                Err(e) => return Err(e),
            }
        }
        Err(e) => FieldErrors::from_list(ctx.lang, e.into_iter().map(|(f, m)| (f, Msg::from(m)))),
    };
    let courses = active_courses(&state).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        offering_form_view(&ctx, id, &form, &courses, &errors),
    )
        .into_response())
}

/// `POST /offerings/new`.
pub async fn create_offering(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<OfferingForm>,
) -> Result<Response, AppError> {
    save_offering(state, ctx, None, form).await
}

/// `POST /offerings/{id}/edit`.
pub async fn update_offering(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<OfferingForm>,
) -> Result<Response, AppError> {
    save_offering(state, ctx, Some(id), form).await
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

/// Page messages: `?overlap=SESSION` after volunteering.
#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    overlap: Option<i64>,
    #[serde(default)]
    msg: String,
}

/// The warning after volunteering for a session that overlaps another.
async fn overlap_warning(state: &AppState, ctx: &Ctx, q: &NoticeQuery) -> Result<Markup, AppError> {
    let lang = ctx.lang;
    let mut out = html! {
        @if let Some(n) = layout::notice_key(lang, &q.msg) { (layout::notice(n)) }
    };
    if let Some(other) = q.overlap {
        let line = state
            .db
            .read(move |c| store::session_line(c, other).map_err(AppError::from))
            .await?;
        if let Some(line) = line {
            out = html! {
                (out)
                (alert(&format!("{} {}", lang.t("courses.overlap_warning"), actions::describe(&line)), "warn"))
            };
        }
    }
    Ok(out)
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
                dt { (lang.t("courses.dates")) } dd { (o.starts_on) " – " (o.ends_on) }
                dt { (lang.t("courses.place")) } dd { (o.place) }
                dt { (lang.t("courses.enrolment_window")) } dd { (o.enrolment_opens) " – " (o.enrolment_closes) }
                dt { (lang.t("courses.capacity")) } dd { (o.capacity) }
                dt { (lang.t("courses.min_participants")) } dd { (o.min_participants) }
                dt { (lang.t("courses.enrolled")) } dd { (v.enrolled) }
                dt { (lang.t("courses.waitlisted")) } dd { (v.waitlisted) }
            }
            // The enrolment part's pages for this offering.
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
                        @if o.status.may_become(next) {
                            form.inline method="post" action=(format!("/offerings/{}/status", o.id)) {
                                (csrf_field(ctx))
                                input type="hidden" name="status" value=(next.as_str());
                                button.secondary[next == OfferingStatus::Cancelled] type="submit" { (lang.t(status_action_key(next))) }
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
                        (stockholm_display(s.starts_at)) "–" (stockholm_input(s.ends_at).get(11..).unwrap_or("")) " " (s.topic)
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
                                form.inline method="post" action=(format!("/sessions/{}/cancel", s.id)) {
                                    (csrf_field(ctx))
                                    button.secondary type="submit" { (lang.t("courses.cancel_session")) }
                                }
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

/// Volunteer (with an optional note) or withdraw, for the signed-in lecturer.
fn volunteer_controls(ctx: &Ctx, session: i64, mine: Option<SignupStatus>, back: &str) -> Markup {
    let lang = ctx.lang;
    html! {
        @if mine.is_some_and(SignupStatus::is_active) {
            form.inline method="post" action=(format!("/sessions/{session}/withdraw")) {
                (csrf_field(ctx))
                input type="hidden" name="next" value=(back);
                button.secondary type="submit" { (lang.t("courses.withdraw")) }
            }
        } @else {
            form.inline method="post" action=(format!("/sessions/{session}/volunteer")) {
                (csrf_field(ctx))
                input type="hidden" name="next" value=(back);
                label.visually-hidden for=(format!("note-{session}")) { (lang.t("courses.note")) }
                input id=(format!("note-{session}")) type="text" name="note" maxlength="500" placeholder=(lang.t("courses.note"));
                " "
                button type="submit" { (lang.t("courses.volunteer")) }
            }
        }
    }
}

/// The status change form.
#[derive(Debug, Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// `POST /offerings/{id}/status`: open, complete or cancel.
pub async fn change_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let next = OfferingStatus::parse(&form.status)
        .ok_or_else(|| AppError::bad_request("status", "open, completed or cancelled"))?;
    let by = by(&ctx);
    let result = state
        .db
        .write(move |tx| actions::change_status(tx, &by, id, next))
        .await;
    refusal_or(
        &state,
        &ctx,
        Some(id),
        result.map(|()| format!("/offerings/{id}?msg=common.saved")),
    )
    .await
}

/// A redirect on success; on a broken rule, the offering page again with the
/// message and 422.
async fn refusal_or(
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

// Sessions ---------------------------------------------------------------

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
    html! { div.card {
        (layout::form_errors(lang, errors))
        form method="post" action=(action) {
            (csrf_field(ctx))
            (text_field(lang.t("courses.starts_at"), "starts_at", &form.starts_at, errors, time))
            (text_field(lang.t("courses.ends_at"), "ends_at", &form.ends_at, errors, time))
            (text_field(lang.t("courses.topic"), "topic", &form.topic, errors, FieldAttrs::required()))
            (text_field(lang.t("courses.lecturers_needed"), "lecturers_needed", &form.lecturers_needed, errors, FieldAttrs::optional().kind("number").placeholder("1")))
            (text_field(lang.t("courses.session_place"), "place", &form.place, errors, FieldAttrs::optional()))
            p.muted { (lang.t("courses.local_time_hint")) }
            button type="submit" { (lang.t("common.save")) }
        }
    } }
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
            let by = by(&ctx);
            let result = state
                .db
                .write(move |tx| actions::add_session(tx, &by, id, &input))
                .await;
            match result {
                Ok(sid) => return Ok(see_other(&format!("/offerings/{id}#session-{sid}"))),
                Err(AppError::Unprocessable { message, .. }) => {
                    FieldErrors::from_list(ctx.lang, [("starts_at", message)])
                }
                Err(e) => return Err(e),
            }
        }
        Err(e) => FieldErrors::from_list(ctx.lang, e.into_iter().map(|(f, m)| (f, Msg::from(m)))),
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

/// `GET /sessions/{id}/edit`.
pub async fn edit_session_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let s = state
        .db
        .read(move |c| store::get_session(c, id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
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
    let offering = state
        .db
        .read(move |c| store::get_session(c, id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?
        .offering_id;
    let errors = match model::check_session(&form.fields()) {
        Ok(input) => {
            let by = by(&ctx);
            let result = state
                .db
                .write(move |tx| actions::edit_session(tx, &by, id, &input))
                .await;
            match result {
                Ok(()) => return Ok(see_other(&format!("/offerings/{offering}#session-{id}"))),
                Err(AppError::Unprocessable { field, message }) => {
                    let f = if field == "lecturers_needed" {
                        "lecturers_needed"
                    } else {
                        "starts_at"
                    };
                    FieldErrors::from_list(ctx.lang, [(f, message)])
                }
                Err(e) => return Err(e),
            }
        }
        Err(e) => FieldErrors::from_list(ctx.lang, e.into_iter().map(|(f, m)| (f, Msg::from(m)))),
    };
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        edit_session_view(&ctx, id, offering, &form, &errors),
    )
        .into_response())
}

/// `POST /sessions/{id}/cancel`.
pub async fn cancel_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let by = by(&ctx);
    let offering = session_offering(&state, id).await?;
    let result = state
        .db
        .write(move |tx| actions::cancel_session(tx, &by, id))
        .await;
    refusal_or(
        &state,
        &ctx,
        offering,
        result.map(|o| format!("/offerings/{o}#session-{id}")),
    )
    .await
}

async fn session_offering(state: &AppState, session: i64) -> Result<Option<i64>, AppError> {
    Ok(state
        .db
        .read(move |c| store::get_session(c, session).map_err(AppError::from))
        .await?
        .map(|s| s.offering_id))
}

// Lecturers --------------------------------------------------------------

/// The volunteer and withdraw forms.
#[derive(Debug, Deserialize, Default)]
pub struct VolunteerForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    next: String,
}

/// Where a lecturer's form returns: the board or an offering page.
fn back_to(next: &str) -> String {
    let n = layout::safe_next(next);
    if n == "/" {
        "/lecturers-wanted".into()
    } else {
        n
    }
}

/// `POST /sessions/{id}/volunteer`: the signed-in lecturer offers to teach.
/// Another session at the same time is allowed, with a warning naming it.
pub async fn volunteer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<VolunteerForm>,
) -> Result<Response, AppError> {
    let account = ctx.require(&[Role::Lecturer])?.account_id;
    let note: String = form.note.trim().chars().take(500).collect();
    let by = by(&ctx);
    let offering = session_offering(&state, id).await?;
    let result = state
        .db
        .write(move |tx| {
            actions::volunteer(
                tx,
                &by,
                id,
                account,
                Some(note.as_str()).filter(|n| !n.is_empty()),
            )
        })
        .await;
    let back = back_to(&form.next);
    let sep = if back.contains('?') { '&' } else { '?' };
    refusal_or(
        &state,
        &ctx,
        offering,
        result.map(|v| match v.overlapping {
            Some(o) => format!("{back}{sep}overlap={}", o.session.id),
            None => format!("{back}{sep}msg=common.saved"),
        }),
    )
    .await
}

/// `POST /sessions/{id}/withdraw`: the signed-in lecturer withdraws.
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<VolunteerForm>,
) -> Result<Response, AppError> {
    let account = ctx.require(&[Role::Lecturer])?.account_id;
    let by = by(&ctx);
    let offering = session_offering(&state, id).await?;
    let result = state
        .db
        .write(move |tx| actions::withdraw(tx, &by, id, account))
        .await;
    let back = back_to(&form.next);
    let sep = if back.contains('?') { '&' } else { '?' };
    refusal_or(
        &state,
        &ctx,
        offering,
        result.map(|_| format!("{back}{sep}msg=common.saved")),
    )
    .await
}

async fn decide(state: AppState, ctx: Ctx, id: i64, confirm: bool) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let by = by(&ctx);
    let offering = state
        .db
        .read(move |c| -> Result<Option<i64>, AppError> {
            Ok(match store::get_signup(c, id)? {
                Some(s) => store::get_session(c, s.session_id)?.map(|s| s.offering_id),
                None => None,
            })
        })
        .await?;
    let result = state
        .db
        .write(move |tx| actions::decide(tx, &by, id, confirm))
        .await;
    refusal_or(
        &state,
        &ctx,
        offering,
        result.map(|s| {
            format!(
                "/offerings/{}?msg=common.saved#session-{}",
                offering.unwrap_or(0),
                s.session_id
            )
        }),
    )
    .await
}

/// `POST /signups/{id}/confirm`.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    decide(state, ctx, id, true).await
}

/// `POST /signups/{id}/decline`.
pub async fn decline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    decide(state, ctx, id, false).await
}

/// Filters of the board.
#[derive(Debug, Deserialize, Default)]
pub struct BoardQuery {
    #[serde(default)]
    course: String,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    overlap: Option<i64>,
    #[serde(default)]
    msg: String,
}

/// Sessions per page of the lecturers-wanted board.
const BOARD_PAGE: u32 = 50;

/// `GET /lecturers-wanted`: sessions still short of confirmed lecturers,
/// soonest first, a page at a time; a lecturer volunteers with one click.
pub async fn board_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<BoardQuery>,
) -> Result<Markup, AppError> {
    let user = ctx
        .require(&[Role::Lecturer, Role::Admin, Role::Coordinator])?
        .clone();
    let filter = BoardFilter {
        course: Some(q.course.trim().to_uppercase()).filter(|c| !c.is_empty()),
        topic: Some(q.topic.trim().to_string()).filter(|t| !t.is_empty()),
    };
    let (now, viewer) = (ctx.now, user.account_id);
    let page_no = q.page.unwrap_or(1).max(1);
    let offset = layout::page_offset(page_no, BOARD_PAGE);
    let (mut lines, courses) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            Ok((
                // One row more than shown tells whether a next page exists.
                store::lecturers_wanted(c, now, &filter, viewer, BOARD_PAGE + 1, offset)?,
                store::list_courses(c, false)?,
            ))
        })
        .await?;
    let more = lines.len() > BOARD_PAGE as usize;
    lines.truncate(BOARD_PAGE as usize);
    let notice = overlap_warning(
        &state,
        &ctx,
        &NoticeQuery {
            overlap: q.overlap,
            msg: q.msg.clone(),
        },
    )
    .await?;
    let lang = ctx.lang;
    let mut course_options = vec![(String::new(), lang.t("common.all").to_string())];
    course_options.extend(
        courses
            .iter()
            .map(|c| (c.code.clone(), format!("{} {}", c.code, c.title(lang)))),
    );
    let none = FieldErrors::new(ctx.lang);
    let here = ctx.uri.clone();
    let is_lecturer = user.has(Role::Lecturer);
    Ok(page(
        &ctx,
        lang.t("courses.board"),
        html! {
            (links(&ctx))
            (notice)
            form.filters method="get" action="/lecturers-wanted" {
                (select_field(lang.t("courses.course"), "course", &course_options, &q.course.trim().to_uppercase(), &none))
                (text_field(lang.t("courses.topic"), "topic", q.topic.trim(), &none, FieldAttrs::optional()))
                button type="submit" { (lang.t("common.filter")) }
            }
            @if lines.is_empty() { p.muted { (lang.t("courses.board_empty")) } }
            @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th { (lang.t("courses.time")) } th { (lang.t("courses.course")) } th { (lang.t("courses.topic")) }
                        th { (lang.t("courses.place")) } th { (lang.t("courses.lecturers")) } th { (lang.t("courses.you")) }
                    } }
                    tbody { @for l in &lines { tr {
                        td { (stockholm_display(l.session.starts_at)) "–" (stockholm_input(l.session.ends_at).get(11..).unwrap_or("")) }
                        td { a href=(format!("/offerings/{}#session-{}", l.session.offering_id, l.session.id)) { (l.course_code) } " " (l.title(lang)) }
                        td { (l.session.topic) }
                        td { (l.session.place.as_deref().unwrap_or(&l.offering_place)) }
                        td { (l.session.confirmed) " / " (l.session.lecturers_needed) @if l.session.volunteered > 0 { " (" (l.session.volunteered) " " (lang.t("courses.signup_volunteered")) ")" } }
                        td {
                            @if let Some(s) = l.signup { (signup_badge(lang, s)) " " }
                            @if is_lecturer { (volunteer_controls(&ctx, l.session.id, l.signup, &strip_notices(&here))) }
                        }
                    } } }
                } }
                (layout::next_pager(lang, &without_params(&here, &["overlap", "msg", "page"]), page_no, more))
            }
        },
    ))
}

/// The board's own address without the one-off notice parameters, so they
/// do not stick to the next redirect.
fn strip_notices(uri: &str) -> String {
    without_params(uri, &["overlap", "msg"])
}

/// `uri` without the query parameters `names`.
fn without_params(uri: &str, names: &[&str]) -> String {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !names.contains(&p.split('=').next().unwrap_or("")))
        .collect();
    if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// A lecturer's sessions split for the teaching page.
struct Teaching {
    volunteered: Vec<SessionLine>,
    confirmed: Vec<SessionLine>,
    past: Vec<SessionLine>,
}

fn split_teaching(lines: Vec<SessionLine>, now: DateTime<Utc>) -> Teaching {
    let mut t = Teaching {
        volunteered: Vec::new(),
        confirmed: Vec::new(),
        past: Vec::new(),
    };
    for l in lines {
        let held =
            l.session.cancelled_at.is_none() && l.offering_status != OfferingStatus::Cancelled;
        match l.signup {
            Some(SignupStatus::Confirmed) if held && l.session.ends_at <= now => t.past.push(l),
            Some(SignupStatus::Confirmed) if held => t.confirmed.push(l),
            Some(SignupStatus::Volunteered) if held && l.session.starts_at > now => {
                t.volunteered.push(l)
            }
            _ => {}
        }
    }
    // Coming sessions soonest first; the record latest first.
    t.volunteered.reverse();
    t.confirmed.reverse();
    t
}

async fn teaching(state: &AppState, ctx: &Ctx) -> Result<Teaching, AppError> {
    let account = ctx.require(&[Role::Lecturer])?.account_id;
    let now = ctx.now;
    let lines = state
        .db
        .read(move |c| store::lecturer_sessions(c, account).map_err(AppError::from))
        .await?;
    Ok(split_teaching(lines, now))
}

fn sessions_table(ctx: &Ctx, lines: &[SessionLine], controls: bool) -> Markup {
    let lang = ctx.lang;
    html! {
        @if lines.is_empty() { p.muted { (lang.t("common.none")) } }
        @else {
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th { (lang.t("courses.time")) } th { (lang.t("courses.course")) } th { (lang.t("courses.topic")) } th { (lang.t("courses.place")) }
                    @if controls { th {} }
                } }
                tbody { @for l in lines { tr {
                    td { (stockholm_display(l.session.starts_at)) "–" (stockholm_input(l.session.ends_at).get(11..).unwrap_or("")) }
                    td { a href=(format!("/offerings/{}#session-{}", l.session.offering_id, l.session.id)) { (l.course_code) } " " (l.title(lang)) }
                    td { (l.session.topic) }
                    td { (l.session.place.as_deref().unwrap_or(&l.offering_place)) }
                    @if controls { td { (volunteer_controls(ctx, l.session.id, l.signup, "/teaching")) } }
                } } }
            } }
        }
    }
}

/// `GET /teaching`: the signed-in lecturer's volunteered, confirmed and past
/// sessions.
pub async fn teaching_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Markup, AppError> {
    let t = teaching(&state, &ctx).await?;
    let notice = overlap_warning(&state, &ctx, &q).await?;
    let lang = ctx.lang;
    Ok(page(
        &ctx,
        lang.t("courses.teaching"),
        html! {
            (links(&ctx))
            (notice)
            h2 { (lang.t("courses.my_confirmed")) }
            (sessions_table(&ctx, &t.confirmed, true))
            h2 { (lang.t("courses.my_volunteered")) }
            (sessions_table(&ctx, &t.volunteered, true))
            h2 { (lang.t("courses.teaching_record")) }
            p { a href="/teaching.csv" { (lang.t("common.export_csv")) } " · " a href="/teaching.csv?sep=," { "CSV (,)" } }
            (sessions_table(&ctx, &t.past, false))
        },
    ))
}

/// Parameters of CSV exports.
#[derive(Debug, Deserialize, Default)]
pub struct CsvQuery {
    #[serde(default)]
    sep: Option<String>,
}

/// `GET /teaching.csv`: the teaching record (confirmed sessions held).
pub async fn teaching_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CsvQuery>,
) -> Result<Response, AppError> {
    let t = teaching(&state, &ctx).await?;
    Ok(csv::response(
        "teaching-record.csv",
        csv::delimiter(q.sep.as_deref()),
        &[
            "starts_at",
            "ends_at",
            "minutes",
            "course",
            "title_sv",
            "title_en",
            "topic",
            "place",
        ],
        t.past.iter().map(|l| {
            vec![
                stockholm_display(l.session.starts_at),
                stockholm_display(l.session.ends_at),
                (l.session.ends_at - l.session.starts_at)
                    .num_minutes()
                    .to_string(),
                l.course_code.clone(),
                l.title_sv.clone(),
                l.title_en.clone(),
                l.session.topic.clone(),
                l.session
                    .place
                    .clone()
                    .unwrap_or_else(|| l.offering_place.clone()),
            ]
        }),
    ))
}

// Start page -------------------------------------------------------------

/// The start page's parameter: how many weeks ahead the at-risk panel looks.
#[derive(Debug, Deserialize, Default)]
pub struct AtRiskQuery {
    #[serde(default)]
    weeks: Option<u32>,
}

/// Weeks ahead the at-risk panel looks by default.
pub const AT_RISK_WEEKS: u32 = 6;

/// The at-risk panel for coordinators and administrators (empty markup for
/// others): live offerings starting within `weeks` (default 6) that are short
/// of lecturers or below their minimum of participants.
pub async fn at_risk_panel(
    state: &AppState,
    ctx: &Ctx,
    q: &AtRiskQuery,
) -> Result<Markup, AppError> {
    let Some(user) = &ctx.user else {
        return Ok(html! {});
    };
    if !may_write(user) {
        return Ok(html! {});
    }
    let weeks = q.weeks.unwrap_or(AT_RISK_WEEKS).min(104);
    let today = ctx.today;
    let until = today + Duration::weeks(i64::from(weeks));
    let rows = state
        .db
        .read(move |c| store::at_risk_offerings(c, today, until).map_err(AppError::from))
        .await?;
    Ok(at_risk_view(ctx.lang, weeks, &rows))
}

fn at_risk_view(lang: Lang, weeks: u32, rows: &[AtRisk]) -> Markup {
    html! {
        section.card.at-risk {
            h2 { (lang.t("courses.at_risk")) }
            p.muted { (lang.t("courses.at_risk_hint")) " " (weeks) " " (lang.t("courses.weeks")) "." }
            @if rows.is_empty() { p { (lang.t("courses.at_risk_none")) } }
            @else {
                ul { @for r in rows {
                    li {
                        a href=(format!("/offerings/{}", r.offering.id)) { (r.offering.starts_on) " " (r.offering.course_code) " " (r.offering.title(lang)) }
                        @if r.sessions_short > 0 { " " (layout::badge(&format!("{} {}", r.sessions_short, lang.t("courses.sessions_short")), "bad")) }
                        @if r.enrolled < r.offering.min_participants {
                            " " (layout::badge(&format!("{} / {} {}", r.enrolled, r.offering.min_participants, lang.t("courses.enrolled_of_min")), "warn"))
                        }
                    }
                } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_links_drop_one_off_notices() {
        assert_eq!(
            strip_notices("/lecturers-wanted?course=K1&overlap=3&msg=common.saved"),
            "/lecturers-wanted?course=K1"
        );
        assert_eq!(
            strip_notices("/lecturers-wanted?msg=x"),
            "/lecturers-wanted"
        );
    }
}
