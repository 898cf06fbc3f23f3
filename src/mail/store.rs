//! The outbox in SQLite: queueing with a dedupe key, the queue of unsent
//! messages, delivery outcomes, and the lists the pages show.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::clock::stamp;
use crate::i18n::Lang;

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A licence crossed a warning threshold.
    LicenceWarning,
    /// A licence expired.
    LicenceExpired,
    /// A manager's weekly list of expiring and expired people.
    ManagerDigest,
    /// A lecturer was confirmed for a session.
    LecturerConfirmed,
    /// A lecturer's offer for a session was declined.
    LecturerDeclined,
    /// A lecturer withdrew from a session (to its coordinators).
    LecturerWithdrawn,
    /// A place freed up and a waitlisted person was enrolled.
    EnrolmentPromoted,
    /// An offering was cancelled (to everyone enrolled, waitlisted or confirmed).
    OfferingCancelled,
    /// One session was cancelled (to its confirmed lecturers and the
    /// offering's participants).
    SessionCancelled,
    /// A manager's or coordinator's reminder to one person about a licence.
    ManagerReminder,
    /// A change to the account's sign-in (a new password, second factor or
    /// API token, a throttled address), to its holder.
    SecurityNotice,
    /// A council action past its due day, to its responsible person.
    CouncilActionOverdue,
    /// A consultation document not yet answered, days before the internal
    /// deadline, to the people answering it.
    ConsultationReminder,
    /// A consultation round's compiled answer, to every participant.
    ConsultationShared,
}

impl Kind {
    /// Every kind, in the order filters list them.
    pub const ALL: [Kind; 14] = [
        Kind::LicenceWarning,
        Kind::LicenceExpired,
        Kind::ManagerDigest,
        Kind::LecturerConfirmed,
        Kind::LecturerDeclined,
        Kind::LecturerWithdrawn,
        Kind::EnrolmentPromoted,
        Kind::OfferingCancelled,
        Kind::SessionCancelled,
        Kind::ManagerReminder,
        Kind::SecurityNotice,
        Kind::CouncilActionOverdue,
        Kind::ConsultationReminder,
        Kind::ConsultationShared,
    ];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::LicenceWarning => "licence_warning",
            Kind::LicenceExpired => "licence_expired",
            Kind::ManagerDigest => "manager_digest",
            Kind::LecturerConfirmed => "lecturer_confirmed",
            Kind::LecturerDeclined => "lecturer_declined",
            Kind::LecturerWithdrawn => "lecturer_withdrawn",
            Kind::EnrolmentPromoted => "enrolment_promoted",
            Kind::OfferingCancelled => "offering_cancelled",
            Kind::SessionCancelled => "session_cancelled",
            Kind::ManagerReminder => "manager_reminder",
            Kind::SecurityNotice => "security_notice",
            Kind::CouncilActionOverdue => "council_action_overdue",
            Kind::ConsultationReminder => "consultation_reminder",
            Kind::ConsultationShared => "consultation_shared",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// Catalogue key of the kind's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Kind::LicenceWarning => "messages.kind_licence_warning",
            Kind::LicenceExpired => "messages.kind_licence_expired",
            Kind::ManagerDigest => "messages.kind_manager_digest",
            Kind::LecturerConfirmed => "messages.kind_lecturer_confirmed",
            Kind::LecturerDeclined => "messages.kind_lecturer_declined",
            Kind::LecturerWithdrawn => "messages.kind_lecturer_withdrawn",
            Kind::EnrolmentPromoted => "messages.kind_enrolment_promoted",
            Kind::OfferingCancelled => "messages.kind_offering_cancelled",
            Kind::SessionCancelled => "messages.kind_session_cancelled",
            Kind::ManagerReminder => "messages.kind_manager_reminder",
            Kind::SecurityNotice => "messages.kind_security_notice",
            Kind::CouncilActionOverdue => "messages.kind_council_action_overdue",
            Kind::ConsultationReminder => "messages.kind_consultation_reminder",
            Kind::ConsultationShared => "messages.kind_consultation_shared",
        }
    }
}

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// What it is about.
    pub kind: Kind,
    /// Unique per message ever meant; a second insert with the key is ignored.
    pub dedupe_key: String,
    /// The person it is for (licence reminders).
    pub recipient_person_id: Option<i64>,
    /// The account it is for (manager digests).
    pub recipient_account_id: Option<i64>,
    /// Where it is e-mailed.
    pub to_email: String,
    /// Subject line.
    pub subject: String,
    /// Plain text, in the recipient's language ([`recipient_lang`]).
    pub body: String,
}

