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

/// The client's address. Behind `trusted` proxies, each of which appends the
/// address it was reached from to `X-Forwarded-For`, the client is the
/// entry `trusted` places from the right: entries further left were written
/// by whoever sent the request and prove nothing (taking the first one let
/// anyone forge the address that throttles and the audit log see). Without
/// trusted proxies, or when the header has fewer entries than there are
/// proxies, the socket's peer.
pub fn client_address(parts: &Parts, trusted: u8) -> String {
    if trusted > 0 {
        let entries: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        if let Some(client) = entries
            .len()
            .checked_sub(usize::from(trusted))
            .and_then(|i| entries.get(i))
            .and_then(|e| e.parse::<std::net::IpAddr>().ok())
        {
            return client.to_string();
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(forwarded: &[&str]) -> Parts {
        let mut b = axum::http::Request::builder().uri("/");
        for f in forwarded {
            b = b.header("x-forwarded-for", *f);
        }
        let (mut parts, ()) = b.body(()).expect("request").into_parts();
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 4000))));
        parts
    }

    #[test]
    fn the_client_is_the_right_most_entry_no_trusted_proxy_wrote() {
        // One proxy appended the real client; the first entry is forged.
        let p = parts(&["198.51.100.66, 203.0.113.7"]);
        assert_eq!(client_address(&p, 1), "203.0.113.7");
        assert_eq!(client_address(&p, 2), "198.51.100.66");
        assert_eq!(client_address(&p, 0), "192.0.2.1", "no proxy: the peer");
        // Entries across several headers count in order.
        let p = parts(&["198.51.100.66", "203.0.113.7, 10.0.0.2"]);
        assert_eq!(client_address(&p, 2), "203.0.113.7");
        // Fewer entries than proxies, or no address where the client
        // should be: the peer.
        assert_eq!(client_address(&parts(&["203.0.113.7"]), 2), "192.0.2.1");
        assert_eq!(client_address(&parts(&["not an address"]), 1), "192.0.2.1");
        assert_eq!(client_address(&parts(&[]), 1), "192.0.2.1");
    }
}
