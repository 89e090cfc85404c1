//! Leases: only one process runs a given subscriber at a time. A holder renews its lease well
//! before it expires; when the holder dies, the lease runs out and another process takes over.

use std::time::Duration;

use anyhow::Context;

use crate::clock::now_ms;
use crate::db::Db;

/// A lease on one subscriber name, held (or wanted) by this process.
pub struct Lease {
    db: Db,
    name: String,
    holder: String,
    ttl: Duration,
}

impl Lease {
    /// A lease for `name`, held under this process's `holder` id.
    pub fn new(db: Db, name: &str, holder: &str, ttl: Duration) -> Self {
        Self {
            db,
            name: name.to_string(),
            holder: holder.to_string(),
            ttl,
        }
    }

    /// Takes the lease if it is free or expired, or renews it if we hold it. True when held.
    pub async fn acquire_or_renew(&self) -> anyhow::Result<bool> {
        let now = now_ms();
        let expires = now + i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let result = sqlx::query(
            "INSERT INTO subscription_leases (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE subscription_leases.holder = excluded.holder OR subscription_leases.expires_at < $4",
        )
        .bind(&self.name)
        .bind(&self.holder)
        .bind(expires)
        .bind(now)
        .execute(self.db.pool())
        .await
        .with_context(|| format!("taking the lease of {}", self.name))?;
        Ok(result.rows_affected() == 1)
    }

    /// Gives the lease up (on shutdown), so another process need not wait for it to expire.
    pub async fn release(&self) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM subscription_leases WHERE name = $1 AND holder = $2")
            .bind(&self.name)
            .bind(&self.holder)
            .execute(self.db.pool())
            .await
            .with_context(|| format!("releasing the lease of {}", self.name))?;
        Ok(())
    }

    /// How long a lease lasts without renewal.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}
