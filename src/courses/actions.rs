//! The course writes as units of work: each checks its rules inside the write
//! transaction, records its audit row and queues its notices there too, so
//! pages and the API share one implementation and nothing is half-written.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};
use serde_json::{Value, json};

use super::model::{
    self, CourseInput, OfferingInput, OfferingStatus, Session, SessionInput, SignupStatus,
    stockholm_display,
};
use super::store::{self, SessionLine, Signup};
use crate::audit::store::{self as audit, Actor, Entry};
use crate::mail::store::{self as outbox, Kind, NewMessage};
use crate::web::AppError;

/// Who acts, and when.
#[derive(Debug, Clone)]
pub struct By {
    /// For the audit row.
    pub actor: Actor,
    /// The clock's reading.
    pub now: DateTime<Utc>,
}

impl By {
    fn record(
        &self,
        tx: &Transaction,
        action: &str,
        entity: &str,
        id: i64,
        before: Option<Value>,
        after: Value,
    ) -> Result<(), AppError> {
        audit::record(
            tx,
            &self.actor,
            self.now,
            Entry {
                action,
                entity,
                entity_id: Some(id.to_string()),
                before,
                after: Some(after),
            },
        )?;
        Ok(())
    }
}

fn licence_id(tx: &Transaction, c: &CourseInput) -> Result<Option<i64>, AppError> {
    match &c.licence {
        Some(code) => store::licence_type_id(tx, code)?.map(Some).ok_or_else(|| {
            AppError::unprocessable(
                "licence",
                format!("no licence type has the code {code:?} / ingen behörighetstyp har koden"),
            )
        }),
        None => Ok(None),
    }
}

/// A duplicate code answers 409 naming it.
fn duplicate_code(e: rusqlite::Error) -> AppError {
    match AppError::conflict_on_unique(e) {
        AppError::Duplicate { .. } => AppError::Conflict(
            "code: another course has this code / en annan kurs har denna kod".into(),
        ),
        other => other,
    }
}

/// Creates a course. 422 for an unknown licence code, 409 for a taken code.
pub fn create_course(tx: &Transaction, by: &By, c: &CourseInput) -> Result<i64, AppError> {
    let licence = licence_id(tx, c)?;
    let id = store::create_course(tx, c, licence, by.now).map_err(duplicate_code)?;
    by.record(tx, "course.create", "course", id, None, json!(c))?;
    Ok(id)
}

/// Changes a course.
pub fn update_course(tx: &Transaction, by: &By, id: i64, c: &CourseInput) -> Result<(), AppError> {
    let before = store::get_course(tx, id)?.ok_or(AppError::NotFound)?;
    let licence = licence_id(tx, c)?;
    store::update_course(tx, id, c, licence).map_err(duplicate_code)?;
    by.record(
        tx,
        "course.update",
        "course",
        id,
        Some(json!(before)),
        json!(c),
    )
}

fn course_id(tx: &Transaction, code: &str) -> Result<i64, AppError> {
    Ok(store::course_by_code(tx, code)?
        .ok_or_else(|| {
            AppError::unprocessable(
                "course",
                format!("no course has the code {code:?} / ingen kurs har koden"),
            )
        })?
        .id)
}

/// Creates an offering, planned or open. 422 for an unknown course code.
pub fn create_offering(
    tx: &Transaction,
    by: &By,
    o: &OfferingInput,
    status: OfferingStatus,
) -> Result<i64, AppError> {
    if !matches!(status, OfferingStatus::Planned | OfferingStatus::Open) {
        return Err(AppError::unprocessable(
            "status",
            "a new offering is planned or open / ett nytt tillfälle är planerat eller öppet",
        ));
    }
    let course = course_id(tx, &o.course)?;
    let id = store::create_offering(tx, course, o, status, by.actor.account_id, by.now)?;
    by.record(
        tx,
        "offering.create",
        "offering",
        id,
        None,
        json!({"offering": o, "status": status}),
    )?;
    Ok(id)
}

fn live_offering(tx: &Transaction, id: i64) -> Result<model::Offering, AppError> {
    let o = store::get_offering(tx, id)?.ok_or(AppError::NotFound)?;
    if !o.status.is_live() {
        return Err(AppError::unprocessable(
            "status",
            "the offering is cancelled or completed / tillfället är inställt eller avslutat",
        ));
    }
    Ok(o)
}

