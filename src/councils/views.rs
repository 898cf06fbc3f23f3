//! Small views the council pages share: when a meeting is, when an action
//! is due, status badges and links.

use maud::{Markup, html};

use super::model::{ActionStatus, Due, Function, is_web_link, links};
use super::store::Meeting;
use crate::clock::stockholm_day;
use crate::i18n::Lang;

/// "tors 2026-10-08 09:00–11:00".
pub fn when(lang: Lang, m: &Meeting) -> String {
    let start = m.starts_at.with_timezone(&chrono_tz::Europe::Stockholm);
    let end = m.ends_at.with_timezone(&chrono_tz::Europe::Stockholm);
    let mut s = format!(
        "{} {}–{}",
        lang.date_with_weekday(stockholm_day(m.starts_at)),
        start.format("%H:%M"),
        end.format("%H:%M")
    );
    if end.date_naive() != start.date_naive() {
        s = format!(
            "{} {} – {} {}",
            lang.date_with_weekday(start.date_naive()),
            start.format("%H:%M"),
            lang.date_with_weekday(end.date_naive()),
            end.format("%H:%M")
        );
    }
    s
}

/// When an action is due, in words.
pub fn due_text(lang: Lang, due: Due) -> String {
    match due {
        Due::On { day } => day.to_string(),
        Due::NextMeeting { day, .. } => format!("{} ({day})", lang.t("councils.due_next_meeting")),
        Due::NextMeetingUnplanned => format!(
            "{} ({})",
            lang.t("councils.due_next_meeting"),
            lang.t("councils.not_planned")
        ),
    }
}

/// An action's status, flagged when overdue.
pub fn action_badge(lang: Lang, status: ActionStatus, overdue: bool) -> Markup {
    let class = match status {
        ActionStatus::Done => "ok",
        ActionStatus::Dropped => "muted",
        ActionStatus::Open | ActionStatus::CarriedOver if overdue => "bad",
        ActionStatus::Open | ActionStatus::CarriedOver => "warn",
    };
    html! {
        (crate::web::layout::badge(lang.t(status.label_key()), class))
        @if overdue { " " (crate::web::layout::badge(lang.t("councils.overdue"), "bad")) }
    }
}

/// A meeting's state as badges: cancelled, minutes approved.
pub fn meeting_badges(lang: Lang, m: &Meeting) -> Markup {
    html! {
        @if m.cancelled_at.is_some() { (crate::web::layout::badge(lang.t("councils.cancelled"), "cancelled")) " " }
        @if m.approved_at.is_some() { (crate::web::layout::badge(lang.t("councils.minutes_approved"), "ok")) }
    }
}

/// Links one per line: web links clickable, anything else as text.
pub fn link_list(text: &str) -> Markup {
    html! {
        @let all = links(text);
        @if !all.is_empty() {
            ul.links {
                @for l in all {
                    li {
                        @if is_web_link(l) { a href=(l) rel="noopener noreferrer" { (l) } } @else { (l) }
                    }
                }
            }
        }
    }
}

/// A member's function, in words.
pub fn function_label(lang: Lang, f: Function) -> &'static str {
    lang.t(f.label_key())
}

/// Multi-line text as paragraphs.
pub fn paragraphs(text: &str) -> Markup {
    html! {
        @for p in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            p { @for (i, line) in p.lines().enumerate() { @if i > 0 { br; } (line) } }
        }
    }
}

/// A select in a table row: its label read by screen readers only, its id
/// unique on the page.
pub fn row_select(
    label: &str,
    name: &str,
    id: &str,
    options: &[(String, String)],
    selected: &str,
) -> Markup {
    html! {
        label.visually-hidden for=(id) { (label) }
        select id=(id) name=(name) {
            @for (value, text) in options {
                option value=(value) selected[value == selected] { (text) }
            }
        }
    }
}
