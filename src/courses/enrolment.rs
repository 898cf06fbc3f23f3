//! Enrolment on course offerings: who may enrol and when, the waitlist and its
//! promotion, cancelling, attendance and completion (which records the
//! licence a course grants), and the messages these send.
//!
//! The rules are pure functions at the top; the store functions below them
//! run inside the caller's transaction. Every enrolment decision is made in
//! `db.write` (one writer, `BEGIN IMMEDIATE`), so counting the places and
//! taking one cannot interleave with another request: no overbooking and no
//! double enrolment.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::model::OfferingStatus;
use super::store as courses;
use crate::audit::store::Actor;
use crate::clock::stamp;
use crate::licences::model::Part;
use crate::licences::renewals::RenewalOffer;
use crate::licences::store as licences;
use crate::mail::store::{self as outbox, Kind, NewMessage};
use crate::organisation::model::Profession;

// ---- Rules ----

/// Where an enrolment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = EnrolmentStatus)]
pub enum Status {
    /// Holds a place.
    Enrolled,
    /// Waits for a place.
    Waitlisted,
    /// Cancelled (kept for the record).
    Cancelled,
}

impl Status {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Enrolled => "enrolled",
            Status::Waitlisted => "waitlisted",
            Status::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "enrolled" => Some(Status::Enrolled),
            "waitlisted" => Some(Status::Waitlisted),
            "cancelled" => Some(Status::Cancelled),
            _ => None,
        }
    }

    /// Catalogue key of the name.
    pub fn label_key(self) -> &'static str {
        match self {
            Status::Enrolled => "enrolment.status_enrolled",
            Status::Waitlisted => "enrolment.status_waitlisted",
            Status::Cancelled => "enrolment.status_cancelled",
        }
    }
}

/// What enrolment needs to know about an offering.
#[derive(Debug, Clone, Serialize)]
pub struct Offering {
    /// Id.
    pub id: i64,
    /// The course.
    pub course_id: i64,
    /// Course code.
    pub code: String,
    /// Course title in Swedish.
    pub title_sv: String,
    /// Course title in English.
    pub title_en: String,
    /// Planned, open, cancelled or completed.
    pub status: OfferingStatus,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Room or "Teams".
    pub place: String,
    /// Places.
    pub capacity: i64,
    /// First day of enrolment.
    pub enrolment_opens: NaiveDate,
    /// Last day of enrolment.
    pub enrolment_closes: NaiveDate,
    /// Professions the course is for; empty means everyone.
    pub audience: Vec<Profession>,
    /// The licence type and part completing the course records.
    pub grants: Option<(i64, Part)>,
    /// The offering's iCalendar SEQUENCE.
    pub sequence: i64,
}

impl Offering {
    /// The course title in `lang`.
    pub fn title(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Sv => &self.title_sv,
            crate::i18n::Lang::En => &self.title_en,
        }
    }
}

/// Why an enrolment is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The offering is cancelled.
    Cancelled,
    /// The offering is not open for enrolment (planned or completed).
    NotOpen,
    /// Enrolment opens later.
    NotYetOpen,
    /// Enrolment has closed.
    Closed,
    /// The course is not for the person's profession.
    Audience,
    /// The person already holds a place or a waitlist place.
    AlreadyEnrolled,
    /// The person no longer works here.
    Left,
}

impl Refusal {
    /// Catalogue key of the reason.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::Cancelled => "enrolment.refused_cancelled",
            Refusal::NotOpen => "enrolment.refused_not_open",
            Refusal::NotYetOpen => "enrolment.refused_not_yet_open",
            Refusal::Closed => "enrolment.refused_closed",
            Refusal::Audience => "enrolment.refused_audience",
            Refusal::AlreadyEnrolled => "enrolment.refused_already",
            Refusal::Left => "enrolment.refused_left",
        }
    }

    /// Short machine-readable code (the API's `reason`).
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Cancelled => "cancelled",
            Refusal::NotOpen => "not_open",
            Refusal::NotYetOpen => "not_yet_open",
            Refusal::Closed => "closed",
            Refusal::Audience => "audience",
            Refusal::AlreadyEnrolled => "already_enrolled",
            Refusal::Left => "left",
        }
    }
}

