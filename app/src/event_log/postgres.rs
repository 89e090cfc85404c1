//! The global log on Postgres. Positions come from an identity column, so a transaction that
//! started earlier can commit a lower position after a reader has passed it. The reader therefore
//! orders by `(tx_id, position)` and returns only events of transactions below the oldest one
//! still running (`pg_snapshot_xmin`): every event that becomes visible later belongs to a
//! transaction at or above that bound, hence after the reader's checkpoint.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Row;

use super::{Checkpoint, RecordedEvent};
use crate::db::Db;

fn pool(db: &Db) -> anyhow::Result<&sqlx::PgPool> {
    db.pg()
        .context("the Postgres log reader needs a Postgres store")
}

pub(super) async fn read_after(
    db: &Db,
    after: Checkpoint,
    limit: i64,
) -> anyhow::Result<Vec<RecordedEvent>> {
    // sqlx has no xid8 type: the transaction id travels as text both ways.
    let rows = sqlx::query(
        "SELECT tx_id::text AS tx_text, position, aggregate_type, aggregate_id, sequence,
                event_type, event_version, payload, metadata, recorded_at
           FROM events
          WHERE (tx_id, position) > ($1::text::xid8, $2)
            AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY tx_id, position
          LIMIT $3",
    )
    .bind(after.tx_id.to_string())
    .bind(after.position)
    .bind(limit)
    .fetch_all(pool(db)?)
    .await
    .context("reading the global event log")?;
    rows.iter()
        .map(|row| {
            let tx_id: String = row.try_get("tx_text")?;
            Ok(RecordedEvent {
                checkpoint: Checkpoint {
                    tx_id: tx_id.parse().context("xid8 out of range")?,
                    position: row.try_get("position")?,
                },
                aggregate_type: row.try_get("aggregate_type")?,
                aggregate_id: row.try_get("aggregate_id")?,
                sequence: row.try_get("sequence")?,
                event_type: row.try_get("event_type")?,
                event_version: row.try_get("event_version")?,
                payload: row.try_get::<Value, _>("payload")?,
                metadata: row.try_get::<Value, _>("metadata")?,
                recorded_at: row.try_get::<DateTime<Utc>, _>("recorded_at")?,
            })
        })
        .collect()
}

pub(super) async fn backlog(
    db: &Db,
    after: Checkpoint,
) -> anyhow::Result<(i64, Option<DateTime<Utc>>)> {
    let row = sqlx::query(
        "SELECT count(*) AS n, min(recorded_at) AS oldest
           FROM events
          WHERE (tx_id, position) > ($1::text::xid8, $2)",
    )
    .bind(after.tx_id.to_string())
    .bind(after.position)
    .fetch_one(pool(db)?)
    .await
    .context("measuring a subscriber's backlog")?;
    Ok((row.try_get("n")?, row.try_get("oldest")?))
}

pub(super) async fn head(db: &Db) -> anyhow::Result<Checkpoint> {
    let row = sqlx::query(
        "SELECT tx_id::text AS tx_text, position
           FROM events
          WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY tx_id DESC, position DESC
          LIMIT 1",
    )
    .fetch_optional(pool(db)?)
    .await
    .context("reading the head of the global log")?;
    match row {
        None => Ok(Checkpoint::START),
        Some(row) => {
            let tx_id: String = row.try_get("tx_text")?;
            Ok(Checkpoint {
                tx_id: tx_id.parse().context("xid8 out of range")?,
                position: row.try_get("position")?,
            })
        }
    }
}
