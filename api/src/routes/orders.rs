//! Orders over HTTP: place (idempotent), read, approve, reject, cancel, order again.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Extension;

use app::auth::Principal;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use cqrs_es::{AggregateError, EventEnvelope};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use app::idempotency::{self, Claim};
use app::metadata::{Actor, CommandMetadata};
use app::orders::access::AccessError;
use app::orders::actions::{self, ActionError, OrderAction};
use app::orders::placement::{self, PlaceError, PlaceRequest};
use domain::order::{Order, OrderError, OrderSource, OrderStatus};
use domain::values::{CompanyId, UserId};

use super::pricing::{document_json, quote_problem, read_context, read_lines};
use crate::acting::{acting_user, creating_request, etag, if_match};
use crate::domain_errors::{command_error, domain_problem};
use crate::input::Input;
use crate::problem::{ApiError, ApiResult, FieldError, Problem};
use crate::server::AppState;

/// `POST /v1/orders` body.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct PlaceOrderBody {
    company_id: String,
    channel: String,
    currency: String,
    lines: Vec<super::pricing::QuoteLineBody>,
    /// One of the company's delivery addresses.
    delivery_address_id: String,
    /// The buyer's own reference (PO number), at most 64 characters.
    customer_reference: Option<String>,
    note: Option<String>,
    /// YYYY-MM-DD.
    requested_delivery_date: Option<NaiveDate>,
}

/// Metadata of an e-shop command.
pub(crate) fn eshop_meta(
    user: &UserId,
    company: &CompanyId,
    channel: Option<&str>,
    headers: &HeaderMap,
) -> CommandMetadata {
    let mut meta = CommandMetadata::new(Actor(format!("user:{company}/{user}")));
    meta.channel = channel.map(str::to_string);
    meta.request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(correlation) = headers
        .get("x-correlation-id")
        .and_then(|v| v.to_str().ok())
    {
        meta.correlation_id = correlation.to_string();
    }
    meta
}

/// Places an order. `Idempotency-Key` is required: the same key and body answer the first
/// answer again, another body is 422, a request still running is 409.
#[utoipa::path(post, path = "/v1/orders", tag = "e-shop", request_body = PlaceOrderBody,
    params(("Idempotency-Key" = String, Header), ("X-Acting-User" = String, Header)),
    responses(
        (status = 201, description = "Placed; stock reserved or the outcome pending", body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this key is still running", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn post_order(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = match creating_request(&headers) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    idempotent(
        &state,
        "POST /v1/orders",
        key,
        &headers,
        body,
        |order_id, user, doc| {
            let state = state.clone();
            let headers = headers.clone();
            let principal = principal.clone();
            async move {
                place_from_body(
                    &state,
                    principal.as_deref(),
                    &order_id,
                    &user,
                    &doc,
                    &headers,
                    OrderSource::Direct,
                )
                .await
            }
        },
    )
    .await
}

