//! The reported split ledger (plan vs actual) in the database: approval
//! records the split of every calendar month as `approval` lines; a later
//! change appends each month's difference as an `adjustment` line dated the
//! day of the change. No line is ever changed (see `placements` for the
//! arithmetic). The actions call these inside their unit of work; the demo
//! data and the generator call them directly.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;

use super::model::{Split, choose_agreement, split};
use super::placements::{
    LedgerError, MonthAmounts, Placement, adjustments, compute_split, kind_of, ledger_sums,
    month_amounts, split_input,
};
use super::store;
use super::trainees::effective_history;

/// Approves a planned placement: the agreement is chosen from the plan as it
/// stands, the plan and the agreement are kept with the placement, and the
/// split of every month is recorded as reported (`approval` lines dated
/// `today`). The caller checks the plan's rules first.
pub fn approve_and_report(
    conn: &Connection,
    p: &Placement,
    by: Option<i64>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Split, LedgerError> {
    let agreements = store::load_agreements(conn)?;
    let agreement = choose_agreement(&agreements, kind_of(&p.kind), p.start, p.end)
        .ok_or(LedgerError::NoAgreement)?;
    let salary = effective_history(&store::salary_rows(conn, p.trainee_id)?);
    let home = store::home_periods(conn, p.id)?;
    let s = split(&split_input(p, &salary, &home), agreement)?;
    store::approve(conn, p.id, (&agreement.code, agreement.version), by, now)?;
    let lines: Vec<(String, i64, i64)> = s
        .months
        .iter()
        .map(|m| (m.month.clone(), m.home_ore, m.host_ore))
        .collect();
    store::append_ledger(conn, p.id, "approval", today, &lines, "", now)?;
    Ok(s)
}

/// Brings the ledger of an approved (or since cancelled) placement up to its
/// current split: each month's difference from its recorded lines is
/// appended as an `adjustment` line dated `today` with `cause`. A planned
/// placement has no ledger. Returns how many lines were appended.
pub fn resync_ledger(
    conn: &Connection,
    p: &Placement,
    today: NaiveDate,
    cause: &str,
    now: DateTime<Utc>,
) -> Result<usize, LedgerError> {
    if p.approved.is_none() {
        return Ok(0);
    }
    let lines = store::ledger(conn, p.id)?;
    let current = if !p.is_live() {
        MonthAmounts::new()
    } else {
        let agreements = store::load_agreements(conn)?;
        let salary = effective_history(&store::salary_rows(conn, p.trainee_id)?);
        let home = store::home_periods(conn, p.id)?;
        month_amounts(&compute_split(p, &agreements, &salary, &home)?.1)
    };
    let adjustments = adjustments(&ledger_sums(&lines), &current);
    store::append_ledger(conn, p.id, "adjustment", today, &adjustments, cause, now)?;
    Ok(adjustments.len())
}
