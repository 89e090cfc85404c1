//! `ordercore erp-sim`: an ERP simulator that implements the ERP side of docs/erp-adapter.md
//! for demos and fault tests. It takes orders (verifying signatures, deduplicating by
//! idempotency key, numbering them), then confirms, ships, delivers and invoices them through
//! ordercore's inbound API; on request it fails, slows down, drops connections, goes down or
//! mangles its own messages.
//!
//! Its books live in memory: a restarted simulator is a new, empty ERP.

mod admin;
mod args;
mod books;
mod chance;
mod documents;
mod faults;
mod lifecycle;
mod orders;
mod outbound;
mod submission;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::Context;
use app::erp::signature::SigningSecret;
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::watch;
use tower_http::trace::TraceLayer;

pub use args::{ErpSimArgs, Hidden};
pub use books::{BookedOrder, OrderState, ReceivedRequest, Stats};
pub use faults::{Faults, FaultsPatch};

use books::Books;
use chance::Chance;
use faults::FaultBox;
use outbound::Outbound;

/// How to run the simulator.
#[derive(Clone)]
pub struct SimConfig {
    /// Address to listen on (port 0 picks a free one).
    pub listen: SocketAddr,
    /// ordercore's base URL, for the inbound API.
    pub ordercore_url: String,
    /// Sent as `Authorization: Bearer <key>` to ordercore.
    pub ordercore_key: Option<String>,
    /// When set, submit and cancel requests must carry a valid Standard Webhooks signature.
    pub secret: Option<SigningSecret>,
    /// From taking an order to confirming it.
    pub confirm_after: Duration,
    /// From taking an order to shipping it.
    pub ship_after: Duration,
    /// From taking an order to invoicing it (deliveries are reported halfway from shipping).
    pub invoice_after: Duration,
    /// Ship each order in two shipments that split every line.
    pub partial_shipments: bool,
    /// Record a payment of the whole amount on each invoice.
    pub pay: bool,
    /// Days from invoice to due date when the submit does not say.
    pub payment_terms_days: u32,
    /// First number of the order, shipment, invoice and payment series. The books live in
    /// memory, so a restarted simulator would otherwise reuse numbers ordercore has seen.
    pub series_start: u64,
    /// Faults in force at start.
    pub faults: Faults,
    /// Seed of the generator behind fault rolls, shuffles and jitter.
    pub seed: Option<u64>,
    /// How long a request hit by `timeout_rate` hangs before it is answered.
    pub hang: Duration,
    /// First pause before retrying a message to ordercore; doubles up to `retry_max`.
    pub retry_base: Duration,
    /// Longest pause between retries.
    pub retry_max: Duration,
    /// How long one request to ordercore may take.
    pub ordercore_timeout: Duration,
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Written out so that the bearer key can never reach a log line.
        f.debug_struct("SimConfig")
            .field("listen", &self.listen)
            .field("ordercore_url", &self.ordercore_url)
            .field("ordercore_key", &self.ordercore_key.as_ref().map(|_| "***"))
            .field("secret", &self.secret)
            .field("confirm_after", &self.confirm_after)
            .field("ship_after", &self.ship_after)
            .field("invoice_after", &self.invoice_after)
            .field("partial_shipments", &self.partial_shipments)
            .field("pay", &self.pay)
            .field("series_start", &self.series_start)
            .field("faults", &self.faults)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl SimConfig {
    /// Defaults (those of the command line) for an ordercore at `ordercore_url`.
    pub fn new(ordercore_url: impl Into<String>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            ordercore_url: ordercore_url.into(),
            ordercore_key: None,
            secret: None,
            confirm_after: Duration::from_millis(200),
            ship_after: Duration::from_millis(500),
            invoice_after: Duration::from_millis(800),
            partial_shipments: false,
            pay: false,
            payment_terms_days: 14,
            series_start: 1,
            faults: Faults::default(),
            seed: None,
            hang: Duration::from_secs(60),
            retry_base: Duration::from_millis(100),
            retry_max: Duration::from_secs(5),
            ordercore_timeout: Duration::from_secs(10),
        }
    }
}

