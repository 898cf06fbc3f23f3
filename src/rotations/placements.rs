//! Placements (randning) at a host unit: the rules a plan must keep (dates,
//! extent, no overlap with the trainee's other placements, the host's
//! capacity on every day, home periods inside the placement), the reported
//! split ledger, and the SQL.
//!
//! The ledger (plan vs actual): approval records the split of every calendar
//! month as `approval` lines. When an approved placement changes later (an
//! earlier end, an extension, a home period, a salary revision), the split is
//! computed again and each month's difference from the sum of its recorded
//! lines is appended as an `adjustment` line dated the day of the change. No
//! line is ever changed, so what was reported stays visible as it was, and
//! the sum of a month's lines is always the current split.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::model::{
    Agreement, HomePeriod, Kind, SalaryChange, Split, SplitError, SplitInput, choose_agreement,
    split,
};
use super::trainees::date_col;
use crate::clock::stamp;

/// The stored status of a placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stored {
    /// Proposed, not yet approved.
    Planned,
    /// Approved by the study director.
    Approved,
    /// Will not happen (or was broken off before it began).
    Cancelled,
}

impl Stored {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Stored::Planned => "planned",
            Stored::Approved => "approved",
            Stored::Cancelled => "cancelled",
        }
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<Stored> {
        [Stored::Planned, Stored::Approved, Stored::Cancelled]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// The status people see: an approved placement is active while it runs
/// and completed after its last day, without anyone having to flip it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Proposed.
    Planned,
    /// Approved, not begun.
    Approved,
    /// Approved and running today.
    Active,
    /// Approved and over.
    Completed,
    /// Cancelled.
    Cancelled,
}

impl Status {
    /// What a stored status shows as on `today`.
    pub fn on(stored: Stored, start: NaiveDate, end: NaiveDate, today: NaiveDate) -> Status {
        match stored {
            Stored::Planned => Status::Planned,
            Stored::Cancelled => Status::Cancelled,
            Stored::Approved if today > end => Status::Completed,
            Stored::Approved if today >= start => Status::Active,
            Stored::Approved => Status::Approved,
        }
    }

    /// The word in exports and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::Approved => "approved",
            Status::Active => "active",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
        }
    }

    /// Catalogue key.
    pub fn label_key(self) -> &'static str {
        match self {
            Status::Planned => "placements.status_planned",
            Status::Approved => "placements.status_approved",
            Status::Active => "placements.status_active",
            Status::Completed => "placements.status_completed",
            Status::Cancelled => "placements.status_cancelled",
        }
    }
}

/// The host supervisor's certificate for the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Certificate {
    /// Nothing yet.
    NotStarted,
    /// Sent to the supervisor.
    Pending,
    /// Signed: the placement's elements are done.
    Signed,
}

impl Certificate {
    /// All, in order.
    pub const ALL: [Certificate; 3] = [
        Certificate::NotStarted,
        Certificate::Pending,
        Certificate::Signed,
    ];

    /// Stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Certificate::NotStarted => "not_started",
            Certificate::Pending => "pending",
            Certificate::Signed => "signed",
        }
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<Certificate> {
        Certificate::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
    }

    /// Catalogue key.
    pub fn label_key(self) -> &'static str {
        match self {
            Certificate::NotStarted => "placements.cert_not_started",
            Certificate::Pending => "placements.cert_pending",
            Certificate::Signed => "placements.cert_signed",
        }
    }
}

/// Why a trainee was away from the host during a placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HomeReason {
    /// Called home to the home clinic.
    CalledHome,
    /// Leave (semester, sick leave, parental leave).
    Leave,
}

impl HomeReason {
    /// Both.
    pub const ALL: [HomeReason; 2] = [HomeReason::CalledHome, HomeReason::Leave];

    /// Stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            HomeReason::CalledHome => "called_home",
            HomeReason::Leave => "leave",
        }
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<HomeReason> {
        HomeReason::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// Catalogue key.
    pub fn label_key(self) -> &'static str {
        match self {
            HomeReason::CalledHome => "placements.reason_called_home",
            HomeReason::Leave => "placements.reason_leave",
        }
    }
}

/// A stored home period.
#[derive(Debug, Clone, Serialize)]
pub struct HomePeriodRow {
    /// Id.
    pub id: i64,
    /// First day.
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
    /// Why.
    pub reason: HomeReason,
    /// Free text.
    pub note: String,
}

/// The plan as approved, which decides the agreement.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApprovedPlan {
    /// `general` or `radiotherapy`.
    pub kind: String,
    /// Start.
    pub start: NaiveDate,
    /// Inclusive end.
    pub end: NaiveDate,
    /// Extent at host, percent.
    pub extent: i64,
    /// The agreement chosen from this plan.
    pub agreement_code: String,
    /// When (UTC).
    pub at: String,
}

