//! The loop that drives one subscriber: hold the lease, read a batch after the checkpoint,
//! handle it, move the checkpoint, and wait for a wake-up or the polling interval.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::checkpoint::{
    ensure_row, load_checkpoint, lock_checkpoint, record_failure, save_checkpoint,
    save_checkpoint_fenced,
};
use super::{Lease, Projection, Reactor, Subscriber, Tables};
use crate::db::Db;
use crate::event_log;

/// Tuning of a runner.
#[derive(Clone, Debug)]
pub struct RunnerConfig {
    /// Events read and handled per batch.
    pub batch_size: i64,
    /// Longest wait between two reads when no wake-up comes.
    pub poll_interval: Duration,
    /// Lease duration; the holder renews it every third of it.
    pub lease_ttl: Duration,
    /// This process's holder id.
    pub holder: String,
    /// Cap of the retry backoff after failures.
    pub max_backoff: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            batch_size: 500,
            poll_interval: Duration::from_secs(1),
            lease_ttl: Duration::from_secs(15),
            holder: format!(
                "pid{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// A running subscriber.
pub struct RunnerHandle {
    /// The subscriber's name.
    pub name: &'static str,
    /// The task; it ends when shutdown is signalled.
    pub task: JoinHandle<()>,
    phase: Arc<Mutex<&'static str>>,
}

impl RunnerHandle {
    /// What the runner is doing: `starting`, `rebuilding` (an older read model), `running`,
    /// `standby` (another process holds the lease), `retrying` or `stopped`.
    pub fn phase(&self) -> &'static str {
        self.phase.lock().map(|p| *p).unwrap_or("unknown")
    }
}

/// Starts a subscriber in the background. It stops, releasing its lease, when `shutdown`
/// becomes true.
pub fn spawn(
    db: Db,
    subscriber: Subscriber,
    config: RunnerConfig,
    shutdown: watch::Receiver<bool>,
) -> RunnerHandle {
    let phase = Arc::new(Mutex::new("starting"));
    let name = subscriber.name();
    let task = tokio::spawn(run(db, subscriber, config, shutdown, phase.clone()));
    RunnerHandle { name, task, phase }
}

fn set_phase(phase: &Mutex<&'static str>, value: &'static str) {
    if let Ok(mut p) = phase.lock() {
        *p = value;
    }
}

async fn run(
    db: Db,
    subscriber: Subscriber,
    config: RunnerConfig,
    mut shutdown: watch::Receiver<bool>,
    phase: Arc<Mutex<&'static str>>,
) {
    let name = subscriber.name();
    let lease = Lease::new(db.clone(), name, &config.holder, config.lease_ttl);
    let mut wake = db.notifier().subscribe();
    let mut held = false;
    let mut renewed_at: Option<Instant> = None;
    let mut failures: u32 = 0;
    let mut idle_wait = Duration::from_millis(10);
    let mut prepared = false;

    while !*shutdown.borrow() {
        if renewed_at.is_none_or(|t| t.elapsed() >= config.lease_ttl / 3) {
            held = match lease.acquire_or_renew().await {
                Ok(held) => held,
                Err(e) => {
                    tracing::warn!(subscriber = name, error = %format!("{e:#}"), "lease renewal failed");
                    false
                }
            };
            renewed_at = Some(Instant::now());
        }
        if !held {
            set_phase(&phase, "standby");
            wait(&mut shutdown, None, config.lease_ttl / 3).await;
            renewed_at = None;
            continue;
        }
        if !prepared {
            match prepare(&db, &subscriber, config.batch_size, &phase).await {
                Ok(()) => {
                    prepared = true;
                    // A rebuild can outlast the lease: make sure it is still ours first.
                    renewed_at = None;
                    continue;
                }
                Err(e) => {
                    failures += 1;
                    report_failure(&db, name, &e, failures).await;
                    wait(&mut shutdown, None, backoff(failures, config.max_backoff)).await;
                    continue;
                }
            }
        }
        // After a failure, go one event at a time so the checkpoint reaches the event at fault.
        let batch = if failures > 0 { 1 } else { config.batch_size };
        let outcome = match &subscriber {
            Subscriber::Projection(p) => projection_batch(&db, p.as_ref(), batch).await,
            Subscriber::Reactor(r) => reactor_batch(&db, r, &config.holder, batch).await,
        };
        match outcome {
            Ok(0) => {
                set_phase(&phase, "running");
                failures = 0;
                if wait(&mut shutdown, Some(&mut wake), idle_wait).await {
                    idle_wait = Duration::from_millis(10);
                } else {
                    idle_wait = (idle_wait * 2).min(config.poll_interval);
                }
            }
            Ok(_) => {
                set_phase(&phase, "running");
                failures = 0;
                idle_wait = Duration::from_millis(10);
            }
            Err(e) => {
                failures += 1;
                set_phase(&phase, "retrying");
                // A lost lease shows in the failure; renew (or stand by) before the next batch.
                renewed_at = None;
                report_failure(&db, name, &e, failures).await;
                wait(&mut shutdown, None, backoff(failures, config.max_backoff)).await;
            }
        }
    }
    set_phase(&phase, "stopped");
    if held {
        if let Err(e) = lease.release().await {
            tracing::debug!(subscriber = name, error = %e, "lease release failed");
        }
    }
}

/// Before following the log: the checkpoint row, the read model's tables, and a read model of
/// an older version rebuilt (the events handled so far were applied by the old code, to the old
/// layout; the new code must not carry on from them).
async fn prepare(
    db: &Db,
    subscriber: &Subscriber,
    batch_size: i64,
    phase: &Mutex<&'static str>,
) -> anyhow::Result<()> {
    ensure_row(db, subscriber.name()).await?;
    if let Subscriber::Projection(p) = subscriber {
        super::ensure_created(db, p.as_ref()).await?;
        super::rebuild::upgrade(db, p.as_ref(), batch_size.max(1), || {
            set_phase(phase, "rebuilding")
        })
        .await?;
    }
    Ok(())
}

async fn report_failure(db: &Db, name: &str, error: &anyhow::Error, failures: u32) {
    let text = format!("{error:#}");
    tracing::error!(subscriber = name, failures, error = %text, "subscriber failed; retrying");
    if let Err(e) = record_failure(db, name, &text).await {
        tracing::warn!(subscriber = name, error = %e, "could not record the failure");
    }
}

/// Exponential backoff from 100 ms, capped.
fn backoff(failures: u32, cap: Duration) -> Duration {
    let exp = Duration::from_millis(100).saturating_mul(1u32 << failures.min(16));
    exp.min(cap)
}

/// Waits for shutdown, a wake-up (when given) or the timeout. True when woken by a commit.
async fn wait(
    shutdown: &mut watch::Receiver<bool>,
    wake: Option<&mut watch::Receiver<u64>>,
    timeout: Duration,
) -> bool {
    let woken = async {
        match wake {
            Some(wake) => wake.changed().await.is_ok(),
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = shutdown.changed() => false,
        woke = woken => woke,
        _ = tokio::time::sleep(timeout) => false,
    }
}

/// One batch of a read model: rows and checkpoint in one transaction.
pub(super) async fn projection_batch(
    db: &Db,
    projection: &dyn Projection,
    limit: i64,
) -> anyhow::Result<usize> {
    let name = projection.name();
    let checkpoint = load_checkpoint(db, name).await?;
    let events = event_log::read_after(db, checkpoint, limit).await?;
    let Some(last) = events.last().map(|e| e.checkpoint) else {
        return Ok(0);
    };
    let tables = Tables::live(&projection.tables());
    let mut write = db.begin_write().await?;
    if lock_checkpoint(db, &mut write.tx, name).await? != checkpoint {
        // A rebuild swapped tables or another process moved on meanwhile: read again.
        return Ok(1);
    }
    for event in &events {
        projection
            .apply(&mut write.tx, &tables, event)
            .await
            .with_context(|| {
                format!(
                    "{name}: applying {} of {} {} at {}",
                    event.event_type, event.aggregate_type, event.aggregate_id, event.checkpoint
                )
            })?;
    }
    let handled = i64::try_from(events.len())?;
    save_checkpoint(&mut write.tx, name, last, handled).await?;
    write
        .tx
        .commit()
        .await
        .context("committing a read-model batch")?;
    metrics::counter!("ordercore_subscriber_events_total", "subscriber" => name)
        .increment(events.len() as u64);
    Ok(events.len())
}

/// One batch of a reactor: each event handled, then the checkpoint moved past it; or, for a
/// concurrent reactor, the aggregates' event sequences handled side by side and the checkpoint
/// moved past the batch once all succeeded. The checkpoint moves only while `holder` holds the
/// lease (side effects are at least once anyway; the checkpoint must not go to two owners).
async fn reactor_batch(
    db: &Db,
    reactor: &Arc<dyn Reactor>,
    holder: &str,
    limit: i64,
) -> anyhow::Result<usize> {
    let name = reactor.name();
    let checkpoint = load_checkpoint(db, name).await?;
    let events = event_log::read_after(db, checkpoint, limit).await?;
    let Some(last) = events.last().map(|e| e.checkpoint) else {
        return Ok(0);
    };
    let handled = events.len();
    if reactor.concurrency() > 1 && handled > 1 {
        let mut groups: Vec<Vec<event_log::RecordedEvent>> = Vec::new();
        let mut index: HashMap<(String, String), usize> = HashMap::new();
        for event in events {
            let key = (event.aggregate_type.clone(), event.aggregate_id.clone());
            let slot = *index.entry(key).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[slot].push(event);
        }
        let tasks = groups.into_iter().map(|group| {
            let reactor = reactor.clone();
            async move {
                for event in &group {
                    reactor
                        .handle(event)
                        .await
                        .with_context(|| describe(reactor.name(), event))?;
                }
                anyhow::Ok(())
            }
        });
        let results: Vec<anyhow::Result<()>> = futures::stream::iter(tasks)
            .buffer_unordered(reactor.concurrency())
            .collect()
            .await;
        results.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
        let mut conn = db.pool().acquire().await?;
        save_checkpoint_fenced(&mut conn, name, holder, last, i64::try_from(handled)?).await?;
    } else {
        for event in &events {
            reactor
                .handle(event)
                .await
                .with_context(|| describe(name, event))?;
            let mut conn = db.pool().acquire().await?;
            save_checkpoint_fenced(&mut conn, name, holder, event.checkpoint, 1).await?;
        }
    }
    metrics::counter!("ordercore_subscriber_events_total", "subscriber" => name)
        .increment(handled as u64);
    Ok(handled)
}

fn describe(name: &str, event: &event_log::RecordedEvent) -> String {
    format!(
        "{name}: handling {} of {} {} at {}",
        event.event_type, event.aggregate_type, event.aggregate_id, event.checkpoint
    )
}
