//! The database handle shared by every part of the application: which store it is, a portable
//! `sqlx::Any` pool for the application's own tables, the typed Postgres pool that postgres-es
//! and LISTEN need, and the in-process write lock that keeps SQLite writers from spinning.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AnyPool, ConnectOptions, Executor, PgPool};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::event_log::LogNotifier;

/// Which event store a database URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL: the production store.
    Postgres,
    /// SQLite: the embedded default, one local file.
    Sqlite,
}

impl Backend {
    /// Reads the backend from a database URL's scheme.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else {
            bail!(
                "unsupported database URL {:?}: use postgres://… or sqlite://…",
                redact(url)
            )
        }
    }

    /// A short name for logs and status output.
    pub fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }
}

/// Sizing of the connection pools.
#[derive(Clone, Debug)]
pub struct PoolSettings {
    /// Connections of the portable pool.
    pub max_connections: u32,
    /// How long a caller waits for a free connection before the request fails.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// A cheap-to-clone handle on the store.
#[derive(Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

struct DbInner {
    backend: Backend,
    url: String,
    any: AnyPool,
    pg: Option<PgPool>,
    sqlite_write_lock: Option<Arc<Mutex<()>>>,
    notifier: LogNotifier,
}

/// A write transaction on the portable pool. On SQLite it also holds the process's write lock,
/// so that writers queue in memory instead of polling SQLite's busy handler.
pub struct WriteTx {
    /// The transaction itself.
    pub tx: sqlx::Transaction<'static, sqlx::Any>,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Db {
    /// Connects to the store a URL names (creating a SQLite file when missing). It does not migrate.
    pub async fn connect(url: &str, settings: &PoolSettings) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let shown = redact(url);
        let any_options = AnyConnectOptions::from_str(url)
            .with_context(|| format!("malformed database URL {shown:?}"))?
            .disable_statement_logging();
        let (any, pg) = match backend {
            Backend::Postgres => {
                let pg_options = PgConnectOptions::from_str(url)
                    .with_context(|| format!("malformed database URL {shown:?}"))?
                    .disable_statement_logging();
                // One probe connection first: a pool that cannot connect only says "timed out",
                // while the probe's error says why (refused, unknown database, bad password).
                let probe = tokio::time::timeout(
                    settings.acquire_timeout,
                    <sqlx::PgConnection as sqlx::Connection>::connect_with(&pg_options),
                )
                .await
                .map_err(|_| {
                    anyhow::anyhow!(
                        "cannot connect to {shown}: no answer within {:?}",
                        settings.acquire_timeout
                    )
                })?
                .map_err(|e| anyhow::anyhow!("cannot connect to {shown}: {}", root_message(&e)))?;
                sqlx::Connection::close(probe).await.ok();
                let pg = PgPoolOptions::new()
                    .max_connections(settings.max_connections)
                    .acquire_timeout(settings.acquire_timeout)
                    .connect_with(pg_options)
                    .await
                    .with_context(|| format!("cannot connect to {shown}"))?;
                let any = AnyPoolOptions::new()
                    .max_connections(settings.max_connections)
                    .acquire_timeout(settings.acquire_timeout)
                    .connect_with(any_options)
                    .await
                    .with_context(|| format!("cannot connect to {shown}"))?;
                (any, Some(pg))
            }
            Backend::Sqlite => {
                // WAL mode is a property of the file: set it once with the typed driver, which
                // also creates the file. Each portable connection then sets its own pragmas.
                let file_options = SqliteConnectOptions::from_str(url)
                    .with_context(|| format!("malformed database URL {shown:?}"))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10));
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(file_options)
                    .await
                    .with_context(|| format!("cannot open {shown}"))?
                    .close()
                    .await;
                let any = AnyPoolOptions::new()
                    .max_connections(settings.max_connections.min(8))
                    .acquire_timeout(settings.acquire_timeout)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(any_options)
                    .await
                    .with_context(|| format!("cannot open {shown}"))?;
                (any, None)
            }
        };
        Ok(Self {
            inner: Arc::new(DbInner {
                backend,
                url: url.to_string(),
                any,
                pg,
                sqlite_write_lock: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
                notifier: LogNotifier::default(),
            }),
        })
    }

    /// Which store this is.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The URL with any password hidden, for logs.
    pub fn display_url(&self) -> String {
        redact(&self.inner.url)
    }

    /// The URL itself (it may hold a secret: never log it).
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The portable pool for the application's own tables.
    pub fn pool(&self) -> &AnyPool {
        &self.inner.any
    }

    /// The typed Postgres pool, on Postgres only.
    pub fn pg(&self) -> Option<&PgPool> {
        self.inner.pg.as_ref()
    }

    /// Wake-ups for subscribers when events were committed.
    pub fn notifier(&self) -> &LogNotifier {
        &self.inner.notifier
    }

    /// Begins a write transaction: `BEGIN IMMEDIATE` under the process's write lock on SQLite,
    /// a plain `BEGIN` on Postgres.
    pub async fn begin_write(&self) -> anyhow::Result<WriteTx> {
        let guard = match &self.inner.sqlite_write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let tx = match self.inner.backend {
            Backend::Sqlite => self.inner.any.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.inner.any.begin().await,
        }
        .context("beginning a write transaction")?;
        Ok(WriteTx { tx, _guard: guard })
    }

    /// `FOR UPDATE` where the store has row locks; SQLite's write transaction already excludes
    /// every other writer.
    pub fn lock_rows(&self) -> &'static str {
        match self.inner.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }

    /// Closes the pools.
    pub async fn close(&self) {
        self.inner.any.close().await;
        if let Some(pg) = &self.inner.pg {
            pg.close().await;
        }
    }
}

