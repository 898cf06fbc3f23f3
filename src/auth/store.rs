//! Accounts, roles, sessions, API tokens and sign-in attempts in SQLite.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::model::{self, Grant, GrantProblem, Principal, Role, Scope, ScopeKind};
use crate::clock::stamp;
use crate::i18n::Lang;

pub use crate::web::token::{hash as token_hash, random as new_token};

/// An account as pages list it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Account {
    /// Id.
    pub id: i64,
    /// Sign-in e-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Linked person.
    pub person_id: Option<i64>,
    /// Whether sign-in is allowed.
    pub active: bool,
    /// Chosen language.
    pub language: Option<String>,
    /// When created (UTC).
    pub created_at: String,
}

fn account_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get("id")?,
        email: r.get("email")?,
        name: r.get("name")?,
        person_id: r.get("person_id")?,
        active: r.get("active")?,
        language: r.get("language")?,
        created_at: r.get("created_at")?,
    })
}

/// Finds an account by e-mail, with its password hash.
pub fn account_by_email(
    conn: &Connection,
    email: &str,
) -> rusqlite::Result<Option<(Account, String)>> {
    conn.query_row(
        "SELECT *, password_hash FROM account WHERE email = ?1",
        [email.trim()],
        |r| Ok((account_from_row(r)?, r.get::<_, String>("password_hash")?)),
    )
    .optional()
}

/// Whether the database has any account.
pub fn any_account(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM account)", [], |r| r.get(0))
}

/// One account by id.
pub fn account(conn: &Connection, id: i64) -> rusqlite::Result<Option<Account>> {
    conn.prepare_cached("SELECT * FROM account WHERE id = ?1")?
        .query_row([id], account_from_row)
        .optional()
}

/// Every account, by name.
pub fn accounts(conn: &Connection) -> rusqlite::Result<Vec<Account>> {
    let mut stmt = conn.prepare("SELECT * FROM account ORDER BY name, email")?;
    stmt.query_map([], account_from_row)?.collect()
}

/// Creates an account; links it to the person with the same e-mail when there is one.
pub fn create_account(
    conn: &Connection,
    email: &str,
    name: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    let person_id: Option<i64> = conn
        .query_row("SELECT id FROM person WHERE email = ?1", [email], |r| {
            r.get(0)
        })
        .optional()?;
    conn.execute(
        "INSERT INTO account (email, name, person_id, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![email.trim(), name.trim(), person_id, password_hash, stamp(now)],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Replaces an account's password hash.
pub fn set_password(conn: &Connection, account_id: i64, hash: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE account SET password_hash = ?2 WHERE id = ?1",
        params![account_id, hash],
    )?;
    Ok(())
}

/// Sets the account's language.
pub fn set_language(conn: &Connection, account_id: i64, lang: Lang) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE account SET language = ?2 WHERE id = ?1",
        params![account_id, lang.code()],
    )?;
    Ok(())
}

/// Turns sign-in on or off; turning it off also ends the account's sessions.
pub fn set_account_active(
    conn: &Connection,
    account_id: i64,
    active: bool,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE account SET active = ?2 WHERE id = ?1",
        params![account_id, active],
    )?;
    if !active {
        end_sessions(conn, account_id, now)?;
    }
    Ok(())
}

/// The roles of an account.
pub fn grants(conn: &Connection, account_id: i64) -> rusqlite::Result<Vec<(i64, Grant)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, role, scope_kind, scope_id FROM account_role WHERE account_id = ?1 ORDER BY role, id",
    )?;
    let rows = stmt.query_map([account_id], |r| {
        let role: String = r.get(1)?;
        let kind: Option<String> = r.get(2)?;
        let scope_id: Option<i64> = r.get(3)?;
        Ok((r.get::<_, i64>(0)?, role, kind, scope_id))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, role, kind, scope_id) = row?;
        let Some(role) = Role::parse(&role) else {
            continue;
        };
        let scope = match (kind, scope_id) {
            (Some(k), Some(i)) => Scope::from_parts(&k, i),
            _ => None,
        };
        out.push((id, Grant { role, scope }));
    }
    Ok(out)
}

