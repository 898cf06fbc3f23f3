//! The compliance report's pages: the table with its drill-down from
//! regions to administrations to units to people, the pictures, and the CSV
//! and JSON exports of the same report ([`super::report`]).

use std::collections::HashMap;

use crate::auth::Ctx;
use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};

use super::compliance::{self, Level};
use super::model;
use super::pages::status_badge;
use super::report::{
    COMPLIANCE_ROLES, ComplianceQuery, ComplianceReport, Report, compliance_filter, report,
    report_json,
};
use super::store::{self, RequiredPerson};
use crate::AppState;
use crate::auth::model::UnitFilter;
use crate::msg;
use crate::web::layout::{self, FieldAttrs, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Query, csv};

fn report_link(r: &Report, by: Level, within: Option<i64>, unit: Option<i64>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("licence", &r.licence.code);
    s.append_pair("as_of", &r.as_of.to_string());
    s.append_pair("by", by.as_str());
    if let Some(w) = within {
        s.append_pair("within", &w.to_string());
    }
    if let Some(u) = unit {
        s.append_pair("unit", &u.to_string());
    }
    s.finish()
}

/// The people of a report, with their standing; for those who may record
/// for them and the report is as of today, a reminder button and a link to
/// book a course (the person's licence page, with its suggestions) on every
/// row that is not valid.
fn people_table(ctx: &Ctx, r: &Report, people: &[&RequiredPerson]) -> Markup {
    let lang = ctx.lang;
    let acts = |p: &RequiredPerson| {
        r.as_of == ctx.today
            && p.standing.status != model::Status::Valid
            && ctx
                .user
                .as_ref()
                .is_some_and(|u| model::may_record(u, p.unit_id))
    };
    let any_acts = people.iter().any(|p| acts(p));
    html! {
        div.table-wrap tabindex="0" { table {
            thead { tr {
                th { (lang.t("common.name")) } th { (lang.t("people.hsa_id")) } th { (lang.t("people.unit")) } th { (lang.t("common.status")) } th { (lang.t("licence.valid_until")) }
                @if any_acts { th { (lang.t("common.actions")) } }
            } }
            tbody { @for p in people { tr {
                td { a href=(format!("/people/{}/licences", p.person_id)) { (p.name) } }
                td { (p.hsa_id.as_deref().unwrap_or("")) }
                td { (r.units.get(&p.unit_id).map(|u| u.unit_name.as_str()).unwrap_or("")) }
                td { (status_badge(lang, p.standing.status)) }
                td { (p.standing.valid_until.map(|d| d.to_string()).unwrap_or_else(|| "–".into())) }
                @if any_acts { td.actions {
                    @if acts(p) {
                        form.inline method="post" action=(format!("/people/{}/licences/{}/remind", p.person_id, r.licence.id)) {
                            (layout::csrf_field(ctx))
                            button.secondary type="submit" { (lang.t("licence.remind")) }
                        }
                        " " a href=(format!("/people/{}/licences#licence-{}", p.person_id, r.licence.id)) { (lang.t("compliance.book_course")) }
                    }
                } }
            } } }
        } }
    }
}

/// People listed under a manager's traffic light on the start page.
const TO_ACT_ON: usize = 10;

