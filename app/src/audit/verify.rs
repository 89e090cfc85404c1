//! `verify`: recompute the seal chain from the stored events and report the first place where
//! the events no longer match their seals.

use anyhow::Context;
use serde::Serialize;
use sqlx::Row;

use super::chain::{ChainWalk, Step};
use super::seal::{self, SealHead};
use crate::db::Db;

/// Seals and events read per query while verifying.
const BATCH: i64 = 1_000;

/// Where the stored events stop matching the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The seal at which the chain breaks (for an inserted event: the seal it stands before).
    pub seal_no: i64,
    /// The global position of the offending event.
    pub position: i64,
    /// What is wrong, in words: changed, deleted, inserted or reordered event, altered seal.
    pub reason: String,
}

/// The outcome of a verification. Events after the last seal are "not yet sealed", not an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// True when every seal matches its event and no event was inserted between sealed ones.
    pub ok: bool,
    /// Seals stored.
    pub sealed: i64,
    /// Seals checked and found true before the walk stopped (all of them when `ok`).
    pub verified: i64,
    /// Events stored.
    pub events: i64,
    /// The first place where the stored events no longer match, when not `ok`.
    pub first_mismatch: Option<Mismatch>,
    /// The newest stored seal: compare it with the head logged earlier and kept elsewhere.
    pub head: Option<SealHead>,
}

impl VerifyReport {
    /// One line for people: "intact: ..." or "TAMPERED at position ...".
    pub fn summary(&self) -> String {
        let head = match &self.head {
            Some(h) => format!(
                "head seal {} at position {}: {}",
                h.seal_no, h.position, h.hash
            ),
            None => "no seal yet".to_string(),
        };
        match &self.first_mismatch {
            None => format!(
                "intact: {} events, {} sealed ({} not yet sealed); {head}",
                self.events,
                self.sealed,
                (self.events - self.sealed).max(0)
            ),
            Some(m) => format!(
                "TAMPERED at position {} (seal {}): {}; {} of {} seals verified before it",
                m.position, m.seal_no, m.reason, self.verified, self.sealed
            ),
        }
    }
}

/// Recomputes the chain from the stored events in log order (read in batches, xmin-guarded on
/// Postgres) and compares it with the stored seals.
pub async fn verify(db: &Db) -> anyhow::Result<VerifyReport> {
    let mut walk = ChainWalk::new(db, BATCH);
    let mut verified = 0;
    let mut first_mismatch = None;
    while let Some(step) = walk.next().await? {
        match step {
            Step::Sealed { .. } => verified += 1,
            // The first unsealed event ends the sealed part; the rest is only counted.
            Step::Unsealed(_) => break,
            Step::Broken(mismatch) => {
                first_mismatch = Some(mismatch);
                break;
            }
        }
    }
    let report = VerifyReport {
        ok: first_mismatch.is_none(),
        sealed: count(db, "audit_seals").await?,
        verified,
        events: count(db, "events").await?,
        first_mismatch,
        head: seal::head(db).await?,
    };
    if let Some(m) = &report.first_mismatch {
        tracing::warn!(
            seal_no = m.seal_no,
            position = m.position,
            reason = %m.reason,
            "audit verification found tampering"
        );
    }
    Ok(report)
}

async fn count(db: &Db, table: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query(&format!("SELECT count(*) AS n FROM {table}"))
        .fetch_one(db.pool())
        .await
        .with_context(|| format!("counting {table}"))?
        .try_get("n")?)
}
