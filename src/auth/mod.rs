//! Accounts, roles, sessions, API tokens and sign-in.

pub mod context;
pub mod model;
pub mod pages;
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
        .route("/login", get(pages::login_page).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/lang", post(pages::switch_language))
        .route("/account", get(pages::account_page))
        .route("/account/password", post(pages::change_password))
        .route("/admin/accounts", get(pages::accounts_list))
        .route(
            "/admin/accounts/new",
            get(pages::new_account_page).post(pages::create_account),
        )
        .route("/admin/accounts/{id}", get(pages::account_detail))
        .route("/admin/accounts/{id}/roles", post(pages::add_role))
        .route(
            "/admin/accounts/{id}/roles/{grant}/delete",
            post(pages::remove_role),
        )
        .route(
            "/admin/accounts/{id}/end-sessions",
            post(pages::end_sessions),
        )
        .route("/admin/accounts/{id}/active", post(pages::set_active))
        .route("/admin/accounts/{id}/password", post(pages::reset_password))
        .route("/admin/accounts/{id}/tokens", post(pages::create_token))
        .route("/admin/tokens/{id}/revoke", post(pages::revoke_token))
}
