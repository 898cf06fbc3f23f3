//! ST-doctor trainees, their salary-cost history and the training elements of
//! their specialty: the rules (which goals a rulebook uses, which elements are
//! planned, done and missing) and the SQL.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::model::SalaryChange;
use crate::clock::stamp;

/// The regulation a trainee's specialist training follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rulebook {
    /// SOSFS 2015:8, goals `c1`, `c2`, ...
    Sosfs2015_8,
    /// HSLF-FS 2021:8, goals `STc1`, `STc2`, ...
    HslfFs2021_8,
}

impl Rulebook {
    /// Both, in the order forms offer them (the newer first).
    pub const ALL: [Rulebook; 2] = [Rulebook::HslfFs2021_8, Rulebook::Sosfs2015_8];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Rulebook::Sosfs2015_8 => "sosfs_2015_8",
            Rulebook::HslfFs2021_8 => "hslf_fs_2021_8",
        }
    }

    /// Parses the stored code.
    pub fn parse(s: &str) -> Option<Rulebook> {
        Rulebook::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// The regulation's name, the same in both languages.
    pub fn title(self) -> &'static str {
        match self {
            Rulebook::Sosfs2015_8 => "SOSFS 2015:8",
            Rulebook::HslfFs2021_8 => "HSLF-FS 2021:8",
        }
    }

    /// True when `code` is a goal of this rulebook (`c12` for SOSFS,
    /// `STc12` for HSLF-FS).
    pub fn is_goal(self, code: &str) -> bool {
        let digits = match self {
            Rulebook::Sosfs2015_8 => code.strip_prefix('c'),
            Rulebook::HslfFs2021_8 => code.strip_prefix("STc"),
        };
        digits.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    }
}

/// Normalises a goal list typed by a study director (`STc2, STc3` or
/// `c1 c2`) to space-separated codes; an unknown code is an error naming it.
pub fn parse_goals(s: &str) -> Result<String, String> {
    let mut out = Vec::new();
    for code in s
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        if !Rulebook::ALL.iter().any(|r| r.is_goal(code)) {
            return Err(code.to_string());
        }
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out.join(" "))
}

/// Orders goal codes by their number, so `c2` comes before `c10`.
fn goal_order(code: &str) -> (usize, u32, String) {
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    (
        code.len() - digits.len(),
        digits.parse().unwrap_or(0),
        code.to_string(),
    )
}

/// A trainee with their person record and home clinic.
#[derive(Debug, Clone, Serialize)]
pub struct Trainee {
    /// Id.
    pub id: i64,
    /// The person.
    pub person_id: i64,
    /// Name.
    pub name: String,
    /// The home clinic (the person's unit).
    pub home_unit_id: i64,
    /// Its code.
    pub home_unit_code: String,
    /// Its name.
    pub home_unit_name: String,
    /// Specialty, e.g. "Onkologi".
    pub specialty: String,
    /// The regulation.
    pub rulebook: Rulebook,
    /// First day of ST.
    pub st_start: NaiveDate,
    /// Planned last day.
    pub planned_end: NaiveDate,
    /// Study director (a name).
    pub study_director: String,
    /// Main supervisor (a name).
    pub supervisor: String,
}

/// What the trainee form gives.
#[derive(Debug, Clone, Serialize)]
pub struct TraineeInput {
    /// The person (ST doctor).
    pub person_id: i64,
    /// Specialty.
    pub specialty: String,
    /// Regulation.
    pub rulebook: Rulebook,
    /// First day of ST.
    pub st_start: NaiveDate,
    /// Planned end.
    pub planned_end: NaiveDate,
    /// Study director.
    pub study_director: String,
    /// Supervisor.
    pub supervisor: String,
}

/// A recorded salary row, for the history table.
#[derive(Debug, Clone, Serialize)]
pub struct SalaryRow {
    /// Id.
    pub id: i64,
    /// The entry.
    pub salary: SalaryChange,
    /// When recorded (UTC).
    pub recorded_at: String,
    /// By whom.
    pub recorded_by: Option<String>,
}

