//! The time source. Handlers ask the clock instead of the system, so tests move
//! time forward (session expiry, throttling) instead of sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Stockholm;

/// Something that tells the current instant.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Europe/Stockholm, the date people see.
    fn today(&self) -> NaiveDate {
        stockholm_day(self.now())
    }
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told to move; for tests.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(Mutex::new(at)))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|e| *e.into_inner())
    }
}

/// The day an instant falls on in Europe/Stockholm.
pub fn stockholm_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Stockholm).date_naive()
}

/// Formats a timestamp the way it is stored: UTC, RFC 3339, seconds.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Shows a stored UTC timestamp in Europe/Stockholm, `YYYY-MM-DD HH:MM`.
pub fn local_display(stored: &str) -> String {
    DateTime::parse_from_rfc3339(stored)
        .map(|t| {
            t.with_timezone(&Stockholm)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| stored.to_string())
}
