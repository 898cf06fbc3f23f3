//! Sign-in, sign-out, the language switch, the user's own account page, and the
//! administrators' account pages.

use super::Ctx;
use crate::web::Path;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::model::{self, Grant, Role};
use super::store;
use crate::AppState;
use crate::audit::store::{self as audit, Actor, Entry};
use crate::clock::{local_display, stamp};
use crate::i18n::Lang;
use crate::web::context::{LANG_COOKIE, cookie_header, session_cookie_name};
use crate::web::layout::{self, FieldAttrs, csrf_field, page, safe_next, text_field};
use crate::web::{AppError, FieldErrors, Form, Query};

/// Query of the sign-in page.
#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

fn login_form(ctx: &Ctx, email: &str, next: &str, message: Option<&str>) -> Markup {
    let lang = ctx.lang;
    let errors = FieldErrors::new(ctx.lang);
    page(
        ctx,
        lang.t("login.title"),
        html! {
            div.card {
                @if let Some(m) = message { div.alert.error role="alert" { (m) } }
                form method="post" action="/login" {
                    (csrf_field(ctx))
                    input type="hidden" name="next" value=(next);
                    (text_field(lang.t("login.email"), "email", email, &errors, FieldAttrs::required().kind("email").autocomplete("username")))
                    (text_field(lang.t("login.password"), "password", "", &errors, FieldAttrs::required().kind("password").autocomplete("current-password")))
                    button type="submit" { (lang.t("login.submit")) }
                }
            }
        },
    )
}

/// `GET /login`.
pub async fn login_page(ctx: Ctx, Query(q): Query<LoginQuery>) -> Markup {
    login_form(&ctx, "", &safe_next(&q.next), None)
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

/// Seconds until a throttle opens again: the failure that must age out first,
/// plus the window, minus now.
fn retry_after(
    failures: &[String],
    limit: usize,
    window: chrono::Duration,
    now: DateTime<Utc>,
) -> Option<u64> {
    if failures.len() < limit {
        return None;
    }
    let pivot = &failures[failures.len() - limit];
    let at = DateTime::parse_from_rfc3339(pivot)
        .ok()?
        .with_timezone(&Utc);
    Some(((at + window - now).num_seconds()).max(1) as u64)
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let email = form.email.trim().to_string();
    let next = safe_next(&form.next);
    let now = ctx.now;
    let address = ctx.address.clone();
    let since = now - state.config.login_window;
    let (e, a) = (email.clone(), address.clone());
    let (by_email, by_address) = state
        .db
        .read(move |conn| store::recent_failures(conn, &e, &a, since).map_err(AppError::from))
        .await?;
    let throttled = retry_after(
        &by_email,
        state.config.login_failures_per_account,
        state.config.login_window,
        now,
    )
    .into_iter()
    .chain(retry_after(
        &by_address,
        state.config.login_failures_per_address,
        state.config.login_window,
        now,
    ))
    .max();
    if let Some(wait) = throttled {
        let actor = ctx.actor();
        let e = email.clone();
        state
            .db
            .write(move |tx| {
                audit::record(
                    tx,
                    &actor,
                    now,
                    Entry {
                        action: "login.throttled",
                        entity: "account",
                        entity_id: None,
                        before: None,
                        after: Some(json!({"email": e})),
                    },
                )
                .map_err(AppError::from)
            })
            .await?;
        let mut r = (
            StatusCode::TOO_MANY_REQUESTS,
            login_form(&ctx, &email, &next, Some(ctx.t("login.throttled"))),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(r);
    }
    let e = email.clone();
    let found = state
        .db
        .read(move |conn| store::account_by_email(conn, &e).map_err(AppError::from))
        .await?;
    let stored = found
        .as_ref()
        .filter(|(acc, _)| acc.active)
        .map(|(_, h)| h.clone());
    let ok = super::password::Hasher::of(&state)
        .verify(form.password, stored)
        .await;
    let account_id = found.as_ref().map(|(a, _)| a.id);
    let old_session = ctx.session_token.clone();
    let e = email.clone();
    let outcome = state
        .db
        .write(move |tx| -> Result<Option<String>, AppError> {
            store::record_login_attempt(tx, &e, &address, ok, now)?;
            let actor = Actor {
                account_id: if ok { account_id } else { None },
                label: if e.is_empty() {
                    "anonymous".into()
                } else {
                    e.clone()
                },
                address: Some(address.clone()),
            };
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action: if ok { "login.success" } else { "login.failed" },
                    entity: "account",
                    entity_id: account_id.map(|i| i.to_string()),
                    before: None,
                    after: None,
                },
            )?;
            if !ok {
                return Ok(None);
            }
            if let Some(old) = old_session {
                store::end_session(tx, &old, now)?;
            }
            let Some(id) = account_id else {
                return Ok(None);
            };
            Ok(Some(store::start_session(tx, id, &address, now)?))
        })
        .await?;
    match outcome {
        Some(token) => {
            let mut r = Redirect::to(&next).into_response();
            let cookie = cookie_header(session_cookie_name(ctx.secure), &token, ctx.secure, None);
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(r)
        }
        None => Ok((
            StatusCode::UNAUTHORIZED,
            login_form(&ctx, &email, &next, Some(ctx.t("login.failed"))),
        )
            .into_response()),
    }
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if let Some(token) = ctx.session_token.clone() {
        let now = ctx.now;
        let actor = ctx.actor();
        state
            .db
            .write(move |tx| -> Result<(), AppError> {
                if let Some(id) = store::end_session(tx, &token, now)? {
                    audit::record(
                        tx,
                        &actor,
                        now,
                        Entry {
                            action: "logout",
                            entity: "account",
                            entity_id: Some(id.to_string()),
                            before: None,
                            after: None,
                        },
                    )?;
                }
                Ok(())
            })
            .await?;
    }
    let mut r = Redirect::to("/login").into_response();
    let cookie = cookie_header(session_cookie_name(ctx.secure), "", ctx.secure, Some(0));
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
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
    let lang = Lang::parse(&form.lang)
        .ok_or_else(|| AppError::bad_request("lang", "expected sv or en"))?;
    if let Some(user) = &ctx.user {
        let id = user.account_id;
        let before = user.language;
        let (actor, now) = (ctx.actor(), ctx.now);
        state
            .db
            .write(move |tx| -> Result<(), AppError> {
                store::set_language(tx, id, lang)?;
                audit::record(
                    tx,
                    &actor,
                    now,
                    Entry {
                        action: "account.language",
                        entity: "account",
                        entity_id: Some(id.to_string()),
                        before: Some(json!({"language": before})),
                        after: Some(json!({"language": lang})),
                    },
                )?;
                Ok(())
            })
            .await?;
    }
    let mut r = Redirect::to(&safe_next(&form.next)).into_response();
    let cookie = format!(
        "{}; Max-Age=31536000",
        cookie_header(LANG_COOKIE, lang.code(), ctx.secure, None)
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// Query carrying a notice key after a redirect.
#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    msg: String,
}

fn notice_text(lang: Lang, key: &str) -> Option<&'static str> {
    layout::notice_key(lang, key)
}

