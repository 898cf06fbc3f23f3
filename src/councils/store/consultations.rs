//! Consultation rounds (remissrundor): the round, its documents with who
//! answers each, the answers, and the compiled answer.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::day;
use crate::clock::stamp;
use crate::councils::model::AnswerStatus;

/// A consultation round.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Consultation {
    /// Id.
    pub id: i64,
    /// The council.
    pub council_id: i64,
    /// The council's name.
    pub council_name: String,
    /// What is consulted on, e.g. "NVP palliativ vård".
    pub title: String,
    /// Who sent it.
    pub sender: String,
    /// Links to the documents, one per line.
    pub links: String,
    /// The internal deadline: answers to the secretary.
    pub internal_due_on: NaiveDate,
    /// The external deadline: the joint answer to the sender.
    pub external_due_on: NaiveDate,
    /// The joint answer.
    pub compiled_answer: String,
    /// When the joint answer was sent (UTC).
    pub sent_at: Option<String>,
    /// To whom.
    pub sent_to: String,
    /// When it was shared back with the participants (UTC).
    pub shared_at: Option<String>,
}

const CONSULTATION_SELECT: &str = "SELECT k.id, k.council_id, c.name, k.title, k.sender, k.links,
        k.internal_due_on, k.external_due_on, k.compiled_answer, k.sent_at, k.sent_to, k.shared_at
    FROM consultation k JOIN council c ON c.id = k.council_id";

fn consultation_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Consultation> {
    Ok(Consultation {
        id: r.get(0)?,
        council_id: r.get(1)?,
        council_name: r.get(2)?,
        title: r.get(3)?,
        sender: r.get(4)?,
        links: r.get(5)?,
        internal_due_on: day(r.get(6)?).unwrap_or_default(),
        external_due_on: day(r.get(7)?).unwrap_or_default(),
        compiled_answer: r.get(8)?,
        sent_at: r.get(9)?,
        sent_to: r.get(10)?,
        shared_at: r.get(11)?,
    })
}

/// One round.
pub fn consultation(conn: &Connection, id: i64) -> rusqlite::Result<Option<Consultation>> {
    conn.prepare_cached(&format!("{CONSULTATION_SELECT} WHERE k.id = ?1"))?
        .query_row([id], consultation_from_row)
        .optional()
}

/// A council's rounds, the latest external deadline first; `q` (when not
/// empty) searches titles, senders and documents.
pub fn consultations(
    conn: &Connection,
    council_id: i64,
    q: &str,
) -> rusqlite::Result<Vec<Consultation>> {
    conn.prepare_cached(&format!(
        "{CONSULTATION_SELECT} WHERE k.council_id = ?1 AND (?2 = ''
             OR instr(casefold(k.title), casefold(?2)) > 0 OR instr(casefold(k.sender), casefold(?2)) > 0
             OR EXISTS (SELECT 1 FROM consultation_document d WHERE d.consultation_id = k.id
                 AND (instr(casefold(d.title), casefold(?2)) > 0 OR instr(casefold(d.answer), casefold(?2)) > 0)))
         ORDER BY k.external_due_on DESC, k.id DESC"
    ))?
    .query_map(params![council_id, q.trim()], consultation_from_row)?
    .collect()
}

/// What the round form sets.
#[derive(Debug, Clone, Serialize)]
pub struct NewConsultation {
    /// Title.
    pub title: String,
    /// Sender.
    pub sender: String,
    /// Links, one per line.
    pub links: String,
    /// Internal deadline.
    pub internal_due_on: NaiveDate,
    /// External deadline.
    pub external_due_on: NaiveDate,
}

/// Opens a round.
pub fn create_consultation(
    conn: &Connection,
    council_id: i64,
    k: &NewConsultation,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO consultation (council_id, title, sender, links, internal_due_on, external_due_on, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        council_id,
        k.title,
        k.sender,
        k.links,
        k.internal_due_on.to_string(),
        k.external_due_on.to_string(),
        stamp(now)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Sets the joint answer.
pub fn set_compiled_answer(conn: &Connection, id: i64, text: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE consultation SET compiled_answer = ?2 WHERE id = ?1")?
        .execute(params![id, text])?;
    Ok(())
}

/// Records that the joint answer was sent, and to whom.
pub fn mark_sent(conn: &Connection, id: i64, to: &str, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE consultation SET sent_at = ?3, sent_to = ?2 WHERE id = ?1")?
        .execute(params![id, to, stamp(now)])?;
    Ok(())
}

/// Records that the joint answer was shared back with the participants.
pub fn mark_shared(conn: &Connection, id: i64, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE consultation SET shared_at = ?2 WHERE id = ?1")?
        .execute(params![id, stamp(now)])?;
    Ok(())
}

/// A document of a round and its answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Document {
    /// Id.
    pub id: i64,
    /// The round.
    pub consultation_id: i64,
    /// Title, e.g. "Bilaga till akut onkologi".
    pub title: String,
    /// Link to it.
    pub link: String,
    /// The region answering it.
    pub region: Option<String>,
    /// The administration answering it.
    pub administration: Option<String>,
    /// The people answering it: `(person id, name)`.
    pub responsible: Vec<Responsible>,
    /// The answer.
    pub answer: String,
    /// Links of the answer, one per line.
    pub answer_links: String,
    /// Where it stands.
    pub status: AnswerStatus,
    /// When submitted (UTC).
    pub submitted_at: Option<String>,
}

/// One of the people answering a document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Responsible {
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// Their e-mail.
    pub email: String,
}