/// Runs a creating request under its idempotency key.
pub(crate) async fn idempotent<F, Fut>(
    state: &AppState,
    scope: &str,
    (key, user): (String, UserId),
    _headers: &HeaderMap,
    body: Bytes,
    run: F,
) -> Response
where
    F: FnOnce(String, UserId, Value) -> Fut,
    Fut: std::future::Future<Output = Result<(StatusCode, Value), ApiError>>,
{
    let fingerprint = app::fingerprint::Fingerprint::of(user.as_str(), &body);
    let claim = match idempotency::claim(
        &state.db,
        scope,
        &key,
        &fingerprint,
        &uuid::Uuid::now_v7().to_string(),
    )
    .await
    {
        Ok(claim) => claim,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let resource_id = match claim {
        Claim::Proceed { resource_id } => resource_id,
        Claim::Replay { status, response } => {
            let mut reply = created(
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                response,
            );
            reply
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return reply;
        }
        Claim::InProgress => {
            let mut problem = Problem::new(
                StatusCode::CONFLICT,
                "request-in-progress",
                "Request in progress",
                "a request with this Idempotency-Key is still running; retry when it has finished",
            );
            problem.retry_after = Some(1);
            return problem.into_response();
        }
        Claim::Mismatch => {
            return Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                "this Idempotency-Key was used with another request body",
            )
            .into_response();
        }
    };
    let outcome = match crate::json::parse::<Value>(&body) {
        Ok(doc) => run(resource_id, user, doc).await,
        Err(e) => Err(e),
    };
    let (status, text) = match outcome {
        Ok((status, value)) => (status, value.to_string()),
        Err(ApiError::Problem(problem)) if problem.status < 500 && problem.status != 409 => (
            problem.status_code(),
            serde_json::to_string(&*problem).unwrap_or_default(),
        ),
        Err(error) => {
            // Worth retrying with the same key: hand the key back. The retry keeps this
            // attempt's resource id, so an order this attempt did place is found, not doubled.
            if let Err(e) = idempotency::unlock(&state.db, scope, &key).await {
                tracing::warn!(error = %format!("{e:#}"), "idempotency key not unlocked");
            }
            return error.into_response();
        }
    };
    if let Err(e) = idempotency::complete(&state.db, scope, &key, status.as_u16(), &text).await {
        tracing::warn!(error = %format!("{e:#}"), "idempotency answer not stored");
    }
    created(status, text)
}

fn created(status: StatusCode, text: String) -> Response {
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let version = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["version"].as_u64());
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    if let Some(version) = version.filter(|_| status.is_success()) {
        if let Ok(value) = HeaderValue::from_str(&etag(version as usize)) {
            response
                .headers_mut()
                .insert(axum::http::header::ETAG, value);
        }
    }
    response
}

/// Reads a place-order body and places it as order `order_id`.
pub(crate) async fn place_from_body(
    state: &AppState,
    principal: Option<&Principal>,
    order_id: &str,
    user: &UserId,
    doc: &Value,
    headers: &HeaderMap,
    source: OrderSource,
) -> Result<(StatusCode, Value), ApiError> {
    let mut input = Input::new();
    let Some(root) = input.root(doc) else {
        return Err(Problem::validation(input.finish().err().unwrap_or_default()).into());
    };
    let (company, channel, currency) = read_context(&mut input, root);
    let lines = read_lines(&mut input, root);
    let address = input.string(root, "delivery_address_id", "");
    let reference = input.opt_string(root, "customer_reference", "");
    let note = input
        .opt_string(root, "note", "")
        .map(Option::unwrap_or_default);
    let date = match input.opt_string(root, "requested_delivery_date", "") {
        Some(Some(text)) => input
            .parsed(
                text.parse::<NaiveDate>()
                    .map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD)")),
                "requested_delivery_date",
            )
            .map(Some),
        Some(None) => Some(None),
        None => None,
    };
    let (
        Some(company),
        Some(channel),
        Some(currency),
        Some(address),
        Some(reference),
        Some(note),
        Some(date),
        true,
    ) = (
        company,
        channel,
        currency,
        address,
        reference,
        note,
        date,
        input.errors().is_empty(),
    )
    else {
        return Err(Problem::validation(input.finish().err().unwrap_or_default()).into());
    };
    let request = PlaceRequest {
        company: company.clone(),
        channel: channel.clone(),
        currency,
        lines,
        delivery_address_id: address,
        customer_reference: reference,
        note,
        requested_delivery_date: date,
        source,
    };
    place(
        state,
        principal,
        order_id,
        user,
        request,
        eshop_meta(user, &company, Some(channel.as_str()), headers),
    )
    .await
}

