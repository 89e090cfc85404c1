//! Applying the embedded migrations, and refusing a database whose schema is newer than this
//! binary (an older binary must not write into a layout it does not know).

use anyhow::{bail, Context};
use sqlx::migrate::Migrator;
use sqlx::Row;

use crate::db::{Backend, Db};

/// The migration set of a backend.
pub fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Postgres => &migrations::POSTGRES,
        Backend::Sqlite => &migrations::SQLITE,
    }
}

/// The applied schema version and the newest this binary knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaVersion {
    /// Highest migration applied to the database (0 for an empty database).
    pub applied: i64,
    /// Highest migration this binary carries.
    pub known: i64,
}

impl SchemaVersion {
    /// True when the database is exactly at this binary's schema.
    pub fn is_current(&self) -> bool {
        self.applied == self.known
    }
}

/// Reads the schema version of the database.
pub async fn version(db: &Db) -> anyhow::Result<SchemaVersion> {
    let known = migrations::latest_version(migrator(db.backend()));
    let exists_sql = match db.backend() {
        Backend::Postgres => {
            "SELECT count(*) AS n FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
        }
        Backend::Sqlite => {
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
    };
    let exists: i64 = sqlx::query(exists_sql)
        .fetch_one(db.pool())
        .await
        .context("reading the schema version")?
        .try_get("n")?;
    if exists == 0 {
        return Ok(SchemaVersion { applied: 0, known });
    }
    let applied: Option<i64> =
        sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success = $1")
            .bind(true)
            .fetch_one(db.pool())
            .await
            .context("reading the schema version")?;
    Ok(SchemaVersion {
        applied: applied.unwrap_or(0),
        known,
    })
}

/// Brings the database to this binary's schema. Refuses a newer schema with a clear message.
pub async fn migrate(db: &Db) -> anyhow::Result<SchemaVersion> {
    let before = version(db).await?;
    if before.applied > before.known {
        bail!(
            "the database schema is at version {} but this ordercore binary knows only up to {}: \
             upgrade ordercore before using this database",
            before.applied,
            before.known
        );
    }
    migrator(db.backend())
        .run(db.pool())
        .await
        .with_context(|| format!("migrating {}", db.display_url()))?;
    version(db).await
}
