//! The access log: one row per HTTP request (who, what, when, outcome) in the append-only
//! `access_log` table, which database triggers keep from being changed or emptied.
//!
//! Requests do not wait for the database: they hand their entry to a bounded channel and a
//! background writer inserts entries in batches. A full channel makes requests wait for room
//! (backpressure) instead of losing entries; only a writer that stays stuck past
//! [`WriterConfig::max_wait`] (the store is down) makes a request give its entry up, which is
//! logged and counted in `ordercore_access_log_dropped_total`. When every handle is dropped
//! (the server stopped serving), the writer writes what is left and ends.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::Row;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::audit::query::{Bind, Conditions};
use crate::db::{Backend, Db};
use crate::event_log::Checkpoint;

/// One request as logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessEntry {
    /// When the request arrived.
    pub at: DateTime<Utc>,
    /// The API key that authenticated it, if one did.
    pub key_id: Option<String>,
    /// The acting user the e-shop named (`X-Acting-User`).
    pub acting_user: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The matched route template (`/v1/orders/{id}`), when a route matched.
    pub route: Option<String>,
    /// The concrete path.
    pub path: String,
    /// The query string, with secret parameters masked.
    pub query: Option<String>,
    /// The status answered.
    pub status: i64,
    /// How long the answer took, in milliseconds.
    pub duration_ms: i64,
    /// The request id (`x-request-id`).
    pub request_id: Option<String>,
}

/// A logged request read back, with its place in the log (the cursor of the next page).
#[derive(Clone, Debug)]
pub struct AccessRecord {
    /// Where it stands in the log: `(tx_id, id)`, like the event log's checkpoints.
    pub cursor: Checkpoint,
    /// The entry.
    pub entry: AccessEntry,
}

/// Tuning of the background writer.
#[derive(Clone, Debug)]
pub struct WriterConfig {
    /// Entries the channel holds before requests wait.
    pub capacity: usize,
    /// Most entries per batch.
    pub batch_size: usize,
    /// Longest time an entry waits for its batch.
    pub interval: Duration,
    /// Longest time a request waits for room in a full channel.
    pub max_wait: Duration,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            capacity: 8192,
            batch_size: 500,
            interval: Duration::from_millis(50),
            max_wait: Duration::from_secs(30),
        }
    }
}

/// A handle for recording entries; cheap to clone.
#[derive(Clone)]
pub struct AccessLog {
    sender: mpsc::Sender<AccessEntry>,
    max_wait: Duration,
}

impl AccessLog {
    /// Starts the writer on `db`. The task ends once every handle is dropped and the last
    /// entries are written: await it when shutting down.
    pub fn spawn(db: Db, config: WriterConfig) -> (Self, JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(config.capacity.max(1));
        let max_wait = config.max_wait;
        let task = tokio::spawn(run(db, receiver, config));
        (Self { sender, max_wait }, task)
    }

    /// Hands an entry to the writer, waiting while the channel is full.
    pub async fn record(&self, entry: AccessEntry) {
        if let Err(e) = self.sender.send_timeout(entry, self.max_wait).await {
            metrics::counter!("ordercore_access_log_dropped_total").increment(1);
            tracing::error!(error = %e, "access log entry lost: the writer is stuck or gone");
        }
    }
}

async fn run(db: Db, mut receiver: mpsc::Receiver<AccessEntry>, config: WriterConfig) {
    let mut batch = Vec::with_capacity(config.batch_size);
    while let Some(first) = receiver.recv().await {
        batch.push(first);
        let deadline = tokio::time::Instant::now() + config.interval;
        let mut open = true;
        while open && batch.len() < config.batch_size {
            match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(entry)) => batch.push(entry),
                Ok(None) => open = false,
                Err(_) => break,
            }
        }
        write(&db, &mut batch, open).await;
    }
}

