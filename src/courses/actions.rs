//! Every change of the courses domain, one function each, on a unit of work
//! ([`Work`]): it checks its rules inside the write transaction, writes
//! through the store, records its audit rows and queues its notices there
//! too, so pages and the API share one implementation and nothing is
//! half-written. Refusals are [`AppError`]s carrying catalogue keys.
//!
//! - The catalogue: [`create_course`], [`update_course`], [`create_offering`],
//!   [`update_offering`], [`change_status`].
//! - Sessions: [`add_session`], [`edit_session`], [`cancel_session`].
//! - Lecturers: [`volunteer`], [`withdraw`], [`decide`], [`answer_signup`].
//! - Enrolment: [`enrol`], [`cancel_enrolment`], [`fill_freed_places`],
//!   [`set_attendance`], [`complete`], [`undo_completion`].
//! - Calendar links: [`create_feed`], [`revoke_feed`].
//!
//! Every enrolment decision is made in one write transaction (one writer,
//! `BEGIN IMMEDIATE`), so counting the places and taking one cannot
//! interleave with another request: no overbooking and no double enrolment.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Transaction;
use serde_json::{Value, json};

use super::calendar::Feed;
use super::model::enrolment::{
    self as rules, CancelRefusal, CompletionRefusal, Enrolment, Freed,
    Offering as EnrolmentOffering, Placed, Refusal, Status,
};
use super::model::{
    self, CourseInput, OfferingInput, OfferingStatus, Session, SessionInput, SignupStatus, WRITERS,
    stockholm_date,
};
use super::notices;
use super::store::{self, SessionLine, Signup};
use crate::auth::model::{Principal, Role};
use crate::db::{Actor, Entry, Work};
use crate::i18n::Msg;
use crate::licences::store as licences;
use crate::msg;
use crate::organisation::model::normalise_hsa_id;
use crate::organisation::store::{self as org, Person};
use crate::web::AppError;

/// Today in Stockholm, as the change sees it.
fn today(w: &Work) -> NaiveDate {
    stockholm_date(w.now())
}

// ---- The catalogue ----

fn licence_id(w: &Work, c: &CourseInput) -> Result<Option<i64>, AppError> {
    match &c.licence {
        Some(code) => store::licence_type_id(w, code)?.map(Some).ok_or_else(|| {
            AppError::unprocessable("licence", msg!("courses.error_no_licence_type", code))
        }),
        None => Ok(None),
    }
}

/// A taken course code answers 409 saying so.
fn duplicate_code(e: rusqlite::Error) -> AppError {
    match AppError::conflict_on_unique(e) {
        AppError::Duplicate { .. } => AppError::Conflict(msg!("courses.error_code_taken")),
        other => other,
    }
}

/// Creates a course. 422 for an unknown licence code, 409 for a taken code.
pub fn create_course(w: &Work, c: &CourseInput) -> Result<i64, AppError> {
    let licence = licence_id(w, c)?;
    let id = store::create_course(w, c, licence, w.now()).map_err(duplicate_code)?;
    w.created("course.create", "course", id, c)?;
    Ok(id)
}

/// Changes course `id`, as [`create_course`] refuses.
pub fn update_course(w: &Work, id: i64, c: &CourseInput) -> Result<(), AppError> {
    let before = store::get_course(w, id)?.ok_or(AppError::NotFound)?;
    let licence = licence_id(w, c)?;
    store::update_course(w, id, c, licence).map_err(duplicate_code)?;
    w.changed("course.update", "course", id, before, c)?;
    Ok(())
}

fn course_id(w: &Work, code: &str) -> Result<i64, AppError> {
    Ok(store::course_by_code(w, code)?
        .ok_or_else(|| AppError::unprocessable("course", msg!("courses.error_no_course", code)))?
        .id)
}

/// Creates an offering, planned or open. 422 for an unknown course code.
pub fn create_offering(
    w: &Work,
    o: &OfferingInput,
    status: OfferingStatus,
) -> Result<i64, AppError> {
    if !matches!(status, OfferingStatus::Planned | OfferingStatus::Open) {
        return Err(AppError::unprocessable(
            "status",
            msg!("courses.error_new_offering_status"),
        ));
    }
    let course = course_id(w, &o.course)?;
    let id = store::create_offering(w, course, o, status, w.actor().account_id, w.now())?;
    w.created(
        "offering.create",
        "offering",
        id,
        json!({"offering": o, "status": status}),
    )?;
    Ok(id)
}