/// Changes an offering's course, dates, place and numbers.
pub fn update_offering(
    tx: &Transaction,
    by: &By,
    id: i64,
    o: &OfferingInput,
) -> Result<(), AppError> {
    let before = live_offering(tx, id)?;
    let course = course_id(tx, &o.course)?;
    store::update_offering(tx, id, course, o)?;
    by.record(
        tx,
        "offering.update",
        "offering",
        id,
        Some(json!(before)),
        json!(o),
    )?;
    // More places: the waitlist moves up now, in the same transaction.
    super::enrolment::on_capacity_changed(tx, id, &by.actor, by.now)?;
    Ok(())
}

fn swedish_status(s: OfferingStatus) -> &'static str {
    crate::i18n::Lang::Sv.t(s.label_key())
}

/// Moves an offering along planned → open → completed, or cancels it. A
/// cancellation tells the confirmed lecturers and, through the enrolment
/// part, everyone enrolled or waitlisted.
pub fn change_status(
    tx: &Transaction,
    by: &By,
    id: i64,
    next: OfferingStatus,
) -> Result<(), AppError> {
    let o = store::get_offering(tx, id)?.ok_or(AppError::NotFound)?;
    if o.status == next {
        return Ok(());
    }
    if !o.status.may_become(next) {
        return Err(AppError::unprocessable(
            "status",
            format!(
                "an offering that is {} cannot become {} / ett tillfälle som är {} kan inte bli {}",
                o.status.as_str(),
                next.as_str(),
                swedish_status(o.status),
                swedish_status(next)
            ),
        ));
    }
    if next == OfferingStatus::Cancelled {
        store::cancel_offering(tx, id)?;
        notify_lecturers_of_cancellation(tx, by, &o)?;
        // The enrolment part tells participants and the waitlist.
        super::enrolment::on_offering_cancelled(tx, id, by.now)?;
    } else {
        store::set_offering_status(tx, id, next)?;
    }
    by.record(
        tx,
        "offering.status",
        "offering",
        id,
        Some(json!({"status": o.status})),
        json!({"status": next}),
    )
}

