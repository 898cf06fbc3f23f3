//! Trainee pages (the list, a trainee with placements, elements and salary
//! history, the trainee form, salary revisions) and the training elements
//! (the catalogue with its create form, the element form). Managers read
//! the trainees of their units; study directors and administrators change.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rusqlite::Connection;
use serde::Deserialize;

use super::actions;
use super::model::{SalaryChange, parse_kronor};
use super::placements::Placement;
use super::store;
use super::timeline;
use super::trainees::{self as tr, Element, ElementState, Rulebook, Trainee, TraineeInput};
use super::views::{
    ctx_may_write, date_field, kr, may_write, placement_bars, placements_table, refused, sub_nav,
};
use super::{READERS, WRITERS};
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::UnitFilter;
use crate::clock::local_display;
use crate::msg;
use crate::web::edit::{EditForm, Refused};
use crate::web::layout::{self, FieldAttrs, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Form, Path};

/// A trainee is visible to managers of their home clinic and of the hosts
/// of their placements.
fn may_see_trainee(filter: &UnitFilter, t: &Trainee, placements: &[Placement]) -> bool {
    filter.allows(t.home_unit_id) || placements.iter().any(|p| filter.allows(p.host_unit_id))
}

/// Whether the viewer sees the trainee's salary: those who see the home
/// clinic, which employs and pays the trainee; a host's manager sees the
/// placements at their units and what they cost, not the salary history.
fn may_see_salary(filter: &UnitFilter, t: &Trainee) -> bool {
    filter.allows(t.home_unit_id)
}

// ---- Trainees ----

/// A row of the trainee list: the trainee, their live placements and their
/// current monthly cost.
type TraineeRow = (Trainee, usize, Option<i64>);

fn trainee_rows(conn: &Connection, filter: &UnitFilter) -> rusqlite::Result<Vec<TraineeRow>> {
    let mut by_trainee: HashMap<i64, Vec<Placement>> = HashMap::new();
    for p in store::placements(conn, None, None, None)? {
        by_trainee.entry(p.trainee_id).or_default().push(p);
    }
    let salaries = store::all_salary_histories(conn)?;
    let mut out = Vec::new();
    for t in store::trainees(conn)? {
        let ps = by_trainee.remove(&t.id).unwrap_or_default();
        if may_see_trainee(filter, &t, &ps) {
            let salary = salaries
                .get(&t.id)
                .filter(|_| may_see_salary(filter, &t))
                .and_then(|h| h.last())
                .map(|s| s.monthly_cost_ore);
            out.push((t, ps.iter().filter(|p| p.is_live()).count(), salary));
        }
    }
    Ok(out)
}

/// `GET /trainees`.
pub async fn trainees_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let user = ctx.require(READERS)?.clone();
    let filter = user.people_filter();
    let rows = state
        .db
        .read(move |conn| trainee_rows(conn, &filter).map_err(AppError::from))
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

/// The trainee form: a new trainee (an ST doctor of the staff register,
/// with the first monthly cost) or a trainee's details.
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

    /// The form read: the trainee and the first monthly cost, or what to
    /// fix. Only a new trainee names the person.
    fn parse(&self, errors: &mut FieldErrors, new: bool) -> Option<(TraineeInput, Option<i64>)> {
        let person_id = match self.person_id.trim().parse::<i64>() {
            Ok(id) => id,
            Err(_) if new => {
                errors.add("person_id", msg!("trainees.err_person"));
                0
            }
            Err(_) => 0,
        };
        let specialty = self
            .specialty
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if specialty.is_empty() {
            errors.add("specialty", msg!("placements.err_required"));
        }
        let rulebook = Rulebook::parse(&self.rulebook);
        if rulebook.is_none() {
            errors.add("rulebook", msg!("trainees.err_rulebook"));
        }
        let st_start = date_field(errors, "st_start", &self.st_start);
        let planned_end = date_field(errors, "planned_end", &self.planned_end);
        if let (Some(s), Some(e)) = (st_start, planned_end)
            && let Some(message) = tr::period_problem(s, e)
        {
            errors.add("planned_end", message);
        }
        let salary = match self.monthly_cost.trim() {
            "" => None,
            s => {
                let ore = parse_kronor(s);
                if ore.is_none() {
                    errors.add("monthly_cost", msg!("trainees.err_amount"));
                }
                ore
            }
        };
        if !errors.is_empty() {
            return None;
        }
        Some((
            TraineeInput {
                person_id,
                specialty,
                rulebook: rulebook?,
                st_start: st_start?,
                planned_end: planned_end?,
                study_director: self.study_director.trim().to_string(),
                supervisor: self.supervisor.trim().to_string(),
            },
            salary,
        ))
    }
}

