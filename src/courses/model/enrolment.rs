//! The enrolment rules: who may enrol and when, where a new enrolment goes
//! (a place or the waitlist), how many a freed place promotes, until when an
//! enrolment can be cancelled, when a participant can be marked completed,
//! and who may act for a person. Pure functions, no I/O.

use chrono::NaiveDate;
use serde::Serialize;

use super::{OfferingStatus, WRITERS};
use crate::auth::model::{Principal, Role};
use crate::i18n::{Lang, Msg};
use crate::licences::model::Part;
use crate::organisation::model::Profession;

/// Where an enrolment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = EnrolmentStatus)]
pub enum Status {
    /// Holds a place.
    Enrolled,
    /// Waits for a place.
    Waitlisted,
    /// Cancelled (kept for the record).
    Cancelled,
}

impl Status {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Enrolled => "enrolled",
            Status::Waitlisted => "waitlisted",
            Status::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "enrolled" => Some(Status::Enrolled),
            "waitlisted" => Some(Status::Waitlisted),
            "cancelled" => Some(Status::Cancelled),
            _ => None,
        }
    }

    /// Catalogue key of the name.
    pub fn label_key(self) -> &'static str {
        match self {
            Status::Enrolled => "enrolment.status_enrolled",
            Status::Waitlisted => "enrolment.status_waitlisted",
            Status::Cancelled => "enrolment.status_cancelled",
        }
    }
}

/// What enrolment needs to know about an offering.
#[derive(Debug, Clone, Serialize)]
pub struct Offering {
    /// Id.
    pub id: i64,
    /// The course.
    pub course_id: i64,
    /// Course code.
    pub code: String,
    /// Course title in Swedish.
    pub title_sv: String,
    /// Course title in English.
    pub title_en: String,
    /// Planned, open, cancelled or completed.
    pub status: OfferingStatus,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Room or "Teams".
    pub place: String,
    /// Places.
    pub capacity: i64,
    /// First day of enrolment.
    pub enrolment_opens: NaiveDate,
    /// Last day of enrolment.
    pub enrolment_closes: NaiveDate,
    /// Professions the course is for; empty means everyone.
    pub audience: Vec<Profession>,
    /// The licence type and part completing the course records.
    pub grants: Option<(i64, Part)>,
    /// The offering's iCalendar SEQUENCE.
    pub sequence: i64,
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

/// Places taken and people waiting.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    /// Enrolled.
    pub enrolled: i64,
    /// Waitlisted.
    pub waitlisted: i64,
}

/// One enrolment.
#[derive(Debug, Clone, Serialize)]
pub struct Enrolment {
    /// Id.
    pub id: i64,
    /// The offering.
    pub offering_id: i64,
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// Their e-mail.
    pub email: String,
    /// Their HSA-id.
    pub hsa_id: Option<String>,
    /// Their unit's code.
    pub unit_code: String,
    /// Their unit (for managers' scope).
    pub unit_id: i64,
    /// Where it stands.
    pub status: Status,
    /// Place in the waitlist (1 = next), when waitlisted.
    pub position: Option<i64>,
    /// When it joined the queue (UTC).
    pub queued_at: String,
    /// When it got a place (UTC).
    pub enrolled_at: Option<String>,
    /// When cancelled (UTC).
    pub cancelled_at: Option<String>,
    /// Attendance as marked; `None` until marked.
    pub attended: Option<bool>,
    /// When completed.
    pub completed_on: Option<String>,
    /// The licence completion the completion recorded.
    pub licence_completion_id: Option<i64>,
}

/// A new enrolment's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Placed {
    /// The enrolment.
    pub enrolment_id: i64,
    /// Enrolled or waitlisted.
    pub status: Status,
    /// Place in the waitlist, when waitlisted.
    pub position: Option<i64>,
}

/// Why an enrolment is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The offering is cancelled.
    Cancelled,
    /// The offering is not open for enrolment (planned or completed).
    NotOpen,
    /// Enrolment opens later.
    NotYetOpen,
    /// Enrolment has closed.
    Closed,
    /// The course is not for the person's profession.
    Audience,
    /// The person already holds a place or a waitlist place.
    AlreadyEnrolled,
    /// The person no longer works here.
    Left,
}

