//! What an account holder is told of changes to their sign-in: a new
//! password, a new API token, a second factor added or removed, a recovery
//! code used, and an address that guessed their password until it had to
//! wait. Written in the holder's language; the application sets the
//! [`Notifier`] that queues it as a message (shown in the app and e-mailed).

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::store;
use crate::AppState;
use crate::db::Work;
use crate::i18n::{Lang, Msg};
use crate::msg;
use crate::web::AppError;

/// A notice ready to queue.
#[derive(Debug, Clone)]
pub struct SecurityNotice {
    /// The account it is for.
    pub account_id: i64,
    /// Its e-mail.
    pub to_email: String,
    /// Subject, in the holder's language.
    pub subject: String,
    /// Plain text, in the holder's language.
    pub body: String,
    /// One message per event.
    pub dedupe_key: String,
}

/// Queues a notice; set by the application.
#[derive(Debug, Clone, Copy)]
pub struct Notifier(pub fn(&Connection, &SecurityNotice, DateTime<Utc>) -> rusqlite::Result<()>);

impl Notifier {
    /// The notifier of `state`; without one, notices are dropped.
    pub fn of(state: &AppState) -> Notifier {
        state
            .services
            .get::<Notifier>()
            .map_or(Notifier(|_, _, _| Ok(())), |n| *n)
    }
}

/// What happened.
#[derive(Debug, Clone)]
pub enum Event {
    /// The password was changed (by the holder or an administrator).
    PasswordChanged,
    /// An API token was made.
    TokenCreated {
        /// What it is for.
        label: String,
    },
    /// A second factor was set up.
    SecondFactorAdded,
    /// The second factor was removed.
    SecondFactorRemoved,
    /// A recovery code was used to sign in.
    RecoveryCodeUsed {
        /// Codes left.
        left: i64,
    },
    /// An address guessed the password until it had to wait.
    Throttled {
        /// The address.
        address: String,
    },
}

impl Event {
    fn name(&self) -> &'static str {
        match self {
            Event::PasswordChanged => "password",
            Event::TokenCreated { .. } => "token",
            Event::SecondFactorAdded => "totp_added",
            Event::SecondFactorRemoved => "totp_removed",
            Event::RecoveryCodeUsed { .. } => "recovery_used",
            Event::Throttled { .. } => "throttled",
        }
    }

    fn texts(&self) -> (Msg, Msg) {
        match self {
            Event::PasswordChanged => (
                msg!("security.subject_password"),
                msg!("security.body_password"),
            ),
            Event::TokenCreated { label } => (
                msg!("security.subject_token"),
                msg!("security.body_token", label = label.as_str()),
            ),
            Event::SecondFactorAdded => (
                msg!("security.subject_totp_added"),
                msg!("security.body_totp_added"),
            ),
            Event::SecondFactorRemoved => (
                msg!("security.subject_totp_removed"),
                msg!("security.body_totp_removed"),
            ),
            Event::RecoveryCodeUsed { left } => (
                msg!("security.subject_recovery_used"),
                msg!("security.body_recovery_used", left = *left),
            ),
            Event::Throttled { address } => (
                msg!("security.subject_throttled"),
                msg!("security.body_throttled", address = address.as_str()),
            ),
        }
    }
}

/// Tells the holder of `account_id` of `event`, in their language. A
/// throttled address is told once a day per address; every other event
/// once each.
pub fn tell(w: &Work, notifier: Notifier, account_id: i64, event: &Event) -> Result<(), AppError> {
    let Some(account) = store::account(w, account_id)? else {
        return Ok(());
    };
    let lang = account
        .language
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default();
    let (subject, body) = event.texts();
    let when = crate::clock::local_display(&crate::clock::stamp(w.now()));
    let body = format!(
        "{}\n\n{}\n\n{}",
        msg!("security.greeting", name = account.name.as_str()).render(lang),
        body.render(lang),
        msg!("security.footer", when = when.as_str()).render(lang)
    );
    let key = match event {
        Event::Throttled { address } => format!(
            "security:{account_id}:throttled:{address}:{}",
            w.now().date_naive()
        ),
        other => format!(
            "security:{account_id}:{}:{}",
            other.name(),
            crate::clock::stamp(w.now())
        ),
    };
    let notice = SecurityNotice {
        account_id,
        to_email: account.email,
        subject: subject.render(lang),
        body,
        dedupe_key: key,
    };
    (notifier.0)(w, &notice, w.now())?;
    Ok(())
}