fn notify_lecturers_of_cancellation(
    tx: &Transaction,
    by: &By,
    o: &model::Offering,
) -> Result<(), AppError> {
    let lecturers: Vec<(i64, String)> = tx
        .prepare_cached(
            "SELECT DISTINCT a.id, a.email FROM lecturer_signup u
             JOIN course_session s ON s.id = u.session_id JOIN account a ON a.id = u.account_id
             WHERE s.offering_id = ?1 AND u.status = 'confirmed' ORDER BY a.id",
        )?
        .query_map([o.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (account, email) in lecturers {
        outbox::queue(
            tx,
            &NewMessage {
                kind: Kind::OfferingCancelled,
                dedupe_key: format!("offering_cancelled:{}:lecturer:{account}", o.id),
                recipient_person_id: None,
                recipient_account_id: Some(account),
                to_email: email,
                subject: format!(
                    "Inställt: {} {} / Cancelled: {} {}",
                    o.course_code, o.title_sv, o.course_code, o.title_en
                ),
                body: format!(
                    "Kurstillfället {code} {tsv} {from}–{to} är inställt. Dina bekräftade föreläsningar utgår.\n\n\
                     The offering {code} {ten} from {from} to {to} is cancelled, and with it the sessions you were confirmed for.\n",
                    code = o.course_code,
                    tsv = o.title_sv,
                    ten = o.title_en,
                    from = o.starts_on,
                    to = o.ends_on,
                ),
            },
            by.now,
        )?;
    }
    Ok(())
}

/// Adds a session to a live offering.
pub fn add_session(
    tx: &Transaction,
    by: &By,
    offering_id: i64,
    s: &SessionInput,
) -> Result<i64, AppError> {
    live_offering(tx, offering_id)?;
    let id = store::create_session(tx, offering_id, s)?;
    by.record(tx, "session.create", "course_session", id, None, json!(s))?;
    Ok(id)
}

fn live_session(tx: &Transaction, id: i64) -> Result<Session, AppError> {
    let s = store::get_session(tx, id)?.ok_or(AppError::NotFound)?;
    live_offering(tx, s.offering_id)?;
    if s.cancelled_at.is_some() {
        return Err(AppError::unprocessable(
            "session",
            "the session is cancelled / passet är inställt",
        ));
    }
    Ok(s)
}

/// Changes a session (its SEQUENCE moves on). Needing fewer lecturers than
/// are confirmed is refused: someone would have to be told first.
pub fn edit_session(tx: &Transaction, by: &By, id: i64, s: &SessionInput) -> Result<(), AppError> {
    let before = live_session(tx, id)?;
    if s.lecturers_needed < before.confirmed {
        return Err(AppError::unprocessable(
            "lecturers_needed",
            format!(
                "{} lecturers are confirmed / {} föreläsare är bekräftade",
                before.confirmed, before.confirmed
            ),
        ));
    }
    // Moving the session must not put a confirmed lecturer in two places.
    for signup in store::signups_for_session(tx, id)?
        .iter()
        .filter(|u| u.status == SignupStatus::Confirmed)
    {
        not_confirmed_elsewhere(tx, signup, s.starts_at, s.ends_at, "starts_at")?;
    }
    store::update_session(tx, id, s)?;
    by.record(
        tx,
        "session.update",
        "course_session",
        id,
        Some(json!(before)),
        json!(s),
    )
}

/// Refuses (422 on `field`) when the sign-up's lecturer is confirmed for
/// another live session overlapping `starts_at`..`ends_at`: a lecturer must
/// not be confirmed for two sessions at the same time.
fn not_confirmed_elsewhere(
    tx: &Transaction,
    signup: &Signup,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    field: &'static str,
) -> Result<(), AppError> {
    match store::overlapping_signup(
        tx,
        signup.account_id,
        signup.session_id,
        starts_at,
        ends_at,
        &[SignupStatus::Confirmed],
    )? {
        Some(other) => Err(AppError::unprocessable(
            field,
            format!(
                "{name} is confirmed for {what} at the same time / {name} är bekräftad för {what} samtidigt",
                name = signup.name,
                what = describe(&other),
            ),
        )),
        None => Ok(()),
    }
}

/// Cancels a session.
pub fn cancel_session(tx: &Transaction, by: &By, id: i64) -> Result<i64, AppError> {
    let before = live_session(tx, id)?;
    let line = session_line(tx, id)?;
    store::cancel_session(tx, id, by.now)?;
    by.record(
        tx,
        "session.cancel",
        "course_session",
        id,
        Some(json!(before)),
        json!({"cancelled_at": crate::clock::stamp(by.now)}),
    )?;
    notify_of_session_cancellation(tx, by, &line)?;
    Ok(before.offering_id)
}

/// Tells a cancelled session's confirmed lecturers (they need not come) and
/// the offering's enrolled participants (the rest of the offering stands).
fn notify_of_session_cancellation(
    tx: &Transaction,
    by: &By,
    line: &SessionLine,
) -> Result<(), AppError> {
    /// Who is told: a dedupe part, the person or account, the address, and
    /// whether they were to teach.
    struct Recipient {
        who: String,
        person: Option<i64>,
        account: Option<i64>,
        email: String,
        lecturer: bool,
    }
    let session = &line.session;
    let recipients: Vec<Recipient> = tx
        .prepare_cached(
            "SELECT 'lecturer:' || a.id, NULL, a.id, a.email, 1 FROM lecturer_signup u
             JOIN account a ON a.id = u.account_id
             WHERE u.session_id = ?1 AND u.status = 'confirmed'
             UNION ALL
             SELECT 'enrolment:' || e.id, p.id, NULL, p.email, 0 FROM enrolment e
             JOIN person p ON p.id = e.person_id
             WHERE e.offering_id = ?2 AND e.status = 'enrolled'
             ORDER BY 1",
        )?
        .query_map(params![session.id, session.offering_id], |r| {
            Ok(Recipient {
                who: r.get(0)?,
                person: r.get(1)?,
                account: r.get(2)?,
                email: r.get(3)?,
                lecturer: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let what = describe(line);
    for Recipient {
        who,
        person,
        account,
        email,
        lecturer,
    } in recipients
    {
        let (sv, en) = if lecturer {
            (
                "Du var bekräftad som föreläsare och behöver inte komma.",
                "You were confirmed as its lecturer and need not come.",
            )
        } else {
            (
                "Kursens övriga pass blir av som planerat.",
                "The course's other sessions go ahead as planned.",
            )
        };
        outbox::queue(
            tx,
            &NewMessage {
                kind: Kind::SessionCancelled,
                dedupe_key: format!("session_cancelled:{}:{who}", session.id),
                recipient_person_id: person,
                recipient_account_id: account,
                to_email: email,
                subject: format!("Inställt pass / Session cancelled: {what}"),
                body: format!(
                    "Passet {what} är inställt. {sv}\n\nThe session {what} is cancelled. {en}\n"
                ),
            },
            by.now,
        )?;
    }
    Ok(())
}

/// How a session reads in messages and refusals: course, topic, local time.
pub fn describe(line: &SessionLine) -> String {
    format!(
        "{} {} – {} {}",
        line.course_code,
        line.title_sv,
        line.session.topic,
        stockholm_display(line.session.starts_at)
    )
}

fn session_line(tx: &Transaction, session_id: i64) -> Result<SessionLine, AppError> {
    store::session_line(tx, session_id)?.ok_or(AppError::NotFound)
}

/// What volunteering did.
#[derive(Debug, Clone)]
pub struct Volunteered {
    /// The sign-up.
    pub signup_id: i64,
    /// A session at the same time the lecturer already volunteered or is
    /// confirmed for: allowed, but worth a warning.
    pub overlapping: Option<SessionLine>,
}

/// Volunteers a lecturer for a session that has not started. Volunteering
/// again while volunteered or confirmed changes nothing.
pub fn volunteer(
    tx: &Transaction,
    by: &By,
    session_id: i64,
    account_id: i64,
    note: Option<&str>,
) -> Result<Volunteered, AppError> {
    let s = live_session(tx, session_id)?;
    if s.starts_at <= by.now {
        return Err(AppError::unprocessable(
            "session",
            "the session has started / passet har börjat",
        ));
    }
    let overlapping = store::overlapping_signup(
        tx,
        account_id,
        session_id,
        s.starts_at,
        s.ends_at,
        &[SignupStatus::Volunteered, SignupStatus::Confirmed],
    )?;
    if let Some(existing) = store::signup_of(tx, session_id, account_id)?
        && existing.status.is_active()
    {
        return Ok(Volunteered {
            signup_id: existing.id,
            overlapping,
        });
    }
    let id = store::volunteer(tx, session_id, account_id, note, by.now)?;
    by.record(
        tx,
        "signup.volunteer",
        "lecturer_signup",
        id,
        None,
        json!({"session_id": session_id, "account_id": account_id, "note": note}),
    )?;
    Ok(Volunteered {
        signup_id: id,
        overlapping,
    })
}

/// Withdraws a lecturer's offer; the offering's coordinators are told.
pub fn withdraw(
    tx: &Transaction,
    by: &By,
    session_id: i64,
    account_id: i64,
) -> Result<i64, AppError> {
    let signup = store::signup_of(tx, session_id, account_id)?.ok_or(AppError::NotFound)?;
    if !signup.status.is_active() {
        return Ok(signup.id);
    }
    // What was taught stays in the teaching record.
    let session = store::get_session(tx, session_id)?.ok_or(AppError::NotFound)?;
    if session.starts_at <= by.now {
        return Err(AppError::unprocessable(
            "session",
            "the session has started / passet har börjat",
        ));
    }
    store::set_signup_status(tx, signup.id, SignupStatus::Withdrawn, None, by.now)?;
    by.record(
        tx,
        "signup.withdraw",
        "lecturer_signup",
        signup.id,
        Some(json!({"status": signup.status})),
        json!({"status": SignupStatus::Withdrawn}),
    )?;
    // The audit row's id makes the key unique per event, even when a
    // lecturer withdraws, volunteers and withdraws again within a second.
    let event = tx.last_insert_rowid();
    let line = session_line(tx, session_id)?;
    let updated = crate::clock::stamp(by.now);
    for (coordinator, _, email) in store::coordinators(tx, line.session.offering_id)? {
        outbox::queue(
            tx,
            &NewMessage {
                kind: Kind::LecturerWithdrawn,
                dedupe_key: format!(
                    "lecturer_withdrawn:{}:{updated}:{event}:{coordinator}",
                    signup.id
                ),
                recipient_person_id: None,
                recipient_account_id: Some(coordinator),
                to_email: email,
                subject: format!(
                    "Föreläsare har lämnat återbud / A lecturer withdrew: {}",
                    describe(&line)
                ),
                body: format!(
                    "{name} ({was_sv}) har dragit tillbaka sitt åtagande för {what}.\n\n\
                     {name} ({was_en}) withdrew from {what}.\n",
                    name = signup.name,
                    was_sv = if signup.status == SignupStatus::Confirmed {
                        "bekräftad"
                    } else {
                        "anmäld"
                    },
                    was_en = signup.status.as_str(),
                    what = describe(&line),
                ),
            },
            by.now,
        )?;
    }
    Ok(signup.id)
}

/// Confirms or declines a volunteer. Confirming is refused when the session
/// has all the lecturers it needs, or when the lecturer is confirmed for
/// another session at the same time; both are checked here, inside the write
/// transaction, so two confirmations cannot race past them.
pub fn decide(
    tx: &Transaction,
    by: &By,
    signup_id: i64,
    confirm: bool,
) -> Result<Signup, AppError> {
    let signup = store::get_signup(tx, signup_id)?.ok_or(AppError::NotFound)?;
    let next = if confirm {
        SignupStatus::Confirmed
    } else {
        SignupStatus::Declined
    };
    if signup.status == next {
        return Ok(signup);
    }
    if signup.status == SignupStatus::Withdrawn {
        return Err(AppError::unprocessable(
            "status",
            "the lecturer has withdrawn / föreläsaren har dragit sig ur",
        ));
    }
    let session = live_session(tx, signup.session_id)?;
    if confirm {
        if !model::may_confirm_another(session.confirmed, session.lecturers_needed) {
            return Err(AppError::unprocessable(
                "status",
                format!(
                    "the session needs {} lecturers and has them / passet behöver {} föreläsare och har dem",
                    session.lecturers_needed, session.lecturers_needed
                ),
            ));
        }
        not_confirmed_elsewhere(tx, &signup, session.starts_at, session.ends_at, "status")?;
    }
    store::set_signup_status(tx, signup.id, next, by.actor.account_id, by.now)?;
    by.record(
        tx,
        if confirm {
            "signup.confirm"
        } else {
            "signup.decline"
        },
        "lecturer_signup",
        signup.id,
        Some(json!({"status": signup.status})),
        json!({"status": next}),
    )?;
    let event = tx.last_insert_rowid();
    let line = session_line(tx, session.id)?;
    let (kind, sv, en) = if confirm {
        (
            Kind::LecturerConfirmed,
            "Du är bekräftad som föreläsare för",
            "You are confirmed as lecturer for",
        )
    } else {
        (
            Kind::LecturerDeclined,
            "Tack för ditt erbjudande. Vi behöver dig inte för",
            "Thank you for your offer. We do not need you for",
        )
    };
    let place = line
        .session
        .place
        .clone()
        .unwrap_or_else(|| line.offering_place.clone());
    outbox::queue(
        tx,
        &NewMessage {
            kind,
            dedupe_key: format!(
                "{}:{}:{}:{event}",
                kind.as_str(),
                signup.id,
                crate::clock::stamp(by.now)
            ),
            recipient_person_id: None,
            recipient_account_id: Some(signup.account_id),
            to_email: signup.email.clone(),
            subject: format!(
                "{} / {}: {}",
                if confirm {
                    "Bekräftad"
                } else {
                    "Inte bekräftad"
                },
                if confirm { "Confirmed" } else { "Declined" },
                describe(&line)
            ),
            body: format!(
                "{sv} {what}, {end_sv} ({place}).\n\n{en} {what}, {end_en} ({place}).\n",
                what = describe(&line),
                end_sv = format_args!("till {}", stockholm_display(line.session.ends_at)),
                end_en = format_args!("until {}", stockholm_display(line.session.ends_at)),
            ),
        },
        by.now,
    )?;
    Ok(Signup {
        status: next,
        ..signup
    })
}
