//! Demo rotations: ST doctors from several regional home clinics with salary
//! histories (one revised), the specialty's training elements, and
//! placements at the university hospital's units, past, running and
//! planned (continuous radiotherapy of 6-9 months and 3-month general ones),
//! with a home period, signed certificates, an extension after approval and
//! elements still missing, so every rotation page shows something real.
//! Dates are relative to `today`, so the demo stays current.

use chrono::{DateTime, Months, NaiveDate, Utc};
use rusqlite::Connection;

use crate::cli::CommandError;
use crate::rotations::ledger;
use crate::rotations::model::SalaryChange;
use crate::rotations::placements::{self as pl, Certificate, HomeReason, PlanInput};
use crate::rotations::store;
use crate::rotations::trainees::{self as tr, Element, Rulebook, TraineeInput};

fn shift(day: NaiveDate, months: i32) -> NaiveDate {
    if months >= 0 {
        day.checked_add_months(Months::new(months.unsigned_abs()))
    } else {
        day.checked_sub_months(Months::new(months.unsigned_abs()))
    }
    .unwrap_or(day)
}

fn last_day_before(day: NaiveDate) -> NaiveDate {
    day.pred_opt().unwrap_or(day)
}

fn ledger_error(e: pl::LedgerError) -> CommandError {
    match e {
        pl::LedgerError::Db(e) => CommandError::from(e),
        other => CommandError::Invalid(format!("demo placements: {other}")),
    }
}

/// One demo placement: `(trainee index, host code, kind, start offset in
/// months from this month, length in months, extent, approved, certificate,
/// element names)`.
type DemoPlacement = (
    usize,
    &'static str,
    &'static str,
    i32,
    i32,
    i64,
    bool,
    Certificate,
    &'static [&'static str],
);

const ELEMENTS: &[(&str, &str, &str, i64, bool)] = &[
    ("Strålbehandling", "STc2 STc3", "STc12", 6, true),
    ("Hematologisk onkologi", "STc5", "STc6", 3, true),
    ("Bröst- och gynekologisk cancer", "STc4 STc7", "", 3, true),
    ("Palliativ vård", "STc8", "STc9", 3, false),
    ("Kirurgisk onkologi", "c3", "c4", 3, true),
];

const PLACEMENTS: &[DemoPlacement] = &[
    // A completed radiotherapy placement, certificate signed.
    (
        0,
        "NUS-STRAL",
        "radiotherapy",
        -11,
        8,
        100,
        true,
        Certificate::Signed,
        &["Strålbehandling"],
    ),
    // Running radiotherapy, 9 months, with a home period.
    (
        1,
        "NUS-STRAL",
        "radiotherapy",
        -4,
        9,
        100,
        true,
        Certificate::Pending,
        &["Strålbehandling"],
    ),
    // A completed 3-month general placement.
    (
        2,
        "NUS-HEM",
        "general",
        -7,
        3,
        100,
        true,
        Certificate::Signed,
        &["Hematologisk onkologi"],
    ),
    // A running general one at 80 % (one day a week at home), later extended.
    (
        3,
        "NUS-ONK51",
        "general",
        -1,
        3,
        80,
        true,
        Certificate::NotStarted,
        &["Bröst- och gynekologisk cancer"],
    ),
    // Planned radiotherapy, 6 months, not yet approved.
    (
        4,
        "NUS-STRAL",
        "radiotherapy",
        2,
        6,
        100,
        false,
        Certificate::NotStarted,
        &["Strålbehandling"],
    ),
    // Planned general placements.
    (
        5,
        "NUS-ONK52",
        "general",
        1,
        3,
        100,
        false,
        Certificate::NotStarted,
        &["Hematologisk onkologi"],
    ),
    (
        2,
        "NUS-ONK51",
        "general",
        3,
        3,
        100,
        true,
        Certificate::NotStarted,
        &["Bröst- och gynekologisk cancer"],
    ),
    (
        0,
        "NUS-HEM",
        "general",
        -2,
        3,
        100,
        true,
        Certificate::NotStarted,
        &["Hematologisk onkologi"],
    ),
];

