//! The course rules: offering status and its changes, "full", sessions in
//! Europe/Stockholm local time, overlap, lecturers short, at-risk offerings,
//! and the checks of course, offering and session input; the enrolment
//! rules are in [`enrolment`]. Pure functions, no I/O: a refusal is a
//! catalogue key with its arguments ([`Msg`]), rendered by the reader's page.

pub mod enrolment;
pub mod holidays;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Stockholm;
use serde::{Deserialize, Serialize};

use crate::auth::model::Role;
use crate::i18n::{Lang, Msg};
use crate::licences::model::Part;
use crate::msg;
use crate::organisation::model::Profession;

/// Roles that run the catalogue and offerings: courses, offerings, sessions,
/// lecturers' sign-ups, participant lists, attendance and completion.
pub const WRITERS: &[Role] = &[Role::Admin, Role::Coordinator];

/// The status of an offering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfferingStatus {
    /// Being planned; not yet open for enrolment.
    Planned,
    /// Open (enrolment follows its window).
    Open,
    /// Cancelled; kept for the record.
    Cancelled,
    /// Held and closed.
    Completed,
}

impl OfferingStatus {
    /// Every status, in the order filters list them.
    pub const ALL: [OfferingStatus; 4] = [
        OfferingStatus::Planned,
        OfferingStatus::Open,
        OfferingStatus::Completed,
        OfferingStatus::Cancelled,
    ];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OfferingStatus::Planned => "planned",
            OfferingStatus::Open => "open",
            OfferingStatus::Cancelled => "cancelled",
            OfferingStatus::Completed => "completed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<OfferingStatus> {
        OfferingStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }

    /// Catalogue key of the status's name.
    pub fn label_key(self) -> &'static str {
        match self {
            OfferingStatus::Planned => "courses.status_planned",
            OfferingStatus::Open => "courses.status_open",
            OfferingStatus::Cancelled => "courses.status_cancelled",
            OfferingStatus::Completed => "courses.status_completed",
        }
    }

    /// Whether an offering may go from this status to `next`: planned →
    /// open → completed, and cancelled from planned or open. Completed and
    /// cancelled are final, because participants and lecturers were told.
    pub fn may_become(self, next: OfferingStatus) -> bool {
        use OfferingStatus::*;
        matches!(
            (self, next),
            (Planned, Open) | (Open, Completed) | (Planned | Open, Cancelled)
        )
    }

    /// Statuses in which sessions and sign-ups may still change.
    pub fn is_live(self) -> bool {
        matches!(self, OfferingStatus::Planned | OfferingStatus::Open)
    }
}

/// What became of a lecturer's offer to teach a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignupStatus {
    /// Offered, not yet decided.
    Volunteered,
    /// Confirmed by a coordinator.
    Confirmed,
    /// Declined by a coordinator.
    Declined,
    /// Withdrawn by the lecturer.
    Withdrawn,
}

impl SignupStatus {
    /// Every status.
    pub const ALL: [SignupStatus; 4] = [
        SignupStatus::Volunteered,
        SignupStatus::Confirmed,
        SignupStatus::Declined,
        SignupStatus::Withdrawn,
    ];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignupStatus::Volunteered => "volunteered",
            SignupStatus::Confirmed => "confirmed",
            SignupStatus::Declined => "declined",
            SignupStatus::Withdrawn => "withdrawn",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<SignupStatus> {
        SignupStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }

    /// Catalogue key of the status's name.
    pub fn label_key(self) -> &'static str {
        match self {
            SignupStatus::Volunteered => "courses.signup_volunteered",
            SignupStatus::Confirmed => "courses.signup_confirmed",
            SignupStatus::Declined => "courses.signup_declined",
            SignupStatus::Withdrawn => "courses.signup_withdrawn",
        }
    }

    /// Whether the lecturer still stands behind the offer.
    pub fn is_active(self) -> bool {
        matches!(self, SignupStatus::Volunteered | SignupStatus::Confirmed)
    }
}

