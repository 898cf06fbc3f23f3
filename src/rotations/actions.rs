//! The rotations' changes, one function each: the rules checked against
//! what is stored, the SQL (through the store), the ledger's lines and the
//! audit row, in the unit of work the caller opened. A refused change
//! returns the rules it breaks, each beside the field of its form, and
//! writes nothing. The pages call these; the audit actions and entities
//! (`trainee.create`, `placement.approve`, ...) are those the audit log has
//! always shown.

use chrono::NaiveDate;
use serde_json::json;

use super::agreements::AgreementRow;
use super::ledger;
use super::model::{Agreement, SalaryChange, Split};
use super::placements::{
    self as pl, Certificate, HomeReason, LedgerError, Placement, PlanInput, PlanProblem, Stored,
};
use super::store;
use super::trainees::{Element, TraineeInput, period_problem};
use crate::db::{DbError, Work};
use crate::i18n::Msg;
use crate::msg;
use crate::web::AppError;

/// Why a change was not made: the rules it breaks, each with the field of
/// the form it belongs to, or another error (not found, the database).
#[derive(Debug)]
pub enum Refusal {
    /// The rules broken, `(field, message)`.
    Rules(Vec<(&'static str, Msg)>),
    /// Anything else.
    Error(AppError),
}

impl Refusal {
    /// One rule broken, beside `field`.
    pub fn rule(field: &'static str, message: Msg) -> Refusal {
        Refusal::Rules(vec![(field, message)])
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Refusal::Error(e)
    }
}

impl From<DbError> for Refusal {
    fn from(e: DbError) -> Self {
        Refusal::Error(AppError::from(e))
    }
}

impl From<rusqlite::Error> for Refusal {
    fn from(e: rusqlite::Error) -> Self {
        Refusal::Error(AppError::from(e))
    }
}

impl From<PlanProblem> for Refusal {
    fn from(p: PlanProblem) -> Self {
        Refusal::rule(p.field(), p.message())
    }
}

/// A ledger refusal beside `field` (no salary and no agreement beside
/// their own names when the form has them); storage errors stay errors.
fn ledger_refusal(e: LedgerError, field: &'static str) -> Refusal {
    match e.message() {
        Some(message) => Refusal::rule(field, message),
        None => match e {
            LedgerError::Db(db) => Refusal::from(db),
            other => Refusal::Error(AppError::Internal(other.to_string())),
        },
    }
}

/// Brings an approved placement's ledger up to its current split (see
/// [`ledger::resync_ledger`]); a split that cannot be computed refuses the
/// change beside `field`. Returns how many lines were appended.
fn resync(
    w: &Work,
    p: &Placement,
    today: NaiveDate,
    cause: &str,
    field: &'static str,
) -> Result<usize, Refusal> {
    ledger::resync_ledger(w, p, today, cause, w.now()).map_err(|e| ledger_refusal(e, field))
}

// ---- Trainees and elements ----

/// Creates a trainee record for an ST doctor (`id` is `None`), with their
/// first monthly cost from the ST start when given, or changes trainee
/// `id`'s details. Returns the trainee's id.
pub fn save_trainee(
    w: &Work,
    id: Option<i64>,
    input: &TraineeInput,
    monthly_cost_ore: Option<i64>,
) -> Result<i64, Refusal> {
    if let Some(message) = period_problem(input.st_start, input.planned_end) {
        return Err(Refusal::rule("planned_end", message));
    }
    match id {
        Some(id) => {
            let before = store::trainee(w, id)?.ok_or(AppError::NotFound)?;
            store::update_trainee(w, id, input)?;
            w.changed("trainee.update", "trainee", id, before, input)?;
            Ok(id)
        }
        None => {
            if store::person_profession(w, input.person_id)?.as_deref() != Some("st_doctor") {
                return Err(Refusal::rule("person_id", msg!("trainees.err_person")));
            }
            if store::trainee_of_person(w, input.person_id)?.is_some() {
                return Err(Refusal::rule("person_id", msg!("trainees.err_exists")));
            }
            let id = store::create_trainee(w, input, w.now())?;
            if let Some(ore) = monthly_cost_ore {
                let first = SalaryChange {
                    from: input.st_start,
                    monthly_cost_ore: ore,
                };
                store::add_salary(w, id, first, w.actor().account_id, w.now())?;
            }
            w.created(
                "trainee.create",
                "trainee",
                id,
                json!({"trainee": input, "monthly_cost_ore": monthly_cost_ore}),
            )?;
            Ok(id)
        }
    }
}

/// Appends a salary revision of trainee `id` and adjusts the reported split
/// of the trainee's approved placements, dated `today`.
pub fn add_salary(
    w: &Work,
    id: i64,
    change: SalaryChange,
    today: NaiveDate,
) -> Result<(), Refusal> {
    store::trainee(w, id)?.ok_or(AppError::NotFound)?;
    store::add_salary(w, id, change, w.actor().account_id, w.now())?;
    let mut adjusted = Vec::new();
    for p in store::placements(w, Some(id), None, None)? {
        if resync(w, &p, today, "salary", "effective_from")? > 0 {
            adjusted.push(p.id);
        }
    }
    w.created(
        "trainee.salary",
        "trainee",
        id,
        json!({"salary": change, "adjusted_placements": adjusted}),
    )?;
    Ok(())
}

/// Creates a training element (`id` is `None`) or changes element `id`. A
/// specialty has one element of a name. Returns the element's id.
pub fn save_element(w: &Work, id: Option<i64>, element: &Element) -> Result<i64, Refusal> {
    let taken = |e: rusqlite::Error| {
        if crate::db::is_unique_violation(&e) {
            Refusal::rule("name", msg!("trainees.err_element_exists"))
        } else {
            Refusal::from(e)
        }
    };
    match id {
        Some(id) => {
            let before = store::element(w, id)?.ok_or(AppError::NotFound)?;
            let element = Element {
                id,
                ..element.clone()
            };
            store::update_element(w, &element).map_err(taken)?;
            w.changed(
                "training_element.update",
                "training_element",
                id,
                before,
                &element,
            )?;
            Ok(id)
        }
        None => {
            let new_id = store::create_element(w, element).map_err(taken)?;
            w.created(
                "training_element.create",
                "training_element",
                new_id,
                element,
            )?;
            Ok(new_id)
        }
    }
}

// ---- Placements ----

/// The rules of `plan` against what is stored: the trainee exists, the host
/// takes trainees, and [`plan_rules`].
fn plan_problems(
    w: &Work,
    plan: &PlanInput,
    except: Option<i64>,
) -> Result<Vec<PlanProblem>, Refusal> {
    if store::trainee(w, plan.trainee_id)?.is_none() {
        return Ok(vec![PlanProblem::UnknownTrainee]);
    }
    if store::capacity(w, plan.host_unit_id)?.is_none() {
        return Ok(vec![PlanProblem::NotAHost]);
    }
    plan_rules(w, plan, except)
}

/// [`pl::check_plan`] of `plan` with the trainee's and the host's other
/// live placements (leaving out `except`, the placement changed) and the
/// host's capacity.
fn plan_rules(
    w: &Work,
    plan: &PlanInput,
    except: Option<i64>,
) -> Result<Vec<PlanProblem>, Refusal> {
    let trainee_spans = store::live_spans(w, Some(plan.trainee_id), None, except)?;
    let host_spans = store::live_spans(w, None, Some(plan.host_unit_id), except)?;
    Ok(pl::check_plan(
        plan.start,
        plan.end,
        plan.extent,
        &trainee_spans,
        &host_spans,
        store::capacity(w, plan.host_unit_id)?,
    ))
}

/// Every problem of `problems` as a refusal, or nothing.
fn refuse(problems: Vec<PlanProblem>) -> Result<(), Refusal> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Rules(
            problems.iter().map(|p| (p.field(), p.message())).collect(),
        ))
    }
}

