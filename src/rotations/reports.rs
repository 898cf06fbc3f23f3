//! Rotation reports: the cost per payer (home clinics and hosts) per calendar
//! month and budget year with the placements and month lines behind it, the
//! hosts' capacity over the coming months, and trainees still missing
//! elements that must be done at the host.
//!
//! The cost report reads everything it needs in four queries (the year's
//! placements, every agreement, every salary history, every home period) and
//! computes the splits in memory, so its cost grows with the placements of
//! the year, never with a query per placement.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use rusqlite::Connection;
use serde::Serialize;

use super::model::{Agreement, MonthLine, SalaryChange, Totals};
use super::placements::{self, HomePeriodRow, Placement, Span, Stored, monthly_peaks};
use super::trainees::{self, ElementState, Trainee};
use crate::auth::model::UnitFilter;
use crate::i18n::Lang;

/// One placement's part of a year.
#[derive(Debug, Clone, Serialize)]
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
    pub problem: Option<String>,
}

/// One payer's year.
#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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

/// Reads the inputs of the cost report of `year`.
pub fn cost_inputs(conn: &Connection, year: i32) -> rusqlite::Result<CostInputs> {
    let (from, to) = year_span(year);
    Ok(CostInputs {
        placements: placements::placements(conn, None, None, Some((from, to)))?
            .into_iter()
            .filter(|p| p.stored != Stored::Cancelled)
            .collect(),
        agreements: super::agreements::load_agreements(conn)?,
        salaries: trainees::all_salary_histories(conn)?,
        home_periods: placements::all_home_periods(conn)?,
    })
}

/// 1 January to 31 December.
pub fn year_span(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// Computes a placement's split with the inputs at hand; a refusal is the
/// message a user reads.
pub fn placement_split(
    p: &Placement,
    agreements: &[Agreement],
    salary: &[SalaryChange],
    home: &[HomePeriodRow],
    lang: Lang,
) -> Result<(String, super::model::Split), String> {
    placements::compute_split(p, agreements, salary, home).map_err(|e| {
        e.text_key()
            .map_or_else(|| e.to_string(), |k| lang.t(k).to_string())
    })
}

/// The cost report of `year` as `filter` may see it: placements whose home
/// clinic or host is visible, and the visible payers' rows.
pub fn cost_report(year: i32, inputs: &CostInputs, filter: &UnitFilter, lang: Lang) -> CostReport {
    let mut payers: BTreeMap<i64, PayerRow> = BTreeMap::new();
    let mut out = Vec::new();
    let empty_s: Vec<SalaryChange> = Vec::new();
    let empty_h: Vec<HomePeriodRow> = Vec::new();
    for p in &inputs.placements {
        let (home_seen, host_seen) = (filter.allows(p.home_unit_id), filter.allows(p.host_unit_id));
        if !home_seen && !host_seen {
            continue;
        }
        let salary = inputs.salaries.get(&p.trainee_id).unwrap_or(&empty_s);
        let home = inputs.home_periods.get(&p.id).unwrap_or(&empty_h);
        let (agreement, months, problem) =
            match placement_split(p, &inputs.agreements, salary, home, lang) {
                Ok((code, s)) => (
                    Some(code),
                    s.months
                        .into_iter()
                        .filter(|m| m.first_day.year() == year)
                        .collect::<Vec<_>>(),
                    None,
                ),
                Err(e) => (None, Vec::new(), Some(e)),
            };
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
    CostReport {
        year,
        total_ore: month_totals.iter().sum(),
        payers,
        placements: out,
        month_totals,
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

/// Host capacity over the 12 months from `today`'s month.
pub fn capacity_report(
    conn: &Connection,
    today: NaiveDate,
    filter: &UnitFilter,
) -> rusqlite::Result<Vec<CapacityRow>> {
    let from = placements::first_of_month(today);
    let to = from
        .checked_add_months(chrono::Months::new(12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX);
    let mut rows = Vec::new();
    let mut spans_by_unit: HashMap<i64, Vec<Span>> = HashMap::new();
    for p in placements::placements(conn, None, None, Some((from, to)))? {
        if p.stored != Stored::Cancelled {
            spans_by_unit
                .entry(p.host_unit_id)
                .or_default()
                .push((p.id, p.start, p.end));
        }
    }
    for (id, code, name, capacity) in placements::host_units(conn)? {
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
    Ok(rows)
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

/// Trainees (whose home clinic `filter` may see) missing host elements.
pub fn missing_elements(
    conn: &Connection,
    filter: &UnitFilter,
) -> rusqlite::Result<Vec<MissingRow>> {
    let mut rows = Vec::new();
    for t in trainees::trainees(conn)? {
        if !filter.allows(t.home_unit_id) {
            continue;
        }
        let elements = trainees::elements_of(conn, &t.specialty)?;
        let covered = trainees::covered_elements(conn, t.id)?;
        let states: Vec<ElementState> = elements
            .iter()
            .map(|e| trainees::element_state(e.id, &covered))
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
            goals_open: trainees::goals_not_covered(t.rulebook, &elements, &states),
            missing,
            trainee: t,
        });
    }
    Ok(rows)
}
