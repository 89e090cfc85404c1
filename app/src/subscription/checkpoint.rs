//! Durable checkpoints and the error record of each subscriber.

use anyhow::Context;
use sqlx::{AnyConnection, Row};

use crate::clock::now_ms;
use crate::db::Db;
use crate::event_log::Checkpoint;

/// Creates the subscriber's row when it has none.
pub(crate) async fn ensure_row(db: &Db, name: &str) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO subscriptions (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .execute(db.pool())
        .await
        .with_context(|| format!("creating the checkpoint of {name}"))?;
    Ok(())
}

/// The subscriber's checkpoint (START when it has none).
pub async fn load_checkpoint(db: &Db, name: &str) -> anyhow::Result<Checkpoint> {
    let row = sqlx::query("SELECT tx_id, position FROM subscriptions WHERE name = $1")
        .bind(name)
        .fetch_optional(db.pool())
        .await
        .with_context(|| format!("reading the checkpoint of {name}"))?;
    Ok(match row {
        Some(row) => Checkpoint {
            tx_id: row.try_get("tx_id")?,
            position: row.try_get("position")?,
        },
        None => Checkpoint::START,
    })
}

/// The checkpoint read inside a write transaction, locking the row on Postgres so that a rebuild
/// swap and a batch never interleave.
pub(crate) async fn lock_checkpoint(
    db: &Db,
    conn: &mut AnyConnection,
    name: &str,
) -> anyhow::Result<Checkpoint> {
    let sql = format!(
        "SELECT tx_id, position FROM subscriptions WHERE name = $1{}",
        db.lock_rows()
    );
    let row = sqlx::query(&sql)
        .bind(name)
        .fetch_one(&mut *conn)
        .await
        .with_context(|| format!("locking the checkpoint of {name}"))?;
    Ok(Checkpoint {
        tx_id: row.try_get("tx_id")?,
        position: row.try_get("position")?,
    })
}

/// Moves the checkpoint forward by `handled` events and clears the error record.
pub(crate) async fn save_checkpoint(
    conn: &mut AnyConnection,
    name: &str,
    checkpoint: Checkpoint,
    handled: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE subscriptions SET tx_id = $2, position = $3, events_handled = events_handled + $4, \
         updated_at = $5, failures = 0, last_error = NULL, last_error_at = NULL WHERE name = $1",
    )
    .bind(name)
    .bind(checkpoint.tx_id)
    .bind(checkpoint.position)
    .bind(handled)
    .bind(now_ms())
    .execute(conn)
    .await
    .with_context(|| format!("saving the checkpoint of {name}"))?;
    Ok(())
}

/// Like [`save_checkpoint`], but only while `holder` holds the subscriber's unexpired lease: a
/// process that lost its lease (paused past its expiry, say) must not move a checkpoint that
/// its successor now owns. Errors, moving nothing, when the lease is not held.
pub(crate) async fn save_checkpoint_fenced(
    conn: &mut AnyConnection,
    name: &str,
    holder: &str,
    checkpoint: Checkpoint,
    handled: i64,
) -> anyhow::Result<()> {
    let now = now_ms();
    let saved = sqlx::query(
        "UPDATE subscriptions SET tx_id = $2, position = $3, events_handled = events_handled + $4, \
         updated_at = $5, failures = 0, last_error = NULL, last_error_at = NULL WHERE name = $1 \
         AND EXISTS (SELECT 1 FROM subscription_leases l WHERE l.name = $1 AND l.holder = $6 \
         AND l.expires_at >= $5)",
    )
    .bind(name)
    .bind(checkpoint.tx_id)
    .bind(checkpoint.position)
    .bind(handled)
    .bind(now)
    .bind(holder)
    .execute(conn)
    .await
    .with_context(|| format!("saving the checkpoint of {name}"))?;
    if saved.rows_affected() != 1 {
        anyhow::bail!("{name}: the lease is no longer held by {holder}; checkpoint not moved");
    }
    Ok(())
}

/// Records a handler failure; the checkpoint stays where it is.
pub(crate) async fn record_failure(db: &Db, name: &str, error: &str) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE subscriptions SET failures = failures + 1, last_error = $2, last_error_at = $3 \
         WHERE name = $1",
    )
    .bind(name)
    .bind(error)
    .bind(now_ms())
    .execute(db.pool())
    .await
    .with_context(|| format!("recording the failure of {name}"))?;
    Ok(())
}