fn live_offering(w: &Work, id: i64) -> Result<model::Offering, AppError> {
    let o = store::get_offering(w, id)?.ok_or(AppError::NotFound)?;
    if !o.status.is_live() {
        return Err(AppError::unprocessable(
            "status",
            msg!("courses.error_offering_closed"),
        ));
    }
    Ok(o)
}

/// Changes an offering's course, dates, place and numbers. More places move
/// the waitlist up in the same unit of work.
pub fn update_offering(w: &Work, id: i64, o: &OfferingInput) -> Result<(), AppError> {
    let before = live_offering(w, id)?;
    let course = course_id(w, &o.course)?;
    store::update_offering(w, id, course, o)?;
    w.changed("offering.update", "offering", id, before, o)?;
    fill_freed_places(w, id)?;
    Ok(())
}

/// Moves an offering along planned → open → completed, or cancels it. A
/// cancellation tells the confirmed lecturers and everyone enrolled or
/// waitlisted.
pub fn change_status(
    w: &Work,
    id: i64,
    next: OfferingStatus,
    reason: Option<&str>,
) -> Result<(), AppError> {
    // Cancelling tells everyone and cannot be undone: it needs a reason.
    let reason = match (next, reason) {
        (OfferingStatus::Cancelled, r) => Some(
            crate::check::reason(r.unwrap_or(""))
                .map_err(|m| AppError::unprocessable("reason", m))?,
        ),
        (_, r) => r.map(str::to_string),
    };
    let o = store::get_offering(w, id)?.ok_or(AppError::NotFound)?;
    if o.status == next {
        return Ok(());
    }
    if !o.status.may_become(next) {
        return Err(AppError::unprocessable(
            "status",
            msg!(
                "courses.error_status_change",
                from = Msg::new(o.status.label_key()),
                to = Msg::new(next.label_key())
            ),
        ));
    }
    if next == OfferingStatus::Cancelled {
        store::cancel_offering(w, id)?;
        notices::offering_cancelled_to_lecturers(w, &o, w.now())?;
        notices::offering_cancelled_to_participants(w, id, w.now())?;
    } else {
        store::set_offering_status(w, id, next)?;
    }
    w.changed(
        "offering.status",
        "offering",
        id,
        json!({"status": o.status}),
        json!({"status": next, "reason": reason}),
    )?;
    Ok(())
}

// ---- Sessions ----

/// Adds a session to a live offering.
pub fn add_session(w: &Work, offering_id: i64, s: &SessionInput) -> Result<i64, AppError> {
    let o = live_offering(w, offering_id)?;
    s.within(o.starts_on, o.ends_on)
        .map_err(|m| AppError::unprocessable("starts_at", m))?;
    let id = store::create_session(w, offering_id, s)?;
    w.created("session.create", "course_session", id, s)?;
    Ok(id)
}

fn live_session(w: &Work, id: i64) -> Result<Session, AppError> {
    let s = store::get_session(w, id)?.ok_or(AppError::NotFound)?;
    live_offering(w, s.offering_id)?;
    if s.cancelled_at.is_some() {
        return Err(AppError::unprocessable(
            "session",
            msg!("courses.error_session_cancelled"),
        ));
    }
    Ok(s)
}

/// Changes a session (its SEQUENCE moves on). Needing fewer lecturers than
/// are confirmed is refused: someone would have to be told first.
pub fn edit_session(w: &Work, id: i64, s: &SessionInput) -> Result<(), AppError> {
    let before = live_session(w, id)?;
    let o = live_offering(w, before.offering_id)?;
    s.within(o.starts_on, o.ends_on)
        .map_err(|m| AppError::unprocessable("starts_at", m))?;
    if s.lecturers_needed < before.confirmed {
        return Err(AppError::unprocessable(
            "lecturers_needed",
            msg!(
                "courses.error_fewer_than_confirmed",
                confirmed = before.confirmed
            ),
        ));
    }
    // Moving the session must not put a confirmed lecturer in two places.
    for signup in store::signups_for_session(w, id)?
        .iter()
        .filter(|u| u.status == SignupStatus::Confirmed)
    {
        not_confirmed_elsewhere(w, signup, s.starts_at, s.ends_at, "starts_at")?;
    }
    store::update_session(w, id, s)?;
    w.changed("session.update", "course_session", id, before, s)?;
    Ok(())
}

