//! Compliance: counts per region, administration and unit on a date, the share
//! compliant, the expiry forecast, and the SVG pictures of both. Pure functions
//! over the evaluated people; the SQL lives in `store`.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

use super::model::Status;
use super::store::RequiredPerson;

/// The level a report groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Regions.
    #[default]
    Region,
    /// Administrations (within a region).
    Administration,
    /// Units (within an administration).
    Unit,
}

impl Level {
    /// Parses `region`, `administration`, `unit`.
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim() {
            "" | "region" => Some(Level::Region),
            "administration" => Some(Level::Administration),
            "unit" => Some(Level::Unit),
            _ => None,
        }
    }

    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Region => "region",
            Level::Administration => "administration",
            Level::Unit => "unit",
        }
    }

    /// The level below, for drill-down links.
    pub fn child(self) -> Option<Level> {
        match self {
            Level::Region => Some(Level::Administration),
            Level::Administration => Some(Level::Unit),
            Level::Unit => None,
        }
    }
}

/// Counts for one row or the total. `valid` does not include `expiring`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ComplianceCounts)]
pub struct Counts {
    /// People who must hold the licence.
    pub required: u64,
    /// Valid with time to spare.
    pub valid: u64,
    /// Valid, inside the first warning threshold.
    pub expiring: u64,
    /// Expired.
    pub expired: u64,
    /// Never held.
    pub missing: u64,
}

impl Counts {
    /// Adds one person's status.
    pub fn add(&mut self, s: Status) {
        self.required += 1;
        match s {
            Status::Valid => self.valid += 1,
            Status::Expiring => self.expiring += 1,
            Status::Expired => self.expired += 1,
            Status::Missing => self.missing += 1,
        }
    }

    /// (valid + expiring) / required in per-mille, rounded half up; None when
    /// nobody is required.
    pub fn compliant_permille(&self) -> Option<u64> {
        (self.required > 0)
            .then(|| ((self.valid + self.expiring) * 1000 + self.required / 2) / self.required)
    }

    /// The share as text, `87,5 %` in Swedish or `87.5 %` in English.
    pub fn share_text(&self, lang: crate::i18n::Lang) -> String {
        match self.compliant_permille() {
            None => "–".into(),
            Some(p) => {
                let sep = if lang == crate::i18n::Lang::Sv {
                    ','
                } else {
                    '.'
                };
                format!("{}{}{} %", p / 10, sep, p % 10)
            }
        }
    }
}

/// Where a unit sits, with names, for grouping.
#[derive(Debug, Clone)]
pub struct UnitInfo {
    /// Unit id.
    pub unit_id: i64,
    /// Unit code and name.
    pub unit_name: String,
    /// Administration.
    pub administration_id: i64,
    /// Its name.
    pub administration_name: String,
    /// Region.
    pub region_id: i64,
    /// Its name.
    pub region_name: String,
}

/// One row of a report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ComplianceRow)]
pub struct Row {
    /// Region, administration or unit id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Counts.
    #[serde(flatten)]
    pub counts: Counts,
}

/// Groups evaluated people by `by`, keeping only those under `within` (a region
/// for administrations, an administration for units).
pub fn aggregate(
    people: &[RequiredPerson],
    units: &HashMap<i64, UnitInfo>,
    by: Level,
    within: Option<i64>,
) -> (Vec<Row>, Counts) {
    let mut rows: BTreeMap<(String, i64), Counts> = BTreeMap::new();
    let mut total = Counts::default();
    for p in people {
        let Some(u) = units.get(&p.unit_id) else {
            continue;
        };
        let (id, name, parent) = match by {
            Level::Region => (u.region_id, &u.region_name, None),
            Level::Administration => (
                u.administration_id,
                &u.administration_name,
                Some(u.region_id),
            ),
            Level::Unit => (u.unit_id, &u.unit_name, Some(u.administration_id)),
        };
        if within.is_some() && parent != within {
            continue;
        }
        rows.entry((name.clone(), id))
            .or_default()
            .add(p.standing.status);
        total.add(p.standing.status);
    }
    let mut out: Vec<Row> = rows
        .into_iter()
        .map(|((name, id), counts)| Row { id, name, counts })
        .collect();
    out.sort_by(|a, b| crate::db::collation::swedish(&a.name, &b.name));
    (out, total)
}

/// Expiries per calendar month for the 12 months from `as_of`'s month: how many
/// of these people's licences run out in each (only those valid on `as_of`).
pub fn forecast(people: &[&RequiredPerson], as_of: NaiveDate) -> Vec<(NaiveDate, u64)> {
    let first = NaiveDate::from_ymd_opt(as_of.year(), as_of.month(), 1).unwrap_or(as_of);
    let months: Vec<NaiveDate> = (0..12)
        .map(|i| super::model::add_months(first, i))
        .collect();
    let mut counts = vec![0u64; 12];
    for p in people {
        if !p.standing.status.compliant() {
            continue;
        }
        let Some(until) = p.standing.valid_until else {
            continue;
        };
        let idx = (until.year() - first.year()) * 12 + until.month() as i32 - first.month() as i32;
        if (0..12).contains(&idx) {
            counts[idx as usize] += 1;
        }
    }
    months.into_iter().zip(counts).collect()
}

