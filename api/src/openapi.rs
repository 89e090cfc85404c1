//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::header::Header;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::access_log;
use crate::problem::{FieldError, Problem};
use crate::routes::erp::{feedback, master_data, stock};
use crate::routes::{audit, companies, health, ops, orders, pricing, templates};

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
        ops::list, ops::rebuild, ops::quarantine, ops::erp_outbox, ops::retry_dead_letter,
        feedback::post_status, feedback::post_invoice, companies::invoices,
        master_data::put_product, master_data::put_company, master_data::put_channel,
        master_data::put_price_list, stock::post_levels, stock::post_movements,
        pricing::post_quote, pricing::get_price_sheet, pricing::get_availability,
        audit::verify, audit::events, audit::time_travel::aggregate, access_log::list,
        orders::post_order, orders::get_order, orders::approve, orders::reject, orders::cancel,
        templates::reorder, templates::list, templates::create, templates::update, templates::delete,
        templates::set_schedule, templates::clear_schedule, templates::order_template,
        companies::list_users, companies::add_user, companies::change_role,
        companies::deactivate_user, companies::reactivate_user, companies::get_rules,
        companies::put_rules, companies::list_orders, companies::purchase_history,
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&Security),
    tags(
        (name = "health", description = "Liveness, readiness, metrics"),
        (name = "ops", description = "Operations: subscribers, rebuilds, quarantine"),
        (name = "erp", description = "Inbound from the ERP: master data, stock (deduplicated by message_id)"),
        (name = "e-shop", description = "The e-shop backend: prices, availability, orders"),
        (name = "audit", description = "Auditors: the event log, aggregates at past moments, the access log, the tamper-evident seal chain"),
    )
)]
struct ApiDoc;

/// The name of the bearer security scheme.
pub const BEARER: &str = "bearer";

/// The scope an operation's tag stands for (`None`: public). Each tag is one route group of
/// `server::app`, behind that scope; the scope matrix test checks the two agree.
fn scope_of(tag: &str) -> Option<&'static str> {
    match tag {
        "e-shop" => Some("eshop"),
        "erp" => Some("erp"),
        "ops" => Some("ops"),
        "audit" => Some("auditor"),
        _ => None,
    }
}

/// The error answers every authenticated operation can give, shared as components.
const SHARED: [(&str, &str, &str); 4] = [
    (
        "401",
        "Unauthorized",
        "No API key, or one that is malformed, unknown or revoked (`WWW-Authenticate: Bearer`)",
    ),
    (
        "403",
        "Forbidden",
        "The key lacks the operation's scope or channel, or the acting user may not do this",
    ),
    (
        "422",
        "ValidationFailed",
        "A parameter or body field is invalid; `errors` names each field at fault",
    ),
    (
        "429",
        "RateLimited",
        "The key is over its rate limit; retry after `Retry-After` seconds",
    ),
];

fn problem_response(description: &str, status: &str) -> Response {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/problem+json",
        Content::new(Some(Ref::from_schema_name("Problem"))),
    );
    let seconds = || {
        RefOr::T(Schema::Object(
            ObjectBuilder::new().schema_type(Type::Integer).build(),
        ))
    };
    match status {
        "401" => {
            let mut header = Header::new(RefOr::T(Schema::Object(
                ObjectBuilder::new().schema_type(Type::String).build(),
            )));
            header.description = Some("`Bearer`".into());
            response = response.header("WWW-Authenticate", header);
        }
        "429" => {
            let mut header = Header::new(seconds());
            header.description = Some("Seconds to wait".into());
            response = response.header("Retry-After", header);
        }
        _ => {}
    }
    response.build()
}

/// Declares the bearer scheme, requires it (with the scope, as a role name) on every operation
/// outside `health`, marks those public, and adds the shared 401/403/429 answers (and 422 where
/// the operation takes input) to every authenticated operation that does not describe its own.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("oc_<id>_<secret>")
                    .description(Some(
                        "An API key. Its scopes (`eshop:<channel>`, `eshop:*`, `erp`, `auditor`, \
                         `ops`) decide what it reaches; each operation names the one it needs.",
                    ))
                    .build(),
            ),
        );
        for (status, name, description) in SHARED {
            components
                .responses
                .insert(name.into(), RefOr::T(problem_response(description, status)));
        }
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                secure(operation);
            }
        }
    }
}

fn secure(operation: &mut Operation) {
    let scope = operation
        .tags
        .iter()
        .flatten()
        .find_map(|tag| scope_of(tag));
    let Some(scope) = scope else {
        // Public: no key needed.
        operation.security = Some(vec![SecurityRequirement::default()]);
        return;
    };
    operation.security = Some(vec![SecurityRequirement::new(BEARER, [scope])]);
    let takes_input = operation.request_body.is_some()
        || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    for (status, name, _) in SHARED {
        if status == "422" && !takes_input {
            continue;
        }
        operation
            .responses
            .responses
            .entry(status.into())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    }
}

/// The document served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
