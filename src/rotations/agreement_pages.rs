//! Agreement pages: every agreement with its versions, a new agreement and
//! a new version of one. A version is appended, never changed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::actions;
use super::agreements::{self, AgreementRow, MONTHS_MAX};
use super::explain::{agreement_name, format_kronor, permille_percent};
use super::model::{self, Agreement, Kind, Tier, parse_kronor};
use super::store;
use super::views::{refused, row_errors, row_input, sub_nav};
use super::{READERS, WRITERS};
use crate::AppState;
use crate::auth::Ctx;
use crate::i18n::{Lang, Msg};
use crate::msg;
use crate::web::edit::Refused;
use crate::web::layout::{self, FieldAttrs, page, text_field};
use crate::web::{AppError, FieldErrors, Form, Path};

/// Tier rows the agreement form offers.
const TIER_ROWS: usize = 8;

/// The error key of tier row `i`.
fn tier_key(i: usize) -> String {
    format!("tiers[{i}]")
}

/// Öre as the kronor a form shows: "52500" or "52500,50".
fn kronor_input(ore: i64) -> String {
    if ore % 100 == 0 {
        (ore / 100).to_string()
    } else {
        format!("{},{:02}", ore / 100, ore % 100)
    }
}

/// "1–3", "10–".
fn month_range(t: &Tier) -> String {
    match t.to_month {
        Some(to) if to == t.from_month => to.to_string(),
        Some(to) => format!("{}–{to}", t.from_month),
        None => format!("{}–", t.from_month),
    }
}

