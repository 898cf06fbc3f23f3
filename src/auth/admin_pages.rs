//! The administrators' account pages: the list, a new account, and one
//! account with its roles, sessions, sign-in switch, password and API tokens.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::Ctx;
use super::actions::{self, NewAccount};
use super::model::{self, Grant, GrantProblem, Role};
use super::password::Hasher;
use super::store::{self, ScopedGrant};
use crate::AppState;
use crate::clock::local_display;
use crate::i18n::{Lang, Msg};
use crate::msg;
use crate::web::layout::{self, FieldAttrs, csrf_field, form_card, page, text_field};
use crate::web::{AppError, FieldErrors, Form, Path, Query};

/// `Chef (enhet ONK1 Onkologi)`.
fn grant_label(lang: Lang, row: &ScopedGrant) -> Markup {
    html! {
        (lang.t(row.grant.role.label_key()))
        @if let (Some(scope), Some(name)) = (row.grant.scope, &row.scope_name) {
            " (" (lang.t(scope.kind().label_key())) " " (name) ")"
        }
    }
}

fn active_badge(lang: Lang, active: bool) -> Markup {
    if active {
        layout::badge(lang.t("common.active"), "ok")
    } else {
        layout::badge(lang.t("common.inactive"), "muted")
    }
}

fn role_options(lang: Lang) -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), lang.t(r.label_key()).to_string()))
        .collect()
}

/// The field a refused role is shown beside: the role itself, or its scope.
fn grant_field(problem: &GrantProblem) -> &'static str {
    match problem {
        GrantProblem::UnknownRole(_) => "role",
        _ => "scope",
    }
}

/// Reads the role and scope fields into a role, looking the scope up.
async fn read_grant(
    state: &AppState,
    role: &str,
    scope: &str,
) -> Result<Result<Grant, GrantProblem>, AppError> {
    let text = model::grant_text(role, scope);
    state
        .db
        .read(move |conn| store::parse_grant(conn, &text).map_err(AppError::from))
        .await
}

/// A refusal naming one of a form's fields, as that form's messages; any
/// other error passes.
fn field_refusal(lang: Lang, e: AppError) -> Result<FieldErrors, AppError> {
    match e {
        AppError::Unprocessable { field, message } => {
            Ok(FieldErrors::from_list(lang, [(field, message)]))
        }
        other => Err(other),
    }
}

// ---- The list ----

/// `GET /admin/accounts`.
pub async fn accounts_list(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    let rows = state
        .db
        .read(|conn| -> Result<_, AppError> {
            store::accounts(conn)?
                .into_iter()
                .map(|a| Ok((store::scoped_grants(conn, a.id)?, a)))
                .collect::<Result<Vec<_>, AppError>>()
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
                    @for (grants, a) in &rows {
                        tr {
                            td { a href=(format!("/admin/accounts/{}", a.id)) { (a.name) } }
                            td { (a.email) }
                            td { @for g in grants { (grant_label(lang, g)) br; } }
                            td { (active_badge(lang, a.active)) }
                        }
                    }
                }
            } }
        },
    ))
}

// ---- A new account ----

/// The new-account fields. Create only: an account's e-mail and name are
/// not edited here, and its roles and password have their own forms on its
/// page, so this is a plain form rather than a create/edit pair.
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

