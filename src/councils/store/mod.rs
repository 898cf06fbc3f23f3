//! The councils' SQL: councils and members, meetings, agenda items,
//! attendance, corrections and actions; consultation rounds in
//! `consultations`, nominations in `nominations`.

mod consultations;
mod nominations;

pub use consultations::*;
pub use nominations::*;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::model::{ActionStatus, Attendance, DueRule, Function, Slot};
use crate::clock::stamp;

pub(crate) fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

pub(crate) fn day(s: Option<String>) -> Option<NaiveDate> {
    s.as_deref().and_then(crate::check::date)
}

// ---- Councils and members ----

/// A council.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Council {
    /// Id.
    pub id: i64,
    /// Name, e.g. "RAG onkologi".
    pub name: String,
    /// Short name used in lists, may be empty.
    pub short_name: String,
    /// The regions it spans.
    pub regions: Vec<RegionRef>,
}

/// A region, by id and name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionRef {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}

fn regions_of(conn: &Connection, council_id: i64) -> rusqlite::Result<Vec<RegionRef>> {
    conn.prepare_cached(
        "SELECT r.id, r.name FROM council_region cr JOIN region r ON r.id = cr.region_id
         WHERE cr.council_id = ?1 ORDER BY r.name COLLATE swedish",
    )?
    .query_map([council_id], |r| {
        Ok(RegionRef {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    })?
    .collect()
}

/// One council.
pub fn council(conn: &Connection, id: i64) -> rusqlite::Result<Option<Council>> {
    let row = conn
        .prepare_cached("SELECT id, name, short_name FROM council WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    row.map(|(id, name, short_name)| {
        Ok(Council {
            id,
            name,
            short_name,
            regions: regions_of(conn, id)?,
        })
    })
    .transpose()
}

/// Every council (`member_of` None), or those where a person or account is
/// a current member, by name.
pub fn councils(
    conn: &Connection,
    member_of: Option<(Option<i64>, i64)>,
) -> rusqlite::Result<Vec<Council>> {
    let (person, account, all) = match member_of {
        None => (None, None, true),
        Some((person, account)) => (person, Some(account), false),
    };
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT c.id FROM council c
             WHERE ?3 OR EXISTS (SELECT 1 FROM council_member m WHERE m.council_id = c.id
                 AND m.left_at IS NULL AND (m.person_id = ?1 OR m.account_id = ?2))
             ORDER BY c.name COLLATE swedish",
        )?
        .query_map(params![person, account, all], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter()
        .filter_map(|id| council(conn, id).transpose())
        .collect()
}

/// Creates a council.
pub fn create_council(
    conn: &Connection,
    name: &str,
    short_name: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached("INSERT INTO council (name, short_name, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![name, short_name, stamp(now)])?;
    Ok(conn.last_insert_rowid())
}

/// Renames a council.
pub fn update_council(
    conn: &Connection,
    id: i64,
    name: &str,
    short_name: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE council SET name = ?2, short_name = ?3 WHERE id = ?1")?
        .execute(params![id, name, short_name])?;
    Ok(())
}

/// Sets the regions a council spans.
pub fn set_regions(conn: &Connection, id: i64, regions: &[i64]) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM council_region WHERE council_id = ?1")?
        .execute([id])?;
    let mut add = conn.prepare_cached(
        "INSERT OR IGNORE INTO council_region (council_id, region_id) VALUES (?1, ?2)",
    )?;
    for r in regions {
        add.execute(params![id, r])?;
    }
    Ok(())
}

/// A member of a council.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Member {
    /// Id.
    pub id: i64,
    /// The council.
    pub council_id: i64,
    /// The person, when a person of the register.
    pub person_id: Option<i64>,
    /// The account, when an account without a person.
    pub account_id: Option<i64>,
    /// The name.
    pub name: String,
    /// The e-mail.
    pub email: String,
    /// The function.
    pub function: Function,
    /// The region represented.
    pub region: Option<String>,
    /// The administration represented.
    pub administration: Option<String>,
    /// When they left (UTC), if they have.
    pub left_at: Option<String>,
}

