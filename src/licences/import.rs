//! The learning-portal completion import. A file is read and checked whole into
//! a plan; only a plan without a single bad line is applied, inside one
//! transaction, as one `import_batch` whose completions can later be undone
//! together.
//!
//! Files from a whole region run to a hundred thousand rows, so the checks look
//! people and existing completions up in memory, loaded once per file, instead
//! of asking SQLite once per row; and the audit log gets one row per batch, not
//! one per completion (the completions carry the batch id).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::rc::Rc;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::model::{LicenceType, Part};
use super::store::{self, NewCompletion};
use crate::audit::store::{self as audit, Actor};
use crate::clock::stamp;
use crate::i18n::Text;
use crate::organisation::import::again;
use crate::organisation::model::normalise_hsa_id;
use crate::text;
use crate::web::csv::{self, LineError};

/// `import_batch.kind` of completion imports.
pub const KIND: &str = "completions";

/// How many of the rows to add a plan describes one by one; a preview of a
/// hundred thousand lines helps nobody, the counts per licence say the rest.
pub const SAMPLE: usize = 100;

/// Completions to add of one licence type and part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenceCount {
    /// Licence type code.
    pub code: String,
    /// Theory or practical.
    pub part: Part,
    /// How many.
    pub count: usize,
}

/// What an import would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// Data rows in the file.
    pub rows: usize,
    /// Rows identical to a completion already recorded and not revoked.
    pub already_recorded: usize,
    /// Completions to add per licence type and part, by code.
    pub per_licence: Vec<LicenceCount>,
    /// The first [`SAMPLE`] completions to add, as `line N: ...`.
    pub changes: Vec<Text>,
    /// The batch, once applied.
    pub batch_id: Option<i64>,
    #[serde(skip)]
    adds: Vec<NewCompletion>,
}

impl Plan {
    /// How many completions applying records.
    pub fn to_add(&self) -> usize {
        self.adds.len()
    }

    /// Completions to add that [`Plan::changes`] leaves out.
    pub fn not_listed(&self) -> usize {
        self.adds.len().saturating_sub(self.changes.len())
    }

    /// True when applying would record nothing.
    pub fn is_empty(&self) -> bool {
        self.adds.is_empty()
    }
}

/// What one completion is, for "already recorded" and duplicates: the person,
/// the licence type, the part and the date. Notes and supervisors do not make
/// a completion different.
type Key = (i64, i64, Part, NaiveDate);

/// Everyone the file may name, loaded once.
struct People {
    by_hsa: HashMap<String, i64>,
    /// Lower-cased e-mail to the person and whether they have an HSA-id.
    by_email: HashMap<String, (i64, bool)>,
}

fn load_people(conn: &Connection) -> rusqlite::Result<People> {
    let count: i64 = conn.query_row("SELECT count(*) FROM person", [], |r| r.get(0))?;
    let count = usize::try_from(count).unwrap_or(0);
    let mut people = People {
        by_hsa: HashMap::with_capacity(count),
        by_email: HashMap::with_capacity(count),
    };
    let mut stmt = conn.prepare_cached("SELECT id, hsa_id, email FROM person")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let hsa: Option<String> = r.get(1)?;
        let email = lower(r.get(2)?);
        people.by_email.insert(email, (id, hsa.is_some()));
        if let Some(mut h) = hsa {
            // HSA-ids are ASCII once checked.
            h.make_ascii_uppercase();
            people.by_hsa.insert(h, id);
        }
    }
    Ok(people)
}

/// Lower case, in place for the usual ASCII address.
fn lower(mut s: String) -> String {
    if s.is_ascii() {
        s.make_ascii_lowercase();
        s
    } else {
        s.to_lowercase()
    }
}

