//! Agreement pages (list, new agreement, new version) and the split preview.

use crate::auth::Ctx;
use crate::web::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::agreements::{self, AgreementRow};
use super::api::preview;
use super::model::{
    self, Agreement, HomePeriod, Kind, SalaryChange, Split, SplitInput, Tier, format_kronor,
    parse_kronor,
};
use super::{READERS, WRITERS};
use crate::AppState;
use crate::audit::store::{self as audit, Entry};
use crate::i18n::Lang;
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Form, Query};

/// Tier rows the agreement form offers.
const TIER_ROWS: usize = 8;
/// Error keys of the tier rows.
const TIER_KEYS: [&str; TIER_ROWS] = [
    "tiers[0]", "tiers[1]", "tiers[2]", "tiers[3]", "tiers[4]", "tiers[5]", "tiers[6]", "tiers[7]",
];
/// Salary and home-period rows the preview form offers.
const ROWS: usize = 4;
const SALARY_FROM: [&str; ROWS] = [
    "salary[0].from",
    "salary[1].from",
    "salary[2].from",
    "salary[3].from",
];
const SALARY_COST: [&str; ROWS] = [
    "salary[0].monthly_cost_ore",
    "salary[1].monthly_cost_ore",
    "salary[2].monthly_cost_ore",
    "salary[3].monthly_cost_ore",
];
const HOME_FROM: [&str; ROWS] = [
    "home_periods[0].from",
    "home_periods[1].from",
    "home_periods[2].from",
    "home_periods[3].from",
];
const HOME_TO: [&str; ROWS] = [
    "home_periods[0].to",
    "home_periods[1].to",
    "home_periods[2].to",
    "home_periods[3].to",
];

/// A date field's value: `None` when empty, `Err` when not `YYYY-MM-DD`.
fn parse_date(s: &str) -> Result<Option<NaiveDate>, ()> {
    match s.trim() {
        "" => Ok(None),
        t => crate::check::date(t).map(Some).ok_or(()),
    }
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
fn tiers_table(a: &Agreement, lang: Lang) -> Markup {
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
                        td { (model::permille_percent(t.host_permille, lang)) " %" }
                        td { (model::permille_percent(1000 - t.host_permille.min(1000), lang)) " %" }
                    }
                }
            }
        }
    }
}