/// A placement with its trainee's and host's names.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Placement {
    /// Id.
    pub id: i64,
    /// Trainee.
    pub trainee_id: i64,
    /// Trainee's name.
    pub trainee_name: String,
    /// Trainee's home clinic.
    pub home_unit_id: i64,
    /// Its code.
    pub home_unit_code: String,
    /// Its name.
    pub home_unit_name: String,
    /// Host unit.
    pub host_unit_id: i64,
    /// Its code.
    pub host_unit_code: String,
    /// Its name.
    pub host_unit_name: String,
    /// `general` or `radiotherapy`.
    pub kind: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
    /// Extent at host, 1-100 %.
    pub extent: i64,
    /// Supervisor at the host.
    pub host_supervisor: String,
    /// Certificate status.
    pub certificate: Certificate,
    /// Stored status.
    pub stored: Stored,
    /// The approved plan, once approved.
    pub approved: Option<ApprovedPlan>,
}

impl Placement {
    /// The status shown on `today`.
    pub fn status(&self, today: NaiveDate) -> Status {
        Status::on(self.stored, self.start, self.end, today)
    }
}

/// What the placement form gives, checked by `check_plan`.
#[derive(Debug, Clone, Serialize)]
pub struct PlanInput {
    /// Trainee.
    pub trainee_id: i64,
    /// Host unit.
    pub host_unit_id: i64,
    /// `general` or `radiotherapy`.
    pub kind: String,
    /// Start.
    pub start: NaiveDate,
    /// Inclusive end.
    pub end: NaiveDate,
    /// Extent, percent.
    pub extent: i64,
    /// Host supervisor.
    pub host_supervisor: String,
    /// Elements covered.
    pub elements: Vec<i64>,
}

/// A rule a plan breaks, with the field it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanProblem {
    /// `end` before `start`.
    EndBeforeStart,
    /// Extent outside 1-100.
    Extent,
    /// Overlaps another live placement of the same trainee.
    Overlap {
        /// The other placement.
        other: i64,
        /// Its dates.
        start: NaiveDate,
        /// Its end.
        end: NaiveDate,
    },
    /// The host would have more trainees than its capacity on this day.
    OverCapacity {
        /// The first such day.
        day: NaiveDate,
        /// The capacity.
        capacity: i64,
    },
}

impl PlanProblem {
    /// The form field the problem is shown beside.
    pub fn field(&self) -> &'static str {
        match self {
            PlanProblem::EndBeforeStart => "end",
            PlanProblem::Extent => "extent",
            PlanProblem::Overlap { .. } => "start",
            PlanProblem::OverCapacity { .. } => "host_unit_id",
        }
    }
}

/// A span of another placement: `(id, start, inclusive end)`.
pub type Span = (i64, NaiveDate, NaiveDate);

/// The first of `others` (the trainee's live placements) that shares a day
/// with `start..=end`.
pub fn first_overlap(others: &[Span], start: NaiveDate, end: NaiveDate) -> Option<Span> {
    others
        .iter()
        .filter(|(_, s, e)| *s <= end && *e >= start)
        .min_by_key(|(id, s, _)| (*s, *id))
        .copied()
}

/// The first day of `start..=end` on which the host would have more than
/// `capacity` trainees, counting `others` (its live placements) and this one.
/// A sweep over the others' start and end days, so a long placement costs
/// no more than a short one.
pub fn first_over_capacity(
    others: &[Span],
    capacity: i64,
    start: NaiveDate,
    end: NaiveDate,
) -> Option<NaiveDate> {
    if end < start {
        return None;
    }
    if capacity < 1 {
        return Some(start);
    }
    // +1 on a span's first day (clamped to ours), -1 on the day after its end.
    let mut changes: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for (_, s, e) in others {
        if *s > end || *e < start {
            continue;
        }
        *changes.entry((*s).max(start)).or_default() += 1;
        if let Some(after) = e.succ_opt()
            && after <= end
        {
            *changes.entry(after).or_default() -= 1;
        }
    }
    let mut count = 1;
    for (day, delta) in changes {
        count += delta;
        if count > capacity {
            return Some(day);
        }
    }
    None
}

/// Peak trainees placed per month `(first of month, peak)` and the stretches
/// of days over capacity `(first, last)`.
pub type Peaks = (Vec<(NaiveDate, i64)>, Vec<(NaiveDate, NaiveDate)>);

