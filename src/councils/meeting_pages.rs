//! A meeting's pages: planning and moving it, its agenda (items added,
//! edited, reordered, moved to the next meeting), the follow-up of earlier
//! actions, attendance, decisions and actions, approval of the previous
//! minutes, corrections, and the printable minutes.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveTime};
use maud::{Markup, html};
use serde::Deserialize;

use super::actions;
use super::model::{self, Access, ActionStatus, Attendance, Due};
use super::store::{self, Attended, ItemText, MeetingTimes, NewAction};
use super::views::{
    action_badge, due_text, function_label, link_list, meeting_badges, paragraphs, row_select, when,
};
use crate::AppState;
use crate::auth::Ctx;
use crate::clock::stockholm_to_utc;
use crate::msg;
use crate::web::edit::{EditForm, Refused};
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field, textarea};
use crate::web::{AppError, FieldErrors, Form, Path, see_other};

// ---- Planning a meeting ----

/// The meeting form: a day, a start and end time (Europe/Stockholm), a
/// place and a link.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MeetingForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    link: String,
}

impl MeetingForm {
    fn of(m: &store::Meeting) -> MeetingForm {
        let tz = chrono_tz::Europe::Stockholm;
        MeetingForm {
            day: m.starts_at.with_timezone(&tz).date_naive().to_string(),
            start: m.starts_at.with_timezone(&tz).format("%H:%M").to_string(),
            end: m.ends_at.with_timezone(&tz).format("%H:%M").to_string(),
            place: m.place.clone(),
            link: m.link.clone(),
        }
    }

    /// The times, or each field's message.
    fn check(&self, lang: crate::i18n::Lang) -> Result<MeetingTimes, FieldErrors> {
        let mut errors = FieldErrors::new(lang);
        let day = crate::check::date(&self.day);
        if day.is_none() {
            errors.add("day", msg!("input.not_a_date"));
        }
        let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
        let (start, end) = (time(&self.start), time(&self.end));
        if start.is_none() {
            errors.add("start", msg!("councils.error_time"));
        }
        if end.is_none() {
            errors.add("end", msg!("councils.error_time"));
        }
        let link = self.link.trim().to_string();
        if !link.is_empty() && !model::is_web_link(&link) {
            errors.add("link", msg!("councils.error_link"));
        }
        let (Some(day), Some(start), Some(end)) = (day, start, end) else {
            return Err(errors);
        };
        let at = |d: NaiveDate, t: NaiveTime| stockholm_to_utc(d.and_time(t));
        let starts_at = at(day, start).map_err(|e| errors.add("start", e.msg()));
        let ends_at = at(day, end).map_err(|e| errors.add("end", e.msg()));
        match (starts_at, ends_at) {
            (Ok(s), Ok(e)) if e > s && errors.is_empty() => Ok(MeetingTimes {
                starts_at: s,
                ends_at: e,
                place: self.place.trim().to_string(),
                link,
            }),
            (Ok(_), Ok(_)) if errors.is_empty() => {
                errors.add("end", msg!("councils.error_end_before_start"));
                Err(errors)
            }
            _ => Err(errors),
        }
    }

    fn fields(&self, lang: crate::i18n::Lang, errors: &FieldErrors) -> Markup {
        html! {
            (text_field(lang.t("councils.day"), "day", &self.day, errors, FieldAttrs::required().kind("date")))
            (text_field(lang.t("councils.start"), "start", &self.start, errors, FieldAttrs::required().kind("time").placeholder("09:00")))
            (text_field(lang.t("councils.end"), "end", &self.end, errors, FieldAttrs::required().kind("time").placeholder("11:00")))
            (text_field(lang.t("councils.place"), "place", &self.place, errors, FieldAttrs::optional()))
            (text_field(lang.t("councils.link"), "link", &self.link, errors, FieldAttrs::optional().kind("url").placeholder("https://teams.example/...")))
            p.muted { (lang.t("councils.local_time_hint")) }
        }
    }
}

fn meeting_form_page(
    ctx: &Ctx,
    action: &str,
    title: &str,
    form: &MeetingForm,
    errors: &FieldErrors,
) -> Markup {
    page(
        ctx,
        title,
        layout::form_card(
            ctx,
            action,
            errors,
            form.fields(ctx.lang, errors),
            ctx.lang.t("common.save"),
        ),
    )
}

async fn must_edit_council(state: &AppState, ctx: &Ctx, council_id: i64) -> Result<(), AppError> {
    let user = ctx.user()?.clone();
    state
        .db
        .read(move |c| actions::must_edit(c, &user, council_id))
        .await
}

/// `GET /councils/{id}/meetings/new`.
pub async fn new_meeting_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    must_edit_council(&state, &ctx, id).await?;
    Ok(meeting_form_page(
        &ctx,
        &format!("/councils/{id}/meetings/new"),
        ctx.t("councils.new_meeting"),
        &MeetingForm::default(),
        &FieldErrors::new(ctx.lang),
    ))
}

