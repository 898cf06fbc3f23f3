//! The organisation's pages: the overview of regions, administrations and
//! units, a unit's page, and the create/edit forms of regions,
//! administrations and units.

use axum::extract::State;
use maud::{Markup, html};
use serde::Deserialize;

use super::READERS as ORG_READERS;
use super::actions;
use super::model;
use super::store::{self, PeopleQuery, UnitInput, UnitQuery};
use super::views::{active_badge, chosen, options, people_table, refusal, yes_no};
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::{Role, UnitFilter};
use crate::msg;
use crate::web::edit::{EditForm, Refused};
use crate::web::layout::{FieldAttrs, checkbox, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Path, Query};

/// `GET /org`: the tree of regions, administrations and units.
pub async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<UnitQuery>,
) -> Result<Markup, AppError> {
    let user = ctx.require(ORG_READERS)?;
    let admin = user.is_admin();
    let today = ctx.today;
    let query = q.clone();
    let (regions, administrations, units) = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            Ok((
                store::regions(conn)?,
                store::administrations(conn, None)?,
                store::units(conn, &query, today)?,
            ))
        })
        .await?;
    let lang = ctx.lang;
    let errors = FieldErrors::new(ctx.lang);
    Ok(page(
        &ctx,
        lang.t("org.title"),
        html! {
            form.filters method="get" action="/org" {
                (text_field(lang.t("common.search"), "q", &q.q, &errors, FieldAttrs::optional().kind("search")))
                (checkbox(lang.t("org.show_inactive"), "inactive", q.inactive.is_some()))
                button type="submit" { (lang.t("common.search")) }
            }
            @if admin {
                p {
                    a.button href="/org/regions/new" { (lang.t("org.new_region")) } " "
                    a.button href="/org/administrations/new" { (lang.t("org.new_administration")) } " "
                    a.button href="/org/units/new" { (lang.t("org.new_unit")) }
                }
            }
            @for r in regions.iter().filter(|r| r.active || q.inactive.is_some()) {
                section.card {
                    h2 { (r.name) " " @if !r.active { (active_badge(lang, false)) } @if admin { " " a href=(format!("/org/regions/{}/edit", r.id)) { (lang.t("common.edit")) } } }
                    @for a in administrations.iter().filter(|a| a.region_id == r.id && (a.active || q.inactive.is_some())) {
                        h3 { (a.name) " " @if !a.active { (active_badge(lang, false)) } @if admin { " " a href=(format!("/org/administrations/{}/edit", a.id)) { (lang.t("common.edit")) } } }
                        div.table-wrap tabindex="0" { table {
                            thead { tr {
                                th { (lang.t("org.code")) } th { (lang.t("common.name")) } th { (lang.t("org.gives_chemo")) }
                                th.num { (lang.t("org.trainee_capacity")) } th.num { (lang.t("org.staff_count")) } th { (lang.t("common.status")) }
                            } }
                            tbody { @for u in units.iter().filter(|u| u.administration_id == a.id) { tr {
                                td { a href=(format!("/org/units/{}", u.id)) { (u.code) } }
                                td { (u.name) }
                                td { (yes_no(lang, u.gives_chemotherapy)) }
                                td.num { (u.trainee_capacity.map(|c| c.to_string()).unwrap_or_default()) }
                                td.num { (u.staff) }
                                td { (active_badge(lang, u.active)) }
                            } } }
                        } }
                    }
                }
            }
        },
    ))
}

/// `GET /org/units/{id}`: a unit and, for those who may see them, its staff.
pub async fn unit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let user = ctx.require(ORG_READERS)?.clone();
    let today = ctx.today;
    let filter = user.people_filter();
    let show_staff = filter.allows(id);
    let find_bookings = super::bookings::Bookings::of(&state);
    let (unit, people, chemo, bookings) = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let unit = store::unit(conn, id, today)?.ok_or(AppError::NotFound)?;
            let chemo = store::chemo_history(conn, id)?;
            let people = if show_staff {
                let q = PeopleQuery {
                    unit: unit.code.clone(),
                    ..Default::default()
                };
                store::search_people(
                    conn,
                    &q,
                    &UnitFilter::All,
                    None,
                    today,
                    1,
                    500,
                    store::Count::UpTo(0),
                )?
                .0
            } else {
                Vec::new()
            };
            let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
            let bookings = find_bookings(conn, &ids, today)?;
            Ok((unit, people, chemo, bookings))
        })
        .await?;
    let lang = ctx.lang;
    Ok(page(
        &ctx,
        &format!("{} {}", unit.code, unit.name),
        html! {
            div.card { dl.facts {
                dt { (lang.t("org.region")) } dd { (unit.region_name) }
                dt { (lang.t("org.administration")) } dd { (unit.administration_name) }
                dt { (lang.t("org.gives_chemo")) }
                dd {
                    (yes_no(lang, unit.gives_chemotherapy))
                    @if let Some((since, _)) = chemo.changes.last() {
                        " " (msg!("org.chemo_since", date = *since).render(lang))
                    }
                    @if !chemo.changes.is_empty() {
                        details {
                            summary { (lang.t("org.chemo_history")) }
                            ul { @for (from, gives) in &chemo.changes {
                                li { (from) ": " (lang.t(if *gives { "org.chemo_started" } else { "org.chemo_stopped" })) }
                            } }
                        }
                    }
                }
                dt { (lang.t("org.trainee_capacity")) } dd { (unit.trainee_capacity.map(|c| c.to_string()).unwrap_or_else(|| "–".into())) }
                dt { (lang.t("common.status")) } dd { (active_badge(lang, unit.active)) }
            }
            @if user.is_admin() { p { a.button href=(format!("/org/units/{}/edit", unit.id)) { (lang.t("common.edit")) } } } }
            @if show_staff {
                h2 { (lang.t("org.staff_count")) " (" (people.len()) ")" }
                (people_table(lang, &people, today, &bookings))
            }
        },
    ))
}

