//! What the course pages share: the links between them, the status badges,
//! the offering table, and the at-risk panel of the coordinator's start
//! page. The pages themselves are by subject: `course_pages` (the
//! catalogue), `offering_pages` (offerings and their sessions),
//! `lecturer_pages` (the board, volunteering and the teaching record) and
//! `enrolment_pages`.

use chrono::Duration;
use maud::{Markup, html};
use serde::Deserialize;

use super::model::{self, Offering, OfferingStatus, SignupStatus, WRITERS};
use super::store::{self, AtRisk};
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::{Principal, Role};
use crate::i18n::Lang;
use crate::organisation::model::Profession;
use crate::web::AppError;
use crate::web::layout;

/// Whether `user` runs the catalogue and offerings.
pub(super) fn may_write(user: &Principal) -> bool {
    user.has_any(WRITERS)
}

/// An offering status badge.
pub fn status_badge(lang: Lang, s: OfferingStatus) -> Markup {
    layout::badge(lang.t(s.label_key()), s.as_str())
}

/// A lecturer's sign-up status badge.
pub(super) fn signup_badge(lang: Lang, s: SignupStatus) -> Markup {
    layout::badge(lang.t(s.label_key()), s.as_str())
}

/// A notice shown above a page after a refusal or a warning.
pub(super) fn alert(text: &str, class: &str) -> Markup {
    html! { div class=(format!("alert {class}")) role="alert" { (text) } }
}

/// Who a course is for, in `lang`.
pub(super) fn audience_text(lang: Lang, a: &[Profession]) -> String {
    if a.is_empty() {
        lang.t("courses.audience_all").to_string()
    } else {
        a.iter()
            .map(|p| lang.t(p.label_key()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The links between the course pages, by role.
pub(super) fn links(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    let Some(user) = &ctx.user else {
        return html! {};
    };
    html! {
        nav.subnav aria-label=(lang.t("courses.nav")) { ul {
            li { a href="/offerings" { (lang.t("courses.offerings")) } }
            li { a href="/courses" { (lang.t("courses.catalogue")) } }
            @if user.has_any(&[Role::Lecturer, Role::Admin, Role::Coordinator]) {
                li { a href="/lecturers-wanted" { (lang.t("courses.board")) } }
            }
            @if user.has(Role::Lecturer) {
                li { a href="/teaching" { (lang.t("courses.teaching")) } }
            }
            @if user.person_id.is_some() {
                li { a href="/enrolments" { (lang.t("courses.my_enrolments")) } }
            }
        } }
    }
}

/// The `(value, text)` options of a course select, `first` ahead of them.
pub(super) fn course_options(
    lang: Lang,
    first: Option<(String, String)>,
    courses: &[model::Course],
) -> Vec<(String, String)> {
    first
        .into_iter()
        .chain(
            courses
                .iter()
                .map(|c| (c.code.clone(), format!("{} {}", c.code, c.title(lang)))),
        )
        .collect()
}

/// An offering in a list, with what a coordinator scans for.
pub(super) struct OfferingRow {
    pub(super) offering: Offering,
    pub(super) enrolled: u32,
    pub(super) sessions_short: u32,
}

/// `offerings` with their counts.
pub(super) fn offering_rows(
    c: &rusqlite::Connection,
    offerings: Vec<Offering>,
) -> rusqlite::Result<Vec<OfferingRow>> {
    offerings
        .into_iter()
        .map(|o| {
            Ok(OfferingRow {
                enrolled: store::enrolment_counts(c, o.id)?.0,
                sessions_short: store::sessions_short(c, o.id)?,
                offering: o,
            })
        })
        .collect()
}

/// A table of offerings: dates, course, place, places taken, lecturers
/// short and status.
pub(super) fn offering_table(lang: Lang, rows: &[OfferingRow]) -> Markup {
    html! {
        @if rows.is_empty() { p.muted { (lang.t("courses.no_offerings")) } }
        @else {
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th { (lang.t("courses.dates")) } th { (lang.t("courses.course")) }
                    th { (lang.t("courses.place")) } th.num { (lang.t("courses.enrolled")) }
                    th { (lang.t("courses.lecturers")) } th { (lang.t("common.status")) }
                } }
                tbody { @for r in rows {
                    @let o = &r.offering;
                    tr {
                        td { a href=(format!("/offerings/{}", o.id)) { (layout::date_with_weekday(lang, o.starts_on)) @if o.ends_on != o.starts_on { " – " (layout::date_with_weekday(lang, o.ends_on)) } } }
                        td { (o.course_code) " " (o.title(lang)) }
                        td { (o.place) }
                        td.num { (r.enrolled) " / " (o.capacity) }
                        td { @if o.status.is_live() && r.sessions_short > 0 {
                            (layout::badge(&format!("{} {}", r.sessions_short, lang.t("courses.sessions_short")), "bad"))
                        } }
                        td {
                            (status_badge(lang, o.status))
                            @if model::is_full(o.capacity, r.enrolled) { " " (layout::badge(lang.t("courses.full"), "full")) }
                        }
                    }
                } }
            } }
        }
    }
}

// ---- The start page ----

/// The start page's parameter: how many weeks ahead the at-risk panel looks.
#[derive(Debug, Deserialize, Default)]
pub struct AtRiskQuery {
    #[serde(default)]
    weeks: Option<u32>,
}

/// Weeks ahead the at-risk panel looks by default.
pub const AT_RISK_WEEKS: u32 = 6;

/// The at-risk panel for coordinators and administrators (empty markup for
/// others): live offerings starting within `weeks` (default 6) that are short
/// of lecturers or below their minimum of participants.
pub async fn at_risk_panel(
    state: &AppState,
    ctx: &Ctx,
    q: &AtRiskQuery,
) -> Result<Markup, AppError> {
    let Some(user) = &ctx.user else {
        return Ok(html! {});
    };
    if !may_write(user) {
        return Ok(html! {});
    }
    let weeks = q.weeks.unwrap_or(AT_RISK_WEEKS).min(104);
    let today = ctx.today;
    let until = today + Duration::weeks(i64::from(weeks));
    let rows = state
        .db
        .read(move |c| store::at_risk_offerings(c, today, until).map_err(AppError::from))
        .await?;
    Ok(at_risk_view(ctx.lang, weeks, &rows))
}

fn at_risk_view(lang: Lang, weeks: u32, rows: &[AtRisk]) -> Markup {
    html! {
        section.card.at-risk {
            h2 { (lang.t("courses.at_risk")) }
            p.muted { (lang.t("courses.at_risk_hint")) " " (weeks) " " (lang.t("courses.weeks")) "." }
            @if rows.is_empty() { p { (lang.t("courses.at_risk_none")) } }
            @else {
                ul { @for r in rows {
                    li {
                        a href=(format!("/offerings/{}", r.offering.id)) { (r.offering.starts_on) " " (r.offering.course_code) " " (r.offering.title(lang)) }
                        @if r.sessions_short > 0 { " " (layout::badge(&format!("{} {}", r.sessions_short, lang.t("courses.sessions_short")), "bad")) }
                        @if r.enrolled < r.offering.min_participants {
                            " " (layout::badge(&format!("{} / {} {}", r.enrolled, r.offering.min_participants, lang.t("courses.enrolled_of_min")), "warn"))
                        }
                    }
                } }
            }
        }
    }
}