impl Refusal {
    /// Catalogue key of the reason.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::Cancelled => "enrolment.refused_cancelled",
            Refusal::NotOpen => "enrolment.refused_not_open",
            Refusal::NotYetOpen => "enrolment.refused_not_yet_open",
            Refusal::Closed => "enrolment.refused_closed",
            Refusal::Audience => "enrolment.refused_audience",
            Refusal::AlreadyEnrolled => "enrolment.refused_already",
            Refusal::Left => "enrolment.refused_left",
        }
    }

    /// The reason as a message.
    pub fn msg(self) -> Msg {
        Msg::new(self.key())
    }

    /// Short machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Cancelled => "cancelled",
            Refusal::NotOpen => "not_open",
            Refusal::NotYetOpen => "not_yet_open",
            Refusal::Closed => "closed",
            Refusal::Audience => "audience",
            Refusal::AlreadyEnrolled => "already_enrolled",
            Refusal::Left => "left",
        }
    }

    /// Whether the refusal is about the person rather than the offering.
    pub fn about_the_person(self) -> bool {
        matches!(self, Refusal::Audience | Refusal::Left)
    }
}

/// Whether a person of `profession` may enrol on `o` on `today` (the
/// waitlist is not a refusal: a full offering still takes enrolments).
pub fn eligibility(o: &Offering, profession: Profession, today: NaiveDate) -> Result<(), Refusal> {
    open_for_enrolment(o, today)?;
    if !o.audience.is_empty() && !o.audience.contains(&profession) {
        return Err(Refusal::Audience);
    }
    Ok(())
}

/// People who have left (their first day away is `left_on`) are not enrolled.
pub fn still_employed(left_on: Option<NaiveDate>, today: NaiveDate) -> Result<(), Refusal> {
    match left_on {
        Some(l) if l <= today => Err(Refusal::Left),
        _ => Ok(()),
    }
}

/// Whether `o` takes enrolments on `today`, whoever asks.
pub fn open_for_enrolment(o: &Offering, today: NaiveDate) -> Result<(), Refusal> {
    match o.status {
        OfferingStatus::Cancelled => return Err(Refusal::Cancelled),
        OfferingStatus::Open => {}
        OfferingStatus::Planned | OfferingStatus::Completed => return Err(Refusal::NotOpen),
    }
    if today < o.enrolment_opens {
        return Err(Refusal::NotYetOpen);
    }
    if today > o.enrolment_closes {
        return Err(Refusal::Closed);
    }
    Ok(())
}

/// Where a new enrolment goes when `enrolled` places of `capacity` are taken.
pub fn placement(enrolled: i64, capacity: i64) -> Status {
    if enrolled < capacity {
        Status::Enrolled
    } else {
        Status::Waitlisted
    }
}

/// How many of `waiting` people get a place when `enrolled` of `capacity`
/// are taken: the free places, never more than are waiting.
pub fn promotions(enrolled: i64, capacity: i64, waiting: usize) -> usize {
    usize::try_from((capacity - enrolled).max(0))
        .unwrap_or(0)
        .min(waiting)
}

/// What freed the places a promotion fills; the audit row names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freed {
    /// A cancelled enrolment gave up its place.
    By(i64),
    /// The capacity is now this many places.
    Capacity(i64),
}

impl Freed {
    /// The audit row's `(member, value)`: `freed_by` or `capacity`.
    pub fn member(self) -> (&'static str, i64) {
        match self {
            Freed::By(id) => ("freed_by", id),
            Freed::Capacity(n) => ("capacity", n),
        }
    }
}

/// Why a cancellation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelRefusal {
    /// Already cancelled.
    AlreadyCancelled,
    /// The offering has started.
    Started,
}

impl CancelRefusal {
    /// Catalogue key of the reason.
    pub fn key(self) -> &'static str {
        match self {
            CancelRefusal::AlreadyCancelled => "enrolment.cancel_already",
            CancelRefusal::Started => "enrolment.cancel_started",
        }
    }
}

