//! Licence pages: a nurse's own licences, the person page where managers and
//! coordinators record and revoke, the compliance report with its drill-down
//! and exports, and the administrators' licence types and requirements.

use std::collections::HashMap;

use crate::auth::Ctx;
use crate::web::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::compliance::{self, Level, UnitInfo};
use super::model::{self, LicenceType, Part, RequirementScope, Status};
use super::store::{self, PersonLicence, RequiredPerson};
use crate::AppState;
use crate::audit::store::{self as audit, Entry};
use crate::auth::model::{Principal, Role, UnitFilter};
use crate::clock::local_display;
use crate::i18n::Lang;
use crate::organisation::model::Profession;
use crate::organisation::store as org;
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Form, Query, csv};

/// Reads an optional `as_of` parameter; today when absent.
pub fn as_of(param: &str, today: NaiveDate) -> Result<NaiveDate, AppError> {
    match param.trim() {
        "" => Ok(today),
        s => crate::check::date(s)
            .ok_or_else(|| AppError::bad_request("as_of", "expected a date YYYY-MM-DD")),
    }
}

/// A status badge.
pub fn status_badge(lang: Lang, s: Status) -> Markup {
    layout::badge(lang.t(s.label_key()), s.as_str())
}

/// The name of a licence part.
pub fn part_label(lang: Lang, p: Part) -> &'static str {
    lang.t(match p {
        Part::Theory => "licence.part_theory",
        Part::Practical => "licence.part_practical",
    })
}

/// Who may record and revoke completions for a person in `unit_id`.
pub(super) fn may_record(user: &Principal, unit_id: i64) -> bool {
    user.has_any(&[Role::Admin, Role::Coordinator])
        || (user.has(Role::Manager) && user.managed_units.contains(&unit_id))
}

fn licence_card(ctx: &Ctx, l: &PersonLicence, day: NaiveDate, can_revoke: bool) -> Markup {
    let lang = ctx.lang;
    let s = &l.standing;
    html! {
        section.card {
            h2 { (l.licence.name(lang)) " " span.muted { "(" (l.licence.code) ")" } " " (status_badge(lang, s.status)) }
            dl.facts {
                dt { (lang.t("licence.required")) } dd { (lang.t(if l.required { "common.yes" } else { "common.no" })) }
                dt { (lang.t("licence.valid_until")) } dd { (s.valid_until.map(|d| d.to_string()).unwrap_or_else(|| "–".into())) }
                @if let Some(days) = s.days_left {
                    dt { (lang.t("licence.days_left")) } dd { (days) }
                }
                @if let Some(w) = s.window_opens {
                    dt { (lang.t("licence.window_opens")) } dd { (w) }
                }
                dt { (lang.t("licence.as_of")) } dd { (day) }
            }
            @if !l.history.is_empty() {
                h3 { (lang.t("licence.history")) }
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th { (lang.t("licence.completed_on")) } th { (lang.t("licence.part")) } th { (lang.t("licence.source")) }
                        th { (lang.t("licence.signed_by")) } th { (lang.t("licence.note")) } th { (lang.t("licence.recorded")) } th { (lang.t("common.status")) }
                    } }
                    tbody { @for c in l.history.iter().rev() { tr {
                        td { (c.completed_on) }
                        td { (part_label(lang, c.part)) }
                        td { (c.source) @if let Some(b) = c.import_batch_id { " #" (b) } }
                        td { (c.signed_by.as_deref().unwrap_or("")) }
                        td { (c.note.as_deref().unwrap_or("")) }
                        td { (local_display(&c.recorded_at)) " " span.muted { (c.recorded_by.as_deref().unwrap_or("")) } }
                        td {
                            @if let Some((at, by, reason)) = &c.revoked {
                                (layout::badge(lang.t("licence.revoked"), "bad")) " " (local_display(at)) " " span.muted { (by.as_deref().unwrap_or("")) } br; (reason)
                            } @else if can_revoke {
                                form method="post" action=(format!("/licences/completions/{}/revoke", c.id)) {
                                    (csrf_field(ctx))
                                    label for=(format!("reason-{}", c.id)) { (lang.t("licence.revoke_reason")) }
                                    " "
                                    input id=(format!("reason-{}", c.id)) type="text" name="reason" required maxlength="500";
                                    " "
                                    button.secondary type="submit" { (lang.t("licence.revoke")) }
                                }
                            }
                        }
                    } } }
                } }
            }
        }
    }
}

/// Query with an as-of date.
#[derive(Debug, Deserialize, Default)]
pub struct AsOfQuery {
    #[serde(default)]
    as_of: String,
}

fn as_of_form(ctx: &Ctx, action: &str, day: NaiveDate) -> Markup {
    let lang = ctx.lang;
    html! {
        form.filters method="get" action=(action) {
            (text_field(lang.t("licence.as_of"), "as_of", &day.to_string(), &FieldErrors::new(ctx.lang), FieldAttrs::optional().kind("date")))
            button type="submit" { (lang.t("common.filter")) }
        }
    }
}