/// Places an order and answers it once the reservation outcome is known (or after 3 s).
pub(crate) async fn place(
    state: &AppState,
    principal: Option<&Principal>,
    order_id: &str,
    user: &UserId,
    request: PlaceRequest,
    meta: CommandMetadata,
) -> Result<(StatusCode, Value), ApiError> {
    crate::auth::check_channel(principal, request.channel.as_str())?;
    let started = Instant::now();
    let reference = request.customer_reference.clone().unwrap_or_default();
    match placement::place(
        &state.aggregates,
        state.read_side.as_ref(),
        order_id,
        user,
        request,
        &meta,
    )
    .await
    {
        Ok(_) => {}
        // A retry of a request whose first attempt placed the order before its process died.
        Err(PlaceError::Command(AggregateError::UserError(OrderError::AlreadyPlaced {
            ..
        }))) => {}
        Err(e) => return Err(place_problem(e)),
    }
    // A test stops here to play a process whose order was committed but whose answer was lost.
    app::failpoints::hit("orders::after_placed", &reference)?;
    await_reservation(state, order_id, Duration::from_secs(3)).await?;
    metrics::histogram!("ordercore_order_placement_seconds")
        .record(started.elapsed().as_secs_f64());
    let (view, _) = order_view(state, order_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("order {order_id} vanished"))?;
    Ok((StatusCode::CREATED, view))
}