/// The start page's panel for a manager: per licence type, a traffic light
/// for their units today (red while someone lacks a valid licence, amber
/// while someone's runs out soon, green otherwise), the counts, and the
/// people to act on, most urgent first; a manager of one unit gets links to
/// that unit's page.
pub async fn manager_panel(state: &AppState, ctx: &Ctx) -> Result<Markup, AppError> {
    let Some(user) = ctx.user.as_ref() else {
        return Ok(html! {});
    };
    if !user.has(crate::auth::model::Role::Manager) || user.managed_units.is_empty() {
        return Ok(html! {});
    }
    let types = state
        .db
        .read(|c| store::licence_types(c).map_err(AppError::from))
        .await?;
    let lang = ctx.lang;
    let one_unit = (user.managed_units.len() == 1).then(|| user.managed_units[0]);
    let mut cards = Vec::new();
    for t in types.iter().filter(|t| t.active) {
        let q = ComplianceQuery {
            licence: t.code.clone(),
            by: "unit".into(),
            unit: one_unit,
            // Everyone in the manager's units, to pick those to act on.
            list: "people".into(),
            ..Default::default()
        };
        let r = report(
            state,
            UnitFilter::Only(user.managed_units.clone()),
            &q,
            ctx.today,
        )
        .await?;
        if r.total.required == 0 {
            continue;
        }
        let c = r.total;
        let (light, key) = if c.expired + c.missing > 0 {
            ("bad", "compliance.light_red")
        } else if c.expiring > 0 {
            ("warn", "compliance.light_amber")
        } else {
            ("ok", "compliance.light_green")
        };
        let mut act: Vec<&RequiredPerson> = r
            .people
            .iter()
            .filter(|p| p.standing.status != model::Status::Valid)
            .collect();
        act.sort_by_key(|p| (p.standing.valid_until, p.person_id));
        let link = match one_unit {
            Some(u) => super::reminders::unit_link("", &t.code, u),
            None => format!("/compliance?licence={}&by=unit", t.code),
        };
        cards.push(html! {
            article.card.light {
                h2 { (t.name(lang)) " " (layout::badge(lang.t(key), light)) }
                p.big {
                    (msg!("compliance.light_counts", valid = c.valid + c.expiring, required = c.required).render(lang))
                    " · " (c.share_text(lang))
                }
                p {
                    (lang.t("status.expiring")) " " strong { (c.expiring) } " · "
                    (lang.t("status.expired")) " " strong { (c.expired) } " · "
                    (lang.t("status.missing")) " " strong { (c.missing) }
                }
                @if !act.is_empty() {
                    h3 { (lang.t("compliance.to_act_on")) }
                    ul { @for p in act.iter().take(TO_ACT_ON) { li {
                        a href=(format!("/people/{}/licences", p.person_id)) { (p.name) } " "
                        (status_badge(lang, p.standing.status))
                        @if let Some(d) = p.standing.valid_until { " " span.muted { (d) } }
                        @if one_unit.is_none() { " " span.muted { (r.units.get(&p.unit_id).map(|u| u.unit_name.as_str()).unwrap_or("")) } }
                    } } }
                    @if act.len() > TO_ACT_ON { p.muted { (msg!("compliance.more_to_act_on", count = act.len() - TO_ACT_ON).render(lang)) } }
                }
                p { a href=(link) { (lang.t(if one_unit.is_some() { "compliance.your_unit" } else { "compliance.your_units" })) } }
            }
        });
    }
    Ok(html! { @if !cards.is_empty() { div.licence-cards { @for c in cards { (c) } } } })
}

/// Rows of the compliance table on one page.
const ROWS_PER_PAGE: u32 = 100;
/// People listed per unit under the table; the unit's own page lists all.
const FLAGGED_PER_UNIT: usize = 10;

