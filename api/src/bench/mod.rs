//! `ordercore bench`: measurements printed as numbers and as ratios against a baseline measured
//! in the same run. Each store runs in a scratch database (a temporary SQLite file, a fresh
//! Postgres database dropped afterwards), never in the configured store.
//!
//! - `store` (`event_store`): appends through cqrs-es and our stores against raw SQL;
//! - `pricing` (`pricing`, `quotes`, `list_import`): the scale data loaded into a server started
//!   in process, then quotes, a price sheet and a list import against in-process and raw-SQL
//!   baselines;
//! - `orders` (`orders`): `POST /v1/orders` at 8 and 32 clients against the raw-SQL append rate.

mod event_store;
mod list_import;
mod orders;
mod pricing;
mod quotes;
mod report;

use clap::{Args, ValueEnum};

/// `bench` flags.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// A Postgres server to benchmark on as well (a scratch database is created there and
    /// dropped afterwards), e.g. postgres://postgres@127.0.0.1:5432/postgres.
    #[arg(long, env = "ORDERCORE_BENCH_POSTGRES")]
    pub postgres: Option<String>,
    /// Commands per writer-count configuration.
    #[arg(long, default_value_t = 2000)]
    pub events: usize,
    /// Which benchmark.
    #[arg(long, value_enum, default_value_t = Only::All)]
    pub only: Only,
    /// Pricing: SKUs of the scale data (default 100,000), for a quicker run.
    #[arg(long)]
    pub skus: Option<usize>,
    /// Orders: load the scale data (100,000 SKUs, 5,000 companies) instead of the demo data.
    #[arg(long)]
    pub scale: bool,
    /// Measure on Postgres only (with `--postgres`), not on SQLite.
    #[arg(long, requires = "postgres")]
    pub no_sqlite: bool,
}

/// The benchmarks `--only` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Only {
    /// The event store: appends and global-log reads.
    Store,
    /// Quotes, price sheets and price-list imports on the scale data.
    Pricing,
    /// Order placement over HTTP at 8 and 32 clients (demo data; `--scale` for the scale data).
    Orders,
    /// Store and pricing (orders are run on their own: `--only orders`).
    All,
}

/// Runs the benchmarks on SQLite and, if given, on Postgres.
pub async fn run(_configured_url: &str, args: BenchArgs) -> anyhow::Result<()> {
    let mut targets = Vec::new();
    if !args.no_sqlite {
        targets.push(Target::sqlite()?);
    }
    if let Some(admin) = &args.postgres {
        targets.push(Target::postgres(admin).await?);
    }
    for target in &targets {
        println!("\n=== {} ===", target.label);
        if matches!(args.only, Only::Store | Only::All) {
            if let Err(e) = event_store::run(&target.url, args.events).await {
                println!("event store benchmark failed: {e:#}");
            }
        }
        if matches!(args.only, Only::Pricing | Only::All) {
            if let Err(e) = pricing::run(&target.url, args.skus).await {
                println!("pricing benchmark failed: {e:#}");
            }
        }
        if args.only == Only::Orders {
            if let Err(e) = orders::run(&target.url, args.skus, args.scale).await {
                println!("order benchmark failed: {e:#}");
            }
        }
    }
    for target in targets {
        target.cleanup().await;
    }
    Ok(())
}

/// A scratch store to measure on.
pub(crate) struct Target {
    pub label: String,
    pub url: String,
    admin: Option<String>,
    dir: Option<std::path::PathBuf>,
}

impl Target {
    fn sqlite() -> anyhow::Result<Self> {
        let dir =
            std::env::temp_dir().join(format!("ordercore-bench-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)?;
        let url = format!("sqlite://{}", dir.join("bench.db").display());
        Ok(Self {
            label: "SQLite (embedded, WAL, synchronous=FULL)".into(),
            url,
            admin: None,
            dir: Some(dir),
        })
    }

    async fn postgres(admin: &str) -> anyhow::Result<Self> {
        let url = app::db::create_scratch_postgres(admin, "ordercore_bench").await?;
        Ok(Self {
            label: "PostgreSQL".into(),
            url,
            admin: Some(admin.to_string()),
            dir: None,
        })
    }

    async fn cleanup(self) {
        if let Some(admin) = &self.admin {
            if let Err(e) = app::db::drop_scratch_postgres(admin, &self.url).await {
                eprintln!("could not drop scratch database: {e:#}");
            }
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Percentile of a sorted slice of durations in milliseconds.
pub(crate) fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted_ms.len() - 1) as f64).round() as usize;
    sorted_ms[rank.min(sorted_ms.len() - 1)]
}
