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

/// Whether an account has a local password (accounts made by a sign-in
/// through the identity provider have none).
pub fn has_local_password(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT password_hash LIKE '$argon2%' FROM account WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .optional()
    .map(|found| found.unwrap_or(false))
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

/// Where and how a session starts: the client's address, its browser and
/// the way the user signed in.
#[derive(Debug, Clone, Default)]
pub struct SessionStart {
    /// The client's address.
    pub address: String,
    /// The `User-Agent`, cut to 200 characters.
    pub user_agent: Option<String>,
    /// How the user signed in.
    pub method: model::SignInMethod,
}

/// Starts a session and returns its token (only the hash is stored).
pub fn start_session(
    conn: &Connection,
    account_id: i64,
    start: &SessionStart,
    now: DateTime<Utc>,
) -> rusqlite::Result<String> {
    let token = new_token();
    conn.execute(
        "INSERT INTO session (token_hash, account_id, created_at, last_seen_at, address, method, user_agent)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)",
        params![
            token_hash(&token),
            account_id,
            stamp(now),
            start.address,
            start.method.as_str(),
            start.user_agent.as_deref().map(|a| a.chars().take(200).collect::<String>())
        ],
    )?;
    Ok(token)
}

/// A session as its user sees it in their list.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// Row id, to end it by.
    pub id: i64,
    /// When it started (UTC).
    pub created_at: String,
    /// When it was last used (UTC, to the minute).
    pub last_seen_at: String,
    /// The address it started from.
    pub address: Option<String>,
    /// How the user signed in.
    pub method: Option<String>,
    /// The browser.
    pub user_agent: Option<String>,
    /// Whether it is the session of the browser asking.
    pub current: bool,
}

/// The sessions of an account that have not ended and have not idled or
/// aged out, newest first; `current` is the asking browser's token.
pub fn sessions_of(
    conn: &Connection,
    account_id: i64,
    current: Option<&str>,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> rusqlite::Result<Vec<SessionInfo>> {
    let current = current.map(token_hash).unwrap_or_default();
    let mut stmt = conn.prepare(
        "SELECT rowid, created_at, last_seen_at, address, method, user_agent, token_hash = ?2
         FROM session WHERE account_id = ?1 AND ended_at IS NULL
           AND last_seen_at > ?3 AND created_at > ?4
         ORDER BY created_at DESC",
    )?;
    stmt.query_map(
        params![
            account_id,
            current,
            stamp(now - policy.idle),
            stamp(now - policy.absolute)
        ],
        |r| {
            Ok(SessionInfo {
                id: r.get(0)?,
                created_at: r.get(1)?,
                last_seen_at: r.get(2)?,
                address: r.get(3)?,
                method: r.get(4)?,
                user_agent: r.get(5)?,
                current: r.get(6)?,
            })
        },
    )?
    .collect()
}

/// Ends session `id` of account `account_id`; true when it was live.
pub fn end_session_by_id(
    conn: &Connection,
    account_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE session SET ended_at = ?3 WHERE rowid = ?2 AND account_id = ?1 AND ended_at IS NULL",
        params![account_id, id, stamp(now)],
    )? == 1)
}

/// Notes a stronger way in for a live session (a second factor set up in it).
pub fn set_session_method(
    conn: &Connection,
    token: &str,
    method: model::SignInMethod,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE session SET method = ?2 WHERE token_hash = ?1",
        params![token_hash(token), method.as_str()],
    )?;
    Ok(())
}

/// How a live session signed in.
pub fn session_method(conn: &Connection, token: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT method FROM session WHERE token_hash = ?1")?
        .query_row([token_hash(token)], |r| r.get(0))
        .optional()
        .map(Option::flatten)
}

/// A live session found by its token.
#[derive(Debug, Clone)]
pub struct LiveSession {
    /// The account signed in.
    pub account_id: i64,
    /// When the last request was seen; `touch` is skipped when recent.
    pub last_seen_at: DateTime<Utc>,
    /// How the user signed in (sessions from before this was kept: a
    /// password).
    pub method: model::SignInMethod,
}

