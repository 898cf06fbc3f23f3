//! Organisation and staff pages: browse, search, create, edit, deactivate, and
//! the CSV imports with preview.

use crate::auth::Ctx;
use crate::web::Path;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::actions;
use super::import::{self, ImportKind, Outcome};
use super::model::{self, Profession};
use super::store::{self, PeopleQuery, UnitInput, UnitQuery};
use crate::AppState;
use crate::audit::audited;
use crate::auth::model::{Role, UnitFilter};
use crate::i18n::{Lang, Msg};
use crate::msg;
use crate::web::edit::{EditForm, Refused};
use crate::web::layout::{self, FieldAttrs, checkbox, csrf_field, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Form, Query};

use super::READERS as ORG_READERS;

fn yes_no(lang: Lang, v: bool) -> &'static str {
    lang.t(if v { "common.yes" } else { "common.no" })
}

fn active_badge(lang: Lang, active: bool) -> Markup {
    if active {
        layout::badge(lang.t("common.active"), "ok")
    } else {
        layout::badge(lang.t("common.inactive"), "muted")
    }
}

/// Maps a UNIQUE failure to a field message; other errors pass through.
fn unique_to_field(
    e: AppError,
    errors: &mut FieldErrors,
    field: &'static str,
    message: &str,
) -> Result<(), AppError> {
    match e {
        AppError::Duplicate { .. } | AppError::Conflict(_) => {
            errors.add(field, message.to_string());
            Ok(())
        }
        other => Err(other),
    }
}

// ---- Overview ----

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
    let (unit, people) = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let unit = store::unit(conn, id, today)?.ok_or(AppError::NotFound)?;
            let people = if show_staff {
                let q = PeopleQuery {
                    unit: unit.code.clone(),
                    ..Default::default()
                };
                store::search_people(conn, &q, &UnitFilter::All, None, today, 1, 500)?.0
            } else {
                Vec::new()
            };
            Ok((unit, people))
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
                dt { (lang.t("org.gives_chemo")) } dd { (yes_no(lang, unit.gives_chemotherapy)) }
                dt { (lang.t("org.trainee_capacity")) } dd { (unit.trainee_capacity.map(|c| c.to_string()).unwrap_or_else(|| "–".into())) }
                dt { (lang.t("common.status")) } dd { (active_badge(lang, unit.active)) }
            }
            @if user.is_admin() { p { a.button href=(format!("/org/units/{}/edit", unit.id)) { (lang.t("common.edit")) } } } }
            @if show_staff {
                h2 { (lang.t("org.staff_count")) " (" (people.len()) ")" }
                (people_table(lang, &people, today))
            }
        },
    ))
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
        ctx.require(&[Role::Admin]).map(|_| ())
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
        .map_err(|e| duplicate_as(ctx.lang, e, "name", msg!("org.error_region_exists")))?;
        Ok("/org?msg=common.saved".into())
    }

    fn fields(&self, ctx: &Ctx, id: Option<i64>, _: &(), errors: &FieldErrors) -> Markup {
        let lang = ctx.lang;
        html! {
            (text_field(lang.t("common.name"), "name", &self.name, errors, FieldAttrs::required()))
            @if id.is_some() { (checkbox(lang.t("common.active"), "active", self.active.is_some())) } @else { input type="hidden" name="active" value="1"; }
        }
    }
}

