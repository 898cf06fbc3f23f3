//! The report page, its CSV and JSON, and who may see what. Every view is
//! logged (who looked at which report), since the figures come from
//! patients' records.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::charts::{self, percent};
use super::model::{Cell, Granularity, Kind, Place, Tree, Window};
use super::report::{self, Depth, Query as ReportQuery, Report};
use super::store;
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::{Principal, Role};
use crate::db::Entry;
use crate::i18n::Lang;
use crate::msg;
use crate::web::layout::{self, page};
use crate::web::{AppError, Query, csv};

/// Who reads the report: analysts and administrators everything, managers
/// their scope.
pub const READERS: &[Role] = &[Role::Admin, Role::QualityAnalyst, Role::Manager];

/// Who imports extracts and keeps the sources.
pub const ANALYSTS: &[Role] = &[Role::Admin, Role::QualityAnalyst];

/// The report's parameters as a query string gives them; all optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportParams {
    /// `cytotoxic` (default) or `radiotherapy`.
    #[serde(default)]
    pub kind: String,
    /// 14, 28 (default) or 30 days.
    #[serde(default)]
    pub window: String,
    /// `year` (default) or `quarter`.
    #[serde(default)]
    pub by: String,
    /// First year; default two years before `to`.
    #[serde(default)]
    pub from: String,
    /// Last year; default the latest with deaths in the extracts.
    #[serde(default)]
    pub to: String,
    /// `region`, `administration` (default) or `unit`.
    #[serde(default)]
    pub depth: String,
}

impl ReportParams {
    /// The report asked for, with the latest year of the extracts as the
    /// default end. A bad value is a 400 naming its parameter.
    pub fn query(&self, latest: Option<i32>) -> Result<ReportQuery, AppError> {
        let kind = match self.kind.trim() {
            "" => Kind::Cytotoxic,
            k => Kind::parse(k)
                .filter(|k| Kind::INDICATOR.contains(k))
                .ok_or_else(|| AppError::bad_request("kind", msg!("quality.error_param_kind")))?,
        };
        let window = match self.window.trim() {
            "" => Window::DEFAULT,
            w => w.parse::<u16>().ok().and_then(Window::new).ok_or_else(|| {
                AppError::bad_request("window", msg!("quality.error_param_window"))
            })?,
        };
        let granularity = match self.by.trim() {
            "" | "year" => Granularity::Year,
            "quarter" => Granularity::Quarter,
            _ => return Err(AppError::bad_request("by", msg!("quality.error_param_by"))),
        };
        let depth = match self.depth.trim() {
            "" | "administration" => Depth::Administration,
            "region" => Depth::Region,
            "unit" => Depth::Unit,
            _ => {
                return Err(AppError::bad_request(
                    "depth",
                    msg!("quality.error_param_depth"),
                ));
            }
        };
        let year = |field: &'static str, s: &str| {
            s.trim()
                .parse::<i32>()
                .ok()
                .filter(|y| (1900..=9999).contains(y))
                .ok_or_else(|| AppError::bad_request(field, msg!("quality.error_param_year")))
        };
        let to_year = match self.to.trim() {
            "" => latest.unwrap_or(2000),
            s => year("to", s)?,
        };
        let from_year = match self.from.trim() {
            "" => to_year - 2,
            s => year("from", s)?,
        };
        if from_year > to_year || to_year - from_year > 20 {
            return Err(AppError::bad_request(
                "from",
                msg!("quality.error_param_span"),
            ));
        }
        Ok(ReportQuery {
            kind,
            window,
            granularity,
            from_year,
            to_year,
            depth,
        })
    }
}

/// Whether `user` sees the rows of `place`: analysts and administrators
/// every row, a manager those of the units in their scope and of the
/// administrations those units are in.
pub fn sees(user: &Principal, place: Place, tree: &Tree) -> bool {
    if user.has_any(ANALYSTS) {
        return true;
    }
    let units = &user.managed_units;
    match place {
        Place::All | Place::Region(_) => true,
        Place::Unit(u) => units.contains(&u),
        Place::Administration(a) => units
            .iter()
            .any(|u| tree.administration_of.get(u) == Some(&a)),
    }
}