/// Adds a role; adding one the account already holds changes nothing.
pub fn add_grant(conn: &Connection, account_id: i64, grant: Grant) -> rusqlite::Result<()> {
    let (kind, id) = match grant.scope {
        Some(s) => {
            let (k, i) = s.parts();
            (Some(k), Some(i))
        }
        None => (None, None),
    };
    conn.execute(
        "INSERT OR IGNORE INTO account_role (account_id, role, scope_kind, scope_id) VALUES (?1, ?2, ?3, ?4)",
        params![account_id, grant.role.as_str(), kind, id],
    )?;
    Ok(())
}

/// Removes one role row of an account.
pub fn remove_grant(conn: &Connection, account_id: i64, grant_id: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM account_role WHERE id = ?1 AND account_id = ?2",
        params![grant_id, account_id],
    )
}

/// The units a manager scope covers (active or not: history stays visible).
pub fn units_in_scope(conn: &Connection, scope: Scope) -> rusqlite::Result<Vec<i64>> {
    let (sql, id) = match scope {
        Scope::Unit(id) => ("SELECT id FROM unit WHERE id = ?1", id),
        Scope::Administration(id) => ("SELECT id FROM unit WHERE administration_id = ?1", id),
        Scope::Region(id) => (
            "SELECT u.id FROM unit u JOIN administration a ON a.id = u.administration_id WHERE a.region_id = ?1",
            id,
        ),
    };
    let mut stmt = conn.prepare_cached(sql)?;
    stmt.query_map([id], |r| r.get(0))?.collect()
}

/// Loads the principal for an active account.
pub fn principal(conn: &Connection, account_id: i64) -> rusqlite::Result<Option<Principal>> {
    let Some(acc) = account(conn, account_id)? else {
        return Ok(None);
    };
    if !acc.active {
        return Ok(None);
    }
    let grants: Vec<Grant> = grants(conn, account_id)?
        .into_iter()
        .map(|(_, g)| g)
        .collect();
    let mut managed_units = Vec::new();
    for g in &grants {
        if let (Role::Manager, Some(scope)) = (g.role, g.scope) {
            managed_units.extend(units_in_scope(conn, scope)?);
        }
    }
    managed_units.sort_unstable();
    managed_units.dedup();
    Ok(Some(Principal {
        account_id: acc.id,
        email: acc.email,
        name: acc.name,
        person_id: acc.person_id,
        language: acc.language.as_deref().and_then(Lang::parse),
        grants,
        managed_units,
    }))
}

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Ends after this long without a request.
    pub idle: Duration,
    /// Ends this long after sign-in whatever happens.
    pub absolute: Duration,
}

/// Starts a session and returns its token (only the hash is stored).
pub fn start_session(
    conn: &Connection,
    account_id: i64,
    address: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<String> {
    let token = new_token();
    conn.execute(
        "INSERT INTO session (token_hash, account_id, created_at, last_seen_at, address) VALUES (?1, ?2, ?3, ?3, ?4)",
        params![token_hash(&token), account_id, stamp(now), address],
    )?;
    Ok(token)
}

/// A live session found by its token.
#[derive(Debug, Clone)]
pub struct LiveSession {
    /// The account signed in.
    pub account_id: i64,
    /// When the last request was seen; `touch` is skipped when recent.
    pub last_seen_at: DateTime<Utc>,
}

/// Finds the session for `token` when it has not ended, idled out or aged out.
pub fn live_session(
    conn: &Connection,
    token: &str,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> rusqlite::Result<Option<LiveSession>> {
    let row: Option<(i64, String, String, Option<String>)> = conn
        .prepare_cached(
            "SELECT account_id, created_at, last_seen_at, ended_at FROM session WHERE token_hash = ?1",
        )?
        .query_row([token_hash(token)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((account_id, created, seen, ended)) = row else {
        return Ok(None);
    };
    if ended.is_some() {
        return Ok(None);
    }
    let parse = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc));
    let (Ok(created), Ok(seen)) = (parse(&created), parse(&seen)) else {
        return Ok(None);
    };
    if now - seen > policy.idle || now - created > policy.absolute {
        return Ok(None);
    }
    Ok(Some(LiveSession {
        account_id,
        last_seen_at: seen,
    }))
}

/// Records activity on a session, which keeps it from idling out.
pub fn touch_session(conn: &Connection, token: &str, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE session SET last_seen_at = ?2 WHERE token_hash = ?1 AND ended_at IS NULL",
        params![token_hash(token), stamp(now)],
    )?;
    Ok(())
}

/// Ends one session (logout).
pub fn end_session(
    conn: &Connection,
    token: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "UPDATE session SET ended_at = ?2 WHERE token_hash = ?1 AND ended_at IS NULL RETURNING account_id",
        params![token_hash(token), stamp(now)],
        |r| r.get(0),
    )
    .optional()
}

