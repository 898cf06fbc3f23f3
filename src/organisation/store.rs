//! Regions, administrations, units, people and their employment history:
//! the SQL, and nothing else (the rules are in `model`, the checks in
//! `actions`).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde::Serialize;

use std::collections::HashMap;

use super::model::{Assignment, ChemoHistory, Current, HistoryStep, Profession};
use crate::auth::model::UnitFilter;
use crate::clock::stamp;
use crate::db::collation;

pub use crate::db::is_unique_violation;

/// The history changes with their rules, for code that fills a database
/// without audit rows (the demo data, tests); the actions use them too.
pub use super::history::{change_assignment, mark_left, rejoin};

/// A region with counts.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Shown in pickers.
    pub active: bool,
}

/// An administration (förvaltning).
#[derive(Debug, Clone, Serialize)]
pub struct Administration {
    /// Id.
    pub id: i64,
    /// Its region.
    pub region_id: i64,
    /// The region's name.
    pub region_name: String,
    /// Name.
    pub name: String,
    /// Shown in pickers.
    pub active: bool,
}

/// A unit with where it sits and how many people work there now.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    /// Id.
    pub id: i64,
    /// Short code, unique.
    pub code: String,
    /// Name.
    pub name: String,
    /// Its administration.
    pub administration_id: i64,
    /// The administration's name.
    pub administration_name: String,
    /// Its region.
    pub region_id: i64,
    /// The region's name.
    pub region_name: String,
    /// Its nurses must hold the chemotherapy licence.
    pub gives_chemotherapy: bool,
    /// Trainees it can host at once.
    pub trainee_capacity: Option<i64>,
    /// Shown in pickers.
    pub active: bool,
    /// People working there today.
    pub staff: i64,
}

/// Every region.
pub fn regions(conn: &Connection) -> rusqlite::Result<Vec<Region>> {
    let mut stmt =
        conn.prepare("SELECT id, name, active FROM region ORDER BY name COLLATE swedish")?;
    stmt.query_map([], |r| {
        Ok(Region {
            id: r.get(0)?,
            name: r.get(1)?,
            active: r.get(2)?,
        })
    })?
    .collect()
}

/// One region.
pub fn region(conn: &Connection, id: i64) -> rusqlite::Result<Option<Region>> {
    conn.query_row(
        "SELECT id, name, active FROM region WHERE id = ?1",
        [id],
        |r| {
            Ok(Region {
                id: r.get(0)?,
                name: r.get(1)?,
                active: r.get(2)?,
            })
        },
    )
    .optional()
}

/// Creates a region.
pub fn create_region(conn: &Connection, name: &str) -> rusqlite::Result<i64> {
    conn.execute("INSERT INTO region (name) VALUES (?1)", [name])?;
    Ok(conn.last_insert_rowid())
}

/// Renames or (de)activates a region.
pub fn update_region(
    conn: &Connection,
    id: i64,
    name: &str,
    active: bool,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE region SET name = ?2, active = ?3 WHERE id = ?1",
        params![id, name, active],
    )
}

fn administration_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Administration> {
    Ok(Administration {
        id: r.get(0)?,
        region_id: r.get(1)?,
        region_name: r.get(2)?,
        name: r.get(3)?,
        active: r.get(4)?,
    })
}

const ADMINISTRATION_SELECT: &str = "SELECT a.id, a.region_id, r.name, a.name, a.active FROM administration a JOIN region r ON r.id = a.region_id";

/// Administrations, of one region or all.
pub fn administrations(
    conn: &Connection,
    region_id: Option<i64>,
) -> rusqlite::Result<Vec<Administration>> {
    let mut stmt = conn.prepare(&format!(
        "{ADMINISTRATION_SELECT} WHERE ?1 IS NULL OR a.region_id = ?1 ORDER BY r.name COLLATE swedish, a.name COLLATE swedish"
    ))?;
    stmt.query_map([region_id], administration_from_row)?
        .collect()
}

/// One administration.
pub fn administration(conn: &Connection, id: i64) -> rusqlite::Result<Option<Administration>> {
    conn.query_row(
        &format!("{ADMINISTRATION_SELECT} WHERE a.id = ?1"),
        [id],
        administration_from_row,
    )
    .optional()
}

