//! The report's pictures, drawn on the server as SVG: a funnel plot of the
//! administrations' shares against their patients, with 95 % and 99.8 %
//! limits around the whole's share, and the whole's share per quarter.

use maud::{Markup, PreEscaped, html};

use super::model::{self, Cell, Period};
use super::report::Point;
use crate::i18n::Lang;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

/// A share in per cent, as the reader writes it: `12,3 %` or `12.3 %`.
pub fn percent(share_bp: u32, lang: Lang) -> String {
    let tenths = (share_bp + 5) / 10;
    let sep = match lang {
        Lang::Sv => ',',
        Lang::En => '.',
    };
    format!("{}{sep}{} %", tenths / 10, tenths % 10)
}

fn x_of(n: f64, max_n: f64) -> f64 {
    LEFT + (WIDTH - LEFT - RIGHT) * n / max_n
}

fn y_of(share: f64, max_share: f64) -> f64 {
    TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - share / max_share)
}

/// The limits as a polyline's points for `z`, lower and upper.
fn limit_lines(p: f64, max_n: u32, max_share: f64, z: f64) -> (String, String) {
    let mut lower = String::new();
    let mut upper = String::new();
    let steps = 60u32;
    for i in 1..=steps {
        let n = (f64::from(max_n) * f64::from(i) / f64::from(steps)).max(1.0);
        let (lo, hi) = model::funnel_limits(p, n.round() as u32, z);
        let x = x_of(n, f64::from(max_n));
        lower.push_str(&format!(
            "{x:.1},{:.1} ",
            y_of(lo.min(max_share), max_share)
        ));
        upper.push_str(&format!(
            "{x:.1},{:.1} ",
            y_of(hi.min(max_share), max_share)
        ));
    }
    (lower, upper)
}

/// The funnel plot. Without a shown centre (the whole is suppressed) or
/// points, a note instead.
pub fn funnel(lang: Lang, centre: Cell, points: &[Point]) -> Markup {
    let Cell::Counts { share_bp, .. } = centre else {
        return html! { p.muted { (lang.t("quality.no_funnel")) } };
    };
    if points.is_empty() {
        return html! { p.muted { (lang.t("quality.no_funnel")) } };
    }
    let p = f64::from(share_bp) / 10_000.0;
    let max_n = points
        .iter()
        .map(|pt| pt.patients)
        .max()
        .unwrap_or(1)
        .max(10);
    let highest = points
        .iter()
        .map(|pt| f64::from(pt.share_bp) / 10_000.0)
        .fold(p, f64::max);
    let max_share = ((highest * 1.25).max(0.1) * 10.0).ceil() / 10.0;
    let (lo95, hi95) = limit_lines(p, max_n, max_share, model::Z95);
    let (lo998, hi998) = limit_lines(p, max_n, max_share, model::Z998);
    let y_centre = y_of(p, max_share);
    let title = lang.t("quality.funnel_title");
    html! {
        svg.chart viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-label=(title) {
            title { (title) }
            // Axes with a few ticks.
            line x1=(LEFT) y1=(HEIGHT - BOTTOM) x2=(WIDTH - RIGHT) y2=(HEIGHT - BOTTOM) stroke="#555" {}
            line x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(HEIGHT - BOTTOM) stroke="#555" {}
            @for i in 0..=4u32 {
                @let share = max_share * f64::from(i) / 4.0;
                @let y = y_of(share, max_share);
                line x1=(LEFT - 4.0) y1=(y) x2=(LEFT) y2=(y) stroke="#555" {}
                text x=(LEFT - 6.0) y=(y + 4.0) text-anchor="end" font-size="11" {
                    (percent((share * 10_000.0).round() as u32, lang))
                }
                @let n = f64::from(max_n) * f64::from(i) / 4.0;
                @let x = x_of(n, f64::from(max_n));
                line x1=(x) y1=(HEIGHT - BOTTOM) x2=(x) y2=(HEIGHT - BOTTOM + 4.0) stroke="#555" {}
                text x=(x) y=(HEIGHT - BOTTOM + 16.0) text-anchor="middle" font-size="11" { (n.round()) }
            }
            text x=((LEFT + WIDTH - RIGHT) / 2.0) y=(HEIGHT - 6.0) text-anchor="middle" font-size="12" { (lang.t("quality.axis_patients")) }
            polyline points=(lo998) fill="none" stroke="#b33" stroke-dasharray="4 3" {}
            polyline points=(hi998) fill="none" stroke="#b33" stroke-dasharray="4 3" {}
            polyline points=(lo95) fill="none" stroke="#d80" {}
            polyline points=(hi95) fill="none" stroke="#d80" {}
            line x1=(LEFT) y1=(y_centre) x2=(WIDTH - RIGHT) y2=(y_centre) stroke="#333" {}
            @for pt in points {
                @let x = x_of(f64::from(pt.patients), f64::from(max_n));
                @let y = y_of(f64::from(pt.share_bp) / 10_000.0, max_share);
                circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="5" fill="#1565c0" {
                    title { (pt.name) ": " (percent(pt.share_bp, lang)) ", " (pt.patients) " " (lang.t("quality.patients")) }
                }
            }
        }
        p.muted.legend {
            (PreEscaped("&#9472;")) " " (lang.t("quality.legend_centre")) " · "
            span.warn { (lang.t("quality.legend_95")) } " · "
            span.bad { (lang.t("quality.legend_998")) }
        }
    }
}