/// Whether a person of `profession` may enrol on `o` on `today` (the
/// waitlist is not a refusal: a full offering still takes enrolments).
pub fn eligibility(o: &Offering, profession: Profession, today: NaiveDate) -> Result<(), Refusal> {
    open_for_enrolment(o, today)?;
    if !o.audience.is_empty() && !o.audience.contains(&profession) {
        return Err(Refusal::Audience);
    }
    Ok(())
}

/// People who have left (their first day away is `left_on`) are not enrolled.
pub fn still_employed(left_on: Option<NaiveDate>, today: NaiveDate) -> Result<(), Refusal> {
    match left_on {
        Some(l) if l <= today => Err(Refusal::Left),
        _ => Ok(()),
    }
}

/// Whether `o` takes enrolments on `today`, whoever asks.
pub fn open_for_enrolment(o: &Offering, today: NaiveDate) -> Result<(), Refusal> {
    match o.status {
        OfferingStatus::Cancelled => return Err(Refusal::Cancelled),
        OfferingStatus::Open => {}
        OfferingStatus::Planned | OfferingStatus::Completed => return Err(Refusal::NotOpen),
    }
    if today < o.enrolment_opens {
        return Err(Refusal::NotYetOpen);
    }
    if today > o.enrolment_closes {
        return Err(Refusal::Closed);
    }
    Ok(())
}

/// Where a new enrolment goes when `enrolled` places of `capacity` are taken.
pub fn placement(enrolled: i64, capacity: i64) -> Status {
    if enrolled < capacity {
        Status::Enrolled
    } else {
        Status::Waitlisted
    }
}

/// How many of `waiting` people get a place when `enrolled` of `capacity`
/// are taken: the free places, never more than are waiting.
pub fn promotions(enrolled: i64, capacity: i64, waiting: usize) -> usize {
    usize::try_from((capacity - enrolled).max(0))
        .unwrap_or(0)
        .min(waiting)
}

/// An enrolment can be cancelled until the offering starts.
pub fn may_cancel(starts_on: NaiveDate, today: NaiveDate) -> bool {
    starts_on > today
}

/// The completion date: the chosen one, else the offering's last day; never
/// in the future.
pub fn completion_date(
    chosen: Option<NaiveDate>,
    ends_on: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, &'static str> {
    let on = chosen.unwrap_or(ends_on);
    if on > today {
        Err("enrolment.completed_on_future")
    } else {
        Ok(on)
    }
}

// ---- Store ----

/// One offering as enrolment sees it: the catalogue's offering with its
/// course's audience and the licence it grants.
pub fn offering(conn: &Connection, id: i64) -> rusqlite::Result<Option<Offering>> {
    let Some(o) = courses::get_offering(conn, id)? else {
        return Ok(None);
    };
    let Some(c) = courses::get_course(conn, o.course_id)? else {
        return Ok(None);
    };
    Ok(Some(Offering {
        id: o.id,
        course_id: o.course_id,
        code: o.course_code,
        title_sv: o.title_sv,
        title_en: o.title_en,
        status: o.status,
        starts_on: o.starts_on,
        ends_on: o.ends_on,
        place: o.place,
        capacity: i64::from(o.capacity),
        enrolment_opens: o.enrolment_opens,
        enrolment_closes: o.enrolment_closes,
        audience: c.audience,
        grants: c.licence_type_id.zip(c.part),
        sequence: i64::from(o.sequence),
    }))
}

/// The offerings of these ids, in the same order.
fn offerings(conn: &Connection, ids: Vec<i64>) -> rusqlite::Result<Vec<Offering>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(offering(conn, id)?);
    }
    Ok(out)
}

