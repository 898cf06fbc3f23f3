//! The compliance report: the question (licence, day, level, the parent
//! and the unit asked about), its answer from the kept counts, and the cache
//! of answers while the counts stay as they were. The compliance page, its
//! CSV and JSON exports and the API all ask here.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Deserialize;

use super::compliance::{self, Level, UnitInfo};
use super::counts;
use super::model::LicenceType;
use super::store::{self, RequiredPerson};
use crate::AppState;
use crate::auth::model::{Principal, Role, UnitFilter};
use crate::msg;
use crate::web::AppError;

/// Reads an optional `as_of` parameter; today when absent.
pub fn as_of(param: &str, today: NaiveDate) -> Result<NaiveDate, AppError> {
    match param.trim() {
        "" => Ok(today),
        s => crate::check::date(s)
            .ok_or_else(|| AppError::bad_request("as_of", msg!("input.not_a_date"))),
    }
}

/// The report's parameters (pages, exports and the API share them).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ComplianceQuery {
    /// Licence code; the first type when empty.
    #[serde(default)]
    pub licence: String,
    /// The day; today when empty.
    #[serde(default)]
    pub as_of: String,
    /// `region`, `administration` or `unit`.
    #[serde(default)]
    pub by: String,
    /// Parent id: a region for administrations, an administration for units.
    #[serde(default)]
    pub within: Option<i64>,
    /// One unit's people.
    #[serde(default)]
    pub unit: Option<i64>,
    /// CSV delimiter.
    #[serde(default)]
    pub sep: Option<String>,
    /// An export's language: `en` for English headers.
    #[serde(default)]
    pub lang: Option<String>,
    /// `people` to export the person rows instead of the counts.
    #[serde(default)]
    pub list: String,
}

/// Compliance reports by the question asked, while the counts are unchanged.
pub type ReportCache = crate::db::memo::Memo<String, Arc<Report>>;

/// Reports are kept while the compliance counts stay as they were (see
/// [`super::counts::mark`]), and ten seconds at most, for what the counts do
/// not cover (a renamed person or unit); 256 at most.
pub fn report_cache() -> ReportCache {
    crate::db::memo::Memo::new(256, std::time::Duration::from_secs(10))
}

/// A computed report.
pub struct Report {
    /// Expiries per month for the next 12 months under the current view.
    pub forecast: Vec<(NaiveDate, u64)>,
    /// The licence.
    pub licence: LicenceType,
    /// All types, for the picker.
    pub types: Vec<LicenceType>,
    /// The day.
    pub as_of: NaiveDate,
    /// Grouping.
    pub by: Level,
    /// Parent filter.
    pub within: Option<i64>,
    /// Rows.
    pub rows: Vec<compliance::Row>,
    /// Total of the rows.
    pub total: compliance::Counts,
    /// The people under the current view.
    pub people: Vec<RequiredPerson>,
    /// Units with names.
    pub units: HashMap<i64, UnitInfo>,
}

