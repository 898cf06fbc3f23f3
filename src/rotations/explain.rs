//! The split in words, in the reader's language: the month lines'
//! explanations ("april 2025: 1–14 månad 3 (hemklinik 100 %), 15–30 månad 4
//! (50/50)"), month names, shares as percentages and amounts in kronor. The
//! model returns the facts (runs of days, tier shares, home days, salary,
//! extent and cap remarks); pages, CSV files and the API call these with the
//! language they answer in.

use chrono::{Datelike, NaiveDate};

use super::model::{Agreement, LEAVE_REASON, MonthLine};
use crate::i18n::{Lang, Msg};
use crate::msg;

/// The catalogue keys of the month names, January first.
const MONTHS: [&str; 12] = [
    "rotations.month_january",
    "rotations.month_february",
    "rotations.month_march",
    "rotations.month_april",
    "rotations.month_may",
    "rotations.month_june",
    "rotations.month_july",
    "rotations.month_august",
    "rotations.month_september",
    "rotations.month_october",
    "rotations.month_november",
    "rotations.month_december",
];

/// Short month names, as chart axes show them.
const SHORT_MONTHS: [&str; 12] = [
    "rotations.month_short_1",
    "rotations.month_short_2",
    "rotations.month_short_3",
    "rotations.month_short_4",
    "rotations.month_short_5",
    "rotations.month_short_6",
    "rotations.month_short_7",
    "rotations.month_short_8",
    "rotations.month_short_9",
    "rotations.month_short_10",
    "rotations.month_short_11",
    "rotations.month_short_12",
];

/// "feb" / "Feb": a month on a chart's axis.
pub fn month_short(first_day: NaiveDate, lang: Lang) -> &'static str {
    let i = usize::try_from(first_day.month0()).unwrap_or(0);
    lang.t(SHORT_MONTHS[i % 12])
}

/// "april 2025" / "April 2025".
pub fn month_name(first_day: NaiveDate, lang: Lang) -> String {
    let i = usize::try_from(first_day.month0()).unwrap_or(0);
    format!("{} {}", lang.t(MONTHS[i % 12]), first_day.year())
}

/// The decimal separator of `lang`.
fn decimal(lang: Lang) -> char {
    match lang {
        Lang::Sv => ',',
        Lang::En => '.',
    }
}

/// A per-mille as a percentage: 500 → "50", 333 → "33,3" (Swedish) or "33.3".
pub fn permille_percent(permille: u16, lang: Lang) -> String {
    let (whole, tenth) = (permille / 10, permille % 10);
    if tenth == 0 {
        whole.to_string()
    } else {
        format!("{whole}{}{tenth}", decimal(lang))
    }
}

/// 1 050 öre → "10,50 kr" (Swedish) / "10.50 kr"; thousands grouped with
/// a no-break space.
pub fn format_kronor(ore: i64, lang: Lang) -> String {
    let sign = if ore < 0 { "-" } else { "" };
    let abs = ore.unsigned_abs();
    let (kr, rest) = (abs / 100, abs % 100);
    let digits = kr.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('\u{a0}');
        }
        grouped.push(c);
    }
    if rest == 0 {
        format!("{sign}{grouped} kr")
    } else {
        format!("{sign}{grouped}{}{rest:02} kr", decimal(lang))
    }
}

/// The agreement's name in `lang` (the Swedish one when it has no English
/// name).
pub fn agreement_name(a: &Agreement, lang: Lang) -> &str {
    match (lang, &a.name_en) {
        (Lang::En, Some(en)) if !en.is_empty() => en,
        _ => &a.name_sv,
    }
}

/// Who pays a tier share: "hemklinik 100 %", "50/50", "värd 100 %",
/// "hemklinik 66,7 %/värd 33,3 %".
fn share(permille: u16, lang: Lang) -> Msg {
    match permille {
        0 => msg!("rotations.explain.home_pays"),
        1000 => msg!("rotations.explain.host_pays"),
        500 => msg!("rotations.explain.half_each"),
        p => msg!(
            "rotations.explain.shares",
            home = permille_percent(1000 - p, lang),
            host = permille_percent(p, lang)
        ),
    }
}

