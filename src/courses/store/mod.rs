//! Courses, offerings, sessions and lecturer sign-ups in SQLite: plain
//! synchronous functions on a connection or transaction, and the only place
//! of the domain that holds SQL. Enrolments are in [`enrolment`], calendar
//! feeds in [`calendar`].

pub mod calendar;
pub mod enrolment;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::model::{
    Course, CourseInput, Offering, OfferingInput, OfferingStatus, Purpose, Session, SessionInput,
    SignupStatus,
};
use crate::clock::stamp;
use crate::licences::model::Part;
use crate::organisation::model::Profession;

/// Reads a stored UTC timestamp; a damaged value reads as the epoch rather
/// than failing a whole list.
fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn day(s: &str) -> NaiveDate {
    crate::check::date(s).unwrap_or_default()
}

fn audience(conn: &Connection, course_id: i64) -> rusqlite::Result<Vec<Profession>> {
    conn.prepare_cached(
        "SELECT profession FROM course_audience WHERE course_id = ?1 ORDER BY profession",
    )?
    .query_map([course_id], |r| r.get::<_, String>(0))?
    .map(|p| p.map(|p| Profession::parse(&p)))
    .filter_map(|p| p.transpose())
    .collect()
}

const COURSE_COLUMNS: &str = "c.id, c.code, c.title_sv, c.title_en, c.syllabus, c.length_hours,
    c.licence_type_id, l.code, c.licence_part, c.active, c.purpose";

fn course_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Course> {
    let part: Option<String> = r.get(8)?;
    Ok(Course {
        id: r.get(0)?,
        code: r.get(1)?,
        title_sv: r.get(2)?,
        title_en: r.get(3)?,
        syllabus: r.get(4)?,
        length_hours: r.get(5)?,
        licence_type_id: r.get(6)?,
        licence: r.get(7)?,
        part: part.as_deref().and_then(Part::parse),
        active: r.get(9)?,
        purpose: Purpose::parse(&r.get::<_, String>(10)?).unwrap_or(Purpose::Any),
        audience: Vec::new(),
    })
}

/// A licence type's id by its code.
pub fn licence_type_id(conn: &Connection, code: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM licence_type WHERE code = ?1 COLLATE NOCASE")?
        .query_row([code.trim()], |r| r.get(0))
        .optional()
}

fn write_audience(conn: &Connection, id: i64, c: &CourseInput) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM course_audience WHERE course_id = ?1", [id])?;
    for p in &c.audience {
        conn.execute(
            "INSERT INTO course_audience (course_id, profession) VALUES (?1, ?2)",
            params![id, p.as_str()],
        )?;
    }
    Ok(())
}

/// Creates a course; `licence_type_id` is the looked-up licence. A duplicate
/// code is a UNIQUE violation for the caller to answer.
pub fn create_course(
    conn: &Connection,
    c: &CourseInput,
    licence_type_id: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO course (code, title_sv, title_en, syllabus, length_hours, licence_type_id,
            licence_part, active, created_at, purpose)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        c.code,
        c.title_sv,
        c.title_en,
        c.syllabus,
        c.length_hours,
        licence_type_id,
        licence_type_id.and(c.part.map(|p| p.as_str())),
        c.active,
        stamp(now),
        c.purpose.as_str()
    ])?;
    let id = conn.last_insert_rowid();
    write_audience(conn, id, c)?;
    Ok(id)
}

/// Changes a course. False when there is none.
pub fn update_course(
    conn: &Connection,
    id: i64,
    c: &CourseInput,
    licence_type_id: Option<i64>,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE course SET code = ?2, title_sv = ?3, title_en = ?4, syllabus = ?5, length_hours = ?6,
            licence_type_id = ?7, licence_part = ?8, active = ?9, purpose = ?10 WHERE id = ?1",
        params![
            id,
            c.code,
            c.title_sv,
            c.title_en,
            c.syllabus,
            c.length_hours,
            licence_type_id,
            licence_type_id.and(c.part.map(|p| p.as_str())),
            c.active,
            c.purpose.as_str()
        ],
    )?;
    if n == 1 {
        write_audience(conn, id, c)?;
    }
    Ok(n == 1)
}