/// Per day of `from..=to`, how many of `spans` run: the peak count per calendar
/// month, `(first of month, peak)`, and the days over `capacity`.
pub fn monthly_peaks(
    spans: &[Span],
    from: NaiveDate,
    to: NaiveDate,
    capacity: Option<i64>,
) -> Peaks {
    let mut changes: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for (_, s, e) in spans {
        if *s > to || *e < from {
            continue;
        }
        *changes.entry((*s).max(from)).or_default() += 1;
        if let Some(after) = e.succ_opt() {
            *changes.entry(after).or_default() -= 1;
        }
    }
    let mut peaks: Vec<(NaiveDate, i64)> = Vec::new();
    let mut over: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let mut count = 0;
    let mut day = from;
    let mut iter = changes.into_iter().peekable();
    // Walk change points; between them the count is constant.
    while day <= to {
        while let Some((d, delta)) = iter.peek().copied() {
            if d <= day {
                count += delta;
                iter.next();
            } else {
                break;
            }
        }
        let next_change = iter.peek().map(|(d, _)| *d);
        let month_start = first_of_month(day);
        let next_month = first_of_month(add_one_month(month_start));
        let mut stretch_end = to;
        if let Some(n) = next_change {
            stretch_end = stretch_end.min(n.pred_opt().unwrap_or(n));
        }
        stretch_end = stretch_end.min(next_month.pred_opt().unwrap_or(next_month));
        match peaks.last_mut() {
            Some((m, peak)) if *m == month_start => *peak = (*peak).max(count),
            _ => peaks.push((month_start, count)),
        }
        if capacity.is_some_and(|c| count > c) {
            match over.last_mut() {
                Some((_, e)) if e.succ_opt() == Some(day) => *e = stretch_end,
                _ => over.push((day, stretch_end)),
            }
        }
        match stretch_end.succ_opt() {
            Some(n) => day = n,
            None => break,
        }
    }
    (peaks, over)
}

/// The first day of `day`'s month.
pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// One calendar month later (clamped to the month's end).
pub fn add_one_month(day: NaiveDate) -> NaiveDate {
    day.checked_add_months(chrono::Months::new(1))
        .unwrap_or(NaiveDate::MAX)
}

/// Checks a plan against its own fields and against the trainee's other live
/// placements and the host's. Returns every problem found.
pub fn check_plan(
    start: NaiveDate,
    end: NaiveDate,
    extent: i64,
    trainee_others: &[Span],
    host_others: &[Span],
    capacity: Option<i64>,
) -> Vec<PlanProblem> {
    let mut problems = Vec::new();
    if end < start {
        problems.push(PlanProblem::EndBeforeStart);
    }
    if !(1..=100).contains(&extent) {
        problems.push(PlanProblem::Extent);
    }
    if end >= start {
        if let Some((other, s, e)) = first_overlap(trainee_others, start, end) {
            problems.push(PlanProblem::Overlap {
                other,
                start: s,
                end: e,
            });
        }
        let cap = capacity.unwrap_or(0);
        if let Some(day) = first_over_capacity(host_others, cap, start, end) {
            problems.push(PlanProblem::OverCapacity { day, capacity: cap });
        }
    }
    problems
}

/// True when a home period lies inside its placement.
pub fn home_period_inside(
    start: NaiveDate,
    end: NaiveDate,
    placement_start: NaiveDate,
    placement_end: NaiveDate,
) -> bool {
    start <= end && start >= placement_start && end <= placement_end
}

/// A month's amounts in öre, `(home, host)`, by `YYYY-MM`.
pub type MonthAmounts = BTreeMap<String, (i64, i64)>;

/// The lines to append so that each month's recorded lines sum to `current`:
/// `(month, home delta, host delta)`, months without a difference left out.
pub fn adjustments(recorded: &MonthAmounts, current: &MonthAmounts) -> Vec<(String, i64, i64)> {
    let mut months: Vec<&String> = recorded.keys().chain(current.keys()).collect();
    months.sort();
    months.dedup();
    months
        .into_iter()
        .filter_map(|m| {
            let (rh, rt) = recorded.get(m).copied().unwrap_or((0, 0));
            let (ch, ct) = current.get(m).copied().unwrap_or((0, 0));
            (ch != rh || ct != rt).then(|| (m.clone(), ch - rh, ct - rt))
        })
        .collect()
}

