//! The changes to accounts, sessions and tokens, one function each: its
//! checks against what is stored, its SQL (through the store) and its audit
//! row, in the unit of work the caller opened. The pages and the command
//! line call these; the audit action and entity names, and the JSON of each
//! row, are what the audit log has always shown.

use serde_json::json;

use super::model::{self, Grant, SignInMethod, Throttle};
use super::notify::{self, Notifier};
use super::oidc::Identity;
use super::store::{self, Account, SessionStart};
use super::totp;
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
    /// The browser's `User-Agent`.
    pub user_agent: Option<String>,
    /// The account with that e-mail, when there is one.
    pub account_id: Option<i64>,
    /// Whether the password matched an active account.
    pub verified: bool,
    /// Where to go after (already checked to be local).
    pub next: String,
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

    fn start(&self, method: SignInMethod) -> SessionStart {
        SessionStart {
            address: self.address.clone(),
            user_agent: self.user_agent.clone(),
            method,
        }
    }
}

/// What the server's sign-in rules are.
#[derive(Debug, Clone, Copy)]
pub struct LoginRules {
    /// Whether local passwords sign in everyone (else administrators only).
    pub local_login: bool,
    /// The throttle, to tell the holder when an address starts waiting.
    pub throttle: Throttle,
    /// Where notices go.
    pub notifier: Notifier,
}

/// Where a sign-in attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedIn {
    /// Signed in: the new session's token.
    Session(String),
    /// The password matched; the second factor is asked for next (the
    /// token of that step).
    SecondFactor(String),
    /// The password matched, but local passwords are switched off for
    /// this account: it signs in through the identity provider.
    LocalOff,
    /// Wrong e-mail or password.
    Refused,
}

/// Records a sign-in attempt (the throttle counts them) and its audit row;
/// when the password matched, either starts the second-factor step (the
/// account has one) or ends the browser's previous session and starts a
/// new one. A failure that makes the address wait tells the holder.
pub fn sign_in(
    w: &Work,
    attempt: &SignIn,
    previous: Option<&str>,
    rules: LoginRules,
) -> Result<SignedIn, AppError> {
    let (true, Some(id)) = (attempt.verified, attempt.account_id) else {
        store::record_login_attempt(w, &attempt.email, &attempt.address, false, w.now())?;
        audit_attempt(w, "login.failed", attempt.account_id, None)?;
        if let Some(id) = attempt.account_id {
            told_if_throttled(w, rules, id, &attempt.email, &attempt.address)?;
        }
        return Ok(SignedIn::Refused);
    };
    let admin = store::grants(w, id)?
        .iter()
        .any(|(_, g)| g.role == model::Role::Admin);
    if !rules.local_login && !admin {
        audit_attempt(w, "login.local_off", Some(id), None)?;
        return Ok(SignedIn::LocalOff);
    }
    store::record_login_attempt(w, &attempt.email, &attempt.address, true, w.now())?;
    if store::totp(w, id)?.is_some_and(|t| t.confirmed) {
        audit_attempt(w, "login.password_ok", Some(id), None)?;
        let token = store::start_challenge(w, id, &attempt.address, &attempt.next, w.now())?;
        return Ok(SignedIn::SecondFactor(token));
    }
    audit_attempt(
        w,
        "login.success",
        Some(id),
        Some(json!({"method": SignInMethod::Password.as_str()})),
    )?;
    Ok(SignedIn::Session(new_session(
        w,
        id,
        previous,
        &attempt.start(SignInMethod::Password),
    )?))
}

fn audit_attempt(
    w: &Work,
    action: &str,
    account_id: Option<i64>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    w.record(Entry {
        action,
        entity: "account",
        entity_id: account_id.map(|i| i.to_string()),
        before: None,
        after,
    })?;
    Ok(())
}

/// Ends the browser's previous session and starts one for `account_id`.
fn new_session(
    w: &Work,
    account_id: i64,
    previous: Option<&str>,
    start: &SessionStart,
) -> Result<String, AppError> {
    if let Some(old) = previous {
        store::end_session(w, old, w.now())?;
    }
    Ok(store::start_session(w, account_id, start, w.now())?)
}

