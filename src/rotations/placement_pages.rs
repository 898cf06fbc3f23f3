//! Placement pages: the list, the placement form, a placement with its
//! split, ledger and home periods, and its buttons and small forms
//! (approve, cancel, a home period, the certificate). The rules are the
//! actions'; a refused change shows the page again with the messages and
//! what was typed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rusqlite::Connection;
use serde::Deserialize;

use super::actions::{self, NewHomePeriod};
use super::explain;
use super::model::{self, Kind, Split};
use super::placements::{
    self as pl, Certificate, HomeReason, LedgerError, LedgerLine, Placement, PlanInput, Stored,
};
use super::store;
use super::trainees::{Element, Trainee, effective_history};
use super::views::{
    ctx_may_write, date_field, kind_label, kr, may_see_placement, may_write, month_lines_table,
    placements_table, refusals, refused, status_badge, sub_nav,
};
use super::{READERS, WRITERS};
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::UnitFilter;
use crate::clock::local_display;
use crate::msg;
use crate::web::edit::{EditForm, Refused};
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field};
use crate::web::middleware::urlencode;
use crate::web::{AppError, FieldErrors, Form, Path, Query};

// ---- The list ----

/// Filters of the placement list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<u32>,
}

/// Placements per page of the list.
const PER_PAGE: u32 = 100;

/// `GET /placements`.
pub async fn placements_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Markup, AppError> {
    let user = ctx.require(READERS)?.clone();
    let filter = user.people_filter();
    let unit = q.unit.trim().parse::<i64>().ok();
    let (list, hosts) = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let list: Vec<Placement> = store::placements(conn, None, None, None)?
                .into_iter()
                .filter(|p| may_see_placement(&filter, p))
                .filter(|p| unit.is_none_or(|u| p.host_unit_id == u || p.home_unit_id == u))
                .collect();
            Ok((list, store::host_units(conn)?))
        })
        .await?;
    let today = ctx.today;
    let list: Vec<Placement> = list
        .into_iter()
        .filter(|p| q.status.is_empty() || p.status(today).as_str() == q.status)
        .collect();
    let lang = ctx.lang;
    let mut unit_options = vec![(String::new(), lang.t("common.all").to_string())];
    unit_options.extend(
        hosts
            .iter()
            .map(|(id, code, name, _)| (id.to_string(), format!("{code} {name}"))),
    );
    let mut status_options = vec![(String::new(), lang.t("common.all").to_string())];
    for s in [
        pl::Status::Planned,
        pl::Status::Approved,
        pl::Status::Active,
        pl::Status::Completed,
        pl::Status::Cancelled,
    ] {
        status_options.push((s.as_str().to_string(), lang.t(s.label_key()).to_string()));
    }
    let none = FieldErrors::new(ctx.lang);
    let page_no = q.page.unwrap_or(1).max(1);
    let shown: Vec<Placement> = list
        .iter()
        .skip(layout::page_offset(page_no, PER_PAGE) as usize)
        .take(PER_PAGE as usize)
        .cloned()
        .collect();
    Ok(page(
        &ctx,
        lang.t("placements.title"),
        html! {
            (sub_nav(&ctx))
            @if may_write(&user) { p { a.button href="/placements/new" { (lang.t("placements.new")) } } }
            form.filters method="get" action="/placements" {
                (select_field(lang.t("placements.unit"), "unit", &unit_options, &q.unit, &none))
                (select_field(lang.t("common.status"), "status", &status_options, &q.status, &none))
                button type="submit" { (lang.t("common.filter")) }
            }
            (placements_table(lang, &shown, today))
            (layout::pager(lang, &format!("/placements?unit={}&status={}", urlencode(&q.unit), urlencode(&q.status)), page_no, PER_PAGE, list.len() as i64))
        },
    ))
}

// ---- The placement form ----

