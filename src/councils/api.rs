//! The councils' JSON API: councils with their members and meetings, a
//! meeting with its agenda, attendance, actions and corrections, the
//! actions (a council's, or the caller's own) and their status.

use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::actions;
use super::model::{self, ActionStatus, Due};
use super::store;
use crate::AppState;
use crate::auth::ApiUser;
use crate::msg;
use crate::web::{ApiQuery, AppError, Json, Path};

/// A meeting as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingOut {
    /// Id.
    id: i64,
    /// Start (UTC).
    starts_at: DateTime<Utc>,
    /// End (UTC).
    ends_at: DateTime<Utc>,
    /// Place.
    place: String,
    /// Link.
    link: String,
    /// Cancelled.
    cancelled: bool,
    /// Its minutes are approved (frozen).
    minutes_approved: bool,
}

impl MeetingOut {
    fn of(m: &store::Meeting) -> MeetingOut {
        MeetingOut {
            id: m.id,
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            place: m.place.clone(),
            link: m.link.clone(),
            cancelled: m.cancelled_at.is_some(),
            minutes_approved: m.approved_at.is_some(),
        }
    }
}

/// An action with when it is due.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionOut {
    /// Id.
    id: i64,
    /// The council.
    council_id: i64,
    /// The council's name.
    council: String,
    /// The meeting it was decided at.
    meeting_id: i64,
    /// The agenda item it came from.
    item_id: Option<i64>,
    /// What is to be done.
    text: String,
    /// The responsible person of the register, when one.
    responsible_person_id: Option<i64>,
    /// The responsible's name.
    responsible: String,
    /// Status.
    status: ActionStatus,
    /// What the last status change said.
    status_note: String,
    /// When due: a day, or the next meeting (with its day when planned).
    due: Due,
    /// Still to do and past its day.
    overdue: bool,
}

impl ActionOut {
    fn of(a: &store::Action, slots: &[model::Slot], today: NaiveDate) -> ActionOut {
        let due = model::due(a.due_rule, slots);
        ActionOut {
            id: a.id,
            council_id: a.council_id,
            council: a.council_name.clone(),
            meeting_id: a.meeting_id,
            item_id: a.item_id,
            text: a.text.clone(),
            responsible_person_id: a.responsible_person_id,
            responsible: a.responsible.clone(),
            status: a.status,
            status_note: a.status_note.clone(),
            due,
            overdue: model::overdue(a.status, due, today),
        }
    }
}

/// `GET /api/v1/councils`: the councils the caller sits on (every council
/// for an administrator).
#[utoipa::path(
    get,
    path = "/api/v1/councils",
    tag = "councils",
    responses((status = 200, description = "Councils with the regions they span", body = Vec<store::Council>))
)]
pub async fn list_councils(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<axum::Json<Vec<store::Council>>, AppError> {
    let p = user.principal.clone();
    let scope = (!p.is_admin()).then_some((p.person_id, p.account_id));
    let list = state
        .db
        .read(move |c| store::councils(c, scope).map_err(AppError::from))
        .await?;
    Ok(axum::Json(list))
}

/// A council with its members and meetings.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouncilOut {
    /// The council.
    council: store::Council,
    /// Members (those who left too, with `left_at`).
    members: Vec<store::Member>,
    /// Meetings in time order.
    meetings: Vec<MeetingOut>,
}

/// `GET /api/v1/councils/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/councils/{id}",
    tag = "councils",
    params(("id" = i64, Path, description = "Council id")),
    responses((status = 200, description = "The council, its members and meetings", body = CouncilOut))
)]
pub async fn get_council(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<CouncilOut>, AppError> {
    let p = user.principal.clone();
    let out = state
        .db
        .read(move |c| -> Result<_, AppError> {
            actions::must_see(c, &p, id)?;
            Ok(CouncilOut {
                council: store::council(c, id)?.ok_or(AppError::NotFound)?,
                members: store::members(c, id)?,
                meetings: store::meetings(c, id)?.iter().map(MeetingOut::of).collect(),
            })
        })
        .await?;
    Ok(axum::Json(out))
}

/// A meeting with its agenda, attendance, actions and corrections.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingDetail {
    /// The meeting.
    meeting: MeetingOut,
    /// The council.
    council_id: i64,
    /// The agenda in order.
    items: Vec<store::Item>,
    /// The attendance.
    attendance: Vec<store::Attended>,
    /// Actions decided at it.
    actions: Vec<ActionOut>,
    /// Earlier actions still to do, followed up at it.
    follow_up: Vec<ActionOut>,
    /// Corrections to its approved minutes.
    corrections: Vec<store::Correction>,
}

