//! The staff pages: the list, a person's page with their history, the
//! create/edit form, and the administrators' forms on the person's page to
//! move someone, mark them as left or rehire them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::actions::{self, Identity};
use super::model::{self, Assignment, Profession};
use super::store::{self, NewPerson, PeopleQuery, UnitQuery};
use super::views::{active_badge, chosen, people_table, refusal};
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::Role;
use crate::i18n::Lang;
use crate::msg;
use crate::web::edit::{EditForm, Refused};
use crate::web::layout::{self, FieldAttrs, checkbox, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Form, Path, Query};

const PEOPLE_PER_PAGE: u32 = 50;
/// How many matches the staff list counts before it says "more than".
const PEOPLE_COUNTED: i64 = 1000;

fn profession_options(lang: Lang, any: bool) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = if any {
        vec![(String::new(), lang.t("people.any_profession").to_string())]
    } else {
        Vec::new()
    };
    v.extend(
        Profession::ALL
            .iter()
            .map(|p| (p.as_str().to_string(), lang.t(p.label_key()).to_string())),
    );
    v
}

fn people_query_string(q: &PeopleQuery) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("q", &q.q),
        ("unit", &q.unit),
        ("profession", &q.profession),
    ] {
        if !v.trim().is_empty() {
            s.append_pair(k, v.trim());
        }
    }
    if q.include_left.is_some() {
        s.append_pair("include_left", "1");
    }
    s.finish()
}

/// `GET /people`: search the staff the user may see.
pub async fn people_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeopleQuery>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    if !user.may_list_people() {
        return Err(AppError::Forbidden);
    }
    let today = ctx.today;
    let query = q.clone();
    let find_bookings = super::bookings::Bookings::of(&state);
    let (mut people, total, bookings) = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            // One more than a page tells whether there is another.
            let (people, total) = store::search_people(
                conn,
                &query,
                &user.people_filter(),
                user.person_id,
                today,
                1,
                PEOPLE_PER_PAGE + 1,
                store::Count::UpTo(PEOPLE_COUNTED),
            )?;
            let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
            let bookings = find_bookings(conn, &ids, today)?;
            Ok((people, total, bookings))
        })
        .await?;
    // Going back, the extra row is the first; going on, the last.
    let more = people.len() > PEOPLE_PER_PAGE as usize;
    if more {
        if q.before.is_some() && q.after.is_none() {
            people.remove(0);
        } else {
            people.truncate(PEOPLE_PER_PAGE as usize);
        }
    }
    let (has_prev, has_next) = match (q.after, q.before) {
        (Some(_), _) => (true, more),
        (None, Some(_)) => (more, true),
        (None, None) => (false, more),
    };
    let lang = ctx.lang;
    let errors = FieldErrors::new(ctx.lang);
    let qs = people_query_string(&q);
    Ok(page(
        &ctx,
        lang.t("people.title"),
        html! {
            form.filters method="get" action="/people" role="search" {
                (text_field(lang.t("common.search"), "q", &q.q, &errors, FieldAttrs::optional().kind("search").placeholder(lang.t("people.search_hint"))))
                (text_field(lang.t("people.unit"), "unit", &q.unit, &errors, FieldAttrs::optional()))
                (select_field(lang.t("people.profession"), "profession", &profession_options(lang, true), &q.profession, &errors))
                (checkbox(lang.t("people.include_left"), "include_left", q.include_left.is_some()))
                button type="submit" { (lang.t("common.search")) }
            }
            @if !q.q.trim().is_empty() && q.q.trim().chars().count() < 3 { p.muted { (lang.t("people.search_short")) } }
            @if ctx.user.as_ref().is_some_and(|u| u.is_admin()) { p { a.button href="/people/new" { (lang.t("people.new")) } } }
            (people_table(lang, &people, today, &bookings))
            (layout::keyset_pager(lang, &format!("/people?{qs}"), people.first().zip(people.last()).map(|(a, b)| (a.id, b.id)), has_prev, has_next, total, PEOPLE_COUNTED))
        },
    ))
}

// ---- A person's page ----

/// What a person's page shows.
struct PersonPage {
    person: store::Person,
    history: Vec<store::Employment>,
    /// The units the administrators' forms pick from (empty for others).
    units: Vec<store::Unit>,
}