/// Tells the holder when the failure just recorded made this address wait.
fn told_if_throttled(
    w: &Work,
    rules: LoginRules,
    account_id: i64,
    email: &str,
    address: &str,
) -> Result<(), AppError> {
    let (by_pair, _) = store::recent_failures(w, email, address, w.now() - rules.throttle.window)?;
    if rules.throttle.just_closed(by_pair.len()) {
        notify::tell(
            w,
            rules.notifier,
            account_id,
            &notify::Event::Throttled {
                address: address.to_string(),
            },
        )?;
    }
    Ok(())
}

/// Wrong codes before the second-factor step ends and the password is
/// asked for again.
pub const SECOND_FACTOR_TRIES: i64 = 5;
/// How long the second-factor step waits.
pub const SECOND_FACTOR_MINUTES: i64 = 5;

/// Where the second-factor step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactor {
    /// Signed in: the session's token and where to go.
    Session {
        /// The new session's token.
        token: String,
        /// Where to go.
        next: String,
    },
    /// Wrong (or used) code; this many tries are left.
    Wrong(i64),
    /// The step is over (too many tries, too late, or unknown): sign in
    /// again.
    Over,
}

/// The second factor typed at step `challenge`: a code from the app (taken
/// once) or a recovery code (used up). A wrong one counts like a wrong
/// password for the throttle.
pub fn second_factor(
    w: &Work,
    challenge: &str,
    typed: &str,
    previous: Option<&str>,
    start: &SessionStart,
    notifier: Notifier,
) -> Result<SecondFactor, AppError> {
    let max_age = chrono::Duration::minutes(SECOND_FACTOR_MINUTES);
    let Some(c) = store::live_challenge(w, challenge, w.now(), max_age)? else {
        return Ok(SecondFactor::Over);
    };
    let account = existing(w, c.account_id)?;
    let method = match store::totp(w, c.account_id)? {
        Some(t) if totp::looks_like_code(typed) => {
            let unix = w.now().timestamp().max(0) as u64;
            match totp::accepted_step(&t.secret, typed, unix, t.last_step) {
                Some(step) if store::take_totp_step(w, c.account_id, step, false, w.now())? => {
                    Some(SignInMethod::PasswordTotp)
                }
                _ => None,
            }
        }
        Some(_) => store::take_recovery_code(
            w,
            c.account_id,
            &totp::normalise_recovery_code(typed),
            w.now(),
        )?
        .then_some(SignInMethod::PasswordRecovery),
        None => None,
    };
    let Some(method) = method else {
        let failures = store::fail_challenge(w, challenge, SECOND_FACTOR_TRIES, w.now())?;
        store::record_login_attempt(w, &account.email, &start.address, false, w.now())?;
        audit_attempt(w, "login.second_factor_failed", Some(c.account_id), None)?;
        let left = SECOND_FACTOR_TRIES - failures;
        return Ok(if left > 0 {
            SecondFactor::Wrong(left)
        } else {
            SecondFactor::Over
        });
    };
    store::end_challenge(w, challenge, w.now())?;
    audit_attempt(
        w,
        "login.success",
        Some(c.account_id),
        Some(json!({"method": method.as_str()})),
    )?;
    if method == SignInMethod::PasswordRecovery {
        let left = store::recovery_codes_left(w, c.account_id)?;
        notify::tell(
            w,
            notifier,
            c.account_id,
            &notify::Event::RecoveryCodeUsed { left },
        )?;
    }
    let session = SessionStart {
        method,
        ..start.clone()
    };
    Ok(SecondFactor::Session {
        token: new_session(w, c.account_id, previous, &session)?,
        next: c.next,
    })
}

/// Why the identity provider's sign-in found no way in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OidcRefusal {
    /// Nobody in oncotrack has the HSA-id (or verified e-mail).
    UnknownPerson,
    /// The account is switched off.
    Inactive,
}

