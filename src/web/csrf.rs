//! CSRF protection for every state-changing form. The token is an HMAC of the
//! cookie that identifies the browser (the session, or before sign-in a random
//! anonymous cookie), so a page on another site can neither read nor forge it.
//! One layer checks every non-GET request outside `/api`, so no handler can
//! forget to.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::context::{anon_cookie_name, cookie_header, session_cookie_name};
use super::error::AppError;

/// What the layer needs: the installation secret that signs tokens, and
/// whether cookies carry the `__Host-` names used over TLS.
#[derive(Clone)]
pub struct Guard {
    /// The installation secret.
    pub secret: std::sync::Arc<Vec<u8>>,
    /// Served over TLS.
    pub secure: bool,
}

/// The token for a browser bound by `binding` (a cookie value).
pub fn token_for(secret: &[u8], binding: &str) -> String {
    use base64::Engine;
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(b"csrf:");
    mac.update(binding.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fn verify(secret: &[u8], binding: &str, token: &str) -> bool {
    use base64::Engine;
    let Ok(given) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(b"csrf:");
    mac.update(binding.as_bytes());
    mac.verify_slice(&given).is_ok()
}

async fn token_in_body(headers: &axum::http::HeaderMap, bytes: &Bytes) -> Option<String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return form_urlencoded::parse(bytes)
            .find(|(k, _)| k == "csrf_token")
            .map(|(_, v)| v.into_owned());
    }
    if content_type.starts_with("multipart/form-data") {
        let req = Request::builder()
            .method(Method::POST)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(bytes.clone()))
            .ok()?;
        let mut multipart = axum::extract::Multipart::from_request(req, &())
            .await
            .ok()?;
        while let Ok(Some(field)) = multipart.next_field().await {
            if field.name() == Some("csrf_token") {
                return field.text().await.ok();
            }
        }
    }
    None
}

/// The layer: gives visitors without cookies an anonymous one on safe requests,
/// and refuses unsafe requests outside `/api` without a matching token.
pub async fn guard(State(state): State<Guard>, req: Request, next: Next) -> Response {
    let secure = state.secure;
    let jar = CookieJar::from_headers(req.headers());
    let binding = jar
        .get(session_cookie_name(secure))
        .or_else(|| jar.get(anon_cookie_name(secure)))
        .map(|c| c.value().to_string());
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The API authenticates with bearer tokens, never cookies: nothing to forge.
    let api = req.uri().path().starts_with("/api/");
    if api || (safe && binding.is_some()) {
        return next.run(req).await;
    }
    if safe {
        // First visit: mint the anonymous cookie and show it to this request's
        // handlers as if the browser had sent it.
        let anon = super::token::random();
        let name = anon_cookie_name(secure);
        let mut req = req;
        let cookie = format!("{name}={anon}");
        let merged = match req
            .headers()
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
        {
            Some(existing) => format!("{existing}; {cookie}"),
            None => cookie,
        };
        if let Ok(v) = HeaderValue::from_str(&merged) {
            req.headers_mut().insert(header::COOKIE, v);
        }
        let mut response = next.run(req).await;
        if let Ok(v) = HeaderValue::from_str(&cookie_header(name, &anon, secure, None)) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
        return response;
    }
    let Some(binding) = binding else {
        return AppError::Csrf.into_response();
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => {
            return (
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large",
            )
                .into_response();
        }
    };
    match token_in_body(&parts.headers, &bytes).await {
        Some(token) if verify(&state.secret, &binding, &token) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => AppError::Csrf.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_bound_to_its_cookie() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let t = token_for(secret, "cookie-a");
        assert!(verify(secret, "cookie-a", &t));
        assert!(!verify(secret, "cookie-b", &t));
        assert!(!verify(b"another secret..................", "cookie-a", &t));
        assert!(!verify(secret, "cookie-a", "not base64!"));
    }
}
