//! Every change to a council's work, each on a unit of work with its audit
//! rows, and the checks that go with it (who may, and whether the minutes
//! are still open).

use chrono::NaiveDate;
use serde_json::json;

use super::model::{self, Access, ActionStatus, Refusal};
use super::store::{self, Attended, ItemText, MeetingTimes, NewAction, NewMember};
use crate::auth::model::Principal;
use crate::db::Work;
use crate::i18n::Msg;
use crate::mail::store::{Kind, NewMessage};
use crate::web::AppError;

/// What `user` may do with council `council_id` (which must exist).
pub fn access(
    conn: &rusqlite::Connection,
    user: &Principal,
    council_id: i64,
) -> Result<Access, AppError> {
    store::council(conn, council_id)?.ok_or(AppError::NotFound)?;
    let function = store::function_of(conn, council_id, user.person_id, user.account_id)?;
    Ok(Access::of(user.is_admin(), function))
}

/// Checks that `user` may see the council (404 otherwise, logged).
pub fn must_see(
    conn: &rusqlite::Connection,
    user: &Principal,
    council_id: i64,
) -> Result<Access, AppError> {
    let a = access(conn, user, council_id)?;
    if a.sees() {
        Ok(a)
    } else {
        Err(AppError::Hidden)
    }
}

