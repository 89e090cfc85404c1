//! `import`: an export loaded into an empty store, in one transaction, its chain checked line by
//! line. Positions are inserted explicitly; the sealer's checkpoint ends up on the last event.

use std::collections::HashSet;
use std::io::BufRead;

use anyhow::{bail, Context};
use chrono::{SecondsFormat, Utc};
use sqlx::{AnyConnection, Row};

use super::rows::{insert_batch, move_checkpoints, ROWS_PER_INSERT};
use super::{EventLine, Header, FORMAT, VERSION};
use crate::audit::canonical::{seal_hash, GENESIS_HASH};
use crate::audit::{Seal, SealHead};
use crate::db::Db;
use crate::event_log::RecordedEvent;

/// What an import loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    /// Events written.
    pub events: u64,
    /// Of which the file had sealed (the rest were sealed by the import, continuing the chain).
    pub sealed_in_file: u64,
    /// The head seal after the import.
    pub head: Option<SealHead>,
}

/// Loads an export into `db`, which must hold no event and no seal. The whole file goes in one
/// transaction: a malformed line, a broken seal chain or a count that differs from the header
/// leaves the store as it was. `progress` gets (lines loaded, lines announced).
pub async fn import(
    db: &Db,
    input: &mut (dyn BufRead + Send),
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> anyhow::Result<ImportSummary> {
    import_with(db, input, progress, &[]).await
}

/// Like [`import`], and also moves the checkpoints of the named subscribers to the last imported
/// event, in the same transaction. Reactors belong there: their effects (stock reservations, ERP
/// deliveries) already happened for the imported events, and starting them from position 0
/// would send orders to the ERP again. Read models are not named: they rebuild from the log.
pub async fn import_with(
    db: &Db,
    input: &mut (dyn BufRead + Send),
    progress: &(dyn Fn(u64, u64) + Send + Sync),
    at_head: &[&str],
) -> anyhow::Result<ImportSummary> {
    let mut lines = input.lines();
    let header_text = lines
        .next()
        .context("the file is empty: expected a header line")?
        .context("line 1: unreadable")?;
    let header: Header =
        serde_json::from_str(&header_text).context("line 1: not an ordercore-events header")?;
    if header.format != FORMAT || header.version != VERSION {
        bail!(
            "line 1: format {:?} version {} is not {FORMAT:?} version {VERSION}",
            header.format,
            header.version
        );
    }

    let mut write = db.begin_write().await?;
    refuse_non_empty(&mut write.tx).await?;
    let mut chain = Chain::default();
    let mut batch: Vec<(RecordedEvent, Seal)> = Vec::with_capacity(ROWS_PER_INSERT);
    for (index, line) in lines.enumerate() {
        let number = index + 2;
        let line = line.with_context(|| format!("line {number}: unreadable"))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: EventLine = serde_json::from_str(&line)
            .with_context(|| format!("line {number}: not an event line"))?;
        let event = parsed
            .to_event()
            .with_context(|| format!("line {number}"))?;
        let seal = chain
            .link(&parsed, &event)
            .with_context(|| format!("line {number}"))?;
        batch.push((event, seal));
        if batch.len() == ROWS_PER_INSERT {
            insert_batch(db.backend(), &mut write.tx, &batch).await?;
            batch.clear();
            progress(chain.events, header.events.max(chain.events));
        }
    }
    insert_batch(db.backend(), &mut write.tx, &batch).await?;
    if chain.events != header.events {
        bail!(
            "the header announces {} events but the file holds {}: truncated or edited",
            header.events,
            chain.events
        );
    }
    if chain.max_position > 0 {
        move_checkpoints(
            db.backend(),
            &mut write.tx,
            at_head,
            chain.max_position,
            chain.events,
        )
        .await?;
    }
    write.tx.commit().await.context("committing the import")?;
    db.notifier().notify();
    progress(chain.events, chain.events);
    Ok(ImportSummary {
        events: chain.events,
        sealed_in_file: chain.sealed_in_file,
        head: chain.head,
    })
}

async fn refuse_non_empty(conn: &mut AnyConnection) -> anyhow::Result<()> {
    let events: i64 = sqlx::query("SELECT count(*) AS n FROM events")
        .fetch_one(&mut *conn)
        .await
        .context("counting the target's events")?
        .try_get("n")?;
    let seals: i64 = sqlx::query("SELECT count(*) AS n FROM audit_seals")
        .fetch_one(&mut *conn)
        .await
        .context("counting the target's seals")?
        .try_get("n")?;
    if events > 0 || seals > 0 {
        bail!(
            "the target store is not empty ({events} events, {seals} seals): an import only \
             goes into a fresh store, so nothing was written"
        );
    }
    Ok(())
}

/// The chain as the file unrolls it.
#[derive(Default)]
struct Chain {
    events: u64,
    sealed_in_file: u64,
    unsealed_seen: bool,
    positions: HashSet<i64>,
    max_position: i64,
    head: Option<SealHead>,
}

impl Chain {
    /// Checks the line's seal against the chain so far, or seals an unsealed line.
    fn link(&mut self, line: &EventLine, event: &RecordedEvent) -> anyhow::Result<Seal> {
        let position = line.position;
        if position <= 0 || !self.positions.insert(position) {
            bail!("position {position} is not positive or appears twice");
        }
        let (expected_no, previous) = match &self.head {
            Some(head) => (head.seal_no + 1, head.hash.clone()),
            None => (1, GENESIS_HASH.to_string()),
        };
        let computed = seal_hash(&previous, event);
        let seal = match (&line.seal_no, &line.seal_hash, &line.previous_hash) {
            (Some(no), Some(hash), Some(previous_hash)) => {
                if self.unsealed_seen {
                    bail!("a sealed event follows an unsealed one");
                }
                if *no != expected_no {
                    bail!("seal {no} where seal {expected_no} was expected: broken seal chain");
                }
                if *previous_hash != previous {
                    bail!(
                        "broken seal chain at position {position}: seal {no} does not link to \
                         seal {}",
                        no - 1
                    );
                }
                if *hash != computed {
                    bail!(
                        "broken seal chain at position {position}: the event does not match \
                         seal {no} (changed payload, metadata or another field)"
                    );
                }
                self.sealed_in_file += 1;
                Seal {
                    seal_no: *no,
                    position,
                    hash: computed,
                    previous_hash: previous,
                    sealed_at: line.sealed_at.clone().unwrap_or_else(now),
                }
            }
            (None, None, None) => {
                self.unsealed_seen = true;
                Seal {
                    seal_no: expected_no,
                    position,
                    hash: computed,
                    previous_hash: previous,
                    sealed_at: now(),
                }
            }
            _ => bail!("seal_no, seal_hash and previous_hash come together or not at all"),
        };
        self.events += 1;
        self.max_position = self.max_position.max(position);
        self.head = Some(SealHead::from(&seal));
        Ok(seal)
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}
