//! Accounts, roles, sessions, API tokens and sign-in.

pub mod account_pages;
pub mod actions;
pub mod admin_pages;
pub mod context;
pub mod login_pages;
pub mod model;
pub mod notify;
pub mod oidc;
pub mod oidc_pages;
pub mod password;
pub mod second_factor_pages;
pub mod store;
pub mod token_cache;
pub mod totp;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub use context::{ApiUser, Ctx, Menu};

/// Sign-in, the user's account and the administrators' account pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/login",
            get(login_pages::login_page).post(login_pages::login),
        )
        .route("/logout", post(login_pages::logout))
        .route(
            "/login/second-factor",
            get(second_factor_pages::challenge_page).post(second_factor_pages::challenge_submit),
        )
        .route("/auth/oidc/start", get(oidc_pages::start))
        .route("/auth/oidc/callback", get(oidc_pages::callback))
        .route(
            "/account/second-factor",
            get(second_factor_pages::setup_page).post(second_factor_pages::setup_begin),
        )
        .route(
            "/account/second-factor/confirm",
            post(second_factor_pages::setup_confirm),
        )
        .route(
            "/account/second-factor/remove",
            post(second_factor_pages::remove),
        )
        .route(
            "/account/second-factor/recovery-codes",
            post(second_factor_pages::renew_codes),
        )
        .route(
            "/account/sessions/{id}/end",
            post(account_pages::end_session),
        )
        .route(
            "/admin/accounts/{id}/second-factor/remove",
            post(admin_pages::remove_second_factor),
        )
        .route("/lang", post(login_pages::switch_language))
        .route("/account", get(account_pages::account_page))
        .route("/account/password", post(account_pages::change_password))
        .route("/admin/accounts", get(admin_pages::accounts_list))
        .route(
            "/admin/accounts/new",
            get(admin_pages::new_account_page).post(admin_pages::create_account),
        )
        .route("/admin/accounts/{id}", get(admin_pages::account_detail))
        .route("/admin/accounts/{id}/roles", post(admin_pages::add_role))
        .route(
            "/admin/accounts/{id}/roles/{grant}/delete",
            post(admin_pages::remove_role),
        )
        .route(
            "/admin/accounts/{id}/end-sessions",
            post(admin_pages::end_sessions),
        )
        .route("/admin/accounts/{id}/active", post(admin_pages::set_active))
        .route(
            "/admin/accounts/{id}/password",
            post(admin_pages::reset_password),
        )
        .route(
            "/admin/accounts/{id}/tokens",
            post(admin_pages::create_token),
        )
        .route("/admin/tokens/{id}/revoke", post(admin_pages::revoke_token))
}
