//! The cost split of a rotation placement between the trainee's home clinic
//! and the host, and the rules of cost-sharing agreements. Pure: no I/O, no
//! clock, no floats.
//!
//! How a split is computed (see DOMAIN.md, "ST-doctor rotation placements"):
//!
//! 1. Placement month `k` starts on [`placement_month_start`]`(start, k)`,
//!    always counted from the start date (never chained), clamped to the
//!    month's end. Each day of the placement belongs to exactly one placement
//!    month and so to one tier of the agreement. Days when the trainee is at
//!    home do not move this clock.
//! 2. A day costs `monthly cost of that day's salary / days in its calendar
//!    month`. On a day at the host the host pays
//!    `day cost × tier per-mille / 1000 × extent / 100`; on a home day (a
//!    [`HomePeriod`]) the host pays nothing. The home clinic pays the rest.
//! 3. When the agreement caps the host's part, the cap is pro-rated per day
//!    like the salary (`cap / days in the calendar month`) and applied to each
//!    day's host part *after* the tier share and extent: the host pays
//!    `min(share, cap per day)`.
//! 4. All of this is summed exactly per calendar month as rationals over the
//!    common denominator `days in month × 100 000`. The month total is the
//!    exact sum rounded half up to whole öre; home and host parts are then
//!    rounded by largest remainder so that `home + host = total` exactly.
//!    A whole calendar month at one salary therefore costs exactly the
//!    monthly cost, February included.
//!
//! The split is data: each month line carries its runs of days and the
//! remarks a reader needs (salary changes, extent, cap); `explain` puts
//! them in words in the reader's language.

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::i18n::Msg;
use crate::msg;

/// The kind of placement an agreement applies to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = PlacementKind)]
pub enum Kind {
    /// An ordinary rotation placement (usually 3 months).
    General,
    /// Radiotherapy as one continuous placement.
    Radiotherapy,
}

impl Kind {
    /// Every kind, in display order.
    pub const ALL: [Kind; 2] = [Kind::General, Kind::Radiotherapy];

    /// The code stored in the database and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            Kind::General => "general",
            Kind::Radiotherapy => "radiotherapy",
        }
    }

    /// Parses a code (`general`, `radiotherapy`; the Swedish words too).
    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim().to_lowercase().as_str() {
            "general" | "allmän" | "allman" => Some(Kind::General),
            "radiotherapy" | "strålbehandling" | "stralbehandling" => Some(Kind::Radiotherapy),
            _ => None,
        }
    }

    /// The catalogue key of the kind's name.
    pub fn text_key(self) -> &'static str {
        match self {
            Kind::General => "rotations.kind.general",
            Kind::Radiotherapy => "rotations.kind.radiotherapy",
        }
    }
}

/// One step of an agreement: from placement month `from_month` to `to_month`
/// (inclusive; open when `None`), the host pays `host_permille` ‰ and the home
/// clinic the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Tier {
    /// First placement month of the tier, counted from 1.
    pub from_month: u32,
    /// Last placement month of the tier; `None` for "and every month after".
    pub to_month: Option<u32>,
    /// The host's share, 0..=1000 per mille.
    pub host_permille: u16,
}

/// One version of a cost-sharing agreement. A new version is a new
/// `Agreement` with the same `code` and its own validity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Agreement {
    /// Identifies the series of versions, e.g. `older-regional`.
    pub code: String,
    /// The version within the code, from 1; 0 for one not yet saved.
    pub version: u32,
    /// Name in Swedish.
    pub name_sv: String,
    /// Name in English, when given.
    pub name_en: Option<String>,
    /// First day the version applies to (placements starting on or after it).
    pub valid_from: NaiveDate,
    /// Last day the version applies to (inclusive); `None` while in force.
    pub valid_to: Option<NaiveDate>,
    /// Placement kinds the agreement covers; empty means every kind.
    pub kinds: Vec<Kind>,
    /// Shortest planned length in placement months, when limited.
    pub min_months: Option<u32>,
    /// Longest planned length in placement months, when limited.
    pub max_months: Option<u32>,
    /// The tiers, contiguous from month 1 (see [`validate_tiers`]).
    pub tiers: Vec<Tier>,
    /// Most the host pays per calendar month, in öre, pro-rated by days.
    pub cap_ore_per_month: Option<i64>,
    /// Applies when no other agreement is eligible.
    pub is_fallback: bool,
}

impl Agreement {
    /// True when the version is in force on `day`.
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }

    /// True when a planned placement of `kind` from `start` to `end` may use
    /// this agreement: the kind is covered, the planned length (see
    /// [`planned_months`]) is within the limits and the version is in force
    /// on the start date.
    pub fn is_eligible(&self, kind: Kind, start: NaiveDate, end: NaiveDate) -> bool {
        let months = planned_months(start, end);
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && self.min_months.is_none_or(|min| months >= min)
            && self.max_months.is_none_or(|max| months <= max)
            && self.valid_on(start)
    }

    /// The tier for placement month `k`, and whether `k` lies after the last
    /// tier (the last tier is then kept). `None` only without tiers.
    pub fn tier_for(&self, k: u32) -> Option<(Tier, bool)> {
        if let Some(t) = self
            .tiers
            .iter()
            .find(|t| t.from_month <= k && t.to_month.is_none_or(|to| k <= to))
        {
            return Some((*t, false));
        }
        self.tiers
            .iter()
            .max_by_key(|t| t.from_month)
            .map(|t| (*t, true))
    }
}

/// The trainee's monthly salary cost (salary with employer's contributions)
/// from a date on, until the next change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SalaryChange {
    /// First day of the new cost.
    pub from: NaiveDate,
    /// Cost of a whole calendar month, in öre.
    pub monthly_cost_ore: i64,
}

/// Days during the placement when the trainee was called home or on leave:
/// the home clinic pays them in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HomePeriod {
    /// First day at home.
    pub from: NaiveDate,
    /// Last day at home (inclusive).
    pub to: NaiveDate,
    /// Why, in the user's words (e.g. "semester"); empty when called
    /// home, [`LEAVE_REASON`] for leave without the user's words.
    pub reason: String,
}

/// The reason of a home period that is leave and has no words of the
/// user's: the explanation names it as leave in the reader's language. It
/// starts with a control character, which no form or API accepts, so that
/// no typed reason can be mistaken for it.
pub const LEAVE_REASON: &str = "\u{1}leave";

/// Everything the split needs about one placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitInput {
    /// The placement's kind.
    pub kind: Kind,
    /// First day of the placement.
    pub start: NaiveDate,
    /// Last day of the placement (inclusive).
    pub end: NaiveDate,
    /// Salary history; the first change must be on or before `start`.
    pub salary: Vec<SalaryChange>,
    /// Extent at the host, 1..=100 %.
    pub extent_percent: u8,
    /// Days at home, inside the placement, not overlapping.
    pub home_periods: Vec<HomePeriod>,
}

/// A run of days in one calendar month that are paid the same way; the
/// drill-down behind a month line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Segment {
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// The placement month (tier clock) of these days.
    pub placement_month: u32,
    /// The host's share on these days: the tier's per-mille, 0 on home days.
    pub host_permille: u16,
    /// The reason when these are home days (empty reason: called home).
    pub at_home: Option<String>,
    /// The monthly cost that applies on these days.
    pub monthly_cost_ore: i64,
    /// True when the agreement's cap limited the host's part on these days.
    pub capped: bool,
}