/// The language a message to this recipient is written in: the account's
/// chosen language, else that of an account linked to the person, else
/// Swedish.
pub fn recipient_lang(
    conn: &Connection,
    account_id: Option<i64>,
    person_id: Option<i64>,
) -> rusqlite::Result<Lang> {
    let chosen: Option<String> = conn
        .prepare_cached(
            "SELECT language FROM account
             WHERE language IS NOT NULL AND (id = ?1 OR person_id = ?2)
             ORDER BY id = ?1 DESC, id LIMIT 1",
        )?
        .query_row(params![account_id, person_id], |r| r.get(0))
        .optional()?;
    Ok(chosen.as_deref().and_then(Lang::parse).unwrap_or_default())
}

/// Queues a message unless one with its dedupe key exists. True when queued.
pub fn queue(conn: &Connection, m: &NewMessage, now: DateTime<Utc>) -> rusqlite::Result<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO outbox (kind, dedupe_key, recipient_person_id, recipient_account_id,
                to_email, subject, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            m.kind.as_str(),
            m.dedupe_key,
            m.recipient_person_id,
            m.recipient_account_id,
            m.to_email,
            m.subject,
            m.body,
            stamp(now)
        ])?;
    Ok(inserted == 1)
}

/// True when a message with this dedupe key exists.
pub fn exists(conn: &Connection, dedupe_key: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM outbox WHERE dedupe_key = ?1)")?
        .query_row([dedupe_key], |r| r.get(0))
}

/// Every dedupe key that starts with `prefix`. A range on the key's unique
/// index rather than `LIKE`, which SQLite would answer with a full scan.
pub fn keys_with_prefix(conn: &Connection, prefix: &str) -> rusqlite::Result<Vec<String>> {
    // Keys are ASCII; U+10FFFF sorts after every character a key can hold.
    let end = format!("{prefix}\u{10FFFF}");
    conn.prepare_cached(
        "SELECT dedupe_key FROM outbox WHERE dedupe_key >= ?1 AND dedupe_key < ?2 ORDER BY dedupe_key",
    )?
    .query_map(params![prefix, end], |r| r.get(0))?
    .collect()
}

/// A stored message.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// Id.
    pub id: i64,
    /// What it is about.
    pub kind: Kind,
    /// Its dedupe key.
    pub dedupe_key: String,
    /// The person it is for.
    pub recipient_person_id: Option<i64>,
    /// The account it is for.
    pub recipient_account_id: Option<i64>,
    /// Where it is e-mailed.
    pub to_email: String,
    /// Subject line.
    pub subject: String,
    /// Plain text body.
    pub body: String,
    /// When queued (UTC).
    pub created_at: String,
    /// When an SMTP server accepted it (UTC).
    pub sent_at: Option<String>,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

fn message_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    let kind: String = r.get("kind")?;
    Ok(Message {
        id: r.get("id")?,
        kind: Kind::parse(&kind).unwrap_or(Kind::LicenceWarning),
        dedupe_key: r.get("dedupe_key")?,
        recipient_person_id: r.get("recipient_person_id")?,
        recipient_account_id: r.get("recipient_account_id")?,
        to_email: r.get("to_email")?,
        subject: r.get("subject")?,
        body: r.get("body")?,
        created_at: r.get("created_at")?,
        sent_at: r.get("sent_at")?,
        attempts: r.get("attempts")?,
        last_error: r.get("last_error")?,
    })
}

