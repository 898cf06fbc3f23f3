//! The e-mails the course changes queue in the outbox: an offering or a
//! session cancelled, a lecturer confirmed, declined or withdrawn, a place
//! from the waitlist. Each is written in its recipient's language (the
//! account's choice, else Swedish), from catalogue keys; the actions call
//! these inside their unit of work, so a notice goes out only with its change.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::model::enrolment::{self, Status};
use super::model::{self, SignupStatus, stockholm_display};
use super::store::{self, SessionLine, Signup};
use crate::i18n::{Lang, Msg};
use crate::mail::store::{self as outbox, Kind, NewMessage, recipient_lang};
use crate::msg;

/// Whom a notice is for.
struct To<'a> {
    person: Option<i64>,
    account: Option<i64>,
    email: &'a str,
}

/// Queues one notice of `kind` to `to`, its subject and body written by
/// `text` in the recipient's language. False when one with `dedupe_key` was
/// queued before.
fn queue(
    conn: &Connection,
    kind: Kind,
    dedupe_key: String,
    to: To<'_>,
    now: DateTime<Utc>,
    text: impl FnOnce(Lang) -> (Msg, Msg),
) -> rusqlite::Result<bool> {
    let lang = recipient_lang(conn, to.account, to.person)?;
    let (subject, body) = text(lang);
    outbox::queue(
        conn,
        &NewMessage {
            kind,
            dedupe_key,
            recipient_person_id: to.person,
            recipient_account_id: to.account,
            to_email: to.email.to_string(),
            subject: subject.render(lang),
            body: body.render(lang),
        },
        now,
    )
}

/// Tells the lecturers confirmed for any of `o`'s sessions that it is
/// cancelled, and their sessions with it.
pub fn offering_cancelled_to_lecturers(
    conn: &Connection,
    o: &model::Offering,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    for (account, email) in store::confirmed_lecturers(conn, o.id)? {
        let to = To {
            person: None,
            account: Some(account),
            email: &email,
        };
        queue(
            conn,
            Kind::OfferingCancelled,
            format!("offering_cancelled:{}:lecturer:{account}", o.id),
            to,
            now,
            |lang| {
                let (code, title) = (o.course_code.as_str(), o.title(lang));
                (
                    msg!("courses.mail_offering_cancelled_subject", code, title),
                    msg!(
                        "courses.mail_offering_cancelled_lecturer",
                        code,
                        title,
                        from = o.starts_on,
                        to = o.ends_on
                    ),
                )
            },
        )?;
    }
    Ok(())
}