/// Waits until the reservation process manager has decided, so the buyer knows at once what is
/// available; answers with whatever state the order has after `limit`.
async fn await_reservation(
    state: &AppState,
    order_id: &str,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    let mut wake = state.db.notifier().subscribe();
    loop {
        let (order, _) = state
            .aggregates
            .orders
            .load(order_id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if order.status() != Some(OrderStatus::Placed) || Instant::now() >= deadline {
            return Ok(());
        }
        let _ = tokio::time::timeout(Duration::from_millis(25), wake.changed()).await;
    }
}

fn access_problem(e: &AccessError) -> Problem {
    match e {
        AccessError::UnknownCompany(c) => Problem::validation(vec![FieldError::new(
            "company_id",
            format!("unknown company {c}"),
        )]),
        other => Problem::new(
            StatusCode::FORBIDDEN,
            other.code(),
            "Not allowed",
            other.to_string(),
        ),
    }
}

pub(crate) fn place_problem(error: PlaceError) -> ApiError {
    match error {
        PlaceError::Access(e) => access_problem(&e).into(),
        PlaceError::UnknownAddress(a) => Problem::validation(vec![FieldError::new(
            "delivery_address_id",
            format!("unknown delivery address {a:?}"),
        )])
        .into(),
        PlaceError::Unpriced(failures) => Problem::validation(
            failures
                .into_iter()
                .map(|(i, f)| {
                    let field = if f.error_type == "fractional-quantity" {
                        format!("lines[{i}].quantity")
                    } else {
                        format!("lines[{i}].sku")
                    };
                    FieldError::new(field, f.detail)
                })
                .collect(),
        )
        .into(),
        PlaceError::Quote(e) => quote_problem(e),
        PlaceError::Command(AggregateError::UserError(e)) => domain_problem(&e).into(),
        PlaceError::Command(e) => command_error(e),
        PlaceError::Store(e) => ApiError::Internal(anyhow::anyhow!(e)),
    }
}

/// The order as the API shows it, from its events (always current), with its version.
pub(crate) async fn order_view(
    state: &AppState,
    order_id: &str,
) -> anyhow::Result<Option<(Value, usize)>> {
    let events = state
        .aggregates
        .orders
        .events(order_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if events.is_empty() {
        return Ok(None);
    }
    Ok(Some(render(order_id, &events)))
}

fn render(order_id: &str, events: &[EventEnvelope<Order>]) -> (Value, usize) {
    use cqrs_es::Aggregate;
    let mut order = Order::default();
    let mut history = Vec::new();
    for envelope in events {
        let detail = event_detail(&envelope.payload);
        order.apply(envelope.payload.clone());
        let mut entry = json!({
            "status": order.status().map(|s| s.as_str()).unwrap_or("placed"),
            "event": cqrs_es::DomainEvent::event_type(&envelope.payload),
            "actor": envelope.metadata.get("actor").cloned().unwrap_or_default(),
            "at": envelope.metadata.get("recorded_at").cloned().unwrap_or_default(),
        });
        if let Some((key, value)) = detail {
            entry[key] = json!(value);
        }
        history.push(entry);
    }
    let version = events.last().map(|e| e.sequence).unwrap_or(0);
    let Some(placed) = order.placed() else {
        return (json!({"order_id": order_id, "version": version}), version);
    };
    let mut view = document_json(&placed.pricing);
    let fields = json!({
        "order_id": order_id,
        "company_id": placed.company_id,
        "status": order.status().map(|s| s.as_str()).unwrap_or("placed"),
        "version": version,
        "buyer": placed.buyer,
        "channel": placed.channel,
        "customer_reference": placed.customer_reference,
        "note": placed.note,
        "requested_delivery_date": placed.requested_delivery_date,
        "delivery_address": placed.delivery_address,
        "source": placed.source,
        "approval_reasons": placed.approval_reasons,
        "reservations": order.allocations().iter().map(|a| json!({
            "line_no": a.line_no, "sku": a.sku, "warehouse": a.warehouse, "quantity": a.quantity,
        })).collect::<Vec<_>>(),
        "backordered": match order.reservation() {
            Some(domain::order::ReservationOutcome::Backordered { short, .. }) => json!(short),
            _ => json!([]),
        },
        "erp_order_no": order.erp_order_no(),
        "cancellation_pending": order.cancellation_pending(),
        "invoices": order.invoices(),
        "status_history": history,
    });
    if let (Some(view), Some(fields)) = (view.as_object_mut(), fields.as_object()) {
        for (k, v) in fields {
            view.insert(k.clone(), v.clone());
        }
    }
    for (i, line) in placed.lines.iter().enumerate() {
        view["lines"][i]["line_no"] = json!(line.line_no);
    }
    (view, version)
}

fn event_detail(event: &domain::order::OrderEvent) -> Option<(&'static str, String)> {
    use domain::order::OrderEvent as E;
    match event {
        E::Approved { comment, .. } | E::Rejected { comment, .. } => {
            Some(("comment", comment.clone()))
        }
        E::Cancelled { reason, .. }
        | E::CancellationRequested { reason, .. }
        | E::CancellationRefused { reason }
        | E::RejectedForStock { reason, .. }
        | E::ErpDeliveryDeadLettered { reason, .. }
        | E::RejectedByErp { reason } => Some(("reason", reason.clone())),
        E::ApprovalRequested { reasons } => Some(("reason", reasons.join("; "))),
        E::AcceptedByErp { erp_order_no } | E::ErpOrderNumberRecorded { erp_order_no } => {
            Some(("erp_order_no", erp_order_no.clone()))
        }
        E::SentToErp { attempt } => Some(("attempt", attempt.to_string())),
        E::ShipmentRecorded { shipment_id, .. } => Some(("shipment_id", shipment_id.clone())),
        E::InvoiceRecorded { invoice_number } => Some(("invoice_number", invoice_number.clone())),
        _ => None,
    }
}

/// Checks that the acting user belongs to the order's company; a foreign order is "not found".
async fn visible_order(
    state: &AppState,
    principal: Option<&Principal>,
    order_id: &str,
    user: &UserId,
) -> Result<(Value, usize, CompanyId), ApiError> {
    let not_found = || Problem::not_found(format!("no order {order_id}"));
    let (view, version) = order_view(state, order_id).await?.ok_or_else(not_found)?;
    // An e-shop key of another channel does not see the order at all.
    let channel = view["channel"].as_str().unwrap_or_default();
    if principal.is_some_and(|p| !p.may_use_channel(channel)) {
        return Err(not_found().into());
    }
    let company = view["company_id"]
        .as_str()
        .and_then(|c| CompanyId::parse(c).ok())
        .ok_or_else(not_found)?;
    let (company_state, _) = state
        .aggregates
        .companies
        .load(company.as_str())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    match company_state.user(user) {
        Some(u) if u.active => Ok((view, version, company)),
        _ => Err(not_found().into()),
    }
}

/// The order: lines, totals, reservations, status history with actors and times. `ETag` is its
/// version.
#[utoipa::path(get, path = "/v1/orders/{id}", tag = "e-shop",
    params(("id" = String, Path), ("X-Acting-User" = String, Header)),
    responses((status = 200, body = Object), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_order(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let user = acting_user(&headers)?;
    let (mut view, version, _) = visible_order(&state, principal.as_deref(), &id, &user).await?;
    // The invoices themselves, so the detail is there as soon as the status is.
    let mut details = Vec::new();
    for number in view["invoices"].as_array().cloned().unwrap_or_default() {
        let Some(number) = number.as_str() else {
            continue;
        };
        let (invoice, _) = state
            .aggregates
            .invoices
            .load(number)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        details.extend(projections::invoices::view(&invoice)?);
    }
    view["invoice_details"] = json!(details);
    Ok((
        [(axum::http::header::ETAG, etag(version))],
        axum::Json(view),
    )
        .into_response())
}

/// Approve/reject/cancel body.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CommentBody {
    /// The approver's comment or the reason for cancelling.
    comment: Option<String>,
}

async fn act(
    state: AppState,
    principal: Option<Extension<Principal>>,
    id: String,
    headers: HeaderMap,
    body: Bytes,
    make: fn(String) -> OrderAction,
) -> ApiResult<Response> {
    let user = acting_user(&headers)?;
    let expected = if_match(&headers)?;
    let doc: Value = if body.is_empty() {
        json!({})
    } else {
        crate::json::parse(&body)?
    };
    let comment = match doc.get("comment") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) if s.chars().count() <= 2000 => s.clone(),
        Some(_) => {
            return Err(Problem::validation(vec![FieldError::new(
                "comment",
                "must be a string of at most 2000 characters",
            )])
            .into())
        }
    };
    let (_, _, company) = visible_order(&state, principal.as_deref(), &id, &user).await?;
    let meta = eshop_meta(&user, &company, None, &headers);
    match actions::act(
        &state.aggregates,
        &company,
        &id,
        &user,
        make(comment),
        expected,
        &meta,
    )
    .await
    {
        Ok(_) => {}
        Err(ActionError::UnknownOrder(_)) => {
            return Err(Problem::not_found(format!("no order {id}")).into())
        }
        Err(ActionError::Access(e)) => return Err(access_problem(&e).into()),
        Err(ActionError::Company(e)) => {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                e.code(),
                "Not allowed",
                e.to_string(),
            )
            .into())
        }
        Err(ActionError::StaleVersion { .. }) => {
            return Err(Problem::new(
                StatusCode::PRECONDITION_FAILED,
                "stale-version",
                "The order has changed",
                "the order changed since the version in If-Match; read it again",
            )
            .into())
        }
        Err(ActionError::Command(AggregateError::UserError(e))) => {
            return Err(domain_problem(&e).into())
        }
        Err(ActionError::Command(e)) => return Err(command_error(e)),
    }
    let (view, version) = order_view(&state, &id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("order vanished"))?;
    Ok((
        [(axum::http::header::ETAG, etag(version))],
        axum::Json(view),
    )
        .into_response())
}

/// Approves an order waiting for approval (an approver of the same company; four eyes where
/// required).
#[utoipa::path(post, path = "/v1/orders/{id}/approve", tag = "e-shop", request_body = CommentBody,
    params(("id" = String, Path), ("X-Acting-User" = String, Header), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Object), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json")))]
pub async fn approve(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    act(state, principal, id, headers, body, OrderAction::Approve).await
}

/// Rejects an order waiting for approval; its reservations are released.
#[utoipa::path(post, path = "/v1/orders/{id}/reject", tag = "e-shop", request_body = CommentBody,
    params(("id" = String, Path), ("X-Acting-User" = String, Header), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Object), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn reject(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    act(state, principal, id, headers, body, OrderAction::Reject).await
}

/// Cancels an order (its buyer or an admin) before it reached the ERP; afterwards asks the ERP.
#[utoipa::path(post, path = "/v1/orders/{id}/cancel", tag = "e-shop", request_body = CommentBody,
    params(("id" = String, Path), ("X-Acting-User" = String, Header), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Object), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn cancel(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    act(state, principal, id, headers, body, OrderAction::Cancel).await
}