/// Creates an administration in a region.
pub fn create_administration(
    conn: &Connection,
    region_id: i64,
    name: &str,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO administration (region_id, name) VALUES (?1, ?2)",
        params![region_id, name],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Changes an administration.
pub fn update_administration(
    conn: &Connection,
    id: i64,
    region_id: i64,
    name: &str,
    active: bool,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE administration SET region_id = ?2, name = ?3, active = ?4 WHERE id = ?1",
        params![id, region_id, name, active],
    )
}

const UNIT_SELECT: &str = "SELECT u.id, u.code, u.name, u.administration_id, a.name, a.region_id, r.name,
        u.gives_chemotherapy, u.trainee_capacity, u.active,
        (SELECT count(*) FROM person p WHERE p.unit_id = u.id AND (p.left_on IS NULL OR p.left_on > ?1))
    FROM unit u JOIN administration a ON a.id = u.administration_id JOIN region r ON r.id = a.region_id";

fn unit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Unit> {
    Ok(Unit {
        id: r.get(0)?,
        code: r.get(1)?,
        name: r.get(2)?,
        administration_id: r.get(3)?,
        administration_name: r.get(4)?,
        region_id: r.get(5)?,
        region_name: r.get(6)?,
        gives_chemotherapy: r.get(7)?,
        trainee_capacity: r.get(8)?,
        active: r.get(9)?,
        staff: r.get(10)?,
    })
}

/// Filters for the unit list.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UnitQuery {
    /// Part of the code or name.
    #[serde(default)]
    pub q: String,
    /// Only this administration.
    pub administration: Option<i64>,
    /// Only this region.
    pub region: Option<i64>,
    /// Include inactive units.
    #[serde(default)]
    pub inactive: Option<String>,
}

/// Units matching `query`, by region, administration and name.
pub fn units(
    conn: &Connection,
    query: &UnitQuery,
    today: NaiveDate,
) -> rusqlite::Result<Vec<Unit>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{UNIT_SELECT} WHERE (?2 = '' OR u.code LIKE '%' || ?2 || '%' OR u.name LIKE '%' || ?2 || '%')
           AND (?3 IS NULL OR u.administration_id = ?3)
           AND (?4 IS NULL OR a.region_id = ?4)
           AND (?5 OR u.active = 1)
         ORDER BY r.name COLLATE swedish, a.name COLLATE swedish, u.name COLLATE swedish"
    ))?;
    stmt.query_map(
        params![
            today.to_string(),
            query.q.trim(),
            query.administration,
            query.region,
            query.inactive.is_some()
        ],
        unit_from_row,
    )?
    .collect()
}

/// One unit.
pub fn unit(conn: &Connection, id: i64, today: NaiveDate) -> rusqlite::Result<Option<Unit>> {
    conn.query_row(
        &format!("{UNIT_SELECT} WHERE u.id = ?2"),
        params![today.to_string(), id],
        unit_from_row,
    )
    .optional()
}

/// A unit's id by its code (case-insensitive).
pub fn unit_id_by_code(conn: &Connection, code: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM unit WHERE code = ?1 COLLATE NOCASE",
        [code.trim()],
        |r| r.get(0),
    )
    .optional()
}

/// What a unit form or import row sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitInput {
    /// Administration.
    pub administration_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Gives chemotherapy.
    pub gives_chemotherapy: bool,
    /// Trainee capacity.
    pub trainee_capacity: Option<i64>,
}

/// Creates a unit.
pub fn create_unit(conn: &Connection, u: &UnitInput) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO unit (administration_id, code, name, gives_chemotherapy, trainee_capacity) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![u.administration_id, u.code, u.name, u.gives_chemotherapy, u.trainee_capacity],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Records that unit `unit_id` gives (or stopped giving) chemotherapy from
/// `from`.
pub fn record_chemo_change(
    conn: &Connection,
    unit_id: i64,
    from: NaiveDate,
    gives: bool,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO unit_chemotherapy_change (unit_id, from_day, gives, recorded_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![unit_id, from.to_string(), gives, stamp(now)])?;
    Ok(())
}

