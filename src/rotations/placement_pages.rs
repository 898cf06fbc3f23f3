//! Trainee, training element and placement pages, timelines and cost reports.
//!
//! Study directors and administrators plan and change; managers read what
//! concerns their scope (trainees whose home clinic or placements they lead).
//! Every write checks its rules inside the write transaction and records its
//! audit row there; a form that breaks a rule is shown again with the
//! field's message and what was typed.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{self, Split, format_kronor, month_name, parse_kronor};
use super::placements::{
    self as pl, Certificate, HomeReason, LedgerLine, Placement, PlanInput, PlanProblem, Stored,
};
use super::reports::{self, CostReport};
use super::sub_nav;
use super::timeline::{self, Bar};
use super::trainees::{self as tr, Element, ElementState, Rulebook, Trainee, TraineeInput};
use super::{READERS, WRITERS};
use crate::AppState;
use crate::audit::audited;
use crate::auth::model::{Principal, UnitFilter};
use crate::auth::{ApiUser, Ctx};
use crate::clock::local_display;
use crate::db::DbError;
use crate::i18n::Lang;

use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field};
use crate::web::middleware::urlencode;
use crate::web::{ApiQuery, AppError, FieldErrors, Form, Path, Query, csv};

/// Trainee, placement and report routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/trainees", get(trainees_page))
        .route("/trainees/new", get(new_trainee_page).post(create_trainee))
        .route("/trainees/{id}", get(trainee_page))
        .route(
            "/trainees/{id}/edit",
            get(edit_trainee_page).post(update_trainee),
        )
        .route("/trainees/{id}/salary", post(add_salary))
        .route(
            "/training-elements",
            get(elements_page).post(create_element),
        )
        .route(
            "/training-elements/{id}/edit",
            get(edit_element_page).post(update_element),
        )
        .route("/placements", get(placements_page))
        .route(
            "/placements/new",
            get(new_placement_page).post(create_placement),
        )
        .route("/placements/{id}", get(placement_page))
        .route(
            "/placements/{id}/edit",
            get(edit_placement_page).post(update_placement),
        )
        .route("/placements/{id}/approve", post(approve_placement))
        .route("/placements/{id}/cancel", post(cancel_placement))
        .route("/placements/{id}/home-periods", post(add_home_period))
        .route("/placements/{id}/certificate", post(set_certificate))
        .route("/rotations/timeline", get(timeline_page))
        .route("/rotations/reports/costs", get(costs_page))
        .route("/rotations/reports/costs.csv", get(costs_csv))
        .route("/rotations/reports/costs.json", get(costs_json))
        .routes(routes!(costs_api))
        .route("/rotations/reports/capacity", get(capacity_page))
        .route("/rotations/reports/missing-elements", get(missing_page))
}

// ---------------------------------------------------------------------------
// Shared pieces

/// A write that failed: the form's field messages, or an error page.
#[derive(Debug)]
enum Failure {
    Fields(FieldErrors),
    App(AppError),
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        Failure::App(AppError::from(e))
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::App(AppError::from(e))
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure::App(e)
    }
}

impl Failure {
    fn field(lang: Lang, field: &'static str, message: impl Into<crate::i18n::Msg>) -> Failure {
        let mut e = FieldErrors::new(lang);
        e.add(field, message);
        Failure::Fields(e)
    }
}

async fn read<T, F>(state: &AppState, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, AppError> + Send + 'static,
{
    state.db.read(f).await
}

fn may_write(user: &Principal) -> bool {
    user.has_any(WRITERS)
}

fn may_see_placement(filter: &UnitFilter, p: &Placement) -> bool {
    filter.allows(p.home_unit_id) || filter.allows(p.host_unit_id)
}

/// A trainee is visible to managers of their home clinic and of the hosts
/// of their placements.
fn may_see_trainee(filter: &UnitFilter, t: &Trainee, placements: &[Placement]) -> bool {
    filter.allows(t.home_unit_id) || placements.iter().any(|p| filter.allows(p.host_unit_id))
}

fn kr(lang: Lang, ore: i64) -> String {
    format_kronor(ore, lang)
}

fn date_field(
    errors: &mut FieldErrors,
    lang: Lang,
    field: &'static str,
    value: &str,
) -> Option<NaiveDate> {
    let d = crate::check::date(value);
    if d.is_none() {
        errors.add(field, lang.t("placements.err_date"));
    }
    d
}

fn status_badge(lang: Lang, s: pl::Status) -> Markup {
    let class = match s {
        pl::Status::Planned => "muted",
        pl::Status::Approved | pl::Status::Active => "ok",
        pl::Status::Completed => "valid",
        pl::Status::Cancelled => "bad",
    };
    layout::badge(lang.t(s.label_key()), class)
}

fn kind_label(lang: Lang, kind: &str) -> &'static str {
    lang.t(pl::kind_of(kind).text_key())
}

fn unprocessable(markup: Markup) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, markup).into_response()
}

// ---------------------------------------------------------------------------
// Trainees

/// `GET /trainees`.
async fn trainees_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let user = ctx.require(READERS)?.clone();
    let filter = user.people_filter();
    let rows = read(&state, move |conn| {
        let mut hosts: HashMap<i64, Vec<Placement>> = HashMap::new();
        for p in pl::placements(conn, None, None, None)? {
            hosts.entry(p.trainee_id).or_default().push(p);
        }
        let salaries = tr::all_salary_histories(conn)?;
        let mut out = Vec::new();
        for t in tr::trainees(conn)? {
            let ps = hosts.remove(&t.id).unwrap_or_default();
            if may_see_trainee(&filter, &t, &ps) {
                let salary = salaries
                    .get(&t.id)
                    .and_then(|h| h.last())
                    .map(|s| s.monthly_cost_ore);
                out.push((
                    t,
                    ps.iter().filter(|p| p.stored != Stored::Cancelled).count(),
                    salary,
                ));
            }
        }
        Ok(out)
    })
    .await?;
    let lang = ctx.lang;
    Ok(page(
        &ctx,
        lang.t("trainees.title"),
        html! {
            (sub_nav(&ctx))
            @if may_write(&user) {
                p { a.button href="/trainees/new" { (lang.t("trainees.new")) } }
            }
            @if rows.is_empty() { p.muted { (lang.t("trainees.none")) } } @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th { (lang.t("common.name")) } th { (lang.t("trainees.home_unit")) } th { (lang.t("trainees.specialty")) }
                        th { (lang.t("trainees.rulebook")) } th { (lang.t("trainees.st_period")) } th { (lang.t("trainees.salary")) }
                        th { (lang.t("placements.title")) }
                    } }
                    tbody { @for (t, n, salary) in &rows { tr {
                        td { a href=(format!("/trainees/{}", t.id)) { (t.name) } }
                        td { (t.home_unit_code) " " span.muted { (t.home_unit_name) } }
                        td { (t.specialty) }
                        td { (t.rulebook.title()) }
                        td { (t.st_start) " – " (t.planned_end) }
                        td.num { (salary.map(|s| kr(lang, s)).unwrap_or_else(|| "–".into())) }
                        td.num { (n) }
                    } } }
                } }
            }
        },
    ))
}

/// The trainee form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TraineeForm {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    specialty: String,
    #[serde(default)]
    rulebook: String,
    #[serde(default)]
    st_start: String,
    #[serde(default)]
    planned_end: String,
    #[serde(default)]
    study_director: String,
    #[serde(default)]
    supervisor: String,
    #[serde(default)]
    monthly_cost: String,
}

impl TraineeForm {
    fn from_trainee(t: &Trainee) -> TraineeForm {
        TraineeForm {
            person_id: t.person_id.to_string(),
            specialty: t.specialty.clone(),
            rulebook: t.rulebook.as_str().to_string(),
            st_start: t.st_start.to_string(),
            planned_end: t.planned_end.to_string(),
            study_director: t.study_director.clone(),
            supervisor: t.supervisor.clone(),
            monthly_cost: String::new(),
        }
    }

    fn check(&self, lang: Lang, new: bool) -> Result<(TraineeInput, Option<i64>), FieldErrors> {
        let mut errors = FieldErrors::new(lang);
        let person_id = self.person_id.trim().parse::<i64>().unwrap_or_else(|_| {
            if new {
                errors.add("person_id", lang.t("trainees.err_person"));
            }
            0
        });
        let specialty = self
            .specialty
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if specialty.is_empty() {
            errors.add("specialty", lang.t("placements.err_required"));
        }
        let rulebook = Rulebook::parse(&self.rulebook).unwrap_or_else(|| {
            errors.add("rulebook", lang.t("trainees.err_rulebook"));
            Rulebook::HslfFs2021_8
        });
        let st_start = date_field(&mut errors, lang, "st_start", &self.st_start);
        let planned_end = date_field(&mut errors, lang, "planned_end", &self.planned_end);
        if let (Some(s), Some(e)) = (st_start, planned_end)
            && e <= s
        {
            errors.add("planned_end", lang.t("placements.err_end_before_start"));
        }
        let salary = match self.monthly_cost.trim() {
            "" => None,
            s => match parse_kronor(s) {
                Some(v) => Some(v),
                None => {
                    errors.add("monthly_cost", lang.t("trainees.err_amount"));
                    None
                }
            },
        };
        match (errors.is_empty(), st_start, planned_end) {
            (true, Some(st_start), Some(planned_end)) => Ok((
                TraineeInput {
                    person_id,
                    specialty,
                    rulebook,
                    st_start,
                    planned_end,
                    study_director: self.study_director.trim().to_string(),
                    supervisor: self.supervisor.trim().to_string(),
                },
                salary,
            )),
            _ => Err(errors),
        }
    }
}

fn rulebook_options() -> Vec<(String, String)> {
    Rulebook::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), r.title().to_string()))
        .collect()
}

