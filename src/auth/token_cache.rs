//! API tokens checked recently, kept in memory so that a busy client's requests
//! do not each look up the token, its account and its roles. An entry is used
//! only while no write has been committed since it was read (so revoking a
//! token, deactivating an account or changing a role takes effect on the next
//! request) and for a few seconds at most (so changes made by another process,
//! such as the command line, take effect soon too).

use std::time::Duration;

use crate::auth::model::Principal;
use crate::db::memo::Memo;

/// Checked tokens by the SHA-256 of the token.
pub type TokenCache = Memo<String, CheckedToken>;

/// A cache that trusts an entry for five seconds at most when nothing in this
/// process wrote meanwhile, for at most 10 000 tokens.
pub fn token_cache() -> TokenCache {
    Memo::new(10_000, Duration::from_secs(5))
}

/// A checked token.
#[derive(Debug, Clone)]
pub struct CheckedToken {
    /// The token's row.
    pub token_id: i64,
    /// When it was last noted as used (RFC 3339), if ever.
    pub last_used: Option<String>,
    /// Its account, with roles and scopes.
    pub principal: Principal,
    /// The last day it works.
    pub expires_on: Option<chrono::NaiveDate>,
    /// What it may do.
    pub scope: super::model::TokenScope,
}
