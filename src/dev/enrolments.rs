//! Enrolments for the demo and for generated benchmark databases.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, Transaction};

use super::demo::Rng;
use super::store::{self, bulk};
use crate::auth::store::account_by_email;
use crate::clock::stamp;
use crate::courses::actions;
use crate::courses::enrolment::{self, Status};
use crate::courses::model::OfferingStatus;
use crate::db::{Actor, Work};

/// What the demo added.
#[derive(Debug, Clone, Copy, Default)]
pub struct DemoEnrolments {
    /// Enrolments (every status).
    pub enrolments: usize,
    /// Of them on a waitlist.
    pub waitlisted: usize,
    /// Licence completions recorded by completing an offering.
    pub licences: usize,
}

/// People who may take offering `o`'s course (its audience), still employed,
/// in a fixed order.
fn audience(
    conn: &Connection,
    o: &enrolment::Offering,
    today: NaiveDate,
) -> rusqlite::Result<Vec<i64>> {
    Ok(store::current_people(conn, today)?
        .into_iter()
        .filter(|(_, p)| {
            o.audience.is_empty()
                || crate::organisation::model::Profession::parse(p)
                    .is_some_and(|p| o.audience.contains(&p))
        })
        .map(|(id, _)| id)
        .collect())
}

/// Enrols the demo's people on the demo offerings: held offerings with
/// attendance and completions (which record the licences their courses
/// grant), open ones filling up, the first of them past full with a
/// waitlist, and the demo nurse on one list and one waitlist. Run it after
/// the demo courses.
pub fn load_demo(
    tx: &Transaction<'_>,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> rusqlite::Result<DemoEnrolments> {
    let conn: &Connection = tx;
    let mut report = DemoEnrolments::default();
    let mut rng = Rng::new(20_261_201);
    let coordinator =
        account_by_email(conn, "koordinator@demo.oncotrack.example")?.map(|(a, _)| a.id);
    let nurse = account_by_email(conn, "sjukskoterska@demo.oncotrack.example")?
        .and_then(|(a, _)| a.person_id);
    // Completions are recorded as the coordinator would, with their audit rows.
    let w = Work::new(
        tx,
        Actor {
            account_id: coordinator,
            ..Actor::cli()
        },
        now,
    );
    let offering_ids = store::offering_ids(conn)?;
    let mut waitlist_shown = false;
    let (mut nurse_enrolled, mut nurse_waiting) = (false, false);
    for id in offering_ids {
        let Some(o) = enrolment::offering(conn, id)? else {
            continue;
        };
        let mut people = audience(conn, &o, today)?;
        if people.is_empty() {
            continue;
        }
        let nurse_fits = nurse.filter(|n| people.contains(n));
        // A different group for each offering.
        let shift = rng.below(people.len() as u64) as usize;
        people.rotate_left(shift);
        let capacity = usize::try_from(o.capacity).unwrap_or(0);
        let overfull = o.status == OfferingStatus::Open && !waitlist_shown;
        let wanted = match o.status {
            OfferingStatus::Completed => capacity.saturating_sub(rng.below(4) as usize),
            OfferingStatus::Open if overfull => capacity + 4,
            OfferingStatus::Open => capacity / 2 + rng.below(4) as usize,
            OfferingStatus::Cancelled => 5,
            OfferingStatus::Planned => 0,
        };
        let mut chosen: Vec<i64> = people.into_iter().take(wanted).collect();
        // The demo nurse waits on the full offering and holds a place on
        // another open one.
        if let Some(n) = nurse_fits
            && o.status == OfferingStatus::Open
        {
            chosen.retain(|p| *p != n);
            if overfull && !nurse_waiting {
                chosen.push(n);
                nurse_waiting = true;
            } else if !overfull && !nurse_enrolled {
                chosen.insert(0, n);
                nurse_enrolled = true;
            }
        }
        let opened = o
            .enrolment_opens
            .and_hms_opt(8, 0, 0)
            .unwrap_or_default()
            .and_utc();
        for (k, person) in chosen.iter().enumerate() {
            let queued = opened + Duration::minutes(37 * k as i64 + rng.below(30) as i64);
            let queued = queued.min(now);
            let status = if o.status == OfferingStatus::Cancelled {
                Status::Cancelled
            } else {
                enrolment::placement(k as i64, o.capacity)
            };
            let queued = stamp(queued);
            let eid = bulk::enrolment(
                conn,
                &bulk::Enrolment {
                    offering_id: o.id,
                    person_id: *person,
                    status: status.as_str(),
                    queued_at: &queued,
                    enrolled_at: (status != Status::Waitlisted).then_some(queued.as_str()),
                    cancelled_at: (status == Status::Cancelled).then(|| stamp(now)),
                    attended: None,
                    completed_on: None,
                    enrolled_by: coordinator,
                },
            )?;
            report.enrolments += 1;
            if status == Status::Waitlisted {
                report.waitlisted += 1;
                waitlist_shown = true;
            }
            if o.status == OfferingStatus::Completed {
                // Most attended and completed; a few did not show up.
                if rng.below(8) == 0 {
                    enrolment::set_attended(conn, eid, Some(false))?;
                } else if let Some(e) = enrolment::enrolment(conn, eid)?
                    && let Ok(Some(_)) = actions::record_completion(&w, &e, &o, None, None)?
                {
                    report.licences += 1;
                }
            }
        }
    }
    Ok(report)
}

