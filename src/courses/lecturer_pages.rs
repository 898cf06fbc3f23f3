//! Lecturers: the lecturers-wanted board, volunteering and withdrawing,
//! coordinators confirming and declining, and a lecturer's own teaching
//! record with its CSV export.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::actions;
use super::model::{OfferingStatus, SignupStatus, WRITERS, stockholm_display};
use super::offering_pages::{
    NoticeQuery, SessionStep, refusal_or, session_offering, session_step_page, session_time,
};
use super::pages::{alert, course_options, links, signup_badge};
use super::store::{self, BoardFilter, SessionLine};
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::Role;
use crate::msg;
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Form, Path, Query, csv};

/// The notice after a redirect and the warning after volunteering for a
/// session that overlaps another.
pub(super) async fn overlap_warning(
    state: &AppState,
    ctx: &Ctx,
    q: &NoticeQuery,
) -> Result<Markup, AppError> {
    let lang = ctx.lang;
    let mut out = html! {
        @if let Some(n) = layout::notice_key(lang, &q.msg) { (layout::notice(n)) }
    };
    if let Some(other) = q.overlap {
        let line = state
            .db
            .read(move |c| store::session_line(c, other).map_err(AppError::from))
            .await?;
        if let Some(line) = line {
            out = html! {
                (out)
                (alert(&format!("{} {}", lang.t("courses.overlap_warning"), line.describe(lang)), "warn"))
            };
        }
    }
    Ok(out)
}

/// Volunteer (with an optional note) or withdraw, for the signed-in lecturer.
pub(super) fn volunteer_controls(
    ctx: &Ctx,
    session: i64,
    mine: Option<SignupStatus>,
    back: &str,
) -> Markup {
    let lang = ctx.lang;
    html! {
        @if mine == Some(SignupStatus::Confirmed) {
            a.button.secondary href=(format!("/sessions/{session}/withdraw?next={}", crate::web::middleware::urlencode(back))) { (lang.t("courses.withdraw")) }
        } @else if mine.is_some_and(SignupStatus::is_active) {
            form.inline method="post" action=(format!("/sessions/{session}/withdraw")) {
                (csrf_field(ctx))
                input type="hidden" name="next" value=(back);
                button.secondary type="submit" { (lang.t("courses.withdraw")) }
            }
        } @else {
            form.inline method="post" action=(format!("/sessions/{session}/volunteer")) {
                (csrf_field(ctx))
                input type="hidden" name="next" value=(back);
                label.visually-hidden for=(format!("note-{session}")) { (lang.t("courses.note")) }
                input id=(format!("note-{session}")) type="text" name="note" maxlength="500" placeholder=(lang.t("courses.note"));
                " "
                button type="submit" { (lang.t("courses.volunteer")) }
            }
        }
    }
}

/// The volunteer and withdraw forms.
#[derive(Debug, Deserialize, Default)]
pub struct VolunteerForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    next: String,
    /// Why, when withdrawing from a confirmed session.
    #[serde(default)]
    reason: String,
}

/// Where a lecturer's form returns (the board or an offering page), ready
/// for one more query parameter.
fn back_to(next: &str) -> String {
    let n = layout::safe_next(next);
    let back = if n == "/" {
        "/lecturers-wanted".into()
    } else {
        n
    };
    let sep = if back.contains('?') { '&' } else { '?' };
    format!("{back}{sep}")
}

/// `POST /sessions/{id}/volunteer`: the signed-in lecturer offers to teach.
/// Another session at the same time is allowed, with a warning naming it.
pub async fn volunteer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<VolunteerForm>,
) -> Result<Response, AppError> {
    let account = ctx.require(&[Role::Lecturer])?.account_id;
    let note: String = form.note.trim().chars().take(500).collect();
    let offering = session_offering(&state, id).await?;
    let result = ctx
        .change(&state.db, move |w| {
            let note = Some(note.as_str()).filter(|n| !n.is_empty());
            actions::volunteer(w, id, account, note)
        })
        .await;
    let back = back_to(&form.next);
    refusal_or(
        &state,
        &ctx,
        offering,
        result.map(|v| match v.overlapping {
            Some(o) => format!("{back}overlap={}", o.session.id),
            None => format!("{back}msg=common.saved"),
        }),
    )
    .await
}