/// Plans a placement (`id` is `None`) or changes placement `id`'s plan; a
/// change after approval appends the split's differences to the ledger,
/// dated `today`. Returns the placement's id.
pub fn save_placement(
    w: &Work,
    id: Option<i64>,
    plan: &PlanInput,
    today: NaiveDate,
) -> Result<i64, Refusal> {
    refuse(plan_problems(w, plan, id)?)?;
    let Some(id) = id else {
        let id = store::create_placement(w, plan, w.now())?;
        w.created("placement.create", "placement", id, plan)?;
        return Ok(id);
    };
    let before = store::placement(w, id)?.ok_or(AppError::NotFound)?;
    if !before.is_live() {
        return Err(Refusal::rule("start", msg!("placements.err_cancelled")));
    }
    if let Some(problem) = pl::check_change(&before, plan, &store::home_periods(w, id)?) {
        return Err(problem.into());
    }
    store::update_placement(w, id, plan)?;
    let after = store::placement(w, id)?.ok_or(AppError::NotFound)?;
    let adjusted = resync(w, &after, today, "change", "start")?;
    w.changed(
        "placement.update",
        "placement",
        id,
        before,
        json!({"plan": plan, "adjustment_lines": adjusted}),
    )?;
    Ok(id)
}

/// Approves planned placement `id`: its plan must still keep the rules;
/// the agreement is chosen from it and the split of every month recorded
/// as reported, dated `today`.
pub fn approve_placement(w: &Work, id: i64, today: NaiveDate) -> Result<Split, Refusal> {
    let p = store::placement(w, id)?.ok_or(AppError::NotFound)?;
    if p.stored != Stored::Planned {
        return Err(Refusal::rule("status", msg!("placements.err_not_planned")));
    }
    let plan = p.plan();
    refuse(plan_rules(w, &plan, Some(id))?)?;
    let s = ledger::approve_and_report(w, &p, w.actor().account_id, today, w.now())
        .map_err(|e| ledger_refusal(e, "status"))?;
    w.changed(
        "placement.approve",
        "placement",
        id,
        json!({"status": "planned"}),
        json!({"status": "approved", "agreement": s.agreement, "plan": plan, "total": s.total}),
    )?;
    Ok(s)
}

