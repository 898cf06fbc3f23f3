//! API tokens checked recently, kept in memory so that a busy client's requests
//! do not each look up the token, its account and its roles. An entry is used
//! only while no write has been committed since it was read (so revoking a
//! token, deactivating an account or changing a role takes effect on the next
//! request) and for a few seconds at most (so changes made by another process,
//! such as the command line, take effect soon too).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::auth::model::Principal;

/// How long an entry may be used when nothing in this process wrote meanwhile.
const FRESH_FOR: Duration = Duration::from_secs(5);

/// Entries kept at most; the cache starts over when it is full.
const MAX_ENTRIES: usize = 10_000;

/// A checked token.
#[derive(Debug, Clone)]
pub struct CheckedToken {
    /// The token's row.
    pub token_id: i64,
    /// When it was last noted as used (RFC 3339), if ever.
    pub last_used: Option<String>,
    /// Its account, with roles and scopes.
    pub principal: Principal,
}

struct Entry {
    generation: u64,
    read_at: Instant,
    token: CheckedToken,
}

/// Checked tokens by the SHA-256 of the token.
#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl TokenCache {
    /// The token with `hash`, when it was read at database `generation` and
    /// recently enough.
    pub fn get(&self, hash: &str, generation: u64) -> Option<CheckedToken> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(hash)?;
        (entry.generation == generation && entry.read_at.elapsed() < FRESH_FOR)
            .then(|| entry.token.clone())
    }

    /// Keeps `token`, read while the database was at `generation` (taken
    /// before the read began, so a write that raced the read makes it stale).
    pub fn put(&self, hash: String, generation: u64, token: CheckedToken) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(
                hash,
                Entry {
                    generation,
                    read_at: Instant::now(),
                    token,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> CheckedToken {
        CheckedToken {
            token_id: 1,
            last_used: None,
            principal: Principal {
                account_id: 7,
                email: "a@example.se".into(),
                name: "A".into(),
                person_id: None,
                language: None,
                grants: Vec::new(),
                managed_units: Vec::new(),
            },
        }
    }

    #[test]
    fn an_entry_serves_only_its_generation() {
        let cache = TokenCache::default();
        cache.put("h".into(), 3, token());
        assert_eq!(cache.get("h", 3).map(|t| t.principal.account_id), Some(7));
        assert!(cache.get("h", 4).is_none(), "a write since the read");
        assert!(cache.get("other", 3).is_none());
    }
}