/// What a course granting a licence is for: whom the licence page
/// suggests it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Both a first licence and a renewal (and every course without a
    /// licence).
    Any,
    /// A basic course (grundkurs): for those who do not hold the licence,
    /// never held it or let it lapse.
    Basic,
    /// A renewal (repetition): for those who hold the licence.
    Renewal,
}

impl Purpose {
    /// Every purpose, in form order.
    pub const ALL: [Purpose; 3] = [Purpose::Any, Purpose::Basic, Purpose::Renewal];

    /// Stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Any => "any",
            Purpose::Basic => "basic",
            Purpose::Renewal => "renewal",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }

    /// Catalogue key of the purpose's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Purpose::Any => "courses.purpose_any",
            Purpose::Basic => "courses.purpose_basic",
            Purpose::Renewal => "courses.purpose_renewal",
        }
    }

    /// Whether a course of this purpose serves someone who holds the
    /// licence (`holds`) or someone who does not.
    pub fn serves(self, holds: bool) -> bool {
        match self {
            Purpose::Any => true,
            Purpose::Basic => !holds,
            Purpose::Renewal => holds,
        }
    }
}

/// A course in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Course {
    /// Id.
    pub id: i64,
    /// Short code, unique regardless of case.
    pub code: String,
    /// Swedish title.
    pub title_sv: String,
    /// English title.
    pub title_en: String,
    /// The syllabus (kursplan), plain text.
    pub syllabus: String,
    /// Length in hours.
    pub length_hours: Option<u32>,
    /// The licence type completing the course grants.
    pub licence_type_id: Option<i64>,
    /// That licence type's code.
    pub licence: Option<String>,
    /// Which part of the licence it grants.
    pub part: Option<Part>,
    /// A basic course, a renewal, or either.
    pub purpose: Purpose,
    /// Shown in lists and offered for new offerings.
    pub active: bool,
    /// Who it is for; empty means every profession.
    pub audience: Vec<Profession>,
}

impl Course {
    /// The title in `lang`.
    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::Sv => &self.title_sv,
            Lang::En => &self.title_en,
        }
    }
}

/// A course offering (kurstillfälle).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offering {
    /// Id.
    pub id: i64,
    /// The course.
    pub course_id: i64,
    /// The course's code.
    pub course_code: String,
    /// The course's Swedish title.
    pub title_sv: String,
    /// The course's English title.
    pub title_en: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// A room, or "Teams".
    pub place: String,
    /// Places.
    pub capacity: u32,
    /// Fewer enrolled than this puts the offering at risk.
    pub min_participants: u32,
    /// First day of enrolment.
    pub enrolment_opens: NaiveDate,
    /// Last day of enrolment.
    pub enrolment_closes: NaiveDate,
    /// Status.
    pub status: OfferingStatus,
    /// iCalendar SEQUENCE.
    pub sequence: u32,
    /// Who created it.
    pub created_by: Option<i64>,
}

impl Offering {
    /// The course title in `lang`.
    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::Sv => &self.title_sv,
            Lang::En => &self.title_en,
        }
    }
}

/// Whether an offering with `capacity` places and `enrolled` participants is
/// full. Derived, never stored, so it cannot disagree with the enrolments.
pub fn is_full(capacity: u32, enrolled: u32) -> bool {
    enrolled >= capacity
}

/// A session (föreläsning / pass) of an offering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// Id.
    pub id: i64,
    /// The offering.
    pub offering_id: i64,
    /// Start (UTC).
    pub starts_at: DateTime<Utc>,
    /// End (UTC).
    pub ends_at: DateTime<Utc>,
    /// Topic.
    pub topic: String,
    /// Lecturers it needs.
    pub lecturers_needed: u32,
    /// Its own place, when not the offering's.
    pub place: Option<String>,
    /// When it was cancelled.
    pub cancelled_at: Option<String>,
    /// iCalendar SEQUENCE.
    pub sequence: u32,
    /// Confirmed lecturers.
    pub confirmed: u32,
    /// Volunteers waiting for a decision.
    pub volunteered: u32,
}