/// Every unit's chemotherapy flag with its dated changes.
pub fn chemo_histories(conn: &Connection) -> rusqlite::Result<HashMap<i64, ChemoHistory>> {
    let mut out: HashMap<i64, ChemoHistory> = HashMap::new();
    let mut units = conn.prepare_cached("SELECT id, gives_chemotherapy FROM unit")?;
    for row in units.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, bool>(1)?)))? {
        let (id, now) = row?;
        out.insert(
            id,
            ChemoHistory {
                now,
                changes: Vec::new(),
            },
        );
    }
    let mut changes = conn.prepare_cached(
        "SELECT unit_id, from_day, gives FROM unit_chemotherapy_change ORDER BY unit_id, from_day, id",
    )?;
    for row in changes.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, bool>(2)?,
        ))
    })? {
        let (unit, from, gives) = row?;
        if let (Some(h), Some(from)) = (out.get_mut(&unit), crate::check::date(&from)) {
            h.changes.push((from, gives));
        }
    }
    Ok(out)
}

/// One unit's chemotherapy flag with its dated changes.
pub fn chemo_history(conn: &Connection, unit_id: i64) -> rusqlite::Result<ChemoHistory> {
    let now: Option<bool> = conn
        .prepare_cached("SELECT gives_chemotherapy FROM unit WHERE id = ?1")?
        .query_row([unit_id], |r| r.get(0))
        .optional()?;
    let changes = conn
        .prepare_cached(
            "SELECT from_day, gives FROM unit_chemotherapy_change WHERE unit_id = ?1 ORDER BY from_day, id",
        )?
        .query_map([unit_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))?
        .filter_map(|row| match row {
            Ok((from, gives)) => crate::check::date(&from).map(|d| Ok((d, gives))),
            Err(e) => Some(Err(e)),
        })
        .collect::<rusqlite::Result<_>>()?;
    Ok(ChemoHistory {
        now: now.unwrap_or(false),
        changes,
    })
}

/// Changes a unit.
pub fn update_unit(
    conn: &Connection,
    id: i64,
    u: &UnitInput,
    active: bool,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE unit SET administration_id = ?2, code = ?3, name = ?4, gives_chemotherapy = ?5, trainee_capacity = ?6, active = ?7 WHERE id = ?1",
        params![id, u.administration_id, u.code, u.name, u.gives_chemotherapy, u.trainee_capacity, active],
    )
}

/// A person with their current unit.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// HSA-id.
    pub hsa_id: Option<String>,
    /// Current profession.
    pub profession: Profession,
    /// Current (or last) unit.
    pub unit_id: i64,
    /// That unit's code.
    pub unit_code: String,
    /// That unit's name.
    pub unit_name: String,
    /// The day they left (first day not employed), when set.
    pub left_on: Option<NaiveDate>,
    /// When the record was created.
    pub created_at: String,
}

impl Person {
    /// Employed on `day`.
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.left_on.is_none_or(|l| l > day)
    }
}

const PERSON_SELECT: &str = "SELECT p.id, p.name, p.email, p.hsa_id, p.profession, p.unit_id, u.code, u.name, p.left_on, p.created_at
    FROM person p JOIN unit u ON u.id = p.unit_id";

fn person_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Person> {
    let profession: String = r.get(4)?;
    let left: Option<String> = r.get(8)?;
    Ok(Person {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        hsa_id: r.get(3)?,
        profession: Profession::parse(&profession).unwrap_or(Profession::Other),
        unit_id: r.get(5)?,
        unit_code: r.get(6)?,
        unit_name: r.get(7)?,
        left_on: left.as_deref().and_then(crate::check::date),
        created_at: r.get(9)?,
    })
}

/// Filters for the staff list and the people API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PeopleQuery {
    /// Part of the name, e-mail or HSA-id.
    #[serde(default)]
    pub q: String,
    /// Exact HSA-id.
    #[serde(default)]
    pub hsa_id: String,
    /// Exact e-mail.
    #[serde(default)]
    pub email: String,
    /// Unit code.
    #[serde(default)]
    pub unit: String,
    /// Profession.
    #[serde(default)]
    pub profession: String,
    /// Include people who have left.
    #[serde(default)]
    pub include_left: Option<String>,
    /// Page, from 1.
    pub page: Option<u32>,
    /// Rows per page.
    pub per_page: Option<u32>,
    /// The page that starts after this person in the order (next page).
    pub after: Option<i64>,
    /// The page that ends before this person in the order (previous page).
    pub before: Option<i64>,
}

/// Reads a checkbox or query flag: absent, empty, `0`, `false`, `no` and `nej` are off.
pub fn flag(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        !matches!(
            v.trim().to_lowercase().as_str(),
            "" | "0" | "false" | "no" | "nej" | "off"
        )
    })
}

