//! The OpenAPI 3.1 description of `/api/v1`, built from the handlers'
//! annotations so that the document follows the code instead of drifting
//! from it. Served as JSON at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
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

/// The document: every `/api/v1` endpoint, the error shape and the token scheme.
#[derive(OpenApi)]
#[openapi(
    info(title = "oncotrack API", description = "Oncology training records: units, people, licences, courses, enrolments and rotations. Every endpoint except this document needs `Authorization: Bearer <token>`; errors are `application/problem+json`."),
    paths(),
    components(schemas(ProblemDetails)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`: the description itself, public so that
/// clients can be generated before anyone holds a token.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