const MEMBER_SELECT: &str = "SELECT m.id, m.council_id, m.person_id, m.account_id,
        coalesce(p.name, a.name), coalesce(p.email, a.email), m.function, r.name, ad.name, m.left_at
    FROM council_member m
    LEFT JOIN person p ON p.id = m.person_id
    LEFT JOIN account a ON a.id = m.account_id
    LEFT JOIN region r ON r.id = m.region_id
    LEFT JOIN administration ad ON ad.id = m.administration_id";

fn member_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Member> {
    let function: String = r.get(6)?;
    Ok(Member {
        id: r.get(0)?,
        council_id: r.get(1)?,
        person_id: r.get(2)?,
        account_id: r.get(3)?,
        name: r.get(4)?,
        email: r.get(5)?,
        function: Function::parse(&function).unwrap_or(Function::Member),
        region: r.get(7)?,
        administration: r.get(8)?,
        left_at: r.get(9)?,
    })
}

/// A council's members, current first (chair, secretary, members,
/// adjuncts), then those who left.
pub fn members(conn: &Connection, council_id: i64) -> rusqlite::Result<Vec<Member>> {
    conn.prepare_cached(&format!(
        "{MEMBER_SELECT} WHERE m.council_id = ?1
         ORDER BY m.left_at IS NOT NULL,
             CASE m.function WHEN 'chair' THEN 0 WHEN 'secretary' THEN 1 WHEN 'member' THEN 2 ELSE 3 END,
             coalesce(p.name, a.name) COLLATE swedish"
    ))?
    .query_map([council_id], member_from_row)?
    .collect()
}

/// One member.
pub fn member(conn: &Connection, id: i64) -> rusqlite::Result<Option<Member>> {
    conn.prepare_cached(&format!("{MEMBER_SELECT} WHERE m.id = ?1"))?
        .query_row([id], member_from_row)
        .optional()
}

/// The function a person or account holds in a council now, if any.
pub fn function_of(
    conn: &Connection,
    council_id: i64,
    person_id: Option<i64>,
    account_id: i64,
) -> rusqlite::Result<Option<Function>> {
    let f: Option<String> = conn
        .prepare_cached(
            "SELECT function FROM council_member WHERE council_id = ?1 AND left_at IS NULL
                 AND (person_id = ?2 OR account_id = ?3)
             ORDER BY CASE function WHEN 'secretary' THEN 0 WHEN 'chair' THEN 1 ELSE 2 END LIMIT 1",
        )?
        .query_row(params![council_id, person_id, account_id], |r| r.get(0))
        .optional()?;
    Ok(f.as_deref().and_then(Function::parse))
}

/// A new member.
#[derive(Debug, Clone, Serialize)]
pub struct NewMember {
    /// The person (or else the account).
    pub person_id: Option<i64>,
    /// The account, when no person.
    pub account_id: Option<i64>,
    /// The function.
    pub function: Function,
    /// The region represented.
    pub region_id: Option<i64>,
    /// The administration represented.
    pub administration_id: Option<i64>,
}

/// Adds a member.
pub fn add_member(
    conn: &Connection,
    council_id: i64,
    m: &NewMember,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO council_member (council_id, person_id, account_id, function, region_id, administration_id, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        council_id,
        m.person_id,
        m.account_id,
        m.function.as_str(),
        m.region_id,
        m.administration_id,
        stamp(now)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Marks a member as having left.
pub fn member_leaves(conn: &Connection, id: i64, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE council_member SET left_at = ?2 WHERE id = ?1 AND left_at IS NULL",
    )?
    .execute(params![id, stamp(now)])?;
    Ok(())
}

// ---- Meetings ----

/// A meeting.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    /// Id.
    pub id: i64,
    /// The council.
    pub council_id: i64,
    /// The council's name.
    pub council_name: String,
    /// Start (UTC).
    pub starts_at: DateTime<Utc>,
    /// End (UTC).
    pub ends_at: DateTime<Utc>,
    /// The place, may be empty.
    pub place: String,
    /// The Teams (or other) link, may be empty.
    pub link: String,
    /// When cancelled (UTC).
    pub cancelled_at: Option<String>,
    /// When its minutes were approved (UTC): frozen from then on.
    pub approved_at: Option<String>,
    /// The meeting that approved them.
    pub approved_in: Option<i64>,
    /// iCalendar SEQUENCE.
    pub sequence: u32,
}