/// Only administrators change the organisation.
fn require_admin(ctx: &Ctx) -> Result<(), AppError> {
    ctx.require(&[Role::Admin]).map(|_| ())
}

/// The active checkbox when editing; a new row starts active.
fn active_field(ctx: &Ctx, id: Option<i64>, active: bool) -> Markup {
    html! {
        @if id.is_some() { (checkbox(ctx.lang.t("common.active"), "active", active)) }
        @else { input type="hidden" name="active" value="1"; }
    }
}

// ---- Regions ----

/// Region form fields.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct RegionForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    active: Option<String>,
}

impl EditForm<AppState> for RegionForm {
    type Ctx = Ctx;
    type Choices = ();

    const TITLE_NEW: &'static str = "org.new_region";
    const TITLE_EDIT: &'static str = "org.edit_region";

    fn action(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/org/regions/{id}/edit"),
            None => "/org/regions/new".into(),
        }
    }

    fn blank() -> Self {
        RegionForm {
            active: Some("1".into()),
            ..Default::default()
        }
    }

    async fn choices(_: &AppState, ctx: &Ctx) -> Result<(), AppError> {
        require_admin(ctx)
    }

    async fn load(state: &AppState, _: &Ctx, id: i64) -> Result<Self, AppError> {
        let r = state
            .db
            .read(move |c| store::region(c, id).map_err(AppError::from))
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(RegionForm {
            name: r.name,
            active: r.active.then(|| "1".into()),
        })
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let name = crate::check::name(&self.name)
            .map_err(|m| FieldErrors::from_list(ctx.lang, [("name", m)]))?;
        let active = self.active.is_some();
        ctx.change(&state.db, move |w| {
            actions::save_region(w, id, &name, active)
        })
        .await
        .map_err(|e| refusal(ctx.lang, e, |_| ("name", msg!("org.error_region_exists"))))?;
        Ok("/org?msg=common.saved".into())
    }

    fn fields(&self, ctx: &Ctx, id: Option<i64>, _: &(), errors: &FieldErrors) -> Markup {
        let lang = ctx.lang;
        html! {
            (text_field(lang.t("common.name"), "name", &self.name, errors, FieldAttrs::required()))
            (active_field(ctx, id, self.active.is_some()))
        }
    }
}

// ---- Administrations ----

/// Administration form fields.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct AdministrationForm {
    #[serde(default)]
    region_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    active: Option<String>,
}

impl EditForm<AppState> for AdministrationForm {
    type Ctx = Ctx;
    /// The regions to pick from.
    type Choices = Vec<store::Region>;

    const TITLE_NEW: &'static str = "org.new_administration";
    const TITLE_EDIT: &'static str = "org.edit_administration";

    fn action(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/org/administrations/{id}/edit"),
            None => "/org/administrations/new".into(),
        }
    }

    fn blank() -> Self {
        AdministrationForm {
            active: Some("1".into()),
            ..Default::default()
        }
    }

    async fn choices(state: &AppState, ctx: &Ctx) -> Result<Vec<store::Region>, AppError> {
        require_admin(ctx)?;
        state
            .db
            .read(|c| store::regions(c).map_err(AppError::from))
            .await
    }

    async fn load(state: &AppState, _: &Ctx, id: i64) -> Result<Self, AppError> {
        let a = state
            .db
            .read(move |c| store::administration(c, id).map_err(AppError::from))
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(AdministrationForm {
            region_id: a.region_id.to_string(),
            name: a.name,
            active: a.active.then(|| "1".into()),
        })
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let mut errors = FieldErrors::new(ctx.lang);
        let name = crate::check::name(&self.name).map_err(|m| errors.add("name", m));
        let region_id = chosen(&self.region_id)
            .ok_or_else(|| errors.add("region_id", msg!("org.error_choose_region")));
        let (Ok(name), Ok(region_id)) = (name, region_id) else {
            return Err(Refused::Fields(errors));
        };
        let active = self.active.is_some();
        ctx.change(&state.db, move |w| {
            actions::save_administration(w, id, region_id, &name, active)
        })
        .await
        .map_err(|e| {
            refusal(ctx.lang, e, |_| {
                ("name", msg!("org.error_administration_exists"))
            })
        })?;
        Ok("/org?msg=common.saved".into())
    }

    fn fields(
        &self,
        ctx: &Ctx,
        id: Option<i64>,
        regions: &Vec<store::Region>,
        errors: &FieldErrors,
    ) -> Markup {
        let lang = ctx.lang;
        let regions = options(regions, |r| r.id, |r| r.name.clone());
        html! {
            (select_field(lang.t("org.region"), "region_id", &regions, &self.region_id, errors))
            (text_field(lang.t("common.name"), "name", &self.name, errors, FieldAttrs::required()))
            (active_field(ctx, id, self.active.is_some()))
        }
    }
}

