//! The organisation's changes, one function each: its checks against what
//! is stored, its SQL (through the store) and its audit row, in the unit of
//! work the caller opened. The pages, the imports and the command line call
//! these.
//!
//! A refusal the user can fix is `AppError::Unprocessable` naming the form
//! field (the pages show it beside that field), a taken unique value is
//! `AppError::Duplicate` (the page names the field, see
//! [`model::identifier_taken`]).

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::history;
use super::import::{Plan, PlanOps, StaffOp, UnitOp};
use super::model::{self, Assignment, EmploymentError};
use super::store::{self, NewPerson, UnitInput};
use crate::db::{Entry, Work};
use crate::msg;
use crate::web::AppError;

/// Creates a region (`id` is `None`) or renames and (de)activates region
/// `id`. A taken name is `AppError::Duplicate`.
pub fn save_region(w: &Work, id: Option<i64>, name: &str, active: bool) -> Result<i64, AppError> {
    let after = json!({"name": name, "active": active});
    match id {
        Some(id) => {
            let before = store::region(w, id)?.ok_or(AppError::NotFound)?;
            store::update_region(w, id, name, active).map_err(AppError::conflict_on_unique)?;
            w.changed("region.update", "region", id, before, after)?;
            Ok(id)
        }
        None => {
            let id = store::create_region(w, name).map_err(AppError::conflict_on_unique)?;
            w.created("region.create", "region", id, after)?;
            Ok(id)
        }
    }
}

/// Creates an administration in region `region_id` (`id` is `None`) or
/// changes administration `id`. A name the region already has is
/// `AppError::Duplicate`.
pub fn save_administration(
    w: &Work,
    id: Option<i64>,
    region_id: i64,
    name: &str,
    active: bool,
) -> Result<i64, AppError> {
    if store::region(w, region_id)?.is_none() {
        return Err(AppError::unprocessable(
            "region_id",
            msg!("org.error_choose_region"),
        ));
    }
    let after = json!({"region_id": region_id, "name": name, "active": active});
    match id {
        Some(id) => {
            let before = store::administration(w, id)?.ok_or(AppError::NotFound)?;
            store::update_administration(w, id, region_id, name, active)
                .map_err(AppError::conflict_on_unique)?;
            w.changed("administration.update", "administration", id, before, after)?;
            Ok(id)
        }
        None => {
            let id = store::create_administration(w, region_id, name)
                .map_err(AppError::conflict_on_unique)?;
            w.created("administration.create", "administration", id, after)?;
            Ok(id)
        }
    }
}

/// Creates a unit (`id` is `None`) or changes unit `id`; the audit row's
/// "before" counts the unit's staff on `today`. A taken code is
/// `AppError::Duplicate`.
pub fn save_unit(
    w: &Work,
    id: Option<i64>,
    input: &UnitInput,
    active: bool,
    today: NaiveDate,
) -> Result<i64, AppError> {
    if store::administration(w, input.administration_id)?.is_none() {
        return Err(AppError::unprocessable(
            "administration_id",
            msg!("org.error_choose_administration"),
        ));
    }
    let after = json!({"unit": input, "active": active});
    match id {
        Some(id) => {
            let before = store::unit(w, id, today)?.ok_or(AppError::NotFound)?;
            update_unit(w, id, input, active, today).map_err(AppError::conflict_on_unique)?;
            w.changed("unit.update", "unit", id, before, after)?;
            Ok(id)
        }
        None => {
            let id = store::create_unit(w, input).map_err(AppError::conflict_on_unique)?;
            w.created("unit.create", "unit", id, after)?;
            Ok(id)
        }
    }
}

/// Changes unit `id`; when its chemotherapy flag turns, the change is dated
/// `today`, so reports as of earlier days count the unit as it was.
fn update_unit(
    w: &Work,
    id: i64,
    input: &UnitInput,
    active: bool,
    today: NaiveDate,
) -> rusqlite::Result<()> {
    let was = store::chemo_history(w, id)?.now;
    store::update_unit(w, id, input, active)?;
    if was != input.gives_chemotherapy {
        store::record_chemo_change(w, id, today, input.gives_chemotherapy, w.now())?;
    }
    Ok(())
}

/// Adds a person and opens their history; `today` bounds the first day.
/// A taken HSA-id or e-mail is `AppError::Duplicate`.
pub fn create_person(w: &Work, p: &NewPerson, today: NaiveDate) -> Result<i64, AppError> {
    refuse("employed_from", model::check_started(p.from, today))?;
    let id = store::create_person(w, p, w.now()).map_err(AppError::conflict_on_unique)?;
    w.created("person.create", "person", id, p)?;
    Ok(id)
}

/// What identifies a person: changed without touching their history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// HSA-id.
    pub hsa_id: Option<String>,
}

/// Changes person `id`'s name, e-mail and HSA-id. A taken HSA-id or e-mail
/// is `AppError::Duplicate`.
pub fn update_person(w: &Work, id: i64, identity: &Identity) -> Result<(), AppError> {
    let before = store::person(w, id)?.ok_or(AppError::NotFound)?;
    store::update_person_details(
        w,
        id,
        &identity.name,
        &identity.email,
        identity.hsa_id.as_deref(),
    )
    .map_err(AppError::conflict_on_unique)?;
    w.changed("person.update", "person", id, before, identity)?;
    Ok(())
}

