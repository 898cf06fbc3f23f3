//! Where the staff list meets courses: each person's next booked offering,
//! shown in a "booked course" column. The organisation does not know
//! courses; the courses domain provides the finder ([`Bookings`]) and the
//! application sets it, as for the licence page's renewals.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::Connection;

use crate::AppState;

/// A person's next place on an offering that has not ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// The offering.
    pub offering_id: i64,
    /// Its course code.
    pub code: String,
    /// Its first day.
    pub starts_on: NaiveDate,
    /// On the waitlist rather than enrolled.
    pub waitlisted: bool,
}

/// For `person_ids` on `today`: each one's soonest booking, by person id.
pub type BookingFinder =
    fn(&Connection, &[i64], NaiveDate) -> rusqlite::Result<HashMap<i64, Booking>>;

/// The finder the application has set, as a service.
#[derive(Debug, Clone, Copy)]
pub struct Bookings(pub BookingFinder);

impl Bookings {
    /// The finder of `state`; without one, nobody has bookings.
    pub fn of(state: &AppState) -> BookingFinder {
        state
            .services
            .get::<Bookings>()
            .map_or(|_, _, _| Ok(HashMap::new()), |b| b.0)
    }
}