impl Meeting {
    /// Its state, as the rules need it.
    pub fn state(&self) -> super::model::MeetingState {
        super::model::MeetingState {
            cancelled: self.cancelled_at.is_some(),
            approved: self.approved_at.is_some(),
        }
    }

    /// Its place in the council's calendar.
    pub fn slot(&self) -> Slot {
        Slot {
            id: self.id,
            starts_at: self.starts_at,
            cancelled: self.cancelled_at.is_some(),
        }
    }
}

const MEETING_SELECT: &str =
    "SELECT m.id, m.council_id, c.name, m.starts_at, m.ends_at, m.place, m.link,
        m.cancelled_at, m.approved_at, m.approved_in, m.sequence
    FROM meeting m JOIN council c ON c.id = m.council_id";

fn meeting_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Meeting> {
    Ok(Meeting {
        id: r.get(0)?,
        council_id: r.get(1)?,
        council_name: r.get(2)?,
        starts_at: instant(&r.get::<_, String>(3)?),
        ends_at: instant(&r.get::<_, String>(4)?),
        place: r.get(5)?,
        link: r.get(6)?,
        cancelled_at: r.get(7)?,
        approved_at: r.get(8)?,
        approved_in: r.get(9)?,
        sequence: r.get(10)?,
    })
}

/// One meeting.
pub fn meeting(conn: &Connection, id: i64) -> rusqlite::Result<Option<Meeting>> {
    conn.prepare_cached(&format!("{MEETING_SELECT} WHERE m.id = ?1"))?
        .query_row([id], meeting_from_row)
        .optional()
}

/// A council's meetings in time order.
pub fn meetings(conn: &Connection, council_id: i64) -> rusqlite::Result<Vec<Meeting>> {
    conn.prepare_cached(&format!(
        "{MEETING_SELECT} WHERE m.council_id = ?1 ORDER BY m.starts_at, m.id"
    ))?
    .query_map([council_id], meeting_from_row)?
    .collect()
}

/// A council's meetings as calendar places.
pub fn slots(conn: &Connection, council_id: i64) -> rusqlite::Result<Vec<Slot>> {
    Ok(meetings(conn, council_id)?
        .iter()
        .map(Meeting::slot)
        .collect())
}

/// Councils' meetings as calendar places, each council read once.
#[derive(Default)]
pub struct Calendars(std::collections::HashMap<i64, Vec<Slot>>);

impl Calendars {
    /// Council `council_id`'s meetings.
    pub fn of(&mut self, conn: &Connection, council_id: i64) -> rusqlite::Result<&[Slot]> {
        Ok(match self.0.entry(council_id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(slots(conn, council_id)?),
        })
    }
}

/// What a meeting form sets.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingTimes {
    /// Start (UTC).
    pub starts_at: DateTime<Utc>,
    /// End (UTC).
    pub ends_at: DateTime<Utc>,
    /// Place.
    pub place: String,
    /// Link.
    pub link: String,
}

/// Plans a meeting.
pub fn create_meeting(
    conn: &Connection,
    council_id: i64,
    t: &MeetingTimes,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO meeting (council_id, starts_at, ends_at, place, link, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        council_id,
        stamp(t.starts_at),
        stamp(t.ends_at),
        t.place,
        t.link,
        stamp(now)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Moves a meeting or changes its place (calendars see a new sequence).
pub fn update_meeting(conn: &Connection, id: i64, t: &MeetingTimes) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE meeting SET starts_at = ?2, ends_at = ?3, place = ?4, link = ?5, sequence = sequence + 1
         WHERE id = ?1",
    )?
    .execute(params![id, stamp(t.starts_at), stamp(t.ends_at), t.place, t.link])?;
    Ok(())
}

/// Cancels a meeting.
pub fn cancel_meeting(conn: &Connection, id: i64, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE meeting SET cancelled_at = ?2, sequence = sequence + 1 WHERE id = ?1 AND cancelled_at IS NULL",
    )?
    .execute(params![id, stamp(now)])?;
    Ok(())
}