fn trainee_form_view(
    ctx: &Ctx,
    id: Option<i64>,
    people: &[(i64, String, String)],
    form: &TraineeForm,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let action = match id {
        Some(id) => format!("/trainees/{id}/edit"),
        None => "/trainees/new".to_string(),
    };
    let title = lang.t(if id.is_some() {
        "trainees.edit"
    } else {
        "trainees.new"
    });
    page(
        ctx,
        title,
        html! {
            (sub_nav(ctx))
            (layout::form_errors(lang, errors))
            form method="post" action=(action) {
                (csrf_field(ctx))
                @if id.is_none() {
                    @if people.is_empty() { p.muted { (lang.t("trainees.no_st_doctors")) } }
                    (select_field(lang.t("trainees.person"), "person_id",
                        &people.iter().map(|(id, name, unit)| (id.to_string(), format!("{name} ({unit})"))).collect::<Vec<_>>(),
                        &form.person_id, errors))
                }
                (text_field(lang.t("trainees.specialty"), "specialty", &form.specialty, errors, FieldAttrs::required()))
                (select_field(lang.t("trainees.rulebook"), "rulebook", &rulebook_options(), &form.rulebook, errors))
                (text_field(lang.t("trainees.st_start"), "st_start", &form.st_start, errors, FieldAttrs::required().kind("date")))
                (text_field(lang.t("trainees.planned_end"), "planned_end", &form.planned_end, errors, FieldAttrs::required().kind("date")))
                (text_field(lang.t("trainees.study_director"), "study_director", &form.study_director, errors, FieldAttrs::optional()))
                (text_field(lang.t("trainees.supervisor"), "supervisor", &form.supervisor, errors, FieldAttrs::optional()))
                @if id.is_none() {
                    (text_field(lang.t("trainees.monthly_cost"), "monthly_cost", &form.monthly_cost, errors, FieldAttrs::optional().placeholder("52 500")))
                    p.muted { (lang.t("trainees.monthly_cost_help")) }
                }
                button type="submit" { (lang.t("common.save")) }
            }
        },
    )
}

/// `GET /trainees/new`.
async fn new_trainee_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let people = read(&state, |conn| Ok(tr::st_doctors_without_record(conn)?)).await?;
    let form = TraineeForm {
        rulebook: Rulebook::HslfFs2021_8.as_str().into(),
        specialty: "Onkologi".into(),
        ..TraineeForm::default()
    };
    Ok(trainee_form_view(
        &ctx,
        None,
        &people,
        &form,
        &FieldErrors::new(ctx.lang),
    ))
}

/// `POST /trainees/new`.
async fn create_trainee(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<TraineeForm>,
) -> Result<Response, AppError> {
    save_trainee(state, ctx, None, form).await
}

/// `POST /trainees/{id}/edit`.
async fn update_trainee(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<TraineeForm>,
) -> Result<Response, AppError> {
    save_trainee(state, ctx, Some(id), form).await
}

async fn save_trainee(
    state: AppState,
    ctx: Ctx,
    id: Option<i64>,
    form: TraineeForm,
) -> Result<Response, AppError> {
    let user = ctx.require(WRITERS)?.clone();
    let lang = ctx.lang;
    if let Some(id) = id {
        read(&state, move |conn| {
            tr::trainee(conn, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    }
    let errors = match form.check(lang, id.is_none()) {
        Err(errors) => errors,
        Ok((input, salary)) => {
            let (now, account) = (ctx.now, user.account_id);
            let result = audited(
                &state,
                &ctx,
                if id.is_some() {
                    "trainee.update"
                } else {
                    "trainee.create"
                },
                "trainee",
                move |tx| match id {
                    Some(id) => {
                        let before = tr::trainee(tx, id)?.ok_or(AppError::NotFound)?;
                        tr::update_trainee(tx, id, &input)?;
                        Ok((id, Some(id), Some(json!(before)), json!(input)))
                    }
                    None => {
                        match tr::person_profession(tx, input.person_id)?.as_deref() {
                            Some("st_doctor") => {}
                            _ => {
                                return Err(Failure::field(
                                    lang,
                                    "person_id",
                                    lang.t("trainees.err_person"),
                                ));
                            }
                        }
                        if tr::trainee_of_person(tx, input.person_id)?.is_some() {
                            return Err(Failure::field(
                                lang,
                                "person_id",
                                lang.t("trainees.err_exists"),
                            ));
                        }
                        let new_id = tr::create_trainee(tx, &input, now)?;
                        if let Some(ore) = salary {
                            tr::add_salary(
                                tx,
                                new_id,
                                model::SalaryChange {
                                    from: input.st_start,
                                    monthly_cost_ore: ore,
                                },
                                Some(account),
                                now,
                            )?;
                        }
                        Ok((
                            new_id,
                            Some(new_id),
                            None,
                            json!({"trainee": input, "monthly_cost_ore": salary}),
                        ))
                    }
                },
            )
            .await;
            match result {
                Ok(tid) => return Ok(crate::web::see_other(&format!("/trainees/{tid}"))),
                Err(Failure::App(e)) => return Err(e),
                Err(Failure::Fields(f)) => f,
            }
        }
    };
    let people = read(&state, |conn| Ok(tr::st_doctors_without_record(conn)?)).await?;
    Ok(unprocessable(trainee_form_view(
        &ctx, id, &people, &form, &errors,
    )))
}

/// `GET /trainees/{id}/edit`.
async fn edit_trainee_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let t = read(&state, move |conn| {
        tr::trainee(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    Ok(trainee_form_view(
        &ctx,
        Some(id),
        &[],
        &TraineeForm::from_trainee(&t),
        &FieldErrors::new(ctx.lang),
    ))
}

/// Everything the trainee page shows.
struct TraineeDetail {
    trainee: Trainee,
    salary: Vec<tr::SalaryRow>,
    elements: Vec<(Element, ElementState)>,
    goals_open: Vec<String>,
    placements: Vec<Placement>,
}

fn load_trainee(
    conn: &Connection,
    id: i64,
    filter: &UnitFilter,
) -> Result<TraineeDetail, AppError> {
    let trainee = tr::trainee(conn, id)?.ok_or(AppError::NotFound)?;
    let placements = pl::placements(conn, Some(id), None, None)?;
    if !may_see_trainee(filter, &trainee, &placements) {
        return Err(AppError::NotFound);
    }
    let elements = tr::elements_of(conn, &trainee.specialty)?;
    let covered = tr::covered_elements(conn, id)?;
    let states: Vec<ElementState> = elements
        .iter()
        .map(|e| tr::element_state(e.id, &covered))
        .collect();
    let goals_open = tr::goals_not_covered(trainee.rulebook, &elements, &states);
    Ok(TraineeDetail {
        salary: tr::salary_rows(conn, id)?,
        elements: elements.into_iter().zip(states).collect(),
        goals_open,
        placements,
        trainee,
    })
}

/// The salary revision form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SalaryForm {
    #[serde(default)]
    monthly_cost: String,
    #[serde(default)]
    effective_from: String,
}

fn placement_bars(
    lang: Lang,
    placements: &[Placement],
    today: NaiveDate,
    by_host: bool,
) -> Vec<Bar> {
    placements
        .iter()
        .filter(|p| p.stored != Stored::Cancelled)
        .map(|p| Bar {
            label: if by_host {
                p.trainee_name.clone()
            } else {
                format!("{} {}", p.host_unit_code, kind_label(lang, &p.kind))
            },
            start: p.start,
            end: p.end,
            status: p.status(today).as_str(),
            title: format!(
                "{} · {} · {} – {} · {} %",
                p.trainee_name, p.host_unit_code, p.start, p.end, p.extent
            ),
            href: format!("/placements/{}", p.id),
        })
        .collect()
}

fn trainee_view(ctx: &Ctx, d: &TraineeDetail, form: &SalaryForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let t = &d.trainee;
    let can_write = ctx.user.as_ref().is_some_and(may_write);
    let bars = placement_bars(lang, &d.placements, ctx.today, false);
    let from = bars
        .iter()
        .map(|b| b.start)
        .min()
        .unwrap_or(t.st_start)
        .min(ctx.today);
    let to = bars
        .iter()
        .map(|b| b.end)
        .max()
        .unwrap_or(t.planned_end)
        .max(ctx.today);
    page(
        ctx,
        &t.name,
        html! {
            (sub_nav(ctx))
            (layout::form_errors(lang, errors))
            section.card {
                dl.facts {
                    dt { (lang.t("trainees.home_unit")) } dd { (t.home_unit_code) " " (t.home_unit_name) }
                    dt { (lang.t("trainees.specialty")) } dd { (t.specialty) }
                    dt { (lang.t("trainees.rulebook")) } dd { (t.rulebook.title()) }
                    dt { (lang.t("trainees.st_period")) } dd { (t.st_start) " – " (t.planned_end) }
                    dt { (lang.t("trainees.study_director")) } dd { (t.study_director) }
                    dt { (lang.t("trainees.supervisor")) } dd { (t.supervisor) }
                }
                @if can_write {
                    p {
                        a.button.secondary href=(format!("/trainees/{}/edit", t.id)) { (lang.t("common.edit")) } " "
                        a.button href=(format!("/placements/new?trainee={}", t.id)) { (lang.t("placements.new")) }
                    }
                }
            }
            h2 { (lang.t("placements.title")) }
            (timeline::gantt(lang, &format!("{} – {}", lang.t("placements.timeline_title"), t.name), &bars, from, to, None))
            (placements_table(lang, &d.placements, ctx.today))
            h2 { (lang.t("trainees.elements_title")) }
            @if d.elements.is_empty() { p.muted { (lang.t("trainees.no_elements")) } } @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th { (lang.t("common.name")) } th { (lang.t("trainees.goals_largely")) } th { (lang.t("trainees.goals_partly")) }
                        th { (lang.t("trainees.suggested_months")) } th { (lang.t("trainees.at_host")) } th { (lang.t("common.status")) }
                    } }
                    tbody { @for (e, s) in &d.elements { tr {
                        td { (e.name) } td { (e.goals_largely) } td { (e.goals_partly) } td.num { (e.suggested_months) }
                        td { (lang.t(if e.at_host { "common.yes" } else { "common.no" })) }
                        td { (layout::badge(lang.t(s.label_key()), match s { ElementState::Done => "ok", ElementState::Planned => "warn", ElementState::Missing => "bad" })) }
                    } } }
                } }
            }
            p { strong { (lang.t("trainees.goals_open")) ": " } @if d.goals_open.is_empty() { (lang.t("common.none")) } @else { (d.goals_open.join(", ")) } }
            h2 { (lang.t("trainees.salary_history")) }
            @if d.salary.is_empty() { p.muted { (lang.t("trainees.no_salary")) } } @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr { th { (lang.t("trainees.effective_from")) } th { (lang.t("trainees.monthly_cost")) } th { (lang.t("trainees.recorded")) } } }
                    tbody { @for s in &d.salary { tr {
                        td { (s.salary.from) } td.num { (kr(lang, s.salary.monthly_cost_ore)) }
                        td { (local_display(&s.recorded_at)) " " span.muted { (s.recorded_by.as_deref().unwrap_or("")) } }
                    } } }
                } }
            }
            @if can_write {
                form.filters method="post" action=(format!("/trainees/{}/salary", t.id)) {
                    (csrf_field(ctx))
                    (text_field(lang.t("trainees.monthly_cost"), "monthly_cost", &form.monthly_cost, errors, FieldAttrs::required().placeholder("52 500")))
                    (text_field(lang.t("trainees.effective_from"), "effective_from", &form.effective_from, errors, FieldAttrs::required().kind("date")))
                    button type="submit" { (lang.t("trainees.add_salary")) }
                }
                p.muted { (lang.t("trainees.salary_help")) }
            }
        },
    )
}