/// How many people match a query: all of them, or at most a number (the
/// page says "more than" beyond it, and needs not count them all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Every match.
    All,
    /// Up to this many; one more means "more than".
    UpTo(i64),
}

/// The shortest search of any part of a name, e-mail or HSA-id (the
/// trigram index's shortest); two letters find the start of a word of the
/// name, one the start of the name.
const TRIGRAM: usize = 3;

/// What a search text asks of the trigram index, and the same test of one
/// person's row (for reading the name order): any part of the name, e-mail
/// or HSA-id, or for two letters the start of a word of the name.
fn text_test(text: &str) -> (String, &'static str, Vec<Value>) {
    let folded = text.to_lowercase();
    if text.chars().count() >= TRIGRAM {
        (
            format!("{{name email hsa_id}} : \"{}\"", text.replace('"', "\"\"")),
            "contains_folded(?, p.name, p.email, p.hsa_id)",
            vec![folded.into()],
        )
    } else {
        (
            format!("words : \" {}\"", text.replace('"', "\"\"")),
            "contains_folded(?, ' ' || replace(p.name, '-', ' '))",
            vec![format!(" {folded}").into()],
        )
    }
}

/// The conditions of a query, each with its parameters in the order its
/// `?` appear.
#[derive(Default)]
struct Conditions {
    sql: Vec<String>,
    values: Vec<Value>,
}

impl Conditions {
    fn and(&mut self, sql: &str, values: impl IntoIterator<Item = Value>) {
        self.sql.push(sql.to_string());
        self.values.extend(values);
    }

    fn where_sql(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.sql.join(" AND "))
        }
    }
}