/// Refuses (422 on `field`) when the sign-up's lecturer is confirmed for
/// another live session overlapping `starts_at`..`ends_at`: a lecturer must
/// not be confirmed for two sessions at the same time.
fn not_confirmed_elsewhere(
    w: &Work,
    signup: &Signup,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    field: &'static str,
) -> Result<(), AppError> {
    match store::overlapping_signup(
        w,
        signup.account_id,
        signup.session_id,
        starts_at,
        ends_at,
        &[SignupStatus::Confirmed],
    )? {
        Some(other) => Err(AppError::unprocessable(
            field,
            msg!(
                "courses.error_confirmed_elsewhere",
                name = &signup.name,
                session = other.reference()
            ),
        )),
        None => Ok(()),
    }
}

/// Cancels a session and tells its confirmed lecturers and the offering's
/// participants; returns the offering.
pub fn cancel_session(w: &Work, id: i64, reason: &str) -> Result<i64, AppError> {
    let reason = crate::check::reason(reason).map_err(|m| AppError::unprocessable("reason", m))?;
    let before = live_session(w, id)?;
    let line = session_line(w, id)?;
    store::cancel_session(w, id, w.now())?;
    w.changed(
        "session.cancel",
        "course_session",
        id,
        &before,
        json!({"cancelled_at": crate::clock::stamp(w.now()), "reason": reason}),
    )?;
    notices::session_cancelled(w, &line, w.now())?;
    Ok(before.offering_id)
}

fn session_line(w: &Work, session_id: i64) -> Result<SessionLine, AppError> {
    store::session_line(w, session_id)?.ok_or(AppError::NotFound)
}

// ---- Lecturers ----

/// What volunteering did.
#[derive(Debug, Clone)]
pub struct Volunteered {
    /// The sign-up.
    pub signup_id: i64,
    /// A session at the same time the lecturer already volunteered or is
    /// confirmed for: allowed, but worth a warning.
    pub overlapping: Option<SessionLine>,
}

fn not_started(session: &Session, now: DateTime<Utc>) -> Result<(), AppError> {
    if session.starts_at <= now {
        return Err(AppError::unprocessable(
            "session",
            msg!("courses.error_session_started"),
        ));
    }
    Ok(())
}

/// Volunteers a lecturer for a session that has not started. Volunteering
/// again while volunteered or confirmed changes nothing.
pub fn volunteer(
    w: &Work,
    session_id: i64,
    account_id: i64,
    note: Option<&str>,
) -> Result<Volunteered, AppError> {
    let s = live_session(w, session_id)?;
    not_started(&s, w.now())?;
    let overlapping = store::overlapping_signup(
        w,
        account_id,
        session_id,
        s.starts_at,
        s.ends_at,
        &[SignupStatus::Volunteered, SignupStatus::Confirmed],
    )?;
    if let Some(existing) = store::signup_of(w, session_id, account_id)?
        && existing.status.is_active()
    {
        return Ok(Volunteered {
            signup_id: existing.id,
            overlapping,
        });
    }
    let id = store::volunteer(w, session_id, account_id, note, w.now())?;
    w.created(
        "signup.volunteer",
        "lecturer_signup",
        id,
        json!({"session_id": session_id, "account_id": account_id, "note": note}),
    )?;
    Ok(Volunteered {
        signup_id: id,
        overlapping,
    })
}

