//! Verification links: an unguessable, revocable link per person and licence,
//! with its QR code, that shows anyone who holds it the person's name, the
//! licence, today's status and valid-until, and nothing more. Staff who move
//! between hospitals show it to their new employer instead of a printout.
//!
//! Like sessions, only the SHA-256 of a link's token is stored, so the link is
//! shown once when it is made. The public page is rate limited per address.

use crate::auth::Ctx;
use crate::web::Path;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate};
use maud::{Markup, PreEscaped, html};
use rusqlite::Connection;

use super::actions;
use super::model::{self, LicenceType, Standing};
use super::pages::status_badge;
use super::store::verify::{Link, links, live_link};
use super::store::{self};
use crate::AppState;
use crate::auth::model::Principal;
use crate::clock::local_display;
use crate::config::Config;
use crate::organisation::store as org;
use crate::web::AppError;
use crate::web::context::client_address;
use crate::web::layout::{self, csrf_field, page, public_page};
use crate::web::rate_limit::RateLimiter;

/// Requests one address may make to the public pages per minute: plenty for
/// people checking a link, too few to guess tokens (which are 256 bits anyway)
/// or to scrape.
pub const REQUESTS_PER_MINUTE: u32 = 30;

/// The limiter the public pages share; `AppState` holds it.
pub fn rate_limiter() -> RateLimiter {
    RateLimiter::new(REQUESTS_PER_MINUTE, Duration::minutes(1))
}

/// Verification links and their public pages.
pub fn verify_router() -> Router<AppState> {
    Router::new()
        .route(
            "/people/{id}/licences/{licence_id}/verification",
            get(links_page).post(create),
        )
        .route("/verification/{id}/revoke", post(revoke))
        .route("/verify/{token}", get(public))
        .route("/verify/{token}/qr.svg", get(public_qr))
}

/// Everything the public page shows, and nothing else: the person's name, the
/// licence and its standing on the day.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The person's name.
    pub name: String,
    /// The licence.
    pub licence: LicenceType,
    /// Its standing on the day.
    pub standing: Standing,
    /// The day.
    pub day: NaiveDate,
}

/// What a live token shows on `day`.
pub fn verified(
    conn: &Connection,
    token: &str,
    day: NaiveDate,
) -> rusqlite::Result<Option<Verified>> {
    let Some((person_id, licence_type_id)) = live_link(conn, token)? else {
        return Ok(None);
    };
    let Some(licence) = store::licence_type(conn, licence_type_id)? else {
        return Ok(None);
    };
    let Some(name) = store::person_name(conn, person_id)? else {
        return Ok(None);
    };
    let history = store::completions(conn, person_id, Some(licence_type_id))?;
    let (theory, practical) = store::split_parts(&history, licence_type_id);
    Ok(Some(Verified {
        name,
        standing: model::standing(&licence, &theory, &practical, day),
        licence,
        day,
    }))
}

/// Counts the request against its address's limit before anything else runs;
/// the public handlers take it first.
#[derive(Debug, Clone, Copy)]
pub struct Limited;

impl FromRequestParts<AppState> for Limited {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let address = client_address(parts, state.config.trust_proxy);
        state
            .service(rate_limiter)
            .check(&address, state.clock.now())
            .map_err(|retry_after| AppError::TooManyRequests { retry_after })?;
        Ok(Limited)
    }
}

// ---- Links and QR codes ----

fn is_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

