//! Nominations' rules of access and their changes: who sees a request and
//! names people for which administration, requests made, people named and
//! withdrawn, and the matrix of administrations × requests.

use serde::Serialize;
use serde_json::json;

use super::actions::{access, must_edit};
use super::model::{self, Access};
use super::store::{self, NewRequest};
use crate::auth::model::Principal;
use crate::db::Work;
use crate::msg;
use crate::web::AppError;

/// What a user may do with one request.
#[derive(Debug, Clone)]
pub struct RequestAccess {
    /// Their access to the council.
    pub council: Access,
    /// The administrations they name people for: every one for the
    /// secretary; those a manager leads (all its units in their scope);
    /// those a member represents on the council.
    pub names_for: Vec<i64>,
}

/// The administrations `user` leads as a manager of all their units, in id
/// order (none for anyone else).
pub fn led_by(conn: &rusqlite::Connection, user: &Principal) -> rusqlite::Result<Vec<i64>> {
    if user.has(crate::auth::model::Role::Manager) {
        store::administrations_led(conn, &user.managed_units)
    } else {
        Ok(Vec::new())
    }
}

/// The access of `user` to request `request` (404 when they neither sit on
/// the council nor name for any administration asked).
pub fn request_access(
    conn: &rusqlite::Connection,
    user: &Principal,
    request: &store::Request,
) -> Result<RequestAccess, AppError> {
    let council = access(conn, user, request.council_id)?;
    let led = led_by(conn, user)?;
    let mut names_for = Vec::new();
    for t in store::targets(conn, request.id)? {
        if council.edits()
            || led.binary_search(&t.administration_id).is_ok()
            || store::represents(conn, t.administration_id, user.person_id, user.account_id)?
        {
            names_for.push(t.administration_id);
        }
    }
    if !council.sees() && names_for.is_empty() {
        return Err(AppError::Hidden);
    }
    Ok(RequestAccess { council, names_for })
}

/// Makes a request of the given administrations, or (none given) of every
/// administration of the council's regions.
pub fn create_request(
    w: &Work,
    user: &Principal,
    council_id: i64,
    q: &NewRequest,
) -> Result<i64, AppError> {
    must_edit(w, user, council_id)?;
    let mut q = q.clone();
    if q.administrations.is_empty() {
        let council = store::council(w, council_id)?.ok_or(AppError::NotFound)?;
        for r in &council.regions {
            q.administrations.extend(
                crate::organisation::store::administrations(w, Some(r.id))?
                    .into_iter()
                    .map(|a| a.id),
            );
        }
    }
    if q.administrations.is_empty() {
        return Err(AppError::unprocessable(
            "administrations",
            msg!("councils.error_no_administrations"),
        ));
    }
    let id = store::create_request(w, council_id, &q, w.now())?;
    w.created("nomination.request", "nomination_request", id, &q)?;
    Ok(id)
}

/// Names a person for an administration of a request.
pub fn nominate(
    w: &Work,
    user: &Principal,
    request_id: i64,
    administration_id: i64,
    person_id: i64,
    note: &str,
) -> Result<i64, AppError> {
    let q = store::request(w, request_id)?.ok_or(AppError::NotFound)?;
    let a = request_access(w, user, &q)?;
    if !a.names_for.contains(&administration_id) {
        return Err(AppError::Forbidden);
    }
    let id = store::nominate(
        w,
        request_id,
        administration_id,
        person_id,
        note,
        Some(user.account_id),
        w.now(),
    )
    .map_err(AppError::conflict_on_unique)?;
    w.created(
        "nomination.name",
        "nomination",
        id,
        json!({"request_id": request_id, "administration_id": administration_id, "person_id": person_id, "note": note}),
    )?;
    Ok(id)
}

/// Withdraws a nomination; returns its request.
pub fn withdraw(w: &Work, user: &Principal, nomination_id: i64) -> Result<i64, AppError> {
    let (request_id, administration_id) =
        store::nomination(w, nomination_id)?.ok_or(AppError::NotFound)?;
    let q = store::request(w, request_id)?.ok_or(AppError::NotFound)?;
    let a = request_access(w, user, &q)?;
    if !a.names_for.contains(&administration_id) {
        return Err(AppError::Forbidden);
    }
    store::withdraw(w, nomination_id, w.now())?;
    w.changed(
        "nomination.withdraw",
        "nomination",
        nomination_id,
        json!({"withdrawn": false}),
        json!({"withdrawn": true}),
    )?;
    Ok(request_id)
}

/// One cell of the matrix: the people named for an administration, or
/// none asked of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Cell {
    /// The request.
    pub request_id: i64,
    /// Whether the request asks this administration.
    pub asked: bool,
    /// The names given.
    pub named: Vec<String>,
    /// Every person asked for is named.
    pub done: bool,
}

/// A row of the matrix: one administration.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Row {
    /// The administration.
    pub administration_id: i64,
    /// Its name.
    pub administration: String,
    /// Its region.
    pub region: String,
    /// A cell per request, in the requests' order.
    pub cells: Vec<Cell>,
}

/// Administrations × requests of a council.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Matrix {
    /// The requests (the columns).
    pub requests: Vec<store::Request>,
    /// The administrations (the rows), by region and name.
    pub rows: Vec<Row>,
}

/// The council's matrix.
pub fn matrix(conn: &rusqlite::Connection, council_id: i64) -> Result<Matrix, AppError> {
    let requests = store::requests(conn, council_id)?;
    let mut rows: Vec<Row> = Vec::new();
    let mut per_request = Vec::new();
    for q in &requests {
        let targets = store::targets(conn, q.id)?;
        for t in &targets {
            if !rows
                .iter()
                .any(|r| r.administration_id == t.administration_id)
            {
                rows.push(Row {
                    administration_id: t.administration_id,
                    administration: t.administration.clone(),
                    region: t.region.clone(),
                    cells: Vec::new(),
                });
            }
        }
        per_request.push((targets, store::nominees(conn, q.id)?));
    }
    rows.sort_by(|a, b| {
        crate::db::collation::swedish(&a.region, &b.region)
            .then_with(|| crate::db::collation::swedish(&a.administration, &b.administration))
    });
    for row in &mut rows {
        for (q, (targets, nominees)) in requests.iter().zip(&per_request) {
            let asked = targets
                .iter()
                .any(|t| t.administration_id == row.administration_id);
            let named: Vec<String> = nominees
                .iter()
                .filter(|n| n.administration_id == row.administration_id)
                .map(|n| n.name.clone())
                .collect();
            row.cells.push(Cell {
                request_id: q.id,
                asked,
                done: asked && model::nominations_done(named.len(), q.per_administration),
                named,
            });
        }
    }
    Ok(Matrix { requests, rows })
}
