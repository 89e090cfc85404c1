//! Runs commands against aggregates: load, handle, commit, through cqrs-es's
//! `PersistedEventStore` on our `StoreRepository`.
//!
//! We do not use `CqrsFramework::execute` because it returns neither the committed events nor
//! the new state, and because with a snapshot store it hands commit an aggregate that already
//! had the new events applied by the `EventSink`, so the snapshot would apply them twice. Here
//! the snapshot is computed from the state before the command.

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
    store: PersistedEventStore<StoreRepository, A>,
    services: A::Services,
    snapshots: bool,
}

impl<A> AggregateStore<A>
where
    A: Aggregate + Clone,
{
    /// An aggregate store on `db`.
    pub fn new(db: &Db, loading: Loading, services: A::Services) -> Self {
        let repo = StoreRepository::new(db);
        let store = match loading {
            Loading::Events => PersistedEventStore::new_event_store(repo),
            Loading::Snapshots(n) => PersistedEventStore::new_snapshot_store(repo, n.max(1)),
        }
        .with_upcasters(crate::upcasting::upcasters());
        Self {
            store,
            services,
            snapshots: matches!(loading, Loading::Snapshots(_)),
        }
    }

    /// An aggregate store with extra upcasters (tests of old event versions).
    pub fn with_upcasters(
        db: &Db,
        loading: Loading,
        services: A::Services,
        upcasters: Vec<Box<dyn cqrs_es::persist::EventUpcaster>>,
    ) -> Self {
        let mut this = Self::new(db, loading, services);
        this.store = this.store.with_upcasters(upcasters);
        this
    }

    /// The aggregate's current state and version (0 and the default state when it has no events).
    pub async fn load(&self, id: &str) -> Result<(A, usize), AggregateError<A::Error>> {
        let context = self.store.load_aggregate(id).await?;
        Ok((context.aggregate, context.current_sequence))
    }

    /// The aggregate's events, upcast.
    pub async fn events(
        &self,
        id: &str,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        self.store.load_events(id).await
    }

    /// Handles one command and commits its events atomically. A concurrent change of the same
    /// aggregate makes the commit fail with `AggregateConflict` and nothing is written.
    pub async fn execute(
        &self,
        id: &str,
        command: A::Command,
        metadata: &CommandMetadata,
    ) -> Result<Committed<A>, AggregateError<A::Error>> {
        let mut context = self.store.load_aggregate(id).await?;
        let before = self.snapshots.then(|| context.aggregate.clone());
        let sink = EventSink::default();
        context
            .aggregate
            .handle(command, &self.services, &sink)
            .await
            .map_err(AggregateError::UserError)?;
        let events = sink.collect().await;
        let version = context.current_sequence + events.len();
        if events.is_empty() {
            return Ok(Committed {
                events: Vec::new(),
                version,
                state: context.aggregate,
            });
        }
        let state = match before {
            Some(before) => std::mem::replace(&mut context.aggregate, before),
            None => std::mem::take(&mut context.aggregate),
        };
        let events = self
            .store
            .commit(events, context, metadata.to_map())
            .await?;
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
                    let jitter = rand::random_range(0..=(2u64 << attempt.min(6)));
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                }
                other => return other,
            }
        }
    }
}