/// `POST /sessions/{id}/withdraw`: the signed-in lecturer withdraws.
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<VolunteerForm>,
) -> Result<Response, AppError> {
    let account = ctx.require(&[Role::Lecturer])?.account_id;
    let offering = session_offering(&state, id).await?;
    // Withdrawing once confirmed leaves the session short: the step before
    // asks why, and the coordinators are told.
    let confirmed = state
        .db
        .read(move |c| store::signup_of(c, id, account).map_err(AppError::from))
        .await?
        .is_some_and(|s| s.status == SignupStatus::Confirmed);
    if confirmed && form.reason.trim().is_empty() {
        let mut errors = FieldErrors::new(ctx.lang);
        errors.add("reason", msg!("input.reason_required"));
        let body = withdraw_view(&state, &ctx, id, &form.next, &errors).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let reason = form.reason.clone();
    let result = ctx
        .change(&state.db, move |w| {
            actions::withdraw(w, id, account, Some(&reason))
        })
        .await;
    let back = back_to(&form.next);
    refusal_or(
        &state,
        &ctx,
        offering,
        result.map(|_| format!("{back}msg=common.saved")),
    )
    .await
}

/// The step before a confirmed lecturer withdraws: the session will lack
/// them, the coordinators are told, and the reason is asked for.
async fn withdraw_view(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    next: &str,
    errors: &FieldErrors,
) -> Result<Markup, AppError> {
    let hidden = [("next", next)];
    let step = SessionStep {
        title: "courses.withdraw_title",
        consequence: "courses.withdraw_consequence",
        button: "courses.withdraw",
        action: format!("/sessions/{id}/withdraw"),
        hidden: &hidden,
    };
    session_step_page(state, ctx, id, step, "", errors).await
}

/// `GET /sessions/{id}/withdraw?next=`: the step before withdrawing from a
/// confirmed session.
pub async fn withdraw_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<NextQuery>,
) -> Result<Markup, AppError> {
    ctx.require(&[Role::Lecturer])?;
    withdraw_view(&state, &ctx, id, &q.next, &FieldErrors::new(ctx.lang)).await
}

/// Where to return to.
#[derive(Debug, Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

async fn decide(state: AppState, ctx: Ctx, id: i64, confirm: bool) -> Result<Response, AppError> {
    ctx.require(WRITERS)?;
    let offering = state
        .db
        .read(move |c| -> Result<Option<i64>, AppError> {
            Ok(match store::get_signup(c, id)? {
                Some(s) => store::get_session(c, s.session_id)?.map(|s| s.offering_id),
                None => None,
            })
        })
        .await?;
    let result = ctx
        .change(&state.db, move |w| actions::decide(w, id, confirm))
        .await;
    refusal_or(
        &state,
        &ctx,
        offering,
        result.map(|s| {
            format!(
                "/offerings/{}?msg=common.saved#session-{}",
                offering.unwrap_or(0),
                s.session_id
            )
        }),
    )
    .await
}

/// `POST /signups/{id}/confirm`.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    decide(state, ctx, id, true).await
}

/// `POST /signups/{id}/decline`.
pub async fn decline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    decide(state, ctx, id, false).await
}

/// Filters of the board.
#[derive(Debug, Deserialize, Default)]
pub struct BoardQuery {
    #[serde(default)]
    course: String,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    overlap: Option<i64>,
    #[serde(default)]
    msg: String,
}

/// Sessions per page of the lecturers-wanted board.
const BOARD_PAGE: u32 = 50;

/// Requests shown on a lecturer's start page.
const MATCHING_SHOWN: usize = 5;

/// The start page's panel for a lecturer: their coming confirmed sessions,
/// and open requests for the courses or topics they have taught or offered
/// to teach before, each with its one-click sign-up.
pub async fn start_panel(state: &AppState, ctx: &Ctx) -> Result<Markup, AppError> {
    let Some(user) = ctx.user.as_ref() else {
        return Ok(html! {});
    };
    if !user.has(Role::Lecturer) {
        return Ok(html! {});
    }
    let (account, now) = (user.account_id, ctx.now);
    let (mine, wanted) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            Ok((
                store::lecturer_sessions(c, account)?,
                store::lecturers_wanted(c, now, &BoardFilter::default(), account, 500, 0)?,
            ))
        })
        .await?;
    let courses: std::collections::HashSet<String> =
        mine.iter().map(|l| l.course_code.clone()).collect();
    let topics: std::collections::HashSet<String> = mine
        .iter()
        .map(|l| l.session.topic.trim().to_lowercase())
        .collect();
    let t = split_teaching(mine, now);
    let matching: Vec<&SessionLine> = wanted
        .iter()
        .filter(|l| l.signup.is_none())
        .filter(|l| {
            courses.contains(&l.course_code)
                || topics.contains(&l.session.topic.trim().to_lowercase())
        })
        .take(MATCHING_SHOWN)
        .collect();
    let lang = ctx.lang;
    Ok(html! {
        div.licence-cards {
            article.card {
                h2 { (lang.t("courses.your_confirmed")) }
                @if t.confirmed.is_empty() { p.muted { (lang.t("courses.none_confirmed")) } }
                ul { @for l in t.confirmed.iter().take(MATCHING_SHOWN) { li {
                    (session_time(lang, &l.session)) " "
                    a href=(format!("/offerings/{}#session-{}", l.session.offering_id, l.session.id)) { (l.course_code) } " " (l.session.topic) ", " (l.place())
                } } }
                p { a href="/teaching" { (lang.t("courses.teaching_record")) } }
            }
            article.card {
                h2 { (lang.t("courses.requests_for_you")) }
                @if matching.is_empty() { p.muted { (lang.t("courses.no_requests_for_you")) } }
                ul { @for l in &matching { li {
                    (session_time(lang, &l.session)) " "
                    a href=(format!("/offerings/{}#session-{}", l.session.offering_id, l.session.id)) { (l.course_code) } " " (l.session.topic)
                    " " (volunteer_controls(ctx, l.session.id, None, "/lecturers-wanted"))
                } } }
                p { a href="/lecturers-wanted" { (lang.t("courses.board")) } }
            }
        }
    })
}

