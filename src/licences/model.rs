//! The licence rules: expiry, renewal inside the window, status on a date,
//! practical parts, and who must hold a licence. Pure functions, no I/O.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::auth::model::{Principal, Role};
use crate::i18n::Msg;
use crate::msg;
use crate::organisation::model::Profession;

/// A licence type as administrators configure it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceType {
    /// Id.
    pub id: i64,
    /// Short code, e.g. `CYTO`.
    pub code: String,
    /// Swedish name.
    pub name_sv: String,
    /// English name.
    pub name_en: String,
    /// How long a completion is valid.
    pub validity_months: u32,
    /// Days before expiry in which a renewal counts as a renewal.
    pub window_days: u32,
    /// A renewal inside the window extends from the old expiry.
    pub extend_from_expiry: bool,
    /// Warning thresholds in days before expiry, largest first.
    pub warning_days: Vec<u32>,
    /// The licence needs a practical part too.
    pub requires_practical: bool,
    /// Validity of the practical part (defaults to `validity_months`).
    pub practical_validity_months: Option<u32>,
    /// Shown and required.
    pub active: bool,
}

impl LicenceType {
    /// The chemotherapy licence as a fresh database defines it (schema.sql):
    /// 36 months, a 90-day window extending from the old expiry, warnings at
    /// 90 and 30 days, no practical part.
    pub fn cyto_default() -> LicenceType {
        LicenceType {
            id: 1,
            code: "CYTO".into(),
            name_sv: "Cytostatikakörkort".into(),
            name_en: "Chemotherapy licence".into(),
            validity_months: 36,
            window_days: 90,
            extend_from_expiry: true,
            warning_days: vec![90, 30],
            requires_practical: false,
            practical_validity_months: None,
            active: true,
        }
    }

    /// The name in `lang`.
    pub fn name(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Sv => &self.name_sv,
            crate::i18n::Lang::En => &self.name_en,
        }
    }

    /// The first (largest) warning threshold: from then on the licence is `expiring`.
    pub fn first_warning(&self) -> u32 {
        self.warning_days.iter().copied().max().unwrap_or(0)
    }

    /// Validity of one part.
    pub fn months_for(&self, part: Part) -> u32 {
        match part {
            Part::Theory => self.validity_months,
            Part::Practical => self
                .practical_validity_months
                .unwrap_or(self.validity_months),
        }
    }

    /// The parts a complete licence needs.
    pub fn parts(&self) -> &'static [Part] {
        if self.requires_practical {
            &[Part::Theory, Part::Practical]
        } else {
            &[Part::Theory]
        }
    }
}

/// Part of a licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The course.
    Theory,
    /// Supervised administrations signed off by a supervisor.
    Practical,
}

impl Part {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Theory => "theory",
            Part::Practical => "practical",
        }
    }

    /// Both parts, theory first.
    pub const ALL: [Part; 2] = [Part::Theory, Part::Practical];

    /// Catalogue key of the part's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Part::Theory => "licence.part_theory",
            Part::Practical => "licence.part_practical",
        }
    }

    /// Parses `theory`/`practical` (and the Swedish `teori`/`praktik`).
    pub fn parse(s: &str) -> Option<Part> {
        match s.trim().to_lowercase().as_str() {
            "theory" | "teori" | "" => Some(Part::Theory),
            "practical" | "praktik" | "praktisk" => Some(Part::Practical),
            _ => None,
        }
    }
}

/// Catalogue key of where a completion came from (`manual`, `import`,
/// `offering`, `demo`); `None` for a source this version does not know.
pub fn source_key(source: &str) -> Option<&'static str> {
    match source {
        "manual" => Some("licence.source_manual"),
        "import" => Some("licence.source_import"),
        "offering" => Some("licence.source_offering"),
        "demo" => Some("licence.source_demo"),
        _ => None,
    }
}

/// `date` plus `months` calendar months, clamped to the month's end
/// (2020-01-31 + 1 month = 2020-02-29; 2020-02-29 + 12 months = 2021-02-28).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// `date` minus `days`.
pub fn minus_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_sub_days(chrono::Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MIN)
}

/// One completion as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    /// When the part was completed.
    pub on: NaiveDate,
    /// Revoked completions count for nothing.
    pub revoked: bool,
}

