//! Sign-in, sign-out and the language switch.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::actions::{self, LoginRules, SignIn, SignedIn};
use super::model::Throttle;
use super::password::Hasher;
use super::{Ctx, store};
use crate::AppState;
use crate::i18n::{Lang, Msg};
use crate::msg;
use crate::web::context::{LANG_COOKIE, cookie_header, session_cookie_name};
use crate::web::layout::{FieldAttrs, form_card, page, safe_next, text_field};
use crate::web::{AppError, FieldErrors, Form, Query};

/// Query of the sign-in page.
#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// The sign-in page: the identity provider first when there is one, then
/// the password form (folded away as break-glass when local passwords are
/// off), the e-mail kept, where to go after, and why the last attempt was
/// refused.
pub(super) fn login_view(
    state: &AppState,
    ctx: &Ctx,
    email: &str,
    next: &str,
    refused: Option<Msg>,
) -> Markup {
    let lang = ctx.lang;
    let errors = FieldErrors::new(lang);
    let fields = html! {
        input type="hidden" name="next" value=(next);
        (text_field(lang.t("login.email"), "email", email, &errors, FieldAttrs::required().kind("email").autocomplete("username")))
        (text_field(lang.t("login.password"), "password", "", &errors, FieldAttrs::required().kind("password").autocomplete("current-password")))
    };
    let provider = state.config.oidc.as_ref();
    let form = form_card(ctx, "/login", &errors, fields, lang.t("login.submit"));
    page(
        ctx,
        lang.t("login.title"),
        html! {
            // Not beside a field: which of the two was wrong is not told.
            @if let Some(m) = refused { div.alert.error role="alert" { (m.render(lang)) } }
            @if let Some(p) = provider {
                div.card {
                    p { a.button href=(format!("/auth/oidc/start?next={}", crate::web::middleware::urlencode(next))) {
                        (msg!("login.with_provider", provider = p.label.as_str()).render(lang))
                    } }
                    p.muted { (lang.t("login.provider_hint")) }
                }
            }
            @if state.config.local_login {
                @if provider.is_some() { h2 { (lang.t("login.local_title")) } }
                (form)
            } @else {
                details {
                    summary { (lang.t("login.break_glass")) }
                    (form)
                }
            }
        },
    )
}

/// `GET /login`.
pub async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LoginQuery>,
) -> Markup {
    login_view(&state, &ctx, "", &safe_next(&q.next), None)
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Seconds until the account of `email` may try a password again from the
/// request's address (failed sign-ins and wrong current passwords count
/// alike), or `None` when it may now.
pub(super) async fn throttle_wait(
    state: &AppState,
    ctx: &Ctx,
    email: &str,
) -> Result<Option<u64>, AppError> {
    let throttle = Throttle::of(&state.config);
    let since = ctx.now - throttle.window;
    let (e, a) = (email.to_string(), ctx.address.clone());
    let (by_email, by_address) = state
        .db
        .read(move |conn| store::recent_failures(conn, &e, &a, since).map_err(AppError::from))
        .await?;
    Ok(throttle.wait(&by_email, &by_address, ctx.now))
}

/// `body` as a 429 that says when to try again.
pub(super) fn too_many(body: Markup, wait: u64) -> Response {
    let mut r = (StatusCode::TOO_MANY_REQUESTS, body).into_response();
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// `POST /login`: throttled per account and address and per address; a
/// wrong e-mail takes as long as a wrong password and is told the same. An
/// account with a second factor goes on to the code.
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    // No account's e-mail is longer than 254 characters: longer input is cut
    // before it is looked up, counted or logged.
    let email: String = form
        .email
        .trim()
        .chars()
        .take(crate::check::EMAIL_MAX)
        .collect();
    let next = safe_next(&form.next);
    if let Some(wait) = throttle_wait(&state, &ctx, &email).await? {
        let e = email.clone();
        ctx.change(&state.db, move |w| actions::note_throttled(w, &e))
            .await?;
        let body = login_view(&state, &ctx, &email, &next, Some(msg!("login.throttled")));
        return Ok(too_many(body, wait));
    }
    let e = email.clone();
    let found = state
        .db
        .read(move |conn| store::account_by_email(conn, &e).map_err(AppError::from))
        .await?;
    let stored = found
        .as_ref()
        .filter(|(account, _)| account.active)
        .map(|(_, hash)| hash.clone());
    let verified = Hasher::of(&state).verify(form.password, stored).await;
    let attempt = SignIn {
        email: email.clone(),
        address: ctx.address.clone(),
        user_agent: super::second_factor_pages::user_agent(&headers),
        account_id: found.as_ref().map(|(account, _)| account.id),
        verified,
        next: next.clone(),
    };
    let rules = LoginRules {
        local_login: state.config.local_login,
        throttle: Throttle::of(&state.config),
        notifier: super::notify::Notifier::of(&state),
    };
    let previous = ctx.session_token.clone();
    let outcome = state
        .db
        .change(attempt.actor(), ctx.now, move |w| {
            actions::sign_in(w, &attempt, previous.as_deref(), rules)
        })
        .await?;
    match outcome {
        SignedIn::Session(token) => {
            let cookie = cookie_header(session_cookie_name(ctx.secure), &token, ctx.secure, None);
            Ok(with_cookie(Redirect::to(&next).into_response(), &cookie))
        }
        SignedIn::SecondFactor(token) => {
            let cookie = cookie_header(
                super::second_factor_pages::challenge_cookie_name(ctx.secure),
                &token,
                ctx.secure,
                Some(actions::SECOND_FACTOR_MINUTES * 60),
            );
            Ok(with_cookie(
                Redirect::to("/login/second-factor").into_response(),
                &cookie,
            ))
        }
        SignedIn::LocalOff => Ok((
            StatusCode::FORBIDDEN,
            login_view(&state, &ctx, &email, &next, Some(msg!("login.local_off"))),
        )
            .into_response()),
        SignedIn::Refused => Ok((
            StatusCode::UNAUTHORIZED,
            login_view(&state, &ctx, &email, &next, Some(msg!("login.failed"))),
        )
            .into_response()),
    }
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if let Some(token) = ctx.session_token.clone() {
        ctx.change(&state.db, move |w| actions::sign_out(w, &token))
            .await?;
    }
    let cookie = cookie_header(session_cookie_name(ctx.secure), "", ctx.secure, Some(0));
    Ok(with_cookie(Redirect::to("/login").into_response(), &cookie))
}

/// The language switch's fields.
#[derive(Debug, Deserialize)]
pub struct LangForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: String,
}

/// `POST /lang`: a cookie for everyone, and the account's setting when signed in.
pub async fn switch_language(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LangForm>,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&form.lang).ok_or_else(|| {
        AppError::bad_request(
            "lang",
            msg!(
                "input.unknown_value",
                value = form.lang.as_str(),
                allowed = "sv, en"
            ),
        )
    })?;
    if let Some(user) = &ctx.user {
        let id = user.account_id;
        ctx.change(&state.db, move |w| actions::choose_language(w, id, lang))
            .await?;
    }
    let cookie = format!(
        "{}; Max-Age=31536000",
        cookie_header(LANG_COOKIE, lang.code(), ctx.secure, None)
    );
    Ok(with_cookie(
        Redirect::to(&safe_next(&form.next)).into_response(),
        &cookie,
    ))
}

/// `response` setting the cookie `cookie` (a whole `Set-Cookie` value).
pub(super) fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
