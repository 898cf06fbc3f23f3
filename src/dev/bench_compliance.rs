//! Timings behind `oncotrack bench`: the compliance report as the app now
//! computes it (from the kept counts), as of today and a past date; a full
//! rebuild of the kept counts and the refresh after one new completion; and,
//! as the baseline, the straightforward computation and the bare SQL for the
//! same question, and one person's status. Reported in BENCHMARKS.md.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rusqlite::Connection;

use super::store as dev_store;
use crate::cli::CommandError;
use crate::licences::compliance::{self, Level};
use crate::licences::counts::{self, Scope};
use crate::licences::model::Part;
use crate::licences::store::{self, NewCompletion};

fn summary(label: &str, mut samples: Vec<Duration>) -> String {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    format!(
        "{label}: median {:.1} ms, p90 {:.1} ms, max {:.1} ms ({} runs)",
        pick(0.5).as_secs_f64() * 1e3,
        pick(0.9).as_secs_f64() * 1e3,
        pick(1.0).as_secs_f64() * 1e3,
        samples.len()
    )
}

fn time<T>(
    runs: usize,
    mut f: impl FnMut() -> Result<T, CommandError>,
) -> Result<(Vec<Duration>, T), CommandError> {
    let mut samples = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        last = Some(f()?);
        samples.push(start.elapsed());
    }
    let value = last.ok_or_else(|| CommandError::Invalid("no runs".into()))?;
    Ok((samples, value))
}

/// Runs every measurement and returns one line each. The full rebuild writes
/// the same counts the file already holds; the single completion is rolled back.
pub fn run(
    conn: &Connection,
    today: NaiveDate,
    past: NaiveDate,
    runs: usize,
) -> Result<Vec<String>, CommandError> {
    let t = store::licence_type_by_code(conn, "CYTO")?
        .ok_or_else(|| CommandError::Invalid("no CYTO licence type".into()))?;
    let mut out = Vec::new();

    let (samples, done) = time(1, || {
        let tx = conn.unchecked_transaction()?;
        counts::mark_all_dirty(&tx)?;
        let done = counts::refresh(&tx, today)?;
        tx.commit()?;
        Ok(done)
    })?;
    let events = dev_store::count(conn, "compliance_event")?;
    let deltas = dev_store::count(conn, "compliance_delta")?;
    let checkpoints = dev_store::count(conn, "compliance_checkpoint")?;
    out.push(summary(
        &format!(
            "full rebuild of the kept counts ({} types, {} people evaluated; {events} events, {deltas} deltas, {checkpoints} checkpoints)",
            done.rebuilt_types, done.rebuilt_people
        ),
        samples,
    ));

    // The report as `pages::report` computes it when nothing is dirty: one
    // snapshot, the dirty check, then the view.
    let report = |day: NaiveDate, by: Level, within: Option<i64>| {
        let snapshot = conn.unchecked_transaction()?;
        if counts::is_dirty(&snapshot)? {
            return Err(CommandError::Invalid("the counts are dirty".into()));
        }
        let scope = Scope {
            by,
            within,
            visible: None,
            unit: None,
            everyone: false,
        };
        Ok(counts::view(&snapshot, &t, day, &scope)?)
    };
    for (label, day) in [("today", today), ("past", past)] {
        let (samples, view) = time(runs, || report(day, Level::Region, None))?;
        out.push(summary(
            &format!(
                "compliance by region as of {label} {day} (app, kept counts, {} required, {} forecast people)",
                view.total.required,
                view.people.len()
            ),
            samples,
        ));
    }
    let admin = dev_store::first_chemotherapy_administration(conn)?;
    if let Some(admin) = admin {
        let (samples, view) = time(runs, || report(today, Level::Unit, Some(admin)))?;
        out.push(summary(
            &format!(
                "one administration's units as of today (app, kept counts + its people evaluated, {} people)",
                view.people.len()
            ),
            samples,
        ));
    }

    let (samples, months) = time(runs, || {
        let snapshot = conn.unchecked_transaction()?;
        Ok(counts::forecast(&snapshot, &t, today, None)?)
    })?;
    out.push(summary(
        &format!(
            "expiry forecast by region as of today (counts::forecast, not yet on the page; {} expiries)",
            months.iter().map(|(_, n)| n).sum::<u64>()
        ),
        samples,
    ));

    let people = dev_store::count(conn, "person")?;
    let mut rng = super::demo::Rng::new(7);
    // Someone who counts, so the refresh has work to do.
    let counted = dev_store::counted_people(conn, t.id)?;
    let (samples, _) = time(runs, || {
        let tx = conn.unchecked_transaction()?;
        let person_id = counted
            .get(rng.below(counted.len().max(1) as u64) as usize)
            .copied()
            .unwrap_or(1);
        store::record_completion(
            &tx,
            &NewCompletion {
                person_id,
                licence_type_id: t.id,
                part: Part::Theory,
                completed_on: today,
                signed_by: None,
                note: None,
                source: "manual",
                import_batch_id: None,
            },
            None,
            chrono::Utc::now(),
        )?;
        let done = counts::refresh(&tx, today)?;
        tx.rollback()?;
        Ok(done)
    })?;
    out.push(summary(
        "record one completion and refresh the kept counts (rolled back)",
        samples,
    ));
    let chemo_units = dev_store::chemotherapy_unit_ids(conn)?;
    let (samples, done) = time(runs, || {
        let tx = conn.unchecked_transaction()?;
        let unit = chemo_units
            .get(rng.below(chemo_units.len().max(1) as u64) as usize)
            .copied()
            .unwrap_or(1);
        dev_store::stop_chemotherapy(&tx, unit)?;
        let done = counts::refresh(&tx, today)?;
        tx.rollback()?;
        Ok(done)
    })?;
    out.push(summary(
        &format!(
            "a unit stops giving chemotherapy, refresh (rolled back; {} people changed in the last run)",
            done.changed_people
        ),
        samples,
    ));

    let units = store::unit_infos(conn)?;
    let baseline_runs = runs.clamp(1, 5);
    for (label, day) in [("today", today), ("past", past)] {
        let (samples, total) = time(baseline_runs, || {
            let people = store::required_people(conn, &t, day, None)?;
            Ok(compliance::aggregate(&people, &units, Level::Region, None).1)
        })?;
        out.push(summary(
            &format!(
                "baseline: compliance by region as of {label} {day} (every person evaluated, {} required)",
                total.required
            ),
            samples,
        ));
        let (samples, rows) = time(baseline_runs, || {
            Ok(dev_store::bare_compliance_rows(conn, t.id, day)?)
        })?;
        out.push(summary(
            &format!("baseline: compliance per unit as of {label} {day} (bare SQL, {rows} units)"),
            samples,
        ));
    }
    let (samples, _) = time(runs * 50, || {
        let id = rng.below(people.max(1) as u64) as i64 + 1;
        Ok(counts::status_on(conn, &t, id, today)?)
    })?;
    out.push(summary("one person's status (store, no HTTP)", samples));
    Ok(out)
}