/// `GET /trainees/{id}`.
async fn trainee_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let filter = ctx.require(READERS)?.people_filter();
    let d = read(&state, move |conn| load_trainee(conn, id, &filter)).await?;
    Ok(trainee_view(
        &ctx,
        &d,
        &SalaryForm::default(),
        &FieldErrors::new(ctx.lang),
    ))
}

/// `POST /trainees/{id}/salary`: appends a revision and adjusts the reported
/// split of the trainee's approved placements.
async fn add_salary(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<SalaryForm>,
) -> Result<Response, AppError> {
    let user = ctx.require(WRITERS)?.clone();
    let lang = ctx.lang;
    let filter = user.people_filter();
    read(&state, move |conn| {
        tr::trainee(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    let mut errors = FieldErrors::new(ctx.lang);
    let amount = parse_kronor(&form.monthly_cost);
    if amount.is_none() {
        errors.add("monthly_cost", lang.t("trainees.err_amount"));
    }
    let from = date_field(&mut errors, lang, "effective_from", &form.effective_from);
    if let (Some(ore), Some(from)) = (amount, from) {
        let (now, today, account) = (ctx.now, ctx.today, user.account_id);
        let change = model::SalaryChange {
            from,
            monthly_cost_ore: ore,
        };
        let result = audited(&state, &ctx, "trainee.salary", "trainee", move |tx| {
            tr::add_salary(tx, id, change, Some(account), now)?;
            let mut adjusted = Vec::new();
            for p in pl::placements(tx, Some(id), None, None)? {
                if resync(tx, &p, today, "salary", now, lang)? > 0 {
                    adjusted.push(p.id);
                }
            }
            Ok((
                (),
                Some(id),
                None,
                json!({"salary": change, "adjusted_placements": adjusted}),
            ))
        })
        .await;
        match result {
            Ok(()) => return Ok(crate::web::see_other(&format!("/trainees/{id}"))),
            Err(Failure::App(e)) => return Err(e),
            Err(Failure::Fields(f)) => errors = f,
        }
    }
    let d = read(&state, move |conn| load_trainee(conn, id, &filter)).await?;
    Ok(unprocessable(trainee_view(&ctx, &d, &form, &errors)))
}

// ---------------------------------------------------------------------------
// Training elements

/// The element form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ElementForm {
    #[serde(default)]
    specialty: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    goals_largely: String,
    #[serde(default)]
    goals_partly: String,
    #[serde(default)]
    suggested_months: String,
    #[serde(default)]
    at_host: Option<String>,
    #[serde(default)]
    active: Option<String>,
}

impl ElementForm {
    fn from_element(e: &Element) -> ElementForm {
        ElementForm {
            specialty: e.specialty.clone(),
            name: e.name.clone(),
            goals_largely: e.goals_largely.clone(),
            goals_partly: e.goals_partly.clone(),
            suggested_months: e.suggested_months.to_string(),
            at_host: e.at_host.then(|| "1".into()),
            active: e.active.then(|| "1".into()),
        }
    }

    fn check(&self, lang: Lang, id: i64) -> Result<Element, FieldErrors> {
        let mut errors = FieldErrors::new(lang);
        let tidy = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let (specialty, name) = (tidy(&self.specialty), tidy(&self.name));
        if specialty.is_empty() {
            errors.add("specialty", lang.t("placements.err_required"));
        }
        if name.is_empty() {
            errors.add("name", lang.t("placements.err_required"));
        }
        let mut goals = |field: &'static str, s: &str| {
            tr::parse_goals(s).unwrap_or_else(|bad| {
                errors.add(field, format!("{}: {bad}", lang.t("trainees.err_goal")));
                String::new()
            })
        };
        let goals_largely = goals("goals_largely", &self.goals_largely);
        let goals_partly = goals("goals_partly", &self.goals_partly);
        let months = match self.suggested_months.trim().parse::<i64>() {
            Ok(m) if (1..=36).contains(&m) => m,
            _ => {
                errors.add("suggested_months", lang.t("trainees.err_months"));
                0
            }
        };
        if errors.is_empty() {
            Ok(Element {
                id,
                specialty,
                name,
                goals_largely,
                goals_partly,
                suggested_months: months,
                at_host: self.at_host.is_some(),
                active: self.active.is_some(),
            })
        } else {
            Err(errors)
        }
    }
}

fn element_fields(ctx: &Ctx, form: &ElementForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    html! {
        (text_field(lang.t("trainees.specialty"), "specialty", &form.specialty, errors, FieldAttrs::required()))
        (text_field(lang.t("common.name"), "name", &form.name, errors, FieldAttrs::required()))
        (text_field(lang.t("trainees.goals_largely"), "goals_largely", &form.goals_largely, errors, FieldAttrs::optional().placeholder("STc2 STc3")))
        (text_field(lang.t("trainees.goals_partly"), "goals_partly", &form.goals_partly, errors, FieldAttrs::optional()))
        (text_field(lang.t("trainees.suggested_months"), "suggested_months", &form.suggested_months, errors, FieldAttrs::required().kind("number")))
        (layout::checkbox(lang.t("trainees.at_host"), "at_host", form.at_host.is_some()))
        (layout::checkbox(lang.t("common.active"), "active", form.active.is_some()))
    }
}

fn elements_view(
    ctx: &Ctx,
    elements: &[Element],
    form: &ElementForm,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let can_write = ctx.user.as_ref().is_some_and(may_write);
    page(
        ctx,
        lang.t("trainees.elements_title"),
        html! {
            (sub_nav(ctx))
            p.muted { (lang.t("trainees.elements_help")) }
            @if elements.is_empty() { p.muted { (lang.t("trainees.no_elements")) } } @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th { (lang.t("trainees.specialty")) } th { (lang.t("common.name")) } th { (lang.t("trainees.goals_largely")) }
                        th { (lang.t("trainees.goals_partly")) } th { (lang.t("trainees.suggested_months")) } th { (lang.t("trainees.at_host")) }
                        th { (lang.t("common.status")) } @if can_write { th { span.visually-hidden { (lang.t("common.edit")) } } }
                    } }
                    tbody { @for e in elements { tr {
                        td { (e.specialty) } td { (e.name) } td { (e.goals_largely) } td { (e.goals_partly) } td.num { (e.suggested_months) }
                        td { (lang.t(if e.at_host { "common.yes" } else { "common.no" })) }
                        td { (lang.t(if e.active { "common.active" } else { "common.inactive" })) }
                        @if can_write { td { a href=(format!("/training-elements/{}/edit", e.id)) { (lang.t("common.edit")) } } }
                    } } }
                } }
            }
            @if can_write {
                h2 { (lang.t("trainees.new_element")) }
                (layout::form_errors(lang, errors))
                form method="post" action="/training-elements" {
                    (csrf_field(ctx))
                    (element_fields(ctx, form, errors))
                    button type="submit" { (lang.t("common.create")) }
                }
            }
        },
    )
}

/// `GET /training-elements`.
async fn elements_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(READERS)?;
    let elements = read(&state, |conn| Ok(tr::elements(conn)?)).await?;
    let form = ElementForm {
        specialty: "Onkologi".into(),
        suggested_months: "3".into(),
        at_host: Some("1".into()),
        active: Some("1".into()),
        ..ElementForm::default()
    };
    Ok(elements_view(
        &ctx,
        &elements,
        &form,
        &FieldErrors::new(ctx.lang),
    ))
}

/// `POST /training-elements`.
async fn create_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ElementForm>,
) -> Result<Response, AppError> {
    save_element(state, ctx, None, form).await
}

/// `POST /training-elements/{id}/edit`.
async fn update_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ElementForm>,
) -> Result<Response, AppError> {
    save_element(state, ctx, Some(id), form).await
}