/// One course with its audience.
pub fn get_course(conn: &Connection, id: i64) -> rusqlite::Result<Option<Course>> {
    let c = conn
        .prepare_cached(&format!(
            "SELECT {COURSE_COLUMNS} FROM course c LEFT JOIN licence_type l ON l.id = c.licence_type_id
             WHERE c.id = ?1"
        ))?
        .query_row([id], course_from_row)
        .optional()?;
    match c {
        Some(mut c) => {
            c.audience = audience(conn, c.id)?;
            Ok(Some(c))
        }
        None => Ok(None),
    }
}

/// One course by code (any case).
pub fn course_by_code(conn: &Connection, code: &str) -> rusqlite::Result<Option<Course>> {
    let id: Option<i64> = conn
        .prepare_cached("SELECT id FROM course WHERE code = ?1")?
        .query_row([code.trim()], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => get_course(conn, id),
        None => Ok(None),
    }
}

/// Every course by code, active ones first when `active_only` is false.
pub fn list_courses(conn: &Connection, active_only: bool) -> rusqlite::Result<Vec<Course>> {
    let mut out: Vec<Course> = conn
        .prepare_cached(&format!(
            "SELECT {COURSE_COLUMNS} FROM course c LEFT JOIN licence_type l ON l.id = c.licence_type_id
             WHERE c.active = 1 OR ?1 = 0 ORDER BY c.active DESC, c.code"
        ))?
        .query_map([active_only], course_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    for c in &mut out {
        c.audience = audience(conn, c.id)?;
    }
    Ok(out)
}

const OFFERING_COLUMNS: &str = "o.id, o.course_id, c.code, c.title_sv, c.title_en, o.starts_on,
    o.ends_on, o.place, o.capacity, o.min_participants, o.enrolment_opens, o.enrolment_closes,
    o.status, o.sequence, o.created_by";

fn offering_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Offering> {
    let status: String = r.get(12)?;
    Ok(Offering {
        id: r.get(0)?,
        course_id: r.get(1)?,
        course_code: r.get(2)?,
        title_sv: r.get(3)?,
        title_en: r.get(4)?,
        starts_on: day(&r.get::<_, String>(5)?),
        ends_on: day(&r.get::<_, String>(6)?),
        place: r.get(7)?,
        capacity: r.get(8)?,
        min_participants: r.get(9)?,
        enrolment_opens: day(&r.get::<_, String>(10)?),
        enrolment_closes: day(&r.get::<_, String>(11)?),
        status: OfferingStatus::parse(&status).unwrap_or(OfferingStatus::Planned),
        sequence: r.get(13)?,
        created_by: r.get(14)?,
    })
}

/// Creates an offering of `course_id`.
pub fn create_offering(
    conn: &Connection,
    course_id: i64,
    o: &OfferingInput,
    status: OfferingStatus,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO offering (course_id, starts_on, ends_on, place, capacity, min_participants,
            enrolment_opens, enrolment_closes, status, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        course_id,
        o.starts_on.to_string(),
        o.ends_on.to_string(),
        o.place,
        o.capacity,
        o.min_participants,
        o.enrolment_opens.to_string(),
        o.enrolment_closes.to_string(),
        status.as_str(),
        stamp(now),
        created_by
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Changes an offering's dates, place and numbers, and bumps its SEQUENCE so
/// calendars take the change. False when there is none.
pub fn update_offering(
    conn: &Connection,
    id: i64,
    course_id: i64,
    o: &OfferingInput,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE offering SET course_id = ?2, starts_on = ?3, ends_on = ?4, place = ?5, capacity = ?6,
            min_participants = ?7, enrolment_opens = ?8, enrolment_closes = ?9,
            sequence = sequence + 1
         WHERE id = ?1",
        params![
            id,
            course_id,
            o.starts_on.to_string(),
            o.ends_on.to_string(),
            o.place,
            o.capacity,
            o.min_participants,
            o.enrolment_opens.to_string(),
            o.enrolment_closes.to_string()
        ],
    )?;
    Ok(n == 1)
}

/// One offering with its course's code and titles.
pub fn get_offering(conn: &Connection, id: i64) -> rusqlite::Result<Option<Offering>> {
    conn.prepare_cached(&format!(
        "SELECT {OFFERING_COLUMNS} FROM offering o JOIN course c ON c.id = o.course_id WHERE o.id = ?1"
    ))?
    .query_row([id], offering_from_row)
    .optional()
}

/// Filters of the offering list; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct OfferingFilter {
    /// Course code.
    pub course: Option<String>,
    /// Offerings ending on or after this day.
    pub from: Option<NaiveDate>,
    /// Offerings starting on or before this day.
    pub to: Option<NaiveDate>,
    /// Status.
    pub status: Option<OfferingStatus>,
}

/// Offerings matching `f`, soonest first, at most `limit`.
pub fn list_offerings(
    conn: &Connection,
    f: &OfferingFilter,
    limit: u32,
) -> rusqlite::Result<Vec<Offering>> {
    conn.prepare_cached(&format!(
        "SELECT {OFFERING_COLUMNS} FROM offering o JOIN course c ON c.id = o.course_id
         WHERE (?1 IS NULL OR c.code = ?1) AND (?2 IS NULL OR o.ends_on >= ?2)
           AND (?3 IS NULL OR o.starts_on <= ?3) AND (?4 IS NULL OR o.status = ?4)
         ORDER BY o.starts_on, o.id LIMIT ?5"
    ))?
    .query_map(
        params![
            f.course,
            f.from.map(|d| d.to_string()),
            f.to.map(|d| d.to_string()),
            f.status.map(|s| s.as_str()),
            limit
        ],
        offering_from_row,
    )?
    .collect()
}

/// Enrolled and waitlisted counts of an offering, from the enrolment table.
pub fn enrolment_counts(conn: &Connection, offering_id: i64) -> rusqlite::Result<(u32, u32)> {
    conn.prepare_cached(
        "SELECT coalesce(sum(status = 'enrolled'), 0), coalesce(sum(status = 'waitlisted'), 0)
         FROM enrolment WHERE offering_id = ?1",
    )?
    .query_row([offering_id], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// How many of an offering's live sessions have fewer confirmed lecturers
/// than they need.
pub fn sessions_short(conn: &Connection, offering_id: i64) -> rusqlite::Result<u32> {
    conn.prepare_cached(
        "SELECT count(*) FROM course_session s WHERE s.offering_id = ?1 AND s.cancelled_at IS NULL
           AND (SELECT count(*) FROM lecturer_signup u WHERE u.session_id = s.id AND u.status = 'confirmed')
               < s.lecturers_needed",
    )?
    .query_row([offering_id], |r| r.get(0))
}

/// Sets an offering's status (the caller checked `may_become`) and bumps its
/// SEQUENCE. False when there is none.
pub fn set_offering_status(
    conn: &Connection,
    id: i64,
    status: OfferingStatus,
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE offering SET status = ?2, sequence = sequence + 1 WHERE id = ?1",
        params![id, status.as_str()],
    )? == 1)
}

/// Cancels an offering: its status and SEQUENCE. Notices to participants and
/// lecturers are the caller's (see `actions::change_status`).
pub fn cancel_offering(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    set_offering_status(conn, id, OfferingStatus::Cancelled)
}

/// The accounts to tell about an offering: every active coordinator, else
/// the offering's creator. `(account_id, name, email)`.
pub fn coordinators(
    conn: &Connection,
    offering_id: i64,
) -> rusqlite::Result<Vec<(i64, String, String)>> {
    let mut out: Vec<(i64, String, String)> = conn
        .prepare_cached(
            "SELECT DISTINCT a.id, a.name, a.email FROM account a JOIN account_role g ON g.account_id = a.id
             WHERE g.role = 'coordinator' AND a.active = 1 ORDER BY a.id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if out.is_empty() {
        out = conn
            .prepare_cached(
                "SELECT a.id, a.name, a.email FROM offering o JOIN account a ON a.id = o.created_by
                 WHERE o.id = ?1",
            )?
            .query_map([offering_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(out)
}

/// The lecturers confirmed for any session of an offering, to tell of its
/// cancellation: `(account, e-mail)`.
pub fn confirmed_lecturers(
    conn: &Connection,
    offering_id: i64,
) -> rusqlite::Result<Vec<(i64, String)>> {
    conn.prepare_cached(
        "SELECT DISTINCT a.id, a.email FROM lecturer_signup u
         JOIN course_session s ON s.id = u.session_id JOIN account a ON a.id = u.account_id
         WHERE s.offering_id = ?1 AND u.status = 'confirmed' ORDER BY a.id",
    )?
    .query_map([offering_id], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Who is told that a session is cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAudience {
    /// Unique among the session's recipients, for the message's dedupe key:
    /// `lecturer:ACCOUNT` or `enrolment:ID`.
    pub who: String,
    /// The participant's person.
    pub person_id: Option<i64>,
    /// The lecturer's account.
    pub account_id: Option<i64>,
    /// Where it is e-mailed.
    pub email: String,
    /// A confirmed lecturer (else an enrolled participant).
    pub lecturer: bool,
}

/// A session's confirmed lecturers and its offering's enrolled participants.
pub fn session_audience(
    conn: &Connection,
    session_id: i64,
    offering_id: i64,
) -> rusqlite::Result<Vec<SessionAudience>> {
    conn.prepare_cached(
        "SELECT 'lecturer:' || a.id, NULL, a.id, a.email, 1 FROM lecturer_signup u
         JOIN account a ON a.id = u.account_id
         WHERE u.session_id = ?1 AND u.status = 'confirmed'
         UNION ALL
         SELECT 'enrolment:' || e.id, p.id, NULL, p.email, 0 FROM enrolment e
         JOIN person p ON p.id = e.person_id
         WHERE e.offering_id = ?2 AND e.status = 'enrolled'
         ORDER BY 1",
    )?
    .query_map(params![session_id, offering_id], |r| {
        Ok(SessionAudience {
            who: r.get(0)?,
            person_id: r.get(1)?,
            account_id: r.get(2)?,
            email: r.get(3)?,
            lecturer: r.get(4)?,
        })
    })?
    .collect()
}

const SESSION_COLUMNS: &str = "s.id, s.offering_id, s.starts_at, s.ends_at, s.topic,
    s.lecturers_needed, s.place, s.cancelled_at, s.sequence,
    (SELECT count(*) FROM lecturer_signup u WHERE u.session_id = s.id AND u.status = 'confirmed'),
    (SELECT count(*) FROM lecturer_signup u WHERE u.session_id = s.id AND u.status = 'volunteered')";

fn session_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: r.get(0)?,
        offering_id: r.get(1)?,
        starts_at: instant(&r.get::<_, String>(2)?),
        ends_at: instant(&r.get::<_, String>(3)?),
        topic: r.get(4)?,
        lecturers_needed: r.get(5)?,
        place: r.get(6)?,
        cancelled_at: r.get(7)?,
        sequence: r.get(8)?,
        confirmed: r.get(9)?,
        volunteered: r.get(10)?,
    })
}

/// Adds a session to an offering.
pub fn create_session(
    conn: &Connection,
    offering_id: i64,
    s: &SessionInput,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO course_session (offering_id, starts_at, ends_at, topic, lecturers_needed, place)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        offering_id,
        stamp(s.starts_at),
        stamp(s.ends_at),
        s.topic,
        s.lecturers_needed,
        s.place
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Changes a session and bumps its SEQUENCE. False when there is none.
pub fn update_session(conn: &Connection, id: i64, s: &SessionInput) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE course_session SET starts_at = ?2, ends_at = ?3, topic = ?4, lecturers_needed = ?5,
            place = ?6, sequence = sequence + 1 WHERE id = ?1",
        params![
            id,
            stamp(s.starts_at),
            stamp(s.ends_at),
            s.topic,
            s.lecturers_needed,
            s.place
        ],
    )? == 1)
}

/// Cancels a session and bumps its SEQUENCE. False when there is none or it
/// was cancelled already.
pub fn cancel_session(conn: &Connection, id: i64, now: DateTime<Utc>) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE course_session SET cancelled_at = ?2, sequence = sequence + 1
         WHERE id = ?1 AND cancelled_at IS NULL",
        params![id, stamp(now)],
    )? == 1)
}

