//! The pricing benchmark: a server started in process on a scratch store, loaded with the scale
//! data through its ERP API; then quotes, a price sheet and a large list import, each beside a
//! baseline measured in the same run.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::Value;

use app::db::Db;

use super::report::{secs, Table};
use super::{list_import, quotes};
use crate::demo::{Dataset, DemoSize};
use crate::server::{RunningServer, ServerConfig};

/// SKUs in the price sheet measurement (at most the number of products).
const SHEET_SKUS: usize = 10_000;
/// Longest wait for the read models after a load.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(3 * 3600);
/// Consecutive failures after which a subscriber is reported rather than waited for.
const STUCK_AFTER: i64 = 10;

/// Runs the pricing benchmark on the store at `url` with the scale data, optionally with fewer
/// SKUs.
pub(super) async fn run(url: &str, skus: Option<usize>) -> anyhow::Result<()> {
    let mut config = ServerConfig::new(url);
    config.listen = "127.0.0.1:0".parse()?;
    // The scale lists are single requests of tens of megabytes.
    config.request_timeout = Duration::from_secs(3600);
    // Measure the server, not the per-key rate limit that protects it in production.
    config.rate_limit = (1_000_000, 1_000_000);
    let server = crate::server::start(config).await?;
    let result = measure(&server, skus).await;
    server.stop().await?;
    result
}

async fn measure(server: &RunningServer, skus: Option<usize>) -> anyhow::Result<()> {
    let base = format!("http://{}", server.addr);
    let db = &server.state.db;
    use app::auth::Scope;
    let key = app::auth::create(db, "bench", &[Scope::Eshop(None), Scope::Erp, Scope::Ops])
        .await?
        .token;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {key}").parse()?,
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(3600))
        .default_headers(headers)
        .build()?;
    let size = DemoSize::scale().resized(skus, None);
    let dataset = Dataset::generate(&size);

    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} loading {msg:<12} [{bar:30}] {pos}/{len} messages, {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let summary = crate::demo::load(&base, Some(&key), &dataset, Some(&bar)).await?;
    bar.finish_and_clear();
    wait_for_read_models(&http, &base, db).await?;
    let caught_up = started.elapsed().as_secs_f64();
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(db.pool())
        .await?;
    println!("{summary}");
    if let Some(pg) = db.pg() {
        // A bulk load leaves the planner's statistics behind (and autovacuum may be off, as on
        // CI servers); a production server's autovacuum would have analyzed by now.
        let autovacuum: String = sqlx::query_scalar("SHOW autovacuum").fetch_one(pg).await?;
        sqlx::query("ANALYZE").execute(pg).await?;
        println!("ran ANALYZE after the load (autovacuum is {autovacuum} on this server)");
    }
    println!(
        "{events} events; read models caught up {} after the first message\n",
        secs(caught_up)
    );
    let mut table = Table::default();
    let target = quotes::Server {
        read_side: &server.state.read_side,
        http: &http,
        base: &base,
    };
    quotes::quotes(&target, &dataset, &mut table).await?;
    quotes::price_sheet(&target, &dataset, SHEET_SKUS.min(size.skus), &mut table).await?;
    let wait = || wait_for_read_models(&http, &base, db);
    list_import::run(&http, &base, db, &dataset, wait, &mut table).await?;
    print!("{table}");
    Ok(())
}

/// Polls `GET /v1/ops/projections` until every subscriber has handled the whole log.
async fn wait_for_read_models(http: &reqwest::Client, base: &str, db: &Db) -> anyhow::Result<()> {
    let deadline = Instant::now() + CATCH_UP_LIMIT;
    loop {
        let head = app::event_log::head(db).await?;
        let status: Value = http
            .get(format!("{base}/v1/ops/projections"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let items = status["items"]
            .as_array()
            .context("projection status has items")?;
        let done = items
            .iter()
            .all(|i| i["lag_events"] == 0 && i["position"].as_i64() == Some(head.position));
        if done {
            return Ok(());
        }
        // A subscriber that keeps failing will never catch up: say which instead of waiting.
        if let Some(stuck) = items
            .iter()
            .find(|i| i["state"] == "failing" && i["failures"].as_i64() >= Some(STUCK_AFTER))
        {
            anyhow::bail!(
                "subscriber {} keeps failing: {}",
                stuck["name"],
                stuck["last_error"]
            );
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the read models did not catch up within {CATCH_UP_LIMIT:?}: {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
