//! The changes to accounts, sessions and tokens, one function each: its
//! checks against what is stored, its SQL (through the store) and its audit
//! row, in the unit of work the caller opened. The pages and the command
//! line call these; the audit action and entity names, and the JSON of each
//! row, are what the audit log has always shown.

use serde_json::json;

use super::model::{self, Grant};
use super::store::{self, Account};
use crate::db::{Actor, Entry, Work};
use crate::i18n::Lang;
use crate::web::AppError;

/// One sign-in attempt: who it claims to be, from where, and whether the
/// password matched an active account.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// The e-mail typed, trimmed.
    pub email: String,
    /// The client's address.
    pub address: String,
    /// The account with that e-mail, when there is one.
    pub account_id: Option<i64>,
    /// Whether the password matched an active account.
    pub verified: bool,
}

impl SignIn {
    /// Who the audit log names for the attempt: the e-mail typed (nobody is
    /// signed in yet), and the account only when the password matched, so
    /// that failures do not count as the account's own doing.
    pub fn actor(&self) -> Actor {
        Actor {
            account_id: self.account_id.filter(|_| self.verified),
            label: if self.email.is_empty() {
                "anonymous".into()
            } else {
                self.email.clone()
            },
            address: Some(self.address.clone()),
        }
    }
}

/// Records a sign-in attempt (the throttle counts them) and its audit row;
/// when the password matched, ends the browser's previous session and
/// starts a new one, whose token it returns.
pub fn sign_in(
    w: &Work,
    attempt: &SignIn,
    previous: Option<&str>,
) -> Result<Option<String>, AppError> {
    store::record_login_attempt(
        w,
        &attempt.email,
        &attempt.address,
        attempt.verified,
        w.now(),
    )?;
    w.record(Entry {
        action: if attempt.verified {
            "login.success"
        } else {
            "login.failed"
        },
        entity: "account",
        entity_id: attempt.account_id.map(|i| i.to_string()),
        before: None,
        after: None,
    })?;
    let (true, Some(id)) = (attempt.verified, attempt.account_id) else {
        return Ok(None);
    };
    if let Some(old) = previous {
        store::end_session(w, old, w.now())?;
    }
    Ok(Some(store::start_session(
        w,
        id,
        &attempt.address,
        w.now(),
    )?))
}

/// Notes a wrong current password on the password form: it counts against
/// the account like a failed sign-in (so a stolen session cannot guess the
/// password without limit), with an audit row.
pub fn note_wrong_current_password(w: &Work, email: &str, address: &str) -> Result<(), AppError> {
    store::record_login_attempt(w, email, address, false, w.now())?;
    w.record(Entry {
        action: "account.password_wrong",
        entity: "account",
        entity_id: w.actor().account_id.map(|i| i.to_string()),
        before: None,
        after: None,
    })?;
    Ok(())
}

/// Notes a sign-in refused by the throttle before the password was checked.
pub fn note_throttled(w: &Work, email: &str) -> Result<(), AppError> {
    w.record(Entry {
        action: "login.throttled",
        entity: "account",
        entity_id: None,
        before: None,
        after: Some(json!({"email": email})),
    })?;
    Ok(())
}

/// Ends the session of `token` (signing out); nothing happens, and nothing
/// is recorded, when it had already ended.
pub fn sign_out(w: &Work, token: &str) -> Result<(), AppError> {
    if let Some(id) = store::end_session(w, token, w.now())? {
        w.record(Entry {
            action: "logout",
            entity: "account",
            entity_id: Some(id.to_string()),
            before: None,
            after: None,
        })?;
    }
    Ok(())
}

/// Keeps the language an account chose.
pub fn choose_language(w: &Work, account_id: i64, lang: Lang) -> Result<(), AppError> {
    let before = existing(w, account_id)?.language;
    store::set_language(w, account_id, lang)?;
    w.changed(
        "account.language",
        "account",
        account_id,
        json!({"language": before}),
        json!({"language": lang}),
    )?;
    Ok(())
}

/// Sets the user's own new password (already checked and hashed) and
/// signs out their other browsers, which still know the old one.
pub fn change_password(
    w: &Work,
    account_id: i64,
    hash: &str,
    this_session: Option<&str>,
) -> Result<(), AppError> {
    existing(w, account_id)?;
    store::set_password(w, account_id, hash)?;
    store::end_other_sessions(w, account_id, this_session, w.now())?;
    w.record(Entry {
        action: "account.password",
        entity: "account",
        entity_id: Some(account_id.to_string()),
        before: None,
        after: None,
    })?;
    Ok(())
}