/// Finds the session for `token` when it has not ended, idled out or aged out.
pub fn live_session(
    conn: &Connection,
    token: &str,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> rusqlite::Result<Option<LiveSession>> {
    type Row = (i64, String, String, Option<String>, Option<String>);
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT account_id, created_at, last_seen_at, ended_at, method FROM session WHERE token_hash = ?1",
        )?
        .query_row([token_hash(token)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((account_id, created, seen, ended, method)) = row else {
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
        method: method
            .as_deref()
            .and_then(model::SignInMethod::parse)
            .unwrap_or_default(),
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
    // The account's failures from this address since it last signed in
    // from here: someone else's failures elsewhere do not close the door.
    let by_pair = conn
        .prepare_cached(
            "SELECT at FROM login_attempt WHERE email = ?1 AND address = ?2 AND at > ?3 AND success = 0
               AND at > ifnull((SELECT max(at) FROM login_attempt
                                WHERE email = ?1 AND address = ?2 AND success = 1), '')
             ORDER BY at",
        )?
        .query_map(params![email.trim(), address, since], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    let by_address = conn
        .prepare_cached(
            "SELECT at FROM login_attempt WHERE address = ?1 AND at > ?2 AND success = 0 ORDER BY at",
        )?
        .query_map(params![address, since], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok((by_pair, by_address))
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
    /// The last day it works.
    pub expires_on: Option<String>,
    /// What it may do, as stored.
    pub scope: String,
}

/// Creates an API token for an account; returns its id and the token.
pub fn create_api_token(
    conn: &Connection,
    account_id: i64,
    label: &str,
    limits: &model::TokenLimits,
    now: DateTime<Utc>,
) -> rusqlite::Result<(i64, String)> {
    let token = format!("ot_{}", new_token());
    conn.execute(
        "INSERT INTO api_token (account_id, label, token_hash, created_at, expires_on, scope)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            account_id,
            label.trim(),
            token_hash(&token),
            stamp(now),
            limits.expires_on.map(|d| d.to_string()),
            limits.scope.as_stored()
        ],
    )?;
    Ok((conn.last_insert_rowid(), token))
}

/// The tokens of an account, or of everyone when `account_id` is None.
pub fn api_tokens(
    conn: &Connection,
    account_id: Option<i64>,
) -> rusqlite::Result<Vec<ApiTokenInfo>> {
    let mut stmt = conn.prepare(
        "SELECT id, account_id, label, created_at, last_used_at, revoked_at, expires_on, scope FROM api_token
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
            expires_on: r.get(6)?,
            scope: r.get(7)?,
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

/// A live API token as a request checks it.
#[derive(Debug, Clone)]
pub struct LiveToken {
    /// The token's id.
    pub id: i64,
    /// Its account.
    pub account_id: i64,
    /// When it was last used.
    pub last_used_at: Option<String>,
    /// The last day it works.
    pub expires_on: Option<chrono::NaiveDate>,
    /// What it may do.
    pub scope: model::TokenScope,
}

/// The live API token of `hash` with its account (active), its last use,
/// end day and scope.
pub fn api_token_account(conn: &Connection, hash: &str) -> rusqlite::Result<Option<LiveToken>> {
    conn.prepare_cached(
        "SELECT t.id, t.account_id, t.last_used_at, t.expires_on, t.scope
         FROM api_token t JOIN account a ON a.id = t.account_id
         WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND a.active = 1",
    )?
    .query_row([hash], |r| {
        let expires: Option<String> = r.get(3)?;
        let scope: String = r.get(4)?;
        Ok(LiveToken {
            id: r.get(0)?,
            account_id: r.get(1)?,
            last_used_at: r.get(2)?,
            expires_on: expires.as_deref().and_then(crate::check::date),
            // A scope this version cannot read allows nothing but reading.
            scope: model::TokenScope::parse(&scope).unwrap_or(model::TokenScope::Read),
        })
    })
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

/// An account's TOTP secret.
#[derive(Debug, Clone)]
pub struct Totp {
    /// Base32.
    pub secret: String,
    /// Whether the holder has typed a code from it (then it is asked for).
    pub confirmed: bool,
    /// The step of the last code taken.
    pub last_step: i64,
}

/// The TOTP secret of an account, if it has one.
pub fn totp(conn: &Connection, account_id: i64) -> rusqlite::Result<Option<Totp>> {
    conn.prepare_cached(
        "SELECT secret, confirmed_at IS NOT NULL, last_step FROM account_totp WHERE account_id = ?1",
    )?
    .query_row([account_id], |r| {
        Ok(Totp {
            secret: r.get(0)?,
            confirmed: r.get(1)?,
            last_step: r.get(2)?,
        })
    })
    .optional()
}

/// Gives an account a new, unconfirmed secret (replacing an unconfirmed one).
pub fn set_totp_secret(
    conn: &Connection,
    account_id: i64,
    secret: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO account_totp (account_id, secret, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (account_id) DO UPDATE SET secret = excluded.secret,
             created_at = excluded.created_at, confirmed_at = NULL, last_step = 0",
        params![account_id, secret, stamp(now)],
    )?;
    Ok(())
}

/// Puts an account's secret in force without a code (the command line's).
pub fn confirm_totp(
    conn: &Connection,
    account_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE account_totp SET confirmed_at = coalesce(confirmed_at, ?2) WHERE account_id = ?1",
        params![account_id, stamp(now)],
    )?;
    Ok(())
}

/// Takes the code of `step`: true when it is later than the last taken
/// (and, with `confirm`, puts the secret in force).
pub fn take_totp_step(
    conn: &Connection,
    account_id: i64,
    step: i64,
    confirm: bool,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE account_totp SET last_step = ?2,
             confirmed_at = CASE WHEN ?3 THEN coalesce(confirmed_at, ?4) ELSE confirmed_at END
         WHERE account_id = ?1 AND last_step < ?2 AND (?3 OR confirmed_at IS NOT NULL)",
        params![account_id, step, confirm, stamp(now)],
    )? == 1)
}

/// Removes an account's second factor and its recovery codes.
pub fn remove_totp(conn: &Connection, account_id: i64) -> rusqlite::Result<bool> {
    conn.execute(
        "DELETE FROM recovery_code WHERE account_id = ?1",
        [account_id],
    )?;
    Ok(conn.execute(
        "DELETE FROM account_totp WHERE account_id = ?1",
        [account_id],
    )? == 1)
}

/// Replaces an account's recovery codes with these (by their hashes).
pub fn replace_recovery_codes(
    conn: &Connection,
    account_id: i64,
    codes: &[String],
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM recovery_code WHERE account_id = ?1",
        [account_id],
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO recovery_code (account_id, code_hash, created_at) VALUES (?1, ?2, ?3)",
    )?;
    for c in codes {
        insert.execute(params![account_id, token_hash(c), stamp(now)])?;
    }
    Ok(())
}

/// Uses a recovery code (normalised): true when it was the account's and unused.
pub fn take_recovery_code(
    conn: &Connection,
    account_id: i64,
    code: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE recovery_code SET used_at = ?3 WHERE account_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
        params![account_id, token_hash(code), stamp(now)],
    )? == 1)
}

/// How many unused recovery codes an account has.
pub fn recovery_codes_left(conn: &Connection, account_id: i64) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM recovery_code WHERE account_id = ?1 AND used_at IS NULL",
        [account_id],
        |r| r.get(0),
    )
}