/// `GET /licences`: the signed-in person's own licences.
pub async fn my_licences(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AsOfQuery>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let day = as_of(&q.as_of, ctx.today)?;
    let lang = ctx.lang;
    let Some(person_id) = user.person_id else {
        return Ok(page(
            &ctx,
            lang.t("licence.mine"),
            html! { p.muted { (lang.t("home.no_person")) } },
        ));
    };
    let today = ctx.today;
    let find_renewals = super::renewals::Renewals::of(&state);
    let (licences, renewals) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let licences = store::person_licences(c, person_id, day)?;
            let types: Vec<i64> = licences.iter().map(|l| l.licence.id).collect();
            let renewals = find_renewals(c, &types, today)?;
            Ok((licences, renewals))
        })
        .await?;
    Ok(page(
        &ctx,
        lang.t("licence.mine"),
        html! {
            (as_of_form(&ctx, "/licences", day))
            @if licences.is_empty() { p { (lang.t("licence.none_required")) } }
            @for l in &licences {
                (licence_card(&ctx, l, day, false))
                (super::renewals::offers_view(lang, renewals.get(&l.licence.id).map_or(&[], |v| v.as_slice())))
            }
        },
    ))
}

struct PersonPage {
    person: org::Person,
    licences: Vec<PersonLicence>,
    types: Vec<LicenceType>,
}

async fn load_person_page(
    state: &AppState,
    user: &Principal,
    id: i64,
    day: NaiveDate,
) -> Result<PersonPage, AppError> {
    let page = state
        .db
        .read(move |c| -> Result<PersonPage, AppError> {
            let person = org::person(c, id)?.ok_or(AppError::NotFound)?;
            Ok(PersonPage {
                licences: store::person_licences(c, id, day)?,
                types: store::licence_types(c)?,
                person,
            })
        })
        .await?;
    if !user.may_see_person(page.person.id, page.person.unit_id) {
        return Err(AppError::NotFound);
    }
    Ok(page)
}

/// Fields of the record form.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct RecordForm {
    #[serde(default)]
    licence: String,
    #[serde(default)]
    part: String,
    #[serde(default)]
    completed_on: String,
    #[serde(default)]
    signed_by: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    action: String,
}

fn person_licences_view(
    ctx: &Ctx,
    p: &PersonPage,
    day: NaiveDate,
    form: &RecordForm,
    errors: &FieldErrors,
    preview: Option<(NaiveDate, NaiveDate)>,
) -> Markup {
    let lang = ctx.lang;
    let can_record = ctx
        .user
        .as_ref()
        .is_some_and(|u| may_record(u, p.person.unit_id));
    let types: Vec<(String, String)> = p
        .types
        .iter()
        .filter(|t| t.active)
        .map(|t| (t.id.to_string(), format!("{} – {}", t.code, t.name(lang))))
        .collect();
    let today = ctx.today.to_string();
    let parts = vec![
        (
            "theory".to_string(),
            part_label(lang, Part::Theory).to_string(),
        ),
        (
            "practical".to_string(),
            part_label(lang, Part::Practical).to_string(),
        ),
    ];
    page(
        ctx,
        &format!("{} – {}", p.person.name, lang.t("licence.title")),
        html! {
            p { a href=(format!("/people/{}", p.person.id)) { (p.person.name) } " · " (p.person.unit_code) " · " (lang.t(p.person.profession.label_key())) }
            (as_of_form(ctx, &format!("/people/{}/licences", p.person.id), day))
            @if p.licences.is_empty() { p { (lang.t("licence.none_required")) } }
            @for l in &p.licences { (licence_card(ctx, l, day, can_record)) (super::verify::link_actions(ctx, &p.person, l.licence.id)) }
            @if can_record {
                h2 { (lang.t("licence.record")) }
                div.card {
                    (layout::form_errors(lang, errors))
                    @if let Some((until, window)) = preview {
                        div.alert.info role="status" {
                            p { (lang.t("licence.preview_gives")) " " strong { (until) } ". " (lang.t("licence.window_opens")) ": " strong { (window) } "." }
                        }
                    }
                    form method="post" action=(format!("/people/{}/licences", p.person.id)) {
                        (csrf_field(ctx))
                        (select_field(lang.t("licence.type"), "licence", &types, &form.licence, errors))
                        (select_field(lang.t("licence.part"), "part", &parts, if form.part.is_empty() { "theory" } else { &form.part }, errors))
                        (text_field(lang.t("licence.completed_on"), "completed_on", if form.completed_on.is_empty() { &today } else { &form.completed_on }, errors, FieldAttrs::required().kind("date")))
                        (text_field(lang.t("licence.signed_by"), "signed_by", &form.signed_by, errors, FieldAttrs::optional()))
                        (text_field(lang.t("licence.note"), "note", &form.note, errors, FieldAttrs::optional()))
                        button.secondary type="submit" name="action" value="preview" { (lang.t("import.preview")) }
                        " "
                        button type="submit" name="action" value="save" { (lang.t("common.save")) }
                    }
                }
            }
        },
    )
}

