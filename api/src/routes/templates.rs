//! Order templates over HTTP (saved carts, recurring orders) and "order again".

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Extension;

use app::auth::Principal;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cqrs_es::AggregateError;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use app::orders::templates::{self as svc, TemplateActionError};
use domain::order::OrderSource;
use domain::order_template::{OrderTemplate, Schedule, TemplateCommand, TemplateLine};
use domain::values::{CompanyId, Quantity, Sku};

use super::companies::{body_json, member};
use super::orders::{eshop_meta, idempotent, place};
use crate::acting::creating_request;
use crate::domain_errors::{command_error, domain_problem};
use crate::input::{index, join, Input};
use crate::problem::{ApiError, ApiResult, FieldError, Problem};
use crate::server::AppState;

fn template_json(id: &str, t: &OrderTemplate, version: usize) -> Value {
    json!({
        "template_id": id,
        "company_id": t.company_id(),
        "name": t.name(),
        "lines": t.lines(),
        "created_by": t.created_by(),
        "from_order_id": t.from_order_id(),
        "schedule": t.schedule(),
        "next_occurrence": t.schedule().map(|_| t.next_occurrence()),
        "next_due": t.due_occurrence(chrono::NaiveDate::MAX).map(|(_, d)| d),
        "version": version,
    })
}

fn problem(e: TemplateActionError) -> ApiError {
    match e {
        TemplateActionError::Access(e) => Problem::new(
            StatusCode::FORBIDDEN,
            e.code(),
            "Not allowed",
            e.to_string(),
        )
        .into(),
        TemplateActionError::UnknownTemplate(t) => {
            Problem::not_found(format!("no template {t}")).into()
        }
        TemplateActionError::UnknownOrder(o) => Problem::validation(vec![FieldError::new(
            "from_order_id",
            format!("unknown order {o}"),
        )])
        .into(),
        TemplateActionError::Command(AggregateError::UserError(e)) => domain_problem(&e).into(),
        TemplateActionError::Command(e) => command_error(e),
        TemplateActionError::Store(e) => ApiError::Internal(anyhow::anyhow!(e)),
    }
}

fn read_template_lines(input: &mut Input, items: &[Value]) -> Vec<TemplateLine> {
    let mut lines = Vec::new();
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
        if let (Some(sku), Some(quantity)) = (sku, quantity) {
            lines.push(TemplateLine { sku, quantity });
        }
    }
    lines
}