impl Session {
    /// Whether it still lacks confirmed lecturers (a cancelled session lacks nothing).
    pub fn short_of_lecturers(&self) -> bool {
        self.cancelled_at.is_none() && short_of_lecturers(self.confirmed, self.lecturers_needed)
    }
}

/// Whether a session with `confirmed` of `needed` lecturers still lacks some.
pub fn short_of_lecturers(confirmed: u32, needed: u32) -> bool {
    confirmed < needed
}

/// Whether confirming one more lecturer stays within what the session needs.
pub fn may_confirm_another(confirmed: u32, needed: u32) -> bool {
    confirmed < needed
}

/// Whether two time intervals `[a_start, a_end)` and `[b_start, b_end)`
/// overlap. Half-open: a session ending at 10:00 and one starting at 10:00
/// do not overlap, so a lecturer may teach two back to back.
pub fn overlaps<T: Ord>(a_start: T, a_end: T, b_start: T, b_end: T) -> bool {
    a_start < b_end && b_start < a_end
}

pub use crate::clock::{
    LocalTimeError, parse_local, parse_stockholm, stockholm_date, stockholm_display,
    stockholm_input, stockholm_to_utc,
};

/// Why an offering is at risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Some session has fewer confirmed lecturers than it needs.
    LecturersShort,
    /// Fewer enrolled than the minimum.
    FewParticipants,
}

/// The risks of a live offering: sessions short of lecturers, and fewer
/// enrolled than the minimum. Empty for a cancelled or completed offering.
pub fn risks(
    status: OfferingStatus,
    sessions_short: u32,
    enrolled: u32,
    min_participants: u32,
) -> Vec<Risk> {
    let mut out = Vec::new();
    if !status.is_live() {
        return out;
    }
    if sessions_short > 0 {
        out.push(Risk::LecturersShort);
    }
    if enrolled < min_participants {
        out.push(Risk::FewParticipants);
    }
    out
}

/// A failed check: the field's name and what its owner is told.
pub type FieldError = (&'static str, Msg);

fn required_text(field: &'static str, v: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let t = v.trim();
    if t.is_empty() {
        errors.push((field, msg!("input.required")));
    } else if t.chars().count() > max {
        errors.push((field, msg!("input.too_long", max)));
    }
    t.to_string()
}

fn date(field: &'static str, v: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let d = crate::check::date(v);
    if d.is_none() {
        errors.push((field, msg!("input.not_a_date")));
    }
    d
}

fn count(
    field: &'static str,
    v: &str,
    min: u32,
    max: u32,
    errors: &mut Vec<FieldError>,
) -> Option<u32> {
    match v.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            errors.push((field, msg!("courses.error_whole_number", min, max)));
            None
        }
    }
}

/// A course as entered, checked. The licence is a code still to be looked up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CourseInput {
    /// Code, upper case.
    pub code: String,
    /// Swedish title.
    pub title_sv: String,
    /// English title.
    pub title_en: String,
    /// Syllabus.
    pub syllabus: String,
    /// Length in hours.
    pub length_hours: Option<u32>,
    /// Licence type code.
    pub licence: Option<String>,
    /// Licence part (theory when a licence is given without one).
    pub part: Option<Part>,
    /// A basic course, a renewal, or either.
    pub purpose: Purpose,
    /// Audience.
    pub audience: Vec<Profession>,
    /// Active.
    pub active: bool,
}

/// The raw fields of a course.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CourseFields {
    /// Code.
    #[serde(default)]
    pub code: String,
    /// Swedish title.
    #[serde(default)]
    pub title_sv: String,
    /// English title.
    #[serde(default)]
    pub title_en: String,
    /// Syllabus.
    #[serde(default)]
    pub syllabus: String,
    /// Length in hours, empty when unknown.
    #[serde(default)]
    pub length_hours: String,
    /// Licence type code, empty for none.
    #[serde(default)]
    pub licence: String,
    /// `theory` or `practical`.
    #[serde(default)]
    pub part: String,
    /// `any` (also when empty), `basic` or `renewal`.
    #[serde(default)]
    pub purpose: String,
    /// Professions, stored names.
    #[serde(default)]
    pub audience: Vec<String>,
}

