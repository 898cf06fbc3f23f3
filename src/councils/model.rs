//! The councils' rules, pure: members' functions and who may do what,
//! which meeting is "the next one", when an action is due and overdue,
//! and when minutes are frozen.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::clock::stockholm_day;

/// A member's function in a council.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Function {
    /// Ordförande.
    Chair,
    /// Mötessekreterare: runs the meetings, rounds and nominations.
    Secretary,
    /// Ledamot.
    Member,
    /// Adjungerad: invited for given items.
    Adjunct,
}

impl Function {
    /// Every function, in the order pages list them.
    pub const ALL: [Function; 4] = [
        Function::Chair,
        Function::Secretary,
        Function::Member,
        Function::Adjunct,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Function::Chair => "chair",
            Function::Secretary => "secretary",
            Function::Member => "member",
            Function::Adjunct => "adjunct",
        }
    }

    /// Parses a stored name (or its Swedish word).
    pub fn parse(s: &str) -> Option<Function> {
        match s.trim().to_lowercase().as_str() {
            "chair" | "ordförande" => Some(Function::Chair),
            "secretary" | "sekreterare" | "mötessekreterare" => Some(Function::Secretary),
            "member" | "ledamot" => Some(Function::Member),
            "adjunct" | "adjungerad" => Some(Function::Adjunct),
            _ => None,
        }
    }

    /// Catalogue key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            Function::Chair => "councils.function.chair",
            Function::Secretary => "councils.function.secretary",
            Function::Member => "councils.function.member",
            Function::Adjunct => "councils.function.adjunct",
        }
    }
}

/// What a user may do with one council.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Nothing: the council is not shown (404).
    None,
    /// A member: sees the council's work, records their own answers and
    /// marks their own actions.
    Member,
    /// The council's secretary or an administrator: edits everything.
    Secretary,
}

impl Access {
    /// The access of a user who is an administrator or not, and holds the
    /// given function in the council (none when not a current member).
    pub fn of(admin: bool, function: Option<Function>) -> Access {
        match (admin, function) {
            (true, _) | (_, Some(Function::Secretary)) => Access::Secretary,
            (false, Some(_)) => Access::Member,
            (false, None) => Access::None,
        }
    }

    /// Sees the council.
    pub fn sees(self) -> bool {
        self >= Access::Member
    }

    /// Edits the council's meetings, items and actions.
    pub fn edits(self) -> bool {
        self == Access::Secretary
    }
}

/// How a member attended a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// Närvarande.
    Present,
    /// Förhinder.
    Absent,
    /// Adjungerad for one item.
    Adjunct,
}

impl Attendance {
    /// Every kind, in the order forms list them.
    pub const ALL: [Attendance; 3] = [Attendance::Present, Attendance::Absent, Attendance::Adjunct];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Attendance::Present => "present",
            Attendance::Absent => "absent",
            Attendance::Adjunct => "adjunct",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Attendance> {
        Attendance::ALL.into_iter().find(|a| a.as_str() == s.trim())
    }

    /// Catalogue key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            Attendance::Present => "councils.attendance.present",
            Attendance::Absent => "councils.attendance.absent",
            Attendance::Adjunct => "councils.attendance.adjunct",
        }
    }
}

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// To do.
    Open,
    /// Done.
    Done,
    /// Dropped: no longer to do.
    Dropped,
    /// Followed up at a meeting and carried on to the next: still to do.
    CarriedOver,
}

impl ActionStatus {
    /// Every status, in the order forms list them.
    pub const ALL: [ActionStatus; 4] = [
        ActionStatus::Open,
        ActionStatus::Done,
        ActionStatus::Dropped,
        ActionStatus::CarriedOver,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
            ActionStatus::CarriedOver => "carried_over",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<ActionStatus> {
        ActionStatus::ALL
            .into_iter()
            .find(|a| a.as_str() == s.trim())
    }

    /// Still to do (open or carried over).
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::CarriedOver)
    }

    /// Catalogue key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            ActionStatus::Open => "councils.action_status.open",
            ActionStatus::Done => "councils.action_status.done",
            ActionStatus::Dropped => "councils.action_status.dropped",
            ActionStatus::CarriedOver => "councils.action_status.carried_over",
        }
    }
}