/// Withdraws a lecturer's offer before the session starts; the offering's
/// coordinators are told. A confirmed lecturer leaves the session without
/// a teacher, so they must say why. What was taught stays in the teaching
/// record.
pub fn withdraw(
    w: &Work,
    session_id: i64,
    account_id: i64,
    reason: Option<&str>,
) -> Result<i64, AppError> {
    let reason =
        crate::check::optional_reason(reason).map_err(|m| AppError::unprocessable("reason", m))?;
    let signup = store::signup_of(w, session_id, account_id)?.ok_or(AppError::NotFound)?;
    if !signup.status.is_active() {
        return Ok(signup.id);
    }
    if signup.status == SignupStatus::Confirmed && reason.is_none() {
        return Err(AppError::unprocessable(
            "reason",
            msg!("input.reason_required"),
        ));
    }
    let session = store::get_session(w, session_id)?.ok_or(AppError::NotFound)?;
    not_started(&session, w.now())?;
    store::set_signup_status(w, signup.id, SignupStatus::Withdrawn, None, w.now())?;
    w.changed(
        "signup.withdraw",
        "lecturer_signup",
        signup.id,
        json!({"status": signup.status}),
        json!({"status": SignupStatus::Withdrawn, "reason": reason}),
    )?;
    // The audit row's id makes the key unique per event, even when a
    // lecturer withdraws, volunteers and withdraws again within a second.
    let event = w.last_insert_rowid();
    let line = session_line(w, session_id)?;
    notices::lecturer_withdrew(w, &signup, signup.status, &line, event, w.now())?;
    Ok(signup.id)
}

/// Confirms or declines a volunteer, and tells them. Confirming is refused
/// when the session has all the lecturers it needs, or when the lecturer is
/// confirmed for another session at the same time; both are checked here,
/// inside the write transaction, so two confirmations cannot race past them.
pub fn decide(w: &Work, signup_id: i64, confirm: bool) -> Result<Signup, AppError> {
    let signup = store::get_signup(w, signup_id)?.ok_or(AppError::NotFound)?;
    let next = if confirm {
        SignupStatus::Confirmed
    } else {
        SignupStatus::Declined
    };
    if signup.status == next {
        return Ok(signup);
    }
    if signup.status == SignupStatus::Withdrawn {
        return Err(AppError::unprocessable(
            "status",
            msg!("courses.error_lecturer_withdrew"),
        ));
    }
    let session = live_session(w, signup.session_id)?;
    if confirm {
        if !model::may_confirm_another(session.confirmed, session.lecturers_needed) {
            return Err(AppError::unprocessable(
                "status",
                msg!(
                    "courses.error_session_has_lecturers",
                    needed = session.lecturers_needed
                ),
            ));
        }
        not_confirmed_elsewhere(w, &signup, session.starts_at, session.ends_at, "status")?;
    }
    store::set_signup_status(w, signup.id, next, w.actor().account_id, w.now())?;
    w.changed(
        if confirm {
            "signup.confirm"
        } else {
            "signup.decline"
        },
        "lecturer_signup",
        signup.id,
        json!({"status": signup.status}),
        json!({"status": next}),
    )?;
    let event = w.last_insert_rowid();
    let line = session_line(w, session.id)?;
    notices::lecturer_decided(w, &signup, confirm, &line, event, w.now())?;
    Ok(Signup {
        status: next,
        ..signup
    })
}

/// Sets a sign-up to `next` for `user`: a coordinator or administrator
/// confirms or declines, the sign-up's own lecturer withdraws; anything
/// else is forbidden.
pub fn answer_signup(
    w: &Work,
    user: &Principal,
    signup_id: i64,
    next: SignupStatus,
) -> Result<Signup, AppError> {
    let current = store::get_signup(w, signup_id)?.ok_or(AppError::NotFound)?;
    match next {
        SignupStatus::Confirmed | SignupStatus::Declined if user.has_any(WRITERS) => {
            decide(w, signup_id, next == SignupStatus::Confirmed)
        }
        SignupStatus::Withdrawn if current.account_id == user.account_id => {
            withdraw(w, current.session_id, user.account_id, None)?;
            store::get_signup(w, signup_id)?.ok_or(AppError::NotFound)
        }
        _ => Err(AppError::Forbidden),
    }
}

// ---- Enrolment ----

/// Who is enrolled: a person found by HSA-id or e-mail (the form's one field
/// takes either), or the user's own person record.
#[derive(Debug, Clone)]
pub enum Target {
    /// The user's own person record.
    Myself,
    /// The person with this HSA-id.
    HsaId(String),
    /// The person with this e-mail address.
    Email(String),
}

