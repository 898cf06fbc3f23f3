//! Placements (randning) at a host unit: the rules a plan must keep (dates,
//! extent, no overlap with the trainee's other placements, the host's
//! capacity on every day, home periods inside the placement) and the
//! reported split ledger's arithmetic. Pure; the SQL is in `store`, the
//! ledger's reads and writes in `ledger`.
//!
//! The ledger (plan vs actual): approval records the split of every calendar
//! month as `approval` lines. When an approved placement changes later (an
//! earlier end, an extension, a home period, a salary revision), the split is
//! computed again and each month's difference from the sum of its recorded
//! lines is appended as an `adjustment` line dated the day of the change. No
//! line is ever changed, so what was reported stays visible as it was, and
//! the sum of a month's lines is always the current split.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::model::{
    Agreement, HomePeriod, Kind, LEAVE_REASON, MAX_PLACEMENT_DAYS, SalaryChange, Split, SplitError,
    SplitInput, choose_agreement, split, why_fallback,
};
use crate::i18n::Msg;
use crate::msg;

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
    /// The version of it the placement was priced with; none for a
    /// placement approved before versions were kept, which follows the
    /// version in force on its approved start.
    pub agreement_version: Option<u32>,
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

    /// True until the placement is cancelled: a cancelled placement takes
    /// no more changes, counts against no capacity and costs nothing.
    pub fn is_live(&self) -> bool {
        self.stored != Stored::Cancelled
    }

    /// The plan as it stands, as approval checks it (the elements do not
    /// matter to the rules).
    pub fn plan(&self) -> PlanInput {
        PlanInput {
            trainee_id: self.trainee_id,
            host_unit_id: self.host_unit_id,
            kind: self.kind.clone(),
            start: self.start,
            end: self.end,
            extent: self.extent,
            host_supervisor: self.host_supervisor.clone(),
            elements: Vec::new(),
        }
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

/// A rule a plan breaks, with the field of the placement form it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanProblem {
    /// No such trainee.
    UnknownTrainee,
    /// The unit takes no trainees (or does not exist).
    NotAHost,
    /// An existing placement cannot move to another trainee.
    OtherTrainee,
    /// A recorded home period would fall outside the changed dates.
    HomePeriodsOutside,
    /// `end` before `start`.
    EndBeforeStart,
    /// Longer than any agreement prices ([`MAX_PLACEMENT_DAYS`]).
    TooLong,
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
            PlanProblem::UnknownTrainee | PlanProblem::OtherTrainee => "trainee_id",
            PlanProblem::NotAHost => "host_unit_id",
            PlanProblem::HomePeriodsOutside => "end",
            PlanProblem::EndBeforeStart | PlanProblem::TooLong => "end",
            PlanProblem::Extent => "extent",
            PlanProblem::Overlap { .. } => "start",
            PlanProblem::OverCapacity { .. } => "host_unit_id",
        }
    }

    /// What a user reads.
    pub fn message(&self) -> Msg {
        match self {
            PlanProblem::UnknownTrainee | PlanProblem::OtherTrainee => {
                msg!("placements.err_trainee")
            }
            PlanProblem::NotAHost => msg!("placements.err_host"),
            PlanProblem::HomePeriodsOutside => msg!("placements.err_home_outside"),
            PlanProblem::EndBeforeStart => msg!("placements.err_end_before_start"),
            PlanProblem::TooLong => msg!("rotations.error.too_long"),
            PlanProblem::Extent => msg!("placements.err_extent"),
            PlanProblem::Overlap { other, start, end } => msg!(
                "placements.err_overlap",
                id = *other,
                start = *start,
                end = *end
            ),
            PlanProblem::OverCapacity { day, capacity } => {
                msg!("placements.err_capacity", day = *day, capacity = *capacity)
            }
        }
    }
}

/// What is wrong with a changed plan beside its own rules ([`check_plan`]):
/// the trainee stays the same and the recorded home periods stay inside.
pub fn check_change(
    before: &Placement,
    plan: &PlanInput,
    home: &[HomePeriodRow],
) -> Option<PlanProblem> {
    if before.trainee_id != plan.trainee_id {
        return Some(PlanProblem::OtherTrainee);
    }
    home.iter()
        .any(|h| !home_period_inside(h.start, h.end, plan.start, plan.end))
        .then_some(PlanProblem::HomePeriodsOutside)
}

