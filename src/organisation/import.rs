//! Organisation and staff imports. A file is read and checked whole into a plan;
//! only a plan without a single bad line is applied, inside one transaction, so
//! a bad file writes nothing. The dry run shows the same plan.
//!
//! The plan's lines and the line errors are messages: the import page shows
//! them in the reader's language, the command line in English. Applying a
//! plan is [`actions::apply_import`](super::actions::apply_import).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::Connection;
use serde_json::json;

use super::actions::{self, Identity};
use super::model::{self, Assignment, Profession};
use super::store::{self, NewPerson, UnitInput};
use crate::db::Work;
use crate::i18n::Msg;
use crate::msg;
use crate::web::AppError;
use crate::web::csv::{self, LineError};

/// What an import would do, line by line.
#[derive(Debug, Clone)]
pub struct Plan {
    /// One line per change.
    pub changes: Vec<Msg>,
    /// Rows that change nothing.
    pub unchanged: usize,
    pub(super) ops: PlanOps,
}

impl Plan {
    /// True when applying would change nothing.
    pub fn is_empty(&self) -> bool {
        match &self.ops {
            PlanOps::Units(ops) => ops.is_empty(),
            PlanOps::Staff(ops) => ops.is_empty(),
        }
    }
}

/// The changes a plan makes, of one file's kind.
#[derive(Debug, Clone)]
pub(super) enum PlanOps {
    /// An organisation file's.
    Units(Vec<UnitOp>),
    /// A staff file's.
    Staff(Vec<StaffOp>),
}

/// One change of an organisation file.
#[derive(Debug, Clone)]
pub(super) enum UnitOp {
    /// A new region of this name.
    Region(String),
    /// A new administration in the region named `region`.
    Administration { region: String, name: String },
    /// A new unit in the administration named so.
    NewUnit {
        region: String,
        administration: String,
        input: UnitInput,
    },
    /// Changes of unit `id`.
    UpdateUnit {
        id: i64,
        region: String,
        administration: String,
        input: UnitInput,
        /// Kept as it is: an import does not bring back a deactivated unit.
        active: bool,
        before: serde_json::Value,
    },
}

/// One change of a staff file.
#[derive(Debug, Clone)]
pub(super) enum StaffOp {
    /// A new person.
    NewPerson(NewPerson),
    /// Person `id` gets a new name, e-mail or HSA-id.
    UpdateDetails { id: i64, identity: Identity },
    /// Person `id` moves.
    Move { id: i64, assignment: Assignment },
    /// Person `id`, who left, is rehired.
    Rejoin { id: i64, assignment: Assignment },
}

/// `change`, as the plan lists it: `rad N: …`.
fn on_line(line: u64, change: Msg) -> Msg {
    msg!("import.change_line", line, change)
}

/// `parts` as one message, joined with commas in every language.
fn list(parts: Vec<Msg>) -> Msg {
    let mut parts = parts.into_iter();
    let first = parts.next().unwrap_or_else(|| Msg::verbatim(""));
    parts.fold(first, |first, rest| msg!("import.list", first, rest))
}

/// What a cell held, quoted, for a message saying it is wrong.
fn got(value: &str) -> String {
    format!("{value:?}")
}

