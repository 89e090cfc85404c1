//! ordercore's SQL migrations, embedded at compile time so that the binary carries its schema.
//!
//! There is one set per store. They create the event log, snapshots, subscription checkpoints and
//! leases, and the application's own tables (inbox, quarantine, idempotency keys, ...). Read
//! models create their own tables, because a rebuild builds them afresh beside the live ones.

use sqlx::migrate::Migrator;

/// Migrations for PostgreSQL.
pub static POSTGRES: Migrator = sqlx::migrate!("./pg");

/// Migrations for SQLite.
pub static SQLITE: Migrator = sqlx::migrate!("./sqlite");

/// The newest schema version this binary knows, for a store's migrator.
pub fn latest_version(migrator: &Migrator) -> i64 {
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}
