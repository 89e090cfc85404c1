//! Walking the seal chain against the log: verification and export share it.
//!
//! Seals are read in chain order, the log in log order (`event_log::read_after`), side by side.
//! The two orders are the same on a store whose log was written in place. After an import they
//! may differ locally: the chain keeps the source's commit order, while the target orders the
//! imported events by position. So the walk looks a sealed event up by position among the events
//! read ahead (a bounded window) instead of demanding it next, and checks an event that a later
//! seal has overtaken against the seal table: with no seal at all it was inserted.

use std::collections::VecDeque;

use anyhow::Context;
use sqlx::Row;

use super::canonical::{seal_hash, GENESIS_HASH};
use super::lookahead::{LookAhead, Lookup, MAX_READ_AHEAD};
use super::seal::{seals_after, Seal};
use super::Mismatch;
use crate::db::Db;
use crate::event_log::RecordedEvent;

/// What the walk found next.
pub(crate) enum Step {
    /// A sealed event whose seal checks out.
    Sealed { seal: Seal, event: RecordedEvent },
    /// An event after the sealed part of the log.
    Unsealed(RecordedEvent),
    /// The first place where events and seals disagree; the walk ends there.
    Broken(Mismatch),
}

/// A walk over the chain and the log from the start.
pub(crate) struct ChainWalk<'a> {
    db: &'a Db,
    batch: i64,
    seals: VecDeque<Seal>,
    seals_read_to: i64,
    seals_exhausted: bool,
    log: LookAhead<'a>,
    /// Every unclaimed event below this log index was overtaken by a later seal and checked.
    overtaken_below: u64,
    previous_hash: String,
    expected_seal: i64,
    finished: bool,
}

impl<'a> ChainWalk<'a> {
    /// A walk reading `batch` seals or events at a time.
    pub(crate) fn new(db: &'a Db, batch: i64) -> Self {
        Self {
            db,
            batch: batch.max(1),
            seals: VecDeque::new(),
            seals_read_to: 0,
            seals_exhausted: false,
            log: LookAhead::new(db, batch.max(1)),
            overtaken_below: 0,
            previous_hash: GENESIS_HASH.to_string(),
            expected_seal: 1,
            finished: false,
        }
    }

    /// The next step, or `None` at the end of the log (or after a `Broken` step).
    pub(crate) async fn next(&mut self) -> anyhow::Result<Option<Step>> {
        if self.finished {
            return Ok(None);
        }
        let step = match self.next_seal().await? {
            Some(seal) => Some(self.check_seal(seal).await?),
            None => self.next_unsealed().await?,
        };
        if matches!(step, Some(Step::Broken(_)) | None) {
            self.finished = true;
        }
        Ok(step)
    }

    async fn next_seal(&mut self) -> anyhow::Result<Option<Seal>> {
        if self.seals.is_empty() && !self.seals_exhausted {
            let batch = seals_after(self.db, self.seals_read_to, self.batch).await?;
            self.seals_exhausted = batch.len() < usize::try_from(self.batch).unwrap_or(usize::MAX);
            if let Some(last) = batch.last() {
                self.seals_read_to = last.seal_no;
            }
            self.seals.extend(batch);
        }
        Ok(self.seals.pop_front())
    }

