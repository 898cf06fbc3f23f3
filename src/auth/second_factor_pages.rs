//! The second factor: the step after the password at sign-in, and the
//! account page that sets it up (a QR code for the authenticator app, a
//! code typed back to prove it, recovery codes shown once), renews the
//! recovery codes and removes it.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use super::account_pages::{CurrentPassword, check_current_password};
use super::actions::{self, SecondFactor};
use super::notify::Notifier;
use super::{Ctx, model, store, totp};
use crate::AppState;
use crate::auth::model::Role;
use crate::msg;
use crate::web::context::{cookie_header, session_cookie_name};
use crate::web::layout::{self, FieldAttrs, form_card, page, text_field};
use crate::web::{AppError, FieldErrors, Form};

/// The cookie that holds the second-factor step between its two requests.
pub fn challenge_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-ot_challenge"
    } else {
        "ot_challenge"
    }
}

fn challenge_token(headers: &HeaderMap, secure: bool) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(challenge_cookie_name(secure))
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// The browser's `User-Agent`, for the list of sessions.
pub fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(200).collect())
}

fn challenge_view(ctx: &Ctx, refused: Option<crate::i18n::Msg>) -> Markup {
    let lang = ctx.lang;
    let errors = FieldErrors::new(lang);
    let fields = html! {
        p { (lang.t("login.second_factor_hint")) }
        (text_field(lang.t("login.code"), "code", "", &errors,
            FieldAttrs::required().autocomplete("one-time-code").max_len(40)))
        p.muted { (lang.t("login.recovery_hint")) }
    };
    page(
        ctx,
        lang.t("login.second_factor_title"),
        html! {
            @if let Some(m) = refused { div.alert.error role="alert" { (m.render(lang)) } }
            (form_card(ctx, "/login/second-factor", &errors, fields, lang.t("login.submit")))
        },
    )
}

/// `GET /login/second-factor`: the code, after the password matched.
pub async fn challenge_page(ctx: Ctx, headers: HeaderMap) -> Response {
    if challenge_token(&headers, ctx.secure).is_none() {
        return Redirect::to("/login").into_response();
    }
    challenge_view(&ctx, None).into_response()
}

/// The code typed.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /login/second-factor`: a code from the app or a recovery code.
pub async fn challenge_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let Some(challenge) = challenge_token(&headers, ctx.secure) else {
        return Ok(Redirect::to("/login").into_response());
    };
    let start = store::SessionStart {
        address: ctx.address.clone(),
        user_agent: user_agent(&headers),
        method: model::SignInMethod::PasswordTotp,
    };
    let previous = ctx.session_token.clone();
    let notifier = Notifier::of(&state);
    let typed: String = form.code.chars().take(40).collect();
    let outcome = ctx
        .change(&state.db, move |w| {
            actions::second_factor(w, &challenge, &typed, previous.as_deref(), &start, notifier)
        })
        .await?;
    let clear = cookie_header(challenge_cookie_name(ctx.secure), "", ctx.secure, Some(0));
    Ok(match outcome {
        SecondFactor::Session { token, next } => {
            let cookie = cookie_header(session_cookie_name(ctx.secure), &token, ctx.secure, None);
            let r = Redirect::to(&layout::safe_next(&next)).into_response();
            super::login_pages::with_cookie(super::login_pages::with_cookie(r, &cookie), &clear)
        }
        SecondFactor::Wrong(left) => (
            StatusCode::UNAUTHORIZED,
            challenge_view(&ctx, Some(msg!("login.code_wrong", left = left))),
        )
            .into_response(),
        SecondFactor::Over => super::login_pages::with_cookie(
            (
                StatusCode::UNAUTHORIZED,
                super::login_pages::login_view(
                    &state,
                    &ctx,
                    "",
                    "/",
                    Some(msg!("login.second_factor_over")),
                ),
            )
                .into_response(),
            &clear,
        ),
    })
}

/// The setup page's state.
enum Setup {
    /// Nothing in force; a button to begin.
    Off,
    /// A new secret to scan and prove with a code.
    Scanning { secret: String, uri: String },
    /// In force, with this many recovery codes left.
    On { codes_left: i64 },
    /// Just put in force or renewed: the recovery codes, shown once.
    Codes(Vec<String>),
}