/// Records that meeting `approved_in` approved `id`'s minutes.
pub fn approve_minutes(
    conn: &Connection,
    id: i64,
    approved_in: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE meeting SET approved_at = ?3, approved_in = ?2 WHERE id = ?1 AND approved_at IS NULL",
    )?
    .execute(params![id, approved_in, stamp(now)])?;
    Ok(())
}

// ---- Agenda items ----

/// An agenda item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Item {
    /// Id.
    pub id: i64,
    /// The meeting.
    pub meeting_id: i64,
    /// Its place in the agenda, from 1.
    pub position: i64,
    /// Mötespunkt.
    pub title: String,
    /// Who presents it.
    pub presenter: String,
    /// Ansvarig.
    pub responsible: String,
    /// Links, one per line.
    pub links: String,
    /// Anteckning.
    pub notes: String,
    /// Beslut.
    pub decision: String,
    /// Moved to the next meeting.
    pub carry_over: bool,
    /// The earlier item this one continues.
    pub carried_from: Option<i64>,
    /// The later item that continues this one.
    pub carried_to: Option<i64>,
}

const ITEM_SELECT: &str = "SELECT i.id, i.meeting_id, i.position, i.title, i.presenter, i.responsible, i.links,
        i.notes, i.decision, i.carry_over, i.carried_from, (SELECT n.id FROM agenda_item n WHERE n.carried_from = i.id)
    FROM agenda_item i";

fn item_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
    Ok(Item {
        id: r.get(0)?,
        meeting_id: r.get(1)?,
        position: r.get(2)?,
        title: r.get(3)?,
        presenter: r.get(4)?,
        responsible: r.get(5)?,
        links: r.get(6)?,
        notes: r.get(7)?,
        decision: r.get(8)?,
        carry_over: r.get::<_, i64>(9)? == 1,
        carried_from: r.get(10)?,
        carried_to: r.get(11)?,
    })
}

/// A meeting's agenda in order.
pub fn items(conn: &Connection, meeting_id: i64) -> rusqlite::Result<Vec<Item>> {
    conn.prepare_cached(&format!(
        "{ITEM_SELECT} WHERE i.meeting_id = ?1 ORDER BY i.position, i.id"
    ))?
    .query_map([meeting_id], item_from_row)?
    .collect()
}

/// One item.
pub fn item(conn: &Connection, id: i64) -> rusqlite::Result<Option<Item>> {
    conn.prepare_cached(&format!("{ITEM_SELECT} WHERE i.id = ?1"))?
        .query_row([id], item_from_row)
        .optional()
}

/// What an item form sets.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ItemText {
    /// Mötespunkt.
    pub title: String,
    /// Presenter.
    pub presenter: String,
    /// Ansvarig.
    pub responsible: String,
    /// Links, one per line.
    pub links: String,
    /// Anteckning.
    pub notes: String,
    /// Beslut.
    pub decision: String,
}

/// Adds an item at the end of a meeting's agenda; `carried_from` names the
/// item it continues.
pub fn add_item(
    conn: &Connection,
    meeting_id: i64,
    t: &ItemText,
    carried_from: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO agenda_item (meeting_id, position, title, presenter, responsible, links, notes, decision,
             carried_from, created_at)
         VALUES (?1, (SELECT coalesce(max(position), 0) + 1 FROM agenda_item WHERE meeting_id = ?1),
             ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        meeting_id,
        t.title,
        t.presenter,
        t.responsible,
        t.links,
        t.notes,
        t.decision,
        carried_from,
        stamp(now)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Changes an item's text.
pub fn update_item(conn: &Connection, id: i64, t: &ItemText) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE agenda_item SET title = ?2, presenter = ?3, responsible = ?4, links = ?5, notes = ?6, decision = ?7
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        t.title,
        t.presenter,
        t.responsible,
        t.links,
        t.notes,
        t.decision
    ])?;
    Ok(())
}