/// `GET /rotations/agreements`: every agreement, newest version first, with
/// the older versions kept below it.
pub async fn list_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let user = ctx.require(READERS)?;
    let may_edit = user.has_any(WRITERS);
    let rows = state
        .db
        .read(|c| agreements::agreement_rows(c).map_err(AppError::from))
        .await?;
    let lang = ctx.lang;
    let mut codes: Vec<&str> = rows.iter().map(|r| r.agreement.code.as_str()).collect();
    codes.dedup();
    Ok(page(
        &ctx,
        lang.t("agreements.title"),
        html! {
            (super::sub_nav(&ctx))
            p.muted { (lang.t("agreements.intro")) }
            p {
                @if may_edit { a.button href="/rotations/agreements/new" { (lang.t("agreements.new")) } " " }
                a.button.secondary href="/rotations/split-preview" { (lang.t("rotations.preview.title")) }
            }
            @for code in &codes {
                @let versions: Vec<&AgreementRow> = rows.iter().filter(|r| r.agreement.code == *code).rev().collect();
                section.card {
                    @if let Some(latest) = versions.first() {
                        h2 { (latest.agreement.name(lang)) " " code { (code) }
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

    /// Checks the form into an agreement; `code` is fixed for a new version.
    fn check(
        &self,
        fixed_code: Option<&str>,
        lang: Lang,
        errors: &mut FieldErrors,
    ) -> Option<Agreement> {
        let code = match fixed_code {
            Some(c) => c.to_string(),
            None => self.code.trim().to_lowercase(),
        };
        if code.is_empty()
            || code.len() > 40
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            errors.add("code", lang.t("agreements.error.code"));
        }
        let name_sv = self.name_sv.trim().to_string();
        if name_sv.is_empty() {
            errors.add("name_sv", lang.t("agreements.error.required"));
        }
        let valid_from = match parse_date(&self.valid_from) {
            Ok(Some(d)) => Some(d),
            _ => {
                errors.add("valid_from", lang.t("agreements.error.date"));
                None
            }
        };
        let valid_to = match parse_date(&self.valid_to) {
            Ok(d) => d,
            Err(()) => {
                errors.add("valid_to", lang.t("agreements.error.date"));
                None
            }
        };
        if let (Some(f), Some(t)) = (valid_from, valid_to)
            && t <= f
        {
            errors.add("valid_to", lang.t("agreements.error.valid_to"));
        }
        let months = |field: &'static str, s: &str, errors: &mut FieldErrors| -> Option<u32> {
            match s.trim() {
                "" => None,
                t => match t.parse::<u32>() {
                    Ok(n) if (1..=240).contains(&n) => Some(n),
                    _ => {
                        errors.add(field, lang.t("agreements.error.months"));
                        None
                    }
                },
            }
        };
        let min_months = months("min_months", &self.min_months, errors);
        let max_months = months("max_months", &self.max_months, errors);
        if let (Some(min), Some(max)) = (min_months, max_months)
            && max < min
        {
            errors.add("max_months", lang.t("agreements.error.max_below_min"));
        }
        let cap = match self.cap.trim() {
            "" => None,
            t => match parse_kronor(t) {
                Some(c) => Some(c),
                None => {
                    errors.add("cap", lang.t("agreements.error.kronor"));
                    None
                }
            },
        };
        let mut tiers = Vec::new();
        let mut tier_rows = Vec::new();
        let cell =
            |v: &Vec<String>, i: usize| v.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
        let rows = self
            .tier_from
            .len()
            .max(self.tier_to.len())
            .max(self.tier_permille.len());
        for (i, key) in TIER_KEYS.iter().copied().enumerate().take(rows) {
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
                    tier_rows.push(i);
                }
                (_, _, None) => errors.add(key, lang.t("agreements.error.permille")),
                _ => errors.add(key, lang.t("agreements.error.tier_months")),
            }
        }
        if errors.is_empty()
            && let Err(e) = model::validate_tiers(&tiers)
        {
            let key = e
                .tier()
                .and_then(|t| tier_rows.get(t))
                .map_or("tiers[0]", |row| TIER_KEYS[*row]);
            errors.add(key, lang.t(e.text_key()));
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

/// One cell of a repeated row with its own error key.
fn row_input(name: &str, label: &str, value: &str, kind: &str) -> Markup {
    html! { input type=(kind) name=(name) value=(value) aria-label=(label); }
}

/// The errors of repeated rows, under the rows.
fn row_errors(errors: &FieldErrors, keys: &[&str]) -> Markup {
    html! {
        @for key in keys {
            @if let Some(e) = errors.get(key) { p.error { (key) ": " (e) } }
        }
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
                b.agreement.name(lang)
            ),
            format!("/rotations/agreements/{}/version", b.id),
        ),
        None => (
            lang.t("agreements.new").to_string(),
            "/rotations/agreements/new".into(),
        ),
    };
    let cell = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    page(
        ctx,
        &title,
        html! { div.card {
            (layout::form_errors(lang, errors))
            form method="post" action=(action) {
                (csrf_field(ctx))
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
                            @for i in 0..TIER_ROWS {
                                tr.invalid[errors.get(TIER_KEYS[i]).is_some()] {
                                    td { (row_input("tier_from", lang.t("agreements.from_month"), &cell(&form.tier_from, i), "number")) }
                                    td { (row_input("tier_to", lang.t("agreements.to_month"), &cell(&form.tier_to, i), "number")) }
                                    td { (row_input("tier_permille", lang.t("agreements.host_permille"), &cell(&form.tier_permille, i), "number")) }
                                }
                            }
                        }
                    }
                    (row_errors(errors, &TIER_KEYS))
                }
                (text_field(lang.t("agreements.note"), "note", &form.note, errors, FieldAttrs::optional()))
                button type="submit" { (lang.t("common.save")) }
            }
        } },
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
        .read(move |c| agreements::agreement_by_id(c, id).map_err(AppError::from))
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

/// Saves a new agreement (`base` None) or a new version of `base`'s code,
/// with its audit row in the same transaction.
async fn save(
    state: AppState,
    ctx: Ctx,
    base: Option<AgreementRow>,
    form: AgreementForm,
) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let mut errors = FieldErrors::new(ctx.lang);
    let fixed = base.as_ref().map(|b| b.agreement.code.clone());
    if let Some(a) = form.check(fixed.as_deref(), lang, &mut errors) {
        let (actor, now) = (ctx.actor(), ctx.now);
        let is_new = base.is_none();
        let note = form.note.trim().to_string();
        let before = base.as_ref().map(|b| json!(b));
        let result = state
            .db
            .write(move |tx| -> Result<(), AppError> {
                if is_new && agreements::code_exists(tx, &a.code)? {
                    return Err(AppError::Conflict(crate::i18n::Msg::verbatim(
                        a.code.clone(),
                    )));
                }
                let (id, version) =
                    agreements::insert_version(tx, &a, &note, actor.account_id, now)?;
                audit::record(
                    tx,
                    &actor,
                    now,
                    Entry {
                        action: if is_new {
                            "agreement.create"
                        } else {
                            "agreement.version"
                        },
                        entity: "agreement",
                        entity_id: Some(id.to_string()),
                        before,
                        after: Some(json!({"version": version, "note": note, "agreement": a})),
                    },
                )?;
                Ok(())
            })
            .await;
        match result {
            Ok(()) => {
                return Ok(crate::web::see_other(
                    "/rotations/agreements?msg=common.saved",
                ));
            }
            Err(AppError::Conflict(_)) => errors.add("code", lang.t("agreements.error.code_taken")),
            Err(e) => return Err(e),
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

/// The preview form as typed; `start` present means it was submitted.
#[derive(Debug, Deserialize, Default)]
pub struct PreviewForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: String,
    #[serde(default)]
    monthly_cost: String,
    #[serde(default)]
    salary_from: Vec<String>,
    #[serde(default)]
    salary_cost: Vec<String>,
    #[serde(default)]
    extent_percent: String,
    #[serde(default)]
    home_from: Vec<String>,
    #[serde(default)]
    home_to: Vec<String>,
    #[serde(default)]
    home_reason: Vec<String>,
    #[serde(default)]
    agreement: String,
}

/// Every key a split error may name that the form shows, so that the
/// engine's field becomes the form's.
fn form_key(field: &str) -> &'static str {
    const SINGLE: [&str; 6] = [
        "end",
        "extent_percent",
        "agreement",
        "salary",
        "kind",
        "start",
    ];
    SINGLE
        .iter()
        .chain(SALARY_FROM.iter())
        .chain(SALARY_COST.iter())
        .chain(HOME_FROM.iter())
        .chain(HOME_TO.iter())
        .find(|k| **k == field)
        .copied()
        .unwrap_or("start")
}

impl PreviewForm {
    /// The engine's input, or the fields at fault. Salary rows, when any is
    /// filled, replace the single monthly cost.
    fn input(&self, lang: Lang, errors: &mut FieldErrors) -> Option<Planned> {
        let kind = Kind::parse(&self.kind);
        if kind.is_none() {
            errors.add("kind", lang.t("rotations.error.kind"));
        }
        let date = |key: &'static str, s: &str, required: bool, errors: &mut FieldErrors| {
            match parse_date(s) {
                Ok(Some(d)) => Some(d),
                Ok(None) if !required => None,
                _ => {
                    errors.add(key, lang.t("agreements.error.date"));
                    None
                }
            }
        };
        let start = date("start", self.start.as_deref().unwrap_or(""), true, errors);
        let end = date("end", &self.end, true, errors);
        let cell =
            |v: &Vec<String>, i: usize| v.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
        let mut salary = Vec::new();
        let mut salary_rows = Vec::new();
        for (i, (from_key, cost_key)) in SALARY_FROM.into_iter().zip(SALARY_COST).enumerate() {
            let (from, cost) = (cell(&self.salary_from, i), cell(&self.salary_cost, i));
            if from.is_empty() && cost.is_empty() {
                continue;
            }
            let from = date(from_key, &from, true, errors);
            let cost = parse_kronor(&cost);
            if cost.is_none() {
                errors.add(cost_key, lang.t("agreements.error.kronor"));
            }
            if let (Some(from), Some(cost)) = (from, cost) {
                salary.push(SalaryChange {
                    from,
                    monthly_cost_ore: cost,
                });
                salary_rows.push(i);
            }
        }
        if salary.is_empty()
            && errors.get(SALARY_FROM[0]).is_none()
            && errors.get(SALARY_COST[0]).is_none()
        {
            match (parse_kronor(&self.monthly_cost), start) {
                (Some(cost), Some(from)) => salary.push(SalaryChange {
                    from,
                    monthly_cost_ore: cost,
                }),
                (None, _) => errors.add("monthly_cost", lang.t("rotations.error.monthly_cost")),
                _ => {}
            }
        }
        let extent = match self.extent_percent.trim() {
            "" => Some(100),
            t => t.parse::<u8>().ok().filter(|e| (1..=100).contains(e)),
        };
        if extent.is_none() {
            errors.add("extent_percent", lang.t("rotations.error.extent"));
        }
        let mut home_periods = Vec::new();
        for (i, (from_key, to_key)) in HOME_FROM.into_iter().zip(HOME_TO).enumerate() {
            let (from, to) = (cell(&self.home_from, i), cell(&self.home_to, i));
            if from.is_empty() && to.is_empty() {
                continue;
            }
            let from = date(from_key, &from, true, errors);
            let to = date(to_key, &to, true, errors);
            if let (Some(from), Some(to)) = (from, to) {
                home_periods.push((
                    i,
                    HomePeriod {
                        from,
                        to,
                        reason: cell(&self.home_reason, i),
                    },
                ));
            }
        }
        if !errors.is_empty() {
            return None;
        }
        let input = SplitInput {
            kind: kind?,
            start: start?,
            end: end?,
            salary,
            extent_percent: extent?,
            home_periods: home_periods.iter().map(|(_, h)| h.clone()).collect(),
        };
        Some(Planned {
            input,
            code: Some(self.agreement.trim().to_string()).filter(|c| !c.is_empty()),
            salary_rows,
            home_rows: home_periods.iter().map(|(i, _)| *i).collect(),
        })
    }
}

/// The preview form checked: the engine's input and, for each salary row
/// and home period given, the form row it came from.
struct Planned {
    input: SplitInput,
    code: Option<String>,
    salary_rows: Vec<usize>,
    home_rows: Vec<usize>,
}

impl Planned {
    /// The form's key for a field the engine names: the engine counts only
    /// the rows given, so blank rows in between must not shift the names.
    fn form_key(&self, field: &str) -> &'static str {
        let remap = |prefix: &str, rows: &[usize]| -> Option<String> {
            let rest = field.strip_prefix(prefix)?.strip_prefix('[')?;
            let (k, tail) = rest.split_once(']')?;
            let row = rows.get(k.parse::<usize>().ok()?)?;
            Some(format!("{prefix}[{row}]{tail}"))
        };
        let field = remap("salary", &self.salary_rows)
            .or_else(|| remap("home_periods", &self.home_rows))
            .unwrap_or_else(|| field.to_string());
        form_key(&field)
    }
}