/// Where people reach the server: the configured public address, else the
/// request's host with the scheme the server is served with.
pub fn origin(config: &Config, headers: &HeaderMap, uri: &Uri) -> String {
    if let Some(url) = &config.public_url {
        return url.clone();
    }
    let scheme = if config.behind_tls { "https" } else { "http" };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .filter(|h| is_host(h))
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// The public address of a token's page.
fn public_url(origin: &str, token: &str) -> String {
    format!("{origin}/verify/{token}")
}

// ---- Views ----

/// The buttons under a licence on the person's licence page, for those who may
/// share it.
pub fn link_actions(ctx: &Ctx, person: &org::Person, licence_type_id: i64) -> Markup {
    let Some(user) = &ctx.user else {
        return html! {};
    };
    if !model::may_link(user, person.id, person.unit_id) {
        return html! {};
    }
    let base = format!(
        "/people/{}/licences/{licence_type_id}/verification",
        person.id
    );
    html! {
        p {
            form.inline method="post" action=(base) {
                (csrf_field(ctx))
                button.secondary type="submit" { (ctx.t("verify.create")) }
            }
            " "
            a href=(base) { (ctx.t("verify.title")) }
        }
    }
}

struct Subject {
    person: org::Person,
    licence: LicenceType,
    links: Vec<Link>,
}

/// A link just made: its address and QR code, shown this once.
struct Fresh {
    url: String,
    svg: String,
}

fn links_view(ctx: &Ctx, s: &Subject, fresh: Option<&Fresh>) -> Markup {
    let lang = ctx.lang;
    let base = format!(
        "/people/{}/licences/{}/verification",
        s.person.id, s.licence.id
    );
    page(
        ctx,
        &format!(
            "{} – {}: {}",
            s.person.name,
            s.licence.name(lang),
            lang.t("verify.title")
        ),
        html! {
            p { a href=(format!("/people/{}/licences", s.person.id)) { "← " (lang.t("licence.title")) } }
            @if let Some(f) = fresh {
                div.alert.ok role="status" {
                    p { (lang.t("verify.shown_once")) }
                    p { a href=(f.url) { code { (f.url) } } }
                    div role="img" aria-label=(lang.t("verify.qr")) { (PreEscaped(layout::inline_svg(&f.svg))) }
                }
            }
            p { (lang.t("verify.explain")) }
            form method="post" action=(base) {
                (csrf_field(ctx))
                button type="submit" { (lang.t("verify.create")) }
            }
            @if s.links.is_empty() {
                p.muted { (lang.t("verify.none")) }
            } @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th { (lang.t("verify.created")) } th { (lang.t("verify.created_by")) } th { (lang.t("common.status")) } th {}
                    } }
                    tbody { @for l in &s.links { tr {
                        td { (local_display(&l.created_at)) }
                        td { (l.created_by.as_deref().unwrap_or("–")) }
                        td {
                            @if let Some(at) = &l.revoked_at {
                                (layout::badge(lang.t("licence.revoked"), "muted")) " " (local_display(at)) " " span.muted { (l.revoked_by.as_deref().unwrap_or("")) }
                            } @else {
                                (layout::badge(lang.t("verify.live"), "ok"))
                            }
                        }
                        td {
                            @if l.revoked_at.is_none() {
                                form.inline method="post" action=(format!("/verification/{}/revoke", l.id)) {
                                    (csrf_field(ctx))
                                    button.secondary type="submit" { (lang.t("licence.revoke")) }
                                }
                            }
                        }
                    } } }
                } }
            }
        },
    )
}

fn public_view(ctx: &Ctx, v: &Verified) -> Markup {
    let lang = ctx.lang;
    public_page(
        ctx,
        lang.t("verify.public_title"),
        html! {
            div.card {
                dl.facts {
                    dt { (lang.t("common.name")) } dd { (v.name) }
                    dt { (lang.t("licence.type")) } dd { (v.licence.name(lang)) }
                    dt { (lang.t("verify.status_today")) } dd { (status_badge(lang, v.standing.status)) " " span.muted { "(" (v.day) ")" } }
                    dt { (lang.t("licence.valid_until")) } dd { (v.standing.valid_until.map(|d| d.to_string()).unwrap_or_else(|| "–".into())) }
                }
            }
        },
    )
}

// ---- Handlers ----