/// Swaps an item with the one before (`up`) or after it; false when it is
/// first or last already.
pub fn move_item(conn: &Connection, id: i64, up: bool) -> rusqlite::Result<bool> {
    let Some(this) = item(conn, id)? else {
        return Ok(false);
    };
    let agenda = items(conn, this.meeting_id)?;
    let Some(at) = agenda.iter().position(|i| i.id == id) else {
        return Ok(false);
    };
    let other = if up {
        at.checked_sub(1)
    } else {
        Some(at + 1).filter(|n| *n < agenda.len())
    };
    let Some(other) = other else {
        return Ok(false);
    };
    // Positions are renumbered 1..n in the new order, so gaps and ties
    // left by older rows go away.
    let mut order: Vec<i64> = agenda.iter().map(|i| i.id).collect();
    order.swap(at, other);
    let mut set = conn.prepare_cached("UPDATE agenda_item SET position = ?2 WHERE id = ?1")?;
    for (n, item_id) in order.iter().enumerate() {
        set.execute(params![item_id, i64::try_from(n).unwrap_or(0) + 1])?;
    }
    Ok(true)
}

/// Marks an item to be moved to the next meeting.
pub fn set_carry_over(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE agenda_item SET carry_over = 1 WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Marks every item of a meeting to be moved (the meeting is cancelled).
pub fn carry_over_all(conn: &Connection, meeting_id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE agenda_item SET carry_over = 1 WHERE meeting_id = ?1")?
        .execute([meeting_id])?;
    Ok(())
}

/// A council's items marked to be moved that no item continues yet:
/// `(item id, its meeting id)`.
pub fn waiting_carry_overs(
    conn: &Connection,
    council_id: i64,
) -> rusqlite::Result<Vec<(i64, i64)>> {
    conn.prepare_cached(
        "SELECT i.id, i.meeting_id FROM agenda_item i JOIN meeting m ON m.id = i.meeting_id
         WHERE m.council_id = ?1 AND i.carry_over = 1
           AND NOT EXISTS (SELECT 1 FROM agenda_item n WHERE n.carried_from = i.id)
         ORDER BY m.starts_at, i.position, i.id",
    )?
    .query_map([council_id], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

// ---- Attendance and corrections ----

/// One member's attendance at a meeting.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attended {
    /// The member.
    pub member_id: i64,
    /// How.
    pub status: Attendance,
    /// For an adjunct: the item.
    pub item_id: Option<i64>,
}

/// The attendance recorded for a meeting.
pub fn attendance(conn: &Connection, meeting_id: i64) -> rusqlite::Result<Vec<Attended>> {
    conn.prepare_cached(
        "SELECT member_id, status, item_id FROM meeting_attendance WHERE meeting_id = ?1",
    )?
    .query_map([meeting_id], |r| {
        let status: String = r.get(1)?;
        Ok(Attended {
            member_id: r.get(0)?,
            status: Attendance::parse(&status).unwrap_or(Attendance::Present),
            item_id: r.get(2)?,
        })
    })?
    .collect()
}

/// Replaces a meeting's attendance.
pub fn set_attendance(
    conn: &Connection,
    meeting_id: i64,
    rows: &[Attended],
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM meeting_attendance WHERE meeting_id = ?1")?
        .execute([meeting_id])?;
    let mut add = conn.prepare_cached(
        "INSERT INTO meeting_attendance (meeting_id, member_id, status, item_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for a in rows {
        add.execute(params![
            meeting_id,
            a.member_id,
            a.status.as_str(),
            a.item_id
        ])?;
    }
    Ok(())
}

/// A correction appended to approved minutes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Correction {
    /// Id.
    pub id: i64,
    /// The item it corrects, when one.
    pub item_id: Option<i64>,
    /// The correction.
    pub text: String,
    /// Who made it.
    pub made_by: Option<String>,
    /// When (UTC).
    pub made_at: String,
}

/// A meeting's corrections in the order made.
pub fn corrections(conn: &Connection, meeting_id: i64) -> rusqlite::Result<Vec<Correction>> {
    conn.prepare_cached(
        "SELECT c.id, c.item_id, c.text, a.name, c.made_at FROM minutes_correction c
         LEFT JOIN account a ON a.id = c.made_by WHERE c.meeting_id = ?1 ORDER BY c.id",
    )?
    .query_map([meeting_id], |r| {
        Ok(Correction {
            id: r.get(0)?,
            item_id: r.get(1)?,
            text: r.get(2)?,
            made_by: r.get(3)?,
            made_at: r.get(4)?,
        })
    })?
    .collect()
}

/// Appends a correction.
pub fn add_correction(
    conn: &Connection,
    meeting_id: i64,
    item_id: Option<i64>,
    text: &str,
    made_by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO minutes_correction (meeting_id, item_id, text, made_by, made_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![meeting_id, item_id, text, made_by, stamp(now)])?;
    Ok(conn.last_insert_rowid())
}

// ---- Actions ----

/// An action decided at a meeting.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    /// Id.
    pub id: i64,
    /// The council.
    pub council_id: i64,
    /// The council's name.
    pub council_name: String,
    /// The meeting it came from.
    pub meeting_id: i64,
    /// That meeting's start (UTC).
    pub meeting_starts_at: DateTime<Utc>,
    /// The item it came from.
    pub item_id: Option<i64>,
    /// That item's title.
    pub item_title: Option<String>,
    /// What is to be done.
    pub text: String,
    /// The responsible person, when one of the register.
    pub responsible_person_id: Option<i64>,
    /// The responsible's name (the person's, or as written).
    pub responsible: String,
    /// The responsible person's e-mail.
    pub responsible_email: Option<String>,
    /// When due, as stored.
    #[serde(skip)]
    pub due_rule: DueRule,
    /// Status.
    pub status: ActionStatus,
    /// What the last status change said.
    pub status_note: String,
}

