//! Placement timelines drawn on the server as SVG: a Gantt chart with one bar
//! per placement over a span of months, and for a host unit a strip below it
//! with the number of trainees placed per day against the unit's capacity,
//! red where it is exceeded.

use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};

use super::placements::{Span, Status, add_one_month, first_of_month};
use crate::i18n::Lang;

/// One bar.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Row label (trainee or host unit).
    pub label: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
    /// The placement's status, which gives the colour.
    pub status: Status,
    /// Tooltip.
    pub title: String,
    /// Link to the placement.
    pub href: String,
}

/// Stretches of constant count: `(first day, last day, trainees placed)`
/// over `from..=to`.
pub fn count_stretches(
    spans: &[Span],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, NaiveDate, i64)> {
    let mut points: Vec<(NaiveDate, i64)> = Vec::new();
    for (_, s, e) in spans {
        if *s > to || *e < from {
            continue;
        }
        points.push(((*s).max(from), 1));
        if let Some(after) = e.succ_opt()
            && after <= to
        {
            points.push((after, -1));
        }
    }
    points.sort();
    let mut out = Vec::new();
    let mut count = 0;
    let mut day = from;
    let mut i = 0;
    while i < points.len() {
        let d = points[i].0;
        if d > day {
            out.push((day, d.pred_opt().unwrap_or(d), count));
            day = d;
        }
        while i < points.len() && points[i].0 == d {
            count += points[i].1;
            i += 1;
        }
    }
    if day <= to {
        out.push((day, to, count));
    }
    out
}

/// Width of a character of a 12 px label, generously (Swedish names in a
/// sans-serif font average about 6.4 px).
const CHAR_W: f64 = 6.8;
/// The label column grows with the longest label between these widths.
const LABEL_MIN_W: f64 = 160.0;
const LABEL_MAX_W: f64 = 440.0;
const CHART_W: f64 = 640.0;
const ROW_H: f64 = 24.0;
const HEAD_H: f64 = 44.0;
const STRIP_H: f64 = 60.0;

fn colour(status: Status) -> &'static str {
    match status {
        Status::Planned => "#8a94a0",
        Status::Approved => "#2f6fb0",
        Status::Active => "#1a6b34",
        Status::Completed => "#5b2a86",
        Status::Cancelled => "#c4c9cf",
    }
}