/// The history in force: per effective day the last recorded row wins (a
/// correction), ordered by day.
pub fn effective_history(rows: &[SalaryRow]) -> Vec<SalaryChange> {
    let mut out: Vec<SalaryChange> = Vec::new();
    let mut sorted: Vec<&SalaryRow> = rows.iter().collect();
    sorted.sort_by_key(|r| (r.salary.from, r.id));
    for r in sorted {
        match out.last_mut() {
            Some(last) if last.from == r.salary.from => *last = r.salary,
            _ => out.push(r.salary),
        }
    }
    out
}

/// A training element of a specialty.
#[derive(Debug, Clone, Serialize)]
pub struct Element {
    /// Id.
    pub id: i64,
    /// Specialty.
    pub specialty: String,
    /// Name, e.g. "Strålbehandling".
    pub name: String,
    /// Goals covered largely (space-separated codes).
    pub goals_largely: String,
    /// Goals covered partly.
    pub goals_partly: String,
    /// Suggested duration.
    pub suggested_months: i64,
    /// Must be done at the host hospital.
    pub at_host: bool,
    /// Offered in forms.
    pub active: bool,
}

/// Where a trainee stands with one element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementState {
    /// In a placement whose certificate is signed.
    Done,
    /// In a placement that is not cancelled, certificate not yet signed.
    Planned,
    /// In no live placement.
    Missing,
}

impl ElementState {
    /// Catalogue key.
    pub fn label_key(self) -> &'static str {
        match self {
            ElementState::Done => "trainees.element_done",
            ElementState::Planned => "trainees.element_planned",
            ElementState::Missing => "trainees.element_missing",
        }
    }
}

/// An element as it touches one trainee: `(element id, certificate signed)`
/// per live placement that covers it.
pub fn element_state(element_id: i64, covered: &[(i64, bool)]) -> ElementState {
    let mut state = ElementState::Missing;
    for (id, signed) in covered {
        if *id == element_id {
            if *signed {
                return ElementState::Done;
            }
            state = ElementState::Planned;
        }
    }
    state
}

/// The goals of `rulebook` that the specialty's elements name but the done
/// elements do not cover largely, in goal order.
pub fn goals_not_covered(
    rulebook: Rulebook,
    elements: &[Element],
    states: &[ElementState],
) -> Vec<String> {
    let mut all = BTreeSet::new();
    let mut covered = BTreeSet::new();
    for (e, s) in elements.iter().zip(states) {
        for g in e
            .goals_largely
            .split_whitespace()
            .chain(e.goals_partly.split_whitespace())
        {
            if rulebook.is_goal(g) {
                all.insert(goal_order(g));
            }
        }
        if *s == ElementState::Done {
            for g in e.goals_largely.split_whitespace() {
                covered.insert(goal_order(g));
            }
        }
    }
    all.difference(&covered)
        .map(|(_, _, g)| g.clone())
        .collect()
}

// ---------------------------------------------------------------------------
// Store

const TRAINEE_SELECT: &str =
    "SELECT t.id, t.person_id, p.name, p.unit_id, u.code, u.name, t.specialty, t.rulebook,
        t.st_start, t.planned_end, t.study_director, t.supervisor
    FROM trainee t JOIN person p ON p.id = t.person_id JOIN unit u ON u.id = p.unit_id";

/// Parses the `YYYY-MM-DD` the store writes without a format parser: the
/// cost report reads several dates for each of thousands of placements.
fn iso_date(b: &[u8]) -> Option<NaiveDate> {
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

/// Reads a `YYYY-MM-DD` column.
pub(crate) fn date_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<NaiveDate> {
    let v = r.get_ref(i)?;
    let bytes = v.as_bytes()?;
    iso_date(bytes)
        .or_else(|| std::str::from_utf8(bytes).ok().and_then(crate::check::date))
        .ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                i,
                rusqlite::types::Type::Text,
                String::from_utf8_lossy(bytes).into_owned().into(),
            )
        })
}