/// Signs in the person the provider vouched for: the account linked to the
/// identity, else the account of the person with the HSA-id (or verified
/// e-mail), else a new staff account for that person. Roles stay
/// oncotrack's.
pub fn sign_in_oidc(
    w: &Work,
    identity: &Identity,
    previous: Option<&str>,
    start: &SessionStart,
) -> Result<Result<String, OidcRefusal>, AppError> {
    let account_id = match store::account_by_identity(w, &identity.issuer, &identity.subject)? {
        Some(id) => id,
        None => {
            let Some((person_id, name, email)) = store::person_for_sign_in(
                w,
                identity.hsa_id.as_deref(),
                identity.verified_email.as_deref(),
            )?
            else {
                audit_attempt(
                    w,
                    "login.oidc_unknown",
                    None,
                    Some(json!({"hsa_id": identity.hsa_id, "subject": identity.subject})),
                )?;
                return Ok(Err(OidcRefusal::UnknownPerson));
            };
            let id = match store::account_for_person(w, person_id)? {
                Some(a) => a.id,
                None => match store::account_by_email(w, &email)? {
                    Some((a, _)) => a.id,
                    None => {
                        let id =
                            store::create_linked_account(w, person_id, &email, &name, w.now())?;
                        w.created(
                            "account.create",
                            "account",
                            id,
                            json!({"email": email, "name": name, "person_id": person_id,
                                   "grant": "staff", "via": "oidc"}),
                        )?;
                        id
                    }
                },
            };
            store::link_identity(w, id, &identity.issuer, &identity.subject, w.now())?;
            noted(
                w,
                "account.identity.link",
                id,
                json!({"issuer": identity.issuer, "subject": identity.subject}),
            )?;
            id
        }
    };
    let account = existing(w, account_id)?;
    if !account.active {
        audit_attempt(
            w,
            "login.failed",
            Some(account_id),
            Some(json!({"method": "oidc"})),
        )?;
        return Ok(Err(OidcRefusal::Inactive));
    }
    store::record_login_attempt(w, &account.email, &start.address, true, w.now())?;
    audit_attempt(
        w,
        "login.success",
        Some(account_id),
        Some(json!({"method": SignInMethod::Oidc.as_str()})),
    )?;
    let start = SessionStart {
        method: SignInMethod::Oidc,
        ..start.clone()
    };
    Ok(Ok(new_session(w, account_id, previous, &start)?))
}

/// Starts setting up a second factor: a new secret, in force only once a
/// code from it is typed. An account with one in force must remove it
/// first.
pub fn begin_totp(w: &Work, account_id: i64) -> Result<String, AppError> {
    existing(w, account_id)?;
    if store::totp(w, account_id)?.is_some_and(|t| t.confirmed) {
        return Err(AppError::unprocessable(
            "code",
            crate::msg!("account.totp_already"),
        ));
    }
    let secret = totp::new_secret();
    store::set_totp_secret(w, account_id, &secret, w.now())?;
    Ok(secret)
}

/// Puts the new secret in force with a code typed from it; returns the
/// recovery codes (shown once). The session that did it counts as signed
/// in with the second factor.
pub fn confirm_totp(
    w: &Work,
    account_id: i64,
    code: &str,
    session: Option<&str>,
    notifier: Notifier,
) -> Result<Vec<String>, AppError> {
    let wrong = || AppError::unprocessable("code", crate::msg!("account.totp_wrong"));
    let t = store::totp(w, account_id)?
        .filter(|t| !t.confirmed)
        .ok_or_else(|| AppError::unprocessable("code", crate::msg!("account.totp_not_started")))?;
    let unix = w.now().timestamp().max(0) as u64;
    let step = totp::accepted_step(&t.secret, code, unix, t.last_step).ok_or_else(wrong)?;
    if !store::take_totp_step(w, account_id, step, true, w.now())? {
        return Err(wrong());
    }
    let codes = fresh_recovery_codes(w, account_id)?;
    if let Some(token) = session {
        store::set_session_method(w, token, SignInMethod::PasswordTotp)?;
    }
    noted(w, "account.totp.enable", account_id, json!({}))?;
    notify::tell(w, notifier, account_id, &notify::Event::SecondFactorAdded)?;
    Ok(codes)
}

/// New recovery codes for an account, in place of any old ones: the codes
/// to show once (only their hashes are kept).
fn fresh_recovery_codes(w: &Work, account_id: i64) -> Result<Vec<String>, AppError> {
    let codes = totp::new_recovery_codes();
    let normalised: Vec<String> = codes
        .iter()
        .map(|c| totp::normalise_recovery_code(c))
        .collect();
    store::replace_recovery_codes(w, account_id, &normalised, w.now())?;
    Ok(codes)
}