/// The placement form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlacementForm {
    #[serde(default)]
    trainee_id: String,
    #[serde(default)]
    host_unit_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    extent: String,
    #[serde(default)]
    host_supervisor: String,
    #[serde(default)]
    elements: Vec<String>,
}

impl PlacementForm {
    fn from_placement(p: &Placement, elements: &[i64]) -> PlacementForm {
        PlacementForm {
            trainee_id: p.trainee_id.to_string(),
            host_unit_id: p.host_unit_id.to_string(),
            kind: p.kind.clone(),
            start: p.start.to_string(),
            end: p.end.to_string(),
            extent: p.extent.to_string(),
            host_supervisor: p.host_supervisor.clone(),
            elements: elements.iter().map(i64::to_string).collect(),
        }
    }

    /// The form read as a plan, or what to fix; the plan's rules are the
    /// action's.
    fn parse(&self, errors: &mut FieldErrors) -> Option<PlanInput> {
        let trainee_id = self.trainee_id.trim().parse::<i64>().ok();
        if trainee_id.is_none() {
            errors.add("trainee_id", msg!("placements.err_trainee"));
        }
        let host_unit_id = self.host_unit_id.trim().parse::<i64>().ok();
        if host_unit_id.is_none() {
            errors.add("host_unit_id", msg!("placements.err_host"));
        }
        let kind = Kind::parse(&self.kind);
        if kind.is_none() {
            errors.add("kind", msg!("placements.err_kind"));
        }
        let start = date_field(errors, "start", &self.start);
        let end = date_field(errors, "end", &self.end);
        let extent = self
            .extent
            .trim()
            .trim_end_matches('%')
            .trim()
            .parse::<i64>()
            .ok();
        if extent.is_none() {
            errors.add("extent", msg!("placements.err_extent"));
        }
        if !errors.is_empty() {
            return None;
        }
        Some(PlanInput {
            trainee_id: trainee_id?,
            host_unit_id: host_unit_id?,
            kind: kind?.code().to_string(),
            start: start?,
            end: end?,
            extent: extent?,
            host_supervisor: self.host_supervisor.trim().to_string(),
            elements: self
                .elements
                .iter()
                .filter_map(|e| e.trim().parse().ok())
                .collect(),
        })
    }
}

/// What the placement form offers: every trainee, the units that take
/// trainees, and the active elements (the trainee's specialty's are shown).
pub struct PlacementChoices {
    trainees: Vec<Trainee>,
    hosts: Vec<(String, String)>,
    elements: Vec<Element>,
}

