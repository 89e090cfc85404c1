//! In-process tests: the simulator on port 0, talking to a fake ordercore on port 0 that
//! records the inbound messages it takes.

mod faults;
mod inbound;
mod submit;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

use super::{start, RunningSim, SimConfig};

/// A message the fake ordercore took.
#[derive(Clone, Debug)]
pub(super) struct Received {
    pub path: String,
    pub body: Value,
    pub authorization: Option<String>,
}

#[derive(Clone, Default)]
struct FakeState {
    received: Arc<Mutex<Vec<Received>>>,
    conflicts_left: Arc<AtomicUsize>,
}

/// A stand-in for ordercore's inbound API.
pub(super) struct FakeOrdercore {
    url: String,
    state: FakeState,
}

impl FakeOrdercore {
    /// Starts one that answers the first `conflicts` requests 409 `not-yet-applicable` and
    /// takes everything else.
    pub async fn start(conflicts: usize) -> Self {
        let state = FakeState::default();
        state.conflicts_left.store(conflicts, Ordering::SeqCst);
        let app = Router::new()
            .fallback(take_message)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, state }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The messages taken so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }
}

async fn take_message(State(state): State<FakeState>, request: Request) -> Response {
    let taken = state
        .conflicts_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    if taken.is_ok() {
        let problem = json!({ "type": "/problems/not-yet-applicable", "status": 409 });
        return (StatusCode::CONFLICT, axum::Json(problem)).into_response();
    }
    let path = request.uri().path().to_string();
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    state.received.lock().unwrap().push(Received {
        path,
        body,
        authorization,
    });
    axum::Json(json!({ "status": "applied" })).into_response()
}

/// Quick delays and retries, a fixed seed, a free port.
pub(super) fn fast_config(ordercore_url: &str) -> SimConfig {
    let mut config = SimConfig::new(ordercore_url);
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.confirm_after = Duration::from_millis(10);
    config.ship_after = Duration::from_millis(30);
    config.invoice_after = Duration::from_millis(60);
    config.retry_base = Duration::from_millis(5);
    config.retry_max = Duration::from_millis(50);
    config.seed = Some(7);
    config
}

pub(super) async fn start_sim(config: SimConfig) -> RunningSim {
    crate::telemetry::init_test_logging();
    start(config).await.unwrap()
}

/// A test line: `(sku, quantity, unit price, VAT rate, [(warehouse, quantity)])`.
pub(super) type Line<'a> = (&'a str, &'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

/// A submit body with one line per [`Line`].
pub(super) fn order(order_id: &str, lines: &[Line<'_>]) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (sku, quantity, price, rate, warehouses))| {
            let warehouses: Vec<Value> = warehouses
                .iter()
                .map(|(w, q)| json!({ "warehouse": w, "quantity": q }))
                .collect();
            json!({ "line_no": i + 1, "sku": sku, "quantity": quantity, "unit_price": price,
                    "vat_rate": rate, "warehouses": warehouses })
        })
        .collect();
    json!({
        "operation": "submit", "order_id": order_id, "channel": "b2b-cz", "currency": "CZK",
        "company": { "id": "ACME", "erp_customer_no": "10042", "name": "ACME s.r.o." },
        "lines": lines, "reverse_charge": false,
    })
}

/// A one-line order of `sku`.
pub(super) fn simple_order(order_id: &str, sku: &str) -> Value {
    order(order_id, &[(sku, "2", "100.00", "21", &[("PRG", "2")])])
}

/// Posts `body` to `path` of the simulator with an idempotency key; answers status and JSON.
pub(super) async fn post(
    sim: &RunningSim,
    path: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", sim.url()))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Polls `check` until it answers something or five seconds pass.
pub(super) async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