fn kinds_words(a: &Agreement, lang: Lang) -> String {
    if a.kinds.is_empty() {
        return lang.t("agreements.all_kinds").to_string();
    }
    a.kinds
        .iter()
        .map(|k| lang.t(k.text_key()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn length_words(a: &Agreement, lang: Lang) -> String {
    match (a.min_months, a.max_months) {
        (None, None) => "–".into(),
        (Some(min), None) => format!("≥ {min} {}", lang.t("agreements.months")),
        (None, Some(max)) => format!("≤ {max} {}", lang.t("agreements.months")),
        (Some(min), Some(max)) => format!("{min}–{max} {}", lang.t("agreements.months")),
    }
}

/// An agreement's tiers as a small table.
pub fn tiers_table(a: &Agreement, lang: Lang) -> Markup {
    html! {
        table.tiers {
            thead { tr {
                th { (lang.t("agreements.placement_months")) }
                th { (lang.t("agreements.host_share")) }
                th { (lang.t("agreements.home_share")) }
            } }
            tbody {
                @for t in &a.tiers {
                    tr {
                        td { (month_range(t)) }
                        td { (permille_percent(t.host_permille, lang)) " %" }
                        td { (permille_percent(1000 - t.host_permille.min(1000), lang)) " %" }
                    }
                }
            }
        }
    }
}

async fn all_rows(state: &AppState) -> Result<Vec<AgreementRow>, AppError> {
    state
        .db
        .read(|c| store::agreement_rows(c).map_err(AppError::from))
        .await
}

/// `GET /rotations/agreements`: every agreement, newest version first, with
/// the older versions kept below it.
pub async fn list_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let user = ctx.require(READERS)?;
    let may_edit = user.has_any(WRITERS);
    let rows = all_rows(&state).await?;
    let lang = ctx.lang;
    let mut codes: Vec<&str> = rows.iter().map(|r| r.agreement.code.as_str()).collect();
    codes.dedup();
    Ok(page(
        &ctx,
        lang.t("agreements.title"),
        html! {
            (sub_nav(&ctx))
            p.muted { (lang.t("agreements.intro")) }
            p {
                @if may_edit { a.button href="/rotations/agreements/new" { (lang.t("agreements.new")) } " " }
                a.button.secondary href="/rotations/split-preview" { (lang.t("rotations.preview.title")) }
            }
            @for code in &codes {
                @let versions: Vec<&AgreementRow> = rows.iter().filter(|r| r.agreement.code == *code).rev().collect();
                section.card {
                    @if let Some(latest) = versions.first() {
                        h2 { (agreement_name(&latest.agreement, lang)) " " code { (code) }
                            @if latest.agreement.is_fallback { " " (layout::badge(lang.t("agreements.fallback"), "muted")) } }
                        @if may_edit {
                            p { a href=(format!("/rotations/agreements/{}/version", latest.id)) { (lang.t("agreements.new_version")) } }
                        }
                    }
                    @for (i, v) in versions.iter().enumerate() {
                        @let a = &v.agreement;
                        details open[i == 0] {
                            summary {
                                (lang.t("agreements.version")) " " (v.version) ": "
                                (a.valid_from) " – " (a.valid_to.map(|d| d.to_string()).unwrap_or_default())
                            }
                            dl.facts {
                                dt { (lang.t("agreements.kinds")) } dd { (kinds_words(a, lang)) }
                                dt { (lang.t("agreements.length")) } dd { (length_words(a, lang)) }
                                dt { (lang.t("agreements.cap")) }
                                dd { (a.cap_ore_per_month.map(|c| format_kronor(c, lang)).unwrap_or_else(|| "–".into())) }
                                @if !v.note.is_empty() { dt { (lang.t("agreements.note")) } dd { (v.note) } }
                                dt { (lang.t("agreements.recorded")) } dd { (v.created_at) }
                            }
                            (tiers_table(a, lang))
                        }
                    }
                }
            }
        },
    ))
}

/// The fields of the agreement form; tiers are repeated rows.
#[derive(Debug, Deserialize, Default)]
pub struct AgreementForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_sv: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
    #[serde(default)]
    kind_general: Option<String>,
    #[serde(default)]
    kind_radiotherapy: Option<String>,
    #[serde(default)]
    min_months: String,
    #[serde(default)]
    max_months: String,
    #[serde(default)]
    cap: String,
    #[serde(default)]
    is_fallback: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    tier_from: Vec<String>,
    #[serde(default)]
    tier_to: Vec<String>,
    #[serde(default)]
    tier_permille: Vec<String>,
}

/// A date field's value: `None` when empty, `Err` when not `YYYY-MM-DD`.
fn optional_date(s: &str) -> Result<Option<NaiveDate>, ()> {
    match s.trim() {
        "" => Ok(None),
        t => crate::check::date(t).map(Some).ok_or(()),
    }
}

/// The cell `i` of a repeated row, trimmed.
fn cell(v: &[String], i: usize) -> String {
    v.get(i).map(|s| s.trim().to_string()).unwrap_or_default()
}

impl AgreementForm {
    /// The form filled from a stored version, for its next version.
    fn from_row(r: &AgreementRow) -> AgreementForm {
        let a = &r.agreement;
        AgreementForm {
            code: a.code.clone(),
            name_sv: a.name_sv.clone(),
            name_en: a.name_en.clone().unwrap_or_default(),
            valid_from: String::new(),
            valid_to: String::new(),
            kind_general: a.kinds.contains(&Kind::General).then(|| "1".into()),
            kind_radiotherapy: a.kinds.contains(&Kind::Radiotherapy).then(|| "1".into()),
            min_months: a.min_months.map(|m| m.to_string()).unwrap_or_default(),
            max_months: a.max_months.map(|m| m.to_string()).unwrap_or_default(),
            cap: a.cap_ore_per_month.map(kronor_input).unwrap_or_default(),
            is_fallback: a.is_fallback.then(|| "1".into()),
            note: String::new(),
            tier_from: a.tiers.iter().map(|t| t.from_month.to_string()).collect(),
            tier_to: a
                .tiers
                .iter()
                .map(|t| t.to_month.map(|m| m.to_string()).unwrap_or_default())
                .collect(),
            tier_permille: a
                .tiers
                .iter()
                .map(|t| t.host_permille.to_string())
                .collect(),
        }
    }

    /// The tiers typed, each with its form row, or their messages.
    fn tiers(&self, errors: &mut FieldErrors) -> (Vec<Tier>, Vec<usize>) {
        let mut tiers = Vec::new();
        let mut rows = Vec::new();
        let n = self
            .tier_from
            .len()
            .max(self.tier_to.len())
            .max(self.tier_permille.len())
            .min(TIER_ROWS);
        for i in 0..n {
            let (from, to, permille) = (
                cell(&self.tier_from, i),
                cell(&self.tier_to, i),
                cell(&self.tier_permille, i),
            );
            if from.is_empty() && to.is_empty() && permille.is_empty() {
                continue;
            }
            let parsed = (
                from.parse::<u32>().ok().filter(|n| *n >= 1),
                if to.is_empty() {
                    Some(None)
                } else {
                    to.parse::<u32>().ok().map(Some)
                },
                permille.parse::<u16>().ok().filter(|p| *p <= 1000),
            );
            match parsed {
                (Some(from_month), Some(to_month), Some(host_permille)) => {
                    tiers.push(Tier {
                        from_month,
                        to_month,
                        host_permille,
                    });
                    rows.push(i);
                }
                (_, _, None) => errors.add(tier_key(i), msg!("agreements.error.permille")),
                _ => errors.add(tier_key(i), msg!("agreements.error.tier_months")),
            }
        }
        (tiers, rows)
    }

    /// The form read as an agreement, or what to fix; `fixed_code` is the
    /// code of the agreement a new version belongs to.
    fn parse(&self, fixed_code: Option<&str>, errors: &mut FieldErrors) -> Option<Agreement> {
        let code = match fixed_code {
            Some(c) => c.to_string(),
            None => self.code.trim().to_lowercase(),
        };
        if !agreements::valid_code(&code) {
            errors.add(
                "code",
                msg!("agreements.error.code", max = agreements::CODE_MAX),
            );
        }
        let name_sv = self.name_sv.trim().to_string();
        if name_sv.is_empty() {
            errors.add("name_sv", msg!("agreements.error.required"));
        }
        let valid_from = match optional_date(&self.valid_from) {
            Ok(Some(d)) => Some(d),
            _ => {
                errors.add("valid_from", msg!("agreements.error.date"));
                None
            }
        };
        let valid_to = optional_date(&self.valid_to).unwrap_or_else(|()| {
            errors.add("valid_to", msg!("agreements.error.date"));
            None
        });
        if let Some(from) = valid_from
            && let Some(message) = agreements::validity_problem(from, valid_to)
        {
            errors.add("valid_to", message);
        }
        let mut months = |field: &str, s: &str| -> Option<u32> {
            match s.trim() {
                "" => None,
                t => {
                    let n = t
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=MONTHS_MAX).contains(n));
                    if n.is_none() {
                        errors.add(field, msg!("agreements.error.months", max = MONTHS_MAX));
                    }
                    n
                }
            }
        };
        let min_months = months("min_months", &self.min_months);
        let max_months = months("max_months", &self.max_months);
        if let Some(message) = agreements::length_problem(min_months, max_months) {
            errors.add("max_months", message);
        }
        let cap = match self.cap.trim() {
            "" => None,
            t => {
                let c = parse_kronor(t);
                if c.is_none() {
                    errors.add("cap", msg!("agreements.error.kronor"));
                }
                c
            }
        };
        let (tiers, rows) = self.tiers(errors);
        if errors.is_empty()
            && let Err(e) = model::validate_tiers(&tiers)
        {
            let row = e.tier().and_then(|t| rows.get(t)).copied().unwrap_or(0);
            errors.add(tier_key(row), Msg::new(e.text_key()));
        }
        if !errors.is_empty() {
            return None;
        }
        let mut kinds = Vec::new();
        if self.kind_general.is_some() {
            kinds.push(Kind::General);
        }
        if self.kind_radiotherapy.is_some() {
            kinds.push(Kind::Radiotherapy);
        }
        Some(Agreement {
            code,
            version: 0,
            name_sv,
            name_en: Some(self.name_en.trim().to_string()).filter(|s| !s.is_empty()),
            valid_from: valid_from?,
            valid_to,
            kinds,
            min_months,
            max_months,
            tiers,
            cap_ore_per_month: cap,
            is_fallback: self.is_fallback.is_some(),
        })
    }
}

