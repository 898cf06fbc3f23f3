//! The OpenAPI 3.1 description of `/api/v1`, built from the handlers'
//! annotations so that the document follows the code instead of drifting
//! from it. Served as JSON at `/api/v1/openapi.json`.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

/// An error answer from `/api` (RFC 9457 problem details), sent as
/// `application/problem+json`.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "describes the document written by web::middleware::problem"
)]
pub struct ProblemDetails {
    /// Always `about:blank`: the status code carries the meaning.
    #[schema(example = "about:blank")]
    r#type: String,
    /// Short human-readable summary of the status.
    #[schema(example = "Unprocessable Content")]
    title: String,
    /// The HTTP status code.
    #[schema(example = 422)]
    status: u16,
    /// What went wrong in this request.
    detail: Option<String>,
    /// The request path.
    #[schema(example = "/api/v1/people")]
    instance: String,
    /// The request id, also logged, to quote when reporting a problem.
    request_id: Option<String>,
    /// The field or parameter at fault, when one is.
    #[schema(example = "unit_id")]
    field: Option<String>,
}

/// Adds the bearer token scheme every `/api/v1` endpoint uses.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Adds the error answers every authenticated endpoint may give, so that each
/// handler's annotation lists only its successes and its own conflicts.
struct CommonProblems;

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        const COMMON: [(&str, &str); 5] = [
            (
                "400",
                "Malformed request: a parameter or body that cannot be read",
            ),
            ("401", "No valid bearer token"),
            ("403", "The token's account may not do this"),
            ("404", "No such resource, or not one the caller may see"),
            ("422", "A field's value breaks a rule; `field` names it"),
        ];
        for item in openapi.paths.paths.values_mut() {
            let writes = [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in writes.into_iter().flatten() {
                operation
                    .responses
                    .responses
                    .entry("503".to_owned())
                    .or_insert_with(|| {
                        problem("The database takes no writes just now (read-only or full disk); nothing was written").into()
                    });
            }
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                // The document itself is public and cannot fail this way.
                if operation.security.as_ref().is_some_and(|s| {
                    s.is_empty() || s.iter().all(|r| *r == SecurityRequirement::default())
                }) {
                    continue;
                }
                for (status, description) in COMMON {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem(description).into());
                }
            }
        }
    }
}

/// A response carrying [`ProblemDetails`] as `application/problem+json`.
fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("ProblemDetails"))),
        )
        .build()
}

/// What every document starts with: the title, the error shape, the token
/// scheme and the document's own path. The domains' routers add their
/// endpoints to it (see [`finish`]).
#[derive(OpenApi)]
#[openapi(
    info(title = "oncotrack API", description = "Oncology training records: units, people, licences, courses, enrolments and rotations. Every endpoint except this document needs `Authorization: Bearer <token>`; errors are `application/problem+json`."),
    paths(openapi_json),
    components(schemas(ProblemDetails)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

/// The document once every router has added its endpoints: the error
/// answers common to all of them are added, and it is serialised once (it
/// cannot change while the process runs).
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> ApiDocument {
    CommonProblems.modify(&mut doc);
    ApiDocument(serde_json::to_vec(&doc).unwrap_or_default().into())
}

/// The serialised document, served by [`openapi_json`].
#[derive(Debug, Clone)]
pub struct ApiDocument(pub axum::body::Bytes);

/// `GET /api/v1/openapi.json`: the description itself, public so that
/// clients can be generated before anyone holds a token.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    security(()),
    responses((status = 200, description = "This OpenAPI 3.1 document", body = Object))
)]
pub async fn openapi_json(
    axum::Extension(doc): axum::Extension<ApiDocument>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        doc.0,
    )
        .into_response()
}
