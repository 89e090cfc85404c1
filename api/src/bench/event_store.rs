//! Appending single-event commands through cqrs-es and our stores, at 1 and 8 concurrent
//! writers, beside raw SQL doing the same statements (read the stream, insert the event in a
//! transaction); then reading the global log.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use app::aggregate_store::{AggregateStore, Loading};
use app::db::{Backend, Db, PoolSettings};
use app::event_log::{self, Checkpoint};
use app::metadata::{Actor, CommandMetadata};

/// A counter: the smallest aggregate, so the store is what gets measured.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct BenchCounter {
    value: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum BenchEvent {
    Incremented { by: u64 },
}

impl DomainEvent for BenchEvent {
    fn event_type(&self) -> String {
        "Incremented".into()
    }
    fn event_version(&self) -> String {
        "1".into()
    }
}

/// The bench aggregate cannot fail.
#[derive(Debug)]
enum Never {}

impl std::fmt::Display for Never {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {}
    }
}

impl std::error::Error for Never {}

impl Aggregate for BenchCounter {
    const TYPE: &'static str = "BenchCounter";
    type Command = u64;
    type Event = BenchEvent;
    type Error = Never;
    type Services = ();

    async fn handle(&mut self, by: u64, _: &(), sink: &EventSink<Self>) -> Result<(), Never> {
        sink.write(BenchEvent::Incremented { by }, self).await;
        Ok(())
    }

    fn apply(&mut self, event: BenchEvent) {
        let BenchEvent::Incremented { by } = event;
        self.value += by;
    }
}

const STREAMS_PER_WRITER: usize = 50;

