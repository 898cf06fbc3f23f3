//! The licences' changes, one function each: the checks against what is
//! stored (through the model's rules), the SQL (through the store) and the
//! audit row, in the unit of work the caller opened. The pages, the API, the
//! command line and the reminder job call these.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde_json::json;

use super::import::Plan;
use super::model::{
    self, CompletionInput, LicenceType, Problem, RequirementScope, RevokeRefused, UndoRefused,
};
use super::reminders::{self, DigestLine, Queued, Stage};
use super::store::{self, NewCompletion};
use crate::auth::model::{Principal, Role};
use crate::auth::store as auth_store;
use crate::clock::stamp;
use crate::db::{Entry, Work};
use crate::mail::store::{self as outbox, Kind, NewMessage, recipient_lang};

use crate::msg;
use crate::organisation::model::Profession;
use crate::organisation::store as org;
use crate::web::AppError;

/// Person `person_id`, when `user` may record completions for them (and
/// reminders): not found for one they do not see, forbidden for one they
/// see but may not record for.
fn recorded_for(w: &Work<'_>, user: &Principal, person_id: i64) -> Result<org::Person, AppError> {
    let person = org::person(w, person_id)?.ok_or(AppError::NotFound)?;
    allowed(
        user,
        person.id,
        person.unit_id,
        model::may_record(user, person.unit_id),
    )?;
    Ok(person)
}