/// `GET /lecturers-wanted`: sessions still short of confirmed lecturers,
/// soonest first, a page at a time; a lecturer volunteers with one click.
pub async fn board_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<BoardQuery>,
) -> Result<Markup, AppError> {
    let user = ctx
        .require(&[Role::Lecturer, Role::Admin, Role::Coordinator])?
        .clone();
    let filter = BoardFilter {
        course: Some(q.course.trim().to_uppercase()).filter(|c| !c.is_empty()),
        topic: Some(q.topic.trim().to_string()).filter(|t| !t.is_empty()),
    };
    let (now, viewer) = (ctx.now, user.account_id);
    let page_no = q.page.unwrap_or(1).max(1);
    let offset = layout::page_offset(page_no, BOARD_PAGE);
    let (mut lines, courses) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            Ok((
                // One row more than shown tells whether a next page exists.
                store::lecturers_wanted(c, now, &filter, viewer, BOARD_PAGE + 1, offset)?,
                store::list_courses(c, false)?,
            ))
        })
        .await?;
    let more = lines.len() > BOARD_PAGE as usize;
    lines.truncate(BOARD_PAGE as usize);
    let notice = overlap_warning(
        &state,
        &ctx,
        &NoticeQuery {
            overlap: q.overlap,
            msg: q.msg.clone(),
        },
    )
    .await?;
    let lang = ctx.lang;
    let all = (String::new(), lang.t("common.all").to_string());
    let course_choices = course_options(lang, Some(all), &courses);
    let none = FieldErrors::new(ctx.lang);
    let here = ctx.uri.clone();
    let is_lecturer = user.has(Role::Lecturer);
    Ok(page(
        &ctx,
        lang.t("courses.board"),
        html! {
            (links(&ctx))
            (notice)
            form.filters method="get" action="/lecturers-wanted" {
                (select_field(lang.t("courses.course"), "course", &course_choices, &q.course.trim().to_uppercase(), &none))
                (text_field(lang.t("courses.topic"), "topic", q.topic.trim(), &none, FieldAttrs::optional()))
                button type="submit" { (lang.t("common.filter")) }
            }
            @if lines.is_empty() { p.muted { (lang.t("courses.board_empty")) } }
            @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th { (lang.t("courses.time")) } th { (lang.t("courses.course")) } th { (lang.t("courses.topic")) }
                        th { (lang.t("courses.place")) } th { (lang.t("courses.lecturers")) } th { (lang.t("courses.you")) }
                    } }
                    tbody { @for l in &lines { tr {
                        td { (session_time(lang, &l.session)) }
                        td { a href=(format!("/offerings/{}#session-{}", l.session.offering_id, l.session.id)) { (l.course_code) } " " (l.title(lang)) }
                        td { (l.session.topic) }
                        td { (l.place()) }
                        td { (l.session.confirmed) " / " (l.session.lecturers_needed) @if l.session.volunteered > 0 { " (" (l.session.volunteered) " " (lang.t("courses.signup_volunteered")) ")" } }
                        td {
                            @if let Some(s) = l.signup { (signup_badge(lang, s)) " " }
                            @if is_lecturer { (volunteer_controls(&ctx, l.session.id, l.signup, &strip_notices(&here))) }
                        }
                    } } }
                } }
                (layout::next_pager(lang, &without_params(&here, &["overlap", "msg", "page"]), page_no, more))
            }
        },
    ))
}

/// The board's own address without the one-off notice parameters, so they
/// do not stick to the next redirect.
fn strip_notices(uri: &str) -> String {
    without_params(uri, &["overlap", "msg"])
}

/// `uri` without the query parameters `names`.
fn without_params(uri: &str, names: &[&str]) -> String {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !names.contains(&p.split('=').next().unwrap_or("")))
        .collect();
    if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// A lecturer's sessions split for the teaching page.
