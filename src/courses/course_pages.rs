//! The course catalogue: the list, a course with its syllabus and coming
//! offerings, and the create/edit form (through the shared skeleton,
//! [`EditForm`]).

use axum::extract::State;
use maud::{Markup, html};
use serde::Deserialize;

use super::actions;
use super::model::{self, Course, CourseFields, Purpose, WRITERS};
use super::pages::{audience_text, links, may_write, offering_rows, offering_table};
use super::store::{self, OfferingFilter};
use crate::AppState;
use crate::auth::Ctx;
use crate::i18n::Lang;
use crate::licences::model::{LicenceType, Part};
use crate::licences::pages::part_label;
use crate::organisation::model::Profession;
use crate::web::edit::{EditForm, Refused};
use crate::web::layout::{self, FieldAttrs, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Path};

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
                        td { (grants(lang, c)) }
                        td { @if let Some(h) = c.length_hours { (h) } }
                        td { (audience_text(lang, &c.audience)) }
                        td { (lang.t(if c.active { "common.active" } else { "common.inactive" })) }
                    } } }
                } }
            }
        },
    ))
}

/// The licence and part a course grants, and what for, e.g. `CYTO (Teori,
/// förnyelse)`; empty for none.
fn grants(lang: Lang, c: &Course) -> String {
    match (&c.licence, c.part, c.purpose) {
        (Some(l), Some(p), Purpose::Any) => format!("{l} ({})", part_label(lang, p)),
        (Some(l), Some(p), purpose) => format!(
            "{l} ({}, {})",
            part_label(lang, p),
            lang.t(purpose.label_key()).to_lowercase()
        ),
        _ => String::new(),
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
            let filter = OfferingFilter {
                course: Some(course.code.clone()),
                from: Some(today),
                ..Default::default()
            };
            let offerings = offering_rows(c, store::list_offerings(c, &filter, 100)?)?;
            Ok((course, offerings))
        })
        .await?;
    let lang = ctx.lang;
    let granted = grants(lang, &course);
    Ok(page(
        &ctx,
        &format!("{} {}", course.code, course.title(lang)),
        html! {
            (links(&ctx))
            dl.facts {
                dt { (lang.t("courses.title_sv")) } dd { (course.title_sv) }
                dt { (lang.t("courses.title_en")) } dd { (course.title_en) }
                dt { (lang.t("courses.licence")) } dd { @if granted.is_empty() { "–" } @else { (granted) } }
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

/// The course form: `GET`/`POST /courses/new` and `/courses/{id}/edit`.
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
    purpose: String,
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
            purpose: c.purpose.as_str().to_string(),
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
            purpose: self.purpose.clone(),
            audience: self.audience.clone(),
        }
    }
}

impl EditForm<AppState> for CourseForm {
    type Ctx = Ctx;
    type Choices = Vec<LicenceType>;

    const TITLE_NEW: &'static str = "courses.new_course";
    const TITLE_EDIT: &'static str = "courses.edit_course";

    fn action(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/courses/{id}/edit"),
            None => "/courses/new".into(),
        }
    }

    fn blank() -> Self {
        CourseForm {
            active: Some("1".into()),
            ..Default::default()
        }
    }

    async fn choices(state: &AppState, ctx: &Ctx) -> Result<Vec<LicenceType>, AppError> {
        ctx.require(WRITERS)?;
        state
            .db
            .read(|c| crate::licences::store::licence_types(c).map_err(AppError::from))
            .await
    }

    async fn load(state: &AppState, _: &Ctx, id: i64) -> Result<Self, AppError> {
        let course = state
            .db
            .read(move |c| store::get_course(c, id).map_err(AppError::from))
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(CourseForm::from_course(&course))
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let input = model::check_course(&self.fields(), self.active.is_some())
            .map_err(|e| FieldErrors::from_list(ctx.lang, e))?;
        let saved = ctx
            .change(&state.db, move |w| match id {
                Some(id) => actions::update_course(w, id, &input).map(|()| id),
                None => actions::create_course(w, &input),
            })
            .await;
        match saved {
            Ok(id) => Ok(format!("/courses/{id}")),
            Err(AppError::Conflict(m)) => {
                Err(FieldErrors::from_list(ctx.lang, [("code", m)]).into())
            }
            Err(AppError::Unprocessable { field, message }) if field == "licence" => {
                Err(FieldErrors::from_list(ctx.lang, [("licence", message)]).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    fn fields(
        &self,
        ctx: &Ctx,
        _: Option<i64>,
        types: &Vec<LicenceType>,
        errors: &FieldErrors,
    ) -> Markup {
        let lang = ctx.lang;
        let mut licences = vec![(String::new(), lang.t("courses.no_licence").to_string())];
        licences.extend(
            types
                .iter()
                .map(|t| (t.code.clone(), format!("{} {}", t.code, t.name(lang)))),
        );
        let parts: Vec<(String, String)> = [Part::Theory, Part::Practical]
            .into_iter()
            .map(|p| (p.as_str().to_string(), part_label(lang, p).to_string()))
            .collect();
        let purposes: Vec<(String, String)> = Purpose::ALL
            .into_iter()
            .map(|p| (p.as_str().to_string(), lang.t(p.label_key()).to_string()))
            .collect();
        errors.label("audience", lang.t("courses.audience"));
        html! {
            (text_field(lang.t("courses.code"), "code", &self.code, errors, FieldAttrs::required()))
            (text_field(lang.t("courses.title_sv"), "title_sv", &self.title_sv, errors, FieldAttrs::required()))
            (text_field(lang.t("courses.title_en"), "title_en", &self.title_en, errors, FieldAttrs::required()))
            (layout::textarea(lang.t("courses.syllabus"), "syllabus", &self.syllabus, None, 8, errors))
            (text_field(lang.t("courses.length_hours"), "length_hours", &self.length_hours, errors, FieldAttrs::optional().kind("number")))
            (select_field(lang.t("courses.licence"), "licence", &licences, &self.licence, errors))
            (select_field(lang.t("courses.part"), "part", &parts, &self.part, errors))
            (select_field(lang.t("courses.purpose"), "purpose", &purposes, &self.purpose, errors))
            fieldset.field.invalid[errors.get("audience").is_some()] id="f-audience" {
                legend { (lang.t("courses.audience")) " " span.muted { (lang.t("courses.audience_hint")) } }
                @for p in Profession::ALL {
                    div.check {
                        input id=(format!("f-audience-{}", p.as_str())) type="checkbox" name="audience" value=(p.as_str())
                            checked[self.audience.iter().any(|a| a == p.as_str())];
                        label for=(format!("f-audience-{}", p.as_str())) { (lang.t(p.label_key())) }
                    }
                }
                @if let Some(e) = errors.get("audience") { p.error { (e) } }
            }
            (layout::checkbox(lang.t("common.active"), "active", self.active.is_some()))
        }
    }
}