/// Adds the demo rotations; returns how many placements were made.
pub fn load(
    conn: &Connection,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<usize, CommandError> {
    let month = pl::first_of_month(today);
    let unit = |code: &str| -> Result<i64, CommandError> {
        crate::organisation::store::unit_id_by_code(conn, code)?
            .ok_or_else(|| CommandError::Invalid(format!("demo rotations: no unit {code}")))
    };
    // ST doctors employed at the regional home clinics (not at the
    // university hospital that hosts).
    let people = super::store::st_doctors_outside_the_host(conn)?;
    let mut element_ids = Vec::new();
    for (name, largely, partly, months, at_host) in ELEMENTS {
        let id = store::create_element(
            conn,
            &Element {
                id: 0,
                specialty: "Onkologi".into(),
                name: (*name).into(),
                goals_largely: (*largely).into(),
                goals_partly: (*partly).into(),
                suggested_months: *months,
                at_host: *at_host,
                active: true,
            },
        )?;
        element_ids.push((*name, id));
    }
    let mut trainees = Vec::new();
    for (i, (person, _)) in people.iter().take(8).enumerate() {
        let i32_i = i32::try_from(i).unwrap_or(0);
        let st_start = shift(month, -(24 + 3 * i32_i));
        let id = store::create_trainee(
            conn,
            &TraineeInput {
                person_id: *person,
                specialty: "Onkologi".into(),
                rulebook: if i % 4 == 3 {
                    Rulebook::Sosfs2015_8
                } else {
                    Rulebook::HslfFs2021_8
                },
                st_start,
                planned_end: shift(st_start, 60),
                study_director: "Stina Studierektor".into(),
                supervisor: ["Hans Handledare", "Maria Mentor", "Petter Pålsson"][i % 3].into(),
            },
            now,
        )?;
        let base = 5_800_000 + 70_000 * i64::try_from(i).unwrap_or(0);
        store::add_salary(
            conn,
            id,
            SalaryChange {
                from: st_start,
                monthly_cost_ore: base,
            },
            None,
            now,
        )?;
        trainees.push(id);
    }
    let mut made = 0;
    for (t, host, kind, offset, months, extent, approved, certificate, elements) in PLACEMENTS {
        let Some(trainee) = trainees.get(*t).copied() else {
            continue;
        };
        let start = shift(month, *offset);
        let plan = PlanInput {
            trainee_id: trainee,
            host_unit_id: unit(host)?,
            kind: (*kind).into(),
            start,
            end: last_day_before(shift(start, *months)),
            extent: *extent,
            host_supervisor: "Vera Värdhandledare".into(),
            elements: elements
                .iter()
                .filter_map(|n| element_ids.iter().find(|(name, _)| name == n).map(|e| e.1))
                .collect(),
        };
        let id = store::create_placement(conn, &plan, now)?;
        store::set_certificate(conn, id, *certificate)?;
        made += 1;
        if !approved {
            continue;
        }
        // Approved on the day the plan was made, some weeks before the start.
        let approved_on = shift(start, -2).min(today);
        let p = store::placement(conn, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        // Stamped on that day, so the approved plan and its lines agree.
        let approved_at = approved_on
            .and_hms_opt(9, 0, 0)
            .map_or(now, |t| t.and_utc())
            .min(now);
        ledger::approve_and_report(conn, &p, None, approved_on, approved_at)
            .map_err(ledger_error)?;
        if *t == 1 {
            // Called home for two weeks in the fourth month (a tier where the
            // host pays half), after approval.
            let home_start = shift(start, 3);
            let home_end = home_start + chrono::Duration::days(13);
            store::add_home_period(
                conn,
                id,
                home_start,
                home_end,
                HomeReason::CalledHome,
                "Bemanning hemklinik",
                now,
            )?;
            let p = store::placement(conn, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            ledger::resync_ledger(conn, &p, shift(start, 3).min(today), "home_period", now)
                .map_err(ledger_error)?;
        }
        if *t == 3 {
            // Extended by a month after approval.
            let mut longer = plan.clone();
            longer.end = last_day_before(shift(start, months + 1));
            store::update_placement(conn, id, &longer)?;
            let p = store::placement(conn, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            ledger::resync_ledger(conn, &p, today, "change", now).map_err(ledger_error)?;
        }
    }
    // A salary revision from two months ago for every other trainee: the
    // approved placements it touches get adjustment lines.
    for (i, trainee) in trainees.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        let from = shift(month, -2);
        let current = tr::effective_history(&store::salary_rows(conn, *trainee)?)
            .last()
            .map_or(5_800_000, |s| s.monthly_cost_ore);
        store::add_salary(
            conn,
            *trainee,
            SalaryChange {
                from,
                monthly_cost_ore: current + 250_000 + 10_000 * i64::try_from(i).unwrap_or(0),
            },
            None,
            now,
        )?;
        for p in store::placements(conn, Some(*trainee), None, None)? {
            ledger::resync_ledger(conn, &p, today, "salary", now).map_err(ledger_error)?;
        }
    }
    Ok(made)
}
