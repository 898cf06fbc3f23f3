//! View pieces the rotation pages share: the links between them, status
//! badges, the placements table, month lines with their explanations, the
//! timeline's bars, and the refusals of the actions as form messages.

use chrono::NaiveDate;
use maud::{Markup, html};

use super::actions::Refusal;
use super::explain::{self, format_kronor, month_name};
use super::model::{MonthLine, Totals};
use super::placements::{self as pl, Placement};
use super::timeline::Bar;
use crate::auth::Ctx;
use crate::auth::model::{Principal, UnitFilter};
use crate::i18n::Lang;
use crate::msg;
use crate::web::edit::Refused;
use crate::web::{FieldErrors, layout};

/// The links between the rotation pages.
pub fn sub_nav(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    let links = [
        ("/placements", "placements.title"),
        ("/trainees", "trainees.title"),
        ("/training-elements", "trainees.elements_title"),
        ("/rotations/timeline", "placements.timeline_title"),
        ("/rotations/reports/costs", "rotreport.costs_title"),
        ("/rotations/reports/capacity", "rotreport.capacity_title"),
        (
            "/rotations/reports/missing-elements",
            "rotreport.missing_title",
        ),
        ("/rotations/agreements", "rotations.nav_agreements"),
        ("/rotations/split-preview", "rotations.nav_preview"),
    ];
    html! {
        nav.breadcrumbs aria-label=(lang.t("placements.nav")) {
            @for (i, (href, key)) in links.iter().enumerate() {
                @if i > 0 { " · " }
                a href=(href) { (lang.t(key)) }
            }
        }
    }
}

/// True when `user` plans and changes (see [`super::WRITERS`]).
pub fn may_write(user: &Principal) -> bool {
    user.has_any(super::WRITERS)
}

/// True when the signed-in user of `ctx` plans and changes.
pub fn ctx_may_write(ctx: &Ctx) -> bool {
    ctx.user.as_ref().is_some_and(may_write)
}

/// A placement is visible to managers of its trainee's home clinic and of
/// its host.
pub fn may_see_placement(filter: &UnitFilter, p: &Placement) -> bool {
    filter.allows(p.home_unit_id) || filter.allows(p.host_unit_id)
}

/// Öre as kronor in `lang`.
pub fn kr(lang: Lang, ore: i64) -> String {
    format_kronor(ore, lang)
}

/// The name of a placement's kind (stored as its code).
pub fn kind_label(lang: Lang, kind: &str) -> &'static str {
    lang.t(pl::kind_of(kind).text_key())
}

/// A status as a coloured label.
pub fn status_badge(lang: Lang, s: pl::Status) -> Markup {
    let class = match s {
        pl::Status::Planned => "muted",
        pl::Status::Approved | pl::Status::Active => "ok",
        pl::Status::Completed => "valid",
        pl::Status::Cancelled => "bad",
    };
    layout::badge(lang.t(s.label_key()), class)
}

/// A strict `YYYY-MM-DD` field's value, or its message beside `field`.
pub fn date_field(errors: &mut FieldErrors, field: &str, value: &str) -> Option<NaiveDate> {
    let d = crate::check::date(value);
    if d.is_none() {
        errors.add(field, msg!("placements.err_date"));
    }
    d
}

/// An action's refusal as the form's messages in `lang`, or the error.
pub fn refused(lang: Lang, r: Refusal) -> Refused {
    match r {
        Refusal::Rules(rules) => Refused::Fields(FieldErrors::from_list(lang, rules)),
        Refusal::Error(e) => Refused::Error(e),
    }
}

/// The messages of `errors` as an alert, for refusals of buttons and of
/// forms the page does not show (a cancelled placement's).
pub fn refusals(errors: &FieldErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.alert.error role="alert" {
                @for (_, message) in errors.messages() { p { (message) } }
            }
        }
    }
}

