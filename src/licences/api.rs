//! Licence endpoints for other systems: one person's status, and compliance counts.

use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::compliance::Level;
use super::report::{
    COMPLIANCE_ROLES, ComplianceQuery, ComplianceReport, as_of, compliance_filter, report,
    report_json,
};
use super::store;
use super::{counts, model};
use crate::AppState;
use crate::auth::ApiUser;
use crate::msg;
use crate::organisation::model::normalise_hsa_id;
use crate::organisation::store as org;
use crate::web::{ApiQuery, AppError};

/// A licence code is required: 400 naming `licence` when it is empty.
fn required_code(code: &str) -> Result<String, AppError> {
    match code.trim() {
        "" => Err(AppError::bad_request(
            "licence",
            msg!("licence.error_code_required"),
        )),
        c => Ok(c.to_string()),
    }
}

/// Parameters of the status endpoint.
#[derive(Debug, Deserialize, Default)]
pub struct StatusQuery {
    #[serde(default)]
    hsa_id: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    as_of: String,
}

/// One person's standing for one licence type on a day.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusOut {
    status: model::Status,
    /// The last day the licence is valid; null when it is missing.
    valid_until: Option<NaiveDate>,
    /// Whether the person must hold it on that day.
    required: bool,
}

/// `GET /api/v1/licences/status?hsa_id=H&licence=CODE[&as_of=D]` (or `email=`):
/// `{"status", "valid_until", "required"}`.
#[utoipa::path(
    get,
    path = "/api/v1/licences/status",
    tag = "licences",
    params(("hsa_id" = Option<String>, Query, description = "HSA-id of the person; give it or `email`", pattern = "^[Ss][Ee][0-9]{10}-[A-Za-z0-9]{1,18}$", example = "SE2321000131-E000000012345"), ("email" = Option<String>, Query, min_length = 1, description = "E-mail of the person; give it or `hsa_id`"), ("licence" = String, Query, description = "Licence type code", pattern = "\\S", example = "CYTO"), ("as_of" = Option<String>, Query, format = Date, description = "Day to judge, default today")),
    responses((status = 200, description = "The person's standing", body = StatusOut))
)]
pub async fn status(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> Result<axum::Json<StatusOut>, AppError> {
    let day = as_of(&q.as_of, user.today)?;
    let code = required_code(&q.licence)?;
    let hsa = match q.hsa_id.trim() {
        "" => None,
        s => Some(normalise_hsa_id(s).map_err(|m| AppError::bad_request("hsa_id", m))?),
    };
    let email = q.email.trim().to_string();
    if hsa.is_none() && email.is_empty() {
        return Err(AppError::unprocessable(
            "hsa_id",
            msg!("licence.error_hsa_id_or_email"),
        ));
    }
    let principal = user.principal.clone();
    // A few index lookups, whatever the number of people: on this thread.
    state
        .db
        .lookup(move |c| -> Result<_, AppError> {
            let t = store::licence_type_by_code(c, &code)?.ok_or_else(|| {
                AppError::unprocessable(
                    "licence",
                    msg!("licence.error_unknown_code", code = code.as_str()),
                )
            })?;
            let (person_id, unit_id) =
                org::person_and_unit(c, hsa.as_deref(), &email)?.ok_or(AppError::NotFound)?;
            if !principal.may_see_person(person_id, unit_id) {
                return Err(AppError::Hidden);
            }
            let s = counts::status_on(c, &t, person_id, day)?;
            Ok(axum::Json(StatusOut {
                status: s.standing.status,
                valid_until: s.standing.valid_until,
                required: s.required,
            }))
        })
        .await
}

/// `GET /api/v1/compliance?licence=CODE[&as_of=D]&by=region|administration|unit[&within=ID]`.
#[utoipa::path(
    get,
    path = "/api/v1/compliance",
    tag = "licences",
    params(("licence" = String, Query, description = "Licence type code", pattern = "\\S", example = "CYTO"), ("as_of" = Option<String>, Query, format = Date, description = "Day to judge, default today"), ("by" = Option<Level>, Query, description = "What the rows are; `region` when absent"), ("within" = Option<i64>, Query, description = "Only inside this region (for administrations) or administration (for units)")),
    responses((status = 200, description = "Compliance counts per group", body = ComplianceReport))
)]
pub async fn compliance(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> Result<axum::Json<ComplianceReport>, AppError> {
    let principal = user.require(COMPLIANCE_ROLES)?.clone();
    required_code(&q.licence)?;
    if Level::parse(&q.by).is_none() {
        return Err(AppError::bad_request("by", msg!("compliance.error_level")));
    }
    let r = report(&state, compliance_filter(&principal), &q, user.today).await?;
    Ok(axum::Json(report_json(&r)))
}