/// A taken unique value as `message` beside `field`; other errors pass.
fn duplicate_as(lang: Lang, e: AppError, field: &'static str, message: Msg) -> Refused {
    match e {
        AppError::Duplicate { .. } => {
            Refused::Fields(FieldErrors::from_list(lang, [(field, message)]))
        }
        other => Refused::Error(other),
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

fn administration_view(
    ctx: &Ctx,
    id: Option<i64>,
    regions: &[store::Region],
    form: &AdministrationForm,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let (title, action) = match id {
        Some(id) => (
            lang.t("org.edit_administration"),
            format!("/org/administrations/{id}/edit"),
        ),
        None => (
            lang.t("org.new_administration"),
            "/org/administrations/new".to_string(),
        ),
    };
    let options: Vec<(String, String)> = regions
        .iter()
        .map(|r| (r.id.to_string(), r.name.clone()))
        .collect();
    page(
        ctx,
        title,
        html! { div.card {
            (layout::form_errors(lang, errors))
            form method="post" action=(action) {
                (csrf_field(ctx))
                (select_field(lang.t("org.region"), "region_id", &options, &form.region_id, errors))
                (text_field(lang.t("common.name"), "name", &form.name, errors, FieldAttrs::required()))
                @if id.is_some() { (checkbox(lang.t("common.active"), "active", form.active.is_some())) } @else { input type="hidden" name="active" value="1"; }
                button type="submit" { (lang.t("common.save")) }
            }
        } },
    )
}

/// `GET /org/administrations/new`.
pub async fn new_administration_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let regions = state
        .db
        .read(|c| store::regions(c).map_err(AppError::from))
        .await?;
    Ok(administration_view(
        &ctx,
        None,
        &regions,
        &AdministrationForm {
            active: Some("1".into()),
            ..Default::default()
        },
        &FieldErrors::new(ctx.lang),
    ))
}

/// `GET /org/administrations/{id}/edit`.
pub async fn edit_administration_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let (regions, a) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            Ok((
                store::regions(c)?,
                store::administration(c, id)?.ok_or(AppError::NotFound)?,
            ))
        })
        .await?;
    let form = AdministrationForm {
        region_id: a.region_id.to_string(),
        name: a.name,
        active: a.active.then(|| "1".into()),
    };
    Ok(administration_view(
        &ctx,
        Some(id),
        &regions,
        &form,
        &FieldErrors::new(ctx.lang),
    ))
}

async fn save_administration(
    state: AppState,
    ctx: Ctx,
    id: Option<i64>,
    form: AdministrationForm,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new(ctx.lang);
    let name = crate::check::name(&form.name).unwrap_or_else(|m| {
        errors.add("name", m);
        String::new()
    });
    let regions = state
        .db
        .read(|c| store::regions(c).map_err(AppError::from))
        .await?;
    let region_id = form
        .region_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|r| regions.iter().any(|x| x.id == *r));
    if region_id.is_none() {
        errors.add("region_id", "choose a region / välj en region");
    }
    if let (true, Some(region_id)) = (errors.is_empty(), region_id) {
        let active = form.active.is_some();
        let n = name.clone();
        let result = audited(
            &state,
            &ctx,
            if id.is_some() {
                "administration.update"
            } else {
                "administration.create"
            },
            "administration",
            move |tx| {
                let before = match id {
                    Some(id) => Some(json!(
                        store::administration(tx, id)?.ok_or(AppError::NotFound)?
                    )),
                    None => None,
                };
                let aid = match id {
                    Some(id) => {
                        store::update_administration(tx, id, region_id, &n, active)
                            .map_err(AppError::conflict_on_unique)?;
                        id
                    }
                    None => store::create_administration(tx, region_id, &n)
                        .map_err(AppError::conflict_on_unique)?,
                };
                Ok((
                    (),
                    Some(aid),
                    before,
                    json!({"region_id": region_id, "name": n, "active": active}),
                ))
            },
        )
        .await;
        match result {
            Ok(()) => return Ok(crate::web::see_other("/org?msg=common.saved")),
            Err(e) => unique_to_field(
                e,
                &mut errors,
                "name",
                "the region already has an administration with this name / regionen har redan en förvaltning med detta namn",
            )?,
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        administration_view(&ctx, id, &regions, &form, &errors),
    )
        .into_response())
}

/// `POST /org/administrations/new`.
pub async fn create_administration(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<AdministrationForm>,
) -> Result<Response, AppError> {
    save_administration(state, ctx, None, form).await
}

