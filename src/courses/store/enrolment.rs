//! Enrolments in SQLite: offerings as enrolment sees them, the participant
//! list with waitlist positions, a person's enrolments, and the rows an
//! enrolment, a cancellation, a promotion, attendance and completion write.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{enrolment_counts, get_course, get_offering};
use crate::clock::stamp;
use crate::courses::model::enrolment::{Counts, Enrolment, Offering, Status};
use crate::licences::renewals::{Booked, Need, RenewalOffer};
use crate::organisation::bookings::Booking;
use crate::organisation::model::Profession;

/// One offering as enrolment sees it: the catalogue's offering with its
/// course's audience and the licence it grants.
pub fn offering(conn: &Connection, id: i64) -> rusqlite::Result<Option<Offering>> {
    let Some(o) = get_offering(conn, id)? else {
        return Ok(None);
    };
    let Some(c) = get_course(conn, o.course_id)? else {
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

/// For person `person_id`, per need, the offerings the licence page
/// suggests: those the person is booked on (enrolled or waitlisted) that
/// have not ended, then up to three open for enrolment whose course serves
/// the need's purpose and the person's profession and that end on or after
/// the need's first day, soonest first. The licence page's
/// [`RenewalFinder`](crate::licences::renewals::RenewalFinder).
pub fn renewal_offers(
    conn: &Connection,
    person_id: i64,
    needs: &[Need],
    today: NaiveDate,
) -> rusqlite::Result<std::collections::HashMap<i64, Vec<RenewalOffer>>> {
    let mut out = std::collections::HashMap::new();
    for need in needs {
        let purpose = if need.holds { "renewal" } else { "basic" };
        let ends_from = need.ends_from.unwrap_or(today).max(today);
        let rows: Vec<(i64, Option<String>)> = conn
            .prepare_cached(
                "WITH mine AS (
                     SELECT offering_id, status FROM enrolment
                     WHERE person_id = ?1 AND status IN ('enrolled', 'waitlisted'))
                 SELECT o.id, m.status FROM offering o
                 JOIN course c ON c.id = o.course_id
                 LEFT JOIN mine m ON m.offering_id = o.id
                 WHERE c.licence_type_id = ?2 AND o.ends_on >= ?3
                   AND ((m.status IS NOT NULL AND o.status IN ('planned', 'open'))
                     OR (m.status IS NULL AND o.status = 'open' AND o.starts_on > ?3
                         AND o.enrolment_closes >= ?3 AND c.purpose IN (?4, 'any')
                         AND o.ends_on >= ?5
                         AND (NOT EXISTS (SELECT 1 FROM course_audience a WHERE a.course_id = c.id)
                              OR EXISTS (SELECT 1 FROM course_audience a JOIN person p
                                         ON p.profession = a.profession
                                         WHERE a.course_id = c.id AND p.id = ?1))))
                 ORDER BY m.status IS NULL, o.starts_on, o.id",
            )?
            .query_map(
                params![
                    person_id,
                    need.licence_type_id,
                    today.to_string(),
                    purpose,
                    ends_from.to_string()
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .collect::<rusqlite::Result<_>>()?;
        let booked: std::collections::HashMap<i64, Booked> = rows
            .iter()
            .filter_map(|(id, s)| match s.as_deref() {
                Some("enrolled") => Some((*id, Booked::Enrolled)),
                Some(_) => Some((*id, Booked::Waitlisted)),
                None => None,
            })
            .collect();
        let shown = booked.len() + 3;
        let ids: Vec<i64> = rows.iter().take(shown).map(|(id, _)| *id).collect();
        let mut offers: Vec<RenewalOffer> = Vec::new();
        for o in offerings(conn, ids)? {
            let c = counts(conn, o.id)?;
            offers.push(RenewalOffer {
                offering_id: o.id,
                places_left: (o.capacity - c.enrolled).max(0),
                booked: booked.get(&o.id).copied(),
                code: o.code,
                title_sv: o.title_sv,
                title_en: o.title_en,
                starts_on: o.starts_on,
                ends_on: o.ends_on,
                place: o.place,
            });
        }
        // Booked first, then soonest, as the query chose.
        offers.sort_by_key(|o| (o.booked.is_none(), o.starts_on, o.offering_id));
        out.insert(need.licence_type_id, offers);
    }
    Ok(out)
}

/// Each of `person_ids`' soonest place (enrolled or waitlisted) on an
/// offering that is planned or open and has not ended on `today`: the
/// staff list's [`BookingFinder`](crate::organisation::bookings::BookingFinder).
pub fn next_bookings(
    conn: &Connection,
    person_ids: &[i64],
    today: NaiveDate,
) -> rusqlite::Result<std::collections::HashMap<i64, Booking>> {
    let ids = serde_json::to_string(person_ids).unwrap_or_else(|_| "[]".into());
    let mut out = std::collections::HashMap::new();
    let rows = conn
        .prepare_cached(
            "SELECT e.person_id, o.id, c.code, o.starts_on, e.status FROM enrolment e
             JOIN offering o ON o.id = e.offering_id JOIN course c ON c.id = o.course_id
             WHERE e.person_id IN (SELECT value FROM json_each(?1))
               AND e.status IN ('enrolled', 'waitlisted')
               AND o.status IN ('planned', 'open') AND o.ends_on >= ?2
             ORDER BY e.person_id, o.starts_on, o.id",
        )?
        .query_map(params![ids, today.to_string()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (person, offering_id, code, starts_on, status) in rows {
        let Some(starts_on) = crate::check::date(&starts_on) else {
            continue;
        };
        out.entry(person).or_insert(Booking {
            offering_id,
            code,
            starts_on,
            waitlisted: status == "waitlisted",
        });
    }
    Ok(out)
}

/// The other offerings granting `licence_type_id` that `person_id` holds a
/// place on (enrolled or waitlisted) and that have not ended: code and
/// first day. Enrolling on one more warns, since a second renewal gives
/// nothing the first does not.
pub fn other_bookings_for_licence(
    conn: &Connection,
    person_id: i64,
    licence_type_id: i64,
    except_offering: i64,
    today: NaiveDate,
) -> rusqlite::Result<Vec<(i64, String, NaiveDate)>> {
    conn.prepare_cached(
        "SELECT o.id, c.code, o.starts_on FROM enrolment e
         JOIN offering o ON o.id = e.offering_id JOIN course c ON c.id = o.course_id
         WHERE e.person_id = ?1 AND e.status IN ('enrolled', 'waitlisted')
           AND c.licence_type_id = ?2 AND o.id <> ?3 AND o.ends_on >= ?4
           AND o.status IN ('planned', 'open')
         ORDER BY o.starts_on, o.id",
    )?
    .query_map(
        params![
            person_id,
            licence_type_id,
            except_offering,
            today.to_string()
        ],
        |r| {
            let on: String = r.get(2)?;
            Ok((
                r.get(0)?,
                r.get(1)?,
                NaiveDate::parse_from_str(&on, "%Y-%m-%d").unwrap_or_default(),
            ))
        },
    )?
    .collect()
}

/// How many are enrolled and waitlisted on an offering.
pub fn counts(conn: &Connection, offering_id: i64) -> rusqlite::Result<Counts> {
    let (enrolled, waitlisted) = enrolment_counts(conn, offering_id)?;
    Ok(Counts {
        enrolled: i64::from(enrolled),
        waitlisted: i64::from(waitlisted),
    })
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

/// A person's profession and the first day they are away, as the enrolment
/// rules need them. An unknown person is `QueryReturnedNoRows`.
pub fn person_standing(
    conn: &Connection,
    person_id: i64,
) -> rusqlite::Result<(Profession, Option<NaiveDate>)> {
    let (profession, left_on): (String, Option<String>) = conn
        .prepare_cached("SELECT profession, left_on FROM person WHERE id = ?1")?
        .query_row([person_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok((
        Profession::parse(&profession).unwrap_or(Profession::Other),
        left_on.as_deref().and_then(crate::check::date),
    ))
}

/// Whether the person holds a place or a waitlist place on the offering.
pub fn has_live_enrolment(
    conn: &Connection,
    offering_id: i64,
    person_id: i64,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM enrolment WHERE offering_id = ?1 AND person_id = ?2 AND status <> 'cancelled')",
    )?
    .query_row(params![offering_id, person_id], |r| r.get(0))
}

/// Inserts an enrolment queued `now`, enrolled then too when `status` is
/// enrolled. The partial unique index refuses a second live row for the
/// person with a UNIQUE violation.
pub fn insert_enrolment(
    conn: &Connection,
    offering_id: i64,
    person_id: i64,
    status: Status,
    enrolled_by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    let at = stamp(now);
    conn.prepare_cached(
        "INSERT INTO enrolment (offering_id, person_id, status, queued_at, enrolled_at, enrolled_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        offering_id,
        person_id,
        status.as_str(),
        at,
        (status == Status::Enrolled).then_some(&at),
        enrolled_by
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Marks an enrolment cancelled `now` (unless it is already).
pub fn cancel_enrolment(conn: &Connection, id: i64, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE enrolment SET status = 'cancelled', cancelled_at = ?2 WHERE id = ?1 AND status <> 'cancelled'",
    )?
    .execute(params![id, stamp(now)])?;
    Ok(())
}

/// The first `n` on an offering's waitlist, in order (`queued_at`, then id),
/// who still work here on `today`: `(enrolment, person, e-mail)`. Someone who
/// has left keeps their waitlist place but is passed over.
pub fn waitlist_head(
    conn: &Connection,
    offering_id: i64,
    n: usize,
    today: NaiveDate,
) -> rusqlite::Result<Vec<(i64, i64, String)>> {
    conn.prepare_cached(
        "SELECT e.id, p.id, p.email FROM enrolment e JOIN person p ON p.id = e.person_id
         WHERE e.offering_id = ?1 AND e.status = 'waitlisted'
           AND (p.left_on IS NULL OR p.left_on > ?3)
         ORDER BY e.queued_at, e.id LIMIT ?2",
    )?
    .query_map(
        params![
            offering_id,
            i64::try_from(n).unwrap_or(i64::MAX),
            today.to_string()
        ],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?
    .collect()
}

/// Gives a waitlisted enrolment its place, `now`.
pub fn promote(conn: &Connection, id: i64, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE enrolment SET status = 'enrolled', enrolled_at = ?2 WHERE id = ?1",
    )?
    .execute(params![id, stamp(now)])?;
    Ok(())
}

/// Everyone enrolled or waitlisted on an offering, to tell of its
/// cancellation: `(enrolment, person, e-mail, status)`.
pub fn live_enrolments(
    conn: &Connection,
    offering_id: i64,
) -> rusqlite::Result<Vec<(i64, i64, String, Status)>> {
    conn.prepare_cached(
        "SELECT e.id, p.id, p.email, e.status FROM enrolment e JOIN person p ON p.id = e.person_id
         WHERE e.offering_id = ?1 AND e.status <> 'cancelled' ORDER BY e.id",
    )?
    .query_map([offering_id], |r| {
        let status: String = r.get(3)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            Status::parse(&status).unwrap_or(Status::Cancelled),
        ))
    })?
    .collect()
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

/// Marks an enrolment completed on `on`, linked to the licence completion
/// it recorded; an unmarked attendance becomes "attended".
pub fn set_completed(
    conn: &Connection,
    enrolment_id: i64,
    on: NaiveDate,
    licence_completion_id: Option<i64>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE enrolment SET completed_on = ?2, licence_completion_id = ?3,
            attended = coalesce(attended, 1) WHERE id = ?1",
    )?
    .execute(params![enrolment_id, on.to_string(), licence_completion_id])?;
    Ok(())
}

/// Takes back an enrolment's completion and its link to a licence completion.
pub fn clear_completion(conn: &Connection, enrolment_id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE enrolment SET completed_on = NULL, licence_completion_id = NULL WHERE id = ?1",
    )?
    .execute([enrolment_id])?;
    Ok(())
}
