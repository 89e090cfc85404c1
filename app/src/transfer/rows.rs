//! The rows an import writes: events with their original positions, their seals, and the
//! sealer's checkpoint, in the forms each store keeps them.

use anyhow::Context;
use chrono::SecondsFormat;
use sqlx::{AnyConnection, Row};

use crate::audit::{Seal, SEALER_NAME};
use crate::clock::now_ms;
use crate::db::Backend;
use crate::event_log::RecordedEvent;

/// Rows per INSERT statement (9 parameters each, well under both stores' limits).
pub(super) const ROWS_PER_INSERT: usize = 200;

/// `recorded_at` as the store keeps it: Postgres casts the text to `timestamptz`; SQLite keeps
/// text, in its own default format (milliseconds) where that loses nothing.
fn stored_time(backend: Backend, event: &RecordedEvent) -> String {
    let exact_millis = event.recorded_at.timestamp_subsec_nanos() % 1_000_000 == 0;
    let format = match backend {
        Backend::Sqlite if exact_millis => SecondsFormat::Millis,
        _ => SecondsFormat::Micros,
    };
    event.recorded_at.to_rfc3339_opts(format, true)
}

/// Inserts events with their positions, and their seals.
pub(super) async fn insert_batch(
    backend: Backend,
    conn: &mut AnyConnection,
    batch: &[(RecordedEvent, Seal)],
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let (json, time) = match backend {
        Backend::Postgres => ("::jsonb", "::timestamptz"),
        Backend::Sqlite => ("", ""),
    };
    let rows: Vec<String> = (0..batch.len())
        .map(|i| {
            let p = |k: usize| 9 * i + k;
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}{json}, ${}{json}, ${}{time})",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7),
                p(8),
                p(9)
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO events (position, aggregate_type, aggregate_id, sequence, event_type, \
         event_version, payload, metadata, recorded_at) VALUES {}",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for (event, _) in batch {
        query = query
            .bind(event.checkpoint.position)
            .bind(event.aggregate_type.clone())
            .bind(event.aggregate_id.clone())
            .bind(event.sequence)
            .bind(event.event_type.clone())
            .bind(event.event_version.clone())
            .bind(event.payload.to_string())
            .bind(event.metadata.to_string())
            .bind(stored_time(backend, event));
    }
    query.execute(&mut *conn).await.with_context(|| {
        format!(
            "inserting events at positions {}..={}",
            batch[0].0.checkpoint.position,
            batch[batch.len() - 1].0.checkpoint.position
        )
    })?;
    let rows: Vec<String> = (0..batch.len())
        .map(|i| {
            let p = |k: usize| 5 * i + k;
            format!("(${}, ${}, ${}, ${}, ${})", p(1), p(2), p(3), p(4), p(5))
        })
        .collect();
    let sql = format!(
        "INSERT INTO audit_seals (seal_no, position, hash, previous_hash, sealed_at) VALUES {}",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for (_, seal) in batch {
        query = query
            .bind(seal.seal_no)
            .bind(seal.position)
            .bind(seal.hash.clone())
            .bind(seal.previous_hash.clone())
            .bind(seal.sealed_at.clone());
    }
    query
        .execute(&mut *conn)
        .await
        .context("inserting the seals of the imported events")?;
    Ok(())
}

/// Points the sealer after the last imported event (the last in the target's log order: the
/// highest position, all events sharing the import's transaction) and, on Postgres, moves the
/// position sequence past the imported positions.
pub(super) async fn move_checkpoints(
    backend: Backend,
    conn: &mut AnyConnection,
    others: &[&str],
    max_position: i64,
    events: u64,
) -> anyhow::Result<()> {
    let tx_id = match backend {
        Backend::Postgres => {
            sqlx::query("SELECT setval(pg_get_serial_sequence('events', 'position'), $1)")
                .bind(max_position)
                .execute(&mut *conn)
                .await
                .context("moving the position sequence past the imported events")?;
            let xid: String = sqlx::query("SELECT pg_current_xact_id()::text AS xid")
                .fetch_one(&mut *conn)
                .await
                .context("reading the import's transaction id")?
                .try_get("xid")?;
            xid.parse::<i64>().context("transaction id out of range")?
        }
        Backend::Sqlite => 0,
    };
    for name in std::iter::once(SEALER_NAME).chain(others.iter().copied()) {
        sqlx::query(
            "INSERT INTO subscriptions (name, tx_id, position, events_handled, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET tx_id = excluded.tx_id, \
             position = excluded.position, events_handled = excluded.events_handled, \
             updated_at = excluded.updated_at, failures = 0, last_error = NULL, last_error_at = NULL",
        )
        .bind(name)
        .bind(tx_id)
        .bind(max_position)
        .bind(i64::try_from(events)?)
        .bind(now_ms())
        .execute(&mut *conn)
        .await
        .with_context(|| format!("moving the checkpoint of {name} to the last imported event"))?;
    }
    Ok(())
}
