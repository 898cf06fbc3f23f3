//! CSRF protection for every state-changing form. The token is an HMAC of the
//! cookie that identifies the browser (the session, or before sign-in a random
//! anonymous cookie), so a page on another site can neither read nor forge it.
//! One layer checks every non-GET request outside `/api`, so no handler can
//! forget to.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
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
    /// The largest form body (uploads are multipart and stream through).
    pub max_form_bytes: usize,
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

/// The most of a multipart body read to find its first part, the token.
const FIRST_PART_MAX: usize = 16 * 1024;

/// The `boundary` of a `multipart/form-data` content type.
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|p| {
        p.trim()
            .strip_prefix("boundary=")
            .map(|b| b.trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

/// The first part of a multipart body in `buf`: `None` while more bytes
/// are needed, then the token when that part is `csrf_token` (every form
/// places it first, see `layout::csrf_field`).
fn first_part_token(buf: &[u8], boundary: &str) -> Option<Option<String>> {
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    let delimiter = format!("--{boundary}");
    let start = find(buf, delimiter.as_bytes(), 0)? + delimiter.len();
    let headers_end = find(buf, b"\r\n\r\n", start)?;
    let value_end = find(buf, format!("\r\n{delimiter}").as_bytes(), headers_end + 4)?;
    let headers = String::from_utf8_lossy(&buf[start..headers_end]).to_ascii_lowercase();
    let is_token = headers
        .lines()
        .any(|l| l.starts_with("content-disposition:") && l.contains("name=\"csrf_token\""));
    Some(
        is_token
            .then(|| String::from_utf8(buf[headers_end + 4..value_end].to_vec()).ok())
            .flatten(),
    )
}

/// Reads an upload only as far as its first part and gives back the token
/// and the whole body, the bytes read followed by the rest as it streams:
/// a large file passes through without being held here, and a request
/// that is not a form of ours costs at most [`FIRST_PART_MAX`] bytes.
async fn multipart_token(body: Body, boundary: &str) -> (Option<String>, Body) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let token = loop {
        if let Some(found) = first_part_token(&buf, boundary) {
            break found;
        }
        if buf.len() > FIRST_PART_MAX {
            break None;
        }
        match stream.next().await {
            Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
            _ => break None,
        }
    };
    let read = futures_util::stream::once(async move { Ok::<_, axum::Error>(Bytes::from(buf)) });
    (token, Body::from_stream(read.chain(stream)))
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
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (parts, body) = req.into_parts();
    let (token, body) = if content_type.starts_with("application/x-www-form-urlencoded") {
        // A form is small: read it whole, but no more than a form may be.
        match axum::body::to_bytes(body, state.max_form_bytes).await {
            Ok(bytes) => (
                form_urlencoded::parse(&bytes)
                    .find(|(k, _)| k == "csrf_token")
                    .map(|(_, v)| v.into_owned()),
                Body::from(bytes),
            ),
            Err(_) => {
                return (
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "request body too large",
                )
                    .into_response();
            }
        }
    } else if let (true, Some(b)) = (
        content_type.starts_with("multipart/form-data"),
        boundary(&content_type),
    ) {
        multipart_token(body, &b).await
    } else {
        (None, body)
    };
    match token {
        Some(token) if verify(&state.secret, &binding, &token) => {
            next.run(Request::from_parts(parts, body)).await
        }
        _ => AppError::Csrf.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_the_first_part_of_an_upload() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nx;y\r\n--XyZ--\r\n";
        assert_eq!(
            boundary("multipart/form-data; boundary=XyZ").as_deref(),
            Some("XyZ")
        );
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\"").as_deref(),
            Some("XyZ")
        );
        assert_eq!(first_part_token(body, "XyZ"), Some(Some("abc123".into())));
        for cut in [0, 10, 40, 60, 66] {
            assert_eq!(
                first_part_token(&body[..cut], "XyZ"),
                None,
                "needs more at {cut}"
            );
        }
        let file_first = b"--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--B--";
        assert_eq!(first_part_token(file_first, "B"), Some(None));
    }

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