async fn save_element(
    state: AppState,
    ctx: Ctx,
    id: Option<i64>,
    form: ElementForm,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let lang = ctx.lang;
    if let Some(id) = id {
        read(&state, move |conn| {
            tr::element(conn, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    }
    let errors = match form.check(lang, id.unwrap_or(0)) {
        Err(e) => e,
        Ok(element) => {
            let result = audited(
                &state,
                &ctx,
                if id.is_some() {
                    "training_element.update"
                } else {
                    "training_element.create"
                },
                "training_element",
                move |tx| {
                    let duplicate = |e: rusqlite::Error| {
                        if crate::db::is_unique_violation(&e) {
                            Failure::field(lang, "name", lang.t("trainees.err_element_exists"))
                        } else {
                            Failure::from(e)
                        }
                    };
                    match id {
                        Some(id) => {
                            let before = tr::element(tx, id)?.ok_or(AppError::NotFound)?;
                            tr::update_element(tx, &element).map_err(duplicate)?;
                            Ok(((), Some(id), Some(json!(before)), json!(element)))
                        }
                        None => {
                            let new_id = tr::create_element(tx, &element).map_err(duplicate)?;
                            Ok(((), Some(new_id), None, json!(element)))
                        }
                    }
                },
            )
            .await;
            match result {
                Ok(()) => return Ok(crate::web::see_other("/training-elements")),
                Err(Failure::App(e)) => return Err(e),
                Err(Failure::Fields(f)) => f,
            }
        }
    };
    match id {
        Some(id) => Ok(unprocessable(element_edit_view(&ctx, id, &form, &errors))),
        None => {
            let elements = read(&state, |conn| Ok(tr::elements(conn)?)).await?;
            Ok(unprocessable(elements_view(
                &ctx, &elements, &form, &errors,
            )))
        }
    }
}

fn element_edit_view(ctx: &Ctx, id: i64, form: &ElementForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    page(
        ctx,
        lang.t("trainees.edit_element"),
        html! {
            (sub_nav(ctx))
            (layout::form_errors(lang, errors))
            form method="post" action=(format!("/training-elements/{id}/edit")) {
                (csrf_field(ctx))
                (element_fields(ctx, form, errors))
                button type="submit" { (lang.t("common.save")) }
            }
        },
    )
}

/// `GET /training-elements/{id}/edit`.
async fn edit_element_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let e = read(&state, move |conn| {
        tr::element(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    Ok(element_edit_view(
        &ctx,
        id,
        &ElementForm::from_element(&e),
        &FieldErrors::new(ctx.lang),
    ))
}

// ---------------------------------------------------------------------------
// Placements

fn placements_table(lang: Lang, placements: &[Placement], today: NaiveDate) -> Markup {
    html! {
        @if placements.is_empty() { p.muted { (lang.t("placements.none")) } } @else {
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th { "#" } th { (lang.t("placements.trainee")) } th { (lang.t("trainees.home_unit")) } th { (lang.t("placements.host")) }
                    th { (lang.t("placements.kind")) } th { (lang.t("placements.period")) } th { (lang.t("placements.extent")) }
                    th { (lang.t("placements.certificate")) } th { (lang.t("common.status")) }
                } }
                tbody { @for p in placements { tr {
                    td { a href=(format!("/placements/{}", p.id)) { (p.id) } }
                    td { a href=(format!("/trainees/{}", p.trainee_id)) { (p.trainee_name) } }
                    td { (p.home_unit_code) }
                    td { (p.host_unit_code) }
                    td { (kind_label(lang, &p.kind)) }
                    td { a href=(format!("/placements/{}", p.id)) { (p.start) " – " (p.end) } }
                    td.num { (p.extent) " %" }
                    td { (lang.t(p.certificate.label_key())) }
                    td { (status_badge(lang, p.status(today))) }
                } } }
            } }
        }
    }
}

/// Filters of the placement list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<u32>,
}

/// Placements per page of the list.
const PER_PAGE: u32 = 100;

/// `GET /placements`.
async fn placements_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Markup, AppError> {
    let user = ctx.require(READERS)?.clone();
    let filter = user.people_filter();
    let unit = q.unit.trim().parse::<i64>().ok();
    let (list, hosts) = read(&state, move |conn| {
        let list: Vec<Placement> = pl::placements(conn, None, None, None)?
            .into_iter()
            .filter(|p| may_see_placement(&filter, p))
            .filter(|p| unit.is_none_or(|u| p.host_unit_id == u || p.home_unit_id == u))
            .collect();
        Ok((list, pl::host_units(conn)?))
    })
    .await?;
    let today = ctx.today;
    let list: Vec<Placement> = list
        .into_iter()
        .filter(|p| q.status.is_empty() || p.status(today).as_str() == q.status)
        .collect();
    let lang = ctx.lang;
    let mut unit_options = vec![(String::new(), lang.t("common.all").to_string())];
    unit_options.extend(
        hosts
            .iter()
            .map(|(id, code, name, _)| (id.to_string(), format!("{code} {name}"))),
    );
    let mut status_options = vec![(String::new(), lang.t("common.all").to_string())];
    for s in [
        pl::Status::Planned,
        pl::Status::Approved,
        pl::Status::Active,
        pl::Status::Completed,
        pl::Status::Cancelled,
    ] {
        status_options.push((s.as_str().to_string(), lang.t(s.label_key()).to_string()));
    }
    let none = FieldErrors::new(ctx.lang);
    Ok(page(
        &ctx,
        lang.t("placements.title"),
        html! {
            (sub_nav(&ctx))
            @if may_write(&user) { p { a.button href="/placements/new" { (lang.t("placements.new")) } } }
            form.filters method="get" action="/placements" {
                (select_field(lang.t("placements.unit"), "unit", &unit_options, &q.unit, &none))
                (select_field(lang.t("common.status"), "status", &status_options, &q.status, &none))
                button type="submit" { (lang.t("common.filter")) }
            }
            @let page_no = q.page.unwrap_or(1).max(1);
            @let shown: Vec<Placement> = list.iter().skip(layout::page_offset(page_no, PER_PAGE) as usize).take(PER_PAGE as usize).cloned().collect();
            (placements_table(lang, &shown, today))
            (layout::pager(lang, &format!("/placements?unit={}&status={}", urlencode(&q.unit), urlencode(&q.status)), page_no, PER_PAGE, list.len() as i64))
        },
    ))
}

/// The placement form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlacementForm {
    #[serde(default)]
    trainee_id: String,
    #[serde(default)]
    host_unit_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    extent: String,
    #[serde(default)]
    host_supervisor: String,
    #[serde(default)]
    elements: Vec<String>,
}

impl PlacementForm {
    fn from_placement(p: &Placement, elements: &[i64]) -> PlacementForm {
        PlacementForm {
            trainee_id: p.trainee_id.to_string(),
            host_unit_id: p.host_unit_id.to_string(),
            kind: p.kind.clone(),
            start: p.start.to_string(),
            end: p.end.to_string(),
            extent: p.extent.to_string(),
            host_supervisor: p.host_supervisor.clone(),
            elements: elements.iter().map(i64::to_string).collect(),
        }
    }

    fn check(&self, lang: Lang) -> Result<PlanInput, FieldErrors> {
        let mut errors = FieldErrors::new(lang);
        let trainee_id = self.trainee_id.trim().parse::<i64>().unwrap_or_else(|_| {
            errors.add("trainee_id", lang.t("placements.err_trainee"));
            0
        });
        let host_unit_id = self.host_unit_id.trim().parse::<i64>().unwrap_or_else(|_| {
            errors.add("host_unit_id", lang.t("placements.err_host"));
            0
        });
        let kind = match model::Kind::parse(&self.kind) {
            Some(k) => k.code().to_string(),
            None => {
                errors.add("kind", lang.t("placements.err_kind"));
                String::new()
            }
        };
        let start = date_field(&mut errors, lang, "start", &self.start);
        let end = date_field(&mut errors, lang, "end", &self.end);
        let extent = self
            .extent
            .trim()
            .trim_end_matches('%')
            .trim()
            .parse::<i64>()
            .unwrap_or(0);
        if !(1..=100).contains(&extent) {
            errors.add("extent", lang.t("placements.err_extent"));
        }
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            errors.add("end", lang.t("placements.err_end_before_start"));
        }
        let elements = self
            .elements
            .iter()
            .filter_map(|e| e.trim().parse().ok())
            .collect();
        match (errors.is_empty(), start, end) {
            (true, Some(start), Some(end)) => Ok(PlanInput {
                trainee_id,
                host_unit_id,
                kind,
                start,
                end,
                extent,
                host_supervisor: self.host_supervisor.trim().to_string(),
                elements,
            }),
            _ => Err(errors),
        }
    }
}

/// The plan's rules checked against what is stored, as field messages.
fn plan_errors(
    conn: &Connection,
    plan: &PlanInput,
    except: Option<i64>,
    lang: Lang,
) -> Result<FieldErrors, Failure> {
    let mut errors = FieldErrors::new(lang);
    let trainee_spans = pl::live_spans(conn, Some(plan.trainee_id), None, except)?;
    let host_spans = pl::live_spans(conn, None, Some(plan.host_unit_id), except)?;
    let capacity = pl::capacity(conn, plan.host_unit_id)?;
    for problem in pl::check_plan(
        plan.start,
        plan.end,
        plan.extent,
        &trainee_spans,
        &host_spans,
        capacity,
    ) {
        let message = match &problem {
            PlanProblem::EndBeforeStart => lang.t("placements.err_end_before_start").to_string(),
            PlanProblem::Extent => lang.t("placements.err_extent").to_string(),
            PlanProblem::Overlap { other, start, end } => {
                format!(
                    "{} #{other} ({start} – {end})",
                    lang.t("placements.err_overlap")
                )
            }
            PlanProblem::OverCapacity { day, capacity } => format!(
                "{} {day} ({} {capacity})",
                lang.t("placements.err_capacity"),
                lang.t("placements.capacity")
            ),
        };
        errors.add(problem.field(), message);
    }
    Ok(errors)
}