fn password_form(ctx: &Ctx, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    html! {
        form method="post" action="/account/password" {
            (csrf_field(ctx))
            (text_field(lang.t("accounts.current_password"), "current", "", errors, FieldAttrs::required().kind("password").autocomplete("current-password")))
            (text_field(lang.t("accounts.new_password"), "password", "", errors, FieldAttrs::required().kind("password").autocomplete("new-password")))
            p.muted { (lang.t("accounts.password_hint")) }
            button type="submit" { (lang.t("accounts.change_password")) }
        }
    }
}

fn account_page_view(
    ctx: &Ctx,
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
            h2 { (lang.t("accounts.change_password")) }
            div.card { (layout::form_errors(lang, errors)) (password_form(ctx, errors)) }
        },
    ))
}

/// `GET /account`.
pub async fn account_page(ctx: Ctx, Query(q): Query<NoticeQuery>) -> Result<Markup, AppError> {
    account_page_view(
        &ctx,
        &FieldErrors::new(ctx.lang),
        notice_text(ctx.lang, &q.msg),
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
    let stored = state
        .db
        .read(move |conn| store::account_by_email(conn, &email).map_err(AppError::from))
        .await?
        .map(|(_, h)| h);
    let mut errors = FieldErrors::new(ctx.lang);
    if !super::password::Hasher::of(&state)
        .verify(form.current, stored)
        .await
    {
        errors.add("current", ctx.t("login.failed"));
    }
    if let Err(p) = model::check_password(&form.password, &[&user.email, &user.name]) {
        errors.add("password", p.to_string());
    }
    if !errors.is_empty() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            account_page_view(&ctx, &errors, None)?,
        )
            .into_response());
    }
    let hash = super::password::Hasher::of(&state)
        .hash(form.password)
        .await
        .map_err(AppError::Internal)?;
    let (actor, now, id, keep) = (
        ctx.actor(),
        ctx.now,
        user.account_id,
        ctx.session_token.clone(),
    );
    state
        .db
        .write(move |tx| -> Result<(), AppError> {
            store::set_password(tx, id, &hash)?;
            // Other browsers signed in with the old password are signed out.
            tx.execute(
                "UPDATE session SET ended_at = ?2 WHERE account_id = ?1 AND ended_at IS NULL AND token_hash != ?3",
                rusqlite::params![id, stamp(now), keep.as_deref().map(store::token_hash).unwrap_or_default()],
            )?;
            audit::record(tx, &actor, now, Entry {
                action: "account.password",
                entity: "account",
                entity_id: Some(id.to_string()),
                before: None,
                after: None,
            })?;
            Ok(())
        })
        .await?;
    Ok(crate::web::see_other(
        "/account?msg=accounts.password_changed",
    ))
}

