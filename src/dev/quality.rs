//! Treatment extracts for the quality indicator, made up: the demo's
//! extract, the generator behind `oncotrack quality generate`, and the
//! benchmark of importing one and computing the report.

use std::fmt::Write as _;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::Connection;

use super::demo::Rng;
use super::store;
use crate::cli::CommandError;
use crate::db::{Actor, Work};
use crate::quality::actions::{self, Upload};
use crate::quality::import::{Mapping, Span};
use crate::quality::model::{Granularity, Kind, Window};
use crate::quality::report::{self, Depth, Query};

/// A generated extract in the usual columns ([`Mapping::default`]): one
/// row per treatment of `patients` invented patients over the years
/// `from_year..=to_year`, at the administrations and units of the database.
/// About 40 % die; of them about a fifth within four weeks of their last
/// treatment; some are treated at two administrations.
pub fn extract(
    conn: &Connection,
    patients: usize,
    seed: u64,
    from_year: i32,
    to_year: i32,
    today: NaiveDate,
) -> Result<String, CommandError> {
    let places = store::administrations_with_units(conn)?;
    if places.is_empty() {
        return Err(CommandError::Invalid(
            "the database has no administrations to treat patients at".into(),
        ));
    }
    let mut rng = Rng::new(seed);
    let first = NaiveDate::from_ymd_opt(from_year, 1, 1).unwrap_or(today);
    let last = NaiveDate::from_ymd_opt(to_year, 12, 31)
        .unwrap_or(today)
        .min(today);
    let days = (last - first).num_days().max(1) as u64;
    let mut out = String::from(
        "pseudonym;administration;unit;treatment;treated_on;died_on;diagnosis_group\n",
    );
    const GROUPS: [&str; 6] = [
        "Lunga",
        "Bröst",
        "Kolorektal",
        "Prostata",
        "Hematologi",
        "Övrigt",
    ];
    for p in 0..patients {
        let pseudonym = format!("GEN-{seed}-{p:07}");
        let (admin, units) = rng.pick(&places).clone();
        let second = (rng.below(10) == 0).then(|| rng.pick(&places).clone());
        let group = *rng.pick(&GROUPS);
        let start = first + Duration::days(rng.below(days) as i64);
        let treatments = 1 + rng.below(8) as i64;
        let mut day = start;
        let mut rows = Vec::new();
        for t in 0..treatments {
            let kind = match rng.below(10) {
                0..=5 => Kind::Cytotoxic,
                6..=8 => Kind::Radiotherapy,
                _ => Kind::Immunotherapy,
            };
            let (at, at_units) = match (&second, t >= treatments / 2) {
                (Some(s), true) => (s.0.clone(), &s.1),
                _ => (admin.clone(), &units),
            };
            let unit = if at_units.is_empty() || rng.below(3) == 0 {
                String::new()
            } else {
                rng.pick(at_units).clone()
            };
            if day > last {
                break;
            }
            rows.push((at, unit, kind, day));
            day += Duration::days(7 + rng.below(50) as i64);
        }
        let Some(last_treatment) = rows.iter().map(|r| r.3).max() else {
            continue;
        };
        let died = (rng.below(10) < 4).then(|| {
            let after = if rng.below(5) == 0 {
                rng.below(29)
            } else {
                29 + rng.below(400)
            };
            last_treatment + Duration::days(after as i64)
        });
        let died = died.filter(|d| *d <= today);
        for (at, unit, kind, on) in rows {
            let _ = writeln!(
                out,
                "{pseudonym};{at};{unit};{};{on};{};{group}",
                kind.as_str(),
                died.map(|d| d.to_string()).unwrap_or_default()
            );
        }
    }
    Ok(out)
}

/// The demo's source system and an extract of 2 500 invented patients over
/// the last three years, imported as an analyst would.
pub fn load_demo(
    tx: &rusqlite::Transaction,
    now: DateTime<Utc>,
    today: NaiveDate,
    secret: &[u8],
) -> Result<(), CommandError> {
    let w = Work::new(tx, Actor::cli(), now);
    let source = actions::save_source(&w, None, "Cytobase (demo)", None, &Mapping::default())
        .map_err(|e| CommandError::Invalid(format!("{e}")))?;
    let year = chrono::Datelike::year(&today);
    let file = extract(tx, 2_500, 20_261_202, year - 2, year, today)?;
    let upload = Upload {
        source_id: source,
        span: Span {
            from: NaiveDate::from_ymd_opt(year - 2, 1, 1).unwrap_or(today),
            to: today,
        },
        file_name: "demo-uttag.csv",
        bytes: file.as_bytes(),
        dry_run: false,
    };
    actions::import(&w, &upload, today, secret).map_err(|e| match e {
        actions::Refused::Lines(lines) => CommandError::Invalid(
            lines
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        actions::Refused::App(e) => CommandError::Invalid(format!("{e}")),
    })?;
    Ok(())
}

/// Generates an extract of `patients`, imports it as one batch and computes
/// the report cold and warm, printing the times.
pub fn bench(
    conn: &mut Connection,
    patients: usize,
    seed: u64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Vec<String>, CommandError> {
    let secret = crate::state::installation_secret(conn)?;
    let year = chrono::Datelike::year(&today);
    let started = Instant::now();
    let file = extract(conn, patients, seed, year - 4, year, today)?;
    let generated = started.elapsed();
    let mut lines = vec![format!(
        "generated {patients} patients, {} rows, {:.1} MB in {:.2} s",
        file.lines().count().saturating_sub(1),
        file.len() as f64 / 1e6,
        generated.as_secs_f64()
    )];
    let tx = conn.transaction()?;
    let w = Work::new(&tx, Actor::cli(), now);
    let source = actions::save_source(
        &w,
        None,
        &format!("Bench {seed}"),
        None,
        &Mapping::default(),
    )
    .map_err(|e| CommandError::Invalid(format!("{e}")))?;
    let upload = Upload {
        source_id: source,
        span: Span {
            from: NaiveDate::from_ymd_opt(year - 4, 1, 1).unwrap_or(today),
            to: today,
        },
        file_name: "bench.csv",
        bytes: file.as_bytes(),
        dry_run: false,
    };
    let started = Instant::now();
    let imported = actions::import(&w, &upload, today, &secret).map_err(|e| match e {
        actions::Refused::Lines(l) => {
            CommandError::Invalid(format!("{} line errors, first: {}", l.len(), l[0]))
        }
        actions::Refused::App(e) => CommandError::Invalid(format!("{e}")),
    })?;
    drop(w);
    tx.commit()?;
    lines.push(format!(
        "imported {} rows ({} patients, {} dead) in {:.2} s",
        imported.rows,
        imported.patients,
        imported.deaths,
        started.elapsed().as_secs_f64()
    ));
    for (granularity, depth, label) in [
        (
            Granularity::Year,
            Depth::Administration,
            "5 years by administration",
        ),
        (
            Granularity::Quarter,
            Depth::Unit,
            "5 years by quarter and unit",
        ),
    ] {
        let q = Query {
            kind: Kind::Cytotoxic,
            window: Window::DEFAULT,
            granularity,
            from_year: year - 4,
            to_year: year,
            depth,
        };
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..5 {
            let started = Instant::now();
            let r = report::build(conn, q, &|_, _| true)?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            rows = r.rows.len();
        }
        times.sort_by(f64::total_cmp);
        lines.push(format!(
            "report, {label}: {rows} rows, median {:.0} ms (min {:.0}, max {:.0})",
            times[2], times[0], times[4]
        ));
    }
    Ok(lines)
}
