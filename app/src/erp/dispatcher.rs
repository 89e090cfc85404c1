//! The ERP dispatcher. A reactor follows the log and queues a delivery when an order becomes
//! ready for the ERP or a cancellation is requested; a delivery loop (one process at a time, by
//! lease) sends the queue in order per company, retries transient failures with exponential
//! backoff and jitter, stops calling a failing ERP (circuit breaker), dead-letters permanent
//! refusals and compensates them. Every outcome is an event on the order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cqrs_es::{Aggregate, AggregateError};
use futures::StreamExt;
use tokio::sync::{watch, Mutex};

use domain::order::{Order, OrderCommand, OrderStatus};

use super::adapter::{DeliveryOutcome, ErpAdapter};
use super::breaker::{Breaker, BreakerState};
use super::outbox::{self, Delivery, Operation};
use super::payload;
use crate::aggregates::Aggregates;
use crate::clock::now_ms;
use crate::db::Db;
use crate::event_log::RecordedEvent;
use crate::metadata::{Actor, CommandMetadata};
use crate::subscription::{Lease, Reactor};

/// Queues deliveries as orders become ready or ask for cancellation.
pub struct OutboxFeeder {
    db: Db,
}

impl OutboxFeeder {
    /// The feeder.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl Reactor for OutboxFeeder {
    fn name(&self) -> &'static str {
        "erp_outbox"
    }

    async fn handle(&self, event: &RecordedEvent) -> anyhow::Result<()> {
        if event.aggregate_type != Order::TYPE {
            return Ok(());
        }
        let (id, operation) = match event.event_type.as_str() {
            "ReadyForErp" => (format!("{}:submit", event.aggregate_id), Operation::Submit),
            "CancellationRequested" => (
                format!("{}:cancel:{}", event.aggregate_id, event.sequence),
                Operation::Cancel,
            ),
            _ => return Ok(()),
        };
        let company = company_of(&self.db, &event.aggregate_id).await?;
        outbox::enqueue(
            &self.db,
            &id,
            &event.aggregate_id,
            &company,
            operation,
            event.checkpoint,
        )
        .await
    }
}

/// The company of an order, from its first event.
async fn company_of(db: &Db, order_id: &str) -> anyhow::Result<String> {
    let events = crate::aggregate_store::AggregateStore::<Order>::new(
        db,
        crate::aggregate_store::Loading::Events,
        (),
    )
    .load(order_id)
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(events
        .0
        .company_id()
        .map(|c| c.to_string())
        .unwrap_or_default())
}

/// Tuning of the delivery loop.
#[derive(Clone, Debug)]
pub struct DispatchConfig {
    /// Deliveries in flight at most.
    pub concurrency: usize,
    /// Transient failures of one delivery before it is dead-lettered (without compensation).
    pub max_attempts: i64,
    /// First retry delay; doubles per attempt.
    pub base_backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
    /// Consecutive failures that open the circuit breaker.
    pub breaker_threshold: u32,
    /// First cooldown of an open breaker.
    pub breaker_cooldown: Duration,
    /// Longest cooldown.
    pub breaker_max_cooldown: Duration,
    /// How long to wait when nothing is due.
    pub idle: Duration,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            max_attempts: 50,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(300),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(10),
            breaker_max_cooldown: Duration::from_secs(120),
            idle: Duration::from_millis(500),
        }
    }
}

/// Sends the outbox to the ERP.
pub struct Dispatcher {
    db: Db,
    aggregates: Arc<Aggregates>,
    adapter: Arc<dyn ErpAdapter>,
    config: DispatchConfig,
    breaker: Mutex<Breaker>,
}

impl Dispatcher {
    /// A dispatcher.
    pub fn new(
        db: Db,
        aggregates: Arc<Aggregates>,
        adapter: Arc<dyn ErpAdapter>,
        config: DispatchConfig,
    ) -> Self {
        let breaker = Breaker::new(
            config.breaker_threshold,
            config.breaker_cooldown,
            config.breaker_max_cooldown,
        );
        Self {
            db,
            aggregates,
            adapter,
            config,
            breaker: Mutex::new(breaker),
        }
    }

