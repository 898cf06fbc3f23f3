//! The administrators' view of the audit log, and its CSV export.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Europe::Stockholm;
use maud::{Markup, html};

use super::store::{self, AuditFilter, AuditRow};
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::Role;
use crate::clock::{local_display, stamp};
use crate::i18n::Lang;
use crate::msg;
use crate::web::layout::{self, FieldAttrs, page, text_field};
use crate::web::{AppError, FieldErrors, Query, csv};

const PER_PAGE: u32 = 50;

/// The filter's local dates as UTC bounds (the `to` day is inclusive), or
/// the date fields that do not hold a date.
fn bounds(filter: &AuditFilter, errors: &mut FieldErrors) -> (Option<String>, Option<String>) {
    let mut day = |field: &str, text: &str| -> Option<NaiveDate> {
        match text.trim() {
            "" => None,
            s => {
                let date = crate::check::date(s);
                if date.is_none() {
                    errors.add(field, msg!("input.not_a_date"));
                }
                date
            }
        }
    };
    let from = day("from", &filter.from);
    let to = day("to", &filter.to);
    let to_utc = |d: NaiveDate| {
        Stockholm
            .from_local_datetime(&d.and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| stamp(t.with_timezone(&chrono::Utc)))
    };
    (
        from.and_then(to_utc),
        to.and_then(|d| d.succ_opt()).and_then(to_utc),
    )
}

fn query_string(f: &AuditFilter) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("actor", &f.actor),
        ("action", &f.action),
        ("entity", &f.entity),
        ("entity_id", &f.entity_id),
        ("from", &f.from),
        ("to", &f.to),
    ] {
        if !v.trim().is_empty() {
            s.append_pair(k, v.trim());
        }
    }
    s.finish()
}

/// One page of the log as the browse page shows it.
struct Found {
    rows: Vec<AuditRow>,
    page_no: u32,
    total: i64,
}

fn browse_view(ctx: &Ctx, filter: &AuditFilter, errors: &FieldErrors, found: &Found) -> Markup {
    let lang = ctx.lang;
    let qs = query_string(filter);
    // The fields first, so that the summary above them names their labels.
    let fields = html! {
        (text_field(lang.t("audit.actor"), "actor", &filter.actor, errors, FieldAttrs::optional()))
        (text_field(lang.t("audit.action"), "action", &filter.action, errors, FieldAttrs::optional().placeholder("login.")))
        (text_field(lang.t("audit.entity"), "entity", &filter.entity, errors, FieldAttrs::optional()))
        (text_field(lang.t("common.from"), "from", &filter.from, errors, FieldAttrs::optional().kind("date")))
        (text_field(lang.t("common.to"), "to", &filter.to, errors, FieldAttrs::optional().kind("date")))
    };
    page(
        ctx,
        lang.t("audit.title"),
        html! {
            (layout::form_errors(lang, errors))
            form.filters method="get" action="/admin/audit" {
                (fields)
                button type="submit" { (lang.t("common.filter")) }
                a.button.secondary href=(format!("/admin/audit.csv?{qs}")) { (lang.t("common.export_csv")) }
            }
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th { (lang.t("audit.at")) } th { (lang.t("audit.actor")) } th { (lang.t("audit.address")) }
                    th { (lang.t("audit.action")) } th { (lang.t("audit.entity")) } th colspan="2" { (lang.t("audit.changes")) }
                } }
                tbody { @for r in &found.rows { tr {
                    td { (local_display(&r.at)) }
                    td { (r.actor) }
                    td { (r.address.as_deref().unwrap_or("")) }
                    td {
                        @match lang.lookup(&format!("audit.action.{}", r.action)) {
                            Some(label) => { (label) br; span.muted { code { (r.action) } } }
                            None => code { (r.action) },
                        }
                    }
                    td {
                        (lang.lookup(&format!("audit.entity.{}", r.entity)).unwrap_or(&r.entity))
                        @if let Some(id) = &r.entity_id { " " (id) }
                    }
                    td colspan="2" { (change_list(lang, r.before.as_deref(), r.after.as_deref())) }
                } } }
            } }
            (layout::pager(lang, &format!("/admin/audit?{qs}"), found.page_no, PER_PAGE, found.total))
        },
    )
}