/// 404 for a person the user may not see (so that they do not leak), 403
/// for one they see but `may` not change.
fn allowed(user: &Principal, person_id: i64, unit_id: i64, may: bool) -> Result<(), AppError> {
    if !user.may_see_person(person_id, unit_id) {
        return Err(AppError::Hidden);
    }
    if !may {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

// ---- Completions ----

/// Records a completion typed on person `person_id`'s licence page, under
/// the same rules the preview shows ([`model::check_completion`]), with one
/// `licence.complete` audit row. The broken rules come back as problems.
pub fn record_completion(
    w: &Work<'_>,
    user: &Principal,
    person_id: i64,
    input: &CompletionInput,
    today: NaiveDate,
) -> Result<Result<i64, Vec<Problem>>, AppError> {
    recorded_for(w, user, person_id)?;
    let types = store::licence_types(w)?;
    let checked = match model::check_completion(input, &types, today) {
        Ok(c) => c,
        Err(problems) => return Ok(Err(problems)),
    };
    let c = NewCompletion {
        person_id,
        licence_type_id: checked.licence.id,
        part: checked.part,
        completed_on: checked.on,
        signed_by: checked.signed_by,
        note: checked.note,
        source: "manual",
        import_batch_id: None,
    };
    let id = store::record_completion(w, &c, Some(user.account_id), w.now())?;
    w.created("licence.complete", "licence_completion", id, &c)?;
    Ok(Ok(id))
}

/// Revokes completion `id` with a reason, keeping the kept reason; the
/// refusals of [`model::check_revocation`].
fn revoke_checked(
    conn: &Connection,
    completion_id: i64,
    reason: &str,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<Result<String, RevokeRefused>> {
    let state = store::revocation_state(conn, completion_id)?;
    let reason = match model::check_revocation(state, reason) {
        Ok(r) => r,
        Err(refused) => return Ok(Err(refused)),
    };
    store::insert_revocation(conn, completion_id, &reason, by, now)?;
    Ok(Ok(reason))
}

/// Revokes a completion with a reason, unless it is unknown or already
/// revoked, inside a change the caller audits (undoing a course completion
/// revokes the licence completion it recorded).
pub fn revoke_completion(
    conn: &Connection,
    completion_id: i64,
    reason: &str,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<Result<(), RevokeRefused>> {
    Ok(revoke_checked(conn, completion_id, reason, by, now)?.map(|_| ()))
}

/// Revokes completion `id` on its person's page, with one `licence.revoke`
/// audit row. Returns the person. A missing or repeated reason is 422.
pub fn revoke(
    w: &Work<'_>,
    user: &Principal,
    completion_id: i64,
    reason: &str,
) -> Result<i64, AppError> {
    let (person_id, unit_id) =
        store::completion_person(w, completion_id)?.ok_or(AppError::NotFound)?;
    allowed(user, person_id, unit_id, model::may_record(user, unit_id))?;
    let reason = revoke_checked(w, completion_id, reason, Some(user.account_id), w.now())?
        .map_err(|r| AppError::unprocessable("reason", r.message()))?;
    w.created(
        "licence.revoke",
        "licence_completion",
        completion_id,
        json!({"reason": reason}),
    )?;
    Ok(person_id)
}

// ---- Licence types and requirements ----

/// Creates a licence type (`id` is `None`) or changes type `id`, whose rules
/// then apply to every completion. A taken code is `AppError::Duplicate`.
pub fn save_licence_type(w: &Work<'_>, id: Option<i64>, t: &LicenceType) -> Result<i64, AppError> {
    match id {
        Some(id) => {
            let before = store::licence_type(w, id)?.ok_or(AppError::NotFound)?;
            store::update_licence_type(w, t).map_err(AppError::conflict_on_unique)?;
            w.changed("licence_type.update", "licence_type", id, before, t)?;
            Ok(id)
        }
        None => {
            let id = store::create_licence_type(w, t).map_err(AppError::conflict_on_unique)?;
            w.created("licence_type.create", "licence_type", id, t)?;
            Ok(id)
        }
    }
}

/// Requires `profession` in `scope` to hold licence type `licence_type_id`.
pub fn add_requirement(
    w: &Work<'_>,
    licence_type_id: i64,
    profession: Profession,
    scope: RequirementScope,
) -> Result<i64, AppError> {
    store::licence_type(w, licence_type_id)?.ok_or(AppError::NotFound)?;
    if !store::scope_exists(w, scope)? {
        return Err(AppError::unprocessable(
            "scope",
            msg!("licence.error_scope_missing"),
        ));
    }
    let id = store::create_requirement(w, licence_type_id, profession, scope)?;
    w.created(
        "licence_requirement.create",
        "licence_requirement",
        id,
        json!({"licence_type_id": licence_type_id, "profession": profession, "scope": scope}),
    )?;
    Ok(id)
}

/// Ends requirement `id` (kept for the record).
pub fn remove_requirement(w: &Work<'_>, id: i64) -> Result<(), AppError> {
    if store::deactivate_requirement(w, id)? == 0 {
        return Err(AppError::NotFound);
    }
    w.record(Entry {
        action: "licence_requirement.deactivate",
        entity: "licence_requirement",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({"active": false})),
    })?;
    Ok(())
}

// ---- The completion import ----

/// A file name as stored: the last path segment, at most 200 characters.
fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let short: String = last.chars().take(200).collect();
    if short.is_empty() {
        "upload.csv".into()
    } else {
        short
    }
}

/// Records a checked plan as one batch named after `file_name`, with one
/// `import.completions` audit row for the batch (the completions carry the
/// batch id). Returns the batch id, also set on the plan.
pub fn apply_import(w: &Work<'_>, plan: &mut Plan, file_name: &str) -> rusqlite::Result<i64> {
    let file_name = clean_file_name(file_name);
    let by = w.actor().account_id;
    let batch_id = store::import::create_batch(
        w,
        model::IMPORT_KIND,
        &file_name,
        plan.rows,
        plan.to_add(),
        by,
        w.now(),
    )?;
    // In index order: a large batch then touches each index page once,
    // instead of dirtying pages all over the index again and again.
    let mut ordered: Vec<&NewCompletion> = plan.adds().iter().collect();
    ordered.sort_by_key(|c| {
        (
            c.person_id,
            c.licence_type_id,
            c.completed_on,
            c.part.as_str(),
        )
    });
    for c in ordered {
        let c = NewCompletion {
            import_batch_id: Some(batch_id),
            ..c.clone()
        };
        store::record_completion(w, &c, by, w.now())?;
    }
    w.created(
        "import.completions",
        "import_batch",
        batch_id,
        json!({
            "file_name": file_name,
            "rows": plan.rows,
            "added": plan.to_add(),
            "already_recorded": plan.already_recorded,
            "per_licence": plan.per_licence,
        }),
    )?;
    plan.batch_id = Some(batch_id);
    Ok(batch_id)
}

/// Undoes a completion import: revokes, with `reason`, every completion of
/// the batch not revoked yet, and marks the batch undone, with one
/// `import.undo` audit row. Returns how many completions it revoked, or why
/// not ([`model::check_undo`]). Completions are never deleted, so the batch
/// stays in the history as undone.
pub fn undo_import(
    w: &Work<'_>,
    batch_id: i64,
    reason: &str,
) -> rusqlite::Result<Result<usize, UndoRefused>> {
    let batch = store::import::batch(w, batch_id)?;
    let checked = model::check_undo(
        batch.as_ref().map(|b| {
            (
                b.kind.as_str(),
                b.undone.as_ref().map(|(at, _)| at.as_str()),
            )
        }),
        reason,
    );
    let reason = match checked {
        Ok(r) => r,
        Err(refused) => return Ok(Err(refused)),
    };
    let revoked = store::import::undo_batch(w, batch_id, &reason, w.actor().account_id, w.now())?;
    w.changed(
        "import.undo",
        "import_batch",
        batch_id,
        json!({"undone": false}),
        json!({"undone": true, "revoked": revoked, "reason": reason}),
    )?;
    Ok(Ok(revoked))
}

// ---- Verification links ----

/// Who may see and share the links of a person in `unit_id`: 404 for a
/// person the user may not see, 403 for one they see but may not share.
pub fn link_access(user: &Principal, person_id: i64, unit_id: i64) -> Result<(), AppError> {
    allowed(
        user,
        person_id,
        unit_id,
        model::may_link(user, person_id, unit_id),
    )
}

/// Makes a verification link for a person's licence; returns the token,
/// which is shown this once and never stored.
pub fn create_link(
    w: &Work<'_>,
    user: &Principal,
    person_id: i64,
    licence_type_id: i64,
) -> Result<String, AppError> {
    let person = org::person(w, person_id)?.ok_or(AppError::NotFound)?;
    store::licence_type(w, licence_type_id)?.ok_or(AppError::NotFound)?;
    link_access(user, person.id, person.unit_id)?;
    let (id, token) = store::verify::create_link(
        w,
        person_id,
        licence_type_id,
        Some(user.account_id),
        w.now(),
    )?;
    w.created(
        "licence_verification.create",
        "licence_verification",
        id,
        json!({"person_id": person_id, "licence_type_id": licence_type_id}),
    )?;
    Ok(token)
}

/// Revokes verification link `id` at once; revoking twice changes nothing.
/// Returns whose link it is.
pub fn revoke_link(
    w: &Work<'_>,
    user: &Principal,
    id: i64,
) -> Result<store::verify::LinkOwner, AppError> {
    let owner = store::verify::link_owner(w, id)?.ok_or(AppError::NotFound)?;
    link_access(user, owner.person_id, owner.unit_id)?;
    if store::verify::revoke_link(w, id, Some(user.account_id), w.now())? {
        w.changed(
            "licence_verification.revoke",
            "licence_verification",
            id,
            json!({"revoked_at": null}),
            json!({"revoked_at": stamp(w.now())}),
        )?;
    }
    Ok(owner)
}

// ---- A reminder to one person ----

/// Sends person `person_id` a reminder about licence type `licence_type_id`
/// as it stands on `today`, from `user` (who may record for the person's
/// unit), in the person's language; at most one a day per person and type.
/// Returns whether one was queued (false: already sent today).
pub fn remind(
    w: &Work<'_>,
    user: &Principal,
    person_id: i64,
    licence_type_id: i64,
    today: NaiveDate,
    public_url: Option<&str>,
) -> Result<bool, AppError> {
    let person = recorded_for(w, user, person_id)?;
    let t = store::licence_type(w, licence_type_id)?.ok_or(AppError::NotFound)?;
    let standing = store::person_licences(w, person_id, today)?
        .into_iter()
        .find(|l| l.licence.id == licence_type_id)
        .map(|l| l.standing)
        .ok_or_else(|| AppError::unprocessable("licence", msg!("licence.error_not_required")))?;
    let lang = recipient_lang(w, None, Some(person_id))?;
    let (subject, body) = reminders::compose_manual_reminder(
        lang,
        &person.name,
        &user.name,
        &t,
        &standing,
        public_url,
    );
    let message = NewMessage {
        kind: Kind::ManagerReminder,
        dedupe_key: format!("remind:{person_id}:{licence_type_id}:{today}"),
        recipient_person_id: Some(person_id),
        recipient_account_id: None,
        to_email: person.email.clone(),
        subject,
        body,
    };
    let queued = outbox::queue(w, &message, w.now())?;
    if queued {
        w.record(Entry {
            action: "licence.remind",
            entity: "person",
            entity_id: Some(person_id.to_string()),
            before: None,
            after: Some(json!({"licence_type_id": licence_type_id, "status": standing.status})),
        })?;
    }
    Ok(queued)
}

// ---- Reminders ----

/// Queues the reminders and digests due on `as_of`, each written in its
/// recipient's language, and, when it queued anything, one `reminders.run`
/// audit row with the counts (the job runs several times a day; a run that
/// queues nothing leaves the log alone).
pub fn queue_reminders(
    w: &Work<'_>,
    as_of: NaiveDate,
    public_url: Option<&str>,
) -> rusqlite::Result<Queued> {
    let now = w.now();
    let mut queued = Queued::default();
    let units = store::reminders::unit_labels(w)?;
    let mut attention: Vec<DigestLine> = Vec::new();
    // Who is due is read from the kept transitions, brought up to date first:
    // only the people whose licence is not valid or runs out soon are read.
    super::counts::refresh(w, as_of)?;
    for t in store::licence_types(w)?.into_iter().filter(|t| t.active) {
        for p in super::counts::needing_attention(w, &t, as_of)? {
            let s = p.standing;
            attention.push(DigestLine {
                person_id: p.person_id,
                name: p.name.clone(),
                unit_id: p.unit_id,
                unit: units.get(&p.unit_id).cloned().unwrap_or_default(),
                licence: t.code.clone(),
                valid_until: s.valid_until,
                status: s.status,
            });
            let Some(valid_until) = s.valid_until else {
                continue;
            };
            let Some(stage) = reminders::due(&t, &s, as_of) else {
                continue;
            };
            let prefix = reminders::cycle_prefix(p.person_id, t.id, valid_until);
            if !reminders::should_queue(stage, &existing_stages(w, &prefix)?) {
                continue;
            }
            let lang = recipient_lang(w, None, Some(p.person_id))?;
            let (subject, body) =
                reminders::compose_reminder(lang, stage, &p.name, &t, valid_until, public_url);
            let message = NewMessage {
                kind: match stage {
                    Stage::Warning(_) => Kind::LicenceWarning,
                    Stage::Expired => Kind::LicenceExpired,
                },
                dedupe_key: format!("{prefix}{}", stage.key_suffix()),
                recipient_person_id: Some(p.person_id),
                recipient_account_id: None,
                to_email: store::reminders::person_email(w, p.person_id)?,
                subject,
                body,
            };
            if outbox::queue(w, &message, now)? {
                match stage {
                    Stage::Warning(_) => queued.warnings += 1,
                    Stage::Expired => queued.expired += 1,
                }
            }
        }
    }
    reminders::sort_digest(&mut attention);
    for manager in store::reminders::managers(w)? {
        let key = reminders::digest_key(manager.account_id, as_of);
        // Cheap check first: most runs of a week find the digest already there.
        if outbox::exists(w, &key)? {
            continue;
        }
        let scope = managed_units(w, manager.account_id)?;
        let lines: Vec<DigestLine> = attention
            .iter()
            .filter(|l| scope.contains(&l.unit_id))
            .cloned()
            .collect();
        if lines.is_empty() {
            continue;
        }
        let lang = recipient_lang(w, Some(manager.account_id), None)?;
        let (subject, body) =
            reminders::compose_digest(lang, &manager.name, as_of, &lines, public_url);
        let message = NewMessage {
            kind: Kind::ManagerDigest,
            dedupe_key: key,
            recipient_person_id: None,
            recipient_account_id: Some(manager.account_id),
            to_email: manager.email,
            subject,
            body,
        };
        if outbox::queue(w, &message, now)? {
            queued.digests += 1;
        }
    }
    if queued.total() > 0 {
        w.record(Entry {
            action: "reminders.run",
            entity: "outbox",
            entity_id: None,
            before: None,
            after: Some(json!({
                "as_of": as_of.to_string(),
                "warnings": queued.warnings,
                "expired": queued.expired,
                "digests": queued.digests,
            })),
        })?;
    }
    Ok(queued)
}

/// The stages a licence cycle already has in the outbox.
fn existing_stages(conn: &Connection, prefix: &str) -> rusqlite::Result<Vec<Stage>> {
    Ok(outbox::keys_with_prefix(conn, prefix)?
        .iter()
        .filter_map(|k| k.strip_prefix(prefix).and_then(Stage::parse_suffix))
        .collect())
}

/// Every unit an account's manager roles cover.
fn managed_units(
    conn: &Connection,
    account_id: i64,
) -> rusqlite::Result<std::collections::BTreeSet<i64>> {
    let mut units = std::collections::BTreeSet::new();
    for (_, g) in auth_store::grants(conn, account_id)? {
        if let (Role::Manager, Some(scope)) = (g.role, g.scope) {
            units.extend(auth_store::units_in_scope(conn, scope)?);
        }
    }
    Ok(units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_only_the_last_segment() {
        assert_eq!(clean_file_name("C:\\Export\\portal.csv"), "portal.csv");
        assert_eq!(clean_file_name("/tmp/x/y.csv"), "y.csv");
        assert_eq!(clean_file_name("  "), "upload.csv");
    }
}