/// The reason of home days as the reader sees it.
fn reason(reason: &str) -> Msg {
    if reason == LEAVE_REASON {
        msg!("rotations.explain.leave")
    } else {
        Msg::verbatim(reason.trim())
    }
}

/// The days of a run: "15" or "1–14".
fn day_range(from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        from.day().to_string()
    } else {
        format!("{}–{}", from.day(), to.day())
    }
}

/// The month line's explanation in `lang`: the runs of days with their
/// placement month and who pays, then the salary, extent and cap remarks.
pub fn month_line(m: &MonthLine, lang: Lang) -> String {
    let mut out = month_name(m.first_day, lang);
    out.push(':');
    for (i, r) in m.runs().iter().enumerate() {
        out.push_str(if i == 0 { " " } else { ", " });
        let days = day_range(r.from, r.to);
        let month = r.placement_month;
        let run = match &r.at_home {
            Some(why) if why.trim().is_empty() => msg!(
                "rotations.explain.home_run",
                days,
                month,
                share = share(0, lang)
            ),
            Some(why) => msg!(
                "rotations.explain.home_run_reason",
                days,
                month,
                reason = reason(why),
                share = share(0, lang)
            ),
            None => msg!(
                "rotations.explain.run",
                days,
                month,
                share = share(r.host_permille, lang)
            ),
        };
        out.push_str(&run.render(lang));
    }
    let mut remarks = Vec::new();
    if !m.remarks.salary_from_day.is_empty() {
        let costs = m
            .remarks
            .salary_from_day
            .iter()
            .map(|(day, ore)| {
                msg!(
                    "rotations.explain.cost_from",
                    cost = format_kronor(*ore, lang),
                    day = *day
                )
                .render(lang)
            })
            .collect::<Vec<_>>()
            .join(", ");
        remarks.push(msg!("rotations.explain.salary", costs).render(lang));
    }
    if let Some(percent) = m.remarks.extent_percent {
        remarks.push(msg!("rotations.explain.extent", percent).render(lang));
    }
    if let Some(cap) = m.remarks.cap_ore_per_month {
        remarks.push(msg!("rotations.explain.cap", cap = format_kronor(cap, lang)).render(lang));
    }
    if !remarks.is_empty() {
        out.push_str("; ");
        out.push_str(&remarks.join("; "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kronor_are_grouped_by_thousands() {
        assert_eq!(format_kronor(5_250_000, Lang::Sv), "52\u{a0}500 kr");
        assert_eq!(format_kronor(1_050, Lang::Sv), "10,50 kr");
        assert_eq!(format_kronor(1_050, Lang::En), "10.50 kr");
        assert_eq!(format_kronor(0, Lang::En), "0 kr");
    }

    #[test]
    fn shares_months_and_leave_are_told_in_the_readers_language() {
        assert_eq!(permille_percent(333, Lang::Sv), "33,3");
        assert_eq!(permille_percent(333, Lang::En), "33.3");
        assert_eq!(
            share(333, Lang::Sv).render(Lang::Sv),
            "hemklinik 66,7 %/värd 33,3 %"
        );
        assert_eq!(
            share(333, Lang::En).render(Lang::En),
            "home clinic 66.7 %/host 33.3 %"
        );
        let feb = NaiveDate::from_ymd_opt(2026, 2, 1).expect("date");
        assert_eq!(month_name(feb, Lang::Sv), "februari 2026");
        assert_eq!(month_name(feb, Lang::En), "February 2026");
        assert_eq!(reason(LEAVE_REASON).render(Lang::Sv), "ledighet");
        assert_eq!(reason(LEAVE_REASON).render(Lang::En), "leave");
        assert_eq!(reason(" semester ").render(Lang::En), "semester");
    }
}