/// The non-revoked completions of the people and licence types in `wanted`.
/// One scan per licence type; rows of other people are skipped before their
/// date is parsed, which is most of the work on a large database.
fn load_existing(
    conn: &Connection,
    wanted: &HashSet<(i64, i64)>,
) -> rusqlite::Result<HashSet<Key>> {
    let types: HashSet<i64> = wanted.iter().map(|(_, t)| *t).collect();
    // Revocations are far fewer than completions: one set of them is cheaper
    // than asking for each of hundreds of thousands of rows.
    let revoked: HashSet<i64> = conn
        .prepare_cached("SELECT completion_id FROM licence_revocation")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.person_id, c.part, c.completed_on FROM licence_completion c
         WHERE c.licence_type_id = ?1",
    )?;
    let mut existing = HashSet::new();
    for t in types {
        let mut rows = stmt.query([t])?;
        while let Some(r) = rows.next()? {
            let person: i64 = r.get(1)?;
            if !wanted.contains(&(person, t)) || revoked.contains(&r.get(0)?) {
                continue;
            }
            let part = match r.get_ref(2)?.as_str()? {
                "practical" => Part::Practical,
                _ => Part::Theory,
            };
            if let Some(on) = crate::check::date(r.get_ref(3)?.as_str()?) {
                existing.insert((person, t, part, on));
            }
        }
    }
    Ok(existing)
}

/// A row that passed the checks.
struct Checked {
    line: u64,
    /// The HSA-id or e-mail as the file gives it, for the preview.
    who: String,
    licence: Rc<LicenceType>,
    completion: NewCompletion,
}