/// The last day a part is valid after a sequence of completions, looking only at
/// completions on or before `as_of` (the answer as it stood then). `None` when
/// no completion counts.
///
/// Each completion runs from its own date, except a renewal inside the window
/// (at most `window_days` before the expiry it renews, and not after it) which,
/// when the type says so, runs from that expiry. A new completion never
/// shortens what the earlier ones gave. Every expiry an earlier completion
/// reached, alone or in the chain, is a candidate to renew, so an extra early
/// course does not push a later renewal out of the window it was inside.
pub fn valid_until(
    completions: &[Done],
    validity_months: u32,
    window_days: u32,
    extend_from_expiry: bool,
    as_of: NaiveDate,
) -> Option<NaiveDate> {
    let mut sorted: Vec<NaiveDate> = completions
        .iter()
        .filter(|c| !c.revoked && c.on <= as_of)
        .map(|c| c.on)
        .collect();
    sorted.sort_unstable();
    let mut expiries: Vec<NaiveDate> = Vec::new();
    let mut current: Option<NaiveDate> = None;
    for on in sorted {
        let renewed = if extend_from_expiry {
            expiries
                .iter()
                .filter(|until| on <= **until && on >= minus_days(**until, window_days))
                .max()
                .copied()
        } else {
            None
        };
        let next = add_months(renewed.unwrap_or(on), validity_months);
        let best = current.map_or(next, |c| c.max(next));
        expiries.push(best);
        expiries.push(add_months(on, validity_months));
        current = Some(best);
    }
    current
}

/// A licence's state on a day.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = LicenceStatus)]
pub enum Status {
    /// Valid, with more than the first warning threshold left.
    Valid,
    /// Valid, but at most the first warning threshold days left.
    Expiring,
    /// Held once, no longer valid.
    Expired,
    /// Never held (or every completion revoked).
    Missing,
}

impl Status {
    /// Stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Expiring => "expiring",
            Status::Expired => "expired",
            Status::Missing => "missing",
        }
    }

    /// Catalogue key.
    pub fn label_key(self) -> &'static str {
        match self {
            Status::Valid => "status.valid",
            Status::Expiring => "status.expiring",
            Status::Expired => "status.expired",
            Status::Missing => "status.missing",
        }
    }

    /// Counts as compliant (valid or expiring).
    pub fn compliant(self) -> bool {
        matches!(self, Status::Valid | Status::Expiring)
    }

    /// Parses the API name.
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "valid" => Some(Status::Valid),
            "expiring" => Some(Status::Expiring),
            "expired" => Some(Status::Expired),
            "missing" => Some(Status::Missing),
            _ => None,
        }
    }
}

/// A licence evaluated on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// Status on the day.
    pub status: Status,
    /// Last valid day, when held.
    pub valid_until: Option<NaiveDate>,
    /// Days from the day to `valid_until` (negative once expired).
    pub days_left: Option<i64>,
    /// The first day a renewal counts as inside the window.
    pub window_opens: Option<NaiveDate>,
}

/// Evaluates a licence on `as_of` from its completions per part. The licence
/// counts only when every required part is held, and is valid until the
/// earliest part expires.
pub fn standing(
    t: &LicenceType,
    theory: &[Done],
    practical: &[Done],
    as_of: NaiveDate,
) -> Standing {
    let mut until: Option<NaiveDate> = None;
    for part in t.parts() {
        let done = match part {
            Part::Theory => theory,
            Part::Practical => practical,
        };
        match valid_until(
            done,
            t.months_for(*part),
            t.window_days,
            t.extend_from_expiry,
            as_of,
        ) {
            None => {
                return Standing {
                    status: Status::Missing,
                    valid_until: None,
                    days_left: None,
                    window_opens: None,
                };
            }
            Some(u) => until = Some(until.map_or(u, |x| x.min(u))),
        }
    }
    let Some(until) = until else {
        return Standing {
            status: Status::Missing,
            valid_until: None,
            days_left: None,
            window_opens: None,
        };
    };
    let days_left = (until - as_of).num_days();
    let status = if days_left < 0 {
        Status::Expired
    } else if days_left <= i64::from(t.first_warning()) {
        Status::Expiring
    } else {
        Status::Valid
    };
    Standing {
        status,
        valid_until: Some(until),
        days_left: Some(days_left),
        window_opens: Some(minus_days(until, t.window_days)),
    }
}

/// What recording a completion of `part` on `on` would give: the part's new
/// expiry and when its next renewal window opens.
pub fn preview(
    t: &LicenceType,
    existing: &[Done],
    part: Part,
    on: NaiveDate,
) -> (NaiveDate, NaiveDate) {
    let mut all = existing.to_vec();
    all.push(Done { on, revoked: false });
    // Completions dated after a backdated one still count.
    let latest = all.iter().map(|d| d.on).max().unwrap_or(on);
    let until = valid_until(
        &all,
        t.months_for(part),
        t.window_days,
        t.extend_from_expiry,
        latest,
    )
    .unwrap_or_else(|| add_months(on, t.months_for(part)));
    (until, minus_days(until, t.window_days))
}