impl Target {
    /// Reads the API body or the form field; `field` names it in errors.
    pub fn parse(hsa_id: &str, email: &str, field: &'static str) -> Result<Target, AppError> {
        let (hsa_id, email) = (hsa_id.trim(), email.trim());
        if !hsa_id.is_empty() {
            return normalise_hsa_id(hsa_id)
                .map(Target::HsaId)
                .map_err(|m| AppError::unprocessable(field, m));
        }
        if !email.is_empty() {
            return crate::check::email(email).map(Target::Email).map_err(|m| {
                AppError::unprocessable(if field == "hsa_id" { "email" } else { field }, m)
            });
        }
        Ok(Target::Myself)
    }

    /// The person, when `user` may see them (404 otherwise) and act for
    /// them (403 otherwise).
    fn find(&self, w: &Work, user: &Principal) -> Result<Person, AppError> {
        let found = match self {
            Target::Myself => match user.person_id {
                Some(id) => org::person(w, id)?,
                None => {
                    return Err(AppError::unprocessable(
                        "person",
                        msg!("enrolment.no_person"),
                    ));
                }
            },
            Target::HsaId(h) => org::person_by_hsa_id(w, h)?,
            Target::Email(e) => org::person_by_email(w, e)?,
        };
        let person = found.ok_or(AppError::NotFound)?;
        if !user.may_see_person(person.id, person.unit_id) {
            return Err(AppError::Hidden);
        }
        if !rules::may_act_for(user, person.id, person.unit_id) {
            return Err(AppError::Forbidden);
        }
        Ok(person)
    }
}

/// A refusal to enrol as the API and the pages report it: 409 for a place
/// already held, else 422 on the person or the offering.
fn refused(r: Refusal) -> AppError {
    match r {
        Refusal::AlreadyEnrolled => AppError::Conflict(r.msg()),
        r if r.about_the_person() => AppError::unprocessable("person", r.msg()),
        r => AppError::unprocessable("offering", r.msg()),
    }
}

/// Enrols `target` on offering `offering_id` for `user`.
pub fn enrol(
    w: &Work,
    user: &Principal,
    offering_id: i64,
    target: &Target,
) -> Result<Placed, AppError> {
    let o = store::enrolment::offering(w, offering_id)?.ok_or(AppError::NotFound)?;
    let person = target.find(w, user)?;
    enrol_person(w, &o, person.id)?.map_err(refused)
}

/// Enrols a person on `o`, or puts them on the waitlist when it is full,
/// with the audit row. A refusal is a value. An unknown person is
/// `QueryReturnedNoRows`.
pub fn enrol_person(
    w: &Work,
    o: &EnrolmentOffering,
    person_id: i64,
) -> rusqlite::Result<Result<Placed, Refusal>> {
    let today = today(w);
    let (profession, left_on) = store::enrolment::person_standing(w, person_id)?;
    if let Err(r) = rules::still_employed(left_on, today)
        .and_then(|()| rules::eligibility(o, profession, today))
    {
        return Ok(Err(r));
    }
    if store::enrolment::has_live_enrolment(w, o.id, person_id)? {
        return Ok(Err(Refusal::AlreadyEnrolled));
    }
    // Places freed without a promotion (a raised capacity) go to those
    // already waiting, never to the newcomer.
    promote(w, o, Freed::Capacity(o.capacity))?;
    let c = store::enrolment::counts(w, o.id)?;
    let status = rules::placement(c.enrolled, o.capacity);
    let id = match store::enrolment::insert_enrolment(
        w,
        o.id,
        person_id,
        status,
        w.actor().account_id,
        w.now(),
    ) {
        Ok(id) => id,
        // The partial unique index is the last guard against a double enrolment.
        Err(e) if crate::db::is_unique_violation(&e) => return Ok(Err(Refusal::AlreadyEnrolled)),
        Err(e) => return Err(e),
    };
    let placed = Placed {
        enrolment_id: id,
        status,
        position: (status == Status::Waitlisted).then_some(c.waitlisted + 1),
    };
    w.created(
        "enrolment.create",
        "enrolment",
        id,
        json!({
            "offering_id": o.id, "person_id": person_id,
            "status": placed.status, "position": placed.position,
        }),
    )?;
    Ok(Ok(placed))
}