    /// Runs the delivery loop while this process holds the `erp_delivery` lease, which lasts
    /// `lease_ttl` without renewal and is renewed every third of it (see [`Fence`]).
    pub fn spawn(
        self: Arc<Self>,
        holder: String,
        lease_ttl: Duration,
        mut shutdown: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let fence = Fence::new(Lease::new(
                self.db.clone(),
                "erp_delivery",
                &holder,
                lease_ttl,
            ));
            let mut wake = self.db.notifier().subscribe();
            while !*shutdown.borrow() {
                let sent = if fence.holds().await {
                    match self.run_once(&fence).await {
                        Ok(n) => n,
                        Err(e) => {
                            tracing::error!(error = %format!("{e:#}"), "ERP delivery round failed");
                            0
                        }
                    }
                } else {
                    0
                };
                if sent == 0 {
                    let wait = self.idle_wait().await;
                    tokio::select! {
                        _ = shutdown.changed() => {}
                        _ = wake.changed() => {}
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
            }
            let _ = fence.lease.release().await;
        })
    }

    /// How long to sleep when nothing went: until the breaker lets a probe through, or until
    /// the next delivery is due (so that a retry goes when its backoff ends, not up to a whole
    /// idle period later), at most the idle period.
    async fn idle_wait(&self) -> Duration {
        if let Some(until) = self.breaker.lock().await.open_until() {
            return until
                .saturating_duration_since(Instant::now())
                .clamp(Duration::from_millis(50), self.config.idle);
        }
        match outbox::next_due_at(&self.db).await {
            Ok(Some(at)) => {
                let millis = u64::try_from(at - now_ms()).unwrap_or(0);
                Duration::from_millis(millis).clamp(Duration::from_millis(5), self.config.idle)
            }
            _ => self.config.idle,
        }
    }

    /// One round: delivers what is due (as many as the breaker allows) while `fence` holds.
    /// Returns how many were due.
    async fn run_once(&self, fence: &Fence) -> anyhow::Result<usize> {
        self.publish_figures().await;
        let permits = self.breaker.lock().await.permits(Instant::now());
        let limit = match permits {
            Some(0) => return Ok(0),
            Some(n) => n as i64,
            None => (self.config.concurrency * 4) as i64,
        };
        let due = outbox::due(&self.db, limit).await?;
        let count = due.len();
        if count == 0 && permits.is_some() {
            self.breaker.lock().await.unused_probe();
        }
        let results: Vec<anyhow::Result<()>> =
            futures::stream::iter(due.into_iter().map(|d| self.deliver(d, fence)))
                .buffer_unordered(self.config.concurrency.max(1))
                .collect()
                .await;
        for result in results {
            result?;
        }
        Ok(count)
    }

    async fn publish_figures(&self) {
        if let Ok((pending, oldest_ms, dead)) = outbox::figures(&self.db).await {
            metrics::gauge!("ordercore_erp_pending_deliveries").set(pending as f64);
            metrics::gauge!("ordercore_erp_oldest_pending_seconds").set(oldest_ms as f64 / 1000.0);
            metrics::gauge!("ordercore_erp_dead_letters").set(dead as f64);
        }
        let state = self.breaker.lock().await.state(Instant::now());
        metrics::gauge!("ordercore_erp_breaker_state").set(match state {
            BreakerState::Closed => 0.0,
            BreakerState::HalfOpen => 1.0,
            BreakerState::Open => 2.0,
        });
    }

    fn meta(&self, delivery: &Delivery) -> CommandMetadata {
        let mut meta = CommandMetadata::new(Actor::system("erp-dispatcher"));
        meta.causation_id = format!("erp_outbox/{}", delivery.id);
        meta
    }

