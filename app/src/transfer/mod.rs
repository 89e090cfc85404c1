//! Moving a whole log between stores: `export` writes it as JSON Lines with its seals, `import`
//! loads such a file into an empty store, checking the seal chain as it goes.
//!
//! The file is a header line `{"format":"ordercore-events","version":1,"events":N,
//! "exported_at":...}` and then one [`EventLine`] per event: the sealed events in chain order,
//! then the events not yet sealed in log order. Positions, metadata and `recorded_at` travel
//! unchanged, so read models rebuilt on the target (they store positions and times) equal the
//! source's; the Postgres transaction id does not travel (it means nothing in another store).

mod export;
mod import;
mod rows;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::Seal;
use crate::event_log::{Checkpoint, RecordedEvent};

pub use export::{export, ExportSummary};
pub use import::{import, import_with, ImportSummary};

/// The `format` of the header line.
pub const FORMAT: &str = "ordercore-events";
/// The `version` of the file layout this binary writes and reads.
pub const VERSION: u32 = 1;

/// The first line of an export.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for now.
    pub version: u32,
    /// How many event lines follow.
    pub events: u64,
    /// When the export was written (RFC 3339 UTC).
    pub exported_at: String,
}

/// One event of an export, with its seal when it had one.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventLine {
    /// Global position in the source (kept by the import).
    pub position: i64,
    /// Aggregate type.
    pub aggregate_type: String,
    /// Aggregate instance.
    pub aggregate_id: String,
    /// Number within the aggregate, from 1.
    pub sequence: i64,
    /// Event type.
    pub event_type: String,
    /// Version of the payload's shape.
    pub event_version: String,
    /// The event as stored.
    pub payload: Value,
    /// Actor, correlation and the other metadata.
    pub metadata: Value,
    /// When the source store recorded it, RFC 3339 UTC with microseconds.
    pub recorded_at: String,
    /// Its seal's number, when sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_no: Option<i64>,
    /// Its seal's hash, when sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_hash: Option<String>,
    /// The previous seal's hash, when sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_hash: Option<String>,
    /// When the seal was written, when sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_at: Option<String>,
}

impl EventLine {
    /// The line for an event and its seal.
    pub fn new(event: &RecordedEvent, seal: Option<&Seal>) -> Self {
        Self {
            position: event.checkpoint.position,
            aggregate_type: event.aggregate_type.clone(),
            aggregate_id: event.aggregate_id.clone(),
            sequence: event.sequence,
            event_type: event.event_type.clone(),
            event_version: event.event_version.clone(),
            payload: event.payload.clone(),
            metadata: event.metadata.clone(),
            recorded_at: event
                .recorded_at
                .to_rfc3339_opts(SecondsFormat::Micros, true),
            seal_no: seal.map(|s| s.seal_no),
            seal_hash: seal.map(|s| s.hash.clone()),
            previous_hash: seal.map(|s| s.previous_hash.clone()),
            sealed_at: seal.map(|s| s.sealed_at.clone()),
        }
    }

    /// The event as the global log would return it (without a transaction id).
    pub fn to_event(&self) -> anyhow::Result<RecordedEvent> {
        let recorded_at = DateTime::parse_from_rfc3339(&self.recorded_at)
            .with_context(|| format!("recorded_at {:?} is not RFC 3339", self.recorded_at))?
            .with_timezone(&Utc);
        if recorded_at.timestamp_subsec_nanos() % 1_000 != 0 {
            anyhow::bail!(
                "recorded_at {:?} is finer than microseconds, which no store keeps",
                self.recorded_at
            );
        }
        Ok(RecordedEvent {
            checkpoint: Checkpoint {
                tx_id: 0,
                position: self.position,
            },
            aggregate_type: self.aggregate_type.clone(),
            aggregate_id: self.aggregate_id.clone(),
            sequence: self.sequence,
            event_type: self.event_type.clone(),
            event_version: self.event_version.clone(),
            payload: self.payload.clone(),
            metadata: self.metadata.clone(),
            recorded_at,
        })
    }
}
