//! Adapters deliver to an ERP. The generic HTTP adapter POSTs the contract's JSON, signed as
//! Standard Webhooks 1.0 defines, with a timeout and a concurrency limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::signature::SigningSecret;

/// How a delivery went.
#[derive(Clone, Debug, PartialEq)]
pub enum DeliveryOutcome {
    /// Accepted; the ERP's order number when it gave one (202 gives none).
    Accepted {
        /// The ERP's number.
        erp_order_no: Option<String>,
    },
    /// A definitive no (4xx): with the ERP's reason.
    Refused {
        /// Why.
        reason: String,
        /// The HTTP status.
        status: u16,
    },
    /// Try again later (timeouts, connection errors, 408, 429, 5xx).
    Transient {
        /// What happened.
        reason: String,
        /// The ERP's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
}

/// Something that delivers to an ERP.
#[async_trait]
pub trait ErpAdapter: Send + Sync {
    /// POSTs `body` to `path` (relative to the ERP's base URL) with an idempotency key.
    async fn post(&self, path: &str, key: &str, body: &Value) -> DeliveryOutcome;
}

/// Configuration of the HTTP adapter.
#[derive(Clone, Debug)]
pub struct HttpAdapterConfig {
    /// The ERP's base URL, e.g. `http://127.0.0.1:9090`.
    pub url: String,
    /// The signing secret (`whsec_…`), if the ERP verifies signatures.
    pub secret: Option<SigningSecret>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Requests in flight at most.
    pub concurrency: usize,
}

/// The generic JSON-over-HTTP(S) adapter.
pub struct HttpAdapter {
    client: reqwest::Client,
    config: HttpAdapterConfig,
    permits: Arc<Semaphore>,
}

impl HttpAdapter {
    /// An adapter for the configured ERP.
    pub fn new(config: HttpAdapterConfig) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .pool_max_idle_per_host(config.concurrency)
            .build()?;
        Ok(Self {
            client,
            permits: Arc::new(Semaphore::new(config.concurrency.max(1))),
            config,
        })
    }
}

#[async_trait]
impl ErpAdapter for HttpAdapter {
    async fn post(&self, path: &str, key: &str, body: &Value) -> DeliveryOutcome {
        let Ok(_permit) = self.permits.acquire().await else {
            return DeliveryOutcome::Transient {
                reason: "adapter closed".into(),
                retry_after: None,
            };
        };
        let bytes = body.to_string().into_bytes();
        let timestamp = chrono::Utc::now().timestamp();
        let url = format!("{}{}", self.config.url.trim_end_matches('/'), path);
        let mut request = self
            .client
            .post(&url)
            .header("content-type", "application/json")
            .header("idempotency-key", key)
            .header("webhook-id", key)
            .header("webhook-timestamp", timestamp.to_string());
        if let Some(secret) = &self.config.secret {
            request = request.header("webhook-signature", secret.sign(key, timestamp, &bytes));
        }
        let started = Instant::now();
        let result = request.body(bytes).send().await;
        let outcome = classify(result).await;
        let label = match &outcome {
            DeliveryOutcome::Accepted { .. } => "accepted",
            DeliveryOutcome::Refused { .. } => "refused",
            DeliveryOutcome::Transient { .. } => "transient",
        };
        metrics::histogram!("ordercore_erp_request_duration_seconds", "outcome" => label)
            .record(started.elapsed().as_secs_f64());
        outcome
    }
}

async fn classify(result: reqwest::Result<reqwest::Response>) -> DeliveryOutcome {
    let response = match result {
        Ok(response) => response,
        Err(e) => {
            let reason = if e.is_timeout() {
                "timeout".to_string()
            } else {
                format!("connection: {e}")
            };
            return DeliveryOutcome::Transient {
                reason,
                retry_after: None,
            };
        }
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body: Value = match response.text().await {
        Ok(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        Err(e) => {
            return DeliveryOutcome::Transient {
                reason: format!("reading the answer: {e}"),
                retry_after: None,
            }
        }
    };
    let reason = body
        .get("reason")
        .or_else(|| body.get("detail"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {status}"));
    match status {
        200..=299 => DeliveryOutcome::Accepted {
            erp_order_no: body
                .get("erp_order_no")
                .and_then(Value::as_str)
                .map(str::to_string),
        },
        408 | 429 | 500..=599 => DeliveryOutcome::Transient {
            reason: format!("HTTP {status}: {reason}"),
            retry_after,
        },
        _ => DeliveryOutcome::Refused { reason, status },
    }
}