fn setup_view(ctx: &Ctx, setup: &Setup, errors: &FieldErrors) -> Result<Markup, AppError> {
    let lang = ctx.lang;
    let user = ctx.user()?;
    let required = user.has(Role::Admin);
    let body = match setup {
        Setup::Off => html! {
            p { (lang.t("account.totp_explain")) }
            @if required { div.alert.warn role="alert" { (lang.t("account.totp_required_admin")) } }
            form method="post" action="/account/second-factor" {
                (layout::csrf_field(ctx))
                button type="submit" { (lang.t("account.totp_set_up")) }
            }
        },
        Setup::Scanning { secret, uri } => {
            let svg = layout::qr_svg(uri)?;
            let grouped: Vec<String> = secret
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).to_string())
                .collect();
            let fields = html! {
                (text_field(lang.t("login.code"), "code", "", errors,
                    FieldAttrs::required().autocomplete("one-time-code").max_len(10)))
            };
            html! {
                ol {
                    li { (lang.t("account.totp_step_scan")) }
                    li { (lang.t("account.totp_step_type")) }
                }
                div.qr role="img" aria-label=(lang.t("account.totp_qr")) { (PreEscaped(layout::inline_svg(&svg))) }
                p { (lang.t("account.totp_secret")) " " code { (grouped.join(" ")) } }
                (form_card(ctx, "/account/second-factor/confirm", errors, fields, lang.t("account.totp_confirm")))
            }
        }
        Setup::On { codes_left } => html! {
            p { (layout::badge(lang.t("account.totp_on"), "ok")) " " (msg!("account.codes_left", left = *codes_left).render(lang)) }
            form.inline method="post" action="/account/second-factor/recovery-codes" {
                (layout::csrf_field(ctx))
                button.secondary type="submit" { (lang.t("account.codes_renew")) }
            }
            @if !required {
                h2 { (lang.t("account.totp_remove")) }
                (form_card(ctx, "/account/second-factor/remove", errors, html! {
                    (text_field(lang.t("accounts.current_password"), "current", "", errors,
                        FieldAttrs::required().kind("password").autocomplete("current-password")))
                }, lang.t("account.totp_remove")))
            }
        },
        Setup::Codes(codes) => html! {
            div.alert.warn role="alert" { (lang.t("account.codes_once")) }
            ul.codes { @for c in codes { li { code { (c) } } } }
            p { a.button href="/account" { (lang.t("account.codes_saved")) } }
        },
    };
    Ok(page(ctx, lang.t("account.second_factor"), body))
}

async fn current_setup(state: &AppState, account_id: i64) -> Result<Setup, AppError> {
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            Ok(match store::totp(c, account_id)? {
                Some(t) if t.confirmed => Setup::On {
                    codes_left: store::recovery_codes_left(c, account_id)?,
                },
                _ => Setup::Off,
            })
        })
        .await
}

/// `GET /account/second-factor`.
pub async fn setup_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let id = ctx.user()?.account_id;
    let setup = current_setup(&state, id).await?;
    setup_view(&ctx, &setup, &FieldErrors::new(ctx.lang))
}

/// `POST /account/second-factor`: a new secret to scan.
pub async fn setup_begin(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let id = user.account_id;
    let secret = ctx
        .change(&state.db, move |w| actions::begin_totp(w, id))
        .await?;
    let uri = totp::otpauth_uri(&secret, &user.email)
        .ok_or_else(|| AppError::Internal("otpauth URI".into()))?;
    Ok(setup_view(
        &ctx,
        &Setup::Scanning { secret, uri },
        &FieldErrors::new(ctx.lang),
    )?
    .into_response())
}

/// `POST /account/second-factor/confirm`: the code that proves the app
/// has the secret; shows the recovery codes once.
pub async fn setup_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let id = user.account_id;
    let (code, session) = (form.code.clone(), ctx.session_token.clone());
    let notifier = Notifier::of(&state);
    let done = ctx
        .change(&state.db, move |w| {
            actions::confirm_totp(w, id, &code, session.as_deref(), notifier)
        })
        .await;
    match done {
        Ok(codes) => Ok(
            setup_view(&ctx, &Setup::Codes(codes), &FieldErrors::new(ctx.lang))?.into_response(),
        ),
        Err(AppError::Unprocessable { message, .. }) => {
            // The same secret again, to type a fresh code from.
            let secret = state
                .db
                .read(move |c| store::totp(c, id).map_err(AppError::from))
                .await?
                .map(|t| t.secret);
            let errors = FieldErrors::from_list(ctx.lang, [("code", message)]);
            let setup =
                match secret.and_then(|s| totp::otpauth_uri(&s, &user.email).map(|u| (s, u))) {
                    Some((secret, uri)) => Setup::Scanning { secret, uri },
                    None => Setup::Off,
                };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                setup_view(&ctx, &setup, &errors)?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

/// `POST /account/second-factor/recovery-codes`: new codes, the old ones void.
pub async fn renew_codes(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.user()?.account_id;
    let codes = ctx
        .change(&state.db, move |w| actions::renew_recovery_codes(w, id))
        .await?;
    Ok(setup_view(&ctx, &Setup::Codes(codes), &FieldErrors::new(ctx.lang))?.into_response())
}

/// The password that confirms removing the second factor.
#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    current: String,
}

/// `POST /account/second-factor/remove`: with the current password, so a
/// borrowed session cannot take it away. Administrators keep theirs.
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<RemoveForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    if user.has(Role::Admin) {
        return Err(AppError::unprocessable(
            "current",
            msg!("account.totp_required_admin"),
        ));
    }
    let refused = match check_current_password(&state, &ctx, form.current).await? {
        CurrentPassword::Right => None,
        CurrentPassword::Wrong => Some((msg!("login.failed"), None)),
        CurrentPassword::Wait(wait) => Some((msg!("login.throttled"), Some(wait))),
    };
    if let Some((message, wait)) = refused {
        let setup = current_setup(&state, user.account_id).await?;
        let errors = FieldErrors::from_list(ctx.lang, [("current", message)]);
        let body = setup_view(&ctx, &setup, &errors)?;
        return Ok(match wait {
            Some(w) => super::login_pages::too_many(body, w),
            None => (StatusCode::UNPROCESSABLE_ENTITY, body).into_response(),
        });
    }
    let id = user.account_id;
    let notifier = Notifier::of(&state);
    ctx.change(&state.db, move |w| actions::remove_totp(w, id, notifier))
        .await?;
    Ok(crate::web::see_other("/account?msg=account.totp_removed"))
}