/// Puts a secret in force at once, for the command line's first
/// administrator; returns the secret and the recovery codes.
pub fn enrol_totp_now(w: &Work, account_id: i64) -> Result<(String, Vec<String>), AppError> {
    existing(w, account_id)?;
    let secret = totp::new_secret();
    store::remove_totp(w, account_id)?;
    store::set_totp_secret(w, account_id, &secret, w.now())?;
    store::confirm_totp(w, account_id, w.now())?;
    let codes = fresh_recovery_codes(w, account_id)?;
    noted(w, "account.totp.enable", account_id, json!({"via": "cli"}))?;
    Ok((secret, codes))
}

/// New recovery codes in place of the old (shown once).
pub fn renew_recovery_codes(w: &Work, account_id: i64) -> Result<Vec<String>, AppError> {
    if !store::totp(w, account_id)?.is_some_and(|t| t.confirmed) {
        return Err(AppError::unprocessable(
            "code",
            crate::msg!("account.totp_not_started"),
        ));
    }
    let codes = fresh_recovery_codes(w, account_id)?;
    noted(w, "account.recovery_codes", account_id, json!({}))?;
    Ok(codes)
}

/// Removes an account's second factor (its holder, or an administrator
/// for one who lost the phone and the codes).
pub fn remove_totp(w: &Work, account_id: i64, notifier: Notifier) -> Result<(), AppError> {
    existing(w, account_id)?;
    if store::remove_totp(w, account_id)? {
        noted(w, "account.totp.remove", account_id, json!({}))?;
        notify::tell(w, notifier, account_id, &notify::Event::SecondFactorRemoved)?;
    }
    Ok(())
}

/// Ends one of the user's own sessions.
pub fn end_own_session(w: &Work, account_id: i64, session_id: i64) -> Result<(), AppError> {
    if !store::end_session_by_id(w, account_id, session_id, w.now())? {
        return Err(AppError::NotFound);
    }
    noted(
        w,
        "account.session.end",
        account_id,
        json!({"session": session_id}),
    )
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

/// Notes an identity provider sign-in that failed, and why (`state`,
/// `issuer`, `code`, `unknown_person`, ...).
pub fn note_oidc_failure(w: &Work, reason: &str) -> Result<(), AppError> {
    audit_attempt(
        w,
        "login.oidc_failed",
        None,
        Some(json!({"reason": reason})),
    )
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
    notifier: Notifier,
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
    notify::tell(w, notifier, account_id, &notify::Event::PasswordChanged)
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
pub fn reset_password(
    w: &Work,
    account_id: i64,
    hash: &str,
    notifier: Notifier,
) -> Result<(), AppError> {
    existing(w, account_id)?;
    store::set_password(w, account_id, hash)?;
    store::end_sessions(w, account_id, w.now())?;
    noted(w, "account.password.reset", account_id, json!({}))?;
    notify::tell(w, notifier, account_id, &notify::Event::PasswordChanged)
}

/// Makes an API token for an account; the token itself is returned once
/// and only its hash is kept. `label` is what it is for, required.
pub fn create_token(
    w: &Work,
    account_id: i64,
    label: &str,
    limits: &model::TokenLimits,
    notifier: Notifier,
) -> Result<String, AppError> {
    let label = crate::check::name(label).map_err(|m| AppError::unprocessable("label", m))?;
    let today = crate::clock::stockholm_day(w.now());
    model::check_token_expiry(limits.expires_on, today)
        .map_err(|m| AppError::unprocessable("expires_on", m))?;
    existing(w, account_id)?;
    let (id, token) = store::create_api_token(w, account_id, &label, limits, w.now())?;
    w.created(
        "api_token.create",
        "api_token",
        id,
        json!({"account_id": account_id, "label": label,
               "expires_on": limits.expires_on, "scope": limits.scope.as_stored()}),
    )?;
    notify::tell(
        w,
        notifier,
        account_id,
        &notify::Event::TokenCreated { label },
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
