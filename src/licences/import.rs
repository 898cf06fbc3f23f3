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
use std::rc::Rc;

use chrono::NaiveDate;
use rusqlite::Connection;
use serde::Serialize;

use super::actions;
use super::model::{LicenceType, Part};
use super::store::import::{self as stored, Key, lower};
use super::store::{self, NewCompletion};
use crate::db::Work;
use crate::i18n::Msg;
use crate::msg;
use crate::organisation::model::normalise_hsa_id;
use crate::web::csv::{self, LineError};

pub use super::model::{IMPORT_KIND as KIND, UndoRefused};
pub use super::store::import::{Batch, batch, batches};

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
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Data rows in the file.
    pub rows: usize,
    /// Rows identical to a completion already recorded and not revoked.
    pub already_recorded: usize,
    /// Completions to add per licence type and part, by code.
    pub per_licence: Vec<LicenceCount>,
    /// The first [`SAMPLE`] completions to add, as `line N: ...`.
    pub changes: Vec<Msg>,
    /// The batch, once applied.
    pub batch_id: Option<i64>,
    adds: Vec<NewCompletion>,
}

impl Plan {
    /// The completions applying records.
    pub fn adds(&self) -> &[NewCompletion] {
        &self.adds
    }

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
            msg!("completions_import.error_no_who_column"),
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

    let people = stored::people(conn)?;
    // Each code is looked up once; rows share the type.
    let mut types: HashMap<String, Option<Rc<LicenceType>>> = HashMap::new();
    let mut errors = Vec::new();
    let mut checked: Vec<Checked> = Vec::with_capacity(table.rows.len());
    let mut first_seen: HashMap<Key, u64> = HashMap::with_capacity(table.rows.len());
    for row in &table.rows {
        let line = row.line;
        let before = errors.len();
        let mut bad = |column: &str, msg: Msg| errors.push(LineError::new(line, column, msg));

        let hsa_text = row.get(c_hsa);
        let email_text = row.get(c_email);
        let by_email = || people.by_email.get(&lower(email_text.to_string())).copied();
        let person = if !hsa_text.is_empty() {
            match normalise_hsa_id(hsa_text) {
                Err(m) => {
                    bad("hsa_id", m);
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
                                msg!("completions_import.error_no_hsa_id", hsa_id = h.as_str()),
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
                        msg!("completions_import.error_no_email", email = email_text),
                    );
                    None
                }
            }
        } else {
            bad(who_column, msg!("completions_import.error_who_required"));
            None
        };

        let code = row.get(c_licence);
        let licence = if code.is_empty() {
            bad("licence", msg!("completions_import.error_licence_required"));
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
                        msg!("completions_import.error_unknown_licence", code),
                    );
                    None
                }
                Some(t) if !t.active => {
                    bad(
                        "licence",
                        msg!(
                            "completions_import.error_inactive_licence",
                            code = t.code.as_str()
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
                    msg!("completions_import.error_date", value = on_text),
                );
                None
            }
            Some(d) if d > today => {
                bad(
                    "completed_on",
                    msg!("completions_import.error_future", date = d),
                );
                None
            }
            Some(d) => Some(d),
        };

        let part = Part::parse(row.get(c_part));
        if part.is_none() {
            bad(
                "part",
                msg!("completions_import.error_part", value = row.get(c_part)),
            );
        }
        let signed_by = Some(row.get(c_signed).to_string()).filter(|s| !s.is_empty());
        if let (Some(t), Some(Part::Practical), None) = (&licence, part, &signed_by)
            && t.requires_practical
        {
            bad(
                "signed_by",
                msg!("completions_import.error_signed_by", code = t.code.as_str()),
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
                let value = format!("{who} {} {} {on}", t.code, part.as_str());
                errors.push(LineError::new(
                    line,
                    "row",
                    msg!(
                        "completions_import.error_again",
                        value,
                        first = *first.get()
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
    let existing = stored::existing(conn, &wanted)?;
    let mut plan = Plan {
        rows: table.rows.len(),
        ..Plan::default()
    };
    let mut counts: BTreeMap<(String, &'static str), (Part, usize)> = BTreeMap::new();
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
            let name = store::person_name(conn, n.person_id)?.unwrap_or_default();
            plan.changes.push(msg!(
                "completions_import.plan_line",
                line = c.line,
                name,
                who = c.who.as_str(),
                code = c.licence.code.as_str(),
                part = Msg::new(n.part.label_key()),
                date = n.completed_on
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

/// What [`run_in`] did.
#[derive(Debug)]
pub enum Outcome {
    /// The file has bad lines; nothing was written.
    Rejected(Vec<LineError>),
    /// The plan; `batch_id` is set when it was applied.
    Planned(Plan),
}

/// Plans and, unless `dry_run` or there is nothing to add, applies a file
/// in the caller's unit of work (which the caller commits only when this
/// returns `Planned`).
pub fn run_in(
    w: &Work<'_>,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    today: NaiveDate,
) -> rusqlite::Result<Outcome> {
    let mut plan = match plan(w, bytes, today)? {
        Ok(p) => p,
        Err(errors) => return Ok(Outcome::Rejected(errors)),
    };
    if !dry_run && !plan.is_empty() {
        actions::apply_import(w, &mut plan, file_name)?;
    }
    Ok(Outcome::Planned(plan))
}