/// Ends every session of an account; returns how many were live.
pub fn end_sessions(
    conn: &Connection,
    account_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE session SET ended_at = ?2 WHERE account_id = ?1 AND ended_at IS NULL",
        params![account_id, stamp(now)],
    )
}

/// Records a sign-in attempt.
pub fn record_login_attempt(
    conn: &Connection,
    email: &str,
    address: &str,
    success: bool,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO login_attempt (email, address, at, success) VALUES (?1, ?2, ?3, ?4)",
        params![email.trim(), address, stamp(now), success],
    )?;
    Ok(())
}

/// Failures counted by the throttle, oldest first, since `since`. For an account
/// the count restarts at its last successful sign-in.
pub fn recent_failures(
    conn: &Connection,
    email: &str,
    address: &str,
    since: DateTime<Utc>,
) -> rusqlite::Result<(Vec<String>, Vec<String>)> {
    let since = stamp(since);
    let by_email = conn
        .prepare_cached(
            "SELECT at FROM login_attempt WHERE email = ?1 AND at > ?2 AND success = 0
               AND at > ifnull((SELECT max(at) FROM login_attempt WHERE email = ?1 AND success = 1), '')
             ORDER BY at",
        )?
        .query_map(params![email.trim(), since], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    let by_address = conn
        .prepare_cached(
            "SELECT at FROM login_attempt WHERE address = ?1 AND at > ?2 AND success = 0 ORDER BY at",
        )?
        .query_map(params![address, since], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok((by_email, by_address))
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiTokenInfo {
    /// Id.
    pub id: i64,
    /// Owner.
    pub account_id: i64,
    /// What it is for.
    pub label: String,
    /// When created.
    pub created_at: String,
    /// When last used.
    pub last_used_at: Option<String>,
    /// When revoked.
    pub revoked_at: Option<String>,
}

/// Creates an API token for an account; returns its id and the token.
pub fn create_api_token(
    conn: &Connection,
    account_id: i64,
    label: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<(i64, String)> {
    let token = format!("ot_{}", new_token());
    conn.execute(
        "INSERT INTO api_token (account_id, label, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![account_id, label.trim(), token_hash(&token), stamp(now)],
    )?;
    Ok((conn.last_insert_rowid(), token))
}

/// The tokens of an account, or of everyone when `account_id` is None.
pub fn api_tokens(
    conn: &Connection,
    account_id: Option<i64>,
) -> rusqlite::Result<Vec<ApiTokenInfo>> {
    let mut stmt = conn.prepare(
        "SELECT id, account_id, label, created_at, last_used_at, revoked_at FROM api_token
         WHERE ?1 IS NULL OR account_id = ?1 ORDER BY created_at DESC, id DESC",
    )?;
    stmt.query_map([account_id], |r| {
        Ok(ApiTokenInfo {
            id: r.get(0)?,
            account_id: r.get(1)?,
            label: r.get(2)?,
            created_at: r.get(3)?,
            last_used_at: r.get(4)?,
            revoked_at: r.get(5)?,
        })
    })?
    .collect()
}

/// Revokes a token; returns its owner when it was live.
pub fn revoke_api_token(
    conn: &Connection,
    id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "UPDATE api_token SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL RETURNING account_id",
        params![id, stamp(now)],
        |r| r.get(0),
    )
    .optional()
}

/// The account behind a live API token, and when the token was last used.
pub fn api_token_account(
    conn: &Connection,
    hash: &str,
) -> rusqlite::Result<Option<(i64, i64, Option<String>)>> {
    conn.prepare_cached(
        "SELECT t.id, t.account_id, t.last_used_at FROM api_token t JOIN account a ON a.id = t.account_id
         WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND a.active = 1",
    )?
    .query_row([hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()
}

/// Notes that a token was used.
pub fn touch_api_token(conn: &Connection, id: i64, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE api_token SET last_used_at = ?2 WHERE id = ?1",
        params![id, stamp(now)],
    )?;
    Ok(())
}

/// The rows of `kind` that `value` names: a unit by code or id, an
/// administration or a region by name or id.
pub fn scope_ids(conn: &Connection, kind: ScopeKind, value: &str) -> rusqlite::Result<Vec<i64>> {
    let sql = match kind {
        ScopeKind::Unit => {
            "SELECT id FROM unit WHERE code = ?1 COLLATE NOCASE OR CAST(id AS TEXT) = ?1"
        }
        ScopeKind::Administration => {
            "SELECT id FROM administration WHERE name = ?1 COLLATE NOCASE OR CAST(id AS TEXT) = ?1"
        }
        ScopeKind::Region => {
            "SELECT id FROM region WHERE name = ?1 COLLATE NOCASE OR CAST(id AS TEXT) = ?1"
        }
    };
    conn.prepare(sql)?
        .query_map([value], |r| r.get(0))?
        .collect()
}

/// Reads a scope written as `unit:CODE`, `administration:NAME-OR-ID` or
/// `region:NAME-OR-ID` (the command line and the account page use it).
pub fn resolve_scope(
    conn: &Connection,
    text: &str,
) -> rusqlite::Result<Result<Scope, GrantProblem>> {
    let (kind, value) = match model::parse_scope(text) {
        Ok(parsed) => parsed,
        Err(problem) => return Ok(Err(problem)),
    };
    let found = scope_ids(conn, kind, &value)?;
    Ok(model::pick_scope(kind, &value, &found))
}

/// Reads `ROLE[:SCOPE]`, e.g. `staff` or `manager:unit:ONK51`, looking the
/// scope up.
pub fn parse_grant(conn: &Connection, text: &str) -> rusqlite::Result<Result<Grant, GrantProblem>> {
    let request = match model::parse_grant(text) {
        Ok(request) => request,
        Err(problem) => return Ok(Err(problem)),
    };
    let scope = match request.scope {
        Some((kind, value)) => {
            let found = scope_ids(conn, kind, &value)?;
            match model::pick_scope(kind, &value, &found) {
                Ok(scope) => Some(scope),
                Err(problem) => return Ok(Err(problem)),
            }
        }
        None => None,
    };
    Ok(Ok(Grant {
        role: request.role,
        scope,
    }))
}

/// What a scope is called: `ONK51 Onkologi avd 51`, `Region Halland`; the
/// id when the row is gone.
pub fn scope_name(conn: &Connection, scope: Scope) -> rusqlite::Result<String> {
    let (_, id) = scope.parts();
    let sql = match scope {
        Scope::Unit(_) => "SELECT code || ' ' || name FROM unit WHERE id = ?1",
        Scope::Administration(_) => "SELECT name FROM administration WHERE id = ?1",
        Scope::Region(_) => "SELECT name FROM region WHERE id = ?1",
    };
    let name: Option<String> = conn.query_row(sql, [id], |r| r.get(0)).optional()?;
    Ok(name.unwrap_or_else(|| id.to_string()))
}

/// A role of an account with the name of its scope, as the pages list it.
#[derive(Debug, Clone)]
pub struct ScopedGrant {
    /// The role's row.
    pub id: i64,
    /// The role and its scope.
    pub grant: Grant,
    /// What the scope is called ([`scope_name`]), for managers.
    pub scope_name: Option<String>,
}

/// The roles of an account with their scopes' names.
pub fn scoped_grants(conn: &Connection, account_id: i64) -> rusqlite::Result<Vec<ScopedGrant>> {
    grants(conn, account_id)?
        .into_iter()
        .map(|(id, grant)| {
            let scope_name = grant.scope.map(|s| scope_name(conn, s)).transpose()?;
            Ok(ScopedGrant {
                id,
                grant,
                scope_name,
            })
        })
        .collect()
}

/// How many sessions of an account have not been ended.
pub fn live_sessions(conn: &Connection, account_id: i64) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM session WHERE account_id = ?1 AND ended_at IS NULL",
        [account_id],
        |r| r.get(0),
    )
}

/// Ends every session of an account except the one of `keep` (the token of
/// the browser that asked).
pub fn end_other_sessions(
    conn: &Connection,
    account_id: i64,
    keep: Option<&str>,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE session SET ended_at = ?2 WHERE account_id = ?1 AND ended_at IS NULL AND token_hash != ?3",
        params![
            account_id,
            stamp(now),
            keep.map(token_hash).unwrap_or_default()
        ],
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_hash_is_sha256_in_lower_case_hex() {
        assert_eq!(
            super::token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