/// How a search's rows are found.
enum Plan {
    /// Every person, along the name order.
    Everyone,
    /// Names starting with one letter: a range of the name order.
    NameStarts(String, String),
    /// Few matches: the trigram index finds them all, then they are sorted.
    Index(String),
    /// More: the name order's index is read and each id looked up among the
    /// matches, so only a page of rows is fetched and nothing sorted.
    AmongMatches(String),
    /// Already narrowed to a few people (a unit, a manager's units, an
    /// exact HSA-id or e-mail): each of them tested.
    Narrowed(&'static str, Vec<Value>),
    /// Very many: the name order is read and each row tested (the test and
    /// its parameters); a page is found within a few rows.
    Walk(String, &'static str, Vec<Value>),
}

/// How many of the people a phrase matches, as far as it decides a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Density {
    Few,
    More,
    VeryMany,
}

/// People matching `query` that the user may see, by name in Swedish order,
/// and how many match (as `count` asks). A page is `page` (from 1) of
/// `per_page`, or the one after or before a person (`query.after`,
/// `query.before`).
///
/// Every way in is an index. Three letters or more search any part of the
/// name, e-mail and HSA-id, two letters the start of a word of the name,
/// one letter the start of the name. The trigram index's matches are
/// fetched and sorted when they are few, looked up while the name order is
/// read when there are more, and when very many the name order is read and
/// each person tested (see [`density`]). Managers' units and the exact
/// filters (unit, HSA-id, e-mail) narrow the rows by their own indexes,
/// and each of those people is tested.
#[allow(clippy::too_many_arguments)]
pub fn search_people(
    conn: &Connection,
    query: &PeopleQuery,
    visible: &UnitFilter,
    own_person: Option<i64>,
    today: NaiveDate,
    page: u32,
    per_page: u32,
    count: Count,
) -> rusqlite::Result<(Vec<Person>, i64)> {
    let text = search_text(&query.q);
    let mut narrow = Conditions::default();
    let hsa_id = query.hsa_id.trim();
    if !hsa_id.is_empty() {
        narrow.and("p.hsa_id = upper(?)", [hsa_id.to_string().into()]);
    }
    let email = query.email.trim();
    if !email.is_empty() {
        narrow.and("p.email = ?", [email.to_string().into()]);
    }
    let unit = query.unit.trim();
    if !unit.is_empty() {
        narrow.and(
            "p.unit_id IN (SELECT id FROM unit WHERE code = ? COLLATE NOCASE)",
            [unit.to_string().into()],
        );
    }
    if let UnitFilter::Only(ids) = visible {
        narrow.and(
            "p.id IN (SELECT id FROM person WHERE unit_id IN (SELECT value FROM json_each(?))
                      UNION ALL SELECT ?)",
            [
                serde_json::to_string(ids)
                    .unwrap_or_else(|_| "[]".into())
                    .into(),
                own_person.into(),
            ],
        );
    }
    let mut wide = Conditions::default();
    let profession = query.profession.trim();
    if !profession.is_empty() {
        let profession = Profession::parse(profession).map_or(profession, |p| p.as_str());
        wide.and("p.profession = ?", [profession.to_string().into()]);
    }
    if !flag(query.include_left.as_deref()) {
        wide.and(
            "(p.left_on IS NULL OR p.left_on > ?)",
            [today.to_string().into()],
        );
    }
    let offset = match (query.after, query.before) {
        (None, None) => u64::from(page.saturating_sub(1)) * u64::from(per_page),
        _ => 0,
    };
    let plan = if text.is_empty() {
        Plan::Everyone
    } else if text.chars().count() == 1 {
        let (from, to) = collation::prefix_range(&text);
        Plan::NameStarts(from, to)
    } else {
        let (phrase, test, values) = text_test(&text);
        let read = offset + u64::from(per_page) + 1;
        if !narrow.sql.is_empty() {
            Plan::Narrowed(test, values)
        } else {
            match density(conn, &phrase, read)? {
                Density::Few => Plan::Index(phrase),
                Density::More => Plan::AmongMatches(phrase),
                Density::VeryMany => Plan::Walk(phrase, test, values),
            }
        }
    };
    // Where a page's rows come from, and how they are counted (a count of
    // matches reads the trigram index even when a page walks the names).
    let mut from = "FROM person p";
    let mut counted_from = from;
    let mut conditions = narrow;
    let mut counted = Conditions::default();
    match &plan {
        Plan::Everyone => {}
        Plan::NameStarts(start, end) => conditions.and(
            "p.sort_name >= ? AND p.sort_name < ?",
            [start.clone().into(), end.clone().into()],
        ),
        Plan::Index(phrase) => {
            from = "FROM person_search s JOIN person p ON p.id = s.rowid";
            counted_from = from;
            conditions.and("person_search MATCH ?", [phrase.clone().into()]);
        }
        Plan::AmongMatches(phrase) => {
            from = "FROM person p INDEXED BY person_sort_name";
            counted_from = "FROM person_search s JOIN person p ON p.id = s.rowid";
            counted.and("person_search MATCH ?", [phrase.clone().into()]);
            // `+` keeps the id test off the index, which is read in order.
            conditions.and(
                "+p.id IN (SELECT rowid FROM person_search WHERE person_search MATCH ?)",
                [phrase.clone().into()],
            );
        }
        Plan::Narrowed(test, values) => conditions.and(test, values.iter().cloned()),
        Plan::Walk(phrase, test, values) => {
            from = "FROM person p INDEXED BY person_sort_name";
            counted_from = "FROM person_search s JOIN person p ON p.id = s.rowid";
            counted.and("person_search MATCH ?", [phrase.clone().into()]);
            conditions.and(test, values.iter().cloned());
        }
    }
    if !matches!(plan, Plan::Walk(..) | Plan::AmongMatches(_)) {
        counted = Conditions {
            sql: conditions.sql.clone(),
            values: conditions.values.clone(),
        };
    }
    for c in [&mut conditions, &mut counted] {
        c.sql.extend(wide.sql.iter().cloned());
        c.values.extend(wide.values.iter().cloned());
    }
    let total: i64 = match count {
        Count::UpTo(0) => 0,
        Count::All => conn
            .prepare_cached(&format!(
                "SELECT count(*) {counted_from} {}",
                counted.where_sql()
            ))?
            .query_row(params_from_iter(&counted.values), |r| r.get(0))?,
        Count::UpTo(n) => conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT 1 {counted_from} {} LIMIT {})",
                counted.where_sql(),
                n + 1
            ))?
            .query_row(params_from_iter(&counted.values), |r| r.get(0))?,
    };
    let order = match (query.after, query.before) {
        (Some(id), _) => {
            conditions.and(
                "(p.sort_name, p.id) > ((SELECT sort_name FROM person WHERE id = ?), ?)",
                [id.into(), id.into()],
            );
            "p.sort_name, p.id"
        }
        (None, Some(id)) => {
            conditions.and(
                "(p.sort_name, p.id) < ((SELECT sort_name FROM person WHERE id = ?), ?)",
                [id.into(), id.into()],
            );
            "p.sort_name DESC, p.id DESC"
        }
        (None, None) => "p.sort_name, p.id",
    };
    let select = PERSON_SELECT
        .split(" FROM ")
        .next()
        .unwrap_or(PERSON_SELECT);
    // CROSS JOIN keeps the people outermost: with the units first, SQLite
    // would read every person of every unit and sort them.
    let mut stmt = conn.prepare_cached(&format!(
        "{select} {from} CROSS JOIN unit u ON u.id = p.unit_id {} ORDER BY {order} LIMIT {per_page} OFFSET {offset}",
        conditions.where_sql()
    ))?;
    let mut rows = stmt
        .query_map(params_from_iter(&conditions.values), person_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    if query.before.is_some() && query.after.is_none() {
        rows.reverse();
    }
    Ok((rows, total))
}

