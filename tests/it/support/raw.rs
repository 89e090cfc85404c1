//! Raw SQL on the events table, as postgres-es and our SQLite repository write it: for inserting
//! old event versions, for the gap test's slow writers, and for tampering tests.

use std::time::Duration;

use app::db::{Backend, Db};
use serde_json::Value;

/// One raw event row.
pub struct RawEvent {
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    pub payload: Value,
    pub metadata: Value,
}

/// Inserts events in one transaction, pausing inside it, then commits or rolls back.
pub async fn append_in_tx(
    db: &Db,
    events: &[RawEvent],
    pause: Duration,
    rollback: bool,
) -> anyhow::Result<()> {
    const INSERT: &str = "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, \
                          event_version, payload, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    match db.backend() {
        Backend::Postgres => {
            let pool = db.pg().expect("postgres pool");
            let mut tx = pool.begin().await?;
            for (i, e) in events.iter().enumerate() {
                sqlx::query(INSERT)
                    .bind(&e.aggregate_type)
                    .bind(&e.aggregate_id)
                    .bind(e.sequence)
                    .bind(&e.event_type)
                    .bind(&e.event_version)
                    .bind(&e.payload)
                    .bind(&e.metadata)
                    .execute(&mut *tx)
                    .await?;
                if i == 0 {
                    tokio::time::sleep(pause).await;
                }
            }
            if rollback {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
        }
        Backend::Sqlite => {
            let mut write = db.begin_write().await?;
            for (i, e) in events.iter().enumerate() {
                sqlx::query(INSERT)
                    .bind(&e.aggregate_type)
                    .bind(&e.aggregate_id)
                    .bind(e.sequence)
                    .bind(&e.event_type)
                    .bind(&e.event_version)
                    .bind(e.payload.to_string())
                    .bind(e.metadata.to_string())
                    .execute(&mut *write.tx)
                    .await?;
                if i == 0 {
                    tokio::time::sleep(pause).await;
                }
            }
            if rollback {
                write.tx.rollback().await?;
            } else {
                write.tx.commit().await?;
                db.notifier().notify();
            }
        }
    }
    Ok(())
}

/// Runs a statement on the store (tests only: tampering, fake schema versions).
pub async fn execute(db: &Db, sql: &str) -> anyhow::Result<u64> {
    Ok(sqlx::query(sql).execute(db.pool()).await?.rows_affected())
}