/// One calendar month of a split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthLine {
    /// The calendar month, `YYYY-MM`.
    pub month: String,
    /// First day of the calendar month (for grouping by budget year).
    pub first_day: NaiveDate,
    /// The month's cost: the exact sum of its day costs, rounded to öre.
    pub total_ore: i64,
    /// The home clinic's part.
    pub home_ore: i64,
    /// The host's part; `home_ore + host_ore == total_ore`.
    pub host_ore: i64,
    /// The runs of days behind the line.
    pub segments: Vec<Segment>,
    /// What a reader is told besides who pays on which days.
    pub remarks: Remarks,
}

/// The remarks of a month line, beside its runs of days: the facts that
/// change the amounts without changing who pays.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Remarks {
    /// When the monthly cost changed within the month: each cost in force
    /// with the day of the month it applies from, in order.
    pub salary_from_day: Vec<(u32, i64)>,
    /// The extent at the host, when below 100 % and the host pays on some
    /// day of the month (the extent only scales the host's share).
    pub extent_percent: Option<u8>,
    /// The agreement's monthly cap, when it limited the host's part on some
    /// day of the month.
    pub cap_ore_per_month: Option<i64>,
}

/// A run of days of a month line paid the same way: what the explanation
/// tells, day range by day range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// The placement month (tier clock) of these days.
    pub placement_month: u32,
    /// The host's share, per mille; 0 on home days.
    pub host_permille: u16,
    /// The reason when these are home days (see [`HomePeriod::reason`]).
    pub at_home: Option<String>,
}

impl MonthLine {
    /// The runs of days that are paid the same way: a salary change or the
    /// cap alone does not change who pays, so those segments make one run
    /// (the remarks tell the rest).
    pub fn runs(&self) -> Vec<Run> {
        let mut runs: Vec<Run> = Vec::new();
        for s in &self.segments {
            match runs.last_mut() {
                Some(r)
                    if r.placement_month == s.placement_month
                        && r.host_permille == s.host_permille
                        && r.at_home == s.at_home =>
                {
                    r.to = s.to;
                }
                _ => runs.push(Run {
                    from: s.from,
                    to: s.to,
                    placement_month: s.placement_month,
                    host_permille: s.host_permille,
                    at_home: s.at_home.clone(),
                }),
            }
        }
        runs
    }
}

/// Sums over a split or a group of month lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct Totals {
    /// Total cost in öre.
    pub total_ore: i64,
    /// The home clinic's part.
    pub home_ore: i64,
    /// The host's part.
    pub host_ore: i64,
}

impl Totals {
    /// Adds one month line.
    pub fn add(&mut self, m: &MonthLine) {
        self.total_ore += m.total_ore;
        self.home_ore += m.home_ore;
        self.host_ore += m.host_ore;
    }
}

/// Something the reader of a split should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// The placement runs past the agreement's last tier, which is kept.
    BeyondLastTier {
        /// The last placement month the tiers name.
        last_month: u32,
    },
    /// The agreement was named explicitly although the plan (kind, planned
    /// length) is not eligible for it.
    NotEligible,
    /// The fallback applies because an agreement for the placement's kind
    /// does not cover its planned length.
    LengthNotCovered {
        /// The agreement that does not apply: its Swedish name.
        name_sv: String,
        /// Its English name, when given.
        name_en: Option<String>,
        /// Its shortest length in placement months, when it is too short.
        min_months: Option<u32>,
        /// Its longest length, when it is too long.
        max_months: Option<u32>,
        /// The planned length.
        months: u32,
        /// The fallback's Swedish name.
        fallback_sv: String,
        /// Its English name, when given.
        fallback_en: Option<String>,
    },
}

impl Warning {
    /// The warning as a message.
    pub fn message(&self) -> Msg {
        match self {
            Warning::BeyondLastTier { last_month } => {
                msg!(
                    "rotations.warning.beyond_last_tier",
                    last_month = *last_month
                )
            }
            Warning::NotEligible => msg!("rotations.warning.not_eligible"),
            Warning::LengthNotCovered {
                name_sv,
                name_en,
                min_months,
                max_months,
                months,
                fallback_sv,
                fallback_en,
            } => {
                let agreement = Msg::named(name_sv.clone(), name_en.clone());
                let fallback = Msg::named(fallback_sv.clone(), fallback_en.clone());
                match (min_months, max_months) {
                    (Some(min), _) if months < min => msg!(
                        "rotations.warning.fallback_too_short",
                        agreement,
                        min = *min,
                        months = *months,
                        fallback
                    ),
                    (_, max) => msg!(
                        "rotations.warning.fallback_too_long",
                        agreement,
                        max = max.unwrap_or(0),
                        months = *months,
                        fallback
                    ),
                }
            }
        }
    }
}

/// A computed split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Split {
    /// The code of the agreement used.
    pub agreement: String,
    /// One line per calendar month the placement touches, in order.
    pub months: Vec<MonthLine>,
    /// The sums of the month lines.
    pub total: Totals,
    /// Things to know, e.g. months after the last tier.
    pub warnings: Vec<Warning>,
}

/// Why a split cannot be computed. [`SplitError::field`] names the input
/// field at fault, as the API and the forms call it; [`SplitError::message`]
/// says what is wrong, as a catalogue key (its `Display` too, for logs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A date (`start` or `end`) outside the years 1 to 9999.
    DateOutOfRange(&'static str),
    /// The end is before the start.
    EndBeforeStart,
    /// The placement is longer than [`MAX_PLACEMENT_DAYS`].
    TooLong,
    /// The extent is not 1..=100.
    Extent,
    /// No salary applies on the placement's first day.
    NoSalary,
    /// A salary change's cost is negative or above [`MAX_MONTHLY_COST_ORE`].
    SalaryOutOfRange(usize),
    /// Two salary changes start on the same day.
    DuplicateSalary(usize),
    /// A home period ends before it starts.
    HomePeriodReversed(usize),
    /// A home period starts before the placement.
    HomePeriodBeforeStart(usize),
    /// A home period ends after the placement.
    HomePeriodAfterEnd(usize),
    /// A home period overlaps an earlier one.
    HomePeriodOverlap(usize),
    /// The agreement has no tiers, a negative cap or bad tiers.
    Agreement(TierError),
    /// No agreement has the code asked for.
    UnknownAgreement,
    /// The agreement asked for has no version in force on the start date.
    AgreementNotInForce,
    /// No agreement is eligible and there is no fallback.
    NoAgreement,
}

impl SplitError {
    /// The input field at fault, e.g. `end`, `home_periods[0].to`.
    pub fn field(&self) -> String {
        match self {
            SplitError::DateOutOfRange(field) => (*field).into(),
            SplitError::EndBeforeStart | SplitError::TooLong => "end".into(),
            SplitError::Extent => "extent_percent".into(),
            SplitError::NoSalary => "salary".into(),
            SplitError::SalaryOutOfRange(i) => format!("salary[{i}].monthly_cost_ore"),
            SplitError::DuplicateSalary(i) => format!("salary[{i}].from"),
            SplitError::HomePeriodReversed(i) | SplitError::HomePeriodAfterEnd(i) => {
                format!("home_periods[{i}].to")
            }
            SplitError::HomePeriodBeforeStart(i) | SplitError::HomePeriodOverlap(i) => {
                format!("home_periods[{i}].from")
            }
            SplitError::Agreement(_)
            | SplitError::UnknownAgreement
            | SplitError::AgreementNotInForce
            | SplitError::NoAgreement => "agreement".into(),
        }
    }