/// One session with its lecturer counts.
pub fn get_session(conn: &Connection, id: i64) -> rusqlite::Result<Option<Session>> {
    conn.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS} FROM course_session s WHERE s.id = ?1"
    ))?
    .query_row([id], session_from_row)
    .optional()
}

/// An offering's sessions in time order, cancelled ones included.
pub fn list_sessions(conn: &Connection, offering_id: i64) -> rusqlite::Result<Vec<Session>> {
    conn.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS} FROM course_session s WHERE s.offering_id = ?1
         ORDER BY s.starts_at, s.id"
    ))?
    .query_map([offering_id], session_from_row)?
    .collect()
}

/// A lecturer's sign-up for a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signup {
    /// Id.
    pub id: i64,
    /// The session.
    pub session_id: i64,
    /// The lecturer's account.
    pub account_id: i64,
    /// The lecturer's name.
    pub name: String,
    /// The lecturer's e-mail.
    pub email: String,
    /// Status.
    pub status: SignupStatus,
    /// The lecturer's note.
    pub note: Option<String>,
    /// When it last changed (UTC).
    pub updated_at: String,
}

const SIGNUP_COLUMNS: &str =
    "u.id, u.session_id, u.account_id, a.name, a.email, u.status, u.note, u.updated_at";

fn signup_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Signup> {
    let status: String = r.get(5)?;
    Ok(Signup {
        id: r.get(0)?,
        session_id: r.get(1)?,
        account_id: r.get(2)?,
        name: r.get(3)?,
        email: r.get(4)?,
        status: SignupStatus::parse(&status).unwrap_or(SignupStatus::Withdrawn),
        note: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

/// One sign-up.
pub fn get_signup(conn: &Connection, id: i64) -> rusqlite::Result<Option<Signup>> {
    conn.prepare_cached(&format!(
        "SELECT {SIGNUP_COLUMNS} FROM lecturer_signup u JOIN account a ON a.id = u.account_id WHERE u.id = ?1"
    ))?
    .query_row([id], signup_from_row)
    .optional()
}

/// A lecturer's sign-up for a session, if any.
pub fn signup_of(
    conn: &Connection,
    session_id: i64,
    account_id: i64,
) -> rusqlite::Result<Option<Signup>> {
    conn.prepare_cached(&format!(
        "SELECT {SIGNUP_COLUMNS} FROM lecturer_signup u JOIN account a ON a.id = u.account_id
         WHERE u.session_id = ?1 AND u.account_id = ?2"
    ))?
    .query_row([session_id, account_id], signup_from_row)
    .optional()
}

/// A session's sign-ups: confirmed, then volunteered, then the rest, oldest first.
pub fn signups_for_session(conn: &Connection, session_id: i64) -> rusqlite::Result<Vec<Signup>> {
    conn.prepare_cached(&format!(
        "SELECT {SIGNUP_COLUMNS} FROM lecturer_signup u JOIN account a ON a.id = u.account_id
         WHERE u.session_id = ?1
         ORDER BY CASE u.status WHEN 'confirmed' THEN 0 WHEN 'volunteered' THEN 1 ELSE 2 END, u.created_at, u.id"
    ))?
    .query_map([session_id], signup_from_row)?
    .collect()
}

/// Volunteers `account_id` for a session; volunteering again after
/// withdrawing or being declined reuses the row. Returns the sign-up id.
pub fn volunteer(
    conn: &Connection,
    session_id: i64,
    account_id: i64,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO lecturer_signup (session_id, account_id, status, note, created_at, updated_at)
         VALUES (?1, ?2, 'volunteered', ?3, ?4, ?4)
         ON CONFLICT (session_id, account_id) DO UPDATE SET status = 'volunteered', note = ?3,
            updated_at = ?4, decided_by = NULL",
    )?
    .execute(params![session_id, account_id, note, stamp(now)])?;
    conn.prepare_cached("SELECT id FROM lecturer_signup WHERE session_id = ?1 AND account_id = ?2")?
        .query_row([session_id, account_id], |r| r.get(0))
}

/// Sets a sign-up's status, with who decided when a coordinator did.
pub fn set_signup_status(
    conn: &Connection,
    id: i64,
    status: SignupStatus,
    decided_by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE lecturer_signup SET status = ?2, updated_at = ?3,
            decided_by = coalesce(?4, decided_by) WHERE id = ?1",
        params![id, status.as_str(), stamp(now), decided_by],
    )? == 1)
}