/// Adds up to `total` enrolments over the generated offerings (all of them
/// unless the last offering's share exceeds the number of people, who
/// appear once per offering): each takes a run of people, enrolled up to its capacity, a tenth of the rest
/// cancelled and the others waitlisted; held offerings have attendance and
/// completion. Deterministic for a seed. Returns how many were added.
pub fn generate(
    conn: &Connection,
    total: usize,
    seed: u64,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let mut rng = Rng::new(seed ^ 0xe4_0011);
    let people = store::count(conn, "person")?;
    let offerings = store::offering_sketches(conn)?;
    if offerings.is_empty() || people == 0 {
        return Ok(0);
    }
    let mean = (total / offerings.len()).max(1) as u64;
    let mut added = 0usize;
    for (i, o) in offerings.iter().enumerate() {
        // The last offering takes what is left, so the total is exact.
        let n = if i + 1 == offerings.len() {
            total.saturating_sub(added) as i64
        } else {
            rng.below(2 * mean + 1) as i64
        }
        .min(people)
        .min(total.saturating_sub(added) as i64);
        let first = rng.below(people as u64) as i64;
        let opened = crate::check::date(&o.enrolment_opens)
            .unwrap_or_default()
            .and_hms_opt(8, 0, 0)
            .unwrap_or_default()
            .and_utc();
        let held = o.status == "completed";
        for k in 0..n {
            // A run of people: distinct within the offering.
            let person = (first + k) % people + 1;
            let queued = stamp(opened + Duration::seconds(k * 97));
            // A held offering's waitlist is over: those left waiting were cancelled.
            let state =
                if o.status == "cancelled" || (k >= o.capacity && (held || rng.below(10) == 0)) {
                    "cancelled"
                } else if k < o.capacity {
                    "enrolled"
                } else {
                    "waitlisted"
                };
            let done = held && state == "enrolled" && rng.below(10) != 0;
            bulk::enrolment(
                conn,
                &bulk::Enrolment {
                    offering_id: o.id,
                    person_id: person,
                    status: state,
                    queued_at: &queued,
                    enrolled_at: (state == "enrolled").then_some(queued.as_str()),
                    cancelled_at: (state == "cancelled").then(|| stamp(now)),
                    attended: (held && state == "enrolled").then_some(done),
                    completed_on: done.then_some(o.ends_on.as_str()),
                    enrolled_by: None,
                },
            )?;
        }
        added += n as usize;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::params;

    #[test]
    fn generated_enrolments_add_up_and_never_overbook() {
        let dir = tempfile::tempdir().expect("dir");
        let conn = crate::db::open_connection(&dir.path().join("g.db"), &Default::default())
            .expect("open");
        conn.execute_batch(
            "INSERT INTO region (name) VALUES ('R');
             INSERT INTO administration (region_id, name) VALUES (1, 'A');
             INSERT INTO unit (administration_id, code, name) VALUES (1, 'U1', 'U');
             INSERT INTO course (code, title_sv, title_en, created_at) VALUES ('C', 'K', 'C', '2026-01-01T00:00:00Z');",
        )
        .expect("rows");
        for (i, status) in ["completed", "open", "cancelled", "planned", "open"]
            .iter()
            .enumerate()
        {
            conn.execute(
                "INSERT INTO offering (course_id, starts_on, ends_on, place, capacity, enrolment_opens, enrolment_closes, status, created_at)
                 VALUES (1, '2026-04-10', '2026-04-11', 'Sal', ?1, '2026-03-01', '2026-03-31', ?2, '2026-01-01T00:00:00Z')",
                params![5 + i as i64, status],
            )
            .expect("offering");
        }
        for p in 0..60 {
            conn.execute(
                "INSERT INTO person (name, email, profession, unit_id, created_at) VALUES (?1, ?2, 'nurse', 1, '2026-01-01T00:00:00Z')",
                params![format!("P{p}"), format!("p{p}@x.example")],
            )
            .expect("person");
        }
        let now = Utc::now();
        // An offering holds each person once, so 60 people cap what the last
        // offering can take of the remainder.
        let added = generate(&conn, 200, 7, now).expect("generate");
        assert!((100..=200).contains(&added), "{added}");
        let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
        assert_eq!(one("SELECT count(*) FROM enrolment"), added as i64);
        assert_eq!(
            generate(&conn, 0, 7, now).expect("nothing"),
            0,
            "no enrolments asked, none added"
        );
        assert_eq!(
            one("SELECT count(*) FROM offering o WHERE o.capacity <
                 (SELECT count(*) FROM enrolment e WHERE e.offering_id = o.id AND e.status = 'enrolled')"),
            0
        );
        assert_eq!(
            one(
                "SELECT count(*) FROM enrolment e JOIN offering o ON o.id = e.offering_id
                 WHERE o.status IN ('cancelled', 'completed') AND e.status = 'waitlisted'"
            ),
            0,
            "nobody waits for an offering that is over"
        );
    }
}