/// A meeting's place in its council's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// The meeting.
    pub id: i64,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// Cancelled meetings are no one's "next meeting".
    pub cancelled: bool,
}

/// The meeting after `after` in `slots` (a council's meetings, any order):
/// the first one not cancelled that starts later, or on the same start
/// with a higher id. `None` while none is planned.
pub fn next_meeting(slots: &[Slot], after: i64) -> Option<Slot> {
    let this = slots.iter().find(|s| s.id == after)?;
    slots
        .iter()
        .filter(|s| !s.cancelled && (s.starts_at, s.id) > (this.starts_at, this.id))
        .min_by_key(|s| (s.starts_at, s.id))
        .copied()
}

/// The meeting before `before`, not cancelled: the one whose minutes a
/// meeting approves.
pub fn previous_meeting(slots: &[Slot], before: i64) -> Option<Slot> {
    let this = slots.iter().find(|s| s.id == before)?;
    slots
        .iter()
        .filter(|s| !s.cancelled && (s.starts_at, s.id) < (this.starts_at, this.id))
        .max_by_key(|s| (s.starts_at, s.id))
        .copied()
}

/// When an action is due, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueRule {
    /// On a day.
    On(NaiveDate),
    /// "Till nästa möte": at the meeting after this one.
    NextMeetingAfter(i64),
}

/// When an action is due, as people read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Due {
    /// On a day.
    On {
        /// The day.
        day: NaiveDate,
    },
    /// At the next meeting, which is planned for `day`.
    NextMeeting {
        /// The meeting.
        meeting_id: i64,
        /// Its day in Europe/Stockholm.
        day: NaiveDate,
    },
    /// At the next meeting, which is not planned yet.
    NextMeetingUnplanned,
}

impl Due {
    /// The day it is due, when there is one.
    pub fn day(self) -> Option<NaiveDate> {
        match self {
            Due::On { day } | Due::NextMeeting { day, .. } => Some(day),
            Due::NextMeetingUnplanned => None,
        }
    }
}

/// When an action with `rule` is due among `slots`: "till nästa möte"
/// follows the next meeting wherever it is moved.
pub fn due(rule: DueRule, slots: &[Slot]) -> Due {
    match rule {
        DueRule::On(day) => Due::On { day },
        DueRule::NextMeetingAfter(after) => match next_meeting(slots, after) {
            Some(next) => Due::NextMeeting {
                meeting_id: next.id,
                day: stockholm_day(next.starts_at),
            },
            None => Due::NextMeetingUnplanned,
        },
    }
}

/// Whether an action is overdue on `today`: still to do, and its day has
/// passed (an action due at a meeting is overdue the day after it).
pub fn overdue(status: ActionStatus, due: Due, today: NaiveDate) -> bool {
    status.is_open() && due.day().is_some_and(|d| d < today)
}

/// Why a change to a meeting was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The minutes are approved: only a correction may be appended.
    Frozen,
    /// The meeting is cancelled.
    Cancelled,
    /// There is no earlier meeting whose minutes this one approves.
    NothingToApprove,
    /// The earlier meeting's minutes are approved already.
    AlreadyApproved,
    /// Minutes are approved at the meeting that follows, once it has begun.
    NotYetHeld,
}

impl Refusal {
    /// Catalogue key of the message.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::Frozen => "councils.error_frozen",
            Refusal::Cancelled => "councils.error_cancelled",
            Refusal::NothingToApprove => "councils.error_nothing_to_approve",
            Refusal::AlreadyApproved => "councils.error_already_approved",
            Refusal::NotYetHeld => "councils.error_not_yet_held",
        }
    }
}

/// A meeting's state, as far as changes to it depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingState {
    /// Cancelled.
    pub cancelled: bool,
    /// Its minutes are approved.
    pub approved: bool,
}