/// `POST /org/administrations/{id}/edit`.
pub async fn update_administration(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<AdministrationForm>,
) -> Result<Response, AppError> {
    save_administration(state, ctx, Some(id), form).await
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

fn unit_view(
    ctx: &Ctx,
    id: Option<i64>,
    admins: &[store::Administration],
    form: &UnitForm,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let (title, action) = match id {
        Some(id) => (lang.t("org.edit_unit"), format!("/org/units/{id}/edit")),
        None => (lang.t("org.new_unit"), "/org/units/new".to_string()),
    };
    let options: Vec<(String, String)> = admins
        .iter()
        .map(|a| (a.id.to_string(), format!("{} – {}", a.region_name, a.name)))
        .collect();
    page(
        ctx,
        title,
        html! { div.card {
            (layout::form_errors(lang, errors))
            form method="post" action=(action) {
                (csrf_field(ctx))
                (select_field(lang.t("org.administration"), "administration_id", &options, &form.administration_id, errors))
                (text_field(lang.t("org.code"), "code", &form.code, errors, FieldAttrs::required()))
                (text_field(lang.t("common.name"), "name", &form.name, errors, FieldAttrs::required()))
                (checkbox(lang.t("org.gives_chemo"), "gives_chemotherapy", form.gives_chemotherapy.is_some()))
                (text_field(lang.t("org.trainee_capacity"), "trainee_capacity", &form.trainee_capacity, errors, FieldAttrs::optional().kind("number")))
                @if id.is_some() { (checkbox(lang.t("common.active"), "active", form.active.is_some())) } @else { input type="hidden" name="active" value="1"; }
                button type="submit" { (lang.t("common.save")) }
            }
        } },
    )
}

/// `GET /org/units/new`.
pub async fn new_unit_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let admins = state
        .db
        .read(|c| store::administrations(c, None).map_err(AppError::from))
        .await?;
    Ok(unit_view(
        &ctx,
        None,
        &admins,
        &UnitForm {
            active: Some("1".into()),
            ..Default::default()
        },
        &FieldErrors::new(ctx.lang),
    ))
}

/// `GET /org/units/{id}/edit`.
pub async fn edit_unit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let today = ctx.today;
    let (admins, u) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            Ok((
                store::administrations(c, None)?,
                store::unit(c, id, today)?.ok_or(AppError::NotFound)?,
            ))
        })
        .await?;
    let form = UnitForm {
        administration_id: u.administration_id.to_string(),
        code: u.code,
        name: u.name,
        gives_chemotherapy: u.gives_chemotherapy.then(|| "1".into()),
        trainee_capacity: u
            .trainee_capacity
            .map(|c| c.to_string())
            .unwrap_or_default(),
        active: u.active.then(|| "1".into()),
    };
    Ok(unit_view(
        &ctx,
        Some(id),
        &admins,
        &form,
        &FieldErrors::new(ctx.lang),
    ))
}

async fn save_unit(
    state: AppState,
    ctx: Ctx,
    id: Option<i64>,
    form: UnitForm,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new(ctx.lang);
    let admins = state
        .db
        .read(|c| store::administrations(c, None).map_err(AppError::from))
        .await?;
    let administration_id = form
        .administration_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|a| admins.iter().any(|x| x.id == *a));
    if administration_id.is_none() {
        errors.add(
            "administration_id",
            "choose an administration / välj en förvaltning",
        );
    }
    let code = form.code.trim().to_string();
    if code.is_empty()
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.".contains(c))
    {
        errors.add("code", "letters, digits, - _ . and at most 32 characters / bokstäver, siffror, - _ . och högst 32 tecken");
    }
    let name = crate::check::name(&form.name).unwrap_or_else(|m| {
        errors.add("name", m);
        String::new()
    });
    let capacity = match form.trainee_capacity.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) if (0..=1000).contains(&n) => Some(n),
            _ => {
                errors.add(
                    "trainee_capacity",
                    "a whole number from 0 to 1000 / ett heltal från 0 till 1000",
                );
                None
            }
        },
    };
    if let (true, Some(administration_id)) = (errors.is_empty(), administration_id) {
        let input = UnitInput {
            administration_id,
            code,
            name,
            gives_chemotherapy: form.gives_chemotherapy.is_some(),
            trainee_capacity: capacity,
        };
        let active = form.active.is_some();
        let today = ctx.today;
        let result = audited(
            &state,
            &ctx,
            if id.is_some() {
                "unit.update"
            } else {
                "unit.create"
            },
            "unit",
            move |tx| {
                let before = match id {
                    Some(id) => Some(json!(
                        store::unit(tx, id, today)?.ok_or(AppError::NotFound)?
                    )),
                    None => None,
                };
                let uid = match id {
                    Some(id) => {
                        store::update_unit(tx, id, &input, active)
                            .map_err(AppError::conflict_on_unique)?;
                        id
                    }
                    None => store::create_unit(tx, &input).map_err(AppError::conflict_on_unique)?,
                };
                Ok((
                    uid,
                    Some(uid),
                    before,
                    json!({"unit": input, "active": active}),
                ))
            },
        )
        .await;
        match result {
            Ok(uid) => return Ok(crate::web::see_other(&format!("/org/units/{uid}"))),
            Err(e) => unique_to_field(
                e,
                &mut errors,
                "code",
                "another unit has this code / en annan enhet har denna kod",
            )?,
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        unit_view(&ctx, id, &admins, &form, &errors),
    )
        .into_response())
}