/// The agreement of a placement: for an approved one the version of the
/// agreement chosen at approval (by its code, the version in force on the
/// approved start), so later changes never move it to another agreement; for
/// a planned one the agreement its current plan would get.
pub fn agreement_for<'a>(agreements: &'a [Agreement], p: &Placement) -> Option<&'a Agreement> {
    match &p.approved {
        Some(plan) => {
            let versions = || agreements.iter().filter(|a| a.code == plan.agreement_code);
            versions()
                .filter(|a| a.valid_on(plan.start))
                .max_by_key(|a| a.valid_from)
                .or_else(|| versions().max_by_key(|a| a.valid_from))
        }
        None => choose_agreement(agreements, kind_of(&p.kind), p.start, p.end),
    }
}

/// The placement's kind for the split (general when unknown).
pub fn kind_of(s: &str) -> Kind {
    Kind::parse(s).unwrap_or(Kind::General)
}

/// What the split needs about a placement as it stands now.
pub fn split_input(p: &Placement, salary: &[SalaryChange], home: &[HomePeriodRow]) -> SplitInput {
    SplitInput {
        kind: kind_of(&p.kind),
        start: p.start,
        end: p.end,
        salary: salary.to_vec(),
        extent_percent: u8::try_from(p.extent.clamp(1, 100)).unwrap_or(100),
        home_periods: home
            .iter()
            .filter(|h| h.start <= p.end && h.end >= p.start)
            .map(|h| HomePeriod {
                from: h.start.max(p.start),
                to: h.end.min(p.end),
                // The explanation shows this in both languages: the user's
                // note when there is one, else nothing for called home.
                reason: match (h.note.trim(), h.reason) {
                    ("", HomeReason::CalledHome) => String::new(),
                    ("", HomeReason::Leave) => "ledighet / leave".to_string(),
                    (note, _) => note.to_string(),
                },
            })
            .collect(),
    }
}

/// The month amounts of a split, as the ledger keeps them.
pub fn month_amounts(split: &Split) -> MonthAmounts {
    split
        .months
        .iter()
        .map(|m| (m.month.clone(), (m.home_ore, m.host_ore)))
        .collect()
}

/// Why a split could not be computed or recorded.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// No agreement applies and there is no fallback.
    #[error("no agreement applies to the plan")]
    NoAgreement,
    /// The split engine refused the input (e.g. no salary on the first day).
    #[error(transparent)]
    Split(#[from] SplitError),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

impl LedgerError {
    /// The catalogue key of the message a user reads (storage errors have none).
    pub fn text_key(&self) -> Option<&'static str> {
        match self {
            LedgerError::NoAgreement => Some("placements.no_agreement"),
            LedgerError::Split(e) => Some(e.text_key()),
            LedgerError::Db(_) => None,
        }
    }
}

/// The split of a placement as it stands, with the code of its agreement.
pub fn compute_split(
    p: &Placement,
    agreements: &[Agreement],
    salary: &[SalaryChange],
    home: &[HomePeriodRow],
) -> Result<(String, Split), LedgerError> {
    let agreement = agreement_for(agreements, p).ok_or(LedgerError::NoAgreement)?;
    let s = split(&split_input(p, salary, home), agreement)?;
    Ok((agreement.code.clone(), s))
}

// ---------------------------------------------------------------------------
// Store

const PLACEMENT_SELECT: &str = "SELECT p.id, p.trainee_id, pe.name, pe.unit_id, hu.code, hu.name, p.host_unit_id, u.code, u.name,
        p.kind, p.start_on, p.end_on, p.extent_percent, p.host_supervisor, p.certificate, p.status,
        p.approved_kind, p.approved_start, p.approved_end, p.approved_extent, p.agreement_code, p.approved_at
    FROM placement p
    JOIN trainee t ON t.id = p.trainee_id
    JOIN person pe ON pe.id = t.person_id
    JOIN unit hu ON hu.id = pe.unit_id
    JOIN unit u ON u.id = p.host_unit_id";