/// The innermost message of a sqlx error, without sqlx's "error returned from database:" prefix.
fn root_message(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// Hides the password of a database URL.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The same Postgres URL naming another database.
pub fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let host = rest.split('/').next().unwrap_or(rest);
    match query {
        Some(query) => format!("{scheme}://{host}/{database}?{query}"),
        None => format!("{scheme}://{host}/{database}"),
    }
}

/// Creates a fresh, empty Postgres database on the server `admin_url` points at and returns
/// its URL. For tests and benchmarks, which must not write into a real store.
pub async fn create_scratch_postgres(admin_url: &str, prefix: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .with_context(|| format!("cannot connect to {}", redact(admin_url)))?;
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .with_context(|| format!("creating database {name}"))?;
    conn.close().await.ok();
    Ok(url_with_database(admin_url, &name))
}

/// Drops a database made by [`create_scratch_postgres`].
pub async fn drop_scratch_postgres(admin_url: &str, scratch_url: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let name = scratch_url
        .split('?')
        .next()
        .and_then(|base| base.rsplit('/').next())
        .context("scratch URL has no database name")?;
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await?;
    conn.close().await.ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_the_password_and_keeps_the_rest() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/ordercore"),
            "postgres://app:***@db:5432/ordercore"
        );
        assert_eq!(redact("sqlite://ordercore.db"), "sqlite://ordercore.db");
    }

    #[test]
    fn backend_is_read_from_the_scheme() {
        assert_eq!(
            Backend::from_url("postgresql://x/y").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("sqlite::memory:").unwrap(),
            Backend::Sqlite
        );
        assert!(Backend::from_url("mysql://x").is_err());
    }

    #[test]
    fn url_with_database_replaces_only_the_database() {
        assert_eq!(
            url_with_database("postgres://u:p@h:5432/test?sslmode=disable", "other"),
            "postgres://u:p@h:5432/other?sslmode=disable"
        );
        assert_eq!(
            url_with_database("postgres://h/test", "x"),
            "postgres://h/x"
        );
    }
}
