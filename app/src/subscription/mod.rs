//! Named subscribers that follow the global log from a durable checkpoint.
//!
//! Two kinds exist. A [`Projection`] (read model) writes its rows and its checkpoint in one
//! transaction, so each event takes effect exactly once. A [`Reactor`] (process manager, ERP
//! dispatcher, sealer) has effects outside that transaction; it moves its checkpoint after each
//! handled event, so an event may be handled again after a crash and reactors are idempotent.
//! A failing handler never skips its event: the runner retries with backoff and records the error.

mod checkpoint;
pub mod checksum;
mod lease;
mod rebuild;
mod runner;
mod status;
mod tables;

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::AnyConnection;

pub use checkpoint::load_checkpoint;
pub use lease::Lease;
pub use rebuild::{ensure_created, live_version, rebuild, RebuildProgress};
pub use runner::{spawn, RunnerConfig, RunnerHandle};
pub use status::{status_of, SubscriberStatus};
pub use tables::{TableDef, Tables};

use crate::event_log::RecordedEvent;

/// A read model: rows derived from the log, written in the same transaction as the checkpoint.
#[async_trait]
pub trait Projection: Send + Sync + 'static {
    /// The subscriber's stable name (also its checkpoint's name).
    fn name(&self) -> &'static str;

    /// The version of the table layout and of the handling. Raising it makes the server rebuild
    /// the read model at its next start: the runner holding the lease rebuilds it beside the live
    /// one (which serves until the swap) before it follows the log. A read model built by a
    /// newer version is refused (the runner reports it and does not follow).
    fn version(&self) -> i64 {
        1
    }

    /// The tables the projection owns, with portable DDL.
    fn tables(&self) -> Vec<TableDef>;

    /// Applies one event inside the batch's transaction. `tables` maps the logical table names
    /// to the physical ones (live or the shadow copies of a rebuild).
    async fn apply(
        &self,
        conn: &mut AnyConnection,
        tables: &Tables,
        event: &RecordedEvent,
    ) -> anyhow::Result<()>;
}

/// A subscriber with effects outside the read-model transaction (commands, HTTP calls).
#[async_trait]
pub trait Reactor: Send + Sync + 'static {
    /// The subscriber's stable name.
    fn name(&self) -> &'static str;

    /// Handles one event. Must be idempotent: after a crash the same event can come again.
    async fn handle(&self, event: &RecordedEvent) -> anyhow::Result<()>;

    /// How many aggregates' events may be handled at once. Events of one aggregate are always
    /// handled in order; with more than 1 the checkpoint moves once the whole batch succeeded
    /// (a failure makes the whole batch come again, which idempotent handlers allow).
    fn concurrency(&self) -> usize {
        1
    }
}

/// Either kind of subscriber, as the runner drives it.
#[derive(Clone)]
pub enum Subscriber {
    /// A read model.
    Projection(Arc<dyn Projection>),
    /// A process manager or other reactor.
    Reactor(Arc<dyn Reactor>),
}

impl Subscriber {
    /// The subscriber's name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Projection(p) => p.name(),
            Self::Reactor(r) => r.name(),
        }
    }

    /// What kind it is, for status output.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Projection(_) => "projection",
            Self::Reactor(_) => "reactor",
        }
    }
}