// ---- Units ----

/// Unit form fields.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct UnitForm {
    #[serde(default)]
    administration_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    gives_chemotherapy: Option<String>,
    #[serde(default)]
    trainee_capacity: String,
    #[serde(default)]
    active: Option<String>,
}

impl UnitForm {
    /// The unit the form describes, or a message for each field to fix.
    fn input(&self, errors: &mut FieldErrors) -> Option<UnitInput> {
        let administration_id = chosen(&self.administration_id).ok_or_else(|| {
            errors.add("administration_id", msg!("org.error_choose_administration"))
        });
        let code = model::unit_code(&self.code).map_err(|m| errors.add("code", m));
        let name = crate::check::name(&self.name).map_err(|m| errors.add("name", m));
        let capacity = model::trainee_capacity(&self.trainee_capacity)
            .map_err(|m| errors.add("trainee_capacity", m));
        Some(UnitInput {
            administration_id: administration_id.ok()?,
            code: code.ok()?,
            name: name.ok()?,
            gives_chemotherapy: self.gives_chemotherapy.is_some(),
            trainee_capacity: capacity.ok()?,
        })
    }
}

impl EditForm<AppState> for UnitForm {
    type Ctx = Ctx;
    /// The administrations to pick from.
    type Choices = Vec<store::Administration>;

    const TITLE_NEW: &'static str = "org.new_unit";
    const TITLE_EDIT: &'static str = "org.edit_unit";

    fn action(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/org/units/{id}/edit"),
            None => "/org/units/new".into(),
        }
    }

    fn blank() -> Self {
        UnitForm {
            active: Some("1".into()),
            ..Default::default()
        }
    }

    async fn choices(state: &AppState, ctx: &Ctx) -> Result<Vec<store::Administration>, AppError> {
        require_admin(ctx)?;
        state
            .db
            .read(|c| store::administrations(c, None).map_err(AppError::from))
            .await
    }

    async fn load(state: &AppState, ctx: &Ctx, id: i64) -> Result<Self, AppError> {
        let today = ctx.today;
        let u = state
            .db
            .read(move |c| store::unit(c, id, today).map_err(AppError::from))
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(UnitForm {
            administration_id: u.administration_id.to_string(),
            code: u.code,
            name: u.name,
            gives_chemotherapy: u.gives_chemotherapy.then(|| "1".into()),
            trainee_capacity: u
                .trainee_capacity
                .map(|c| c.to_string())
                .unwrap_or_default(),
            active: u.active.then(|| "1".into()),
        })
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let mut errors = FieldErrors::new(ctx.lang);
        let Some(input) = self.input(&mut errors) else {
            return Err(Refused::Fields(errors));
        };
        let (active, today) = (self.active.is_some(), ctx.today);
        let uid = ctx
            .change(&state.db, move |w| {
                actions::save_unit(w, id, &input, active, today)
            })
            .await
            .map_err(|e| refusal(ctx.lang, e, |_| ("code", msg!("org.error_code_taken"))))?;
        Ok(format!("/org/units/{uid}"))
    }

    fn fields(
        &self,
        ctx: &Ctx,
        id: Option<i64>,
        administrations: &Vec<store::Administration>,
        errors: &FieldErrors,
    ) -> Markup {
        let lang = ctx.lang;
        let administrations = options(
            administrations,
            |a| a.id,
            |a| format!("{} – {}", a.region_name, a.name),
        );
        html! {
            (select_field(lang.t("org.administration"), "administration_id", &administrations, &self.administration_id, errors))
            (text_field(lang.t("org.code"), "code", &self.code, errors, FieldAttrs::required()))
            (text_field(lang.t("common.name"), "name", &self.name, errors, FieldAttrs::required()))
            (checkbox(lang.t("org.gives_chemo"), "gives_chemotherapy", self.gives_chemotherapy.is_some()))
            (text_field(lang.t("org.trainee_capacity"), "trainee_capacity", &self.trainee_capacity, errors, FieldAttrs::optional().kind("number")))
            (active_field(ctx, id, self.active.is_some()))
        }
    }
}
