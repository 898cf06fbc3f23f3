//! The signed-in user's own account: who they are, their roles, and the
//! change of their password.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::password::Hasher;
use super::{Ctx, actions, model, store};
use crate::AppState;
use crate::msg;
use crate::web::layout::{self, FieldAttrs, form_card, page, text_field};
use crate::web::{AppError, FieldErrors, Form, Query};

/// Query carrying a notice key after a redirect.
#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    msg: String,
}

/// The fields of the password change.
fn password_fields(ctx: &Ctx, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    html! {
        (text_field(lang.t("accounts.current_password"), "current", "", errors, FieldAttrs::required().kind("password").autocomplete("current-password")))
        (text_field(lang.t("accounts.new_password"), "password", "", errors, FieldAttrs::required().kind("password").autocomplete("new-password")))
        p.muted { (lang.t("accounts.password_hint")) }
    }
}

/// What the account page shows beside the user: their live sessions, their
/// second factor and whether they have a local password at all.
struct AccountFacts {
    sessions: Vec<store::SessionInfo>,
    totp: bool,
    codes_left: i64,
    local_password: bool,
}

async fn account_facts(state: &AppState, ctx: &Ctx) -> Result<AccountFacts, AppError> {
    let id = ctx.user()?.account_id;
    let (token, now) = (ctx.session_token.clone(), ctx.now);
    let policy = store::SessionPolicy {
        idle: state.config.session_idle,
        absolute: state.config.session_absolute,
    };
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let local_password = store::has_local_password(c, id)?;
            Ok(AccountFacts {
                sessions: store::sessions_of(c, id, token.as_deref(), now, policy)?,
                totp: store::totp(c, id)?.is_some_and(|t| t.confirmed),
                codes_left: store::recovery_codes_left(c, id)?,
                local_password,
            })
        })
        .await
}

/// The user's live sessions, each with a button to end it.
fn sessions_view(ctx: &Ctx, sessions: &[store::SessionInfo]) -> Markup {
    let lang = ctx.lang;
    html! {
        div.table-wrap tabindex="0" { table {
            thead { tr {
                th { (lang.t("account.session_started")) } th { (lang.t("account.session_seen")) }
                th { (lang.t("account.session_address")) } th { (lang.t("account.session_method")) }
                th { (lang.t("account.session_browser")) } th { (lang.t("common.actions")) }
            } }
            tbody { @for s in sessions { tr {
                td.nowrap { (crate::clock::local_display(&s.created_at)) }
                td.nowrap { (crate::clock::local_display(&s.last_seen_at)) }
                td { (s.address.as_deref().unwrap_or("–")) }
                td { (s.method.as_deref().and_then(model::SignInMethod::parse).map(|m| lang.t(m.label_key())).unwrap_or("–")) }
                td { (s.user_agent.as_deref().unwrap_or("–")) }
                td {
                    @if s.current { (layout::badge(lang.t("account.session_this"), "ok")) }
                    @else {
                        form.inline method="post" action=(format!("/account/sessions/{}/end", s.id)) {
                            (layout::csrf_field(ctx))
                            button.secondary type="submit" { (lang.t("account.session_end")) }
                        }
                    }
                }
            } } }
        } }
    }
}

fn account_view(
    ctx: &Ctx,
    facts: &AccountFacts,
    errors: &FieldErrors,
    notice: Option<&str>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?;
    let lang = ctx.lang;
    Ok(page(
        ctx,
        lang.t("nav.account"),
        html! {
            @if let Some(n) = notice { (layout::notice(n)) }
            div.card {
                dl.facts {
                    dt { (lang.t("common.name")) } dd { (user.name) }
                    dt { (lang.t("common.email")) } dd { (user.email) }
                    dt { (lang.t("accounts.roles")) }
                    dd { @for g in &user.grants { (lang.t(g.role.label_key())) " " } }
                }
            }
            h2 { (lang.t("account.second_factor")) }
            div.card {
                @if facts.totp {
                    p { (layout::badge(lang.t("account.totp_on"), "ok")) " "
                        (msg!("account.codes_left", left = facts.codes_left).render(lang)) }
                    p { a href="/account/second-factor" { (lang.t("account.second_factor_manage")) } }
                } @else if facts.local_password {
                    p { (layout::badge(lang.t("account.totp_off"), "warn")) " " (lang.t("account.totp_why")) }
                    p { a.button href="/account/second-factor" { (lang.t("account.totp_set_up")) } }
                } @else {
                    p { (lang.t("account.signs_in_with_provider")) }
                }
            }
            h2 { (lang.t("account.sessions")) }
            p.muted { (lang.t("account.sessions_hint")) }
            (sessions_view(ctx, &facts.sessions))
            @if facts.local_password {
                h2 { (lang.t("accounts.change_password")) }
                (form_card(ctx, "/account/password", errors, password_fields(ctx, errors), lang.t("accounts.change_password")))
            }
        },
    ))
}

