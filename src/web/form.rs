//! Extractors for forms, queries and JSON whose rejections become `AppError`s
//! naming the field, instead of axum's plain-text answers.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::AppError;

/// An `application/x-www-form-urlencoded` body; repeated keys fill `Vec`s.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::bad_request("body", e.body_text()))?;
        from_form_bytes(&bytes).map(Form)
    }
}

/// Deserializes form or query bytes; a failure names the field it happened in.
fn from_form_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_path_to_error::deserialize(serde_html_form::Deserializer::from_bytes(bytes)).map_err(
        |e| {
            let path = e.path().to_string();
            AppError::BadRequest {
                field: (path != ".").then_some(path),
                message: e.into_inner().to_string(),
            }
        },
    )
}

/// A query string; a bad value answers 400 naming the parameter.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        from_form_bytes(parts.uri.query().unwrap_or("").as_bytes()).map(Query)
    }
}

/// A JSON body; errors say where (`field: message`) and answer 422 or 400.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::bad_request("body", e.body_text()))?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de).map(Json).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                AppError::bad_request("body", inner.to_string())
            } else {
                AppError::unprocessable(
                    if path == "." { "body".into() } else { path },
                    inner.to_string(),
                )
            }
        })
    }
}

/// Validation failures of a form: field name and message, shown beside the field.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<(&'static str, String)>);

impl FieldErrors {
    /// Adds a message for `field`.
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// The first message for `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