/// The value of `name` in the query of `uri`, when given.
fn query_value(uri: &str, name: &str) -> Option<String> {
    let (_, query) = uri.split_once('?')?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

impl EditForm<AppState> for PlacementForm {
    type Ctx = Ctx;
    type Choices = PlacementChoices;

    const TITLE_NEW: &'static str = "placements.new";
    const TITLE_EDIT: &'static str = "placements.edit";

    fn action(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/placements/{id}/edit"),
            None => "/placements/new".into(),
        }
    }

    fn blank() -> Self {
        PlacementForm {
            kind: Kind::General.code().into(),
            extent: "100".into(),
            ..PlacementForm::default()
        }
    }

    async fn choices(state: &AppState, ctx: &Ctx) -> Result<PlacementChoices, AppError> {
        ctx.require(WRITERS)?;
        state
            .db
            .read(|conn| -> Result<_, AppError> {
                Ok(PlacementChoices {
                    trainees: store::trainees(conn)?,
                    hosts: store::host_units(conn)?
                        .into_iter()
                        .map(|(id, code, name, cap)| {
                            (id.to_string(), format!("{code} {name} ({cap})"))
                        })
                        .collect(),
                    elements: store::elements(conn)?
                        .into_iter()
                        .filter(|e| e.active)
                        .collect(),
                })
            })
            .await
    }

    async fn load(state: &AppState, _: &Ctx, id: i64) -> Result<Self, AppError> {
        state
            .db
            .read(move |conn| -> Result<_, AppError> {
                let p = store::placement(conn, id)?.ok_or(AppError::NotFound)?;
                Ok(PlacementForm::from_placement(
                    &p,
                    &store::element_ids(conn, id)?,
                ))
            })
            .await
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let mut errors = FieldErrors::new(ctx.lang);
        let Some(plan) = self.parse(&mut errors) else {
            return Err(Refused::Fields(errors));
        };
        let today = ctx.today;
        let id = ctx
            .change(&state.db, move |w| {
                actions::save_placement(w, id, &plan, today)
            })
            .await
            .map_err(|r| refused(ctx.lang, r))?;
        Ok(format!("/placements/{id}"))
    }

    fn fields(
        &self,
        ctx: &Ctx,
        id: Option<i64>,
        choices: &PlacementChoices,
        errors: &FieldErrors,
    ) -> Markup {
        let lang = ctx.lang;
        // A new placement from a trainee's page names the trainee in the query.
        let trainee_id = match (id, self.trainee_id.is_empty()) {
            (None, true) => query_value(&ctx.uri, "trainee").unwrap_or_default(),
            _ => self.trainee_id.clone(),
        };
        let specialty = choices
            .trainees
            .iter()
            .find(|t| t.id.to_string() == trainee_id.trim())
            .map(|t| t.specialty.as_str());
        let trainees: Vec<(String, String)> = choices
            .trainees
            .iter()
            .map(|t| {
                (
                    t.id.to_string(),
                    format!("{} ({})", t.name, t.home_unit_code),
                )
            })
            .collect();
        let kinds: Vec<(String, String)> = Kind::ALL
            .iter()
            .map(|k| (k.code().to_string(), lang.t(k.text_key()).to_string()))
            .collect();
        let elements_label = lang.t("trainees.elements_title");
        errors.label("elements", elements_label);
        html! {
            @if id.is_none() {
                (select_field(lang.t("placements.trainee"), "trainee_id", &trainees, &trainee_id, errors))
            } @else {
                input type="hidden" name="trainee_id" value=(trainee_id);
            }
            (select_field(lang.t("placements.host"), "host_unit_id", &choices.hosts, &self.host_unit_id, errors))
            (select_field(lang.t("placements.kind"), "kind", &kinds, &self.kind, errors))
            (text_field(lang.t("placements.start"), "start", &self.start, errors, FieldAttrs::required().kind("date")))
            (text_field(lang.t("placements.end"), "end", &self.end, errors, FieldAttrs::required().kind("date")))
            (text_field(lang.t("placements.extent"), "extent", &self.extent, errors, FieldAttrs::required().kind("number")))
            (text_field(lang.t("placements.host_supervisor"), "host_supervisor", &self.host_supervisor, errors, FieldAttrs::optional()))
            fieldset {
                legend { (elements_label) }
                @for e in choices.elements.iter().filter(|e| specialty.is_none_or(|s| e.specialty == s)) {
                    div.field.check {
                        input id=(format!("el-{}", e.id)) type="checkbox" name="elements" value=(e.id) checked[self.elements.contains(&e.id.to_string())];
                        label for=(format!("el-{}", e.id)) { (e.name) " " span.muted { "(" (e.specialty) ", " (e.suggested_months) " " (lang.t("placements.months")) ")" } }
                    }
                }
            }
        }
    }
}

// ---- A placement ----

/// Everything the placement page shows.
struct PlacementDetail {
    placement: Placement,
    elements: Vec<Element>,
    home_periods: Vec<pl::HomePeriodRow>,
    split: Result<(String, Split), LedgerError>,
    agreement: Option<model::Agreement>,
    ledger: Vec<LedgerLine>,
}