/// Computes a report for a user, restricted to the units they may see.
///
/// The counts come from the kept step functions (`counts`), brought up to date
/// first when a write has changed them. `people` is filled only where the view
/// lists people: at unit level (the units shown), for one unit, and for the
/// people export (`list=people`); at region and administration level it is
/// empty. The expiry forecast comes from the kept transitions at every level.
pub async fn report(
    state: &AppState,
    filter: UnitFilter,
    q: &ComplianceQuery,
    today: NaiveDate,
) -> Result<Arc<Report>, AppError> {
    struct Ask {
        code: String,
        filter: UnitFilter,
        day: NaiveDate,
        by: Level,
        within: Option<i64>,
        unit: Option<i64>,
        everyone: bool,
    }

    fn build(c: &rusqlite::Connection, ask: &Ask) -> Result<Report, AppError> {
        let types = store::licence_types(c)?;
        let licence = if ask.code.is_empty() {
            types.first().cloned().ok_or(AppError::NotFound)?
        } else {
            store::licence_type_by_code(c, &ask.code)?.ok_or_else(|| {
                AppError::unprocessable(
                    "licence",
                    msg!("licence.error_unknown_code", code = ask.code.as_str()),
                )
            })?
        };
        let visible = match &ask.filter {
            UnitFilter::All => None,
            UnitFilter::Only(ids) => Some(ids.as_slice()),
        };
        let scope = counts::Scope {
            by: ask.by,
            within: ask.within,
            visible,
            unit: ask.unit,
            everyone: ask.everyone,
        };
        let view = counts::view(c, &licence, ask.day, &scope)?;
        let shown: Vec<i64> = view
            .units
            .values()
            .filter(|u| visible.is_none_or(|v| v.contains(&u.unit_id)))
            .filter(|u| ask.unit.is_none_or(|one| u.unit_id == one))
            .filter(|u| match (ask.by, ask.within) {
                (Level::Administration, Some(region)) => u.region_id == region,
                (Level::Unit, Some(administration)) => u.administration_id == administration,
                _ => true,
            })
            .map(|u| u.unit_id)
            .collect();
        let forecast = counts::forecast(c, &licence, ask.day, Some(&shown))?;
        Ok(Report {
            forecast,
            licence,
            types,
            as_of: ask.day,
            by: ask.by,
            within: ask.within,
            rows: view.rows,
            total: view.total,
            people: view.people,
            units: view.units,
        })
    }

    let day = as_of(&q.as_of, today)?;
    let by = Level::parse(&q.by)
        .ok_or_else(|| AppError::bad_request("by", msg!("compliance.error_level")))?;
    let ask = Arc::new(Ask {
        code: q.licence.trim().to_string(),
        filter,
        day,
        by,
        within: if by == Level::Region { None } else { q.within },
        unit: q.unit,
        everyone: q.list == "people",
    });
    // The same question while nothing was written gets the same answer.
    let key = format!(
        "{}|{:?}|{}|{:?}|{:?}|{:?}|{}|{today}",
        ask.code, ask.filter, ask.day, ask.by, ask.within, ask.unit, ask.everyone
    );
    // Keyed on the counts' refresh mark, not on every write: sign-ins and
    // messages leave reports as they are.
    let kept = state.service(report_cache);
    let mark = state
        .db
        .read(|c| counts::mark(c).map_err(AppError::from))
        .await?;
    // The mark was taken before the read: a change that raced it moves the
    // mark on, which leaves the kept answer unused.
    let compute = async move {
        let read = ask.clone();
        // A replica cannot bring the counts up to date: it shows them as the
        // primary last kept them.
        let replica = state.db.read_only();
        // One read is one snapshot: the dirty check and the report, so the
        // counts and the people always describe the same data.
        let fresh = state
            .db
            .read(move |c| -> Result<Option<Report>, AppError> {
                if !replica && counts::is_dirty(c)? {
                    return Ok(None);
                }
                build(c, &read).map(Some)
            })
            .await?;
        Ok(Arc::new(match fresh {
            Some(report) => report,
            // Bringing the kept counts up to date writes derived data only:
            // it records no one's change, so it is no unit of work and has no
            // audit row.
            None => {
                state
                    .db
                    .write(move |tx| -> Result<Report, AppError> {
                        counts::refresh(tx, today)?;
                        build(tx, &ask)
                    })
                    .await?
            }
        }))
    };
    kept.get_or_compute(key, mark.map(i64::unsigned_abs), compute)
        .await
}

/// Roles that see compliance (managers only for their scope).
pub const COMPLIANCE_ROLES: &[Role] = &[
    Role::Admin,
    Role::Coordinator,
    Role::StudyDirector,
    Role::Manager,
];

/// What a user may see in compliance reports.
pub fn compliance_filter(user: &Principal) -> UnitFilter {
    if user.has_any(&[Role::Admin, Role::Coordinator, Role::StudyDirector]) {
        UnitFilter::All
    } else {
        UnitFilter::Only(user.managed_units.clone())
    }
}

/// The JSON body of a report (the page's export and the API share it).
pub fn report_json(r: &Report) -> ComplianceReport {
    ComplianceReport {
        licence: r.licence.code.clone(),
        as_of: r.as_of,
        by: r.by,
        within: r.within,
        rows: r.rows.clone(),
        total: r.total,
    }
}

/// Compliance counts per region, administration or unit, as JSON.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ComplianceReport {
    /// The licence type's code.
    licence: String,
    /// The day judged.
    as_of: NaiveDate,
    /// What the rows are.
    by: Level,
    /// The region or administration the rows lie in, when narrowed.
    within: Option<i64>,
    /// One row per group, with its counts.
    rows: Vec<compliance::Row>,
    /// The counts of every row together.
    total: compliance::Counts,
}
