//! `ordercore demo`: a realistic Czech wholesale sample (or, with `--scale`, a large one for
//! benchmarks) loaded into a running server through the ERP inbound API, exactly as an ERP
//! would send it. The data is generated from a fixed seed and every message id follows from
//! its content, so loading twice replays instead of duplicating.

mod catalog;
mod client;
mod companies;
mod company_names;
pub mod erp;
mod load;
mod message;
mod price_lists;
mod product_names;
mod size;
mod walkthrough;
mod warehouses;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::server::RunningServer;

pub use catalog::Product;
pub use client::Tally;
pub use companies::Company;
pub use load::{load, Summary};
pub(crate) use price_lists::percent_of;
pub use price_lists::LEVELS;
pub use size::DemoSize;
pub use warehouses::{CHANNELS, WAREHOUSES};

/// `demo` flags.
#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// The running server to load into.
    #[arg(long, env = "ORDERCORE_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Generate the large benchmark set (100,000 SKUs, 5,000 companies, about 1,000,000 price
    /// entries) instead of the sample; start the server with a long `--request-timeout`.
    #[arg(long)]
    pub scale: bool,
    /// Override the number of SKUs.
    #[arg(long)]
    pub skus: Option<usize>,
    /// Override the number of companies.
    #[arg(long)]
    pub companies: Option<usize>,
    /// An API key with the `erp` scope (`ordercore keys create --name erp --scope erp`).
    #[arg(long, env = "ORDERCORE_API_KEY", hide_env_values = true)]
    pub key: Option<crate::erp_sim::Hidden>,
}

/// A generated data set: the products and companies; price lists and stock are derived from
/// them while they are sent.
pub struct Dataset {
    /// Its size.
    pub size: DemoSize,
    /// Every product, in SKU-number order.
    pub products: Vec<Product>,
    /// Every company, in id order.
    pub companies: Vec<Company>,
}

impl Dataset {
    /// Generates the data set of `size`; the same size always gives the same data.
    pub fn generate(size: &DemoSize) -> Self {
        Self {
            size: size.clone(),
            products: catalog::products(size.skus),
            companies: companies::companies(size),
        }
    }

    /// The products that can be sold.
    pub fn active_products(&self) -> impl Iterator<Item = &Product> {
        self.products.iter().filter(|p| p.active)
    }
}

/// Runs `ordercore demo`: loads with a progress bar, prints a summary and what to try next.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let preset = if args.scale {
        DemoSize::scale()
    } else {
        DemoSize::demo()
    };
    let size = preset.resized(args.skus, args.companies);
    let dataset = Dataset::generate(&size);
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:<12} [{bar:30}] {pos}/{len} messages, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let summary = load(
        &args.url,
        args.key.as_ref().map(crate::erp_sim::Hidden::expose),
        &dataset,
        Some(&bar),
    )
    .await?;
    bar.finish_and_clear();
    println!("{summary}");
    println!("\n{}", walkthrough::commands(&args.url, &dataset));
    Ok(())
}

/// Loads the demo sample into a server that has just started, through its own ERP API, in the
/// background, logging when it is done (`ordercore serve --demo`). The load uses a key of the
/// `erp` scope made for it and revoked afterwards; a second key, for the person trying the
/// demo (e-shop, ops and auditor scopes), is logged once.
pub fn spawn_into(server: &RunningServer) -> tokio::task::JoinHandle<()> {
    // A server listening on every interface is reached on loopback.
    let addr = server.addr;
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let url = format!("http://{}", SocketAddr::new(ip, addr.port()));
    let db = server.state.db.clone();
    tokio::spawn(async move {
        if let Err(e) = load_into_own_server(&url, &db).await {
            tracing::error!(error = %format!("{e:#}"), "loading the demo data failed");
        }
    })
}

async fn load_into_own_server(url: &str, db: &app::db::Db) -> anyhow::Result<()> {
    use app::auth::Scope;
    let visitor = app::auth::create(
        db,
        "demo",
        &[Scope::Eshop(None), Scope::Ops, Scope::Auditor],
    )
    .await?;
    // Shown once, like `ordercore keys create` does: the demo is useless without a key.
    tracing::info!(key = %visitor.token, "demo API key (e-shop, ops, auditor); export KEY=<this key> to try the README's examples");
    let loader = app::auth::create(db, "demo loader", &[Scope::Erp]).await?;
    tracing::info!(%url, "loading the demo data through the ERP API");
    let dataset = Dataset::generate(&DemoSize::demo());
    let loaded = load(url, Some(&loader.token), &dataset, None).await;
    app::auth::revoke(db, &loader.key.id).await?;
    let summary = loaded?;
    tracing::info!(
        products = summary.products,
        companies = summary.companies,
        price_lists = summary.price_lists,
        price_entries = summary.price_entries,
        stock_levels = summary.stock_levels,
        applied = summary.tally.applied,
        replayed = summary.tally.replayed,
        seconds = summary.elapsed.as_secs_f64(),
        "demo data loaded; try company C00001 on channel b2b-cz (see README)"
    );
    Ok(())
}