/// Checks that `user` may edit the council's work: its secretary or an
/// administrator (members get 403, others 404).
pub fn must_edit(
    conn: &rusqlite::Connection,
    user: &Principal,
    council_id: i64,
) -> Result<(), AppError> {
    if must_see(conn, user, council_id)?.edits() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn refused(field: &str, r: Refusal) -> AppError {
    AppError::unprocessable(field, Msg::new(r.key()))
}

/// The meeting, when `user` may edit it now (its minutes not approved, not
/// cancelled).
fn open_meeting(w: &Work, user: &Principal, meeting_id: i64) -> Result<store::Meeting, AppError> {
    let m = store::meeting(w, meeting_id)?.ok_or(AppError::NotFound)?;
    must_edit(w, user, m.council_id)?;
    model::may_edit(m.state()).map_err(|r| refused("meeting", r))?;
    Ok(m)
}

/// Creates a council (`id` None) or renames it and sets its regions. A new
/// council's creator who is a person of the register becomes its
/// secretary.
pub fn save_council(
    w: &Work,
    user: &Principal,
    id: Option<i64>,
    name: &str,
    short_name: &str,
    regions: &[i64],
) -> Result<i64, AppError> {
    let after = json!({"name": name, "short_name": short_name, "regions": regions});
    match id {
        Some(id) => {
            must_edit(w, user, id)?;
            let before = store::council(w, id)?.ok_or(AppError::NotFound)?;
            store::update_council(w, id, name, short_name).map_err(AppError::conflict_on_unique)?;
            store::set_regions(w, id, regions)?;
            w.changed("council.update", "council", id, before, after)?;
            Ok(id)
        }
        None => {
            if !user.is_admin() && !user.has(crate::auth::model::Role::CouncilSecretary) {
                return Err(AppError::Forbidden);
            }
            let id = store::create_council(w, name, short_name, w.now())
                .map_err(AppError::conflict_on_unique)?;
            store::set_regions(w, id, regions)?;
            w.created("council.create", "council", id, after)?;
            if !user.is_admin() {
                let me = NewMember {
                    person_id: user.person_id,
                    account_id: user.person_id.is_none().then_some(user.account_id),
                    function: model::Function::Secretary,
                    region_id: None,
                    administration_id: None,
                };
                let member = store::add_member(w, id, &me, w.now())?;
                w.created("council.member_add", "council_member", member, &me)?;
            }
            Ok(id)
        }
    }
}

/// Adds a member (a person or an account not already a current member).
pub fn add_member(
    w: &Work,
    user: &Principal,
    council_id: i64,
    m: &NewMember,
) -> Result<i64, AppError> {
    must_edit(w, user, council_id)?;
    let id = store::add_member(w, council_id, m, w.now()).map_err(AppError::conflict_on_unique)?;
    w.created("council.member_add", "council_member", id, m)?;
    Ok(id)
}

/// Makes a subscription link to the council's meetings for a user who sees
/// them; returns the token, shown once.
pub fn create_feed(w: &Work, user: &Principal, council_id: i64) -> Result<String, AppError> {
    must_see(w, user, council_id)?;
    let (id, token) = store::create_feed(w, council_id, user.account_id, w.now())?;
    w.created(
        "calendar_feed.create",
        "calendar_feed",
        id,
        json!({ "kind": "council", "id": council_id }),
    )?;
    Ok(token)
}

/// A member leaves the council (their row stays for old minutes).
pub fn remove_member(w: &Work, user: &Principal, member_id: i64) -> Result<i64, AppError> {
    let m = store::member(w, member_id)?.ok_or(AppError::NotFound)?;
    must_edit(w, user, m.council_id)?;
    store::member_leaves(w, member_id, w.now())?;
    w.changed(
        "council.member_remove",
        "council_member",
        member_id,
        &m,
        json!({"left": true}),
    )?;
    Ok(m.council_id)
}

/// Plans a meeting (`id` None) or moves one. A new meeting takes the items
/// moved from the meeting before it.
pub fn save_meeting(
    w: &Work,
    user: &Principal,
    council_id: i64,
    id: Option<i64>,
    t: &MeetingTimes,
) -> Result<i64, AppError> {
    must_edit(w, user, council_id)?;
    let id = match id {
        Some(id) => {
            let before = store::meeting(w, id)?.ok_or(AppError::NotFound)?;
            if before.council_id != council_id {
                return Err(AppError::NotFound);
            }
            if before.cancelled_at.is_some() {
                return Err(refused("meeting", Refusal::Cancelled));
            }
            store::update_meeting(w, id, t)?;
            w.changed("meeting.update", "meeting", id, &before, t)?;
            id
        }
        None => {
            let id = store::create_meeting(w, council_id, t, w.now())?;
            w.created("meeting.create", "meeting", id, t)?;
            id
        }
    };
    place_carried_items(w, council_id)?;
    Ok(id)
}

/// Cancels a meeting; its items move on to the next meeting.
pub fn cancel_meeting(w: &Work, user: &Principal, meeting_id: i64) -> Result<(), AppError> {
    let m = open_meeting(w, user, meeting_id)?;
    store::cancel_meeting(w, meeting_id, w.now())?;
    store::carry_over_all(w, meeting_id)?;
    w.changed(
        "meeting.cancel",
        "meeting",
        meeting_id,
        &m,
        json!({"cancelled": true}),
    )?;
    place_carried_items(w, m.council_id)?;
    Ok(())
}

/// Gives every item marked to be moved, that nothing continues yet, its
/// continuation at the end of the next meeting's agenda: once, as the
/// continuation is unique per item. Items wait while no next meeting is
/// planned.
fn place_carried_items(w: &Work, council_id: i64) -> Result<(), AppError> {
    let slots = store::slots(w, council_id)?;
    for (item_id, meeting_id) in store::waiting_carry_overs(w, council_id)? {
        let Some(next) = model::next_meeting(&slots, meeting_id) else {
            continue;
        };
        let Some(from) = store::item(w, item_id)? else {
            continue;
        };
        let text = ItemText {
            title: from.title.clone(),
            presenter: from.presenter.clone(),
            responsible: from.responsible.clone(),
            links: from.links.clone(),
            notes: String::new(),
            decision: String::new(),
        };
        let id = store::add_item(w, next.id, &text, Some(item_id), w.now())?;
        w.created(
            "agenda_item.carried",
            "agenda_item",
            id,
            json!({"meeting_id": next.id, "carried_from": item_id, "title": from.title}),
        )?;
    }
    Ok(())
}

/// Adds an item to a meeting's agenda.
pub fn add_item(
    w: &Work,
    user: &Principal,
    meeting_id: i64,
    t: &ItemText,
) -> Result<i64, AppError> {
    open_meeting(w, user, meeting_id)?;
    let id = store::add_item(w, meeting_id, t, None, w.now())?;
    w.created("agenda_item.create", "agenda_item", id, t)?;
    Ok(id)
}

/// Changes an item: its title, presenter, responsible, links, notes and
/// decision. Refused once the minutes are approved.
pub fn update_item(
    w: &Work,
    user: &Principal,
    item_id: i64,
    t: &ItemText,
) -> Result<i64, AppError> {
    let before = store::item(w, item_id)?.ok_or(AppError::NotFound)?;
    open_meeting(w, user, before.meeting_id)?;
    store::update_item(w, item_id, t)?;
    w.changed("agenda_item.update", "agenda_item", item_id, &before, t)?;
    Ok(before.meeting_id)
}

/// Moves an item one place up or down the agenda.
pub fn move_item(w: &Work, user: &Principal, item_id: i64, up: bool) -> Result<i64, AppError> {
    let it = store::item(w, item_id)?.ok_or(AppError::NotFound)?;
    open_meeting(w, user, it.meeting_id)?;
    if store::move_item(w, item_id, up)? {
        w.changed(
            "agenda_item.move",
            "agenda_item",
            item_id,
            json!({"position": it.position}),
            json!({"up": up}),
        )?;
    }
    Ok(it.meeting_id)
}

/// Moves an item to the next meeting ("flyttas över"): it stays in this
/// meeting's minutes, marked so, and is continued on the next agenda
/// (now, or when the next meeting is planned).
pub fn carry_over(w: &Work, user: &Principal, item_id: i64) -> Result<i64, AppError> {
    let it = store::item(w, item_id)?.ok_or(AppError::NotFound)?;
    let m = open_meeting(w, user, it.meeting_id)?;
    if !it.carry_over {
        store::set_carry_over(w, item_id)?;
        w.changed(
            "agenda_item.carry_over",
            "agenda_item",
            item_id,
            json!({"carry_over": false}),
            json!({"carry_over": true}),
        )?;
        place_carried_items(w, m.council_id)?;
    }
    Ok(it.meeting_id)
}

/// Records a meeting's attendance (every row replaced). An adjunct's item
/// must be one of this meeting's; members must be the council's.
pub fn record_attendance(
    w: &Work,
    user: &Principal,
    meeting_id: i64,
    rows: &[Attended],
) -> Result<(), AppError> {
    let m = open_meeting(w, user, meeting_id)?;
    let members = store::members(w, m.council_id)?;
    let items = store::items(w, meeting_id)?;
    for a in rows {
        if !members.iter().any(|x| x.id == a.member_id) {
            return Err(AppError::unprocessable(
                "member",
                crate::msg!("councils.error_not_a_member"),
            ));
        }
        match (a.status, a.item_id) {
            (model::Attendance::Adjunct, Some(i)) if items.iter().any(|x| x.id == i) => {}
            (model::Attendance::Adjunct, _) => {
                return Err(AppError::unprocessable(
                    format!("item_{}", a.member_id),
                    crate::msg!("councils.error_adjunct_item"),
                ));
            }
            (_, _) => {}
        }
    }
    let before = store::attendance(w, meeting_id)?;
    store::set_attendance(w, meeting_id, rows)?;
    w.changed("meeting.attendance", "meeting", meeting_id, &before, rows)?;
    Ok(())
}

/// Approves the minutes of the meeting before `meeting_id` at that meeting
/// ("Godkänns och läggs till handlingarna"): they are frozen from then on.
pub fn approve_previous(w: &Work, user: &Principal, meeting_id: i64) -> Result<i64, AppError> {
    let m = store::meeting(w, meeting_id)?.ok_or(AppError::NotFound)?;
    must_edit(w, user, m.council_id)?;
    let slots = store::slots(w, m.council_id)?;
    let previous = match model::previous_meeting(&slots, meeting_id) {
        Some(p) => store::meeting(w, p.id)?,
        None => None,
    };
    model::may_approve(
        m.state(),
        m.starts_at,
        previous.as_ref().map(store::Meeting::state),
        w.now(),
    )
    .map_err(|r| refused("meeting", r))?;
    let previous = previous.ok_or_else(|| refused("meeting", Refusal::NothingToApprove))?;
    store::approve_minutes(w, previous.id, meeting_id, w.now())?;
    w.changed(
        "meeting.approve_minutes",
        "meeting",
        previous.id,
        json!({"approved": false}),
        json!({"approved_in": meeting_id}),
    )?;
    Ok(previous.id)
}

/// Appends a correction to approved minutes (an item's, or the whole
/// meeting's). Minutes not yet approved are edited instead.
pub fn add_correction(
    w: &Work,
    user: &Principal,
    meeting_id: i64,
    item_id: Option<i64>,
    text: &str,
) -> Result<i64, AppError> {
    let m = store::meeting(w, meeting_id)?.ok_or(AppError::NotFound)?;
    must_edit(w, user, m.council_id)?;
    if m.approved_at.is_none() {
        return Err(AppError::unprocessable(
            "text",
            crate::msg!("councils.error_not_frozen"),
        ));
    }
    if let Some(i) = item_id {
        let it = store::item(w, i)?.ok_or(AppError::NotFound)?;
        if it.meeting_id != meeting_id {
            return Err(AppError::NotFound);
        }
    }
    let id = store::add_correction(w, meeting_id, item_id, text, Some(user.account_id), w.now())?;
    w.created(
        "meeting.correction",
        "minutes_correction",
        id,
        json!({"meeting_id": meeting_id, "item_id": item_id, "text": text}),
    )?;
    Ok(id)
}

/// Records an action decided at a meeting (at one of its items).
pub fn add_action(
    w: &Work,
    user: &Principal,
    meeting_id: i64,
    a: &NewAction,
) -> Result<i64, AppError> {
    let m = open_meeting(w, user, meeting_id)?;
    if let Some(i) = a.item_id {
        let it = store::item(w, i)?.ok_or(AppError::NotFound)?;
        if it.meeting_id != meeting_id {
            return Err(AppError::NotFound);
        }
    }
    let id = store::create_action(w, m.council_id, meeting_id, a, w.now())?;
    w.created("council_action.create", "council_action", id, a)?;
    Ok(id)
}

/// Whether `user` may give `action` the status (any status the user could
/// set, when `None`): the council's secretary any, the responsible person
/// their own action's done or open. Members get 403, others 404.
pub fn may_set_status(
    conn: &rusqlite::Connection,
    user: &Principal,
    action: &store::Action,
    status: Option<ActionStatus>,
) -> Result<(), AppError> {
    let access = must_see(conn, user, action.council_id)?;
    let own = user.person_id.is_some() && user.person_id == action.responsible_person_id;
    let allowed = access.edits()
        || (own && status.is_none_or(|s| matches!(s, ActionStatus::Done | ActionStatus::Open)));
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Sets an action's status: the secretary any status (carried over at
/// meeting `at`, when followed up there), the responsible person their
/// own action's done or open.
pub fn set_action_status(
    w: &Work,
    user: &Principal,
    action_id: i64,
    status: ActionStatus,
    note: &str,
    at: Option<i64>,
) -> Result<store::Action, AppError> {
    let before = store::action(w, action_id)?.ok_or(AppError::NotFound)?;
    may_set_status(w, user, &before, Some(status))?;
    if let Some(at) = at {
        let m = store::meeting(w, at)?.ok_or(AppError::NotFound)?;
        if m.council_id != before.council_id {
            return Err(AppError::NotFound);
        }
    }
    store::set_action_status(w, action_id, status, note, at, w.now())?;
    w.changed(
        "council_action.status",
        "council_action",
        action_id,
        json!({"status": before.status.as_str()}),
        json!({"status": status.as_str(), "note": note, "at": at}),
    )?;
    Ok(before)
}

/// Queues a reminder to the responsible person of every action overdue on
/// `today` (once per action and due day), in the recipient's language.
/// Returns how many were queued.
pub fn queue_overdue_reminders(
    w: &Work,
    today: NaiveDate,
    public_url: Option<&str>,
) -> Result<usize, AppError> {
    let open = store::actions(w, store::Actions::AllOpen)?;
    let mut calendars = store::Calendars::default();
    let mut queued = 0;
    for a in open {
        let Some(email) = a.responsible_email.clone() else {
            continue;
        };
        let due = model::due(a.due_rule, calendars.of(w, a.council_id)?);
        if !model::overdue(a.status, due, today) {
            continue;
        }
        let Some(day) = due.day() else { continue };
        let link = format!(
            "{}/councils/{}",
            public_url.unwrap_or("").trim_end_matches('/'),
            a.council_id
        );
        let lang = crate::mail::store::recipient_lang(w, None, a.responsible_person_id)?;
        let meeting = crate::clock::stockholm_day(a.meeting_starts_at).to_string();
        let message = NewMessage {
            kind: Kind::CouncilActionOverdue,
            dedupe_key: format!("council_action_overdue:{}:{day}", a.id),
            recipient_person_id: a.responsible_person_id,
            recipient_account_id: None,
            to_email: email,
            subject: crate::msg!(
                "councils.mail_overdue_subject",
                council = a.council_name.as_str()
            )
            .render(lang),
            body: crate::msg!(
                "councils.mail_overdue_body",
                day = day.to_string(),
                action = a.text.as_str(),
                council = a.council_name.as_str(),
                meeting,
                link
            )
            .render(lang),
        };
        if crate::mail::store::queue(w, &message, w.now())? {
            queued += 1;
        }
    }
    Ok(queued)
}