    /// The catalogue key of the message a user reads.
    pub fn text_key(&self) -> &'static str {
        match self {
            SplitError::DateOutOfRange(_) => "rotations.error.date_range",
            SplitError::EndBeforeStart => "rotations.error.end_before_start",
            SplitError::TooLong => "rotations.error.too_long",
            SplitError::Extent => "rotations.error.extent",
            SplitError::NoSalary => "rotations.error.no_salary",
            SplitError::SalaryOutOfRange(_) => "rotations.error.salary_range",
            SplitError::DuplicateSalary(_) => "rotations.error.duplicate_salary",
            SplitError::HomePeriodReversed(_) => "rotations.error.home_reversed",
            SplitError::HomePeriodBeforeStart(_) => "rotations.error.home_before_start",
            SplitError::HomePeriodAfterEnd(_) => "rotations.error.home_after_end",
            SplitError::HomePeriodOverlap(_) => "rotations.error.home_overlap",
            SplitError::Agreement(e) => e.text_key(),
            SplitError::UnknownAgreement => "rotations.error.unknown_agreement",
            SplitError::AgreementNotInForce => "rotations.error.agreement_not_in_force",
            SplitError::NoAgreement => "rotations.error.no_agreement",
        }
    }

    /// What a user reads.
    pub fn message(&self) -> Msg {
        Msg::new(self.text_key())
    }
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field(), self.text_key())
    }
}

impl std::error::Error for SplitError {}

/// What is wrong with an agreement's tiers or limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierError {
    /// No tiers at all.
    Empty,
    /// The first tier does not start at month 1.
    NotFromOne,
    /// Tier `i` does not start the month after the previous one ends.
    Gap(usize),
    /// Tier `i` ends before it starts.
    Reversed(usize),
    /// Tier `i` is open-ended but not the last.
    OpenNotLast(usize),
    /// Tier `i` has a share above 1000 ‰.
    Permille(usize),
    /// The cap is negative.
    NegativeCap,
}

impl TierError {
    /// The catalogue key of the message a user reads.
    pub fn text_key(&self) -> &'static str {
        match self {
            TierError::Empty => "agreements.error.no_tiers",
            TierError::NotFromOne => "agreements.error.not_from_one",
            TierError::Gap(_) => "agreements.error.gap",
            TierError::Reversed(_) => "agreements.error.tier_reversed",
            TierError::OpenNotLast(_) => "agreements.error.open_not_last",
            TierError::Permille(_) => "agreements.error.permille",
            TierError::NegativeCap => "agreements.error.negative_cap",
        }
    }

    /// The index of the tier at fault, when one is.
    pub fn tier(&self) -> Option<usize> {
        match self {
            TierError::Gap(i)
            | TierError::Reversed(i)
            | TierError::OpenNotLast(i)
            | TierError::Permille(i) => Some(*i),
            TierError::NotFromOne => Some(0),
            TierError::Empty | TierError::NegativeCap => None,
        }
    }
}

impl fmt::Display for TierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tier() {
            Some(i) => write!(f, "tiers[{i}]: {}", self.text_key()),
            None => f.write_str(self.text_key()),
        }
    }
}

impl std::error::Error for TierError {}

/// Highest monthly cost the engine takes (one billion kronor): anything
/// above is a typing error, and the bound keeps every sum of a split far
/// inside `i64`.
pub const MAX_MONTHLY_COST_ORE: i64 = 100_000_000_000;

/// Longest placement the engine computes (ten years and a bit); longer
/// input is a typing error, and bounding it bounds the work per request.
pub const MAX_PLACEMENT_DAYS: i64 = 3660;

/// Checks that tiers, in the given order, run contiguously from month 1,
/// that only the last may be open-ended and that every share is 0..=1000 ‰.
pub fn validate_tiers(tiers: &[Tier]) -> Result<(), TierError> {
    let Some(first) = tiers.first() else {
        return Err(TierError::Empty);
    };
    if first.from_month != 1 {
        return Err(TierError::NotFromOne);
    }
    let mut expected_from = 1u32;
    for (i, t) in tiers.iter().enumerate() {
        if t.from_month != expected_from {
            return Err(TierError::Gap(i));
        }
        if t.host_permille > 1000 {
            return Err(TierError::Permille(i));
        }
        match t.to_month {
            Some(to) if to < t.from_month => return Err(TierError::Reversed(i)),
            Some(to) => expected_from = to.saturating_add(1),
            None if i + 1 < tiers.len() => return Err(TierError::OpenNotLast(i)),
            None => {}
        }
    }
    Ok(())
}

/// First day of placement month `k` (counted from 1): `start` plus `k - 1`
/// calendar months, always from the start date (never chained), clamped to
/// the month's end. 2025-01-31 → month 2 starts 2025-02-28; 2024-02-29 →
/// month 13 starts 2025-02-28, month 14 on 2025-03-29.
pub fn placement_month_start(start: NaiveDate, k: u32) -> NaiveDate {
    start
        .checked_add_months(Months::new(k.saturating_sub(1)))
        .unwrap_or(NaiveDate::MAX)
}

/// The planned length in placement months: how many placement months the
/// days from `start` to `end` touch (a plan that ends one day into month 7
/// counts as 7). 0 when `end` is before `start`.
pub fn planned_months(start: NaiveDate, end: NaiveDate) -> u32 {
    if end < start {
        return 0;
    }
    let mut k = 1u32;
    while placement_month_start(start, k + 1) <= end {
        k += 1;
    }
    k
}

/// The version of agreement `code` in force on `day`: of the versions whose
/// validity covers the day, the one that came into force last (a new
/// version supersedes the old from its first day without rewriting it).
pub fn version_on<'a>(
    agreements: &'a [Agreement],
    code: &str,
    day: NaiveDate,
) -> Option<&'a Agreement> {
    agreements
        .iter()
        .filter(|a| a.code == code && a.valid_on(day))
        .max_by_key(|a| a.valid_from)
}

/// The agreement for a planned placement. Only the version of each code in
/// force on the start date counts (see [`version_on`]). Among those, the
/// non-fallback agreements eligible by kind and planned length (see
/// [`Agreement::is_eligible`]), the one that came into force last; else the
/// fallback in force on the start date; else the newest fallback. `None`
/// only when nothing is eligible and there is no fallback.
pub fn choose_agreement(
    agreements: &[Agreement],
    kind: Kind,
    start: NaiveDate,
    end: NaiveDate,
) -> Option<&Agreement> {
    let current = |a: &&Agreement| {
        version_on(agreements, &a.code, start).is_some_and(|v| std::ptr::eq(v, *a))
    };
    agreements
        .iter()
        .filter(current)
        .filter(|a| !a.is_fallback && a.is_eligible(kind, start, end))
        .max_by_key(|a| a.valid_from)
        .or_else(|| {
            agreements
                .iter()
                .filter(current)
                .filter(|a| a.is_fallback)
                .max_by_key(|a| a.valid_from)
        })
        .or_else(|| {
            agreements
                .iter()
                .filter(|a| a.is_fallback)
                .max_by_key(|a| a.valid_from)
        })
}

/// The split of a planned placement: under the agreement `code` (its
/// version in force on the start date) when given, else under the one
/// [`choose_agreement`] picks for the plan. Returns the agreement version
/// used beside the split. The one call the preview and the placements make.
pub fn split_planned<'a>(
    agreements: &'a [Agreement],
    input: &SplitInput,
    code: Option<&str>,
) -> Result<(Split, &'a Agreement), SplitError> {
    // Input errors first, so that a bad end date is reported as such rather
    // than as "no agreement".
    validate(input)?;
    let agreement = match code {
        Some(code) => version_on(agreements, code, input.start).ok_or(
            if agreements.iter().any(|a| a.code == code) {
                SplitError::AgreementNotInForce
            } else {
                SplitError::UnknownAgreement
            },
        )?,
        None => choose_agreement(agreements, input.kind, input.start, input.end)
            .ok_or(SplitError::NoAgreement)?,
    };
    let mut result = split(input, agreement)?;
    if code.is_some() && !agreement.is_eligible(input.kind, input.start, input.end) {
        result.warnings.push(Warning::NotEligible);
    }
    if code.is_none() {
        result.warnings.extend(why_fallback(
            agreements,
            agreement,
            input.kind,
            input.start,
            input.end,
        ));
    }
    Ok((result, agreement))
}

