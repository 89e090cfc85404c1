//! The SQLite event store: our own implementation of cqrs-es's `PersistedEventRepository`.
//! SQLite admits one writer at a time, so the autoincrement position of the events table is the
//! commit order and the global log is read by position alone.

use anyhow::Context;
use chrono::{DateTime, Utc};
use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayStream, SerializedEvent, SerializedSnapshot,
};
use cqrs_es::Aggregate;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Checkpoint, RecordedEvent};
use crate::db::Db;

const SELECT_EVENTS: &str = "SELECT aggregate_type, aggregate_id, sequence, event_type, \
     event_version, payload, metadata FROM events WHERE aggregate_type = $1 AND aggregate_id = $2";

/// cqrs-es persistence on SQLite, with the same guarantees as postgres-es: optimistic
/// concurrency on `(aggregate_type, aggregate_id, sequence)` and atomic multi-event commits.
#[derive(Clone)]
pub struct SqliteEventRepository {
    db: Db,
}

impl SqliteEventRepository {
    /// A repository on the given (SQLite) store.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    async fn select(
        &self,
        sql: &str,
        aggregate_type: &str,
        aggregate_id: &str,
        after: i64,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let rows = sqlx::query(sql)
            .bind(aggregate_type)
            .bind(aggregate_id)
            .bind(after)
            .fetch_all(self.db.pool())
            .await
            .map_err(persistence_error)?;
        rows.iter().map(serialized_event).collect()
    }

    async fn write(
        &self,
        aggregate_type: &str,
        events: &[SerializedEvent],
        snapshot: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        let mut write = self
            .db
            .begin_write()
            .await
            .map_err(|e| PersistenceError::ConnectionError(e.into()))?;
        let mut last_sequence = 0;
        for event in events {
            last_sequence = event.sequence;
            sqlx::query(
                "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, \
                 event_version, payload, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(aggregate_type)
            .bind(&event.aggregate_id)
            .bind(to_i64(event.sequence)?)
            .bind(&event.event_type)
            .bind(&event.event_version)
            .bind(event.payload.to_string())
            .bind(event.metadata.to_string())
            .execute(&mut *write.tx)
            .await
            .map_err(persistence_error)?;
        }
        if let Some((aggregate_id, payload, current_snapshot)) = snapshot {
            let result = if current_snapshot == 1 {
                sqlx::query(
                    "INSERT INTO snapshots (aggregate_type, aggregate_id, last_sequence, \
                     current_snapshot, payload) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(aggregate_type)
                .bind(&aggregate_id)
                .bind(to_i64(last_sequence)?)
                .bind(to_i64(current_snapshot)?)
                .bind(payload.to_string())
                .execute(&mut *write.tx)
                .await
            } else {
                sqlx::query(
                    "UPDATE snapshots SET last_sequence = $3, payload = $5, current_snapshot = $4 \
                     WHERE aggregate_type = $1 AND aggregate_id = $2 AND current_snapshot = $6",
                )
                .bind(aggregate_type)
                .bind(&aggregate_id)
                .bind(to_i64(last_sequence)?)
                .bind(to_i64(current_snapshot)?)
                .bind(payload.to_string())
                .bind(to_i64(current_snapshot - 1)?)
                .execute(&mut *write.tx)
                .await
            }
            .map_err(persistence_error)?;
            if result.rows_affected() != 1 {
                // Dropping the transaction rolls the events back too: all or nothing.
                return Err(PersistenceError::OptimisticLockError);
            }
        }
        write.tx.commit().await.map_err(persistence_error)?;
        self.db.notifier().notify();
        Ok(())
    }
}

impl PersistedEventRepository for SqliteEventRepository {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let sql = format!("{SELECT_EVENTS} AND sequence > $3 ORDER BY sequence");
        self.select(&sql, A::TYPE, aggregate_id, 0).await
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let sql = format!("{SELECT_EVENTS} AND sequence > $3 ORDER BY sequence");
        self.select(&sql, A::TYPE, aggregate_id, to_i64(last_sequence)?)
            .await
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        let row = sqlx::query(
            "SELECT aggregate_id, last_sequence, current_snapshot, payload FROM snapshots \
             WHERE aggregate_type = $1 AND aggregate_id = $2",
        )
        .bind(A::TYPE)
        .bind(aggregate_id)
        .fetch_optional(self.db.pool())
        .await
        .map_err(persistence_error)?;
        let Some(row) = row else { return Ok(None) };
        let payload: String = row.try_get("payload").map_err(persistence_error)?;
        Ok(Some(SerializedSnapshot {
            aggregate_id: row.try_get("aggregate_id").map_err(persistence_error)?,
            aggregate: serde_json::from_str(&payload)?,
            current_sequence: to_usize(row.try_get("last_sequence").map_err(persistence_error)?)?,
            current_snapshot: to_usize(
                row.try_get("current_snapshot").map_err(persistence_error)?,
            )?,
        }))
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        self.write(A::TYPE, events, snapshot_update).await
    }

    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        let events = self.get_events::<A>(aggregate_id).await?;
        Ok(replay(events).await)
    }

    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        let rows = sqlx::query(
            "SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, payload, \
             metadata FROM events WHERE aggregate_type = $1 ORDER BY position",
        )
        .bind(A::TYPE)
        .fetch_all(self.db.pool())
        .await
        .map_err(persistence_error)?;
        let events = rows
            .iter()
            .map(serialized_event)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(replay(events).await)
    }
}