/// `GET /people/{id}/licences`.
pub async fn person_licences(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<AsOfQuery>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let day = as_of(&q.as_of, ctx.today)?;
    let p = load_person_page(&state, &user, id, day).await?;
    // Show what a completion today would give for the first required licence.
    let form = RecordForm {
        licence: p
            .licences
            .first()
            .map(|l| l.licence.id.to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    Ok(person_licences_view(
        &ctx,
        &p,
        day,
        &form,
        &FieldErrors::new(ctx.lang),
        None,
    ))
}

/// `POST /people/{id}/licences`: preview or record a completion.
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RecordForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let p = load_person_page(&state, &user, id, ctx.today).await?;
    if !may_record(&user, p.person.unit_id) {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::new(ctx.lang);
    let licence = form
        .licence
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|i| p.types.iter().find(|t| t.id == i && t.active))
        .cloned();
    if licence.is_none() {
        errors.add("licence", "choose a licence / välj ett körkort");
    }
    let part = Part::parse(&form.part);
    if part.is_none() {
        errors.add("part", "theory or practical / teori eller praktik");
    }
    let on = crate::check::date(&form.completed_on);
    match on {
        None => errors.add("completed_on", "a date YYYY-MM-DD / ett datum ÅÅÅÅ-MM-DD"),
        Some(d) if d > ctx.today => errors.add(
            "completed_on",
            "cannot be in the future / kan inte ligga i framtiden",
        ),
        _ => {}
    }
    let signed_by = form.signed_by.trim().to_string();
    if let (Some(t), Some(Part::Practical)) = (&licence, part)
        && t.requires_practical
        && signed_by.is_empty()
    {
        errors.add("signed_by", "the supervisor who signed the practical part / handledaren som signerat den praktiska delen");
    }
    let (Some(t), Some(part), Some(on), true) = (licence, part, on, errors.is_empty()) else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            person_licences_view(&ctx, &p, ctx.today, &form, &errors, None),
        )
            .into_response());
    };
    if form.action != "save" {
        let existing: Vec<model::Done> = p
            .licences
            .iter()
            .filter(|l| l.licence.id == t.id)
            .flat_map(|l| {
                l.history
                    .iter()
                    .filter(|c| c.part == part)
                    .map(|c| c.done())
            })
            .collect();
        let preview = model::preview(&t, &existing, part, on);
        return Ok(
            person_licences_view(&ctx, &p, ctx.today, &form, &errors, Some(preview))
                .into_response(),
        );
    }
    let c = store::NewCompletion {
        person_id: id,
        licence_type_id: t.id,
        part,
        completed_on: on,
        signed_by: (!signed_by.is_empty()).then_some(signed_by),
        note: Some(form.note.trim().to_string()).filter(|n| !n.is_empty()),
        source: "manual",
        import_batch_id: None,
    };
    let (actor, now, account) = (ctx.actor(), ctx.now, user.account_id);
    state
        .db
        .write(move |tx| -> Result<(), AppError> {
            let cid = store::record_completion(tx, &c, Some(account), now)?;
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action: "licence.complete",
                    entity: "licence_completion",
                    entity_id: Some(cid.to_string()),
                    before: None,
                    after: Some(json!(c)),
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(crate::web::see_other(&format!("/people/{id}/licences")))
}

/// Revocation field.
#[derive(Debug, Deserialize, Default)]
pub struct RevokeForm {
    #[serde(default)]
    reason: String,
}

/// `POST /licences/completions/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let (actor, now) = (ctx.actor(), ctx.now);
    let reason = form.reason.trim().to_string();
    let person = state
        .db
        .write(move |tx| -> Result<i64, AppError> {
            let (person_id, unit_id): (i64, i64) = rusqlite::OptionalExtension::optional(tx.query_row(
                "SELECT p.id, p.unit_id FROM licence_completion c JOIN person p ON p.id = c.person_id WHERE c.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            ))?
            .ok_or(AppError::NotFound)?;
            if !user.may_see_person(person_id, unit_id) {
                return Err(AppError::NotFound);
            }
            if !may_record(&user, unit_id) {
                return Err(AppError::Forbidden);
            }
            store::revoke_completion(tx, id, &reason, Some(user.account_id), now)?.map_err(|m| AppError::unprocessable("reason", m))?;
            audit::record(tx, &actor, now, Entry {
                action: "licence.revoke",
                entity: "licence_completion",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(json!({"reason": reason})),
            })?;
            Ok(person_id)
        })
        .await?;
    Ok(crate::web::see_other(&format!("/people/{person}/licences")))
}

// ---- Compliance ----

/// The report's parameters (pages, exports and the API share them).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ComplianceQuery {
    /// Licence code; the first type when empty.
    #[serde(default)]
    pub licence: String,
    /// The day; today when empty.
    #[serde(default)]
    pub as_of: String,
    /// `region`, `administration` or `unit`.
    #[serde(default)]
    pub by: String,
    /// Parent id: a region for administrations, an administration for units.
    #[serde(default)]
    pub within: Option<i64>,
    /// One unit's people.
    #[serde(default)]
    pub unit: Option<i64>,
    /// CSV delimiter.
    #[serde(default)]
    pub sep: Option<String>,
    /// `people` to export the person rows instead of the counts.
    #[serde(default)]
    pub list: String,
}

/// Compliance reports by the question asked, while the counts are unchanged.
pub type ReportCache = crate::db::memo::Memo<String, std::sync::Arc<Report>>;

/// Reports are kept while the compliance counts stay as they were (see
/// [`super::counts::mark`]), and ten seconds at most, for what the counts do
/// not cover (a renamed person or unit); 256 at most.
pub fn report_cache() -> ReportCache {
    crate::db::memo::Memo::new(256, std::time::Duration::from_secs(10))
}

/// A computed report.
pub struct Report {
    /// Expiries per month for the next 12 months under the current view.
    pub forecast: Vec<(NaiveDate, u64)>,
    /// The licence.
    pub licence: LicenceType,
    /// All types, for the picker.
    pub types: Vec<LicenceType>,
    /// The day.
    pub as_of: NaiveDate,
    /// Grouping.
    pub by: Level,
    /// Parent filter.
    pub within: Option<i64>,
    /// Rows.
    pub rows: Vec<compliance::Row>,
    /// Total of the rows.
    pub total: compliance::Counts,
    /// The people under the current view.
    pub people: Vec<RequiredPerson>,
    /// Units with names.
    pub units: HashMap<i64, UnitInfo>,
}

/// Loads the unit names for grouping.
pub fn unit_infos(conn: &rusqlite::Connection) -> rusqlite::Result<HashMap<i64, UnitInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.code || ' ' || u.name, a.id, a.name, r.id, r.name FROM unit u
         JOIN administration a ON a.id = u.administration_id JOIN region r ON r.id = a.region_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(UnitInfo {
            unit_id: r.get(0)?,
            unit_name: r.get(1)?,
            administration_id: r.get(2)?,
            administration_name: r.get(3)?,
            region_id: r.get(4)?,
            region_name: r.get(5)?,
        })
    })?;
    rows.map(|r| r.map(|u| (u.unit_id, u))).collect()
}

