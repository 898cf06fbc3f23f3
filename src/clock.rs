//! The time source. Handlers ask the clock instead of the system, so tests move
//! time forward (session expiry, throttling) instead of sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;

use crate::i18n::Msg;
use crate::msg;

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

/// Why a local time was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalTimeError {
    /// Not `YYYY-MM-DDTHH:MM` (or with a space instead of `T`).
    #[error("not a local time YYYY-MM-DDTHH:MM")]
    Malformed,
    /// Inside the spring-forward gap: the clocks jump from 02:00 to 03:00.
    #[error("{0} does not exist in Europe/Stockholm")]
    Nonexistent(String),
}

impl LocalTimeError {
    /// What the field's owner is told.
    pub fn msg(&self) -> Msg {
        match self {
            LocalTimeError::Malformed => msg!("courses.error_local_time"),
            LocalTimeError::Nonexistent(time) => msg!("courses.error_time_in_gap", time),
        }
    }
}

/// Parses `YYYY-MM-DDTHH:MM` (also with a space or seconds) as a wall-clock
/// time, without a zone.
pub fn parse_local(s: &str) -> Result<NaiveDateTime, LocalTimeError> {
    let s = s.trim();
    // Four digits of year, as for dates: chrono's `%Y` also takes a sign.
    if !s
        .as_bytes()
        .get(..4)
        .is_some_and(|y| y.iter().all(u8::is_ascii_digit))
    {
        return Err(LocalTimeError::Malformed);
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or(LocalTimeError::Malformed)
}

/// The UTC instant of a Europe/Stockholm wall-clock time.
///
/// A time in the spring gap (e.g. 2026-03-29 02:30) never happens and is
/// refused. A time in the autumn overlap (e.g. 2026-10-25 02:30, which
/// happens twice) is taken as the earlier one, in summer time: a session
/// planned for "02:30" that night most plausibly means the first 02:30, and
/// picking one keeps the conversion a function.
pub fn stockholm_to_utc(local: NaiveDateTime) -> Result<DateTime<Utc>, LocalTimeError> {
    match Stockholm.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, _) => Ok(earlier.with_timezone(&Utc)),
        LocalResult::None => Err(LocalTimeError::Nonexistent(
            local.format("%Y-%m-%d %H:%M").to_string(),
        )),
    }
}

/// Parses a local time string straight to UTC.
pub fn parse_stockholm(s: &str) -> Result<DateTime<Utc>, LocalTimeError> {
    stockholm_to_utc(parse_local(s)?)
}

/// The Europe/Stockholm wall-clock time of an instant, `YYYY-MM-DDTHH:MM`,
/// as forms and the API take it.
pub fn stockholm_input(t: DateTime<Utc>) -> String {
    t.with_timezone(&Stockholm)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The day an instant falls on in Europe/Stockholm: the day people see.
pub fn stockholm_date(t: DateTime<Utc>) -> NaiveDate {
    stockholm_day(t)
}

/// The Europe/Stockholm wall-clock time of an instant, `YYYY-MM-DD HH:MM`, as
/// pages show it.
pub fn stockholm_display(t: DateTime<Utc>) -> String {
    t.with_timezone(&Stockholm)
        .format("%Y-%m-%d %H:%M")
        .to_string()
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
