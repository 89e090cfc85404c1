//! Liveness, readiness, metrics and the OpenAPI document.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::Problem;
use crate::server::AppState;

/// Health answer.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: &'static str,
    /// The store in use: `postgres` or `sqlite`.
    pub store: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "The process is alive", body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        store: state.db.backend().name(),
    })
}

/// Readiness: the store answers and its schema is this binary's.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "Store unreachable or schema not current", body = Problem,
         content_type = "application/problem+json")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let check = tokio::time::timeout(Duration::from_secs(1), app::schema::version(&state.db)).await;
    let problem = |detail: String| {
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not-ready",
            "Not ready",
            detail,
        );
        p.retry_after = Some(2);
        p.into_response()
    };
    match check {
        Err(_) => problem("the store did not answer within 1 s".into()),
        Ok(Err(e)) => {
            tracing::warn!(error = %format!("{e:#}"), "readiness check failed");
            problem("the store cannot be reached".into())
        }
        Ok(Ok(version)) if !version.is_current() => problem(format!(
            "schema at version {}, this binary needs {}",
            version.applied, version.known
        )),
        Ok(Ok(_)) => Json(Health {
            status: "ready",
            store: state.db.backend().name(),
        })
        .into_response(),
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    // Subscriber lag is measured at scrape time; failing to measure it must not fail the scrape.
    if let Err(e) = app::subscription::status_of(&state.db, &state.subscribers).await {
        tracing::debug!(error = %format!("{e:#}"), "subscriber gauges not updated");
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(get, path = "/openapi.json", tag = "health",
    responses((status = 200, description = "OpenAPI document", body = Object)))]
pub async fn openapi() -> Response {
    Json(crate::openapi::document()).into_response()
}