/// The placements, with trainee, host, kind, period, extent, certificate
/// and status.
pub fn placements_table(lang: Lang, placements: &[Placement], today: NaiveDate) -> Markup {
    html! {
        @if placements.is_empty() { p.muted { (lang.t("placements.none")) } } @else {
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th { "#" } th { (lang.t("placements.trainee")) } th { (lang.t("trainees.home_unit")) } th { (lang.t("placements.host")) }
                    th { (lang.t("placements.kind")) } th { (lang.t("placements.period")) } th { (lang.t("placements.extent")) }
                    th { (lang.t("placements.certificate")) } th { (lang.t("common.status")) }
                } }
                tbody { @for p in placements { tr {
                    td { a href=(format!("/placements/{}", p.id)) { (p.id) } }
                    td { a href=(format!("/trainees/{}", p.trainee_id)) { (p.trainee_name) } }
                    td { (p.home_unit_code) }
                    td { (p.host_unit_code) }
                    td { (kind_label(lang, &p.kind)) }
                    td { a href=(format!("/placements/{}", p.id)) { (p.start) " – " (p.end) } }
                    td.num { (p.extent) " %" }
                    td { (lang.t(p.certificate.label_key())) }
                    td { (status_badge(lang, p.status(today))) }
                } } }
            } }
        }
    }
}

/// Month lines with their sums and explanations.
pub fn month_lines_table(lang: Lang, months: &[MonthLine]) -> Markup {
    let mut total = Totals::default();
    for m in months {
        total.add(m);
    }
    html! {
        div.table-wrap tabindex="0" { table {
            thead { tr {
                th { (lang.t("rotreport.month")) } th { (lang.t("rotreport.total")) } th { (lang.t("rotreport.home")) }
                th { (lang.t("rotreport.host")) } th { (lang.t("rotreport.explanation")) }
            } }
            tbody { @for m in months { tr {
                td { (month_name(m.first_day, lang)) }
                td.num { (kr(lang, m.total_ore)) } td.num { (kr(lang, m.home_ore)) } td.num { (kr(lang, m.host_ore)) }
                td { (explain::month_line(m, lang)) }
            } } }
            tfoot { tr.total {
                th { (lang.t("rotreport.total")) } th.num { (kr(lang, total.total_ore)) } th.num { (kr(lang, total.home_ore)) } th.num { (kr(lang, total.host_ore)) } td {}
            } }
        } }
    }
}

/// The timeline's bars of the live `placements`: labelled by trainee on a
/// host's timeline, by host and kind on a trainee's.
pub fn placement_bars(
    lang: Lang,
    placements: &[Placement],
    today: NaiveDate,
    by_host: bool,
) -> Vec<Bar> {
    placements
        .iter()
        .filter(|p| p.is_live())
        .map(|p| Bar {
            label: if by_host {
                p.trainee_name.clone()
            } else {
                format!("{} {}", p.host_unit_code, kind_label(lang, &p.kind))
            },
            start: p.start,
            end: p.end,
            status: p.status(today),
            title: format!(
                "{} · {} · {} – {} · {} %",
                p.trainee_name, p.host_unit_code, p.start, p.end, p.extent
            ),
            href: format!("/placements/{}", p.id),
        })
        .collect()
}

/// One cell of a repeated row (tiers, salary rows, home periods): the
/// fields share a name, so each is labelled for screen readers on its own.
/// `key` is the cell's error key, when it has one: its id is then the one
/// the summary of what to fix links to.
pub fn row_input(name: &str, key: Option<&str>, label: &str, value: &str, kind: &str) -> Markup {
    let id = key.map(|k| format!("f-{k}"));
    html! { input type=(kind) id=[id] name=(name) value=(value) aria-label=(label); }
}

/// The messages of repeated rows, under the rows, each after its row's
/// label (recorded with `FieldErrors::label` when the rows were drawn).
pub fn row_errors<'a>(errors: &FieldErrors, keys: impl IntoIterator<Item = &'a str>) -> Markup {
    html! {
        @for key in keys {
            @if let Some(e) = errors.get(key) {
                p.error { (errors.label_of(key).unwrap_or_default()) ": " (e) }
            }
        }
    }
}