/// Runs of spaces made one.
fn tidy(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks an organisation file against the database and plans the changes.
pub fn plan_units(conn: &Connection, bytes: &[u8]) -> Result<Plan, Vec<LineError>> {
    let table = csv::read(bytes)?;
    table.require(&[
        "region",
        "administration",
        "unit_code",
        "unit_name",
        "gives_chemotherapy",
    ])?;
    let c_region = table.column("region");
    let c_admin = table.column("administration");
    let c_code = table.column("unit_code");
    let c_name = table.column("unit_name");
    let c_chemo = table.column("gives_chemotherapy");
    let c_cap = table.column("trainee_capacity");

    let db_err = |e: rusqlite::Error| vec![database_error(&e)];
    let regions: HashMap<String, i64> = store::regions(conn)
        .map_err(db_err)?
        .into_iter()
        .map(|r| (r.name.to_lowercase(), r.id))
        .collect();
    let admins: HashMap<(i64, String), i64> = store::administrations(conn, None)
        .map_err(db_err)?
        .into_iter()
        .map(|a| ((a.region_id, a.name.to_lowercase()), a.id))
        .collect();
    let units: HashMap<String, store::Unit> = store::units(
        conn,
        &store::UnitQuery {
            inactive: Some("1".into()),
            ..Default::default()
        },
        NaiveDate::MIN,
    )
    .map_err(db_err)?
    .into_iter()
    .map(|u| (u.code.to_lowercase(), u))
    .collect();

    let mut errors = Vec::new();
    let mut changes = Vec::new();
    let mut ops = Vec::new();
    let mut unchanged = 0;
    let mut new_regions: HashSet<String> = HashSet::new();
    let mut new_admins: HashSet<(String, String)> = HashSet::new();
    let mut seen_codes: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        let line = row.line;
        let mut bad = |column: &str, msg: Msg| errors.push(LineError::new(line, column, msg));
        let region = tidy(row.get(c_region));
        let admin = tidy(row.get(c_admin));
        let name = tidy(row.get(c_name));
        if region.is_empty() {
            bad("region", msg!("input.required"));
        }
        if admin.is_empty() {
            bad("administration", msg!("input.required"));
        }
        if name.is_empty() {
            bad("unit_name", msg!("input.required"));
        }
        let code = match model::unit_code(row.get(c_code)) {
            Ok(code) => {
                if let Some(first) = seen_codes.insert(code.to_lowercase(), line) {
                    bad("unit_code", again(&code, first));
                }
                Some(code)
            }
            Err(m) => {
                bad("unit_code", m);
                None
            }
        };
        let chemo = csv::parse_bool(row.get(c_chemo));
        if chemo.is_none() {
            bad(
                "gives_chemotherapy",
                msg!("import.error_yes_no", value = got(row.get(c_chemo))),
            );
        }
        let cap_text = row.get(c_cap);
        let capacity = model::trainee_capacity(cap_text)
            .map_err(|m| {
                bad(
                    "trainee_capacity",
                    msg!("import.error_got", message = m, value = got(cap_text)),
                )
            })
            .ok();
        let (Some(chemo), Some(capacity), Some(code)) = (chemo, capacity, code) else {
            continue;
        };
        if region.is_empty() || admin.is_empty() || name.is_empty() {
            continue;
        }
        let region_id = regions.get(&region.to_lowercase()).copied();
        if region_id.is_none() && new_regions.insert(region.to_lowercase()) {
            changes.push(on_line(
                line,
                msg!("import.new_region", region = region.as_str()),
            ));
            ops.push(UnitOp::Region(region.clone()));
        }
        let admin_id = region_id.and_then(|r| admins.get(&(r, admin.to_lowercase())).copied());
        if admin_id.is_none() && new_admins.insert((region.to_lowercase(), admin.to_lowercase())) {
            changes.push(on_line(
                line,
                msg!(
                    "import.new_administration",
                    administration = admin.as_str(),
                    region = region.as_str()
                ),
            ));
            ops.push(UnitOp::Administration {
                region: region.clone(),
                name: admin.clone(),
            });
        }
        let input = UnitInput {
            administration_id: admin_id.unwrap_or(0),
            code: code.clone(),
            name: name.clone(),
            gives_chemotherapy: chemo,
            trainee_capacity: capacity,
        };
        match units.get(&code.to_lowercase()) {
            None => {
                changes.push(on_line(
                    line,
                    msg!(
                        "import.new_unit",
                        code = code.as_str(),
                        name = name.as_str(),
                        administration = admin.as_str(),
                        region = region.as_str(),
                        chemo = yes_no(chemo)
                    ),
                ));
                ops.push(UnitOp::NewUnit {
                    region,
                    administration: admin,
                    input,
                });
            }
            Some(existing) => {
                let mut what = Vec::new();
                if existing.name != name {
                    what.push(msg!(
                        "import.changed_name",
                        was = existing.name.as_str(),
                        now = name.as_str()
                    ));
                }
                if admin_id != Some(existing.administration_id) {
                    what.push(msg!(
                        "import.changed_administration",
                        was = existing.administration_name.as_str(),
                        now = admin.as_str()
                    ));
                }
                if existing.gives_chemotherapy != chemo {
                    what.push(msg!("import.changed_chemo", now = yes_no(chemo)));
                }
                if existing.trainee_capacity != capacity {
                    let shown =
                        |c: Option<i64>| c.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
                    what.push(msg!(
                        "import.changed_capacity",
                        was = shown(existing.trainee_capacity),
                        now = shown(capacity)
                    ));
                }
                if what.is_empty() {
                    unchanged += 1;
                } else {
                    changes.push(on_line(
                        line,
                        msg!(
                            "import.unit_changed",
                            code = code.as_str(),
                            changes = list(what)
                        ),
                    ));
                    ops.push(UnitOp::UpdateUnit {
                        id: existing.id,
                        region,
                        administration: admin,
                        input: UnitInput {
                            code: existing.code.clone(),
                            ..input
                        },
                        active: existing.active,
                        before: json!(existing),
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(Plan {
            changes,
            unchanged,
            ops: PlanOps::Units(ops),
        })
    } else {
        Err(errors)
    }
}

/// A database failure while planning, as the one problem of the file.
pub fn database_error(e: &rusqlite::Error) -> LineError {
    LineError::new(
        0,
        "database",
        msg!("import.error_database", detail = e.to_string()),
    )
}

/// `value` was seen before, on line `first`.
pub fn again(value: &str, first: u64) -> Msg {
    msg!("import.again", value, first)
}

fn yes_no(b: bool) -> Msg {
    Msg::new(if b { "import.yes" } else { "import.no" })
}

/// One row of a staff file after checking.
struct StaffRow {
    line: u64,
    hsa_id: Option<String>,
    name: String,
    email: String,
    profession: Profession,
    unit_id: i64,
    unit_code: String,
    employed_from: Option<NaiveDate>,
}

/// Checks a staff file against the database and plans the changes. `today` is
/// when histories of new people start unless the file says otherwise.
pub fn plan_staff(
    conn: &Connection,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<Plan, Vec<LineError>> {
    let table = csv::read(bytes)?;
    table.require(&["hsa_id", "name", "email", "profession", "unit_code"])?;
    let c_hsa = table.column("hsa_id");
    let c_name = table.column("name");
    let c_email = table.column("email");
    let c_prof = table.column("profession");
    let c_unit = table.column("unit_code");
    let c_from = table.column("employed_from");
    let db_err = |e: rusqlite::Error| vec![database_error(&e)];

    let unit_codes: HashMap<String, (i64, String)> = store::unit_codes(conn)
        .map_err(db_err)?
        .into_iter()
        .map(|(id, code)| (code.to_lowercase(), (id, code)))
        .collect();

    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen_hsa: HashMap<String, u64> = HashMap::new();
    let mut seen_email: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        let line = row.line;
        let before = errors.len();
        let mut bad = |column: &str, msg: Msg| errors.push(LineError::new(line, column, msg));
        let hsa_text = row.get(c_hsa);
        let hsa_id = if hsa_text.is_empty() {
            None
        } else {
            match model::normalise_hsa_id(hsa_text) {
                Ok(h) => {
                    if let Some(first) = seen_hsa.insert(h.clone(), line) {
                        bad("hsa_id", again(&h, first));
                    }
                    Some(h)
                }
                Err(m) => {
                    bad("hsa_id", m);
                    None
                }
            }
        };
        let name = crate::check::name(row.get(c_name)).unwrap_or_else(|m| {
            bad("name", m);
            String::new()
        });
        let email = match crate::check::email(row.get(c_email)) {
            Ok(e) => {
                if let Some(first) = seen_email.insert(e.to_lowercase(), line) {
                    bad("email", again(&e, first));
                }
                e
            }
            Err(m) => {
                bad("email", m);
                String::new()
            }
        };
        let profession = Profession::parse(row.get(c_prof));
        if profession.is_none() {
            bad(
                "profession",
                msg!("import.error_profession", value = got(row.get(c_prof))),
            );
        }
        let unit = unit_codes.get(&row.get(c_unit).to_lowercase()).cloned();
        if unit.is_none() {
            bad(
                "unit_code",
                msg!("import.error_no_unit", code = got(row.get(c_unit))),
            );
        }
        let from_text = row.get(c_from);
        let employed_from = if from_text.is_empty() {
            None
        } else {
            match crate::check::date(from_text) {
                Some(d) => match model::check_started(d, today) {
                    Ok(()) => Some(d),
                    Err(e) => {
                        bad("employed_from", e.msg());
                        None
                    }
                },
                None => {
                    bad(
                        "employed_from",
                        msg!(
                            "import.error_got",
                            message = msg!("input.not_a_date"),
                            value = got(from_text)
                        ),
                    );
                    None
                }
            }
        };
        if errors.len() > before {
            continue;
        }
        let (Some(profession), Some((unit_id, unit_code))) = (profession, unit) else {
            continue;
        };
        rows.push(StaffRow {
            line,
            hsa_id,
            name,
            email,
            profession,
            unit_id,
            unit_code,
            employed_from,
        });
    }

    let mut changes = Vec::new();
    let mut ops = Vec::new();
    let mut unchanged = 0;
    for r in rows {
        let by_hsa = match &r.hsa_id {
            Some(h) => store::person_by_hsa_id(conn, h).map_err(db_err)?,
            None => None,
        };
        let by_email = store::person_by_email(conn, &r.email).map_err(db_err)?;
        let existing = match (by_hsa, by_email) {
            (Some(a), Some(b)) if a.id != b.id => {
                errors.push(LineError::new(
                    r.line,
                    "email",
                    msg!(
                        "import.error_email_other",
                        email = r.email.as_str(),
                        name = b.name.as_str()
                    ),
                ));
                continue;
            }
            (Some(a), _) => Some(a),
            (None, Some(b)) => {
                if let (Some(theirs), Some(ours)) = (&b.hsa_id, &r.hsa_id)
                    && theirs != ours
                {
                    errors.push(LineError::new(
                        r.line,
                        "hsa_id",
                        msg!(
                            "import.error_hsa_registered",
                            email = r.email.as_str(),
                            hsa_id = theirs.as_str()
                        ),
                    ));
                    continue;
                }
                Some(b)
            }
            (None, None) => None,
        };
        let from = r.employed_from.unwrap_or(today);
        let assignment = Assignment {
            unit_id: r.unit_id,
            profession: r.profession,
            from,
        };
        let Some(p) = existing else {
            // Professions are shown as the file writes them (the stored
            // names), like its columns.
            changes.push(on_line(
                r.line,
                msg!(
                    "import.new_person",
                    name = r.name.as_str(),
                    profession = r.profession.as_str(),
                    unit = r.unit_code.as_str(),
                    from
                ),
            ));
            ops.push(StaffOp::NewPerson(NewPerson {
                name: r.name,
                email: r.email,
                hsa_id: r.hsa_id,
                profession: r.profession,
                unit_id: r.unit_id,
                from,
            }));
            continue;
        };
        let mut what = Vec::new();
        let hsa_id = r.hsa_id.clone().or(p.hsa_id.clone());
        if p.name != r.name || p.email != r.email || p.hsa_id != hsa_id {
            for (key, old, new) in [
                ("import.changed_name", p.name.clone(), r.name.clone()),
                ("import.changed_email", p.email.clone(), r.email.clone()),
                (
                    "import.changed_hsa_id",
                    p.hsa_id.clone().unwrap_or_default(),
                    hsa_id.clone().unwrap_or_default(),
                ),
            ] {
                if old != new {
                    what.push(Msg::new(key).with("was", old).with("now", new));
                }
            }
            ops.push(StaffOp::UpdateDetails {
                id: p.id,
                identity: Identity {
                    name: r.name.clone(),
                    email: r.email.clone(),
                    hsa_id,
                },
            });
        }
        let left = p.left_on.filter(|l| *l <= today);
        if let Some(leaves) = p.left_on.filter(|l| *l > today) {
            // Still employed, during notice: listed unchanged is fine, a move is not.
            if p.unit_id != r.unit_id || p.profession != r.profession {
                errors.push(LineError::new(
                    r.line,
                    "unit_code",
                    msg!(
                        "import.error_leaves_later",
                        name = p.name.as_str(),
                        date = leaves
                    ),
                ));
                continue;
            }
        } else if let Some(left_on) = left {
            if let Err(e) = model::check_rejoin(left_on, from) {
                errors.push(LineError::new(r.line, "employed_from", e));
                continue;
            }
            what.push(msg!("import.rehired", unit = r.unit_code.as_str(), from));
            ops.push(StaffOp::Rejoin {
                id: p.id,
                assignment,
            });
        } else if p.unit_id != r.unit_id || p.profession != r.profession {
            if let Some((_, cur)) = store::current(conn, p.id).map_err(db_err)?
                && let Err(e) = model::plan_change(cur, r.unit_id, r.profession, from)
            {
                errors.push(LineError::new(r.line, "employed_from", e));
                continue;
            }
            what.push(msg!(
                "import.moved",
                was_unit = p.unit_code.as_str(),
                was_profession = p.profession.as_str(),
                unit = r.unit_code.as_str(),
                profession = r.profession.as_str(),
                from
            ));
            ops.push(StaffOp::Move {
                id: p.id,
                assignment,
            });
        }
        if what.is_empty() {
            unchanged += 1;
        } else {
            changes.push(on_line(
                r.line,
                msg!(
                    "import.person_changed",
                    name = p.name.as_str(),
                    changes = list(what)
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(Plan {
            changes,
            unchanged,
            ops: PlanOps::Staff(ops),
        })
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// Which file an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// Regions, administrations, units.
    Units,
    /// People.
    Staff,
}

impl ImportKind {
    /// `units` or `staff`.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Units => "units",
            ImportKind::Staff => "staff",
        }
    }

    /// Catalogue key of the import's title.
    pub fn title_key(self) -> &'static str {
        match self {
            ImportKind::Units => "import.units",
            ImportKind::Staff => "import.staff",
        }
    }

    /// Catalogue key of the help under the upload form.
    pub fn help_key(self) -> &'static str {
        match self {
            ImportKind::Units => "import.units_help",
            ImportKind::Staff => "import.staff_help",
        }
    }
}

/// Plans a file of either kind.
pub fn plan(
    conn: &Connection,
    kind: ImportKind,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<Plan, Vec<LineError>> {
    match kind {
        ImportKind::Units => plan_units(conn, bytes),
        ImportKind::Staff => plan_staff(conn, bytes, today),
    }
}

/// What `run_in` did.
#[derive(Debug)]
pub enum Outcome {
    /// The file has bad lines; nothing was written.
    Rejected(Vec<LineError>),
    /// The plan (applied unless a dry run).
    Planned(Plan),
}

/// Plans and, unless `dry_run`, applies an import in the unit of work `w`
/// (whose caller commits only when this returns `Planned`).
pub fn run_in(
    w: &Work,
    kind: ImportKind,
    bytes: &[u8],
    dry_run: bool,
    today: NaiveDate,
) -> Result<Outcome, AppError> {
    let plan = match plan(w, kind, bytes, today) {
        Ok(p) => p,
        Err(errors) => return Ok(Outcome::Rejected(errors)),
    };
    if !dry_run && !plan.is_empty() {
        actions::apply_import(w, &plan, today)?;
    }
    Ok(Outcome::Planned(plan))
}
