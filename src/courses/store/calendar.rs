//! Calendar feeds in SQLite: the sessions a feed holds, and the
//! subscription links (only a token's hash is kept).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::auth::store::{new_token, token_hash};
use crate::clock::stamp;
use crate::courses::calendar::{Feed, FeedLink, SessionEvent};

/// The sessions of a feed, in time order.
pub fn sessions(conn: &Connection, feed: Feed) -> rusqlite::Result<Vec<SessionEvent>> {
    let filter = match feed {
        Feed::Offering(_) => "o.id = ?1",
        Feed::Lecturer(_) => {
            "EXISTS (SELECT 1 FROM lecturer_signup l WHERE l.session_id = s.id AND l.account_id = ?1 AND l.status = 'confirmed')"
        }
        Feed::Person(_) => {
            "EXISTS (SELECT 1 FROM enrolment e WHERE e.offering_id = o.id AND e.person_id = ?1 AND e.status = 'enrolled')"
        }
    };
    let (_, subject) = feed.parts();
    conn.prepare_cached(&format!(
        "SELECT s.id, o.id, c.code, c.title_sv, c.title_en, s.topic, s.starts_at, s.ends_at,
            coalesce(s.place, o.place), s.sequence + o.sequence,
            s.cancelled_at IS NOT NULL OR o.status = 'cancelled'
         FROM course_session s JOIN offering o ON o.id = s.offering_id JOIN course c ON c.id = o.course_id
         WHERE {filter} ORDER BY s.starts_at, s.id"
    ))?
    .query_map([subject], |r| {
        let at = |i: usize| -> rusqlite::Result<DateTime<Utc>> {
            let s: String = r.get(i)?;
            Ok(DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default())
        };
        Ok(SessionEvent {
            session_id: r.get(0)?,
            offering_id: r.get(1)?,
            code: r.get(2)?,
            title_sv: r.get(3)?,
            title_en: r.get(4)?,
            topic: r.get(5)?,
            starts_at: at(6)?,
            ends_at: at(7)?,
            place: r.get(8)?,
            sequence: u32::try_from(r.get::<_, i64>(9)?).unwrap_or(0),
            cancelled: r.get(10)?,
        })
    })?
    .collect()
}

/// Makes a subscription link; returns its id and the token (shown once:
/// only its hash is kept).
pub fn create_feed(
    conn: &Connection,
    feed: Feed,
    by: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<(i64, String)> {
    let (kind, subject) = feed.parts();
    create_link(conn, kind, subject, by, now)
}

/// Makes a subscription link of any kind `calendar_feed` allows (the
/// councils make theirs too); returns its id and the token.
pub fn create_link(
    conn: &Connection,
    kind: &str,
    subject: i64,
    by: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<(i64, String)> {
    let token = new_token();
    conn.prepare_cached(
        "INSERT INTO calendar_feed (kind, subject_id, token_hash, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![kind, subject, token_hash(&token), stamp(now), by])?;
    Ok((conn.last_insert_rowid(), token))
}

/// The feed a token opens and the account that made it; `None` when
/// unknown or revoked, and while the account that made it could not make it
/// again: deactivated, no longer a lecturer (a lecturer feed), or no longer
/// that person (a person feed). A link lives on in calendar apps, so it
/// follows what its maker may see now.
pub fn feed_by_token(conn: &Connection, token: &str) -> rusqlite::Result<Option<(Feed, i64)>> {
    let row: Option<(String, i64, i64)> = conn
        .prepare_cached(
            "SELECT f.kind, f.subject_id, f.created_by FROM calendar_feed f JOIN account a ON a.id = f.created_by
             WHERE f.token_hash = ?1 AND f.revoked_at IS NULL AND a.active = 1
               AND (f.kind = 'offering'
                    OR (f.kind = 'lecturer' AND f.subject_id = a.id AND EXISTS (
                        SELECT 1 FROM account_role r WHERE r.account_id = a.id AND r.role = 'lecturer'))
                    OR (f.kind = 'person' AND f.subject_id = a.person_id))",
        )?
        .query_row([token_hash(token)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(row.and_then(|(k, id, by)| Feed::from_parts(&k, id).map(|f| (f, by))))
}

/// The live links an account made, newest first.
pub fn feeds_of(conn: &Connection, account_id: i64) -> rusqlite::Result<Vec<FeedLink>> {
    let rows: Vec<(i64, String, i64, String)> = conn
        .prepare_cached(
            "SELECT id, kind, subject_id, created_at FROM calendar_feed
             WHERE created_by = ?1 AND revoked_at IS NULL ORDER BY id DESC",
        )?
        .query_map([account_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, kind, subject, created_at)| {
            Feed::from_parts(&kind, subject).map(|feed| FeedLink {
                id,
                feed,
                created_at,
            })
        })
        .collect())
}

/// Revokes a link made by `account_id`; false when there is none to revoke.
pub fn revoke_feed(
    conn: &Connection,
    id: i64,
    account_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE calendar_feed SET revoked_at = ?3 WHERE id = ?1 AND created_by = ?2 AND revoked_at IS NULL",
        )?
        .execute(params![id, account_id, stamp(now)])?;
    Ok(n == 1)
}