fn rulebook_options() -> Vec<(String, String)> {
    Rulebook::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), r.title().to_string()))
        .collect()
}

impl EditForm<AppState> for TraineeForm {
    type Ctx = Ctx;
    /// ST doctors without a trainee record, `(person id, name, unit code)`.
    type Choices = Vec<(i64, String, String)>;

    const TITLE_NEW: &'static str = "trainees.new";
    const TITLE_EDIT: &'static str = "trainees.edit";

    fn action(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/trainees/{id}/edit"),
            None => "/trainees/new".into(),
        }
    }

    fn blank() -> Self {
        TraineeForm {
            rulebook: Rulebook::HslfFs2021_8.as_str().into(),
            specialty: "Onkologi".into(),
            ..TraineeForm::default()
        }
    }

    async fn choices(state: &AppState, ctx: &Ctx) -> Result<Self::Choices, AppError> {
        ctx.require(WRITERS)?;
        state
            .db
            .read(|conn| store::st_doctors_without_record(conn).map_err(AppError::from))
            .await
    }

    async fn load(state: &AppState, _: &Ctx, id: i64) -> Result<Self, AppError> {
        let t = state
            .db
            .read(move |conn| store::trainee(conn, id).map_err(AppError::from))
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(TraineeForm::from_trainee(&t))
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let mut errors = FieldErrors::new(ctx.lang);
        let Some((input, salary)) = self.parse(&mut errors, id.is_none()) else {
            return Err(Refused::Fields(errors));
        };
        let id = ctx
            .change(&state.db, move |w| {
                actions::save_trainee(w, id, &input, salary)
            })
            .await
            .map_err(|r| refused(ctx.lang, r))?;
        Ok(format!("/trainees/{id}"))
    }

    fn fields(
        &self,
        ctx: &Ctx,
        id: Option<i64>,
        people: &Self::Choices,
        errors: &FieldErrors,
    ) -> Markup {
        let lang = ctx.lang;
        let people: Vec<(String, String)> = people
            .iter()
            .map(|(id, name, unit)| (id.to_string(), format!("{name} ({unit})")))
            .collect();
        html! {
            @if id.is_none() {
                @if people.is_empty() { p.muted { (lang.t("trainees.no_st_doctors")) } }
                (select_field(lang.t("trainees.person"), "person_id", &people, &self.person_id, errors))
            }
            (text_field(lang.t("trainees.specialty"), "specialty", &self.specialty, errors, FieldAttrs::required()))
            (select_field(lang.t("trainees.rulebook"), "rulebook", &rulebook_options(), &self.rulebook, errors))
            (text_field(lang.t("trainees.st_start"), "st_start", &self.st_start, errors, FieldAttrs::required().kind("date")))
            (text_field(lang.t("trainees.planned_end"), "planned_end", &self.planned_end, errors, FieldAttrs::required().kind("date")))
            (text_field(lang.t("trainees.study_director"), "study_director", &self.study_director, errors, FieldAttrs::optional()))
            (text_field(lang.t("trainees.supervisor"), "supervisor", &self.supervisor, errors, FieldAttrs::optional()))
            @if id.is_none() {
                (text_field(lang.t("trainees.monthly_cost"), "monthly_cost", &self.monthly_cost, errors, FieldAttrs::optional().placeholder("52 500")))
                p.muted { (lang.t("trainees.monthly_cost_help")) }
            }
        }
    }
}

/// Everything the trainee page shows.
struct TraineeDetail {
    trainee: Trainee,
    salary: Vec<tr::SalaryRow>,
    elements: Vec<(Element, ElementState)>,
    goals_open: Vec<String>,
    placements: Vec<Placement>,
    /// The salary is not the viewer's to see (a host's manager).
    salary_hidden: bool,
}