/// A session with its offering's course, for lists that span offerings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionLine {
    /// The session.
    pub session: Session,
    /// Its offering's course code.
    pub course_code: String,
    /// Swedish course title.
    pub title_sv: String,
    /// English course title.
    pub title_en: String,
    /// The offering's place.
    pub offering_place: String,
    /// The offering's status.
    pub offering_status: OfferingStatus,
    /// The viewer's (or listed lecturer's) sign-up status, when there is one.
    pub signup: Option<SignupStatus>,
    /// That sign-up's id.
    pub signup_id: Option<i64>,
}

impl SessionLine {
    /// The course title in `lang`.
    pub fn title(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Sv => &self.title_sv,
            crate::i18n::Lang::En => &self.title_en,
        }
    }

    /// How the session reads in a page or an e-mail in `lang`: course,
    /// title, topic and its Stockholm start.
    pub fn describe(&self, lang: crate::i18n::Lang) -> String {
        format!(
            "{} {} – {} {}",
            self.course_code,
            self.title(lang),
            self.session.topic,
            super::model::stockholm_display(self.session.starts_at)
        )
    }

    /// How the session is named in a refusal, whose reader's language is
    /// not known yet: course code, topic and Stockholm start, which read the
    /// same in every language.
    pub fn reference(&self) -> String {
        format!(
            "{} – {} {}",
            self.course_code,
            self.session.topic,
            super::model::stockholm_display(self.session.starts_at)
        )
    }

    /// The place it is held: its own, else the offering's.
    pub fn place(&self) -> &str {
        self.session
            .place
            .as_deref()
            .unwrap_or(&self.offering_place)
    }
}