fn responsible_of(conn: &Connection, document: i64) -> rusqlite::Result<Vec<Responsible>> {
    conn.prepare_cached(
        "SELECT p.id, p.name, p.email FROM consultation_responsible r JOIN person p ON p.id = r.person_id
         WHERE r.document_id = ?1 ORDER BY p.name COLLATE swedish",
    )?
    .query_map([document], |r| {
        Ok(Responsible {
            person_id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
        })
    })?
    .collect()
}

const DOCUMENT_SELECT: &str =
    "SELECT d.id, d.consultation_id, d.title, d.link, r.name, a.name, d.answer,
        d.answer_links, d.status, d.submitted_at
    FROM consultation_document d
    LEFT JOIN region r ON r.id = d.region_id
    LEFT JOIN administration a ON a.id = d.administration_id";

fn documents_where(conn: &Connection, filter: &str, id: i64) -> rusqlite::Result<Vec<Document>> {
    let rows: Vec<Document> = conn
        .prepare_cached(&format!("{DOCUMENT_SELECT} WHERE {filter} ORDER BY d.id"))?
        .query_map([id], |r| {
            let status: String = r.get(8)?;
            Ok(Document {
                id: r.get(0)?,
                consultation_id: r.get(1)?,
                title: r.get(2)?,
                link: r.get(3)?,
                region: r.get(4)?,
                administration: r.get(5)?,
                responsible: Vec::new(),
                answer: r.get(6)?,
                answer_links: r.get(7)?,
                status: AnswerStatus::parse(&status).unwrap_or(AnswerStatus::NotStarted),
                submitted_at: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|mut d| {
            d.responsible = responsible_of(conn, d.id)?;
            Ok(d)
        })
        .collect()
}

/// A round's documents in the order added.
pub fn documents(conn: &Connection, consultation_id: i64) -> rusqlite::Result<Vec<Document>> {
    documents_where(conn, "d.consultation_id = ?1", consultation_id)
}

/// One document.
pub fn document(conn: &Connection, id: i64) -> rusqlite::Result<Option<Document>> {
    Ok(documents_where(conn, "d.id = ?1", id)?.into_iter().next())
}

/// A new document and who answers it.
#[derive(Debug, Clone, Serialize)]
pub struct NewDocument {
    /// Title.
    pub title: String,
    /// Link.
    pub link: String,
    /// The region answering it.
    pub region_id: Option<i64>,
    /// Or the administration.
    pub administration_id: Option<i64>,
    /// The people answering it.
    pub people: Vec<i64>,
}

/// Adds a document to a round.
pub fn add_document(
    conn: &Connection,
    consultation_id: i64,
    d: &NewDocument,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO consultation_document (consultation_id, title, link, region_id, administration_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        consultation_id,
        d.title,
        d.link,
        d.region_id,
        d.administration_id,
        stamp(now)
    ])?;
    let id = conn.last_insert_rowid();
    let mut add = conn.prepare_cached(
        "INSERT OR IGNORE INTO consultation_responsible (document_id, person_id) VALUES (?1, ?2)",
    )?;
    for p in &d.people {
        add.execute(params![id, p])?;
    }
    Ok(id)
}

/// Records a document's answer; `submitted` stamps it the first time it is
/// submitted.
pub fn set_answer(
    conn: &Connection,
    id: i64,
    answer: &str,
    links: &str,
    status: AnswerStatus,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE consultation_document SET answer = ?2, answer_links = ?3, status = ?4, answered_by = ?5,
             submitted_at = CASE WHEN ?4 = 'submitted' THEN coalesce(submitted_at, ?6) ELSE NULL END
         WHERE id = ?1",
    )?
    .execute(params![id, answer, links, status.as_str(), by, stamp(now)])?;
    Ok(())
}

/// Rounds not yet sent with their internal deadline between `from` and
/// `to`: `(round, document, person id, e-mail)` for each person answering
/// a document not yet submitted, for reminders.
pub fn unanswered_between(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<Vec<(i64, i64, i64, String)>> {
    conn.prepare_cached(
        "SELECT k.id, d.id, p.id, p.email FROM consultation k
         JOIN consultation_document d ON d.consultation_id = k.id
         JOIN consultation_responsible r ON r.document_id = d.id
         JOIN person p ON p.id = r.person_id
         WHERE k.sent_at IS NULL AND d.status <> 'submitted'
           AND k.internal_due_on BETWEEN ?1 AND ?2
         ORDER BY k.id, d.id, p.id",
    )?
    .query_map(params![from.to_string(), to.to_string()], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?
    .collect()
}

/// Whether a person answers any document of a round.
pub fn answers_in(
    conn: &Connection,
    consultation_id: i64,
    person_id: i64,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM consultation_document d JOIN consultation_responsible r ON r.document_id = d.id
             WHERE d.consultation_id = ?1 AND r.person_id = ?2)",
    )?
    .query_row(params![consultation_id, person_id], |r| r.get(0))
}