/// `POST /org/units/new`.
pub async fn create_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<UnitForm>,
) -> Result<Response, AppError> {
    save_unit(state, ctx, None, form).await
}

/// `POST /org/units/{id}/edit`.
pub async fn update_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<UnitForm>,
) -> Result<Response, AppError> {
    save_unit(state, ctx, Some(id), form).await
}

// ---- People ----

const PEOPLE_PER_PAGE: u32 = 50;

fn people_table(lang: Lang, people: &[store::Person], today: NaiveDate) -> Markup {
    html! {
        div.table-wrap tabindex="0" { table {
            thead { tr {
                th { (lang.t("common.name")) } th { (lang.t("people.hsa_id")) } th { (lang.t("common.email")) }
                th { (lang.t("people.profession")) } th { (lang.t("people.unit")) } th { (lang.t("common.status")) }
            } }
            tbody { @for p in people { tr {
                td { a href=(format!("/people/{}", p.id)) { (p.name) } }
                td { (p.hsa_id.as_deref().unwrap_or("")) }
                td { (p.email) }
                td { (lang.t(p.profession.label_key())) }
                td { (p.unit_code) " " span.muted { (p.unit_name) } }
                td { @if p.active_on(today) { (active_badge(lang, true)) } @else { (layout::badge(lang.t("people.left"), "muted")) " " (p.left_on.map(|d| d.to_string()).unwrap_or_default()) } }
            } } }
        } }
    }
}

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
    let page_no = q.page.unwrap_or(1).max(1);
    let today = ctx.today;
    let query = q.clone();
    let (people, total) = state
        .db
        .read(move |conn| {
            store::search_people(
                conn,
                &query,
                &user.people_filter(),
                user.person_id,
                today,
                page_no,
                PEOPLE_PER_PAGE,
            )
            .map_err(AppError::from)
        })
        .await?;
    let lang = ctx.lang;
    let errors = FieldErrors::new(ctx.lang);
    let qs = people_query_string(&q);
    Ok(page(
        &ctx,
        lang.t("people.title"),
        html! {
            form.filters method="get" action="/people" role="search" {
                (text_field(lang.t("common.search"), "q", &q.q, &errors, FieldAttrs::optional().kind("search").placeholder("Namn, e-post, HSA-id")))
                (text_field(lang.t("people.unit"), "unit", &q.unit, &errors, FieldAttrs::optional()))
                (select_field(lang.t("people.profession"), "profession", &profession_options(lang, true), &q.profession, &errors))
                (checkbox(lang.t("people.include_left"), "include_left", q.include_left.is_some()))
                button type="submit" { (lang.t("common.search")) }
            }
            @if ctx.user.as_ref().is_some_and(|u| u.is_admin()) { p { a.button href="/people/new" { (lang.t("people.new")) } } }
            (people_table(lang, &people, today))
            (layout::pager(lang, &format!("/people?{qs}"), page_no, PEOPLE_PER_PAGE, total))
        },
    ))
}

/// `GET /people/{id}`: a person, their history, and for administrators the forms
/// to change unit or profession, mark leaving, or rehire.
pub async fn person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let (person, history, units) = load_person(&state, id, user.is_admin()).await?;
    if !user.may_see_person(person.id, person.unit_id) {
        return Err(AppError::NotFound);
    }
    Ok(person_view(
        &ctx,
        &person,
        &history,
        &units,
        &FieldErrors::new(ctx.lang),
        &AssignmentForm::default(),
    ))
}

/// A person, their history, and the unit list the administrators' forms pick
/// from (`with_units`; the list counts each unit's staff, so it is only read
/// when a form shows it).
async fn load_person(
    state: &AppState,
    id: i64,
    with_units: bool,
) -> Result<(store::Person, Vec<store::Employment>, Vec<store::Unit>), AppError> {
    state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let p = store::person(conn, id)?.ok_or(AppError::NotFound)?;
            let h = store::employment(conn, id)?;
            let u = if with_units {
                store::units(conn, &UnitQuery::default(), NaiveDate::MIN)?
            } else {
                Vec::new()
            };
            Ok((p, h, u))
        })
        .await
}

fn unit_options(units: &[store::Unit]) -> Vec<(String, String)> {
    units
        .iter()
        .map(|u| {
            (
                u.id.to_string(),
                format!("{} {} ({})", u.code, u.name, u.administration_name),
            )
        })
        .collect()
}

