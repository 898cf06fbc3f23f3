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

fn account_view(ctx: &Ctx, errors: &FieldErrors, notice: Option<&str>) -> Result<Markup, AppError> {
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
            h2 { (lang.t("accounts.change_password")) }
            (form_card(ctx, "/account/password", errors, password_fields(ctx, errors), lang.t("accounts.change_password")))
        },
    ))
}

/// `GET /account`.
pub async fn account_page(ctx: Ctx, Query(q): Query<NoticeQuery>) -> Result<Markup, AppError> {
    account_view(
        &ctx,
        &FieldErrors::new(ctx.lang),
        layout::notice_key(ctx.lang, &q.msg),
    )
}

/// The password change fields.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

/// `POST /account/password`: needs the current password; ends other sessions.
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let email = user.email.clone();
    // Guessing the current password counts like failed sign-ins.
    if let Some(wait) = super::login_pages::throttle_wait(&state, &ctx, &email).await? {
        let mut errors = FieldErrors::new(ctx.lang);
        errors.add("current", msg!("login.throttled"));
        return Ok(super::login_pages::too_many(
            account_view(&ctx, &errors, None)?,
            wait,
        ));
    }
    let e = email.clone();
    let stored = state
        .db
        .read(move |conn| store::account_by_email(conn, &e).map_err(AppError::from))
        .await?
        .map(|(_, hash)| hash);
    let hasher = Hasher::of(&state);
    let mut errors = FieldErrors::new(ctx.lang);
    if !hasher.verify(form.current, stored).await {
        let address = ctx.address.clone();
        ctx.change(&state.db, move |w| {
            actions::note_wrong_current_password(w, &email, &address)
        })
        .await?;
        errors.add("current", msg!("login.failed"));
    }
    if let Err(p) = model::check_password(&form.password, &[&user.email, &user.name]) {
        errors.add("password", p.message());
    }
    if !errors.is_empty() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            account_view(&ctx, &errors, None)?,
        )
            .into_response());
    }
    let hash = hasher
        .hash(form.password)
        .await
        .map_err(AppError::Internal)?;
    let (id, this_session) = (user.account_id, ctx.session_token.clone());
    ctx.change(&state.db, move |w| {
        actions::change_password(w, id, &hash, this_session.as_deref())
    })
    .await?;
    Ok(crate::web::see_other(
        "/account?msg=accounts.password_changed",
    ))
}