/// Colours of the two payers in the chart.
const HOME_FILL: &str = "#3f6e9a";
const HOST_FILL: &str = "#e0a030";

/// One stacked bar per calendar month: home clinic below, host above.
fn split_chart(split: &Split, lang: Lang) -> Markup {
    let max = split
        .months
        .iter()
        .map(|m| m.total_ore)
        .max()
        .unwrap_or(0)
        .max(1);
    let n = i64::try_from(split.months.len()).unwrap_or(1).max(1);
    let bar = (720 / n).clamp(6, 48);
    let plot = 160i64;
    let width = 20 + bar * n;
    let scale =
        |ore: i64| i64::try_from(i128::from(ore) * i128::from(plot) / i128::from(max)).unwrap_or(0);
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img" viewBox=(format!("0 0 {width} 210"))
            aria-label=(lang.t("rotations.preview.chart")) {
            @for (i, m) in split.months.iter().enumerate() {
                @let x = 10 + bar * i64::try_from(i).unwrap_or(0);
                @let total_h = scale(m.total_ore);
                @let host_h = scale(m.host_ore);
                @let home_h = total_h - host_h;
                g {
                    title { (m.month) ": " (lang.t("rotations.home")) " " (format_kronor(m.home_ore, lang)) ", " (lang.t("rotations.host")) " " (format_kronor(m.host_ore, lang)) }
                    rect x=(x + 1) y=(10 + plot - home_h) width=(bar - 2) height=(home_h) fill=(HOME_FILL) {}
                    rect x=(x + 1) y=(10 + plot - total_h) width=(bar - 2) height=(host_h) fill=(HOST_FILL) {}
                    @if bar >= 24 || i % 3 == 0 {
                        text x=(x + bar / 2) y="186" font-size="10" text-anchor="middle" { (m.month.get(2..).unwrap_or(&m.month)) }
                    }
                }
            }
            rect x="10" y="196" width="10" height="10" fill=(HOME_FILL) {}
            text x="24" y="205" font-size="11" { (lang.t("rotations.home")) }
            rect x="120" y="196" width="10" height="10" fill=(HOST_FILL) {}
            text x="134" y="205" font-size="11" { (lang.t("rotations.host")) }
        }
    }
}