/// The form of the person's page that was sent and refused, with the input
/// and the messages to show in it.
enum Attempt {
    /// None: the page as it is.
    Fresh,
    /// The change of unit or profession.
    Move(AssignmentForm, FieldErrors),
    /// The leaving date.
    Leave(LeaveForm, FieldErrors),
    /// The rehire.
    Rejoin(AssignmentForm, FieldErrors),
}

/// `GET /people/{id}`: a person, their history, and for administrators the forms
/// to change unit or profession, mark leaving, or rehire.
pub async fn person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    // The forms name the unit by its code: no list of every unit in the page.
    let shown = load_person(&state, id, false).await?;
    if !user.may_see_person(shown.person.id, shown.person.unit_id) {
        return Err(AppError::Hidden);
    }
    Ok(person_view(&ctx, &shown, &Attempt::Fresh))
}

/// A person, their history, and the unit list the administrators' forms pick
/// from (`with_units`; the list counts each unit's staff, so it is only read
/// when a form shows it).
async fn load_person(state: &AppState, id: i64, with_units: bool) -> Result<PersonPage, AppError> {
    state
        .db
        .read(move |conn| -> Result<_, AppError> {
            Ok(PersonPage {
                person: store::person(conn, id)?.ok_or(AppError::NotFound)?,
                history: store::employment(conn, id)?,
                units: if with_units {
                    active_units(conn)?
                } else {
                    Vec::new()
                },
            })
        })
        .await
}

/// The units people are placed in.
fn active_units(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<store::Unit>> {
    store::units(conn, &UnitQuery::default(), NaiveDate::MIN)
}

fn person_view(ctx: &Ctx, shown: &PersonPage, attempt: &Attempt) -> Markup {
    let lang = ctx.lang;
    let p = &shown.person;
    let admin = ctx.user.as_ref().is_some_and(|u| u.is_admin());
    let active = p.active_on(ctx.today);
    page(
        ctx,
        &p.name,
        html! {
            div.card {
                dl.facts {
                    dt { (lang.t("common.email")) } dd { (p.email) }
                    dt { (lang.t("people.hsa_id")) } dd { (p.hsa_id.as_deref().unwrap_or("–")) }
                    dt { (lang.t("people.profession")) } dd { (lang.t(p.profession.label_key())) }
                    dt { (lang.t("people.unit")) } dd { (p.unit_code) " " (p.unit_name) }
                    dt { (lang.t("common.status")) } dd {
                        @if active { (active_badge(lang, true)) } @else { (layout::badge(lang.t("people.left"), "muted")) }
                        @if let Some(l) = p.left_on { " " (lang.t("people.left_on")) " " (l) }
                    }
                }
                p {
                a.button href=(format!("/people/{}/licences", p.id)) { (lang.t("licence.title")) }
                @if admin { " " a.button.secondary href=(format!("/people/{}/edit", p.id)) { (lang.t("common.edit")) } }
            }
            }
            h2 { (lang.t("people.history")) }
            div.table-wrap tabindex="0" { table {
                thead { tr { th { (lang.t("common.from")) } th { (lang.t("common.to")) } th { (lang.t("people.unit")) } th { (lang.t("people.profession")) } } }
                tbody { @for e in &shown.history { tr {
                    td { (e.valid_from) }
                    td { @match e.valid_to { Some(t) => { (t.pred_opt().unwrap_or(t)) }, None => { span.muted { (lang.t("people.ongoing")) } } } }
                    td { (e.unit_code) " " (e.unit_name) }
                    td { (lang.t(e.profession.label_key())) }
                } } }
            } }
            @if admin { (history_forms(ctx, shown, attempt)) }
        },
    )
}

/// The administrators' forms under the history: move and leave while
/// employed, rehire after leaving. Each shows its own messages only.
fn history_forms(ctx: &Ctx, shown: &PersonPage, attempt: &Attempt) -> Markup {
    let lang = ctx.lang;
    let p = &shown.person;
    let id = p.id;
    let fresh = || FieldErrors::new(lang);
    // An untouched form proposes the person's unit and profession, from today.
    let proposed = || AssignmentForm {
        unit: p.unit_code.clone(),
        unit_id: String::new(),
        profession: p.profession.as_str().to_string(),
        effective_from: ctx.today.to_string(),
    };
    if p.left_on.is_none() {
        let (assignment, move_errors) = match attempt {
            Attempt::Move(form, errors) => (form.clone(), errors.clone()),
            _ => (proposed(), fresh()),
        };
        let (leaving, leave_errors) = match attempt {
            Attempt::Leave(form, errors) => (form.clone(), errors.clone()),
            _ => (
                LeaveForm {
                    left_on: ctx.today.to_string(),
                },
                fresh(),
            ),
        };
        let move_fields = html! {
            p.muted { (lang.t("people.move_hint")) }
            (assignment.fields(lang, &move_errors))
        };
        let leave_fields = text_field(
            lang.t("people.left_on"),
            "left_on",
            &leaving.left_on,
            &leave_errors,
            FieldAttrs::required().kind("date"),
        );
        html! {
            h2 { (lang.t("people.edit")) }
            (layout::form_card(ctx, &format!("/people/{id}/assignment"), &move_errors, move_fields, lang.t("common.save")))
            h2 { (lang.t("people.mark_left")) }
            (layout::form_card(ctx, &format!("/people/{id}/leave"), &leave_errors, leave_fields, lang.t("people.mark_left")))
        }
    } else {
        let (rehire, errors) = match attempt {
            Attempt::Rejoin(form, errors) => (form.clone(), errors.clone()),
            _ => (proposed(), fresh()),
        };
        let fields = rehire.fields(lang, &errors);
        html! {
            h2 { (lang.t("people.rejoin")) }
            (layout::form_card(ctx, &format!("/people/{id}/rejoin"), &errors, fields, lang.t("people.rejoin")))
        }
    }
}

/// Fields of the unit/profession change and rehire forms. The unit is its
/// code (`unit`), or its id (`unit_id`) from older forms and scripts.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct AssignmentForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    profession: String,
    #[serde(default)]
    effective_from: String,
}