/// A search text without surrounding space and without control characters
/// (a NUL ends SQLite's reading of a phrase; no name, e-mail or HSA-id has
/// one).
fn search_text(q: &str) -> String {
    let cleaned: String = q.chars().filter(|c| !c.is_control()).collect();
    cleaned.trim().to_string()
}

/// How densely a phrase matches, for reading `read` rows of a page in name
/// order. With `n` people and `m` matches, sorting every match costs about
/// `2m`, reading the order's index and looking ids up among the matches
/// `m/4 + read·n/(3m)`, and reading the order testing each row
/// `4·read·n/m` (µs) if the matches were spread evenly: the first is
/// cheapest up to `0.4·sqrt(read·n)` matches. Names come in runs (a given
/// name with one surname after another), so matches are not spread evenly:
/// at a million people the first "sjö" is 16 000 rows down the order. The
/// order is therefore read only from `10·sqrt(read·n)` matches (at most
/// 100 000, which bounds the counting), where runs are short. Counts at
/// most that many.
///
/// Counting a common word's matches takes longer than reading its page, so
/// the answer is kept for ten minutes per file, phrase and page, while the
/// people's largest id stays the same. A density a little out of date picks
/// a slower plan at worst, never other rows.
fn density(conn: &Connection, phrase: &str, read: u64) -> rusqlite::Result<Density> {
    static SEEN: std::sync::LazyLock<crate::db::memo::Memo<(String, String, u64), Density>> =
        std::sync::LazyLock::new(|| {
            crate::db::memo::Memo::new(4096, std::time::Duration::from_secs(600))
        });
    let people: i64 = conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM person")?
        .query_row([], |r| r.get(0))?;
    let key = (
        conn.path().unwrap_or_default().to_string(),
        phrase.to_string(),
        read,
    );
    let generation = people.unsigned_abs();
    if let Some(known) = SEEN.get(&key, generation) {
        return Ok(known);
    }
    let found = count_density(conn, phrase, read, people)?;
    SEEN.put(key, generation, found);
    Ok(found)
}

/// [`density`] counted.
fn count_density(
    conn: &Connection,
    phrase: &str,
    read: u64,
    people: i64,
) -> rusqlite::Result<Density> {
    let root = read
        .saturating_mul(u64::try_from(people).unwrap_or(0))
        .isqrt();
    let few = i64::try_from((root * 2 / 5).max(500)).unwrap_or(i64::MAX);
    let very_many = i64::try_from((root * 10).clamp(2000, 100_000)).unwrap_or(i64::MAX);
    let found: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM person_search WHERE person_search MATCH ?1 LIMIT ?2)",
        )?
        .query_row(params![phrase, very_many.saturating_add(1)], |r| r.get(0))?;
    Ok(if found <= few {
        Density::Few
    } else if found <= very_many {
        Density::More
    } else {
        Density::VeryMany
    })
}

/// One person.
pub fn person(conn: &Connection, id: i64) -> rusqlite::Result<Option<Person>> {
    conn.prepare_cached(&format!("{PERSON_SELECT} WHERE p.id = ?1"))?
        .query_row([id], person_from_row)
        .optional()
}

/// The person with this HSA-id.
pub fn person_by_hsa_id(conn: &Connection, hsa_id: &str) -> rusqlite::Result<Option<Person>> {
    conn.prepare_cached(&format!("{PERSON_SELECT} WHERE p.hsa_id = ?1"))?
        .query_row([hsa_id], person_from_row)
        .optional()
}