struct PlacementChoices {
    trainees: Vec<(String, String)>,
    hosts: Vec<(String, String)>,
    elements: Vec<Element>,
}

fn placement_choices(
    conn: &Connection,
    trainee_id: Option<i64>,
) -> Result<PlacementChoices, AppError> {
    let trainees = tr::trainees(conn)?;
    let specialty = trainee_id
        .and_then(|id| trainees.iter().find(|t| t.id == id))
        .map(|t| t.specialty.clone());
    let elements = match specialty {
        Some(s) => tr::elements_of(conn, &s)?,
        None => tr::elements(conn)?
            .into_iter()
            .filter(|e| e.active)
            .collect(),
    };
    Ok(PlacementChoices {
        trainees: trainees
            .iter()
            .map(|t| {
                (
                    t.id.to_string(),
                    format!("{} ({})", t.name, t.home_unit_code),
                )
            })
            .collect(),
        hosts: pl::host_units(conn)?
            .into_iter()
            .map(|(id, code, name, cap)| (id.to_string(), format!("{code} {name} ({cap})")))
            .collect(),
        elements,
    })
}

fn placement_form_view(
    ctx: &Ctx,
    id: Option<i64>,
    choices: &PlacementChoices,
    form: &PlacementForm,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let action = match id {
        Some(id) => format!("/placements/{id}/edit"),
        None => "/placements/new".into(),
    };
    let kinds: Vec<(String, String)> = model::Kind::ALL
        .iter()
        .map(|k| (k.code().to_string(), lang.t(k.text_key()).to_string()))
        .collect();
    page(
        ctx,
        lang.t(if id.is_some() {
            "placements.edit"
        } else {
            "placements.new"
        }),
        html! {
            (sub_nav(ctx))
            (layout::form_errors(lang, errors))
            form method="post" action=(action) {
                (csrf_field(ctx))
                @if id.is_none() {
                    (select_field(lang.t("placements.trainee"), "trainee_id", &choices.trainees, &form.trainee_id, errors))
                } @else {
                    input type="hidden" name="trainee_id" value=(form.trainee_id);
                }
                (select_field(lang.t("placements.host"), "host_unit_id", &choices.hosts, &form.host_unit_id, errors))
                (select_field(lang.t("placements.kind"), "kind", &kinds, &form.kind, errors))
                (text_field(lang.t("placements.start"), "start", &form.start, errors, FieldAttrs::required().kind("date")))
                (text_field(lang.t("placements.end"), "end", &form.end, errors, FieldAttrs::required().kind("date")))
                (text_field(lang.t("placements.extent"), "extent", &form.extent, errors, FieldAttrs::required().kind("number")))
                (text_field(lang.t("placements.host_supervisor"), "host_supervisor", &form.host_supervisor, errors, FieldAttrs::optional()))
                fieldset {
                    legend { (lang.t("trainees.elements_title")) }
                    @for e in &choices.elements {
                        div.field.check {
                            input id=(format!("el-{}", e.id)) type="checkbox" name="elements" value=(e.id) checked[form.elements.contains(&e.id.to_string())];
                            label for=(format!("el-{}", e.id)) { (e.name) " " span.muted { "(" (e.specialty) ", " (e.suggested_months) " " (lang.t("placements.months")) ")" } }
                        }
                    }
                }
                button type="submit" { (lang.t("common.save")) }
            }
        },
    )
}

/// `?trainee=` for a new placement.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    trainee: String,
}

/// `GET /placements/new`.
async fn new_placement_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let trainee = q.trainee.trim().parse::<i64>().ok();
    let choices = read(&state, move |conn| placement_choices(conn, trainee)).await?;
    let form = PlacementForm {
        trainee_id: q.trainee.clone(),
        kind: "general".into(),
        extent: "100".into(),
        ..PlacementForm::default()
    };
    Ok(placement_form_view(
        &ctx,
        None,
        &choices,
        &form,
        &FieldErrors::new(ctx.lang),
    ))
}

/// `POST /placements/new`.
async fn create_placement(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PlacementForm>,
) -> Result<Response, AppError> {
    save_placement(state, ctx, None, form).await
}

/// `POST /placements/{id}/edit`.
async fn update_placement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PlacementForm>,
) -> Result<Response, AppError> {
    save_placement(state, ctx, Some(id), form).await
}