/// A password that matched, waiting for the second factor.
#[derive(Debug, Clone)]
pub struct Challenge {
    /// The account.
    pub account_id: i64,
    /// Where to go after.
    pub next: String,
    /// Wrong codes so far.
    pub failures: i64,
}

/// Starts the second-factor step; returns the browser's token for it.
pub fn start_challenge(
    conn: &Connection,
    account_id: i64,
    address: &str,
    next: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<String> {
    let token = new_token();
    conn.execute(
        "INSERT INTO login_challenge (token_hash, account_id, address, next, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![token_hash(&token), account_id, address, next, stamp(now)],
    )?;
    Ok(token)
}

/// The live second-factor step of `token`: not ended, younger than `max_age`.
pub fn live_challenge(
    conn: &Connection,
    token: &str,
    now: DateTime<Utc>,
    max_age: Duration,
) -> rusqlite::Result<Option<Challenge>> {
    conn.prepare_cached(
        "SELECT account_id, next, failures FROM login_challenge
         WHERE token_hash = ?1 AND ended_at IS NULL AND created_at > ?2",
    )?
    .query_row(params![token_hash(token), stamp(now - max_age)], |r| {
        Ok(Challenge {
            account_id: r.get(0)?,
            next: r.get(1)?,
            failures: r.get(2)?,
        })
    })
    .optional()
}

/// Counts a wrong code; the step ends at `limit` of them. Returns the count.
pub fn fail_challenge(
    conn: &Connection,
    token: &str,
    limit: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.query_row(
        "UPDATE login_challenge SET failures = failures + 1,
             ended_at = CASE WHEN failures + 1 >= ?2 THEN ?3 ELSE NULL END
         WHERE token_hash = ?1 RETURNING failures",
        params![token_hash(token), limit, stamp(now)],
        |r| r.get(0),
    )
}

/// Ends the second-factor step of `token`.
pub fn end_challenge(conn: &Connection, token: &str, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE login_challenge SET ended_at = ?2 WHERE token_hash = ?1 AND ended_at IS NULL",
        params![token_hash(token), stamp(now)],
    )?;
    Ok(())
}

