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
use chrono::{DateTime, Duration, NaiveDate, Utc};
use maud::{Markup, PreEscaped, html};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::model::{self, LicenceType, Standing};
use super::pages::{may_record, status_badge};
use super::store;
use crate::AppState;
use crate::audit::store::{self as audit, Entry};
use crate::auth::model::Principal;
use crate::auth::store::{new_token, token_hash};
use crate::clock::{local_display, stamp};
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

// ---- Store ----

/// A link as its page lists it (never the token, which is not stored).
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Id.
    pub id: i64,
    /// When made (UTC).
    pub created_at: String,
    /// Who made it.
    pub created_by: Option<String>,
    /// When revoked (UTC).
    pub revoked_at: Option<String>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
}

/// Makes a link; returns its id and the token, which only the caller ever sees.
pub fn create_link(
    conn: &Connection,
    person_id: i64,
    licence_type_id: i64,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<(i64, String)> {
    let token = new_token();
    conn.prepare_cached(
        "INSERT INTO licence_verification (person_id, licence_type_id, token_hash, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        person_id,
        licence_type_id,
        token_hash(&token),
        stamp(now),
        by
    ])?;
    Ok((conn.last_insert_rowid(), token))
}

/// The links of one person and licence, newest first.
pub fn links(
    conn: &Connection,
    person_id: i64,
    licence_type_id: i64,
) -> rusqlite::Result<Vec<Link>> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.created_at, ca.name, v.revoked_at, ra.name FROM licence_verification v
         LEFT JOIN account ca ON ca.id = v.created_by
         LEFT JOIN account ra ON ra.id = v.revoked_by
         WHERE v.person_id = ?1 AND v.licence_type_id = ?2
         ORDER BY v.created_at DESC, v.id DESC",
    )?;
    stmt.query_map(params![person_id, licence_type_id], |r| {
        Ok(Link {
            id: r.get(0)?,
            created_at: r.get(1)?,
            created_by: r.get(2)?,
            revoked_at: r.get(3)?,
            revoked_by: r.get(4)?,
        })
    })?
    .collect()
}

/// Whose link it is, for deciding who may revoke it.
#[derive(Debug, Clone, Copy)]
pub struct LinkOwner {
    /// The person.
    pub person_id: i64,
    /// The person's current unit.
    pub unit_id: i64,
    /// The licence.
    pub licence_type_id: i64,
}

/// The owner of link `id`.
pub fn link_owner(conn: &Connection, id: i64) -> rusqlite::Result<Option<LinkOwner>> {
    conn.prepare_cached(
        "SELECT v.person_id, p.unit_id, v.licence_type_id FROM licence_verification v
         JOIN person p ON p.id = v.person_id WHERE v.id = ?1",
    )?
    .query_row([id], |r| {
        Ok(LinkOwner {
            person_id: r.get(0)?,
            unit_id: r.get(1)?,
            licence_type_id: r.get(2)?,
        })
    })
    .optional()
}

/// Revokes a link; true when it was live (revoking twice changes nothing).
pub fn revoke_link(
    conn: &Connection,
    id: i64,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE licence_verification SET revoked_at = ?2, revoked_by = ?3
         WHERE id = ?1 AND revoked_at IS NULL",
        params![id, stamp(now), by],
    )?;
    Ok(changed == 1)
}

/// The person and licence behind a live token.
pub fn live_link(conn: &Connection, token: &str) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.prepare_cached(
        "SELECT person_id, licence_type_id FROM licence_verification
         WHERE token_hash = ?1 AND revoked_at IS NULL",
    )?
    .query_row([token_hash(token)], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
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
    let name: String =
        conn.query_row("SELECT name FROM person WHERE id = ?1", [person_id], |r| {
            r.get(0)
        })?;
    let history = store::completions(conn, person_id, Some(licence_type_id))?;
    let (theory, practical) = store::split_parts(&history, licence_type_id);
    Ok(Some(Verified {
        name,
        standing: model::standing(&licence, &theory, &practical, day),
        licence,
        day,
    }))
}

// ---- Who may ----

/// Who may make and revoke links for a person in `unit_id`: the person, and
/// whoever may record completions for them.
pub fn may_link(user: &Principal, person_id: i64, unit_id: i64) -> bool {
    user.person_id == Some(person_id) || may_record(user, unit_id)
}

/// 404 for people the user may not see (so they do not leak), 403 for people
/// they see but may not share.
fn authorize(user: &Principal, person_id: i64, unit_id: i64) -> Result<(), AppError> {
    if !user.may_see_person(person_id, unit_id) {
        return Err(AppError::NotFound);
    }
    if !may_link(user, person_id, unit_id) {
        return Err(AppError::Forbidden);
    }
    Ok(())
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

/// A QR code of `text` as an SVG document.
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| AppError::Internal(format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build())
}

/// The SVG without its XML declaration, to place inside a page.
fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}

// ---- Views ----

/// The buttons under a licence on the person's licence page, for those who may
/// share it.
pub fn link_actions(ctx: &Ctx, person: &org::Person, licence_type_id: i64) -> Markup {
    let Some(user) = &ctx.user else {
        return html! {};
    };
    if !may_link(user, person.id, person.unit_id) {
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
                    div role="img" aria-label=(lang.t("verify.qr")) { (PreEscaped(inline_svg(&f.svg))) }
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
    authorize(user, s.person.id, s.person.unit_id)?;
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
    load_subject(&state, &user, id, licence_id).await?;
    let (actor, now, account) = (ctx.actor(), ctx.now, user.account_id);
    let token = state
        .db
        .write(move |tx| -> Result<String, AppError> {
            let (link_id, token) = create_link(tx, id, licence_id, Some(account), now)?;
            audit::record(
                tx,
                &actor,
                now,
                Entry {
                    action: "licence_verification.create",
                    entity: "licence_verification",
                    entity_id: Some(link_id.to_string()),
                    before: None,
                    after: Some(json!({"person_id": id, "licence_type_id": licence_id})),
                },
            )?;
            Ok(token)
        })
        .await?;
    let url = public_url(&origin(&state.config, &headers, &uri), &token);
    let fresh = Fresh {
        svg: qr_svg(&url)?,
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
    let (actor, now) = (ctx.actor(), ctx.now);
    let owner = state
        .db
        .write(move |tx| -> Result<LinkOwner, AppError> {
            let owner = link_owner(tx, id)?.ok_or(AppError::NotFound)?;
            authorize(&user, owner.person_id, owner.unit_id)?;
            if revoke_link(tx, id, Some(user.account_id), now)? {
                audit::record(
                    tx,
                    &actor,
                    now,
                    Entry {
                        action: "licence_verification.revoke",
                        entity: "licence_verification",
                        entity_id: Some(id.to_string()),
                        before: Some(json!({"revoked_at": null})),
                        after: Some(json!({"revoked_at": stamp(now)})),
                    },
                )?;
            }
            Ok(owner)
        })
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
    let svg = qr_svg(&public_url(&origin(&state.config, &headers, &uri), &token))?;
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
        let svg = qr_svg("https://onco.example/verify/abc").unwrap_or_default();
        assert!(svg.starts_with("<?xml"));
        assert!(inline_svg(&svg).starts_with("<svg"));
        assert!(svg.contains("<path"));
    }
}
