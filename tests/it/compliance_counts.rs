//! The kept compliance counts (`licences::counts`) must equal the
//! straightforward computation (`store::required_people`) for every date:
//! checked on a generated data set, on the first of every month over its whole
//! span and on random days, before and after changes made through the store.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use oncotrack::db::{self, DbOptions};
use oncotrack::dev::demo::Rng;
use oncotrack::licences::compliance::{self, Counts, Level};
use oncotrack::licences::model::{LicenceType, Part, RequirementScope};
use oncotrack::licences::store::counts::{Kept, state_on};
use oncotrack::licences::store::{self, NewCompletion, RequiredPerson};
use oncotrack::licences::{counts, pages};
use oncotrack::organisation::model::Profession;
use oncotrack::organisation::store as org;
use rusqlite::Connection;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn today() -> NaiveDate {
    d("2026-03-02")
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

struct Data {
    _dir: tempfile::TempDir,
    conn: Connection,
}

fn generated(people: usize, seed: u64) -> Data {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("gen.db");
    oncotrack::dev::generate::generate(&path, people, seed, now(), today()).expect("generate");
    let conn = db::open_connection(&path, &DbOptions::default()).expect("open");
    Data { _dir: dir, conn }
}

/// The first of every month from the earliest employment to 30 months after
/// `today` (past the checkpoint horizon), the day before each, and random days.
fn days(conn: &Connection, today: NaiveDate, seed: u64) -> Vec<NaiveDate> {
    let earliest: String = conn
        .query_row("SELECT min(valid_from) FROM employment", [], |r| r.get(0))
        .expect("earliest");
    let mut month = d(&earliest)
        .with_day(1)
        .expect("month")
        .checked_sub_months(chrono::Months::new(1))
        .expect("month");
    let end = today + Duration::days(30 * 31);
    let mut out = vec![today, today - Duration::days(1), today + Duration::days(1)];
    while month <= end {
        out.push(month);
        out.push(month - Duration::days(1));
        month = month + chrono::Months::new(1);
    }
    let span = (end - d(&earliest)).num_days() as u64;
    let mut rng = Rng::new(seed);
    for _ in 0..60 {
        out.push(d(&earliest) + Duration::days(rng.below(span) as i64));
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn by_unit(people: &[RequiredPerson]) -> HashMap<i64, Counts> {
    let mut out: HashMap<i64, Counts> = HashMap::new();
    for p in people {
        out.entry(p.unit_id).or_default().add(p.standing.status);
    }
    out
}

/// Counts, rows and the forecast from the kept tables against the
/// straightforward computation, for every type and every day.
fn assert_equal_everywhere(conn: &Connection, days: &[NaiveDate], label: &str) {
    assert!(
        !counts::is_dirty(conn).expect("dirty"),
        "{label}: refresh first"
    );
    let units = pages::unit_infos(conn).expect("units");
    let some_units: Vec<i64> = {
        let mut ids: Vec<i64> = units.keys().copied().collect();
        ids.sort_unstable();
        ids.into_iter().step_by(3).collect()
    };
    let one_unit = vec![some_units[1]];
    let mut required_seen = 0u64;
    for t in store::licence_types(conn).expect("types") {
        for day in days {
            let people = store::required_people(conn, &t, *day, None).expect("people");
            let want = by_unit(&people);
            let got = counts::counts_as_of(conn, t.id, *day, None).expect("counts");
            assert_eq!(got, want, "{label}: {} on {day}", t.code);
            required_seen += want.values().map(|c| c.required).sum::<u64>();

            let (rows, total) = compliance::aggregate_counts(&got, &units, Level::Region, None);
            let (want_rows, want_total) =
                compliance::aggregate(&people, &units, Level::Region, None);
            assert_eq!(total, want_total, "{label}: {} total on {day}", t.code);
            assert_eq!(
                rows.iter().map(|r| (r.id, r.counts)).collect::<Vec<_>>(),
                want_rows
                    .iter()
                    .map(|r| (r.id, r.counts))
                    .collect::<Vec<_>>(),
                "{label}: {} regions on {day}",
                t.code
            );

            let all: Vec<&RequiredPerson> = people.iter().collect();
            assert_eq!(
                counts::forecast(conn, &t, *day, None).expect("forecast"),
                compliance::forecast(&all, *day),
                "{label}: {} forecast on {day}",
                t.code
            );
        }
        // A unit's people, and a manager's units, from the kept transitions.
        for day in days.iter().step_by(7) {
            for units in [&some_units, &one_unit] {
                let people =
                    store::required_people(conn, &t, *day, Some(units.as_slice())).expect("people");
                let kept = counts::people_in_units(conn, &t, *day, units).expect("kept people");
                assert_eq!(
                    kept.iter()
                        .map(|p| (p.person_id, p.unit_id, p.standing, p.name.clone()))
                        .collect::<Vec<_>>(),
                    people
                        .iter()
                        .map(|p| (p.person_id, p.unit_id, p.standing, p.name.clone()))
                        .collect::<Vec<_>>(),
                    "{label}: {} people of {units:?} on {day}",
                    t.code
                );
            }
        }
        // Who the reminders name: everyone not valid on the day.
        for day in days.iter().step_by(5) {
            let mut want: Vec<_> = store::required_people(conn, &t, *day, None)
                .expect("people")
                .into_iter()
                .filter(|p| p.standing.status != oncotrack::licences::model::Status::Valid)
                .map(|p| (p.person_id, p.unit_id, p.standing, p.name))
                .collect();
            want.sort_by_key(|p| p.0);
            let got: Vec<_> = counts::needing_attention(conn, &t, *day)
                .expect("attention")
                .into_iter()
                .map(|p| (p.person_id, p.unit_id, p.standing, p.name))
                .collect();
            assert_eq!(got, want, "{label}: {} attention on {day}", t.code);
        }
        // A unit filter (a manager's units) keeps exactly those units.
        let day = today();
        let people = store::required_people(conn, &t, day, Some(&some_units)).expect("people");
        assert_eq!(
            counts::counts_as_of(conn, t.id, day, Some(&some_units)).expect("counts"),
            by_unit(&people),
            "{label}: {} filtered",
            t.code
        );
    }
    assert!(required_seen > 0, "{label}: the data set requires nobody");
    let [counted, uncounted, stale] = assert_status_equal(conn, days, label);
    assert!(
        counted > 0 && uncounted > 0 && stale == 0,
        "{label}: {counted} counted, {uncounted} uncounted, {stale} stale"
    );
}

/// The status API's answer from the kept transitions equals the rules'
/// answer for every fifth person on every tenth day, whatever the kept
/// state says of them (counted, uncounted, or stale while a change waits).
/// Returns how many answers met each of (counted, uncounted, stale).
fn assert_status_equal(conn: &Connection, days: &[NaiveDate], label: &str) -> [usize; 3] {
    let people: Vec<i64> = conn
        .prepare("SELECT id FROM person ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("people");
    let mut seen = [0usize; 3];
    for t in store::licence_types(conn).expect("types") {
        for person in people.iter().step_by(5) {
            for day in days.iter().step_by(10) {
                let kept = state_on(conn, t.id, *person, *day).expect("kept state");
                seen[match kept {
                    Kept::Counted(_) => 0,
                    Kept::Uncounted => 1,
                    Kept::Stale => 2,
                }] += 1;
                assert_eq!(
                    counts::status_on(conn, &t, *person, *day).expect("status"),
                    counts::status_by_rules(conn, &t, *person, *day).expect("rules"),
                    "{label}: {} of person {person} on {day} ({kept:?})",
                    t.code
                );
            }
        }
    }
    seen
}

fn refresh(conn: &mut Connection, today: NaiveDate) -> counts::Refreshed {
    let tx = conn.transaction().expect("tx");
    let done = counts::refresh(&tx, today).expect("refresh");
    tx.commit().expect("commit");
    done
}

fn licence(conn: &Connection, code: &str) -> LicenceType {
    store::licence_type_by_code(conn, code)
        .expect("type")
        .expect("exists")
}

/// People employed today in a unit that gives chemotherapy, with `profession`.
fn required_now(conn: &Connection, profession: Profession, chemo: bool) -> Vec<(i64, i64)> {
    conn.prepare(
        "SELECT e.person_id, e.unit_id FROM employment e JOIN unit u ON u.id = e.unit_id
         WHERE e.valid_to IS NULL AND e.profession = ?1 AND u.gives_chemotherapy = ?2 ORDER BY e.person_id",
    )
    .and_then(|mut s| {
        s.query_map(rusqlite::params![profession.as_str(), chemo], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect()
    })
    .expect("people")
}

fn table(conn: &Connection, sql: &str) -> Vec<Vec<rusqlite::types::Value>> {
    let mut stmt = conn.prepare(sql).expect("prepare");
    let n = stmt.column_count();
    stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .and_then(|rows| rows.collect())
        .expect("rows")
}

/// `day`, or the day after the person's current stretch starts when later
/// (the store refuses changes that reach back before it).
fn not_before_current(conn: &Connection, person: i64, day: NaiveDate) -> NaiveDate {
    let from: String = conn
        .query_row(
            "SELECT valid_from FROM employment WHERE person_id = ?1 AND valid_to IS NULL",
            [person],
            |r| r.get(0),
        )
        .expect("current");
    day.max(d(&from) + Duration::days(1))
}

fn units_where(conn: &Connection, chemo: bool) -> Vec<i64> {
    conn.prepare("SELECT id FROM unit WHERE gives_chemotherapy = ?1 ORDER BY id")
        .and_then(|mut s| s.query_map([chemo], |r| r.get(0))?.collect())
        .expect("units")
}

#[test]
fn kept_counts_equal_the_straightforward_computation_on_every_day_through_changes() {
    let mut data = generated(1500, 11);
    let conn = &mut data.conn;
    let days = days(conn, today(), 5);
    assert!(
        !counts::is_dirty(conn).expect("dirty"),
        "the generator ends with a refresh"
    );
    assert_equal_everywhere(conn, &days, "generated");
    // A rebuild in small batches of people stores the very same rows.
    let kept = crate::support::kept_rows(conn);
    {
        let tx = conn.transaction().expect("tx");
        counts::mark_all_dirty(&tx).expect("dirty");
        counts::refresh_in_batches(&tx, today(), 7).expect("refresh");
        tx.commit().expect("commit");
    }
    assert_eq!(
        crate::support::kept_rows(conn),
        kept,
        "rebuilt seven people at a time"
    );
    // Later rounds check every third day to keep the test quick; a wrong
    // checkpoint stays wrong for every later month, so it still shows.
    let some_days: Vec<NaiveDate> = days.iter().step_by(3).copied().collect();

    let cyto = licence(conn, "CYTO");
    let hlr = licence(conn, "HLR");
    let nurses = required_now(conn, Profession::Nurse, true);
    let chemo_units = units_where(conn, true);
    let other_units = units_where(conn, false);
    assert!(nurses.len() > 20 && chemo_units.len() > 2 && other_units.len() > 2);

    // People change: completions (back-dated, today, in the future), a
    // revocation, moves both ways, a leaver, a rehire.
    {
        let tx = conn.transaction().expect("tx");
        for (i, (person, _)) in nurses.iter().take(6).enumerate() {
            let on = [
                d("2019-05-05"),
                today(),
                d("2026-06-30"),
                d("2023-02-28"),
                d("2016-01-31"),
                d("2025-12-20"),
            ][i];
            store::record_completion(
                &tx,
                &NewCompletion {
                    person_id: *person,
                    licence_type_id: if i % 2 == 0 { cyto.id } else { hlr.id },
                    part: Part::Theory,
                    completed_on: on,
                    signed_by: None,
                    note: None,
                    source: "manual",
                    import_batch_id: None,
                },
                None,
                now(),
            )
            .expect("record");
        }
        let to_revoke: Vec<i64> = tx
            .prepare(
                "SELECT c.id FROM licence_completion c WHERE c.person_id IN (?1, ?2) ORDER BY c.completed_on DESC",
            )
            .and_then(|mut s| {
                s.query_map([nurses[6].0, nurses[7].0], |r| r.get(0))?
                    .collect()
            })
            .expect("completions");
        for id in to_revoke.iter().take(3) {
            store::revoke_completion(&tx, *id, "fel person", None, now())
                .expect("revoke")
                .expect("revoked");
        }
        let on = not_before_current(&tx, nurses[8].0, d("2024-09-01"));
        org::change_assignment(&tx, nurses[8].0, other_units[0], Profession::Nurse, on)
            .expect("move")
            .expect("moved");
        org::change_assignment(
            &tx,
            nurses[9].0,
            chemo_units[1],
            Profession::Nurse,
            d("2026-04-01"),
        )
        .expect("move")
        .expect("moved");
        let on = not_before_current(&tx, nurses[10].0, d("2025-02-01"));
        org::change_assignment(&tx, nurses[10].0, nurses[10].1, Profession::Physician, on)
            .expect("change")
            .expect("changed");
        let on = not_before_current(&tx, nurses[11].0, d("2025-10-15"));
        org::mark_left(&tx, nurses[11].0, on)
            .expect("leave")
            .expect("left");
        org::mark_left(&tx, nurses[12].0, d("2026-05-01"))
            .expect("leave")
            .expect("left");
        org::rejoin(
            &tx,
            nurses[12].0,
            chemo_units[0],
            Profession::Nurse,
            d("2026-09-01"),
        )
        .expect("rejoin")
        .expect("rejoined");
        tx.commit().expect("commit");
    }
    assert!(
        counts::is_dirty(conn).expect("dirty"),
        "the triggers note the changes"
    );
    let [_, _, stale] = assert_status_equal(conn, &some_days, "before the refresh");
    assert!(stale > 0, "the changed people wait for the refresh");
    let done = refresh(conn, today());
    assert_eq!(done.rebuilt_types, 0, "{done:?}");
    assert!(done.changed_people >= 10, "{done:?}");
    assert_equal_everywhere(conn, &some_days, "after people changed");

    // The organisation changes: a new requirement, a unit starts and one stops
    // giving chemotherapy, an administration moves to another region.
    {
        let tx = conn.transaction().expect("tx");
        let admin: i64 = tx
            .query_row(
                "SELECT administration_id FROM unit WHERE id = ?1",
                [chemo_units[2]],
                |r| r.get(0),
            )
            .expect("admin");
        store::create_requirement(
            &tx,
            cyto.id,
            Profession::AssistantNurse,
            RequirementScope::Administration(admin),
        )
        .expect("requirement");
        store::create_requirement(
            &tx,
            cyto.id,
            Profession::Physician,
            RequirementScope::Unit(other_units[1]),
        )
        .expect("requirement");
        for (unit, flag) in [(other_units[2], true), (chemo_units[3], false)] {
            tx.execute(
                "UPDATE unit SET gives_chemotherapy = ?2 WHERE id = ?1",
                rusqlite::params![unit, flag],
            )
            .expect("flag");
        }
        // Dated changes: one unit stopped giving chemotherapy on a day in
        // the past, another started then; days before count them as they
        // were.
        let mid = some_days[some_days.len() / 2];
        for (unit, flag) in [(chemo_units[4], false), (other_units[3], true)] {
            tx.execute(
                "UPDATE unit SET gives_chemotherapy = ?2 WHERE id = ?1",
                rusqlite::params![unit, flag],
            )
            .expect("flag");
            oncotrack::organisation::store::record_chemo_change(&tx, unit, mid, flag, now())
                .expect("dated change");
        }
        let regions: Vec<i64> = tx
            .prepare("SELECT id FROM region ORDER BY id")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("regions");
        tx.execute(
            "UPDATE administration SET region_id = ?2 WHERE id = ?1",
            [admin, regions[regions.len() - 1]],
        )
        .expect("region");
        tx.commit().expect("commit");
    }
    let done = refresh(conn, today());
    assert_eq!(done.rebuilt_types, 0, "precise, not whole types: {done:?}");
    assert_equal_everywhere(conn, &some_days, "after the organisation changed");

    // Incremental work leaves the same tables a rebuild from scratch writes.
    let snapshot = |conn: &Connection| {
        (
            table(conn, "SELECT * FROM compliance_event ORDER BY 1, 2, 3"),
            table(conn, "SELECT * FROM compliance_delta ORDER BY 1, 2, 3"),
        )
    };
    let incremental = snapshot(conn);
    counts::mark_all_dirty(conn).expect("mark");
    let done = refresh(conn, today());
    assert_eq!(done.rebuilt_types, 2, "{done:?}");
    let rebuilt = snapshot(conn);
    assert!(!rebuilt.0.is_empty() && !rebuilt.1.is_empty());
    assert!(
        incremental == rebuilt,
        "a rebuild writes what the increments wrote"
    );

    // New rules for a type, and a later day moving the horizon along.
    {
        let tx = conn.transaction().expect("tx");
        let mut shorter = cyto.clone();
        shorter.validity_months = 24;
        shorter.warning_days = vec![60];
        store::update_licence_type(&tx, &shorter).expect("update");
        tx.commit().expect("commit");
    }
    let later = today() + Duration::days(400);
    let done = refresh(conn, later);
    assert_eq!(done.rebuilt_types, 1, "{done:?}");
    let last: String = conn
        .query_row(
            "SELECT max(month) FROM compliance_checkpoint WHERE licence_type_id = ?1",
            [hlr.id],
            |r| r.get(0),
        )
        .expect("horizon");
    assert_eq!(
        last, "2029-04-01",
        "24 months after the refresh day's month"
    );
    assert_equal_everywhere(conn, &some_days, "after the rules changed");
}