const COLOURS: [(&str, Status); 4] = [
    ("#1a6b34", Status::Valid),
    ("#c98a00", Status::Expiring),
    ("#a1161b", Status::Expired),
    ("#6b7480", Status::Missing),
];

/// Horizontal stacked bars, one per row, with the share compliant at the end.
pub fn bar_chart(rows: &[Row], lang: crate::i18n::Lang) -> Markup {
    let label_w = 260.0;
    let bar_w = 420.0;
    let row_h = 26.0;
    let height = row_h * rows.len() as f64 + 40.0;
    let width = label_w + bar_w + 90.0;
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img" viewBox=(format!("0 0 {width} {height}")) width="100%"
            aria-label=(lang.t("compliance.chart_label")) {
            title { (lang.t("compliance.chart_label")) }
            @for (i, row) in rows.iter().enumerate() {
                @let y = 10.0 + i as f64 * row_h;
                text x=(label_w - 8.0) y=(y + 15.0) text-anchor="end" font-size="13" fill="#1b1f24" { (truncate(&row.name, 34)) }
                @for (x, w, colour, status, n) in segments(&row.counts, label_w, bar_w) {
                    rect x=(format!("{x:.1}")) y=(y) width=(format!("{w:.1}")) height=(row_h - 8.0) fill=(colour) {
                        title { (lang.t(status.label_key())) ": " (n) }
                    }
                }
                text x=(label_w + bar_w + 8.0) y=(y + 15.0) font-size="13" fill="#1b1f24" { (row.counts.share_text(lang)) }
            }
            @let ly = height - 14.0;
            @for (i, (colour, status)) in COLOURS.iter().enumerate() {
                rect x=(label_w + i as f64 * 110.0) y=(ly - 10.0) width="12" height="12" fill=(*colour) {}
                text x=(label_w + i as f64 * 110.0 + 16.0) y=(ly) font-size="12" fill="#1b1f24" { (lang.t(status.label_key())) }
            }
        }
    }
}

/// Vertical bars of expiries per month.
pub fn forecast_chart(months: &[(NaiveDate, u64)], lang: crate::i18n::Lang) -> Markup {
    let max = months.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let col_w = 52.0;
    let chart_h = 160.0;
    let width = col_w * months.len() as f64 + 20.0;
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img" viewBox=(format!("0 0 {width} {}", chart_h + 50.0)) width="100%"
            aria-label=(lang.t("compliance.forecast_label")) {
            title { (lang.t("compliance.forecast_label")) }
            @for (i, (month, n)) in months.iter().enumerate() {
                @let h = chart_h * *n as f64 / max;
                @let x = 10.0 + i as f64 * col_w;
                rect x=(format!("{:.1}", x + 6.0)) y=(format!("{:.1}", 20.0 + chart_h - h)) width=(col_w - 12.0) height=(format!("{h:.1}")) fill="#5b2a86" {
                    title { (month.format("%Y-%m")) ": " (n) }
                }
                text x=(x + col_w / 2.0) y=(format!("{:.1}", 14.0 + chart_h - h)) text-anchor="middle" font-size="12" fill="#1b1f24" { (n) }
                text x=(x + col_w / 2.0) y=(chart_h + 38.0) text-anchor="middle" font-size="11" fill="#1b1f24" { (month.format("%Y-%m")) }
            }
        }
    }
}