fn load_placement(
    conn: &Connection,
    id: i64,
    filter: &UnitFilter,
) -> Result<PlacementDetail, AppError> {
    let p = store::placement(conn, id)?.ok_or(AppError::NotFound)?;
    if !may_see_placement(filter, &p) {
        return Err(AppError::Hidden);
    }
    let element_ids = store::element_ids(conn, id)?;
    let elements = store::elements(conn)?
        .into_iter()
        .filter(|e| element_ids.contains(&e.id))
        .collect();
    let home_periods = store::home_periods(conn, id)?;
    let agreements = store::load_agreements(conn)?;
    let salary = effective_history(&store::salary_rows(conn, p.trainee_id)?);
    let split = pl::compute_split(&p, &agreements, &salary, &home_periods);
    let agreement = pl::agreement_for(&agreements, &p).cloned();
    Ok(PlacementDetail {
        ledger: store::ledger(conn, id)?,
        elements,
        home_periods,
        split,
        agreement,
        placement: p,
    })
}

/// The home period form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HomeForm {
    #[serde(default)]
    home_start: String,
    #[serde(default)]
    home_end: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

/// The certificate form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CertificateForm {
    #[serde(default)]
    certificate: String,
}

/// Which of the placement page's forms was refused, with its messages.
enum Posted {
    /// Nothing: the page as it is.
    Nothing,
    /// Approve or cancel.
    Button(FieldErrors),
    /// A home period, with what was typed.
    Home(HomeForm, FieldErrors),
    /// The certificate.
    Certificate(FieldErrors),
}

fn ledger_table(lang: crate::i18n::Lang, lines: &[LedgerLine]) -> Markup {
    html! {
        div.table-wrap tabindex="0" { table.ledger {
            thead { tr {
                th { (lang.t("placements.ledger_date")) } th { (lang.t("placements.ledger_kind")) } th { (lang.t("rotreport.month")) }
                th { (lang.t("rotreport.home")) " Δ" } th { (lang.t("rotreport.host")) " Δ" } th { (lang.t("placements.ledger_cause")) }
            } }
            tbody { @for l in lines { tr class=(l.kind) {
                td { (l.recorded_on) }
                td { (lang.t(if l.kind == "approval" { "placements.ledger_reported" } else { "placements.ledger_adjustment" })) }
                td { (l.month) }
                td.num { (kr(lang, l.home_ore)) } td.num { (kr(lang, l.host_ore)) }
                td { (match l.cause.as_str() {
                    "salary" => lang.t("placements.cause_salary"),
                    "change" => lang.t("placements.cause_change"),
                    "home_period" => lang.t("placements.cause_home_period"),
                    "cancel" => lang.t("placements.cause_cancel"),
                    _ => "",
                }) }
            } } }
        } }
    }
}

fn home_fields(ctx: &Ctx, home: &HomeForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let reasons: Vec<(String, String)> = HomeReason::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), lang.t(r.label_key()).to_string()))
        .collect();
    html! {
        (text_field(lang.t("common.from"), "home_start", &home.home_start, errors, FieldAttrs::required().kind("date")))
        (text_field(lang.t("common.to"), "home_end", &home.home_end, errors, FieldAttrs::required().kind("date")))
        (select_field(lang.t("placements.reason"), "reason", &reasons, &home.reason, errors))
        (text_field(lang.t("placements.note"), "note", &home.note, errors, FieldAttrs::optional()))
    }
}

fn certificate_fields(ctx: &Ctx, current: Certificate, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let certs: Vec<(String, String)> = Certificate::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), lang.t(c.label_key()).to_string()))
        .collect();
    html! {
        (select_field(lang.t("placements.certificate"), "certificate", &certs, current.as_str(), errors))
    }
}

