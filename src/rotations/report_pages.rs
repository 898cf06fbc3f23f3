//! The rotation reports: the costs per payer and month (page, CSV, JSON and
//! the API for BI tools), the hosts' capacity and the trainees missing
//! elements. The reports are computed in `reports`; here they are put in
//! the reader's words.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

use super::READERS;
use super::explain;
use super::model::{MonthLine, Segment, Totals};
use super::placements::Placement;
use super::reports::{self, CostReport, PayerRow, PlacementCost};
use super::store;
use super::views::{kind_label, kr, month_lines_table, status_badge, sub_nav};
use crate::AppState;
use crate::auth::model::UnitFilter;
use crate::auth::{ApiUser, Ctx};
use crate::db::change_count;
use crate::db::memo::Memo;
use crate::i18n::Lang;
use crate::msg;
use crate::web::context::request_lang;
use crate::web::layout::{self, FieldAttrs, page, text_field};
use crate::web::{ApiQuery, AppError, FieldErrors, Query, csv};

/// Earliest and latest budget year the reports take.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Parameters of the cost report.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CostQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    payer: String,
    #[serde(default)]
    sep: Option<String>,
    /// An export's language: `en` for English headers.
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    list: String,
    /// Page of the payers, from 1.
    page: Option<u32>,
}

/// Payers per page of the cost report.
const PAYERS_PER_PAGE: u32 = 100;

/// Parameters of the cost report API.
#[derive(Debug, Deserialize)]
pub struct CostApiQuery {
    year: Option<String>,
}

fn year_refused() -> AppError {
    AppError::bad_request(
        "year",
        msg!(
            "rotreport.err_year",
            from = *YEARS.start(),
            to = *YEARS.end()
        ),
    )
}

/// The year asked for (this year when empty), or 400 naming `year`.
fn report_year(year: &str, today: NaiveDate) -> Result<i32, AppError> {
    match year.trim() {
        "" => Ok(today.year()),
        s => s
            .parse::<i32>()
            .ok()
            .filter(|y| YEARS.contains(y))
            .ok_or_else(year_refused),
    }
}

/// Cost reports by year and scope, kept while nothing they read has changed
/// (the `costs` change count, kept by triggers); an hour at most, 64 at most.
struct CostReports(Memo<(i32, String), Arc<CostReport>>);

async fn cost_report_for(
    state: &AppState,
    filter: UnitFilter,
    year: i32,
) -> Result<Arc<CostReport>, AppError> {
    let kept = state.service(|| CostReports(Memo::new(64, Duration::from_secs(3600))));
    let key = (year, format!("{filter:?}"));
    // Counted before the inputs are read: a write in between leaves the
    // kept report stale, never wrong.
    let changes = state
        .db
        .read(|conn| change_count(conn, "costs").map_err(AppError::from))
        .await?;
    let compute = state.db.read(move |conn| {
        let inputs = store::cost_inputs(conn, year)?;
        Ok(Arc::new(reports::cost_report(year, &inputs, &filter)))
    });
    kept.0.get_or_compute(key, Some(changes), compute).await
}

/// Computes this year's cost report as the study directors and coordinators
/// see it (every unit), so that the first of them after a start finds it
/// kept. The server runs it in the background at start-up.
pub async fn warm(state: AppState) -> Result<(), AppError> {
    let year = state.clock.today().year();
    cost_report_for(&state, UnitFilter::All, year).await?;
    Ok(())
}

async fn cost_report(state: &AppState, ctx: &Ctx, year: i32) -> Result<Arc<CostReport>, AppError> {
    let filter = ctx.require(READERS)?.people_filter();
    cost_report_for(state, filter, year).await
}

// ---- The report as JSON ----

/// One month of a placement's split, with its explanation in Swedish and
/// in English (a BI tool shows either).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = MonthLine)]
pub struct MonthJson {
    /// The calendar month, `YYYY-MM`.
    month: String,
    /// First day of the calendar month.
    first_day: NaiveDate,
    /// The month's cost in öre.
    total_ore: i64,
    /// The home clinic's part.
    home_ore: i64,
    /// The host's part; `home_ore + host_ore == total_ore`.
    host_ore: i64,
    /// E.g. "april 2025: 1–14 månad 3 (hemklinik 100 %), 15–30 månad 4 (50/50)".
    explanation_sv: String,
    /// E.g. "April 2025: 1–14 month 3 (home clinic 100 %), 15–30 month 4 (50/50)".
    explanation_en: String,
    /// The runs of days behind the line.
    segments: Vec<Segment>,
}

impl MonthJson {
    fn of(m: &MonthLine) -> MonthJson {
        MonthJson {
            month: m.month.clone(),
            first_day: m.first_day,
            total_ore: m.total_ore,
            home_ore: m.home_ore,
            host_ore: m.host_ore,
            explanation_sv: explain::month_line(m, Lang::Sv),
            explanation_en: explain::month_line(m, Lang::En),
            segments: m.segments.clone(),
        }
    }
}