/// `GET /api/v1/meetings/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/meetings/{id}",
    tag = "councils",
    params(("id" = i64, Path, description = "Meeting id")),
    responses((status = 200, description = "The meeting with its agenda, attendance, actions and corrections", body = MeetingDetail))
)]
pub async fn get_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<MeetingDetail>, AppError> {
    let p = user.principal.clone();
    let today = user.today;
    let out = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let m = store::meeting(c, id)?.ok_or(AppError::NotFound)?;
            actions::must_see(c, &p, m.council_id)?;
            let slots = store::slots(c, m.council_id)?;
            let out = |which| -> Result<Vec<ActionOut>, AppError> {
                Ok(store::actions(c, which)?
                    .iter()
                    .map(|a| ActionOut::of(a, &slots, today))
                    .collect())
            };
            Ok(MeetingDetail {
                meeting: MeetingOut::of(&m),
                council_id: m.council_id,
                items: store::items(c, id)?,
                attendance: store::attendance(c, id)?,
                actions: out(store::Actions::Meeting(id))?,
                follow_up: out(store::Actions::FollowUp(id))?,
                corrections: store::corrections(c, id)?,
            })
        })
        .await?;
    Ok(axum::Json(out))
}

/// Which actions to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionsQuery {
    /// A council's actions (all statuses); without it, the caller's own
    /// actions still to do, in every council.
    council: Option<i64>,
}

/// `GET /api/v1/actions`.
#[utoipa::path(
    get,
    path = "/api/v1/actions",
    tag = "councils",
    params(ActionsQuery),
    responses((status = 200, description = "Actions with when they are due", body = Vec<ActionOut>))
)]
pub async fn list_actions(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ActionsQuery>,
) -> Result<axum::Json<Vec<ActionOut>>, AppError> {
    let p = user.principal.clone();
    let today = user.today;
    let out = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let list = match q.council {
                Some(id) => {
                    actions::must_see(c, &p, id)?;
                    store::actions(c, store::Actions::Council(id))?
                }
                None => match p.person_id {
                    Some(person) => store::actions(c, store::Actions::OpenFor(person))?,
                    None => Vec::new(),
                },
            };
            let mut calendars = store::Calendars::default();
            let mut out = Vec::new();
            for a in &list {
                out.push(ActionOut::of(a, calendars.of(c, a.council_id)?, today));
            }
            Ok(out)
        })
        .await?;
    Ok(axum::Json(out))
}

/// `POST /api/v1/actions/{id}/status` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusBody {
    /// The new status. The responsible person may set `done` or `open`;
    /// the council's secretary any.
    status: ActionStatus,
    /// What to note with it.
    #[serde(default)]
    note: String,
    /// The meeting it is followed up at (carried over from there, an
    /// action due "till nästa möte" becomes due at the meeting after it).
    #[serde(default)]
    at_meeting: Option<i64>,
}

/// `POST /api/v1/actions/{id}/status`.
#[utoipa::path(
    post,
    path = "/api/v1/actions/{id}/status",
    tag = "councils",
    params(("id" = i64, Path, description = "Action id")),
    request_body = StatusBody,
    responses((status = 200, description = "The action as it now stands", body = ActionOut))
)]
pub async fn set_action_status(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<StatusBody>,
) -> Result<axum::Json<ActionOut>, AppError> {
    let p = user.principal.clone();
    if b.note.chars().count() > 2000 {
        return Err(AppError::unprocessable(
            "note",
            msg!("input.too_long", max = 2000),
        ));
    }
    let today = user.today;
    let out = user
        .change(&state.db, move |w| -> Result<_, AppError> {
            actions::set_action_status(w, &p, id, b.status, b.note.trim(), b.at_meeting)?;
            let a = store::action(w, id)?.ok_or(AppError::NotFound)?;
            let slots = store::slots(w, a.council_id)?;
            Ok(ActionOut::of(&a, &slots, today))
        })
        .await?;
    Ok(axum::Json(out))
}

/// Which rounds to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsultationsQuery {
    /// The council.
    council: i64,
    /// Words of a title, sender, document or answer.
    #[serde(default)]
    #[param(pattern = "\\S")]
    q: Option<String>,
}

/// `GET /api/v1/consultations?council=`: a council's rounds, the latest
/// external deadline first.
#[utoipa::path(
    get,
    path = "/api/v1/consultations",
    tag = "councils",
    params(ConsultationsQuery),
    responses((status = 200, description = "The council's consultation rounds", body = Vec<store::Consultation>))
)]
pub async fn list_consultations(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ConsultationsQuery>,
) -> Result<axum::Json<Vec<store::Consultation>>, AppError> {
    let p = user.principal.clone();
    let list = state
        .db
        .read(move |c| -> Result<_, AppError> {
            actions::must_see(c, &p, q.council)?;
            Ok(store::consultations(
                c,
                q.council,
                q.q.as_deref().unwrap_or(""),
            )?)
        })
        .await?;
    Ok(axum::Json(list))
}

/// A round with its documents, answers and whether each is late.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationOut {
    /// The round (its compiled answer only once shared, to members who
    /// do not edit).
    round: store::Consultation,
    /// The documents.
    documents: Vec<DocumentOut>,
}

