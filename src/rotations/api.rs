//! Rotation endpoints for other systems: the split preview and the agreements.

use axum::extract::{FromRequest, Request, State};
use axum::http::HeaderMap;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::READERS;
use super::agreements::AgreementRow;
use super::explain::{self, agreement_name};
use super::model::{
    self, Agreement, HomePeriod, Kind, SalaryChange, Split, SplitError, SplitInput, Totals,
};
use super::store;
use crate::AppState;
use crate::auth::ApiUser;
use crate::msg;
use crate::web::context::request_lang;
use crate::web::{AppError, Json};

/// One salary row of a preview request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SalaryRow {
    from: NaiveDate,
    monthly_cost_ore: i64,
}

/// One home period of a preview request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct HomeRow {
    from: NaiveDate,
    to: NaiveDate,
    #[serde(default)]
    reason: String,
}

fn full_extent() -> i64 {
    100
}

/// The body of `POST /api/v1/rotations/split-preview`: give either
/// `monthly_cost_ore` or `salary`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PreviewRequest {
    kind: Kind,
    /// First day of the placement.
    start: NaiveDate,
    /// Last day, not before the first.
    end: NaiveDate,
    /// The trainee's monthly employment cost (salary with on-costs), öre,
    /// for the whole placement.
    #[serde(default)]
    #[schema(minimum = 0)]
    monthly_cost_ore: Option<i64>,
    /// The monthly cost as it changes: each row holds from its day on.
    #[serde(default)]
    salary: Option<Vec<SalaryRow>>,
    /// Working extent in percent; 100 when absent.
    // Wider than the engine's u8 so that 0, 101 or -5 get the engine's own
    // message naming the field rather than a deserializer's.
    #[serde(default = "full_extent")]
    #[schema(minimum = 1, maximum = 100, default = 100)]
    extent_percent: i64,
    /// Days the trainee serves at home, paid by the home clinic.
    #[serde(default)]
    home_periods: Vec<HomeRow>,
    /// An agreement code; absent for the one the plan is eligible for.
    #[serde(default)]
    agreement: Option<String>,
}

/// One month of a split preview.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreviewMonth {
    /// `YYYY-MM`.
    #[schema(example = "2026-01")]
    month: String,
    total_ore: i64,
    /// Paid by the home clinic.
    home_ore: i64,
    /// Paid by the host.
    host_ore: i64,
    /// How the month was computed, in the caller's language.
    explanation: String,
}

/// The month-by-month split of a planned placement.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SplitPreview {
    /// The agreement's code.
    agreement: String,
    /// Its name in the caller's language.
    agreement_name: String,
    months: Vec<PreviewMonth>,
    total: Totals,
    /// Things to check, in the caller's language.
    warnings: Vec<String>,
}

impl PreviewRequest {
    /// The engine's input, or a 422 naming the field.
    fn input(self) -> Result<(SplitInput, Option<String>), AppError> {
        let salary = match (self.monthly_cost_ore, self.salary) {
            (Some(_), Some(_)) => {
                return Err(AppError::unprocessable(
                    "salary",
                    msg!("rotations.error.cost_and_salary"),
                ));
            }
            (Some(cost), None) => vec![SalaryChange {
                from: self.start,
                monthly_cost_ore: cost,
            }],
            (None, Some(rows)) => rows
                .into_iter()
                .map(|r| SalaryChange {
                    from: r.from,
                    monthly_cost_ore: r.monthly_cost_ore,
                })
                .collect(),
            (None, None) => {
                return Err(AppError::unprocessable(
                    "monthly_cost_ore",
                    msg!("rotations.error.cost_required"),
                ));
            }
        };
        let input = SplitInput {
            kind: self.kind,
            start: self.start,
            end: self.end,
            salary,
            // Out of range becomes 0, which the engine rejects by name.
            extent_percent: u8::try_from(self.extent_percent)
                .ok()
                .filter(|e| *e <= 100)
                .unwrap_or(0),
            home_periods: self
                .home_periods
                .into_iter()
                .map(|h| HomePeriod {
                    from: h.from,
                    to: h.to,
                    reason: h.reason,
                })
                .collect(),
        };
        let code = self
            .agreement
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        Ok((input, code))
    }
}

/// Loads the agreements with one read and computes the split: the agreement
/// `code` when given, else the one the plan is eligible for. Shared by the
/// API and the preview page.
pub async fn preview(
    state: &AppState,
    input: SplitInput,
    code: Option<String>,
) -> Result<Result<(Split, Agreement), SplitError>, AppError> {
    let all = state
        .db
        .read(|c| store::load_agreements(c).map_err(AppError::from))
        .await?;
    Ok(model::split_planned(&all, &input, code.as_deref())
        .map(|(split, used)| (split, used.clone())))
}

/// A split error as the API's 422 naming the field; the edge renders the
/// message in the request's language.
pub fn split_problem(e: &SplitError) -> AppError {
    AppError::unprocessable(e.field(), e.message())
}

/// `POST /api/v1/rotations/split-preview`: the month-by-month split of a
/// planned placement, with explanations in the caller's language.
#[utoipa::path(
    post,
    path = "/api/v1/rotations/split-preview",
    tag = "rotations",
    request_body = PreviewRequest,
    responses((status = 200, description = "The month-by-month split with explanations", body = SplitPreview))
)]
pub async fn split_preview(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    request: Request,
) -> Result<axum::Json<SplitPreview>, AppError> {
    user.require(READERS)?;
    // The body is read after the role check, so that a caller without the
    // role learns nothing about what the input should look like.
    let Json(body) = Json::<PreviewRequest>::from_request(request, &state).await?;
    let lang = request_lang(&headers, user.principal.language);
    // A single monthly cost is salary row 0 to the engine; name it as sent.
    let single_cost = body.monthly_cost_ore.is_some();
    let (input, code) = body.input()?;
    let (split, agreement) =
        preview(&state, input, code)
            .await?
            .map_err(|e| match split_problem(&e) {
                AppError::Unprocessable { field, message }
                    if single_cost && field.starts_with("salary") =>
                {
                    AppError::unprocessable("monthly_cost_ore", message)
                }
                other => other,
            })?;
    Ok(axum::Json(SplitPreview {
        agreement_name: agreement_name(&agreement, lang).to_owned(),
        months: split
            .months
            .iter()
            .map(|m| PreviewMonth {
                month: m.month.clone(),
                total_ore: m.total_ore,
                home_ore: m.home_ore,
                host_ore: m.host_ore,
                explanation: explain::month_line(m, lang),
            })
            .collect(),
        total: split.total,
        warnings: split
            .warnings
            .iter()
            .map(|w| w.message().render(lang))
            .collect(),
        agreement: split.agreement,
    }))
}

/// Every version of every agreement, by code and version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgreementList {
    agreements: Vec<AgreementRow>,
}

/// `GET /api/v1/rotations/agreements`: every version of every agreement.
#[utoipa::path(
    get,
    path = "/api/v1/rotations/agreements",
    tag = "rotations",
    responses((status = 200, description = "Every version of every agreement", body = AgreementList))
)]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<axum::Json<AgreementList>, AppError> {
    user.require(READERS)?;
    let rows = state
        .db
        .read(|c| store::agreement_rows(c).map_err(AppError::from))
        .await?;
    Ok(axum::Json(AgreementList { agreements: rows }))
}
