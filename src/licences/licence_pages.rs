//! A person's licences: "Mina körkort" for the signed-in nurse, and the
//! person's licence page, where managers and coordinators preview, record
//! and revoke completions.

use crate::auth::Ctx;
use crate::web::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::actions;
use super::model::{self, CompletionInput, Done, LicenceType, Part, Problem};
use super::pages::{AsOfQuery, as_of_form, status_badge};
use super::renewals::{Booked, Need, RenewalOffer};
use super::report::as_of;
use super::store::{self, PersonLicence};
use crate::AppState;
use crate::auth::model::Principal;
use crate::clock::local_display;
use crate::msg;
use crate::organisation::store as org;
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Form, Query};

/// One licence with its standing on `day` and its history, newest first;
/// `can_revoke` adds the revoke form to each live completion.
fn licence_card(ctx: &Ctx, l: &PersonLicence, day: NaiveDate, can_revoke: bool) -> Markup {
    let lang = ctx.lang;
    let s = &l.standing;
    html! {
        section.card id=(format!("licence-{}", l.licence.id)) {
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
                        td { (lang.t(c.part.label_key())) }
                        td {
                            @match model::source_key(&c.source) { Some(key) => (lang.t(key)), None => (c.source) }
                            @if let Some(b) = c.import_batch_id { " #" (b) }
                        }
                        td { (c.signed_by.as_deref().unwrap_or("")) }
                        td { (c.note.as_deref().unwrap_or("")) }
                        td { (local_display(&c.recorded_at)) " " span.muted { (c.recorded_by.as_deref().unwrap_or("")) } }
                        td {
                            @if let Some((at, by, reason)) = &c.revoked {
                                (layout::badge(lang.t("licence.revoked"), "bad")) " " (local_display(at)) " " span.muted { (by.as_deref().unwrap_or("")) } br; (reason)
                            } @else if can_revoke {
                                (layout::reason_form(
                                    ctx,
                                    &format!("/licences/completions/{}/revoke", c.id),
                                    &c.id.to_string(),
                                    lang.t("licence.revoke_reason"),
                                    lang.t("licence.revoke"),
                                ))
                            }
                        }
                    } } }
                } }
            }
        }
    }
}

/// A person's licences on `day`, and, when `day` is `today`, the offerings
/// suggested for each one they must hold or hold (a look at another day
/// suggests nothing).
async fn own_licences(
    state: &AppState,
    person_id: i64,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<(Vec<PersonLicence>, Offers), AppError> {
    let find_renewals = super::renewals::Renewals::of(state);
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let licences = store::person_licences(c, person_id, day)?;
            let needs: Vec<Need> = if day == today {
                licences
                    .iter()
                    .filter(|l| l.licence.active)
                    .map(|l| (l.required, Need::of(&l.licence, &l.standing)))
                    .filter(|(required, need)| *required || need.holds)
                    .map(|(_, need)| need)
                    .collect()
            } else {
                Vec::new()
            };
            let renewals = find_renewals(c, person_id, &needs, today)?;
            Ok((licences, renewals))
        })
        .await
}

/// Offerings by licence type id.
type Offers = std::collections::HashMap<i64, Vec<RenewalOffer>>;

/// The start page's first panel for someone with a staff record: each
/// licence they must hold or hold as a card with its status, the days left
/// and the next step (the offering booked, or the next one to enrol on in
/// one click), and the link to show it to someone.
pub async fn start_panel(state: &AppState, ctx: &Ctx) -> Result<Markup, AppError> {
    let Some(user) = ctx.user.as_ref() else {
        return Ok(html! {});
    };
    let Some(person_id) = user.person_id else {
        return Ok(html! {});
    };
    let today = ctx.today;
    let (licences, offers) = own_licences(state, person_id, today, today).await?;
    let shown: Vec<&PersonLicence> = licences
        .iter()
        .filter(|l| l.licence.active && (l.required || l.standing.status != model::Status::Missing))
        .collect();
    if shown.is_empty() {
        return Ok(html! {});
    }
    let lang = ctx.lang;
    Ok(html! {
        section.licence-cards aria-label=(lang.t("licence.mine")) {
            @for l in shown {
                @let s = &l.standing;
                @let next = offers.get(&l.licence.id).and_then(|o| o.first());
                article.card.licence-card {
                    h2 { (l.licence.name(lang)) " " (status_badge(lang, s.status)) }
                    p.big {
                        @match (s.valid_until, s.days_left) {
                            (Some(until), Some(days)) if days >= 0 => {
                                (lang.t("licence.card_valid_until")) " " span.nowrap { (until) } " · "
                                span.nowrap { (msg!("licence.card_days_left", days).render(lang)) }
                            }
                            (Some(until), _) => { (lang.t("licence.card_expired")) " " span.nowrap { (until) } }
                            _ => { (lang.t("licence.card_missing")) }
                        }
                    }
                    @match next {
                        Some(o) if o.booked.is_some() => {
                            p {
                                (lang.t(match o.booked { Some(Booked::Waitlisted) => "licence.next_waitlisted", _ => "licence.next_booked" })) " "
                                a href=(format!("/offerings/{}/enrol", o.offering_id)) { (o.code) " " (o.title(lang)) }
                                ", " (lang.date_with_weekday(o.starts_on))
                            }
                        }
                        Some(o) => {
                            p {
                                (lang.t("licence.next_step")) " "
                                a href=(format!("/offerings/{}/enrol", o.offering_id)) { (o.code) " " (o.title(lang)) }
                                ", " (lang.date_with_weekday(o.starts_on)) ", " (o.place) "."
                            }
                            form method="post" action=(format!("/offerings/{}/enrol", o.offering_id)) {
                                (csrf_field(ctx))
                                button type="submit" {
                                    (lang.t(if o.places_left > 0 { "enrolment.enrol_me" } else { "licence.join_waitlist" }))
                                }
                            }
                        }
                        None => {
                            p.muted {
                                @match s.window_opens.filter(|w| *w > today && s.status != model::Status::Expired) {
                                    Some(w) => (msg!("licence.renew_from", date = w).render(lang)),
                                    None => (lang.t("enrolment.no_renewing_offerings")),
                                }
                            }
                        }
                    }
                    p.actions {
                        a href="/licences" { (lang.t("licence.details")) }
                        @if s.valid_until.is_some() {
                            " · "
                            a href=(format!("/people/{person_id}/licences/{}/verification", l.licence.id)) { (lang.t("licence.show_someone")) }
                        }
                    }
                }
            }
        }
    })
}

