//! Sending ERP messages to a running server, several at a time, as an ERP connector would, with
//! an API key of the `erp` scope: transient failures (connection refused, 502–504) are retried
//! with the same message id, which the server deduplicates; a 429 waits as long as the server's
//! `Retry-After` says; any other refusal stops the load with the server's problem.

use std::time::Duration;

use anyhow::Context;
use futures::future::{BoxFuture, FutureExt};
use futures::stream::{self, StreamExt, TryStreamExt};
use indicatif::ProgressBar;
use reqwest::StatusCode;

use super::message::{ErpMessage, Verb};

/// Attempts per message before giving up on transient failures.
const ATTEMPTS: u32 = 6;
/// Times one message may be rate-limited (429) before giving up: the key's rate limit is the
/// server saying "slower", not failing.
const RATE_LIMITED: u32 = 300;

/// What the server did with the messages of a phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Messages sent.
    pub requests: usize,
    /// Messages applied for the first time.
    pub applied: usize,
    /// Messages the server had seen before and answered from its inbox.
    pub replayed: usize,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Self) {
        self.requests += other.requests;
        self.applied += other.applied;
        self.replayed += other.replayed;
    }
}

/// An HTTP client for the ERP inbound API of one server.
#[derive(Clone)]
pub(crate) struct ErpClient {
    http: reqwest::Client,
    base: String,
}

impl ErpClient {
    /// A client for the server at `base` (`http://host:port`), sending `key` if given.
    pub fn new(base: &str, key: Option<&str>) -> anyhow::Result<Self> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(key) = key {
            let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {key}"))
                .context("the API key is not a valid header value")?;
            value.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            // A 100,000-entry price list takes a while to diff and commit on a small machine.
            .timeout(Duration::from_secs(30 * 60))
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_string(),
        })
    }

    /// Sends `messages`, `concurrency` at a time, advancing `bar` per answer.
    ///
    /// The future is boxed so that it is `Send` for any lifetime of its borrows: the compiler
    /// cannot prove that of a `buffer_unordered` stream of closures when the caller is spawned
    /// (`serve --demo`).
    pub fn send_all<'a>(
        &'a self,
        messages: impl Iterator<Item = anyhow::Result<ErpMessage>> + Send + 'a,
        concurrency: usize,
        bar: &'a ProgressBar,
    ) -> BoxFuture<'a, anyhow::Result<Tally>> {
        // `stream::iter` pulls lazily, so only `concurrency` message bodies exist at a time.
        stream::iter(messages)
            .map(move |message| async move {
                let replayed = self.send(&message?).await?;
                bar.inc(1);
                anyhow::Ok(replayed)
            })
            .buffer_unordered(concurrency.max(1))
            .try_fold(Tally::default(), |mut tally, replayed| async move {
                tally.requests += 1;
                if replayed {
                    tally.replayed += 1;
                } else {
                    tally.applied += 1;
                }
                Ok(tally)
            })
            .boxed()
    }

    /// Sends one message; answers whether the server replayed an earlier answer.
    async fn send(&self, message: &ErpMessage) -> anyhow::Result<bool> {
        let url = format!("{}{}", self.base, message.path);
        let mut delay = Duration::from_millis(200);
        let (mut failures, mut limited) = (0, 0);
        loop {
            let request = match message.verb {
                Verb::Put => self.http.put(&url),
                Verb::Post => self.http.post(&url),
            };
            let result = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(message.body.clone())
                .send()
                .await;
            let retry_reason = match result {
                Ok(response) if response.status().is_success() => {
                    return Ok(response.headers().contains_key("idempotent-replayed"));
                }
                Ok(response) if response.status() == StatusCode::TOO_MANY_REQUESTS => {
                    limited += 1;
                    anyhow::ensure!(
                        limited < RATE_LIMITED,
                        "{} was rate-limited {limited} times",
                        message.path
                    );
                    tokio::time::sleep(retry_after(&response)).await;
                    continue;
                }
                Ok(response) if transient(response.status()) => {
                    format!("answered {}", response.status())
                }
                Ok(response) => {
                    let status = response.status();
                    let text = response.text().await.unwrap_or_default();
                    let hint = if status == StatusCode::UNAUTHORIZED
                        || status == StatusCode::FORBIDDEN
                    {
                        " (pass an API key with the erp scope: ordercore keys create --name erp --scope erp)"
                    } else {
                        ""
                    };
                    anyhow::bail!(
                        "{} answered {status} to message {}: {}{hint}",
                        message.path,
                        message.message_id,
                        text.chars().take(2000).collect::<String>()
                    );
                }
                Err(e) if e.is_connect() || e.is_timeout() || e.is_request() => e.to_string(),
                Err(e) => return Err(e).with_context(|| format!("sending {}", message.path)),
            };
            failures += 1;
            if failures == ATTEMPTS {
                anyhow::bail!(
                    "{url} failed {ATTEMPTS} times (is `ordercore serve` running there?); \
                     last: {retry_reason}"
                );
            }
            tracing::debug!(path = %message.path, failures, %retry_reason, "retrying ERP message");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(10));
        }
    }
}

/// The server's `Retry-After` (seconds), between 50 ms and 10 s; a few hundred milliseconds when
/// it gives none, jittered so that the concurrent senders do not return in one burst.
fn retry_after(response: &reqwest::Response) -> Duration {
    let seconds = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let base = seconds.map_or(Duration::from_millis(300), Duration::from_secs);
    let jitter = Duration::from_millis(rand::random_range(0..250));
    (base + jitter).clamp(Duration::from_millis(50), Duration::from_secs(10))
}

fn transient(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
    )
}