async fn save_placement(
    state: AppState,
    ctx: Ctx,
    id: Option<i64>,
    form: PlacementForm,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let lang = ctx.lang;
    if let Some(id) = id {
        read(&state, move |conn| {
            pl::placement(conn, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    }
    let errors = match form.check(lang) {
        Err(e) => e,
        Ok(plan) => {
            let (now, today) = (ctx.now, ctx.today);
            let result = audited(
                &state,
                &ctx,
                if id.is_some() {
                    "placement.update"
                } else {
                    "placement.create"
                },
                "placement",
                move |tx| {
                    if tr::trainee(tx, plan.trainee_id)?.is_none() {
                        return Err(Failure::field(
                            lang,
                            "trainee_id",
                            lang.t("placements.err_trainee"),
                        ));
                    }
                    if pl::capacity(tx, plan.host_unit_id)?.is_none() {
                        return Err(Failure::field(
                            lang,
                            "host_unit_id",
                            lang.t("placements.err_host"),
                        ));
                    }
                    let errors = plan_errors(tx, &plan, id, lang)?;
                    if !errors.is_empty() {
                        return Err(Failure::Fields(errors));
                    }
                    match id {
                        None => {
                            let new_id = pl::create_placement(tx, &plan, now)?;
                            Ok((new_id, Some(new_id), None, json!(plan)))
                        }
                        Some(id) => {
                            let before = pl::placement(tx, id)?.ok_or(AppError::NotFound)?;
                            if before.stored == Stored::Cancelled {
                                return Err(Failure::field(
                                    lang,
                                    "start",
                                    lang.t("placements.err_cancelled"),
                                ));
                            }
                            if before.trainee_id != plan.trainee_id {
                                return Err(Failure::field(
                                    lang,
                                    "trainee_id",
                                    lang.t("placements.err_trainee"),
                                ));
                            }
                            if pl::home_periods(tx, id)?.iter().any(|h| {
                                !pl::home_period_inside(h.start, h.end, plan.start, plan.end)
                            }) {
                                return Err(Failure::field(
                                    lang,
                                    "end",
                                    lang.t("placements.err_home_outside"),
                                ));
                            }
                            pl::update_placement(tx, id, &plan)?;
                            let after = pl::placement(tx, id)?.ok_or(AppError::NotFound)?;
                            let adjusted = resync(tx, &after, today, "change", now, lang)?;
                            Ok((
                                id,
                                Some(id),
                                Some(json!(before)),
                                json!({"plan": plan, "adjustment_lines": adjusted}),
                            ))
                        }
                    }
                },
            )
            .await;
            match result {
                Ok(pid) => return Ok(crate::web::see_other(&format!("/placements/{pid}"))),
                Err(Failure::App(e)) => return Err(e),
                Err(Failure::Fields(f)) => f,
            }
        }
    };
    let trainee = form.trainee_id.trim().parse::<i64>().ok();
    let choices = read(&state, move |conn| placement_choices(conn, trainee)).await?;
    Ok(unprocessable(placement_form_view(
        &ctx, id, &choices, &form, &errors,
    )))
}

/// `GET /placements/{id}/edit`.
async fn edit_placement_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let (p, elements, choices) = read(&state, move |conn| {
        let p = pl::placement(conn, id)?.ok_or(AppError::NotFound)?;
        let elements = pl::element_ids(conn, id)?;
        let choices = placement_choices(conn, Some(p.trainee_id))?;
        Ok((p, elements, choices))
    })
    .await?;
    Ok(placement_form_view(
        &ctx,
        Some(id),
        &choices,
        &PlacementForm::from_placement(&p, &elements),
        &FieldErrors::new(ctx.lang),
    ))
}

/// `placements::resync_ledger` with its refusals as a field message.
fn resync(
    tx: &Connection,
    p: &Placement,
    today: NaiveDate,
    cause: &str,
    now: chrono::DateTime<chrono::Utc>,
    lang: Lang,
) -> Result<usize, Failure> {
    pl::resync_ledger(tx, p, today, cause, now).map_err(|e| ledger_failure(e, "start", lang))
}

/// A ledger refusal as a message beside `field`; storage errors stay errors.
fn ledger_failure(e: pl::LedgerError, field: &'static str, lang: Lang) -> Failure {
    match (&e, e.text_key()) {
        (model_err, Some(key)) => {
            let field = match model_err {
                pl::LedgerError::Split(model::SplitError::NoSalary) => "salary",
                pl::LedgerError::NoAgreement => "agreement",
                _ => field,
            };
            Failure::field(lang, field, lang.t(key))
        }
        (_, None) => match e {
            pl::LedgerError::Db(db) => Failure::from(db),
            other => Failure::App(AppError::Internal(other.to_string())),
        },
    }
}

/// Everything the placement page shows.
struct PlacementDetail {
    placement: Placement,
    elements: Vec<Element>,
    home_periods: Vec<pl::HomePeriodRow>,
    split: Result<(String, Split), String>,
    agreement_name: Option<String>,
    ledger: Vec<LedgerLine>,
}

fn load_placement(
    conn: &Connection,
    id: i64,
    filter: &UnitFilter,
    lang: Lang,
) -> Result<PlacementDetail, AppError> {
    let p = pl::placement(conn, id)?.ok_or(AppError::NotFound)?;
    if !may_see_placement(filter, &p) {
        return Err(AppError::NotFound);
    }
    let element_ids = pl::element_ids(conn, id)?;
    let elements = tr::elements(conn)?
        .into_iter()
        .filter(|e| element_ids.contains(&e.id))
        .collect();
    let home_periods = pl::home_periods(conn, id)?;
    let agreements = super::agreements::load_agreements(conn)?;
    let salary = tr::effective_history(&tr::salary_rows(conn, p.trainee_id)?);
    let split = reports::placement_split(&p, &agreements, &salary, &home_periods, lang);
    let agreement_name = pl::agreement_for(&agreements, &p).map(|a| a.name(lang).to_string());
    Ok(PlacementDetail {
        ledger: pl::ledger(conn, id)?,
        elements,
        home_periods,
        split,
        agreement_name,
        placement: p,
    })
}

/// The home period form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HomeForm {
    #[serde(default)]
    home_start: String,
    #[serde(default)]
    home_end: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

fn ledger_table(lang: Lang, lines: &[LedgerLine]) -> Markup {
    html! {
        div.table-wrap tabindex="0" { table.ledger {
            thead { tr {
                th { (lang.t("placements.ledger_date")) } th { (lang.t("placements.ledger_kind")) } th { (lang.t("rotreport.month")) }
                th { (lang.t("rotreport.home")) " Δ" } th { (lang.t("rotreport.host")) " Δ" } th { (lang.t("placements.ledger_cause")) }
            } }
            tbody { @for l in lines { tr class=(l.kind) {
                td { (l.recorded_on) }
                td { (lang.t(if l.kind == "approval" { "placements.ledger_reported" } else { "placements.ledger_adjustment" })) }
                td { (l.month) }
                td.num { (kr(lang, l.home_ore)) } td.num { (kr(lang, l.host_ore)) }
                td { (match l.cause.as_str() {
                    "salary" => lang.t("placements.cause_salary"),
                    "change" => lang.t("placements.cause_change"),
                    "home_period" => lang.t("placements.cause_home_period"),
                    "cancel" => lang.t("placements.cause_cancel"),
                    _ => "",
                }) }
            } } }
        } }
    }
}

fn month_lines_table(lang: Lang, months: &[model::MonthLine]) -> Markup {
    let mut total = model::Totals::default();
    for m in months {
        total.add(m);
    }
    html! {
        div.table-wrap tabindex="0" { table {
            thead { tr {
                th { (lang.t("rotreport.month")) } th { (lang.t("rotreport.total")) } th { (lang.t("rotreport.home")) }
                th { (lang.t("rotreport.host")) } th { (lang.t("rotreport.explanation")) }
            } }
            tbody { @for m in months { tr {
                td { (month_name(m.first_day, lang)) }
                td.num { (kr(lang, m.total_ore)) } td.num { (kr(lang, m.home_ore)) } td.num { (kr(lang, m.host_ore)) }
                td { (m.explanation(lang)) }
            } } }
            tfoot { tr.total {
                th { (lang.t("rotreport.total")) } th.num { (kr(lang, total.total_ore)) } th.num { (kr(lang, total.home_ore)) } th.num { (kr(lang, total.host_ore)) } td {}
            } }
        } }
    }
}

fn placement_view(ctx: &Ctx, d: &PlacementDetail, home: &HomeForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let p = &d.placement;
    let can_write = ctx.user.as_ref().is_some_and(may_write);
    let status = p.status(ctx.today);
    let live = p.stored != Stored::Cancelled;
    let reasons: Vec<(String, String)> = HomeReason::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), lang.t(r.label_key()).to_string()))
        .collect();
    let certs: Vec<(String, String)> = Certificate::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), lang.t(c.label_key()).to_string()))
        .collect();
    page(
        ctx,
        &format!(
            "{} #{} · {}",
            lang.t("placements.one"),
            p.id,
            p.trainee_name
        ),
        html! {
            (sub_nav(ctx))
            (layout::form_errors(lang, errors))
            section.card {
                dl.facts {
                    dt { (lang.t("placements.trainee")) } dd { a href=(format!("/trainees/{}", p.trainee_id)) { (p.trainee_name) } " (" (p.home_unit_code) ")" }
                    dt { (lang.t("placements.host")) } dd { (p.host_unit_code) " " (p.host_unit_name) }
                    dt { (lang.t("placements.kind")) } dd { (kind_label(lang, &p.kind)) }
                    dt { (lang.t("placements.period")) } dd { (p.start) " – " (p.end) " (" (model::planned_months(p.start, p.end)) " " (lang.t("placements.months")) ")" }
                    dt { (lang.t("placements.extent")) } dd { (p.extent) " %" }
                    dt { (lang.t("placements.host_supervisor")) } dd { (p.host_supervisor) }
                    dt { (lang.t("trainees.elements_title")) } dd { (d.elements.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")) }
                    dt { (lang.t("placements.certificate")) } dd { (lang.t(p.certificate.label_key())) }
                    dt { (lang.t("common.status")) } dd { (status_badge(lang, status)) }
                    dt { (lang.t("placements.agreement")) } dd { (d.agreement_name.as_deref().unwrap_or("–")) }
                    @if let Some(a) = &p.approved {
                        dt { (lang.t("placements.approved_plan")) }
                        dd { (lang.t(pl::kind_of(&a.kind).text_key())) ", " (a.start) " – " (a.end) ", " (a.extent) " % · " (a.agreement_code) " · " (local_display(&a.at)) }
                    }
                }
                @if can_write && live {
                    div.actions {
                        a.button.secondary href=(format!("/placements/{}/edit", p.id)) { (lang.t("common.edit")) } " "
                        @if p.stored == Stored::Planned {
                            form.inline method="post" action=(format!("/placements/{}/approve", p.id)) {
                                (csrf_field(ctx)) button type="submit" { (lang.t("placements.approve")) }
                            } " "
                        }
                        form.inline method="post" action=(format!("/placements/{}/cancel", p.id)) {
                            (csrf_field(ctx)) button.danger type="submit" { (lang.t("placements.cancel")) }
                        }
                    }
                    @if errors.get("status").is_some() || errors.get("agreement").is_some() || errors.get("salary").is_some() {
                        @for f in ["status", "agreement", "salary"] { @if let Some(m) = errors.get(f) { p.error { (m) } } }
                    }
                }
            }
            h2 { (lang.t("placements.split_title")) }
            @match &d.split {
                Ok((_, s)) => {
                    @for w in &s.warnings { p.alert.info { (w.text(lang)) } }
                    (month_lines_table(lang, &s.months))
                }
                Err(m) => { p.alert.info { (m) } }
            }
            @if !d.ledger.is_empty() {
                h2 { (lang.t("placements.ledger_title")) }
                p.muted { (lang.t("placements.ledger_help")) }
                (ledger_table(lang, &d.ledger))
            }
            h2 { (lang.t("placements.home_periods")) }
            @if d.home_periods.is_empty() { p.muted { (lang.t("common.none")) } } @else {
                ul { @for h in &d.home_periods { li { (h.start) " – " (h.end) ": " (lang.t(h.reason.label_key())) @if !h.note.is_empty() { " (" (h.note) ")" } } } }
            }
            @if can_write && live {
                form.filters method="post" action=(format!("/placements/{}/home-periods", p.id)) {
                    (csrf_field(ctx))
                    (text_field(lang.t("common.from"), "home_start", &home.home_start, errors, FieldAttrs::required().kind("date")))
                    (text_field(lang.t("common.to"), "home_end", &home.home_end, errors, FieldAttrs::required().kind("date")))
                    (select_field(lang.t("placements.reason"), "reason", &reasons, &home.reason, errors))
                    (text_field(lang.t("placements.note"), "note", &home.note, errors, FieldAttrs::optional()))
                    button type="submit" { (lang.t("placements.add_home_period")) }
                }
                form.filters method="post" action=(format!("/placements/{}/certificate", p.id)) {
                    (csrf_field(ctx))
                    (select_field(lang.t("placements.certificate"), "certificate", &certs, p.certificate.as_str(), errors))
                    button type="submit" { (lang.t("common.save")) }
                }
            }
        },
    )
}

/// `GET /placements/{id}`.
async fn placement_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let filter = ctx.require(READERS)?.people_filter();
    let lang = ctx.lang;
    let d = read(&state, move |conn| load_placement(conn, id, &filter, lang)).await?;
    Ok(placement_view(
        &ctx,
        &d,
        &HomeForm::default(),
        &FieldErrors::new(ctx.lang),
    ))
}

/// Shows the placement page again with `errors`.
async fn placement_again(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    home: &HomeForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let filter = ctx.user()?.people_filter();
    let lang = ctx.lang;
    let d = read(state, move |conn| load_placement(conn, id, &filter, lang)).await?;
    Ok(unprocessable(placement_view(ctx, &d, home, errors)))
}

/// Finishes a placement write: back to its page, or the page with messages.
async fn after_write(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    home: &HomeForm,
    result: Result<(), Failure>,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(crate::web::see_other(&format!("/placements/{id}"))),
        Err(Failure::App(e)) => Err(e),
        Err(Failure::Fields(f)) => placement_again(state, ctx, id, home, &f).await,
    }
}

/// `POST /placements/{id}/approve`: the study director approves the plan;
/// the agreement is chosen from it and its split recorded as reported.
async fn approve_placement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = ctx.require(WRITERS)?.clone();
    let lang = ctx.lang;
    let (now, today, account) = (ctx.now, ctx.today, user.account_id);
    let result = audited(&state, &ctx, "placement.approve", "placement", move |tx| {
        let p = pl::placement(tx, id)?.ok_or(AppError::NotFound)?;
        if p.stored != Stored::Planned {
            return Err(Failure::field(
                lang,
                "status",
                lang.t("placements.err_not_planned"),
            ));
        }
        let plan = PlanInput {
            trainee_id: p.trainee_id,
            host_unit_id: p.host_unit_id,
            kind: p.kind.clone(),
            start: p.start,
            end: p.end,
            extent: p.extent,
            host_supervisor: p.host_supervisor.clone(),
            elements: Vec::new(),
        };
        let errors = plan_errors(tx, &plan, Some(id), lang)?;
        if !errors.is_empty() {
            return Err(Failure::Fields(errors));
        }
        let s = pl::approve_and_report(tx, &p, Some(account), today, now)
            .map_err(|e| ledger_failure(e, "status", lang))?;
        let agreement = s.agreement.clone();
        Ok((
            (),
            Some(id),
            Some(json!({"status": "planned"})),
            json!({"status": "approved", "agreement": agreement, "plan": plan, "total": s.total}),
        ))
    })
    .await;
    after_write(&state, &ctx, id, &HomeForm::default(), result).await
}

