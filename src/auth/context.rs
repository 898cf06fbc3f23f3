//! Who is asking: the page context [`Ctx`] (the signed-in user from the
//! session cookie, the language, the CSRF token, the clock's reading) and the
//! API's [`ApiUser`] (the account behind a bearer token).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use chrono::{DateTime, NaiveDate, Utc};

use super::model::{Principal, Role};
use super::store as auth_store;
use super::token_cache::CheckedToken;
use crate::AppState;
use crate::db::{Actor, Db, DbError, Work};
use crate::i18n::Lang;
use crate::web::context::{anon_cookie_name, client_address, request_lang, session_cookie_name};
use crate::web::layout::{Chrome, NavLink};
use crate::web::{AppError, csrf};

/// What every page handler knows about its request.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The signed-in user.
    pub user: Option<Principal>,
    /// Interface language.
    pub lang: Lang,
    /// The token forms must carry.
    pub csrf: String,
    /// The clock's reading for this request.
    pub now: DateTime<Utc>,
    /// Today in Europe/Stockholm.
    pub today: NaiveDate,
    /// Path and query, for `next=` links.
    pub uri: String,
    /// Client address.
    pub address: String,
    /// The raw session token, for logout.
    pub session_token: Option<String>,
    /// Whether cookies are marked Secure.
    pub secure: bool,
    /// The main menu, assembled where the application is.
    pub menu: Menu,
}

/// The main menu for a signed-in user: the links their roles open. The
/// application assembles it from its domains ([`crate::menu`]) and sets it
/// as a service; without one the menu is empty.
#[derive(Debug, Clone, Copy)]
pub struct Menu(pub fn(&Principal) -> Vec<NavLink>);

impl Default for Menu {
    fn default() -> Self {
        Menu(|_| Vec::new())
    }
}

impl Chrome for Ctx {
    fn lang(&self) -> Lang {
        self.lang
    }

    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn uri(&self) -> &str {
        &self.uri
    }

    fn signed_in(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.name.as_str())
    }

    fn nav(&self) -> Vec<NavLink> {
        self.user.as_ref().map(self.menu.0).unwrap_or_default()
    }
}

impl Ctx {
    /// The signed-in user, or `Unauthenticated` (pages redirect to sign-in).
    pub fn user(&self) -> Result<&Principal, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }

    /// The signed-in user when they hold one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<&Principal, AppError> {
        let user = self.user()?;
        if user.has_any(roles) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The user as recorded in the audit log.
    pub fn actor(&self) -> Actor {
        Actor {
            account_id: self.user.as_ref().map(|u| u.account_id),
            label: self
                .user
                .as_ref()
                .map(|u| u.email.clone())
                .unwrap_or_else(|| "anonymous".into()),
            address: Some(self.address.clone()),
        }
    }

    /// Translates a catalogue key.
    pub fn t(&self, key: &'static str) -> &'static str {
        self.lang.t(key)
    }

    /// Runs `f` as one unit of work by this user, now: its writes and
    /// audit rows commit together, or nothing is written.
    pub async fn change<T, E, F>(&self, db: &Db, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Work<'_>) -> Result<T, E> + Send + 'static,
    {
        db.change(self.actor(), self.now, f).await
    }
}

/// How long a session's `last_seen_at` may lag before a request refreshes it;
/// refreshing on every request would make every page view a write.
const TOUCH_AFTER_SECONDS: i64 = 60;

/// The pages an administrator without a second factor may still open:
/// its setup, signing out and the language switch.
fn may_pass_without_second_factor(path: &str) -> bool {
    path.starts_with("/account/second-factor") || path == "/logout" || path == "/lang"
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(ctx) = parts.extensions.get::<Ctx>() {
            return Ok(ctx.clone());
        }
        let secure = state.config.behind_tls;
        let jar = CookieJar::from_headers(&parts.headers);
        let now = state.clock.now();
        let session_token = jar
            .get(session_cookie_name(secure))
            .map(|c| c.value().to_string())
            .filter(|v| !v.is_empty());
        let mut user = None;
        if let Some(token) = session_token.clone() {
            let policy = auth_store::SessionPolicy {
                idle: state.config.session_idle,
                absolute: state.config.session_absolute,
            };
            let t = token.clone();
            let found = state
                .db
                .read(move |conn| -> Result<_, AppError> {
                    match auth_store::live_session(conn, &t, now, policy)? {
                        Some(s) => Ok(auth_store::principal(conn, s.account_id)?.map(|p| (p, s))),
                        None => Ok(None),
                    }
                })
                .await?;
            if let Some((principal, live)) = found {
                if (now - live.last_seen_at).num_seconds() >= TOUCH_AFTER_SECONDS
                    && !state.db.read_only()
                {
                    let t = token.clone();
                    let touched = state
                        .db
                        .write(move |tx| {
                            auth_store::touch_session(tx, &t, now).map_err(AppError::from)
                        })
                        .await;
                    if let Err(e) = touched {
                        tracing::warn!(error = %e, "could not refresh session");
                    }
                }
                // An administrator who signed in with a password alone
                // sets up a second factor before anything else.
                if super::model::must_enrol_second_factor(&principal, live.method)
                    && !may_pass_without_second_factor(parts.uri.path())
                {
                    return Err(AppError::SecondFactorRequired);
                }
                user = Some(principal);
            }
        }
        let binding = session_token
            .clone()
            .or_else(|| {
                jar.get(anon_cookie_name(secure))
                    .map(|c| c.value().to_string())
            })
            .unwrap_or_default();
        let ctx = Ctx {
            lang: request_lang(&parts.headers, user.as_ref().and_then(|u| u.language)),
            user,
            csrf: csrf::token_for(&state.secret, &binding),
            now,
            today: state.clock.today(),
            uri: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
            address: client_address(parts, state.config.trust_proxy),
            session_token,
            secure,
            menu: state.services.get::<Menu>().map(|m| *m).unwrap_or_default(),
        };
        parts.extensions.insert(ctx.clone());
        Ok(ctx)
    }
}