/// Writes a batch, retrying with backoff. While the server runs it retries until the store
/// takes it (requests wait meanwhile); once closing it gives up after a few attempts.
async fn write(db: &Db, batch: &mut Vec<AccessEntry>, running: bool) {
    let mut delay = Duration::from_millis(50);
    for attempt in 1.. {
        match insert(db, batch).await {
            Ok(()) => {
                batch.clear();
                return;
            }
            Err(e) if running || attempt < 5 => {
                tracing::warn!(error = %format!("{e:#}"), attempt, "writing the access log failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(e) => {
                metrics::counter!("ordercore_access_log_dropped_total")
                    .increment(batch.len() as u64);
                tracing::error!(error = %format!("{e:#}"), entries = batch.len(), "access log entries lost at shutdown");
                batch.clear();
                return;
            }
        }
    }
}

const COLUMNS: &str =
    "at, key_id, acting_user, method, route, path, query, status, duration_ms, request_id";

async fn insert(db: &Db, batch: &[AccessEntry]) -> anyhow::Result<()> {
    let mut write = db.begin_write().await?;
    for chunk in batch.chunks(100) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let n: Vec<String> = (1..=10).map(|c| format!("${}", i * 10 + c)).collect();
                format!("({})", n.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO access_log ({COLUMNS}) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for e in chunk {
            query = query
                .bind(e.at.to_rfc3339_opts(SecondsFormat::Micros, true))
                .bind(e.key_id.clone())
                .bind(e.acting_user.clone())
                .bind(e.method.clone())
                .bind(e.route.clone())
                .bind(e.path.clone())
                .bind(e.query.clone())
                .bind(e.status)
                .bind(e.duration_ms)
                .bind(e.request_id.clone());
        }
        query
            .execute(&mut *write.tx)
            .await
            .context("inserting access log entries")?;
    }
    write
        .tx
        .commit()
        .await
        .context("committing access log entries")?;
    Ok(())
}

/// What an auditor is looking for in the access log; every filter that is set must match.
#[derive(Clone, Debug, Default)]
pub struct AccessFilter {
    /// Requests authenticated by this key.
    pub key_id: Option<String>,
    /// Requests naming this acting user.
    pub acting_user: Option<String>,
    /// Requests whose path starts with this.
    pub path_prefix: Option<String>,
    /// Requests answered with this status.
    pub status: Option<i64>,
    /// Requests that arrived at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Requests that arrived before this time.
    pub to: Option<DateTime<Utc>>,
}

/// Logged requests matching `filter` after the cursor `after`, at most `limit`, in log order.
/// On Postgres only rows of transactions below the snapshot's xmin are read, so paging on with
/// the last row's cursor never skips a row committed later.
pub async fn list(
    db: &Db,
    filter: &AccessFilter,
    after: Checkpoint,
    limit: i64,
) -> anyhow::Result<Vec<AccessRecord>> {
    let mut c = Conditions::default();
    let text = |v: &String| vec![Bind::Text(v.clone())];
    let time = |t: &DateTime<Utc>| vec![Bind::Text(t.to_rfc3339_opts(SecondsFormat::Micros, true))];
    if let Some(v) = &filter.key_id {
        c.push("key_id = {}", text(v));
    }
    if let Some(v) = &filter.acting_user {
        c.push("acting_user = {}", text(v));
    }
    if let Some(v) = &filter.path_prefix {
        // substr rather than LIKE: a prefix with % or _ means itself.
        let chars = i64::try_from(v.chars().count())
            .unwrap_or(i64::MAX)
            .min(i64::from(i32::MAX));
        c.push(
            "substr(path, 1, CAST({} AS integer)) = {}",
            vec![Bind::Int(chars), Bind::Text(v.clone())],
        );
    }
    if let Some(v) = filter.status {
        c.push("status = {}", vec![Bind::Int(v)]);
    }
    if let Some(v) = &filter.from {
        c.push("at >= {}", time(v));
    }
    if let Some(v) = &filter.to {
        c.push("at < {}", time(v));
    }
    let order = match db.backend() {
        Backend::Postgres => {
            c.push(
                "tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
                Vec::new(),
            );
            c.push(
                "(tx_id, id) > ({}, {})",
                vec![Bind::Int(after.tx_id), Bind::Int(after.position)],
            );
            "tx_id, id"
        }
        Backend::Sqlite => {
            c.push("id > {}", vec![Bind::Int(after.position)]);
            "id"
        }
    };
    let sql = format!(
        "SELECT tx_id, id, {COLUMNS} FROM access_log {} ORDER BY {order} LIMIT {}",
        c.where_clause(),
        c.next_placeholder()
    );
    let rows = c
        .bind(sqlx::query(&sql))
        .bind(limit)
        .fetch_all(db.pool())
        .await
        .context("querying the access log")?;
    rows.iter()
        .map(|row| {
            let at: String = row.try_get("at")?;
            Ok(AccessRecord {
                cursor: Checkpoint {
                    tx_id: row.try_get("tx_id")?,
                    position: row.try_get("id")?,
                },
                entry: AccessEntry {
                    at: DateTime::parse_from_rfc3339(&at)
                        .with_context(|| format!("bad access log time {at:?}"))?
                        .with_timezone(&Utc),
                    key_id: row.try_get("key_id")?,
                    acting_user: row.try_get("acting_user")?,
                    method: row.try_get("method")?,
                    route: row.try_get("route")?,
                    path: row.try_get("path")?,
                    query: row.try_get("query")?,
                    status: row.try_get("status")?,
                    duration_ms: row.try_get("duration_ms")?,
                    request_id: row.try_get("request_id")?,
                },
            })
        })
        .collect()
}