/// Builds the report for `user` and logs the view, in one unit of work.
pub async fn view(
    state: &AppState,
    ctx_actor: crate::db::Actor,
    now: chrono::DateTime<chrono::Utc>,
    user: Principal,
    params: ReportParams,
    format: &'static str,
) -> Result<Report, AppError> {
    state
        .db
        .change(ctx_actor, now, move |w| {
            let latest = store::years(w)?.first().copied();
            let q = params.query(latest)?;
            let report = report::build(w, q, &|p, t| sees(&user, p, t))?;
            w.record(Entry {
                action: "quality_report.view",
                entity: "quality_report",
                entity_id: None,
                before: None,
                after: Some(json!({"query": q, "format": format, "rows": report.rows.len()})),
            })?;
            Ok(report)
        })
        .await
}

fn cell_view(lang: Lang, c: &Cell) -> Markup {
    match c {
        Cell::Suppressed => {
            html! { td.num.muted title=(lang.t("quality.suppressed_hint")) { "<5" } }
        }
        Cell::Counts { count, share_bp } if count.denominator > 0 => html! {
            td.num { (count.numerator) " / " (count.denominator) br; strong { (percent(*share_bp, lang)) } }
        },
        Cell::Counts { .. } => html! { td.num.muted { "–" } },
    }
}

fn filters(ctx: &Ctx, p: &ReportParams, q: &ReportQuery) -> Markup {
    let lang = ctx.lang;
    let selected = |a: &str, b: &str| a == b;
    html! {
        form.filters method="get" action="/quality" {
            div.field {
                label for="f-kind" { (lang.t("quality.kind")) }
                select #f-kind name="kind" {
                    @for k in Kind::INDICATOR {
                        option value=(k.as_str()) selected[k == q.kind] { (lang.t(k.label_key())) }
                    }
                }
            }
            div.field {
                label for="f-window" { (lang.t("quality.window")) }
                select #f-window name="window" {
                    @for d in Window::CHOICES {
                        option value=(d) selected[d == q.window.days()] { (msg!("quality.window_days", days = d).render(lang)) }
                    }
                }
            }
            div.field {
                label for="f-by" { (lang.t("quality.by")) }
                select #f-by name="by" {
                    option value="year" selected[q.granularity == Granularity::Year] { (lang.t("quality.by_year")) }
                    option value="quarter" selected[q.granularity == Granularity::Quarter] { (lang.t("quality.by_quarter")) }
                }
            }
            div.field {
                label for="f-depth" { (lang.t("quality.depth")) }
                select #f-depth name="depth" {
                    @for (v, key) in [("region", "quality.depth_region"), ("administration", "quality.depth_administration"), ("unit", "quality.depth_unit")] {
                        option value=(v) selected[selected(&p.depth, v) || (p.depth.is_empty() && v == "administration")] { (lang.t(key)) }
                    }
                }
            }
            div.field {
                label for="f-from" { (lang.t("quality.from_year")) }
                input #f-from type="number" name="from" value=(q.from_year) min="1900" max="9999";
            }
            div.field {
                label for="f-to" { (lang.t("quality.to_year")) }
                input #f-to type="number" name="to" value=(q.to_year) min="1900" max="9999";
            }
            button type="submit" { (lang.t("common.filter")) }
        }
    }
}

fn export_links(p: &ReportParams) -> (String, String) {
    let qs = serde_html_form::to_string([
        ("kind", &p.kind),
        ("window", &p.window),
        ("by", &p.by),
        ("from", &p.from),
        ("to", &p.to),
        ("depth", &p.depth),
    ])
    .unwrap_or_default();
    (format!("/quality.csv?{qs}"), format!("/quality.json?{qs}"))
}