/// Tells everyone enrolled or waitlisted on a cancelled offering; returns
/// how many were queued. Safe to call twice: each message has its own
/// dedupe key.
pub fn offering_cancelled_to_participants(
    conn: &Connection,
    offering_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let Some(o) = store::enrolment::offering(conn, offering_id)? else {
        return Ok(0);
    };
    let mut queued = 0;
    for (enrolment_id, person_id, email, status) in
        store::enrolment::live_enrolments(conn, offering_id)?
    {
        let to = To {
            person: Some(person_id),
            account: None,
            email: &email,
        };
        let fresh = queue(
            conn,
            Kind::OfferingCancelled,
            format!("offering_cancelled:{offering_id}:enrolment:{enrolment_id}"),
            to,
            now,
            |lang| {
                let (code, title) = (o.code.as_str(), o.title(lang));
                let was = Msg::new(if status == Status::Waitlisted {
                    "enrolment.mail_you_were_waitlisted"
                } else {
                    "enrolment.mail_you_were_enrolled"
                });
                (
                    msg!("courses.mail_offering_cancelled_subject", code, title),
                    msg!(
                        "enrolment.mail_offering_cancelled",
                        code,
                        title,
                        from = o.starts_on,
                        to = o.ends_on,
                        was
                    ),
                )
            },
        )?;
        if fresh {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Tells a cancelled session's confirmed lecturers (they need not come) and
/// the offering's enrolled participants (the rest of the offering stands).
pub fn session_cancelled(
    conn: &Connection,
    line: &SessionLine,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let session = &line.session;
    for r in store::session_audience(conn, session.id, session.offering_id)? {
        let to = To {
            person: r.person_id,
            account: r.account_id,
            email: &r.email,
        };
        queue(
            conn,
            Kind::SessionCancelled,
            format!("session_cancelled:{}:{}", session.id, r.who),
            to,
            now,
            |lang| {
                let what = line.describe(lang);
                let then = Msg::new(if r.lecturer {
                    "courses.mail_session_cancelled_lecturer"
                } else {
                    "courses.mail_session_cancelled_participant"
                });
                (
                    msg!("courses.mail_session_cancelled_subject", session = &what),
                    msg!("courses.mail_session_cancelled", session = what, then),
                )
            },
        )?;
    }
    Ok(())
}

/// Tells the offering's coordinators that a lecturer withdrew (`was` is
/// what the sign-up was). `event` makes the key unique per withdrawal.
pub fn lecturer_withdrew(
    conn: &Connection,
    signup: &Signup,
    was: SignupStatus,
    line: &SessionLine,
    event: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let updated = crate::clock::stamp(now);
    for (coordinator, _, email) in store::coordinators(conn, line.session.offering_id)? {
        let to = To {
            person: None,
            account: Some(coordinator),
            email: &email,
        };
        queue(
            conn,
            Kind::LecturerWithdrawn,
            format!(
                "lecturer_withdrawn:{}:{updated}:{event}:{coordinator}",
                signup.id
            ),
            to,
            now,
            |lang| {
                let what = line.describe(lang);
                (
                    msg!("courses.mail_withdrawn_subject", session = &what),
                    msg!(
                        "courses.mail_withdrawn",
                        name = &signup.name,
                        was = Msg::new(was.label_key()),
                        session = what
                    ),
                )
            },
        )?;
    }
    Ok(())
}

/// Tells a lecturer they are confirmed for a session, or not needed.
/// `event` makes the key unique per decision.
pub fn lecturer_decided(
    conn: &Connection,
    signup: &Signup,
    confirmed: bool,
    line: &SessionLine,
    event: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let kind = if confirmed {
        Kind::LecturerConfirmed
    } else {
        Kind::LecturerDeclined
    };
    let to = To {
        person: None,
        account: Some(signup.account_id),
        email: &signup.email,
    };
    queue(
        conn,
        kind,
        format!(
            "{}:{}:{}:{event}",
            kind.as_str(),
            signup.id,
            crate::clock::stamp(now)
        ),
        to,
        now,
        |lang| {
            let session = line.describe(lang);
            let (end, place) = (stockholm_display(line.session.ends_at), line.place());
            if confirmed {
                (
                    msg!("courses.mail_confirmed_subject", session = &session),
                    msg!("courses.mail_confirmed", session, end, place),
                )
            } else {
                (
                    msg!("courses.mail_declined_subject", session = &session),
                    msg!("courses.mail_declined", session, end, place),
                )
            }
        },
    )?;
    Ok(())
}

/// Tells a person moved from the waitlist to a place on `o`.
pub fn promoted(
    conn: &Connection,
    o: &enrolment::Offering,
    enrolment_id: i64,
    person_id: i64,
    email: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let to = To {
        person: Some(person_id),
        account: None,
        email,
    };
    queue(
        conn,
        Kind::EnrolmentPromoted,
        format!("enrolment_promoted:{enrolment_id}"),
        to,
        now,
        |lang| {
            let (code, title) = (o.code.as_str(), o.title(lang));
            (
                msg!("enrolment.mail_promoted_subject", code, title),
                msg!(
                    "enrolment.mail_promoted",
                    code,
                    title,
                    from = o.starts_on,
                    to = o.ends_on,
                    place = &o.place
                ),
            )
        },
    )?;
    Ok(())
}
