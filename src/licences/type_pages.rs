//! The administrators' licence types (create and edit through the shared
//! form, [`crate::web::edit`]) and who must hold each (requirements).

use crate::auth::Ctx;
use crate::web::Path;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::actions;
use super::model::{self, LicenceType, LicenceTypeInput, Requirement, RequirementScope};
use super::store;
use crate::AppState;
use crate::auth::model::Role;
use crate::msg;
use crate::organisation::model::Profession;
use crate::organisation::store as org;
use crate::web::edit::{EditForm, Refused};
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Form};

/// What the licence types page shows.
struct TypesPage {
    types: Vec<LicenceType>,
    requirements: Vec<Requirement>,
    regions: Vec<org::Region>,
    admins: Vec<org::Administration>,
    units: Vec<org::Unit>,
}

/// `GET /admin/licences`: types and who must hold them.
pub async fn types_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let p = state
        .db
        .read(|c| -> Result<_, AppError> {
            Ok(TypesPage {
                types: store::licence_types(c)?,
                requirements: store::requirements(c, None)?,
                regions: org::regions(c)?,
                admins: org::administrations(c, None)?,
                units: org::units(c, &org::UnitQuery::default(), NaiveDate::MIN)?,
            })
        })
        .await?;
    Ok(types_view(&ctx, &p))
}

