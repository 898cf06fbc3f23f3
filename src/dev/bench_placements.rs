//! Synthetic placements for the yearly cost report's benchmark, and its
//! timing. `oncotrack generate` adds up to 5 000 placements in the current
//! year (three a trainee: radiotherapy of 6-9 months and 3-month general
//! ones, some at 80 %, some with a home period, half of them approved);
//! `oncotrack bench` then times reading the report's inputs and computing
//! every split, as the report page does.

use std::time::{Duration, Instant};

use chrono::{Datelike, Months, NaiveDate};
use rusqlite::Connection;

use super::demo::Rng;
use super::store as dev_store;
use crate::auth::model::UnitFilter;
use crate::cli::CommandError;
use crate::rotations::ledger;
use crate::rotations::model::{Kind, SalaryChange};
use crate::rotations::placements::PlanInput;
use crate::rotations::trainees::{Rulebook, TraineeInput};
use crate::rotations::{reports, store};

/// Placements the generator aims for.
pub const PLACEMENTS: usize = 5_000;

/// Adds trainees (ST doctors of the generated staff) with salary histories
/// and up to [`PLACEMENTS`] placements in `today`'s year at units that take
/// trainees. Returns how many placements were made.
pub fn generate(
    conn: &Connection,
    seed: u64,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, CommandError> {
    let mut rng = Rng::new(seed ^ 0x5EED_0F12);
    let hosts = dev_store::host_unit_ids(conn)?;
    if hosts.is_empty() {
        return Ok(0);
    }
    let doctors = dev_store::st_doctor_ids(conn, PLACEMENTS.div_ceil(3))?;
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let month = |m: u32| {
        year_start
            .checked_add_months(Months::new(m))
            .unwrap_or(year_start)
    };
    let mut made = 0;
    for person in doctors {
        let st_start = year_start
            .checked_sub_months(Months::new(12 + rng.below(36) as u32))
            .unwrap_or(year_start);
        let trainee = store::create_trainee(
            conn,
            &TraineeInput {
                person_id: person,
                specialty: "Onkologi".into(),
                rulebook: Rulebook::HslfFs2021_8,
                st_start,
                planned_end: st_start
                    .checked_add_months(Months::new(60))
                    .unwrap_or(st_start),
                study_director: String::new(),
                supervisor: String::new(),
            },
            now,
        )?;
        let salary = 5_500_000 + 1_000 * rng.below(1_000) as i64;
        store::add_salary(
            conn,
            trainee,
            SalaryChange {
                from: st_start,
                monthly_cost_ore: salary,
            },
            None,
            now,
        )?;
        // A revision in spring for a third of them.
        if rng.below(3) == 0 {
            store::add_salary(
                conn,
                trainee,
                SalaryChange {
                    from: month(3),
                    monthly_cost_ore: salary + 200_000,
                },
                None,
                now,
            )?;
        }
        // Radiotherapy of 6-9 months from a day in January or February,
        // then two 3-month general placements (the last may run into next year).
        let days = rng.below(45);
        let radio_start = year_start + chrono::Days::new(days);
        let radio_months = 6 + rng.below(4) as u32;
        let mut plans = vec![(Kind::Radiotherapy, radio_start, radio_months)];
        let mut next = radio_start
            .checked_add_months(Months::new(radio_months))
            .unwrap_or(radio_start);
        for _ in 0..2 {
            plans.push((Kind::General, next, 3));
            next = next.checked_add_months(Months::new(3)).unwrap_or(next);
        }
        for (kind, start, months) in plans {
            if made >= PLACEMENTS {
                break;
            }
            let end = start
                .checked_add_months(Months::new(months))
                .and_then(|d| d.pred_opt())
                .unwrap_or(start);
            let id = store::create_placement(
                conn,
                &PlanInput {
                    trainee_id: trainee,
                    host_unit_id: *rng.pick(&hosts),
                    kind: kind.code().into(),
                    start,
                    end,
                    extent: if rng.below(5) == 0 { 80 } else { 100 },
                    host_supervisor: String::new(),
                    elements: Vec::new(),
                },
                now,
            )?;
            if rng.below(4) == 0 {
                let from = start + chrono::Days::new(20 + rng.below(40));
                let to = (from + chrono::Days::new(rng.below(14))).min(end);
                dev_store::bulk::called_home(
                    conn,
                    id,
                    &from.to_string(),
                    &to.to_string(),
                    &crate::clock::stamp(now),
                )?;
            }
            if rng.below(2) == 0
                && let Some(p) = store::placement(conn, id)?
            {
                ledger::approve_and_report(conn, &p, None, today, now)
                    .map_err(|e| CommandError::Invalid(format!("generated placement {id}: {e}")))?;
            }
            made += 1;
        }
        if made >= PLACEMENTS {
            break;
        }
    }
    Ok(made)
}

fn median_ms(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    (pick(0.5).as_secs_f64() * 1e3, pick(1.0).as_secs_f64() * 1e3)
}

/// Times the yearly cost report of `today`'s year: reading its inputs and
/// computing every split and sum, `runs` times each.
pub fn run(conn: &Connection, today: NaiveDate, runs: usize) -> Result<Vec<String>, CommandError> {
    let year = today.year();
    let (mut read, mut compute, mut whole) = (Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t0 = Instant::now();
        let inputs = store::cost_inputs(conn, year)?;
        let t1 = Instant::now();
        let report = reports::cost_report(year, &inputs, &UnitFilter::All);
        let t2 = Instant::now();
        read.push(t1 - t0);
        compute.push(t2 - t1);
        whole.push(t2 - t0);
        last = Some((inputs.placements.len(), report));
    }
    let Some((n, report)) = last else {
        return Ok(Vec::new());
    };
    let months: usize = report.placements.iter().map(|p| p.months.len()).sum();
    let (rm, rx) = median_ms(read);
    let (cm, cx) = median_ms(compute);
    let (wm, wx) = median_ms(whole);
    Ok(vec![format!(
        "rotation cost report {year} ({n} placements, {months} month lines, {} payers, total {} öre): \
         median {wm:.1} ms, max {wx:.1} ms (read {rm:.1} / {rx:.1} ms, splits and sums {cm:.1} / {cx:.1} ms; {} runs)",
        report.payers.len(),
        report.total_ore,
        runs.max(1)
    )])
}