fn load_trainee(
    conn: &Connection,
    id: i64,
    filter: &UnitFilter,
) -> Result<TraineeDetail, AppError> {
    let trainee = store::trainee(conn, id)?.ok_or(AppError::NotFound)?;
    let mut placements = store::placements(conn, Some(id), None, None)?;
    if !may_see_trainee(filter, &trainee, &placements) {
        return Err(AppError::Hidden);
    }
    // Only the placements at or from units the viewer sees.
    placements.retain(|p| filter.allows(p.home_unit_id) || filter.allows(p.host_unit_id));
    let salary_hidden = !may_see_salary(filter, &trainee);
    let elements = store::elements_of(conn, &trainee.specialty)?;
    let covered = store::covered_elements(conn, id)?;
    let states: Vec<ElementState> = elements
        .iter()
        .map(|e| tr::element_state(e.id, &covered))
        .collect();
    let goals_open = tr::goals_not_covered(trainee.rulebook, &elements, &states);
    Ok(TraineeDetail {
        salary: if salary_hidden {
            Vec::new()
        } else {
            store::salary_rows(conn, id)?
        },
        salary_hidden,
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

fn salary_fields(ctx: &Ctx, form: &SalaryForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    html! {
        (text_field(lang.t("trainees.monthly_cost"), "monthly_cost", &form.monthly_cost, errors, FieldAttrs::required().placeholder("52 500")))
        (text_field(lang.t("trainees.effective_from"), "effective_from", &form.effective_from, errors, FieldAttrs::required().kind("date")))
    }
}

fn trainee_view(ctx: &Ctx, d: &TraineeDetail, form: &SalaryForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let t = &d.trainee;
    let can_write = ctx_may_write(ctx);
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
            @if d.salary_hidden { p.muted { (lang.t("trainees.salary_not_yours")) } }
            @else if d.salary.is_empty() { p.muted { (lang.t("trainees.no_salary")) } } @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr { th { (lang.t("trainees.effective_from")) } th { (lang.t("trainees.monthly_cost")) } th { (lang.t("trainees.recorded")) } } }
                    tbody { @for s in &d.salary { tr {
                        td { (s.salary.from) } td.num { (kr(lang, s.salary.monthly_cost_ore)) }
                        td { (local_display(&s.recorded_at)) " " span.muted { (s.recorded_by.as_deref().unwrap_or("")) } }
                    } } }
                } }
            }
            @if can_write {
                (layout::form_card(ctx, &format!("/trainees/{}/salary", t.id), errors, salary_fields(ctx, form, errors), lang.t("trainees.add_salary")))
                p.muted { (lang.t("trainees.salary_help")) }
            }
        },
    )
}

/// `GET /trainees/{id}`.
pub async fn trainee_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let filter = ctx.require(READERS)?.people_filter();
    let d = state
        .db
        .read(move |conn| load_trainee(conn, id, &filter))
        .await?;
    Ok(trainee_view(
        &ctx,
        &d,
        &SalaryForm::default(),
        &FieldErrors::new(ctx.lang),
    ))
}

/// `POST /trainees/{id}/salary`: appends a revision and adjusts the reported
/// split of the trainee's approved placements.
pub async fn add_salary(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<SalaryForm>,
) -> Result<Response, AppError> {
    let filter = ctx.require(WRITERS)?.people_filter();
    let lang = ctx.lang;
    let mut errors = FieldErrors::new(lang);
    let amount = parse_kronor(&form.monthly_cost);
    if amount.is_none() {
        errors.add("monthly_cost", msg!("trainees.err_amount"));
    }
    let from = date_field(&mut errors, "effective_from", &form.effective_from);
    if let (Some(ore), Some(from)) = (amount, from) {
        let change = SalaryChange {
            from,
            monthly_cost_ore: ore,
        };
        let today = ctx.today;
        match ctx
            .change(&state.db, move |w| {
                actions::add_salary(w, id, change, today)
            })
            .await
            .map_err(|r| refused(lang, r))
        {
            Ok(()) => return Ok(crate::web::see_other(&format!("/trainees/{id}"))),
            Err(Refused::Error(e)) => return Err(e),
            Err(Refused::Fields(f)) => errors = f,
        }
    }
    let d = state
        .db
        .read(move |conn| load_trainee(conn, id, &filter))
        .await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        trainee_view(&ctx, &d, &form, &errors),
    )
        .into_response())
}

