//! `ordercore erp-sim` flags; every one can also come from an `ORDERCORE_ERP_SIM_*` variable
//! (the bearer key from `ORDERCORE_ERP_KEY`, as ordercore's own side names it).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use app::erp::signature::SigningSecret;
use clap::Args;

use super::{Faults, SimConfig};

/// A flag value that is never printed, not even by `Debug`.
#[derive(Clone)]
pub struct Hidden(String);

impl std::fmt::Debug for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl Hidden {
    /// The value itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl FromStr for Hidden {
    type Err = Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self(text.to_string()))
    }
}

/// `erp-sim` flags.
#[derive(Args, Debug, Clone)]
pub struct ErpSimArgs {
    /// Address to listen on: ordercore's ERP URL points here.
    #[arg(
        long,
        env = "ORDERCORE_ERP_SIM_LISTEN",
        default_value = "127.0.0.1:9090"
    )]
    pub listen: SocketAddr,
    /// The ordercore whose inbound API receives confirmations, shipments and invoices.
    #[arg(
        long,
        env = "ORDERCORE_ERP_SIM_ORDERCORE_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub ordercore_url: String,
    /// API key sent to ordercore as `Authorization: Bearer <key>`.
    #[arg(long, env = "ORDERCORE_ERP_KEY", hide_env_values = true)]
    pub ordercore_key: Option<Hidden>,
    /// Standard Webhooks secret (`whsec_<base64>`); when given, unsigned or badly signed
    /// requests are answered 401.
    #[arg(long, env = "ORDERCORE_ERP_SIM_SECRET", hide_env_values = true)]
    pub secret: Option<Hidden>,
    /// Milliseconds from taking an order to confirming it.
    #[arg(
        long,
        env = "ORDERCORE_ERP_SIM_CONFIRM_AFTER_MS",
        default_value_t = 200
    )]
    pub confirm_after_ms: u64,
    /// Milliseconds from taking an order to shipping it.
    #[arg(long, env = "ORDERCORE_ERP_SIM_SHIP_AFTER_MS", default_value_t = 500)]
    pub ship_after_ms: u64,
    /// Milliseconds from taking an order to invoicing it.
    #[arg(
        long,
        env = "ORDERCORE_ERP_SIM_INVOICE_AFTER_MS",
        default_value_t = 800
    )]
    pub invoice_after_ms: u64,
    /// Ship every order in two shipments that split each line.
    #[arg(long, env = "ORDERCORE_ERP_SIM_PARTIAL_SHIPMENTS")]
    pub partial_shipments: bool,
    /// Record a payment of the whole amount on every invoice.
    #[arg(long, env = "ORDERCORE_ERP_SIM_PAY")]
    pub pay: bool,
    /// Days from invoice to due date (when the submit does not carry the company's terms).
    #[arg(
        long,
        env = "ORDERCORE_ERP_SIM_PAYMENT_TERMS_DAYS",
        default_value_t = 14
    )]
    pub payment_terms_days: u32,
    /// First number of the order, shipment, invoice and payment series: above the last one
    /// ordercore saw when the simulator restarts against the same database.
    #[arg(long, env = "ORDERCORE_ERP_SIM_SERIES_START", default_value_t = 1)]
    pub series_start: u64,
    /// Share (0–1) of submits and cancels answered 503.
    #[arg(long, env = "ORDERCORE_ERP_SIM_ERROR_RATE", default_value_t = 0.0, value_parser = rate)]
    pub error_rate: f64,
    /// Share (0–1) of submits and cancels that take effect but are answered only after
    /// `--hang-ms`.
    #[arg(long, env = "ORDERCORE_ERP_SIM_TIMEOUT_RATE", default_value_t = 0.0, value_parser = rate)]
    pub timeout_rate: f64,
    /// Share (0–1) of submits and cancels that take effect but whose connection is dropped
    /// without an answer.
    #[arg(long, env = "ORDERCORE_ERP_SIM_DROP_RATE", default_value_t = 0.0, value_parser = rate)]
    pub drop_rate: f64,
    /// Milliseconds added to every answer.
    #[arg(long, env = "ORDERCORE_ERP_SIM_LATENCY_MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Milliseconds a submit or cancel that took effect waits before it is answered (the
    /// window in which a crash of ordercore loses the answer); a repeated key is answered at once.
    #[arg(long, env = "ORDERCORE_ERP_SIM_ANSWER_DELAY_MS", default_value_t = 0)]
    pub answer_delay_ms: u64,
    /// Answer 503 to everything for this many seconds from start.
    #[arg(long, env = "ORDERCORE_ERP_SIM_DOWN_FOR_SECS", default_value_t = 0)]
    pub down_for_secs: u64,
    /// SKUs the ERP refuses to sell (comma-separated); orders with one get 422.
    #[arg(long, env = "ORDERCORE_ERP_SIM_REFUSE_SKUS", value_delimiter = ',')]
    pub refuse_skus: Vec<String>,
    /// Send every message to ordercore twice.
    #[arg(long, env = "ORDERCORE_ERP_SIM_DUPLICATE_INBOUND")]
    pub duplicate_inbound: bool,
    /// Send each order's messages to ordercore out of order.
    #[arg(long, env = "ORDERCORE_ERP_SIM_SHUFFLE_INBOUND")]
    pub shuffle_inbound: bool,
    /// Seed for fault rolls, shuffles and jitter (random without it).
    #[arg(long, env = "ORDERCORE_ERP_SIM_SEED")]
    pub seed: Option<u64>,
    /// How long a request hit by `--timeout-rate` hangs, in milliseconds.
    #[arg(long, env = "ORDERCORE_ERP_SIM_HANG_MS", default_value_t = 60_000)]
    pub hang_ms: u64,
    /// First pause before retrying a message to ordercore, in milliseconds (doubles).
    #[arg(long, env = "ORDERCORE_ERP_SIM_RETRY_BASE_MS", default_value_t = 100)]
    pub retry_base_ms: u64,
    /// Longest pause between retries of a message to ordercore, in milliseconds.
    #[arg(long, env = "ORDERCORE_ERP_SIM_RETRY_MAX_MS", default_value_t = 5_000)]
    pub retry_max_ms: u64,
    /// How long one request to ordercore may take, in milliseconds.
    #[arg(
        long,
        env = "ORDERCORE_ERP_SIM_ORDERCORE_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub ordercore_timeout_ms: u64,
}