/// An enrolment and its offering, for a user who may act for its person;
/// others get 404, so that they do not learn of it.
pub fn enrolment_for(
    conn: &rusqlite::Connection,
    user: &Principal,
    id: i64,
) -> Result<(Enrolment, EnrolmentOffering), AppError> {
    let e = store::enrolment::enrolment(conn, id)?.ok_or(AppError::NotFound)?;
    if !rules::may_act_for(user, e.person_id, e.unit_id) {
        return Err(AppError::Hidden);
    }
    let o = store::enrolment::offering(conn, e.offering_id)?.ok_or(AppError::NotFound)?;
    Ok((e, o))
}

/// Cancels enrolment `id` for `user` (already cancelled changes nothing)
/// and promotes from the waitlist; the enrolment and the promoted ids.
pub fn cancel_enrolment(
    w: &Work,
    user: &Principal,
    id: i64,
) -> Result<(Enrolment, Vec<i64>), AppError> {
    let (e, o) = enrolment_for(w, user, id)?;
    if e.status == Status::Cancelled {
        return Ok((e, Vec::new()));
    }
    let promoted =
        cancel(w, &e, &o)?.map_err(|r| AppError::unprocessable("enrolment", Msg::new(r.key())))?;
    Ok((e, promoted))
}

/// Cancels an enrolment with its audit row; when it held a place, the first
/// on the waitlist is promoted in the same unit of work. Returns the
/// promoted enrolments.
pub fn cancel(
    w: &Work,
    e: &Enrolment,
    o: &EnrolmentOffering,
) -> rusqlite::Result<Result<Vec<i64>, CancelRefusal>> {
    if let Err(r) = rules::cancellation(e.status, o.starts_on, today(w)) {
        return Ok(Err(r));
    }
    store::enrolment::cancel_enrolment(w, e.id, w.now())?;
    let promoted = if e.status == Status::Enrolled && o.status != OfferingStatus::Cancelled {
        promote(w, o, Freed::By(e.id))?
    } else {
        Vec::new()
    };
    w.changed(
        "enrolment.cancel",
        "enrolment",
        e.id,
        json!({"status": e.status}),
        json!({"status": Status::Cancelled, "promoted": promoted}),
    )?;
    Ok(Ok(promoted))
}

/// Fills free places from the waitlist in order (`queued_at`, then id),
/// tells each promoted person and records an audit row for each, naming
/// what freed the place. Call it after anything that frees a place.
pub fn promote(w: &Work, o: &EnrolmentOffering, freed: Freed) -> rusqlite::Result<Vec<i64>> {
    let c = store::enrolment::counts(w, o.id)?;
    let n = rules::promotions(
        c.enrolled,
        o.capacity,
        usize::try_from(c.waitlisted).unwrap_or(0),
    );
    if n == 0 {
        return Ok(Vec::new());
    }
    let first = store::enrolment::waitlist_head(w, o.id, n, today(w))?;
    let (member, value) = freed.member();
    for (id, person_id, email) in &first {
        store::enrolment::promote(w, *id, w.now())?;
        notices::promoted(w, o, *id, *person_id, email, w.now())?;
        let mut after = serde_json::Map::new();
        after.insert("status".into(), json!(Status::Enrolled));
        after.insert(member.into(), value.into());
        w.changed(
            "enrolment.promote",
            "enrolment",
            *id,
            json!({"status": Status::Waitlisted}),
            Value::from(after),
        )?;
    }
    Ok(first.into_iter().map(|(id, _, _)| id).collect())
}

/// Fills the places a raised capacity freed from the waitlist; returns the
/// promoted enrolments. The offering edit calls it after changing the
/// capacity.
pub fn fill_freed_places(w: &Work, offering_id: i64) -> rusqlite::Result<Vec<i64>> {
    let Some(o) = store::enrolment::offering(w, offering_id)? else {
        return Ok(Vec::new());
    };
    if o.status == OfferingStatus::Cancelled {
        return Ok(Vec::new());
    }
    promote(w, &o, Freed::Capacity(o.capacity))
}