impl AssignmentForm {
    /// The unit (its code), profession and date fields.
    fn fields(&self, lang: Lang, errors: &FieldErrors) -> Markup {
        html! {
            (text_field(lang.t("people.unit_code"), "unit", &self.unit, errors, FieldAttrs::required().max_len(20).placeholder("ONK1")))
            (select_field(lang.t("people.profession"), "profession", &profession_options(lang, false), &self.profession, errors))
            (text_field(lang.t("people.effective_from"), "effective_from", &self.effective_from, errors, FieldAttrs::required().kind("date")))
        }
    }
}

/// Reads a unit (one of `units`), a profession and the date in `date_field`,
/// adding a message for each that is wrong.
fn parse_assignment(
    unit: UnitChoice<'_>,
    profession: &str,
    date_field: &'static str,
    date: &str,
    units: &[store::Unit],
    errors: &mut FieldErrors,
) -> Option<Assignment> {
    let unit_id = match unit {
        UnitChoice::Code(code) => {
            let found = units
                .iter()
                .find(|u| u.code.eq_ignore_ascii_case(code.trim()))
                .map(|u| u.id);
            if found.is_none() {
                errors.add(
                    "unit",
                    msg!("people.error_unknown_unit", code = code.trim()),
                );
            }
            found
        }
        UnitChoice::Id(id) => {
            let found = chosen(id).filter(|u| units.iter().any(|x| x.id == *u));
            if found.is_none() {
                errors.add("unit_id", msg!("people.error_choose_unit"));
            }
            found
        }
    };
    let profession = Profession::parse(profession);
    if profession.is_none() {
        errors.add("profession", msg!("people.error_choose_profession"));
    }
    let from = crate::check::date(date);
    if from.is_none() {
        errors.add(date_field, msg!("input.not_a_date"));
    }
    Some(Assignment {
        unit_id: unit_id?,
        profession: profession?,
        from: from?,
    })
}

/// How a form names the unit: by code, as typed, or by id from a select.
#[derive(Clone, Copy)]
enum UnitChoice<'a> {
    Code(&'a str),
    Id(&'a str),
}

impl AssignmentForm {
    fn unit_choice(&self) -> UnitChoice<'_> {
        if self.unit.trim().is_empty() && !self.unit_id.trim().is_empty() {
            UnitChoice::Id(&self.unit_id)
        } else {
            UnitChoice::Code(&self.unit)
        }
    }
}