/// Computes a report for a user, restricted to the units they may see.
///
/// The counts come from the kept step functions (`counts`), brought up to date
/// first when a write has changed them. `people` is filled only where the view
/// lists people: at unit level (the units shown), for one unit, and for the
/// people export (`list=people`); at region and administration level it is
/// empty. The expiry forecast comes from the kept transitions at every level.
pub async fn report(
    state: &AppState,
    filter: UnitFilter,
    q: &ComplianceQuery,
    today: NaiveDate,
) -> Result<std::sync::Arc<Report>, AppError> {
    use super::counts;

    struct Ask {
        code: String,
        filter: UnitFilter,
        day: NaiveDate,
        by: Level,
        within: Option<i64>,
        unit: Option<i64>,
        everyone: bool,
    }

    fn build(c: &rusqlite::Connection, ask: &Ask) -> Result<Report, AppError> {
        let types = store::licence_types(c)?;
        let licence = if ask.code.is_empty() {
            types.first().cloned().ok_or(AppError::NotFound)?
        } else {
            store::licence_type_by_code(c, &ask.code)?.ok_or_else(|| {
                AppError::unprocessable(
                    "licence",
                    format!("no licence type has the code {:?}", ask.code),
                )
            })?
        };
        let visible = match &ask.filter {
            UnitFilter::All => None,
            UnitFilter::Only(ids) => Some(ids.as_slice()),
        };
        let scope = counts::Scope {
            by: ask.by,
            within: ask.within,
            visible,
            unit: ask.unit,
            everyone: ask.everyone,
        };
        let view = counts::view(c, &licence, ask.day, &scope)?;
        let shown: Vec<i64> = view
            .units
            .values()
            .filter(|u| visible.is_none_or(|v| v.contains(&u.unit_id)))
            .filter(|u| ask.unit.is_none_or(|one| u.unit_id == one))
            .filter(|u| match (ask.by, ask.within) {
                (Level::Administration, Some(region)) => u.region_id == region,
                (Level::Unit, Some(administration)) => u.administration_id == administration,
                _ => true,
            })
            .map(|u| u.unit_id)
            .collect();
        let forecast = counts::forecast(c, &licence, ask.day, Some(&shown))?;
        Ok(Report {
            forecast,
            licence,
            types,
            as_of: ask.day,
            by: ask.by,
            within: ask.within,
            rows: view.rows,
            total: view.total,
            people: view.people,
            units: view.units,
        })
    }

    let day = as_of(&q.as_of, today)?;
    let by = Level::parse(&q.by)
        .ok_or_else(|| AppError::bad_request("by", "region, administration or unit"))?;
    let ask = std::sync::Arc::new(Ask {
        code: q.licence.trim().to_string(),
        filter,
        day,
        by,
        within: if by == Level::Region { None } else { q.within },
        unit: q.unit,
        everyone: q.list == "people",
    });
    // The same question while nothing was written gets the same answer.
    let key = format!(
        "{}|{:?}|{}|{:?}|{:?}|{:?}|{}|{today}",
        ask.code, ask.filter, ask.day, ask.by, ask.within, ask.unit, ask.everyone
    );
    // Keyed on the counts' refresh mark, not on every write: sign-ins and
    // messages leave reports as they are.
    let mark = state
        .db
        .read(|c| counts::mark(c).map_err(AppError::from))
        .await?;
    if let Some(report) = mark.and_then(|m| state.service(report_cache).get(&key, m.unsigned_abs()))
    {
        return Ok(report);
    }
    let read = ask.clone();
    // One snapshot for the dirty check and the report, so the counts and the
    // people always describe the same data.
    let fresh = state
        .db
        .read(move |c| -> Result<Option<Report>, AppError> {
            let snapshot = c.unchecked_transaction()?;
            if counts::is_dirty(&snapshot)? {
                return Ok(None);
            }
            build(&snapshot, &read).map(Some)
        })
        .await?;
    let report = std::sync::Arc::new(match fresh {
        Some(report) => report,
        None => {
            state
                .db
                .write(move |tx| -> Result<Report, AppError> {
                    counts::refresh(tx, today)?;
                    build(tx, &ask)
                })
                .await?
        }
    });
    // The mark was taken before the read: a change that raced it moves the
    // mark on, which leaves this entry unused.
    if let Some(m) = mark {
        state
            .service(report_cache)
            .put(key, m.unsigned_abs(), report.clone());
    }
    Ok(report)
}