/// A document with its deadline state.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentOut {
    /// The document and its answer.
    #[serde(flatten)]
    document: store::Document,
    /// Days left to the internal deadline (negative once past).
    days_left: i64,
    /// Submitted after the internal deadline, or not submitted past it.
    late: bool,
}

/// `GET /api/v1/consultations/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/consultations/{id}",
    tag = "councils",
    params(("id" = i64, Path, description = "Round id")),
    responses((status = 200, description = "The round with its documents and answers", body = ConsultationOut))
)]
pub async fn get_consultation(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<ConsultationOut>, AppError> {
    let p = user.principal.clone();
    let today = user.today;
    let out = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let mut round = store::consultation(c, id)?.ok_or(AppError::NotFound)?;
            let access = actions::must_see(c, &p, round.council_id)?;
            if !access.edits() && round.shared_at.is_none() {
                round.compiled_answer = String::new();
            }
            let documents = store::documents(c, id)?
                .into_iter()
                .map(|d| document_out(d, round.internal_due_on, today))
                .collect();
            Ok(ConsultationOut { round, documents })
        })
        .await?;
    Ok(axum::Json(out))
}

fn document_out(d: store::Document, due: NaiveDate, today: NaiveDate) -> DocumentOut {
    let submitted = d
        .submitted_at
        .as_deref()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| crate::clock::stockholm_day(t.to_utc()));
    DocumentOut {
        days_left: model::days_left(due, today),
        late: model::answer_late(d.status, submitted, due, today),
        document: d,
    }
}

/// `POST /api/v1/consultations/{id}/answers` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerBody {
    /// The document answered (of this round).
    document_id: i64,
    /// The answer.
    answer: String,
    /// Links, one per line.
    #[serde(default)]
    links: String,
    /// `draft` or `submitted` (`not_started` takes it back).
    status: model::AnswerStatus,
}

/// `POST /api/v1/consultations/{id}/answers`: a document's answer, by one
/// of the people answering it or the secretary. Late answers are taken and
/// marked late.
#[utoipa::path(
    post,
    path = "/api/v1/consultations/{id}/answers",
    tag = "councils",
    params(("id" = i64, Path, description = "Round id")),
    request_body = AnswerBody,
    responses((status = 200, description = "The document as it now stands", body = DocumentOut))
)]
pub async fn answer_consultation(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<AnswerBody>,
) -> Result<axum::Json<DocumentOut>, AppError> {
    for (field, text, max) in [("answer", &b.answer, 20_000), ("links", &b.links, 4_000)] {
        if text.chars().count() > max {
            return Err(AppError::unprocessable(field, msg!("input.too_long", max)));
        }
    }
    let p = user.principal.clone();
    let today = user.today;
    let out = user
        .change(&state.db, move |w| -> Result<_, AppError> {
            let d = store::document(w, b.document_id)?.ok_or(AppError::NotFound)?;
            if d.consultation_id != id {
                return Err(AppError::NotFound);
            }
            let d = super::consultations::answer(
                w,
                &p,
                b.document_id,
                b.answer.trim(),
                b.links.trim(),
                b.status,
            )?;
            let round = store::consultation(w, id)?.ok_or(AppError::NotFound)?;
            Ok(document_out(d, round.internal_due_on, today))
        })
        .await?;
    Ok(axum::Json(out))
}

/// Which council's nominations.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NominationsQuery {
    /// The council.
    council: i64,
}

/// `GET /api/v1/nominations?council=`: administrations × requests, each
/// cell the names given and whether everyone asked for is named.
#[utoipa::path(
    get,
    path = "/api/v1/nominations",
    tag = "councils",
    params(NominationsQuery),
    responses((status = 200, description = "The council's nomination matrix", body = super::nominations::Matrix))
)]
pub async fn nomination_matrix(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<NominationsQuery>,
) -> Result<axum::Json<super::nominations::Matrix>, AppError> {
    let p = user.principal.clone();
    let m = state
        .db
        .read(move |c| -> Result<_, AppError> {
            actions::must_see(c, &p, q.council)?;
            super::nominations::matrix(c, q.council)
        })
        .await?;
    Ok(axum::Json(m))
}

/// A request with the administrations asked and the people named.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestOut {
    /// The request.
    request: store::Request,
    /// The administrations asked.
    targets: Vec<store::Target>,
    /// The people named.
    nominees: Vec<store::Nominee>,
}

/// `GET /api/v1/nominations/{id}`: one request.
#[utoipa::path(
    get,
    path = "/api/v1/nominations/{id}",
    tag = "councils",
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "The request, the administrations asked and the people named", body = RequestOut))
)]
pub async fn get_nomination_request(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<RequestOut>, AppError> {
    let p = user.principal.clone();
    let out = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let request = store::request(c, id)?.ok_or(AppError::NotFound)?;
            super::nominations::request_access(c, &p, &request)?;
            Ok(RequestOut {
                targets: store::targets(c, id)?,
                nominees: store::nominees(c, id)?,
                request,
            })
        })
        .await?;
    Ok(axum::Json(out))
}