/// `GET /compliance`.
pub async fn compliance_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ComplianceQuery>,
    Query(paging): Query<layout::PageQuery>,
) -> Result<Markup, AppError> {
    let user = ctx.require(COMPLIANCE_ROLES)?.clone();
    let r = report(&state, compliance_filter(&user), &q, ctx.today).await?;
    let lang = ctx.lang;
    // Every unit of a region is thousands of rows: the page shows them a
    // hundred at a time (the total, the CSV and the JSON hold them all).
    let page_no = paging.page.unwrap_or(1).max(1);
    let start = (layout::page_offset(page_no, ROWS_PER_PAGE) as usize).min(r.rows.len());
    let shown = &r.rows[start..(start + ROWS_PER_PAGE as usize).min(r.rows.len())];
    let type_options: Vec<(String, String)> = r
        .types
        .iter()
        .map(|t| (t.code.clone(), format!("{} – {}", t.code, t.name(lang))))
        .collect();
    let level_options: Vec<(String, String)> = [Level::Region, Level::Administration, Level::Unit]
        .iter()
        .map(|l| {
            (
                l.as_str().to_string(),
                lang.t(match l {
                    Level::Region => "org.regions",
                    Level::Administration => "org.administrations",
                    Level::Unit => "org.units",
                })
                .to_string(),
            )
        })
        .collect();
    let unit_people: Vec<&RequiredPerson> = match q.unit {
        Some(u) => r.people.iter().filter(|p| p.unit_id == u).collect(),
        None => Vec::new(),
    };
    // The shown units' people who are not compliant, in report order: one
    // pass over the people rather than one per row.
    let mut flagged: HashMap<i64, Vec<&RequiredPerson>> = HashMap::new();
    if q.unit.is_none() && r.by == Level::Unit {
        let shown_units: std::collections::HashSet<i64> = shown.iter().map(|row| row.id).collect();
        for p in &r.people {
            if !p.standing.status.compliant() && shown_units.contains(&p.unit_id) {
                flagged.entry(p.unit_id).or_default().push(p);
            }
        }
    }
    let forecast = &r.forecast;
    let errors = FieldErrors::new(ctx.lang);
    let base = report_link(&r, r.by, r.within, q.unit);
    Ok(page(
        &ctx,
        lang.t("compliance.title"),
        html! {
            form.filters method="get" action="/compliance" {
                (select_field(lang.t("licence.type"), "licence", &type_options, &r.licence.code, &errors))
                (text_field(lang.t("licence.as_of"), "as_of", &r.as_of.to_string(), &errors, FieldAttrs::optional().kind("date")))
                (select_field(lang.t("compliance.by"), "by", &level_options, r.by.as_str(), &errors))
                @if let Some(w) = r.within { input type="hidden" name="within" value=(w); }
                button type="submit" { (lang.t("common.filter")) }
            }
            nav.breadcrumbs aria-label=(lang.t("compliance.levels")) {
                a href=(format!("/compliance?{}", report_link(&r, Level::Region, None, None))) { (lang.t("org.regions")) }
                @if let (Level::Administration | Level::Unit, Some(w)) = (r.by, r.within) {
                    @if let Some(u) = r.units.values().find(|u| (r.by == Level::Administration && u.region_id == w) || (r.by == Level::Unit && u.administration_id == w)) {
                        " › " a href=(format!("/compliance?{}", report_link(&r, Level::Administration, Some(u.region_id), None))) { (u.region_name) }
                        @if r.by == Level::Unit { " › " a href=(format!("/compliance?{}", report_link(&r, Level::Unit, Some(u.administration_id), None))) { (u.administration_name) } }
                    }
                }
            }
            p {
                a.button.secondary href=(format!("/compliance.csv?{base}")) { (lang.t("common.export_csv")) } " "
                a.button.secondary href=(format!("/compliance.csv?{base}&list=people")) { (lang.t("compliance.export_people")) } " "
                a.button.secondary href=(format!("/compliance.json?{base}")) { "JSON" }
            }
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th { (lang.t("common.name")) } th.num { (lang.t("compliance.required")) } th.num { (lang.t("status.valid")) }
                    th.num { (lang.t("status.expiring")) } th.num { (lang.t("status.expired")) } th.num { (lang.t("status.missing")) } th.num { (lang.t("compliance.share")) }
                } }
                tbody {
                    @for row in shown { tr {
                        td {
                            @match r.by.child() {
                                Some(child) => { a href=(format!("/compliance?{}", report_link(&r, child, Some(row.id), None))) { (row.name) } }
                                None => { a href=(format!("/compliance?{}", report_link(&r, Level::Unit, r.within, Some(row.id)))) { (row.name) } }
                            }
                        }
                        td.num { (row.counts.required) } td.num { (row.counts.valid) } td.num { (row.counts.expiring) }
                        td.num { (row.counts.expired) } td.num { (row.counts.missing) } td.num { (row.counts.share_text(lang)) }
                    } }
                    tr.total {
                        th { (lang.t("compliance.total")) } th.num { (r.total.required) } th.num { (r.total.valid) } th.num { (r.total.expiring) }
                        th.num { (r.total.expired) } th.num { (r.total.missing) } th.num { (r.total.share_text(lang)) }
                    }
                }
            } }
            @if r.rows.len() > ROWS_PER_PAGE as usize {
                (layout::pager(lang, &format!("/compliance?{base}"), page_no, ROWS_PER_PAGE, r.rows.len() as i64))
            }
            @if !shown.is_empty() {
                h2 { (lang.t("compliance.chart_label")) }
                div.card { (compliance::bar_chart(shown, lang)) }
            }
            h2 { (lang.t("compliance.forecast_label")) }
            div.card { (compliance::forecast_chart(forecast, lang)) }
            @if let Some(u) = q.unit {
                h2 { (r.units.get(&u).map(|x| x.unit_name.as_str()).unwrap_or("")) }
                (people_table(&ctx, &r, &unit_people))
            } @else if r.by == Level::Unit && r.within.is_none() && r.people.is_empty() {
                p.muted { (lang.t("compliance.pick_administration")) }
            } @else if r.by == Level::Unit {
                h2 { (lang.t("compliance.attention")) }
                @for row in shown {
                    @if let Some(list) = flagged.get(&row.id) {
                        h3 { (row.name) }
                        (people_table(&ctx, &r, &list[..list.len().min(FLAGGED_PER_UNIT)]))
                        @if list.len() > FLAGGED_PER_UNIT {
                            p { a href=(format!("/compliance?{}", report_link(&r, Level::Unit, r.within, Some(row.id)))) {
                                (lang.t("compliance.show_all")) " (" (list.len()) ")"
                            } }
                        }
                    }
                }
            }
        },
    ))
}