async fn load_subject(
    state: &AppState,
    user: &Principal,
    person_id: i64,
    licence_type_id: i64,
) -> Result<Subject, AppError> {
    let s = state
        .db
        .read(move |c| -> Result<Subject, AppError> {
            let person = org::person(c, person_id)?.ok_or(AppError::NotFound)?;
            let licence = store::licence_type(c, licence_type_id)?.ok_or(AppError::NotFound)?;
            Ok(Subject {
                links: links(c, person_id, licence_type_id)?,
                person,
                licence,
            })
        })
        .await?;
    actions::link_access(user, s.person.id, s.person.unit_id)?;
    Ok(s)
}

/// `GET /people/{id}/licences/{licence_id}/verification`: the links made so far.
pub async fn links_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, licence_id)): Path<(i64, i64)>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let s = load_subject(&state, &user, id, licence_id).await?;
    Ok(links_view(&ctx, &s, None))
}

/// `POST /people/{id}/licences/{licence_id}/verification`: makes a link and
/// shows it, with its QR code, this once.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    uri: Uri,
    Path((id, licence_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let by = user.clone();
    let token = ctx
        .change(&state.db, move |w| {
            actions::create_link(w, &by, id, licence_id)
        })
        .await?;
    let url = public_url(&origin(&state.config, &headers, &uri), &token);
    let fresh = Fresh {
        svg: layout::qr_svg(&url)?,
        url,
    };
    let s = load_subject(&state, &user, id, licence_id).await?;
    Ok(links_view(&ctx, &s, Some(&fresh)).into_response())
}

/// `POST /verification/{id}/revoke`: the link stops working at once.
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let owner = ctx
        .change(&state.db, move |w| actions::revoke_link(w, &user, id))
        .await?;
    Ok(Redirect::to(&format!(
        "/people/{}/licences/{}/verification",
        owner.person_id, owner.licence_type_id
    ))
    .into_response())
}

/// Asks search engines to leave a public page out.
fn noindex(mut r: Response) -> Response {
    r.headers_mut().insert(
        HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex"),
    );
    r
}

/// `GET /verify/{token}`: the public page; no sign-in.
pub async fn public(
    _: Limited,
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let day = ctx.today;
    let v = state
        .db
        .read(move |c| verified(c, &token, day).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(noindex(public_view(&ctx, &v).into_response()))
}

/// `GET /verify/{token}/qr.svg`: the QR code of the public page's address.
pub async fn public_qr(
    _: Limited,
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let t = token.clone();
    state
        .db
        .read(move |c| live_link(c, &t).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    let svg = layout::qr_svg(&public_url(&origin(&state.config, &headers, &uri), &token))?;
    let mut r = svg.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    Ok(noindex(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_prefers_the_configured_address_then_the_host() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("onco.example:8080"));
        let uri = Uri::from_static("/verify/x");
        let mut config = Config::default();
        assert_eq!(origin(&config, &headers, &uri), "http://onco.example:8080");
        config.behind_tls = true;
        assert_eq!(origin(&config, &headers, &uri), "https://onco.example:8080");
        config.public_url = Some("https://onkologi.region.se".into());
        assert_eq!(
            origin(&config, &headers, &uri),
            "https://onkologi.region.se"
        );
    }

    #[test]
    fn a_strange_host_is_not_put_into_links() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::HOST,
            HeaderValue::from_static("evil.example/\"><script>"),
        );
        let uri = Uri::from_static("/verify/x");
        assert_eq!(
            origin(&Config::default(), &headers, &uri),
            "http://localhost"
        );
    }

    #[test]
    fn the_qr_code_is_an_svg_that_fits_a_page() {
        let svg = crate::web::layout::qr_svg("https://onco.example/verify/abc").unwrap_or_default();
        assert!(svg.starts_with("<?xml"));
        assert!(crate::web::layout::inline_svg(&svg).starts_with("<svg"));
        assert!(svg.contains("<path"));
    }
}
