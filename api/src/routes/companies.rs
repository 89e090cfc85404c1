//! A company's users and approval rules (managed by the e-shop), its orders, purchase history
//! and order templates.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cqrs_es::AggregateError;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use app::orders::access::{active_user, require};
use domain::company::{ApprovalRule, CompanyCommand, CompanyError, Role};
use domain::values::{CompanyId, UserId};

use super::orders::eshop_meta;
use crate::acting::acting_user;
use crate::domain_errors::{command_error, domain_problem};
use crate::json::ApiJson;
use crate::problem::{ApiError, ApiResult, FieldError, Problem};
use crate::server::AppState;

fn company_id(id: &str) -> Result<CompanyId, ApiError> {
    Ok(CompanyId::parse(id)
        .map_err(|e| Problem::validation(vec![FieldError::new("id", e.to_string())]))?)
}

/// Checks `X-Acting-User` is an active user of the company; with `admin`, also that they may
/// manage users. Without the header on an admin action, the e-shop backend itself acts.
pub(crate) async fn member(
    state: &AppState,
    company: &CompanyId,
    headers: &HeaderMap,
    admin: bool,
) -> Result<UserId, ApiError> {
    let company_state = load_company(state, company).await?;
    if company_state.master().is_none() {
        return Err(Problem::not_found(format!("no company {company}")).into());
    }
    member_of(&company_state, company, headers, admin)
}

/// The company aggregate as it stands.
pub(crate) async fn load_company(
    state: &AppState,
    company: &CompanyId,
) -> Result<domain::company::Company, ApiError> {
    let (company_state, _) = state
        .aggregates
        .companies
        .load(company.as_str())
        .await
        .map_err(command_error::<CompanyError>)?;
    Ok(company_state)
}

/// [`member`] on a company already loaded (and known to be registered).
pub(crate) fn member_of(
    company_state: &domain::company::Company,
    company: &CompanyId,
    headers: &HeaderMap,
    admin: bool,
) -> Result<UserId, ApiError> {
    if admin && headers.get("x-acting-user").is_none() {
        return Ok(UserId::parse("e-shop").map_err(anyhow::Error::from)?);
    }
    let user = acting_user(headers)?;
    let found = active_user(company_state, company, &user).map_err(|e| {
        Problem::new(
            StatusCode::FORBIDDEN,
            e.code(),
            "Not allowed",
            e.to_string(),
        )
    })?;
    if admin {
        require(
            found,
            found.role.may_manage_users(),
            "manage users and approval rules",
        )
        .map_err(|e| {
            Problem::new(
                StatusCode::FORBIDDEN,
                e.code(),
                "Not allowed",
                e.to_string(),
            )
        })?;
    }
    Ok(user)
}

async fn company_command(
    state: &AppState,
    company: &CompanyId,
    user: &UserId,
    headers: &HeaderMap,
    command: CompanyCommand,
) -> ApiResult<usize> {
    let meta = eshop_meta(user, company, None, headers);
    match state
        .aggregates
        .companies
        .execute(company.as_str(), command, &meta)
        .await
    {
        Ok(done) => Ok(done.version),
        Err(AggregateError::UserError(e)) => Err(domain_problem(&e).into()),
        Err(e) => Err(command_error(e)),
    }
}

async fn users_json(state: &AppState, company: &CompanyId) -> ApiResult<Value> {
    let (c, version) = state
        .aggregates
        .companies
        .load(company.as_str())
        .await
        .map_err(command_error::<CompanyError>)?;
    Ok(json!({
        "company_id": company, "version": version,
        "items": c.users().map(|u| json!({"user_id": u.user_id, "name": u.name, "role": u.role, "active": u.active})).collect::<Vec<_>>(),
    }))
}

/// A new user.
#[derive(Deserialize, ToSchema)]
pub struct NewUser {
    user_id: String,
    name: String,
    /// `buyer`, `approver` or `admin`.
    #[schema(value_type = String)]
    role: Role,
}