/// The account behind an API token (`Authorization: Bearer ...`). Cookies are
/// never read here, so the API needs no CSRF protection.
#[derive(Debug, Clone)]
pub struct ApiUser {
    /// The token's account.
    pub principal: Principal,
    /// Client address.
    pub address: String,
    /// The clock's reading.
    pub now: DateTime<Utc>,
    /// Today in Europe/Stockholm.
    pub today: NaiveDate,
}

impl ApiUser {
    /// The user when they hold one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<&Principal, AppError> {
        if self.principal.has_any(roles) {
            Ok(&self.principal)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The caller as recorded in the audit log.
    pub fn actor(&self) -> Actor {
        Actor {
            account_id: Some(self.principal.account_id),
            label: format!("{} (api)", self.principal.email),
            address: Some(self.address.clone()),
        }
    }

    /// Runs `f` as one unit of work by the token's account, now.
    pub async fn change<T, E, F>(&self, db: &Db, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Work<'_>) -> Result<T, E> + Send + 'static,
    {
        db.change(self.actor(), self.now, f).await
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string())
            .ok_or(AppError::Unauthenticated)?;
        let now = state.clock.now();
        let hash = auth_store::token_hash(&token);
        let generation = state.db.generation();
        let tokens = state.service(super::token_cache::token_cache);
        let checked = match tokens.get(&hash, generation) {
            Some(checked) => checked,
            None => {
                let key = hash.clone();
                let found = state
                    .db
                    .read(move |conn| -> Result<_, AppError> {
                        let Some(t) = auth_store::api_token_account(conn, &key)? else {
                            return Ok(None);
                        };
                        Ok(auth_store::principal(conn, t.account_id)?.map(|principal| {
                            CheckedToken {
                                token_id: t.id,
                                last_used: t.last_used_at,
                                principal,
                                expires_on: t.expires_on,
                                scope: t.scope,
                            }
                        }))
                    })
                    .await?
                    .ok_or(AppError::Unauthenticated)?;
                tokens.put(hash, generation, found.clone());
                found
            }
        };
        // A token past its last day is no token; one used outside its scope
        // is refused, and the refusal logged.
        if checked.expires_on.is_some_and(|d| d < state.clock.today()) {
            return Err(AppError::Unauthenticated);
        }
        if !checked.scope.allows(&parts.method, parts.uri.path()) {
            tracing::warn!(path = %parts.uri.path(), token = checked.token_id, "token used outside its scope");
            return Err(AppError::Forbidden);
        }
        let stale = checked
            .last_used
            .as_deref()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .is_none_or(|t| (now - t.with_timezone(&Utc)).num_seconds() >= TOUCH_AFTER_SECONDS);
        if stale && !state.db.read_only() {
            let token_id = checked.token_id;
            let _ = state
                .db
                .write(move |tx| {
                    auth_store::touch_api_token(tx, token_id, now).map_err(AppError::from)
                })
                .await;
        }
        let principal = checked.principal;
        Ok(ApiUser {
            principal,
            address: client_address(parts, state.config.trust_proxy),
            now,
            today: state.clock.today(),
        })
    }
}
