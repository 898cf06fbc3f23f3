//! Delivery of the outbox over SMTP with lettre.
//!
//! One message at a time: send it, then record the outcome in its own small
//! transaction. A crash between the two re-sends at most the message that was
//! in flight; nothing is marked sent that the server did not accept.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::store;
use crate::clock::Clock;
use crate::config::MailSettings;
use crate::db::{Db, DbError};

/// How long one SMTP exchange may take before it counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Unsent messages older than this are left to the app: a reminder that could
/// not be e-mailed for two weeks has been overtaken by the next one, and a
/// newly configured server should not receive months of backlog.
pub const MAX_AGE_DAYS: i64 = 14;

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The recipient's address is not a valid mailbox.
    #[error("recipient address: {0}")]
    Address(String),
    /// The message could not be built.
    #[error("message: {0}")]
    Build(String),
    /// The SMTP server could not be reached or refused the message.
    #[error("smtp: {0}")]
    Smtp(String),
}

/// Sends plain-text messages through the configured SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `settings` (already validated when the configuration was read).
    pub fn new(settings: &MailSettings) -> Result<Mailer, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.url())
            .map_err(|e| MailError::Smtp(e.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Mailer {
            transport,
            from: settings.from().clone(),
        })
    }

    /// Sends one plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
        let to: Mailbox = to
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::Address(e.to_string()))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| MailError::Build(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map_err(|e| MailError::Smtp(e.to_string()))?;
        Ok(())
    }
}

/// What one delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Accepted by the server.
    pub sent: usize,
    /// Failed; tried again on the next run.
    pub failed: usize,
}

/// Sends every unsent message queued in the last [`MAX_AGE_DAYS`] days, oldest
/// first, recording each outcome as soon as it is known.
pub async fn deliver_pending(
    db: &Db,
    mailer: &Mailer,
    clock: &dyn Clock,
) -> Result<Delivered, DbError> {
    let since = clock.now() - chrono::Duration::days(MAX_AGE_DAYS);
    let ids = db
        .read(move |c| store::unsent_ids(c, since).map_err(DbError::from))
        .await?;
    let mut done = Delivered::default();
    for id in ids {
        let Some(m) = db
            .read(move |c| store::message(c, id).map_err(DbError::from))
            .await?
        else {
            continue;
        };
        // Another run (the CLI beside the server) may have sent it meanwhile.
        if m.sent_at.is_some() {
            continue;
        }
        match mailer.send(&m.to_email, &m.subject, &m.body).await {
            Ok(()) => {
                let now = clock.now();
                db.write(move |tx| store::mark_sent(tx, id, now).map_err(DbError::from))
                    .await?;
                done.sent += 1;
            }
            Err(e) => {
                tracing::warn!(message_id = id, error = %e, "could not e-mail message");
                let text = e.to_string();
                db.write(move |tx| store::mark_failed(tx, id, &text).map_err(DbError::from))
                    .await?;
                done.failed += 1;
            }
        }
    }
    Ok(done)
}