/// Where a requirement applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum RequirementScope {
    /// One unit.
    Unit(i64),
    /// Every unit of an administration.
    Administration(i64),
    /// Every unit of a region.
    Region(i64),
    /// Every unit flagged as giving chemotherapy.
    ChemotherapyUnits,
}

/// "People of `profession` in `scope` must hold `licence_type_id`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// Id.
    pub id: i64,
    /// The licence.
    pub licence_type_id: i64,
    /// Who.
    pub profession: Profession,
    /// Where.
    pub scope: RequirementScope,
}

/// Where a unit sits, for matching scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitPlace {
    /// Unit id.
    pub unit_id: i64,
    /// Its administration.
    pub administration_id: i64,
    /// Its region.
    pub region_id: i64,
    /// Whether it gives chemotherapy.
    pub gives_chemotherapy: bool,
}

impl Requirement {
    /// True when a person of `profession` working in `unit` must hold the licence.
    pub fn applies(&self, profession: Profession, unit: &UnitPlace) -> bool {
        self.profession == profession
            && match self.scope {
                RequirementScope::Unit(id) => unit.unit_id == id,
                RequirementScope::Administration(id) => unit.administration_id == id,
                RequirementScope::Region(id) => unit.region_id == id,
                RequirementScope::ChemotherapyUnits => unit.gives_chemotherapy,
            }
    }
}

// ---- Who may ----

/// Who may record and revoke completions for a person in `unit_id`:
/// administrators, coordinators, and the managers of that unit.
pub fn may_record(user: &Principal, unit_id: i64) -> bool {
    user.has_any(&[Role::Admin, Role::Coordinator])
        || (user.has(Role::Manager) && user.managed_units.contains(&unit_id))
}

/// Who may make and revoke verification links for a person in `unit_id`:
/// the person, and whoever may record completions for them.
pub fn may_link(user: &Principal, person_id: i64, unit_id: i64) -> bool {
    user.person_id == Some(person_id) || may_record(user, unit_id)
}

// ---- What a form broke ----

/// A rule a field broke: the field, and what to tell its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field's name in the form or the request.
    pub field: &'static str,
    /// What is wrong.
    pub message: Msg,
}

impl Problem {
    fn new(field: &'static str, message: Msg) -> Problem {
        Problem { field, message }
    }
}

// ---- Recording a completion ----

/// A completion as typed on a person's licence page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompletionInput {
    /// The licence type's id.
    pub licence: String,
    /// `theory` or `practical`.
    pub part: String,
    /// `YYYY-MM-DD`.
    pub completed_on: String,
    /// The supervisor who signed a practical part.
    pub signed_by: String,
    /// Free text.
    pub note: String,
}

/// A completion that keeps the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCompletion {
    /// The licence type.
    pub licence: LicenceType,
    /// The part.
    pub part: Part,
    /// The day it was completed.
    pub on: NaiveDate,
    /// The supervisor, when given.
    pub signed_by: Option<String>,
    /// The note, when given.
    pub note: Option<String>,
}

/// The rules of recording a completion by hand, for the preview and the
/// record alike: an active licence type of `types`, a part, a date that is
/// not after `today`, and for a practical part of a type that requires one,
/// the supervisor who signed it. Every broken rule is named at once.
pub fn check_completion(
    input: &CompletionInput,
    types: &[LicenceType],
    today: NaiveDate,
) -> Result<CheckedCompletion, Vec<Problem>> {
    let mut problems = Vec::new();
    let licence = input
        .licence
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|i| types.iter().find(|t| t.id == i && t.active))
        .cloned();
    if licence.is_none() {
        problems.push(Problem::new("licence", msg!("licence.error_choose")));
    }
    let part = Part::parse(&input.part);
    if part.is_none() {
        problems.push(Problem::new("part", msg!("licence.error_part")));
    }
    let on = crate::check::date(&input.completed_on);
    match on {
        None => problems.push(Problem::new("completed_on", msg!("input.not_a_date"))),
        Some(d) if d > today => {
            problems.push(Problem::new("completed_on", msg!("licence.error_future")));
        }
        Some(_) => {}
    }
    let signed_by = input.signed_by.trim().to_string();
    if let (Some(t), Some(Part::Practical)) = (&licence, part)
        && t.requires_practical
        && signed_by.is_empty()
    {
        problems.push(Problem::new("signed_by", msg!("licence.error_signed_by")));
    }
    match (licence, part, on) {
        (Some(licence), Some(part), Some(on)) if problems.is_empty() => Ok(CheckedCompletion {
            licence,
            part,
            on,
            signed_by: (!signed_by.is_empty()).then_some(signed_by),
            note: Some(input.note.trim().to_string()).filter(|n| !n.is_empty()),
        }),
        _ => Err(problems),
    }
}

