//! What the command-line commands do, as library functions so tests run them
//! exactly as the binary does. Each works in one transaction: on bad input it
//! writes nothing.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, TransactionBehavior};
use serde_json::json;

use crate::auth::{model, password, store};
use crate::db::{Actor, DbError, Work};
use crate::i18n::Lang;
use crate::licences::import as completions;
use crate::organisation::import::{self, ImportKind, Outcome};

/// A command failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The input is wrong; the message says which part.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for CommandError {
    fn from(e: rusqlite::Error) -> Self {
        CommandError::Db(DbError::from(e))
    }
}

/// A strong random password for generated accounts: 20 characters from an
/// alphabet without look-alikes, about 115 bits.
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let chars: String = (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    // Groups of five are easier to type from a printout.
    chars
        .as_bytes()
        .chunks(5)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The first administrator of an empty database.
#[derive(Debug)]
pub struct Bootstrapped {
    /// Its e-mail.
    pub email: String,
    /// The generated password, when none was configured (printed once).
    pub generated_password: Option<String>,
}

/// Creates the first administrator when the database has no accounts:
/// from `email`/`password` when given, else `admin@localhost` with a generated
/// password.
pub fn bootstrap_admin(
    conn: &mut Connection,
    email: Option<&str>,
    password: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<Bootstrapped>, CommandError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if crate::auth::store::any_account(&tx)? {
        return Ok(None);
    }
    let email = email.unwrap_or("admin@localhost").trim().to_string();
    let (password, generated) = match password {
        Some(p) => {
            model::check_password(p, &[&email]).map_err(|e| {
                CommandError::Invalid(format!(
                    "ONCOTRACK_ADMIN_PASSWORD: {}",
                    e.message().render(Lang::En)
                ))
            })?;
            (p.to_string(), None)
        }
        None => {
            let p = generate_password();
            (p.clone(), Some(p))
        }
    };
    let hash =
        password::hash_blocking(&password).map_err(|e| CommandError::Invalid(e.to_string()))?;
    let id = store::create_account(&tx, &email, "Administratör", &hash, now)?;
    store::add_grant(
        &tx,
        id,
        model::Grant {
            role: model::Role::Admin,
            scope: None,
        },
    )?;
    Work::new(&tx, Actor::system(), now).created(
        "account.bootstrap",
        "account",
        id,
        json!({"email": email, "role": "admin"}),
    )?;
    tx.commit()?;
    Ok(Some(Bootstrapped {
        email,
        generated_password: generated,
    }))
}

/// `oncotrack user add`: creates an account with its roles. With `password`
/// None a password is generated and returned.
pub fn add_user(
    conn: &mut Connection,
    email: &str,
    name: &str,
    roles: &[String],
    password: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<String>, CommandError> {
    let email = crate::check::email(email).map_err(|m| {
        CommandError::Invalid(format!("--email: {}", m.render(crate::i18n::Lang::En)))
    })?;
    let name = crate::check::name(name).map_err(|m| {
        CommandError::Invalid(format!("--name: {}", m.render(crate::i18n::Lang::En)))
    })?;
    if roles.is_empty() {
        return Err(CommandError::Invalid(
            "--role: give at least one role".into(),
        ));
    }
    let (password, generated) = match password {
        Some(p) => {
            let p = p.trim_end_matches(['\n', '\r']);
            model::check_password(p, &[&email, &name]).map_err(|e| {
                CommandError::Invalid(format!("password: {}", e.message().render(Lang::En)))
            })?;
            (p.to_string(), None)
        }
        None => {
            let p = generate_password();
            (p.clone(), Some(p))
        }
    };
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut grants = Vec::new();
    for r in roles {
        grants.push(store::parse_grant(&tx, r)?.map_err(|m| {
            CommandError::Invalid(format!("--role {r}: {}", m.message().render(Lang::En)))
        })?);
    }
    if store::account_by_email(&tx, &email)?.is_some() {
        return Err(CommandError::Invalid(format!(
            "--email: an account for {email} exists"
        )));
    }
    let hash =
        password::hash_blocking(&password).map_err(|e| CommandError::Invalid(e.to_string()))?;
    let id = store::create_account(&tx, &email, &name, &hash, now)?;
    for g in &grants {
        store::add_grant(&tx, id, *g)?;
    }
    Work::new(&tx, Actor::cli(), now).created(
        "account.create",
        "account",
        id,
        json!({"email": email, "name": name, "grants": grants}),
    )?;
    tx.commit()?;
    Ok(generated)
}

/// `oncotrack token create`: a new API token for the account with `email`.
pub fn create_token(
    conn: &mut Connection,
    email: &str,
    label: &str,
    limits: &crate::auth::model::TokenLimits,
    now: DateTime<Utc>,
) -> Result<String, CommandError> {
    if label.trim().is_empty() {
        return Err(CommandError::Invalid("--label: required".into()));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (account, _) = store::account_by_email(&tx, email)?
        .ok_or_else(|| CommandError::Invalid(format!("--email: no account for {email}")))?;
    if !account.active {
        return Err(CommandError::Invalid(format!(
            "--email: the account {email} is deactivated"
        )));
    }
    let (id, token) = store::create_api_token(&tx, account.id, label, limits, now)?;
    Work::new(&tx, Actor::cli(), now).created(
        "api_token.create",
        "api_token",
        id,
        json!({"account_id": account.id, "label": label.trim(),
               "expires_on": limits.expires_on, "scope": limits.scope.as_stored()}),
    )?;
    tx.commit()?;
    Ok(token)
}

/// The limits `--expires-on` and `--scope` ask for, checked.
pub fn token_limits(
    expires_on: Option<&str>,
    scope: &str,
    today: NaiveDate,
) -> Result<crate::auth::model::TokenLimits, CommandError> {
    use crate::auth::model::{TokenLimits, TokenScope, check_token_expiry};
    let expires_on = expires_on
        .map(|d| {
            crate::check::date(d).ok_or_else(|| {
                CommandError::Invalid(format!("--expires-on: expected YYYY-MM-DD, got {d:?}"))
            })
        })
        .transpose()?;
    check_token_expiry(expires_on, today)
        .map_err(|m| CommandError::Invalid(format!("--expires-on: {}", m.render(Lang::En))))?;
    let scope = TokenScope::parse(scope)
        .map_err(|n| CommandError::Invalid(format!("--scope: unknown endpoint {n:?}")))?;
    Ok(TokenLimits { expires_on, scope })
}

/// `oncotrack user totp --email E`: a new second factor in force at once;
/// its `otpauth://` address and recovery codes.
pub fn enrol_totp(
    conn: &mut Connection,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(String, Vec<String>), CommandError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (account, _) = store::account_by_email(&tx, email)?
        .ok_or_else(|| CommandError::Invalid(format!("--email: no account for {email}")))?;
    let (secret, codes) =
        crate::auth::actions::enrol_totp_now(&Work::new(&tx, Actor::cli(), now), account.id)
            .map_err(|e| CommandError::Invalid(e.to_string()))?;
    tx.commit()?;
    let uri = crate::auth::totp::otpauth_uri(&secret, &account.email)
        .ok_or_else(|| CommandError::Invalid("could not make the otpauth address".into()))?;
    Ok((uri, codes))
}

/// `oncotrack import units|staff FILE [--dry-run]`. Commits only a clean,
/// non-dry run.
pub fn import_file(
    conn: &mut Connection,
    kind: ImportKind,
    file: &Path,
    dry_run: bool,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Outcome, CommandError> {
    let bytes = std::fs::read(file)
        .map_err(|e| CommandError::Invalid(format!("{}: {e}", file.display())))?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcome = import::run_in(
        &Work::new(&tx, Actor::cli(), now),
        kind,
        &bytes,
        dry_run,
        today,
    )
    .map_err(|e| match e.message() {
        Some(m) => CommandError::Invalid(m.render(Lang::En)),
        None => CommandError::Invalid(e.to_string()),
    })?;
    if !dry_run && matches!(outcome, Outcome::Planned(_)) {
        tx.commit()?;
    }
    Ok(outcome)
}

/// `oncotrack import completions FILE [--dry-run]`: a learning-portal export
/// recorded as one import batch. Commits only a clean, non-dry run.
pub fn import_completions(
    conn: &mut Connection,
    file: &Path,
    dry_run: bool,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<completions::Outcome, CommandError> {
    let bytes = std::fs::read(file)
        .map_err(|e| CommandError::Invalid(format!("{}: {e}", file.display())))?;
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcome = completions::run_in(
        &Work::new(&tx, Actor::cli(), now),
        &file_name,
        &bytes,
        dry_run,
        today,
    )?;
    if !dry_run && matches!(outcome, completions::Outcome::Planned(_)) {
        tx.commit()?;
    }
    Ok(outcome)
}