// ---- Administrators' account pages ----

/// `GET /admin/accounts`.
pub async fn accounts_list(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let rows = state
        .db
        .read(|conn| -> Result<_, AppError> {
            let mut out = Vec::new();
            for a in store::accounts(conn)? {
                let grants = store::grants(conn, a.id)?;
                let mut labels = Vec::new();
                for (_, g) in grants {
                    labels.push(match g.scope {
                        Some(s) => (g.role, Some(store::describe_scope(conn, s)?)),
                        None => (g.role, None),
                    });
                }
                out.push((a, labels));
            }
            Ok(out)
        })
        .await?;
    let lang = ctx.lang;
    Ok(page(
        &ctx,
        lang.t("accounts.title"),
        html! {
            p { a.button href="/admin/accounts/new" { (lang.t("accounts.new")) } }
            div.table-wrap tabindex="0" { table {
                thead { tr { th { (lang.t("common.name")) } th { (lang.t("common.email")) } th { (lang.t("accounts.roles")) } th { (lang.t("common.status")) } } }
                tbody {
                    @for (a, roles) in &rows {
                        tr {
                            td { a href=(format!("/admin/accounts/{}", a.id)) { (a.name) } }
                            td { (a.email) }
                            td { @for (role, scope) in roles { (lang.t(role.label_key())) @if let Some(s) = scope { " (" (s) ")" } br; } }
                            td { @if a.active { (layout::badge(lang.t("common.active"), "ok")) } @else { (layout::badge(lang.t("common.inactive"), "muted")) } }
                        }
                    }
                }
            } }
        },
    ))
}

/// The new-account fields.
#[derive(Debug, Deserialize, Default)]
pub struct NewAccountForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
}

fn role_options(lang: Lang) -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), lang.t(r.label_key()).to_string()))
        .collect()
}

fn new_account_view(ctx: &Ctx, form: &NewAccountForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    page(
        ctx,
        lang.t("accounts.new"),
        html! {
            div.card {
                (layout::form_errors(lang, errors))
                form method="post" action="/admin/accounts/new" {
                    (csrf_field(ctx))
                    (text_field(lang.t("common.email"), "email", &form.email, errors, FieldAttrs::required().kind("email")))
                    (text_field(lang.t("common.name"), "name", &form.name, errors, FieldAttrs::required()))
                    (text_field(lang.t("accounts.password"), "password", "", errors, FieldAttrs::required().kind("password").autocomplete("new-password")))
                    p.muted { (lang.t("accounts.password_hint")) }
                    (layout::select_field(lang.t("accounts.roles"), "role", &role_options(lang), if form.role.is_empty() { "staff" } else { &form.role }, errors))
                    (text_field(lang.t("accounts.scope"), "scope", &form.scope, errors, FieldAttrs::optional().placeholder("unit:ONK51")))
                    p.muted { (lang.t("accounts.scope_hint")) }
                    button type="submit" { (lang.t("common.create")) }
                }
            }
        },
    )
}

/// `GET /admin/accounts/new`.
pub async fn new_account_page(ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    Ok(new_account_view(
        &ctx,
        &NewAccountForm::default(),
        &FieldErrors::new(ctx.lang),
    ))
}

