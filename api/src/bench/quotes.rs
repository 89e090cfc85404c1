//! Quotes of 50 random lines for random companies, and a company's price sheet: each measured
//! over HTTP and, as the baseline, by calling the same pricing code in process
//! (`app::quotes::quote` on the server's read side), so the ratio is the cost of HTTP, JSON and
//! the handler around the engine.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use futures::stream::{self, StreamExt, TryStreamExt};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use app::quotes::{quote, QuoteRequest};
use app::read_side::ReadSide;
use domain::pricing::RequestedLine;
use domain::values::{ChannelCode, CompanyId, CurrencyCode, Quantity, Sku};

use super::percentile;
use super::report::{ms, rate, secs, Table};
use crate::demo::Dataset;

/// Lines per quote.
const LINES: usize = 50;
/// Quotes timed one after another (latency).
const SEQUENTIAL: usize = 200;
/// Quotes sent by concurrent clients (throughput).
const CONCURRENT: usize = 400;
/// Concurrent clients.
const CLIENTS: usize = 8;
/// The user the quotes act as (`X-Acting-User`), added to every company that is quoted.
const BUYER: &str = "bench-buyer";

/// Gives each company the buyer [`BUYER`]: a company's prices are only quoted to its own users.
/// A buyer already there (a second run) is fine.
async fn add_buyers<'c>(
    server: &Server<'_>,
    companies: impl IntoIterator<Item = &'c crate::demo::Company>,
) -> anyhow::Result<()> {
    stream::iter(companies)
        .map(|company| async move {
            let reply = server
                .http
                .post(format!("{}/v1/companies/{}/users", server.base, company.id))
                .json(&json!({"user_id": BUYER, "name": "Bench Buyer", "role": "buyer"}))
                .send()
                .await?;
            anyhow::ensure!(
                reply.status().is_success() || reply.status().as_u16() == 409,
                "adding a buyer to {}: {}",
                company.id,
                reply.status()
            );
            Ok(())
        })
        .buffer_unordered(CLIENTS)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// One quote, as a request for the engine and as the HTTP body.
struct Case {
    request: QuoteRequest,
    body: Value,
}

/// Where to send quotes: the server's read side and its HTTP address.
pub(super) struct Server<'a> {
    pub read_side: &'a Arc<dyn ReadSide>,
    pub http: &'a reqwest::Client,
    pub base: &'a str,
}