    async fn check_seal(&mut self, seal: Seal) -> anyhow::Result<Step> {
        let k = self.expected_seal;
        if seal.seal_no != k {
            let position = match self.log.first() {
                Some((_, position)) => position,
                None => self.log.read().await?.unwrap_or(seal.position),
            };
            return Ok(broken(
                k,
                position,
                format!(
                    "seal {k} is missing (the next stored seal is {})",
                    seal.seal_no
                ),
            ));
        }
        if seal.previous_hash != self.previous_hash {
            return Ok(broken(
                k,
                seal.position,
                format!(
                    "seal {k} does not link to seal {}: its previous hash was altered",
                    k - 1
                ),
            ));
        }
        let (index, event) = match self.log.take(seal.position).await? {
            Lookup::Found(index, event) => (index, *event),
            Lookup::Missing => {
                return Ok(broken(
                    k,
                    seal.position,
                    "the sealed event is missing (deleted)".into(),
                ))
            }
            Lookup::OutOfReach => {
                return Ok(broken(
                    k,
                    seal.position,
                    format!(
                        "the sealed event is not where the chain puts it (more than \
                         {MAX_READ_AHEAD} events out of line: reordered)"
                    ),
                ))
            }
        };
        if let Some(inserted) = self.check_overtaken(index, k).await? {
            return Ok(Step::Broken(inserted));
        }
        let computed = seal_hash(&self.previous_hash, &event);
        if computed != seal.hash {
            let next_links = self.next_seal_links_to(&computed).await?;
            let reason = if next_links {
                format!(
                    "seal {k} was altered: the event matches the chain, the stored hash does not"
                )
            } else {
                "the event no longer matches its seal: its payload, metadata or another \
                 field changed (or it was swapped or reordered)"
                    .to_string()
            };
            return Ok(broken(k, seal.position, reason));
        }
        self.previous_hash = seal.hash.clone();
        self.expected_seal += 1;
        Ok(Step::Sealed { seal, event })
    }

    /// True when the seal after the current one names `hash` as its previous hash.
    async fn next_seal_links_to(&mut self, hash: &str) -> anyhow::Result<bool> {
        if self.seals.is_empty() && !self.seals_exhausted {
            let batch = seals_after(self.db, self.seals_read_to, 1).await?;
            if let Some(last) = batch.last() {
                self.seals_read_to = last.seal_no;
            }
            self.seals.extend(batch);
        }
        Ok(self.seals.front().is_some_and(|s| s.previous_hash == hash))
    }

    /// Seal `k` matched the event at log index `index`: every event before it in the log that
    /// is still unmatched must be sealed later in the chain (an import reordered it), or it was
    /// inserted.
    async fn check_overtaken(&mut self, index: u64, k: i64) -> anyhow::Result<Option<Mismatch>> {
        if index < self.overtaken_below {
            return Ok(None);
        }
        let overtaken = self.log.unclaimed_between(self.overtaken_below, index);
        self.overtaken_below = index + 1;
        for position in overtaken {
            match seal_of(self.db, position).await? {
                Some(later) if later > k => {}
                Some(other) => {
                    return Ok(Some(Mismatch {
                        seal_no: k,
                        position,
                        reason: format!(
                            "the event is sealed by seal {other} but stands out of line"
                        ),
                    }))
                }
                None => {
                    return Ok(Some(Mismatch {
                        seal_no: k,
                        position,
                        reason: "an event without a seal stands before sealed events \
                                 (inserted)"
                            .into(),
                    }))
                }
            }
        }
        Ok(None)
    }

    /// After the last seal: the rest of the log, in log order.
    async fn next_unsealed(&mut self) -> anyhow::Result<Option<Step>> {
        if let Some((index, position)) = self.log.first() {
            if index < self.overtaken_below {
                // Overtaken by a seal that named a later seal for it, and that seal never came.
                return Ok(Some(broken(
                    self.expected_seal,
                    position,
                    "the event was overtaken in the chain but its seal is missing".into(),
                )));
            }
        }
        Ok(self.log.pop_first().await?.map(Step::Unsealed))
    }
}

fn broken(seal_no: i64, position: i64, reason: String) -> Step {
    Step::Broken(Mismatch {
        seal_no,
        position,
        reason,
    })
}

async fn seal_of(db: &Db, position: i64) -> anyhow::Result<Option<i64>> {
    let row = sqlx::query("SELECT seal_no FROM audit_seals WHERE position = $1")
        .bind(position)
        .fetch_optional(db.pool())
        .await
        .context("looking up the seal of an event")?;
    row.map(|r| r.try_get("seal_no"))
        .transpose()
        .map_err(Into::into)
}
