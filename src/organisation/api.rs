//! JSON endpoints for units and people. Refusals are catalogue messages;
//! the edge renders them in the request's `Accept-Language`.

use axum::extract::State;
use chrono::NaiveDate;
use serde::Serialize;

use super::store::{self, PeopleQuery, UnitQuery};
use crate::AppState;
use crate::auth::ApiUser;
use crate::msg;
use crate::web::{ApiQuery, AppError};

/// A unit as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitOut {
    id: i64,
    code: String,
    name: String,
    administration_id: i64,
    administration: String,
    region_id: i64,
    region: String,
    gives_chemotherapy: bool,
    trainee_capacity: Option<i64>,
    active: bool,
}

/// `GET /api/v1/units`: every unit (the organisation is not secret to staff).
#[utoipa::path(
    get,
    path = "/api/v1/units",
    tag = "organisation",
    responses((status = 200, description = "Every unit", body = Vec<UnitOut>))
)]
pub async fn units(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<axum::Json<Vec<UnitOut>>, AppError> {
    let _ = user;
    let rows = state
        .db
        .read(|c| {
            store::units(
                c,
                &UnitQuery {
                    inactive: Some("1".into()),
                    ..Default::default()
                },
                NaiveDate::MIN,
            )
            .map_err(AppError::from)
        })
        .await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|u| UnitOut {
                id: u.id,
                code: u.code,
                name: u.name,
                administration_id: u.administration_id,
                administration: u.administration_name,
                region_id: u.region_id,
                region: u.region_name,
                gives_chemotherapy: u.gives_chemotherapy,
                trainee_capacity: u.trainee_capacity,
                active: u.active,
            })
            .collect(),
    ))
}

/// A person as the API shows them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonOut {
    id: i64,
    name: String,
    email: String,
    hsa_id: Option<String>,
    profession: super::model::Profession,
    unit: String,
    active: bool,
    left_on: Option<NaiveDate>,
}

/// A page of people.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeoplePage {
    items: Vec<PersonOut>,
    page: u32,
    per_page: u32,
    total: i64,
}

/// Largest page the API serves.
const MAX_PER_PAGE: u32 = 500;
/// Highest page number the API takes (the description says so too).
const MAX_PAGE: u32 = 1_000_000;

/// `GET /api/v1/people`: filters `hsa_id`, `email`, `unit`, `profession`, `q`,
/// `include_left`; `page` and `per_page` (at most 500), or `after`/`before`
/// a person for the next or previous page. Only people the caller may see.
#[utoipa::path(
    get,
    path = "/api/v1/people",
    tag = "organisation",
    params(("hsa_id" = Option<String>, Query, min_length = 1, description = "HSA-id, exact"), ("email" = Option<String>, Query, min_length = 1, description = "E-mail, exact"), ("unit" = Option<String>, Query, min_length = 1, description = "Unit code"), ("profession" = Option<super::model::Profession>, Query, description = "Profession"), ("q" = Option<String>, Query, min_length = 1, description = "Name, e-mail or HSA-id contains"), ("include_left" = Option<bool>, Query, description = "Also people who have left: `true` or `false` (the default)"), ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000, description = "Page, from 1"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Rows per page, at most 500; 100 when absent"), ("after" = Option<i64>, Query, description = "The page after this person (id) in the order, instead of a page number: the next page without counting through the earlier ones"), ("before" = Option<i64>, Query, description = "The page before this person (id) in the order")),
    responses((status = 200, description = "A page of the people the caller may see", body = PeoplePage))
)]
pub async fn people(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> Result<axum::Json<PeoplePage>, AppError> {
    // The page's checkbox sends `1`; the API takes a boolean and nothing
    // else (the store reads both as its flag).
    if q.include_left
        .as_deref()
        .is_some_and(|v| v != "true" && v != "false")
    {
        return Err(AppError::bad_request(
            "include_left",
            msg!("people.error_true_or_false"),
        ));
    }
    let page = q.page.unwrap_or(1);
    if page == 0 || page > MAX_PAGE {
        return Err(AppError::bad_request(
            "page",
            msg!("people.error_from_one_to", max = MAX_PAGE),
        ));
    }
    let per_page = q.per_page.unwrap_or(100);
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(AppError::bad_request(
            "per_page",
            msg!("people.error_from_one_to", max = MAX_PER_PAGE),
        ));
    }
    if !q.profession.trim().is_empty() && super::model::Profession::parse(&q.profession).is_none() {
        return Err(AppError::bad_request(
            "profession",
            msg!("people.error_profession_value"),
        ));
    }
    let principal = user.principal.clone();
    let today = user.today;
    let (rows, total) = state
        .db
        .read(move |c| {
            store::search_people(
                c,
                &q,
                &principal.people_filter(),
                principal.person_id,
                today,
                page,
                per_page,
                store::Count::All,
            )
            .map_err(AppError::from)
        })
        .await?;
    Ok(axum::Json(PeoplePage {
        items: rows
            .into_iter()
            .map(|p| PersonOut {
                active: p.active_on(today),
                id: p.id,
                name: p.name,
                email: p.email,
                hsa_id: p.hsa_id,
                profession: p.profession,
                unit: p.unit_code,
                left_on: p.left_on,
            })
            .collect(),
        page,
        per_page,
        total,
    }))
}