// ---- Taking back ----

/// Why a completion was not revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeRefused {
    /// The reason is missing or too long.
    Reason(Msg),
    /// No completion has the id.
    NoSuchCompletion,
    /// It was revoked before; the first reason stands.
    AlreadyRevoked,
}

impl RevokeRefused {
    /// What to tell.
    pub fn message(&self) -> Msg {
        match self {
            RevokeRefused::Reason(m) => m.clone(),
            RevokeRefused::NoSuchCompletion => msg!("licence.error_no_completion"),
            RevokeRefused::AlreadyRevoked => msg!("licence.error_already_revoked"),
        }
    }
}

/// The rules of revoking a completion: a reason, and a completion that
/// exists (`revoked` is `None` when it does not) and is not revoked yet.
/// Returns the reason as it is kept.
pub fn check_revocation(revoked: Option<bool>, reason: &str) -> Result<String, RevokeRefused> {
    let reason = crate::check::reason(reason).map_err(RevokeRefused::Reason)?;
    match revoked {
        None => Err(RevokeRefused::NoSuchCompletion),
        Some(true) => Err(RevokeRefused::AlreadyRevoked),
        Some(false) => Ok(reason),
    }
}

/// `import_batch.kind` of completion imports.
pub const IMPORT_KIND: &str = "completions";

/// Why an import was not undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoRefused {
    /// No batch has the id.
    NoSuchBatch,
    /// The batch is not a completion import.
    NotCompletions,
    /// The reason is missing or too long.
    Reason(Msg),
    /// Undone before, at this time (UTC).
    AlreadyUndone(String),
}

impl UndoRefused {
    /// What to tell.
    pub fn message(&self) -> Msg {
        match self {
            UndoRefused::NoSuchBatch => msg!("completions_import.undo_missing"),
            UndoRefused::NotCompletions => msg!("completions_import.undo_wrong_kind"),
            UndoRefused::Reason(m) => m.clone(),
            UndoRefused::AlreadyUndone(_) => msg!("completions_import.undo_already"),
        }
    }
}

/// The rules of undoing an import: a completion import (`batch` is its kind
/// and when it was undone, `None` when there is no such batch) not undone
/// yet, and a reason. Returns the reason as it is kept.
pub fn check_undo(
    batch: Option<(&str, Option<&str>)>,
    reason: &str,
) -> Result<String, UndoRefused> {
    let Some((kind, undone_at)) = batch else {
        return Err(UndoRefused::NoSuchBatch);
    };
    if kind != IMPORT_KIND {
        return Err(UndoRefused::NotCompletions);
    }
    if let Some(at) = undone_at {
        return Err(UndoRefused::AlreadyUndone(at.to_string()));
    }
    crate::check::reason(reason).map_err(|m| {
        UndoRefused::Reason(if reason.trim().is_empty() {
            msg!("completions_import.undo_reason_required")
        } else {
            m
        })
    })
}

// ---- Licence types and requirements ----

/// A licence type as typed on its form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenceTypeInput {
    /// Short code.
    pub code: String,
    /// Swedish name.
    pub name_sv: String,
    /// English name.
    pub name_en: String,
    /// Months.
    pub validity_months: String,
    /// Days.
    pub window_days: String,
    /// Whether a renewal inside the window extends from the old expiry.
    pub extend_from_expiry: bool,
    /// Days, separated by commas, spaces or semicolons.
    pub warning_days: String,
    /// Whether the licence needs a practical part.
    pub requires_practical: bool,
    /// Months; empty for the same as the theory.
    pub practical_validity_months: String,
    /// Shown and required.
    pub active: bool,
}

/// The longest licence type code.
pub const CODE_MAX: usize = 20;

