//! Creating read models and rebuilding them from position zero beside the live tables.
//!
//! A rebuild fills shadow tables (`<table>__r<generation>`) from the start of the log while the
//! live tables keep serving. Once it has caught up, one transaction locks the live checkpoint,
//! applies whatever arrived meanwhile, drops the live tables, renames the shadows into their
//! place and moves the checkpoint: readers see the old read model or the new one, never a half.

use std::time::Instant;

use anyhow::{bail, Context};
use sqlx::{AnyConnection, Row};

use super::checkpoint::{ensure_row, lock_checkpoint, save_checkpoint};
use super::{Lease, Projection, Tables};
use crate::clock::now_ms;
use crate::db::Db;
use crate::event_log::{self, Checkpoint};

/// How far a rebuild has come, for progress bars and metrics.
#[derive(Clone, Copy, Debug)]
pub struct RebuildProgress {
    /// Events applied so far.
    pub done: u64,
    /// Events left (an estimate while the log grows).
    pub remaining: u64,
    /// Events per second so far.
    pub rate: f64,
}

/// Creates a read model's tables when they do not exist yet (first start). Returns true when it
/// created them.
pub async fn ensure_created(db: &Db, projection: &dyn Projection) -> anyhow::Result<bool> {
    let name = projection.name();
    let existing: Option<i64> = sqlx::query("SELECT version FROM read_models WHERE name = $1")
        .bind(name)
        .fetch_optional(db.pool())
        .await
        .with_context(|| format!("reading the read-model registry for {name}"))?
        .map(|row| row.try_get("version"))
        .transpose()?;
    if existing.is_some() {
        return Ok(false);
    }
    ensure_row(db, name).await?;
    let mut write = db.begin_write().await?;
    // Someone else may have created it between our check and our lock.
    let again = sqlx::query("SELECT version FROM read_models WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *write.tx)
        .await?;
    if again.is_some() {
        return Ok(false);
    }
    for def in projection.tables() {
        for statement in def.statements(def.name) {
            sqlx::query(&statement)
                .execute(&mut *write.tx)
                .await
                .with_context(|| format!("creating {}: {statement}", def.name))?;
        }
    }
    register(&mut write.tx, name, projection.version()).await?;
    write.tx.commit().await?;
    Ok(true)
}

/// Brings a read model up to its projection's version: when the live tables were built by an
/// older version, rebuilds it beside them (the old read model serves until the swap) and returns
/// true, calling `rebuilding` first. Refuses a read model built by a newer version, which this
/// binary cannot maintain.
pub async fn upgrade(
    db: &Db,
    projection: &dyn Projection,
    batch_size: i64,
    rebuilding: impl FnOnce(),
) -> anyhow::Result<bool> {
    let name = projection.name();
    let wanted = projection.version();
    let Some(live) = live_version(db, name).await? else {
        return Ok(false);
    };
    if live > wanted {
        bail!(
            "read model {name} was built by a newer ordercore (version {live}; this binary knows \
             version {wanted}): run the newer binary, or `ordercore projections rebuild {name}` \
             to rebuild it with this one"
        );
    }
    if live == wanted {
        return Ok(false);
    }
    tracing::warn!(
        projection = name,
        from = live,
        to = wanted,
        "read model built by an older version; rebuilding it beside the live one"
    );
    rebuilding();
    let started = Instant::now();
    let applied = rebuild(db, projection, batch_size, &|_| {}).await?;
    tracing::info!(
        projection = name,
        version = wanted,
        events = applied,
        seconds = started.elapsed().as_secs_f64(),
        "read model upgraded"
    );
    Ok(true)
}

/// The version of a read model's live tables, if it has any.
pub async fn live_version(db: &Db, name: &str) -> anyhow::Result<Option<i64>> {
    Ok(
        sqlx::query("SELECT version FROM read_models WHERE name = $1")
            .bind(name)
            .fetch_optional(db.pool())
            .await?
            .map(|row| row.try_get("version"))
            .transpose()?,
    )
}

async fn register(conn: &mut AnyConnection, name: &str, version: i64) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO read_models (name, version, built_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, built_at = excluded.built_at",
    )
    .bind(name)
    .bind(version)
    .bind(now_ms())
    .execute(conn)
    .await
    .with_context(|| format!("registering read model {name}"))?;
    Ok(())
}

/// Rebuilds a read model from position zero into shadow tables and swaps them in once caught up.
/// Returns how many events were applied.
pub async fn rebuild(
    db: &Db,
    projection: &dyn Projection,
    batch_size: i64,
    progress: &(dyn Fn(RebuildProgress) + Send + Sync),
) -> anyhow::Result<u64> {
    let name = projection.name();
    ensure_row(db, name).await?;
    // Two rebuilds of one read model would drop each other's shadow tables.
    let guard = Lease::new(
        db.clone(),
        &format!("rebuild:{name}"),
        &format!("rebuild-pid{}-{}", std::process::id(), now_ms()),
        std::time::Duration::from_secs(600),
    );
    if !guard.acquire_or_renew().await? {
        bail!("a rebuild of {name} is already running");
    }
    let result = rebuild_held(db, projection, batch_size, progress, &guard).await;
    guard.release().await?;
    result
}

