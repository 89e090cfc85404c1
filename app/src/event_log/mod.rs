//! The global event log: every event of every aggregate in one commit-ordered sequence that
//! subscribers follow from a checkpoint without ever missing an event.
//!
//! Per-aggregate streams are cqrs-es's business (`repository`); this module adds what cqrs-es
//! lacks: a global position, a gap-safe reader for each store, and wake-ups on commit.

mod notifier;
mod postgres;
mod repository;
mod sqlite;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use notifier::LogNotifier;
pub use repository::StoreRepository;
pub use sqlite::SqliteEventRepository;

use crate::db::{Backend, Db};

/// A place in the global log. Events are ordered by `(tx_id, position)`; on SQLite `tx_id` is
/// always 0 because the position alone is the commit order there.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Checkpoint {
    /// The id of the transaction that wrote the event (Postgres `xid8`).
    pub tx_id: i64,
    /// The event's global position (identity column).
    pub position: i64,
}

impl Checkpoint {
    /// Before the first event.
    pub const START: Self = Self {
        tx_id: 0,
        position: 0,
    };
}

impl std::fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.tx_id, self.position)
    }
}

/// One event as the global log returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Where the event stands in the global log.
    pub checkpoint: Checkpoint,
    /// The aggregate type (`Order`, `StockItem`, ...).
    pub aggregate_type: String,
    /// The aggregate instance.
    pub aggregate_id: String,
    /// The event's number within its aggregate, from 1.
    pub sequence: i64,
    /// The event's type (variant name).
    pub event_type: String,
    /// The version of the event's payload shape.
    pub event_version: String,
    /// The event itself, as cqrs-es serialised it (upcast to the current version).
    pub payload: Value,
    /// Actor, correlation and the other metadata of the command that produced it.
    pub metadata: Value,
    /// When the store recorded it.
    pub recorded_at: DateTime<Utc>,
}

impl RecordedEvent {
    /// A metadata entry, or "" when absent.
    pub fn meta(&self, key: &str) -> &str {
        self.metadata.get(key).and_then(Value::as_str).unwrap_or("")
    }

    /// The payload of an externally tagged event enum (`{"Variant": {...}}`): the inner object.
    pub fn body(&self) -> &Value {
        self.payload.get(&self.event_type).unwrap_or(&self.payload)
    }

    /// The payload's inner object deserialised into `T`.
    pub fn body_as<T: serde::de::DeserializeOwned>(&self) -> anyhow::Result<T> {
        serde_json::from_value(self.body().clone()).map_err(|e| {
            anyhow::anyhow!(
                "event {} of {} {} at {} does not decode: {e}",
                self.event_type,
                self.aggregate_type,
                self.aggregate_id,
                self.checkpoint
            )
        })
    }
}

/// Reads the global log after a checkpoint, at most `limit` events, in order. On Postgres only
/// events of transactions that can no longer be overtaken are returned (the xmin guard), so a
/// reader that advances its checkpoint to the last event returned never skips one.
pub async fn read_after(
    db: &Db,
    after: Checkpoint,
    limit: i64,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let events = match db.backend() {
        Backend::Postgres => postgres::read_after(db, after, limit).await?,
        Backend::Sqlite => sqlite::read_after(db, after, limit).await?,
    };
    Ok(crate::upcasting::upcast_all(events))
}

/// How many events stand after a checkpoint, and when the oldest of them was recorded.
pub async fn backlog(db: &Db, after: Checkpoint) -> anyhow::Result<(i64, Option<DateTime<Utc>>)> {
    match db.backend() {
        Backend::Postgres => postgres::backlog(db, after).await,
        Backend::Sqlite => sqlite::backlog(db, after).await,
    }
}

/// The checkpoint of the newest event that a reader can see now (START for an empty log).
pub async fn head(db: &Db) -> anyhow::Result<Checkpoint> {
    match db.backend() {
        Backend::Postgres => postgres::head(db).await,
        Backend::Sqlite => sqlite::head(db).await,
    }
}