fn trainee_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Trainee> {
    let rulebook: String = r.get(7)?;
    Ok(Trainee {
        id: r.get(0)?,
        person_id: r.get(1)?,
        name: r.get(2)?,
        home_unit_id: r.get(3)?,
        home_unit_code: r.get(4)?,
        home_unit_name: r.get(5)?,
        specialty: r.get(6)?,
        rulebook: Rulebook::parse(&rulebook).unwrap_or(Rulebook::HslfFs2021_8),
        st_start: date_col(r, 8)?,
        planned_end: date_col(r, 9)?,
        study_director: r.get(10)?,
        supervisor: r.get(11)?,
    })
}

/// Every trainee, by name.
pub fn trainees(conn: &Connection) -> rusqlite::Result<Vec<Trainee>> {
    conn.prepare_cached(&format!(
        "{TRAINEE_SELECT} ORDER BY p.name COLLATE swedish, t.id"
    ))?
    .query_map([], trainee_from_row)?
    .collect()
}

/// One trainee.
pub fn trainee(conn: &Connection, id: i64) -> rusqlite::Result<Option<Trainee>> {
    conn.prepare_cached(&format!("{TRAINEE_SELECT} WHERE t.id = ?1"))?
        .query_row([id], trainee_from_row)
        .optional()
}

/// The trainee record of a person, if any.
pub fn trainee_of_person(conn: &Connection, person_id: i64) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM trainee WHERE person_id = ?1",
        [person_id],
        |r| r.get(0),
    )
    .optional()
}

/// ST doctors still employed who have no trainee record yet, `(id, name, unit code)`.
pub fn st_doctors_without_record(
    conn: &Connection,
) -> rusqlite::Result<Vec<(i64, String, String)>> {
    conn.prepare_cached(
        "SELECT p.id, p.name, u.code FROM person p JOIN unit u ON u.id = p.unit_id
         WHERE p.profession = 'st_doctor' AND p.left_on IS NULL
           AND NOT EXISTS (SELECT 1 FROM trainee t WHERE t.person_id = p.id)
         ORDER BY p.name COLLATE swedish",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}

/// The profession of a person, to check that a new trainee is an ST doctor.
pub fn person_profession(conn: &Connection, person_id: i64) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT profession FROM person WHERE id = ?1",
        [person_id],
        |r| r.get(0),
    )
    .optional()
}

/// Stores a new trainee.
pub fn create_trainee(
    conn: &Connection,
    t: &TraineeInput,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO trainee (person_id, specialty, rulebook, st_start, planned_end, study_director, supervisor, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            t.person_id,
            t.specialty,
            t.rulebook.as_str(),
            t.st_start.to_string(),
            t.planned_end.to_string(),
            t.study_director,
            t.supervisor,
            stamp(now)
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Changes a trainee's details (the person stays).
pub fn update_trainee(conn: &Connection, id: i64, t: &TraineeInput) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE trainee SET specialty = ?2, rulebook = ?3, st_start = ?4, planned_end = ?5,
            study_director = ?6, supervisor = ?7 WHERE id = ?1",
        params![
            id,
            t.specialty,
            t.rulebook.as_str(),
            t.st_start.to_string(),
            t.planned_end.to_string(),
            t.study_director,
            t.supervisor
        ],
    )
}

/// A trainee's salary rows, oldest effective day first.
pub fn salary_rows(conn: &Connection, trainee_id: i64) -> rusqlite::Result<Vec<SalaryRow>> {
    conn.prepare_cached(
        "SELECT s.id, s.effective_from, s.monthly_cost_ore, s.recorded_at, a.email
         FROM trainee_salary s LEFT JOIN account a ON a.id = s.recorded_by
         WHERE s.trainee_id = ?1 ORDER BY s.effective_from, s.id",
    )?
    .query_map([trainee_id], |r| {
        Ok(SalaryRow {
            id: r.get(0)?,
            salary: SalaryChange {
                from: date_col(r, 1)?,
                monthly_cost_ore: r.get(2)?,
            },
            recorded_at: r.get(3)?,
            recorded_by: r.get(4)?,
        })
    })?
    .collect()
}