/// The person with this e-mail (case-insensitive).
pub fn person_by_email(conn: &Connection, email: &str) -> rusqlite::Result<Option<Person>> {
    conn.prepare_cached(&format!("{PERSON_SELECT} WHERE p.email = ?1"))?
        .query_row([email], person_from_row)
        .optional()
}

/// Who a person is for a lookup by another system: their id and their unit,
/// found by HSA-id or by e-mail (case-insensitive), without the rest of their
/// row.
pub fn person_and_unit(
    conn: &Connection,
    hsa_id: Option<&str>,
    email: &str,
) -> rusqlite::Result<Option<(i64, i64)>> {
    let (sql, key) = match hsa_id {
        Some(h) => ("SELECT id, unit_id FROM person WHERE hsa_id = ?1", h),
        None => ("SELECT id, unit_id FROM person WHERE email = ?1", email),
    };
    conn.prepare_cached(sql)?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// One stretch of employment.
#[derive(Debug, Clone, Serialize)]
pub struct Employment {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Unit code.
    pub unit_code: String,
    /// Unit name.
    pub unit_name: String,
    /// Profession.
    pub profession: Profession,
    /// First day.
    pub valid_from: NaiveDate,
    /// First day after (exclusive end), when closed.
    pub valid_to: Option<NaiveDate>,
}

/// A person's history, newest first.
pub fn employment(conn: &Connection, person_id: i64) -> rusqlite::Result<Vec<Employment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.unit_id, u.code, u.name, e.profession, e.valid_from, e.valid_to
         FROM employment e JOIN unit u ON u.id = e.unit_id WHERE e.person_id = ?1 ORDER BY e.valid_from DESC, e.id DESC",
    )?;
    stmt.query_map([person_id], |r| {
        let profession: String = r.get(4)?;
        let from: String = r.get(5)?;
        let to: Option<String> = r.get(6)?;
        Ok(Employment {
            id: r.get(0)?,
            unit_id: r.get(1)?,
            unit_code: r.get(2)?,
            unit_name: r.get(3)?,
            profession: Profession::parse(&profession).unwrap_or(Profession::Other),
            valid_from: crate::check::date(&from).unwrap_or_default(),
            valid_to: to.as_deref().and_then(crate::check::date),
        })
    })?
    .collect()
}

/// Where a person worked on `day`: (unit, profession), or None when not employed.
pub fn employment_on(
    conn: &Connection,
    person_id: i64,
    day: NaiveDate,
) -> rusqlite::Result<Option<(i64, Profession)>> {
    conn.prepare_cached(
        "SELECT unit_id, profession FROM employment WHERE person_id = ?1 AND valid_from <= ?2
           AND (valid_to IS NULL OR valid_to > ?2) ORDER BY valid_from DESC LIMIT 1",
    )?
    .query_row(params![person_id, day.to_string()], |r| {
        let p: String = r.get(1)?;
        Ok((
            r.get(0)?,
            Profession::parse(&p).unwrap_or(Profession::Other),
        ))
    })
    .optional()
}

/// The open stretch of a person's employment, when employed.
pub fn current(conn: &Connection, person_id: i64) -> rusqlite::Result<Option<(i64, Current)>> {
    conn.prepare_cached(
        "SELECT id, unit_id, profession, valid_from FROM employment WHERE person_id = ?1 AND valid_to IS NULL
         ORDER BY valid_from DESC LIMIT 1",
    )?
    .query_row([person_id], |r| {
        let p: String = r.get(2)?;
        let from: String = r.get(3)?;
        Ok((
            r.get(0)?,
            Current {
                unit_id: r.get(1)?,
                profession: Profession::parse(&p).unwrap_or(Profession::Other),
                valid_from: crate::check::date(&from).unwrap_or_default(),
            },
        ))
    })
    .optional()
}

/// A new person and where they start.
#[derive(Debug, Clone, Serialize)]
pub struct NewPerson {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// HSA-id.
    pub hsa_id: Option<String>,
    /// Profession.
    pub profession: Profession,
    /// Unit.
    pub unit_id: i64,
    /// First day in the unit.
    pub from: NaiveDate,
}