/// `GET /compliance.csv`: the rows the page shows (or its people with `list=people`).
pub async fn compliance_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ComplianceQuery>,
) -> Result<Response, AppError> {
    let user = ctx.require(COMPLIANCE_ROLES)?.clone();
    let r = report(&state, compliance_filter(&user), &q, ctx.today).await?;
    let sep = csv::delimiter(q.sep.as_deref());
    let lang = csv::export_lang(q.lang.as_deref());
    // Region, administration, unit code and unit name of a unit, each its
    // own column.
    let place = |unit_id: i64| -> [String; 4] {
        match r.units.get(&unit_id) {
            Some(u) => {
                let (code, name) = u.unit_name.split_once(' ').unwrap_or((&u.unit_name, ""));
                [
                    u.region_name.clone(),
                    u.administration_name.clone(),
                    code.to_string(),
                    name.to_string(),
                ]
            }
            None => Default::default(),
        }
    };
    if q.list == "people" {
        let people: Vec<&RequiredPerson> = match q.unit {
            Some(u) => r.people.iter().filter(|p| p.unit_id == u).collect(),
            None => r.people.iter().collect(),
        };
        return Ok(csv::response_in(
            lang,
            &format!("compliance-people-{}-{}.csv", r.licence.code, r.as_of),
            sep,
            &[
                "export.person_id",
                "export.name",
                "export.hsa_id",
                "export.region",
                "export.administration",
                "export.unit_code",
                "export.unit_name",
                "export.status",
                "export.valid_until",
            ],
            people.into_iter().map(|p| {
                let mut row = vec![
                    p.person_id.to_string(),
                    p.name.clone(),
                    p.hsa_id.clone().unwrap_or_default(),
                ];
                row.extend(place(p.unit_id));
                row.push(lang.t(p.standing.status.label_key()).to_string());
                row.push(
                    p.standing
                        .valid_until
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                );
                row
            }),
        ));
    }
    Ok(csv::response_in(
        lang,
        &format!(
            "compliance-{}-{}-{}.csv",
            r.licence.code,
            r.by.as_str(),
            r.as_of
        ),
        sep,
        &[
            "export.licence",
            "export.as_of",
            "export.id",
            "export.region",
            "export.administration",
            "export.unit_code",
            "export.unit_name",
            "export.required",
            "export.valid",
            "export.expiring",
            "export.expired",
            "export.missing",
            "export.share_compliant",
        ],
        r.rows.iter().map(|row| {
            let where_: [String; 4] = match r.by {
                Level::Unit => place(row.id),
                Level::Administration => {
                    let region = r
                        .units
                        .values()
                        .find(|u| u.administration_id == row.id)
                        .map(|u| u.region_name.clone())
                        .unwrap_or_default();
                    [region, row.name.clone(), String::new(), String::new()]
                }
                Level::Region => [
                    row.name.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
            };
            let mut out = vec![
                r.licence.code.clone(),
                r.as_of.to_string(),
                row.id.to_string(),
            ];
            out.extend(where_);
            out.extend([
                row.counts.required.to_string(),
                row.counts.valid.to_string(),
                row.counts.expiring.to_string(),
                row.counts.expired.to_string(),
                row.counts.missing.to_string(),
                row.counts
                    .share_text(lang)
                    .trim_end_matches(" %")
                    .to_string(),
            ]);
            out
        }),
    ))
}

/// `GET /compliance.json`.
pub async fn compliance_json(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ComplianceQuery>,
) -> Result<axum::Json<ComplianceReport>, AppError> {
    let user = ctx.require(COMPLIANCE_ROLES)?.clone();
    let r = report(&state, compliance_filter(&user), &q, ctx.today).await?;
    Ok(axum::Json(report_json(&r)))
}