/// `POST /people/{id}/licences/{licence_id}/remind`: a reminder to the
/// person about that licence, from the manager or coordinator.
pub async fn remind(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, licence_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let (today, public_url) = (ctx.today, state.config.public_url.clone());
    let queued = ctx
        .change(&state.db, move |w| {
            actions::remind(w, &user, id, licence_id, today, public_url.as_deref())
        })
        .await?;
    let msg = if queued {
        "licence.notice_reminded"
    } else {
        "licence.notice_already_reminded"
    };
    Ok(crate::web::see_other(&format!(
        "/people/{id}/licences?msg={msg}"
    )))
}

/// For those who may enrol others (managers, coordinators), a button per
/// suggested offering that enrols the person whose page this is.
fn enrol_for_forms(ctx: &Ctx, person: &org::Person, offers: &[RenewalOffer]) -> Markup {
    let Some(user) = ctx.user.as_ref() else {
        return html! {};
    };
    let may = user.person_id != Some(person.id)
        && user.has_any(&[
            crate::auth::model::Role::Admin,
            crate::auth::model::Role::Coordinator,
            crate::auth::model::Role::Manager,
        ]);
    let who = person
        .hsa_id
        .clone()
        .unwrap_or_else(|| person.email.clone());
    let lang = ctx.lang;
    html! {
        @if may {
            p.actions {
                @for o in offers.iter().filter(|o| o.booked.is_none()) {
                    form.inline method="post" action=(format!("/offerings/{}/enrol", o.offering_id)) {
                        (csrf_field(ctx))
                        input type="hidden" name="person" value=(who);
                        button.secondary type="submit" {
                            (msg!("licence.enrol_person", name = person.name.as_str(), code = o.code.as_str(), date = o.starts_on).render(lang))
                        }
                    }
                    " "
                }
            }
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
    let (licences, renewals) = own_licences(&state, person_id, day, today).await?;
    Ok(page(
        &ctx,
        lang.t("licence.mine"),
        html! {
            (as_of_form(&ctx, "/licences", day))
            @if licences.is_empty() { p { (lang.t("licence.none_required")) } }
            @for l in &licences {
                (licence_card(&ctx, l, day, false))
                @if let Some(offers) = renewals.get(&l.licence.id) {
                    (super::renewals::offers_view(lang, &l.licence, &l.standing, offers, true))
                }
            }
        },
    ))
}

/// What the person's licence page shows.
struct PersonPage {
    person: org::Person,
    licences: Vec<PersonLicence>,
    types: Vec<LicenceType>,
    /// The offerings suggested for each licence, when the page is for today.
    offers: Offers,
    /// A notice after a change.
    notice: Option<&'static str>,
}

impl PersonPage {
    /// The person's completions of one licence type and part, for a preview.
    fn done(&self, licence_type_id: i64, part: Part) -> Vec<Done> {
        self.licences
            .iter()
            .filter(|l| l.licence.id == licence_type_id)
            .flat_map(|l| {
                l.history
                    .iter()
                    .filter(|c| c.part == part)
                    .map(|c| c.done())
            })
            .collect()
    }
}

async fn load_person_page(
    state: &AppState,
    user: &Principal,
    id: i64,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<PersonPage, AppError> {
    let (person, types) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let person = org::person(c, id)?.ok_or(AppError::NotFound)?;
            Ok((person, store::licence_types(c)?))
        })
        .await?;
    if !user.may_see_person(person.id, person.unit_id) {
        return Err(AppError::Hidden);
    }
    let (licences, offers) = own_licences(state, id, day, today).await?;
    Ok(PersonPage {
        person,
        licences,
        types,
        offers,
        notice: None,
    })
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
    /// `save` records; anything else previews.
    #[serde(default)]
    action: String,
}

impl RecordForm {
    fn input(&self) -> CompletionInput {
        CompletionInput {
            licence: self.licence.clone(),
            part: self.part.clone(),
            completed_on: self.completed_on.clone(),
            signed_by: self.signed_by.clone(),
            note: self.note.clone(),
        }
    }
}

fn record_fields(ctx: &Ctx, p: &PersonPage, form: &RecordForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let types: Vec<(String, String)> = p
        .types
        .iter()
        .filter(|t| t.active)
        .map(|t| (t.id.to_string(), format!("{} – {}", t.code, t.name(lang))))
        .collect();
    let parts: Vec<(String, String)> = Part::ALL
        .iter()
        .map(|part| {
            (
                part.as_str().to_string(),
                lang.t(part.label_key()).to_string(),
            )
        })
        .collect();
    let today = ctx.today.to_string();
    html! {
        (select_field(lang.t("licence.type"), "licence", &types, &form.licence, errors))
        (select_field(lang.t("licence.part"), "part", &parts, if form.part.is_empty() { "theory" } else { &form.part }, errors))
        (text_field(lang.t("licence.completed_on"), "completed_on", if form.completed_on.is_empty() { &today } else { &form.completed_on }, errors, FieldAttrs::required().kind("date")))
        (text_field(lang.t("licence.signed_by"), "signed_by", &form.signed_by, errors, FieldAttrs::optional()))
        (text_field(lang.t("licence.note"), "note", &form.note, errors, FieldAttrs::optional()))
    }
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
        .is_some_and(|u| model::may_record(u, p.person.unit_id));
    // The fields first, so that the summary above them names their labels.
    let fields = can_record.then(|| record_fields(ctx, p, form, errors));
    page(
        ctx,
        &format!("{} – {}", p.person.name, lang.t("licence.title")),
        html! {
            @if let Some(n) = p.notice { (layout::notice(n)) }
            p { a href=(format!("/people/{}", p.person.id)) { (p.person.name) } " · " (p.person.unit_code) " · " (lang.t(p.person.profession.label_key())) }
            (as_of_form(ctx, &format!("/people/{}/licences", p.person.id), day))
            @if p.licences.is_empty() { p { (lang.t("licence.none_required")) } }
            @for l in &p.licences {
                (licence_card(ctx, l, day, can_record))
                (super::verify::link_actions(ctx, &p.person, l.licence.id))
                @if can_record && l.required && l.standing.status != model::Status::Valid && day == ctx.today {
                    form.inline method="post" action=(format!("/people/{}/licences/{}/remind", p.person.id, l.licence.id)) {
                        (csrf_field(ctx))
                        button.secondary type="submit" { (lang.t("licence.remind")) }
                    }
                }
                @if let Some(offers) = p.offers.get(&l.licence.id) {
                    (super::renewals::offers_view(ctx.lang, &l.licence, &l.standing, offers, false))
                    (enrol_for_forms(ctx, &p.person, offers))
                }
            }
            @if let Some(fields) = fields {
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
                        (fields)
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
    let mut p = load_person_page(&state, &user, id, day, ctx.today).await?;
    p.notice = layout::notice_key(ctx.lang, &q.msg);
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

/// The page again with the input kept and what to fix.
fn refused(ctx: &Ctx, p: &PersonPage, form: &RecordForm, problems: Vec<Problem>) -> Response {
    let errors = FieldErrors::from_list(
        ctx.lang,
        problems.into_iter().map(|pr| (pr.field, pr.message)),
    );
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        person_licences_view(ctx, p, ctx.today, form, &errors, None),
    )
        .into_response()
}

/// `POST /people/{id}/licences`: preview (what the completion would give,
/// nothing written) or record a completion.
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RecordForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let p = load_person_page(&state, &user, id, ctx.today, ctx.today).await?;
    if !model::may_record(&user, p.person.unit_id) {
        return Err(AppError::Forbidden);
    }
    let input = form.input();
    if form.action != "save" {
        return Ok(match model::check_completion(&input, &p.types, ctx.today) {
            Ok(c) => {
                let preview =
                    model::preview(&c.licence, &p.done(c.licence.id, c.part), c.part, c.on);
                let errors = FieldErrors::new(ctx.lang);
                person_licences_view(&ctx, &p, ctx.today, &form, &errors, Some(preview))
                    .into_response()
            }
            Err(problems) => refused(&ctx, &p, &form, problems),
        });
    }
    let today = ctx.today;
    let recorded = ctx
        .change(&state.db, move |w| {
            actions::record_completion(w, &user, id, &input, today)
        })
        .await?;
    match recorded {
        Ok(_) => Ok(crate::web::see_other(&format!("/people/{id}/licences"))),
        Err(problems) => Ok(refused(&ctx, &p, &form, problems)),
    }
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
    let person = ctx
        .change(&state.db, move |w| {
            actions::revoke(w, &user, id, &form.reason)
        })
        .await?;
    Ok(crate::web::see_other(&format!("/people/{person}/licences")))
}