/// `POST /councils/{id}/meetings/new`.
pub async fn create_meeting(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<MeetingForm>,
) -> Result<Response, AppError> {
    must_edit_council(&state, &ctx, id).await?;
    match form.check(ctx.lang) {
        Ok(times) => {
            let user = ctx.user()?.clone();
            let meeting = ctx
                .change(&state.db, move |w| {
                    actions::save_meeting(w, &user, id, None, &times)
                })
                .await?;
            Ok(see_other(&format!("/meetings/{meeting}")))
        }
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            meeting_form_page(
                &ctx,
                &format!("/councils/{id}/meetings/new"),
                ctx.t("councils.new_meeting"),
                &form,
                &errors,
            ),
        )
            .into_response()),
    }
}

/// `GET /meetings/{id}/edit`.
pub async fn edit_meeting_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let m = meeting_for_editing(&state, &ctx, id).await?;
    Ok(meeting_form_page(
        &ctx,
        &format!("/meetings/{id}/edit"),
        ctx.t("councils.edit_meeting"),
        &MeetingForm::of(&m),
        &FieldErrors::new(ctx.lang),
    ))
}

async fn meeting_for_editing(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> Result<store::Meeting, AppError> {
    let user = ctx.user()?.clone();
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let m = store::meeting(c, id)?.ok_or(AppError::NotFound)?;
            actions::must_edit(c, &user, m.council_id)?;
            Ok(m)
        })
        .await
}

/// `POST /meetings/{id}/edit`: moves the meeting or changes its place.
pub async fn update_meeting(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<MeetingForm>,
) -> Result<Response, AppError> {
    let m = meeting_for_editing(&state, &ctx, id).await?;
    match form.check(ctx.lang) {
        Ok(times) => {
            let user = ctx.user()?.clone();
            let council = m.council_id;
            ctx.change(&state.db, move |w| {
                actions::save_meeting(w, &user, council, Some(id), &times)
            })
            .await?;
            Ok(see_other(&format!("/meetings/{id}")))
        }
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            meeting_form_page(
                &ctx,
                &format!("/meetings/{id}/edit"),
                ctx.t("councils.edit_meeting"),
                &form,
                &errors,
            ),
        )
            .into_response()),
    }
}

// ---- The meeting page ----

/// Everything a meeting's page and its minutes show.
pub struct MeetingView {
    /// The meeting.
    pub meeting: store::Meeting,
    /// The user's access.
    pub access: Access,
    /// The agenda.
    pub items: Vec<store::Item>,
    /// Where carried items came from: item id → that meeting.
    pub carried_from: HashMap<i64, store::Meeting>,
    /// The council's members (those who left too, for old minutes).
    pub members: Vec<store::Member>,
    /// The attendance recorded.
    pub attendance: Vec<Attended>,
    /// Actions decided at this meeting, with when they are due.
    pub actions: Vec<(store::Action, Due)>,
    /// Earlier actions still to do, to follow up.
    pub follow_up: Vec<(store::Action, Due)>,
    /// Corrections to the approved minutes.
    pub corrections: Vec<store::Correction>,
    /// The meeting before, whose minutes this one approves.
    pub previous: Option<store::Meeting>,
    /// The meeting after.
    pub next: Option<store::Meeting>,
}

/// Reads a meeting's view, for a user who may see its council.
pub async fn meeting_view(state: &AppState, ctx: &Ctx, id: i64) -> Result<MeetingView, AppError> {
    let user = ctx.user()?.clone();
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let meeting = store::meeting(c, id)?.ok_or(AppError::NotFound)?;
            let access = actions::must_see(c, &user, meeting.council_id)?;
            let all = store::meetings(c, meeting.council_id)?;
            let slots: Vec<model::Slot> = all.iter().map(store::Meeting::slot).collect();
            let by_id = |mid: i64| all.iter().find(|m| m.id == mid).cloned();
            let items = store::items(c, id)?;
            let mut carried_from = HashMap::new();
            for i in &items {
                let from = match i.carried_from {
                    Some(f) => store::item(c, f)?,
                    None => None,
                };
                if let Some(m) = from.and_then(|f| by_id(f.meeting_id)) {
                    carried_from.insert(i.id, m);
                }
            }
            let with_due = |list: Vec<store::Action>| -> Vec<(store::Action, Due)> {
                list.into_iter()
                    .map(|a| {
                        let due = model::due(a.due_rule, &slots);
                        (a, due)
                    })
                    .collect()
            };
            Ok(MeetingView {
                access,
                items,
                carried_from,
                members: store::members(c, meeting.council_id)?,
                attendance: store::attendance(c, id)?,
                actions: with_due(store::actions(c, store::Actions::Meeting(id))?),
                follow_up: with_due(store::actions(c, store::Actions::FollowUp(id))?),
                corrections: store::corrections(c, id)?,
                previous: model::previous_meeting(&slots, id).and_then(|s| by_id(s.id)),
                next: model::next_meeting(&slots, id).and_then(|s| by_id(s.id)),
                meeting,
            })
        })
        .await
}

