//! Calendar pages: making and revoking subscription links, an offering's
//! calendar file for a signed-in user, and the subscription address that
//! calendar apps fetch without a session.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::actions::{self, FeedRequest};
use super::calendar::{self, Feed};
use super::enrolment_pages::mine_page;
use super::store;
use crate::AppState;
use crate::auth::Ctx;
use crate::i18n::Lang;
use crate::web::{AppError, Form, Path, ical, see_other};

/// Which link to make.
#[derive(Debug, Deserialize, Default)]
pub struct FeedForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    offering: Option<i64>,
}

/// `POST /calendar-feeds`: makes a subscription link and shows it once.
pub async fn create_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    Form(form): Form<FeedForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let asked = match (form.kind.trim(), form.offering) {
        ("person", _) => FeedRequest::Mine,
        ("lecturer", _) => FeedRequest::Lecturing,
        ("offering", Some(o)) => FeedRequest::Offering(o),
        _ => {
            return Err(AppError::unprocessable(
                "kind",
                crate::msg!("calendar.error_kind"),
            ));
        }
    };
    let token = ctx
        .change(&state.db, move |w| actions::create_feed(w, &user, asked))
        .await?;
    let origin = crate::licences::verify::origin(&state.config, &headers, &uri);
    let url = format!("{}/calendar/{token}.ics", origin.trim_end_matches('/'));
    Ok(mine_page(&state, &ctx, Some(&url), None)
        .await?
        .into_response())
}

/// `POST /calendar-feeds/{id}/revoke`: the link stops working (404).
pub async fn revoke_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let account = ctx.user()?.account_id;
    ctx.change(&state.db, move |w| actions::revoke_feed(w, account, id))
        .await?;
    Ok(see_other("/enrolments?msg=calendar.notice_revoked"))
}

/// A feed's sessions as an iCalendar file, its name and course titles in
/// `lang`.
pub(super) async fn feed_response(
    state: &AppState,
    feed: Feed,
    now: DateTime<Utc>,
    lang: Lang,
) -> Result<Response, AppError> {
    let (name, events) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let name = match feed {
                Feed::Offering(id) => {
                    let o = store::enrolment::offering(c, id)?.ok_or(AppError::NotFound)?;
                    format!("{} {} {}", o.code, o.title(lang), o.starts_on)
                }
                Feed::Lecturer(_) => lang.t("calendar.kind_lecturer").to_string(),
                Feed::Person(_) => lang.t("calendar.kind_person").to_string(),
            };
            Ok((name, store::calendar::sessions(c, feed)?))
        })
        .await?;
    let (kind, id) = feed.parts();
    Ok(ical::response(
        &format!("{kind}-{id}.ics"),
        calendar::build(&name, &events, lang, now),
    ))
}

/// `GET /offerings/{id}/calendar.ics`: the offering's sessions, for a
/// signed-in user to download or open in a calendar app.
pub async fn offering_calendar(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    ctx.user()?;
    feed_response(&state, Feed::Offering(id), ctx.now, ctx.lang).await
}

/// `GET /calendar/{token}.ics`: a subscription link, fetched by calendar
/// apps without a session, in the language of the account that made it.
/// Unknown and revoked tokens answer 404.
pub async fn feed_calendar(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let token = token.strip_suffix(".ics").unwrap_or(&token).to_string();
    let now = state.clock.now();
    let (feed, lang) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let Some((feed, maker)) = store::calendar::feed_by_token(c, &token)? else {
                return Err(AppError::NotFound);
            };
            Ok((
                feed,
                crate::mail::store::recipient_lang(c, Some(maker), None)?,
            ))
        })
        .await?;
    feed_response(&state, feed, now, lang).await
}
