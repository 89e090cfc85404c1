//! What the ERP reports back: order status (accepted, shipped, delivered, cancelled) and
//! invoices with payments.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use app::erp::feedback::{self, FeedbackError, PaymentMessage, StatusMessage};
use domain::invoice::{InvoiceData, InvoiceKind, InvoiceLine, VatLine};
use domain::order::ShippedLine;
use domain::values::{CompanyId, CurrencyCode, Money, Quantity, Sku, WarehouseCode};

use super::master_data::erp_meta;
use super::{handle, Outcome};
use crate::domain_errors::domain_problem;
use crate::input::{index, join, Input};
use crate::problem::{ApiError, Problem};
use crate::server::AppState;

fn outcome(result: Result<Value, FeedbackError>) -> Result<Outcome, ApiError> {
    match result {
        Ok(value) => Ok(Outcome::Done(StatusCode::OK, value)),
        Err(FeedbackError::NotYet { order, status }) => {
            // Not an answer to remember: the same message is welcome again later.
            let mut problem = Problem::new(
                StatusCode::CONFLICT,
                "not-yet-applicable",
                "Not yet applicable",
                format!("order {order} is {status}; send this message again later"),
            );
            problem.retry_after = Some(2);
            Err(problem.into())
        }
        Err(FeedbackError::UnknownOrder(order)) => Ok(Outcome::Refused(Problem::new(
            StatusCode::NOT_FOUND,
            "unknown-order",
            "Unknown order",
            format!("no order {order}"),
        ))),
        Err(FeedbackError::Order(e)) => Ok(Outcome::Refused(domain_problem(&e))),
        Err(FeedbackError::Invoice(e)) => Ok(Outcome::Refused(domain_problem(&e))),
        Err(e @ FeedbackError::ForeignOrder { .. }) => Ok(Outcome::Refused(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "foreign-order",
            "Foreign order",
            e.to_string(),
        ))),
        Err(FeedbackError::Store(e)) => Err(ApiError::Internal(anyhow::anyhow!(e))),
    }
}

/// `POST /v1/erp/orders/{id}/status` body (see docs/erp-adapter.md).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct StatusMessageBody {
    message_id: String,
    /// `accepted`, `shipped`, `delivered`, `cancelled` or `cancel_refused`.
    status: String,
    erp_order_no: Option<String>,
    shipment_id: Option<String>,
    /// For `shipped`: `[{"sku", "warehouse", "quantity"}]`.
    #[schema(value_type = Option<Vec<Object>>)]
    lines: Option<Vec<Value>>,
    reason: Option<String>,
}

