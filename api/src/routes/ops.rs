//! Ops endpoints: subscriber status and rebuilds.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{ApiResult, Problem};
use crate::server::AppState;

/// One subscriber's status.
#[derive(Serialize, ToSchema)]
pub struct SubscriberView {
    /// Subscriber name.
    pub name: String,
    /// `projection` or `reactor`.
    pub kind: String,
    /// Checkpoint: transaction id and position.
    pub tx_id: i64,
    /// Global position of the last handled event.
    pub position: i64,
    /// Events after the checkpoint.
    pub lag_events: i64,
    /// Age of the oldest unhandled event, seconds.
    pub lag_seconds: f64,
    /// `running`, `failing`, `stopped` or `new`.
    pub state: String,
    /// Consecutive failures.
    pub failures: i64,
    /// Last error while failing.
    pub last_error: Option<String>,
}

/// The list of subscribers.
#[derive(Serialize, ToSchema)]
pub struct SubscriberList {
    /// Every subscriber.
    pub items: Vec<SubscriberView>,
}

/// Status of every subscriber (read models, process managers, dispatcher).
#[utoipa::path(get, path = "/v1/ops/projections", tag = "ops",
    responses((status = 200, body = SubscriberList)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<SubscriberList>> {
    let statuses = app::subscription::status_of(&state.db, &state.subscribers).await?;
    Ok(Json(SubscriberList {
        items: statuses
            .into_iter()
            .map(|s| SubscriberView {
                name: s.name,
                kind: s.kind,
                tx_id: s.checkpoint.tx_id,
                position: s.checkpoint.position,
                lag_events: s.lag_events,
                lag_seconds: s.lag_seconds,
                state: s.state,
                failures: s.failures,
                last_error: s.last_error,
            })
            .collect(),
    }))
}

/// A rebuild that was started.
#[derive(Serialize, ToSchema)]
pub struct RebuildStarted {
    /// The read model.
    pub name: String,
    /// `started`.
    pub status: &'static str,
}

/// Rebuilds a read model from position zero beside the live one; it swaps in when caught up.
#[utoipa::path(post, path = "/v1/ops/projections/{name}/rebuild", tag = "ops",
    params(("name" = String, Path, description = "Read model name")),
    responses(
        (status = 202, body = RebuildStarted),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn rebuild(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<(StatusCode, Json<RebuildStarted>)> {
    let Some(projection) = projections::by_name(&name) else {
        return Err(Problem::not_found(format!("no read model named {name:?}")).into());
    };
    let db = state.db.clone();
    tokio::spawn(async move {
        let result = app::subscription::rebuild(&db, projection.as_ref(), 1000, &|_| {}).await;
        match result {
            Ok(n) => tracing::info!(projection = projection.name(), events = n, "rebuild done"),
            Err(e) => {
                tracing::error!(projection = projection.name(), error = %format!("{e:#}"), "rebuild failed")
            }
        }
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(RebuildStarted {
            name,
            status: "started",
        }),
    ))
}

/// Cursor query.
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Cursor: the last id of the previous page.
    pub after: Option<String>,
    /// Page size (1–500, default 100).
    pub limit: Option<i64>,
}

/// ERP messages refused by validation, oldest first.
#[utoipa::path(get, path = "/v1/ops/quarantine", tag = "ops", params(PageQuery),
    responses((status = 200, body = Object)))]
pub async fn quarantine(
    State(state): State<AppState>,
    axum::extract::Query(page): axum::extract::Query<PageQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let limit = page.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(
            crate::problem::Problem::validation(vec![crate::problem::FieldError::new(
                "limit",
                "must be 1 to 500",
            )])
            .into(),
        );
    }
    let items = app::erp::inbox::list_quarantine(&state.db, page.after.as_deref(), limit).await?;
    let next = (items.len() as i64 == limit)
        .then(|| items.last().map(|i| i.id.clone()))
        .flatten();
    Ok(Json(serde_json::json!({ "items": items, "next": next })))
}

/// Outbox query.
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct OutboxQuery {
    /// `pending` or `dead`; both by default.
    pub state: Option<String>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<i64>,
}

/// Pending and dead-lettered ERP deliveries, in delivery order.
#[utoipa::path(get, path = "/v1/ops/erp/outbox", tag = "ops", params(OutboxQuery),
    responses((status = 200, body = Object), (status = 422, body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn erp_outbox(
    State(state): State<AppState>,
    axum::extract::Query(query): axum::extract::Query<OutboxQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let limit = query.limit.unwrap_or(100);
    let mut errors = Vec::new();
    if !(1..=1000).contains(&limit) {
        errors.push(crate::problem::FieldError::new(
            "limit",
            "must be 1 to 1000",
        ));
    }
    if let Some(s) = query
        .state
        .as_deref()
        .filter(|s| *s != "pending" && *s != "dead")
    {
        errors.push(crate::problem::FieldError::new(
            "state",
            format!("{s:?} is not pending or dead"),
        ));
    }
    if !errors.is_empty() {
        return Err(crate::problem::Problem::validation(errors).into());
    }
    let items = app::erp::outbox::list(&state.db, query.state.as_deref(), limit).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// Puts a dead-lettered delivery back in the queue (not one whose order was compensated after
/// the ERP refused it: that order is closed; the buyer can order again).
#[utoipa::path(post, path = "/v1/ops/erp/dead-letters/{id}/retry", tag = "ops",
    params(("id" = String, Path, description = "Delivery id, e.g. `<order_id>:submit`")),
    responses((status = 202, body = Object),
        (status = 404, body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn retry_dead_letter(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let delivery = app::erp::outbox::get(&state.db, &id)
        .await?
        .filter(|d| d.state == "dead")
        .ok_or_else(|| Problem::not_found(format!("no dead letter {id}")))?;
    if delivery.compensated {
        return Err(Problem::conflict(format!(
            "{id} was refused by the ERP and its order compensated (rejected_by_erp); it cannot be resent"
        ))
        .into());
    }
    app::erp::outbox::requeue(&state.db, &id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "id": id, "state": "pending" })),
    ))
}