fn placement_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Placement> {
    let certificate: String = r.get(14)?;
    let stored: String = r.get(15)?;
    let approved_kind: Option<String> = r.get(16)?;
    let approved = match approved_kind {
        Some(kind) => Some(ApprovedPlan {
            kind,
            start: date_col(r, 17)?,
            end: date_col(r, 18)?,
            extent: r.get(19)?,
            agreement_code: r.get::<_, Option<String>>(20)?.unwrap_or_default(),
            at: r.get::<_, Option<String>>(21)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Placement {
        id: r.get(0)?,
        trainee_id: r.get(1)?,
        trainee_name: r.get(2)?,
        home_unit_id: r.get(3)?,
        home_unit_code: r.get(4)?,
        home_unit_name: r.get(5)?,
        host_unit_id: r.get(6)?,
        host_unit_code: r.get(7)?,
        host_unit_name: r.get(8)?,
        kind: r.get(9)?,
        start: date_col(r, 10)?,
        end: date_col(r, 11)?,
        extent: r.get(12)?,
        host_supervisor: r.get(13)?,
        certificate: Certificate::parse(&certificate).unwrap_or(Certificate::NotStarted),
        stored: Stored::parse(&stored).unwrap_or(Stored::Planned),
        approved,
    })
}

/// One placement.
pub fn placement(conn: &Connection, id: i64) -> rusqlite::Result<Option<Placement>> {
    conn.prepare_cached(&format!("{PLACEMENT_SELECT} WHERE p.id = ?1"))?
        .query_row([id], placement_from_row)
        .optional()
}

/// Placements matching optional filters, by start day.
pub fn placements(
    conn: &Connection,
    trainee_id: Option<i64>,
    host_unit_id: Option<i64>,
    overlapping: Option<(NaiveDate, NaiveDate)>,
) -> rusqlite::Result<Vec<Placement>> {
    let (from, to) = overlapping
        .map(|(a, b)| (Some(a.to_string()), Some(b.to_string())))
        .unwrap_or((None, None));
    conn.prepare_cached(&format!(
        "{PLACEMENT_SELECT}
         WHERE (?1 IS NULL OR p.trainee_id = ?1) AND (?2 IS NULL OR p.host_unit_id = ?2)
           AND (?3 IS NULL OR p.end_on >= ?3) AND (?4 IS NULL OR p.start_on <= ?4)
         ORDER BY p.start_on, p.id"
    ))?
    .query_map(
        params![trainee_id, host_unit_id, from, to],
        placement_from_row,
    )?
    .collect()
}

/// Live (not cancelled) spans of a trainee's or a host's placements, leaving
/// out `except` (the placement being changed).
pub fn live_spans(
    conn: &Connection,
    trainee_id: Option<i64>,
    host_unit_id: Option<i64>,
    except: Option<i64>,
) -> rusqlite::Result<Vec<Span>> {
    conn.prepare_cached(
        "SELECT id, start_on, end_on FROM placement
         WHERE status <> 'cancelled' AND (?1 IS NULL OR trainee_id = ?1)
           AND (?2 IS NULL OR host_unit_id = ?2) AND (?3 IS NULL OR id <> ?3)",
    )?
    .query_map(params![trainee_id, host_unit_id, except], |r| {
        Ok((r.get(0)?, date_col(r, 1)?, date_col(r, 2)?))
    })?
    .collect()
}

/// A unit's trainee capacity (None when it hosts none or does not exist).
pub fn capacity(conn: &Connection, unit_id: i64) -> rusqlite::Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT trainee_capacity FROM unit WHERE id = ?1",
            [unit_id],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten())
}

/// Units that take trainees, `(id, code, name, capacity)`.
pub fn host_units(conn: &Connection) -> rusqlite::Result<Vec<(i64, String, String, i64)>> {
    conn.prepare_cached(
        "SELECT id, code, name, trainee_capacity FROM unit
         WHERE active = 1 AND trainee_capacity > 0 ORDER BY code",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
    .collect()
}

/// Stores a new planned placement with its elements.
pub fn create_placement(
    conn: &Connection,
    p: &PlanInput,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO placement (trainee_id, host_unit_id, kind, start_on, end_on, extent_percent, host_supervisor, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'planned', ?8)",
        params![
            p.trainee_id,
            p.host_unit_id,
            p.kind,
            p.start.to_string(),
            p.end.to_string(),
            p.extent,
            p.host_supervisor,
            stamp(now)
        ],
    )?;
    let id = conn.last_insert_rowid();
    set_elements(conn, id, &p.elements)?;
    Ok(id)
}

/// Changes a placement's plan (host, kind, dates, extent, supervisor, elements).
pub fn update_placement(conn: &Connection, id: i64, p: &PlanInput) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE placement SET host_unit_id = ?2, kind = ?3, start_on = ?4, end_on = ?5,
            extent_percent = ?6, host_supervisor = ?7 WHERE id = ?1",
        params![
            id,
            p.host_unit_id,
            p.kind,
            p.start.to_string(),
            p.end.to_string(),
            p.extent,
            p.host_supervisor
        ],
    )?;
    set_elements(conn, id, &p.elements)
}

/// Replaces a placement's elements. Ids no element has (a stale or forged
/// form) are left out rather than failing the foreign key.
fn set_elements(conn: &Connection, id: i64, elements: &[i64]) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM placement_element WHERE placement_id = ?1",
        [id],
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO placement_element (placement_id, element_id)
         SELECT ?1, id FROM training_element WHERE id = ?2",
    )?;
    for e in elements {
        stmt.execute([id, *e])?;
    }
    Ok(())
}