/// The first `limit` offerings open for enrolment on `today`, soonest first.
pub fn open_offerings(
    conn: &Connection,
    today: NaiveDate,
    limit: u32,
) -> rusqlite::Result<Vec<Offering>> {
    let ids = conn
        .prepare_cached(
            "SELECT id FROM offering WHERE status = 'open' AND enrolment_opens <= ?1 AND enrolment_closes >= ?1
             ORDER BY starts_on, id LIMIT ?2",
        )?
        .query_map(params![today.to_string(), limit], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    offerings(conn, ids)
}

/// Upcoming offerings that renew a licence: open offerings of courses
/// granting `licence_type_id` that start after `today` and still take
/// enrolments, soonest first, with their places taken.
pub fn renewing_offerings(
    conn: &Connection,
    licence_type_id: i64,
    today: NaiveDate,
    limit: u32,
) -> rusqlite::Result<Vec<(Offering, Counts)>> {
    let ids = conn
        .prepare_cached(
            "SELECT o.id FROM offering o JOIN course c ON c.id = o.course_id
             WHERE c.licence_type_id = ?1 AND o.status = 'open' AND o.starts_on > ?2 AND o.enrolment_closes >= ?2
             ORDER BY o.starts_on, o.id LIMIT ?3",
        )?
        .query_map(params![licence_type_id, today.to_string(), limit], |r| {
            r.get(0)
        })?
        .collect::<rusqlite::Result<_>>()?;
    offerings(conn, ids)?
        .into_iter()
        .map(|o| counts(conn, o.id).map(|c| (o, c)))
        .collect()
}

/// For each of `licence_type_ids`, the next three offerings that renew it
/// (see [`renewing_offerings`]): the licence page's
/// [`RenewalFinder`](crate::licences::renewals::RenewalFinder).
pub fn renewal_offers(
    conn: &Connection,
    licence_type_ids: &[i64],
    today: NaiveDate,
) -> rusqlite::Result<std::collections::HashMap<i64, Vec<RenewalOffer>>> {
    licence_type_ids
        .iter()
        .map(|t| {
            let offers = renewing_offerings(conn, *t, today, 3)?
                .into_iter()
                .map(|(o, c)| RenewalOffer {
                    offering_id: o.id,
                    places_left: (o.capacity - c.enrolled).max(0),
                    code: o.code,
                    title_sv: o.title_sv,
                    title_en: o.title_en,
                    starts_on: o.starts_on,
                    ends_on: o.ends_on,
                    place: o.place,
                })
                .collect();
            Ok((*t, offers))
        })
        .collect()
}

/// Places taken and people waiting.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    /// Enrolled.
    pub enrolled: i64,
    /// Waitlisted.
    pub waitlisted: i64,
}

/// How many are enrolled and waitlisted on an offering.
pub fn counts(conn: &Connection, offering_id: i64) -> rusqlite::Result<Counts> {
    let (enrolled, waitlisted) = courses::enrolment_counts(conn, offering_id)?;
    Ok(Counts {
        enrolled: i64::from(enrolled),
        waitlisted: i64::from(waitlisted),
    })
}

/// One enrolment.
#[derive(Debug, Clone, Serialize)]
pub struct Enrolment {
    /// Id.
    pub id: i64,
    /// The offering.
    pub offering_id: i64,
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// Their e-mail.
    pub email: String,
    /// Their HSA-id.
    pub hsa_id: Option<String>,
    /// Their unit's code.
    pub unit_code: String,
    /// Their unit (for managers' scope).
    pub unit_id: i64,
    /// Where it stands.
    pub status: Status,
    /// Place in the waitlist (1 = next), when waitlisted.
    pub position: Option<i64>,
    /// When it joined the queue (UTC).
    pub queued_at: String,
    /// When it got a place (UTC).
    pub enrolled_at: Option<String>,
    /// When cancelled (UTC).
    pub cancelled_at: Option<String>,
    /// Attendance as marked; `None` until marked.
    pub attended: Option<bool>,
    /// When completed.
    pub completed_on: Option<String>,
    /// The licence completion the completion recorded.
    pub licence_completion_id: Option<i64>,
}

const ENROLMENT_COLUMNS: &str = "SELECT e.id, e.offering_id, e.person_id, p.name, p.email, p.hsa_id, u.code, p.unit_id,
        e.status, e.queued_at, e.enrolled_at, e.cancelled_at, e.attended, e.completed_on, e.licence_completion_id";

const ENROLMENT_FROM: &str =
    "FROM enrolment e JOIN person p ON p.id = e.person_id JOIN unit u ON u.id = p.unit_id";

