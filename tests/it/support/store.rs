//! Fresh stores for tests: a new Postgres database per test (dropped afterwards) or a new SQLite
//! file in a temporary directory.

use std::path::PathBuf;

use app::db::{Backend, Db, PoolSettings};

/// The Postgres server tests use: `DATABASE_URL` (any database on it; fresh ones are created).
pub fn postgres_admin_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// True when the developer explicitly chose to run without Postgres.
pub fn postgres_skipped() -> bool {
    std::env::var("ORDERCORE_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1")
}

/// A scratch store, removed when dropped.
pub struct TestStore {
    pub backend: Backend,
    pub url: String,
    admin: Option<String>,
    dir: Option<PathBuf>,
}

impl TestStore {
    /// A new, empty, migrated-on-connect store of the given kind. `None` only when Postgres is
    /// explicitly skipped; an unreachable Postgres otherwise fails the test loudly.
    pub async fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir()
                    .join(format!("ordercore-it-{}", uuid::Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = format!("sqlite://{}", dir.join("store.db").display());
                Some(Self {
                    backend,
                    url,
                    admin: None,
                    dir: Some(dir),
                })
            }
            Backend::Postgres => {
                if postgres_skipped() {
                    eprintln!("ORDERCORE_TEST_SKIP_POSTGRES=1: Postgres variant skipped");
                    return None;
                }
                let admin = postgres_admin_url();
                let url = app::db::create_scratch_postgres(&admin, "ordercore_it")
                    .await
                    .unwrap_or_else(|e| {
                        panic!(
                            "the Postgres tests need a server at DATABASE_URL ({}): {e:#}. \
                             Start PostgreSQL or set ORDERCORE_TEST_SKIP_POSTGRES=1 to skip them \
                             knowingly.",
                            app::db::redact(&admin)
                        )
                    });
                Some(Self {
                    backend,
                    url,
                    admin: Some(admin),
                    dir: None,
                })
            }
        }
    }

    /// Connects and migrates.
    pub async fn db(&self) -> Db {
        let db = Db::connect(
            &self.url,
            &PoolSettings {
                max_connections: 12,
                ..Default::default()
            },
        )
        .await
        .expect("connect to the test store");
        app::schema::migrate(&db)
            .await
            .expect("migrate the test store");
        if let Some(pg) = db.pg() {
            db.notifier().spawn_pg_listener(pg.clone());
        }
        db
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(admin) = self.admin.take() {
            let url = self.url.clone();
            // Drop runs outside any runtime's async context: use a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(app::db::drop_scratch_postgres(&admin, &url))
            })
            .join();
        }
    }
}

/// Runs a test body against both stores. Generates `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! both_stores {
    ($(#[$meta:meta])* async fn $name:ident($store:ident: &TestStore) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($store: &$crate::support::store::TestStore) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                $crate::support::init();
                let store = $crate::support::store::TestStore::new(app::db::Backend::Sqlite)
                    .await
                    .expect("sqlite store");
                body(&store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                $crate::support::init();
                if let Some(store) =
                    $crate::support::store::TestStore::new(app::db::Backend::Postgres).await
                {
                    body(&store).await;
                }
            }
        }
    };
}