/// Whether an e-shop key may see a template. A template is bound to a channel by its schedule
/// and by the order it was made from; a key of other channels does not see it at all (as it does
/// not see that channel's orders). A template bound to no channel is the company's own.
async fn may_see(
    state: &AppState,
    principal: Option<&Principal>,
    template: &OrderTemplate,
) -> Result<bool, ApiError> {
    let Some(principal) = principal else {
        return Ok(true);
    };
    if let Some(schedule) = template.schedule() {
        if !principal.may_use_channel(schedule.channel.as_str()) {
            return Ok(false);
        }
    }
    if let Some(order) = template.from_order_id() {
        let (order, _) = state
            .aggregates
            .orders
            .load(order)
            .await
            .map_err(command_error)?;
        if let Some(placed) = order.placed() {
            if !principal.may_use_channel(placed.channel.as_str()) {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// Refuses (as "no template") a template the key may not see.
async fn check_visible(
    state: &AppState,
    principal: Option<&Principal>,
    company: &CompanyId,
    template_id: &str,
) -> Result<(), ApiError> {
    let (template, _) = svc::load(&state.aggregates, company, template_id)
        .await
        .map_err(problem)?;
    if may_see(state, principal, &template).await? {
        Ok(())
    } else {
        Err(problem(TemplateActionError::UnknownTemplate(
            template_id.to_string(),
        )))
    }
}

fn company(id: &str) -> Result<CompanyId, ApiError> {
    Ok(CompanyId::parse(id)
        .map_err(|e| Problem::validation(vec![FieldError::new("id", e.to_string())]))?)
}

/// The company's order templates.
#[utoipa::path(get, path = "/v1/companies/{id}/order-templates", tag = "e-shop", params(("id" = String, Path), ("X-Acting-User" = String, Header)),
    responses((status = 200, body = Object)))]
pub async fn list(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let company = company(&id)?;
    member(&state, &company, &headers, false).await?;
    let mut items = Vec::new();
    for (template_id, version, state_json) in state.queries.templates(company.as_str()).await? {
        let template: OrderTemplate =
            serde_json::from_str(&state_json).map_err(anyhow::Error::from)?;
        if !may_see(&state, principal.as_deref(), &template).await? {
            continue;
        }
        items.push(template_json(
            &template_id,
            &template,
            usize::try_from(version).unwrap_or(0),
        ));
    }
    Ok(Json(json!({"items": items})))
}

/// A new template: its lines, or the lines of a past order.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewTemplate {
    name: String,
    lines: Option<Vec<super::pricing::QuoteLineBody>>,
    from_order_id: Option<String>,
}

/// Creates a template from lines or from a past order.
#[utoipa::path(post, path = "/v1/companies/{id}/order-templates", tag = "e-shop", request_body = NewTemplate,
    params(("id" = String, Path), ("X-Acting-User" = String, Header)),
    responses((status = 201, body = Object), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let company = company(&id)?;
    let user = member(&state, &company, &headers, false).await?;
    svc::check_member(&state.aggregates, &company, &user)
        .await
        .map_err(problem)?;
    let doc = body_json(&body)?;
    let mut input = Input::new();
    let root = input.root(&doc).cloned().unwrap_or_default();
    let name = input.string(&root, "name", "");
    let from = input.opt_string(&root, "from_order_id", "").flatten();
    let lines = match (root.get("lines"), &from) {
        (Some(Value::Array(items)), None) => read_template_lines(&mut input, items),
        (None | Some(Value::Null), Some(order)) => {
            // An order of a channel the key does not serve is, to it, no order at all.
            let (placed, _) = state
                .aggregates
                .orders
                .load(order)
                .await
                .map_err(command_error)?;
            let foreign = placed.placed().is_some_and(|p| {
                principal
                    .as_deref()
                    .is_some_and(|k| !k.may_use_channel(p.channel.as_str()))
            });
            if foreign {
                return Err(problem(TemplateActionError::UnknownOrder(order.clone())));
            }
            svc::order_lines(&state.aggregates, &company, order)
                .await
                .map_err(problem)?
                .0
        }
        _ => {
            input.error("lines", "give either lines or from_order_id");
            Vec::new()
        }
    };
    let (Some(name), true) = (name, input.errors().is_empty()) else {
        return Err(Problem::validation(input.finish().err().unwrap_or_default()).into());
    };
    let template_id = uuid::Uuid::now_v7().to_string();
    let command = TemplateCommand::Create {
        template_id: template_id.clone(),
        company_id: company.clone(),
        name,
        lines,
        created_by: user.to_string(),
        from_order_id: from,
    };
    let done = svc::execute(
        &state.aggregates,
        &company,
        &template_id,
        command,
        &eshop_meta(&user, &company, None, &headers),
    )
    .await
    .map_err(problem)?;
    Ok((
        StatusCode::CREATED,
        Json(template_json(&template_id, &done.state, done.version)),
    )
        .into_response())
}

/// A change of name and/or lines.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TemplateChange {
    name: Option<String>,
    lines: Option<Vec<super::pricing::QuoteLineBody>>,
}