/// The ERP's news about one order; partial shipments add up, late or repeated messages change
/// nothing, early ones are answered 409 `not-yet-applicable` to be sent again.
#[utoipa::path(post, path = "/v1/erp/orders/{id}/status", tag = "erp", request_body = StatusMessageBody,
    params(("id" = String, Path)),
    responses((status = 200, body = Object),
        (status = 409, description = "Not yet applicable: send again later", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn post_status(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
    body: Bytes,
) -> Response {
    handle(&state.clone(), "POST /v1/erp/orders/status", body, |doc, message_id| async move {
        let mut input = Input::new();
        let Some(root) = input.root(&doc) else { return Ok(Outcome::Invalid(input.finish().err().unwrap_or_default())) };
        let message = match input.string(root, "status", "").as_deref() {
            Some("accepted") => input.string(root, "erp_order_no", "").map(|n| StatusMessage::Accepted { erp_order_no: n }),
            Some("shipped") => {
                let shipment_id = input.string(root, "shipment_id", "");
                let lines = read_shipped(&mut input, root);
                shipment_id.map(|shipment_id| StatusMessage::Shipped { shipment_id, lines })
            }
            Some("delivered") => input.opt_string(root, "shipment_id", "").map(|shipment_id| StatusMessage::Delivered { shipment_id }),
            Some("cancelled") => input.opt_string(root, "reason", "").map(|r| StatusMessage::Cancelled { reason: r.unwrap_or_else(|| "cancelled by the ERP".into()) }),
            Some("cancel_refused") => input.opt_string(root, "reason", "").map(|r| StatusMessage::CancelRefused { reason: r.unwrap_or_else(|| "refused by the ERP".into()) }),
            Some(other) => {
                input.error("status", format!("{other:?} is not accepted, shipped, delivered, cancelled or cancel_refused"));
                None
            }
            None => None,
        };
        let (Some(message), true) = (message, input.errors().is_empty()) else {
            return Ok(Outcome::Invalid(input.finish().err().unwrap_or_default()));
        };
        let result = feedback::apply_status(&state.aggregates, &order_id, message, &erp_meta(&message_id))
            .await
            .map(|done| json!({"order_id": order_id, "status": done.state.status().map(|s| s.as_str()), "version": done.version, "changed": !done.events.is_empty()}));
        outcome(result)
    })
    .await
}

fn read_shipped(input: &mut Input, root: &Map<String, Value>) -> Vec<ShippedLine> {
    let mut lines = Vec::new();
    if let Some(items) = input.array(root, "lines", "") {
        for (i, item) in items.iter().enumerate() {
            let path = index("lines", i);
            let Some(l) = input.object(item, &path) else {
                continue;
            };
            let sku = input
                .string(l, "sku", &path)
                .and_then(|s| input.parsed(Sku::parse(s), &join(&path, "sku")));
            let warehouse = input
                .string(l, "warehouse", &path)
                .and_then(|w| input.parsed(WarehouseCode::parse(w), &join(&path, "warehouse")));
            let quantity = input
                .decimal(l, "quantity", &path)
                .and_then(|q| input.parsed(Quantity::parse(q), &join(&path, "quantity")));
            if let (Some(sku), Some(warehouse), Some(quantity)) = (sku, warehouse, quantity) {
                lines.push(ShippedLine {
                    sku,
                    warehouse,
                    quantity,
                });
            }
        }
    }
    lines
}

/// `POST /v1/erp/invoices` body (see docs/erp-adapter.md).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct InvoiceMessageBody {
    message_id: String,
    number: String,
    /// `invoice` or `credit_note`.
    kind: String,
    company_id: String,
    currency: String,
    order_ids: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    lines: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    vat: Vec<Value>,
    total_net: String,
    total_vat: String,
    total_gross: String,
    issued_on: NaiveDate,
    due_on: NaiveDate,
    credited_invoice: Option<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    payments: Option<Vec<Value>>,
}

/// An invoice or credit note; it moves its orders to `invoiced` (and `completed` when shipped).
#[utoipa::path(post, path = "/v1/erp/invoices", tag = "erp", request_body = InvoiceMessageBody,
    responses((status = 200, body = Object),
        (status = 409, description = "An order is not yet accepted: send again later", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn post_invoice(State(state): State<AppState>, body: Bytes) -> Response {
    handle(
        &state.clone(),
        "POST /v1/erp/invoices",
        body,
        |doc, message_id| async move {
            let mut input = Input::new();
            let Some(root) = input.root(&doc) else {
                return Ok(Outcome::Invalid(input.finish().err().unwrap_or_default()));
            };
            let Some((data, payments)) = read_invoice(&mut input, root) else {
                return Ok(Outcome::Invalid(input.finish().err().unwrap_or_default()));
            };
            let number = data.number.clone();
            let result =
                feedback::record_invoice(&state.aggregates, data, payments, &erp_meta(&message_id))
                    .await
                    .map(|()| json!({"number": number, "recorded": true}));
            outcome(result)
        },
    )
    .await
}

fn read_invoice(
    input: &mut Input,
    root: &Map<String, Value>,
) -> Option<(InvoiceData, Vec<PaymentMessage>)> {
    let number = input.string(root, "number", "");
    let kind = match input.string(root, "kind", "").as_deref() {
        Some("invoice") => Some(InvoiceKind::Invoice),
        Some("credit_note") => Some(InvoiceKind::CreditNote),
        Some(other) => {
            input.error("kind", format!("{other:?} is not invoice or credit_note"));
            None
        }
        None => None,
    };
    let company = input
        .string(root, "company_id", "")
        .and_then(|c| input.parsed(CompanyId::parse(c), "company_id"));
    let currency = input
        .string(root, "currency", "")
        .and_then(|c| input.parsed(CurrencyCode::parse(c), "currency"));
    let order_ids: Vec<String> = input
        .array(root, "order_ids", "")
        .map(|items| {
            items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| match v.as_str() {
                    Some(s) => Some(s.to_string()),
                    None => {
                        input.error(index("order_ids", i), "must be a string");
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut lines = Vec::new();
    if let Some(items) = input.array(root, "lines", "") {
        for (i, item) in items.iter().enumerate() {
            let path = index("lines", i);
            let Some(l) = input.object(item, &path) else {
                continue;
            };
            let sku = input
                .string(l, "sku", &path)
                .and_then(|s| input.parsed(Sku::parse(s), &join(&path, "sku")));
            let quantity = input
                .decimal(l, "quantity", &path)
                .and_then(|q| input.parsed(Quantity::parse(q), &join(&path, "quantity")));
            let unit_price = input
                .decimal(l, "unit_price", &path)
                .and_then(|q| input.parsed(Money::parse(q), &join(&path, "unit_price")));
            let vat_rate = input.decimal(l, "vat_rate", &path);
            let net = input.decimal(l, "net", &path);
            if let (Some(sku), Some(quantity), Some(unit_price), Some(vat_rate), Some(net)) =
                (sku, quantity, unit_price, vat_rate, net)
            {
                lines.push(InvoiceLine {
                    sku,
                    quantity,
                    unit_price,
                    vat_rate,
                    net,
                });
            }
        }
    }
    let mut vat = Vec::new();
    if let Some(items) = input.array(root, "vat", "") {
        for (i, item) in items.iter().enumerate() {
            let path = index("vat", i);
            let Some(v) = input.object(item, &path) else {
                continue;
            };
            if let (Some(rate), Some(base), Some(amount)) = (
                input.decimal(v, "rate", &path),
                input.decimal(v, "base", &path),
                input.decimal(v, "vat", &path),
            ) {
                vat.push(VatLine {
                    rate,
                    base,
                    vat: amount,
                });
            }
        }
    }
    let total_net = input.decimal(root, "total_net", "");
    let total_vat = input.decimal(root, "total_vat", "");
    let total_gross = input.decimal(root, "total_gross", "");
    let date = |input: &mut Input, key: &str| {
        input.string(root, key, "").and_then(|d| {
            input.parsed(
                d.parse::<NaiveDate>()
                    .map_err(|_| format!("{d:?} is not a date (YYYY-MM-DD)")),
                key,
            )
        })
    };
    let issued_on = date(input, "issued_on");
    let due_on = date(input, "due_on");
    let credited = input.opt_string(root, "credited_invoice", "");
    let mut payments = Vec::new();
    if let Some(Value::Array(items)) = root.get("payments") {
        for (i, item) in items.iter().enumerate() {
            let path = index("payments", i);
            let Some(p) = input.object(item, &path) else {
                continue;
            };
            let id = input.string(p, "payment_id", &path);
            let amount = input
                .decimal(p, "amount", &path)
                .and_then(|a| input.parsed(Money::parse(a), &join(&path, "amount")));
            let paid_on = input.string(p, "paid_on", &path).and_then(|d| {
                input.parsed(
                    d.parse::<NaiveDate>().map_err(|_| "not a date".to_string()),
                    &join(&path, "paid_on"),
                )
            });
            if let (Some(payment_id), Some(amount), Some(paid_on)) = (id, amount, paid_on) {
                payments.push(PaymentMessage {
                    payment_id,
                    amount,
                    paid_on,
                });
            }
        }
    }
    input.errors().is_empty().then_some(())?;
    Some((
        InvoiceData {
            number: number?,
            kind: kind?,
            company_id: company?,
            currency: currency?,
            order_ids,
            lines,
            vat,
            total_net: total_net?,
            total_vat: total_vat?,
            total_gross: total_gross?,
            issued_on: issued_on?,
            due_on: due_on?,
            credited_invoice: credited?,
        },
        payments,
    ))
}