/// Roles that see compliance (managers only for their scope).
pub const COMPLIANCE_ROLES: &[Role] = &[
    Role::Admin,
    Role::Coordinator,
    Role::StudyDirector,
    Role::Manager,
];

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

fn people_table(ctx: &Ctx, people: &[&RequiredPerson], units: &HashMap<i64, UnitInfo>) -> Markup {
    let lang = ctx.lang;
    html! {
        div.table-wrap tabindex="0" { table {
            thead { tr { th { (lang.t("common.name")) } th { (lang.t("people.hsa_id")) } th { (lang.t("people.unit")) } th { (lang.t("common.status")) } th { (lang.t("licence.valid_until")) } } }
            tbody { @for p in people { tr {
                td { a href=(format!("/people/{}/licences", p.person_id)) { (p.name) } }
                td { (p.hsa_id.as_deref().unwrap_or("")) }
                td { (units.get(&p.unit_id).map(|u| u.unit_name.as_str()).unwrap_or("")) }
                td { (status_badge(lang, p.standing.status)) }
                td { (p.standing.valid_until.map(|d| d.to_string()).unwrap_or_else(|| "–".into())) }
            } } }
        } }
    }
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
                (people_table(&ctx, &unit_people, &r.units))
            } @else if r.by == Level::Unit {
                h2 { (lang.t("compliance.attention")) }
                @for row in shown {
                    @if let Some(list) = flagged.get(&row.id) {
                        h3 { (row.name) }
                        (people_table(&ctx, &list[..list.len().min(FLAGGED_PER_UNIT)], &r.units))
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

/// What a user may see in compliance reports.
pub fn compliance_filter(user: &Principal) -> UnitFilter {
    if user.has_any(&[Role::Admin, Role::Coordinator, Role::StudyDirector]) {
        UnitFilter::All
    } else {
        UnitFilter::Only(user.managed_units.clone())
    }
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
    if q.list == "people" {
        let people: Vec<&RequiredPerson> = match q.unit {
            Some(u) => r.people.iter().filter(|p| p.unit_id == u).collect(),
            None => r.people.iter().collect(),
        };
        return Ok(csv::response(
            &format!("compliance-people-{}-{}.csv", r.licence.code, r.as_of),
            sep,
            &[
                "person_id",
                "name",
                "hsa_id",
                "unit",
                "status",
                "valid_until",
            ],
            people.into_iter().map(|p| {
                vec![
                    p.person_id.to_string(),
                    p.name.clone(),
                    p.hsa_id.clone().unwrap_or_default(),
                    r.units
                        .get(&p.unit_id)
                        .map(|u| u.unit_name.clone())
                        .unwrap_or_default(),
                    p.standing.status.as_str().to_string(),
                    p.standing
                        .valid_until
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                ]
            }),
        ));
    }
    let lang = ctx.lang;
    Ok(csv::response(
        &format!(
            "compliance-{}-{}-{}.csv",
            r.licence.code,
            r.by.as_str(),
            r.as_of
        ),
        sep,
        &[
            "licence",
            "as_of",
            "by",
            "id",
            "name",
            "required",
            "valid",
            "expiring",
            "expired",
            "missing",
            "share_compliant",
        ],
        r.rows.iter().map(|row| {
            vec![
                r.licence.code.clone(),
                r.as_of.to_string(),
                r.by.as_str().to_string(),
                row.id.to_string(),
                row.name.clone(),
                row.counts.required.to_string(),
                row.counts.valid.to_string(),
                row.counts.expiring.to_string(),
                row.counts.expired.to_string(),
                row.counts.missing.to_string(),
                row.counts.share_text(lang),
            ]
        }),
    ))
}

/// The JSON body of a report (the page's export and the API share it).
pub fn report_json(r: &Report) -> ComplianceReport {
    ComplianceReport {
        licence: r.licence.code.clone(),
        as_of: r.as_of,
        by: r.by,
        within: r.within,
        rows: r.rows.clone(),
        total: r.total,
    }
}

/// Compliance counts per region, administration or unit, as JSON.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ComplianceReport {
    /// The licence type's code.
    licence: String,
    /// The day judged.
    as_of: NaiveDate,
    /// What the rows are.
    by: Level,
    /// The region or administration the rows lie in, when narrowed.
    within: Option<i64>,
    /// One row per group, with its counts.
    rows: Vec<compliance::Row>,
    /// The counts of every row together.
    total: compliance::Counts,
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

// ---- Licence types and requirements ----

/// `GET /admin/licences`: types and who must hold them.
pub async fn types_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let (types, reqs, regions, admins, units) = state
        .db
        .read(|c| -> Result<_, AppError> {
            Ok((
                store::licence_types(c)?,
                store::requirements(c, None)?,
                org::regions(c)?,
                org::administrations(c, None)?,
                org::units(c, &org::UnitQuery::default(), NaiveDate::MIN)?,
            ))
        })
        .await?;
    let lang = ctx.lang;
    let scope_name = |s: RequirementScope| match s {
        RequirementScope::ChemotherapyUnits => lang.t("licence.scope_chemo").to_string(),
        RequirementScope::Unit(i) => units
            .iter()
            .find(|u| u.id == i)
            .map(|u| format!("{} {}", u.code, u.name))
            .unwrap_or_default(),
        RequirementScope::Administration(i) => admins
            .iter()
            .find(|a| a.id == i)
            .map(|a| a.name.clone())
            .unwrap_or_default(),
        RequirementScope::Region(i) => regions
            .iter()
            .find(|r| r.id == i)
            .map(|r| r.name.clone())
            .unwrap_or_default(),
    };
    let mut scopes = vec![(
        "chemotherapy_units".to_string(),
        lang.t("licence.scope_chemo").to_string(),
    )];
    scopes.extend(regions.iter().map(|r| {
        (
            format!("region:{}", r.id),
            format!("{}: {}", lang.t("org.region"), r.name),
        )
    }));
    scopes.extend(admins.iter().map(|a| {
        (
            format!("administration:{}", a.id),
            format!("{}: {}", lang.t("org.administration"), a.name),
        )
    }));
    scopes.extend(units.iter().map(|u| {
        (
            format!("unit:{}", u.id),
            format!("{}: {} {}", lang.t("org.unit"), u.code, u.name),
        )
    }));
    let professions: Vec<(String, String)> = Profession::ALL
        .iter()
        .map(|p| (p.as_str().to_string(), lang.t(p.label_key()).to_string()))
        .collect();
    let errors = FieldErrors::new(ctx.lang);
    Ok(page(
        &ctx,
        lang.t("licence.types"),
        html! {
            p { a.button href="/admin/licences/new" { (lang.t("licence.new_type")) } }
            @for t in &types {
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
                        @for r in reqs.iter().filter(|r| r.licence_type_id == t.id) {
                            li {
                                (lang.t(r.profession.label_key())) " – " (scope_name(r.scope)) " "
                                form.inline method="post" action=(format!("/admin/requirements/{}/deactivate", r.id)) {
                                    (csrf_field(&ctx))
                                    button.link type="submit" { (lang.t("accounts.remove")) }
                                }
                            }
                        }
                    }
                    form method="post" action=(format!("/admin/licences/{}/requirements", t.id)) {
                        (csrf_field(&ctx))
                        (select_field(lang.t("people.profession"), "profession", &professions, "nurse", &errors))
                        (select_field(lang.t("accounts.scope"), "scope", &scopes, "chemotherapy_units", &errors))
                        button type="submit" { (lang.t("licence.add_requirement")) }
                    }
                }
            }
        },
    ))
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

    /// Checks the form into a licence type.
    fn check(&self, id: i64, errors: &mut FieldErrors) -> Option<LicenceType> {
        let code = self.code.trim().to_uppercase();
        if code.is_empty()
            || code.len() > 20
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.add(
                "code",
                "letters, digits, - and _, at most 20 / bokstäver, siffror, - och _, högst 20",
            );
        }
        let num = |field: &'static str,
                   text: &str,
                   min: u32,
                   max: u32,
                   errors: &mut FieldErrors|
         -> Option<u32> {
            match text.trim().parse::<u32>() {
                Ok(n) if (min..=max).contains(&n) => Some(n),
                _ => {
                    errors.add(
                        field,
                        format!(
                            "a whole number from {min} to {max} / ett heltal från {min} till {max}"
                        ),
                    );
                    None
                }
            }
        };
        let validity = num("validity_months", &self.validity_months, 1, 240, errors);
        let window = num("window_days", &self.window_days, 0, 3650, errors);
        let mut warnings = Vec::new();
        for part in self
            .warning_days
            .split([',', ' ', ';'])
            .filter(|s| !s.trim().is_empty())
        {
            match part.trim().parse::<u32>() {
                Ok(n) if n <= 3650 => warnings.push(n),
                _ => {
                    errors.add("warning_days", "days separated by commas, e.g. 90, 30 / dagar åtskilda med komma, t.ex. 90, 30");
                    break;
                }
            }
        }
        warnings.sort_unstable_by(|a, b| b.cmp(a));
        warnings.dedup();
        let practical_months = match self.practical_validity_months.trim() {
            "" => None,
            s => num("practical_validity_months", s, 1, 240, errors),
        };
        let name_sv = self.name_sv.trim().to_string();
        let name_en = self.name_en.trim().to_string();
        if name_sv.is_empty() {
            errors.add("name_sv", "required / obligatoriskt");
        }
        if name_en.is_empty() {
            errors.add("name_en", "required / obligatoriskt");
        }
        if !errors.is_empty() {
            return None;
        }
        Some(LicenceType {
            id,
            code,
            name_sv,
            name_en,
            validity_months: validity?,
            window_days: window?,
            extend_from_expiry: self.extend_from_expiry.is_some(),
            warning_days: warnings,
            requires_practical: self.requires_practical.is_some(),
            practical_validity_months: practical_months,
            active: self.active.is_some(),
        })
    }
}