/// Every trainee's salary history in force, by trainee id: one query, for
/// reports over many placements.
pub fn all_salary_histories(
    conn: &Connection,
) -> rusqlite::Result<std::collections::HashMap<i64, Vec<SalaryChange>>> {
    let mut by_trainee: std::collections::HashMap<i64, Vec<SalaryRow>> =
        std::collections::HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT trainee_id, id, effective_from, monthly_cost_ore FROM trainee_salary",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        by_trainee.entry(r.get(0)?).or_default().push(SalaryRow {
            id: r.get(1)?,
            salary: SalaryChange {
                from: date_col(r, 2)?,
                monthly_cost_ore: r.get(3)?,
            },
            recorded_at: String::new(),
            recorded_by: None,
        });
    }
    Ok(by_trainee
        .into_iter()
        .map(|(k, v)| (k, effective_history(&v)))
        .collect())
}

/// Appends a salary row.
pub fn add_salary(
    conn: &Connection,
    trainee_id: i64,
    s: SalaryChange,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO trainee_salary (trainee_id, effective_from, monthly_cost_ore, recorded_at, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![trainee_id, s.from.to_string(), s.monthly_cost_ore, stamp(now), by],
    )?;
    Ok(conn.last_insert_rowid())
}

fn element_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Element> {
    Ok(Element {
        id: r.get(0)?,
        specialty: r.get(1)?,
        name: r.get(2)?,
        goals_largely: r.get(3)?,
        goals_partly: r.get(4)?,
        suggested_months: r.get(5)?,
        at_host: r.get(6)?,
        active: r.get(7)?,
    })
}

const ELEMENT_SELECT: &str = "SELECT id, specialty, name, goals_largely, goals_partly, suggested_months, at_host, active FROM training_element";

/// Every element, by specialty and name.
pub fn elements(conn: &Connection) -> rusqlite::Result<Vec<Element>> {
    conn.prepare_cached(&format!(
        "{ELEMENT_SELECT} ORDER BY specialty COLLATE swedish, name COLLATE swedish"
    ))?
    .query_map([], element_from_row)?
    .collect()
}

/// The active elements of one specialty.
pub fn elements_of(conn: &Connection, specialty: &str) -> rusqlite::Result<Vec<Element>> {
    conn.prepare_cached(&format!(
        "{ELEMENT_SELECT} WHERE specialty = ?1 AND active = 1 ORDER BY name COLLATE swedish"
    ))?
    .query_map([specialty], element_from_row)?
    .collect()
}

/// One element.
pub fn element(conn: &Connection, id: i64) -> rusqlite::Result<Option<Element>> {
    conn.prepare_cached(&format!("{ELEMENT_SELECT} WHERE id = ?1"))?
        .query_row([id], element_from_row)
        .optional()
}

/// Stores a new element; `id` is ignored.
pub fn create_element(conn: &Connection, e: &Element) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO training_element (specialty, name, goals_largely, goals_partly, suggested_months, at_host, active)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![e.specialty, e.name, e.goals_largely, e.goals_partly, e.suggested_months, e.at_host, e.active],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Changes an element.
pub fn update_element(conn: &Connection, e: &Element) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE training_element SET specialty = ?2, name = ?3, goals_largely = ?4, goals_partly = ?5,
            suggested_months = ?6, at_host = ?7, active = ?8 WHERE id = ?1",
        params![e.id, e.specialty, e.name, e.goals_largely, e.goals_partly, e.suggested_months, e.at_host, e.active],
    )
}

/// The specialties named by elements or trainees, for pickers.
pub fn specialties(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT specialty FROM training_element UNION SELECT specialty FROM trainee ORDER BY 1",
    )?
    .query_map([], |r| r.get(0))?
    .collect()
}