/// `POST /admin/accounts/new`.
pub async fn create_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<NewAccountForm>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new(ctx.lang);
    let email = crate::check::email(&form.email).unwrap_or_else(|m| {
        errors.add("email", m);
        String::new()
    });
    let name = crate::check::name(&form.name).unwrap_or_else(|m| {
        errors.add("name", m);
        String::new()
    });
    if let Err(p) = model::check_password(&form.password, &[&email, &name]) {
        errors.add("password", p.to_string());
    }
    let grant_text = if form.scope.trim().is_empty() {
        form.role.clone()
    } else {
        format!("{}:{}", form.role, form.scope.trim())
    };
    let grant = state
        .db
        .read(move |conn| store::parse_grant(conn, &grant_text).map_err(AppError::from))
        .await?;
    let grant = grant.unwrap_or_else(|m| {
        errors.add("scope", m);
        Grant {
            role: Role::Staff,
            scope: None,
        }
    });
    if errors.is_empty() {
        let e = email.clone();
        let exists = state
            .db
            .read(move |conn| store::account_by_email(conn, &e).map_err(AppError::from))
            .await?;
        if exists.is_some() {
            errors.add(
                "email",
                "an account with this e-mail exists / det finns redan ett konto med denna e-post",
            );
        }
    }
    if !errors.is_empty() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            new_account_view(&ctx, &form, &errors),
        )
            .into_response());
    }
    let hash = super::password::Hasher::of(&state)
        .hash(form.password)
        .await
        .map_err(AppError::Internal)?;
    let (actor, now) = (ctx.actor(), ctx.now);
    let id = state
        .db
        .write(move |tx| -> Result<i64, AppError> {
            let id = store::create_account(tx, &email, &name, &hash, now)?;
            store::add_grant(tx, id, grant)?;
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action: "account.create",
                    entity: "account",
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(json!({"email": email, "name": name, "grant": grant})),
                },
            )?;
            Ok(id)
        })
        .await?;
    Ok(crate::web::see_other(&format!("/admin/accounts/{id}")))
}

/// Query of the account page (a token shown once after creation).
#[derive(Debug, Deserialize, Default)]
pub struct AccountQuery {
    #[serde(default)]
    msg: String,
}

struct AccountView {
    account: store::Account,
    grants: Vec<(i64, Grant, Option<String>)>,
    tokens: Vec<store::ApiTokenInfo>,
    live_sessions: i64,
}

async fn load_account(state: &AppState, id: i64) -> Result<AccountView, AppError> {
    state
        .db
        .read(move |conn| -> Result<AccountView, AppError> {
            let account = store::account(conn, id)?.ok_or(AppError::NotFound)?;
            let mut grants = Vec::new();
            for (gid, g) in store::grants(conn, id)? {
                let label = match g.scope {
                    Some(s) => Some(store::describe_scope(conn, s)?),
                    None => None,
                };
                grants.push((gid, g, label));
            }
            let tokens = store::api_tokens(conn, Some(id))?;
            let live_sessions = conn.query_row(
                "SELECT count(*) FROM session WHERE account_id = ?1 AND ended_at IS NULL",
                [id],
                |r| r.get(0),
            )?;
            Ok(AccountView {
                account,
                grants,
                tokens,
                live_sessions,
            })
        })
        .await
}