const ACTION_SELECT: &str = "SELECT x.id, x.council_id, c.name, x.meeting_id, m.starts_at, x.item_id, i.title, x.text,
        x.responsible_person_id, coalesce(p.name, x.responsible), p.email, x.due_on, x.due_after, x.status, x.status_note
    FROM council_action x
    JOIN council c ON c.id = x.council_id
    JOIN meeting m ON m.id = x.meeting_id
    LEFT JOIN agenda_item i ON i.id = x.item_id
    LEFT JOIN person p ON p.id = x.responsible_person_id";

fn action_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Action> {
    let due_on = day(r.get(11)?);
    let due_after: Option<i64> = r.get(12)?;
    let status: String = r.get(13)?;
    Ok(Action {
        id: r.get(0)?,
        council_id: r.get(1)?,
        council_name: r.get(2)?,
        meeting_id: r.get(3)?,
        meeting_starts_at: instant(&r.get::<_, String>(4)?),
        item_id: r.get(5)?,
        item_title: r.get(6)?,
        text: r.get(7)?,
        responsible_person_id: r.get(8)?,
        responsible: r.get(9)?,
        responsible_email: r.get(10)?,
        due_rule: match (due_on, due_after) {
            (Some(d), _) => DueRule::On(d),
            (None, Some(m)) => DueRule::NextMeetingAfter(m),
            (None, None) => DueRule::NextMeetingAfter(r.get(3)?),
        },
        status: ActionStatus::parse(&status).unwrap_or(ActionStatus::Open),
        status_note: r.get(14)?,
    })
}

/// Which actions to list.
#[derive(Debug, Clone, Copy)]
pub enum Actions {
    /// A council's.
    Council(i64),
    /// Those decided at a meeting.
    Meeting(i64),
    /// A council's still to do that came from meetings before this one
    /// (the follow-ups of its agenda).
    FollowUp(i64),
    /// A person's still to do, in every council.
    OpenFor(i64),
    /// Every action still to do (for reminders).
    AllOpen,
}

/// Actions, oldest meeting first.
pub fn actions(conn: &Connection, which: Actions) -> rusqlite::Result<Vec<Action>> {
    let (filter, id) = match which {
        Actions::Council(id) => ("x.council_id = ?1", id),
        Actions::Meeting(id) => ("x.meeting_id = ?1", id),
        Actions::FollowUp(id) => (
            "x.status IN ('open', 'carried_over') AND x.council_id = (SELECT council_id FROM meeting WHERE id = ?1)
             AND (m.starts_at, m.id) < (SELECT starts_at, id FROM meeting WHERE id = ?1)",
            id,
        ),
        Actions::OpenFor(id) => (
            "x.status IN ('open', 'carried_over') AND x.responsible_person_id = ?1",
            id,
        ),
        Actions::AllOpen => ("x.status IN ('open', 'carried_over') AND ?1 = 0", 0),
    };
    conn.prepare_cached(&format!(
        "{ACTION_SELECT} WHERE {filter} ORDER BY m.starts_at, x.id"
    ))?
    .query_map([id], action_from_row)?
    .collect()
}

