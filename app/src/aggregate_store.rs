//! Runs commands against aggregates: load, handle, commit, through cqrs-es's
//! `PersistedEventStore` on our `StoreRepository`.
//!
//! We do not use `CqrsFramework::execute` because it returns neither the committed events nor
//! the new state, and because cqrs-es 0.5's snapshot store loses events: it hands commit an
//! aggregate that the `EventSink` already applied the new events to (the snapshot applies them
//! twice), and when a commit crosses a snapshot boundary it folds only some of the new events
//! into the snapshot while the repository records the last event's sequence as the snapshot's,
//! so a later load skips the rest (our conformance suite reproduces both). Here a commit either
//! writes no snapshot or a snapshot of the state after all of its events, computed from the state
//! before the command.

use std::time::Duration;

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, AggregateError, EventEnvelope, EventStore};

use crate::db::Db;
use crate::event_log::StoreRepository;
use crate::metadata::CommandMetadata;

/// How an aggregate's state is loaded.
#[derive(Clone, Copy, Debug)]
pub enum Loading {
    /// Replay every event (small aggregates).
    Events,
    /// Start from a snapshot taken every `n` events.
    Snapshots(usize),
}

/// The outcome of a command that was accepted.
pub struct Committed<A: Aggregate> {
    /// The events written (empty when the command changed nothing).
    pub events: Vec<EventEnvelope<A>>,
    /// The aggregate's version (its last sequence) after the command.
    pub version: usize,
    /// The aggregate's state after the command.
    pub state: A,
}

/// Loads and changes aggregates of one type.
pub struct AggregateStore<A: Aggregate> {
    /// Loads: from the snapshot and the events after it, or from the events alone.
    loader: PersistedEventStore<StoreRepository, A>,
    /// Commits without a snapshot.
    plain: PersistedEventStore<StoreRepository, A>,
    /// Commits with a snapshot of the state after every new event, when snapshots are on.
    snapshotting: Option<(PersistedEventStore<StoreRepository, A>, usize)>,
    services: A::Services,
}

impl<A> AggregateStore<A>
where
    A: Aggregate + Clone,
{
    /// An aggregate store on `db`.
    pub fn new(db: &Db, loading: Loading, services: A::Services) -> Self {
        Self::with_upcasters(db, loading, services, Vec::new())
    }

    /// An aggregate store with extra upcasters (tests of old event versions).
    pub fn with_upcasters(
        db: &Db,
        loading: Loading,
        services: A::Services,
        upcasters: Vec<Box<dyn cqrs_es::persist::EventUpcaster>>,
    ) -> Self {
        let repo = || StoreRepository::new(db);
        let mut all = crate::upcasting::upcasters();
        all.extend(upcasters);
        let (loader, snapshotting) = match loading {
            Loading::Events => (PersistedEventStore::new_event_store(repo()), None),
            Loading::Snapshots(every) => (
                PersistedEventStore::new_snapshot_store(repo(), every.max(1)),
                Some((
                    PersistedEventStore::new_aggregate_store(repo()),
                    every.max(1),
                )),
            ),
        };
        Self {
            loader: loader.with_upcasters(all),
            plain: PersistedEventStore::new_event_store(repo()),
            snapshotting,
            services,
        }
    }

    /// The aggregate's current state and version (0 and the default state when it has no events).
    pub async fn load(&self, id: &str) -> Result<(A, usize), AggregateError<A::Error>> {
        let context = self.loader.load_aggregate(id).await?;
        Ok((context.aggregate, context.current_sequence))
    }

    /// The aggregate's events, upcast.
    pub async fn events(
        &self,
        id: &str,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        self.loader.load_events(id).await
    }

    /// Handles one command and commits its events atomically. A concurrent change of the same
    /// aggregate makes the commit fail with `AggregateConflict` and nothing is written.
    pub async fn execute(
        &self,
        id: &str,
        command: A::Command,
        metadata: &CommandMetadata,
    ) -> Result<Committed<A>, AggregateError<A::Error>> {
        self.execute_expecting(id, command, metadata, None).await
    }

    /// Like [`Self::execute`], only when the aggregate is at `expected_version` (`If-Match`):
    /// otherwise, or when it changes before the commit, `AggregateConflict` and nothing is
    /// written. The version is checked on the very state the command is decided and committed
    /// on, so no change can slip in between the check and the commit.
    pub async fn execute_expecting(
        &self,
        id: &str,
        command: A::Command,
        metadata: &CommandMetadata,
        expected_version: Option<usize>,
    ) -> Result<Committed<A>, AggregateError<A::Error>> {
        let mut context = self.loader.load_aggregate(id).await?;
        let before_version = context.current_sequence;
        if expected_version.is_some_and(|expected| expected != before_version) {
            return Err(AggregateError::AggregateConflict);
        }
        let before = self
            .snapshotting
            .as_ref()
            .map(|_| context.aggregate.clone());
        let sink = EventSink::default();
        context
            .aggregate
            .handle(command, &self.services, &sink)
            .await
            .map_err(AggregateError::UserError)?;
        let events = sink.collect().await;
        let version = before_version + events.len();
        if events.is_empty() {
            return Ok(Committed {
                events: Vec::new(),
                version,
                state: context.aggregate,
            });
        }
        let (store, state) = match (&self.snapshotting, before) {
            (Some((store, every)), Some(before)) if before_version / every != version / every => {
                // The aggregate store folds every new event into the state it is given.
                (store, std::mem::replace(&mut context.aggregate, before))
            }
            _ => (&self.plain, std::mem::take(&mut context.aggregate)),
        };
        let events = store.commit(events, context, metadata.to_map()).await?;
        metrics::counter!("ordercore_events_appended_total", "aggregate" => A::TYPE)
            .increment(events.len() as u64);
        Ok(Committed {
            events,
            version,
            state,
        })
    }

    /// Like [`Self::execute`], retrying on optimistic-lock conflicts (reloading each time), for
    /// commands that are safe to re-decide on fresh state.
    pub async fn execute_with_retry(
        &self,
        id: &str,
        command: impl Fn() -> A::Command,
        metadata: &CommandMetadata,
    ) -> Result<Committed<A>, AggregateError<A::Error>> {
        let mut attempt = 0u32;
        loop {
            match self.execute(id, command(), metadata).await {
                Err(AggregateError::AggregateConflict) if attempt < 20 => {
                    attempt += 1;
                    conflict_pause(attempt).await;
                }
                other => return other,
            }
        }
    }
}

/// The pause before retry `attempt` (1, 2, …) of a command that lost an optimistic-lock race:
/// a random wait of up to 4, 8, … 128 ms, so racing writers spread out instead of colliding again.
pub async fn conflict_pause(attempt: u32) {
    let jitter = rand::random_range(0..=(2u64 << attempt.min(6)));
    tokio::time::sleep(Duration::from_millis(jitter)).await;
}
