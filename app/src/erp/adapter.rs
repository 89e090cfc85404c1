//! Adapters deliver to an ERP. The generic HTTP adapter POSTs the contract's JSON, signed as
//! Standard Webhooks 1.0 defines, with a timeout and a concurrency limit.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

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
    /// A definitive business no (409 or 422): with the ERP's reason. Only this answer may
    /// reject (and compensate) an order.
    Refused {
        /// Why.
        reason: String,
        /// The HTTP status.
        status: u16,
    },
    /// Try again later (timeouts, connection errors, 408, 425, 429, 5xx).
    Transient {
        /// What happened.
        reason: String,
        /// The ERP's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// The ERP (or something in front of it) did not take the request as an order at all:
    /// authentication, permission, routing or protocol (401, 403, 404, 405, 407, 3xx, other
    /// 4xx). Nothing is known about the order, so it is not rejected: the delivery is retried
    /// like a transient failure while ops fix the configuration.
    Misdirected {
        /// What the ERP said.
        reason: String,
        /// The HTTP status.
        status: u16,
        /// The ERP's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
}

impl DeliveryOutcome {
    /// The outcome's name in metrics and logs.
    pub fn label(&self) -> &'static str {
        match self {
            DeliveryOutcome::Accepted { .. } => "accepted",
            DeliveryOutcome::Refused { .. } => "refused",
            DeliveryOutcome::Transient { .. } => "transient",
            DeliveryOutcome::Misdirected { .. } => "misdirected",
        }
    }
}

/// Something that delivers to an ERP.
#[async_trait]
pub trait ErpAdapter: Send + Sync {
    /// POSTs `body` to `path` (relative to the ERP's base URL) with an idempotency key.
    async fn post(&self, path: &str, key: &str, body: &Value) -> DeliveryOutcome;
}

/// Configuration of the HTTP adapter.
#[derive(Clone)]
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

/// The URL without the password it may carry (`https://user:secret@erp/` → `https://user:***@erp/`).
pub fn redacted_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "<not a URL>".to_string(),
    }
}

impl std::fmt::Debug for HttpAdapterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpAdapterConfig")
            .field("url", &redacted_url(&self.url))
            .field("secret", &self.secret)
            .field("timeout", &self.timeout)
            .field("concurrency", &self.concurrency)
            .finish()
    }
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
            // A redirect of a signed POST is a configuration matter for ops, not something to
            // follow blindly to another host.
            .redirect(reqwest::redirect::Policy::none())
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
        metrics::histogram!("ordercore_erp_request_duration_seconds", "outcome" => outcome.label())
            .record(started.elapsed().as_secs_f64());
        outcome
    }
}

async fn classify(result: reqwest::Result<reqwest::Response>) -> DeliveryOutcome {
    let response = match result {
        Ok(response) => response,
        Err(e) => {
            // Without the URL: it may carry credentials, and the reason is kept in the outbox.
            let reason = if e.is_timeout() {
                "timeout".to_string()
            } else {
                format!("connection: {}", e.without_url())
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
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
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
    classify_status(status, reason, retry_after, &body)
}

/// What an answer with `status` means for the order (docs/erp-adapter.md, "Answers the ERP
/// must give").
fn classify_status(
    status: u16,
    reason: String,
    retry_after: Option<Duration>,
    body: &Value,
) -> DeliveryOutcome {
    match status {
        200..=299 => DeliveryOutcome::Accepted {
            erp_order_no: body
                .get("erp_order_no")
                .and_then(Value::as_str)
                .map(str::to_string),
        },
        // The ERP read the order and decided against it.
        409 | 422 => DeliveryOutcome::Refused { reason, status },
        408 | 425 | 429 | 500..=599 => DeliveryOutcome::Transient {
            reason: format!("HTTP {status}: {reason}"),
            retry_after,
        },
        _ => DeliveryOutcome::Misdirected {
            reason: format!("HTTP {status}: {reason}"),
            status,
            retry_after,
        },
    }
}

/// The longest `Retry-After` honoured: an ERP asking for more is retried after this anyway.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Parses `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, as a wait from
/// `now`. A date in the past means "now"; anything unreadable is ignored.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
        // More digits than a u64 holds is still "a long time".
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_shows_no_password_of_the_erp_url() {
        let config = HttpAdapterConfig {
            url: "https://ordercore:s3cret-pw@erp.example.com:8443/api".into(),
            secret: None,
            timeout: Duration::from_secs(5),
            concurrency: 4,
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(
            shown.contains("https://ordercore:***@erp.example.com:8443/api"),
            "{shown}"
        );
        assert_eq!(
            redacted_url("http://127.0.0.1:9090"),
            "http://127.0.0.1:9090/"
        );
        assert_eq!(redacted_url("not a url"), "<not a URL>");
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let cases = [
            ("120", Some(Duration::from_secs(120))),
            (" 0 ", Some(Duration::ZERO)),
            // IMF-fixdate, RFC 850 and asctime forms of 1994-11-06 08:49:37 + 60 s.
            (
                "Sun, 06 Nov 1994 08:50:37 GMT",
                Some(Duration::from_secs(60)),
            ),
            (
                "Sunday, 06-Nov-94 08:50:37 GMT",
                Some(Duration::from_secs(60)),
            ),
            ("Sun Nov  6 08:50:37 1994", Some(Duration::from_secs(60))),
            // In the past: retry now.
            ("Sun, 06 Nov 1994 08:49:00 GMT", Some(Duration::ZERO)),
            ("99999999999999999999999", Some(MAX_RETRY_AFTER)),
            ("-5", None),
            ("soon", None),
            ("", None),
        ];
        for (value, expected) in cases {
            assert_eq!(
                parse_retry_after(value, now),
                expected,
                "Retry-After: {value:?}"
            );
        }
    }

    #[test]
    fn only_409_and_422_refuse_an_order() {
        let body = Value::Null;
        for status in [409u16, 422] {
            let outcome = classify_status(status, "no".into(), None, &body);
            assert_eq!(outcome.label(), "refused", "HTTP {status}");
        }
        for status in [408u16, 425, 429, 500, 502, 503, 504] {
            let outcome = classify_status(status, "later".into(), None, &body);
            assert_eq!(outcome.label(), "transient", "HTTP {status}");
        }
        for status in [
            301u16, 302, 307, 308, 400, 401, 403, 404, 405, 407, 410, 413, 415,
        ] {
            let outcome = classify_status(status, "who?".into(), None, &body);
            assert_eq!(outcome.label(), "misdirected", "HTTP {status}");
        }
        assert_eq!(
            classify_status(
                201,
                String::new(),
                None,
                &serde_json::json!({"erp_order_no": "E-7"})
            ),
            DeliveryOutcome::Accepted {
                erp_order_no: Some("E-7".into())
            }
        );
    }
}
