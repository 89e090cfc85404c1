//! Wake-ups for subscribers. Postgres delivers `NOTIFY ordercore_events` when a writing
//! transaction commits; SQLite's repository signals in process. Either way subscribers also poll,
//! so a lost wake-up only delays them.

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;

/// A counter that moves forward whenever events were committed.
#[derive(Clone)]
pub struct LogNotifier {
    sender: watch::Sender<u64>,
}

impl Default for LogNotifier {
    fn default() -> Self {
        Self {
            sender: watch::channel(0).0,
        }
    }
}

impl LogNotifier {
    /// Signals that events were committed.
    pub fn notify(&self) {
        self.sender.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver to wait on with [`watch::Receiver::changed`].
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.sender.subscribe()
    }

    /// Forwards Postgres notifications into this notifier until the pool closes. Reconnects
    /// after errors; while disconnected, subscribers fall back to polling.
    pub fn spawn_pg_listener(&self, pool: sqlx::PgPool) -> tokio::task::JoinHandle<()> {
        let notifier = self.clone();
        tokio::spawn(async move {
            loop {
                if pool.is_closed() {
                    return;
                }
                match PgListener::connect_with(&pool).await {
                    Ok(mut listener) => {
                        if let Err(e) = listener.listen("ordercore_events").await {
                            tracing::warn!(error = %e, "LISTEN failed; subscribers poll");
                        } else {
                            loop {
                                match listener.recv().await {
                                    Ok(_) => notifier.notify(),
                                    Err(e) => {
                                        tracing::warn!(error = %e, "LISTEN connection lost");
                                        break;
                                    }
                                }
                            }
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "LISTEN connection failed"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }
}
