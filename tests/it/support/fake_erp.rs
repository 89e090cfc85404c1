//! A scriptable stand-in for an ERP's order endpoint: records what it receives (verifying the
//! Standard Webhooks signature) and answers as the test tells it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use app::erp::signature::SigningSecret;

/// How the fake answers.
#[derive(Clone, Debug, Default)]
pub struct Script {
    /// Answer 503 to this many requests first.
    pub fail_first: usize,
    /// Refuse orders containing this SKU with 422.
    pub refuse_sku: Option<String>,
    /// Refuse cancellations with 409 "already shipped".
    pub refuse_cancel: bool,
}

/// What the fake has seen.
#[derive(Default)]
pub struct Seen {
    /// Every request: (path, idempotency key, body).
    pub requests: Vec<(String, String, Value)>,
    /// When each of `requests` arrived.
    pub arrived: Vec<Instant>,
    /// Requests whose signature did not verify.
    pub bad_signatures: usize,
    /// ERP numbers by idempotency key.
    pub numbers: HashMap<String, String>,
    failures_done: usize,
}

#[derive(Clone)]
struct FakeState {
    script: Arc<Mutex<Script>>,
    seen: Arc<Mutex<Seen>>,
    secret: SigningSecret,
}

/// A running fake ERP.
pub struct FakeErp {
    pub url: String,
    pub secret: String,
    pub seen: Arc<Mutex<Seen>>,
    pub script: Arc<Mutex<Script>>,
}

impl FakeErp {
    pub async fn start(script: Script) -> Self {
        let secret_text = SigningSecret::generate();
        let state = FakeState {
            script: Arc::new(Mutex::new(script)),
            seen: Arc::default(),
            secret: SigningSecret::parse(&secret_text).expect("secret"),
        };
        let router = Router::new()
            .route("/orders", post(receive))
            .route("/orders/{id}/cancel", post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            url: format!("http://{addr}"),
            secret: secret_text,
            seen: state.seen,
            script: state.script,
        }
    }

    /// When each submission arrived, in order.
    pub fn submit_times(&self) -> Vec<Instant> {
        let seen = self.seen.lock().unwrap();
        seen.requests
            .iter()
            .zip(&seen.arrived)
            .filter(|((p, _, _), _)| p == "/orders")
            .map(|(_, at)| *at)
            .collect()
    }

    /// Submissions received, by idempotency key (duplicates included).
    pub fn submits(&self) -> Vec<(String, Value)> {
        self.seen
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|(p, _, _)| p == "/orders")
            .map(|(_, k, b)| (k.clone(), b.clone()))
            .collect()
    }
}

async fn receive(
    State(state): State<FakeState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let key = header("idempotency-key");
    let timestamp: i64 = header("webhook-timestamp").parse().unwrap_or_default();
    let verified = state
        .secret
        .verify(
            &header("webhook-id"),
            timestamp,
            &body,
            &header("webhook-signature"),
            chrono::Utc::now().timestamp(),
            300,
        )
        .is_ok();
    let arrived = Instant::now();
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let script = state.script.lock().unwrap().clone();
    let mut seen = state.seen.lock().unwrap();
    seen.requests
        .push((uri.path().to_string(), key.clone(), value.clone()));
    seen.arrived.push(arrived);
    if !verified {
        seen.bad_signatures += 1;
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"reason": "bad signature"})),
        );
    }
    if seen.failures_done < script.fail_first {
        seen.failures_done += 1;
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"reason": "maintenance"})),
        );
    }
    if uri.path().ends_with("/cancel") {
        return if script.refuse_cancel {
            (
                StatusCode::CONFLICT,
                Json(json!({"reason": "already shipped"})),
            )
        } else {
            (StatusCode::OK, Json(json!({"cancelled": true})))
        };
    }
    if let Some(sku) = &script.refuse_sku {
        if value["lines"]
            .as_array()
            .is_some_and(|lines| lines.iter().any(|l| l["sku"] == sku.as_str()))
        {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"reason": format!("SKU {sku} is not sold here")})),
            );
        }
    }
    let next = format!("ERP-{:06}", seen.numbers.len() + 1);
    let number = seen.numbers.entry(key).or_insert(next).clone();
    (StatusCode::OK, Json(json!({"erp_order_no": number})))
}