/// The rules of a licence type: a code of letters, digits, `-` and `_` (at
/// most [`CODE_MAX`], kept in upper case), both names, a validity of 1 to
/// 240 months, a window of up to ten years, warnings of up to ten years
/// (kept largest first, once each). Every broken rule is named at once.
pub fn check_licence_type(id: i64, input: &LicenceTypeInput) -> Result<LicenceType, Vec<Problem>> {
    let mut problems = Vec::new();
    let code = input.code.trim().to_uppercase();
    if code.is_empty()
        || code.len() > CODE_MAX
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        problems.push(Problem::new(
            "code",
            msg!("licence.error_code", max = CODE_MAX),
        ));
    }
    fn number(
        problems: &mut Vec<Problem>,
        field: &'static str,
        text: &str,
        min: u32,
        max: u32,
    ) -> Option<u32> {
        match text.trim().parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                problems.push(Problem::new(
                    field,
                    msg!("licence.error_whole_number", min, max),
                ));
                None
            }
        }
    }
    let validity = number(
        &mut problems,
        "validity_months",
        &input.validity_months,
        1,
        240,
    );
    let window = number(&mut problems, "window_days", &input.window_days, 0, 3650);
    let mut warnings = Vec::new();
    for part in input
        .warning_days
        .split([',', ' ', ';'])
        .filter(|s| !s.trim().is_empty())
    {
        match part.trim().parse::<u32>() {
            Ok(n) if n <= 3650 => warnings.push(n),
            _ => {
                problems.push(Problem::new(
                    "warning_days",
                    msg!("licence.error_warning_days"),
                ));
                break;
            }
        }
    }
    warnings.sort_unstable_by(|a, b| b.cmp(a));
    warnings.dedup();
    let practical_months = match input.practical_validity_months.trim() {
        "" => None,
        s => number(&mut problems, "practical_validity_months", s, 1, 240),
    };
    let mut name = |field: &'static str, text: &str| match crate::check::name(text) {
        Ok(n) => Some(n),
        Err(m) => {
            problems.push(Problem::new(field, m));
            None
        }
    };
    let name_sv = name("name_sv", &input.name_sv);
    let name_en = name("name_en", &input.name_en);
    match (validity, window, name_sv, name_en) {
        (Some(validity_months), Some(window_days), Some(name_sv), Some(name_en))
            if problems.is_empty() =>
        {
            Ok(LicenceType {
                id,
                code,
                name_sv,
                name_en,
                validity_months,
                window_days,
                extend_from_expiry: input.extend_from_expiry,
                warning_days: warnings,
                requires_practical: input.requires_practical,
                practical_validity_months: practical_months,
                active: input.active,
            })
        }
        _ => Err(problems),
    }
}

impl RequirementScope {
    /// The scope as a form names it: `chemotherapy_units`, `unit:ID`,
    /// `administration:ID`, `region:ID`.
    pub fn key(self) -> String {
        match self {
            RequirementScope::ChemotherapyUnits => "chemotherapy_units".into(),
            RequirementScope::Unit(i) => format!("unit:{i}"),
            RequirementScope::Administration(i) => format!("administration:{i}"),
            RequirementScope::Region(i) => format!("region:{i}"),
        }
    }
}

/// Parses `chemotherapy_units`, `unit:ID`, `administration:ID`, `region:ID`.
pub fn parse_requirement_scope(s: &str) -> Option<RequirementScope> {
    let s = s.trim();
    if s == "chemotherapy_units" {
        return Some(RequirementScope::ChemotherapyUnits);
    }
    let (kind, id) = s.split_once(':')?;
    let id = id.trim().parse().ok()?;
    match kind {
        "unit" => Some(RequirementScope::Unit(id)),
        "administration" => Some(RequirementScope::Administration(id)),
        "region" => Some(RequirementScope::Region(id)),
        _ => None,
    }
}

