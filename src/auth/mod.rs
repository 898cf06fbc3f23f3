//! Accounts, roles, sessions, API tokens and sign-in.

pub mod account_pages;
pub mod actions;
pub mod admin_pages;
pub mod context;
pub mod login_pages;
pub mod model;
pub mod password;
pub mod store;
pub mod token_cache;

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