const LINE_COLUMNS: &str = "c.code, c.title_sv, c.title_en, o.place, o.status";

fn line_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionLine> {
    let status: String = r.get(15)?;
    let signup: Option<String> = r.get(16)?;
    Ok(SessionLine {
        session: session_from_row(r)?,
        course_code: r.get(11)?,
        title_sv: r.get(12)?,
        title_en: r.get(13)?,
        offering_place: r.get(14)?,
        offering_status: OfferingStatus::parse(&status).unwrap_or(OfferingStatus::Planned),
        signup: signup.as_deref().and_then(SignupStatus::parse),
        signup_id: r.get(17)?,
    })
}

/// One session with its offering's course, without a sign-up.
pub fn session_line(conn: &Connection, session_id: i64) -> rusqlite::Result<Option<SessionLine>> {
    conn.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS}, {LINE_COLUMNS}, NULL, NULL
         FROM course_session s
         JOIN offering o ON o.id = s.offering_id
         JOIN course c ON c.id = o.course_id
         WHERE s.id = ?1"
    ))?
    .query_row([session_id], line_from_row)
    .optional()
}

/// Filters of the lecturers-wanted board.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    /// Course code.
    pub course: Option<String>,
    /// Text in the topic.
    pub topic: Option<String>,
}

/// The lecturers-wanted board: sessions starting after `now` that are not
/// cancelled, whose offering is not cancelled or completed, and that have
/// fewer confirmed lecturers than they need; soonest first. `viewer`'s own
/// sign-up is joined in.
pub fn lecturers_wanted(
    conn: &Connection,
    now: DateTime<Utc>,
    f: &BoardFilter,
    viewer: i64,
    limit: u32,
    offset: u32,
) -> rusqlite::Result<Vec<SessionLine>> {
    // Escaped for LIKE so that `%` and `_` in the filter match themselves.
    let topic = f.topic.as_ref().map(|t| {
        format!(
            "%{}%",
            t.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    // A course filter goes through that course's offerings (the offering
    // index), not a scan of every coming session in time order; each shape
    // of the query is its own cached statement, so SQLite plans each well.
    let by_course = if f.course.is_some() {
        "AND s.offering_id IN (SELECT o2.id FROM offering o2 JOIN course c2 ON c2.id = o2.course_id
                                WHERE c2.code = ?3)"
    } else {
        "AND ?3 IS NULL"
    };
    let by_topic = if topic.is_some() {
        "AND s.topic LIKE ?4 ESCAPE '\\'"
    } else {
        "AND ?4 IS NULL"
    };
    conn.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS}, {LINE_COLUMNS}, me.status, me.id
         FROM course_session s
         JOIN offering o ON o.id = s.offering_id
         JOIN course c ON c.id = o.course_id
         LEFT JOIN lecturer_signup me ON me.session_id = s.id AND me.account_id = ?2
         WHERE s.starts_at > ?1 AND s.cancelled_at IS NULL AND o.status IN ('planned', 'open')
           AND (SELECT count(*) FROM lecturer_signup u WHERE u.session_id = s.id AND u.status = 'confirmed')
               < s.lecturers_needed
           {by_course} {by_topic}
         ORDER BY s.starts_at, s.id LIMIT ?5 OFFSET ?6"
    ))?
    .query_map(
        params![stamp(now), viewer, f.course, topic, limit, offset],
        line_from_row,
    )?
    .collect()
}

