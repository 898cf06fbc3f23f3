//! ST-doctor trainees, their salary-cost history and the training elements of
//! their specialty: the rules (which goals a rulebook uses, which elements are
//! planned, done and missing). Pure; the SQL is in `store`.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Serialize;

use super::model::SalaryChange;
use crate::i18n::Msg;
use crate::msg;

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

/// What is wrong with an ST period: the planned end comes after the start.
pub fn period_problem(st_start: NaiveDate, planned_end: NaiveDate) -> Option<Msg> {
    (planned_end <= st_start).then(|| msg!("placements.err_end_before_start"))
}

/// A goal code of no rulebook, as a message naming it.
pub fn unknown_goal(code: &str) -> Msg {
    msg!("trainees.err_goal", code)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::check::date(s).expect("date")
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