/// What the handlers and the order processes share.
#[derive(Clone)]
struct SimState {
    config: Arc<SimConfig>,
    books: Arc<Mutex<Books>>,
    faults: Arc<FaultBox>,
    chance: Arc<Chance>,
    outbound: Outbound,
    shutdown: watch::Receiver<bool>,
}

impl SimState {
    fn books(&self) -> MutexGuard<'_, Books> {
        // The books are plain data that no panic can leave half-written.
        self.books.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn router(state: SimState) -> Router {
    Router::new()
        .route("/orders", post(orders::submit))
        .route("/orders/{order_id}/cancel", post(orders::cancel))
        .route("/healthz", get(admin::healthz))
        .route(
            "/admin/faults",
            get(admin::get_faults).put(admin::put_faults),
        )
        .route("/admin/stats", get(admin::get_stats))
        .fallback(admin::not_found)
        // Injected 503s are the point of the exercise, not failures worth an error line.
        .layer(TraceLayer::new_for_http().on_failure(()))
        .with_state(state)
}

/// A running simulator.
pub struct RunningSim {
    /// Where it listens.
    pub addr: SocketAddr,
    state: SimState,
    shutdown: watch::Sender<bool>,
    serve: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningSim {
    /// Its base URL, `http://host:port`: what ordercore's `--erp-url` should be.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The counters and books, as `GET /admin/stats` shows them.
    pub fn stats(&self) -> Stats {
        self.state.books().stats()
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.state.faults.current()
    }

    /// Replaces every fault (a `down_for_secs` window starts now).
    pub fn set_faults(&self, faults: Faults) -> anyhow::Result<()> {
        self.state
            .faults
            .set(faults)
            .map(|_| ())
            .map_err(|(field, message)| anyhow::anyhow!("{field}: {message}"))
    }

    /// Stops serving and stops processing orders. Requests held by `timeout_rate` are cut
    /// off after a moment rather than awaited.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        match tokio::time::timeout(Duration::from_secs(2), &mut self.serve).await {
            Ok(served) => served.context("simulator task")?.context("serving HTTP"),
            Err(_) => {
                self.serve.abort();
                Ok(())
            }
        }
    }

    /// Waits for ctrl-c or SIGTERM, then stops.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("ERP simulator shutting down");
        self.stop().await
    }
}

/// Starts the simulator: binds `config.listen` and serves until stopped.
pub async fn start(config: SimConfig) -> anyhow::Result<RunningSim> {
    config
        .faults
        .validate()
        .map_err(|(field, message)| anyhow::anyhow!("{field}: {message}"))?;
    reqwest::Url::parse(&config.ordercore_url)
        .with_context(|| format!("the ordercore URL {:?} is not a URL", config.ordercore_url))?;
    let books = Arc::new(Mutex::new(Books::new(config.series_start)));
    let chance = Arc::new(Chance::new(config.seed));
    let faults = Arc::new(FaultBox::new(config.faults.clone(), chance.clone()));
    let outbound = Outbound::new(&config, books.clone(), chance.clone())?;
    let (shutdown, shutdown_rx) = watch::channel(false);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, ordercore = %config.ordercore_url, signed = config.secret.is_some(),
        "ERP simulator listening");
    let state = SimState {
        config: Arc::new(config),
        books,
        faults,
        chance,
        outbound,
        shutdown: shutdown_rx.clone(),
    };
    let app = router(state.clone());
    let mut stop = shutdown_rx;
    let serve = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            })
            .await
    });
    Ok(RunningSim {
        addr,
        state,
        shutdown,
        serve,
    })
}

/// Runs `ordercore erp-sim` until ctrl-c or SIGTERM.
pub async fn run(args: ErpSimArgs) -> anyhow::Result<()> {
    let sim = start(args.into_config()?).await?;
    sim.run_until_signal().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