/// Creates a person and opens their history.
pub fn create_person(
    conn: &Connection,
    p: &NewPerson,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO person (name, email, hsa_id, profession, unit_id, created_at, sort_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        p.name,
        p.email,
        p.hsa_id,
        p.profession.as_str(),
        p.unit_id,
        stamp(now),
        collation::sort_key(&p.name)
    ])?;
    let id = conn.last_insert_rowid();
    open_employment(conn, id, p.unit_id, p.profession, p.from)?;
    // Accounts made before the person record are linked by e-mail.
    conn.prepare_cached(
        "UPDATE account SET person_id = ?1 WHERE email = ?2 AND person_id IS NULL",
    )?
    .execute(params![id, p.email])?;
    Ok(id)
}

/// Opens a stretch of employment from `from`.
pub fn open_employment(
    conn: &Connection,
    person_id: i64,
    unit_id: i64,
    profession: Profession,
    from: NaiveDate,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO employment (person_id, unit_id, profession, valid_from) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![person_id, unit_id, profession.as_str(), from.to_string()])?;
    Ok(())
}

/// Changes name, e-mail and HSA-id (not history: these identify the person).
pub fn update_person_details(
    conn: &Connection,
    id: i64,
    name: &str,
    email: &str,
    hsa_id: Option<&str>,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "UPDATE person SET name = ?2, email = ?3, hsa_id = ?4, sort_name = ?5 WHERE id = ?1",
    )?
    .execute(params![id, name, email, hsa_id, collation::sort_key(name)])
}

/// Writes a move of `person_id` to `unit_id`/`profession` from `effective`
/// as `step` says ([`model::plan_change`](super::model::plan_change)
/// decides it); `row_id` is the open stretch.
pub fn record_move(
    conn: &Connection,
    person_id: i64,
    row_id: i64,
    step: HistoryStep,
    unit_id: i64,
    profession: Profession,
    effective: NaiveDate,
) -> rusqlite::Result<()> {
    match step {
        HistoryStep::Nothing => {}
        HistoryStep::ReplaceCurrent => {
            conn.prepare_cached(
                "UPDATE employment SET unit_id = ?2, profession = ?3 WHERE id = ?1",
            )?
            .execute(params![row_id, unit_id, profession.as_str()])?;
        }
        HistoryStep::CloseAndOpen => {
            conn.prepare_cached("UPDATE employment SET valid_to = ?2 WHERE id = ?1")?
                .execute(params![row_id, effective.to_string()])?;
            open_employment(conn, person_id, unit_id, profession, effective)?;
        }
    }
    conn.prepare_cached("UPDATE person SET unit_id = ?2, profession = ?3 WHERE id = ?1")?
        .execute(params![person_id, unit_id, profession.as_str()])?;
    Ok(())
}

/// Closes the open stretch `row_id` of `person_id` on `left_on`, the first
/// day not employed.
pub fn record_leaving(
    conn: &Connection,
    person_id: i64,
    row_id: i64,
    left_on: NaiveDate,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE employment SET valid_to = ?2 WHERE id = ?1",
        params![row_id, left_on.to_string()],
    )?;
    conn.execute(
        "UPDATE person SET left_on = ?2 WHERE id = ?1",
        params![person_id, left_on.to_string()],
    )?;
    Ok(())
}

/// Opens a new stretch for a person who left, and clears the leaving date.
pub fn record_rejoin(conn: &Connection, person_id: i64, a: &Assignment) -> rusqlite::Result<()> {
    open_employment(conn, person_id, a.unit_id, a.profession, a.from)?;
    conn.execute(
        "UPDATE person SET left_on = NULL, unit_id = ?2, profession = ?3 WHERE id = ?1",
        params![person_id, a.unit_id, a.profession.as_str()],
    )?;
    Ok(())
}

/// Every unit's id and code, active or not.
pub fn unit_codes(conn: &Connection) -> rusqlite::Result<Vec<(i64, String)>> {
    conn.prepare("SELECT id, code FROM unit")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// The id of the region named `name` (case-insensitive).
pub fn region_id_by_name(conn: &Connection, name: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM region WHERE name = ?1 COLLATE NOCASE",
        [name],
        |r| r.get(0),
    )
    .optional()
}

/// The id of the administration `name` in the region `region` (both by
/// name, case-insensitive).
pub fn administration_id_by_names(
    conn: &Connection,
    region: &str,
    name: &str,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT a.id FROM administration a JOIN region r ON r.id = a.region_id
         WHERE r.name = ?1 COLLATE NOCASE AND a.name = ?2 COLLATE NOCASE",
        [region, name],
        |r| r.get(0),
    )
    .optional()
}
