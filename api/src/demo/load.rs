//! Loading a data set in the order an ERP must send it: channels, products (which price lists
//! and stock name), companies, price lists, stock levels.

use std::fmt;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use super::client::{ErpClient, Tally};
use super::price_lists::{self, ListKind};
use super::warehouses::{self, CHANNELS, WAREHOUSES};
use super::Dataset;

/// Small messages in flight at once.
const CONCURRENCY: usize = 8;
/// Price lists in flight at once: a scale list is tens of megabytes to parse and diff.
const LIST_CONCURRENCY: usize = 2;

/// What a load sent and what the server did with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The server.
    pub url: String,
    /// Channels defined.
    pub channels: usize,
    /// Products defined.
    pub products: usize,
    /// Of which inactive.
    pub inactive_products: usize,
    /// Companies defined.
    pub companies: usize,
    /// Of which Slovak (EUR, reverse charge).
    pub slovak_companies: usize,
    /// Price lists imported.
    pub price_lists: usize,
    /// Of which contract lists.
    pub contract_lists: usize,
    /// Entries over every list.
    pub price_entries: usize,
    /// SKU × warehouse levels sent.
    pub stock_levels: usize,
    /// Messages: applied or replayed.
    pub tally: Tally,
    /// Each phase (channels, products, ...) with its messages and wall time.
    pub phases: Vec<(&'static str, Tally, Duration)>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Sends `dataset` to the server at `url` with the API key `key` (of the `erp` scope),
/// advancing `bar` (if any) per message.
pub async fn load(
    url: &str,
    key: Option<&str>,
    dataset: &Dataset,
    bar: Option<&ProgressBar>,
) -> anyhow::Result<Summary> {
    let bar = &bar.cloned().unwrap_or_else(ProgressBar::hidden);
    let started = Instant::now();
    let client = ErpClient::new(url, key)?;
    let specs = price_lists::specs(&dataset.companies);
    let chunk = dataset.size.stock_chunk.max(1);
    let stock_messages = dataset.products.len().div_ceil(chunk);
    bar.set_length(
        (CHANNELS.len()
            + dataset.products.len()
            + dataset.companies.len()
            + specs.len()
            + stock_messages) as u64,
    );
    let mut phases = Vec::new();
    let mut phase = |name: &'static str, tally: Tally, since: Instant| {
        phases.push((name, tally, since.elapsed()));
    };

    let t = Instant::now();
    bar.set_message("channels");
    let channels = warehouses::channel_messages()?;
    let sent = client
        .send_all(channels.into_iter().map(Ok), CONCURRENCY, bar)
        .await?;
    phase("channels", sent, t);

    let t = Instant::now();
    bar.set_message("products");
    let products = dataset.products.iter().map(|p| p.message());
    phase(
        "products",
        client.send_all(products, CONCURRENCY, bar).await?,
        t,
    );

    let t = Instant::now();
    bar.set_message("companies");
    let companies = dataset.companies.iter().map(|c| c.message());
    phase(
        "companies",
        client.send_all(companies, CONCURRENCY, bar).await?,
        t,
    );

    let t = Instant::now();
    bar.set_message("price lists");
    let mut price_entries = 0;
    let lists = specs.iter().map(|spec| {
        let entries = spec.entries(&dataset.products, dataset.size.contract_entries);
        price_entries += entries.len();
        spec.message(&dataset.companies, entries)
    });
    let sent = client.send_all(lists, LIST_CONCURRENCY, bar).await?;
    phase("price lists", sent, t);

    let t = Instant::now();
    bar.set_message("stock");
    let stock = dataset
        .products
        .chunks(chunk)
        .enumerate()
        .map(|(i, products)| warehouses::stock_message(i * chunk, products));
    phase("stock", client.send_all(stock, CONCURRENCY, bar).await?, t);

    let mut tally = Tally::default();
    for (_, sent, _) in &phases {
        tally += *sent;
    }
    Ok(Summary {
        url: url.to_string(),
        channels: CHANNELS.len(),
        products: dataset.products.len(),
        inactive_products: dataset.products.iter().filter(|p| !p.active).count(),
        companies: dataset.companies.len(),
        slovak_companies: dataset
            .companies
            .iter()
            .filter(|c| c.country == "SK")
            .count(),
        price_lists: specs.len(),
        contract_lists: specs
            .iter()
            .filter(|s| matches!(s.kind, ListKind::Contract(_)))
            .count(),
        price_entries,
        stock_levels: dataset.products.len() * WAREHOUSES.len(),
        tally,
        phases,
        elapsed: started.elapsed(),
    })
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let warehouses: Vec<String> = WAREHOUSES
            .iter()
            .map(|(code, town)| format!("{code} {town}"))
            .collect();
        let channels: Vec<String> = CHANNELS
            .iter()
            .map(|(code, _, warehouses, rounding)| {
                format!("{code}: {}, VAT {rounding}", warehouses.join(","))
            })
            .collect();
        writeln!(
            f,
            "Loaded into {} in {:.1} s:",
            self.url,
            self.elapsed.as_secs_f64()
        )?;
        writeln!(f, "  warehouses     {}", warehouses.join(", "))?;
        writeln!(f, "  channels       {}", channels.join("; "))?;
        writeln!(
            f,
            "  products       {} ({} inactive)",
            self.products, self.inactive_products
        )?;
        writeln!(
            f,
            "  companies      {} ({} Slovak in EUR with reverse charge)",
            self.companies, self.slovak_companies
        )?;
        writeln!(
            f,
            "  price lists    {} ({} contract lists), {} entries",
            self.price_lists, self.contract_lists, self.price_entries
        )?;
        writeln!(f, "  stock levels   {}", self.stock_levels)?;
        write!(
            f,
            "  messages       {}: {} applied, {} replayed (already loaded)",
            self.tally.requests, self.tally.applied, self.tally.replayed
        )?;
        for (name, sent, took) in &self.phases {
            write!(
                f,
                "\n    {name:<12} {:>7} messages in {:>7.1} s",
                sent.requests,
                took.as_secs_f64()
            )?;
        }
        Ok(())
    }
}
