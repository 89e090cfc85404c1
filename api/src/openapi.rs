//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::OpenApi;

use crate::problem::{FieldError, Problem};
use crate::routes::{health, ops};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ordercore",
        description = "Event-sourced order and pricing core between B2B e-shops and their ERP. \
                       Errors are RFC 9457 application/problem+json.",
        license(name = "Apache-2.0")
    ),
    paths(
        health::healthz, health::readyz, health::metrics, health::openapi,
        ops::list, ops::rebuild,
    ),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "health", description = "Liveness, readiness, metrics"),
        (name = "ops", description = "Operations: subscribers, rebuilds, quarantine"),
    )
)]
struct ApiDoc;

/// The document served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