/// The rules of a requirement as a form gives it: a known profession and a
/// scope in one of the shapes [`parse_requirement_scope`] reads (whether
/// the unit, administration or region exists is for the store to say).
pub fn check_requirement(
    profession: &str,
    scope: &str,
) -> Result<(Profession, RequirementScope), Problem> {
    let profession = Profession::parse(profession)
        .ok_or_else(|| Problem::new("profession", msg!("licence.error_profession")))?;
    let scope = parse_requirement_scope(scope)
        .ok_or_else(|| Problem::new("scope", msg!("licence.error_scope")))?;
    Ok((profession, scope))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn cyto() -> LicenceType {
        LicenceType::cyto_default()
    }

    fn done(dates: &[&str]) -> Vec<Done> {
        dates
            .iter()
            .map(|s| Done {
                on: d(s),
                revoked: false,
            })
            .collect()
    }

    #[test]
    fn months_are_calendar_correct_and_clamped() {
        assert_eq!(add_months(d("2021-01-31"), 1), d("2021-02-28"));
        assert_eq!(add_months(d("2020-01-31"), 1), d("2020-02-29"));
        assert_eq!(add_months(d("2020-02-29"), 12), d("2021-02-28"));
        assert_eq!(add_months(d("2024-02-29"), 48), d("2028-02-29"));
        assert_eq!(add_months(d("2023-08-31"), 36), d("2026-08-31"));
        assert_eq!(add_months(d("2023-03-31"), 36 + 3), d("2026-06-30"));
    }

    #[test]
    fn valid_through_valid_until_and_expired_the_day_after() {
        let t = cyto();
        let c = done(&["2023-03-15"]);
        let on_last = standing(&t, &c, &[], d("2026-03-15"));
        assert_eq!(on_last.valid_until, Some(d("2026-03-15")));
        assert_eq!(on_last.status, Status::Expiring);
        assert_eq!(on_last.days_left, Some(0));
        let after = standing(&t, &c, &[], d("2026-03-16"));
        assert_eq!(after.status, Status::Expired);
        assert_eq!(after.days_left, Some(-1));
    }

    #[test]
    fn expiring_from_the_first_warning_threshold() {
        let t = cyto();
        let c = done(&["2023-03-15"]);
        // 2026-03-15 minus 90 days is 2025-12-15.
        assert_eq!(standing(&t, &c, &[], d("2025-12-14")).status, Status::Valid);
        assert_eq!(
            standing(&t, &c, &[], d("2025-12-15")).status,
            Status::Expiring
        );
    }

    #[test]
    fn missing_before_the_first_completion_and_when_all_are_revoked() {
        let t = cyto();
        let c = done(&["2023-03-15"]);
        assert_eq!(
            standing(&t, &c, &[], d("2023-03-14")).status,
            Status::Missing
        );
        let revoked = vec![Done {
            on: d("2023-03-15"),
            revoked: true,
        }];
        assert_eq!(
            standing(&t, &revoked, &[], d("2024-01-01")).status,
            Status::Missing
        );
    }

    #[test]
    fn renewal_inside_the_window_extends_from_the_old_expiry() {
        let t = cyto();
        // Expires 2026-03-15; window opens 2025-12-15.
        let inside = done(&["2023-03-15", "2026-01-10"]);
        assert_eq!(
            valid_until(&inside, 36, 90, true, d("2026-06-01")),
            Some(d("2029-03-15"))
        );
        // First day of the window counts.
        let first_day = done(&["2023-03-15", "2025-12-15"]);
        assert_eq!(
            valid_until(&first_day, 36, 90, true, d("2026-06-01")),
            Some(d("2029-03-15"))
        );
        // On the expiry day itself too.
        let last_day = done(&["2023-03-15", "2026-03-15"]);
        assert_eq!(
            valid_until(&last_day, 36, 90, true, d("2026-06-01")),
            Some(d("2029-03-15"))
        );
        let _ = t;
    }

    #[test]
    fn an_extra_early_course_keeps_a_later_renewal_inside_its_window() {
        // 2015-05-01 gives 2018-05-01; 2018-03-13 renews inside its window.
        let two = done(&["2015-05-01", "2018-03-13"]);
        assert_eq!(
            valid_until(&two, 36, 90, true, d("2020-01-01")),
            Some(d("2021-05-01"))
        );
        // An older course chains 2015-05-01 to 2018-06-12, whose window opens a
        // day after 2018-03-13; the renewal still counts against 2018-05-01,
        // so the older course does not shorten the licence.
        let three = done(&["2012-06-12", "2015-05-01", "2018-03-13"]);
        assert_eq!(
            valid_until(&three, 36, 90, true, d("2020-01-01")),
            Some(d("2021-05-01"))
        );
    }

    #[test]
    fn renewal_before_the_window_or_after_expiry_runs_from_its_date() {
        // One day before the window: from the completion date.
        let early = done(&["2023-03-15", "2025-12-14"]);
        assert_eq!(
            valid_until(&early, 36, 90, true, d("2026-06-01")),
            Some(d("2028-12-14"))
        );
        // After expiry: from the completion date.
        let late = done(&["2023-03-15", "2026-03-16"]);
        assert_eq!(
            valid_until(&late, 36, 90, true, d("2026-06-01")),
            Some(d("2029-03-16"))
        );
        // A type that does not extend: always from the date.
        let inside = done(&["2023-03-15", "2026-01-10"]);
        assert_eq!(
            valid_until(&inside, 36, 90, false, d("2026-06-01")),
            Some(d("2029-01-10"))
        );
    }

    #[test]
    fn the_answer_as_it_stood_on_a_past_date() {
        let t = cyto();
        let c = done(&["2020-01-10", "2023-01-05"]);
        // On 2022-06-01 only the first completion had happened.
        assert_eq!(
            standing(&t, &c, &[], d("2022-06-01")).valid_until,
            Some(d("2023-01-10"))
        );
        assert_eq!(
            standing(&t, &c, &[], d("2023-06-01")).valid_until,
            Some(d("2026-01-10"))
        );
    }

    #[test]
    fn practical_part_counts_only_with_theory_and_the_earlier_expiry_wins() {
        let t = LicenceType {
            requires_practical: true,
            practical_validity_months: Some(12),
            ..cyto()
        };
        let theory = done(&["2024-01-10"]);
        assert_eq!(
            standing(&t, &theory, &[], d("2024-06-01")).status,
            Status::Missing
        );
        let practical = done(&["2024-02-01"]);
        let s = standing(&t, &theory, &practical, d("2024-06-01"));
        assert_eq!(s.valid_until, Some(d("2025-02-01")));
        assert_eq!(s.status, Status::Valid);
        assert_eq!(
            standing(&t, &theory, &practical, d("2025-02-02")).status,
            Status::Expired
        );
    }

    #[test]
    fn preview_shows_what_a_completion_would_give() {
        let t = cyto();
        let existing = done(&["2023-03-15"]);
        assert_eq!(
            preview(&t, &existing, Part::Theory, d("2026-01-10")),
            (d("2029-03-15"), d("2028-12-15"))
        );
        assert_eq!(
            preview(&t, &[], Part::Theory, d("2024-02-29")),
            (d("2027-02-28"), d("2026-11-30"))
        );
        // A backdated completion does not hide a later one.
        let later = done(&["2025-01-31"]);
        assert_eq!(
            preview(&t, &later, Part::Theory, d("2024-02-29")),
            (d("2028-01-31"), d("2027-11-02"))
        );
    }

    #[test]
    fn requirements_match_their_scope() {
        let unit = UnitPlace {
            unit_id: 3,
            administration_id: 2,
            region_id: 1,
            gives_chemotherapy: true,
        };
        let r = |scope| Requirement {
            id: 1,
            licence_type_id: 1,
            profession: Profession::Nurse,
            scope,
        };
        assert!(r(RequirementScope::ChemotherapyUnits).applies(Profession::Nurse, &unit));
        assert!(!r(RequirementScope::ChemotherapyUnits).applies(Profession::Physician, &unit));
        assert!(!r(RequirementScope::ChemotherapyUnits).applies(
            Profession::Nurse,
            &UnitPlace {
                gives_chemotherapy: false,
                ..unit
            }
        ));
        assert!(r(RequirementScope::Unit(3)).applies(Profession::Nurse, &unit));
        assert!(!r(RequirementScope::Unit(4)).applies(Profession::Nurse, &unit));
        assert!(r(RequirementScope::Administration(2)).applies(Profession::Nurse, &unit));
        assert!(r(RequirementScope::Region(1)).applies(Profession::Nurse, &unit));
        assert!(!r(RequirementScope::Region(9)).applies(Profession::Nurse, &unit));
    }

    #[test]
    fn a_completion_names_every_broken_rule_at_once() {
        let prakt = LicenceType {
            id: 2,
            code: "PRAKT".into(),
            requires_practical: true,
            ..cyto()
        };
        let types = [cyto(), prakt];
        let today = d("2026-03-02");
        let input = |licence: &str, part: &str, on: &str, signed_by: &str| CompletionInput {
            licence: licence.into(),
            part: part.into(),
            completed_on: on.into(),
            signed_by: signed_by.into(),
            note: " ".into(),
        };
        let fields = |r: Result<CheckedCompletion, Vec<Problem>>| -> Vec<&'static str> {
            r.err()
                .unwrap_or_default()
                .iter()
                .map(|p| p.field)
                .collect()
        };
        assert_eq!(
            fields(check_completion(
                &input("9", "halvdag", "2026-03-03", ""),
                &types,
                today
            )),
            ["licence", "part", "completed_on"]
        );
        assert_eq!(
            check_completion(&input("1", "", "31/01/2025", ""), &types, today)
                .err()
                .map(|p| p[0].message.clone()),
            Some(msg!("input.not_a_date"))
        );
        assert_eq!(
            fields(check_completion(
                &input("2", "practical", "2026-03-02", " "),
                &types,
                today
            )),
            ["signed_by"]
        );
        let ok = check_completion(
            &input("2", "praktik", "2026-03-02", " Hanna "),
            &types,
            today,
        )
        .expect("kept");
        assert_eq!((ok.licence.id, ok.part, ok.on), (2, Part::Practical, today));
        assert_eq!((ok.signed_by.as_deref(), ok.note), (Some("Hanna"), None));
    }

    #[test]
    fn a_revocation_needs_a_reason_and_a_live_completion() {
        assert_eq!(
            check_revocation(Some(false), "  fel person "),
            Ok("fel person".into())
        );
        assert_eq!(
            check_revocation(Some(false), " "),
            Err(RevokeRefused::Reason(msg!("input.reason_required")))
        );
        assert_eq!(
            check_revocation(None, "x"),
            Err(RevokeRefused::NoSuchCompletion)
        );
        assert_eq!(
            check_revocation(Some(true), "x"),
            Err(RevokeRefused::AlreadyRevoked)
        );
        assert_eq!(
            RevokeRefused::AlreadyRevoked.message(),
            msg!("licence.error_already_revoked")
        );
    }

    #[test]
    fn an_import_is_undone_once_with_a_reason() {
        assert_eq!(
            check_undo(Some((IMPORT_KIND, None)), " fel fil "),
            Ok("fel fil".into())
        );
        assert_eq!(check_undo(None, "x"), Err(UndoRefused::NoSuchBatch));
        assert_eq!(
            check_undo(Some(("units", None)), "x"),
            Err(UndoRefused::NotCompletions)
        );
        assert_eq!(
            check_undo(Some((IMPORT_KIND, Some("2026-03-02T10:00:00Z"))), "x"),
            Err(UndoRefused::AlreadyUndone("2026-03-02T10:00:00Z".into()))
        );
        assert_eq!(
            check_undo(Some((IMPORT_KIND, None)), ""),
            Err(UndoRefused::Reason(msg!(
                "completions_import.undo_reason_required"
            )))
        );
    }

    #[test]
    fn a_licence_type_keeps_its_rules() {
        let input = LicenceTypeInput {
            code: " prakt-1 ".into(),
            name_sv: "Praktiskt  körkort".into(),
            name_en: "Practical licence".into(),
            validity_months: "24".into(),
            window_days: "60".into(),
            warning_days: "14; 60, 14".into(),
            active: true,
            ..Default::default()
        };
        let t = check_licence_type(7, &input).expect("kept");
        assert_eq!(
            (t.id, t.code.as_str(), t.name_sv.as_str()),
            (7, "PRAKT-1", "Praktiskt körkort")
        );
        assert_eq!(t.warning_days, [60, 14]);
        assert_eq!(t.practical_validity_months, None);
        let bad = LicenceTypeInput {
            code: "no spaces".into(),
            validity_months: "0".into(),
            warning_days: "90, soon".into(),
            practical_validity_months: "x".into(),
            name_en: String::new(),
            ..input
        };
        let problems = check_licence_type(0, &bad).expect_err("refused");
        assert_eq!(
            problems.iter().map(|p| p.field).collect::<Vec<_>>(),
            [
                "code",
                "validity_months",
                "warning_days",
                "practical_validity_months",
                "name_en"
            ]
        );
        assert_eq!(
            problems[1].message,
            msg!("licence.error_whole_number", min = 1u32, max = 240u32)
        );
    }

    #[test]
    fn requirement_scopes_read_back() {
        for scope in [
            RequirementScope::ChemotherapyUnits,
            RequirementScope::Unit(3),
            RequirementScope::Administration(2),
            RequirementScope::Region(1),
        ] {
            assert_eq!(parse_requirement_scope(&scope.key()), Some(scope));
        }
        assert_eq!(
            check_requirement("nurse", "ward:1").map_err(|p| p.field),
            Err("scope")
        );
        assert_eq!(
            check_requirement("pilot", "unit:1").map_err(|p| p.field),
            Err("profession")
        );
        assert!(check_requirement("sjuksköterska", " unit:1").is_ok());
    }

    proptest! {
        #[test]
        fn a_later_completion_never_shortens_validity(
            offsets in proptest::collection::vec(0i64..4000, 1..8),
            later in 0i64..2000,
        ) {
            let start = d("2010-01-01");
            let dates: Vec<Done> = offsets.iter().map(|o| Done { on: start + chrono::Duration::days(*o), revoked: false }).collect();
            let last = dates.iter().map(|c| c.on).max().expect("one");
            let far = d("2030-01-01");
            let before = valid_until(&dates, 36, 90, true, far).expect("held");
            let mut more = dates.clone();
            more.push(Done { on: last + chrono::Duration::days(later), revoked: false });
            let after = valid_until(&more, 36, 90, true, far).expect("held");
            prop_assert!(after >= before);
        }

        #[test]
        fn status_follows_the_calendar(offset in 0i64..2000, probe in 0i64..3000) {
            let t = cyto();
            let on = d("2015-01-01") + chrono::Duration::days(offset);
            let day = d("2015-01-01") + chrono::Duration::days(probe);
            let s = standing(&t, &[Done { on, revoked: false }], &[], day);
            let until = add_months(on, 36);
            let expected = if day < on { Status::Missing }
                else if day > until { Status::Expired }
                else if (until - day).num_days() <= 90 { Status::Expiring }
                else { Status::Valid };
            prop_assert_eq!(s.status, expected);
        }
    }
}