/// A row's changes as a list: each field by its label where the catalogue
/// has one (`audit.field.NAME`, else its name), its value before and after.
fn change_list(lang: Lang, before: Option<&str>, after: Option<&str>) -> Markup {
    let list = super::model::changes(before, after);
    let v = |s: &str| -> String {
        match s {
            "true" => lang.t("common.yes").to_string(),
            "false" => lang.t("common.no").to_string(),
            other => other.to_string(),
        }
    };
    html! {
        @if !list.is_empty() {
            ul.changes { @for c in &list {
                @let last = c.field.rsplit('.').next().unwrap_or(&c.field);
                li {
                    @if !c.field.is_empty() {
                        (lang.lookup(&format!("audit.field.{last}")).unwrap_or(&c.field)) ": "
                    }
                    @match (&c.before, &c.after) {
                        (Some(b), Some(a)) => { del { (v(b)) } " → " ins { (v(a)) } }
                        (None, Some(a)) => { ins { (v(a)) } }
                        (Some(b), None) => { del { (v(b)) } " → –" }
                        (None, None) => {}
                    }
                }
            } }
        }
    }
}

/// The browse page with the filter's dates refused: 400, as before, but
/// with the message beside its field.
fn refused(ctx: &Ctx, filter: &AuditFilter, errors: &FieldErrors) -> Response {
    let none = Found {
        rows: Vec::new(),
        page_no: 1,
        total: 0,
    };
    (
        StatusCode::BAD_REQUEST,
        browse_view(ctx, filter, errors, &none),
    )
        .into_response()
}

/// `GET /admin/audit`.
pub async fn browse(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filter): Query<AuditFilter>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new(ctx.lang);
    let (from, to) = bounds(&filter, &mut errors);
    if !errors.is_empty() {
        return Ok(refused(&ctx, &filter, &errors));
    }
    let page_no = filter.page.unwrap_or(1).max(1);
    let f = filter.clone();
    let (rows, total) = state
        .db
        .read(move |conn| {
            store::search(
                conn,
                &f,
                from,
                to,
                Some((PER_PAGE, layout::page_offset(page_no, PER_PAGE))),
            )
            .map_err(AppError::from)
        })
        .await?;
    let found = Found {
        rows,
        page_no,
        total,
    };
    Ok(browse_view(&ctx, &filter, &errors, &found).into_response())
}

/// Export query: the filter, the delimiter and the language of the headers
/// and descriptions (Swedish unless `lang=en`).
#[derive(Debug, serde::Deserialize, Default)]
pub struct ExportQuery {
    #[serde(flatten)]
    filter: AuditFilter,
    sep: Option<String>,
    lang: Option<String>,
}

/// `GET /admin/audit.csv`: every row the filter matches, the action's code
/// beside its description.
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let lang = csv::export_lang(q.lang.as_deref());
    let mut errors = FieldErrors::new(ctx.lang);
    let (from, to) = bounds(&q.filter, &mut errors);
    if !errors.is_empty() {
        return Ok(refused(&ctx, &q.filter, &errors));
    }
    let f = q.filter.clone();
    let (rows, _) = state
        .db
        .read(move |conn| store::search(conn, &f, from, to, None).map_err(AppError::from))
        .await?;
    Ok(csv::response_in(
        lang,
        "audit.csv",
        csv::delimiter(q.sep.as_deref()),
        &[
            "export.id",
            "export.at_utc",
            "export.actor",
            "export.address",
            "export.action",
            "export.entity",
            "export.entity_id",
            "export.before",
            "export.after",
            "export.description",
        ],
        rows.into_iter().map(|r| {
            let description = lang
                .lookup(&format!("audit.action.{}", r.action))
                .unwrap_or_default()
                .to_string();
            vec![
                r.id.to_string(),
                r.at,
                r.actor,
                r.address.unwrap_or_default(),
                r.action,
                r.entity,
                r.entity_id.unwrap_or_default(),
                r.before.unwrap_or_default(),
                r.after.unwrap_or_default(),
                description,
            ]
        }),
    ))
}
