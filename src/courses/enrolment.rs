//! Enrolment on course offerings, by the name the rest of the application
//! knows it: the rules (in [`model::enrolment`](super::model::enrolment),
//! re-exported here), the reads (in `store::enrolment`), the hooks other
//! parts call when an offering changes, and the licence page's finder of
//! renewing offerings. The changes themselves are in
//! [`actions`](super::actions).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;

use super::actions;
use crate::db::{Actor, Work};

pub use super::actions::on_capacity_changed;
pub use super::model::enrolment::*;
pub use super::notices::offering_cancelled_to_participants as on_offering_cancelled;
pub use super::store::enrolment::{
    counts, enrolment, next_bookings, offering, open_offerings, participants, person_enrolments,
    renewal_offers, set_attended,
};

/// Runs `f` as its own unit of work by `actor` at `now` on a connection
/// outside any transaction (a script, a property test), committing when it
/// returns.
fn on_its_own<T>(
    conn: &Connection,
    actor: &Actor,
    now: DateTime<Utc>,
    f: impl FnOnce(&Work<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let tx = conn.unchecked_transaction()?;
    let out = f(&Work::new(&tx, actor.clone(), now))?;
    tx.commit()?;
    Ok(out)
}

/// [`actions::enrol_person`] on a connection outside any transaction, by
/// `actor` at `now` (`today` is `now`'s day in Stockholm, which the unit of
/// work derives itself).
pub fn enrol(
    conn: &Connection,
    o: &Offering,
    person_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> rusqlite::Result<Result<Placed, Refusal>> {
    debug_assert_eq!(today, super::model::stockholm_date(now));
    on_its_own(conn, actor, now, |w| actions::enrol_person(w, o, person_id))
}

/// [`actions::cancel`] on a connection outside any transaction, by `actor`
/// at `now` (`today` as for [`enrol`]).
pub fn cancel(
    conn: &Connection,
    e: &Enrolment,
    o: &Offering,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> rusqlite::Result<Result<Vec<i64>, CancelRefusal>> {
    debug_assert_eq!(today, super::model::stockholm_date(now));
    on_its_own(conn, actor, now, |w| actions::cancel(w, e, o))
}