/// Whether a meeting's agenda, notes, decisions, attendance and actions
/// may still be edited: until its minutes are approved, and not once it is
/// cancelled.
pub fn may_edit(m: MeetingState) -> Result<(), Refusal> {
    if m.approved {
        Err(Refusal::Frozen)
    } else if m.cancelled {
        Err(Refusal::Cancelled)
    } else {
        Ok(())
    }
}

/// Whether meeting `at` may approve the minutes of `previous`: at has
/// begun (`now` past its start), previous exists and is not approved yet.
pub fn may_approve(
    at: MeetingState,
    at_starts: DateTime<Utc>,
    previous: Option<MeetingState>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    if at.cancelled {
        return Err(Refusal::Cancelled);
    }
    let previous = previous.ok_or(Refusal::NothingToApprove)?;
    if previous.approved {
        return Err(Refusal::AlreadyApproved);
    }
    if now < at_starts {
        return Err(Refusal::NotYetHeld);
    }
    Ok(())
}

/// Where a consultation document's answer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnswerStatus {
    /// Not started.
    NotStarted,
    /// A draft.
    Draft,
    /// Submitted to the secretary.
    Submitted,
}

impl AnswerStatus {
    /// Every status, in the order forms list them.
    pub const ALL: [AnswerStatus; 3] = [
        AnswerStatus::NotStarted,
        AnswerStatus::Draft,
        AnswerStatus::Submitted,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerStatus::NotStarted => "not_started",
            AnswerStatus::Draft => "draft",
            AnswerStatus::Submitted => "submitted",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<AnswerStatus> {
        AnswerStatus::ALL
            .into_iter()
            .find(|a| a.as_str() == s.trim())
    }

    /// Catalogue key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            AnswerStatus::NotStarted => "councils.answer_status.not_started",
            AnswerStatus::Draft => "councils.answer_status.draft",
            AnswerStatus::Submitted => "councils.answer_status.submitted",
        }
    }
}

/// A round's deadlines: the internal one must come before the external
/// one (the answers are compiled in between).
pub fn check_deadlines(internal: NaiveDate, external: NaiveDate) -> Result<(), &'static str> {
    if internal < external {
        Ok(())
    } else {
        Err("councils.error_internal_after_external")
    }
}

/// Whether an answer is late: submitted after the internal deadline (on
/// `submitted`, its Stockholm day), or not submitted and the deadline has
/// passed by `today`. Late answers are marked, never refused.
pub fn answer_late(
    status: AnswerStatus,
    submitted: Option<NaiveDate>,
    internal_due: NaiveDate,
    today: NaiveDate,
) -> bool {
    match (status, submitted) {
        (AnswerStatus::Submitted, Some(day)) => day > internal_due,
        (AnswerStatus::Submitted, None) => false,
        _ => today > internal_due,
    }
}

/// Days left to `due` from `today` (negative once past).
pub fn days_left(due: NaiveDate, today: NaiveDate) -> i64 {
    (due - today).num_days()
}

/// How many days before the internal deadline the people answering a
/// document not yet submitted are reminded.
pub const REMIND_DAYS_BEFORE: i64 = 3;

/// Whether a document's answerers are reminded on `today`: not submitted,
/// and the internal deadline within [`REMIND_DAYS_BEFORE`] days (reminded
/// once per round and deadline, by the outbox's key).
pub fn remind_answer(status: AnswerStatus, internal_due: NaiveDate, today: NaiveDate) -> bool {
    status != AnswerStatus::Submitted
        && (0..=REMIND_DAYS_BEFORE).contains(&days_left(internal_due, today))
}

/// Whether an administration asked for `asked` people has named them all
/// (`named` of them): only then is it done in the matrix.
pub fn nominations_done(named: usize, asked: i64) -> bool {
    i64::try_from(named).unwrap_or(i64::MAX) >= asked
}