/// Checks a completions file against the database and plans what to record.
/// `today` is the last day a completion may carry. The outer error is the
/// database's; the inner one lists every bad line.
pub fn plan(
    conn: &Connection,
    bytes: &[u8],
    today: NaiveDate,
) -> rusqlite::Result<Result<Plan, Vec<LineError>>> {
    let table = match csv::read(bytes) {
        Ok(t) => t,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut header_errors = match table.require(&["licence", "completed_on"]) {
        Ok(()) => Vec::new(),
        Err(e) => e,
    };
    let c_hsa = table.column("hsa_id");
    let c_email = table.column("email");
    if c_hsa.is_none() && c_email.is_none() {
        header_errors.push(LineError::new(
            1,
            "hsa_id",
            text!(
                "kolumnen saknas i rubrikraden; ange hsa_id eller email (eller båda)",
                "column missing from the header row; give hsa_id or email (or both)"
            ),
        ));
    }
    if !header_errors.is_empty() {
        return Ok(Err(header_errors));
    }
    let c_licence = table.column("licence");
    let c_on = table.column("completed_on");
    let c_part = table.column("part");
    let c_signed = table.column("signed_by");
    let c_note = table.column("note");
    let who_column = if c_hsa.is_some() { "hsa_id" } else { "email" };

    let people = load_people(conn)?;
    // Each code is looked up once; rows share the type.
    let mut types: HashMap<String, Option<Rc<LicenceType>>> = HashMap::new();
    let mut errors = Vec::new();
    let mut checked: Vec<Checked> = Vec::with_capacity(table.rows.len());
    let mut first_seen: HashMap<Key, u64> = HashMap::with_capacity(table.rows.len());
    for row in &table.rows {
        let line = row.line;
        let before = errors.len();
        let mut bad = |column: &str, msg: Text| errors.push(LineError::new(line, column, msg));

        let hsa_text = row.get(c_hsa);
        let email_text = row.get(c_email);
        let by_email = || people.by_email.get(&lower(email_text.to_string())).copied();
        let person = if !hsa_text.is_empty() {
            match normalise_hsa_id(hsa_text) {
                Err(m) => {
                    bad("hsa_id", Text::from_msg(&m));
                    None
                }
                Ok(h) => match people.by_hsa.get(&h) {
                    Some(id) => Some((*id, h)),
                    // The portal may know an HSA-id the tool has not been told
                    // yet; the e-mail then finds the person, but never someone
                    // registered with another HSA-id.
                    None => match by_email() {
                        Some((id, false)) => Some((id, email_text.to_string())),
                        _ => {
                            bad(
                                "hsa_id",
                                text!(
                                    "ingen person har HSA-id {h}",
                                    "no person has the HSA-id {h}"
                                ),
                            );
                            None
                        }
                    },
                },
            }
        } else if !email_text.is_empty() {
            match by_email() {
                Some((id, _)) => Some((id, email_text.to_string())),
                None => {
                    bad(
                        "email",
                        text!(
                            "ingen person har e-postadressen {email_text}",
                            "no person has the e-mail {email_text}"
                        ),
                    );
                    None
                }
            }
        } else {
            bad(
                who_column,
                text!(
                    "obligatoriskt: ett HSA-id eller en e-postadress",
                    "required: an HSA-id or an e-mail"
                ),
            );
            None
        };

        let code = row.get(c_licence);
        let licence = if code.is_empty() {
            bad(
                "licence",
                text!(
                    "obligatoriskt: en kod för behörighetstyp, t.ex. CYTO",
                    "required: a licence type code such as CYTO"
                ),
            );
            None
        } else {
            let entry = match types.get(&code.to_lowercase()) {
                Some(t) => t.clone(),
                None => {
                    let t = store::licence_type_by_code(conn, code)?.map(Rc::new);
                    types.insert(code.to_lowercase(), t.clone());
                    t
                }
            };
            match entry {
                None => {
                    bad(
                        "licence",
                        text!(
                            "okänd behörighetstyp {code:?}",
                            "unknown licence type {code:?}"
                        ),
                    );
                    None
                }
                Some(t) if !t.active => {
                    bad(
                        "licence",
                        text!(
                            "behörighetstypen {} är inte aktiv",
                            "the licence type {} is not active",
                            t.code
                        ),
                    );
                    None
                }
                Some(t) => Some(t),
            }
        };

        let on_text = row.get(c_on);
        let on = match crate::check::date(on_text) {
            None => {
                bad(
                    "completed_on",
                    text!(
                        "väntade ett datum ÅÅÅÅ-MM-DD, fick {on_text:?}",
                        "expected a date YYYY-MM-DD, got {on_text:?}"
                    ),
                );
                None
            }
            Some(d) if d > today => {
                bad(
                    "completed_on",
                    text!("{d} ligger i framtiden", "{d} is in the future"),
                );
                None
            }
            Some(d) => Some(d),
        };

        let part = Part::parse(row.get(c_part));
        if part.is_none() {
            bad(
                "part",
                text!(
                    "okänd del {:?}; väntade theory eller practical",
                    "unknown part {:?}; expected theory or practical",
                    row.get(c_part)
                ),
            );
        }
        let signed_by = Some(row.get(c_signed).to_string()).filter(|s| !s.is_empty());
        if let (Some(t), Some(Part::Practical), None) = (&licence, part, &signed_by)
            && t.requires_practical
        {
            bad(
                "signed_by",
                text!(
                    "obligatoriskt: {} kräver handledaren som signerade den praktiska delen",
                    "required: {} needs the supervisor who signed the practical part",
                    t.code
                ),
            );
        }
        if errors.len() > before {
            continue;
        }
        let (Some((person_id, who)), Some(t), Some(on), Some(part)) = (person, licence, on, part)
        else {
            continue;
        };
        match first_seen.entry((person_id, t.id, part, on)) {
            Entry::Occupied(first) => {
                errors.push(LineError::new(
                    line,
                    "row",
                    again(
                        &format!("{who} {} {} {on}", t.code, part.as_str()),
                        *first.get(),
                    ),
                ));
                continue;
            }
            Entry::Vacant(v) => {
                v.insert(line);
            }
        }
        checked.push(Checked {
            line,
            who,
            licence: t.clone(),
            completion: NewCompletion {
                person_id,
                licence_type_id: t.id,
                part,
                completed_on: on,
                signed_by,
                note: Some(row.get(c_note).to_string()).filter(|s| !s.is_empty()),
                source: "import",
                import_batch_id: None,
            },
        });
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Ok(Err(errors));
    }

    let wanted: HashSet<(i64, i64)> = checked
        .iter()
        .map(|c| (c.completion.person_id, c.completion.licence_type_id))
        .collect();
    let existing = load_existing(conn, &wanted)?;
    let mut plan = Plan {
        rows: table.rows.len(),
        ..Plan::default()
    };
    let mut counts: BTreeMap<(String, &'static str), (Part, usize)> = BTreeMap::new();
    let mut name_stmt = conn.prepare_cached("SELECT name FROM person WHERE id = ?1")?;
    for c in checked {
        let n = &c.completion;
        if existing.contains(&(n.person_id, n.licence_type_id, n.part, n.completed_on)) {
            plan.already_recorded += 1;
            continue;
        }
        counts
            .entry((c.licence.code.clone(), n.part.as_str()))
            .or_insert((n.part, 0))
            .1 += 1;
        if plan.changes.len() < SAMPLE {
            let name: String = name_stmt.query_row([n.person_id], |r| r.get(0))?;
            plan.changes.push(text!(
                "rad {}: {name} ({}): {} {} {}",
                "line {}: {name} ({}): {} {} {}",
                c.line,
                c.who,
                c.licence.code,
                n.part.as_str(),
                n.completed_on
            ));
        }
        plan.adds.push(c.completion);
    }
    plan.per_licence = counts
        .into_iter()
        .map(|((code, _), (part, count))| LicenceCount { code, part, count })
        .collect();
    Ok(Ok(plan))
}

/// Records a checked plan inside the caller's transaction as one batch named
/// after `file_name`, with one audit row for the batch. Returns the batch id.
pub fn apply(
    tx: &Connection,
    plan: &mut Plan,
    file_name: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    let file_name = clean_file_name(file_name);
    tx.prepare_cached(
        "INSERT INTO import_batch (kind, file_name, rows, added, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        KIND,
        file_name,
        plan.rows as i64,
        plan.adds.len() as i64,
        stamp(now),
        actor.account_id
    ])?;
    let batch_id = tx.last_insert_rowid();
    // In index order: a large batch then touches each index page once,
    // instead of dirtying pages all over the index again and again.
    let mut ordered: Vec<&NewCompletion> = plan.adds.iter().collect();
    ordered.sort_by_key(|c| {
        (
            c.person_id,
            c.licence_type_id,
            c.completed_on,
            c.part.as_str(),
        )
    });
    for c in ordered {
        let c = NewCompletion {
            import_batch_id: Some(batch_id),
            ..c.clone()
        };
        store::record_completion(tx, &c, actor.account_id, now)?;
    }
    audit::record(
        tx,
        actor,
        now,
        audit::Entry {
            action: "import.completions",
            entity: "import_batch",
            entity_id: Some(batch_id.to_string()),
            before: None,
            after: Some(json!({
                "file_name": file_name,
                "rows": plan.rows,
                "added": plan.adds.len(),
                "already_recorded": plan.already_recorded,
                "per_licence": plan.per_licence,
            })),
        },
    )?;
    plan.batch_id = Some(batch_id);
    Ok(batch_id)
}

/// A file name as stored: the last path segment, at most 200 characters.
fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let short: String = last.chars().take(200).collect();
    if short.is_empty() {
        "upload.csv".into()
    } else {
        short
    }
}