/// [`fill_freed_places`] in a transaction the caller holds, by `actor` at
/// `now`: for code that changed a capacity itself.
pub fn on_capacity_changed(
    tx: &Transaction<'_>,
    offering_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<i64>> {
    fill_freed_places(&Work::new(tx, actor.clone(), now), offering_id)
}

/// What a coordinator's change to an enrolment's completion starts from,
/// for its audit row.
fn completion_state(e: &Enrolment) -> Value {
    json!({
        "attended": e.attended, "completed_on": e.completed_on,
        "licence_completion_id": e.licence_completion_id,
    })
}

/// Marks attendance (`None` clears the mark); returns the offering.
pub fn set_attendance(
    w: &Work,
    user: &Principal,
    id: i64,
    attended: Option<bool>,
) -> Result<i64, AppError> {
    let (e, o) = enrolment_for(w, user, id)?;
    rules::attendance(&e, &o, today(w))
        .map_err(|r| AppError::unprocessable("attended", Msg::new(r.key())))?;
    store::enrolment::set_attended(w, e.id, attended)?;
    w.changed(
        "enrolment.attendance",
        "enrolment",
        e.id,
        completion_state(&e),
        json!({"attended": attended}),
    )?;
    Ok(o.id)
}

/// Marks every enrolled participant of offering `offering_id` whose
/// attendance is not marked yet as present (a mark of absence stays), one
/// audit row each; returns how many were marked.
pub fn mark_all_present(w: &Work, user: &Principal, offering_id: i64) -> Result<usize, AppError> {
    if !user.has_any(rules::COORDINATORS) {
        return Err(AppError::Forbidden);
    }
    let o = store::enrolment::offering(w, offering_id)?.ok_or(AppError::NotFound)?;
    if today(w) < o.starts_on {
        return Err(AppError::unprocessable(
            "attended",
            Msg::new(rules::CompletionRefusal::AttendanceNotStarted.key()),
        ));
    }
    let unmarked: Vec<i64> = store::enrolment::participants(w, offering_id)?
        .into_iter()
        .filter(|e| e.status == rules::Status::Enrolled && e.attended.is_none())
        .map(|e| e.id)
        .collect();
    for id in &unmarked {
        set_attendance(w, user, *id, Some(true))?;
    }
    Ok(unmarked.len())
}

/// Marks enrolment `id` completed on `on` (the offering's last day when
/// `None`) for `user`; returns the offering. A participant marked absent
/// completes only with `absent_reason`, kept in the audit row.
pub fn complete(
    w: &Work,
    user: &Principal,
    id: i64,
    on: Option<NaiveDate>,
    absent_reason: Option<&str>,
) -> Result<i64, AppError> {
    let absent_reason = crate::check::optional_reason(absent_reason)
        .map_err(|m| AppError::unprocessable("absent_reason", m))?;
    let (e, o) = enrolment_for(w, user, id)?;
    record_completion(w, &e, &o, on, absent_reason.as_deref())?.map_err(|r| {
        let field = match r {
            CompletionRefusal::Absent => "absent_reason",
            _ => "completed_on",
        };
        AppError::unprocessable(field, Msg::new(r.key()))
    })?;
    Ok(o.id)
}

/// Marks `e` completed on `on`, with its audit row. When the course grants
/// a licence, the licence completion is recorded in the same unit of work
/// and linked, and its own history names the offering. Returns its id, if
/// any; a refusal is a value. `absent_reason` overrides a mark of absence
/// and is kept in the audit row.
pub fn record_completion(
    w: &Work,
    e: &Enrolment,
    o: &EnrolmentOffering,
    on: Option<NaiveDate>,
    absent_reason: Option<&str>,
) -> rusqlite::Result<Result<Option<i64>, CompletionRefusal>> {
    let on = match rules::completion(e, o, on, today(w), absent_reason.is_some()) {
        Ok(on) => on,
        Err(r) => return Ok(Err(r)),
    };
    let licence = match o.grants {
        Some((licence_type_id, part)) => {
            let id = licences::record_offering_completion(
                w,
                &licences::NewCompletion {
                    person_id: e.person_id,
                    licence_type_id,
                    part,
                    completed_on: on,
                    signed_by: None,
                    note: Some(format!("{} {}", o.code, o.starts_on)),
                    source: "offering",
                    import_batch_id: None,
                },
                o.id,
                w.actor().account_id,
                w.now(),
            )?;
            w.created(
                "licence.complete",
                "licence_completion",
                id,
                json!({
                    "person_id": e.person_id, "completed_on": on.to_string(),
                    "source": "offering", "offering_id": o.id, "enrolment_id": e.id,
                }),
            )?;
            Some(id)
        }
        None => None,
    };
    store::enrolment::set_completed(w, e.id, on, licence)?;
    w.changed(
        "enrolment.complete",
        "enrolment",
        e.id,
        completion_state(e),
        json!({
            "completed_on": on.to_string(), "licence_completion_id": licence,
            "absent_override": absent_reason,
        }),
    )?;
    Ok(Ok(licence))
}

/// Undoes enrolment `id`'s completion for `user`: it is no longer
/// completed, and the licence completion it recorded is revoked with the
/// reason (never deleted). Returns the offering.
pub fn undo_completion(w: &Work, user: &Principal, id: i64, reason: &str) -> Result<i64, AppError> {
    let reason = crate::check::reason(reason).map_err(|m| AppError::unprocessable("reason", m))?;
    let (e, o) = enrolment_for(w, user, id)?;
    if e.completed_on.is_none() {
        return Err(AppError::unprocessable(
            "reason",
            Msg::new(CompletionRefusal::NotCompleted.key()),
        ));
    }
    if let Some(cid) = e.licence_completion_id {
        // Already revoked elsewhere (on the person's licence page) is fine:
        // the enrolment still stops counting as completed.
        let _ = licences::revoke_completion(w, cid, &reason, w.actor().account_id, w.now())?;
        w.record(Entry {
            action: "licence.revoke",
            entity: "licence_completion",
            entity_id: Some(cid.to_string()),
            before: None,
            after: Some(json!({"reason": reason, "enrolment_id": e.id})),
        })?;
    }
    store::enrolment::clear_completion(w, e.id)?;
    w.changed(
        "enrolment.undo_completion",
        "enrolment",
        e.id,
        completion_state(&e),
        json!({"completed_on": null, "revoked": e.licence_completion_id, "reason": reason}),
    )?;
    Ok(o.id)
}

// ---- Calendar links ----

/// Which subscription link to make, as asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedRequest {
    /// The sessions of the offerings the user holds a place on.
    Mine,
    /// The sessions the user (a lecturer) is confirmed for.
    Lecturing,
    /// One offering's sessions.
    Offering(i64),
}