fn new_account_view(ctx: &Ctx, form: &NewAccountForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let role = if form.role.is_empty() {
        "staff"
    } else {
        &form.role
    };
    let fields = html! {
        (text_field(lang.t("common.email"), "email", &form.email, errors, FieldAttrs::required().kind("email")))
        (text_field(lang.t("common.name"), "name", &form.name, errors, FieldAttrs::required()))
        (text_field(lang.t("accounts.password"), "password", "", errors, FieldAttrs::required().kind("password").autocomplete("new-password")))
        p.muted { (lang.t("accounts.password_hint")) }
        (layout::select_field(lang.t("accounts.roles"), "role", &role_options(lang), role, errors))
        (text_field(lang.t("accounts.scope"), "scope", &form.scope, errors, FieldAttrs::optional().placeholder("unit:ONK51")))
        p.muted { (lang.t("accounts.scope_hint")) }
    };
    page(
        ctx,
        lang.t("accounts.new"),
        form_card(
            ctx,
            "/admin/accounts/new",
            errors,
            fields,
            lang.t("common.create"),
        ),
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

/// `POST /admin/accounts/new`: every field is checked before the (slow)
/// password hash is made.
pub async fn create_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<NewAccountForm>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let refused = |errors: &FieldErrors| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            new_account_view(&ctx, &form, errors),
        )
            .into_response()
    };
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
        errors.add("password", p.message());
    }
    let grant = match read_grant(&state, &form.role, &form.scope).await? {
        Ok(grant) => Some(grant),
        Err(problem) => {
            errors.add(grant_field(&problem), problem.message());
            None
        }
    };
    let Some(grant) = grant.filter(|_| errors.is_empty()) else {
        return Ok(refused(&errors));
    };
    let password_hash = Hasher::of(&state)
        .hash(form.password.clone())
        .await
        .map_err(AppError::Internal)?;
    let new = NewAccount {
        email,
        name,
        password_hash,
        grant,
    };
    match ctx
        .change(&state.db, move |w| actions::create_account(w, &new))
        .await
    {
        Ok(id) => Ok(crate::web::see_other(&format!("/admin/accounts/{id}"))),
        Err(AppError::Duplicate { .. }) => {
            errors.add("email", msg!("accounts.error_email_exists"));
            Ok(refused(&errors))
        }
        Err(e) => Err(e),
    }
}

// ---- One account ----

/// Query of the account page: a notice after a redirect.
#[derive(Debug, Deserialize, Default)]
pub struct AccountQuery {
    #[serde(default)]
    msg: String,
}

/// What the account page shows.
struct AccountDetail {
    account: store::Account,
    grants: Vec<ScopedGrant>,
    tokens: Vec<store::ApiTokenInfo>,
    live_sessions: i64,
    second_factor: bool,
}

async fn load_detail(state: &AppState, id: i64) -> Result<AccountDetail, AppError> {
    state
        .db
        .read(move |conn| -> Result<AccountDetail, AppError> {
            let account = store::account(conn, id)?.ok_or(AppError::NotFound)?;
            Ok(AccountDetail {
                account,
                grants: store::scoped_grants(conn, id)?,
                tokens: store::api_tokens(conn, Some(id))?,
                live_sessions: store::live_sessions(conn, id)?,
                second_factor: store::totp(conn, id)?.is_some_and(|t| t.confirmed),
            })
        })
        .await
}

/// The forms of the account page that have fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DetailForm {
    Role,
    Token,
    Password,
}