fn type_view(ctx: &Ctx, id: Option<i64>, form: &TypeForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let action = match id {
        Some(id) => format!("/admin/licences/{id}/edit"),
        None => "/admin/licences/new".into(),
    };
    page(
        ctx,
        lang.t(if id.is_some() {
            "licence.edit_type"
        } else {
            "licence.new_type"
        }),
        html! { div.card {
            (layout::form_errors(lang, errors))
            form method="post" action=(action) {
                (csrf_field(ctx))
                (text_field(lang.t("org.code"), "code", &form.code, errors, FieldAttrs::required()))
                (text_field(lang.t("licence.name_sv"), "name_sv", &form.name_sv, errors, FieldAttrs::required()))
                (text_field(lang.t("licence.name_en"), "name_en", &form.name_en, errors, FieldAttrs::required()))
                (text_field(lang.t("licence.validity_months"), "validity_months", &form.validity_months, errors, FieldAttrs::required().kind("number")))
                (text_field(lang.t("licence.window_days"), "window_days", &form.window_days, errors, FieldAttrs::required().kind("number")))
                (layout::checkbox(lang.t("licence.extend_from_expiry"), "extend_from_expiry", form.extend_from_expiry.is_some()))
                (text_field(lang.t("licence.warning_days"), "warning_days", &form.warning_days, errors, FieldAttrs::optional().placeholder("90, 30")))
                (layout::checkbox(lang.t("licence.requires_practical"), "requires_practical", form.requires_practical.is_some()))
                (text_field(lang.t("licence.practical_validity_months"), "practical_validity_months", &form.practical_validity_months, errors, FieldAttrs::optional().kind("number")))
                (layout::checkbox(lang.t("common.active"), "active", form.active.is_some()))
                button type="submit" { (lang.t("common.save")) }
            }
        } },
    )
}