/// `POST /placements/{id}/cancel`: an approved placement's reported lines
/// are balanced by adjustments to zero.
async fn cancel_placement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let lang = ctx.lang;
    let (now, today) = (ctx.now, ctx.today);
    let result = audited(&state, &ctx, "placement.cancel", "placement", move |tx| {
        let before = pl::placement(tx, id)?.ok_or(AppError::NotFound)?;
        if before.stored == Stored::Cancelled {
            return Err(Failure::field(
                lang,
                "status",
                lang.t("placements.err_cancelled"),
            ));
        }
        pl::cancel(tx, id)?;
        let after = pl::placement(tx, id)?.ok_or(AppError::NotFound)?;
        let adjusted = resync(tx, &after, today, "cancel", now, lang)?;
        Ok((
            (),
            Some(id),
            Some(json!({"status": before.stored})),
            json!({"status": "cancelled", "adjustment_lines": adjusted}),
        ))
    })
    .await;
    after_write(&state, &ctx, id, &HomeForm::default(), result).await
}

/// `POST /placements/{id}/home-periods`.
async fn add_home_period(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<HomeForm>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let lang = ctx.lang;
    read(&state, move |conn| {
        pl::placement(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    let mut errors = FieldErrors::new(ctx.lang);
    let start = date_field(&mut errors, lang, "home_start", &form.home_start);
    let end = date_field(&mut errors, lang, "home_end", &form.home_end);
    let reason = HomeReason::parse(&form.reason);
    if reason.is_none() {
        errors.add("reason", lang.t("placements.err_reason"));
    }
    let result = match (start, end, reason) {
        (Some(start), Some(end), Some(reason)) if errors.is_empty() => {
            let (now, today) = (ctx.now, ctx.today);
            let note = form.note.trim().to_string();
            audited(&state, &ctx, "placement.home_period", "placement", move |tx| {
                let p = pl::placement(tx, id)?.ok_or(AppError::NotFound)?;
                if p.stored == Stored::Cancelled {
                    return Err(Failure::field(lang, "home_start", lang.t("placements.err_cancelled")));
                }
                if end < start {
                    return Err(Failure::field(lang, "home_end", lang.t("placements.err_end_before_start")));
                }
                if !pl::home_period_inside(start, end, p.start, p.end) {
                    return Err(Failure::field(lang,
                        "home_start",
                        format!("{} ({} – {})", lang.t("placements.err_home_outside"), p.start, p.end),
                    ));
                }
                if pl::home_periods(tx, id)?.iter().any(|h| h.start <= end && h.end >= start) {
                    return Err(Failure::field(lang, "home_start", lang.t("placements.err_home_overlap")));
                }
                let hid = pl::add_home_period(tx, id, start, end, reason, &note, now)?;
                let adjusted = resync(tx, &p, today, "home_period", now, lang)?;
                Ok((
                    (),
                    Some(id),
                    None,
                    json!({"home_period": hid, "start": start, "end": end, "reason": reason, "note": note, "adjustment_lines": adjusted}),
                ))
            })
            .await
        }
        _ => Err(Failure::Fields(errors)),
    };
    after_write(&state, &ctx, id, &form, result).await
}

/// The certificate form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CertificateForm {
    #[serde(default)]
    certificate: String,
}

/// `POST /placements/{id}/certificate`.
async fn set_certificate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CertificateForm>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let lang = ctx.lang;
    read(&state, move |conn| {
        pl::placement(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    let result = match Certificate::parse(&form.certificate) {
        None => Err(Failure::field(
            lang,
            "certificate",
            lang.t("placements.err_certificate"),
        )),
        Some(c) => {
            audited(
                &state,
                &ctx,
                "placement.certificate",
                "placement",
                move |tx| {
                    let before = pl::placement(tx, id)?.ok_or(AppError::NotFound)?;
                    pl::set_certificate(tx, id, c)?;
                    Ok((
                        (),
                        Some(id),
                        Some(json!({"certificate": before.certificate})),
                        json!({"certificate": c}),
                    ))
                },
            )
            .await
        }
    };
    after_write(&state, &ctx, id, &HomeForm::default(), result).await
}

// ---------------------------------------------------------------------------
// Timeline

/// `?unit=` for the host timeline.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TimelineQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    months: String,
}

/// `GET /rotations/timeline`: one host unit's placements and capacity.
async fn timeline_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TimelineQuery>,
) -> Result<Markup, AppError> {
    let filter = ctx.require(READERS)?.people_filter();
    let lang = ctx.lang;
    let from = match q.from.trim() {
        "" => pl::first_of_month(ctx.today)
            .checked_sub_months(chrono::Months::new(3))
            .unwrap_or(ctx.today),
        s => crate::check::date(s)
            .ok_or_else(|| AppError::bad_request("from", "expected a date YYYY-MM-DD"))?,
    };
    let months = match q.months.trim() {
        "" => 15,
        s => s
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=60).contains(m))
            .ok_or_else(|| AppError::bad_request("months", "expected 1 to 60"))?,
    };
    let to = from
        .checked_add_months(chrono::Months::new(months))
        .and_then(|d| d.pred_opt())
        .unwrap_or(from);
    let wanted = q.unit.trim().parse::<i64>().ok();
    let (hosts, chosen, list) = read(&state, move |conn| {
        let hosts: Vec<_> = pl::host_units(conn)?
            .into_iter()
            .filter(|(id, ..)| filter.allows(*id))
            .collect();
        let chosen = match wanted {
            Some(w) => Some(
                hosts
                    .iter()
                    .find(|h| h.0 == w)
                    .cloned()
                    .ok_or(AppError::NotFound)?,
            ),
            None => hosts.first().cloned(),
        };
        let list = match &chosen {
            Some(h) => pl::placements(conn, None, Some(h.0), Some((from, to)))?,
            None => Vec::new(),
        };
        Ok((hosts, chosen, list))
    })
    .await?;
    let options: Vec<(String, String)> = hosts
        .iter()
        .map(|(id, code, name, cap)| (id.to_string(), format!("{code} {name} ({cap})")))
        .collect();
    let none = FieldErrors::new(ctx.lang);
    let bars = placement_bars(lang, &list, ctx.today, true);
    let spans: Vec<pl::Span> = list
        .iter()
        .filter(|p| p.stored != Stored::Cancelled)
        .map(|p| (p.id, p.start, p.end))
        .collect();
    Ok(page(
        &ctx,
        lang.t("placements.timeline_title"),
        html! {
            (sub_nav(&ctx))
            form.filters method="get" action="/rotations/timeline" {
                (select_field(lang.t("placements.host"), "unit", &options, &chosen.as_ref().map(|c| c.0.to_string()).unwrap_or_default(), &none))
                (text_field(lang.t("common.from"), "from", &from.to_string(), &none, FieldAttrs::optional().kind("date")))
                (text_field(lang.t("placements.months_label"), "months", &months.to_string(), &none, FieldAttrs::optional().kind("number")))
                button type="submit" { (lang.t("common.filter")) }
            }
            @match &chosen {
                Some((_, code, name, cap)) => {
                    (timeline::gantt(lang, &format!("{code} {name}"), &bars, from, to, Some((*cap, &spans))))
                    p.muted { (lang.t("placements.timeline_help")) }
                }
                None => { p.muted { (lang.t("placements.no_hosts")) } }
            }
        },
    ))
}

// ---------------------------------------------------------------------------
// Reports

/// Parameters of the cost report.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CostQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    payer: String,
    #[serde(default)]
    sep: Option<String>,
    #[serde(default)]
    list: String,
}

/// Parameters of the cost report API.
#[derive(Debug, Deserialize)]
struct CostApiQuery {
    year: Option<String>,
}

fn report_year(q: &CostQuery, today: NaiveDate) -> Result<i32, AppError> {
    match q.year.trim() {
        "" => Ok(today.year()),
        s => s
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| AppError::bad_request("year", "expected a year 2000-2100")),
    }
}

async fn cost_report(state: &AppState, ctx: &Ctx, year: i32) -> Result<CostReport, AppError> {
    let filter = ctx.require(READERS)?.people_filter();
    cost_report_for(state, filter, year, ctx.lang).await
}

async fn cost_report_for(
    state: &AppState,
    filter: UnitFilter,
    year: i32,
    lang: Lang,
) -> Result<CostReport, AppError> {
    read(state, move |conn| {
        let inputs = reports::cost_inputs(conn, year)?;
        Ok(reports::cost_report(year, &inputs, &filter, lang))
    })
    .await
}