fn agreement_fields(
    ctx: &Ctx,
    base: Option<&AgreementRow>,
    form: &AgreementForm,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let cell = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let tier_rows: Vec<(String, String)> = (0..TIER_ROWS)
        .map(|i| {
            let key = tier_key(i);
            let label = msg!("agreements.tier_row", n = i + 1).render(lang);
            errors.label(&key, &label);
            (key, label)
        })
        .collect();
    html! {
        @if let Some(b) = base {
            p { (lang.t("agreements.code")) ": " code { (b.agreement.code) } " — "
                (lang.t("agreements.version")) " " (b.version + 1) }
            p.muted { (lang.t("agreements.version_help")) }
        } @else {
            (text_field(lang.t("agreements.code"), "code", &form.code, errors, FieldAttrs::required().placeholder("older-regional")))
        }
        (text_field(lang.t("agreements.name_sv"), "name_sv", &form.name_sv, errors, FieldAttrs::required()))
        (text_field(lang.t("agreements.name_en"), "name_en", &form.name_en, errors, FieldAttrs::optional()))
        (text_field(lang.t("agreements.valid_from"), "valid_from", &form.valid_from, errors, FieldAttrs::required().kind("date")))
        (text_field(lang.t("agreements.valid_to"), "valid_to", &form.valid_to, errors, FieldAttrs::optional().kind("date")))
        fieldset {
            legend { (lang.t("agreements.kinds")) }
            p.muted { (lang.t("agreements.kinds_help")) }
            (layout::checkbox(lang.t(Kind::General.text_key()), "kind_general", form.kind_general.is_some()))
            (layout::checkbox(lang.t(Kind::Radiotherapy.text_key()), "kind_radiotherapy", form.kind_radiotherapy.is_some()))
        }
        (text_field(lang.t("agreements.min_months"), "min_months", &form.min_months, errors, FieldAttrs::optional().kind("number")))
        (text_field(lang.t("agreements.max_months"), "max_months", &form.max_months, errors, FieldAttrs::optional().kind("number")))
        (text_field(lang.t("agreements.cap_kr"), "cap", &form.cap, errors, FieldAttrs::optional()))
        (layout::checkbox(lang.t("agreements.is_fallback"), "is_fallback", form.is_fallback.is_some()))
        fieldset {
            legend { (lang.t("agreements.tiers")) }
            p.muted { (lang.t("agreements.tiers_help")) }
            table.tiers {
                thead { tr {
                    th { (lang.t("agreements.from_month")) }
                    th { (lang.t("agreements.to_month")) }
                    th { (lang.t("agreements.host_permille")) }
                } }
                tbody {
                    @for (i, (key, label)) in tier_rows.iter().enumerate() {
                        tr.invalid[errors.get(key).is_some()] {
                            td { (row_input("tier_from", Some(key), &format!("{label}: {}", lang.t("agreements.from_month")), &cell(&form.tier_from, i), "number")) }
                            td { (row_input("tier_to", None, &format!("{label}: {}", lang.t("agreements.to_month")), &cell(&form.tier_to, i), "number")) }
                            td { (row_input("tier_permille", None, &format!("{label}: {}", lang.t("agreements.host_permille")), &cell(&form.tier_permille, i), "number")) }
                        }
                    }
                }
            }
            (row_errors(errors, tier_rows.iter().map(|(k, _)| k.as_str())))
        }
        (text_field(lang.t("agreements.note"), "note", &form.note, errors, FieldAttrs::optional()))
    }
}