fn placement_view(ctx: &Ctx, d: &PlacementDetail, posted: Posted) -> Markup {
    let lang = ctx.lang;
    let p = &d.placement;
    let can_write = ctx_may_write(ctx);
    let status = p.status(ctx.today);
    let live = p.is_live();
    let none = || FieldErrors::new(lang);
    let (buttons, home, home_errors, cert_errors) = match posted {
        Posted::Nothing => (none(), HomeForm::default(), none(), none()),
        Posted::Button(e) => (e, HomeForm::default(), none(), none()),
        Posted::Home(form, e) => (none(), form, e, none()),
        Posted::Certificate(e) => (none(), HomeForm::default(), none(), e),
    };
    let forms_shown = can_write && live;
    page(
        ctx,
        &format!(
            "{} #{} · {}",
            lang.t("placements.one"),
            p.id,
            p.trainee_name
        ),
        html! {
            (sub_nav(ctx))
            (refusals(&buttons))
            @if !forms_shown { (refusals(&home_errors)) (refusals(&cert_errors)) }
            section.card {
                dl.facts {
                    dt { (lang.t("placements.trainee")) } dd { a href=(format!("/trainees/{}", p.trainee_id)) { (p.trainee_name) } " (" (p.home_unit_code) ")" }
                    dt { (lang.t("placements.host")) } dd { (p.host_unit_code) " " (p.host_unit_name) }
                    dt { (lang.t("placements.kind")) } dd { (kind_label(lang, &p.kind)) }
                    dt { (lang.t("placements.period")) } dd { (p.start) " – " (p.end) " (" (model::planned_months(p.start, p.end)) " " (lang.t("placements.months")) ")" }
                    dt { (lang.t("placements.extent")) } dd { (p.extent) " %" }
                    dt { (lang.t("placements.host_supervisor")) } dd { (p.host_supervisor) }
                    dt { (lang.t("trainees.elements_title")) } dd { (d.elements.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")) }
                    dt { (lang.t("placements.certificate")) } dd { (lang.t(p.certificate.label_key())) }
                    dt { (lang.t("common.status")) } dd { (status_badge(lang, status)) }
                    dt { (lang.t("placements.agreement")) }
                    dd {
                        @match &d.agreement {
                            Some(a) => {
                                (explain::agreement_name(a, lang))
                                @if a.version > 0 { " " span.muted { "(" (msg!("placements.agreement_version", version = a.version).render(lang)) ")" } }
                            }
                            None => "–",
                        }
                    }
                    @if let Some(a) = &p.approved {
                        dt { (lang.t("placements.approved_plan")) }
                        dd { (kind_label(lang, &a.kind)) ", " (a.start) " – " (a.end) ", " (a.extent) " % · " (local_display(&a.at)) }
                    }
                }
                @if forms_shown {
                    div.actions {
                        a.button.secondary href=(format!("/placements/{}/edit", p.id)) { (lang.t("common.edit")) } " "
                        @if p.stored == Stored::Planned {
                            form.inline method="post" action=(format!("/placements/{}/approve", p.id)) {
                                (csrf_field(ctx)) button type="submit" { (lang.t("placements.approve")) }
                            } " "
                        }
                        form.inline method="post" action=(format!("/placements/{}/cancel", p.id)) {
                            (csrf_field(ctx)) button.danger type="submit" { (lang.t("placements.cancel")) }
                        }
                    }
                }
            }
            h2 { (lang.t("placements.split_title")) }
            @match &d.split {
                Ok((_, s)) => {
                    @for w in &s.warnings { p.alert.info { (w.message().render(lang)) } }
                    (month_lines_table(lang, &s.months))
                }
                Err(e) => { p.alert.info { (e.message().map(|m| m.render(lang)).unwrap_or_default()) } }
            }
            @if !d.ledger.is_empty() {
                h2 { (lang.t("placements.ledger_title")) }
                p.muted { (lang.t("placements.ledger_help")) }
                (ledger_table(lang, &d.ledger))
            }
            h2 { (lang.t("placements.home_periods")) }
            @if d.home_periods.is_empty() { p.muted { (lang.t("common.none")) } } @else {
                ul { @for h in &d.home_periods { li { (h.start) " – " (h.end) ": " (lang.t(h.reason.label_key())) @if !h.note.is_empty() { " (" (h.note) ")" } } } }
            }
            @if forms_shown {
                (layout::form_card(ctx, &format!("/placements/{}/home-periods", p.id), &home_errors, home_fields(ctx, &home, &home_errors), lang.t("placements.add_home_period")))
                (layout::form_card(ctx, &format!("/placements/{}/certificate", p.id), &cert_errors, certificate_fields(ctx, p.certificate, &cert_errors), lang.t("common.save")))
            }
        },
    )
}

async fn detail(state: &AppState, ctx: &Ctx, id: i64) -> Result<PlacementDetail, AppError> {
    let filter = ctx.require(READERS)?.people_filter();
    state
        .db
        .read(move |conn| load_placement(conn, id, &filter))
        .await
}

/// `GET /placements/{id}`.
pub async fn placement_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let d = detail(&state, &ctx, id).await?;
    Ok(placement_view(&ctx, &d, Posted::Nothing))
}

/// Finishes a change of the placement page: back to the placement, or the
/// page again with the refused form's messages (`posted` makes them).
async fn after_change(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    outcome: Result<(), Refused>,
    posted: impl FnOnce(FieldErrors) -> Posted,
) -> Result<Response, AppError> {
    match outcome {
        Ok(()) => Ok(crate::web::see_other(&format!("/placements/{id}"))),
        Err(Refused::Error(e)) => Err(e),
        Err(Refused::Fields(errors)) => {
            let d = detail(state, ctx, id).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                placement_view(ctx, &d, posted(errors)),
            )
                .into_response())
        }
    }
}