fn account_view(
    ctx: &Ctx,
    v: &AccountView,
    errors: &FieldErrors,
    new_token: Option<&str>,
    notice: Option<&str>,
) -> Markup {
    let lang = ctx.lang;
    let a = &v.account;
    let base = format!("/admin/accounts/{}", a.id);
    page(
        ctx,
        &a.name,
        html! {
            @if let Some(n) = notice { (layout::notice(n)) }
            @if let Some(t) = new_token {
                div.alert.ok role="status" { p { (lang.t("accounts.token_created")) } pre.code { (t) } }
            }
            (layout::form_errors(lang, errors))
            div.card {
                dl.facts {
                    dt { (lang.t("common.email")) } dd { (a.email) }
                    dt { (lang.t("accounts.person")) } dd {
                        @if let Some(p) = a.person_id { a href=(format!("/people/{p}")) { (lang.t("nav.people")) " #" (p) } } @else { "–" }
                    }
                    dt { (lang.t("accounts.created")) } dd { (local_display(&a.created_at)) }
                    dt { (lang.t("common.status")) } dd {
                        @if a.active { (layout::badge(lang.t("common.active"), "ok")) } @else { (layout::badge(lang.t("common.inactive"), "muted")) }
                    }
                }
                form.inline method="post" action=(format!("{base}/active")) {
                    (csrf_field(ctx))
                    input type="hidden" name="active" value=(if a.active { "0" } else { "1" });
                    button.secondary type="submit" { @if a.active { (lang.t("common.deactivate")) } @else { (lang.t("common.activate")) } }
                }
                " "
                form.inline method="post" action=(format!("{base}/end-sessions")) {
                    (csrf_field(ctx))
                    button.secondary type="submit" { (lang.t("accounts.end_sessions")) " (" (v.live_sessions) ")" }
                }
            }
            h2 { (lang.t("accounts.roles")) }
            div.card {
                ul {
                    @for (gid, g, label) in &v.grants {
                        li {
                            (lang.t(g.role.label_key())) @if let Some(l) = label { " (" (l) ")" } " "
                            form.inline method="post" action=(format!("{base}/roles/{gid}/delete")) {
                                (csrf_field(ctx))
                                button.link type="submit" { (lang.t("accounts.remove")) }
                            }
                        }
                    }
                }
                form method="post" action=(format!("{base}/roles")) {
                    (csrf_field(ctx))
                    (layout::select_field(lang.t("accounts.add_role"), "role", &role_options(lang), "staff", errors))
                    (text_field(lang.t("accounts.scope"), "scope", "", errors, FieldAttrs::optional().placeholder("unit:ONK51")))
                    p.muted { (lang.t("accounts.scope_hint")) }
                    button type="submit" { (lang.t("accounts.add_role")) }
                }
            }
            h2 { (lang.t("accounts.tokens")) }
            div.card {
                table {
                    thead { tr { th { (lang.t("accounts.token_label")) } th { (lang.t("accounts.created")) } th { (lang.t("accounts.last_used")) } th { (lang.t("common.status")) } } }
                    tbody {
                        @for t in &v.tokens {
                            tr {
                                td { (t.label) }
                                td { (local_display(&t.created_at)) }
                                td { (t.last_used_at.as_deref().map(local_display).unwrap_or_else(|| "–".into())) }
                                td {
                                    @if t.revoked_at.is_some() { (layout::badge(lang.t("accounts.revoked"), "muted")) } @else {
                                        form.inline method="post" action=(format!("/admin/tokens/{}/revoke", t.id)) {
                                            (csrf_field(ctx))
                                            button.link type="submit" { (lang.t("accounts.revoke")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                form method="post" action=(format!("{base}/tokens")) {
                    (csrf_field(ctx))
                    (text_field(lang.t("accounts.token_label"), "label", "", errors, FieldAttrs::required()))
                    button type="submit" { (lang.t("accounts.new_token")) }
                }
            }
            h2 { (lang.t("accounts.new_password")) }
            div.card {
                form method="post" action=(format!("{base}/password")) {
                    (csrf_field(ctx))
                    (text_field(lang.t("accounts.new_password"), "password", "", errors, FieldAttrs::required().kind("password").autocomplete("new-password")))
                    p.muted { (lang.t("accounts.password_hint")) }
                    button type="submit" { (lang.t("common.save")) }
                }
            }
        },
    )
}

/// `GET /admin/accounts/{id}`.
pub async fn account_detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<AccountQuery>,
) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let v = load_account(&state, id).await?;
    Ok(account_view(
        &ctx,
        &v,
        &FieldErrors::new(ctx.lang),
        None,
        notice_text(ctx.lang, &q.msg),
    ))
}

/// Runs an audited write on an account and answers with a redirect to its page.
async fn account_write<F>(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    action: &'static str,
    after: serde_json::Value,
    f: F,
) -> Result<Response, AppError>
where
    F: FnOnce(&rusqlite::Transaction, DateTime<Utc>) -> Result<(), AppError> + Send + 'static,
{
    ctx.require(&[Role::Admin])?;
    let (actor, now) = (ctx.actor(), ctx.now);
    state
        .db
        .write(move |tx| -> Result<(), AppError> {
            store::account(tx, id)?.ok_or(AppError::NotFound)?;
            f(tx, now)?;
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action,
                    entity: "account",
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(after),
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(crate::web::see_other(&format!("/admin/accounts/{id}")))
}

/// Role form fields.
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
}

/// `POST /admin/accounts/{id}/roles`.
pub async fn add_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let text = if form.scope.trim().is_empty() {
        form.role.clone()
    } else {
        format!("{}:{}", form.role, form.scope.trim())
    };
    let parsed = state
        .db
        .read(move |conn| store::parse_grant(conn, &text).map_err(AppError::from))
        .await?;
    match parsed {
        Ok(grant) => {
            account_write(
                &state,
                &ctx,
                id,
                "account.role.add",
                json!(grant),
                move |tx, _| Ok(store::add_grant(tx, id, grant)?),
            )
            .await
        }
        Err(message) => {
            let v = load_account(&state, id).await?;
            let mut errors = FieldErrors::new(ctx.lang);
            errors.add("scope", message);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                account_view(&ctx, &v, &errors, None, None),
            )
                .into_response())
        }
    }
}

/// `POST /admin/accounts/{id}/roles/{grant}/delete`.
pub async fn remove_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, grant)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    account_write(
        &state,
        &ctx,
        id,
        "account.role.remove",
        json!({"grant_id": grant}),
        move |tx, _| {
            store::remove_grant(tx, id, grant)?;
            Ok(())
        },
    )
    .await
}

/// `POST /admin/accounts/{id}/end-sessions`.
pub async fn end_sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    account_write(
        &state,
        &ctx,
        id,
        "account.sessions.end",
        json!({}),
        move |tx, now| {
            store::end_sessions(tx, id, now)?;
            Ok(())
        },
    )
    .await
}

/// Active form field.
#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

/// `POST /admin/accounts/{id}/active`.
pub async fn set_active(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, AppError> {
    let active = form.active == "1";
    if !active && ctx.user()?.account_id == id {
        return Err(AppError::unprocessable(
            "active",
            "you cannot deactivate your own account / du kan inte inaktivera ditt eget konto",
        ));
    }
    account_write(
        &state,
        &ctx,
        id,
        "account.active",
        json!({"active": active}),
        move |tx, now| {
            store::set_account_active(tx, id, active, now)?;
            Ok(())
        },
    )
    .await
}

/// Password field of the administrators' reset form.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

/// `POST /admin/accounts/{id}/password`: sets a password and ends the account's sessions.
pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let v = load_account(&state, id).await?;
    if let Err(p) = model::check_password(&form.password, &[&v.account.email, &v.account.name]) {
        let mut errors = FieldErrors::new(ctx.lang);
        errors.add("password", p.to_string());
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            account_view(&ctx, &v, &errors, None, None),
        )
            .into_response());
    }
    let hash = super::password::Hasher::of(&state)
        .hash(form.password)
        .await
        .map_err(AppError::Internal)?;
    account_write(
        &state,
        &ctx,
        id,
        "account.password.reset",
        json!({}),
        move |tx, now| {
            store::set_password(tx, id, &hash)?;
            store::end_sessions(tx, id, now)?;
            Ok(())
        },
    )
    .await
}