/// The waitlist position of one row: those queued before it, and itself.
const POSITION: &str = "CASE WHEN e.status = 'waitlisted' THEN
        (SELECT count(*) FROM enrolment w WHERE w.offering_id = e.offering_id AND w.status = 'waitlisted'
         AND (w.queued_at < e.queued_at OR (w.queued_at = e.queued_at AND w.id <= e.id)))
    END";

fn enrolment_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Enrolment> {
    let status: String = r.get(8)?;
    Ok(Enrolment {
        id: r.get(0)?,
        offering_id: r.get(1)?,
        person_id: r.get(2)?,
        name: r.get(3)?,
        email: r.get(4)?,
        hsa_id: r.get(5)?,
        unit_code: r.get(6)?,
        unit_id: r.get(7)?,
        status: Status::parse(&status).unwrap_or(Status::Cancelled),
        queued_at: r.get(9)?,
        enrolled_at: r.get(10)?,
        cancelled_at: r.get(11)?,
        attended: r.get(12)?,
        completed_on: r.get(13)?,
        licence_completion_id: r.get(14)?,
        position: r.get(15)?,
    })
}

/// One enrolment by id.
pub fn enrolment(conn: &Connection, id: i64) -> rusqlite::Result<Option<Enrolment>> {
    conn.prepare_cached(&format!(
        "{ENROLMENT_COLUMNS}, {POSITION} {ENROLMENT_FROM} WHERE e.id = ?1"
    ))?
    .query_row([id], enrolment_from_row)
    .optional()
}

/// Everyone on an offering: enrolled by name, then the waitlist in order,
/// then the cancelled.
pub fn participants(conn: &Connection, offering_id: i64) -> rusqlite::Result<Vec<Enrolment>> {
    // The waitlist positions come from one ordered pass rather than the
    // per-row count of `POSITION`, which is quadratic in its length.
    let mut rows: Vec<Enrolment> = conn
        .prepare_cached(&format!(
            "{ENROLMENT_COLUMNS}, NULL {ENROLMENT_FROM} WHERE e.offering_id = ?1
             ORDER BY CASE e.status WHEN 'enrolled' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END,
                CASE WHEN e.status = 'waitlisted' THEN e.queued_at END, CASE WHEN e.status = 'waitlisted' THEN e.id END,
                p.name COLLATE swedish, e.id"
        ))?
        .query_map([offering_id], enrolment_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    let mut next = 0;
    for e in &mut rows {
        if e.status == Status::Waitlisted {
            next += 1;
            e.position = Some(next);
        }
    }
    Ok(rows)
}

/// A person's live enrolments with their offerings, soonest first.
pub fn person_enrolments(
    conn: &Connection,
    person_id: i64,
) -> rusqlite::Result<Vec<(Enrolment, Offering)>> {
    let ids: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT e.id, e.offering_id FROM enrolment e JOIN offering o ON o.id = e.offering_id
             WHERE e.person_id = ?1 AND e.status <> 'cancelled' ORDER BY o.starts_on DESC, e.id",
        )?
        .query_map([person_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (eid, oid) in ids {
        if let (Some(e), Some(o)) = (enrolment(conn, eid)?, offering(conn, oid)?) {
            out.push((e, o));
        }
    }
    Ok(out)
}

/// A new enrolment's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Placed {
    /// The enrolment.
    pub enrolment_id: i64,
    /// Enrolled or waitlisted.
    pub status: Status,
    /// Place in the waitlist, when waitlisted.
    pub position: Option<i64>,
}

/// Enrols a person (or puts them on the waitlist when the offering is full).
/// Run it inside `db.write`: the count and the insert must not interleave
/// with another enrolment. Unknown people answer `QueryReturnedNoRows`.
pub fn enrol(
    conn: &Connection,
    o: &Offering,
    person_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> rusqlite::Result<Result<Placed, Refusal>> {
    let (profession, left_on): (String, Option<String>) = conn
        .prepare_cached("SELECT profession, left_on FROM person WHERE id = ?1")?
        .query_row([person_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let left_on = left_on.as_deref().and_then(crate::check::date);
    if let Err(r) = still_employed(left_on, today).and_then(|()| {
        eligibility(
            o,
            Profession::parse(&profession).unwrap_or(Profession::Other),
            today,
        )
    }) {
        return Ok(Err(r));
    }
    let live: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM enrolment WHERE offering_id = ?1 AND person_id = ?2 AND status <> 'cancelled')",
        )?
        .query_row(params![o.id, person_id], |r| r.get(0))?;
    if live {
        return Ok(Err(Refusal::AlreadyEnrolled));
    }
    // Places freed without a promotion (a raised capacity) go to those
    // already waiting, never to the newcomer.
    promote(conn, o, actor, now, ("capacity", o.capacity))?;
    let c = counts(conn, o.id)?;
    let status = placement(c.enrolled, o.capacity);
    let at = stamp(now);
    let inserted = conn
        .prepare_cached(
            "INSERT INTO enrolment (offering_id, person_id, status, queued_at, enrolled_at, enrolled_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            o.id,
            person_id,
            status.as_str(),
            at,
            (status == Status::Enrolled).then_some(&at),
            actor.account_id
        ]);
    match inserted {
        Ok(_) => {}
        // The partial unique index is the last guard against a double enrolment.
        Err(e) if crate::db::is_unique_violation(&e) => return Ok(Err(Refusal::AlreadyEnrolled)),
        Err(e) => return Err(e),
    }
    let id = conn.last_insert_rowid();
    Ok(Ok(Placed {
        enrolment_id: id,
        status,
        position: (status == Status::Waitlisted).then_some(c.waitlisted + 1),
    }))
}

/// Why a cancellation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelRefusal {
    /// Already cancelled.
    AlreadyCancelled,
    /// The offering has started.
    Started,
}