/// What a failed form on the meeting page was sent, to show it again.
#[derive(Default)]
struct Again {
    item: ItemForm,
    action: ActionForm,
    correction: CorrectionForm,
    errors: Option<FieldErrors>,
}

/// `GET /meetings/{id}`.
pub async fn meeting_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let view = meeting_view(&state, &ctx, id).await?;
    Ok(render_meeting(&ctx, &view, &Again::default()))
}

async fn meeting_again(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    again: Again,
) -> Result<Response, AppError> {
    let view = meeting_view(state, ctx, id).await?;
    // A member who may not edit is told so, not what the form lacked.
    if !view.access.edits() {
        return Err(AppError::Forbidden);
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render_meeting(ctx, &view, &again),
    )
        .into_response())
}

fn render_meeting(ctx: &Ctx, v: &MeetingView, again: &Again) -> Markup {
    let lang = ctx.lang;
    let m = &v.meeting;
    let editable = v.access.edits() && model::may_edit(m.state()).is_ok();
    let none = FieldErrors::new(lang);
    let errors = again.errors.as_ref().unwrap_or(&none);
    let title = format!(
        "{} {}",
        m.council_name,
        crate::courses::model::stockholm_date(m.starts_at)
    );
    let item_choices: Vec<(String, String)> = std::iter::once((String::new(), "–".to_string()))
        .chain(
            v.items
                .iter()
                .map(|i| (i.id.to_string(), format!("{}. {}", i.position, i.title))),
        )
        .collect();
    let member_choices: Vec<(String, String)> = std::iter::once((String::new(), "–".to_string()))
        .chain(
            v.members
                .iter()
                .filter(|x| x.left_at.is_none() && x.person_id.is_some())
                .map(|x| (x.person_id.unwrap_or_default().to_string(), x.name.clone())),
        )
        .collect();
    page(
        ctx,
        &title,
        html! {
            p {
                a href=(format!("/councils/{}", m.council_id)) { (m.council_name) } " · "
                (when(lang, m))
                @if !m.place.is_empty() { " · " (m.place) }
                @if model::is_web_link(&m.link) { " · " a href=(m.link) rel="noopener noreferrer" { (lang.t("councils.join_link")) } }
                " " (meeting_badges(lang, m))
            }
            p {
                a href=(format!("/meetings/{}/minutes", m.id)) { (lang.t("councils.print_minutes")) }
                @if let Some(p) = &v.previous { " · " a href=(format!("/meetings/{}", p.id)) { "← " (lang.t("councils.previous_meeting")) } }
                @if let Some(n) = &v.next { " · " a href=(format!("/meetings/{}", n.id)) { (lang.t("councils.next_meeting")) " →" } }
                @if editable { " · " a href=(format!("/meetings/{}/edit", m.id)) { (lang.t("councils.edit_meeting")) } }
            }
            (layout::form_errors(lang, errors))
            // Minutes are approved at the next meeting, once it has begun.
            @if v.access.edits() && m.cancelled_at.is_none() && ctx.now >= m.starts_at {
                @if let Some(p) = v.previous.as_ref().filter(|p| p.approved_at.is_none()) {
                    form.inline method="post" action=(format!("/meetings/{}/approve-previous", m.id)) {
                        (csrf_field(ctx))
                        button type="submit" { (lang.t("councils.approve_previous")) " (" (crate::courses::model::stockholm_date(p.starts_at)) ")" }
                    }
                }
            }
            @if m.approved_at.is_some() { p.alert.ok { (lang.t("councils.frozen_note")) } }
            h2 { (lang.t("councils.agenda")) }
            @if v.items.is_empty() { p.muted { (lang.t("councils.no_items")) } }
            ol.agenda {
                @for i in &v.items {
                    li id=(format!("item-{}", i.id)) {
                        h3 { (i.title)
                            @if let Some(from) = v.carried_from.get(&i.id) {
                                " " (layout::badge(&format!("{} {}", lang.t("councils.carried_from"), crate::courses::model::stockholm_date(from.starts_at)), "muted"))
                            }
                            @if i.carry_over { " " (layout::badge(lang.t("councils.carried_over"), "warn")) }
                        }
                        @if !i.presenter.is_empty() { p.muted { (lang.t("councils.presenter")) ": " (i.presenter) } }
                        @if !i.responsible.is_empty() { p { strong { (lang.t("councils.responsible")) ": " } (i.responsible) } }
                        (link_list(&i.links))
                        @if !i.notes.is_empty() { div.notes { (paragraphs(&i.notes)) } }
                        @if !i.decision.is_empty() { p { strong { (lang.t("councils.decision")) ": " } (i.decision) } }
                        @if editable {
                            div.row-actions {
                                a href=(format!("/agenda-items/{}/edit", i.id)) { (lang.t("common.edit")) }
                                @for (dir, key) in [("up", "councils.move_up"), ("down", "councils.move_down")] {
                                    form.inline method="post" action=(format!("/agenda-items/{}/{dir}", i.id)) {
                                        (csrf_field(ctx)) button.secondary type="submit" { (lang.t(key)) }
                                    }
                                }
                                @if !i.carry_over {
                                    form.inline method="post" action=(format!("/agenda-items/{}/carry-over", i.id)) {
                                        (csrf_field(ctx)) button.secondary type="submit" { (lang.t("councils.carry_over")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if editable {
                details open[again.errors.is_some() && !again.item.title.is_empty()] {
                    summary { (lang.t("councils.add_item")) }
                    (layout::form_card(ctx, &format!("/meetings/{}/items", m.id), &none, again.item.fields(lang, errors), lang.t("councils.add_item")))
                }
            }
            h2 { (lang.t("councils.follow_up")) }
            (action_table(ctx, v, &v.follow_up, true))
            h2 { (lang.t("councils.actions_here")) }
            (action_table(ctx, v, &v.actions, false))
            @if editable {
                details open[again.errors.is_some() && !again.action.text.is_empty()] {
                    summary { (lang.t("councils.add_action")) }
                    (layout::form_card(ctx, &format!("/meetings/{}/actions", m.id), &none, html! {
                        (select_field(lang.t("councils.from_item"), "item_id", &item_choices, &again.action.item_id, errors))
                        (textarea(lang.t("councils.action"), "text", &again.action.text, None, 3, errors))
                        (select_field(lang.t("councils.responsible"), "responsible_person", &member_choices, &again.action.responsible_person, errors))
                        (text_field(lang.t("councils.responsible_other"), "responsible_name", &again.action.responsible_name, errors, FieldAttrs::optional()))
                        (text_field(lang.t("councils.due_on"), "due_on", &again.action.due_on, errors, FieldAttrs::optional().kind("date")))
                        p.muted { (lang.t("councils.due_hint")) }
                    }, lang.t("councils.add_action")))
                }
            }
            h2 { (lang.t("councils.attendance")) }
            (attendance_section(ctx, v, editable, &item_choices))
            @if m.approved_at.is_some() {
                h2 { (lang.t("councils.corrections")) }
                (corrections_list(ctx, v))
                @if v.access.edits() {
                    (layout::form_card(ctx, &format!("/meetings/{}/corrections", m.id), &none, html! {
                        (select_field(lang.t("councils.correction_item"), "item_id", &item_choices, &again.correction.item_id, errors))
                        (textarea(lang.t("councils.correction"), "text", &again.correction.text, None, 3, errors))
                    }, lang.t("councils.add_correction")))
                }
            }
            @if editable {
                h2 { (lang.t("councils.cancel_meeting")) }
                form method="post" action=(format!("/meetings/{}/cancel", m.id)) {
                    (csrf_field(ctx))
                    p.muted { (lang.t("councils.cancel_hint")) }
                    button.danger type="submit" { (lang.t("councils.cancel_meeting")) }
                }
            }
        },
    )
}

fn action_table(
    ctx: &Ctx,
    v: &MeetingView,
    rows: &[(store::Action, Due)],
    follow_up: bool,
) -> Markup {
    let lang = ctx.lang;
    let statuses: Vec<(String, String)> = ActionStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), lang.t(s.label_key()).to_string()))
        .collect();
    html! {
        @if rows.is_empty() {
            p.muted { (lang.t("councils.no_actions")) }
        } @else {
            table {
                thead { tr {
                    th { (lang.t("councils.action")) } th { (lang.t("councils.responsible")) }
                    th { (lang.t("councils.due")) } th { (lang.t("common.status")) }
                    @if follow_up { th { (lang.t("councils.from_meeting")) } }
                    th { span.visually-hidden { (lang.t("common.actions")) } }
                } }
                tbody {
                    @for (a, due) in rows {
                        @let own = ctx.user.as_ref().is_some_and(|u| u.person_id.is_some() && u.person_id == a.responsible_person_id);
                        tr id=(format!("action-{}", a.id)) {
                            td { (a.text) @if let Some(t) = &a.item_title { br; span.muted { (t) } } }
                            td { (a.responsible) }
                            td { (due_text(lang, *due)) }
                            td { (action_badge(lang, a.status, model::overdue(a.status, *due, ctx.today))) @if !a.status_note.is_empty() { br; span.muted { (a.status_note) } } }
                            @if follow_up { td { a href=(format!("/meetings/{}", a.meeting_id)) { (crate::courses::model::stockholm_date(a.meeting_starts_at)) } } }
                            td {
                                @if v.access.edits() || own {
                                    form.inline method="post" action=(format!("/council-actions/{}/status", a.id)) {
                                        (csrf_field(ctx))
                                        input type="hidden" name="at" value=(v.meeting.id);
                                        @if v.access.edits() {
                                            (row_select(lang.t("common.status"), "status", &format!("status-{}", a.id), &statuses, a.status.as_str()))
                                            label.visually-hidden for=(format!("note-{}", a.id)) { (lang.t("councils.status_note")) }
                                            input id=(format!("note-{}", a.id)) name="note" type="text" maxlength="2000" placeholder=(lang.t("councils.status_note"));
                                        } @else {
                                            input type="hidden" name="status" value=(if a.status.is_open() { "done" } else { "open" });
                                        }
                                        button.secondary type="submit" {
                                            @if v.access.edits() { (lang.t("common.save")) }
                                            @else if a.status.is_open() { (lang.t("councils.mark_done")) }
                                            @else { (lang.t("councils.reopen")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn attendance_section(
    ctx: &Ctx,
    v: &MeetingView,
    editable: bool,
    items: &[(String, String)],
) -> Markup {
    let lang = ctx.lang;
    let kinds: Vec<(String, String)> = std::iter::once((String::new(), "–".to_string()))
        .chain(
            Attendance::ALL
                .iter()
                .map(|a| (a.as_str().to_string(), lang.t(a.label_key()).to_string())),
        )
        .collect();
    let recorded = |member: i64| v.attendance.iter().find(|a| a.member_id == member);
    let members: Vec<&store::Member> = v
        .members
        .iter()
        .filter(|x| x.left_at.is_none() || recorded(x.id).is_some())
        .collect();
    html! {
        @if editable {
            form method="post" action=(format!("/meetings/{}/attendance", v.meeting.id)) {
                (csrf_field(ctx))
                table {
                    thead { tr { th { (lang.t("common.name")) } th { (lang.t("councils.function")) } th { (lang.t("councils.attendance")) } th { (lang.t("councils.adjunct_item")) } } }
                    tbody {
                        @for x in &members {
                            @let r = recorded(x.id);
                            tr {
                                td { (x.name) }
                                td { (function_label(lang, x.function)) }
                                td { (row_select(&format!("{} {}", lang.t("councils.attendance"), x.name), &format!("status_{}", x.id), &format!("status_{}", x.id), &kinds, r.map_or("", |a| a.status.as_str()))) }
                                td { (row_select(&format!("{} {}", lang.t("councils.adjunct_item"), x.name), &format!("item_{}", x.id), &format!("item_{}", x.id), items, &r.and_then(|a| a.item_id).map(|i| i.to_string()).unwrap_or_default())) }
                            }
                        }
                    }
                }
                button type="submit" { (lang.t("councils.save_attendance")) }
            }
        } @else {
            (attendance_lists(lang, v))
        }
    }
}

/// Present, förhinder and adjungerad, as the minutes list them.
fn attendance_lists(lang: crate::i18n::Lang, v: &MeetingView) -> Markup {
    let named = |kind: Attendance| -> Vec<String> {
        v.attendance
            .iter()
            .filter(|a| a.status == kind)
            .filter_map(|a| {
                let m = v.members.iter().find(|m| m.id == a.member_id)?;
                let item = a
                    .item_id
                    .and_then(|i| v.items.iter().find(|x| x.id == i))
                    .map(|i| format!(" ({} {})", lang.t("councils.item"), i.position))
                    .unwrap_or_default();
                let represents = m
                    .administration
                    .as_deref()
                    .or(m.region.as_deref())
                    .map(|r| format!(", {r}"))
                    .unwrap_or_default();
                Some(format!("{}{represents}{item}", m.name))
            })
            .collect()
    };
    html! {
        @if v.attendance.is_empty() { p.muted { (lang.t("councils.no_attendance")) } }
        @for kind in Attendance::ALL {
            @let names = named(kind);
            @if !names.is_empty() {
                h3 { (lang.t(kind.label_key())) }
                ul { @for n in names { li { (n) } } }
            }
        }
    }
}

fn corrections_list(ctx: &Ctx, v: &MeetingView) -> Markup {
    let lang = ctx.lang;
    html! {
        @if v.corrections.is_empty() { p.muted { (lang.t("councils.no_corrections")) } }
        ul {
            @for c in &v.corrections {
                li {
                    (crate::clock::local_display(&c.made_at))
                    @if let Some(by) = &c.made_by { ", " (by) }
                    @if let Some(i) = c.item_id.and_then(|i| v.items.iter().find(|x| x.id == i)) { " (" (lang.t("councils.item")) " " (i.position) ")" }
                    ": " (c.text)
                }
            }
        }
    }
}

/// `GET /meetings/{id}/minutes`: the minutes in their usual layout
/// (Mötespunkt | Anteckning | Ansvarig), for printing.
pub async fn minutes_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let v = meeting_view(&state, &ctx, id).await?;
    let lang = ctx.lang;
    let m = &v.meeting;
    let secretary = v
        .members
        .iter()
        .find(|x| x.function == model::Function::Secretary && x.left_at.is_none());
    let decided = |item: i64| {
        v.actions
            .iter()
            .filter(move |(a, _)| a.item_id == Some(item))
    };
    Ok(page(
        &ctx,
        &format!("{} – {}", lang.t("councils.minutes"), m.council_name),
        html! {
            p.no-print { a href=(format!("/meetings/{}", m.id)) { "← " (lang.t("councils.back_to_meeting")) } }
            article.minutes {
                p { (when(lang, m)) @if !m.place.is_empty() { ", " (m.place) } }
                @if m.cancelled_at.is_some() { p { strong { (lang.t("councils.cancelled")) } } }
                @if let Some(p) = &v.previous { p { (lang.t("councils.previous_meeting")) ": " (crate::courses::model::stockholm_date(p.starts_at)) } }
                section { h2 { (lang.t("councils.participants")) } (attendance_lists(lang, &v)) }
                table.minutes {
                    thead { tr { th { (lang.t("councils.item_column")) } th { (lang.t("councils.notes_column")) } th { (lang.t("councils.responsible_column")) } } }
                    tbody {
                        @for i in &v.items {
                            tr {
                                td { (i.position) ". " (i.title) @if !i.presenter.is_empty() { br; span.muted { (i.presenter) } } }
                                td {
                                    (paragraphs(&i.notes))
                                    @if !i.decision.is_empty() { p { strong { (lang.t("councils.decision")) ": " } (i.decision) } }
                                    @for (a, due) in decided(i.id) { p { "→ " (a.text) " (" (a.responsible) ", " (due_text(lang, *due)) ")" } }
                                    @if i.carry_over { p { em { (lang.t("councils.carried_over_minutes")) } } }
                                    (link_list(&i.links))
                                }
                                td { (i.responsible) }
                            }
                        }
                    }
                }
                @let loose: Vec<_> = v.actions.iter().filter(|(a, _)| a.item_id.is_none()).collect();
                @if !loose.is_empty() {
                    h2 { (lang.t("councils.actions_here")) }
                    ul { @for (a, due) in loose { li { (a.text) " (" (a.responsible) ", " (due_text(lang, *due)) ")" } } }
                }
                @if !v.corrections.is_empty() { h2 { (lang.t("councils.corrections")) } (corrections_list(&ctx, &v)) }
                div.signature {
                    @if let Some(s) = secretary { p { (lang.t("councils.function.secretary")) ": " (s.name) } }
                    @if let Some(n) = &v.next { p { (lang.t("councils.next_meeting")) ": " (when(lang, n)) } }
                    @if m.approved_at.is_some() { p { (lang.t("councils.minutes_approved")) } }
                }
            }
        },
    ))
}

// ---- Items ----

/// An agenda item's form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    presenter: String,
    #[serde(default)]
    responsible: String,
    #[serde(default)]
    links: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    decision: String,
}

impl ItemForm {
    fn check(&self, lang: crate::i18n::Lang) -> Result<ItemText, FieldErrors> {
        if self.title.trim().is_empty() {
            return Err(FieldErrors::from_list(
                lang,
                [("title", msg!("input.required"))],
            ));
        }
        Ok(ItemText {
            title: self.title.trim().to_string(),
            presenter: self.presenter.trim().to_string(),
            responsible: self.responsible.trim().to_string(),
            links: self.links.trim().to_string(),
            notes: self.notes.trim().to_string(),
            decision: self.decision.trim().to_string(),
        })
    }

    fn fields(&self, lang: crate::i18n::Lang, errors: &FieldErrors) -> Markup {
        html! {
            (text_field(lang.t("councils.item_title"), "title", &self.title, errors, FieldAttrs::required()))
            (text_field(lang.t("councils.presenter"), "presenter", &self.presenter, errors, FieldAttrs::optional()))
            (text_field(lang.t("councils.responsible"), "responsible", &self.responsible, errors, FieldAttrs::optional()))
            (textarea(lang.t("councils.links"), "links", &self.links, Some(lang.t("councils.links_hint")), 2, errors))
            (textarea(lang.t("councils.notes"), "notes", &self.notes, None, 5, errors))
            (textarea(lang.t("councils.decision"), "decision", &self.decision, None, 2, errors))
        }
    }
}

/// `POST /meetings/{id}/items`.
pub async fn add_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ItemForm>,
) -> Result<Response, AppError> {
    let errors = match form.check(ctx.lang) {
        Ok(text) => {
            let user = ctx.user()?.clone();
            match ctx
                .change(&state.db, move |w| actions::add_item(w, &user, id, &text))
                .await
            {
                Ok(item) => return Ok(see_other(&format!("/meetings/{id}#item-{item}"))),
                Err(AppError::Unprocessable { message, .. }) => {
                    FieldErrors::from_list(ctx.lang, [("title", message)])
                }
                Err(e) => return Err(e),
            }
        }
        Err(errors) => errors,
    };
    meeting_again(
        &state,
        &ctx,
        id,
        Again {
            item: form,
            errors: Some(errors),
            ..Again::default()
        },
    )
    .await
}

impl EditForm<AppState> for ItemForm {
    type Ctx = Ctx;
    type Choices = ();

    const TITLE_NEW: &'static str = "councils.add_item";
    const TITLE_EDIT: &'static str = "councils.edit_item";

    fn action(id: Option<i64>) -> String {
        format!("/agenda-items/{}/edit", id.unwrap_or(0))
    }

    fn blank() -> Self {
        ItemForm::default()
    }

    async fn choices(_: &AppState, ctx: &Ctx) -> Result<(), AppError> {
        ctx.user()?;
        Ok(())
    }

    async fn load(state: &AppState, ctx: &Ctx, id: i64) -> Result<Self, AppError> {
        let item = item_for_editing(state, ctx, id).await?;
        Ok(ItemForm {
            title: item.title,
            presenter: item.presenter,
            responsible: item.responsible,
            links: item.links,
            notes: item.notes,
            decision: item.decision,
        })
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let id = id.ok_or(Refused::Error(AppError::NotFound))?;
        item_for_editing(state, ctx, id).await?;
        let text = self.check(ctx.lang)?;
        let user = ctx.user()?.clone();
        let lang = ctx.lang;
        let meeting = ctx
            .change(&state.db, move |w| {
                actions::update_item(w, &user, id, &text)
            })
            .await
            .map_err(|e| match e {
                AppError::Unprocessable { message, .. } => {
                    Refused::Fields(FieldErrors::from_list(lang, [("title", message)]))
                }
                other => Refused::Error(other),
            })?;
        Ok(format!("/meetings/{meeting}#item-{id}"))
    }

    fn fields(&self, ctx: &Ctx, _: Option<i64>, _: &(), errors: &FieldErrors) -> Markup {
        ItemForm::fields(self, ctx.lang, errors)
    }
}

/// The item, when the user may edit its council's meetings.
async fn item_for_editing(state: &AppState, ctx: &Ctx, id: i64) -> Result<store::Item, AppError> {
    let user = ctx.user()?.clone();
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let item = store::item(c, id)?.ok_or(AppError::NotFound)?;
            let m = store::meeting(c, item.meeting_id)?.ok_or(AppError::NotFound)?;
            actions::must_edit(c, &user, m.council_id)?;
            Ok(item)
        })
        .await
}

/// `POST /agenda-items/{id}/up`.
pub async fn item_up(
    state: State<AppState>,
    ctx: Ctx,
    id: Path<i64>,
) -> Result<Response, AppError> {
    move_item(state, ctx, id, true).await
}

/// `POST /agenda-items/{id}/down`.
pub async fn item_down(
    state: State<AppState>,
    ctx: Ctx,
    id: Path<i64>,
) -> Result<Response, AppError> {
    move_item(state, ctx, id, false).await
}

async fn move_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    up: bool,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let meeting = ctx
        .change(&state.db, move |w| actions::move_item(w, &user, id, up))
        .await?;
    Ok(see_other(&format!("/meetings/{meeting}#item-{id}")))
}

/// `POST /agenda-items/{id}/carry-over`: "flyttas över till nästa möte".
pub async fn carry_over(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let meeting = ctx
        .change(&state.db, move |w| actions::carry_over(w, &user, id))
        .await?;
    Ok(see_other(&format!("/meetings/{meeting}#item-{id}")))
}

// ---- Attendance, approval, corrections, cancellation ----

/// `POST /meetings/{id}/attendance`: `status_<member>` (present, absent,
/// adjunct or empty) and `item_<member>` for an adjunct.
pub async fn record_attendance(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut rows = Vec::new();
    for (key, value) in &form {
        let Some(member) = key
            .strip_prefix("status_")
            .and_then(|m| m.parse::<i64>().ok())
        else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        let status = Attendance::parse(value)
            .ok_or_else(|| AppError::bad_request(key.clone(), msg!("councils.error_attendance")))?;
        let item_id = form
            .get(&format!("item_{member}"))
            .and_then(|i| i.trim().parse::<i64>().ok())
            .filter(|_| status == Attendance::Adjunct);
        rows.push(Attended {
            member_id: member,
            status,
            item_id,
        });
    }
    rows.sort_by_key(|a| a.member_id);
    let user = ctx.user()?.clone();
    ctx.change(&state.db, move |w| {
        actions::record_attendance(w, &user, id, &rows)
    })
    .await?;
    Ok(see_other(&format!("/meetings/{id}")))
}

/// `POST /meetings/{id}/approve-previous`.
pub async fn approve_previous(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    ctx.change(&state.db, move |w| actions::approve_previous(w, &user, id))
        .await?;
    Ok(see_other(&format!("/meetings/{id}")))
}

/// `POST /meetings/{id}/cancel`.
pub async fn cancel_meeting(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    ctx.change(&state.db, move |w| actions::cancel_meeting(w, &user, id))
        .await?;
    Ok(see_other(&format!("/meetings/{id}")))
}

/// A correction's form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CorrectionForm {
    #[serde(default)]
    item_id: String,
    #[serde(default)]
    text: String,
}

/// `POST /meetings/{id}/corrections`.
pub async fn add_correction(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CorrectionForm>,
) -> Result<Response, AppError> {
    let text = form.text.trim().to_string();
    let errors = if text.is_empty() {
        FieldErrors::from_list(ctx.lang, [("text", msg!("input.required"))])
    } else {
        let item = form.item_id.trim().parse::<i64>().ok();
        let user = ctx.user()?.clone();
        match ctx
            .change(&state.db, move |w| {
                actions::add_correction(w, &user, id, item, &text)
            })
            .await
        {
            Ok(_) => return Ok(see_other(&format!("/meetings/{id}"))),
            Err(AppError::Unprocessable { message, .. }) => {
                FieldErrors::from_list(ctx.lang, [("text", message)])
            }
            Err(e) => return Err(e),
        }
    };
    meeting_again(
        &state,
        &ctx,
        id,
        Again {
            correction: form,
            errors: Some(errors),
            ..Again::default()
        },
    )
    .await
}

// ---- Actions ----

/// An action's form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    item_id: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    responsible_person: String,
    #[serde(default)]
    responsible_name: String,
    #[serde(default)]
    due_on: String,
}

impl ActionForm {
    fn check(&self, lang: crate::i18n::Lang) -> Result<NewAction, FieldErrors> {
        let mut errors = FieldErrors::new(lang);
        let text = self.text.trim().to_string();
        if text.is_empty() {
            errors.add("text", msg!("input.required"));
        }
        let person = self.responsible_person.trim().parse::<i64>().ok();
        let name = self.responsible_name.trim().to_string();
        if person.is_none() && name.is_empty() {
            errors.add("responsible_person", msg!("councils.error_responsible"));
        }
        let due_on = match self.due_on.trim() {
            "" => None,
            s => match crate::check::date(s) {
                Some(d) => Some(d),
                None => {
                    errors.add("due_on", msg!("input.not_a_date"));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewAction {
            item_id: self.item_id.trim().parse().ok(),
            text,
            responsible_person_id: person,
            responsible: if person.is_some() {
                String::new()
            } else {
                name
            },
            due_on,
        })
    }
}

/// `POST /meetings/{id}/actions`: an action decided at the meeting, due on
/// a day or (no day) "till nästa möte".
pub async fn add_action(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, AppError> {
    let errors = match form.check(ctx.lang) {
        Ok(action) => {
            let user = ctx.user()?.clone();
            match ctx
                .change(&state.db, move |w| {
                    actions::add_action(w, &user, id, &action)
                })
                .await
            {
                Ok(a) => return Ok(see_other(&format!("/meetings/{id}#action-{a}"))),
                Err(AppError::Unprocessable { message, .. }) => {
                    FieldErrors::from_list(ctx.lang, [("text", message)])
                }
                Err(e) => return Err(e),
            }
        }
        Err(errors) => errors,
    };
    meeting_again(
        &state,
        &ctx,
        id,
        Again {
            action: form,
            errors: Some(errors),
            ..Again::default()
        },
    )
    .await
}

/// An action's status form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
    /// The meeting it is followed up at.
    #[serde(default)]
    at: String,
    /// Where to go next (the start page marks its own).
    #[serde(default)]
    next: String,
}

/// `POST /council-actions/{id}/status`.
pub async fn set_action_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let Some(status) = ActionStatus::parse(&form.status) else {
        // Who may not change the action hears that first, whatever was sent.
        state
            .db
            .read(move |c| -> Result<(), AppError> {
                let a = store::action(c, id)?.ok_or(AppError::NotFound)?;
                actions::may_set_status(c, &user, &a, None)
            })
            .await?;
        return Err(AppError::bad_request(
            "status",
            msg!("councils.error_status"),
        ));
    };
    let at = form.at.trim().parse::<i64>().ok();
    let note = form.note.trim().to_string();
    let before = ctx
        .change(&state.db, move |w| {
            actions::set_action_status(w, &user, id, status, &note, at)
        })
        .await?;
    let next = match form.next.trim() {
        "" => match at {
            Some(m) => format!("/meetings/{m}#action-{id}"),
            None => format!("/meetings/{}#action-{id}", before.meeting_id),
        },
        n => layout::safe_next(n),
    };
    Ok(see_other(&next))
}