/// The element ids of a placement.
pub fn element_ids(conn: &Connection, placement_id: i64) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached(
        "SELECT element_id FROM placement_element WHERE placement_id = ?1 ORDER BY element_id",
    )?
    .query_map([placement_id], |r| r.get(0))?
    .collect()
}

/// Records the approval and the plan it approved.
pub fn approve(
    conn: &Connection,
    id: i64,
    agreement_code: &str,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE placement SET status = 'approved', approved_kind = kind, approved_start = start_on,
            approved_end = end_on, approved_extent = extent_percent, agreement_code = ?2,
            approved_at = ?3, approved_by = ?4
         WHERE id = ?1 AND status = 'planned'",
        params![id, agreement_code, stamp(now), by],
    )
}

/// Marks a placement cancelled.
pub fn cancel(conn: &Connection, id: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE placement SET status = 'cancelled' WHERE id = ?1 AND status <> 'cancelled'",
        [id],
    )
}

/// Sets the certificate status.
pub fn set_certificate(conn: &Connection, id: i64, c: Certificate) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE placement SET certificate = ?2 WHERE id = ?1",
        params![id, c.as_str()],
    )
}

/// A placement's home periods, by start.
pub fn home_periods(conn: &Connection, placement_id: i64) -> rusqlite::Result<Vec<HomePeriodRow>> {
    conn.prepare_cached(
        "SELECT id, start_on, end_on, reason, note FROM placement_home_period
         WHERE placement_id = ?1 ORDER BY start_on, id",
    )?
    .query_map([placement_id], |r| {
        let reason: String = r.get(3)?;
        Ok(HomePeriodRow {
            id: r.get(0)?,
            start: date_col(r, 1)?,
            end: date_col(r, 2)?,
            reason: HomeReason::parse(&reason).unwrap_or(HomeReason::CalledHome),
            note: r.get(4)?,
        })
    })?
    .collect()
}

/// Every home period, by placement: one query for reports.
pub fn all_home_periods(
    conn: &Connection,
) -> rusqlite::Result<std::collections::HashMap<i64, Vec<HomePeriodRow>>> {
    let mut out: std::collections::HashMap<i64, Vec<HomePeriodRow>> = Default::default();
    let mut stmt = conn.prepare_cached(
        "SELECT placement_id, id, start_on, end_on, reason, note FROM placement_home_period ORDER BY start_on",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let reason: String = r.get(4)?;
        out.entry(r.get(0)?).or_default().push(HomePeriodRow {
            id: r.get(1)?,
            start: date_col(r, 2)?,
            end: date_col(r, 3)?,
            reason: HomeReason::parse(&reason).unwrap_or(HomeReason::CalledHome),
            note: r.get(5)?,
        });
    }
    Ok(out)
}

/// Adds a home period.
pub fn add_home_period(
    conn: &Connection,
    placement_id: i64,
    start: NaiveDate,
    end: NaiveDate,
    reason: HomeReason,
    note: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO placement_home_period (placement_id, start_on, end_on, reason, note, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![placement_id, start.to_string(), end.to_string(), reason.as_str(), note, stamp(now)],
    )?;
    Ok(conn.last_insert_rowid())
}

/// One recorded split line.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerLine {
    /// Id.
    pub id: i64,
    /// `approval` or `adjustment`.
    pub kind: String,
    /// The day of the approval or change (Europe/Stockholm).
    pub recorded_on: NaiveDate,
    /// `YYYY-MM`.
    pub month: String,
    /// Home clinic's part (or its change), öre.
    pub home_ore: i64,
    /// Host's part (or its change), öre.
    pub host_ore: i64,
    /// What changed.
    pub cause: String,
}

/// A placement's recorded lines, in the order they were written.
pub fn ledger(conn: &Connection, placement_id: i64) -> rusqlite::Result<Vec<LedgerLine>> {
    conn.prepare_cached(
        "SELECT id, kind, recorded_on, month, home_ore, host_ore, cause FROM placement_split_line
         WHERE placement_id = ?1 ORDER BY id",
    )?
    .query_map([placement_id], |r| {
        Ok(LedgerLine {
            id: r.get(0)?,
            kind: r.get(1)?,
            recorded_on: date_col(r, 2)?,
            month: r.get(3)?,
            home_ore: r.get(4)?,
            host_ore: r.get(5)?,
            cause: r.get(6)?,
        })
    })?
    .collect()
}

/// The sum of a placement's recorded lines per month.
pub fn ledger_sums(lines: &[LedgerLine]) -> MonthAmounts {
    let mut out = MonthAmounts::new();
    for l in lines {
        let e = out.entry(l.month.clone()).or_default();
        e.0 += l.home_ore;
        e.1 += l.host_ore;
    }
    out
}

