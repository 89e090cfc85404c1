//! The simulator's own endpoints: `GET /healthz`, `GET`/`PUT /admin/faults` and
//! `GET /admin/stats`. They are never slowed down or failed by the faults (except `/healthz`,
//! which reports the ERP down like any probe would see it), so tests and operators can always
//! look and turn the faults off again.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::books::Stats;
use super::faults::{Faults, FaultsPatch};
use super::SimState;
use crate::json::ApiJson;
use crate::problem::{ApiError, FieldError, Problem};

/// `GET /healthz`: 200 while the ERP answers, 503 while it is down.
pub(super) async fn healthz(State(state): State<SimState>) -> Response {
    tokio::time::sleep(state.faults.latency()).await;
    match state.faults.down_remaining() {
        None => Json(json!({ "status": "ok" })).into_response(),
        Some(left) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "down", "down_for_secs": left.as_millis().div_ceil(1000) })),
        )
            .into_response(),
    }
}

/// `GET /admin/faults`.
pub(super) async fn get_faults(State(state): State<SimState>) -> Json<Faults> {
    Json(state.faults.current())
}

/// `PUT /admin/faults`: changes the fields given; answers the faults now in force.
pub(super) async fn put_faults(
    State(state): State<SimState>,
    ApiJson(patch): ApiJson<FaultsPatch>,
) -> Result<Json<Faults>, ApiError> {
    let faults = state
        .faults
        .patch(patch)
        .map_err(|(field, message)| Problem::validation(vec![FieldError::new(field, message)]))?;
    tracing::info!(?faults, "faults changed");
    Ok(Json(faults))
}

/// `GET /admin/stats`.
pub(super) async fn get_stats(State(state): State<SimState>) -> Json<Stats> {
    Json(state.books().stats())
}

/// Any other path.
pub(super) async fn not_found(request: Request) -> Problem {
    Problem::not_found(format!(
        "the ERP simulator has no route for {} {}",
        request.method(),
        request.uri().path()
    ))
}
