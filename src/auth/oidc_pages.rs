//! Sign-in through the region's identity provider: `/auth/oidc/start`
//! sends the browser there with a fresh state, nonce and PKCE challenge
//! (kept server-side, the state also in a cookie of this browser), and
//! `/auth/oidc/callback` takes the code back once, checks state and issuer,
//! has [`Oidc`] exchange and verify it, and signs the person in. Every way
//! it can fail is a page that says so, never a 500.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use maud::html;
use serde::Deserialize;

use super::actions::{self, OidcRefusal};
use super::oidc::{Oidc, OidcError};
use super::{Ctx, store};
use crate::AppState;
use crate::i18n::Msg;
use crate::msg;
use crate::web::context::{cookie_header, session_cookie_name};
use crate::web::layout::{page, safe_next};
use crate::web::{AppError, Query};

/// How long a sign-in at the provider may take.
const STATE_MINUTES: i64 = 10;

fn state_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-ot_oidc" } else { "ot_oidc" }
}

/// Query of the start.
#[derive(Debug, Deserialize, Default)]
pub struct StartQuery {
    #[serde(default)]
    next: String,
}

/// A sign-in that did not happen, as a page with a way back, and its line
/// in the audit log.
async fn failed(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    reason: &'static str,
    message: Msg,
) -> Result<Response, AppError> {
    ctx.change(&state.db, move |w| actions::note_oidc_failure(w, reason))
        .await?;
    let lang = ctx.lang;
    let body = page(
        ctx,
        lang.t("oidc.failed_title"),
        html! {
            div.alert.error role="alert" { (message.render(lang)) }
            p { a.button href="/login" { (lang.t("oidc.try_again")) } }
        },
    );
    let clear = cookie_header(state_cookie_name(ctx.secure), "", ctx.secure, Some(0));
    Ok(super::login_pages::with_cookie(
        (status, body).into_response(),
        &clear,
    ))
}

/// `GET /auth/oidc/start?next=`: off to the provider.
pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<StartQuery>,
) -> Result<Response, AppError> {
    let oidc = state.services.get::<Oidc>().ok_or(AppError::NotFound)?;
    let started = match oidc.start().await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "identity provider");
            return failed(
                &state,
                &ctx,
                StatusCode::BAD_GATEWAY,
                "unreachable",
                msg!("oidc.unreachable"),
            )
            .await;
        }
    };
    let next = safe_next(&q.next);
    let (s, n, v) = (
        started.state.clone(),
        started.nonce.clone(),
        started.pkce_verifier.clone(),
    );
    ctx.change(&state.db, move |w| {
        store::save_oidc_login(w, &s, &n, &v, &next, w.now()).map_err(AppError::from)
    })
    .await?;
    let cookie = cookie_header(
        state_cookie_name(ctx.secure),
        &started.state,
        ctx.secure,
        Some(STATE_MINUTES * 60),
    );
    Ok(super::login_pages::with_cookie(
        Redirect::to(&started.url).into_response(),
        &cookie,
    ))
}

/// What the provider sends back.
#[derive(Debug, Deserialize, Default)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/oidc/callback`: the code, once.
pub async fn callback(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, AppError> {
    let oidc = state.services.get::<Oidc>().ok_or(AppError::NotFound)?;
    if let Some(error) = &q.error {
        let said: String = q
            .error_description
            .as_deref()
            .unwrap_or(error)
            .chars()
            .take(200)
            .collect();
        return failed(
            &state,
            &ctx,
            StatusCode::BAD_REQUEST,
            "provider_error",
            msg!("oidc.provider_said", said = said.as_str()),
        )
        .await;
    }
    let (Some(code), Some(returned)) = (q.code.as_deref(), q.state.as_deref()) else {
        return failed(
            &state,
            &ctx,
            StatusCode::BAD_REQUEST,
            "incomplete",
            msg!("oidc.incomplete"),
        )
        .await;
    };
    let ours = CookieJar::from_headers(&headers)
        .get(state_cookie_name(ctx.secure))
        .map(|c| c.value().to_string());
    if ours.as_deref() != Some(returned) {
        return failed(
            &state,
            &ctx,
            StatusCode::BAD_REQUEST,
            "state",
            msg!("oidc.state_mismatch"),
        )
        .await;
    }
    if q.iss
        .as_deref()
        .is_some_and(|iss| iss != oidc.settings().issuer)
    {
        return failed(
            &state,
            &ctx,
            StatusCode::BAD_REQUEST,
            "issuer",
            msg!("oidc.wrong_issuer"),
        )
        .await;
    }
    let st = returned.to_string();
    let taken = ctx
        .change(&state.db, move |w| {
            store::take_oidc_login(w, &st, w.now(), chrono::Duration::minutes(STATE_MINUTES))
                .map_err(AppError::from)
        })
        .await?;
    let Some((nonce, verifier, next)) = taken else {
        return failed(
            &state,
            &ctx,
            StatusCode::BAD_REQUEST,
            "expired",
            msg!("oidc.expired"),
        )
        .await;
    };
    let identity = match oidc.finish(code, &nonce, &verifier).await {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(error = %e, "identity provider sign-in refused");
            let (status, reason, message) = match e {
                OidcError::Unreachable(_) => (
                    StatusCode::BAD_GATEWAY,
                    "unreachable",
                    msg!("oidc.unreachable"),
                ),
                OidcError::CodeRefused(_) => {
                    (StatusCode::BAD_REQUEST, "code", msg!("oidc.code_refused"))
                }
                OidcError::TokenRefused(_) => {
                    (StatusCode::BAD_REQUEST, "token", msg!("oidc.token_refused"))
                }
            };
            return failed(&state, &ctx, status, reason, message).await;
        }
    };
    let start = store::SessionStart {
        address: ctx.address.clone(),
        user_agent: super::second_factor_pages::user_agent(&headers),
        method: super::model::SignInMethod::Oidc,
    };
    let previous = ctx.session_token.clone();
    let who = identity.clone();
    let outcome = ctx
        .change(&state.db, move |w| {
            actions::sign_in_oidc(w, &who, previous.as_deref(), &start)
        })
        .await?;
    match outcome {
        Ok(token) => {
            let session = cookie_header(session_cookie_name(ctx.secure), &token, ctx.secure, None);
            let clear = cookie_header(state_cookie_name(ctx.secure), "", ctx.secure, Some(0));
            let r = Redirect::to(&safe_next(&next)).into_response();
            Ok(super::login_pages::with_cookie(
                super::login_pages::with_cookie(r, &session),
                &clear,
            ))
        }
        Err(OidcRefusal::UnknownPerson) => {
            let hsa = identity.hsa_id.unwrap_or_else(|| "–".into());
            failed(
                &state,
                &ctx,
                StatusCode::FORBIDDEN,
                "unknown_person",
                msg!("oidc.unknown_person", hsa_id = hsa.as_str()),
            )
            .await
        }
        Err(OidcRefusal::Inactive) => {
            failed(
                &state,
                &ctx,
                StatusCode::FORBIDDEN,
                "inactive",
                msg!("oidc.inactive"),
            )
            .await
        }
    }
}
