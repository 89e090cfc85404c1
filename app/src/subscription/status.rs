//! What ops see of each subscriber: position, lag in events and seconds, state, last error.

use chrono::Utc;
use serde::Serialize;
use sqlx::Row;

use super::Subscriber;
use crate::clock::now_ms;
use crate::db::Db;
use crate::event_log::{self, Checkpoint};

/// One subscriber's state as stored in the database (so any process can report it).
#[derive(Clone, Debug, Serialize)]
pub struct SubscriberStatus {
    /// The subscriber's name.
    pub name: String,
    /// `projection` or `reactor`.
    pub kind: String,
    /// Its checkpoint.
    pub checkpoint: Checkpoint,
    /// Events handled since its last rebuild.
    pub events_handled: i64,
    /// Events in the log after its checkpoint.
    pub lag_events: i64,
    /// Age in seconds of the oldest event it has not handled (0 when caught up).
    pub lag_seconds: f64,
    /// `running`, `failing` (retrying an event), `stopped` (no live lease) or `new`.
    pub state: String,
    /// Consecutive failures on the current event.
    pub failures: i64,
    /// The last error, while failing.
    pub last_error: Option<String>,
    /// The process holding its lease.
    pub lease_holder: Option<String>,
}

/// The status of the given subscribers.
pub async fn status_of(
    db: &Db,
    subscribers: &[Subscriber],
) -> anyhow::Result<Vec<SubscriberStatus>> {
    let mut result = Vec::with_capacity(subscribers.len());
    for subscriber in subscribers {
        let name = subscriber.name();
        let row = sqlx::query(
            "SELECT s.tx_id, s.position, s.events_handled, s.failures, s.last_error, \
                    l.holder, l.expires_at \
               FROM subscriptions s LEFT JOIN subscription_leases l ON l.name = s.name \
              WHERE s.name = $1",
        )
        .bind(name)
        .fetch_optional(db.pool())
        .await?;
        let status = match row {
            None => {
                let (lag_events, oldest) = event_log::backlog(db, Checkpoint::START).await?;
                SubscriberStatus {
                    name: name.to_string(),
                    kind: subscriber.kind().to_string(),
                    checkpoint: Checkpoint::START,
                    events_handled: 0,
                    lag_events,
                    lag_seconds: age_seconds(oldest),
                    state: "new".into(),
                    failures: 0,
                    last_error: None,
                    lease_holder: None,
                }
            }
            Some(row) => {
                let checkpoint = Checkpoint {
                    tx_id: row.try_get("tx_id")?,
                    position: row.try_get("position")?,
                };
                let (lag_events, oldest) = event_log::backlog(db, checkpoint).await?;
                let failures: i64 = row.try_get("failures")?;
                let holder: Option<String> = row.try_get("holder")?;
                let expires_at: Option<i64> = row.try_get("expires_at")?;
                let leased = expires_at.is_some_and(|t| t > now_ms());
                let state = if failures > 0 {
                    "failing"
                } else if leased {
                    "running"
                } else {
                    "stopped"
                };
                SubscriberStatus {
                    name: name.to_string(),
                    kind: subscriber.kind().to_string(),
                    checkpoint,
                    events_handled: row.try_get("events_handled")?,
                    lag_events,
                    lag_seconds: age_seconds(oldest),
                    state: state.into(),
                    failures,
                    last_error: row.try_get("last_error")?,
                    lease_holder: holder.filter(|_| leased),
                }
            }
        };
        metrics::gauge!("ordercore_subscriber_lag_events", "subscriber" => name)
            .set(status.lag_events as f64);
        metrics::gauge!("ordercore_subscriber_position", "subscriber" => name)
            .set(status.checkpoint.position as f64);
        result.push(status);
    }
    Ok(result)
}

fn age_seconds(oldest: Option<chrono::DateTime<Utc>>) -> f64 {
    oldest
        .map(|t| ((Utc::now() - t).num_milliseconds().max(0) as f64) / 1000.0)
        .unwrap_or(0.0)
}