/// `(element id, certificate signed)` for every live placement element of a trainee.
pub fn covered_elements(conn: &Connection, trainee_id: i64) -> rusqlite::Result<Vec<(i64, bool)>> {
    conn.prepare_cached(
        "SELECT pe.element_id, p.certificate = 'signed' FROM placement_element pe
         JOIN placement p ON p.id = pe.placement_id
         WHERE p.trainee_id = ?1 AND p.status <> 'cancelled'",
    )?
    .query_map([trainee_id], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// `(element id, certificate signed)` of every live placement element, by
/// trainee: one query for the missing-elements report.
pub fn all_covered_elements(
    conn: &Connection,
) -> rusqlite::Result<std::collections::HashMap<i64, Vec<(i64, bool)>>> {
    let mut out: std::collections::HashMap<i64, Vec<(i64, bool)>> = Default::default();
    let mut stmt = conn.prepare_cached(
        "SELECT p.trainee_id, pe.element_id, p.certificate = 'signed' FROM placement_element pe
         JOIN placement p ON p.id = pe.placement_id WHERE p.status <> 'cancelled'",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        out.entry(r.get(0)?)
            .or_default()
            .push((r.get(1)?, r.get(2)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::check::date(s).expect("date")
    }

    #[test]
    fn stored_dates_read_fast_and_exactly() {
        assert_eq!(iso_date(b"2024-02-29"), Some(d("2024-02-29")));
        assert_eq!(iso_date(b"2023-02-29"), None);
        assert_eq!(iso_date(b"2024-2-29x"), None);
        assert_eq!(iso_date(b"20240229"), None);
    }

    #[test]
    fn goals_belong_to_their_rulebook() {
        assert!(Rulebook::Sosfs2015_8.is_goal("c12"));
        assert!(!Rulebook::Sosfs2015_8.is_goal("STc12"));
        assert!(Rulebook::HslfFs2021_8.is_goal("STc2"));
        assert!(!Rulebook::HslfFs2021_8.is_goal("STc"));
        assert_eq!(parse_goals("STc2, STc3 STc2").as_deref(), Ok("STc2 STc3"));
        assert_eq!(parse_goals("c1 x9"), Err("x9".to_string()));
    }

    #[test]
    fn a_revision_on_the_same_day_replaces_the_earlier_row() {
        let row = |id, from: &str, ore| SalaryRow {
            id,
            salary: SalaryChange {
                from: d(from),
                monthly_cost_ore: ore,
            },
            recorded_at: String::new(),
            recorded_by: None,
        };
        let h = effective_history(&[
            row(3, "2026-04-01", 7_000_000),
            row(1, "2026-01-01", 6_000_000),
            row(2, "2026-04-01", 6_500_000),
        ]);
        assert_eq!(
            h,
            vec![
                SalaryChange {
                    from: d("2026-01-01"),
                    monthly_cost_ore: 6_000_000
                },
                SalaryChange {
                    from: d("2026-04-01"),
                    monthly_cost_ore: 7_000_000
                }
            ]
        );
    }

    #[test]
    fn done_planned_missing_and_uncovered_goals() {
        let e = |id, largely: &str, partly: &str| Element {
            id,
            specialty: "Onkologi".into(),
            name: format!("E{id}"),
            goals_largely: largely.into(),
            goals_partly: partly.into(),
            suggested_months: 3,
            at_host: true,
            active: true,
        };
        let elements = [e(1, "STc2 STc3", ""), e(2, "STc10", "STc4"), e(3, "c1", "")];
        let covered = [(1, true), (2, false), (2, false)];
        let states: Vec<_> = elements
            .iter()
            .map(|x| element_state(x.id, &covered))
            .collect();
        assert_eq!(
            states,
            [
                ElementState::Done,
                ElementState::Planned,
                ElementState::Missing
            ]
        );
        assert_eq!(
            goals_not_covered(Rulebook::HslfFs2021_8, &elements, &states),
            ["STc4", "STc10"]
        );
    }
}
