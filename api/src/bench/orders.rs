//! `POST /v1/orders` over HTTP with 5-line orders at 8 and 32 concurrent clients, on a server
//! started in process and loaded with the demo or scale data; beside it, in the same run, the
//! raw-SQL append rate of the store (what one event costs without ordercore around it).

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::percentile;
use crate::demo::{Dataset, DemoSize};
use crate::server::ServerConfig;

/// Orders placed per concurrency level.
const ORDERS_PER_LEVEL: usize = 400;
/// Companies that get a buyer (their orders spread over many aggregates and credit limits).
const BUYING_COMPANIES: usize = 50;

/// Runs the order benchmark on the store at `url`.
pub(super) async fn run(url: &str, skus: Option<usize>, scale: bool) -> anyhow::Result<()> {
    let mut config = ServerConfig::new(url);
    config.listen = "127.0.0.1:0".parse()?;
    config.request_timeout = Duration::from_secs(3600);
    config.rate_limit = (1_000_000, 1_000_000);
    let server = crate::server::start(config).await?;
    let result = measure(&server, skus, scale).await;
    server.stop().await?;
    result
}

async fn measure(
    server: &crate::server::RunningServer,
    skus: Option<usize>,
    scale: bool,
) -> anyhow::Result<()> {
    use app::auth::Scope;
    let base = format!("http://{}", server.addr);
    let db = &server.state.db;
    let key = app::auth::create(
        db,
        "bench-orders",
        &[Scope::Eshop(None), Scope::Erp, Scope::Ops],
    )
    .await?
    .token;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {key}").parse()?,
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .default_headers(headers)
        .build()?;
    let size = if scale {
        DemoSize::scale()
    } else {
        DemoSize::demo()
    }
    .resized(skus, None);
    let dataset = Dataset::generate(&size);
    let started = Instant::now();
    crate::demo::load(&base, Some(&key), &dataset, None).await?;
    println!(
        "loaded {} SKUs and {} companies in {:.0} s",
        size.skus,
        size.companies,
        started.elapsed().as_secs_f64()
    );

    // Buyers, and plenty of stock for the SKUs the orders use.
    let companies: Vec<_> = dataset
        .companies
        .iter()
        .filter(|c| c.currency == "CZK")
        .take(BUYING_COMPANIES)
        .collect();
    for company in &companies {
        let reply = http
            .post(format!("{base}/v1/companies/{}/users", company.id))
            .json(&json!({"user_id": "bench-buyer", "name": "Bench Buyer", "role": "buyer"}))
            .send()
            .await?;
        anyhow::ensure!(
            reply.status().is_success() || reply.status().as_u16() == 409,
            "adding a buyer: {}",
            reply.status()
        );
    }
    let products: Vec<String> = dataset
        .active_products()
        .take(500)
        .map(|p| p.sku.clone())
        .collect();
    let levels: Vec<_> = products
        .iter()
        .flat_map(|sku| {
            ["PRG", "BRQ", "OVA"]
                .map(|w| json!({"sku": sku, "warehouse": w, "on_hand": "10000000"}))
        })
        .collect();
    http.post(format!("{base}/v1/erp/stock-levels"))
        .json(&json!({"message_id": "bench-orders-stock", "levels": levels}))
        .send()
        .await?
        .error_for_status()?;
    wait_caught_up(db, &READ_MODELS).await?;

    println!(
        "\n{:<34} {:>8} {:>10} {:>10} {:>10}",
        "POST /v1/orders (5 lines)", "clients", "orders/s", "p50 ms", "p99 ms"
    );
    let mut rates = Vec::new();
    for clients in [8usize, 32] {
        let http = http.clone();
        let base = base.clone();
        let products = Arc::new(products.clone());
        let company_ids: Arc<Vec<String>> =
            Arc::new(companies.iter().map(|c| c.id.clone()).collect());
        let started = Instant::now();
        let latencies: Vec<anyhow::Result<f64>> = futures::stream::iter(0..ORDERS_PER_LEVEL)
            .map(|i| {
                let (http, base, products, company_ids) = (http.clone(), base.clone(), products.clone(), company_ids.clone());
                async move {
                    let mut rng = StdRng::seed_from_u64((clients * 100_000 + i) as u64);
                    let lines: Vec<_> = (0..5).map(|_| json!({"sku": products[rng.random_range(0..products.len())], "quantity": rng.random_range(1..5)})).collect();
                    let company = &company_ids[i % company_ids.len()];
                    let body = json!({"company_id": company, "channel": "b2b-cz", "currency": "CZK", "lines": lines, "delivery_address_id": "HQ"});
                    let t = Instant::now();
                    let reply = http.post(format!("{base}/v1/orders"))
                        .header("x-acting-user", "bench-buyer")
                        .header("idempotency-key", format!("bench-{clients}-{i}"))
                        .json(&body)
                        .send()
                        .await?;
                    anyhow::ensure!(reply.status().as_u16() == 201, "placing an order: {} {}", reply.status(), reply.text().await.unwrap_or_default());
                    Ok(t.elapsed().as_secs_f64() * 1000.0)
                }
            })
            .buffer_unordered(clients)
            .collect()
            .await;
        let secs = started.elapsed().as_secs_f64();
        let ms = latencies.into_iter().collect::<anyhow::Result<Vec<f64>>>();
        // The answer comes once the order is placed; reservations and read models follow from
        // the log. Until they have caught up is the order's whole way to `ready_for_erp`.
        wait_caught_up(db, &["order_reservations", "orders", "availability"]).await?;
        let settled = started.elapsed().as_secs_f64();
        let mut ms = ms?;
        ms.sort_by(|a, b| a.total_cmp(b));
        let rate = ms.len() as f64 / secs;
        rates.push(rate);
        println!(
            "{:<34} {:>8} {:>10.1} {:>10.1} {:>10.1}",
            "  answered 201 (priced, placed)",
            clients,
            rate,
            percentile(&ms, 50.0),
            percentile(&ms, 99.0)
        );
        println!(
            "{:<34} {:>8} {:>10.1}   (all {} reserved and read models caught up after {:.1} s)",
            "  reserved, read models caught up",
            clients,
            ms.len() as f64 / settled,
            ms.len(),
            settled
        );
    }
    let statuses: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM rm_orders GROUP BY status ORDER BY status")
            .fetch_all(db.pool())
            .await?;
    let statuses: Vec<String> = statuses.iter().map(|(s, n)| format!("{s} {n}")).collect();
    println!("  orders by status: {}", statuses.join(", "));
    let raw = super::event_store::raw_rate(db, 8, 800).await?;
    println!(
        "{:<34} {:>8} {:>10.0}   (raw SQL: read a stream, insert one event; same store, same run)",
        "  reference: raw append events/s", 8, raw
    );
    for (clients, rate) in [8, 32].iter().zip(&rates) {
        println!(
            "  ratio orders/s ÷ raw events/s at {clients} clients: {:.3}",
            rate / raw
        );
    }
    Ok(())
}

/// The read models an order is priced and placed from.
const READ_MODELS: [&str; 5] = [
    "availability",
    "orders",
    "price_lists",
    "companies",
    "catalog",
];

async fn wait_caught_up(db: &app::db::Db, subscribers: &[&str]) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(3600);
    loop {
        let mut behind = 0;
        for &name in subscribers {
            let at = app::subscription::load_checkpoint(db, name).await?;
            behind += app::event_log::backlog(db, at).await?.0;
        }
        if behind == 0 {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "read models did not catch up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