/// Renames a template and/or replaces its lines.
#[utoipa::path(put, path = "/v1/companies/{id}/order-templates/{template_id}", tag = "e-shop", request_body = TemplateChange,
    params(("id" = String, Path), ("template_id" = String, Path), ("X-Acting-User" = String, Header)),
    responses((status = 200, body = Object), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Path((id, template_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let company = company(&id)?;
    let user = member(&state, &company, &headers, false).await?;
    check_visible(&state, principal.as_deref(), &company, &template_id).await?;
    let doc = body_json(&body)?;
    let mut input = Input::new();
    let root = input.root(&doc).cloned().unwrap_or_default();
    let name = input.opt_string(&root, "name", "").flatten();
    let lines = match root.get("lines") {
        Some(Value::Array(items)) => Some(read_template_lines(&mut input, items)),
        None | Some(Value::Null) => None,
        Some(_) => {
            input.error("lines", "must be an array");
            None
        }
    };
    input.finish().map_err(Problem::validation)?;
    let meta = eshop_meta(&user, &company, None, &headers);
    let by = user.to_string();
    if let Some(name) = name {
        svc::execute(
            &state.aggregates,
            &company,
            &template_id,
            TemplateCommand::Rename {
                name,
                by: by.clone(),
            },
            &meta,
        )
        .await
        .map_err(problem)?;
    }
    if let Some(lines) = lines {
        svc::execute(
            &state.aggregates,
            &company,
            &template_id,
            TemplateCommand::ReplaceLines { lines, by },
            &meta,
        )
        .await
        .map_err(problem)?;
    }
    let (t, version) = svc::load(&state.aggregates, &company, &template_id)
        .await
        .map_err(problem)?;
    Ok(Json(template_json(&template_id, &t, version)))
}

/// Deletes a template.
#[utoipa::path(delete, path = "/v1/companies/{id}/order-templates/{template_id}", tag = "e-shop",
    params(("id" = String, Path), ("template_id" = String, Path), ("X-Acting-User" = String, Header)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Path((id, template_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let company = company(&id)?;
    let user = member(&state, &company, &headers, false).await?;
    check_visible(&state, principal.as_deref(), &company, &template_id).await?;
    let meta = eshop_meta(&user, &company, None, &headers);
    svc::execute(
        &state.aggregates,
        &company,
        &template_id,
        TemplateCommand::Delete {
            by: user.to_string(),
        },
        &meta,
    )
    .await
    .map_err(problem)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a template's schedule: every N days or weeks from a date, placed as `system:schedule`
/// for `buyer` (default: the acting user).
#[utoipa::path(put, path = "/v1/companies/{id}/order-templates/{template_id}/schedule", tag = "e-shop", request_body = Object,
    params(("id" = String, Path), ("template_id" = String, Path), ("X-Acting-User" = String, Header)),
    responses((status = 200, body = Object), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn set_schedule(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Path((id, template_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let company = company(&id)?;
    let user = member(&state, &company, &headers, false).await?;
    check_visible(&state, principal.as_deref(), &company, &template_id).await?;
    let mut doc = body_json(&body)?;
    if doc.get("buyer").is_none_or(Value::is_null) {
        doc["buyer"] = json!(user);
    }
    let schedule: Schedule = serde_json::from_value(doc)
        .map_err(|e| Problem::validation(vec![FieldError::new("body", e.to_string())]))?;
    crate::auth::check_channel(principal.as_deref(), schedule.channel.as_str())?;
    svc::check_member(&state.aggregates, &company, &schedule.buyer)
        .await
        .map_err(problem)?;
    let meta = eshop_meta(&user, &company, None, &headers);
    let done = svc::execute(
        &state.aggregates,
        &company,
        &template_id,
        TemplateCommand::SetSchedule {
            schedule,
            by: user.to_string(),
        },
        &meta,
    )
    .await
    .map_err(problem)?;
    Ok(Json(template_json(&template_id, &done.state, done.version)))
}

/// Removes a template's schedule.
#[utoipa::path(delete, path = "/v1/companies/{id}/order-templates/{template_id}/schedule", tag = "e-shop",
    params(("id" = String, Path), ("template_id" = String, Path), ("X-Acting-User" = String, Header)),
    responses((status = 200, body = Object)))]
pub async fn clear_schedule(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Path((id, template_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let company = company(&id)?;
    let user = member(&state, &company, &headers, false).await?;
    check_visible(&state, principal.as_deref(), &company, &template_id).await?;
    let meta = eshop_meta(&user, &company, None, &headers);
    let done = svc::execute(
        &state.aggregates,
        &company,
        &template_id,
        TemplateCommand::ClearSchedule {
            by: user.to_string(),
        },
        &meta,
    )
    .await
    .map_err(problem)?;
    Ok(Json(template_json(&template_id, &done.state, done.version)))
}

/// Where and how to deliver an order from a template or an order again.
fn delivery(
    input: &mut Input,
    root: &serde_json::Map<String, Value>,
    defaults: Option<(&str, &str, &str)>,
) -> Option<(
    domain::values::ChannelCode,
    domain::values::CurrencyCode,
    String,
    Option<String>,
    String,
)> {
    let pick = |input: &mut Input, key: &str, default: Option<&str>| match input
        .opt_string(root, key, "")?
    {
        Some(v) => Some(v),
        None => match default {
            Some(d) => Some(d.to_string()),
            None => {
                input.error(key, "is required");
                None
            }
        },
    };
    let channel = pick(input, "channel", defaults.map(|d| d.0))
        .and_then(|c| input.parsed(domain::values::ChannelCode::parse(c), "channel"));
    let currency = pick(input, "currency", defaults.map(|d| d.1))
        .and_then(|c| input.parsed(domain::values::CurrencyCode::parse(c), "currency"));
    let address = pick(input, "delivery_address_id", defaults.map(|d| d.2));
    let reference = input.opt_string(root, "customer_reference", "")?;
    let note = input.opt_string(root, "note", "")?.unwrap_or_default();
    Some((channel?, currency?, address?, reference, note))
}

/// Places an order with a template's lines at today's prices (`Idempotency-Key` required).
#[utoipa::path(post, path = "/v1/companies/{id}/order-templates/{template_id}/orders", tag = "e-shop", request_body = Object,
    params(("id" = String, Path), ("template_id" = String, Path), ("X-Acting-User" = String, Header), ("Idempotency-Key" = String, Header)),
    responses((status = 201, body = Object), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn order_template(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Path((id, template_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = match creating_request(&headers) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    idempotent(
        &state,
        &format!("POST /v1/companies/{id}/order-templates/{template_id}/orders"),
        key,
        &headers,
        body,
        |order_id, user, doc| {
            let state = state.clone();
            let headers = headers.clone();
            let principal = principal.clone();
            async move {
                let company = company(&id)?;
                member(&state, &company, &headers, false).await?;
                let (template, _) = svc::load(&state.aggregates, &company, &template_id)
                    .await
                    .map_err(problem)?;
                if !may_see(&state, principal.as_deref(), &template).await? {
                    return Err(problem(TemplateActionError::UnknownTemplate(
                        template_id.clone(),
                    )));
                }
                let mut input = Input::new();
                let root = input.root(&doc).cloned().unwrap_or_default();
                let Some((channel, currency, address, reference, note)) =
                    delivery(&mut input, &root, None)
                else {
                    return Err(
                        Problem::validation(input.finish().err().unwrap_or_default()).into(),
                    );
                };
                let request = svc::template_order(
                    &template,
                    &template_id,
                    app::orders::placement::PlaceRequest {
                        company: company.clone(),
                        channel: channel.clone(),
                        currency,
                        lines: Vec::new(),
                        delivery_address_id: address,
                        customer_reference: reference,
                        note,
                        requested_delivery_date: None,
                        source: OrderSource::Direct,
                    },
                );
                let previous = match template.from_order_id() {
                    Some(order) => svc::order_lines(&state.aggregates, &company, order)
                        .await
                        .ok()
                        .map(|(_, doc)| (order.to_string(), doc)),
                    None => None,
                };
                let (status, mut view) = place(
                    &state,
                    principal.as_deref(),
                    &order_id,
                    &user,
                    request,
                    eshop_meta(&user, &company, Some(channel.as_str()), &headers),
                )
                .await?;
                attach_changes(&state, &mut view, &order_id, previous).await?;
                Ok((status, view))
            }
        },
    )
    .await
}

/// Orders the lines of a past order again at today's prices (`Idempotency-Key` required).
/// The answer lists the lines whose unit price differs from last time.
#[utoipa::path(post, path = "/v1/orders/{id}/reorder", tag = "e-shop", request_body = Object,
    params(("id" = String, Path), ("X-Acting-User" = String, Header), ("Idempotency-Key" = String, Header)),
    responses((status = 201, body = Object), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn reorder(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Path(previous_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = match creating_request(&headers) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    idempotent(
        &state,
        &format!("POST /v1/orders/{previous_id}/reorder"),
        key,
        &headers,
        body,
        |order_id, user, doc| {
            let state = state.clone();
            let headers = headers.clone();
            let principal = principal.clone();
            async move {
                let (previous, _) = state
                    .aggregates
                    .orders
                    .load(&previous_id)
                    .await
                    .map_err(command_error)?;
                let placed = previous
                    .placed()
                    .cloned()
                    .ok_or_else(|| Problem::not_found(format!("no order {previous_id}")))?;
                if principal
                    .as_deref()
                    .is_some_and(|p| !p.may_use_channel(placed.channel.as_str()))
                {
                    return Err(Problem::not_found(format!("no order {previous_id}")).into());
                }
                let company = placed.company_id.clone();
                member(&state, &company, &headers, false)
                    .await
                    .map_err(|_| Problem::not_found(format!("no order {previous_id}")))?;
                let mut input = Input::new();
                let root = input.root(&doc).cloned().unwrap_or_default();
                let defaults = (
                    placed.channel.as_str(),
                    placed.currency.as_str(),
                    placed.delivery_address.id(),
                );
                let Some((channel, currency, address, reference, note)) =
                    delivery(&mut input, &root, Some(defaults))
                else {
                    return Err(
                        Problem::validation(input.finish().err().unwrap_or_default()).into(),
                    );
                };
                let request = app::orders::placement::PlaceRequest {
                    company: company.clone(),
                    channel: channel.clone(),
                    currency,
                    lines: placed
                        .lines
                        .iter()
                        .map(|l| domain::pricing::RequestedLine {
                            sku: l.sku.clone(),
                            quantity: l.quantity,
                        })
                        .collect(),
                    delivery_address_id: address,
                    customer_reference: reference,
                    note,
                    requested_delivery_date: None,
                    source: OrderSource::Reorder {
                        from_order_id: previous_id.clone(),
                    },
                };
                let (status, mut view) = place(
                    &state,
                    principal.as_deref(),
                    &order_id,
                    &user,
                    request,
                    eshop_meta(&user, &company, Some(channel.as_str()), &headers),
                )
                .await?;
                attach_changes(
                    &state,
                    &mut view,
                    &order_id,
                    Some((previous_id.clone(), placed.pricing.clone())),
                )
                .await?;
                Ok((status, view))
            }
        },
    )
    .await
}

/// Adds `price_changes` (and what they compare with) to an order view.
async fn attach_changes(
    state: &AppState,
    view: &mut Value,
    order_id: &str,
    previous: Option<(String, domain::pricing::PricedDocument)>,
) -> Result<(), ApiError> {
    let (order, _) = state
        .aggregates
        .orders
        .load(order_id)
        .await
        .map_err(command_error)?;
    let changes = match (&previous, order.pricing()) {
        (Some((_, before)), Some(now)) => json!(svc::price_changes(before, now)),
        _ => json!([]),
    };
    view["compared_with_order"] = json!(previous.map(|(id, _)| id));
    view["price_changes"] = changes;
    Ok(())
}