/// The statuses the legend explains (cancelled placements are not drawn).
const LEGEND: [Status; 4] = [
    Status::Planned,
    Status::Approved,
    Status::Active,
    Status::Completed,
];

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// The Gantt chart of `bars` over the whole months from `from` to `to`;
/// with `capacity`, a strip of the daily count of `spans` below it.
pub fn gantt(
    lang: Lang,
    label: &str,
    bars: &[Bar],
    from: NaiveDate,
    to: NaiveDate,
    capacity: Option<(i64, &[Span])>,
) -> Markup {
    let longest = bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0);
    let label_w = (longest as f64 * CHAR_W + 16.0).clamp(LABEL_MIN_W, LABEL_MAX_W);
    // Only a label longer than the widest column is shortened; the whole
    // name is its tooltip and the bar's title.
    let label_chars = ((label_w - 16.0) / CHAR_W) as usize;
    let from = first_of_month(from);
    let to_excl = first_of_month(add_one_month(to));
    let days = (to_excl - from).num_days().max(1) as f64;
    let x_of =
        |d: NaiveDate| label_w + CHART_W * ((d - from).num_days() as f64 / days).clamp(0.0, 1.0);
    let mut months = Vec::new();
    let mut m = from;
    while m < to_excl {
        months.push(m);
        m = add_one_month(m);
    }
    let bars_h = ROW_H * bars.len().max(1) as f64;
    let strip_h = if capacity.is_some() {
        STRIP_H + 20.0
    } else {
        0.0
    };
    let legend_h = 22.0;
    let height = HEAD_H + bars_h + strip_h + legend_h + 10.0;
    let width = label_w + CHART_W + 10.0;
    let strip_top = HEAD_H + bars_h + 14.0;
    html! {
        svg.chart.gantt xmlns="http://www.w3.org/2000/svg" role="img" viewBox=(format!("0 0 {width} {height:.0}")) width="100%" aria-label=(label) {
            title { (label) }
            @for (i, m) in months.iter().enumerate() {
                @let x = x_of(*m);
                line x1=(format!("{x:.1}")) x2=(format!("{x:.1}")) y1=(HEAD_H - 6.0) y2=(format!("{:.1}", height - legend_h - 6.0)) stroke="#d5d9de" {}
                @if months.len() <= 24 || i % 3 == 0 {
                    text x=(format!("{:.1}", x + 2.0)) y=(HEAD_H - 10.0) font-size="11" fill="#1b1f24" { (super::explain::month_short(*m, lang)) }
                }
                @if m.month() == 1 || i == 0 {
                    text x=(format!("{:.1}", x + 2.0)) y=(HEAD_H - 26.0) font-size="11" font-weight="600" fill="#1b1f24" { (m.year()) }
                }
            }
            @if bars.is_empty() {
                text x=(label_w + 8.0) y=(HEAD_H + 16.0) font-size="12" fill="#6b7480" { (lang.t("placements.none")) }
            }
            @for (i, b) in bars.iter().enumerate() {
                @let y = HEAD_H + i as f64 * ROW_H;
                @let x1 = x_of(b.start);
                @let x2 = x_of(b.end.succ_opt().unwrap_or(b.end));
                text x=(label_w - 8.0) y=(format!("{:.1}", y + 16.0)) text-anchor="end" font-size="12" fill="#1b1f24" { title { (b.label) } (truncate(&b.label, label_chars)) }
                a href=(b.href) {
                    rect x=(format!("{x1:.1}")) y=(format!("{:.1}", y + 4.0)) width=(format!("{:.1}", (x2 - x1).max(2.0))) height=(ROW_H - 8.0)
                        rx="3" fill=(colour(b.status)) class=(b.status.as_str()) {
                        title { (b.title) }
                    }
                }
            }
            @for (i, status) in LEGEND.iter().enumerate() {
                @let lx = label_w + i as f64 * 130.0;
                @let ly = height - 16.0;
                rect x=(lx) y=(ly) width="12" height="12" rx="2" fill=(colour(*status)) {}
                text x=(lx + 16.0) y=(ly + 10.0) font-size="11" fill="#1b1f24" { (lang.t(status.label_key())) }
            }
            @if let Some((cap, spans)) = capacity {
                @let stretches = count_stretches(spans, from, to_excl.pred_opt().unwrap_or(to_excl));
                @let peak = stretches.iter().map(|s| s.2).max().unwrap_or(0).max(cap).max(1) as f64;
                @let y_of = |n: i64| strip_top + STRIP_H - STRIP_H * n as f64 / peak;
                text x=(label_w - 8.0) y=(format!("{:.1}", strip_top + STRIP_H / 2.0)) text-anchor="end" font-size="12" fill="#1b1f24" { (lang.t("placements.timeline_count")) }
                @for (s, e, n) in &stretches {
                    @if *n > 0 {
                        @let x1 = x_of(*s);
                        @let x2 = x_of(e.succ_opt().unwrap_or(*e));
                        rect x=(format!("{x1:.1}")) y=(format!("{:.1}", y_of(*n))) width=(format!("{:.1}", (x2 - x1).max(1.0))) height=(format!("{:.1}", strip_top + STRIP_H - y_of(*n)))
                            fill=(if *n > cap { "#a1161b" } else { "#9bb7d4" }) class=(if *n > cap { "over" } else { "within" }) {
                            title { (s) " – " (e) ": " (n) " / " (cap) }
                        }
                    }
                }
                @let cy = y_of(cap);
                line x1=(label_w) x2=(label_w + CHART_W) y1=(format!("{cy:.1}")) y2=(format!("{cy:.1}")) stroke="#1b1f24" stroke-dasharray="4 3" {}
                text x=(label_w + CHART_W - 2.0) y=(format!("{:.1}", cy - 3.0)) text-anchor="end" font-size="11" fill="#1b1f24" { (lang.t("placements.capacity")) " " (cap) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::check::date(s).expect("date")
    }

    #[test]
    fn stretches_cover_the_span_with_counts() {
        let spans = [
            (1, d("2026-01-10"), d("2026-01-20")),
            (2, d("2026-01-15"), d("2026-02-05")),
        ];
        assert_eq!(
            count_stretches(&spans, d("2026-01-01"), d("2026-01-31")),
            vec![
                (d("2026-01-01"), d("2026-01-09"), 0),
                (d("2026-01-10"), d("2026-01-14"), 1),
                (d("2026-01-15"), d("2026-01-20"), 2),
                (d("2026-01-21"), d("2026-01-31"), 1),
            ]
        );
    }

    #[test]
    fn over_capacity_days_are_drawn_red() {
        let spans = [
            (1, d("2026-01-10"), d("2026-01-20")),
            (2, d("2026-01-15"), d("2026-02-05")),
        ];
        let svg = gantt(
            Lang::Sv,
            "t",
            &[],
            d("2026-01-01"),
            d("2026-02-28"),
            Some((1, &spans)),
        )
        .into_string();
        assert!(svg.contains("class=\"over\""));
        assert!(svg.contains("2026-01-15 – 2026-01-20: 2 / 1"));
    }

    #[test]
    fn labels_are_drawn_whole_up_to_the_widest_column() {
        let bar = |label: &str| Bar {
            label: label.to_string(),
            start: d("2026-01-10"),
            end: d("2026-03-20"),
            status: Status::Approved,
            title: "t".into(),
            href: "/p".into(),
        };
        let long = "Hematologi och onkologi, Universitetssjukhuset i Östra Mark";
        let svg = gantt(
            Lang::Sv,
            "t",
            &[bar(long), bar("Kort")],
            d("2026-01-01"),
            d("2026-03-31"),
            None,
        )
        .into_string();
        assert!(svg.contains(&format!("</title>{long}</text>")), "{svg}");
        let too_long = long.repeat(2);
        let svg = gantt(
            Lang::Sv,
            "t",
            &[bar(&too_long)],
            d("2026-01-01"),
            d("2026-03-31"),
            None,
        )
        .into_string();
        assert!(svg.contains('…'), "{svg}");
    }
}