/// `POST /placements/{id}/approve`: the study director approves the plan;
/// the agreement is chosen from it and its split recorded as reported.
pub async fn approve_placement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let today = ctx.today;
    let outcome = ctx
        .change(&state.db, move |w| {
            actions::approve_placement(w, id, today).map(|_| ())
        })
        .await
        .map_err(|r| refused(ctx.lang, r));
    after_change(&state, &ctx, id, outcome, Posted::Button).await
}

/// `POST /placements/{id}/cancel`: an approved placement's reported lines
/// are balanced by adjustments to zero.
pub async fn cancel_placement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let today = ctx.today;
    let outcome = ctx
        .change(&state.db, move |w| actions::cancel_placement(w, id, today))
        .await
        .map_err(|r| refused(ctx.lang, r));
    after_change(&state, &ctx, id, outcome, Posted::Button).await
}

/// `POST /placements/{id}/home-periods`.
pub async fn add_home_period(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<HomeForm>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let mut errors = FieldErrors::new(ctx.lang);
    let start = date_field(&mut errors, "home_start", &form.home_start);
    let end = date_field(&mut errors, "home_end", &form.home_end);
    let reason = HomeReason::parse(&form.reason);
    if reason.is_none() {
        errors.add("reason", msg!("placements.err_reason"));
    }
    let outcome = match (start, end, reason) {
        (Some(start), Some(end), Some(reason)) if errors.is_empty() => {
            let home = NewHomePeriod {
                start,
                end,
                reason,
                note: form.note.trim().to_string(),
            };
            let today = ctx.today;
            ctx.change(&state.db, move |w| {
                actions::add_home_period(w, id, &home, today)
            })
            .await
            .map_err(|r| refused(ctx.lang, r))
        }
        _ => Err(Refused::Fields(errors)),
    };
    after_change(&state, &ctx, id, outcome, |e| Posted::Home(form, e)).await
}

/// `POST /placements/{id}/certificate`.
pub async fn set_certificate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CertificateForm>,
) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let outcome = match Certificate::parse(&form.certificate) {
        None => Err(Refused::Fields(FieldErrors::from_list(
            ctx.lang,
            [("certificate", msg!("placements.err_certificate"))],
        ))),
        Some(c) => ctx
            .change(&state.db, move |w| actions::set_certificate(w, id, c))
            .await
            .map_err(|r| refused(ctx.lang, r)),
    };
    after_change(&state, &ctx, id, outcome, Posted::Certificate).await
}