fn rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err("a rate is a number between 0 and 1, e.g. 0.3".into()),
    }
}

impl ErpSimArgs {
    /// The configuration these flags describe.
    pub fn into_config(self) -> anyhow::Result<SimConfig> {
        let secret = match &self.secret {
            // The parse error never repeats the value: it is a secret.
            Some(Hidden(text)) => Some(
                SigningSecret::parse(text.trim())
                    .map_err(|error| anyhow::anyhow!("--secret: {error}"))?,
            ),
            None => None,
        };
        let refuse_skus = self
            .refuse_skus
            .iter()
            .map(|sku| sku.trim().to_string())
            .filter(|sku| !sku.is_empty())
            .collect();
        Ok(SimConfig {
            listen: self.listen,
            ordercore_url: self.ordercore_url,
            ordercore_key: self.ordercore_key.map(|Hidden(key)| key),
            secret,
            confirm_after: Duration::from_millis(self.confirm_after_ms),
            ship_after: Duration::from_millis(self.ship_after_ms),
            invoice_after: Duration::from_millis(self.invoice_after_ms),
            partial_shipments: self.partial_shipments,
            pay: self.pay,
            payment_terms_days: self.payment_terms_days,
            series_start: self.series_start.max(1),
            faults: Faults {
                error_rate: self.error_rate,
                timeout_rate: self.timeout_rate,
                latency_ms: self.latency_ms,
                answer_delay_ms: self.answer_delay_ms,
                drop_rate: self.drop_rate,
                down_for_secs: self.down_for_secs,
                refuse_skus,
                duplicate_inbound: self.duplicate_inbound,
                shuffle_inbound: self.shuffle_inbound,
                // Forced answers are for tests and drills, set through `PUT /admin/faults`.
                answer_status: 0,
                retry_after_secs: None,
                retry_after_as_date: false,
            },
            seed: self.seed,
            hang: Duration::from_millis(self.hang_ms),
            retry_base: Duration::from_millis(self.retry_base_ms),
            retry_max: Duration::from_millis(self.retry_max_ms),
            ordercore_timeout: Duration::from_millis(self.ordercore_timeout_ms),
        })
    }
}