fn person_view(
    ctx: &Ctx,
    p: &store::Person,
    history: &[store::Employment],
    units: &[store::Unit],
    errors: &FieldErrors,
    form: &AssignmentForm,
) -> Markup {
    let lang = ctx.lang;
    let admin = ctx.user.as_ref().is_some_and(|u| u.is_admin());
    let active = p.active_on(ctx.today);
    let today = ctx.today.to_string();
    page(
        ctx,
        &p.name,
        html! {
            (layout::form_errors(lang, errors))
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
                tbody { @for e in history { tr {
                    td { (e.valid_from) }
                    td { @match e.valid_to { Some(t) => { (t.pred_opt().unwrap_or(t)) }, None => { span.muted { (lang.t("people.ongoing")) } } } }
                    td { (e.unit_code) " " (e.unit_name) }
                    td { (lang.t(e.profession.label_key())) }
                } } }
            } }
            @if admin {
                @if p.left_on.is_none() {
                    h2 { (lang.t("people.edit")) }
                    div.card {
                        p.muted { (lang.t("people.move_hint")) }
                        form method="post" action=(format!("/people/{}/assignment", p.id)) {
                            (csrf_field(ctx))
                            (select_field(lang.t("people.unit"), "unit_id", &unit_options(units), if form.unit_id.is_empty() { p.unit_id.to_string() } else { form.unit_id.clone() }.as_str(), errors))
                            (select_field(lang.t("people.profession"), "profession", &profession_options(lang, false), if form.profession.is_empty() { p.profession.as_str() } else { &form.profession }, errors))
                            (text_field(lang.t("people.effective_from"), "effective_from", if form.effective_from.is_empty() { &today } else { &form.effective_from }, errors, FieldAttrs::required().kind("date")))
                            button type="submit" { (lang.t("common.save")) }
                        }
                    }
                    h2 { (lang.t("people.mark_left")) }
                    div.card {
                        form method="post" action=(format!("/people/{}/leave", p.id)) {
                            (csrf_field(ctx))
                            (text_field(lang.t("people.left_on"), "left_on", &today, errors, FieldAttrs::required().kind("date")))
                            button.danger type="submit" { (lang.t("people.mark_left")) }
                        }
                    }
                } @else {
                    h2 { (lang.t("people.rejoin")) }
                    div.card {
                        form method="post" action=(format!("/people/{}/rejoin", p.id)) {
                            (csrf_field(ctx))
                            (select_field(lang.t("people.unit"), "unit_id", &unit_options(units), &p.unit_id.to_string(), errors))
                            (select_field(lang.t("people.profession"), "profession", &profession_options(lang, false), p.profession.as_str(), errors))
                            (text_field(lang.t("people.effective_from"), "effective_from", &today, errors, FieldAttrs::required().kind("date")))
                            button type="submit" { (lang.t("people.rejoin")) }
                        }
                    }
                }
            }
        },
    )
}

/// Fields of the unit/profession change and rehire forms.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct AssignmentForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    profession: String,
    #[serde(default)]
    effective_from: String,
}

fn parse_assignment(
    form: &AssignmentForm,
    units: &[store::Unit],
    errors: &mut FieldErrors,
) -> Option<(i64, Profession, NaiveDate)> {
    let unit = form
        .unit_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|u| units.iter().any(|x| x.id == *u));
    if unit.is_none() {
        errors.add("unit_id", "choose a unit / välj en enhet");
    }
    let profession = Profession::parse(&form.profession);
    if profession.is_none() {
        errors.add("profession", "choose a profession / välj ett yrke");
    }
    let date = crate::check::date(&form.effective_from);
    if date.is_none() {
        errors.add("effective_from", "a date YYYY-MM-DD / ett datum ÅÅÅÅ-MM-DD");
    }
    Some((unit?, profession?, date?))
}

/// Which history change a form asks for.
#[derive(Clone, Copy)]
enum HistoryChange {
    Move,
    Rejoin,
}