/// One message by id.
pub fn message(conn: &Connection, id: i64) -> rusqlite::Result<Option<Message>> {
    rusqlite::OptionalExtension::optional(
        conn.prepare_cached("SELECT * FROM outbox WHERE id = ?1")?
            .query_row([id], message_from_row),
    )
}

/// Ids of unsent messages queued at or after `since`, oldest first.
pub fn unsent_ids(conn: &Connection, since: DateTime<Utc>) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached(
        "SELECT id FROM outbox WHERE sent_at IS NULL AND created_at >= ?1 ORDER BY created_at, id",
    )?
    .query_map([stamp(since)], |r| r.get(0))?
    .collect()
}

/// Records that an SMTP server accepted the message.
pub fn mark_sent(conn: &Connection, id: i64, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE outbox SET sent_at = ?2, attempts = attempts + 1, last_error = NULL
         WHERE id = ?1 AND sent_at IS NULL",
    )?
    .execute(params![id, stamp(now)])?;
    Ok(())
}

/// Records a failed attempt; the next delivery run tries again.
pub fn mark_failed(conn: &Connection, id: i64, error: &str) -> rusqlite::Result<()> {
    // Error texts from servers can be long; the start says what happened.
    let error: String = error.chars().take(500).collect();
    conn.prepare_cached(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1 AND sent_at IS NULL",
    )?
    .execute(params![id, error])?;
    Ok(())
}

/// The messages of one user: those to their person record and those to their
/// account, newest first, with the total.
pub fn for_recipient(
    conn: &Connection,
    person_id: Option<i64>,
    account_id: i64,
    limit: u32,
    offset: u32,
) -> rusqlite::Result<(Vec<Message>, i64)> {
    const WHERE: &str = "(recipient_person_id = ?1 OR recipient_account_id = ?2)";
    let total = conn.query_row(
        &format!("SELECT count(*) FROM outbox WHERE {WHERE}"),
        params![person_id, account_id],
        |r| r.get(0),
    )?;
    let rows = conn
        .prepare_cached(&format!(
            "SELECT * FROM outbox WHERE {WHERE} ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4"
        ))?
        .query_map(
            params![person_id, account_id, limit, offset],
            message_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, total))
}

/// Delivery state, for the administrators' filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Accepted by the SMTP server.
    Sent,
    /// Not sent, and no attempt failed (no SMTP configured, or not yet tried).
    Unsent,
    /// Not sent; the last attempt failed.
    Failed,
}

impl Delivery {
    /// Every state, in the order filters list them.
    pub const ALL: [Delivery; 3] = [Delivery::Sent, Delivery::Unsent, Delivery::Failed];

    /// Query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Sent => "sent",
            Delivery::Unsent => "unsent",
            Delivery::Failed => "failed",
        }
    }

    /// Parses a query value.
    pub fn parse(s: &str) -> Option<Delivery> {
        Delivery::ALL.into_iter().find(|d| d.as_str() == s.trim())
    }

    /// The state of a message.
    pub fn of(m: &Message) -> Delivery {
        match (&m.sent_at, &m.last_error) {
            (Some(_), _) => Delivery::Sent,
            (None, Some(_)) => Delivery::Failed,
            (None, None) => Delivery::Unsent,
        }
    }

    /// Catalogue key.
    pub fn label_key(self) -> &'static str {
        match self {
            Delivery::Sent => "messages.sent",
            Delivery::Unsent => "messages.unsent",
            Delivery::Failed => "messages.failed",
        }
    }
}

/// What the administrators' outbox list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    /// One kind.
    pub kind: Option<Kind>,
    /// One delivery state.
    pub delivery: Option<Delivery>,
    /// Part of the recipient's e-mail or the subject.
    pub text: String,
}

