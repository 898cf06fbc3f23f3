//! Extractors for forms, queries and JSON whose rejections become `AppError`s
//! naming the field, instead of axum's plain-text answers.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::msg;

/// An `application/x-www-form-urlencoded` body; repeated keys fill `Vec`s.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                AppError::bad_request(
                    "body",
                    msg!("input.body_unreadable", detail = e.body_text()),
                )
            })?;
        from_form_body(&bytes).map(Form)
    }
}

/// What a text with a control character is told.
pub(crate) const NO_CONTROL: Msg = Msg::new("input.control_characters");

/// How the strict JSON reader tells serde about a control character.
pub(crate) const CONTROL_REFUSAL: &str = "control characters are not allowed";

/// serde's complaint about a value, as a message in the reader's language.
/// The common ones have their own texts; the type or values serde expected
/// (`i64`, `` `open`, `planned` ``) stay as serde names them.
pub fn decoding_message(serde: &str) -> Msg {
    if serde == CONTROL_REFUSAL {
        return NO_CONTROL;
    }
    let between = |text: &str, start: &str| {
        text.strip_prefix(start)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string)
    };
    if let Some(field) = between(serde, "missing field `") {
        return msg!("input.missing_field", field);
    }
    if let Some(value) = between(serde, "unknown variant `") {
        let allowed = serde
            .split_once("expected ")
            .map(|(_, e)| e.replace("one of ", ""))
            .unwrap_or_default();
        return msg!("input.unknown_value", value, allowed);
    }
    if let Some(field) = between(serde, "unknown field `") {
        return msg!("input.unknown_field", field);
    }
    if serde.starts_with("invalid type:") || serde.starts_with("invalid value:") {
        let expected = serde
            .rsplit_once(", expected ")
            .map_or(String::new(), |(_, e)| e.to_string());
        return msg!("input.wrong_type", expected);
    }
    if serde.starts_with("invalid digit") || serde.starts_with("cannot parse integer") {
        return msg!("input.not_a_number");
    }
    if serde.starts_with("number too large") || serde.starts_with("number too small") {
        return msg!("input.number_out_of_range");
    }
    msg!("input.unreadable", detail = serde)
}

/// Whether `s` is free of control characters other than tab and line
/// breaks. Nobody types them, and a NUL would also cut the text short for
/// SQLite's `length()` and the checks built on it.
pub(crate) fn control_free(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Deserializes form or query bytes; a failure names the field it happened in.
fn from_form_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_path_to_error::deserialize(serde_html_form::Deserializer::from_bytes(bytes)).map_err(
        |e| {
            let path = e.path().to_string();
            AppError::BadRequest {
                field: (path != ".").then_some(path),
                message: decoding_message(&e.into_inner().to_string()),
            }
        },
    )
}

/// Deserializes a form body, refusing control characters in what will be
/// stored. (Queries only look things up, so they take any text.)
fn from_form_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if let Some((key, _)) = form_urlencoded::parse(bytes)
        .find(|(key, value)| !control_free(key) || !control_free(value))
    {
        let field = if control_free(&key) {
            key.into_owned()
        } else {
            "body".to_owned()
        };
        return Err(AppError::bad_request(field, NO_CONTROL));
    }
    from_form_bytes(bytes)
}

/// Path parameters; a value that does not parse (`/offerings/abc`, an id
/// beyond 64 bits) answers 400 naming the parameter, as problem+json on the
/// API, instead of axum's plain text.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let field = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key }
                    | ErrorKind::DeserializeError { key, .. } => key.clone(),
                    // A single parameter (`Path<i64>`) fails without its
                    // name; the route knows it.
                    _ => axum::extract::RawPathParams::from_request_parts(parts, state)
                        .await
                        .ok()
                        .and_then(|params| {
                            let mut names = params.iter().map(|(name, _)| name.to_owned());
                            names.next().filter(|_| names.next().is_none())
                        })
                        .unwrap_or_else(|| "path".to_owned()),
                };
                let message = match e.kind() {
                    ErrorKind::ParseErrorAtKey { expected_type, .. }
                    | ErrorKind::ParseError { expected_type, .. }
                        if expected_type.starts_with(['i', 'u']) =>
                    {
                        msg!("input.not_an_id")
                    }
                    _ => msg!("input.unreadable", detail = e.body_text()),
                };
                Err(AppError::bad_request(field, message))
            }
            Err(other) => Err(AppError::bad_request(
                "path",
                msg!("input.unreadable", detail = other.body_text()),
            )),
        }
    }
}