impl CancelRefusal {
    /// Catalogue key of the reason.
    pub fn key(self) -> &'static str {
        match self {
            CancelRefusal::AlreadyCancelled => "enrolment.cancel_already",
            CancelRefusal::Started => "enrolment.cancel_started",
        }
    }
}

/// Cancels an enrolment; when it held a place, the first on the waitlist is
/// promoted in the same transaction. Returns the promoted enrolments.
pub fn cancel(
    conn: &Connection,
    e: &Enrolment,
    o: &Offering,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> rusqlite::Result<Result<Vec<i64>, CancelRefusal>> {
    if e.status == Status::Cancelled {
        return Ok(Err(CancelRefusal::AlreadyCancelled));
    }
    if !may_cancel(o.starts_on, today) {
        return Ok(Err(CancelRefusal::Started));
    }
    conn.prepare_cached(
        "UPDATE enrolment SET status = 'cancelled', cancelled_at = ?2 WHERE id = ?1 AND status <> 'cancelled'",
    )?
    .execute(params![e.id, stamp(now)])?;
    if e.status == Status::Enrolled && o.status != OfferingStatus::Cancelled {
        return promote(conn, o, actor, now, ("freed_by", e.id)).map(Ok);
    }
    Ok(Ok(Vec::new()))
}

/// Fills free places from the waitlist in order (`queued_at`, then id),
/// queues a message to each promoted person and records an audit row for
/// each, naming what freed the place (`("freed_by", enrolment)` or
/// `("capacity", places)`). Call it after anything that frees a place: a
/// cancellation, or a raised capacity.
pub fn promote(
    conn: &Connection,
    o: &Offering,
    actor: &Actor,
    now: DateTime<Utc>,
    cause: (&str, i64),
) -> rusqlite::Result<Vec<i64>> {
    let c = counts(conn, o.id)?;
    let n = promotions(
        c.enrolled,
        o.capacity,
        usize::try_from(c.waitlisted).unwrap_or(0),
    );
    if n == 0 {
        return Ok(Vec::new());
    }
    let first: Vec<(i64, String, i64)> = conn
        .prepare_cached(
            "SELECT e.id, p.email, p.id FROM enrolment e JOIN person p ON p.id = e.person_id
             WHERE e.offering_id = ?1 AND e.status = 'waitlisted' ORDER BY e.queued_at, e.id LIMIT ?2",
        )?
        .query_map(params![o.id, i64::try_from(n).unwrap_or(i64::MAX)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let at = stamp(now);
    for (id, email, person_id) in &first {
        conn.prepare_cached(
            "UPDATE enrolment SET status = 'enrolled', enrolled_at = ?2 WHERE id = ?1",
        )?
        .execute(params![id, at])?;
        outbox::queue(
            conn,
            &NewMessage {
                kind: Kind::EnrolmentPromoted,
                dedupe_key: format!("enrolment_promoted:{id}"),
                recipient_person_id: Some(*person_id),
                recipient_account_id: None,
                to_email: email.clone(),
                subject: format!(
                    "Du har fått en plats: {} {} / You have a place: {} {}",
                    o.code, o.title_sv, o.code, o.title_en
                ),
                body: format!(
                    "En plats blev ledig och du är nu antagen till {code} {sv}, {from}–{to}, {place}.\n\n\
                     A place became free and you are now enrolled on {code} {en}, {from} to {to}, {place}.\n",
                    code = o.code,
                    sv = o.title_sv,
                    en = o.title_en,
                    from = o.starts_on,
                    to = o.ends_on,
                    place = o.place,
                ),
            },
            now,
        )?;
        let mut after = serde_json::Map::new();
        after.insert("status".into(), serde_json::json!(Status::Enrolled));
        after.insert(cause.0.into(), cause.1.into());
        crate::audit::store::record(
            conn,
            actor,
            now,
            crate::audit::store::Entry {
                action: "enrolment.promote",
                entity: "enrolment",
                entity_id: Some(id.to_string()),
                before: Some(serde_json::json!({"status": Status::Waitlisted})),
                after: Some(after.into()),
            },
        )?;
    }
    Ok(first.into_iter().map(|(id, _, _)| id).collect())
}

/// Fills the places a raised capacity freed from the waitlist, with an audit
/// row per promotion; returns the promoted enrolments. The catalogue's
/// offering edit calls it in its transaction after changing the capacity.
pub fn on_capacity_changed(
    tx: &rusqlite::Transaction<'_>,
    offering_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<i64>> {
    let Some(o) = offering(tx, offering_id)? else {
        return Ok(Vec::new());
    };
    if o.status == OfferingStatus::Cancelled {
        return Ok(Vec::new());
    }
    promote(tx, &o, actor, now, ("capacity", o.capacity))
}

/// Queues a message to everyone enrolled or waitlisted on a cancelled
/// offering; returns how many were queued. The catalogue's cancel action
/// calls it in its transaction (it tells the lecturers itself). Safe to call
/// twice: each message has its own dedupe key.
pub fn on_offering_cancelled(
    tx: &rusqlite::Transaction<'_>,
    offering_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let Some(o) = offering(tx, offering_id)? else {
        return Ok(0);
    };
    let people: Vec<(i64, i64, String, String)> = tx
        .prepare_cached(
            "SELECT e.id, p.id, p.email, e.status FROM enrolment e JOIN person p ON p.id = e.person_id
             WHERE e.offering_id = ?1 AND e.status <> 'cancelled' ORDER BY e.id",
        )?
        .query_map([offering_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut queued = 0;
    for (enrolment_id, person_id, email, status) in people {
        let (sv, en) = if status == "waitlisted" {
            ("Du stod på reservlistan", "You were on the waitlist")
        } else {
            ("Du var antagen", "You were enrolled")
        };
        let fresh = outbox::queue(
            tx,
            &NewMessage {
                kind: Kind::OfferingCancelled,
                dedupe_key: format!("offering_cancelled:{offering_id}:enrolment:{enrolment_id}"),
                recipient_person_id: Some(person_id),
                recipient_account_id: None,
                to_email: email,
                subject: format!(
                    "Inställt: {} {} / Cancelled: {} {}",
                    o.code, o.title_sv, o.code, o.title_en
                ),
                body: format!(
                    "Kurstillfället {code} {tsv} {from}–{to} är inställt. {sv}.\n\n\
                     The offering {code} {ten} from {from} to {to} is cancelled. {en}.\n",
                    code = o.code,
                    tsv = o.title_sv,
                    ten = o.title_en,
                    from = o.starts_on,
                    to = o.ends_on,
                ),
            },
            now,
        )?;
        if fresh {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Marks attendance (`None` clears the mark).
pub fn set_attended(
    conn: &Connection,
    enrolment_id: i64,
    attended: Option<bool>,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE enrolment SET attended = ?2 WHERE id = ?1")?
        .execute(params![enrolment_id, attended])?;
    Ok(())
}

/// Why a completion cannot be marked or undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionRefusal {
    /// Only enrolled participants of an offering that took place complete.
    NotEnrolled,
    /// Already completed.
    AlreadyCompleted,
    /// Not completed, nothing to undo.
    NotCompleted,
    /// The date is in the future.
    Future,
    /// Undoing needs a reason.
    NoReason,
}

impl CompletionRefusal {
    /// Catalogue key of the reason.
    pub fn key(self) -> &'static str {
        match self {
            CompletionRefusal::NotEnrolled => "enrolment.complete_not_enrolled",
            CompletionRefusal::AlreadyCompleted => "enrolment.complete_already",
            CompletionRefusal::NotCompleted => "enrolment.complete_not_completed",
            CompletionRefusal::Future => "enrolment.completed_on_future",
            CompletionRefusal::NoReason => "enrolment.undo_reason_required",
        }
    }
}

/// Marks an enrolment completed on `on` (the offering's last day when
/// `None`). When the course grants a licence, the licence completion is
/// recorded in the same transaction and linked. Returns its id, if any.
pub fn complete(
    conn: &Connection,
    e: &Enrolment,
    o: &Offering,
    on: Option<NaiveDate>,
    by: Option<i64>,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> rusqlite::Result<Result<Option<i64>, CompletionRefusal>> {
    if e.status != Status::Enrolled || o.status == OfferingStatus::Cancelled {
        return Ok(Err(CompletionRefusal::NotEnrolled));
    }
    if e.completed_on.is_some() {
        return Ok(Err(CompletionRefusal::AlreadyCompleted));
    }
    let Ok(on) = completion_date(on, o.ends_on, today) else {
        return Ok(Err(CompletionRefusal::Future));
    };
    let licence = match o.grants {
        Some((licence_type_id, part)) => Some(licences::record_offering_completion(
            conn,
            &licences::NewCompletion {
                person_id: e.person_id,
                licence_type_id,
                part,
                completed_on: on,
                signed_by: None,
                note: Some(format!("{} {}", o.code, o.starts_on)),
                source: "offering",
                import_batch_id: None,
            },
            o.id,
            by,
            now,
        )?),
        None => None,
    };
    conn.prepare_cached(
        "UPDATE enrolment SET completed_on = ?2, licence_completion_id = ?3,
            attended = coalesce(attended, 1) WHERE id = ?1",
    )?
    .execute(params![e.id, on.to_string(), licence])?;
    Ok(Ok(licence))
}

/// Undoes a completion: the enrolment is no longer completed, and the
/// licence completion it recorded is revoked with `reason` (never deleted).
pub fn undo_completion(
    conn: &Connection,
    e: &Enrolment,
    reason: &str,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<Result<(), CompletionRefusal>> {
    if e.completed_on.is_none() {
        return Ok(Err(CompletionRefusal::NotCompleted));
    }
    if reason.trim().is_empty() {
        return Ok(Err(CompletionRefusal::NoReason));
    }
    if let Some(cid) = e.licence_completion_id {
        // Already revoked elsewhere (on the person's licence page) is fine:
        // the enrolment still stops counting as completed.
        let _ = licences::revoke_completion(conn, cid, reason, by, now)?;
    }
    conn.prepare_cached(
        "UPDATE enrolment SET completed_on = NULL, licence_completion_id = NULL WHERE id = ?1",
    )?
    .execute([e.id])?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::date;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        date(s).expect("date")
    }

    fn offering_fixture() -> Offering {
        Offering {
            id: 1,
            course_id: 1,
            code: "CYT1".into(),
            title_sv: "Cytostatika".into(),
            title_en: "Cytotoxic drugs".into(),
            status: OfferingStatus::Open,
            starts_on: d("2026-04-10"),
            ends_on: d("2026-04-11"),
            place: "Sal 1".into(),
            capacity: 10,
            enrolment_opens: d("2026-03-01"),
            enrolment_closes: d("2026-03-31"),
            audience: vec![Profession::Nurse, Profession::AssistantNurse],
            grants: None,
            sequence: 0,
        }
    }

    #[test]
    fn enrolment_is_open_only_within_its_window_on_an_open_offering() {
        let o = offering_fixture();
        let nurse = Profession::Nurse;
        assert_eq!(eligibility(&o, nurse, d("2026-03-01")), Ok(()));
        assert_eq!(eligibility(&o, nurse, d("2026-03-31")), Ok(()));
        assert_eq!(
            eligibility(&o, nurse, d("2026-02-28")),
            Err(Refusal::NotYetOpen)
        );
        assert_eq!(
            eligibility(&o, nurse, d("2026-04-01")),
            Err(Refusal::Closed)
        );
        let planned = Offering {
            status: OfferingStatus::Planned,
            ..o.clone()
        };
        assert_eq!(
            eligibility(&planned, nurse, d("2026-03-10")),
            Err(Refusal::NotOpen)
        );
        let cancelled = Offering {
            status: OfferingStatus::Cancelled,
            ..o
        };
        assert_eq!(
            eligibility(&cancelled, nurse, d("2026-03-10")),
            Err(Refusal::Cancelled)
        );
    }

    #[test]
    fn the_audience_limits_professions_and_an_empty_one_takes_everyone() {
        let o = offering_fixture();
        assert_eq!(
            eligibility(&o, Profession::Physician, d("2026-03-10")),
            Err(Refusal::Audience)
        );
        let everyone = Offering {
            audience: Vec::new(),
            ..o
        };
        assert_eq!(
            eligibility(&everyone, Profession::Physician, d("2026-03-10")),
            Ok(())
        );
    }

    #[test]
    fn people_who_have_left_are_not_enrolled() {
        assert_eq!(still_employed(None, d("2026-03-10")), Ok(()));
        assert_eq!(
            still_employed(Some(d("2026-03-11")), d("2026-03-10")),
            Ok(())
        );
        assert_eq!(
            still_employed(Some(d("2026-03-10")), d("2026-03-10")),
            Err(Refusal::Left)
        );
    }

    #[test]
    fn cancelling_is_possible_until_the_first_day() {
        assert!(may_cancel(d("2026-04-10"), d("2026-04-09")));
        assert!(!may_cancel(d("2026-04-10"), d("2026-04-10")));
    }

    #[test]
    fn completion_defaults_to_the_last_day_and_is_never_in_the_future() {
        let ends = d("2026-04-11");
        assert_eq!(completion_date(None, ends, d("2026-04-20")), Ok(ends));
        assert!(completion_date(None, ends, d("2026-04-10")).is_err());
        assert_eq!(
            completion_date(Some(d("2026-04-10")), ends, d("2026-04-10")),
            Ok(d("2026-04-10"))
        );
    }

    proptest! {
        /// Enrolling one by one into an offering fills exactly its places
        /// and waitlists the rest; promotions then never overbook.
        #[test]
        fn places_never_exceed_capacity(capacity in 1i64..30, people in 0usize..80, cancels in 0usize..40) {
            let mut enrolled = 0i64;
            let mut waiting = 0usize;
            for _ in 0..people {
                match placement(enrolled, capacity) {
                    Status::Enrolled => enrolled += 1,
                    _ => waiting += 1,
                }
            }
            prop_assert_eq!(enrolled, capacity.min(people as i64));
            prop_assert_eq!(waiting, people - enrolled as usize);
            for _ in 0..cancels {
                if enrolled == 0 { break; }
                enrolled -= 1;
                let n = promotions(enrolled, capacity, waiting);
                prop_assert!(n <= 1);
                enrolled += n as i64;
                waiting -= n;
                prop_assert!(enrolled <= capacity);
                prop_assert!(waiting == 0 || enrolled == capacity);
            }
        }

        /// A raised capacity promotes exactly the new places, or everyone waiting.
        #[test]
        fn raised_capacity_promotes_the_new_places(capacity in 1i64..30, raise in 0i64..30, waiting in 0usize..50) {
            let n = promotions(capacity, capacity + raise, waiting);
            prop_assert_eq!(n, (raise as usize).min(waiting));
        }
    }
}
