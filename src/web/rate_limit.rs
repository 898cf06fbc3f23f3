//! A request limit per client address for public pages, kept in memory: a fixed
//! window per address. Losing the counts on restart is harmless, and keeping
//! them out of SQLite keeps a flood of requests from becoming a flood of writes.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// How many addresses are remembered before stale windows are swept out, so
/// that many distinct addresses cannot grow the map without bound.
const SWEEP_AT: usize = 10_000;

/// At most `limit` requests per `window` from one address.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<String, (DateTime<Utc>, u32)>>,
}

impl RateLimiter {
    /// A limiter allowing `limit` requests per `window`.
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            limit,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request from `address` at `now` (the app's clock, so tests can
    /// move time). Over the limit it answers how many seconds to wait.
    pub fn check(&self, address: &str, now: DateTime<Utc>) -> Result<(), u64> {
        // A poisoned lock only means another request panicked mid-count; the
        // counts are still usable.
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= SWEEP_AT {
            let window = self.window;
            seen.retain(|_, (start, _)| now - *start < window);
        }
        let (start, count) = seen.entry(address.to_string()).or_insert((now, 0));
        // A clock set back also starts a new window rather than locking out.
        if now - *start >= self.window || now < *start {
            *start = now;
            *count = 0;
        }
        if *count >= self.limit {
            let wait = (*start + self.window - now).num_seconds().max(1);
            return Err(u64::try_from(wait).unwrap_or(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .map(|t| t + Duration::seconds(seconds))
            .unwrap_or_default()
    }

    #[test]
    fn limits_each_address_per_window() {
        let l = RateLimiter::new(3, Duration::minutes(1));
        for _ in 0..3 {
            assert_eq!(l.check("192.0.2.1", at(0)), Ok(()));
        }
        assert_eq!(l.check("192.0.2.1", at(20)), Err(40));
        assert_eq!(
            l.check("192.0.2.2", at(20)),
            Ok(()),
            "another address has its own count"
        );
        assert_eq!(l.check("192.0.2.1", at(60)), Ok(()), "a new window");
    }

    #[test]
    fn stale_addresses_are_swept() {
        let l = RateLimiter::new(1, Duration::minutes(1));
        for i in 0..SWEEP_AT {
            assert_eq!(l.check(&format!("a{i}"), at(0)), Ok(()));
        }
        assert_eq!(l.check("late", at(120)), Ok(()));
        let remembered = l.seen.lock().map(|s| s.len()).unwrap_or_default();
        assert_eq!(remembered, 1);
    }
}