/// `GET /admin/licences/new`.
pub async fn new_type_page(ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let form = TypeForm {
        validity_months: "36".into(),
        window_days: "90".into(),
        extend_from_expiry: Some("1".into()),
        warning_days: "90, 30".into(),
        active: Some("1".into()),
        ..Default::default()
    };
    Ok(type_view(&ctx, None, &form, &FieldErrors::new(ctx.lang)))
}

/// `GET /admin/licences/{id}/edit`.
pub async fn edit_type_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let t = state
        .db
        .read(move |c| store::licence_type(c, id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(type_view(
        &ctx,
        Some(id),
        &TypeForm::from_type(&t),
        &FieldErrors::new(ctx.lang),
    ))
}

async fn save_type(
    state: AppState,
    ctx: Ctx,
    id: Option<i64>,
    form: TypeForm,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new(ctx.lang);
    if let Some(t) = form.check(id.unwrap_or(0), &mut errors) {
        let (actor, now) = (ctx.actor(), ctx.now);
        let result = state
            .db
            .write(move |tx| -> Result<(), AppError> {
                let before = match id {
                    Some(i) => Some(json!(
                        store::licence_type(tx, i)?.ok_or(AppError::NotFound)?
                    )),
                    None => None,
                };
                let tid = match id {
                    Some(i) => {
                        store::update_licence_type(tx, &t).map_err(AppError::conflict_on_unique)?;
                        i
                    }
                    None => {
                        store::create_licence_type(tx, &t).map_err(AppError::conflict_on_unique)?
                    }
                };
                audit::record(
                    tx,
                    &actor,
                    now,
                    Entry {
                        action: if id.is_some() {
                            "licence_type.update"
                        } else {
                            "licence_type.create"
                        },
                        entity: "licence_type",
                        entity_id: Some(tid.to_string()),
                        before,
                        after: Some(json!(t)),
                    },
                )?;
                Ok(())
            })
            .await;
        match result {
            Ok(()) => return Ok(crate::web::see_other("/admin/licences")),
            Err(AppError::Duplicate { .. }) => errors.add(
                "code",
                "another licence type has this code / en annan typ har denna kod",
            ),
            Err(e) => return Err(e),
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        type_view(&ctx, id, &form, &errors),
    )
        .into_response())
}

/// `POST /admin/licences/new`.
pub async fn create_type(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<TypeForm>,
) -> Result<Response, AppError> {
    save_type(state, ctx, None, form).await
}

/// `POST /admin/licences/{id}/edit`.
pub async fn update_type(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<TypeForm>,
) -> Result<Response, AppError> {
    save_type(state, ctx, Some(id), form).await
}

/// Requirement fields.
#[derive(Debug, Deserialize, Default)]
pub struct RequirementForm {
    #[serde(default)]
    profession: String,
    #[serde(default)]
    scope: String,
}

/// Parses `chemotherapy_units`, `unit:ID`, `administration:ID`, `region:ID`.
pub fn parse_requirement_scope(s: &str) -> Option<RequirementScope> {
    let s = s.trim();
    if s == "chemotherapy_units" {
        return Some(RequirementScope::ChemotherapyUnits);
    }
    let (kind, id) = s.split_once(':')?;
    let id = id.trim().parse().ok()?;
    match kind {
        "unit" => Some(RequirementScope::Unit(id)),
        "administration" => Some(RequirementScope::Administration(id)),
        "region" => Some(RequirementScope::Region(id)),
        _ => None,
    }
}

/// `POST /admin/licences/{id}/requirements`.
pub async fn add_requirement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RequirementForm>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let profession = Profession::parse(&form.profession)
        .ok_or_else(|| AppError::unprocessable("profession", "unknown profession"))?;
    let scope = parse_requirement_scope(&form.scope)
        .ok_or_else(|| AppError::unprocessable("scope", "unknown scope"))?;
    let (actor, now) = (ctx.actor(), ctx.now);
    state
        .db
        .write(move |tx| -> Result<(), AppError> {
            store::licence_type(tx, id)?.ok_or(AppError::NotFound)?;
            let exists: bool = match scope {
                RequirementScope::ChemotherapyUnits => true,
                RequirementScope::Unit(i) => tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM unit WHERE id = ?1)",
                    [i],
                    |r| r.get(0),
                )?,
                RequirementScope::Administration(i) => tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM administration WHERE id = ?1)",
                    [i],
                    |r| r.get(0),
                )?,
                RequirementScope::Region(i) => tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM region WHERE id = ?1)",
                    [i],
                    |r| r.get(0),
                )?,
            };
            if !exists {
                return Err(AppError::unprocessable(
                    "scope",
                    "no such unit, administration or region",
                ));
            }
            let rid = store::create_requirement(tx, id, profession, scope)?;
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action: "licence_requirement.create",
                    entity: "licence_requirement",
                    entity_id: Some(rid.to_string()),
                    before: None,
                    after: Some(
                        json!({"licence_type_id": id, "profession": profession, "scope": scope}),
                    ),
                },
            )?;
            Ok(())
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
    let (actor, now) = (ctx.actor(), ctx.now);
    state
        .db
        .write(move |tx| -> Result<(), AppError> {
            if store::deactivate_requirement(tx, id)? == 0 {
                return Err(AppError::NotFound);
            }
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action: "licence_requirement.deactivate",
                    entity: "licence_requirement",
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(json!({"active": false})),
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(crate::web::see_other("/admin/licences"))
}