/// The coloured pieces of one bar: (x, width, colour, status, count).
fn segments(c: &Counts, start: f64, width: f64) -> Vec<(f64, f64, &'static str, Status, u64)> {
    let mut x = start;
    let mut out = Vec::new();
    for (colour, status) in COLOURS {
        let n = match status {
            Status::Valid => c.valid,
            Status::Expiring => c.expiring,
            Status::Expired => c.expired,
            Status::Missing => c.missing,
        };
        if c.required > 0 && n > 0 {
            let w = width * n as f64 / c.required as f64;
            out.push((x, w, colour, status, n));
            x += w;
        }
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

impl Counts {
    /// Adds another row's counts.
    pub fn add_counts(&mut self, other: &Counts) {
        self.required += other.required;
        self.valid += other.valid;
        self.expiring += other.expiring;
        self.expired += other.expired;
        self.missing += other.missing;
    }
}

/// Groups counts per unit by `by`, keeping only units under `within`: the same
/// rows and total as [`aggregate`] gives for the people behind the counts.
pub fn aggregate_counts(
    counts: &HashMap<i64, Counts>,
    units: &HashMap<i64, UnitInfo>,
    by: Level,
    within: Option<i64>,
) -> (Vec<Row>, Counts) {
    let mut rows: BTreeMap<(String, i64), Counts> = BTreeMap::new();
    let mut total = Counts::default();
    for (unit_id, c) in counts {
        let Some(u) = units.get(unit_id) else {
            continue;
        };
        if c.required == 0 {
            continue;
        }
        let (id, name, parent) = match by {
            Level::Region => (u.region_id, &u.region_name, None),
            Level::Administration => (
                u.administration_id,
                &u.administration_name,
                Some(u.region_id),
            ),
            Level::Unit => (u.unit_id, &u.unit_name, Some(u.administration_id)),
        };
        if within.is_some() && parent != within {
            continue;
        }
        rows.entry((name.clone(), id)).or_default().add_counts(c);
        total.add_counts(c);
    }
    let mut out: Vec<Row> = rows
        .into_iter()
        .map(|((name, id), counts)| Row { id, name, counts })
        .collect();
    out.sort_by(|a, b| crate::db::collation::swedish(&a.name, &b.name));
    (out, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::licences::model::Standing;

    fn person(id: i64, unit: i64, status: Status, until: Option<&str>) -> RequiredPerson {
        RequiredPerson {
            person_id: id,
            name: format!("P{id}"),
            hsa_id: None,
            unit_id: unit,
            standing: Standing {
                status,
                valid_until: until.map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")),
                days_left: None,
                window_opens: None,
            },
        }
    }

    fn units() -> HashMap<i64, UnitInfo> {
        let u = |unit_id, admin, region| UnitInfo {
            unit_id,
            unit_name: format!("U{unit_id}"),
            administration_id: admin,
            administration_name: format!("A{admin}"),
            region_id: region,
            region_name: format!("R{region}"),
        };
        HashMap::from([(1, u(1, 10, 100)), (2, u(2, 10, 100)), (3, u(3, 20, 200))])
    }

    #[test]
    fn counts_roll_up_and_valid_excludes_expiring() {
        let people = vec![
            person(1, 1, Status::Valid, Some("2027-01-01")),
            person(2, 1, Status::Expiring, Some("2026-04-01")),
            person(3, 2, Status::Expired, Some("2025-01-01")),
            person(4, 3, Status::Missing, None),
        ];
        let (rows, total) = aggregate(&people, &units(), Level::Region, None);
        assert_eq!(
            total,
            Counts {
                required: 4,
                valid: 1,
                expiring: 1,
                expired: 1,
                missing: 1
            }
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].counts.required, 3);
        assert_eq!(rows[0].counts.compliant_permille(), Some(667));
        let (rows, total) = aggregate(&people, &units(), Level::Unit, Some(10));
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(total.required, 3);
        assert_eq!(total.share_text(crate::i18n::Lang::Sv), "66,7 %");
        assert_eq!(Counts::default().compliant_permille(), None);
    }

    #[test]
    fn forecast_counts_expiries_per_month_of_valid_licences() {
        let people = [
            person(1, 1, Status::Valid, Some("2026-12-31")),
            person(2, 1, Status::Expiring, Some("2026-03-20")),
            person(3, 1, Status::Expired, Some("2026-03-01")),
            person(4, 1, Status::Valid, Some("2027-03-01")),
        ];
        let refs: Vec<&RequiredPerson> = people.iter().collect();
        let f = forecast(&refs, NaiveDate::from_ymd_opt(2026, 3, 15).expect("date"));
        assert_eq!(f.len(), 12);
        assert_eq!(f[0], (NaiveDate::from_ymd_opt(2026, 3, 1).expect("d"), 1));
        assert_eq!(f[9].1, 1);
        assert_eq!(
            f.iter().map(|(_, n)| n).sum::<u64>(),
            2,
            "March 2027 is outside the 12 months"
        );
    }

    #[test]
    fn counts_per_unit_group_like_the_people_behind_them() {
        let people = vec![
            person(1, 1, Status::Valid, Some("2027-01-01")),
            person(2, 1, Status::Expiring, Some("2026-04-01")),
            person(3, 2, Status::Expired, Some("2025-01-01")),
            person(4, 3, Status::Missing, None),
        ];
        let mut per_unit: HashMap<i64, Counts> = HashMap::new();
        for p in &people {
            per_unit
                .entry(p.unit_id)
                .or_default()
                .add(p.standing.status);
        }
        per_unit.insert(9, Counts::default());
        for (by, within) in [
            (Level::Region, None),
            (Level::Administration, Some(100)),
            (Level::Unit, Some(10)),
            (Level::Unit, None),
        ] {
            let (rows, total) = aggregate_counts(&per_unit, &units(), by, within);
            let (want_rows, want_total) = aggregate(&people, &units(), by, within);
            assert_eq!(total, want_total);
            assert_eq!(
                rows.iter()
                    .map(|r| (r.id, r.name.clone(), r.counts))
                    .collect::<Vec<_>>(),
                want_rows
                    .iter()
                    .map(|r| (r.id, r.name.clone(), r.counts))
                    .collect::<Vec<_>>()
            );
        }
    }
}