/// Whether an enrolment in `status` on an offering starting `starts_on` can
/// be cancelled on `today`: until the offering starts, and only once.
pub fn cancellation(
    status: Status,
    starts_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), CancelRefusal> {
    if status == Status::Cancelled {
        Err(CancelRefusal::AlreadyCancelled)
    } else if !may_cancel(starts_on, today) {
        Err(CancelRefusal::Started)
    } else {
        Ok(())
    }
}

/// An enrolment can be cancelled until the offering starts.
pub fn may_cancel(starts_on: NaiveDate, today: NaiveDate) -> bool {
    starts_on > today
}

/// Why a completion cannot be marked or undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionRefusal {
    /// Only enrolled participants of an offering that took place complete.
    NotEnrolled,
    /// Already completed.
    AlreadyCompleted,
    /// Not completed, nothing to undo.
    NotCompleted,
    /// The date is in the future.
    Future,
    /// The offering has not started yet.
    NotStarted,
    /// Attendance is marked from the offering's first day.
    AttendanceNotStarted,
    /// The date is before the offering's first day.
    BeforeStart,
    /// The participant is marked absent: completing needs an override with
    /// a reason.
    Absent,
}

impl CompletionRefusal {
    /// Catalogue key of the reason.
    pub fn key(self) -> &'static str {
        match self {
            CompletionRefusal::NotEnrolled => "enrolment.complete_not_enrolled",
            CompletionRefusal::AlreadyCompleted => "enrolment.complete_already",
            CompletionRefusal::NotCompleted => "enrolment.complete_not_completed",
            CompletionRefusal::Future => "enrolment.completed_on_future",
            CompletionRefusal::NotStarted => "enrolment.complete_not_started",
            CompletionRefusal::AttendanceNotStarted => "enrolment.attendance_not_started",
            CompletionRefusal::BeforeStart => "enrolment.completed_on_before_start",
            CompletionRefusal::Absent => "enrolment.complete_absent",
        }
    }
}