    async fn deliver(&self, delivery: Delivery, fence: &Fence) -> anyhow::Result<()> {
        // Only while the lease is ours: a process that lost it in the middle of a round (it
        // stalled, or a slow ERP made the round outlast the lease) leaves the rest pending for
        // the new holder instead of sending beside it.
        if !fence.holds().await {
            return Ok(());
        }
        let (order, _) = self
            .aggregates
            .orders
            .load(&delivery.order_id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut meta = self.meta(&delivery);
        if let Some(correlation) = self.aggregates.order_correlation(&delivery.order_id).await {
            meta.correlation_id = correlation;
        }
        let attempt = delivery.attempts + 1;
        let body = match delivery.operation {
            Operation::Submit => {
                match order.status() {
                    Some(OrderStatus::ReadyForErp | OrderStatus::SentToErp) => {}
                    other => {
                        let outcome = format!(
                            "skipped: order is {}",
                            other.map(|s| s.as_str()).unwrap_or("unknown")
                        );
                        return outbox::finish(
                            &self.db,
                            &delivery.id,
                            delivery.attempts,
                            "done",
                            &outcome,
                            false,
                        )
                        .await;
                    }
                }
                let sent = self
                    .aggregates
                    .orders
                    .execute(
                        &delivery.order_id,
                        OrderCommand::MarkSent {
                            attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
                        },
                        &meta,
                    )
                    .await;
                match sent {
                    Ok(_) => {}
                    // Cancelled or answered meanwhile: nothing to send any more.
                    Err(AggregateError::UserError(e)) => {
                        let outcome = format!("skipped: {e}");
                        return outbox::finish(
                            &self.db,
                            &delivery.id,
                            delivery.attempts,
                            "done",
                            &outcome,
                            false,
                        )
                        .await;
                    }
                    Err(e) => {
                        return Err(anyhow::anyhow!("marking {} sent: {e}", delivery.order_id))
                    }
                }
                let company = match order.company_id() {
                    Some(c) => self
                        .aggregates
                        .companies
                        .load(c.as_str())
                        .await
                        .ok()
                        .map(|(c, _)| c),
                    None => None,
                };
                let placed_at = self.placed_at(&delivery.order_id).await;
                payload::submit_body(
                    &delivery.order_id,
                    &order,
                    company.as_ref().and_then(|c| c.master()),
                    &placed_at,
                )
            }
            Operation::Cancel => {
                if !order.cancellation_pending() {
                    return outbox::finish(
                        &self.db,
                        &delivery.id,
                        delivery.attempts,
                        "done",
                        "skipped: no cancellation pending",
                        false,
                    )
                    .await;
                }
                // The ERP cannot cancel an order it was never given: while the submit waits in
                // the dead letters, so does the cancel (SPEC: a cancel never before its submit).
                let submit =
                    outbox::get(&self.db, &format!("{}:submit", delivery.order_id)).await?;
                if let Some(submit) = submit.filter(|s| s.state == "dead") {
                    if submit.compensated || order.status() == Some(OrderStatus::RejectedByErp) {
                        return outbox::finish(
                            &self.db,
                            &delivery.id,
                            delivery.attempts,
                            "done",
                            "skipped: the ERP refused the order",
                            false,
                        )
                        .await;
                    }
                    return self
                        .dead_letter(
                            &delivery,
                            delivery.attempts,
                            &format!(
                                "not sent: the order's submit {} is dead-lettered; retry it first",
                                submit.id
                            ),
                            &meta,
                        )
                        .await;
                }
                Some(payload::cancel_body(&delivery.order_id, &order))
            }
        };
        let Some(body) = body else {
            return outbox::finish(
                &self.db,
                &delivery.id,
                attempt,
                "dead",
                "the order has no placement to send",
                false,
            )
            .await;
        };
        let path = match delivery.operation {
            Operation::Submit => "/orders".to_string(),
            Operation::Cancel => format!("/orders/{}/cancel", delivery.order_id),
        };
        metrics::counter!("ordercore_erp_attempts_total").increment(1);
        let outcome = self.adapter.post(&path, &delivery.id, &body).await;
        self.record(&delivery, attempt, outcome, &meta).await
    }

    async fn placed_at(&self, order_id: &str) -> String {
        match self.aggregates.orders.events(order_id).await {
            Ok(events) => events
                .first()
                .and_then(|e| e.metadata.get("recorded_at").cloned())
                .unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    async fn record(
        &self,
        delivery: &Delivery,
        attempt: i64,
        outcome: DeliveryOutcome,
        meta: &CommandMetadata,
    ) -> anyhow::Result<()> {
        let apply = |command: OrderCommand| self.apply(&delivery.order_id, command, meta);
        match (delivery.operation, outcome) {
            (Operation::Submit, DeliveryOutcome::Accepted { erp_order_no }) => {
                self.breaker.lock().await.success();
                if let Some(no) = &erp_order_no {
                    apply(OrderCommand::RecordErpAcceptance {
                        erp_order_no: no.clone(),
                    })
                    .await?;
                }
                let outcome = erp_order_no
                    .map(|n| format!("accepted as {n}"))
                    .unwrap_or_else(|| "received".into());
                outbox::finish(&self.db, &delivery.id, attempt, "done", &outcome, false).await
            }
            (Operation::Submit, DeliveryOutcome::Refused { reason, status }) => {
                self.breaker.lock().await.success();
                apply(OrderCommand::RecordErpRefusal {
                    reason: reason.clone(),
                })
                .await?;
                metrics::counter!("ordercore_erp_dead_letters_total").increment(1);
                outbox::finish(
                    &self.db,
                    &delivery.id,
                    attempt,
                    "dead",
                    &format!("refused by the ERP (HTTP {status}): {reason}"),
                    true,
                )
                .await
            }
            (Operation::Cancel, DeliveryOutcome::Accepted { .. }) => {
                self.breaker.lock().await.success();
                apply(OrderCommand::ConfirmCancellation).await?;
                outbox::finish(
                    &self.db,
                    &delivery.id,
                    attempt,
                    "done",
                    "cancelled by the ERP",
                    false,
                )
                .await
            }
            (Operation::Cancel, DeliveryOutcome::Refused { reason, status })
                if status == 409 || status == 422 =>
            {
                self.breaker.lock().await.success();
                apply(OrderCommand::RefuseCancellation {
                    reason: reason.clone(),
                })
                .await?;
                outbox::finish(
                    &self.db,
                    &delivery.id,
                    attempt,
                    "done",
                    &format!("cancellation refused: {reason}"),
                    false,
                )
                .await
            }
            (Operation::Cancel, DeliveryOutcome::Refused { reason, status }) => {
                self.breaker.lock().await.success();
                let outcome = format!("cancel refused (HTTP {status}): {reason}");
                self.dead_letter(delivery, attempt, &outcome, meta).await
            }
            (
                _,
                DeliveryOutcome::Transient {
                    reason,
                    retry_after,
                },
            ) => {
                metrics::counter!("ordercore_erp_failures_total", "kind" => "transient")
                    .increment(1);
                self.retry_or_give_up(delivery, attempt, "transient", &reason, retry_after, meta)
                    .await
            }
            (
                _,
                DeliveryOutcome::Misdirected {
                    reason,
                    status,
                    retry_after,
                },
            ) => {
                // Not an answer about the order: credentials, URL or proxy are wrong. The order
                // is not rejected for it; ops see it here, in the metrics and in the outbox.
                metrics::counter!("ordercore_erp_failures_total", "kind" => "misdirected")
                    .increment(1);
                tracing::warn!(delivery = %delivery.id, status, %reason, attempt,
                    "the ERP did not take the request as an order; check the ERP URL and credentials");
                self.retry_or_give_up(delivery, attempt, "misdirected", &reason, retry_after, meta)
                    .await
            }
        }
    }

    /// Schedules the next attempt after a failure that says nothing about the order, or gives
    /// the delivery up once it has had its attempts. `kind` (transient or misdirected) is what
    /// ops see when this failure opens the breaker.
    async fn retry_or_give_up(
        &self,
        delivery: &Delivery,
        attempt: i64,
        kind: &'static str,
        reason: &str,
        retry_after: Option<Duration>,
        meta: &CommandMetadata,
    ) -> anyhow::Result<()> {
        let opened = self.breaker.lock().await.failure(Instant::now());
        if opened {
            metrics::counter!("ordercore_erp_breaker_opened_total", "kind" => kind).increment(1);
            tracing::warn!(kind, %reason, delivery = %delivery.id,
                "ERP circuit breaker opened: no calls until its cooldown ends, then one probe");
        }
        if attempt >= self.config.max_attempts {
            let outcome = format!("gave up after {attempt} attempts: {reason}");
            return self.dead_letter(delivery, attempt, &outcome, meta).await;
        }
        let delay = backoff(&self.config, attempt).max(retry_after.unwrap_or_default());
        let next = now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 4);
        outbox::retry_later(&self.db, &delivery.id, attempt, next, reason).await
    }

    /// Dead-letters a delivery without compensation, recording the fact on the order first
    /// (a crash in between leaves the delivery pending, to be given up again).
    async fn dead_letter(
        &self,
        delivery: &Delivery,
        attempt: i64,
        outcome: &str,
        meta: &CommandMetadata,
    ) -> anyhow::Result<()> {
        let command = OrderCommand::RecordDeadLetter {
            operation: delivery.operation.as_str().to_string(),
            reason: outcome.to_string(),
        };
        self.apply(&delivery.order_id, command, meta).await?;
        metrics::counter!("ordercore_erp_dead_letters_total").increment(1);
        tracing::warn!(delivery = %delivery.id, %outcome, "ERP delivery dead-lettered");
        outbox::finish(&self.db, &delivery.id, attempt, "dead", outcome, false).await
    }

    /// Records an answer on the order.
    async fn apply(
        &self,
        id: &str,
        command: OrderCommand,
        meta: &CommandMetadata,
    ) -> anyhow::Result<()> {
        match self.aggregates.orders.execute(id, command, meta).await {
            Ok(_) => Ok(()),
            // A late answer for an order that moved on (e.g. the ERP's status message came
            // first): the order keeps its state.
            Err(AggregateError::UserError(e)) => {
                tracing::info!(order = %id, error = %e, "ERP answer not applied");
                Ok(())
            }
            Err(e) => Err(anyhow::anyhow!("recording the ERP answer for {id}: {e}")),
        }
    }
}

/// The delivery lease as the loop and its deliveries see it. It is renewed once a third of its
/// time has passed, also in the middle of a round, and every delivery asks first: a delivery
/// starts only while the lease has at least two thirds of its time left, so with an ERP timeout
/// shorter than that, no request of a process that lost the lease is still under way when
/// another process may take it over (clocks agreeing).
pub struct Fence {
    lease: Lease,
    /// When it was last asked for (before the asking) and whether it was granted.
    state: Mutex<Option<(Instant, bool)>>,
}

impl Fence {
    /// A fence over `lease`.
    pub fn new(lease: Lease) -> Self {
        Self {
            lease,
            state: Mutex::new(None),
        }
    }

    /// Whether this process holds the lease, renewing it when a third of its time has passed.
    pub async fn holds(&self) -> bool {
        let mut state = self.state.lock().await;
        if let Some((asked, held)) = *state {
            if asked.elapsed() < self.lease.ttl() / 3 {
                return held;
            }
        }
        let asked = Instant::now();
        let held = match self.lease.acquire_or_renew().await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "ERP delivery lease not renewed");
                false
            }
        };
        if !held && state.is_some_and(|(_, was)| was) {
            tracing::warn!("ERP delivery lease lost to another process; deliveries stop here");
        }
        *state = Some((asked, held));
        held
    }
}

/// Exponential backoff with full jitter: a random delay up to base × 2^(attempt−1), capped.
pub fn backoff(config: &DispatchConfig, attempt: i64) -> Duration {
    let exponent = u32::try_from(attempt.clamp(1, 30) - 1).unwrap_or(0);
    let ceiling = config
        .base_backoff
        .saturating_mul(1u32 << exponent.min(20))
        .min(config.max_backoff);
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    // Never less than half the ceiling, so backoff stays visible in the attempts.
    Duration::from_millis(millis / 2 + rand::random_range(0..=millis / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_up_to_the_cap() {
        let config = DispatchConfig {
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            ..Default::default()
        };
        for attempt in 1..=12 {
            let ceiling =
                Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_secs(2));
            let d = backoff(&config, attempt);
            assert!(
                d >= ceiling / 2 && d <= ceiling,
                "attempt {attempt}: {d:?} not in [{:?}, {ceiling:?}]",
                ceiling / 2
            );
        }
    }
}
