//! The sealer: a subscriber that follows the global log and writes one seal per event, chained
//! to the previous one, in the same transaction as its checkpoint (so exactly once).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::canonical::{seal_hash, GENESIS_HASH};
use crate::db::Db;
use crate::event_log::RecordedEvent;
use crate::subscription::{Projection, TableDef, Tables};

/// The sealer's subscriber name (its checkpoint's name too).
pub const SEALER_NAME: &str = "audit_seals";

/// The head seal is logged every this many seals...
const LOG_EVERY_SEALS: i64 = 1_000;
/// ...and at least this often while seals are being written.
const LOG_AT_LEAST_EVERY: Duration = Duration::from_secs(5 * 60);

/// One stored seal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Seal {
    /// Its number in the chain, from 1.
    pub seal_no: i64,
    /// The global position of the sealed event.
    pub position: i64,
    /// SHA-256 (hex) over `previous_hash` and the event's canonical form.
    pub hash: String,
    /// The hash of seal `seal_no - 1` (64 zeros for the first).
    pub previous_hash: String,
    /// When it was written (RFC 3339 UTC); informational, not covered by any hash.
    pub sealed_at: String,
}

/// The newest seal: what an operator keeps outside the database to compare with later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SealHead {
    /// Its number in the chain.
    pub seal_no: i64,
    /// The position of the event it seals.
    pub position: i64,
    /// Its hash, which commits to every event sealed before it.
    pub hash: String,
}

impl From<&Seal> for SealHead {
    fn from(seal: &Seal) -> Self {
        Self {
            seal_no: seal.seal_no,
            position: seal.position,
            hash: seal.hash.clone(),
        }
    }
}

/// The sealing subscriber, run by the server like a read model. It declares no tables: its
/// table comes from a migration and must never be rebuilt from the (possibly tampered) log, so
/// it is not among `projections::all()`.
pub struct Sealer {
    last_logged: Mutex<(i64, Instant)>,
}

impl Default for Sealer {
    fn default() -> Self {
        Self {
            last_logged: Mutex::new((0, Instant::now())),
        }
    }
}

impl Sealer {
    /// A sealer; the head is logged every 1,000 seals and at least every 5 minutes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Logs the head when a multiple of 1,000 is reached or 5 minutes passed since the last
    /// line. Logged before the batch commits: a batch that rolls back is retried with the same
    /// events and yields the same seal, so the logged hash stays true.
    fn maybe_log_head(&self, seal_no: i64, position: i64, hash: &str) {
        let Ok(mut last) = self.last_logged.lock() else {
            return;
        };
        let (logged_no, logged_at) = *last;
        if seal_no % LOG_EVERY_SEALS == 0
            || (seal_no > logged_no && logged_at.elapsed() >= LOG_AT_LEAST_EVERY)
        {
            tracing::info!(
                seal_no,
                position,
                hash,
                "audit seal head (keep it outside the database)"
            );
            *last = (seal_no, Instant::now());
        }
    }
}

#[async_trait]
impl Projection for Sealer {
    fn name(&self) -> &'static str {
        SEALER_NAME
    }

    fn tables(&self) -> Vec<TableDef> {
        Vec::new()
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        _tables: &Tables,
        event: &RecordedEvent,
    ) -> anyhow::Result<()> {
        let last =
            sqlx::query("SELECT seal_no, hash FROM audit_seals ORDER BY seal_no DESC LIMIT 1")
                .fetch_optional(&mut *conn)
                .await
                .context("reading the last seal")?;
        let (seal_no, previous_hash) = match last {
            Some(row) => (
                row.try_get::<i64, _>("seal_no")? + 1,
                row.try_get::<String, _>("hash")?,
            ),
            None => (1, GENESIS_HASH.to_string()),
        };
        let hash = seal_hash(&previous_hash, event);
        let position = event.checkpoint.position;
        // `position` is unique: sealing an event twice (a checkpoint moved back, a rebuild
        // attempted) fails here instead of forking the chain.
        insert_seal(
            conn,
            &Seal {
                seal_no,
                position,
                hash: hash.clone(),
                previous_hash,
                sealed_at: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
            },
        )
        .await?;
        self.maybe_log_head(seal_no, position, &hash);
        Ok(())
    }
}

/// Writes one seal row.
async fn insert_seal(conn: &mut AnyConnection, seal: &Seal) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO audit_seals (seal_no, position, hash, previous_hash, sealed_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(seal.seal_no)
    .bind(seal.position)
    .bind(&seal.hash)
    .bind(&seal.previous_hash)
    .bind(&seal.sealed_at)
    .execute(conn)
    .await
    .with_context(|| {
        format!(
            "writing seal {} for position {}",
            seal.seal_no, seal.position
        )
    })?;
    Ok(())
}

/// Up to `limit` seals after seal number `after`, in chain order.
pub async fn seals_after(db: &Db, after: i64, limit: i64) -> anyhow::Result<Vec<Seal>> {
    let rows = sqlx::query(
        "SELECT seal_no, position, hash, previous_hash, sealed_at FROM audit_seals \
         WHERE seal_no > $1 ORDER BY seal_no LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await
    .context("reading seals")?;
    rows.iter()
        .map(|row| {
            Ok(Seal {
                seal_no: row.try_get("seal_no")?,
                position: row.try_get("position")?,
                hash: row.try_get("hash")?,
                previous_hash: row.try_get("previous_hash")?,
                sealed_at: row.try_get("sealed_at")?,
            })
        })
        .collect()
}

/// The newest seal, if any.
pub async fn head(db: &Db) -> anyhow::Result<Option<SealHead>> {
    let row = sqlx::query(
        "SELECT seal_no, position, hash FROM audit_seals ORDER BY seal_no DESC LIMIT 1",
    )
    .fetch_optional(db.pool())
    .await
    .context("reading the head seal")?;
    row.map(|row| {
        Ok(SealHead {
            seal_no: row.try_get("seal_no")?,
            position: row.try_get("position")?,
            hash: row.try_get("hash")?,
        })
    })
    .transpose()
}