fn split_view(split: &Split, agreement: &Agreement, lang: Lang) -> Markup {
    html! {
        section.card #result {
            h2 { (lang.t("rotations.preview.result")) }
            p { (lang.t("rotations.agreement")) ": " strong { (agreement.name(lang)) } " " code { (agreement.code) } }
            (tiers_table(agreement, lang))
            @for w in &split.warnings { div.alert.info role="status" { (w.text(lang)) } }
            (split_chart(split, lang))
            table.split {
                thead { tr {
                    th { (lang.t("rotations.month")) }
                    th.num { (lang.t("rotations.total")) }
                    th.num { (lang.t("rotations.home")) }
                    th.num { (lang.t("rotations.host")) }
                    th { (lang.t("rotations.explanation")) }
                } }
                tbody {
                    @for m in &split.months {
                        tr {
                            td { (m.month) }
                            td.num { (format_kronor(m.total_ore, lang)) }
                            td.num { (format_kronor(m.home_ore, lang)) }
                            td.num { (format_kronor(m.host_ore, lang)) }
                            td { (m.explanation(lang)) }
                        }
                    }
                    tr.total {
                        th { (lang.t("rotations.total")) }
                        th.num { (format_kronor(split.total.total_ore, lang)) }
                        th.num { (format_kronor(split.total.home_ore, lang)) }
                        th.num { (format_kronor(split.total.host_ore, lang)) }
                        td {}
                    }
                }
            }
        }
    }
}

