//! Rotation reports: the cost per payer (home clinics and hosts) per calendar
//! month and budget year with the placements and month lines behind it, the
//! hosts' capacity over the coming months, and trainees still missing
//! elements that must be done at the host.
//!
//! The cost report reads everything it needs in four queries (the year's
//! placements, every agreement, every salary history, every home period:
//! `store::cost_inputs`) and computes the splits in memory, so its cost
//! grows with the placements of the year, never with a query per placement.
//! Pure: the reads are in `store`, the words in `explain` and the pages.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::model::{Agreement, MonthLine, SalaryChange, Totals};
use super::placements::{self, HomePeriodRow, LedgerError, Placement, Span, monthly_peaks};
use super::trainees::{self, Element, ElementState, Trainee};
use crate::auth::model::UnitFilter;

/// One placement's part of a year.
#[derive(Debug)]
pub struct PlacementCost {
    /// The placement.
    pub placement: Placement,
    /// The agreement used, when one applies.
    pub agreement: Option<String>,
    /// Month lines of the year.
    pub months: Vec<MonthLine>,
    /// Their sums.
    pub total: Totals,
    /// Why no split could be computed (e.g. no salary recorded).
    pub problem: Option<LedgerError>,
}

/// One payer's year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PayerRow {
    /// The unit.
    pub unit_id: i64,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// What it pays per calendar month (January first), öre.
    pub months: [i64; 12],
    /// Of each month, paid as home clinic.
    pub home_months: [i64; 12],
    /// Of each month, paid as host.
    pub host_months: [i64; 12],
    /// Of the year, paid as home clinic.
    pub as_home_ore: i64,
    /// Of the year, paid as host.
    pub as_host_ore: i64,
    /// The year's total.
    pub total_ore: i64,
}

/// The cost report of a budget (calendar) year.
#[derive(Debug)]
pub struct CostReport {
    /// The year.
    pub year: i32,
    /// Payers the reader may see, by code.
    pub payers: Vec<PayerRow>,
    /// Placements the reader may see, by start.
    pub placements: Vec<PlacementCost>,
    /// Sum of the payer rows per month.
    pub month_totals: [i64; 12],
    /// Sum of the payer rows.
    pub total_ore: i64,
    /// Each agreement code's name (its latest version's), Swedish and
    /// English, for showing agreements by name.
    pub agreement_names: BTreeMap<String, (String, Option<String>)>,
}

impl CostReport {
    /// The name of agreement `code` in `lang`; the code when unknown.
    pub fn agreement_name<'a>(&'a self, code: &'a str, lang: crate::i18n::Lang) -> &'a str {
        match self.agreement_names.get(code) {
            Some((_, Some(en))) if lang == crate::i18n::Lang::En && !en.is_empty() => en,
            Some((sv, _)) => sv,
            None => code,
        }
    }
}

/// What the cost report reads, in one go.
#[derive(Debug, Clone, Default)]
pub struct CostInputs {
    /// The year's live placements.
    pub placements: Vec<Placement>,
    /// Every agreement version.
    pub agreements: Vec<Agreement>,
    /// Salary histories by trainee.
    pub salaries: HashMap<i64, Vec<SalaryChange>>,
    /// Home periods by placement.
    pub home_periods: HashMap<i64, Vec<HomePeriodRow>>,
}

