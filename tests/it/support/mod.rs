//! What every test shares: fresh stores, a test aggregate, polling with a deadline, and a
//! running server to talk HTTP to.

pub mod account;
pub mod app;
pub mod catalog;
pub mod fake_erp;
pub mod processes;
pub mod raw;
pub mod store;

use std::future::Future;
use std::time::{Duration, Instant};

/// Quiet logs unless `TEST_LOG` is set.
pub fn init() {
    api::telemetry::init_test_logging();
}

/// Polls `check` until it returns `Some`, failing the test with `what` after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