/// Checks a course's fields.
pub fn check_course(f: &CourseFields, active: bool) -> Result<CourseInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let code = f.code.trim().to_uppercase();
    if code.is_empty()
        || code.chars().count() > 20
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.push(("code", msg!("courses.error_code")));
    }
    let title_sv = required_text("title_sv", &f.title_sv, 200, &mut errors);
    let title_en = required_text("title_en", &f.title_en, 200, &mut errors);
    let length_hours = match f.length_hours.trim() {
        "" => None,
        s => count("length_hours", s, 1, 10_000, &mut errors),
    };
    let licence = match f.licence.trim() {
        "" => None,
        s => Some(s.to_uppercase()),
    };
    let part = match (licence.is_some(), f.part.trim()) {
        (false, "") => None,
        (false, _) => {
            errors.push(("part", msg!("courses.error_part_needs_licence")));
            None
        }
        (true, "theory") | (true, "") => Some(Part::Theory),
        (true, "practical") => Some(Part::Practical),
        (true, _) => {
            errors.push(("part", msg!("courses.error_part")));
            None
        }
    };
    let purpose = match (licence.is_some(), Purpose::parse(f.purpose.trim())) {
        (_, None) if f.purpose.trim().is_empty() => Purpose::Any,
        (_, None) => {
            errors.push(("purpose", msg!("courses.error_purpose")));
            Purpose::Any
        }
        (false, Some(p)) if p != Purpose::Any => {
            errors.push(("purpose", msg!("courses.error_purpose_needs_licence")));
            p
        }
        (_, Some(p)) => p,
    };
    let mut audience = Vec::new();
    for a in f.audience.iter().filter(|a| !a.trim().is_empty()) {
        match Profession::parse(a) {
            Some(p) if !audience.contains(&p) => audience.push(p),
            Some(_) => {}
            None => errors.push((
                "audience",
                msg!("courses.error_unknown_profession", profession = a.trim()),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CourseInput {
        code,
        title_sv,
        title_en,
        syllabus: f.syllabus.trim().to_string(),
        length_hours,
        licence,
        part,
        purpose,
        audience,
        active,
    })
}

/// An offering as entered, checked. The course is a code still to be looked up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfferingInput {
    /// Course code.
    pub course: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Place.
    pub place: String,
    /// Places.
    pub capacity: u32,
    /// Minimum participants.
    pub min_participants: u32,
    /// Enrolment opens.
    pub enrolment_opens: NaiveDate,
    /// Enrolment closes.
    pub enrolment_closes: NaiveDate,
}

/// The raw fields of an offering.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OfferingFields {
    /// Course code.
    #[serde(default)]
    pub course: String,
    /// First day.
    #[serde(default)]
    pub starts_on: String,
    /// Last day.
    #[serde(default)]
    pub ends_on: String,
    /// Place.
    #[serde(default)]
    pub place: String,
    /// Places.
    #[serde(default)]
    pub capacity: String,
    /// Minimum participants; empty for none.
    #[serde(default)]
    pub min_participants: String,
    /// Enrolment opens.
    #[serde(default)]
    pub enrolment_opens: String,
    /// Enrolment closes.
    #[serde(default)]
    pub enrolment_closes: String,
}