/// One action.
pub fn action(conn: &Connection, id: i64) -> rusqlite::Result<Option<Action>> {
    conn.prepare_cached(&format!("{ACTION_SELECT} WHERE x.id = ?1"))?
        .query_row([id], action_from_row)
        .optional()
}

/// A new action.
#[derive(Debug, Clone, Serialize)]
pub struct NewAction {
    /// The item it comes from.
    pub item_id: Option<i64>,
    /// What is to be done.
    pub text: String,
    /// The responsible person of the register.
    pub responsible_person_id: Option<i64>,
    /// Or a name as written.
    pub responsible: String,
    /// A day, or `None` for "till nästa möte".
    pub due_on: Option<NaiveDate>,
}

/// Records an action decided at `meeting`.
pub fn create_action(
    conn: &Connection,
    council_id: i64,
    meeting_id: i64,
    a: &NewAction,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO council_action (council_id, meeting_id, item_id, text, responsible_person_id, responsible,
             due_on, due_after, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CASE WHEN ?7 IS NULL THEN ?2 END, ?8)",
    )?
    .execute(params![
        council_id,
        meeting_id,
        a.item_id,
        a.text,
        a.responsible_person_id,
        a.responsible,
        a.due_on.map(|d| d.to_string()),
        stamp(now)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Sets an action's status. Carried over at meeting `at`, an action due
/// "till nästa möte" becomes due at the meeting after `at`.
pub fn set_action_status(
    conn: &Connection,
    id: i64,
    status: ActionStatus,
    note: &str,
    at: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE council_action SET status = ?2, status_note = ?3,
             due_after = CASE WHEN ?2 = 'carried_over' AND due_after IS NOT NULL AND ?4 IS NOT NULL THEN ?4 ELSE due_after END,
             closed_at = CASE WHEN ?2 IN ('done', 'dropped') THEN ?5 END
         WHERE id = ?1",
    )?
    .execute(params![id, status.as_str(), note, at, stamp(now)])?;
    Ok(())
}

/// Makes a subscription link to a council's meetings for `by`; returns its
/// id and the token (shown once: only its hash is kept).
pub fn create_feed(
    conn: &Connection,
    council_id: i64,
    by: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<(i64, String)> {
    crate::courses::store::calendar::create_link(conn, "council", council_id, by, now)
}

/// The council a live subscription link opens and the active account that
/// made it (whose access to the council is checked on every fetch).
pub fn feed_by_token(conn: &Connection, token: &str) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.prepare_cached(
        "SELECT f.subject_id, f.created_by FROM calendar_feed f JOIN account a ON a.id = f.created_by
         WHERE f.token_hash = ?1 AND f.kind = 'council' AND f.revoked_at IS NULL AND a.active = 1",
    )?
    .query_row([crate::auth::store::token_hash(token)], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
}

/// The live links `account_id` made to the council's meetings: (id, when
/// made), newest first.
pub fn feeds_of(
    conn: &Connection,
    council_id: i64,
    account_id: i64,
) -> rusqlite::Result<Vec<(i64, String)>> {
    conn.prepare_cached(
        "SELECT id, created_at FROM calendar_feed
         WHERE kind = 'council' AND subject_id = ?1 AND created_by = ?2 AND revoked_at IS NULL
         ORDER BY id DESC",
    )?
    .query_map([council_id, account_id], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// The council of `account_id`'s live link `feed_id`.
pub fn feed_council(
    conn: &Connection,
    feed_id: i64,
    account_id: i64,
) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT subject_id FROM calendar_feed
         WHERE id = ?1 AND kind = 'council' AND created_by = ?2 AND revoked_at IS NULL",
    )?
    .query_row([feed_id, account_id], |r| r.get(0))
    .optional()
}
