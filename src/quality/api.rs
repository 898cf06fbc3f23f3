//! The indicator for BI tools: `GET /api/v1/quality/indicator`, the same
//! figures as the page, suppressed the same way.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{Cell, Place};
use super::pages::{READERS, ReportParams, view};
use super::report::Report;
use crate::AppState;
use crate::auth::ApiUser;
use crate::web::{ApiQuery, AppError};

/// One cell: the counts, or `suppressed` with neither counts nor share.
#[derive(Debug, Serialize, ToSchema)]
pub struct CellOut {
    /// `2025` or `2025 Q2`.
    pub period: String,
    /// True when the cell has fewer than five patients, or is hidden so
    /// that a total cannot reveal such a cell.
    pub suppressed: bool,
    /// Patients who died in the period and had the treatment.
    pub patients: Option<u32>,
    /// Of them, last treated within the window before death.
    pub late: Option<u32>,
    /// The share in basis points (1/100 of a per cent).
    pub share_basis_points: Option<u32>,
}

/// One row: a place and its cells.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowOut {
    /// `all`, `region`, `administration` or `unit`.
    #[schema(example = "administration")]
    pub level: String,
    /// The place's id (none for `all`).
    pub id: Option<i64>,
    /// Its name (empty for `all`).
    pub name: String,
    /// One per period.
    pub cells: Vec<CellOut>,
}

/// The indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorOut {
    /// `cytotoxic` or `radiotherapy`.
    pub treatment: String,
    /// Days before death that count as late.
    pub window_days: u16,
    /// The periods, in column order.
    pub periods: Vec<String>,
    /// The whole first, then each region followed by its places.
    pub rows: Vec<RowOut>,
}

impl From<&Report> for IndicatorOut {
    fn from(r: &Report) -> Self {
        IndicatorOut {
            treatment: r.query.kind.as_str().into(),
            window_days: r.query.window.days(),
            periods: r.periods.iter().map(|p| p.label()).collect(),
            rows: r
                .rows
                .iter()
                .map(|row| {
                    let (level, id) = match row.place {
                        Place::All => ("all", None),
                        Place::Region(i) => ("region", Some(i)),
                        Place::Administration(i) => ("administration", Some(i)),
                        Place::Unit(i) => ("unit", Some(i)),
                    };
                    RowOut {
                        level: level.into(),
                        id,
                        name: row.name.clone(),
                        cells: r
                            .periods
                            .iter()
                            .zip(&row.cells)
                            .map(|(p, c)| match c {
                                Cell::Suppressed => CellOut {
                                    period: p.label(),
                                    suppressed: true,
                                    patients: None,
                                    late: None,
                                    share_basis_points: None,
                                },
                                Cell::Counts { count, share_bp } => CellOut {
                                    period: p.label(),
                                    suppressed: false,
                                    patients: Some(count.denominator),
                                    late: Some(count.numerator),
                                    share_basis_points: (count.denominator > 0)
                                        .then_some(*share_bp),
                                },
                            })
                            .collect(),
                    }
                })
                .collect(),
        }
    }
}

/// The query of the indicator endpoint.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndicatorQuery {
    /// `cytotoxic` (default) or `radiotherapy`.
    #[param(pattern = "^(cytotoxic|radiotherapy)$")]
    pub kind: Option<String>,
    /// 14, 28 (default) or 30.
    #[param(minimum = 14, maximum = 30)]
    pub window: Option<u16>,
    /// `year` (default) or `quarter`.
    #[param(pattern = "^(year|quarter)$")]
    pub by: Option<String>,
    /// First year (default two years before `to`).
    #[param(minimum = 1900, maximum = 9999)]
    pub from: Option<i32>,
    /// Last year (default the latest with deaths).
    #[param(minimum = 1900, maximum = 9999)]
    pub to: Option<i32>,
    /// `region`, `administration` (default) or `unit`.
    #[param(pattern = "^(region|administration|unit)$")]
    pub depth: Option<String>,
}

/// `GET /api/v1/quality/indicator`: treatment in the last weeks of life per
/// place and period. Quality analysts see every place, managers their scope;
/// every call is logged.
#[utoipa::path(
    get,
    path = "/api/v1/quality/indicator",
    tag = "quality",
    params(IndicatorQuery),
    responses((status = 200, description = "The indicator, small numbers suppressed", body = IndicatorOut))
)]
pub async fn indicator(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<IndicatorQuery>,
) -> Result<Response, AppError> {
    let principal = user.require(READERS)?.clone();
    let params = ReportParams {
        kind: q.kind.unwrap_or_default(),
        window: q.window.map(|w| w.to_string()).unwrap_or_default(),
        by: q.by.unwrap_or_default(),
        from: q.from.map(|y| y.to_string()).unwrap_or_default(),
        to: q.to.map(|y| y.to_string()).unwrap_or_default(),
        depth: q.depth.unwrap_or_default(),
    };
    let report = view(&state, user.actor(), user.now, principal, params, "api")
        .await
        .map_err(|e| match e {
            // A value the description allows but the indicator does not
            // take (a window of 21 days, a span of 30 years) breaks a rule.
            AppError::BadRequest {
                field: Some(f),
                message,
            } => AppError::Unprocessable { field: f, message },
            other => other,
        })?;
    Ok(axum::Json(IndicatorOut::from(&report)).into_response())
}