/// What [`run_in`] did.
#[derive(Debug)]
pub enum Outcome {
    /// The file has bad lines; nothing was written.
    Rejected(Vec<LineError>),
    /// The plan; `batch_id` is set when it was applied.
    Planned(Plan),
}

/// Plans and, unless `dry_run` or there is nothing to add, applies a file
/// inside the caller's transaction (which the caller commits only when this
/// returns `Planned`).
pub fn run_in(
    tx: &Connection,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> rusqlite::Result<Outcome> {
    let mut plan = match plan(tx, bytes, today)? {
        Ok(p) => p,
        Err(errors) => return Ok(Outcome::Rejected(errors)),
    };
    if !dry_run && !plan.is_empty() {
        apply(tx, &mut plan, file_name, actor, now)?;
    }
    Ok(Outcome::Planned(plan))
}

/// One recorded import.
#[derive(Debug, Clone, Serialize)]
pub struct Batch {
    /// Id.
    pub id: i64,
    /// What was imported, e.g. `completions`.
    pub kind: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// Data rows in the file.
    pub rows: i64,
    /// Records it added.
    pub added: i64,
    /// When (UTC).
    pub created_at: String,
    /// The account's e-mail; `None` for the command line.
    pub created_by: Option<String>,
    /// When undone (UTC) and by whom.
    pub undone: Option<(String, Option<String>)>,
}

const BATCH_SELECT: &str =
    "SELECT b.id, b.kind, b.file_name, b.rows, b.added, b.created_at, ca.email,
        b.undone_at, ua.email
    FROM import_batch b
    LEFT JOIN account ca ON ca.id = b.created_by
    LEFT JOIN account ua ON ua.id = b.undone_by";

fn batch_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Batch> {
    let undone_at: Option<String> = r.get(7)?;
    Ok(Batch {
        id: r.get(0)?,
        kind: r.get(1)?,
        file_name: r.get(2)?,
        rows: r.get(3)?,
        added: r.get(4)?,
        created_at: r.get(5)?,
        created_by: r.get(6)?,
        undone: match undone_at {
            Some(at) => Some((at, r.get(8)?)),
            None => None,
        },
    })
}

/// Batches, newest first, `limit` from `offset`, and how many there are.
pub fn batches(conn: &Connection, limit: u32, offset: u32) -> rusqlite::Result<(Vec<Batch>, i64)> {
    let total: i64 = conn.query_row("SELECT count(*) FROM import_batch", [], |r| r.get(0))?;
    let rows = conn
        .prepare_cached(&format!(
            "{BATCH_SELECT} ORDER BY b.id DESC LIMIT ?1 OFFSET ?2"
        ))?
        .query_map(params![limit, offset], batch_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

/// One batch.
pub fn batch(conn: &Connection, id: i64) -> rusqlite::Result<Option<Batch>> {
    conn.prepare_cached(&format!("{BATCH_SELECT} WHERE b.id = ?1"))?
        .query_row([id], batch_from_row)
        .optional()
}

/// Why a batch was not undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoRefused {
    /// No batch has the id.
    NoSuchBatch,
    /// The batch is not a completion import.
    NotCompletions,
    /// The reason is empty.
    ReasonRequired,
    /// Undone before, at this time (UTC).
    AlreadyUndone(String),
}

impl UndoRefused {
    /// Catalogue key of the message.
    pub fn message_key(&self) -> &'static str {
        match self {
            UndoRefused::NoSuchBatch => "completions_import.undo_missing",
            UndoRefused::NotCompletions => "completions_import.undo_wrong_kind",
            UndoRefused::ReasonRequired => "completions_import.undo_reason_required",
            UndoRefused::AlreadyUndone(_) => "completions_import.undo_already",
        }
    }
}

impl fmt::Display for UndoRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UndoRefused::NoSuchBatch => write!(f, "no such import"),
            UndoRefused::NotCompletions => write!(f, "only completion imports can be undone"),
            UndoRefused::ReasonRequired => write!(f, "a reason is required"),
            UndoRefused::AlreadyUndone(at) => write!(f, "the import was undone at {at}"),
        }
    }
}