fn preview_view(
    ctx: &Ctx,
    form: &PreviewForm,
    codes: &[(String, String)],
    errors: &FieldErrors,
    result: Option<(&Split, &Agreement)>,
) -> Markup {
    let lang = ctx.lang;
    let kinds: Vec<(String, String)> = Kind::ALL
        .iter()
        .map(|k| (k.code().to_string(), lang.t(k.text_key()).to_string()))
        .collect();
    let mut agreement_options = vec![(
        String::new(),
        lang.t("rotations.preview.by_eligibility").to_string(),
    )];
    agreement_options.extend(codes.iter().cloned());
    let cell = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    page(
        ctx,
        lang.t("rotations.preview.title"),
        html! {
            (super::sub_nav(ctx))
            p.muted { (lang.t("rotations.preview.intro")) }
            div.card {
                (layout::form_errors(lang, errors))
                form method="get" action="/rotations/split-preview" {
                    (select_field(lang.t("rotations.kind"), "kind", &kinds, &form.kind, errors))
                    (text_field(lang.t("rotations.start"), "start", form.start.as_deref().unwrap_or(""), errors, FieldAttrs::required().kind("date")))
                    (text_field(lang.t("rotations.end"), "end", &form.end, errors, FieldAttrs::required().kind("date")))
                    (text_field(lang.t("rotations.monthly_cost"), "monthly_cost", &form.monthly_cost, errors, FieldAttrs::optional().placeholder("52500")))
                    fieldset {
                        legend { (lang.t("rotations.salary_rows")) }
                        p.muted { (lang.t("rotations.salary_help")) }
                        table { tbody {
                            @for i in 0..ROWS {
                                tr {
                                    td { (row_input("salary_from", lang.t("rotations.from"), &cell(&form.salary_from, i), "date")) }
                                    td { (row_input("salary_cost", lang.t("rotations.monthly_cost"), &cell(&form.salary_cost, i), "text")) }
                                }
                            }
                        } }
                        (row_errors(errors, &["salary"]))
                        (row_errors(errors, &SALARY_FROM))
                        (row_errors(errors, &SALARY_COST))
                    }
                    (text_field(lang.t("rotations.extent"), "extent_percent", &form.extent_percent, errors, FieldAttrs::optional().kind("number").placeholder("100")))
                    fieldset {
                        legend { (lang.t("rotations.home_periods")) }
                        table { tbody {
                            @for i in 0..ROWS {
                                tr {
                                    td { (row_input("home_from", lang.t("rotations.from"), &cell(&form.home_from, i), "date")) }
                                    td { (row_input("home_to", lang.t("rotations.to"), &cell(&form.home_to, i), "date")) }
                                    td { (row_input("home_reason", lang.t("rotations.reason"), &cell(&form.home_reason, i), "text")) }
                                }
                            }
                        } }
                        (row_errors(errors, &HOME_FROM))
                        (row_errors(errors, &HOME_TO))
                    }
                    (select_field(lang.t("rotations.agreement"), "agreement", &agreement_options, &form.agreement, errors))
                    button type="submit" { (lang.t("rotations.preview.compute")) }
                }
            }
            @if let Some((split, agreement)) = result { (split_view(split, agreement, lang)) }
        },
    )
}

