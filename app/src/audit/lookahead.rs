//! The log side of a chain walk: events read in log order ahead of the chain, found again by
//! position. Normally a seal's event is the next one read; after an import the chain's order
//! and the log's may differ locally, and the window absorbs that.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use sqlx::Row;

use crate::db::Db;
use crate::event_log::{self, Checkpoint, RecordedEvent};

/// Events read ahead of the chain before a sealed event counts as out of reach.
pub(super) const MAX_READ_AHEAD: usize = 20_000;

/// Where a sealed event was found.
pub(super) enum Lookup {
    /// Read ahead, at this log index.
    Found(u64, Box<RecordedEvent>),
    /// No event has that position any more.
    Missing,
    /// It exists, but not within reach in log order.
    OutOfReach,
}

/// Events read from the log and not yet claimed by a seal.
pub(super) struct LookAhead<'a> {
    db: &'a Db,
    batch: i64,
    after: Checkpoint,
    exhausted: bool,
    next_index: u64,
    /// By position, with the log index.
    pending: HashMap<i64, (u64, RecordedEvent)>,
    /// Log index → position of the same events.
    order: BTreeMap<u64, i64>,
}

impl<'a> LookAhead<'a> {
    pub(super) fn new(db: &'a Db, batch: i64) -> Self {
        Self {
            db,
            batch,
            after: Checkpoint::START,
            exhausted: false,
            next_index: 0,
            pending: HashMap::new(),
            order: BTreeMap::new(),
        }
    }

    /// Claims the event at `position`, reading on as needed.
    pub(super) async fn take(&mut self, position: i64) -> anyhow::Result<Lookup> {
        let mut checked_exists = false;
        loop {
            if let Some((index, event)) = self.pending.remove(&position) {
                self.order.remove(&index);
                return Ok(Lookup::Found(index, Box::new(event)));
            }
            if !checked_exists {
                // One keyed look-up tells a deleted event from one further ahead in the log.
                if !event_exists(self.db, position).await? {
                    return Ok(Lookup::Missing);
                }
                checked_exists = true;
            }
            if self.pending.len() >= MAX_READ_AHEAD || self.read().await?.is_none() {
                return Ok(Lookup::OutOfReach);
            }
        }
    }

    /// Reads the next batch of the log. Returns the position of the first event read, or
    /// `None` at the end of the log.
    pub(super) async fn read(&mut self) -> anyhow::Result<Option<i64>> {
        if self.exhausted {
            return Ok(None);
        }
        let events = event_log::read_after(self.db, self.after, self.batch).await?;
        if events.len() < usize::try_from(self.batch).unwrap_or(usize::MAX) {
            self.exhausted = true;
        }
        let first = events.first().map(|e| e.checkpoint.position);
        for event in events {
            self.after = event.checkpoint;
            let index = self.next_index;
            self.next_index += 1;
            self.order.insert(index, event.checkpoint.position);
            self.pending
                .insert(event.checkpoint.position, (index, event));
        }
        Ok(first)
    }

    /// The earliest unclaimed event read so far: (log index, position).
    pub(super) fn first(&self) -> Option<(u64, i64)> {
        self.order.iter().next().map(|(i, p)| (*i, *p))
    }

    /// Positions of the unclaimed events with a log index in `from..to`.
    pub(super) fn unclaimed_between(&self, from: u64, to: u64) -> Vec<i64> {
        if from >= to {
            return Vec::new();
        }
        self.order.range(from..to).map(|(_, p)| *p).collect()
    }

    /// Claims the earliest unclaimed event, reading on when none is left.
    pub(super) async fn pop_first(&mut self) -> anyhow::Result<Option<RecordedEvent>> {
        if self.order.is_empty() && self.read().await?.is_none() {
            return Ok(None);
        }
        let Some((index, position)) = self.order.pop_first() else {
            return Ok(None);
        };
        let (_, event) = self
            .pending
            .remove(&position)
            .with_context(|| format!("event {position} (log index {index}) lost in the walk"))?;
        Ok(Some(event))
    }
}

async fn event_exists(db: &Db, position: i64) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query("SELECT count(*) AS n FROM events WHERE position = $1")
        .bind(position)
        .fetch_one(db.pool())
        .await
        .context("looking up a sealed event")?
        .try_get("n")?;
    Ok(n > 0)
}