async fn replay(events: Vec<SerializedEvent>) -> ReplayStream {
    let (mut feed, stream) = ReplayStream::new(events.len().max(1));
    for event in events {
        // The channel holds every event, so pushing never waits and never fails.
        if feed.push(Ok(event)).await.is_err() {
            break;
        }
    }
    stream
}

fn serialized_event(row: &AnyRow) -> Result<SerializedEvent, PersistenceError> {
    let payload: String = row.try_get("payload").map_err(persistence_error)?;
    let metadata: String = row.try_get("metadata").map_err(persistence_error)?;
    Ok(SerializedEvent {
        aggregate_type: row.try_get("aggregate_type").map_err(persistence_error)?,
        aggregate_id: row.try_get("aggregate_id").map_err(persistence_error)?,
        sequence: to_usize(row.try_get("sequence").map_err(persistence_error)?)?,
        event_type: row.try_get("event_type").map_err(persistence_error)?,
        event_version: row.try_get("event_version").map_err(persistence_error)?,
        payload: serde_json::from_str(&payload)?,
        metadata: serde_json::from_str(&metadata)?,
    })
}

/// Maps sqlx errors the way postgres-es does: a unique violation is a lost optimistic race.
pub(crate) fn persistence_error(error: sqlx::Error) -> PersistenceError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            PersistenceError::OptimisticLockError
        }
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_) => PersistenceError::ConnectionError(Box::new(error)),
        _ => PersistenceError::UnknownError(Box::new(error)),
    }
}

fn to_i64(n: usize) -> Result<i64, PersistenceError> {
    i64::try_from(n).map_err(|e| PersistenceError::UnknownError(Box::new(e)))
}

fn to_usize(n: i64) -> Result<usize, PersistenceError> {
    usize::try_from(n).map_err(|e| PersistenceError::UnknownError(Box::new(e)))
}

fn parse_time(text: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(text)
        .with_context(|| format!("bad recorded_at {text:?}"))?
        .with_timezone(&Utc))
}

pub(super) async fn read_after(
    db: &Db,
    after: Checkpoint,
    limit: i64,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let rows = sqlx::query(
        "SELECT position, aggregate_type, aggregate_id, sequence, event_type, event_version, \
         payload, metadata, recorded_at FROM events WHERE position > $1 ORDER BY position LIMIT $2",
    )
    .bind(after.position)
    .bind(limit)
    .fetch_all(db.pool())
    .await
    .context("reading the global event log")?;
    rows.iter()
        .map(|row| {
            let payload: String = row.try_get("payload")?;
            let metadata: String = row.try_get("metadata")?;
            let recorded_at: String = row.try_get("recorded_at")?;
            Ok(RecordedEvent {
                checkpoint: Checkpoint {
                    tx_id: 0,
                    position: row.try_get("position")?,
                },
                aggregate_type: row.try_get("aggregate_type")?,
                aggregate_id: row.try_get("aggregate_id")?,
                sequence: row.try_get("sequence")?,
                event_type: row.try_get("event_type")?,
                event_version: row.try_get("event_version")?,
                payload: serde_json::from_str(&payload)?,
                metadata: serde_json::from_str(&metadata)?,
                recorded_at: parse_time(&recorded_at)?,
            })
        })
        .collect()
}

pub(super) async fn backlog(
    db: &Db,
    after: Checkpoint,
) -> anyhow::Result<(i64, Option<DateTime<Utc>>)> {
    let row = sqlx::query(
        "SELECT count(*) AS n, min(recorded_at) AS oldest FROM events WHERE position > $1",
    )
    .bind(after.position)
    .fetch_one(db.pool())
    .await
    .context("measuring a subscriber's backlog")?;
    let oldest: Option<String> = row.try_get("oldest")?;
    Ok((
        row.try_get("n")?,
        oldest.as_deref().map(parse_time).transpose()?,
    ))
}

pub(super) async fn head(db: &Db) -> anyhow::Result<Checkpoint> {
    let position: Option<i64> = sqlx::query_scalar("SELECT max(position) FROM events")
        .fetch_one(db.pool())
        .await
        .context("reading the head of the global log")?;
    Ok(Checkpoint {
        tx_id: 0,
        position: position.unwrap_or(0),
    })
}