async fn rebuild_held(
    db: &Db,
    projection: &dyn Projection,
    batch_size: i64,
    progress: &(dyn Fn(RebuildProgress) + Send + Sync),
    guard: &Lease,
) -> anyhow::Result<u64> {
    let name = projection.name();
    let defs = projection.tables();
    let generation = now_ms();
    let shadow = Tables::shadow(&defs, generation);
    drop_leftovers(db, projection).await?;
    {
        let mut write = db.begin_write().await?;
        for def in &defs {
            for statement in def.statements(shadow.get(def.name)?) {
                sqlx::query(&statement)
                    .execute(&mut *write.tx)
                    .await
                    .with_context(|| format!("creating shadow of {}", def.name))?;
            }
        }
        write.tx.commit().await?;
    }

    let started = Instant::now();
    let (total, _) = event_log::backlog(db, Checkpoint::START).await?;
    let mut done: u64 = 0;
    let mut checkpoint = Checkpoint::START;
    loop {
        let events = event_log::read_after(db, checkpoint, batch_size).await?;
        if events.is_empty() {
            break;
        }
        guard.acquire_or_renew().await?;
        let mut write = db.begin_write().await?;
        checkpoint = apply_all(projection, &mut write.tx, &shadow, &events).await?;
        write.tx.commit().await?;
        done += events.len() as u64;
        let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
        progress(RebuildProgress {
            done,
            remaining: u64::try_from(total).unwrap_or(0).saturating_sub(done),
            rate,
        });
    }

    // The swap: one transaction that holds the live checkpoint.
    let mut write = db.begin_write().await?;
    let live = lock_checkpoint(db, &mut write.tx, name).await?;
    loop {
        let events = event_log::read_after(db, checkpoint, batch_size).await?;
        if events.is_empty() {
            break;
        }
        checkpoint = apply_all(projection, &mut write.tx, &shadow, &events).await?;
        done += events.len() as u64;
    }
    if checkpoint < live {
        bail!("rebuild of {name} could not reach the live checkpoint {live} (at {checkpoint})");
    }
    for def in &defs {
        sqlx::query(&format!("DROP TABLE IF EXISTS {}", def.name))
            .execute(&mut *write.tx)
            .await
            .with_context(|| format!("dropping live {}", def.name))?;
        sqlx::query(&format!(
            "ALTER TABLE {} RENAME TO {}",
            shadow.get(def.name)?,
            def.name
        ))
        .execute(&mut *write.tx)
        .await
        .with_context(|| format!("swapping in {}", def.name))?;
    }
    sqlx::query(
        "UPDATE subscriptions SET events_handled = 0, failures = 0, last_error = NULL WHERE name = $1",
    )
    .bind(name)
    .execute(&mut *write.tx)
    .await?;
    save_checkpoint(&mut write.tx, name, checkpoint, i64::try_from(done)?).await?;
    register(&mut write.tx, name, projection.version()).await?;
    write.tx.commit().await.context("committing the swap")?;
    metrics::counter!("ordercore_rebuilds_total", "projection" => name).increment(1);
    progress(RebuildProgress {
        done,
        remaining: 0,
        rate: done as f64 / started.elapsed().as_secs_f64().max(1e-3),
    });
    Ok(done)
}

async fn apply_all(
    projection: &dyn Projection,
    conn: &mut AnyConnection,
    tables: &Tables,
    events: &[event_log::RecordedEvent],
) -> anyhow::Result<Checkpoint> {
    let mut last = Checkpoint::START;
    for event in events {
        projection
            .apply(conn, tables, event)
            .await
            .with_context(|| {
                format!(
                    "rebuilding {}: applying {} at {}",
                    projection.name(),
                    event.event_type,
                    event.checkpoint
                )
            })?;
        last = event.checkpoint;
    }
    Ok(last)
}

/// Drops shadow tables an interrupted rebuild left behind.
async fn drop_leftovers(db: &Db, projection: &dyn Projection) -> anyhow::Result<()> {
    let sql = match db.backend() {
        crate::db::Backend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() \
             AND tablename LIKE $1"
        }
        crate::db::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE $1"
        }
    };
    for def in projection.tables() {
        // `_` in LIKE matches any character, so the prefix is checked again exactly.
        let prefix = format!("{}__r", def.name);
        let rows = sqlx::query(sql)
            .bind(format!("{prefix}%"))
            .fetch_all(db.pool())
            .await?;
        for row in rows {
            let table: String = row.try_get("name")?;
            if table.starts_with(&prefix) {
                sqlx::query(&format!("DROP TABLE IF EXISTS {table}"))
                    .execute(db.pool())
                    .await?;
            }
        }
    }
    Ok(())
}