/// Appends lines to the ledger.
pub fn append_ledger(
    conn: &Connection,
    placement_id: i64,
    kind: &str,
    on: NaiveDate,
    lines: &[(String, i64, i64)],
    cause: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO placement_split_line (placement_id, kind, recorded_on, month, home_ore, host_ore, cause, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (month, home, host) in lines {
        stmt.execute(params![
            placement_id,
            kind,
            on.to_string(),
            month,
            home,
            host,
            cause,
            stamp(now)
        ])?;
    }
    Ok(())
}

/// Approves a planned placement: the agreement is chosen from the plan as it
/// stands, the plan and the agreement are kept with the placement, and the
/// split of every month is recorded as reported (`approval` lines dated
/// `today`). The caller checks the plan's rules first.
pub fn approve_and_report(
    conn: &Connection,
    p: &Placement,
    by: Option<i64>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Split, LedgerError> {
    let agreements = super::agreements::load_agreements(conn)?;
    let agreement = choose_agreement(&agreements, kind_of(&p.kind), p.start, p.end)
        .ok_or(LedgerError::NoAgreement)?;
    let salary =
        super::trainees::effective_history(&super::trainees::salary_rows(conn, p.trainee_id)?);
    let home = home_periods(conn, p.id)?;
    let s = split(&split_input(p, &salary, &home), agreement)?;
    approve(conn, p.id, &agreement.code, by, now)?;
    let lines: Vec<(String, i64, i64)> = s
        .months
        .iter()
        .map(|m| (m.month.clone(), m.home_ore, m.host_ore))
        .collect();
    append_ledger(conn, p.id, "approval", today, &lines, "", now)?;
    Ok(s)
}

/// Brings the ledger of an approved (or since cancelled) placement up to its
/// current split: each month's difference from its recorded lines is
/// appended as an `adjustment` line dated `today` with `cause`. A planned
/// placement has no ledger. Returns how many lines were appended.
pub fn resync_ledger(
    conn: &Connection,
    p: &Placement,
    today: NaiveDate,
    cause: &str,
    now: DateTime<Utc>,
) -> Result<usize, LedgerError> {
    if p.approved.is_none() {
        return Ok(0);
    }
    let lines = ledger(conn, p.id)?;
    let current = if p.stored == Stored::Cancelled {
        MonthAmounts::new()
    } else {
        let agreements = super::agreements::load_agreements(conn)?;
        let salary =
            super::trainees::effective_history(&super::trainees::salary_rows(conn, p.trainee_id)?);
        let home = home_periods(conn, p.id)?;
        month_amounts(&compute_split(p, &agreements, &salary, &home)?.1)
    };
    let adjustments = adjustments(&ledger_sums(&lines), &current);
    append_ledger(conn, p.id, "adjustment", today, &adjustments, cause, now)?;
    Ok(adjustments.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        crate::check::date(s).expect("date")
    }

    #[test]
    fn overlap_names_the_earliest_other() {
        let others = [
            (7, d("2026-06-01"), d("2026-08-31")),
            (3, d("2026-01-01"), d("2026-03-31")),
        ];
        assert_eq!(
            first_overlap(&others, d("2026-03-31"), d("2026-06-01")).map(|s| s.0),
            Some(3)
        );
        assert_eq!(
            first_overlap(&others, d("2026-04-01"), d("2026-05-31")),
            None
        );
    }

    #[test]
    fn capacity_names_the_first_full_day() {
        let others = [
            (1, d("2026-01-01"), d("2026-03-31")),
            (2, d("2026-03-15"), d("2026-06-30")),
        ];
        // Capacity 2: with ours, three run from 15 March.
        assert_eq!(
            first_over_capacity(&others, 2, d("2026-02-01"), d("2026-04-30")),
            Some(d("2026-03-15"))
        );
        assert_eq!(
            first_over_capacity(&others, 2, d("2026-04-01"), d("2026-04-30")),
            None
        );
        assert_eq!(
            first_over_capacity(&others, 0, d("2026-04-01"), d("2026-04-30")),
            Some(d("2026-04-01"))
        );
        // A span ending the day before ours starts does not count.
        assert_eq!(
            first_over_capacity(&others[..1], 1, d("2026-04-01"), d("2026-04-30")),
            None
        );
    }

    #[test]
    fn plan_problems_name_their_fields() {
        let p = check_plan(d("2026-05-01"), d("2026-04-01"), 0, &[], &[], Some(1));
        let fields: Vec<_> = p.iter().map(PlanProblem::field).collect();
        assert_eq!(fields, ["end", "extent"]);
    }

    #[test]
    fn adjustments_carry_only_differences() {
        let rec: MonthAmounts = [("2026-01".into(), (100, 0)), ("2026-02".into(), (50, 50))].into();
        let cur: MonthAmounts = [
            ("2026-01".into(), (100, 0)),
            ("2026-02".into(), (40, 60)),
            ("2026-03".into(), (0, 10)),
        ]
        .into();
        assert_eq!(
            adjustments(&rec, &cur),
            vec![("2026-02".into(), -10, 10), ("2026-03".into(), 0, 10)]
        );
    }

    #[test]
    fn peaks_and_over_capacity_stretches() {
        let spans = [
            (1, d("2026-01-10"), d("2026-02-10")),
            (2, d("2026-02-01"), d("2026-02-20")),
        ];
        let (peaks, over) = monthly_peaks(&spans, d("2026-01-01"), d("2026-03-31"), Some(1));
        assert_eq!(
            peaks,
            vec![
                (d("2026-01-01"), 1),
                (d("2026-02-01"), 2),
                (d("2026-03-01"), 0)
            ]
        );
        assert_eq!(over, vec![(d("2026-02-01"), d("2026-02-10"))]);
    }

    proptest! {
        /// Recorded lines plus the adjustments always sum to the current
        /// split, month by month, and nothing recorded is touched.
        #[test]
        fn adjustments_bring_the_ledger_to_the_current_split(
            recorded in proptest::collection::btree_map(0u32..24, (0i64..10_000_000, 0i64..10_000_000), 0..12),
            current in proptest::collection::btree_map(0u32..24, (0i64..10_000_000, 0i64..10_000_000), 0..12),
        ) {
            let key = |m: u32| format!("2026-{:02}", m + 1);
            let rec: MonthAmounts = recorded.iter().map(|(m, v)| (key(*m), *v)).collect();
            let cur: MonthAmounts = current.iter().map(|(m, v)| (key(*m), *v)).collect();
            let mut sums = rec.clone();
            for (m, h, t) in adjustments(&rec, &cur) {
                prop_assert!(h != 0 || t != 0);
                let e = sums.entry(m).or_default();
                e.0 += h;
                e.1 += t;
            }
            sums.retain(|_, v| *v != (0, 0));
            let mut want = cur.clone();
            want.retain(|_, v| *v != (0, 0));
            prop_assert_eq!(sums, want);
        }

        /// Monthly peaks agree with counting day by day.
        #[test]
        fn peaks_match_day_by_day(
            spans in proptest::collection::vec((0i64..200, 0i64..90), 0..8),
            cap in 0i64..4,
        ) {
            let base = d("2026-01-01");
            let day = |n: i64| base + chrono::Duration::days(n);
            let others: Vec<Span> = spans.iter().enumerate()
                .map(|(i, (a, l))| (i as i64, day(*a), day(a + l))).collect();
            let (from, to) = (day(0), day(180));
            let (peaks, over) = monthly_peaks(&others, from, to, Some(cap));
            let mut expected: Vec<(NaiveDate, i64)> = Vec::new();
            let mut cur = from;
            while cur <= to {
                let n = others.iter().filter(|(_, a, b)| *a <= cur && *b >= cur).count() as i64;
                match expected.last_mut() {
                    Some((m, p)) if *m == first_of_month(cur) => *p = (*p).max(n),
                    _ => expected.push((first_of_month(cur), n)),
                }
                prop_assert_eq!(over.iter().any(|(a, b)| *a <= cur && cur <= *b), n > cap);
                cur = cur.succ_opt().expect("day");
            }
            prop_assert_eq!(peaks, expected);
        }
    }

    proptest! {
        /// The sweep agrees with counting day by day.
        #[test]
        fn sweep_matches_day_by_day(
            spans in proptest::collection::vec((0i64..120, 0i64..60), 0..8),
            s in 0i64..150, len in 0i64..60, cap in 0i64..4,
        ) {
            let base = d("2026-01-01");
            let day = |n: i64| base + chrono::Duration::days(n);
            let others: Vec<Span> = spans.iter().enumerate()
                .map(|(i, (a, l))| (i as i64, day(*a), day(a + l))).collect();
            let (start, end) = (day(s), day(s + len));
            let mut expected = None;
            let mut cur = start;
            while cur <= end {
                let n = 1 + others.iter().filter(|(_, a, b)| *a <= cur && *b >= cur).count() as i64;
                if n > cap { expected = Some(cur); break; }
                cur = cur.succ_opt().expect("day");
            }
            prop_assert_eq!(first_over_capacity(&others, cap, start, end), expected);
        }
    }
}