/// The whole's share per quarter; suppressed quarters leave a gap.
pub fn trend(lang: Lang, quarters: &[(Period, Cell)]) -> Markup {
    let shown: Vec<(usize, u32)> = quarters
        .iter()
        .enumerate()
        .filter_map(|(i, (_, c))| match c {
            Cell::Counts { share_bp, count } if count.denominator > 0 => Some((i, *share_bp)),
            _ => None,
        })
        .collect();
    if shown.is_empty() {
        return html! { p.muted { (lang.t("quality.no_trend")) } };
    }
    let highest = shown
        .iter()
        .map(|(_, s)| f64::from(*s) / 10_000.0)
        .fold(0.0, f64::max);
    let max_share = ((highest * 1.25).max(0.1) * 10.0).ceil() / 10.0;
    let slots = quarters.len().max(2) as f64;
    let x = |i: usize| LEFT + (WIDTH - LEFT - RIGHT) * (i as f64 + 0.5) / slots;
    // Runs of consecutive shown quarters are joined; a suppressed one breaks the line.
    let mut runs: Vec<String> = Vec::new();
    let mut last: Option<usize> = None;
    for (i, s) in &shown {
        let point = format!(
            "{:.1},{:.1} ",
            x(*i),
            y_of(f64::from(*s) / 10_000.0, max_share)
        );
        match last {
            Some(l) if l + 1 == *i => {
                if let Some(run) = runs.last_mut() {
                    run.push_str(&point);
                }
            }
            _ => runs.push(point),
        }
        last = Some(*i);
    }
    let title = lang.t("quality.trend_title");
    html! {
        svg.chart viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-label=(title) {
            title { (title) }
            line x1=(LEFT) y1=(HEIGHT - BOTTOM) x2=(WIDTH - RIGHT) y2=(HEIGHT - BOTTOM) stroke="#555" {}
            line x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(HEIGHT - BOTTOM) stroke="#555" {}
            @for i in 0..=4u32 {
                @let share = max_share * f64::from(i) / 4.0;
                @let y = y_of(share, max_share);
                text x=(LEFT - 6.0) y=(y + 4.0) text-anchor="end" font-size="11" {
                    (percent((share * 10_000.0).round() as u32, lang))
                }
            }
            @for (i, (period, _)) in quarters.iter().enumerate() {
                @if period.quarter == Some(1) || quarters.len() <= 8 {
                    text x=(x(i)) y=(HEIGHT - BOTTOM + 16.0) text-anchor="middle" font-size="11" { (period.label()) }
                }
            }
            @for run in &runs {
                polyline points=(run) fill="none" stroke="#1565c0" stroke-width="2" {}
            }
            @for (i, s) in &shown {
                circle cx=(format!("{:.1}", x(*i))) cy=(format!("{:.1}", y_of(f64::from(*s) / 10_000.0, max_share))) r="3.5" fill="#1565c0" {
                    title { (quarters[*i].0.label()) ": " (percent(*s, lang)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::model::Count;

    #[test]
    fn percent_in_each_language() {
        assert_eq!(percent(1234, Lang::Sv), "12,3 %");
        assert_eq!(percent(1235, Lang::En), "12.4 %");
        assert_eq!(percent(0, Lang::Sv), "0,0 %");
        assert_eq!(percent(10_000, Lang::En), "100.0 %");
    }

    #[test]
    fn the_plots_draw_points_limits_and_gaps() {
        let centre = Cell::Counts {
            count: Count {
                denominator: 100,
                numerator: 20,
            },
            share_bp: 2000,
        };
        let points = vec![
            Point {
                name: "Norra sjukhuset".into(),
                patients: 40,
                share_bp: 2500,
            },
            Point {
                name: "Kustsjukhuset".into(),
                patients: 60,
                share_bp: 1667,
            },
        ];
        let svg = funnel(Lang::Sv, centre, &points).into_string();
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(
            svg.matches("<polyline").count(),
            4,
            "two limits, both sides"
        );
        assert!(svg.contains("Norra sjukhuset: 25,0 %"));
        let none = funnel(Lang::Sv, Cell::Suppressed, &points).into_string();
        assert!(!none.contains("<svg"), "a suppressed centre draws nothing");
        let q = |n| Period {
            year: 2025,
            quarter: Some(n),
        };
        let trend_svg = trend(
            Lang::En,
            &[
                (q(1), centre),
                (q(2), Cell::Suppressed),
                (q(3), centre),
                (q(4), centre),
            ],
        )
        .into_string();
        assert_eq!(
            trend_svg.matches("<polyline").count(),
            2,
            "the suppressed quarter breaks the line"
        );
        assert_eq!(trend_svg.matches("<circle").count(), 3);
        assert_balanced(&svg);
        assert_balanced(&trend_svg);
    }

    /// Inside HTML a `<line>` without its end tag swallows every later
    /// shape of the picture: each element the pictures open must be closed,
    /// in order.
    fn assert_balanced(svg: &str) {
        let mut open: Vec<&str> = Vec::new();
        for tag in svg.split('<').skip(1) {
            let tag = &tag[..tag.find('>').expect("tag end")];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "{svg}");
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().expect("name"));
            }
        }
        assert!(open.is_empty(), "left open: {open:?}");
    }
}