/// Moves person `id` to another unit or profession from `a.from`, keeping
/// the history; refused (on `effective_from`) when dated ahead of `today`,
/// before the current record, or when the person has left.
pub fn move_person(
    w: &Work,
    id: i64,
    a: &Assignment,
    today: NaiveDate,
) -> Result<model::HistoryStep, AppError> {
    let before = store::person(w, id)?.ok_or(AppError::NotFound)?;
    refuse("effective_from", model::check_started(a.from, today))?;
    let step = history::change_assignment(w, id, a.unit_id, a.profession, a.from)?
        .map_err(|e| AppError::unprocessable("effective_from", e))?;
    w.changed("person.move", "person", id, before, assignment_json(a))?;
    Ok(step)
}

/// Records that person `id` leaves; `left_on` is the first day not
/// employed, and may lie ahead (notice is given before the last day).
pub fn leave(w: &Work, id: i64, left_on: NaiveDate) -> Result<(), AppError> {
    let before = store::person(w, id)?.ok_or(AppError::NotFound)?;
    refuse("left_on", history::mark_left(w, id, left_on)?)?;
    w.changed(
        "person.leave",
        "person",
        id,
        before,
        json!({"left_on": left_on}),
    )?;
    Ok(())
}

/// Rehires person `id`, who left, from `a.from` (not before they left, not
/// ahead of `today`).
pub fn rejoin(w: &Work, id: i64, a: &Assignment, today: NaiveDate) -> Result<(), AppError> {
    let before = store::person(w, id)?.ok_or(AppError::NotFound)?;
    refuse("effective_from", model::check_started(a.from, today))?;
    refuse(
        "effective_from",
        history::rejoin(w, id, a.unit_id, a.profession, a.from)?,
    )?;
    w.changed("person.rejoin", "person", id, before, assignment_json(a))?;
    Ok(())
}

/// A move's or rehire's audit record.
fn assignment_json(a: &Assignment) -> serde_json::Value {
    json!({"unit_id": a.unit_id, "profession": a.profession, "from": a.from})
}

/// A history rule's refusal as a message beside `field`.
fn refuse(field: &'static str, checked: Result<(), EmploymentError>) -> Result<(), AppError> {
    checked.map_err(|e| AppError::unprocessable(field, e))
}

/// Applies a checked import plan (see [`super::import`]): each of its
/// changes with its audit row, then one row for the import itself.
/// `today` is the day the staff file's histories are checked against.
pub fn apply_import(w: &Work, plan: &Plan, today: NaiveDate) -> Result<(), AppError> {
    let action = match &plan.ops {
        PlanOps::Units(ops) => {
            for op in ops {
                apply_unit_line(w, op)?;
            }
            "import.units"
        }
        PlanOps::Staff(ops) => {
            for op in ops {
                apply_staff_line(w, op, today)?;
            }
            "import.staff"
        }
    };
    w.record(Entry {
        action,
        entity: "import",
        entity_id: None,
        before: None,
        after: Some(json!({"changes": plan.changes.len(), "unchanged": plan.unchanged})),
    })?;
    Ok(())
}

/// One change of an organisation file. Regions and administrations are
/// found by name, since the file's earlier lines may have made them.
fn apply_unit_line(w: &Work, op: &UnitOp) -> Result<(), AppError> {
    match op {
        UnitOp::Region(name) => {
            let id = store::create_region(w, name)?;
            w.created("region.create", "region", id, json!({"name": name}))?;
        }
        UnitOp::Administration { region, name } => {
            let region_id = store::region_id_by_name(w, region)?.ok_or(AppError::NotFound)?;
            let id = store::create_administration(w, region_id, name)?;
            w.created(
                "administration.create",
                "administration",
                id,
                json!({"region_id": region_id, "name": name}),
            )?;
        }
        UnitOp::NewUnit {
            region,
            administration,
            input,
        } => {
            let input = UnitInput {
                administration_id: administration_id(w, region, administration)?,
                ..input.clone()
            };
            let id = store::create_unit(w, &input)?;
            w.created("unit.create", "unit", id, &input)?;
        }
        UnitOp::UpdateUnit {
            id,
            region,
            administration,
            input,
            active,
            before,
        } => {
            let input = UnitInput {
                administration_id: administration_id(w, region, administration)?,
                ..input.clone()
            };
            let today = crate::clock::stockholm_day(w.now());
            update_unit(w, *id, &input, *active, today)?;
            w.changed("unit.update", "unit", *id, before, &input)?;
        }
    }
    Ok(())
}

fn administration_id(w: &Work, region: &str, name: &str) -> Result<i64, AppError> {
    store::administration_id_by_names(w, region, name)?.ok_or(AppError::NotFound)
}

/// One change of a staff file, through the same actions as the forms.
fn apply_staff_line(w: &Work, op: &StaffOp, today: NaiveDate) -> Result<(), AppError> {
    match op {
        StaffOp::NewPerson(p) => {
            create_person(w, p, today)?;
        }
        StaffOp::UpdateDetails { id, identity } => update_person(w, *id, identity)?,
        StaffOp::Move { id, assignment } => {
            move_person(w, *id, assignment, today)?;
        }
        StaffOp::Rejoin { id, assignment } => rejoin(w, *id, assignment, today)?,
    }
    Ok(())
}