/// 1 January to 31 December.
pub fn year_span(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// A placement's split within a year: the agreement's code, the year's
/// month lines, or why there is none.
type YearSplit = (Option<String>, Vec<MonthLine>, Option<LedgerError>);

/// The splits of `placements` within `year`, in order. The splits are
/// independent of each other, so they are computed on every core.
fn year_splits(year: i32, placements: &[&Placement], inputs: &CostInputs) -> Vec<YearSplit> {
    let one = |p: &Placement| -> YearSplit {
        let salary = inputs
            .salaries
            .get(&p.trainee_id)
            .map_or(&[][..], Vec::as_slice);
        let home = inputs
            .home_periods
            .get(&p.id)
            .map_or(&[][..], Vec::as_slice);
        match placements::compute_split(p, &inputs.agreements, salary, home) {
            Ok((code, s)) => (
                Some(code),
                s.months
                    .into_iter()
                    .filter(|m| m.first_day.year() == year)
                    .collect(),
                None,
            ),
            Err(e) => (None, Vec::new(), Some(e)),
        }
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    if threads == 1 || placements.len() < 64 {
        return placements.iter().map(|p| one(p)).collect();
    }
    let chunk = placements.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = placements
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|p| one(p)).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The cost report of `year` as `filter` may see it: placements whose home
/// clinic or host is visible, and the visible payers' rows.
pub fn cost_report(year: i32, inputs: &CostInputs, filter: &UnitFilter) -> CostReport {
    let mut payers: BTreeMap<i64, PayerRow> = BTreeMap::new();
    let mut out = Vec::new();
    let visible: Vec<&Placement> = inputs
        .placements
        .iter()
        .filter(|p| filter.allows(p.home_unit_id) || filter.allows(p.host_unit_id))
        .collect();
    for (p, (agreement, months, problem)) in visible
        .iter()
        .copied()
        .zip(year_splits(year, &visible, inputs))
    {
        let mut total = Totals::default();
        for m in &months {
            total.add(m);
            let i = m.first_day.month0() as usize;
            for (unit, code, name, amount, as_home) in [
                (
                    p.home_unit_id,
                    &p.home_unit_code,
                    &p.home_unit_name,
                    m.home_ore,
                    true,
                ),
                (
                    p.host_unit_id,
                    &p.host_unit_code,
                    &p.host_unit_name,
                    m.host_ore,
                    false,
                ),
            ] {
                if !filter.allows(unit) {
                    continue;
                }
                let row = payers.entry(unit).or_insert_with(|| PayerRow {
                    unit_id: unit,
                    code: code.clone(),
                    name: name.clone(),
                    months: [0; 12],
                    home_months: [0; 12],
                    host_months: [0; 12],
                    as_home_ore: 0,
                    as_host_ore: 0,
                    total_ore: 0,
                });
                row.months[i] += amount;
                row.total_ore += amount;
                if as_home {
                    row.as_home_ore += amount;
                    row.home_months[i] += amount;
                } else {
                    row.as_host_ore += amount;
                    row.host_months[i] += amount;
                }
            }
        }
        out.push(PlacementCost {
            placement: p.clone(),
            agreement,
            months,
            total,
            problem,
        });
    }
    let mut payers: Vec<PayerRow> = payers.into_values().collect();
    payers.sort_by(|a, b| a.code.cmp(&b.code));
    let mut month_totals = [0i64; 12];
    for r in &payers {
        for (t, m) in month_totals.iter_mut().zip(r.months) {
            *t += m;
        }
    }
    let mut agreement_names = BTreeMap::new();
    let mut latest: Vec<&Agreement> = inputs.agreements.iter().collect();
    latest.sort_by_key(|a| (a.code.clone(), a.version));
    for a in latest {
        agreement_names.insert(a.code.clone(), (a.name_sv.clone(), a.name_en.clone()));
    }
    CostReport {
        year,
        total_ore: month_totals.iter().sum(),
        payers,
        placements: out,
        month_totals,
        agreement_names,
    }
}

/// One host unit's coming months.
#[derive(Debug, Clone, Serialize)]
pub struct CapacityRow {
    /// Unit.
    pub unit_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Trainees it takes at once.
    pub capacity: i64,
    /// `(first of month, most trainees placed on one day)`.
    pub months: Vec<(NaiveDate, i64)>,
    /// Stretches of days over capacity.
    pub over: Vec<(NaiveDate, NaiveDate)>,
}

/// The 12 months from `today`'s month that the capacity report covers,
/// first and last day.
pub fn capacity_window(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let from = placements::first_of_month(today);
    let to = from
        .checked_add_months(chrono::Months::new(12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX);
    (from, to)
}

/// A unit that takes trainees: `(id, code, name, capacity)`.
pub type HostUnit = (i64, String, String, i64);

/// Host capacity over the [`capacity_window`] of `today`, from the
/// placements that overlap it and the units that take trainees.
pub fn capacity_report(
    today: NaiveDate,
    overlapping: &[Placement],
    hosts: Vec<HostUnit>,
    filter: &UnitFilter,
) -> Vec<CapacityRow> {
    let (from, to) = capacity_window(today);
    let mut rows = Vec::new();
    let mut spans_by_unit: HashMap<i64, Vec<Span>> = HashMap::new();
    for p in overlapping.iter().filter(|p| p.is_live()) {
        spans_by_unit
            .entry(p.host_unit_id)
            .or_default()
            .push((p.id, p.start, p.end));
    }
    for (id, code, name, capacity) in hosts {
        if !filter.allows(id) {
            continue;
        }
        let spans = spans_by_unit.remove(&id).unwrap_or_default();
        let (months, over) = monthly_peaks(&spans, from, to, Some(capacity));
        rows.push(CapacityRow {
            unit_id: id,
            code,
            name,
            capacity,
            months,
            over,
        });
    }
    rows
}

/// A trainee with the host elements still missing.
#[derive(Debug, Clone, Serialize)]
pub struct MissingRow {
    /// The trainee.
    pub trainee: Trainee,
    /// Names of the elements that must be done at the host and are in no live placement.
    pub missing: Vec<String>,
    /// Names of host elements planned but not yet signed.
    pub planned: Vec<String>,
    /// Goals of the trainee's rulebook not yet covered largely.
    pub goals_open: Vec<String>,
}

/// What the missing-elements report reads (`store::element_inputs`).
#[derive(Debug, Clone, Default)]
pub struct ElementInputs {
    /// Every trainee.
    pub trainees: Vec<Trainee>,
    /// Every active element.
    pub elements: Vec<Element>,
    /// `(element id, certificate signed)` of every live placement element,
    /// by trainee.
    pub covered: HashMap<i64, Vec<(i64, bool)>>,
}

/// Trainees (whose home clinic `filter` may see) missing host elements.
pub fn missing_elements(inputs: ElementInputs, filter: &UnitFilter) -> Vec<MissingRow> {
    let mut rows = Vec::new();
    let mut by_specialty: HashMap<String, Vec<Element>> = HashMap::new();
    for e in inputs.elements {
        by_specialty.entry(e.specialty.clone()).or_default().push(e);
    }
    let covered_by_trainee = inputs.covered;
    let none: Vec<Element> = Vec::new();
    for t in inputs.trainees {
        if !filter.allows(t.home_unit_id) {
            continue;
        }
        let elements = by_specialty.get(&t.specialty).unwrap_or(&none);
        let covered = covered_by_trainee.get(&t.id).map_or(&[][..], Vec::as_slice);
        let states: Vec<ElementState> = elements
            .iter()
            .map(|e| trainees::element_state(e.id, covered))
            .collect();
        let pick = |want: ElementState| -> Vec<String> {
            elements
                .iter()
                .zip(&states)
                .filter(|(e, s)| e.at_host && **s == want)
                .map(|(e, _)| e.name.clone())
                .collect()
        };
        let missing = pick(ElementState::Missing);
        if missing.is_empty() {
            continue;
        }
        rows.push(MissingRow {
            planned: pick(ElementState::Planned),
            goals_open: trainees::goals_not_covered(t.rulebook, elements, &states),
            missing,
            trainee: t,
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rotations::model::{Kind, Tier};
    use crate::rotations::placements::{Certificate, Stored};

    fn d(s: &str) -> NaiveDate {
        crate::check::date(s).expect("date")
    }

    fn older_regional() -> Agreement {
        let tier = |from, to, host_permille| Tier {
            from_month: from,
            to_month: Some(to),
            host_permille,
        };
        Agreement {
            code: "older-regional".into(),
            version: 1,
            name_sv: "Äldre".into(),
            name_en: None,
            valid_from: d("2000-01-01"),
            valid_to: None,
            kinds: vec![Kind::Radiotherapy],
            min_months: Some(6),
            max_months: Some(9),
            tiers: vec![tier(1, 3, 0), tier(4, 6, 500), tier(7, 9, 1000)],
            cap_ore_per_month: None,
            is_fallback: true,
        }
    }

    fn placement(id: i64, start: NaiveDate, months: u32, home: i64, host: i64) -> Placement {
        Placement {
            id,
            trainee_id: id,
            trainee_name: format!("T{id}"),
            home_unit_id: home,
            home_unit_code: format!("H{home}"),
            home_unit_name: String::new(),
            host_unit_id: host,
            host_unit_code: format!("U{host}"),
            host_unit_name: String::new(),
            kind: "radiotherapy".into(),
            start,
            end: start
                .checked_add_months(chrono::Months::new(months))
                .and_then(|e| e.pred_opt())
                .expect("end"),
            extent: if id % 3 == 0 { 80 } else { 100 },
            host_supervisor: String::new(),
            certificate: Certificate::NotStarted,
            stored: Stored::Planned,
            approved: None,
        }
    }

    /// Enough placements for the report to use every core: each payer's
    /// months add up to the placements' month lines to the öre, in order,
    /// and a manager sees only the payers of their units.
    #[test]
    fn payers_add_up_to_the_placements_on_every_core() {
        let mut inputs = CostInputs {
            agreements: vec![older_regional()],
            ..CostInputs::default()
        };
        for id in 1..=300 {
            let start = d("2025-10-01") + chrono::Days::new((id * 7 % 200) as u64);
            inputs.placements.push(placement(
                id,
                start,
                6 + (id % 4) as u32,
                10 + id % 5,
                20 + id % 3,
            ));
            inputs.salaries.insert(
                id,
                vec![SalaryChange {
                    from: d("2020-01-01"),
                    monthly_cost_ore: 5_000_000 + id * 1_001,
                }],
            );
        }
        let report = cost_report(2026, &inputs, &UnitFilter::All);
        assert_eq!(report.placements.len(), 300);
        assert!(report.placements.iter().map(|c| c.placement.id).eq(1..=300));
        let lines: i64 = report.placements.iter().map(|c| c.total.total_ore).sum();
        assert_eq!(report.total_ore, lines);
        assert_eq!(
            report.payers.iter().map(|p| p.total_ore).sum::<i64>(),
            lines
        );
        for c in &report.placements {
            assert!(c.months.iter().all(|m| m.first_day.year() == 2026));
            assert_eq!(c.total.home_ore + c.total.host_ore, c.total.total_ore);
        }
        let manager = cost_report(2026, &inputs, &UnitFilter::Only(vec![20]));
        assert_eq!(
            manager.payers.iter().map(|p| p.unit_id).collect::<Vec<_>>(),
            [20]
        );
        assert_eq!(
            manager.payers[0].total_ore,
            report
                .payers
                .iter()
                .find(|p| p.unit_id == 20)
                .map_or(0, |p| p.total_ore)
        );
    }
}