/// Token form field.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    label: String,
}

/// `POST /admin/accounts/{id}/tokens`: shows the new token once.
pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let label = form.label.trim().to_string();
    if label.is_empty() {
        let v = load_account(&state, id).await?;
        let mut errors = FieldErrors::new(ctx.lang);
        errors.add("label", "required / obligatoriskt");
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            account_view(&ctx, &v, &errors, None, None),
        )
            .into_response());
    }
    let (actor, now) = (ctx.actor(), ctx.now);
    let token = state
        .db
        .write(move |tx| -> Result<String, AppError> {
            store::account(tx, id)?.ok_or(AppError::NotFound)?;
            let (tid, token) = store::create_api_token(tx, id, &label, now)?;
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action: "api_token.create",
                    entity: "api_token",
                    entity_id: Some(tid.to_string()),
                    before: None,
                    after: Some(json!({"account_id": id, "label": label})),
                },
            )?;
            Ok(token)
        })
        .await?;
    let v = load_account(&state, id).await?;
    Ok(account_view(&ctx, &v, &FieldErrors::new(ctx.lang), Some(&token), None).into_response())
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let (actor, now) = (ctx.actor(), ctx.now);
    let owner = state
        .db
        .write(move |tx| -> Result<Option<i64>, AppError> {
            let owner = store::revoke_api_token(tx, id, now)?;
            if owner.is_some() {
                audit::record(
                    tx,
                    &actor,
                    now,
                    Entry {
                        action: "api_token.revoke",
                        entity: "api_token",
                        entity_id: Some(id.to_string()),
                        before: None,
                        after: None,
                    },
                )?;
            }
            Ok(owner)
        })
        .await?;
    match owner {
        Some(account) => Ok(crate::web::see_other(&format!("/admin/accounts/{account}"))),
        None => Err(AppError::NotFound),
    }
}