/// The company's users.
#[utoipa::path(get, path = "/v1/companies/{id}/users", tag = "e-shop", params(("id" = String, Path), ("X-Acting-User" = String, Header)),
    responses((status = 200, body = Object), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list_users(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let company = company_id(&id)?;
    member(&state, &company, &headers, false).await?;
    Ok(Json(users_json(&state, &company).await?))
}

/// Adds a user (an admin of the company, or the e-shop backend without `X-Acting-User`).
#[utoipa::path(post, path = "/v1/companies/{id}/users", tag = "e-shop", request_body = NewUser, params(("id" = String, Path)),
    responses((status = 201, body = Object), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn add_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<Response> {
    let company = company_id(&id)?;
    let acting = member(&state, &company, &headers, true).await?;
    let user_id = UserId::parse(body.user_id)
        .map_err(|e| Problem::validation(vec![FieldError::new("user_id", e.to_string())]))?;
    company_command(
        &state,
        &company,
        &acting,
        &headers,
        CompanyCommand::AddUser {
            user_id,
            name: body.name,
            role: body.role,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(users_json(&state, &company).await?),
    )
        .into_response())
}

/// A role change.
#[derive(Deserialize, ToSchema)]
pub struct RoleChange {
    /// `buyer`, `approver` or `admin`.
    #[schema(value_type = String)]
    role: Role,
}

/// Changes a user's role.
#[utoipa::path(put, path = "/v1/companies/{id}/users/{user_id}", tag = "e-shop", request_body = RoleChange,
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn change_role(
    State(state): State<AppState>,
    Path((id, user)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RoleChange>,
) -> ApiResult<Json<Value>> {
    let company = company_id(&id)?;
    let acting = member(&state, &company, &headers, true).await?;
    let user_id = UserId::parse(user)
        .map_err(|e| Problem::validation(vec![FieldError::new("user_id", e.to_string())]))?;
    company_command(
        &state,
        &company,
        &acting,
        &headers,
        CompanyCommand::ChangeUserRole {
            user_id,
            role: body.role,
        },
    )
    .await?;
    Ok(Json(users_json(&state, &company).await?))
}

/// Deactivates a user: they can no longer order or approve.
#[utoipa::path(post, path = "/v1/companies/{id}/users/{user_id}/deactivate", tag = "e-shop",
    params(("id" = String, Path), ("user_id" = String, Path)), responses((status = 200, body = Object)))]
pub async fn deactivate_user(
    State(state): State<AppState>,
    Path((id, user)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    toggle_user(state, id, user, headers, false).await
}

/// Reactivates a user.
#[utoipa::path(post, path = "/v1/companies/{id}/users/{user_id}/reactivate", tag = "e-shop",
    params(("id" = String, Path), ("user_id" = String, Path)), responses((status = 200, body = Object)))]
pub async fn reactivate_user(
    State(state): State<AppState>,
    Path((id, user)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    toggle_user(state, id, user, headers, true).await
}

async fn toggle_user(
    state: AppState,
    id: String,
    user: String,
    headers: HeaderMap,
    active: bool,
) -> ApiResult<Json<Value>> {
    let company = company_id(&id)?;
    let acting = member(&state, &company, &headers, true).await?;
    let user_id = UserId::parse(user)
        .map_err(|e| Problem::validation(vec![FieldError::new("user_id", e.to_string())]))?;
    let command = if active {
        CompanyCommand::ReactivateUser { user_id }
    } else {
        CompanyCommand::DeactivateUser { user_id }
    };
    company_command(&state, &company, &acting, &headers, command).await?;
    Ok(Json(users_json(&state, &company).await?))
}

/// Approval rules: orders over an amount, any order by a user; and whether an approver may
/// approve their own order.
#[derive(Deserialize, ToSchema)]
pub struct ApprovalRules {
    /// `{"kind": "order_total_above", "amount": "10000", "currency": "CZK"}` or
    /// `{"kind": "any_order_by", "user_id": "petr"}`.
    #[schema(value_type = Vec<Object>)]
    rules: Vec<ApprovalRule>,
    #[serde(default)]
    allow_self_approval: bool,
}

/// The company's approval rules.
#[utoipa::path(get, path = "/v1/companies/{id}/approval-rules", tag = "e-shop", params(("id" = String, Path)), responses((status = 200, body = Object)))]
pub async fn get_rules(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let company = company_id(&id)?;
    member(&state, &company, &headers, false).await?;
    let (c, version) = state
        .aggregates
        .companies
        .load(company.as_str())
        .await
        .map_err(command_error::<CompanyError>)?;
    let policy = c.approval_policy();
    Ok(Json(
        json!({"company_id": company, "version": version, "rules": policy.rules, "allow_self_approval": policy.allow_self_approval}),
    ))
}

/// Replaces the company's approval rules.
#[utoipa::path(put, path = "/v1/companies/{id}/approval-rules", tag = "e-shop", request_body = ApprovalRules, params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn put_rules(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ApprovalRules>,
) -> ApiResult<Json<Value>> {
    let company = company_id(&id)?;
    let acting = member(&state, &company, &headers, true).await?;
    company_command(
        &state,
        &company,
        &acting,
        &headers,
        CompanyCommand::SetApprovalPolicy {
            rules: body.rules,
            allow_self_approval: body.allow_self_approval,
        },
    )
    .await?;
    get_rules(State(state), Path(id), headers).await
}

/// Filters and cursor of the order list.
#[derive(Deserialize, IntoParams)]
pub struct OrderListQuery {
    /// Only orders in this status.
    status: Option<String>,
    /// Only orders of this buyer.
    buyer: Option<String>,
    /// Placed at or after (RFC 3339).
    from: Option<String>,
    /// Placed before (RFC 3339).
    to: Option<String>,
    /// Cursor from the previous page's `next`.
    after: Option<String>,
    /// Page size, 1–200 (default 50).
    limit: Option<i64>,
}