/// Every session `account_id` signed up for, with the sign-up's status,
/// latest first: the lecturer's own page and teaching record.
pub fn lecturer_sessions(conn: &Connection, account_id: i64) -> rusqlite::Result<Vec<SessionLine>> {
    conn.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS}, {LINE_COLUMNS}, me.status, me.id
         FROM lecturer_signup me
         JOIN course_session s ON s.id = me.session_id
         JOIN offering o ON o.id = s.offering_id
         JOIN course c ON c.id = o.course_id
         WHERE me.account_id = ?1
         ORDER BY s.starts_at DESC, s.id DESC"
    ))?
    .query_map([account_id], line_from_row)?
    .collect()
}

/// The first live session (not cancelled, offering not cancelled) other than
/// `session_id` that `account_id` holds a sign-up for in one of `statuses`
/// and that overlaps `[starts_at, ends_at)`.
pub fn overlapping_signup(
    conn: &Connection,
    account_id: i64,
    session_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    statuses: &[SignupStatus],
) -> rusqlite::Result<Option<SessionLine>> {
    let wanted: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let json = serde_json::to_string(&wanted).unwrap_or_else(|_| "[]".into());
    // Stored instants share one format, so text order is time order and the
    // half-open overlap test runs on the index of start times.
    conn.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS}, {LINE_COLUMNS}, me.status, me.id
         FROM lecturer_signup me
         JOIN course_session s ON s.id = me.session_id
         JOIN offering o ON o.id = s.offering_id
         JOIN course c ON c.id = o.course_id
         WHERE me.account_id = ?1 AND s.id <> ?2 AND s.cancelled_at IS NULL
           AND o.status <> 'cancelled'
           AND me.status IN (SELECT value FROM json_each(?5))
           AND s.starts_at < ?4 AND ?3 < s.ends_at
         ORDER BY s.starts_at LIMIT 1"
    ))?
    .query_row(
        params![
            account_id,
            session_id,
            stamp(starts_at),
            stamp(ends_at),
            json
        ],
        line_from_row,
    )
    .optional()
}