/// A new account as the administrators' form gives it: the password already
/// checked and hashed, the role already read.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Sign-in e-mail, checked.
    pub email: String,
    /// Display name, tidied.
    pub name: String,
    /// The argon2 hash of the password.
    pub password_hash: String,
    /// The first role.
    pub grant: Grant,
}

/// Creates an account with its first role. An e-mail that already has an
/// account is `AppError::Duplicate` on `account.email`.
pub fn create_account(w: &Work, new: &NewAccount) -> Result<i64, AppError> {
    if store::account_by_email(w, &new.email)?.is_some() {
        return Err(AppError::Duplicate {
            constraint: "account.email".into(),
        });
    }
    let id = store::create_account(w, &new.email, &new.name, &new.password_hash, w.now())
        .map_err(AppError::conflict_on_unique)?;
    store::add_grant(w, id, new.grant)?;
    w.created(
        "account.create",
        "account",
        id,
        json!({"email": new.email, "name": new.name, "grant": new.grant}),
    )?;
    Ok(id)
}

/// Gives an account a role (holding it already changes nothing).
pub fn add_role(w: &Work, account_id: i64, grant: Grant) -> Result<(), AppError> {
    existing(w, account_id)?;
    store::add_grant(w, account_id, grant)?;
    noted(w, "account.role.add", account_id, json!(grant))
}

/// Takes one of its roles from an account.
pub fn remove_role(w: &Work, account_id: i64, grant_id: i64) -> Result<(), AppError> {
    existing(w, account_id)?;
    store::remove_grant(w, account_id, grant_id)?;
    noted(
        w,
        "account.role.remove",
        account_id,
        json!({"grant_id": grant_id}),
    )
}

/// Signs an account out everywhere.
pub fn end_sessions(w: &Work, account_id: i64) -> Result<(), AppError> {
    existing(w, account_id)?;
    store::end_sessions(w, account_id, w.now())?;
    noted(w, "account.sessions.end", account_id, json!({}))
}

/// Turns an account's sign-in on or off (off also ends its sessions).
/// Nobody turns off their own: someone must be left to turn it back on.
pub fn set_active(w: &Work, account_id: i64, active: bool) -> Result<(), AppError> {
    model::check_active_change(w.actor().account_id, account_id, active)
        .map_err(|m| AppError::unprocessable("active", m))?;
    existing(w, account_id)?;
    store::set_account_active(w, account_id, active, w.now())?;
    noted(w, "account.active", account_id, json!({"active": active}))
}

/// An administrator sets an account's password (already checked and
/// hashed) and signs it out everywhere.
pub fn reset_password(w: &Work, account_id: i64, hash: &str) -> Result<(), AppError> {
    existing(w, account_id)?;
    store::set_password(w, account_id, hash)?;
    store::end_sessions(w, account_id, w.now())?;
    noted(w, "account.password.reset", account_id, json!({}))
}

/// Makes an API token for an account; the token itself is returned once
/// and only its hash is kept. `label` is what it is for, required.
pub fn create_token(w: &Work, account_id: i64, label: &str) -> Result<String, AppError> {
    let label = crate::check::name(label).map_err(|m| AppError::unprocessable("label", m))?;
    existing(w, account_id)?;
    let (id, token) = store::create_api_token(w, account_id, &label, w.now())?;
    w.created(
        "api_token.create",
        "api_token",
        id,
        json!({"account_id": account_id, "label": label}),
    )?;
    Ok(token)
}

/// Revokes a live API token; returns its account. A token that is unknown
/// or already revoked is not found.
pub fn revoke_token(w: &Work, token_id: i64) -> Result<i64, AppError> {
    let owner = store::revoke_api_token(w, token_id, w.now())?.ok_or(AppError::NotFound)?;
    w.record(Entry {
        action: "api_token.revoke",
        entity: "api_token",
        entity_id: Some(token_id.to_string()),
        before: None,
        after: None,
    })?;
    Ok(owner)
}

/// The account `id`, or not found.
fn existing(w: &Work, id: i64) -> Result<Account, AppError> {
    store::account(w, id)?.ok_or(AppError::NotFound)
}

/// The audit row of a change to account `id` that records only what was
/// asked for (`after`), not the state before.
fn noted(w: &Work, action: &str, id: i64, after: serde_json::Value) -> Result<(), AppError> {
    w.record(Entry {
        action,
        entity: "account",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(after),
    })?;
    Ok(())
}