/// Measures quote latency and throughput, in process and over HTTP.
pub(super) async fn quotes(
    server: &Server<'_>,
    dataset: &Dataset,
    table: &mut Table,
) -> anyhow::Result<()> {
    let cases = cases(dataset, SEQUENTIAL.max(CONCURRENT))?;
    add_buyers(server, &dataset.companies).await?;
    // One untimed pass over every case first: whichever path ran a case first would otherwise
    // pay for reading its rows into the caches and flatter the other.
    for case in &cases {
        in_process(server, case).await?;
    }
    for case in cases.iter().take(10) {
        over_http(server, case).await?;
    }
    let mut local = Vec::with_capacity(SEQUENTIAL);
    let mut remote = Vec::with_capacity(SEQUENTIAL);
    for case in &cases[..SEQUENTIAL] {
        let t = Instant::now();
        in_process(server, case).await?;
        local.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    for case in &cases[..SEQUENTIAL] {
        let t = Instant::now();
        over_http(server, case).await?;
        remote.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    local.sort_by(f64::total_cmp);
    remote.sort_by(f64::total_cmp);
    let (lp50, lp99) = (percentile(&local, 50.0), percentile(&local, 99.0));
    let (rp50, rp99) = (percentile(&remote, 50.0), percentile(&remote, 99.0));
    let what = format!("quote {LINES} lines, 1 client, p50 / p99");
    table.compared(
        what,
        format!("HTTP {} / {}", ms(rp50), ms(rp99)),
        format!("in process {} / {}", ms(lp50), ms(lp99)),
        rp50 / lp50,
    );

    let cases = &cases;
    let throughput = |http: bool| async move {
        let started = Instant::now();
        stream::iter(&cases[..CONCURRENT])
            .map(|case| async move {
                if http {
                    over_http(server, case).await
                } else {
                    in_process(server, case).await
                }
            })
            .buffer_unordered(CLIENTS)
            .try_collect::<Vec<()>>()
            .await?;
        anyhow::Ok(CONCURRENT as f64 / started.elapsed().as_secs_f64())
    };
    let local_rate = throughput(false).await?;
    let remote_rate = throughput(true).await?;
    table.compared(
        format!("quote {LINES} lines, {CLIENTS} clients, throughput"),
        format!("HTTP {}", rate(remote_rate, "req")),
        format!("in process {}", rate(local_rate, "req")),
        remote_rate / local_rate,
    );
    Ok(())
}

/// Pages through a company's price sheet over HTTP, 1,000 SKUs a page; the baseline quotes the
/// same SKUs at quantity 1 in process, 1,000 lines at a time.
pub(super) async fn price_sheet(
    server: &Server<'_>,
    dataset: &Dataset,
    skus: usize,
    table: &mut Table,
) -> anyhow::Result<()> {
    let company = dataset.companies.first().context("no companies")?;
    add_buyers(server, [company]).await?;
    let started = Instant::now();
    let mut after = String::new();
    let mut items = Vec::with_capacity(skus);
    while items.len() < skus {
        let url = format!(
            "{}/v1/companies/{}/prices?channel={}&limit=1000&after={after}",
            server.base,
            company.id,
            company.channel()
        );
        let page: Value = server
            .http
            .get(&url)
            .header("x-acting-user", BUYER)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let page_items = page["items"]
            .as_array()
            .context("a price sheet has items")?;
        items.extend(
            page_items
                .iter()
                .filter_map(|i| i["sku"].as_str().map(str::to_string)),
        );
        match page["next"].as_str() {
            Some(next) => after = next.to_string(),
            None => break,
        }
    }
    let http_secs = started.elapsed().as_secs_f64();
    items.truncate(skus);

    let started = Instant::now();
    for chunk in items.chunks(1000) {
        let request = QuoteRequest {
            company: CompanyId::parse(company.id.as_str())?,
            channel: ChannelCode::parse(company.channel())?,
            currency: CurrencyCode::parse(company.currency)?,
            as_of: None,
            lines: chunk
                .iter()
                .map(|sku| {
                    Ok(RequestedLine {
                        sku: Sku::parse(sku.as_str())?,
                        quantity: Quantity::parse(Decimal::ONE)?,
                    })
                })
                .collect::<anyhow::Result<_>>()?,
        };
        quote(server.read_side.as_ref(), &request, Utc::now())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let local_secs = started.elapsed().as_secs_f64();
    table.compared(
        format!("price sheet of {} SKUs, pages of 1000", items.len()),
        format!(
            "HTTP {}, {}",
            secs(http_secs),
            rate(items.len() as f64 / http_secs, "SKU")
        ),
        format!("in-process quote {}", secs(local_secs)),
        http_secs / local_secs,
    );
    Ok(())
}

async fn in_process(server: &Server<'_>, case: &Case) -> anyhow::Result<()> {
    // A task of its own, as the server gives each request: concurrent quotes then spread over
    // the runtime's threads in both measurements, not only over HTTP.
    let read_side = Arc::clone(server.read_side);
    let request = case.request.clone();
    let document =
        tokio::spawn(async move { quote(read_side.as_ref(), &request, Utc::now()).await })
            .await?
            .map_err(|e| anyhow::anyhow!("in-process quote: {e}"))?;
    let unpriced = document.lines.len() - document.priced_lines().count();
    anyhow::ensure!(
        unpriced == 0,
        "{unpriced} lines of an in-process quote were not priced"
    );
    Ok(())
}

async fn over_http(server: &Server<'_>, case: &Case) -> anyhow::Result<()> {
    let answer: Value = server
        .http
        .post(format!("{}/v1/prices/quote", server.base))
        .header("x-acting-user", BUYER)
        .json(&case.body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let lines = answer["lines"].as_array().context("a quote has lines")?;
    let unpriced = lines.iter().filter(|l| l.get("error").is_some()).count();
    anyhow::ensure!(
        unpriced == 0,
        "{unpriced} lines of an HTTP quote were not priced"
    );
    Ok(())
}

/// Random quotes (from a fixed seed): a random company, 50 distinct active SKUs, 1–60 of each.
fn cases(dataset: &Dataset, count: usize) -> anyhow::Result<Vec<Case>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(50);
    let active: Vec<&str> = dataset.active_products().map(|p| p.sku.as_str()).collect();
    let mut cases = Vec::with_capacity(count);
    for _ in 0..count {
        let company = dataset.companies.choose(&mut rng).context("no companies")?;
        let skus: Vec<&str> = active.choose_multiple(&mut rng, LINES).copied().collect();
        let quantities: Vec<u32> = skus.iter().map(|_| rng.random_range(1..=60)).collect();
        let lines = skus
            .iter()
            .zip(&quantities)
            .map(|(sku, q)| {
                Ok(RequestedLine {
                    sku: Sku::parse(*sku)?,
                    quantity: Quantity::parse(Decimal::from(*q))?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let body = json!({
            "company_id": company.id, "channel": company.channel(), "currency": company.currency,
            "lines": skus.iter().zip(&quantities).map(|(sku, q)| json!({"sku": sku, "quantity": q})).collect::<Vec<_>>(),
        });
        let request = QuoteRequest {
            company: CompanyId::parse(company.id.as_str())?,
            channel: ChannelCode::parse(company.channel())?,
            currency: CurrencyCode::parse(company.currency)?,
            as_of: None,
            lines,
        };
        cases.push(Case { request, body });
    }
    Ok(cases)
}