async fn change_history(
    state: AppState,
    ctx: Ctx,
    id: i64,
    form: AssignmentForm,
    change: HistoryChange,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let (person, history, units) = load_person(&state, id, true).await?;
    let mut errors = FieldErrors::new(ctx.lang);
    let parsed = parse_assignment(&form, &units, &mut errors);
    // History is recorded as it happens: a move or rehire dated ahead would
    // move the person in today's lists at once.
    if parsed.is_some_and(|(_, _, date)| date > ctx.today) {
        errors.add(
            "effective_from",
            "cannot be in the future / kan inte ligga i framtiden",
        );
    }
    if let (true, Some((unit_id, profession, date))) = (errors.is_empty(), parsed) {
        let (action, after) = match change {
            HistoryChange::Move => (
                "person.move",
                json!({"unit_id": unit_id, "profession": profession, "from": date}),
            ),
            HistoryChange::Rejoin => (
                "person.rejoin",
                json!({"unit_id": unit_id, "profession": profession, "from": date}),
            ),
        };
        let before = json!(person);
        let result = audited(&state, &ctx, action, "person", move |tx| {
            let outcome = match change {
                HistoryChange::Move => {
                    store::change_assignment(tx, id, unit_id, profession, date)?.map(|_| ())
                }
                HistoryChange::Rejoin => store::rejoin(tx, id, unit_id, profession, date)?,
            };
            match outcome {
                Ok(()) => Ok(((), Some(id), Some(before), after)),
                Err(m) => Err(AppError::unprocessable("effective_from", m)),
            }
        })
        .await;
        match result {
            Ok(()) => return Ok(crate::web::see_other(&format!("/people/{id}"))),
            Err(AppError::Unprocessable { field: _, message }) => {
                errors.add("effective_from", message)
            }
            Err(e) => return Err(e),
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        person_view(&ctx, &person, &history, &units, &errors, &form),
    )
        .into_response())
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

/// Leaving form field.
#[derive(Debug, Deserialize)]
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
    let (person, history, units) = load_person(&state, id, true).await?;
    let mut errors = FieldErrors::new(ctx.lang);
    match crate::check::date(&form.left_on) {
        None => errors.add("left_on", "a date YYYY-MM-DD / ett datum ÅÅÅÅ-MM-DD"),
        Some(date) => {
            let before = json!(person);
            let result =
                audited(
                    &state,
                    &ctx,
                    "person.leave",
                    "person",
                    move |tx| match store::mark_left(tx, id, date)? {
                        Ok(()) => Ok(((), Some(id), Some(before), json!({"left_on": date}))),
                        Err(m) => Err(AppError::unprocessable("left_on", m)),
                    },
                )
                .await;
            match result {
                Ok(()) => return Ok(crate::web::see_other(&format!("/people/{id}"))),
                Err(AppError::Unprocessable { message, .. }) => errors.add("left_on", message),
                Err(e) => return Err(e),
            }
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        person_view(
            &ctx,
            &person,
            &history,
            &units,
            &errors,
            &AssignmentForm::default(),
        ),
    )
        .into_response())
}

/// Fields of the new-person and edit-person forms.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct PersonForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    hsa_id: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    profession: String,
    #[serde(default)]
    employed_from: String,
}

fn person_form_view(
    ctx: &Ctx,
    id: Option<i64>,
    units: &[store::Unit],
    form: &PersonForm,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let (title, action) = match id {
        Some(id) => (lang.t("people.edit"), format!("/people/{id}/edit")),
        None => (lang.t("people.new"), "/people/new".to_string()),
    };
    page(
        ctx,
        title,
        html! { div.card {
            (layout::form_errors(lang, errors))
            form method="post" action=(action) {
                (csrf_field(ctx))
                (text_field(lang.t("common.name"), "name", &form.name, errors, FieldAttrs::required()))
                (text_field(lang.t("common.email"), "email", &form.email, errors, FieldAttrs::required().kind("email")))
                (text_field(lang.t("people.hsa_id"), "hsa_id", &form.hsa_id, errors, FieldAttrs::optional().placeholder("SE2321000131-E000000012345")))
                @if id.is_none() {
                    (select_field(lang.t("people.unit"), "unit_id", &unit_options(units), &form.unit_id, errors))
                    (select_field(lang.t("people.profession"), "profession", &profession_options(lang, false), &form.profession, errors))
                    (text_field(lang.t("people.employed_from"), "employed_from", &form.employed_from, errors, FieldAttrs::required().kind("date")))
                }
                button type="submit" { (lang.t("common.save")) }
            }
        } },
    )
}