/// A query string; a bad value answers 400 naming the parameter.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        from_form_bytes(parts.uri.query().unwrap_or("").as_bytes()).map(Query)
    }
}

/// The query string of an API endpoint: as [`Query`], except that a
/// parameter given with an empty value (`?status=`) answers 400 naming it.
/// The API reads a parameter left out as "any"; the description allows no
/// empty values, so that an empty one is a client's mistake, not a wildcard.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("").as_bytes();
        if let Some((name, _)) = form_urlencoded::parse(raw).find(|(_, value)| value.is_empty()) {
            return Err(AppError::bad_request(name, msg!("input.empty_parameter")));
        }
        from_form_bytes(raw).map(ApiQuery)
    }
}

/// A JSON body; errors say where (`field: message`) and answer 422 or 400.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                AppError::bad_request(
                    "body",
                    msg!("input.body_unreadable", detail = e.body_text()),
                )
            })?;
        from_json_bytes(&bytes).map(Json)
    }
}

/// Deserializes a JSON body: 400 when it is not JSON, 422 naming the field
/// (as a path such as `salary[0].from`) when a value has the wrong type
/// (an array where an object belongs, too) or a string holds control
/// characters.
pub fn from_json_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        AppError::bad_request(
            "body",
            msg!("input.not_json", line = e.line(), column = e.column()),
        )
    })?;
    serde_path_to_error::deserialize(super::strict_json::Strict(&value)).map_err(|e| {
        let path = e.path().to_string();
        AppError::unprocessable(
            if path == "." { "body".into() } else { path },
            decoding_message(&e.into_inner().to_string()),
        )
    })
}

/// Validation failures of a form, shown beside their fields and in a
/// summary above the form, in the page's language. The fields record their
/// labels as they render, so that the summary names each field as the
/// reader sees it (see [`layout::form_card`](super::layout::form_card)).
#[derive(Debug, Clone)]
pub struct FieldErrors {
    lang: Lang,
    list: Vec<(String, Msg)>,
    labels: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

impl FieldErrors {
    /// No errors yet, for a page in `lang`.
    pub fn new(lang: Lang) -> FieldErrors {
        FieldErrors {
            lang,
            list: Vec::new(),
            labels: Default::default(),
        }
    }

    /// The errors of `list`, for a page in `lang`.
    pub fn from_list<F: Into<String>>(
        lang: Lang,
        list: impl IntoIterator<Item = (F, Msg)>,
    ) -> Self {
        let mut errors = FieldErrors::new(lang);
        for (field, message) in list {
            errors.add(field, message);
        }
        errors
    }

    /// Adds a message for `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<Msg>) {
        self.list.push((field.into(), message.into()));
    }

    /// The first message for `field`, in the page's language.
    pub fn get(&self, field: &str) -> Option<String> {
        self.list
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.render(self.lang))
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The page's language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Every `(field, message)`, messages in the page's language.
    pub fn messages(&self) -> Vec<(String, String)> {
        self.list
            .iter()
            .map(|(f, m)| (f.clone(), m.render(self.lang)))
            .collect()
    }

    /// Notes the label `field` is shown with, for the summary.
    pub fn label(&self, field: &str, label: &str) {
        let mut labels = self.labels.lock().unwrap_or_else(|e| e.into_inner());
        if !labels.iter().any(|(f, _)| f == field) {
            labels.push((field.to_string(), label.to_string()));
        }
    }

    /// The label `field` was shown with, if it has been rendered.
    pub fn label_of(&self, field: &str) -> Option<String> {
        self.labels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, l)| l.clone())
    }
}
