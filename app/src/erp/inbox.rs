//! The ERP inbox: every message id is answered once and then replayed, and every refused message
//! is kept in quarantine for ops.

use anyhow::Context;
use serde::Serialize;
use sqlx::Row;

use crate::clock::now_ms;
use crate::db::Db;
use crate::fingerprint::Fingerprint;

/// The first answer given to a message id.
#[derive(Clone, Debug)]
pub struct StoredAnswer {
    /// HTTP status of the first answer.
    pub status: u16,
    /// Body of the first answer (JSON text).
    pub response: String,
    /// True when the repeat carried a different body than the first message.
    pub body_differs: bool,
}

/// The stored answer for a message id, if it was seen before.
pub async fn lookup(
    db: &Db,
    message_id: &str,
    fingerprint: &Fingerprint,
) -> anyhow::Result<Option<StoredAnswer>> {
    let row =
        sqlx::query("SELECT request_hash, status, response FROM erp_inbox WHERE message_id = $1")
            .bind(message_id)
            .fetch_optional(db.pool())
            .await
            .context("reading the ERP inbox")?;
    row.map(|row| {
        let stored_hash: String = row.try_get("request_hash")?;
        let status: i64 = row.try_get("status")?;
        Ok(StoredAnswer {
            status: u16::try_from(status).unwrap_or(500),
            response: row.try_get("response")?,
            body_differs: !fingerprint.matches(&stored_hash),
        })
    })
    .transpose()
}

/// Records the answer given to a message id (the first one wins when two race).
pub async fn record(
    db: &Db,
    message_id: &str,
    endpoint: &str,
    fingerprint: &Fingerprint,
    status: u16,
    response: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO erp_inbox (message_id, endpoint, request_hash, status, response, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(message_id)
    .bind(endpoint)
    .bind(fingerprint.stored())
    .bind(i64::from(status))
    .bind(response)
    .bind(now_ms())
    .execute(db.pool())
    .await
    .context("recording an ERP answer")?;
    Ok(())
}

/// A quarantined message.
#[derive(Clone, Debug, Serialize)]
pub struct Quarantined {
    /// Quarantine entry id (time-ordered).
    pub id: String,
    /// The message id, when the message had a readable one.
    pub message_id: Option<String>,
    /// `METHOD path` the message came to.
    pub endpoint: String,
    /// Why it was refused (the problem's `errors`).
    pub errors: serde_json::Value,
    /// The message as received (text; not JSON when it was not JSON).
    pub body: String,
    /// When it arrived (epoch milliseconds).
    pub received_at: i64,
}

/// Keeps a refused message.
pub async fn quarantine(
    db: &Db,
    message_id: Option<&str>,
    endpoint: &str,
    errors: &serde_json::Value,
    body: &[u8],
) -> anyhow::Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO erp_quarantine (id, message_id, endpoint, errors, body, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(message_id)
    .bind(endpoint)
    .bind(errors.to_string())
    // Kept as text; a NUL byte (which no PostgreSQL text can hold) is shown as U+FFFD.
    .bind(String::from_utf8_lossy(body).replace('\0', "\u{FFFD}"))
    .bind(now_ms())
    .execute(db.pool())
    .await
    .context("quarantining an ERP message")?;
    metrics::counter!("ordercore_erp_quarantined_total").increment(1);
    Ok(id)
}

/// Quarantined messages, oldest first, after a cursor.
pub async fn list_quarantine(
    db: &Db,
    after: Option<&str>,
    limit: i64,
) -> anyhow::Result<Vec<Quarantined>> {
    let rows = sqlx::query(
        "SELECT id, message_id, endpoint, errors, body, received_at FROM erp_quarantine \
         WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after.unwrap_or(""))
    .bind(limit)
    .fetch_all(db.pool())
    .await
    .context("listing the quarantine")?;
    rows.iter()
        .map(|row| {
            let errors: String = row.try_get("errors")?;
            Ok(Quarantined {
                id: row.try_get("id")?,
                message_id: row.try_get("message_id")?,
                endpoint: row.try_get("endpoint")?,
                errors: serde_json::from_str(&errors).unwrap_or(serde_json::Value::String(errors)),
                body: row.try_get("body")?,
                received_at: row.try_get("received_at")?,
            })
        })
        .collect()
}