/// `GET /people/new`.
pub async fn new_person_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let units = state
        .db
        .read(|c| store::units(c, &UnitQuery::default(), NaiveDate::MIN).map_err(AppError::from))
        .await?;
    let form = PersonForm {
        employed_from: ctx.today.to_string(),
        profession: "nurse".into(),
        ..Default::default()
    };
    Ok(person_form_view(
        &ctx,
        None,
        &units,
        &form,
        &FieldErrors::new(ctx.lang),
    ))
}

/// `GET /people/{id}/edit`.
pub async fn edit_person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let (p, _, units) = load_person(&state, id, false).await?;
    let form = PersonForm {
        name: p.name,
        email: p.email,
        hsa_id: p.hsa_id.unwrap_or_default(),
        ..Default::default()
    };
    Ok(person_form_view(
        &ctx,
        Some(id),
        &units,
        &form,
        &FieldErrors::new(ctx.lang),
    ))
}

fn check_identity(form: &PersonForm, errors: &mut FieldErrors) -> (String, String, Option<String>) {
    let name = crate::check::name(&form.name).unwrap_or_else(|m| {
        errors.add("name", m);
        String::new()
    });
    let email = crate::check::email(&form.email).unwrap_or_else(|m| {
        errors.add("email", m);
        String::new()
    });
    let hsa = match form.hsa_id.trim() {
        "" => None,
        s => match model::normalise_hsa_id(s) {
            Ok(h) => Some(h),
            Err(m) => {
                errors.add("hsa_id", m);
                None
            }
        },
    };
    (name, email, hsa)
}

fn identity_conflict(e: AppError, errors: &mut FieldErrors) -> Result<(), AppError> {
    match e {
        AppError::Duplicate { constraint } if constraint.contains("hsa_id") => {
            errors.add(
                "hsa_id",
                "another person has this HSA-id / en annan person har detta HSA-id",
            );
            Ok(())
        }
        AppError::Duplicate { .. } => {
            errors.add(
                "email",
                "another person has this e-mail / en annan person har denna e-post",
            );
            Ok(())
        }
        other => Err(other),
    }
}

/// `POST /people/new`.
pub async fn create_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PersonForm>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let units = state
        .db
        .read(|c| store::units(c, &UnitQuery::default(), NaiveDate::MIN).map_err(AppError::from))
        .await?;
    let mut errors = FieldErrors::new(ctx.lang);
    let (name, email, hsa_id) = check_identity(&form, &mut errors);
    let assignment = parse_assignment(
        &AssignmentForm {
            unit_id: form.unit_id.clone(),
            profession: form.profession.clone(),
            effective_from: form.employed_from.clone(),
        },
        &units,
        &mut errors,
    );
    if let (true, Some((unit_id, profession, from))) = (errors.is_empty(), assignment) {
        if from > ctx.today {
            errors.add(
                "employed_from",
                "cannot be in the future / kan inte ligga i framtiden",
            );
        } else {
            let p = store::NewPerson {
                name,
                email,
                hsa_id,
                profession,
                unit_id,
                from,
            };
            let now = ctx.now;
            let result = audited(&state, &ctx, "person.create", "person", move |tx| {
                let id = store::create_person(tx, &p, now).map_err(AppError::conflict_on_unique)?;
                Ok((id, Some(id), None, json!(p)))
            })
            .await;
            match result {
                Ok(id) => return Ok(crate::web::see_other(&format!("/people/{id}"))),
                Err(e) => identity_conflict(e, &mut errors)?,
            }
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        person_form_view(&ctx, None, &units, &form, &errors),
    )
        .into_response())
}

/// `POST /people/{id}/edit`: name, e-mail, HSA-id.
pub async fn update_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PersonForm>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let (person, _, units) = load_person(&state, id, false).await?;
    let mut errors = FieldErrors::new(ctx.lang);
    let (name, email, hsa_id) = check_identity(&form, &mut errors);
    if errors.is_empty() {
        let before = json!(person);
        let result = audited(&state, &ctx, "person.update", "person", move |tx| {
            store::update_person_details(tx, id, &name, &email, hsa_id.as_deref())
                .map_err(AppError::conflict_on_unique)?;
            Ok((
                (),
                Some(id),
                Some(before),
                json!({"name": name, "email": email, "hsa_id": hsa_id}),
            ))
        })
        .await;
        match result {
            Ok(()) => return Ok(crate::web::see_other(&format!("/people/{id}"))),
            Err(e) => identity_conflict(e, &mut errors)?,
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        person_form_view(&ctx, Some(id), &units, &form, &errors),
    )
        .into_response())
}