/// What the account page shows besides the account itself.
enum Shown {
    /// Nothing else.
    Plain,
    /// A notice after a change.
    Notice(&'static str),
    /// A new API token, shown this once.
    NewToken(String),
    /// One form refused, with its fields' messages.
    Fields(DetailForm, FieldErrors),
    /// A change refused that has no field of its own (the sign-in switch).
    Refused(Msg),
}

impl Shown {
    /// The messages for `form`: its own when it was the one refused.
    fn errors(&self, lang: Lang, form: DetailForm) -> FieldErrors {
        match self {
            Shown::Fields(f, errors) if *f == form => errors.clone(),
            _ => FieldErrors::new(lang),
        }
    }
}

fn detail_view(ctx: &Ctx, v: &AccountDetail, shown: &Shown) -> Markup {
    let lang = ctx.lang;
    let a = &v.account;
    let base = format!("/admin/accounts/{}", a.id);
    let role_errors = shown.errors(lang, DetailForm::Role);
    let token_errors = shown.errors(lang, DetailForm::Token);
    let password_errors = shown.errors(lang, DetailForm::Password);
    let role_fields = html! {
        (layout::select_field(lang.t("accounts.add_role"), "role", &role_options(lang), "staff", &role_errors))
        (text_field(lang.t("accounts.scope"), "scope", "", &role_errors, FieldAttrs::optional().placeholder("unit:ONK51")))
        p.muted { (lang.t("accounts.scope_hint")) }
    };
    let token_fields = html! {
        (text_field(lang.t("accounts.token_label"), "label", "", &token_errors, FieldAttrs::required()))
        (text_field(lang.t("accounts.token_expires"), "expires_on", "", &token_errors, FieldAttrs::optional().kind("date")))
        (text_field(lang.t("accounts.token_scope"), "scope", "", &token_errors, FieldAttrs::optional().placeholder("status")))
        p.muted { (lang.t("accounts.token_scope_hint")) " " code { (super::model::ENDPOINTS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")) } }
    };
    let password_fields = html! {
        (text_field(lang.t("accounts.new_password"), "password", "", &password_errors, FieldAttrs::required().kind("password").autocomplete("new-password")))
        p.muted { (lang.t("accounts.password_hint")) }
    };
    page(
        ctx,
        &a.name,
        html! {
            @match shown {
                Shown::Notice(n) => { (layout::notice(n)) }
                Shown::NewToken(t) => {
                    div.alert.ok role="status" { p { (lang.t("accounts.token_created")) } pre.code { (t) } }
                }
                Shown::Refused(m) => { div.alert.error role="alert" { (m.render(lang)) } }
                Shown::Plain | Shown::Fields(..) => {}
            }
            div.card {
                dl.facts {
                    dt { (lang.t("common.email")) } dd { (a.email) }
                    dt { (lang.t("accounts.person")) } dd {
                        @if let Some(p) = a.person_id { a href=(format!("/people/{p}")) { (lang.t("nav.people")) " #" (p) } } @else { "–" }
                    }
                    dt { (lang.t("accounts.created")) } dd { (local_display(&a.created_at)) }
                    dt { (lang.t("common.status")) } dd { (active_badge(lang, a.active)) }
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
                @if v.second_factor {
                    " "
                    form.inline method="post" action=(format!("{base}/second-factor/remove")) {
                        (csrf_field(ctx))
                        button.secondary type="submit" { (lang.t("accounts.remove_second_factor")) }
                    }
                }
            }
            h2 { (lang.t("accounts.roles")) }
            div.card {
                ul {
                    @for g in &v.grants {
                        li {
                            (grant_label(lang, g)) " "
                            form.inline method="post" action=(format!("{base}/roles/{}/delete", g.id)) {
                                (csrf_field(ctx))
                                button.link type="submit" { (lang.t("accounts.remove")) }
                            }
                        }
                    }
                }
            }
            (form_card(ctx, &format!("{base}/roles"), &role_errors, role_fields, lang.t("accounts.add_role")))
            h2 { (lang.t("accounts.tokens")) }
            div.card {
                table {
                    thead { tr { th { (lang.t("accounts.token_label")) } th { (lang.t("accounts.created")) } th { (lang.t("accounts.last_used")) } th { (lang.t("accounts.token_expires")) } th { (lang.t("accounts.token_scope")) } th { (lang.t("common.status")) } } }
                    tbody {
                        @for t in &v.tokens {
                            tr {
                                td { (t.label) }
                                td { (local_display(&t.created_at)) }
                                td { (t.last_used_at.as_deref().map(local_display).unwrap_or_else(|| "–".into())) }
                                td.nowrap { (t.expires_on.as_deref().unwrap_or("–")) }
                                td { code { (t.scope) } }
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
            }
            (form_card(ctx, &format!("{base}/tokens"), &token_errors, token_fields, lang.t("accounts.new_token")))
            h2 { (lang.t("accounts.new_password")) }
            (form_card(ctx, &format!("{base}/password"), &password_errors, password_fields, lang.t("common.save")))
        },
    )
}

/// The account page of `id` with `shown`, answered with `status`.
async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, AppError> {
    let v = load_detail(state, id).await?;
    Ok((status, detail_view(ctx, &v, &shown)).into_response())
}

/// The account page again after a change.
fn back_to(id: i64) -> Response {
    crate::web::see_other(&format!("/admin/accounts/{id}"))
}

/// `GET /admin/accounts/{id}`.
pub async fn account_detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<AccountQuery>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let shown = match layout::notice_key(ctx.lang, &q.msg) {
        Some(n) => Shown::Notice(n),
        None => Shown::Plain,
    };
    detail_page(&state, &ctx, id, StatusCode::OK, shown).await
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
    match read_grant(&state, &form.role, &form.scope).await? {
        Ok(grant) => {
            ctx.change(&state.db, move |w| actions::add_role(w, id, grant))
                .await?;
            Ok(back_to(id))
        }
        Err(problem) => {
            let errors =
                FieldErrors::from_list(ctx.lang, [(grant_field(&problem), problem.message())]);
            let shown = Shown::Fields(DetailForm::Role, errors);
            detail_page(&state, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, shown).await
        }
    }
}

/// `POST /admin/accounts/{id}/roles/{grant}/delete`.
pub async fn remove_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, grant)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    ctx.change(&state.db, move |w| actions::remove_role(w, id, grant))
        .await?;
    Ok(back_to(id))
}

/// `POST /admin/accounts/{id}/end-sessions`.
pub async fn end_sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    ctx.change(&state.db, move |w| actions::end_sessions(w, id))
        .await?;
    Ok(back_to(id))
}

/// `POST /admin/accounts/{id}/second-factor/remove`: for one who lost both
/// the phone and the recovery codes; they set up a new one at next sign-in.
pub async fn remove_second_factor(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let notifier = super::notify::Notifier::of(&state);
    ctx.change(&state.db, move |w| actions::remove_totp(w, id, notifier))
        .await?;
    Ok(back_to(id))
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
    ctx.require(&[Role::Admin])?;
    let active = form.active == "1";
    match ctx
        .change(&state.db, move |w| actions::set_active(w, id, active))
        .await
    {
        Ok(()) => Ok(back_to(id)),
        Err(AppError::Unprocessable { message, .. }) => {
            let shown = Shown::Refused(message);
            detail_page(&state, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, shown).await
        }
        Err(e) => Err(e),
    }
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
    let v = load_detail(&state, id).await?;
    if let Err(p) = model::check_password(&form.password, &[&v.account.email, &v.account.name]) {
        let errors = FieldErrors::from_list(ctx.lang, [("password", p.message())]);
        let shown = Shown::Fields(DetailForm::Password, errors);
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            detail_view(&ctx, &v, &shown),
        )
            .into_response());
    }
    let hash = Hasher::of(&state)
        .hash(form.password)
        .await
        .map_err(AppError::Internal)?;
    let notifier = super::notify::Notifier::of(&state);
    ctx.change(&state.db, move |w| {
        actions::reset_password(w, id, &hash, notifier)
    })
    .await?;
    Ok(back_to(id))
}

/// Token form fields: what it is for, its last day, what it may do.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    expires_on: String,
    #[serde(default)]
    scope: String,
}

impl TokenForm {
    /// The limits the form asks for, or the field that is wrong.
    fn limits(&self) -> Result<super::model::TokenLimits, AppError> {
        let expires_on = match self.expires_on.trim() {
            "" => None,
            d => Some(crate::check::date(d).ok_or_else(|| {
                AppError::unprocessable("expires_on", crate::msg!("input.not_a_date"))
            })?),
        };
        let scope = super::model::TokenScope::parse(&self.scope).map_err(|unknown| {
            AppError::unprocessable(
                "scope",
                crate::msg!("tokens.error_scope", value = unknown.as_str()),
            )
        })?;
        Ok(super::model::TokenLimits { expires_on, scope })
    }
}

/// `POST /admin/accounts/{id}/tokens`: shows the new token once.
pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let notifier = super::notify::Notifier::of(&state);
    let made = match form.limits() {
        Ok(limits) => {
            ctx.change(&state.db, move |w| {
                actions::create_token(w, id, &form.label, &limits, notifier)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(token) => detail_page(&state, &ctx, id, StatusCode::OK, Shown::NewToken(token)).await,
        Err(e) => {
            let shown = Shown::Fields(DetailForm::Token, field_refusal(ctx.lang, e)?);
            detail_page(&state, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, shown).await
        }
    }
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let account = ctx
        .change(&state.db, move |w| actions::revoke_token(w, id))
        .await?;
    Ok(back_to(account))
}