/// Cancels placement `id`; an approved one's reported lines are balanced
/// by adjustments to zero, dated `today`.
pub fn cancel_placement(w: &Work, id: i64, today: NaiveDate) -> Result<(), Refusal> {
    let before = store::placement(w, id)?.ok_or(AppError::NotFound)?;
    if !before.is_live() {
        return Err(Refusal::rule("status", msg!("placements.err_cancelled")));
    }
    store::cancel(w, id)?;
    let after = store::placement(w, id)?.ok_or(AppError::NotFound)?;
    let adjusted = resync(w, &after, today, "cancel", "status")?;
    w.changed(
        "placement.cancel",
        "placement",
        id,
        json!({"status": before.stored}),
        json!({"status": "cancelled", "adjustment_lines": adjusted}),
    )?;
    Ok(())
}

/// A home period to record: the trainee called home or on leave.
#[derive(Debug, Clone)]
pub struct NewHomePeriod {
    /// First day at home.
    pub start: NaiveDate,
    /// Last day at home (inclusive).
    pub end: NaiveDate,
    /// Called home or leave.
    pub reason: HomeReason,
    /// The user's words.
    pub note: String,
}

/// Records a home period of placement `id`; an approved placement's ledger
/// gets the split's differences, dated `today`.
pub fn add_home_period(
    w: &Work,
    id: i64,
    home: &NewHomePeriod,
    today: NaiveDate,
) -> Result<(), Refusal> {
    let p = store::placement(w, id)?.ok_or(AppError::NotFound)?;
    if !p.is_live() {
        return Err(Refusal::rule(
            "home_start",
            msg!("placements.err_cancelled"),
        ));
    }
    if let Some(problem) =
        pl::check_home_period(&p, home.start, home.end, &store::home_periods(w, id)?)
    {
        return Err(Refusal::rule(problem.field(), problem.message()));
    }
    let hid = store::add_home_period(
        w,
        id,
        home.start,
        home.end,
        home.reason,
        &home.note,
        w.now(),
    )?;
    let adjusted = resync(w, &p, today, "home_period", "home_start")?;
    w.created(
        "placement.home_period",
        "placement",
        id,
        json!({
            "home_period": hid,
            "start": home.start,
            "end": home.end,
            "reason": home.reason,
            "note": home.note,
            "adjustment_lines": adjusted,
        }),
    )?;
    Ok(())
}

/// Sets the status of placement `id`'s certificate.
pub fn set_certificate(w: &Work, id: i64, certificate: Certificate) -> Result<(), Refusal> {
    let before = store::placement(w, id)?.ok_or(AppError::NotFound)?;
    store::set_certificate(w, id, certificate)?;
    w.changed(
        "placement.certificate",
        "placement",
        id,
        json!({"certificate": before.certificate}),
        json!({"certificate": certificate}),
    )?;
    Ok(())
}

// ---- Agreements ----

/// Appends version 1 of a new agreement; a code in use is refused (a new
/// version of it is the way). Returns the version's row id.
pub fn create_agreement(w: &Work, agreement: &Agreement, note: &str) -> Result<i64, Refusal> {
    if store::code_exists(w, &agreement.code)? {
        return Err(Refusal::rule("code", msg!("agreements.error.code_taken")));
    }
    let (id, version) = store::insert_version(w, agreement, note, w.actor().account_id, w.now())?;
    w.created(
        "agreement.create",
        "agreement",
        id,
        json!({"version": version, "note": note, "agreement": agreement}),
    )?;
    Ok(id)
}

/// Appends a new version of the agreement that version `base` belongs to
/// (its code is kept whatever `agreement` says). Earlier versions stay as
/// they are. Returns the new version's row id.
pub fn new_agreement_version(
    w: &Work,
    base: i64,
    agreement: &Agreement,
    note: &str,
) -> Result<i64, Refusal> {
    let before: AgreementRow = store::agreement_by_id(w, base)?.ok_or(AppError::NotFound)?;
    let agreement = Agreement {
        code: before.agreement.code.clone(),
        ..agreement.clone()
    };
    let (id, version) = store::insert_version(w, &agreement, note, w.actor().account_id, w.now())?;
    w.changed(
        "agreement.version",
        "agreement",
        id,
        &before,
        json!({"version": version, "note": note, "agreement": agreement}),
    )?;
    Ok(id)
}