/// A rule a new home period breaks, with the field of its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HomeProblem {
    /// It ends before it starts.
    EndBeforeStart,
    /// It does not lie within the placement `start..=end`.
    Outside {
        /// The placement's first day.
        start: NaiveDate,
        /// Its last day.
        end: NaiveDate,
    },
    /// It shares a day with a recorded home period.
    Overlap,
}

impl HomeProblem {
    /// The form field the problem is shown beside.
    pub fn field(&self) -> &'static str {
        match self {
            HomeProblem::EndBeforeStart => "home_end",
            HomeProblem::Outside { .. } | HomeProblem::Overlap => "home_start",
        }
    }

    /// What a user reads.
    pub fn message(&self) -> Msg {
        match self {
            HomeProblem::EndBeforeStart => msg!("placements.err_end_before_start"),
            HomeProblem::Outside { start, end } => msg!(
                "placements.err_home_outside_dates",
                start = *start,
                end = *end
            ),
            HomeProblem::Overlap => msg!("placements.err_home_overlap"),
        }
    }
}

/// Checks a home period `start..=end` for placement `p` with its recorded
/// home periods `existing`.
pub fn check_home_period(
    p: &Placement,
    start: NaiveDate,
    end: NaiveDate,
    existing: &[HomePeriodRow],
) -> Option<HomeProblem> {
    if end < start {
        return Some(HomeProblem::EndBeforeStart);
    }
    if !home_period_inside(start, end, p.start, p.end) {
        return Some(HomeProblem::Outside {
            start: p.start,
            end: p.end,
        });
    }
    existing
        .iter()
        .any(|h| h.start <= end && h.end >= start)
        .then_some(HomeProblem::Overlap)
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
    // Refused when planned, not only when approved and priced; a span that
    // long is not searched for overlaps either.
    let too_long = (end - start).num_days() >= MAX_PLACEMENT_DAYS;
    if end < start {
        problems.push(PlanProblem::EndBeforeStart);
    } else if too_long {
        problems.push(PlanProblem::TooLong);
    }
    if !(1..=100).contains(&extent) {
        problems.push(PlanProblem::Extent);
    }
    if end >= start && !too_long {
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

/// The agreement of a placement: for an approved one the very version it
/// was priced with at approval, so neither later changes to the plan nor a
/// new version (even one valid from an earlier day) re-price it; for a
/// planned one the agreement its current plan would get.
pub fn agreement_for<'a>(agreements: &'a [Agreement], p: &Placement) -> Option<&'a Agreement> {
    match &p.approved {
        Some(plan) => {
            let versions = || agreements.iter().filter(|a| a.code == plan.agreement_code);
            if let Some(v) = plan.agreement_version
                && let Some(kept) = versions().find(|a| a.version == v)
            {
                return Some(kept);
            }
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
                // The explanation shows the user's note when there is one,
                // else nothing for called home and "leave" in the reader's
                // language for leave.
                reason: match (h.note.trim(), h.reason) {
                    ("", HomeReason::CalledHome) => String::new(),
                    ("", HomeReason::Leave) => LEAVE_REASON.to_string(),
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

/// Why a split could not be computed or recorded. Its `Display` names the
/// catalogue key (for logs); [`LedgerError::message`] is what a user reads.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// No agreement applies and there is no fallback.
    #[error("placements.no_agreement")]
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

    /// What a user reads, for the refusals of the rules (storage errors
    /// have none).
    pub fn message(&self) -> Option<Msg> {
        self.text_key().map(Msg::new)
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
    let mut s = split(&split_input(p, salary, home), agreement)?;
    // Why the fallback was chosen, from the plan that chose it.
    let (kind, start, end) = match &p.approved {
        Some(plan) => (kind_of(&plan.kind), plan.start, plan.end),
        None => (kind_of(&p.kind), p.start, p.end),
    };
    s.warnings
        .extend(why_fallback(agreements, agreement, kind, start, end));
    Ok((agreement.code.clone(), s))
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
    fn a_plan_longer_than_ten_years_is_refused_when_planned() {
        let start = d("2026-01-01");
        let last_allowed = start + chrono::Duration::days(MAX_PLACEMENT_DAYS - 1);
        assert!(check_plan(start, last_allowed, 100, &[], &[], Some(1)).is_empty());
        let p = check_plan(
            start,
            last_allowed + chrono::Duration::days(1),
            100,
            &[],
            &[],
            Some(1),
        );
        assert_eq!(p, [PlanProblem::TooLong]);
        assert_eq!(p[0].field(), "end");
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