/// `GET /rotations/reports/costs`.
async fn costs_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CostQuery>,
) -> Result<Markup, AppError> {
    let year = report_year(&q, ctx.today)?;
    let report = cost_report(&state, &ctx, year).await?;
    let lang = ctx.lang;
    let payer = q.payer.trim().parse::<i64>().ok();
    let shown: Vec<&reports::PlacementCost> = report
        .placements
        .iter()
        .filter(|c| {
            payer.is_none_or(|u| c.placement.home_unit_id == u || c.placement.host_unit_id == u)
        })
        .collect();
    let none = FieldErrors::new(ctx.lang);
    let base = format!("/rotations/reports/costs?year={year}");
    Ok(page(
        &ctx,
        lang.t("rotreport.costs_title"),
        html! {
            (sub_nav(&ctx))
            form.filters method="get" action="/rotations/reports/costs" {
                (text_field(lang.t("rotreport.year"), "year", &year.to_string(), &none, FieldAttrs::optional().kind("number")))
                button type="submit" { (lang.t("common.filter")) }
            }
            p {
                a href=(format!("/rotations/reports/costs.csv?year={year}")) { (lang.t("common.export_csv")) } " · "
                a href=(format!("/rotations/reports/costs.csv?year={year}&list=lines")) { (lang.t("rotreport.csv_lines")) } " · "
                a href=(format!("/rotations/reports/costs.json?year={year}")) { "JSON" }
            }
            h2 { (lang.t("rotreport.per_payer")) " " (year) }
            p.muted { (lang.t("rotreport.help")) }
            div.table-wrap tabindex="0" { table.wide {
                thead { tr {
                    th { (lang.t("rotreport.payer")) }
                    @for m in 1..=12u32 { th { (format!("{year}-{m:02}")) } }
                    th { (lang.t("rotreport.as_home")) } th { (lang.t("rotreport.as_host")) } th { (lang.t("rotreport.year_total")) }
                } }
                tbody { @for r in &report.payers { tr {
                    td { a href=(format!("{base}&payer={}", r.unit_id)) { (r.code) } " " span.muted { (r.name) } }
                    @for v in r.months { td.num { (kr(lang, v)) } }
                    td.num { (kr(lang, r.as_home_ore)) } td.num { (kr(lang, r.as_host_ore)) } td.num { strong { (kr(lang, r.total_ore)) } }
                } } }
                tfoot { tr.total {
                    th { (lang.t("rotreport.total")) }
                    @for v in report.month_totals { th.num { (kr(lang, v)) } }
                    td {} td {} th.num { (kr(lang, report.total_ore)) }
                } }
            } }
            h2 { (lang.t("rotreport.per_placement")) @if let Some(u) = payer { " · " (report.payers.iter().find(|r| r.unit_id == u).map(|r| r.code.as_str()).unwrap_or("")) " " a href=(base) { (lang.t("common.all")) } } }
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th { "#" } th { (lang.t("placements.trainee")) } th { (lang.t("trainees.home_unit")) } th { (lang.t("placements.host")) }
                    th { (lang.t("placements.kind")) } th { (lang.t("placements.period")) } th { (lang.t("common.status")) } th { (lang.t("placements.agreement")) }
                    th { (lang.t("rotreport.total")) } th { (lang.t("rotreport.home")) } th { (lang.t("rotreport.host")) }
                } }
                tbody { @for c in &shown {
                    @let p = &c.placement;
                    tr {
                        td { a href=(format!("/placements/{}", p.id)) { (p.id) } }
                        td { (p.trainee_name) } td { (p.home_unit_code) } td { (p.host_unit_code) }
                        td { (kind_label(lang, &p.kind)) } td { (p.start) " – " (p.end) }
                        td { (status_badge(lang, p.status(ctx.today))) }
                        td { (c.agreement.as_deref().unwrap_or("–")) @if let Some(m) = &c.problem { br; span.error { (m) } } }
                        td.num { (kr(lang, c.total.total_ore)) } td.num { (kr(lang, c.total.home_ore)) } td.num { (kr(lang, c.total.host_ore)) }
                    }
                    @if payer.is_some() && !c.months.is_empty() {
                        tr { td {} td colspan="10" {
                            details { summary { (lang.t("rotreport.month_lines")) } (month_lines_table(lang, &c.months)) }
                        } }
                    }
                } }
            } }
        },
    ))
}

/// `GET /rotations/reports/costs.csv`: per payer and month (`list=lines`:
/// every placement's month lines with their explanations).
async fn costs_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CostQuery>,
) -> Result<Response, AppError> {
    let year = report_year(&q, ctx.today)?;
    let report = cost_report(&state, &ctx, year).await?;
    let lang = ctx.lang;
    let delimiter = csv::delimiter(q.sep.as_deref());
    if q.list == "lines" {
        let mut rows = Vec::new();
        for c in &report.placements {
            let p = &c.placement;
            for m in &c.months {
                rows.push(vec![
                    p.id.to_string(),
                    p.trainee_name.clone(),
                    p.home_unit_code.clone(),
                    p.host_unit_code.clone(),
                    p.kind.clone(),
                    p.status(ctx.today).as_str().to_string(),
                    c.agreement.clone().unwrap_or_default(),
                    m.month.clone(),
                    m.total_ore.to_string(),
                    m.home_ore.to_string(),
                    m.host_ore.to_string(),
                    m.explanation(lang).to_string(),
                ]);
            }
        }
        return Ok(csv::response(
            &format!("placement-lines-{year}.csv"),
            delimiter,
            &[
                "placement_id",
                "trainee",
                "home_unit",
                "host_unit",
                "kind",
                "status",
                "agreement",
                "month",
                "total_ore",
                "home_ore",
                "host_ore",
                "explanation",
            ],
            rows,
        ));
    }
    let mut rows = Vec::new();
    for r in &report.payers {
        for i in 0..12 {
            rows.push(vec![
                r.code.clone(),
                r.name.clone(),
                format!("{year}-{:02}", i + 1),
                r.home_months[i].to_string(),
                r.host_months[i].to_string(),
                r.months[i].to_string(),
            ]);
        }
    }
    Ok(csv::response(
        &format!("placement-costs-{year}.csv"),
        delimiter,
        &[
            "payer_unit",
            "payer_name",
            "month",
            "as_home_ore",
            "as_host_ore",
            "total_ore",
        ],
        rows,
    ))
}

/// `GET /rotations/reports/costs.json`.
async fn costs_json(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CostQuery>,
) -> Result<Response, AppError> {
    let year = report_year(&q, ctx.today)?;
    let report = cost_report(&state, &ctx, year).await?;
    Ok(axum::Json(report).into_response())
}

/// `GET /api/v1/rotations/costs?year=`: the cost report as JSON for a BI
/// tool, with a bearer token; the same scope as the page.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/costs",
    tag = "rotations",
    params(("year" = Option<i32>, Query, minimum = 2000, maximum = 2100, description = "Budget (calendar) year, this year when absent")),
    responses((status = 200, description = "The cost report: per payer and month, and each placement's month lines", body = reports::CostReport))
)]
async fn costs_api(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<CostApiQuery>,
) -> Result<Response, AppError> {
    let filter = user.require(READERS)?.people_filter();
    // The page's form sends an empty year for "this year"; the API takes a
    // year or no parameter at all.
    let year = match q.year {
        None => user.today.year(),
        Some(year) if year.trim().is_empty() => {
            return Err(AppError::bad_request("year", "expected a year 2000-2100"));
        }
        Some(year) => report_year(
            &CostQuery {
                year,
                ..CostQuery::default()
            },
            user.today,
        )?,
    };
    let report = cost_report_for(&state, filter, year, Lang::Sv).await?;
    Ok(axum::Json(report).into_response())
}

/// `GET /rotations/reports/capacity`: host capacity over the coming 12 months.
async fn capacity_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let filter = ctx.require(READERS)?.people_filter();
    let today = ctx.today;
    let rows = read(&state, move |conn| {
        Ok(reports::capacity_report(conn, today, &filter)?)
    })
    .await?;
    let lang = ctx.lang;
    let months: Vec<NaiveDate> = rows
        .first()
        .map(|r| r.months.iter().map(|m| m.0).collect())
        .unwrap_or_default();
    Ok(page(
        &ctx,
        lang.t("rotreport.capacity_title"),
        html! {
            (sub_nav(&ctx))
            p.muted { (lang.t("rotreport.capacity_help")) }
            @if rows.is_empty() { p.muted { (lang.t("placements.no_hosts")) } } @else {
                div.table-wrap tabindex="0" { table.wide {
                    thead { tr {
                        th { (lang.t("placements.host")) } th { (lang.t("placements.capacity")) }
                        @for m in &months { th { (m.format("%Y-%m")) } }
                    } }
                    tbody { @for r in &rows { tr {
                        td { a href=(format!("/rotations/timeline?unit={}", r.unit_id)) { (r.code) } " " span.muted { (r.name) } }
                        td.num { (r.capacity) }
                        @for (_, peak) in &r.months {
                            td.num class=(if *peak > r.capacity { "over" } else if *peak == r.capacity { "full" } else { "" }) {
                                (peak) " / " (r.capacity)
                            }
                        }
                    } } }
                } }
                @for r in rows.iter().filter(|r| !r.over.is_empty()) {
                    p.error { (r.code) ": " (lang.t("rotreport.over_days")) " "
                        (r.over.iter().map(|(a, b)| format!("{a} – {b}")).collect::<Vec<_>>().join(", ")) }
                }
            }
        },
    ))
}

/// `GET /rotations/reports/missing-elements`.
async fn missing_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let filter = ctx.require(READERS)?.people_filter();
    let rows = read(&state, move |conn| {
        Ok(reports::missing_elements(conn, &filter)?)
    })
    .await?;
    let lang = ctx.lang;
    Ok(page(
        &ctx,
        lang.t("rotreport.missing_title"),
        html! {
            (sub_nav(&ctx))
            @if rows.is_empty() { p.muted { (lang.t("rotreport.missing_none")) } } @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th { (lang.t("placements.trainee")) } th { (lang.t("trainees.home_unit")) } th { (lang.t("trainees.specialty")) }
                        th { (lang.t("trainees.element_missing")) } th { (lang.t("trainees.element_planned")) } th { (lang.t("trainees.goals_open")) }
                    } }
                    tbody { @for r in &rows { tr {
                        td { a href=(format!("/trainees/{}", r.trainee.id)) { (r.trainee.name) } }
                        td { (r.trainee.home_unit_code) } td { (r.trainee.specialty) }
                        td { (r.missing.join(", ")) } td { (r.planned.join(", ")) } td { (r.goals_open.join(", ")) }
                    } } }
                } }
            }
        },
    ))
}
