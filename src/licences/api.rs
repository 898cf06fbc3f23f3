//! Licence endpoints for other systems: one person's status, and compliance counts.

use axum::extract::State;
use serde::Deserialize;
use serde_json::json;

use super::compliance::Level;
use super::model;
use super::pages::{COMPLIANCE_ROLES, ComplianceQuery, as_of, compliance_filter, report};
use super::store;
use crate::AppState;
use crate::organisation::model::normalise_hsa_id;
use crate::organisation::store as org;
use crate::web::{ApiUser, AppError, Query};

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

/// `GET /api/v1/licences/status?hsa_id=H&licence=CODE[&as_of=D]` (or `email=`):
/// `{"status", "valid_until", "required"}`.
#[utoipa::path(
    get,
    path = "/api/v1/licences/status",
    tag = "licences",
    params(("hsa_id" = Option<String>, Query, description = "HSA-id of the person (or email)"), ("email" = Option<String>, Query, description = "E-mail of the person (or hsa_id)"), ("licence" = String, Query, description = "Licence code"), ("as_of" = Option<chrono::NaiveDate>, Query, description = "Day to judge, default today")),
    responses((status = 200, description = "`{status, valid_until, required}`", body = serde_json::Value))
)]
pub async fn status(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<StatusQuery>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    let day = as_of(&q.as_of, user.today)?;
    if q.licence.trim().is_empty() {
        return Err(AppError::bad_request(
            "licence",
            "required: a licence code such as CYTO",
        ));
    }
    let hsa = match q.hsa_id.trim() {
        "" => None,
        s => Some(normalise_hsa_id(s).map_err(|m| AppError::bad_request("hsa_id", m))?),
    };
    let email = q.email.trim().to_string();
    if hsa.is_none() && email.is_empty() {
        return Err(AppError::bad_request("hsa_id", "give hsa_id or email"));
    }
    let code = q.licence.trim().to_string();
    let principal = user.principal.clone();
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let t = store::licence_type_by_code(c, &code)?.ok_or_else(|| {
                AppError::bad_request("licence", format!("no licence type has the code {code:?}"))
            })?;
            let person = match &hsa {
                Some(h) => org::person_by_hsa_id(c, h)?,
                None => org::person_by_email(c, &email)?,
            }
            .ok_or(AppError::NotFound)?;
            if !principal.may_see_person(person.id, person.unit_id) {
                return Err(AppError::NotFound);
            }
            let required = store::required_types(c, person.id, day)?.contains(&t.id);
            let history = store::completions(c, person.id, Some(t.id))?;
            let (theory, practical) = store::split_parts(&history, t.id);
            let s = model::standing(&t, &theory, &practical, day);
            Ok(axum::Json(json!({
                "status": s.status.as_str(),
                "valid_until": s.valid_until,
                "required": required,
            })))
        })
        .await
}

/// `GET /api/v1/compliance?licence=CODE[&as_of=D]&by=region|administration|unit[&within=ID]`.
#[utoipa::path(
    get,
    path = "/api/v1/compliance",
    tag = "licences",
    params(("licence" = String, Query, description = "Licence code"), ("as_of" = Option<chrono::NaiveDate>, Query, description = "Day to judge, default today"), ("by" = Option<String>, Query, description = "region, administration or unit"), ("within" = Option<i64>, Query, description = "Only inside this region or administration id")),
    responses((status = 200, description = "Compliance counts per group", body = serde_json::Value))
)]
pub async fn compliance(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<ComplianceQuery>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    let principal = user.require(COMPLIANCE_ROLES)?.clone();
    if q.licence.trim().is_empty() {
        return Err(AppError::bad_request(
            "licence",
            "required: a licence code such as CYTO",
        ));
    }
    if Level::parse(&q.by).is_none() {
        return Err(AppError::bad_request(
            "by",
            "region, administration or unit",
        ));
    }
    let r = report(&state, compliance_filter(&principal), &q, user.today).await?;
    Ok(axum::Json(super::pages::report_json(&r)))
}