/// The company's orders, newest first, with cursor pages.
#[utoipa::path(get, path = "/v1/companies/{id}/orders", tag = "e-shop", params(("id" = String, Path), ("X-Acting-User" = String, Header), OrderListQuery),
    responses((status = 200, body = Object), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list_orders(
    State(state): State<AppState>,
    principal: Option<axum::Extension<app::auth::Principal>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<OrderListQuery>,
) -> ApiResult<Json<Value>> {
    let company = company_id(&id)?;
    member(&state, &company, &headers, false).await?;
    let limit = q.limit.unwrap_or(50);
    let mut errors = Vec::new();
    if !(1..=200).contains(&limit) {
        errors.push(FieldError::new("limit", "must be 1 to 200"));
    }
    if let Some(status) = &q.status {
        if serde_json::from_value::<domain::order::OrderStatus>(json!(status)).is_err() {
            errors.push(FieldError::new(
                "status",
                format!("unknown order status {status:?}"),
            ));
        }
    }
    if let Some(buyer) = &q.buyer {
        if let Err(e) = UserId::parse(buyer.clone()) {
            errors.push(FieldError::new("buyer", e.to_string()));
        }
    }
    for (field, value) in [("from", &q.from), ("to", &q.to)] {
        if let Some(v) = value {
            if chrono::DateTime::parse_from_rfc3339(v).is_err() {
                errors.push(FieldError::new(field, "must be an RFC 3339 time"));
            }
        }
    }
    let after = match &q.after {
        None => None,
        Some(cursor) => match cursor.split_once('|') {
            Some((at, order)) => Some((at.to_string(), order.to_string())),
            None => {
                errors.push(FieldError::new("after", "is not a cursor from this list"));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors).into());
    }
    let normal = |t: &Option<String>| {
        t.as_ref()
            .and_then(|v| chrono::DateTime::parse_from_rfc3339(v).ok())
            .map(|t| projections::timestamp(t.with_timezone(&chrono::Utc)))
    };
    let filter = projections::order_queries::OrderFilter {
        status: q.status.clone(),
        buyer: q.buyer.clone(),
        from: normal(&q.from),
        to: normal(&q.to),
        after,
        channels: principal
            .as_deref()
            .and_then(app::auth::Principal::channels),
    };
    let items = state
        .queries
        .company_orders(company.as_str(), &filter, limit)
        .await?;
    let next = (items.len() as i64 == limit)
        .then(|| {
            items
                .last()
                .map(|o| format!("{}|{}", o.placed_at, o.order_id))
        })
        .flatten();
    Ok(Json(json!({"items": items, "next": next})))
}

/// Per SKU: quantity bought, last price and date (orders not rejected or cancelled). An e-shop
/// key of some channels sees what was bought through those channels only.
#[utoipa::path(get, path = "/v1/companies/{id}/purchase-history", tag = "e-shop", params(("id" = String, Path), ("X-Acting-User" = String, Header)),
    responses((status = 200, body = Object)))]
pub async fn purchase_history(
    State(state): State<AppState>,
    principal: Option<axum::Extension<app::auth::Principal>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let company = company_id(&id)?;
    member(&state, &company, &headers, false).await?;
    let channels = principal
        .as_deref()
        .and_then(app::auth::Principal::channels);
    Ok(Json(json!({"items": state
        .queries
        .purchase_history(company.as_str(), channels.as_deref())
        .await?})))
}

/// Parses a body into JSON for handlers that read it field by field.
pub(crate) fn body_json(body: &Bytes) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    crate::json::parse(body)
}

/// Cursor of the invoice list.
#[derive(Deserialize, IntoParams)]
pub struct InvoiceListQuery {
    /// Cursor from the previous page's `next`.
    after: Option<String>,
    /// Page size, 1–200 (default 50).
    limit: Option<i64>,
}

/// The company's invoices and credit notes from the ERP, newest first, with payments. An e-shop
/// key of some channels sees only invoices whose orders were all placed through them.
#[utoipa::path(get, path = "/v1/companies/{id}/invoices", tag = "e-shop", params(("id" = String, Path), ("X-Acting-User" = String, Header), InvoiceListQuery),
    responses((status = 200, body = Object)))]
pub async fn invoices(
    State(state): State<AppState>,
    principal: Option<axum::Extension<app::auth::Principal>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<InvoiceListQuery>,
) -> ApiResult<Json<Value>> {
    let company = company_id(&id)?;
    member(&state, &company, &headers, false).await?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Problem::validation(vec![FieldError::new("limit", "must be 1 to 200")]).into());
    }
    let after = q.after.as_deref().and_then(|c| c.split_once('|'));
    let channels = principal
        .as_deref()
        .and_then(app::auth::Principal::channels);
    let items = state
        .queries
        .company_invoices(company.as_str(), channels.as_deref(), after, limit)
        .await?;
    let next = (items.len() as i64 == limit)
        .then(|| {
            items.last().map(|i| {
                format!(
                    "{}|{}",
                    i.data["issued_on"].as_str().unwrap_or(""),
                    i.data["number"].as_str().unwrap_or("")
                )
            })
        })
        .flatten();
    Ok(Json(json!({"items": items, "next": next})))
}