/// An offering starting soon that is short of lecturers or participants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AtRisk {
    /// The offering.
    pub offering: Offering,
    /// Sessions with fewer confirmed lecturers than needed.
    pub sessions_short: u32,
    /// Enrolled participants.
    pub enrolled: u32,
}

/// Live offerings starting from `today` up to `until` that have a session
/// short of lecturers or fewer enrolled than their minimum, soonest first.
pub fn at_risk_offerings(
    conn: &Connection,
    today: NaiveDate,
    until: NaiveDate,
) -> rusqlite::Result<Vec<AtRisk>> {
    let rows: Vec<(Offering, u32, u32)> = conn
        .prepare_cached(&format!(
            "SELECT {OFFERING_COLUMNS},
                (SELECT count(*) FROM course_session s WHERE s.offering_id = o.id AND s.cancelled_at IS NULL
                   AND (SELECT count(*) FROM lecturer_signup u WHERE u.session_id = s.id AND u.status = 'confirmed')
                       < s.lecturers_needed),
                (SELECT count(*) FROM enrolment e WHERE e.offering_id = o.id AND e.status = 'enrolled')
             FROM offering o JOIN course c ON c.id = o.course_id
             WHERE o.starts_on >= ?1 AND o.starts_on <= ?2 AND o.status IN ('planned', 'open')
             ORDER BY o.starts_on, o.id"
        ))?
        .query_map(
            params![today.to_string(), until.to_string()],
            |r| Ok((offering_from_row(r)?, r.get(15)?, r.get(16)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .filter(|(o, short, enrolled)| {
            !super::model::risks(o.status, *short, *enrolled, o.min_participants).is_empty()
        })
        .map(|(offering, sessions_short, enrolled)| AtRisk {
            offering,
            sessions_short,
            enrolled,
        })
        .collect())
}