/// Which history change a form asks for.
#[derive(Clone, Copy)]
enum HistoryChange {
    Move,
    Rejoin,
}

/// `POST /people/{id}/assignment`.
pub async fn change_assignment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<AssignmentForm>,
) -> Result<Response, AppError> {
    change_history(state, ctx, id, form, HistoryChange::Move).await
}

/// `POST /people/{id}/rejoin`.
pub async fn rejoin(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<AssignmentForm>,
) -> Result<Response, AppError> {
    change_history(state, ctx, id, form, HistoryChange::Rejoin).await
}

async fn change_history(
    state: AppState,
    ctx: Ctx,
    id: i64,
    form: AssignmentForm,
    change: HistoryChange,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let shown = load_person(&state, id, true).await?;
    let mut errors = FieldErrors::new(ctx.lang);
    let assignment = parse_assignment(
        form.unit_choice(),
        &form.profession,
        "effective_from",
        &form.effective_from,
        &shown.units,
        &mut errors,
    );
    let today = ctx.today;
    let made = match assignment {
        Some(a) if errors.is_empty() => Some(
            ctx.change(&state.db, move |w| match change {
                HistoryChange::Move => actions::move_person(w, id, &a, today).map(|_| ()),
                HistoryChange::Rejoin => actions::rejoin(w, id, &a, today),
            })
            .await,
        ),
        _ => None,
    };
    if settle(made, &mut errors)? {
        return Ok(crate::web::see_other(&format!("/people/{id}")));
    }
    let attempt = match change {
        HistoryChange::Move => Attempt::Move(form, errors),
        HistoryChange::Rejoin => Attempt::Rejoin(form, errors),
    };
    refused_page(&ctx, &shown, &attempt)
}

/// Whether a history form's change was made (`made` is `None` when it was
/// not tried, its input being wrong); a refusal becomes a message beside
/// its field, any other error passes.
fn settle(made: Option<Result<(), AppError>>, errors: &mut FieldErrors) -> Result<bool, AppError> {
    match made {
        None => Ok(false),
        Some(Ok(())) => Ok(true),
        Some(Err(AppError::Unprocessable { field, message })) => {
            errors.add(field, message);
            Ok(false)
        }
        Some(Err(e)) => Err(e),
    }
}

/// The person's page again, with the refused form's input and messages.
fn refused_page(ctx: &Ctx, shown: &PersonPage, attempt: &Attempt) -> Result<Response, AppError> {
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        person_view(ctx, shown, attempt),
    )
        .into_response())
}

/// Leaving form field.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct LeaveForm {
    #[serde(default)]
    left_on: String,
}

/// `POST /people/{id}/leave`: the person stops counting from the date.
pub async fn leave(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<LeaveForm>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let shown = load_person(&state, id, true).await?;
    let mut errors = FieldErrors::new(ctx.lang);
    let made = match crate::check::date(&form.left_on) {
        None => {
            errors.add("left_on", msg!("input.not_a_date"));
            None
        }
        Some(date) => Some(
            ctx.change(&state.db, move |w| actions::leave(w, id, date))
                .await,
        ),
    };
    if settle(made, &mut errors)? {
        return Ok(crate::web::see_other(&format!("/people/{id}")));
    }
    refused_page(&ctx, &shown, &Attempt::Leave(form, errors))
}

// ---- New person, edit person ----

/// Fields of the new-person and edit-person forms (the edit form has the
/// identifying fields only: the history changes on the person's page).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct PersonForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    hsa_id: String,
    /// The unit's code, as typed.
    #[serde(default)]
    unit: String,
    /// The unit's id, from older forms and scripts.
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    profession: String,
    #[serde(default)]
    employed_from: String,
}