/// Why `chosen` (a fallback) applies to a plan of `kind` from `start` to
/// `end`: each agreement in force for that kind whose length limits the
/// plan misses. Empty when `chosen` is not a fallback.
pub fn why_fallback(
    agreements: &[Agreement],
    chosen: &Agreement,
    kind: Kind,
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<Warning> {
    if !chosen.is_fallback {
        return Vec::new();
    }
    let months = planned_months(start, end);
    agreements
        .iter()
        .filter(|a| {
            !a.is_fallback
                && (a.kinds.is_empty() || a.kinds.contains(&kind))
                && version_on(agreements, &a.code, start).is_some_and(|v| std::ptr::eq(v, *a))
        })
        .filter(|a| {
            a.min_months.is_some_and(|min| months < min)
                || a.max_months.is_some_and(|max| months > max)
        })
        .map(|a| Warning::LengthNotCovered {
            name_sv: a.name_sv.clone(),
            name_en: a.name_en.clone(),
            min_months: a.min_months,
            max_months: a.max_months,
            months,
            fallback_sv: chosen.name_sv.clone(),
            fallback_en: chosen.name_en.clone(),
        })
        .collect()
}

/// Checks the input: dates, extent, salary history and home periods.
fn validate(input: &SplitInput) -> Result<(), SplitError> {
    // Month arithmetic near the ends of chrono's calendar has no next month
    // to count to; plans live far inside it.
    for (field, day) in [("start", input.start), ("end", input.end)] {
        if !(1..=9999).contains(&day.year()) {
            return Err(SplitError::DateOutOfRange(field));
        }
    }
    if input.end < input.start {
        return Err(SplitError::EndBeforeStart);
    }
    if (input.end - input.start).num_days() >= MAX_PLACEMENT_DAYS {
        return Err(SplitError::TooLong);
    }
    if !(1..=100).contains(&input.extent_percent) {
        return Err(SplitError::Extent);
    }
    for (i, s) in input.salary.iter().enumerate() {
        if !(0..=MAX_MONTHLY_COST_ORE).contains(&s.monthly_cost_ore) {
            return Err(SplitError::SalaryOutOfRange(i));
        }
        if input.salary[..i].iter().any(|o| o.from == s.from) {
            return Err(SplitError::DuplicateSalary(i));
        }
    }
    if !input.salary.iter().any(|s| s.from <= input.start) {
        return Err(SplitError::NoSalary);
    }
    for (i, h) in input.home_periods.iter().enumerate() {
        if h.to < h.from {
            return Err(SplitError::HomePeriodReversed(i));
        }
        if h.from < input.start {
            return Err(SplitError::HomePeriodBeforeStart(i));
        }
        if h.to > input.end {
            return Err(SplitError::HomePeriodAfterEnd(i));
        }
        if input.home_periods[..i]
            .iter()
            .any(|o| o.from <= h.to && h.from <= o.to)
        {
            return Err(SplitError::HomePeriodOverlap(i));
        }
    }
    Ok(())
}

/// Days in the calendar month of `day`.
pub fn days_in_month(day: NaiveDate) -> u32 {
    let first = day.with_day(1).unwrap_or(day);
    let next = first
        .checked_add_months(Months::new(1))
        .unwrap_or(NaiveDate::MAX);
    u32::try_from((next - first).num_days()).unwrap_or(31)
}

/// Denominator scale of a day's shares: per-mille × percent.
const SHARE_SCALE: i128 = 100_000;

/// Splits `total` into parts proportional to exact values `nums / den` by
/// largest remainder: each part gets its floor, and the öre left go one by
/// one to the parts with the largest remainders (earlier part first on a
/// tie). `total` must be within `len` of the sum of the floors, which holds
/// when it is the rounded exact sum.
fn largest_remainder<const N: usize>(total: i128, nums: [i128; N], den: i128) -> [i128; N] {
    let mut parts = nums.map(|n| n.div_euclid(den));
    let mut left = total - parts.iter().sum::<i128>();
    let mut order: [usize; N] = std::array::from_fn(|i| i);
    order.sort_by_key(|&i| std::cmp::Reverse(nums[i].rem_euclid(den)));
    // `left` is 0..=N for a rounded exact total; the loop keeps the parts
    // adding up whatever happens.
    let mut i = 0;
    while left > 0 {
        parts[order[i % N]] += 1;
        left -= 1;
        i += 1;
    }
    while left < 0 {
        let j = order[N - 1 - (i % N)];
        parts[j] -= 1;
        left += 1;
        i += 1;
    }
    parts
}

/// Exact sums of one calendar month, over the denominator
/// `days × SHARE_SCALE`.
struct MonthAcc {
    first_day: NaiveDate,
    days: u32,
    total_num: i128,
    host_num: i128,
    segments: Vec<Segment>,
}

impl MonthAcc {
    fn new(day: NaiveDate) -> MonthAcc {
        MonthAcc {
            first_day: day.with_day(1).unwrap_or(day),
            days: days_in_month(day),
            total_num: 0,
            host_num: 0,
            segments: Vec::new(),
        }
    }

    fn finish(self, extent_percent: u8, cap: Option<i64>) -> MonthLine {
        let remarks = remarks(&self.segments, extent_percent, cap);
        let den = i128::from(self.days) * SHARE_SCALE;
        // Round half up: the exact total is never negative.
        let total = (self.total_num + den / 2).div_euclid(den);
        let [home, host] =
            largest_remainder(total, [self.total_num - self.host_num, self.host_num], den);
        let to_i64 = |v: i128| i64::try_from(v).unwrap_or(i64::MAX);
        MonthLine {
            month: self.first_day.format("%Y-%m").to_string(),
            first_day: self.first_day,
            total_ore: to_i64(total),
            home_ore: to_i64(home),
            host_ore: to_i64(host),
            segments: self.segments,
            remarks,
        }
    }
}

/// The remarks of a month's segments: salary changes, an extent below
/// 100 % where the host pays, the cap where it limited the host.
fn remarks(segments: &[Segment], extent_percent: u8, cap: Option<i64>) -> Remarks {
    let mut salary_from_day: Vec<(u32, i64)> = Vec::new();
    for s in segments {
        if salary_from_day.last().map(|l| l.1) != Some(s.monthly_cost_ore) {
            salary_from_day.push((s.from.day(), s.monthly_cost_ore));
        }
    }
    if salary_from_day.len() < 2 {
        salary_from_day.clear();
    }
    Remarks {
        salary_from_day,
        extent_percent: (extent_percent < 100 && segments.iter().any(|s| s.host_permille > 0))
            .then_some(extent_percent),
        cap_ore_per_month: cap.filter(|_| segments.iter().any(|s| s.capped)),
    }
}

/// Computes the split of a placement under `agreement` (see the module
/// documentation for the rules and the rounding).
pub fn split(input: &SplitInput, agreement: &Agreement) -> Result<Split, SplitError> {
    validate(input)?;
    validate_tiers(&agreement.tiers).map_err(SplitError::Agreement)?;
    if agreement.cap_ore_per_month.is_some_and(|c| c < 0) {
        return Err(SplitError::Agreement(TierError::NegativeCap));
    }
    let mut salary = input.salary.clone();
    salary.sort_by_key(|s| s.from);
    let mut home = input.home_periods.iter().collect::<Vec<_>>();
    home.sort_by_key(|h| h.from);

    let extent = i128::from(input.extent_percent);
    let cap_day_num = agreement
        .cap_ore_per_month
        .map(|c| i128::from(c) * SHARE_SCALE);
    let mut months: Vec<MonthLine> = Vec::new();
    let mut warnings = Vec::new();
    let mut acc: Option<MonthAcc> = None;

    let mut k = 1u32;
    let mut next_month_start = placement_month_start(input.start, 2);
    let mut salary_i = 0usize;
    let mut home_i = 0usize;
    let mut day = input.start;
    loop {
        while day >= next_month_start {
            k += 1;
            next_month_start = placement_month_start(input.start, k + 1);
        }
        while salary_i + 1 < salary.len() && salary[salary_i + 1].from <= day {
            salary_i += 1;
        }
        while home_i < home.len() && home[home_i].to < day {
            home_i += 1;
        }
        let at_home = home
            .get(home_i)
            .filter(|h| h.from <= day)
            .map(|h| h.reason.clone());
        let (tier, beyond) = agreement
            .tier_for(k)
            .ok_or(SplitError::Agreement(TierError::Empty))?;
        if beyond && warnings.is_empty() {
            let last_month = agreement
                .tiers
                .iter()
                .filter_map(|t| t.to_month)
                .max()
                .unwrap_or(tier.from_month);
            warnings.push(Warning::BeyondLastTier { last_month });
        }
        let permille = if at_home.is_some() {
            0
        } else {
            tier.host_permille
        };
        let cost = salary[salary_i].monthly_cost_ore;

        if acc
            .as_ref()
            .is_some_and(|a| a.first_day.month() != day.month())
            && let Some(done) = acc.take()
        {
            months.push(done.finish(input.extent_percent, agreement.cap_ore_per_month));
        }
        let a = acc.get_or_insert_with(|| MonthAcc::new(day));
        let share_num = i128::from(cost) * i128::from(permille) * extent;
        let host_num = cap_day_num.map_or(share_num, |c| share_num.min(c));
        let capped = host_num < share_num;
        a.total_num += i128::from(cost) * SHARE_SCALE;
        a.host_num += host_num;

        match a.segments.last_mut() {
            Some(s)
                if s.placement_month == k
                    && s.host_permille == permille
                    && s.at_home == at_home
                    && s.monthly_cost_ore == cost
                    && s.capped == capped =>
            {
                s.to = day;
            }
            _ => a.segments.push(Segment {
                from: day,
                to: day,
                placement_month: k,
                host_permille: permille,
                at_home,
                monthly_cost_ore: cost,
                capped,
            }),
        }

        if day >= input.end {
            break;
        }
        day = day.succ_opt().unwrap_or(NaiveDate::MAX);
    }
    if let Some(done) = acc.take() {
        months.push(done.finish(input.extent_percent, agreement.cap_ore_per_month));
    }
    let mut total = Totals::default();
    for m in &months {
        total.add(m);
    }
    Ok(Split {
        agreement: agreement.code.clone(),
        months,
        total,
        warnings,
    })
}

/// Parses an amount in kronor as people type it (`52 500`, `52500,50`,
/// `52 500 kr`) to öre, without floats; `None` for anything else.
pub fn parse_kronor(s: &str) -> Option<i64> {
    let cleaned: String = s
        .trim()
        .trim_end_matches("kr")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    let (whole, frac) = match cleaned.split_once([',', '.']) {
        Some((w, f)) => (w, f),
        None => (cleaned.as_str(), ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let kronor: i64 = whole.parse().ok()?;
    let ore: i64 = format!("{frac:0<2}").parse().ok()?;
    kronor.checked_mul(100)?.checked_add(ore)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::rotations::explain;
    use proptest::prelude::*;

    /// A month line's explanation, as a reader of `lang` sees it.
    fn said(m: &MonthLine, lang: Lang) -> String {
        explain::month_line(m, lang)
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn tier(from: u32, to: Option<u32>, p: u16) -> Tier {
        Tier {
            from_month: from,
            to_month: to,
            host_permille: p,
        }
    }

    fn older_regional() -> Agreement {
        Agreement {
            code: "older-regional".into(),
            version: 1,
            name_sv: "Äldre regional överenskommelse".into(),
            name_en: Some("Older regional agreement".into()),
            valid_from: d("2015-01-01"),
            valid_to: None,
            kinds: vec![Kind::Radiotherapy],
            min_months: Some(6),
            max_months: None,
            tiers: vec![
                tier(1, Some(3), 0),
                tier(4, Some(6), 500),
                tier(7, Some(9), 1000),
            ],
            cap_ore_per_month: None,
            is_fallback: false,
        }
    }

    fn home_pays() -> Agreement {
        Agreement {
            code: "home-pays".into(),
            version: 1,
            name_sv: "Hemkliniken betalar".into(),
            name_en: None,
            valid_from: d("2000-01-01"),
            valid_to: None,
            kinds: vec![],
            min_months: None,
            max_months: None,
            tiers: vec![tier(1, None, 0)],
            cap_ore_per_month: None,
            is_fallback: true,
        }
    }

    fn input(start: &str, end: &str, cost: i64) -> SplitInput {
        SplitInput {
            kind: Kind::Radiotherapy,
            start: d(start),
            end: d(end),
            salary: vec![SalaryChange {
                from: d(start),
                monthly_cost_ore: cost,
            }],
            extent_percent: 100,
            home_periods: vec![],
        }
    }

    fn line<'a>(s: &'a Split, month: &str) -> &'a MonthLine {
        s.months
            .iter()
            .find(|m| m.month == month)
            .expect("month line")
    }

    #[test]
    fn month_starts_are_computed_from_the_start_date() {
        let s = d("2025-01-31");
        assert_eq!(placement_month_start(s, 1), d("2025-01-31"));
        assert_eq!(placement_month_start(s, 2), d("2025-02-28"));
        // Not chained: month 3 starts on the 31st again, not the 28th.
        assert_eq!(placement_month_start(s, 3), d("2025-03-31"));
        assert_eq!(placement_month_start(s, 4), d("2025-04-30"));
        assert_eq!(placement_month_start(d("2024-01-31"), 2), d("2024-02-29"));
        let leap = d("2024-02-29");
        assert_eq!(placement_month_start(leap, 13), d("2025-02-28"));
        assert_eq!(placement_month_start(leap, 14), d("2025-03-29"));
        assert_eq!(placement_month_start(leap, 49), d("2028-02-29"));
    }

    #[test]
    fn planned_length_counts_the_months_touched() {
        assert_eq!(planned_months(d("2025-01-01"), d("2025-06-30")), 6);
        assert_eq!(planned_months(d("2025-01-01"), d("2025-07-01")), 7);
        assert_eq!(planned_months(d("2025-01-15"), d("2025-07-14")), 6);
        assert_eq!(planned_months(d("2025-01-15"), d("2025-01-15")), 1);
        assert_eq!(planned_months(d("2025-01-15"), d("2025-01-14")), 0);
    }

    #[test]
    fn the_agreement_follows_kind_length_and_validity() {
        let list = vec![home_pays(), older_regional()];
        let rt = |start: &str, end: &str| {
            choose_agreement(&list, Kind::Radiotherapy, d(start), d(end)).map(|a| a.code.as_str())
        };
        assert_eq!(rt("2025-01-01", "2025-09-30"), Some("older-regional"));
        assert_eq!(rt("2025-01-01", "2025-05-31"), Some("home-pays"));
        assert_eq!(
            choose_agreement(&list, Kind::General, d("2025-01-01"), d("2025-09-30"))
                .map(|a| a.code.as_str()),
            Some("home-pays")
        );
        // Before the agreement came into force.
        assert_eq!(rt("2014-06-01", "2015-03-31"), Some("home-pays"));

        // A newer version wins from its start; the old one keeps its history.
        let mut old = older_regional();
        old.valid_to = Some(d("2025-12-31"));
        let mut new = older_regional();
        new.valid_from = d("2026-01-01");
        new.tiers = vec![tier(1, Some(2), 0), tier(3, None, 1000)];
        let list = vec![home_pays(), old, new];
        let pick = |start: &str| {
            choose_agreement(&list, Kind::Radiotherapy, d(start), d("2027-01-01"))
                .map(|a| a.valid_from)
        };
        assert_eq!(pick("2025-12-31"), Some(d("2015-01-01")));
        assert_eq!(pick("2026-01-01"), Some(d("2026-01-01")));
        assert!(choose_agreement(&[], Kind::General, d("2025-01-01"), d("2025-02-01")).is_none());

        // A newer version that no longer covers a 6-month plan is not
        // bypassed by the older, still open-ended version.
        let mut strict = older_regional();
        strict.valid_from = d("2026-01-01");
        strict.min_months = Some(7);
        let list = vec![home_pays(), older_regional(), strict];
        let six = |start: &str, end: &str| {
            choose_agreement(&list, Kind::Radiotherapy, d(start), d(end)).map(|a| a.code.as_str())
        };
        assert_eq!(six("2025-06-01", "2025-11-30"), Some("older-regional"));
        assert_eq!(six("2026-06-01", "2026-11-30"), Some("home-pays"));
        assert_eq!(six("2026-06-01", "2026-12-31"), Some("older-regional"));
    }

    #[test]
    fn the_older_regional_tiers_apply_by_placement_month() {
        let s = split(
            &input("2025-01-01", "2025-09-30", 6_000_000),
            &older_regional(),
        )
        .expect("split");
        assert_eq!(s.months.len(), 9);
        for m in &s.months[0..3] {
            assert_eq!((m.home_ore, m.host_ore), (6_000_000, 0), "{}", m.month);
        }
        for m in &s.months[3..6] {
            assert_eq!(
                (m.home_ore, m.host_ore),
                (3_000_000, 3_000_000),
                "{}",
                m.month
            );
        }
        for m in &s.months[6..9] {
            assert_eq!((m.home_ore, m.host_ore), (0, 6_000_000), "{}", m.month);
        }
        assert_eq!(
            s.total,
            Totals {
                total_ore: 54_000_000,
                home_ore: 27_000_000,
                host_ore: 27_000_000
            }
        );
        assert!(s.warnings.is_empty());
        assert_eq!(
            said(&s.months[3], Lang::Sv),
            "april 2025: 1–30 månad 4 (50/50)"
        );
    }

    #[test]
    fn a_mid_month_start_splits_calendar_months_between_tiers() {
        let s = split(
            &input("2025-01-15", "2025-10-14", 3_000_000),
            &older_regional(),
        )
        .expect("split");
        // April 2025: 1–14 is placement month 3 (home pays), 15–30 month 4.
        let april = line(&s, "2025-04");
        assert_eq!(april.total_ore, 3_000_000);
        assert_eq!(april.home_ore, 1_400_000 + 800_000);
        assert_eq!(april.host_ore, 800_000);
        assert_eq!(
            said(april, Lang::Sv),
            "april 2025: 1–14 månad 3 (hemklinik 100 %), 15–30 månad 4 (50/50)"
        );
        assert_eq!(
            said(april, Lang::En),
            "April 2025: 1–14 month 3 (home clinic 100 %), 15–30 month 4 (50/50)"
        );
        // January: 17 of 31 days.
        let jan = line(&s, "2025-01");
        assert_eq!(jan.total_ore, (3_000_000 * 17 + 15) / 31);
        assert_eq!(s.months.len(), 10);
    }

    #[test]
    fn a_start_on_31_january_follows_clamped_month_starts() {
        let s = split(
            &input("2025-01-31", "2025-10-30", 2_800_000),
            &older_regional(),
        )
        .expect("split");
        // Month 4 starts 2025-04-30, so April has 29 home days and 1 shared day.
        let april = line(&s, "2025-04");
        assert_eq!(april.segments.len(), 2);
        assert_eq!(april.segments[1].from, d("2025-04-30"));
        assert_eq!(april.segments[1].placement_month, 4);
        assert_eq!(april.host_ore, 2_800_000 / 30 / 2 + 1);
        // February is whole: exactly the monthly cost.
        assert_eq!(line(&s, "2025-02").total_ore, 2_800_000);
    }

    #[test]
    fn a_leap_day_start_and_february_months() {
        let s = split(&input("2024-02-29", "2025-03-28", 2_900_000), &home_pays()).expect("split");
        let feb24 = line(&s, "2024-02");
        assert_eq!(feb24.total_ore, 100_000);
        assert_eq!(line(&s, "2025-02").total_ore, 2_900_000);
        assert_eq!(line(&s, "2024-03").total_ore, 2_900_000);
        // Month 13 starts 2025-02-28 (clamped), month 14 on 2025-03-29.
        let feb25 = line(&s, "2025-02");
        assert_eq!(feb25.segments.last().map(|x| x.placement_month), Some(13));
        assert_eq!(feb25.segments.last().map(|x| x.from), Some(d("2025-02-28")));
    }

    #[test]
    fn whole_months_cost_exactly_the_monthly_cost() {
        // 1 000 001 öre does not divide by 28, 29, 30 or 31.
        let s = split(
            &input("2024-01-01", "2025-12-31", 1_000_001),
            &older_regional(),
        )
        .expect("split");
        for m in &s.months {
            assert_eq!(m.total_ore, 1_000_001, "{}", m.month);
            assert_eq!(m.home_ore + m.host_ore, m.total_ore);
        }
        // 24 months; months 10..24 keep the last tier.
        assert_eq!(s.warnings, vec![Warning::BeyondLastTier { last_month: 9 }]);
        assert!(
            s.warnings[0]
                .message()
                .render(Lang::En)
                .contains("after month 9")
        );
        assert_eq!(line(&s, "2025-12").host_ore, 1_000_001);
        // 50/50 of an odd amount: the extra öre goes to one payer.
        let april = line(&s, "2024-04");
        assert_eq!((april.home_ore, april.host_ore), (500_001, 500_000));
    }

    #[test]
    fn a_salary_change_mid_month_prices_each_day_at_its_salary() {
        let mut i = input("2025-01-01", "2025-06-30", 3_000_000);
        i.salary.push(SalaryChange {
            from: d("2025-04-16"),
            monthly_cost_ore: 3_300_000,
        });
        let s = split(&i, &older_regional()).expect("split");
        let april = line(&s, "2025-04");
        // 15 days at 100 000/day, 15 days at 110 000/day.
        assert_eq!(april.total_ore, 1_500_000 + 1_650_000);
        assert_eq!(april.host_ore, 1_575_000);
        assert!(
            said(april, Lang::Sv)
                .contains("månadskostnad 30\u{a0}000 kr från 1, 33\u{a0}000 kr från 16")
        );
        assert_eq!(line(&s, "2025-05").total_ore, 3_300_000);
    }

    #[test]
    fn an_extent_of_80_percent_scales_the_host_part() {
        let mut i = input("2025-01-01", "2025-09-30", 5_000_000);
        i.extent_percent = 80;
        let s = split(&i, &older_regional()).expect("split");
        let may = line(&s, "2025-05");
        assert_eq!((may.home_ore, may.host_ore), (3_000_000, 2_000_000));
        let aug = line(&s, "2025-08");
        assert_eq!((aug.home_ore, aug.host_ore), (1_000_000, 4_000_000));
        assert!(said(aug, Lang::Sv).ends_with("; 80 % omfattning"));
        assert!(said(aug, Lang::En).ends_with("; 80 % extent"));
    }

    #[test]
    fn a_home_period_across_a_month_boundary_is_paid_by_home() {
        let mut i = input("2025-01-01", "2025-09-30", 3_100_000);
        i.home_periods.push(HomePeriod {
            from: d("2025-07-29"),
            to: d("2025-08-04"),
            reason: "semester".into(),
        });
        let s = split(&i, &older_regional()).expect("split");
        let july = line(&s, "2025-07");
        // 28 host days at 100 000, 3 home days.
        assert_eq!((july.home_ore, july.host_ore), (300_000, 2_800_000));
        let aug = line(&s, "2025-08");
        assert_eq!((aug.home_ore, aug.host_ore), (400_000, 2_700_000));
        assert_eq!(
            said(aug, Lang::Sv),
            "augusti 2025: hemkallad 1–4 månad 8 (semester, hemklinik 100 %), 5–31 månad 8 (värd 100 %)"
        );
        // The tier clock does not move: September is still month 9.
        assert_eq!(line(&s, "2025-09").segments[0].placement_month, 9);
    }

    #[test]
    fn the_cap_limits_the_host_part_pro_rata_after_the_share() {
        let mut a = home_pays();
        a.code = "two-thirds".into();
        a.tiers = vec![tier(1, None, 667)];
        a.cap_ore_per_month = Some(3_000_000);
        a.is_fallback = false;
        let s = split(&input("2025-03-01", "2025-04-15", 6_000_000), &a).expect("split");
        let march = line(&s, "2025-03");
        // 66.7 % of 60 000 kr = 40 020 kr, capped at 30 000 kr.
        assert_eq!((march.home_ore, march.host_ore), (3_000_000, 3_000_000));
        assert!(said(march, Lang::Sv).contains("tak 30\u{a0}000 kr/mån"));
        // Half of April: the cap is pro-rated too.
        let april = line(&s, "2025-04");
        assert_eq!((april.total_ore, april.host_ore), (3_000_000, 1_500_000));
        // Below the cap the share applies.
        let s = split(&input("2025-03-01", "2025-03-31", 3_000_000), &a).expect("split");
        assert_eq!(s.months[0].host_ore, 2_001_000);
        assert!(!said(&s.months[0], Lang::Sv).contains("tak"));
    }

    #[test]
    fn bad_input_names_the_field() {
        let a = older_regional();
        let mut i = input("2025-01-01", "2024-12-31", 1);
        assert_eq!(split(&i, &a).map_err(|e| e.field()), Err("end".into()));
        i.end = d("2025-06-30");
        i.extent_percent = 0;
        assert_eq!(
            split(&i, &a).map_err(|e| e.field()),
            Err("extent_percent".into())
        );
        i.extent_percent = 101;
        assert_eq!(
            split(&i, &a).map_err(|e| e.field()),
            Err("extent_percent".into())
        );
        i.extent_percent = 100;
        i.salary[0].from = d("2025-01-02");
        assert_eq!(split(&i, &a), Err(SplitError::NoSalary));
        i.salary[0].from = d("2025-01-01");
        i.home_periods = vec![
            HomePeriod {
                from: d("2025-02-01"),
                to: d("2025-02-10"),
                reason: String::new(),
            },
            HomePeriod {
                from: d("2025-02-10"),
                to: d("2025-07-01"),
                reason: String::new(),
            },
        ];
        assert_eq!(
            split(&i, &a).map_err(|e| e.field()),
            Err("home_periods[1].to".into())
        );
        i.home_periods[1].to = d("2025-02-12");
        assert_eq!(
            split(&i, &a).map_err(|e| e.field()),
            Err("home_periods[1].from".into())
        );
        i.home_periods[1].from = d("2025-02-11");
        assert!(split(&i, &a).is_ok());
        i.salary[0].monthly_cost_ore = MAX_MONTHLY_COST_ORE + 1;
        assert_eq!(
            split(&i, &a).map_err(|e| e.field()),
            Err("salary[0].monthly_cost_ore".into())
        );
        i.salary[0].monthly_cost_ore = -1;
        assert_eq!(split(&i, &a), Err(SplitError::SalaryOutOfRange(0)));
        i.salary[0].monthly_cost_ore = 1;
        i.end = d("2040-01-01");
        assert_eq!(split(&i, &a), Err(SplitError::TooLong));
        // At the end of chrono's calendar there is no next month to count
        // to: refused, not counted for ever.
        i.start = NaiveDate::MAX - chrono::Days::new(30);
        i.end = NaiveDate::MAX;
        i.salary[0].from = i.start;
        i.home_periods.clear();
        assert_eq!(split(&i, &a), Err(SplitError::DateOutOfRange("start")));
        i.start = d("9999-12-01");
        assert_eq!(split(&i, &a), Err(SplitError::DateOutOfRange("end")));
        assert_eq!(
            split_planned(std::slice::from_ref(&a), &i, None).map(|_| ()),
            Err(SplitError::DateOutOfRange("end"))
        );
    }

    #[test]
    fn a_planned_split_picks_or_names_its_agreement() {
        let list = vec![home_pays(), older_regional()];
        let i = input("2025-01-01", "2025-09-30", 3_000_000);
        assert_eq!(
            split_planned(&list, &i, None).map(|s| s.0.agreement),
            Ok("older-regional".into())
        );
        assert_eq!(
            split_planned(&list, &i, Some("home-pays")).map(|s| s.0.total.host_ore),
            Ok(0)
        );
        // Named explicitly for a plan it does not cover: computed, with a warning.
        let short = input("2025-01-01", "2025-03-31", 3_000_000);
        let (s, _) = split_planned(&list, &short, Some("older-regional")).expect("split");
        assert_eq!(s.warnings, vec![Warning::NotEligible]);
        // Chosen as the fallback: the warning says why.
        let (s, _) = split_planned(&list, &short, None).expect("split");
        assert_eq!((s.agreement.as_str(), s.warnings.len()), ("home-pays", 1));
        assert_eq!(
            split_planned(&list, &i, Some("nope")).map(|s| s.0.agreement),
            Err(SplitError::UnknownAgreement)
        );
        let early = input("1999-01-01", "1999-09-30", 3_000_000);
        assert_eq!(
            split_planned(&list, &early, Some("older-regional")).map(|s| s.0.agreement),
            Err(SplitError::AgreementNotInForce)
        );
        assert_eq!(
            split_planned(&[], &i, None).map(|s| s.0.agreement),
            Err(SplitError::NoAgreement)
        );
    }

    #[test]
    fn tiers_must_run_from_month_one_without_gaps() {
        assert_eq!(validate_tiers(&[]), Err(TierError::Empty));
        assert_eq!(
            validate_tiers(&[tier(2, None, 0)]),
            Err(TierError::NotFromOne)
        );
        assert_eq!(
            validate_tiers(&[tier(1, Some(3), 0), tier(5, None, 0)]),
            Err(TierError::Gap(1))
        );
        assert_eq!(
            validate_tiers(&[tier(1, None, 0), tier(2, None, 0)]),
            Err(TierError::OpenNotLast(0))
        );
        assert_eq!(
            validate_tiers(&[tier(1, Some(3), 1001)]),
            Err(TierError::Permille(0))
        );
        assert_eq!(
            validate_tiers(&[tier(1, Some(0), 0)]),
            Err(TierError::Reversed(0))
        );
        assert!(validate_tiers(&older_regional().tiers).is_ok());
    }

    #[test]
    fn kronor_parse_to_ore() {
        assert_eq!(parse_kronor("52 500"), Some(5_250_000));
        assert_eq!(parse_kronor("52500,5"), Some(5_250_050));
        assert_eq!(parse_kronor("52\u{a0}500,25 kr"), Some(5_250_025));
        assert_eq!(parse_kronor("-5"), None);
        assert_eq!(parse_kronor("1,234"), None);
        assert_eq!(parse_kronor(""), None);
    }

    #[test]
    fn largest_remainder_never_loses_an_ore() {
        assert_eq!(largest_remainder(10, [15, 15], 3), [5, 5]);
        assert_eq!(largest_remainder(3, [5, 4], 3), [2, 1]);
        assert_eq!(largest_remainder(3, [4, 5], 3), [1, 2]);
        assert_eq!(largest_remainder(2, [2, 2], 3), [1, 1]);
    }

    fn arb_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..3000).prop_map(|n| d("2023-01-01") + chrono::Duration::days(n))
    }

    fn arb_agreement() -> impl Strategy<Value = Agreement> {
        (
            prop::collection::vec((1u32..5, 0u16..=1000), 1..5),
            prop::option::of(0i64..8_000_000),
        )
            .prop_map(|(steps, cap)| {
                let mut from = 1;
                let mut tiers = Vec::new();
                for (len, p) in steps {
                    tiers.push(tier(from, Some(from + len - 1), p));
                    from += len;
                }
                let mut a = older_regional();
                a.tiers = tiers;
                a.cap_ore_per_month = cap;
                a
            })
    }

    prop_compose! {
        fn arb_input()(
            start in arb_date(),
            len in 0i64..800,
            costs in prop::collection::vec((0i64..900, 0i64..9_000_000), 1..4),
            extent in 1u8..=100,
            homes in prop::collection::vec((0i64..800, 0i64..40), 0..4),
        ) -> SplitInput {
            let end = start + chrono::Duration::days(len);
            let mut salary = vec![SalaryChange { from: start, monthly_cost_ore: costs[0].1 }];
            for (off, c) in &costs[1..] {
                let from = start + chrono::Duration::days(*off);
                if salary.iter().all(|s| s.from != from) {
                    salary.push(SalaryChange { from, monthly_cost_ore: *c });
                }
            }
            let mut home_periods: Vec<HomePeriod> = Vec::new();
            for (off, hlen) in homes {
                let from = start + chrono::Duration::days(off.min(len));
                let to = (from + chrono::Duration::days(hlen)).min(end);
                if home_periods.iter().all(|h| to < h.from || h.to < from) {
                    home_periods.push(HomePeriod { from, to, reason: String::new() });
                }
            }
            SplitInput { kind: Kind::Radiotherapy, start, end, salary, extent_percent: extent, home_periods }
        }
    }

    /// The exact cost of each day as a rational `(numerator, denominator)`,
    /// computed independently of the engine's accumulation: a plain walk
    /// over the days with a direct lookup of salary, home and month.
    fn exact_days(i: &SplitInput, a: &Agreement) -> Vec<(NaiveDate, i128, i128, i128)> {
        let mut out = Vec::new();
        let mut day = i.start;
        while day <= i.end {
            let cost = i
                .salary
                .iter()
                .filter(|s| s.from <= day)
                .max_by_key(|s| s.from)
                .map(|s| s.monthly_cost_ore)
                .unwrap_or(0);
            let mut k = 1;
            while placement_month_start(i.start, k + 1) <= day {
                k += 1;
            }
            let home = i.home_periods.iter().any(|h| h.from <= day && day <= h.to);
            let p = if home {
                0
            } else {
                a.tier_for(k).map(|(t, _)| t.host_permille).unwrap_or(0)
            };
            let den = i128::from(days_in_month(day)) * 100_000;
            let share = i128::from(cost) * i128::from(p) * i128::from(i.extent_percent);
            let host = a
                .cap_ore_per_month
                .map_or(share, |c| share.min(i128::from(c) * 100_000));
            out.push((day, i128::from(cost) * 100_000, host, den));
            day = day.succ_opt().expect("date");
        }
        out
    }

    proptest! {
        #[test]
        fn every_month_adds_up_exactly(i in arb_input(), a in arb_agreement()) {
            let s = split(&i, &a).expect("valid input");
            let days = exact_days(&i, &a);
            let mut sum = Totals::default();
            for m in &s.months {
                prop_assert_eq!(m.home_ore + m.host_ore, m.total_ore);
                prop_assert!(m.home_ore >= 0 && m.host_ore >= 0, "{:?}", m);
                // Exact sums of this calendar month's days.
                let mine: Vec<_> = days.iter().filter(|(day, ..)| day.format("%Y-%m").to_string() == m.month).collect();
                let den = mine[0].3;
                let total: i128 = mine.iter().map(|x| x.1).sum();
                let host: i128 = mine.iter().map(|x| x.2).sum();
                // |rounded − exact| < 1 öre for the total and each part.
                prop_assert!((i128::from(m.total_ore) * den - total).abs() * 2 <= den);
                prop_assert!((i128::from(m.host_ore) * den - host).abs() < den);
                prop_assert!((i128::from(m.home_ore) * den - (total - host)).abs() < den);
                sum.add(m);
            }
            prop_assert_eq!(s.total, sum);
            let covered: u32 = s.months.iter().flat_map(|m| &m.segments).map(|x| u32::try_from((x.to - x.from).num_days() + 1).unwrap_or(0)).sum();
            prop_assert_eq!(covered as usize, days.len());
        }

        #[test]
        fn whole_months_at_one_salary_cost_the_monthly_cost(
            i in arb_input(), a in arb_agreement()
        ) {
            let s = split(&i, &a).expect("valid input");
            for m in &s.months {
                let whole = m.segments.first().map(|x| x.from.day()) == Some(1)
                    && m.segments.last().map(|x| x.to.day()) == Some(days_in_month(m.first_day));
                let one_salary = m.segments.windows(2).all(|w| w[0].monthly_cost_ore == w[1].monthly_cost_ore);
                if whole && one_salary {
                    prop_assert_eq!(m.total_ore, m.segments[0].monthly_cost_ore);
                }
            }
        }
    }

    #[test]
    fn a_fallback_says_which_agreement_the_length_missed() {
        let all = [older_regional(), home_pays()];
        // Three months of radiotherapy: older-regional needs six.
        let (s, used) = split_planned(&all, &input("2026-01-01", "2026-03-31", 3_000_000), None)
            .expect("split");
        assert_eq!(used.code, "home-pays");
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        assert_eq!(
            s.warnings[0].message().render(Lang::Sv),
            "Äldre regional överenskommelse gäller från 6 månader och placeringen är planerad till 3 månader, därför gäller Hemkliniken betalar."
        );
        assert_eq!(
            s.warnings[0].message().render(Lang::En),
            "Older regional agreement applies from 6 months and the placement is planned for 3 months, so Hemkliniken betalar applies."
        );
        // Long enough: no fallback, nothing to explain.
        let (s, used) = split_planned(&all, &input("2026-01-01", "2026-06-30", 3_000_000), None)
            .expect("split");
        assert_eq!(used.code, "older-regional");
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        // A general placement: older-regional never covered its kind.
        let general = SplitInput {
            kind: Kind::General,
            ..input("2026-01-01", "2026-03-31", 3_000_000)
        };
        let (s, _) = split_planned(&all, &general, None).expect("split");
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        // Too long for a capped agreement.
        let mut capped = older_regional();
        capped.max_months = Some(9);
        let w = why_fallback(
            &[capped, home_pays()],
            &home_pays(),
            Kind::Radiotherapy,
            d("2026-01-01"),
            d("2026-12-31"),
        );
        assert!(
            w[0].message()
                .render(Lang::Sv)
                .contains("gäller upp till 9 månader"),
            "{w:?}"
        );
    }
}