/// Every message the filter matches, newest first, with the total.
pub fn search(
    conn: &Connection,
    f: &OutboxFilter,
    limit: u32,
    offset: u32,
) -> rusqlite::Result<(Vec<Message>, i64)> {
    const WHERE: &str = "(?1 IS NULL OR kind = ?1)
        AND (?2 IS NULL
             OR (?2 = 'sent' AND sent_at IS NOT NULL)
             OR (?2 = 'unsent' AND sent_at IS NULL AND last_error IS NULL)
             OR (?2 = 'failed' AND sent_at IS NULL AND last_error IS NOT NULL))
        AND (?3 = '' OR instr(casefold(to_email), casefold(?3)) > 0 OR instr(casefold(subject), casefold(?3)) > 0)";
    let kind = f.kind.map(Kind::as_str);
    let delivery = f.delivery.map(Delivery::as_str);
    let text = f.text.trim();
    let total = conn.query_row(
        &format!("SELECT count(*) FROM outbox WHERE {WHERE}"),
        params![kind, delivery, text],
        |r| r.get(0),
    )?;
    let rows = conn
        .prepare_cached(&format!(
            "SELECT * FROM outbox WHERE {WHERE} ORDER BY created_at DESC, id DESC LIMIT ?4 OFFSET ?5"
        ))?
        .query_map(params![kind, delivery, text, limit, offset], message_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh database with one person (id 1) and three accounts: 1 chose
    /// English, 2 chose nothing, 3 is linked to the person and chose English.
    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = crate::db::open_connection(&dir.path().join("m.db"), &Default::default())
            .expect("open");
        conn.execute_batch(
            "INSERT INTO region (id, name) VALUES (1, 'Region Halland');
             INSERT INTO administration (id, region_id, name) VALUES (1, 1, 'Hallands sjukhus');
             INSERT INTO unit (id, administration_id, code, name) VALUES (1, 1, 'ONK1', 'Onkologi');
             INSERT INTO person (id, name, email, profession, unit_id, created_at)
                 VALUES (1, 'Åsa Öberg', 'asa@example.se', 'nurse', 1, '2026-01-01T00:00:00Z'),
                        (2, 'Per Ek', 'per@example.se', 'nurse', 1, '2026-01-01T00:00:00Z');
             INSERT INTO account (id, email, name, person_id, password_hash, language, created_at) VALUES
                 (1, 'chef@example.se', 'Chef', NULL, 'x', 'en', '2026-01-01T00:00:00Z'),
                 (2, 'tyst@example.se', 'Tyst', NULL, 'x', NULL, '2026-01-01T00:00:00Z'),
                 (3, 'asa@example.se', 'Åsa Öberg', 1, 'x', 'en', '2026-01-01T00:00:00Z');",
        )
        .expect("rows");
        (dir, conn)
    }

    #[test]
    fn a_message_is_written_in_the_language_its_recipient_chose() {
        let (_dir, conn) = db();
        let lang = |account, person| recipient_lang(&conn, account, person).expect("lang");
        assert_eq!(lang(Some(1), None), Lang::En, "the account's choice");
        assert_eq!(lang(Some(2), None), Lang::Sv, "no choice: Swedish");
        assert_eq!(
            lang(None, Some(1)),
            Lang::En,
            "the person's account's choice"
        );
        assert_eq!(lang(None, Some(2)), Lang::Sv, "a person without an account");
        assert_eq!(lang(None, None), Lang::Sv);
        assert_eq!(lang(Some(99), None), Lang::Sv, "an account that is gone");
        conn.execute("UPDATE account SET language = 'sv' WHERE id = 1", [])
            .expect("update");
        assert_eq!(
            lang(Some(1), Some(1)),
            Lang::Sv,
            "the account's own choice before the person's other account"
        );
        assert_eq!(
            lang(Some(2), Some(1)),
            Lang::En,
            "an account without a choice falls back to the person's"
        );
    }
}