struct Teaching {
    volunteered: Vec<SessionLine>,
    confirmed: Vec<SessionLine>,
    past: Vec<SessionLine>,
}

fn split_teaching(lines: Vec<SessionLine>, now: DateTime<Utc>) -> Teaching {
    let mut t = Teaching {
        volunteered: Vec::new(),
        confirmed: Vec::new(),
        past: Vec::new(),
    };
    for l in lines {
        let held =
            l.session.cancelled_at.is_none() && l.offering_status != OfferingStatus::Cancelled;
        match l.signup {
            Some(SignupStatus::Confirmed) if held && l.session.ends_at <= now => t.past.push(l),
            Some(SignupStatus::Confirmed) if held => t.confirmed.push(l),
            Some(SignupStatus::Volunteered) if held && l.session.starts_at > now => {
                t.volunteered.push(l)
            }
            _ => {}
        }
    }
    // Coming sessions soonest first; the record latest first.
    t.volunteered.reverse();
    t.confirmed.reverse();
    t
}

async fn teaching(state: &AppState, ctx: &Ctx) -> Result<Teaching, AppError> {
    let account = ctx.require(&[Role::Lecturer])?.account_id;
    let now = ctx.now;
    let lines = state
        .db
        .read(move |c| store::lecturer_sessions(c, account).map_err(AppError::from))
        .await?;
    Ok(split_teaching(lines, now))
}

fn sessions_table(ctx: &Ctx, lines: &[SessionLine], controls: bool) -> Markup {
    let lang = ctx.lang;
    html! {
        @if lines.is_empty() { p.muted { (lang.t("common.none")) } }
        @else {
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th { (lang.t("courses.time")) } th { (lang.t("courses.course")) } th { (lang.t("courses.topic")) } th { (lang.t("courses.place")) }
                    @if controls { th {} }
                } }
                tbody { @for l in lines { tr {
                    td { (session_time(lang, &l.session)) }
                    td { a href=(format!("/offerings/{}#session-{}", l.session.offering_id, l.session.id)) { (l.course_code) } " " (l.title(lang)) }
                    td { (l.session.topic) }
                    td { (l.place()) }
                    @if controls { td { (volunteer_controls(ctx, l.session.id, l.signup, "/teaching")) } }
                } } }
            } }
        }
    }
}

/// `GET /teaching`: the signed-in lecturer's volunteered, confirmed and past
/// sessions.
pub async fn teaching_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Markup, AppError> {
    let t = teaching(&state, &ctx).await?;
    let notice = overlap_warning(&state, &ctx, &q).await?;
    let lang = ctx.lang;
    Ok(page(
        &ctx,
        lang.t("courses.teaching"),
        html! {
            (links(&ctx))
            (notice)
            h2 { (lang.t("courses.my_confirmed")) }
            (sessions_table(&ctx, &t.confirmed, true))
            h2 { (lang.t("courses.my_volunteered")) }
            (sessions_table(&ctx, &t.volunteered, true))
            h2 { (lang.t("courses.teaching_record")) }
            p { a href="/teaching.csv" { (lang.t("common.export_csv")) } " · " a href="/teaching.csv?sep=," { "CSV (,)" } }
            (sessions_table(&ctx, &t.past, false))
        },
    ))
}

/// Parameters of CSV exports.
#[derive(Debug, Deserialize, Default)]
pub struct CsvQuery {
    #[serde(default)]
    sep: Option<String>,
    /// An export's language: `en` for English headers.
    #[serde(default)]
    lang: Option<String>,
}

/// `GET /teaching.csv`: the teaching record (confirmed sessions held).
pub async fn teaching_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CsvQuery>,
) -> Result<Response, AppError> {
    let t = teaching(&state, &ctx).await?;
    let lang = csv::export_lang(q.lang.as_deref());
    Ok(csv::response_in(
        lang,
        "teaching-record.csv",
        csv::delimiter(q.sep.as_deref()),
        &[
            "export.starts_at",
            "export.ends_at",
            "export.minutes",
            "export.course",
            "export.title",
            "export.topic",
            "export.place",
        ],
        t.past.iter().map(|l| {
            vec![
                stockholm_display(l.session.starts_at),
                stockholm_display(l.session.ends_at),
                (l.session.ends_at - l.session.starts_at)
                    .num_minutes()
                    .to_string(),
                l.course_code.clone(),
                l.title(lang).to_string(),
                l.session.topic.clone(),
                l.place().to_string(),
            ]
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_links_drop_one_off_notices() {
        assert_eq!(
            strip_notices("/lecturers-wanted?course=K1&overlap=3&msg=common.saved"),
            "/lecturers-wanted?course=K1"
        );
        assert_eq!(
            strip_notices("/lecturers-wanted?msg=x"),
            "/lecturers-wanted"
        );
    }
}