/// `GET /rotations/split-preview`: the form, and with its fields the split
/// (a preview changes nothing, so the form is a GET and can be bookmarked).
pub async fn preview_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(form): Query<PreviewForm>,
) -> Result<Response, AppError> {
    ctx.require(READERS)?;
    let lang = ctx.lang;
    let rows = state
        .db
        .read(|c| agreements::agreement_rows(c).map_err(AppError::from))
        .await?;
    let mut codes: Vec<(String, String)> = Vec::new();
    for r in rows.iter().rev() {
        if !codes.iter().any(|(c, _)| *c == r.agreement.code) {
            codes.push((r.agreement.code.clone(), r.agreement.name(lang).to_string()));
        }
    }
    codes.sort();
    if form.start.is_none() {
        let blank = PreviewForm {
            kind: Kind::Radiotherapy.code().into(),
            extent_percent: "100".into(),
            ..Default::default()
        };
        return Ok(
            preview_view(&ctx, &blank, &codes, &FieldErrors::new(ctx.lang), None).into_response(),
        );
    }
    let mut errors = FieldErrors::new(ctx.lang);
    if let Some(planned) = form.input(lang, &mut errors) {
        match preview(&state, planned.input.clone(), planned.code.clone()).await? {
            Ok((split, agreement)) => {
                return Ok(
                    preview_view(&ctx, &form, &codes, &errors, Some((&split, &agreement)))
                        .into_response(),
                );
            }
            Err(e) => {
                let key = planned.form_key(&e.field());
                // The single monthly cost stands for salary row 0.
                let key = if key.starts_with("salary") && planned.salary_rows.is_empty() {
                    "monthly_cost"
                } else {
                    key
                };
                errors.add(key, lang.t(e.text_key()));
            }
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        preview_view(&ctx, &form, &codes, &errors, None),
    )
        .into_response())
}