/// Checks an offering's fields: dates, capacity > 0, the last day not before
/// the first, and an enrolment window that opens before it closes and closes
/// no later than the last day.
pub fn check_offering(f: &OfferingFields) -> Result<OfferingInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let course = required_text("course", &f.course, 20, &mut errors).to_uppercase();
    let starts_on = date("starts_on", &f.starts_on, &mut errors);
    let ends_on = date("ends_on", &f.ends_on, &mut errors);
    let place = required_text("place", &f.place, 200, &mut errors);
    let capacity = count("capacity", &f.capacity, 1, 10_000, &mut errors);
    let min_participants = match f.min_participants.trim() {
        "" => Some(0),
        s => count("min_participants", s, 0, 10_000, &mut errors),
    };
    let opens = date("enrolment_opens", &f.enrolment_opens, &mut errors);
    let closes = date("enrolment_closes", &f.enrolment_closes, &mut errors);
    if let (Some(s), Some(e)) = (starts_on, ends_on)
        && e < s
    {
        errors.push(("ends_on", msg!("courses.error_ends_before_start")));
    }
    if let (Some(o), Some(c)) = (opens, closes)
        && c < o
    {
        errors.push((
            "enrolment_closes",
            msg!("courses.error_closes_before_opens"),
        ));
    }
    if let (Some(c), Some(e)) = (closes, ends_on)
        && c > e
    {
        errors.push(("enrolment_closes", msg!("courses.error_closes_after_end")));
    }
    if let (Some(m), Some(c)) = (min_participants, capacity)
        && m > c
    {
        errors.push(("min_participants", msg!("courses.error_min_above_capacity")));
    }
    match (
        starts_on,
        ends_on,
        capacity,
        min_participants,
        opens,
        closes,
    ) {
        (Some(s), Some(e), Some(cap), Some(min), Some(o), Some(c)) if errors.is_empty() => {
            Ok(OfferingInput {
                course,
                starts_on: s,
                ends_on: e,
                place,
                capacity: cap,
                min_participants: min,
                enrolment_opens: o,
                enrolment_closes: c,
            })
        }
        _ => Err(errors),
    }
}

/// A session as entered, checked, in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionInput {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Topic.
    pub topic: String,
    /// Lecturers needed.
    pub lecturers_needed: u32,
    /// Own place.
    pub place: Option<String>,
}

impl SessionInput {
    /// The session starts and ends on days of its offering (as dates in
    /// Europe/Stockholm): a session before the first day or after the last
    /// would be taught to nobody enrolled for those days.
    pub fn within(&self, starts_on: NaiveDate, ends_on: NaiveDate) -> Result<(), Msg> {
        let day = |t: DateTime<Utc>| t.with_timezone(&Stockholm).date_naive();
        let inside = |d: NaiveDate| starts_on <= d && d <= ends_on;
        if inside(day(self.starts_at)) && inside(day(self.ends_at)) {
            Ok(())
        } else {
            Err(msg!(
                "courses.error_session_outside",
                from = starts_on,
                to = ends_on
            ))
        }
    }
}

/// The raw fields of a session (local times).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SessionFields {
    /// Start, local.
    #[serde(default)]
    pub starts_at: String,
    /// End, local.
    #[serde(default)]
    pub ends_at: String,
    /// Topic.
    #[serde(default)]
    pub topic: String,
    /// Lecturers needed; empty for 1.
    #[serde(default)]
    pub lecturers_needed: String,
    /// Own place; empty for the offering's.
    #[serde(default)]
    pub place: String,
}