fn agreement_view(
    ctx: &Ctx,
    base: Option<&AgreementRow>,
    form: &AgreementForm,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let (title, action) = match base {
        Some(b) => (
            format!(
                "{}: {}",
                lang.t("agreements.new_version"),
                agreement_name(&b.agreement, lang)
            ),
            format!("/rotations/agreements/{}/version", b.id),
        ),
        None => (
            lang.t("agreements.new").to_string(),
            "/rotations/agreements/new".into(),
        ),
    };
    let fields = agreement_fields(ctx, base, form, errors);
    page(
        ctx,
        &title,
        layout::form_card(ctx, &action, errors, fields, lang.t("common.save")),
    )
}

/// `GET /rotations/agreements/new`.
pub async fn new_page(ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let form = AgreementForm {
        valid_from: ctx.today.to_string(),
        tier_from: vec!["1".into()],
        tier_permille: vec!["0".into()],
        ..Default::default()
    };
    Ok(agreement_view(
        &ctx,
        None,
        &form,
        &FieldErrors::new(ctx.lang),
    ))
}

async fn base_row(state: &AppState, id: i64) -> Result<AgreementRow, AppError> {
    state
        .db
        .read(move |c| store::agreement_by_id(c, id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /rotations/agreements/{id}/version`: a new version of the agreement
/// that version `id` belongs to, filled from it.
pub async fn version_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(WRITERS)?;
    let base = base_row(&state, id).await?;
    let mut form = AgreementForm::from_row(&base);
    form.valid_from = ctx.today.to_string();
    Ok(agreement_view(
        &ctx,
        Some(&base),
        &form,
        &FieldErrors::new(ctx.lang),
    ))
}

/// Saves a new agreement (`base` None) or a new version of `base`'s code;
/// refused, the form again with its messages and what was typed.
async fn save(
    state: AppState,
    ctx: Ctx,
    base: Option<AgreementRow>,
    form: AgreementForm,
) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let mut errors = FieldErrors::new(lang);
    if let Some(a) = form.parse(
        base.as_ref().map(|b| b.agreement.code.as_str()),
        &mut errors,
    ) {
        let note = form.note.trim().to_string();
        let base_id = base.as_ref().map(|b| b.id);
        let outcome = ctx
            .change(&state.db, move |w| match base_id {
                Some(base) => actions::new_agreement_version(w, base, &a, &note),
                None => actions::create_agreement(w, &a, &note),
            })
            .await
            .map_err(|r| refused(lang, r));
        match outcome {
            Ok(_) => {
                return Ok(crate::web::see_other(
                    "/rotations/agreements?msg=common.saved",
                ));
            }
            Err(Refused::Fields(f)) => errors = f,
            Err(Refused::Error(e)) => return Err(e),
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        agreement_view(&ctx, base.as_ref(), &form, &errors),
    )
        .into_response())
}

/// `POST /rotations/agreements/new`.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<AgreementForm>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    save(state, ctx, None, form).await
}

/// `POST /rotations/agreements/{id}/version`.
pub async fn create_version(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<AgreementForm>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let base = base_row(&state, id).await?;
    save(state, ctx, Some(base), form).await
}
