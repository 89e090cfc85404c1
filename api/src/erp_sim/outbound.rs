//! Messages to ordercore's inbound API: each gets a unique `message_id` and is delivered at
//! least once. Connection errors, timeouts, 5xx, 408, 409 (`not-yet-applicable`) and 429 are
//! retried with exponential backoff and jitter, honouring `Retry-After`; a 2xx ends the
//! delivery, and so does a 422 (ordercore quarantined the message) or another 4xx (counted
//! and logged: retrying a refusal would only repeat it).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use reqwest::{header, StatusCode};
use serde_json::Value;

use super::books::{Books, Delivery};
use super::chance::Chance;
use super::documents::Draft;
use super::SimConfig;

/// Failed rounds after which a stuck delivery is worth a warning (single failures are
/// expected: ordercore answers 409 until the state a message builds on is there).
const PATIENCE: u32 = 5;

/// A message ready to send.
#[derive(Clone, Debug)]
pub(super) struct Message {
    pub path: String,
    pub kind: &'static str,
    pub message_id: String,
    pub body: Value,
}

/// What one attempt came to.
enum Attempt {
    Done,
    Retry(Option<Duration>),
}

/// The client for ordercore's inbound API.
#[derive(Clone)]
pub(super) struct Outbound {
    http: reqwest::Client,
    base: String,
    bearer: Option<Arc<str>>,
    /// Distinguishes this run's message ids from an earlier run's, which ordercore remembers.
    run_id: String,
    sequence: Arc<AtomicU64>,
    books: Arc<Mutex<Books>>,
    chance: Arc<Chance>,
    retry_base: Duration,
    retry_max: Duration,
}

impl Outbound {
    /// A client for the ordercore that `config` names.
    pub fn new(
        config: &SimConfig,
        books: Arc<Mutex<Books>>,
        chance: Arc<Chance>,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(config.ordercore_timeout)
            .build()
            .context("building the HTTP client for ordercore")?;
        let run_id = uuid::Uuid::new_v4().simple().to_string();
        Ok(Self {
            http,
            base: config.ordercore_url.trim_end_matches('/').to_string(),
            bearer: config.ordercore_key.as_deref().map(Arc::from),
            run_id: run_id[..8].to_string(),
            sequence: Arc::new(AtomicU64::new(0)),
            books,
            chance,
            retry_base: config.retry_base.max(Duration::from_millis(1)),
            retry_max: config.retry_max.max(config.retry_base),
        })
    }

    /// Gives a draft its `message_id`.
    pub fn seal(&self, draft: Draft) -> Message {
        let n = self.sequence.fetch_add(1, Ordering::Relaxed) + 1;
        let message_id = format!("erp-sim-{}-{n:06}", self.run_id);
        let mut body = draft.body;
        if let Value::Object(fields) = &mut body {
            fields.insert("message_id".into(), Value::String(message_id.clone()));
        }
        Message {
            path: draft.path,
            kind: draft.kind,
            message_id,
            body,
        }
    }

    fn count(&self, delivery: Delivery) {
        self.books
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .count(delivery);
    }

    /// Delivers `messages`. In order, each waits until the one before it is done; out of
    /// order, a message that must wait goes to the back of the queue so that the others (the
    /// state it builds on, perhaps) get through first.
    pub async fn deliver_all(&self, messages: Vec<Message>, in_order: bool) {
        let mut queue = VecDeque::from(messages);
        let mut failures = 0u32;
        let mut failed_in_a_row = 0usize;
        while let Some(message) = queue.pop_front() {
            match self.attempt(&message).await {
                Attempt::Done => {
                    failures = 0;
                    failed_in_a_row = 0;
                }
                Attempt::Retry(retry_after) => {
                    failed_in_a_row += 1;
                    let waiting = queue.len() + 1;
                    if in_order {
                        queue.push_front(message);
                    } else {
                        queue.push_back(message);
                    }
                    // Out of order, only a whole pass without progress calls for a pause.
                    if in_order || failed_in_a_row >= waiting {
                        tokio::time::sleep(self.backoff(failures, retry_after)).await;
                        failures = failures.saturating_add(1);
                        failed_in_a_row = 0;
                        if failures == PATIENCE {
                            tracing::warn!(waiting, attempts = failures, ordercore = %self.base,
                                "ordercore is not taking the ERP's messages; still retrying");
                        }
                    }
                }
            }
        }
    }

    /// Exponential from the base, capped, with jitter; at least what `Retry-After` asks.
    fn backoff(&self, failures: u32, retry_after: Option<Duration>) -> Duration {
        let exponential = self
            .retry_base
            .saturating_mul(2u32.saturating_pow(failures.min(16)))
            .min(self.retry_max);
        let delay = self.chance.jitter(exponential);
        match retry_after {
            Some(asked) => asked.max(delay).min(self.retry_max),
            None => delay,
        }
    }

    async fn attempt(&self, message: &Message) -> Attempt {
        let mut request = self
            .http
            .post(format!("{}{}", self.base, message.path))
            .json(&message.body);
        if let Some(key) = &self.bearer {
            request = request.bearer_auth(key);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                self.count(Delivery::FailedAttempt);
                tracing::debug!(message_id = %message.message_id, kind = message.kind,
                    error = %error, "ordercore unreachable; will retry");
                return Attempt::Retry(None);
            }
        };
        let status = response.status();
        if status.is_success() {
            self.count(Delivery::Sent);
            return Attempt::Done;
        }
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if status.is_server_error()
            || matches!(
                status,
                StatusCode::REQUEST_TIMEOUT | StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS
            )
        {
            self.count(Delivery::FailedAttempt);
            tracing::debug!(message_id = %message.message_id, kind = message.kind,
                %status, "ordercore cannot take the message yet; will retry");
            return Attempt::Retry(retry_after);
        }
        let detail: String = response
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(500)
            .collect();
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            self.count(Delivery::Quarantined);
            tracing::warn!(message_id = %message.message_id, kind = message.kind,
                %detail, "ordercore quarantined a message");
        } else {
            self.count(Delivery::Rejected);
            tracing::warn!(message_id = %message.message_id, kind = message.kind,
                %status, %detail, "ordercore refused a message; not retrying");
        }
        Attempt::Done
    }
}
