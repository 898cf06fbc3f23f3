//! Pieces the organisation's pages share: badges, the staff table, and how
//! a refused change reaches a form.

use chrono::NaiveDate;
use maud::{Markup, html};

use super::store;
use crate::i18n::{Lang, Msg};
use crate::web::edit::Refused;
use crate::web::layout;
use crate::web::{AppError, FieldErrors};

/// "Ja"/"Nej" in `lang`.
pub(super) fn yes_no(lang: Lang, v: bool) -> &'static str {
    lang.t(if v { "common.yes" } else { "common.no" })
}

/// Active or inactive, as a badge.
pub(super) fn active_badge(lang: Lang, active: bool) -> Markup {
    if active {
        layout::badge(lang.t("common.active"), "ok")
    } else {
        layout::badge(lang.t("common.inactive"), "muted")
    }
}

/// People with their unit and whether they work there on `today`.
pub(super) fn people_table(
    lang: Lang,
    people: &[store::Person],
    today: NaiveDate,
    bookings: &std::collections::HashMap<i64, super::bookings::Booking>,
) -> Markup {
    html! {
        div.table-wrap tabindex="0" { table {
            thead { tr {
                th { (lang.t("common.name")) } th { (lang.t("people.hsa_id")) } th { (lang.t("common.email")) }
                th { (lang.t("people.profession")) } th { (lang.t("people.unit")) } th { (lang.t("common.status")) }
                th { (lang.t("people.booked_course")) }
            } }
            tbody { @for p in people { tr {
                td { a href=(format!("/people/{}", p.id)) { (p.name) } }
                td { (p.hsa_id.as_deref().unwrap_or("")) }
                td { (p.email) }
                td { (lang.t(p.profession.label_key())) }
                td { (p.unit_code) " " span.muted { (p.unit_name) } }
                td { @if p.active_on(today) { (active_badge(lang, true)) } @else { (layout::badge(lang.t("people.left"), "muted")) " " (p.left_on.map(|d| d.to_string()).unwrap_or_default()) } }
                td {
                    @match bookings.get(&p.id) {
                        Some(b) => {
                            a href=(format!("/offerings/{}/enrol", b.offering_id)) { (b.code) } " " span.nowrap { (b.starts_on) }
                            @if b.waitlisted { " " (layout::badge(lang.t("people.booked_waitlist"), "warn")) }
                        }
                        None => "–",
                    }
                }
            } } }
        } }
    }
}

/// An action's refusal as its form shows it, in `lang`: a rule's message
/// beside the field it names, a taken unique value beside the field
/// `taken` picks for the constraint (SQLite's `person.hsa_id`). Anything
/// else is an error page.
pub(super) fn refusal(
    lang: Lang,
    e: AppError,
    taken: impl FnOnce(&str) -> (&'static str, Msg),
) -> Refused {
    match e {
        AppError::Unprocessable { field, message } => {
            Refused::Fields(FieldErrors::from_list(lang, [(field, message)]))
        }
        AppError::Duplicate { constraint } => {
            Refused::Fields(FieldErrors::from_list(lang, [taken(&constraint)]))
        }
        other => Refused::Error(other),
    }
}

/// The options of a select of ids: `(id, text)`.
pub(super) fn options<T>(
    rows: &[T],
    id: impl Fn(&T) -> i64,
    text: impl Fn(&T) -> String,
) -> Vec<(String, String)> {
    rows.iter().map(|r| (id(r).to_string(), text(r))).collect()
}

/// The id a select sent, when it is a number.
pub(super) fn chosen(value: &str) -> Option<i64> {
    value.trim().parse::<i64>().ok()
}