/// Makes a subscription link for `user`; returns the token (shown once:
/// only its hash is kept).
pub fn create_feed(w: &Work, user: &Principal, asked: FeedRequest) -> Result<String, AppError> {
    let feed = match asked {
        FeedRequest::Mine => match user.person_id {
            Some(p) => Feed::Person(p),
            None => {
                return Err(AppError::unprocessable("kind", msg!("enrolment.no_person")));
            }
        },
        FeedRequest::Lecturing if user.has(Role::Lecturer) => Feed::Lecturer(user.account_id),
        FeedRequest::Lecturing => return Err(AppError::Forbidden),
        FeedRequest::Offering(o) => {
            if store::get_offering(w, o)?.is_none() {
                return Err(AppError::unprocessable(
                    "offering",
                    msg!("calendar.error_no_offering"),
                ));
            }
            Feed::Offering(o)
        }
    };
    let (id, token) = store::calendar::create_feed(w, feed, user.account_id, w.now())?;
    w.created("calendar_feed.create", "calendar_feed", id, feed)?;
    Ok(token)
}

/// Revokes a link `account_id` made: it stops working. 404 when there is
/// none of theirs to revoke.
pub fn revoke_feed(w: &Work, account_id: i64, id: i64) -> Result<(), AppError> {
    if !store::calendar::revoke_feed(w, id, account_id, w.now())? {
        return Err(AppError::NotFound);
    }
    w.record(Entry {
        action: "calendar_feed.revoke",
        entity: "calendar_feed",
        entity_id: Some(id.to_string()),
        before: None,
        after: None,
    })?;
    Ok(())
}