/// One placement's part of the year.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PlacementCost)]
pub struct PlacementJson {
    /// The placement.
    placement: Placement,
    /// The agreement used, when one applies.
    agreement: Option<String>,
    /// Month lines of the year.
    months: Vec<MonthJson>,
    /// Their sums.
    total: Totals,
    /// Why no split could be computed (e.g. no salary recorded), in the
    /// caller's language.
    problem: Option<String>,
}

/// The cost report of a budget (calendar) year.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CostReport)]
pub struct CostJson {
    /// The year.
    year: i32,
    /// Payers the reader may see, by code.
    payers: Vec<PayerRow>,
    /// Placements the reader may see, by start.
    placements: Vec<PlacementJson>,
    /// Sum of the payer rows per month.
    month_totals: [i64; 12],
    /// Sum of the payer rows.
    total_ore: i64,
}

impl CostJson {
    /// The report as exported, its problems in `lang`.
    fn of(r: &CostReport, lang: Lang) -> CostJson {
        CostJson {
            year: r.year,
            payers: r.payers.clone(),
            placements: r
                .placements
                .iter()
                .map(|c| PlacementJson {
                    months: c.months.iter().map(MonthJson::of).collect(),
                    problem: problem_text(c, lang),
                    placement: c.placement.clone(),
                    agreement: c.agreement.clone(),
                    total: c.total,
                })
                .collect(),
            month_totals: r.month_totals,
            total_ore: r.total_ore,
        }
    }
}

/// Why a placement has no split, in `lang`.
fn problem_text(c: &PlacementCost, lang: Lang) -> Option<String> {
    c.problem.as_ref().map(|e| {
        e.message()
            .map_or_else(|| e.to_string(), |m| m.render(lang))
    })
}

// ---- Pages ----

/// `GET /rotations/reports/costs`.
pub async fn costs_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CostQuery>,
) -> Result<Markup, AppError> {
    let year = report_year(&q.year, ctx.today)?;
    let report = cost_report(&state, &ctx, year).await?;
    let lang = ctx.lang;
    let payer = q.payer.trim().parse::<i64>().ok();
    let shown: Vec<&PlacementCost> = report
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
            // The year's total comes first so that it is in view on a laptop
            // screen; the months follow and scroll inside the card. Payers
            // with nothing to pay this year are folded away below.
            @let (paying, idle): (Vec<&PayerRow>, Vec<&PayerRow>) = report
                .payers
                .iter()
                .partition(|r| r.total_ore != 0 || r.months.iter().any(|m| *m != 0));
            @let page_no = q.page.unwrap_or(1).max(1);
            @let from = (layout::page_offset(page_no, PAYERS_PER_PAGE) as usize).min(paying.len());
            @let on_page = &paying[from..(from + PAYERS_PER_PAGE as usize).min(paying.len())];
            div.table-wrap tabindex="0" { table.wide {
                thead { tr {
                    th { (lang.t("rotreport.payer")) }
                    th { (lang.t("rotreport.year_total")) } th { (lang.t("rotreport.as_home")) } th { (lang.t("rotreport.as_host")) }
                    @for m in 1..=12u32 {
                        th { (NaiveDate::from_ymd_opt(year, m, 1).map_or("", |d| explain::month_short(d, lang))) }
                    }
                } }
                tbody { @for r in on_page { tr {
                    td { a href=(format!("{base}&payer={}", r.unit_id)) { (r.code) } " " span.muted { (r.name) } }
                    td.num { strong { (kr(lang, r.total_ore)) } } td.num { (kr(lang, r.as_home_ore)) } td.num { (kr(lang, r.as_host_ore)) }
                    @for v in r.months { td.num { (kr(lang, v)) } }
                } } }
                tfoot { tr.total {
                    th { (lang.t("rotreport.total")) }
                    th.num { (kr(lang, report.total_ore)) } td {} td {}
                    @for v in report.month_totals { th.num { (kr(lang, v)) } }
                } }
            } }
            @if paying.len() > PAYERS_PER_PAGE as usize {
                (layout::pager(lang, &base, page_no, PAYERS_PER_PAGE, paying.len() as i64))
            }
            @if !idle.is_empty() {
                details {
                    summary { (msg!("rotreport.idle_payers", count = idle.len()).render(lang)) }
                    p { @for (i, r) in idle.iter().enumerate() { @if i > 0 { ", " } (r.code) " " span.muted { (r.name) } } }
                }
            }
            // The placements, per payer: all of them at once would be
            // thousands of rows (the CSV and JSON have them all).
            @if payer.is_none() {
                p.muted { (lang.t("rotreport.pick_payer")) }
            } @else {
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
                        td { (c.agreement.as_deref().map_or("–", |a| report.agreement_name(a, lang))) @if let Some(m) = problem_text(c, lang) { br; span.error { (m) } } }
                        td.num { (kr(lang, c.total.total_ore)) } td.num { (kr(lang, c.total.home_ore)) } td.num { (kr(lang, c.total.host_ore)) }
                    }
                    @if payer.is_some() && !c.months.is_empty() {
                        tr { td {} td colspan="10" {
                            details { summary { (lang.t("rotreport.month_lines")) } (month_lines_table(lang, &c.months)) }
                        } }
                    }
                } }
            } }
            }
        },
    ))
}