// ---- Training elements ----

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

    /// The form read as an element (id 0: the action sets it), or what to
    /// fix.
    fn parse(&self, errors: &mut FieldErrors) -> Option<Element> {
        let tidy = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let (specialty, name) = (tidy(&self.specialty), tidy(&self.name));
        if specialty.is_empty() {
            errors.add("specialty", msg!("placements.err_required"));
        }
        if name.is_empty() {
            errors.add("name", msg!("placements.err_required"));
        }
        let mut goals = |field: &str, s: &str| {
            tr::parse_goals(s).unwrap_or_else(|bad| {
                errors.add(field, tr::unknown_goal(&bad));
                String::new()
            })
        };
        let goals_largely = goals("goals_largely", &self.goals_largely);
        let goals_partly = goals("goals_partly", &self.goals_partly);
        let months = self
            .suggested_months
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|m| (1..=36).contains(m));
        if months.is_none() {
            errors.add("suggested_months", msg!("trainees.err_months"));
        }
        if !errors.is_empty() {
            return None;
        }
        Some(Element {
            id: 0,
            specialty,
            name,
            goals_largely,
            goals_partly,
            suggested_months: months?,
            at_host: self.at_host.is_some(),
            active: self.active.is_some(),
        })
    }

    fn element_fields(&self, ctx: &Ctx, errors: &FieldErrors) -> Markup {
        let lang = ctx.lang;
        html! {
            (text_field(lang.t("trainees.specialty"), "specialty", &self.specialty, errors, FieldAttrs::required()))
            (text_field(lang.t("common.name"), "name", &self.name, errors, FieldAttrs::required()))
            (text_field(lang.t("trainees.goals_largely"), "goals_largely", &self.goals_largely, errors, FieldAttrs::optional().placeholder("STc2 STc3")))
            (text_field(lang.t("trainees.goals_partly"), "goals_partly", &self.goals_partly, errors, FieldAttrs::optional()))
            (text_field(lang.t("trainees.suggested_months"), "suggested_months", &self.suggested_months, errors, FieldAttrs::required().kind("number")))
            (layout::checkbox(lang.t("trainees.at_host"), "at_host", self.at_host.is_some()))
            (layout::checkbox(lang.t("common.active"), "active", self.active.is_some()))
        }
    }
}

impl EditForm<AppState> for ElementForm {
    type Ctx = Ctx;
    type Choices = ();

    const TITLE_NEW: &'static str = "trainees.new_element";
    const TITLE_EDIT: &'static str = "trainees.edit_element";

    fn action(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/training-elements/{id}/edit"),
            None => "/training-elements/new".into(),
        }
    }

    fn blank() -> Self {
        ElementForm {
            specialty: "Onkologi".into(),
            suggested_months: "3".into(),
            at_host: Some("1".into()),
            active: Some("1".into()),
            ..ElementForm::default()
        }
    }

    async fn choices(_: &AppState, ctx: &Ctx) -> Result<(), AppError> {
        ctx.require(WRITERS).map(|_| ())
    }

    async fn load(state: &AppState, _: &Ctx, id: i64) -> Result<Self, AppError> {
        let e = state
            .db
            .read(move |conn| store::element(conn, id).map_err(AppError::from))
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(ElementForm::from_element(&e))
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let mut errors = FieldErrors::new(ctx.lang);
        let Some(element) = self.parse(&mut errors) else {
            return Err(Refused::Fields(errors));
        };
        ctx.change(&state.db, move |w| actions::save_element(w, id, &element))
            .await
            .map_err(|r| refused(ctx.lang, r))?;
        Ok("/training-elements".into())
    }

    fn fields(&self, ctx: &Ctx, _: Option<i64>, _: &(), errors: &FieldErrors) -> Markup {
        self.element_fields(ctx, errors)
    }
}

/// The element catalogue with, for those who change it, the form of a new
/// element.
fn elements_view(
    ctx: &Ctx,
    elements: &[Element],
    form: &ElementForm,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let can_write = ctx_may_write(ctx);
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
                (layout::form_card(ctx, "/training-elements", errors, form.element_fields(ctx, errors), lang.t("common.create")))
            }
        },
    )
}

async fn all_elements(state: &AppState) -> Result<Vec<Element>, AppError> {
    state
        .db
        .read(|conn| store::elements(conn).map_err(AppError::from))
        .await
}

/// `GET /training-elements`.
pub async fn elements_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(READERS)?;
    let elements = all_elements(&state).await?;
    Ok(elements_view(
        &ctx,
        &elements,
        &ElementForm::blank(),
        &FieldErrors::new(ctx.lang),
    ))
}

/// `POST /training-elements`: the catalogue's own form of a new element,
/// saved as the element form saves it; refused, the catalogue is shown
/// again with the form's messages.
pub async fn create_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ElementForm>,
) -> Result<Response, AppError> {
    ElementForm::choices(&state, &ctx).await?;
    match form.clone().save(&state, &ctx, None).await {
        Ok(next) => Ok(crate::web::see_other(&next)),
        Err(Refused::Error(e)) => Err(e),
        Err(Refused::Fields(errors)) => {
            let elements = all_elements(&state).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                elements_view(&ctx, &elements, &form, &errors),
            )
                .into_response())
        }
    }
}