// ---- Imports ----

/// `GET /import`: the two upload forms.
pub async fn import_page(ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    Ok(page(
        &ctx,
        ctx.t("import.title"),
        html! {
            (upload_form(&ctx, ImportKind::Units))
            (upload_form(&ctx, ImportKind::Staff))
            section.card {
                h2 { (ctx.t("completions_import.title")) }
                p {
                    a href="/import/completions" { (ctx.t("completions_import.title")) }
                    " · "
                    a href="/import/batches" { (ctx.t("completions_import.batches")) }
                }
            }
        },
    ))
}

fn upload_form(ctx: &Ctx, kind: ImportKind) -> Markup {
    let lang = ctx.lang;
    let (title, help) = match kind {
        ImportKind::Units => (lang.t("import.units"), lang.t("import.units_help")),
        ImportKind::Staff => (lang.t("import.staff"), lang.t("import.staff_help")),
    };
    let id = format!("file-{}", kind.as_str());
    html! {
        section.card {
            h2 { (title) }
            p.muted { (help) }
            form method="post" action=(format!("/import/{}", kind.as_str())) enctype="multipart/form-data" {
                (csrf_field(ctx))
                input type="hidden" name="action" value="preview";
                div.field {
                    label for=(id) { (lang.t("import.file")) }
                    input id=(id) type="file" name="file" accept=".csv,text/csv" required;
                }
                button type="submit" { (lang.t("import.preview")) }
            }
        }
    }
}

async fn run_import(
    state: AppState,
    ctx: Ctx,
    kind: ImportKind,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let mut content: Option<Vec<u8>> = None;
    let mut apply = false;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::bad_request("file", e.body_text()))?
    {
        match field.name() {
            Some("file") | Some("content") => {
                content = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| AppError::bad_request("file", e.body_text()))?
                        .to_vec(),
                );
            }
            Some("action") => apply = field.text().await.unwrap_or_default() == "apply",
            _ => {}
        }
    }
    let content = content
        .filter(|c| !c.is_empty())
        .ok_or_else(|| AppError::bad_request("file", "choose a CSV file / välj en CSV-fil"))?;
    let (actor, now, today) = (ctx.actor(), ctx.now, ctx.today);
    let bytes = content.clone();
    let outcome = state
        .db
        .write(move |tx| {
            import::run_in(tx, kind, &bytes, !apply, &actor, now, today).map_err(|e| match e {
                import::ApplyError::Db(e) => AppError::from(e),
                import::ApplyError::Rule(m) => AppError::unprocessable("file", m),
            })
        })
        .await?;
    let lang = ctx.lang;
    let title = match kind {
        ImportKind::Units => lang.t("import.units"),
        ImportKind::Staff => lang.t("import.staff"),
    };
    let body = match &outcome {
        Outcome::Rejected(errors) => html! {
            div.alert.error role="alert" { p { (lang.t("import.errors")) } }
            ul.changes { @for e in errors { li { (e.render(lang)) } } }
            (upload_form(&ctx, kind))
        },
        Outcome::Planned(plan) => html! {
            @if apply { (layout::notice(lang.t("import.done"))) }
            h2 { (lang.t("import.changes")) }
            @if plan.changes.is_empty() { p { (lang.t("import.no_changes")) } } @else {
                ul.changes { @for c in &plan.changes { li { (c.get(lang)) } } }
            }
            p.muted { (plan.unchanged) " " (lang.t("import.unchanged")) }
            @if !apply && !plan.is_empty() {
                form method="post" action=(format!("/import/{}", kind.as_str())) enctype="multipart/form-data" {
                    (csrf_field(&ctx))
                    input type="hidden" name="action" value="apply";
                    input type="hidden" name="content" value=(String::from_utf8_lossy(&content));
                    button type="submit" { (lang.t("import.apply")) }
                }
            }
            p { a href="/import" { (lang.t("common.back")) } }
        },
    };
    let status = if matches!(outcome, Outcome::Rejected(_)) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page(&ctx, title, body)).into_response())
}

/// `POST /import/units`.
pub async fn import_units(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Multipart,
) -> Result<Response, AppError> {
    run_import(state, ctx, ImportKind::Units, multipart).await
}

/// `POST /import/staff`.
pub async fn import_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Multipart,
) -> Result<Response, AppError> {
    run_import(state, ctx, ImportKind::Staff, multipart).await
}