pub(super) async fn run(url: &str, events: usize) -> anyhow::Result<()> {
    let db = Db::connect(
        url,
        &PoolSettings {
            max_connections: 16,
            ..Default::default()
        },
    )
    .await?;
    app::schema::migrate(&db).await?;
    println!(
        "{:<34} {:>8} {:>12} {:>10} {:>10}",
        "append (single-event commands)", "writers", "events/s", "p50 ms", "p99 ms"
    );
    for writers in [1usize, 8] {
        let per_writer = (events / writers).max(1);
        let ours = measure(&db, writers, per_writer, "ours", Mode::Cqrs).await?;
        let raw = measure(&db, writers, per_writer, "raw", Mode::RawSql).await?;
        println!(
            "{:<34} {:>8} {:>12} {:>10} {:>10}   ratio ours/raw {:.2}",
            "  ratio",
            writers,
            "",
            "",
            "",
            ours / raw
        );
    }
    // Read the whole log; on Postgres a transaction still running elsewhere (autovacuum's
    // ANALYZE takes one) can hold the reader back for a moment, so wait for every event.
    let (total, _) = event_log::backlog(&db, Checkpoint::START).await?;
    let started = Instant::now();
    let mut checkpoint = Checkpoint::START;
    let mut read = 0usize;
    let mut progress = Instant::now();
    let mut reported = false;
    while (read as i64) < total && started.elapsed().as_secs() < 60 {
        let batch = event_log::read_after(&db, checkpoint, 1000).await?;
        let Some(last) = batch.last() else {
            if !reported && progress.elapsed().as_secs() >= 5 {
                reported = true;
                report_stall(&db, read, total).await?;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            continue;
        };
        checkpoint = last.checkpoint;
        read += batch.len();
        progress = Instant::now();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{:<34} {:>8} {:>12.0}   ({read} events in {secs:.2} s, batches of 1000)",
        "global log read",
        1,
        read as f64 / secs
    );
    db.close().await;
    Ok(())
}

/// The reader has seen nothing new for seconds although events are missing: say what holds the
/// Postgres reader back (the transactions still running in the cluster), so a stall in the
/// figures is explained rather than guessed at.
async fn report_stall(db: &Db, read: usize, total: i64) -> anyhow::Result<()> {
    println!("  reader stalled at {read} of {total} events for 5 s");
    let Some(pg) = db.pg() else {
        return Ok(());
    };
    let row = sqlx::query(
        "SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
                count(*) FILTER (WHERE tx_id >= pg_snapshot_xmin(pg_current_snapshot())) AS held
           FROM events",
    )
    .fetch_one(pg)
    .await?;
    let xmin: String = row.try_get("xmin")?;
    let held: i64 = row.try_get("held")?;
    println!("  snapshot xmin {xmin}; {held} events at or above it");
    let running = sqlx::query(
        "SELECT pid, coalesce(datname, '') AS datname, coalesce(backend_type, '') AS kind,
                coalesce(state, '') AS state, coalesce(backend_xid::text, '') AS xid,
                coalesce(left(query, 60), '') AS query
           FROM pg_stat_activity
          WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
    )
    .fetch_all(pg)
    .await?;
    for r in running {
        let pid: i32 = r.try_get("pid")?;
        let datname: String = r.try_get("datname")?;
        let kind: String = r.try_get("kind")?;
        let state: String = r.try_get("state")?;
        let xid: String = r.try_get("xid")?;
        let query: String = r.try_get("query")?;
        println!("  running: pid {pid} {kind} db {datname} xid {xid} {state}: {query}");
    }
    let prepared: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_prepared_xacts")
        .fetch_one(pg)
        .await?;
    println!("  prepared transactions: {prepared}");
    Ok(())
}

#[derive(Clone, Copy)]
enum Mode {
    Cqrs,
    RawSql,
}

async fn measure(
    db: &Db,
    writers: usize,
    per_writer: usize,
    label: &'static str,
    mode: Mode,
) -> anyhow::Result<f64> {
    let store = Arc::new(AggregateStore::<BenchCounter>::new(db, Loading::Events, ()));
    let run = uuid::Uuid::new_v4().simple().to_string();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        let db = db.clone();
        let run = run.clone();
        tasks.push(tokio::spawn(async move {
            let metadata = CommandMetadata::new(Actor::system("bench"));
            let mut latencies = Vec::with_capacity(per_writer);
            for i in 0..per_writer {
                let id = format!("{label}-{run}-{w}-{}", i % STREAMS_PER_WRITER);
                let t = Instant::now();
                match mode {
                    Mode::Cqrs => {
                        store
                            .execute(&id, 1, &metadata)
                            .await
                            .map_err(|e| anyhow::anyhow!("{e}"))?;
                    }
                    Mode::RawSql => raw_append(&db, &id, &metadata).await?,
                }
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let secs = started.elapsed().as_secs_f64();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let rate = latencies.len() as f64 / secs;
    println!(
        "{:<34} {:>8} {:>12.0} {:>10.2} {:>10.2}",
        format!("  {label}"),
        writers,
        rate,
        super::percentile(&latencies, 50.0),
        super::percentile(&latencies, 99.0)
    );
    Ok(rate)
}

/// What a hand-written store would do for one command: read the stream, insert one event.
async fn raw_append(db: &Db, id: &str, metadata: &CommandMetadata) -> anyhow::Result<()> {
    let payload = serde_json::json!({"Incremented": {"by": 1}});
    let meta = serde_json::to_value(metadata.to_map())?;
    match db.backend() {
        Backend::Postgres => {
            let pool = db.pg().context("a Postgres store has a Postgres pool")?;
            let rows = sqlx::query(
                "SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata \
                 FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence",
            )
            .bind("BenchRaw")
            .bind(id)
            .fetch_all(pool)
            .await?;
            let next = rows
                .last()
                .map(|r| r.get::<i64, _>("sequence"))
                .unwrap_or(0)
                + 1;
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind("BenchRaw")
            .bind(id)
            .bind(next)
            .bind("Incremented")
            .bind("1")
            .bind(&payload)
            .bind(&meta)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Backend::Sqlite => {
            let rows = sqlx::query(
                "SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata \
                 FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence",
            )
            .bind("BenchRaw")
            .bind(id)
            .fetch_all(db.pool())
            .await?;
            let next = rows
                .last()
                .map(|r| r.get::<i64, _>("sequence"))
                .unwrap_or(0)
                + 1;
            let mut write = db.begin_write().await?;
            sqlx::query(
                "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind("BenchRaw")
            .bind(id)
            .bind(next)
            .bind("Incremented")
            .bind("1")
            .bind(payload.to_string())
            .bind(meta.to_string())
            .execute(&mut *write.tx)
            .await?;
            write.tx.commit().await?;
        }
    }
    Ok(())
}

/// The raw-SQL append rate (events/s) with `writers` concurrent writers: the reference other
/// benchmarks compare with in the same run. Prints its row too.
pub(super) async fn raw_rate(db: &Db, writers: usize, events: usize) -> anyhow::Result<f64> {
    measure(db, writers, (events / writers).max(1), "raw", Mode::RawSql).await
}