/// Checks a session's fields: local times that exist in Stockholm, the end
/// after the start, a topic, and at least one lecturer.
pub fn check_session(f: &SessionFields) -> Result<SessionInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut time = |field: &'static str, v: &str| match parse_stockholm(v) {
        Ok(t) => Some(t),
        Err(e) => {
            errors.push((field, e.msg()));
            None
        }
    };
    let starts_at = time("starts_at", &f.starts_at);
    let ends_at = time("ends_at", &f.ends_at);
    let topic = required_text("topic", &f.topic, 200, &mut errors);
    let needed = match f.lecturers_needed.trim() {
        "" => Some(1),
        s => count("lecturers_needed", s, 1, 50, &mut errors),
    };
    if let (Some(s), Some(e)) = (starts_at, ends_at)
        && e <= s
    {
        errors.push(("ends_at", msg!("courses.error_end_not_after_start")));
    }
    let place = match f.place.trim() {
        "" => None,
        p => Some(p.to_string()),
    };
    match (starts_at, ends_at, needed) {
        (Some(s), Some(e), Some(n)) if errors.is_empty() => Ok(SessionInput {
            starts_at: s,
            ends_at: e,
            topic,
            lecturers_needed: n,
            place,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_local_time_has_four_digits_of_year_and_no_sign() {
        assert!(parse_local("2026-04-14T09:00").is_ok());
        for bad in [
            "-010-01-01T09:00",
            "+10000-01-01T09:00",
            "999-01-01 09:00",
            "",
        ] {
            assert_eq!(parse_local(bad), Err(LocalTimeError::Malformed), "{bad}");
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn winter_and_summer_times_convert_with_their_offsets() {
        assert_eq!(
            parse_stockholm("2026-01-15T09:00"),
            Ok(utc("2026-01-15T08:00:00Z"))
        );
        assert_eq!(
            parse_stockholm("2026-06-15T09:00"),
            Ok(utc("2026-06-15T07:00:00Z"))
        );
    }

    #[test]
    fn spring_gap_on_2026_03_29_is_refused_and_its_edges_convert() {
        assert!(matches!(
            parse_stockholm("2026-03-29T02:30"),
            Err(LocalTimeError::Nonexistent(_))
        ));
        assert!(matches!(
            parse_stockholm("2026-03-29T02:00"),
            Err(LocalTimeError::Nonexistent(_))
        ));
        assert_eq!(
            parse_stockholm("2026-03-29T01:59"),
            Ok(utc("2026-03-29T00:59:00Z"))
        );
        assert_eq!(
            parse_stockholm("2026-03-29T03:00"),
            Ok(utc("2026-03-29T01:00:00Z"))
        );
        let msg = parse_stockholm("2026-03-29T02:30")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("2026-03-29 02:30"), "{msg}");
    }

    #[test]
    fn autumn_overlap_on_2026_10_25_takes_the_earlier_time() {
        // 02:30 happens at 00:30 UTC (summer time) and again at 01:30 UTC.
        assert_eq!(
            parse_stockholm("2026-10-25T02:30"),
            Ok(utc("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            parse_stockholm("2026-10-25T03:00"),
            Ok(utc("2026-10-25T02:00:00Z"))
        );
        // A session across the night is one hour longer than the clock says.
        let s = parse_stockholm("2026-10-25T01:00").unwrap_or_default();
        let e = parse_stockholm("2026-10-25T04:00").unwrap_or_default();
        assert_eq!((e - s).num_hours(), 4);
    }

    #[test]
    fn display_shows_stockholm_time() {
        assert_eq!(
            stockholm_display(utc("2026-10-25T01:30:00Z")),
            "2026-10-25 02:30"
        );
        assert_eq!(
            stockholm_input(utc("2026-03-29T01:00:00Z")),
            "2026-03-29T03:00"
        );
    }

    #[test]
    fn malformed_times_are_refused() {
        for s in [
            "",
            "2026-03-02",
            "09:00",
            "2026-13-01T09:00",
            "2026-03-02T25:00",
        ] {
            assert_eq!(parse_stockholm(s), Err(LocalTimeError::Malformed), "{s}");
        }
    }

    #[test]
    fn back_to_back_sessions_do_not_overlap() {
        assert!(!overlaps(9, 10, 10, 11));
        assert!(overlaps(9, 11, 10, 12));
        assert!(overlaps(9, 12, 10, 11));
        assert!(!overlaps(13, 14, 9, 10));
    }

    #[test]
    fn full_and_short_of_lecturers() {
        assert!(!is_full(20, 19));
        assert!(is_full(20, 20));
        assert!(is_full(20, 21));
        assert!(short_of_lecturers(1, 2));
        assert!(!short_of_lecturers(2, 2));
        assert!(may_confirm_another(0, 1));
        assert!(!may_confirm_another(1, 1));
    }

    #[test]
    fn status_changes_follow_the_lifecycle() {
        use OfferingStatus::*;
        assert!(Planned.may_become(Open));
        assert!(Open.may_become(Completed));
        assert!(Planned.may_become(Cancelled));
        assert!(Open.may_become(Cancelled));
        assert!(!Planned.may_become(Completed));
        assert!(!Cancelled.may_become(Open));
        assert!(!Completed.may_become(Cancelled));
        assert!(!Open.may_become(Planned));
    }

    #[test]
    fn risks_of_live_offerings_only() {
        use OfferingStatus::*;
        assert_eq!(
            risks(Open, 1, 3, 5),
            vec![Risk::LecturersShort, Risk::FewParticipants]
        );
        assert_eq!(risks(Planned, 0, 5, 5), Vec::<Risk>::new());
        assert_eq!(risks(Cancelled, 3, 0, 5), Vec::<Risk>::new());
        assert_eq!(risks(Completed, 3, 0, 5), Vec::<Risk>::new());
    }

    fn offering_fields() -> OfferingFields {
        OfferingFields {
            course: "cyto-1".into(),
            starts_on: "2026-04-01".into(),
            ends_on: "2026-04-02".into(),
            place: "Sal 3".into(),
            capacity: "20".into(),
            min_participants: "".into(),
            enrolment_opens: "2026-03-01".into(),
            enrolment_closes: "2026-03-25".into(),
        }
    }

    #[test]
    fn offering_checks_name_the_field() {
        let ok = check_offering(&offering_fields());
        assert_eq!(
            ok.map(|o| (o.course, o.capacity)),
            Ok(("CYTO-1".into(), 20))
        );
        let fields = |f: OfferingFields| -> Vec<&'static str> {
            check_offering(&f)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|(f, _)| f)
                .collect()
        };
        assert_eq!(
            fields(OfferingFields {
                capacity: "0".into(),
                ..offering_fields()
            }),
            vec!["capacity"]
        );
        assert_eq!(
            fields(OfferingFields {
                ends_on: "2026-03-31".into(),
                enrolment_closes: "2026-03-20".into(),
                ..offering_fields()
            }),
            vec!["ends_on"]
        );
        assert_eq!(
            fields(OfferingFields {
                enrolment_closes: "2026-02-01".into(),
                ..offering_fields()
            }),
            vec!["enrolment_closes"]
        );
        assert_eq!(
            fields(OfferingFields {
                starts_on: "1 april".into(),
                ..offering_fields()
            }),
            vec!["starts_on"]
        );
    }

    #[test]
    fn session_checks() {
        let f = SessionFields {
            starts_at: "2026-04-01T09:00".into(),
            ends_at: "2026-04-01T09:00".into(),
            topic: "Säker hantering".into(),
            lecturers_needed: "0".into(),
            place: "".into(),
        };
        let errs: Vec<&str> = check_session(&f)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(errs, vec!["lecturers_needed", "ends_at"]);
        let ok = check_session(&SessionFields {
            ends_at: "2026-04-01T10:30".into(),
            lecturers_needed: "".into(),
            ..f
        });
        assert_eq!(ok.map(|s| s.lecturers_needed), Ok(1));
    }

    #[test]
    fn course_part_defaults_to_theory_with_a_licence() {
        let f = CourseFields {
            code: "cyto-g".into(),
            title_sv: "Cytostatikakörkort".into(),
            title_en: "Chemotherapy licence".into(),
            licence: "cyto".into(),
            ..Default::default()
        };
        let c = check_course(&f, true);
        assert_eq!(
            c.map(|c| (c.code, c.licence, c.part)),
            Ok(("CYTO-G".into(), Some("CYTO".into()), Some(Part::Theory)))
        );
        let bad = check_course(
            &CourseFields {
                licence: "".into(),
                part: "practical".into(),
                ..f
            },
            true,
        );
        assert_eq!(bad.err().map(|e| e[0].0), Some("part"));
    }

    #[test]
    fn a_course_is_a_basic_course_or_a_renewal_only_with_a_licence() {
        let f = CourseFields {
            code: "cyto-r".into(),
            title_sv: "Repetition".into(),
            title_en: "Refresher".into(),
            licence: "CYTO".into(),
            purpose: "renewal".into(),
            ..Default::default()
        };
        assert_eq!(
            check_course(&f, true).map(|c| c.purpose),
            Ok(Purpose::Renewal)
        );
        let either = CourseFields {
            purpose: "".into(),
            ..f.clone()
        };
        assert_eq!(
            check_course(&either, true).map(|c| c.purpose),
            Ok(Purpose::Any)
        );
        for (licence, purpose, key) in [
            ("", "basic", "courses.error_purpose_needs_licence"),
            ("CYTO", "refresher", "courses.error_purpose"),
        ] {
            let e = check_course(
                &CourseFields {
                    licence: licence.into(),
                    purpose: purpose.into(),
                    ..f.clone()
                },
                true,
            )
            .expect_err(purpose);
            assert_eq!((e[0].0, e[0].1.key()), ("purpose", Some(key)));
        }
        assert!(Purpose::Renewal.serves(true) && !Purpose::Renewal.serves(false));
        assert!(Purpose::Basic.serves(false) && !Purpose::Basic.serves(true));
        assert!(Purpose::Any.serves(true) && Purpose::Any.serves(false));
    }

    #[test]
    fn refusals_are_catalogue_keys_with_their_arguments() {
        let errors = check_session(&SessionFields {
            starts_at: "2026-03-29T02:30".into(),
            ends_at: "2026-03-29T04:00".into(),
            topic: " ".into(),
            lecturers_needed: "99".into(),
            place: "".into(),
        })
        .err()
        .unwrap_or_default();
        let keys: Vec<(&str, Option<&str>)> = errors.iter().map(|(f, m)| (*f, m.key())).collect();
        assert_eq!(
            keys,
            [
                ("starts_at", Some("courses.error_time_in_gap")),
                ("topic", Some("input.required")),
                ("lecturers_needed", Some("courses.error_whole_number")),
            ]
        );
        assert_eq!(
            errors[0].1.arg("time"),
            Some(&crate::i18n::Arg::Plain("2026-03-29 02:30".into()))
        );
        let sv = errors[2].1.render(Lang::Sv);
        let en = errors[2].1.render(Lang::En);
        assert_eq!(sv, "ett heltal från 1 till 50");
        assert_eq!(en, "a whole number from 1 to 50");
    }

    proptest! {
        #[test]
        fn overlap_is_symmetric_and_matches_a_shared_instant(
            a in 0i64..100, al in 1i64..20, b in 0i64..100, bl in 1i64..20
        ) {
            let o = overlaps(a, a + al, b, b + bl);
            prop_assert_eq!(o, overlaps(b, b + bl, a, a + al));
            let shared = (a..a + al).any(|t| (b..b + bl).contains(&t));
            prop_assert_eq!(o, shared);
        }

        #[test]
        fn an_accepted_offering_keeps_its_dates_in_order(
            start in 0i64..60, len in 0i64..5, opens in 0i64..90, window in 0i64..90,
            capacity in 0u32..50, min in 0u32..50
        ) {
            let base = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
            let day = |n: i64| (base + chrono::Duration::days(n)).to_string();
            let f = OfferingFields {
                course: "K".into(),
                starts_on: day(start),
                ends_on: day(start + len - 2),
                place: "Sal".into(),
                capacity: capacity.to_string(),
                min_participants: min.to_string(),
                enrolment_opens: day(opens - 30),
                enrolment_closes: day(opens - 30 + window - 20),
            };
            if let Ok(o) = check_offering(&f) {
                prop_assert!(o.starts_on <= o.ends_on);
                prop_assert!(o.enrolment_opens <= o.enrolment_closes);
                prop_assert!(o.enrolment_closes <= o.ends_on);
                prop_assert!(o.capacity > 0 && o.min_participants <= o.capacity);
            } else {
                prop_assert!(
                    len < 2 || window < 20 || capacity == 0 || min > capacity
                        || opens - 30 + window - 20 > start + len - 2
                );
            }
        }

        #[test]
        fn every_existing_local_time_round_trips(
            day in 0i64..730, minute in 0u32..1440
        ) {
            let date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default() + chrono::Duration::days(day);
            let local = date.and_hms_opt(minute / 60, minute % 60, 0).unwrap_or_default();
            match stockholm_to_utc(local) {
                Ok(t) => prop_assert_eq!(t.with_timezone(&Stockholm).naive_local(), local),
                // Only the spring-forward hour is missing.
                Err(_) => prop_assert_eq!(local.format("%H").to_string(), "02"),
            }
        }
    }
}