fn types_view(ctx: &Ctx, p: &TypesPage) -> Markup {
    let lang = ctx.lang;
    let scope_name = |s: RequirementScope| match s {
        RequirementScope::ChemotherapyUnits => lang.t("licence.scope_chemo").to_string(),
        RequirementScope::Unit(i) => p
            .units
            .iter()
            .find(|u| u.id == i)
            .map(|u| format!("{} {}", u.code, u.name))
            .unwrap_or_default(),
        RequirementScope::Administration(i) => p
            .admins
            .iter()
            .find(|a| a.id == i)
            .map(|a| a.name.clone())
            .unwrap_or_default(),
        RequirementScope::Region(i) => p
            .regions
            .iter()
            .find(|r| r.id == i)
            .map(|r| r.name.clone())
            .unwrap_or_default(),
    };
    let mut scopes = vec![(
        RequirementScope::ChemotherapyUnits.key(),
        lang.t("licence.scope_chemo").to_string(),
    )];
    scopes.extend(p.regions.iter().map(|r| {
        (
            RequirementScope::Region(r.id).key(),
            format!("{}: {}", lang.t("org.region"), r.name),
        )
    }));
    scopes.extend(p.admins.iter().map(|a| {
        (
            RequirementScope::Administration(a.id).key(),
            format!("{}: {}", lang.t("org.administration"), a.name),
        )
    }));
    scopes.extend(p.units.iter().map(|u| {
        (
            RequirementScope::Unit(u.id).key(),
            format!("{}: {} {}", lang.t("org.unit"), u.code, u.name),
        )
    }));
    let professions: Vec<(String, String)> = Profession::ALL
        .iter()
        .map(|p| (p.as_str().to_string(), lang.t(p.label_key()).to_string()))
        .collect();
    let errors = FieldErrors::new(ctx.lang);
    page(
        ctx,
        lang.t("licence.types"),
        html! {
            p { a.button href="/admin/licences/new" { (lang.t("licence.new_type")) } }
            @for t in &p.types {
                section.card {
                    h2 { (t.code) " – " (t.name(lang)) @if !t.active { " " (layout::badge(lang.t("common.inactive"), "muted")) } }
                    dl.facts {
                        dt { (lang.t("licence.validity_months")) } dd { (t.validity_months) }
                        dt { (lang.t("licence.window_days")) } dd { (t.window_days) }
                        dt { (lang.t("licence.extend_from_expiry")) } dd { (lang.t(if t.extend_from_expiry { "common.yes" } else { "common.no" })) }
                        dt { (lang.t("licence.warning_days")) } dd { (t.warning_days.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")) }
                        dt { (lang.t("licence.requires_practical")) } dd { (lang.t(if t.requires_practical { "common.yes" } else { "common.no" })) }
                    }
                    p { a href=(format!("/admin/licences/{}/edit", t.id)) { (lang.t("common.edit")) } }
                    h3 { (lang.t("licence.requirements")) }
                    ul {
                        @for r in p.requirements.iter().filter(|r| r.licence_type_id == t.id) {
                            li {
                                (lang.t(r.profession.label_key())) " – " (scope_name(r.scope)) " "
                                form.inline method="post" action=(format!("/admin/requirements/{}/deactivate", r.id)) {
                                    (csrf_field(ctx))
                                    button.link type="submit" { (lang.t("accounts.remove")) }
                                }
                            }
                        }
                    }
                    form method="post" action=(format!("/admin/licences/{}/requirements", t.id)) {
                        (csrf_field(ctx))
                        (select_field(lang.t("people.profession"), "profession", &professions, "nurse", &errors))
                        (select_field(lang.t("accounts.scope"), "scope", &scopes, "chemotherapy_units", &errors))
                        button type="submit" { (lang.t("licence.add_requirement")) }
                    }
                }
            }
        },
    )
}

/// Fields of the licence type form.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct TypeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_sv: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    validity_months: String,
    #[serde(default)]
    window_days: String,
    #[serde(default)]
    extend_from_expiry: Option<String>,
    #[serde(default)]
    warning_days: String,
    #[serde(default)]
    requires_practical: Option<String>,
    #[serde(default)]
    practical_validity_months: String,
    #[serde(default)]
    active: Option<String>,
}

impl TypeForm {
    fn from_type(t: &LicenceType) -> TypeForm {
        TypeForm {
            code: t.code.clone(),
            name_sv: t.name_sv.clone(),
            name_en: t.name_en.clone(),
            validity_months: t.validity_months.to_string(),
            window_days: t.window_days.to_string(),
            extend_from_expiry: t.extend_from_expiry.then(|| "1".into()),
            warning_days: t
                .warning_days
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            requires_practical: t.requires_practical.then(|| "1".into()),
            practical_validity_months: t
                .practical_validity_months
                .map(|m| m.to_string())
                .unwrap_or_default(),
            active: t.active.then(|| "1".into()),
        }
    }

    fn input(&self) -> LicenceTypeInput {
        LicenceTypeInput {
            code: self.code.clone(),
            name_sv: self.name_sv.clone(),
            name_en: self.name_en.clone(),
            validity_months: self.validity_months.clone(),
            window_days: self.window_days.clone(),
            extend_from_expiry: self.extend_from_expiry.is_some(),
            warning_days: self.warning_days.clone(),
            requires_practical: self.requires_practical.is_some(),
            practical_validity_months: self.practical_validity_months.clone(),
            active: self.active.is_some(),
        }
    }
}

impl EditForm<AppState> for TypeForm {
    type Ctx = Ctx;
    type Choices = ();

    const TITLE_NEW: &'static str = "licence.new_type";
    const TITLE_EDIT: &'static str = "licence.edit_type";

    fn action(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/admin/licences/{id}/edit"),
            None => "/admin/licences/new".into(),
        }
    }

    fn blank() -> Self {
        TypeForm {
            validity_months: "36".into(),
            window_days: "90".into(),
            extend_from_expiry: Some("1".into()),
            warning_days: "90, 30".into(),
            active: Some("1".into()),
            ..Default::default()
        }
    }

    async fn choices(_: &AppState, ctx: &Ctx) -> Result<(), AppError> {
        ctx.require(&[Role::Admin]).map(|_| ())
    }

    async fn load(state: &AppState, _: &Ctx, id: i64) -> Result<Self, AppError> {
        let t = state
            .db
            .read(move |c| store::licence_type(c, id).map_err(AppError::from))
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(TypeForm::from_type(&t))
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let t = model::check_licence_type(id.unwrap_or(0), &self.input()).map_err(|problems| {
            FieldErrors::from_list(ctx.lang, problems.into_iter().map(|p| (p.field, p.message)))
        })?;
        ctx.change(&state.db, move |w| actions::save_licence_type(w, id, &t))
            .await
            .map_err(|e| match e {
                AppError::Duplicate { .. } => Refused::Fields(FieldErrors::from_list(
                    ctx.lang,
                    [("code", msg!("licence.error_code_taken"))],
                )),
                other => Refused::Error(other),
            })?;
        Ok("/admin/licences".into())
    }

    fn fields(&self, ctx: &Ctx, _: Option<i64>, _: &(), errors: &FieldErrors) -> Markup {
        let lang = ctx.lang;
        html! {
            (text_field(lang.t("org.code"), "code", &self.code, errors, FieldAttrs::required()))
            (text_field(lang.t("licence.name_sv"), "name_sv", &self.name_sv, errors, FieldAttrs::required()))
            (text_field(lang.t("licence.name_en"), "name_en", &self.name_en, errors, FieldAttrs::required()))
            (text_field(lang.t("licence.validity_months"), "validity_months", &self.validity_months, errors, FieldAttrs::required().kind("number")))
            (text_field(lang.t("licence.window_days"), "window_days", &self.window_days, errors, FieldAttrs::required().kind("number")))
            (layout::checkbox(lang.t("licence.extend_from_expiry"), "extend_from_expiry", self.extend_from_expiry.is_some()))
            (text_field(lang.t("licence.warning_days"), "warning_days", &self.warning_days, errors, FieldAttrs::optional().placeholder("90, 30")))
            (layout::checkbox(lang.t("licence.requires_practical"), "requires_practical", self.requires_practical.is_some()))
            (text_field(lang.t("licence.practical_validity_months"), "practical_validity_months", &self.practical_validity_months, errors, FieldAttrs::optional().kind("number")))
            (layout::checkbox(lang.t("common.active"), "active", self.active.is_some()))
        }
    }
}

/// Requirement fields.
#[derive(Debug, Deserialize, Default)]
pub struct RequirementForm {
    #[serde(default)]
    profession: String,
    #[serde(default)]
    scope: String,
}

/// `POST /admin/licences/{id}/requirements`.
pub async fn add_requirement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RequirementForm>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let (profession, scope) = model::check_requirement(&form.profession, &form.scope)
        .map_err(|p| AppError::unprocessable(p.field, p.message))?;
    ctx.change(&state.db, move |w| {
        actions::add_requirement(w, id, profession, scope)
    })
    .await?;
    Ok(crate::web::see_other("/admin/licences"))
}

/// `POST /admin/requirements/{id}/deactivate`.
pub async fn remove_requirement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    ctx.change(&state.db, move |w| actions::remove_requirement(w, id))
        .await?;
    Ok(crate::web::see_other("/admin/licences"))
}
