//! The ERP outbox: what has to reach the ERP, in which order, and how each delivery went.

use anyhow::Context;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::clock::now_ms;
use crate::db::Db;
use crate::event_log::Checkpoint;

/// What is delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// The order itself.
    Submit,
    /// A cancellation the buyer asked for.
    Cancel,
}

impl Operation {
    /// `submit` or `cancel`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Cancel => "cancel",
        }
    }
}

/// One delivery.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    /// `<order_id>:submit` or `<order_id>:cancel:<n>`; also the ERP's idempotency key.
    pub id: String,
    /// The order.
    pub order_id: String,
    /// Its company (deliveries of one company go in order).
    pub company_id: String,
    /// Submit or cancel.
    pub operation: Operation,
    /// `pending`, `done` or `dead`.
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// When the next attempt is due (epoch ms).
    pub next_attempt_at: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// For dead letters: whether the order was compensated (refused by the ERP).
    pub compensated: bool,
    /// How it ended.
    pub outcome: Option<String>,
    /// When it was queued (epoch ms).
    pub created_at: i64,
}

fn delivery(row: &AnyRow) -> anyhow::Result<Delivery> {
    let operation: String = row.try_get("operation")?;
    Ok(Delivery {
        id: row.try_get("id")?,
        order_id: row.try_get("order_id")?,
        company_id: row.try_get("company_id")?,
        operation: if operation == "cancel" {
            Operation::Cancel
        } else {
            Operation::Submit
        },
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        compensated: row.try_get::<i64, _>("compensated")? != 0,
        outcome: row.try_get("outcome")?,
        created_at: row.try_get("created_at")?,
    })
}

const COLUMNS: &str = "id, order_id, company_id, operation, state, attempts, next_attempt_at, \
                       last_error, compensated, outcome, created_at";

/// Queues a delivery (idempotent: a delivery already queued stays as it is).
pub async fn enqueue(
    db: &Db,
    id: &str,
    order_id: &str,
    company_id: &str,
    operation: Operation,
    at: Checkpoint,
) -> anyhow::Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO erp_outbox (id, order_id, company_id, operation, seq_tx, seq_pos, state, \
         next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7, $7) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(order_id)
    .bind(company_id)
    .bind(operation.as_str())
    .bind(at.tx_id)
    .bind(at.position)
    .bind(now)
    .execute(db.pool())
    .await
    .context("queueing an ERP delivery")?;
    Ok(())
}

/// The deliveries that may go now: the oldest pending delivery of each company, when due.
pub async fn due(db: &Db, limit: i64) -> anyhow::Result<Vec<Delivery>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM erp_outbox o WHERE o.state = 'pending' AND o.next_attempt_at <= $1 \
         AND NOT EXISTS (SELECT 1 FROM erp_outbox p WHERE p.company_id = o.company_id \
           AND p.state = 'pending' AND (p.seq_tx < o.seq_tx OR (p.seq_tx = o.seq_tx AND p.seq_pos < o.seq_pos))) \
         ORDER BY o.seq_tx, o.seq_pos LIMIT $2"
    );
    sqlx::query(&sql)
        .bind(now_ms())
        .bind(limit)
        .fetch_all(db.pool())
        .await
        .context("reading due ERP deliveries")?
        .iter()
        .map(delivery)
        .collect()
}

/// When the next delivery that may go (the oldest pending of its company) is due (epoch ms).
pub async fn next_due_at(db: &Db) -> anyhow::Result<Option<i64>> {
    let sql = "SELECT min(o.next_attempt_at) AS next FROM erp_outbox o WHERE o.state = 'pending' \
         AND NOT EXISTS (SELECT 1 FROM erp_outbox p WHERE p.company_id = o.company_id \
           AND p.state = 'pending' AND (p.seq_tx < o.seq_tx OR (p.seq_tx = o.seq_tx AND p.seq_pos < o.seq_pos)))";
    let row = sqlx::query(sql)
        .fetch_one(db.pool())
        .await
        .context("reading when the next ERP delivery is due")?;
    Ok(row.try_get::<Option<i64>, _>("next")?)
}

/// Records an attempt that will be retried at `next_attempt_at`.
pub async fn retry_later(
    db: &Db,
    id: &str,
    attempts: i64,
    next_attempt_at: i64,
    error: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE erp_outbox SET attempts = $2, next_attempt_at = $3, last_error = $4, updated_at = $5 \
         WHERE id = $1 AND state = 'pending'",
    )
    .bind(id)
    .bind(attempts)
    .bind(next_attempt_at)
    .bind(error)
    .bind(now_ms())
    .execute(db.pool())
    .await
    .context("recording a failed ERP attempt")?;
    Ok(())
}

/// Ends a delivery: `done` with an outcome, or `dead` (dead letter).
pub async fn finish(
    db: &Db,
    id: &str,
    attempts: i64,
    state: &str,
    outcome: &str,
    compensated: bool,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE erp_outbox SET state = $2, attempts = $3, outcome = $4, compensated = $5, \
         last_error = CASE WHEN $2 = 'dead' THEN $4 ELSE last_error END, updated_at = $6 WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(attempts)
    .bind(outcome)
    .bind(i64::from(compensated))
    .bind(now_ms())
    .execute(db.pool())
    .await
    .context("ending an ERP delivery")?;
    Ok(())
}

/// Pending and dead-lettered deliveries, oldest first.
pub async fn list(db: &Db, state: Option<&str>, limit: i64) -> anyhow::Result<Vec<Delivery>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM erp_outbox WHERE state IN ('pending', 'dead') AND ($1 = '' OR state = $1) \
         ORDER BY seq_tx, seq_pos LIMIT $2"
    );
    sqlx::query(&sql)
        .bind(state.unwrap_or(""))
        .bind(limit)
        .fetch_all(db.pool())
        .await
        .context("listing the ERP outbox")?
        .iter()
        .map(delivery)
        .collect()
}

/// One delivery.
pub async fn get(db: &Db, id: &str) -> anyhow::Result<Option<Delivery>> {
    let sql = format!("SELECT {COLUMNS} FROM erp_outbox WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(delivery)
        .transpose()
}

/// Puts a dead letter back in the queue, due now, with its attempts reset. False when it is not
/// a dead letter.
pub async fn requeue(db: &Db, id: &str) -> anyhow::Result<bool> {
    let now = now_ms();
    let changed = sqlx::query(
        "UPDATE erp_outbox SET state = 'pending', attempts = 0, next_attempt_at = $2, outcome = NULL, \
         updated_at = $2 WHERE id = $1 AND state = 'dead'",
    )
    .bind(id)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(changed.rows_affected() == 1)
}

/// Figures for metrics: pending count, age of the oldest pending (ms), dead letters.
pub async fn figures(db: &Db) -> anyhow::Result<(i64, i64, i64)> {
    let row = sqlx::query(
        "SELECT (SELECT count(*) FROM erp_outbox WHERE state = 'pending') AS pending, \
         (SELECT min(created_at) FROM erp_outbox WHERE state = 'pending') AS oldest, \
         (SELECT count(*) FROM erp_outbox WHERE state = 'dead') AS dead",
    )
    .fetch_one(db.pool())
    .await?;
    let oldest: Option<i64> = row.try_get("oldest")?;
    Ok((
        row.try_get("pending")?,
        oldest.map(|t| now_ms() - t).unwrap_or(0),
        row.try_get("dead")?,
    ))
}