/// Undoes a completion import: revokes, with `reason`, every completion of the
/// batch not revoked yet, and marks the batch undone, with one audit row.
/// Returns how many completions it revoked. Completions are never deleted, so
/// the batch stays in the history as undone.
pub fn undo_batch(
    tx: &Connection,
    batch_id: i64,
    reason: &str,
    by: &Actor,
    now: DateTime<Utc>,
) -> rusqlite::Result<Result<usize, UndoRefused>> {
    let Some(b) = batch(tx, batch_id)? else {
        return Ok(Err(UndoRefused::NoSuchBatch));
    };
    if b.kind != KIND {
        return Ok(Err(UndoRefused::NotCompletions));
    }
    if let Some((at, _)) = b.undone {
        return Ok(Err(UndoRefused::AlreadyUndone(at)));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Ok(Err(UndoRefused::ReasonRequired));
    }
    let at = stamp(now);
    // One statement for the whole batch: a batch can hold a hundred thousand rows.
    let revoked = tx.execute(
        "INSERT INTO licence_revocation (completion_id, revoked_at, revoked_by, reason)
         SELECT c.id, ?2, ?3, ?4 FROM licence_completion c
         WHERE c.import_batch_id = ?1
           AND NOT EXISTS (SELECT 1 FROM licence_revocation v WHERE v.completion_id = c.id)",
        params![batch_id, at, by.account_id, reason],
    )?;
    tx.execute(
        "UPDATE import_batch SET undone_at = ?2, undone_by = ?3 WHERE id = ?1",
        params![batch_id, at, by.account_id],
    )?;
    audit::record(
        tx,
        by,
        now,
        audit::Entry {
            action: "import.undo",
            entity: "import_batch",
            entity_id: Some(batch_id.to_string()),
            before: Some(json!({"undone": false})),
            after: Some(json!({"undone": true, "revoked": revoked, "reason": reason})),
        },
    )?;
    Ok(Ok(revoked))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_only_the_last_segment() {
        assert_eq!(clean_file_name("C:\\Export\\portal.csv"), "portal.csv");
        assert_eq!(clean_file_name("/tmp/x/y.csv"), "y.csv");
        assert_eq!(clean_file_name("  "), "upload.csv");
    }
}