/// Splits a text of links, one per line, into the links (blank lines and
/// surrounding space dropped).
pub fn links(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Whether a link is one a page may make clickable: http or https only.
pub fn is_web_link(link: &str) -> bool {
    let l = link.trim().to_ascii_lowercase();
    l.starts_with("https://") || l.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("time")
    }

    fn slot(id: i64, starts_at: DateTime<Utc>, cancelled: bool) -> Slot {
        Slot {
            id,
            starts_at,
            cancelled,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day")
    }

    #[test]
    fn the_next_meeting_is_the_first_later_one_not_cancelled() {
        let slots = [
            slot(1, at(2026, 9, 10, 8), false),
            slot(3, at(2026, 11, 12, 8), false),
            slot(2, at(2026, 10, 8, 8), true),
        ];
        assert_eq!(next_meeting(&slots, 1).map(|s| s.id), Some(3));
        assert_eq!(next_meeting(&slots, 3), None);
        assert_eq!(previous_meeting(&slots, 3).map(|s| s.id), Some(1));
        assert_eq!(previous_meeting(&slots, 1), None);
        assert_eq!(next_meeting(&slots, 99), None, "an unknown meeting");
        // Two meetings at the same hour are ordered by id.
        let same = [
            slot(5, at(2026, 9, 10, 8), false),
            slot(6, at(2026, 9, 10, 8), false),
        ];
        assert_eq!(next_meeting(&same, 5).map(|s| s.id), Some(6));
        assert_eq!(next_meeting(&same, 6), None);
    }

    #[test]
    fn till_next_meeting_follows_the_meeting_when_it_is_moved() {
        let mut slots = vec![
            slot(1, at(2026, 9, 10, 8), false),
            slot(2, at(2026, 10, 8, 8), false),
        ];
        let rule = DueRule::NextMeetingAfter(1);
        assert_eq!(
            due(rule, &slots),
            Due::NextMeeting {
                meeting_id: 2,
                day: day("2026-10-08")
            }
        );
        // Moved a week later: the action is due a week later.
        slots[1].starts_at = at(2026, 10, 15, 8);
        assert_eq!(due(rule, &slots).day(), Some(day("2026-10-15")));
        // Cancelled, with none after it: not planned yet.
        slots[1].cancelled = true;
        assert_eq!(due(rule, &slots), Due::NextMeetingUnplanned);
        // A meeting planned later takes its place.
        slots.push(slot(3, at(2026, 11, 12, 8), false));
        assert_eq!(due(rule, &slots).day(), Some(day("2026-11-12")));
        // A meeting's Stockholm day, not its UTC day: 23:30 UTC on 11 Nov is
        // 00:30 on 12 Nov in Stockholm.
        slots[2].starts_at = Utc
            .with_ymd_and_hms(2026, 11, 11, 23, 30, 0)
            .single()
            .expect("t");
        assert_eq!(due(rule, &slots).day(), Some(day("2026-11-12")));
        assert_eq!(
            due(DueRule::On(day("2026-10-31")), &slots),
            Due::On {
                day: day("2026-10-31")
            }
        );
    }

    #[test]
    fn an_action_is_overdue_the_day_after_its_day_while_still_to_do() {
        let due_on = Due::On {
            day: day("2026-10-31"),
        };
        assert!(!overdue(ActionStatus::Open, due_on, day("2026-10-31")));
        assert!(overdue(ActionStatus::Open, due_on, day("2026-11-01")));
        assert!(overdue(
            ActionStatus::CarriedOver,
            due_on,
            day("2026-11-01")
        ));
        assert!(!overdue(ActionStatus::Done, due_on, day("2026-12-01")));
        assert!(!overdue(ActionStatus::Dropped, due_on, day("2026-12-01")));
        assert!(!overdue(
            ActionStatus::Open,
            Due::NextMeetingUnplanned,
            day("2030-01-01")
        ));
    }

    #[test]
    fn approved_minutes_are_frozen_and_approved_once_at_a_later_meeting() {
        let open = MeetingState {
            cancelled: false,
            approved: false,
        };
        let approved = MeetingState {
            cancelled: false,
            approved: true,
        };
        let cancelled = MeetingState {
            cancelled: true,
            approved: false,
        };
        assert_eq!(may_edit(open), Ok(()));
        assert_eq!(may_edit(approved), Err(Refusal::Frozen));
        assert_eq!(may_edit(cancelled), Err(Refusal::Cancelled));
        let starts = at(2026, 10, 8, 8);
        assert_eq!(may_approve(open, starts, Some(open), starts), Ok(()));
        assert_eq!(
            may_approve(open, starts, Some(open), at(2026, 10, 8, 7)),
            Err(Refusal::NotYetHeld)
        );
        assert_eq!(
            may_approve(open, starts, Some(approved), starts),
            Err(Refusal::AlreadyApproved)
        );
        assert_eq!(
            may_approve(open, starts, None, starts),
            Err(Refusal::NothingToApprove)
        );
        assert_eq!(
            may_approve(cancelled, starts, Some(open), starts),
            Err(Refusal::Cancelled)
        );
    }

    #[test]
    fn the_secretary_edits_and_members_see() {
        assert_eq!(Access::of(true, None), Access::Secretary);
        assert_eq!(
            Access::of(false, Some(Function::Secretary)),
            Access::Secretary
        );
        assert_eq!(Access::of(false, Some(Function::Chair)), Access::Member);
        assert_eq!(Access::of(false, Some(Function::Adjunct)), Access::Member);
        assert_eq!(Access::of(false, None), Access::None);
        assert!(Access::Member.sees() && !Access::Member.edits());
        assert!(!Access::None.sees());
    }

    #[test]
    fn the_internal_deadline_comes_first_and_a_late_answer_is_marked_not_refused() {
        assert!(check_deadlines(day("2026-11-01"), day("2026-11-09")).is_ok());
        assert!(check_deadlines(day("2026-11-09"), day("2026-11-09")).is_err());
        assert!(check_deadlines(day("2026-11-10"), day("2026-11-09")).is_err());
        let due = day("2026-11-01");
        let s = AnswerStatus::Submitted;
        assert!(
            !answer_late(s, Some(day("2026-11-01")), due, day("2026-11-05")),
            "on the day"
        );
        assert!(
            answer_late(s, Some(day("2026-11-02")), due, day("2026-11-05")),
            "a day late"
        );
        assert!(!answer_late(
            AnswerStatus::Draft,
            None,
            due,
            day("2026-11-01")
        ));
        assert!(answer_late(
            AnswerStatus::Draft,
            None,
            due,
            day("2026-11-02")
        ));
        assert!(answer_late(
            AnswerStatus::NotStarted,
            None,
            due,
            day("2026-11-02")
        ));
        assert_eq!(days_left(due, day("2026-10-29")), 3);
        assert_eq!(days_left(due, day("2026-11-03")), -2);
        assert!(
            !remind_answer(AnswerStatus::Draft, due, day("2026-10-28")),
            "4 days before"
        );
        assert!(remind_answer(AnswerStatus::Draft, due, day("2026-10-29")));
        assert!(remind_answer(
            AnswerStatus::NotStarted,
            due,
            day("2026-11-01")
        ));
        assert!(!remind_answer(
            AnswerStatus::Submitted,
            due,
            day("2026-10-30")
        ));
        assert!(
            !remind_answer(AnswerStatus::Draft, due, day("2026-11-02")),
            "past: late, not reminded"
        );
    }

    #[test]
    fn an_administration_is_done_only_when_everyone_asked_for_is_named() {
        assert!(!nominations_done(0, 1));
        assert!(nominations_done(1, 1));
        assert!(!nominations_done(1, 2), "two asked, one named");
        assert!(nominations_done(2, 2));
        assert!(nominations_done(3, 2));
    }

    #[test]
    fn links_are_one_per_line_and_only_web_links_are_clickable() {
        assert_eq!(
            links(" https://a.example/nvp.pdf \n\n http://b.example \n"),
            ["https://a.example/nvp.pdf", "http://b.example"]
        );
        assert!(is_web_link("HTTPS://cancercentrum.example/nvp"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("file:///etc/passwd"));
        assert_eq!(Function::parse("Ordförande"), Some(Function::Chair));
        assert_eq!(Function::parse("adjungerad"), Some(Function::Adjunct));
    }
}