/// `GET /rotations/reports/costs.csv`: per payer and month (`list=lines`:
/// every placement's month lines with their explanations in the page's
/// language).
pub async fn costs_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CostQuery>,
) -> Result<Response, AppError> {
    let year = report_year(&q.year, ctx.today)?;
    let report = cost_report(&state, &ctx, year).await?;
    let lang = csv::export_lang(q.lang.as_deref());
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
                    p.home_unit_name.clone(),
                    p.host_unit_code.clone(),
                    p.host_unit_name.clone(),
                    kind_label(lang, &p.kind).to_string(),
                    lang.t(p.status(ctx.today).label_key()).to_string(),
                    c.agreement
                        .as_deref()
                        .map(|a| report.agreement_name(a, lang).to_string())
                        .unwrap_or_default(),
                    m.month.clone(),
                    csv::kronor(m.total_ore, lang),
                    csv::kronor(m.home_ore, lang),
                    csv::kronor(m.host_ore, lang),
                    explain::month_line(m, lang),
                ]);
            }
        }
        return Ok(csv::response_in(
            lang,
            &format!("placement-lines-{year}.csv"),
            delimiter,
            &[
                "export.placement_id",
                "export.trainee",
                "export.home_unit_code",
                "export.home_unit",
                "export.host_unit_code",
                "export.host_unit",
                "export.kind",
                "export.status",
                "export.agreement",
                "export.month",
                "export.total_kr",
                "export.home_kr",
                "export.host_kr",
                "export.explanation",
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
                csv::kronor(r.home_months[i], lang),
                csv::kronor(r.host_months[i], lang),
                csv::kronor(r.months[i], lang),
            ]);
        }
    }
    Ok(csv::response_in(
        lang,
        &format!("placement-costs-{year}.csv"),
        delimiter,
        &[
            "export.payer_code",
            "export.payer_name",
            "export.month",
            "export.as_home_kr",
            "export.as_host_kr",
            "export.total_kr",
        ],
        rows,
    ))
}

/// `GET /rotations/reports/costs.json`: the report as the API gives it,
/// its problems in the page's language.
pub async fn costs_json(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CostQuery>,
) -> Result<Response, AppError> {
    let year = report_year(&q.year, ctx.today)?;
    let report = cost_report(&state, &ctx, year).await?;
    Ok(axum::Json(CostJson::of(&report, ctx.lang)).into_response())
}

/// `GET /api/v1/rotations/costs?year=`: the cost report as JSON for a BI
/// tool, with a bearer token; the same scope as the page, its problems in
/// the request's language.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/costs",
    tag = "rotations",
    params(("year" = Option<i32>, Query, minimum = 2000, maximum = 2100, description = "Budget (calendar) year, this year when absent")),
    responses((status = 200, description = "The cost report: per payer and month, and each placement's month lines", body = CostJson))
)]
pub async fn costs_api(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<CostApiQuery>,
) -> Result<Response, AppError> {
    let filter = user.require(READERS)?.people_filter();
    // The page's form sends an empty year for "this year"; the API takes a
    // year or no parameter at all.
    let year = match q.year {
        None => user.today.year(),
        Some(year) if year.trim().is_empty() => return Err(year_refused()),
        Some(year) => report_year(&year, user.today)?,
    };
    let lang = request_lang(&headers, user.principal.language);
    let report = cost_report_for(&state, filter, year).await?;
    Ok(axum::Json(CostJson::of(&report, lang)).into_response())
}

/// `GET /rotations/reports/capacity`: host capacity over the coming 12 months.
pub async fn capacity_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let filter = ctx.require(READERS)?.people_filter();
    let today = ctx.today;
    let rows = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let window = reports::capacity_window(today);
            let overlapping = store::placements(conn, None, None, Some(window))?;
            let hosts = store::host_units(conn)?;
            Ok(reports::capacity_report(
                today,
                &overlapping,
                hosts,
                &filter,
            ))
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
pub async fn missing_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let filter = ctx.require(READERS)?.people_filter();
    let rows = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            Ok(reports::missing_elements(
                store::element_inputs(conn)?,
                &filter,
            ))
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
