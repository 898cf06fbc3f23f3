//! Organisation and staff imports. A file is read and checked whole into a plan;
//! only a plan without a single bad line is applied, inside one transaction, so
//! a bad file writes nothing. The dry run shows the same plan.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde::Serialize;
use serde_json::json;

use super::model::{self, Profession};
use super::store::{self, NewPerson, UnitInput};
use crate::audit::store::{self as audit, Actor, Entry};
use crate::i18n::Text;
use crate::text;
use crate::web::csv::{self, LineError};

/// What an import would do, line by line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// One line per change, in both languages.
    pub changes: Vec<Text>,
    /// Rows that change nothing.
    pub unchanged: usize,
    #[serde(skip)]
    ops: Vec<Op>,
}

impl Plan {
    /// True when applying would change nothing.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Region(String),
    Administration {
        region: String,
        name: String,
    },
    NewUnit {
        region: String,
        administration: String,
        input: UnitInput,
    },
    UpdateUnit {
        id: i64,
        region: String,
        administration: String,
        input: UnitInput,
        /// Kept as it is: an import does not bring back a deactivated unit.
        active: bool,
        before: serde_json::Value,
    },
    NewPerson(NewPerson),
    UpdateDetails {
        id: i64,
        name: String,
        email: String,
        hsa_id: Option<String>,
        before: serde_json::Value,
    },
    Move {
        id: i64,
        unit_id: i64,
        profession: Profession,
        from: NaiveDate,
    },
    Rejoin {
        id: i64,
        unit_id: i64,
        profession: Profession,
        from: NaiveDate,
    },
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
    let today = NaiveDate::MIN;
    let units: HashMap<String, store::Unit> = store::units(
        conn,
        &store::UnitQuery {
            inactive: Some("1".into()),
            ..Default::default()
        },
        today,
    )
    .map_err(db_err)?
    .into_iter()
    .map(|u| (u.code.to_lowercase(), u))
    .collect();