/// Keeps what the callback of an OpenID Connect sign-in needs, under the
/// hash of its state.
pub fn save_oidc_login(
    conn: &Connection,
    state: &str,
    nonce: &str,
    pkce_verifier: &str,
    next: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    // Sign-ins never finished are dropped after a day.
    conn.execute(
        "DELETE FROM oidc_login WHERE created_at < ?1",
        [stamp(now - Duration::days(1))],
    )?;
    conn.execute(
        "INSERT INTO oidc_login (state_hash, nonce, pkce_verifier, next, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![token_hash(state), nonce, pkce_verifier, next, stamp(now)],
    )?;
    Ok(())
}

/// A sign-in under way, taken once: `(nonce, pkce_verifier, next)` when
/// `state` is known and younger than `max_age`.
pub fn take_oidc_login(
    conn: &Connection,
    state: &str,
    now: DateTime<Utc>,
    max_age: Duration,
) -> rusqlite::Result<Option<(String, String, String)>> {
    let row: Option<(String, String, String, String)> = conn
        .query_row(
            "DELETE FROM oidc_login WHERE state_hash = ?1 RETURNING nonce, pkce_verifier, next, created_at",
            [token_hash(state)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(row
        .filter(|(.., created)| created.as_str() > stamp(now - max_age).as_str())
        .map(|(n, v, next, _)| (n, v, next)))
}

/// The account an identity at the provider signs in as.
pub fn account_by_identity(
    conn: &Connection,
    issuer: &str,
    subject: &str,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT account_id FROM account_identity WHERE issuer = ?1 AND subject = ?2",
        params![issuer, subject],
        |r| r.get(0),
    )
    .optional()
}

/// Links an identity at the provider to an account.
pub fn link_identity(
    conn: &Connection,
    account_id: i64,
    issuer: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO account_identity (account_id, issuer, subject, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![account_id, issuer, subject, stamp(now)],
    )?;
    Ok(())
}

/// A person the provider's claims name: `(id, name, email)`, found by
/// HSA-id, else by e-mail; only people who work here (not left).
pub fn person_for_sign_in(
    conn: &Connection,
    hsa_id: Option<&str>,
    email: Option<&str>,
) -> rusqlite::Result<Option<(i64, String, String)>> {
    let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
    if let Some(hsa) = hsa_id {
        let found = conn
            .query_row(
                "SELECT id, name, email FROM person WHERE hsa_id = ?1 AND left_on IS NULL",
                [hsa.trim().to_uppercase()],
                row,
            )
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    match email {
        Some(e) => conn
            .query_row(
                "SELECT id, name, email FROM person WHERE email = ?1 COLLATE NOCASE AND left_on IS NULL",
                [e.trim()],
                row,
            )
            .optional(),
        None => Ok(None),
    }
}

/// The account linked to a person (the oldest, when several are).
pub fn account_for_person(conn: &Connection, person_id: i64) -> rusqlite::Result<Option<Account>> {
    conn.prepare_cached("SELECT * FROM account WHERE person_id = ?1 ORDER BY id LIMIT 1")?
        .query_row([person_id], account_from_row)
        .optional()
}

/// Creates an account for a person signed in through the provider: no
/// local password (a hash nothing matches) and the staff role.
pub fn create_linked_account(
    conn: &Connection,
    person_id: i64,
    email: &str,
    name: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO account (email, name, person_id, password_hash, created_at) VALUES (?1, ?2, ?3, '!', ?4)",
        params![email.trim(), name.trim(), person_id, stamp(now)],
    )?;
    let id = conn.last_insert_rowid();
    add_grant(
        conn,
        id,
        Grant {
            role: Role::Staff,
            scope: None,
        },
    )?;
    Ok(id)
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
