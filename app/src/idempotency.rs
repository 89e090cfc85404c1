//! Idempotency keys for POST requests: the same key and body get the first answer again, the
//! same key with another body is refused, and a request still running with that key is reported.
//! Keys are kept for a published period (24 h by default), across restarts.

use std::time::Duration;

use anyhow::Context;
use sqlx::Row;

use crate::clock::now_ms;
use crate::db::Db;
use crate::fingerprint::Fingerprint;

/// How long keys are kept.
pub const RETENTION: Duration = Duration::from_secs(24 * 3600);

/// After this long a `running` claim is taken to be abandoned by a crashed process.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(60);

/// What a claim on a key found.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// The caller owns the key now and does the work, creating the resource with this id (the
    /// id chosen by the first attempt when it resumes an abandoned one).
    Proceed {
        /// The id of the resource to create.
        resource_id: String,
    },
    /// The request finished before: answer this again.
    Replay {
        /// HTTP status of the first answer.
        status: u16,
        /// Body of the first answer.
        response: String,
    },
    /// A request with this key is still running.
    InProgress,
    /// The key was used with another request body.
    Mismatch,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// Claims `key` in `scope` for the request with `fingerprint`.
pub async fn claim(
    db: &Db,
    scope: &str,
    key: &str,
    fingerprint: &Fingerprint,
    new_resource_id: &str,
) -> anyhow::Result<Claim> {
    for _ in 0..3 {
        let now = now_ms();
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (scope, key, request_hash, resource_id, state, locked_at, \
             expires_at) VALUES ($1, $2, $3, $4, 'running', $5, $6) ON CONFLICT (scope, key) DO NOTHING",
        )
        .bind(scope)
        .bind(key)
        .bind(fingerprint.stored())
        .bind(new_resource_id)
        .bind(now)
        .bind(now + millis(RETENTION))
        .execute(db.pool())
        .await
        .context("claiming an idempotency key")?;
        if inserted.rows_affected() == 1 {
            return Ok(Claim::Proceed {
                resource_id: new_resource_id.to_string(),
            });
        }
        let Some(row) = sqlx::query(
            "SELECT request_hash, resource_id, state, status, response, locked_at, expires_at \
             FROM idempotency_keys WHERE scope = $1 AND key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(db.pool())
        .await?
        else {
            continue; // Deleted meanwhile (expired and purged): try again.
        };
        let expires_at: i64 = row.try_get("expires_at")?;
        if expires_at < now {
            sqlx::query(
                "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at = $3",
            )
            .bind(scope)
            .bind(key)
            .bind(expires_at)
            .execute(db.pool())
            .await?;
            continue;
        }
        if !fingerprint.matches(&row.try_get::<String, _>("request_hash")?) {
            return Ok(Claim::Mismatch);
        }
        let state: String = row.try_get("state")?;
        if state == "done" {
            let status: Option<i64> = row.try_get("status")?;
            return Ok(Claim::Replay {
                status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(200),
                response: row
                    .try_get::<Option<String>, _>("response")?
                    .unwrap_or_default(),
            });
        }
        let locked_at: i64 = row.try_get("locked_at")?;
        if now - locked_at < millis(ABANDONED_AFTER) {
            return Ok(Claim::InProgress);
        }
        // Abandoned by a process that died, or handed back by a failed attempt: take it over,
        // keeping the resource id it chose.
        let taken = sqlx::query(
            "UPDATE idempotency_keys SET locked_at = $3 WHERE scope = $1 AND key = $2 \
             AND state = 'running' AND locked_at = $4",
        )
        .bind(scope)
        .bind(key)
        .bind(now)
        .bind(locked_at)
        .execute(db.pool())
        .await?;
        if taken.rows_affected() == 1 {
            return Ok(Claim::Proceed {
                resource_id: row.try_get("resource_id")?,
            });
        }
    }
    Ok(Claim::InProgress)
}

/// Stores the final answer of a claimed key.
pub async fn complete(
    db: &Db,
    scope: &str,
    key: &str,
    status: u16,
    response: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET state = 'done', status = $3, response = $4 \
         WHERE scope = $1 AND key = $2",
    )
    .bind(scope)
    .bind(key)
    .bind(i64::from(status))
    .bind(response)
    .execute(db.pool())
    .await
    .context("completing an idempotency key")?;
    Ok(())
}

/// Hands a claimed key back after a failure worth retrying (store away, lost race, an error
/// after the resource was written), so that a retry with the same key runs again at once.
///
/// The claim is kept, with its resource id, and only its lock is dropped: the first attempt may
/// have created the resource before it failed (its commit landed but the answer did not), and
/// the retry must then find that resource under the same id instead of creating a second one.
pub async fn unlock(db: &Db, scope: &str, key: &str) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET locked_at = 0 WHERE scope = $1 AND key = $2 \
         AND state = 'running'",
    )
    .bind(scope)
    .bind(key)
    .execute(db.pool())
    .await
    .context("unlocking an idempotency key")?;
    Ok(())
}

/// Deletes keys past their retention. Returns how many.
pub async fn purge_expired(db: &Db) -> anyhow::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM idempotency_keys WHERE expires_at < $1")
            .bind(now_ms())
            .execute(db.pool())
            .await
            .context("purging idempotency keys")?
            .rows_affected(),
    )
}