/// The completion date: the chosen one, else the offering's last day (or
/// today, when the offering is still running); never in the future and
/// never before the offering's first day.
pub fn completion_date(
    chosen: Option<NaiveDate>,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, CompletionRefusal> {
    if today < starts_on {
        return Err(CompletionRefusal::NotStarted);
    }
    let on = chosen.unwrap_or(ends_on.min(today));
    if on > today {
        Err(CompletionRefusal::Future)
    } else if on < starts_on {
        Err(CompletionRefusal::BeforeStart)
    } else {
        Ok(on)
    }
}

/// Whether attendance on `o` can be marked on `today`: from its first day,
/// for a participant who holds a place.
pub fn attendance(e: &Enrolment, o: &Offering, today: NaiveDate) -> Result<(), CompletionRefusal> {
    if e.status != Status::Enrolled || o.status == OfferingStatus::Cancelled {
        Err(CompletionRefusal::NotEnrolled)
    } else if today < o.starts_on {
        Err(CompletionRefusal::AttendanceNotStarted)
    } else {
        Ok(())
    }
}

/// Whether `e` on `o` can be marked completed on `on` (the offering's last
/// day when `None`) on `today`; the day it is completed. A participant
/// marked absent completes only when `overridden` (the caller holds a
/// reason).
pub fn completion(
    e: &Enrolment,
    o: &Offering,
    on: Option<NaiveDate>,
    today: NaiveDate,
    overridden: bool,
) -> Result<NaiveDate, CompletionRefusal> {
    if e.status != Status::Enrolled || o.status == OfferingStatus::Cancelled {
        return Err(CompletionRefusal::NotEnrolled);
    }
    if e.completed_on.is_some() {
        return Err(CompletionRefusal::AlreadyCompleted);
    }
    let on = completion_date(on, o.starts_on, o.ends_on, today)?;
    if e.attended == Some(false) && !overridden {
        return Err(CompletionRefusal::Absent);
    }
    Ok(on)
}

/// Who runs offerings: participant lists, attendance and completion.
pub const COORDINATORS: &[Role] = WRITERS;

/// True when `user` may enrol, cancel for, or look at the enrolments of
/// `person_id` (working in `unit_id`): the person themselves, a manager
/// whose scope holds the unit, and coordinators and administrators.
pub fn may_act_for(user: &Principal, person_id: i64, unit_id: i64) -> bool {
    user.person_id == Some(person_id)
        || user.has_any(COORDINATORS)
        || (user.has(Role::Manager) && user.managed_units.contains(&unit_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::date;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        date(s).expect("date")
    }

    fn offering_fixture() -> Offering {
        Offering {
            id: 1,
            course_id: 1,
            code: "CYT1".into(),
            title_sv: "Cytostatika".into(),
            title_en: "Cytotoxic drugs".into(),
            status: OfferingStatus::Open,
            starts_on: d("2026-04-10"),
            ends_on: d("2026-04-11"),
            place: "Sal 1".into(),
            capacity: 10,
            enrolment_opens: d("2026-03-01"),
            enrolment_closes: d("2026-03-31"),
            audience: vec![Profession::Nurse, Profession::AssistantNurse],
            grants: None,
            sequence: 0,
        }
    }

    #[test]
    fn enrolment_is_open_only_within_its_window_on_an_open_offering() {
        let o = offering_fixture();
        let nurse = Profession::Nurse;
        assert_eq!(eligibility(&o, nurse, d("2026-03-01")), Ok(()));
        assert_eq!(eligibility(&o, nurse, d("2026-03-31")), Ok(()));
        assert_eq!(
            eligibility(&o, nurse, d("2026-02-28")),
            Err(Refusal::NotYetOpen)
        );
        assert_eq!(
            eligibility(&o, nurse, d("2026-04-01")),
            Err(Refusal::Closed)
        );
        let planned = Offering {
            status: OfferingStatus::Planned,
            ..o.clone()
        };
        assert_eq!(
            eligibility(&planned, nurse, d("2026-03-10")),
            Err(Refusal::NotOpen)
        );
        let cancelled = Offering {
            status: OfferingStatus::Cancelled,
            ..o
        };
        assert_eq!(
            eligibility(&cancelled, nurse, d("2026-03-10")),
            Err(Refusal::Cancelled)
        );
    }

    #[test]
    fn the_audience_limits_professions_and_an_empty_one_takes_everyone() {
        let o = offering_fixture();
        assert_eq!(
            eligibility(&o, Profession::Physician, d("2026-03-10")),
            Err(Refusal::Audience)
        );
        let everyone = Offering {
            audience: Vec::new(),
            ..o
        };
        assert_eq!(
            eligibility(&everyone, Profession::Physician, d("2026-03-10")),
            Ok(())
        );
    }

    #[test]
    fn people_who_have_left_are_not_enrolled() {
        assert_eq!(still_employed(None, d("2026-03-10")), Ok(()));
        assert_eq!(
            still_employed(Some(d("2026-03-11")), d("2026-03-10")),
            Ok(())
        );
        assert_eq!(
            still_employed(Some(d("2026-03-10")), d("2026-03-10")),
            Err(Refusal::Left)
        );
    }

    #[test]
    fn cancelling_is_possible_until_the_first_day() {
        assert!(may_cancel(d("2026-04-10"), d("2026-04-09")));
        assert!(!may_cancel(d("2026-04-10"), d("2026-04-10")));
        assert_eq!(
            cancellation(Status::Waitlisted, d("2026-04-10"), d("2026-04-09")),
            Ok(())
        );
        assert_eq!(
            cancellation(Status::Enrolled, d("2026-04-10"), d("2026-04-10")),
            Err(CancelRefusal::Started)
        );
        assert_eq!(
            cancellation(Status::Cancelled, d("2026-04-10"), d("2026-04-01")),
            Err(CancelRefusal::AlreadyCancelled)
        );
    }

    #[test]
    fn completion_defaults_to_the_last_day_and_is_never_in_the_future() {
        let (starts, ends) = (d("2026-04-10"), d("2026-04-11"));
        assert_eq!(
            completion_date(None, starts, ends, d("2026-04-20")),
            Ok(ends)
        );
        // While the offering runs, the default is today, not its last day.
        assert_eq!(completion_date(None, starts, ends, starts), Ok(starts));
        assert_eq!(
            completion_date(Some(d("2026-04-12")), starts, ends, d("2026-04-11")),
            Err(CompletionRefusal::Future)
        );
        assert_eq!(
            completion_date(Some(d("2026-04-10")), starts, ends, d("2026-04-10")),
            Ok(d("2026-04-10"))
        );
    }

    #[test]
    fn completion_waits_for_the_offering_and_is_not_dated_before_it() {
        let (starts, ends) = (d("2027-04-14"), d("2027-04-15"));
        // A coordinator in December cannot record April's course.
        assert_eq!(
            completion_date(Some(d("2026-12-03")), starts, ends, d("2026-12-03")),
            Err(CompletionRefusal::NotStarted)
        );
        assert_eq!(
            completion_date(None, starts, ends, d("2027-04-13")),
            Err(CompletionRefusal::NotStarted)
        );
        assert_eq!(
            completion_date(Some(d("2027-04-13")), starts, ends, d("2027-05-01")),
            Err(CompletionRefusal::BeforeStart)
        );
        assert_eq!(
            completion_date(Some(starts), starts, ends, d("2027-05-01")),
            Ok(starts)
        );
    }

    #[test]
    fn only_an_enrolled_participant_not_yet_completed_completes() {
        let o = offering_fixture();
        let e = Enrolment {
            id: 1,
            offering_id: 1,
            person_id: 1,
            name: "Sara".into(),
            email: "s@x.example".into(),
            hsa_id: None,
            unit_code: "U".into(),
            unit_id: 1,
            status: Status::Enrolled,
            position: None,
            queued_at: String::new(),
            enrolled_at: None,
            cancelled_at: None,
            attended: None,
            completed_on: None,
            licence_completion_id: None,
        };
        let today = d("2026-04-20");
        assert_eq!(completion(&e, &o, None, today, false), Ok(o.ends_on));
        let absent = Enrolment {
            attended: Some(false),
            ..e.clone()
        };
        assert_eq!(
            completion(&absent, &o, None, today, false),
            Err(CompletionRefusal::Absent)
        );
        assert_eq!(completion(&absent, &o, None, today, true), Ok(o.ends_on));
        let waiting = Enrolment {
            status: Status::Waitlisted,
            ..e.clone()
        };
        assert_eq!(
            completion(&waiting, &o, None, today, false),
            Err(CompletionRefusal::NotEnrolled)
        );
        let done = Enrolment {
            completed_on: Some("2026-04-11".into()),
            ..e
        };
        assert_eq!(
            completion(&done, &o, None, today, false),
            Err(CompletionRefusal::AlreadyCompleted)
        );
    }

    proptest! {
        /// Enrolling one by one into an offering fills exactly its places
        /// and waitlists the rest; promotions then never overbook.
        #[test]
        fn places_never_exceed_capacity(capacity in 1i64..30, people in 0usize..80, cancels in 0usize..40) {
            let mut enrolled = 0i64;
            let mut waiting = 0usize;
            for _ in 0..people {
                match placement(enrolled, capacity) {
                    Status::Enrolled => enrolled += 1,
                    _ => waiting += 1,
                }
            }
            prop_assert_eq!(enrolled, capacity.min(people as i64));
            prop_assert_eq!(waiting, people - enrolled as usize);
            for _ in 0..cancels {
                if enrolled == 0 { break; }
                enrolled -= 1;
                let n = promotions(enrolled, capacity, waiting);
                prop_assert!(n <= 1);
                enrolled += n as i64;
                waiting -= n;
                prop_assert!(enrolled <= capacity);
                prop_assert!(waiting == 0 || enrolled == capacity);
            }
        }

        /// A raised capacity promotes exactly the new places, or everyone waiting.
        #[test]
        fn raised_capacity_promotes_the_new_places(capacity in 1i64..30, raise in 0i64..30, waiting in 0usize..50) {
            let n = promotions(capacity, capacity + raise, waiting);
            prop_assert_eq!(n, (raise as usize).min(waiting));
        }
    }
}