/// `GET /account`.
pub async fn account_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Markup, AppError> {
    let facts = account_facts(&state, &ctx).await?;
    account_view(
        &ctx,
        &facts,
        &FieldErrors::new(ctx.lang),
        layout::notice_key(ctx.lang, &q.msg),
    )
}

/// `POST /account/sessions/{id}/end`: ends one of the user's own sessions
/// (another's is not found).
pub async fn end_session(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Result<Response, AppError> {
    let account = ctx.user()?.account_id;
    ctx.change(&state.db, move |w| actions::end_own_session(w, account, id))
        .await?;
    Ok(crate::web::see_other("/account?msg=account.session_ended"))
}

/// The password change fields.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

/// The signed-in user's current password, as a form that changes their
/// sign-in asks for it.
pub(super) enum CurrentPassword {
    /// It matches.
    Right,
    /// It does not (counted and logged like a failed sign-in).
    Wrong,
    /// Too many wrong ones from here: not checked; seconds to wait.
    Wait(u64),
}

/// Checks `typed` against the signed-in user's password. Guessing it
/// counts like failed sign-ins and waits like them, so a borrowed session
/// cannot try passwords without limit.
pub(super) async fn check_current_password(
    state: &AppState,
    ctx: &Ctx,
    typed: String,
) -> Result<CurrentPassword, AppError> {
    let email = ctx.user()?.email.clone();
    if let Some(wait) = super::login_pages::throttle_wait(state, ctx, &email).await? {
        return Ok(CurrentPassword::Wait(wait));
    }
    let e = email.clone();
    let stored = state
        .db
        .read(move |conn| store::account_by_email(conn, &e).map_err(AppError::from))
        .await?
        .map(|(_, hash)| hash);
    if Hasher::of(state).verify(typed, stored).await {
        return Ok(CurrentPassword::Right);
    }
    let address = ctx.address.clone();
    ctx.change(&state.db, move |w| {
        actions::note_wrong_current_password(w, &email, &address)
    })
    .await?;
    Ok(CurrentPassword::Wrong)
}

/// `POST /account/password`: needs the current password; ends other sessions.
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let mut errors = FieldErrors::new(ctx.lang);
    match check_current_password(&state, &ctx, form.current).await? {
        CurrentPassword::Right => {}
        CurrentPassword::Wrong => errors.add("current", msg!("login.failed")),
        CurrentPassword::Wait(wait) => {
            errors.add("current", msg!("login.throttled"));
            let facts = account_facts(&state, &ctx).await?;
            return Ok(super::login_pages::too_many(
                account_view(&ctx, &facts, &errors, None)?,
                wait,
            ));
        }
    }
    if let Err(p) = model::check_password(&form.password, &[&user.email, &user.name]) {
        errors.add("password", p.message());
    }
    if !errors.is_empty() {
        let facts = account_facts(&state, &ctx).await?;
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            account_view(&ctx, &facts, &errors, None)?,
        )
            .into_response());
    }
    let hash = Hasher::of(&state)
        .hash(form.password)
        .await
        .map_err(AppError::Internal)?;
    let (id, this_session) = (user.account_id, ctx.session_token.clone());
    let notifier = super::notify::Notifier::of(&state);
    ctx.change(&state.db, move |w| {
        actions::change_password(w, id, &hash, this_session.as_deref(), notifier)
    })
    .await?;
    Ok(crate::web::see_other(
        "/account?msg=accounts.password_changed",
    ))
}
