//! The split preview page: a planned placement's month-by-month split
//! between home clinic and host, with a chart, computed from the form and
//! saved nowhere (the form is a GET, so a preview can be bookmarked).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::READERS;
use super::agreement_pages::tiers_table;
use super::api::preview;
use super::explain::{self, agreement_name, format_kronor};
use super::model::{Agreement, HomePeriod, Kind, SalaryChange, Split, SplitInput, parse_kronor};
use super::store;
use super::views::{row_errors, row_input, sub_nav};
use crate::AppState;
use crate::auth::Ctx;
use crate::i18n::{Lang, Msg};
use crate::msg;
use crate::web::layout::{self, FieldAttrs, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Query};

/// Salary and home-period rows the preview form offers.
const ROWS: usize = 4;

/// The error keys of salary row `i`: its first day and its monthly cost,
/// as the engine names them.
fn salary_keys(i: usize) -> (String, String) {
    (
        format!("salary[{i}].from"),
        format!("salary[{i}].monthly_cost_ore"),
    )
}

/// The error keys of home period `i`: its first and last day.
fn home_keys(i: usize) -> (String, String) {
    (
        format!("home_periods[{i}].from"),
        format!("home_periods[{i}].to"),
    )
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

/// The cell `i` of a repeated row, trimmed.
fn cell(v: &[String], i: usize) -> String {
    v.get(i).map(|s| s.trim().to_string()).unwrap_or_default()
}

impl PreviewForm {
    /// The engine's input, or the fields at fault. Salary rows, when any is
    /// filled, replace the single monthly cost.
    fn input(&self, errors: &mut FieldErrors) -> Option<Planned> {
        let kind = Kind::parse(&self.kind);
        if kind.is_none() {
            errors.add("kind", msg!("rotations.error.kind"));
        }
        let date = |key: &str, s: &str, errors: &mut FieldErrors| -> Option<NaiveDate> {
            let d = crate::check::date(s.trim());
            if d.is_none() {
                errors.add(key, msg!("agreements.error.date"));
            }
            d
        };
        let start = date("start", self.start.as_deref().unwrap_or(""), errors);
        let end = date("end", &self.end, errors);
        let mut salary = Vec::new();
        let mut salary_rows = Vec::new();
        for i in 0..ROWS {
            let (from_key, cost_key) = salary_keys(i);
            let (from, cost) = (cell(&self.salary_from, i), cell(&self.salary_cost, i));
            if from.is_empty() && cost.is_empty() {
                continue;
            }
            let from = date(&from_key, &from, errors);
            let cost = parse_kronor(&cost);
            if cost.is_none() {
                errors.add(cost_key, msg!("agreements.error.kronor"));
            }
            if let (Some(from), Some(cost)) = (from, cost) {
                salary.push(SalaryChange {
                    from,
                    monthly_cost_ore: cost,
                });
                salary_rows.push(i);
            }
        }
        let (first_from, first_cost) = salary_keys(0);
        if salary.is_empty()
            && errors.get(&first_from).is_none()
            && errors.get(&first_cost).is_none()
        {
            match (parse_kronor(&self.monthly_cost), start) {
                (Some(cost), Some(from)) => salary.push(SalaryChange {
                    from,
                    monthly_cost_ore: cost,
                }),
                (None, _) => errors.add("monthly_cost", msg!("rotations.error.monthly_cost")),
                _ => {}
            }
        }
        let extent = match self.extent_percent.trim() {
            "" => Some(100),
            t => t.parse::<u8>().ok().filter(|e| (1..=100).contains(e)),
        };
        if extent.is_none() {
            errors.add("extent_percent", msg!("rotations.error.extent"));
        }
        let mut home_periods = Vec::new();
        for i in 0..ROWS {
            let (from_key, to_key) = home_keys(i);
            let (from, to) = (cell(&self.home_from, i), cell(&self.home_to, i));
            if from.is_empty() && to.is_empty() {
                continue;
            }
            let from = date(&from_key, &from, errors);
            let to = date(&to_key, &to, errors);
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
    /// The form's field for a field the engine names: the engine counts
    /// only the rows given, so blank rows in between must not shift the
    /// names; the single monthly cost stands for salary row 0.
    fn form_field(&self, field: &str) -> String {
        let remap = |prefix: &str, rows: &[usize]| -> Option<String> {
            let rest = field.strip_prefix(prefix)?.strip_prefix('[')?;
            let (k, tail) = rest.split_once(']')?;
            let row = rows.get(k.parse::<usize>().ok()?)?;
            Some(format!("{prefix}[{row}]{tail}"))
        };
        if field.starts_with("salary") && self.salary_rows.is_empty() {
            return "monthly_cost".into();
        }
        remap("salary", &self.salary_rows)
            .or_else(|| remap("home_periods", &self.home_rows))
            .unwrap_or_else(|| field.to_string())
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
            p { (lang.t("rotations.agreement")) ": " strong { (agreement_name(agreement, lang)) } " " code { (agreement.code) } }
            (tiers_table(agreement, lang))
            @for w in &split.warnings { div.alert.info role="status" { (w.message().render(lang)) } }
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
                            td { (explain::month_line(m, lang)) }
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

/// The form's fields; the repeated rows record their labels, so that the
/// summary and the messages under the rows name them as the reader sees
/// them.
fn preview_fields(
    lang: Lang,
    form: &PreviewForm,
    codes: &[(String, String)],
    errors: &FieldErrors,
) -> Markup {
    let kinds: Vec<(String, String)> = Kind::ALL
        .iter()
        .map(|k| (k.code().to_string(), lang.t(k.text_key()).to_string()))
        .collect();
    let mut agreement_options = vec![(
        String::new(),
        lang.t("rotations.preview.by_eligibility").to_string(),
    )];
    agreement_options.extend(codes.iter().cloned());
    let value = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let row_label = |key: &'static str, i: usize| Msg::new(key).with("n", i + 1).render(lang);
    let mut salary_keys_shown = vec!["salary".to_string()];
    errors.label("salary", lang.t("rotations.salary_rows"));
    let salary_rows: Vec<(String, String, String, String)> = (0..ROWS)
        .map(|i| {
            let (from_key, cost_key) = salary_keys(i);
            let from_label = row_label("rotations.salary_row_from", i);
            let cost_label = row_label("rotations.salary_row_cost", i);
            errors.label(&from_key, &from_label);
            errors.label(&cost_key, &cost_label);
            (from_key, from_label, cost_key, cost_label)
        })
        .collect();
    salary_keys_shown.extend(salary_rows.iter().map(|r| r.0.clone()));
    salary_keys_shown.extend(salary_rows.iter().map(|r| r.2.clone()));
    let home_rows: Vec<(String, String, String, String, String)> = (0..ROWS)
        .map(|i| {
            let (from_key, to_key) = home_keys(i);
            let from_label = row_label("rotations.home_row_from", i);
            let to_label = row_label("rotations.home_row_to", i);
            let reason_label = row_label("rotations.home_row_reason", i);
            errors.label(&from_key, &from_label);
            errors.label(&to_key, &to_label);
            (from_key, from_label, to_key, to_label, reason_label)
        })
        .collect();
    let home_keys_shown: Vec<&str> = home_rows
        .iter()
        .map(|r| r.0.as_str())
        .chain(home_rows.iter().map(|r| r.2.as_str()))
        .collect();
    html! {
        (select_field(lang.t("rotations.kind"), "kind", &kinds, &form.kind, errors))
        (text_field(lang.t("rotations.start"), "start", form.start.as_deref().unwrap_or(""), errors, FieldAttrs::required().kind("date")))
        (text_field(lang.t("rotations.end"), "end", &form.end, errors, FieldAttrs::required().kind("date")))
        (text_field(lang.t("rotations.monthly_cost"), "monthly_cost", &form.monthly_cost, errors, FieldAttrs::optional().placeholder("52500")))
        fieldset {
            legend { (lang.t("rotations.salary_rows")) }
            p.muted { (lang.t("rotations.salary_help")) }
            table { tbody {
                @for (i, (from_key, from_label, cost_key, cost_label)) in salary_rows.iter().enumerate() {
                    tr {
                        td { (row_input("salary_from", Some(from_key), from_label, &value(&form.salary_from, i), "date")) }
                        td { (row_input("salary_cost", Some(cost_key), cost_label, &value(&form.salary_cost, i), "text")) }
                    }
                }
            } }
            (row_errors(errors, salary_keys_shown.iter().map(String::as_str)))
        }
        (text_field(lang.t("rotations.extent"), "extent_percent", &form.extent_percent, errors, FieldAttrs::optional().kind("number").placeholder("100")))
        fieldset {
            legend { (lang.t("rotations.home_periods")) }
            table { tbody {
                @for (i, (from_key, from_label, to_key, to_label, reason_label)) in home_rows.iter().enumerate() {
                    tr {
                        td { (row_input("home_from", Some(from_key), from_label, &value(&form.home_from, i), "date")) }
                        td { (row_input("home_to", Some(to_key), to_label, &value(&form.home_to, i), "date")) }
                        td { (row_input("home_reason", None, reason_label, &value(&form.home_reason, i), "text")) }
                    }
                }
            } }
            (row_errors(errors, home_keys_shown))
        }
        (select_field(lang.t("rotations.agreement"), "agreement", &agreement_options, &form.agreement, errors))
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
    // The fields first, so that the summary above them names them.
    let fields = preview_fields(lang, form, codes, errors);
    page(
        ctx,
        lang.t("rotations.preview.title"),
        html! {
            (sub_nav(ctx))
            p.muted { (lang.t("rotations.preview.intro")) }
            div.card {
                (layout::form_errors(lang, errors))
                form method="get" action="/rotations/split-preview" {
                    (fields)
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
        .read(|c| store::agreement_rows(c).map_err(AppError::from))
        .await?;
    let mut codes: Vec<(String, String)> = Vec::new();
    for r in rows.iter().rev() {
        if !codes.iter().any(|(c, _)| *c == r.agreement.code) {
            codes.push((
                r.agreement.code.clone(),
                agreement_name(&r.agreement, lang).to_string(),
            ));
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
            preview_view(&ctx, &blank, &codes, &FieldErrors::new(lang), None).into_response(),
        );
    }
    let mut errors = FieldErrors::new(lang);
    if let Some(planned) = form.input(&mut errors) {
        match preview(&state, planned.input.clone(), planned.code.clone()).await? {
            Ok((split, agreement)) => {
                return Ok(
                    preview_view(&ctx, &form, &codes, &errors, Some((&split, &agreement)))
                        .into_response(),
                );
            }
            Err(e) => errors.add(planned.form_field(&e.field()), e.message()),
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        preview_view(&ctx, &form, &codes, &errors, None),
    )
        .into_response())
}