/// `GET /quality`: the report.
pub async fn report_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<ReportParams>,
) -> Result<Markup, AppError> {
    let user = ctx.require(READERS)?.clone();
    let analyst = user.has_any(ANALYSTS);
    let r = view(&state, ctx.actor(), ctx.now, user, params.clone(), "page").await?;
    let lang = ctx.lang;
    let (csv_link, json_link) = export_links(&params);
    let all_label = lang.t("quality.all_regions");
    Ok(page(
        &ctx,
        lang.t("quality.title"),
        html! {
            p.lead { (msg!("quality.definition", days = r.query.window.days()).render(lang)) }
            @if analyst {
                p { a href="/quality/import" { (lang.t("quality.import_title")) } " · " a href="/quality/sources" { (lang.t("quality.sources_title")) } }
            }
            (filters(&ctx, &params, &r.query))
            p { a href=(csv_link) { "CSV" } " · " a href=(json_link) { "JSON" } }
            @if r.rows.len() <= 1 && r.rows.iter().all(|row| row.cells.iter().all(|c| matches!(c, Cell::Counts { count, .. } if count.denominator == 0))) {
                p.muted { (lang.t("quality.no_data")) }
            }
            div.table-wrap tabindex="0" { table.wide {
                caption { (lang.t(r.query.kind.label_key())) ", " (msg!("quality.window_days", days = r.query.window.days()).render(lang)) }
                thead { tr {
                    th scope="col" { (lang.t("quality.place")) }
                    @for p in &r.periods { th.num scope="col" { (p.label()) } }
                } }
                tbody { @for row in &r.rows {
                    tr class=(format!("depth-{}", row.depth)) {
                        th scope="row" { @if row.depth == 0 { (all_label) } @else { (row.name) } }
                        @for c in &row.cells { (cell_view(lang, c)) }
                    }
                } }
            } }
            p.muted { (lang.t("quality.suppression_note")) }
            div.grid {
                section.card {
                    h2 { (lang.t("quality.funnel_title")) " " (r.funnel_period.label()) }
                    (charts::funnel(lang, r.funnel_centre, &r.funnel))
                }
                section.card {
                    h2 { (lang.t("quality.trend_title")) }
                    (charts::trend(lang, &r.trend))
                }
            }
        },
    ))
}

/// The rows as CSV lines in `lang`: place, period, the counts or `<5`, the
/// share in per cent with the language's decimal sign, empty when
/// suppressed.
pub fn csv_rows(r: &Report, lang: Lang) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for row in &r.rows {
        let (level, id) = match row.place {
            Place::All => ("export.level_all", String::new()),
            Place::Region(i) => ("export.level_region", i.to_string()),
            Place::Administration(i) => ("export.level_administration", i.to_string()),
            Place::Unit(i) => ("export.level_unit", i.to_string()),
        };
        for (period, cell) in r.periods.iter().zip(&row.cells) {
            let (den, num, share) = match cell {
                Cell::Suppressed => ("<5".to_string(), "<5".to_string(), String::new()),
                Cell::Counts { count, share_bp } => (
                    count.denominator.to_string(),
                    count.numerator.to_string(),
                    if count.denominator > 0 {
                        percent(*share_bp, lang).trim_end_matches(" %").to_string()
                    } else {
                        String::new()
                    },
                ),
            };
            out.push(vec![
                lang.t(level).to_string(),
                id.clone(),
                row.name.clone(),
                lang.t(r.query.kind.label_key()).to_string(),
                r.query.window.days().to_string(),
                period.label(),
                den,
                num,
                share,
            ]);
        }
    }
    out
}

/// `GET /quality.csv` parameters: the report's, and the language of the
/// headers (Swedish unless `lang=en`).
#[derive(Debug, Deserialize, Default)]
pub struct CsvParams {
    #[serde(flatten)]
    params: ReportParams,
    lang: Option<String>,
}

/// `GET /quality.csv`.
pub async fn report_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CsvParams>,
) -> Result<Response, AppError> {
    let user = ctx.require(READERS)?.clone();
    let lang = csv::export_lang(q.lang.as_deref());
    let r = view(&state, ctx.actor(), ctx.now, user, q.params, "csv").await?;
    Ok(csv::response_in(
        lang,
        &format!(
            "quality-{}-{}-{}.csv",
            r.query.kind.as_str(),
            r.query.from_year,
            r.query.to_year
        ),
        csv::delimiter(None),
        &[
            "export.level",
            "export.id",
            "export.name",
            "export.treatment",
            "export.window_days",
            "export.period",
            "export.patients",
            "export.late",
            "export.share_percent",
        ],
        csv_rows(&r, lang),
    ))
}

/// `GET /quality.json`: the report as the page computes it.
pub async fn report_json(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<ReportParams>,
) -> Result<Response, AppError> {
    let user = ctx.require(READERS)?.clone();
    let r = view(&state, ctx.actor(), ctx.now, user, params, "json").await?;
    Ok(axum::Json(super::api::IndicatorOut::from(&r)).into_response())
}

/// The link from the start page and the menu.
pub fn badge(lang: Lang, c: &Cell) -> Markup {
    match c {
        Cell::Suppressed => layout::badge("<5", "muted"),
        Cell::Counts { share_bp, .. } => layout::badge(&percent(*share_bp, lang), "ok"),
    }
}