    let mut errors = Vec::new();
    let mut plan = Plan::default();
    let mut new_regions: HashSet<String> = HashSet::new();
    let mut new_admins: HashSet<(String, String)> = HashSet::new();
    let mut seen_codes: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        let line = row.line;
        let mut bad = |column: &str, msg: Text| errors.push(LineError::new(line, column, msg));
        let region = row
            .get(c_region)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let admin = row
            .get(c_admin)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let code = row.get(c_code).to_string();
        let name = row
            .get(c_name)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if region.is_empty() {
            bad("region", required());
        }
        if admin.is_empty() {
            bad("administration", required());
        }
        if name.is_empty() {
            bad("unit_name", required());
        }
        if code.is_empty() {
            bad("unit_code", required());
        } else if code.len() > 32
            || !code
                .chars()
                .all(|c| c.is_alphanumeric() || "-_.".contains(c))
        {
            bad(
                "unit_code",
                text!(
                    "bokstäver, siffror, - _ . och högst 32 tecken",
                    "letters, digits, - _ . and at most 32 characters"
                ),
            );
        } else if let Some(first) = seen_codes.insert(code.to_lowercase(), line) {
            bad("unit_code", again(&code, first));
        }
        let chemo = csv::parse_bool(row.get(c_chemo));
        if chemo.is_none() {
            bad(
                "gives_chemotherapy",
                text!(
                    "väntade ja/nej, yes/no, true/false eller 1/0, fick {:?}",
                    "expected yes/no, ja/nej, true/false or 1/0, got {:?}",
                    row.get(c_chemo)
                ),
            );
        }
        let cap_text = row.get(c_cap);
        let capacity = if cap_text.is_empty() {
            Some(None)
        } else {
            match cap_text.parse::<i64>() {
                Ok(n) if (0..=1000).contains(&n) => Some(Some(n)),
                _ => {
                    bad(
                        "trainee_capacity",
                        text!(
                            "väntade ett heltal från 0 till 1000, fick {cap_text:?}",
                            "expected a whole number from 0 to 1000, got {cap_text:?}"
                        ),
                    );
                    None
                }
            }
        };
        let (Some(chemo), Some(capacity)) = (chemo, capacity) else {
            continue;
        };
        if region.is_empty() || admin.is_empty() || name.is_empty() || code.is_empty() {
            continue;
        }
        let region_id = regions.get(&region.to_lowercase()).copied();
        if region_id.is_none() && new_regions.insert(region.to_lowercase()) {
            plan.changes.push(text!(
                "rad {line}: ny region {region}",
                "line {line}: new region {region}"
            ));
            plan.ops.push(Op::Region(region.clone()));
        }
        let admin_id = region_id.and_then(|r| admins.get(&(r, admin.to_lowercase())).copied());
        if admin_id.is_none() && new_admins.insert((region.to_lowercase(), admin.to_lowercase())) {
            plan.changes.push(text!(
                "rad {line}: ny förvaltning {admin} i {region}",
                "line {line}: new administration {admin} in {region}"
            ));
            plan.ops.push(Op::Administration {
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
                let chemo = yes_no(chemo);
                plan.changes.push(Text::new(
                    format!(
                        "rad {line}: ny enhet {code} {name} ({admin}, {region}); cytostatika {}",
                        chemo.sv
                    ),
                    format!(
                        "line {line}: new unit {code} {name} ({admin}, {region}); chemotherapy {}",
                        chemo.en
                    ),
                ));
                plan.ops.push(Op::NewUnit {
                    region,
                    administration: admin,
                    input,
                });
            }
            Some(existing) => {
                let mut what = Vec::new();
                if existing.name != name {
                    let was = &existing.name;
                    what.push(text!("namn {was} → {name}", "name {was} → {name}"));
                }
                if admin_id != Some(existing.administration_id) {
                    let was = &existing.administration_name;
                    what.push(text!(
                        "förvaltning {was} → {admin}",
                        "administration {was} → {admin}"
                    ));
                }
                if existing.gives_chemotherapy != chemo {
                    let chemo = yes_no(chemo);
                    what.push(Text::new(
                        format!("cytostatika → {}", chemo.sv),
                        format!("chemotherapy → {}", chemo.en),
                    ));
                }
                if existing.trainee_capacity != capacity {
                    let shown =
                        |c: Option<i64>| c.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
                    let (was, now) = (shown(existing.trainee_capacity), shown(capacity));
                    what.push(text!(
                        "platser för ST-läkare {was} → {now}",
                        "trainee capacity {was} → {now}"
                    ));
                }
                if what.is_empty() {
                    plan.unchanged += 1;
                } else {
                    let what = Text::join(&what, ", ");
                    plan.changes.push(Text::new(
                        format!("rad {line}: enhet {code}: {}", what.sv),
                        format!("line {line}: unit {code}: {}", what.en),
                    ));
                    plan.ops.push(Op::UpdateUnit {
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
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// A database failure while planning, as the one problem of the file.
pub fn database_error(e: &rusqlite::Error) -> LineError {
    LineError::new(
        0,
        "database",
        text!("databasfel: {e}", "database error: {e}"),
    )
}

fn required() -> Text {
    text!("obligatoriskt", "required")
}

/// `value` was seen before, on line `first`.
pub fn again(value: &str, first: u64) -> Text {
    text!(
        "{value} förekommer igen (först på rad {first})",
        "{value} appears again (first on line {first})"
    )
}

fn yes_no(b: bool) -> Text {
    if b {
        text!("ja", "yes")
    } else {
        text!("nej", "no")
    }
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

    let mut unit_codes: HashMap<String, (i64, String)> = HashMap::new();
    {
        let mut stmt = conn.prepare("SELECT id, code FROM unit").map_err(db_err)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(db_err)?;
        for row in rows {
            let (id, code) = row.map_err(db_err)?;
            unit_codes.insert(code.to_lowercase(), (id, code));
        }
    }

    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen_hsa: HashMap<String, u64> = HashMap::new();
    let mut seen_email: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        let line = row.line;
        let before = errors.len();
        let mut bad = |column: &str, msg: Text| errors.push(LineError::new(line, column, msg));
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
                    bad("hsa_id", Text::from_pair(m));
                    None
                }
            }
        };
        let name = crate::check::name(row.get(c_name)).unwrap_or_else(|m| {
            bad("name", Text::from_msg(&m));
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
                bad("email", Text::from_msg(&m));
                String::new()
            }
        };
        let profession = Profession::parse(row.get(c_prof));
        if profession.is_none() {
            bad(
                "profession",
                text!(
                    "okänt yrke {:?}; väntade nurse, assistant_nurse, st_doctor, physician eller other",
                    "unknown profession {:?}; expected nurse, assistant_nurse, st_doctor, physician or other",
                    row.get(c_prof)
                ),
            );
        }
        let unit = unit_codes.get(&row.get(c_unit).to_lowercase()).cloned();
        if unit.is_none() {
            bad(
                "unit_code",
                text!(
                    "ingen enhet har koden {:?}",
                    "no unit has the code {:?}",
                    row.get(c_unit)
                ),
            );
        }
        let from_text = row.get(c_from);
        let employed_from = if from_text.is_empty() {
            None
        } else {
            match crate::check::date(from_text) {
                Some(d) if d > today => {
                    bad(
                        "employed_from",
                        text!("{d} ligger i framtiden", "{d} is in the future"),
                    );
                    None
                }
                Some(d) => Some(d),
                None => {
                    bad(
                        "employed_from",
                        text!(
                            "väntade ett datum ÅÅÅÅ-MM-DD, fick {from_text:?}",
                            "expected a date YYYY-MM-DD, got {from_text:?}"
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

    let mut plan = Plan::default();
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
                    text!(
                        "{} tillhör en annan person ({}) än HSA-id:t",
                        "{} belongs to another person ({}) than the HSA-id",
                        r.email,
                        b.name
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
                        text!(
                            "{} är registrerad med HSA-id {theirs}",
                            "{} is registered with HSA-id {theirs}",
                            r.email
                        ),
                    ));
                    continue;
                }
                Some(b)
            }
            (None, None) => None,
        };
        let Some(p) = existing else {
            let from = r.employed_from.unwrap_or(today);
            plan.changes.push(text!(
                "rad {}: ny person {} ({}, {}) från {from}",
                "line {}: new person {} ({}, {}) from {from}",
                r.line,
                r.name,
                r.profession.as_str(),
                r.unit_code
            ));
            plan.ops.push(Op::NewPerson(NewPerson {
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
            for ((sv, en), old, new) in [
                (("namn", "name"), p.name.clone(), r.name.clone()),
                (("e-post", "email"), p.email.clone(), r.email.clone()),
                (
                    ("HSA-id", "hsa_id"),
                    p.hsa_id.clone().unwrap_or_default(),
                    hsa_id.clone().unwrap_or_default(),
                ),
            ] {
                if old != new {
                    what.push(text!("{sv} {old} → {new}", "{en} {old} → {new}"));
                }
            }
            plan.ops.push(Op::UpdateDetails {
                id: p.id,
                name: r.name.clone(),
                email: r.email.clone(),
                hsa_id,
                before: json!(p),
            });
        }
        let from = r.employed_from.unwrap_or(today);
        let left = p.left_on.filter(|l| *l <= today);
        if let Some(leaves) = p.left_on.filter(|l| *l > today) {
            // Still employed, during notice: listed unchanged is fine, a move is not.
            if p.unit_id != r.unit_id || p.profession != r.profession {
                errors.push(LineError::new(
                    r.line,
                    "unit_code",
                    text!(
                        "{} slutar {leaves}; en flytt kan inte registreras före dess",
                        "{} leaves on {leaves}; a move cannot be recorded before then",
                        p.name
                    ),
                ));
                continue;
            }
        } else if left.is_some() {
            if let Err(m) = model::check_rejoin(p.left_on.unwrap_or(from), from) {
                errors.push(LineError::new(r.line, "employed_from", Text::from_pair(&m)));
                continue;
            }
            what.push(text!(
                "återanställd på {} från {from}",
                "rehired in {} from {from}",
                r.unit_code
            ));
            plan.ops.push(Op::Rejoin {
                id: p.id,
                unit_id: r.unit_id,
                profession: r.profession,
                from,
            });
        } else if p.unit_id != r.unit_id || p.profession != r.profession {
            if let Some((_, cur)) = store::current(conn, p.id).map_err(db_err)?
                && let Err(m) = model::plan_change(cur, r.unit_id, r.profession, from)
            {
                errors.push(LineError::new(r.line, "employed_from", Text::from_pair(&m)));
                continue;
            }
            what.push(text!(
                "{} {} → {} {} från {from}",
                "{} {} → {} {} from {from}",
                p.unit_code,
                p.profession.as_str(),
                r.unit_code,
                r.profession.as_str()
            ));
            plan.ops.push(Op::Move {
                id: p.id,
                unit_id: r.unit_id,
                profession: r.profession,
                from,
            });
        }
        if what.is_empty() {
            plan.unchanged += 1;
        } else {
            let what = Text::join(&what, ", ");
            plan.changes.push(Text::new(
                format!("rad {}: {}: {}", r.line, p.name, what.sv),
                format!("line {}: {}: {}", r.line, p.name, what.en),
            ));
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// Applies a checked plan inside the caller's transaction, with an audit row per change.
pub fn apply(
    tx: &Connection,
    plan: &Plan,
    kind: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), ApplyError> {
    let entry = |action: &'static str,
                 entity: &'static str,
                 id: i64,
                 before: Option<serde_json::Value>,
                 after: serde_json::Value| Entry {
        action,
        entity,
        entity_id: Some(id.to_string()),
        before,
        after: Some(after),
    };
    for op in &plan.ops {
        match op {
            Op::Region(name) => {
                let id = store::create_region(tx, name)?;
                audit::record(
                    tx,
                    actor,
                    now,
                    entry("region.create", "region", id, None, json!({"name": name})),
                )?;
            }
            Op::Administration { region, name } => {
                let region_id = region_id(tx, region)?;
                let id = store::create_administration(tx, region_id, name)?;
                audit::record(
                    tx,
                    actor,
                    now,
                    entry(
                        "administration.create",
                        "administration",
                        id,
                        None,
                        json!({"region_id": region_id, "name": name}),
                    ),
                )?;
            }
            Op::NewUnit {
                region,
                administration,
                input,
            } => {
                let input = UnitInput {
                    administration_id: administration_id(tx, region, administration)?,
                    ..input.clone()
                };
                let id = store::create_unit(tx, &input)?;
                audit::record(
                    tx,
                    actor,
                    now,
                    entry("unit.create", "unit", id, None, json!(input)),
                )?;
            }
            Op::UpdateUnit {
                id,
                region,
                administration,
                input,
                active,
                before,
            } => {
                let input = UnitInput {
                    administration_id: administration_id(tx, region, administration)?,
                    ..input.clone()
                };
                store::update_unit(tx, *id, &input, *active)?;
                audit::record(
                    tx,
                    actor,
                    now,
                    entry(
                        "unit.update",
                        "unit",
                        *id,
                        Some(before.clone()),
                        json!(input),
                    ),
                )?;
            }
            Op::NewPerson(p) => {
                let id = store::create_person(tx, p, now)?;
                audit::record(
                    tx,
                    actor,
                    now,
                    entry("person.create", "person", id, None, json!(p)),
                )?;
            }
            Op::UpdateDetails {
                id,
                name,
                email,
                hsa_id,
                before,
            } => {
                store::update_person_details(tx, *id, name, email, hsa_id.as_deref())?;
                audit::record(
                    tx,
                    actor,
                    now,
                    entry(
                        "person.update",
                        "person",
                        *id,
                        Some(before.clone()),
                        json!({"name": name, "email": email, "hsa_id": hsa_id}),
                    ),
                )?;
            }
            Op::Move {
                id,
                unit_id,
                profession,
                from,
            } => {
                store::change_assignment(tx, *id, *unit_id, *profession, *from)?
                    .map_err(ApplyError::Rule)?;
                audit::record(
                    tx,
                    actor,
                    now,
                    entry(
                        "person.move",
                        "person",
                        *id,
                        None,
                        json!({"unit_id": unit_id, "profession": profession, "from": from}),
                    ),
                )?;
            }
            Op::Rejoin {
                id,
                unit_id,
                profession,
                from,
            } => {
                store::rejoin(tx, *id, *unit_id, *profession, *from)?.map_err(ApplyError::Rule)?;
                audit::record(
                    tx,
                    actor,
                    now,
                    entry(
                        "person.rejoin",
                        "person",
                        *id,
                        None,
                        json!({"unit_id": unit_id, "profession": profession, "from": from}),
                    ),
                )?;
            }
        }
    }
    audit::record(
        tx,
        actor,
        now,
        Entry {
            action: if kind == "units" {
                "import.units"
            } else {
                "import.staff"
            },
            entity: "import",
            entity_id: None,
            before: None,
            after: Some(json!({"changes": plan.changes.len(), "unchanged": plan.unchanged})),
        },
    )?;
    Ok(())
}

fn region_id(tx: &Connection, name: &str) -> rusqlite::Result<i64> {
    tx.query_row(
        "SELECT id FROM region WHERE name = ?1 COLLATE NOCASE",
        [name],
        |r| r.get(0),
    )
}

fn administration_id(tx: &Connection, region: &str, name: &str) -> rusqlite::Result<i64> {
    tx.query_row(
        "SELECT a.id FROM administration a JOIN region r ON r.id = a.region_id
         WHERE r.name = ?1 COLLATE NOCASE AND a.name = ?2 COLLATE NOCASE",
        [region, name],
        |r| r.get(0),
    )
}

/// Failure while applying a plan (rolled back by the caller).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// SQLite failed.
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
    /// A history rule refused a change.
    #[error("{0}")]
    Rule(String),
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

/// What `run` did.
#[derive(Debug)]
pub enum Outcome {
    /// The file has bad lines; nothing was written.
    Rejected(Vec<LineError>),
    /// The plan (applied unless a dry run).
    Planned(Plan),
}

/// Plans and, unless `dry_run`, applies an import inside the caller's
/// transaction (which the caller commits only when this returns `Planned`).
pub fn run_in(
    tx: &Connection,
    kind: ImportKind,
    bytes: &[u8],
    dry_run: bool,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Outcome, ApplyError> {
    let plan = match plan(tx, kind, bytes, today) {
        Ok(p) => p,
        Err(errors) => return Ok(Outcome::Rejected(errors)),
    };
    if !dry_run && !plan.is_empty() {
        apply(tx, &plan, kind.as_str(), actor, now)?;
    }
    Ok(Outcome::Planned(plan))
}
