//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::OpenApi;

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
    tags(
        (name = "health", description = "Liveness, readiness, metrics"),
        (name = "ops", description = "Operations: subscribers, rebuilds, quarantine"),
        (name = "erp", description = "Inbound from the ERP: master data, stock (deduplicated by message_id)"),
        (name = "e-shop", description = "The e-shop backend: prices, availability, orders"),
        (name = "audit", description = "Auditors: the event log, aggregates at past moments, the access log, the tamper-evident seal chain"),
    )
)]
struct ApiDoc;

/// The document served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