impl PersonForm {
    /// Name, e-mail and HSA-id, tidied, or a message for each that is wrong.
    fn identity(&self, errors: &mut FieldErrors) -> Option<Identity> {
        let name = crate::check::name(&self.name).map_err(|m| errors.add("name", m));
        let email = crate::check::email(&self.email).map_err(|m| errors.add("email", m));
        let hsa_id = match self.hsa_id.trim() {
            "" => Ok(None),
            s => model::normalise_hsa_id(s)
                .map(Some)
                .map_err(|m| errors.add("hsa_id", m)),
        };
        Some(Identity {
            name: name.ok()?,
            email: email.ok()?,
            hsa_id: hsa_id.ok()?,
        })
    }
}

impl EditForm<AppState> for PersonForm {
    type Ctx = Ctx;
    /// Nothing to pick from: the unit is typed by its code.
    type Choices = ();

    const TITLE_NEW: &'static str = "people.new";
    const TITLE_EDIT: &'static str = "people.edit";

    fn action(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/people/{id}/edit"),
            None => "/people/new".into(),
        }
    }

    fn blank() -> Self {
        PersonForm {
            profession: Profession::Nurse.as_str().into(),
            ..Default::default()
        }
    }

    async fn choices(_: &AppState, ctx: &Ctx) -> Result<(), AppError> {
        ctx.require(&[Role::Admin])?;
        Ok(())
    }

    async fn load(state: &AppState, _: &Ctx, id: i64) -> Result<Self, AppError> {
        let p = state
            .db
            .read(move |c| store::person(c, id).map_err(AppError::from))
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(PersonForm {
            name: p.name,
            email: p.email,
            hsa_id: p.hsa_id.unwrap_or_default(),
            ..Default::default()
        })
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let mut errors = FieldErrors::new(ctx.lang);
        let identity = self.identity(&mut errors);
        let taken = |e| refusal(ctx.lang, e, model::identifier_taken);
        if let Some(id) = id {
            let Some(identity) = identity else {
                return Err(Refused::Fields(errors));
            };
            ctx.change(&state.db, move |w| actions::update_person(w, id, &identity))
                .await
                .map_err(taken)?;
            return Ok(format!("/people/{id}"));
        }
        Self::choices(state, ctx).await?;
        let units = state
            .db
            .read(|c| active_units(c).map_err(AppError::from))
            .await?;
        let unit = if self.unit.trim().is_empty() && !self.unit_id.trim().is_empty() {
            UnitChoice::Id(&self.unit_id)
        } else {
            UnitChoice::Code(&self.unit)
        };
        let assignment = parse_assignment(
            unit,
            &self.profession,
            "employed_from",
            &self.employed_from,
            &units,
            &mut errors,
        );
        let (Some(identity), Some(a), true) = (identity, assignment, errors.is_empty()) else {
            return Err(Refused::Fields(errors));
        };
        let p = NewPerson {
            name: identity.name,
            email: identity.email,
            hsa_id: identity.hsa_id,
            profession: a.profession,
            unit_id: a.unit_id,
            from: a.from,
        };
        let today = ctx.today;
        let id = ctx
            .change(&state.db, move |w| actions::create_person(w, &p, today))
            .await
            .map_err(taken)?;
        Ok(format!("/people/{id}"))
    }

    fn fields(&self, ctx: &Ctx, id: Option<i64>, _: &(), errors: &FieldErrors) -> Markup {
        let lang = ctx.lang;
        // A new form starts today; a refused one keeps what was typed.
        let today = ctx.today.to_string();
        let employed_from = if self.employed_from.is_empty() && errors.is_empty() {
            &today
        } else {
            &self.employed_from
        };
        html! {
            (text_field(lang.t("common.name"), "name", &self.name, errors, FieldAttrs::required()))
            (text_field(lang.t("common.email"), "email", &self.email, errors, FieldAttrs::required().kind("email")))
            (text_field(lang.t("people.hsa_id"), "hsa_id", &self.hsa_id, errors, FieldAttrs::optional().placeholder("SE2321000131-E000000012345")))
            @if id.is_none() {
                // The unit by its code: a list of every unit would be
                // thousands of options in the page.
                (text_field(lang.t("people.unit_code"), "unit", &self.unit, errors, FieldAttrs::required().max_len(20).placeholder("ONK1")))
                (select_field(lang.t("people.profession"), "profession", &profession_options(lang, false), &self.profession, errors))
                (text_field(lang.t("people.employed_from"), "employed_from", employed_from, errors, FieldAttrs::required().kind("date")))
            }
        }
    }
}
