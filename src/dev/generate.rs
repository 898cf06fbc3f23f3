//! A deterministic synthetic data set for benchmarks: regions, administrations,
//! units, people of every profession with moves and leavers, and 5-15 years of
//! licence completions each. The same seed gives the same database.

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::demo::{FIRST_NAMES, LAST_NAMES, Rng};
use super::store::{self, bulk};
use crate::cli::CommandError;
use crate::clock::stamp;
use crate::db::{self, DbOptions};
use crate::licences::counts;
use crate::licences::model::add_months;
use crate::organisation::model::Profession;

/// What was generated.
#[derive(Debug, Clone, Copy)]
pub struct Generated {
    /// Regions.
    pub regions: usize,
    /// Administrations.
    pub administrations: usize,
    /// Units.
    pub units: usize,
    /// People.
    pub people: usize,
    /// Licence completions.
    pub completions: usize,
}

/// Fills an empty database at `path` with `people` people.
pub fn generate(
    path: &Path,
    people: usize,
    seed: u64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Generated, CommandError> {
    let mut conn = db::open_connection(
        path,
        &DbOptions {
            synchronous_full: false,
            readers: 1,
            ..DbOptions::default()
        },
    )?;
    let existing = store::count(&conn, "person")?;
    if existing > 0 {
        return Err(CommandError::Invalid(format!(
            "--db: {} already has people; generate into a new file",
            path.display()
        )));
    }
    conn.pragma_update(None, "synchronous", "OFF")?;
    let tx = conn.transaction()?;
    // Everything is rebuilt at the end in one set-based pass, so the triggers
    // that note changed people would only slow the millions of inserts down
    // (each statement with a trigger keeps a statement journal). They are set
    // aside and recreated, from their own SQL, in the same transaction.
    counts::mark_all_dirty(&tx)?;
    let triggers = store::compliance_triggers(&tx)?;
    store::drop_triggers(&tx, &triggers)?;
    let mut rng = Rng::new(seed);
    let unit_count = (people / 100).max(10);
    let admin_count = (unit_count / 15).max(2);
    let region_count = (admin_count / 8).max(2);
    for r in 0..region_count {
        bulk::region(&tx, &format!("Region {:02}", r + 1))?;
    }
    for a in 0..admin_count {
        bulk::administration(
            &tx,
            (a % region_count) as i64 + 1,
            &format!("Förvaltning {:03}", a + 1),
        )?;
    }
    let mut chemo = Vec::with_capacity(unit_count);
    for u in 0..unit_count {
        let gives = rng.below(10) < 4;
        chemo.push(gives);
        bulk::unit(
            &tx,
            &bulk::Unit {
                administration_id: (u % admin_count) as i64 + 1,
                code: &format!("U{:05}", u + 1),
                name: &format!("{} {}", if gives { "Onkologi" } else { "Vårdenhet" }, u + 1),
                gives_chemotherapy: gives,
                trainee_capacity: if rng.below(10) == 0 { Some(2) } else { None },
            },
        )?;
    }
    // A yearly CPR course for everyone gives the long histories a country-wide
    // learning system holds; the chemotherapy licence is the fresh database's.
    let hlr = bulk::cpr_licence(&tx)?;
    for p in Profession::ALL {
        bulk::chemotherapy_requirement(&tx, hlr, p.as_str())?;
    }
    let cyto = crate::courses::store::licence_type_id(&tx, "CYTO")?
        .ok_or_else(|| CommandError::Invalid("the database has no CYTO licence type".into()))?;
    let stamp_now = stamp(now);
    let mut completions = 0usize;
    {
        for i in 0..people {
            let id = i as i64 + 1;
            let profession = super::demo::pick_profession(&mut rng);
            let unit = rng.below(unit_count as u64) as i64 + 1;
            let years = 5 + rng.below(11) as i64;
            let start = today - Duration::days(years * 365 + rng.below(365) as i64);
            let mut current_unit = unit;
            let mut from = start;
            let mut left_on: Option<NaiveDate> = None;
            let mut earlier: Option<(i64, NaiveDate, NaiveDate)> = None;
            match rng.below(20) {
                0 | 1 => {
                    let moved = start
                        + Duration::days(
                            1 + rng.below((today - start).num_days() as u64 - 1) as i64,
                        );
                    earlier = Some((current_unit, from, moved));
                    current_unit = rng.below(unit_count as u64) as i64 + 1;
                    from = moved;
                }
                2 => {
                    left_on = Some(
                        start
                            + Duration::days(
                                365 + rng.below((today - start).num_days() as u64 - 365) as i64,
                            ),
                    )
                }
                _ => {}
            }
            let first = FIRST_NAMES[rng.below(FIRST_NAMES.len() as u64) as usize];
            let last = LAST_NAMES[rng.below(LAST_NAMES.len() as u64) as usize];
            bulk::person(
                &tx,
                &bulk::Person {
                    id,
                    name: &format!("{first} {last}"),
                    email: &format!("person{id}@gen.oncotrack.example"),
                    hsa_id: &format!("SE9990000002-G{id:08}"),
                    profession: profession.as_str(),
                    unit_id: current_unit,
                    left_on: left_on.map(|d| d.to_string()),
                    created_at: &stamp_now,
                },
            )?;
            if let Some((u, f, t)) = earlier {
                bulk::employment(
                    &tx,
                    id,
                    u,
                    profession.as_str(),
                    &f.to_string(),
                    Some(&t.to_string()),
                )?;
            }
            bulk::employment(
                &tx,
                id,
                current_unit,
                profession.as_str(),
                &from.to_string(),
                left_on.map(|d| d.to_string()).as_deref(),
            )?;
            let until = left_on.unwrap_or(today);
            let mut on = start + Duration::days(rng.below(120) as i64);
            while on <= until {
                bulk::theory_completion(&tx, id, hlr, &on.to_string(), &stamp_now)?;
                completions += 1;
                on = add_months(on, 10 + rng.below(5) as u32);
            }
            if matches!(profession, Profession::Nurse | Profession::AssistantNurse) {
                let mut on = start + Duration::days(rng.below(300) as i64);
                while on <= until {
                    bulk::theory_completion(&tx, id, cyto, &on.to_string(), &stamp_now)?;
                    completions += 1;
                    if rng.below(8) == 0 {
                        break;
                    }
                    on = add_months(on, 30 + rng.below(9) as u32);
                }
            }
        }
    }
    super::generate_courses::generate(&tx, people / 50, seed, now, today)?;
    super::enrolments::generate(&tx, people * 2, seed, now)?;
    store::create_triggers(&tx, &triggers)?;
    super::bench_placements::generate(&tx, seed, today, now)?;
    tx.commit()?;
    // The first report then finds the counts ready. A separate transaction
    // reads the committed data; if it fails, everything stays marked dirty.
    let tx = conn.transaction()?;
    counts::refresh(&tx, today)?;
    tx.commit()?;
    conn.execute_batch("ANALYZE")?;
    Ok(Generated {
        regions: region_count,
        administrations: admin_count,
        units: unit_count,
        people,
        completions,
    })
}
