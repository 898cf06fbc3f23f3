//! What the edge reads off every request whoever is signed in: cookies, the
//! client's address and the language.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

use crate::i18n::Lang;

/// Name of the language cookie (set by the switch for visitors who are not signed in).
pub const LANG_COOKIE: &str = "ot_lang";

/// Session cookie name; `__Host-` binds it to this exact origin over TLS.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-ot_session"
    } else {
        "ot_session"
    }
}

/// Cookie that binds the CSRF token of visitors who are not signed in.
pub fn anon_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-ot_anon" } else { "ot_anon" }
}

/// Builds a `Set-Cookie` value with the project's attributes.
pub fn cookie_header(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop
/// when the server is configured to trust its proxy.
pub fn client_address(parts: &Parts, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(first) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return first.trim().to_string();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
        .unwrap_or_else(|| "local".to_string())
}

/// The language for a request: the account's choice, the language cookie, the
/// browser's `Accept-Language`, else Swedish.
pub fn request_lang(headers: &axum::http::HeaderMap, chosen: Option<Lang>) -> Lang {
    if let Some(l) = chosen {
        return l;
    }
    let jar = CookieJar::from_headers(headers);
    if let Some(l) = jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or_default()
}
