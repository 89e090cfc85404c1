//! The `ordercore` command line: flags, environment variables and subcommands.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::telemetry::{init_logging, LogFormat};

/// ordercore: the event-sourced order and pricing core between B2B e-shops and their ERP.
#[derive(Parser)]
#[command(name = "ordercore", version, about)]
pub struct Cli {
    /// Where the event store lives: postgres://… or sqlite://… (default: ./ordercore.db).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://ordercore.db",
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,

    /// Log format.
    #[arg(long, env = "ORDERCORE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

// By hand: the database URL may carry a password, which is never printed.
impl std::fmt::Debug for Cli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cli")
            .field("database_url", &app::db::redact(&self.database_url))
            .field("log_format", &self.log_format)
            .field("command", &self.command)
            .finish()
    }
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP server and the subscribers.
    Serve(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate,
    /// Read models and other subscribers.
    #[command(subcommand)]
    Projections(ProjectionsCommand),
    /// The event log as a file: export, import (JSON Lines with seals).
    #[command(subcommand)]
    Events(crate::ops_cli::EventsCommand),
    /// Tamper evidence: verify the seal chain over the event log.
    #[command(subcommand)]
    Audit(crate::ops_cli::AuditCommand),
    /// The ERP outbox: pending and dead-lettered deliveries.
    #[command(subcommand)]
    Erp(ErpCommand),
    /// API keys: create (the key is shown once), list, revoke.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Measure the event store and pricing (see docs/benchmarks.md).
    Bench(crate::bench::BenchArgs),
    /// Load a realistic Czech wholesale sample into a running server through the ERP API.
    Demo(crate::demo::DemoArgs),
    /// Run an ERP simulator that takes ordercore's orders and answers through its inbound API.
    ErpSim(crate::erp_sim::ErpSimArgs),
}

/// `serve` flags.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ORDERCORE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Do not apply migrations at start (refuse to start on an old schema instead).
    #[arg(long, env = "ORDERCORE_NO_MIGRATE")]
    pub no_migrate: bool,
    /// Seconds a request may take before it is answered 503.
    #[arg(long, env = "ORDERCORE_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,
    /// Serve HTTPS: the certificate chain (PEM). Needs --tls-key too.
    #[arg(long, env = "ORDERCORE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// Serve HTTPS: the private key (PEM). Needs --tls-cert too.
    #[arg(long, env = "ORDERCORE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Requests per second each API key may make (429 with Retry-After beyond).
    #[arg(long, env = "ORDERCORE_RATE_LIMIT", default_value_t = 200)]
    pub rate_limit: u32,
    /// Burst of requests a key may make at once.
    #[arg(long, env = "ORDERCORE_RATE_BURST", default_value_t = 400)]
    pub rate_burst: u32,
    /// How long a subscriber's (and the ERP dispatcher's) lease lasts without renewal, in
    /// milliseconds: when a process dies, another takes its subscribers over after this long.
    /// Holders renew every third of it.
    #[arg(long, env = "ORDERCORE_LEASE_TTL_MS", default_value_t = 15_000,
          value_parser = clap::value_parser!(u64).range(300..=3_600_000))]
    pub lease_ttl_ms: u64,
    /// Load the demo sample into this server through its own ERP API once it listens.
    #[arg(long)]
    pub demo: bool,
    /// How orders reach the ERP.
    #[command(flatten)]
    pub erp: ErpArgs,
}

/// Where the ERP is and how to talk to it (docs/erp-adapter.md).
#[derive(Args, Debug, Clone)]
pub struct ErpArgs {
    /// The ERP's base URL; without it orders wait in the outbox.
    #[arg(long, env = "ORDERCORE_ERP_URL")]
    pub erp_url: Option<String>,
    /// Standard Webhooks signing secret (`whsec_…`) for requests to the ERP.
    #[arg(long, env = "ORDERCORE_ERP_SECRET", hide_env_values = true)]
    pub erp_secret: Option<crate::erp_sim::Hidden>,
    /// Per-request timeout to the ERP, milliseconds.
    #[arg(long, env = "ORDERCORE_ERP_TIMEOUT_MS", default_value_t = 5000)]
    pub erp_timeout_ms: u64,
    /// Requests to the ERP in flight at most.
    #[arg(long, env = "ORDERCORE_ERP_CONCURRENCY", default_value_t = 4)]
    pub erp_concurrency: usize,
    /// Transient failures of one delivery before it is dead-lettered.
    #[arg(long, env = "ORDERCORE_ERP_MAX_ATTEMPTS", default_value_t = 50)]
    pub erp_max_attempts: i64,
    /// First retry delay after a transient failure, milliseconds (doubles per attempt).
    #[arg(long, env = "ORDERCORE_ERP_RETRY_BASE_MS", default_value_t = 500)]
    pub erp_retry_base_ms: u64,
    /// Longest retry delay, milliseconds.
    #[arg(long, env = "ORDERCORE_ERP_RETRY_MAX_MS", default_value_t = 300_000)]
    pub erp_retry_max_ms: u64,
    /// First cooldown of the circuit breaker, milliseconds (doubles while probes fail).
    #[arg(
        long,
        env = "ORDERCORE_ERP_BREAKER_COOLDOWN_MS",
        default_value_t = 10_000
    )]
    pub erp_breaker_cooldown_ms: u64,
}

impl ErpArgs {
    /// The server's ERP settings.
    pub fn settings(&self) -> anyhow::Result<Option<crate::server::ErpSettings>> {
        let Some(url) = &self.erp_url else {
            return Ok(None);
        };
        let secret = self
            .erp_secret
            .as_ref()
            .map(|s| app::erp::signature::SigningSecret::parse(s.expose()))
            .transpose()
            .map_err(|e| anyhow::anyhow!("--erp-secret: {e}"))?;
        Ok(Some(crate::server::ErpSettings {
            adapter: app::erp::adapter::HttpAdapterConfig {
                url: url.clone(),
                secret,
                timeout: Duration::from_millis(self.erp_timeout_ms.max(1)),
                concurrency: self.erp_concurrency.max(1),
            },
            dispatch: app::erp::dispatcher::DispatchConfig {
                concurrency: self.erp_concurrency.max(1),
                max_attempts: self.erp_max_attempts.max(1),
                base_backoff: Duration::from_millis(self.erp_retry_base_ms.max(1)),
                max_backoff: Duration::from_millis(
                    self.erp_retry_max_ms.max(self.erp_retry_base_ms).max(1),
                ),
                breaker_cooldown: Duration::from_millis(self.erp_breaker_cooldown_ms.max(1)),
                breaker_max_cooldown: Duration::from_millis(
                    self.erp_breaker_cooldown_ms.max(1) * 12,
                ),
                ..Default::default()
            },
        }))
    }
}

/// `keys` subcommands.
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Make a key; prints it once.
    Create {
        /// What the key is for.
        #[arg(long)]
        name: String,
        /// A scope: `eshop:<channel>`, `eshop:*`, `erp`, `auditor` or `ops` (repeatable).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
    },
    /// Every key (never the secrets).
    List,
    /// Revoke a key by its id.
    Revoke {
        /// The key's id (`oc_<id>_…`).
        id: String,
    },
}

/// `erp` subcommands.
#[derive(Subcommand, Debug)]
pub enum ErpCommand {
    /// Pending and dead-lettered deliveries, in delivery order.
    Outbox {
        /// Only `pending` or only `dead`.
        #[arg(long)]
        state: Option<String>,
    },
    /// Put a dead-lettered delivery back in the queue.
    Retry {
        /// The delivery id (`<order_id>:submit` or `<order_id>:cancel:<n>`).
        id: String,
    },
}

/// `projections` subcommands.
#[derive(Subcommand, Debug)]
pub enum ProjectionsCommand {
    /// Position, lag and state of every subscriber.
    Status,
    /// Rebuild a read model from position zero beside the live one, then swap it in.
    Rebuild {
        /// The read model's name (see `status`).
        name: String,
    },
    /// A digest per read model, equal on every store that applied the same log.
    Checksum(crate::ops_cli::ChecksumArgs),
}

/// Parses the command line, runs, and turns any error into one line on stderr and exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // `audit verify` printed its summary already; tampering is exit code 2.
        Err(e) if e.is::<crate::ops_cli::Tampered>() => ExitCode::from(2),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let mut config = crate::server::ServerConfig::new(cli.database_url);
            config.listen = args.listen;
            config.migrate = !args.no_migrate;
            config.request_timeout = Duration::from_secs(args.request_timeout.max(1));
            config.erp = args.erp.settings()?;
            config.rate_limit = (args.rate_limit, args.rate_burst);
            config.runner.lease_ttl = Duration::from_millis(args.lease_ttl_ms);
            config.tls = match (args.tls_cert, args.tls_key) {
                (Some(cert), Some(key)) => Some(crate::server::TlsFiles { cert, key }),
                _ => None,
            };
            // The demo brings its own ERP (a simulator beside the server) unless one is named.
            let simulator = if args.demo && config.erp.is_none() {
                let (sim, settings) =
                    crate::demo::erp::start_simulator(&config.database_url, config.listen).await?;
                config.erp = Some(settings);
                Some(sim)
            } else {
                None
            };
            let server = crate::server::start(config).await?;
            if args.demo {
                let loading = crate::demo::spawn_into(&server);
                let aggregates = server.state.aggregates.clone();
                tokio::spawn(async move {
                    let _ = loading.await;
                    if let Err(e) = crate::demo::erp::add_users(&aggregates).await {
                        tracing::error!(error = %format!("{e:#}"), "adding the demo users failed");
                    }
                });
            }
            let served = server.run_until_signal().await;
            if let Some(sim) = simulator {
                sim.stop().await?;
            }
            served
        }
        Command::Migrate => {
            let db = connect(&cli.database_url).await?;
            let version = app::schema::migrate(&db).await?;
            println!(
                "schema at version {} ({})",
                version.applied,
                db.display_url()
            );
            Ok(())
        }
        Command::Projections(ProjectionsCommand::Status) => {
            let db = connect(&cli.database_url).await?;
            let statuses =
                app::subscription::status_of(&db, &crate::server::subscribers(&db)).await?;
            println!(
                "{:<28} {:<10} {:>14} {:>10} {:>9} {:<8} LAST ERROR",
                "NAME", "KIND", "POSITION", "LAG", "LAG (s)", "STATE"
            );
            for s in statuses {
                println!(
                    "{:<28} {:<10} {:>14} {:>10} {:>9.1} {:<8} {}",
                    s.name,
                    s.kind,
                    s.checkpoint.to_string(),
                    s.lag_events,
                    s.lag_seconds,
                    s.state,
                    s.last_error.unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Projections(ProjectionsCommand::Rebuild { name }) => {
            let db = connect(&cli.database_url).await?;
            let projection = projections::by_name(&name).with_context(|| {
                let names: Vec<_> = projections::all().iter().map(|p| p.name()).collect();
                format!("no read model named {name:?} (known: {})", names.join(", "))
            })?;
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {msg} [{bar:30}] {pos}/{len} events, {per_sec}, {eta} left",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_message(name.clone());
            let progress_bar = bar.clone();
            let done = app::subscription::rebuild(&db, projection.as_ref(), 1000, &move |p| {
                progress_bar.set_length(p.done + p.remaining);
                progress_bar.set_position(p.done);
            })
            .await?;
            bar.finish_and_clear();
            println!("rebuilt {name} from {done} events and swapped it in");
            Ok(())
        }
        Command::Projections(ProjectionsCommand::Checksum(args)) => {
            crate::ops_cli::checksum(&cli.database_url, args).await
        }
        Command::Events(command) => crate::ops_cli::events(&cli.database_url, command).await,
        Command::Audit(command) => crate::ops_cli::audit(&cli.database_url, command).await,
        Command::Keys(KeysCommand::Create { name, scopes }) => {
            let scopes = scopes
                .iter()
                .map(|s| app::auth::Scope::parse(s))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("--scope: {e}"))?;
            let db = connect(&cli.database_url).await?;
            let created = app::auth::create(&db, &name, &scopes).await?;
            println!("{}", created.token);
            eprintln!(
                "key {} ({}) created; the secret above is shown only this once",
                created.key.id, name
            );
            Ok(())
        }
        Command::Keys(KeysCommand::List) => {
            let db = connect(&cli.database_url).await?;
            println!("{:<14} {:<24} {:<40} STATE", "ID", "NAME", "SCOPES");
            for key in app::auth::list(&db).await? {
                let scopes: Vec<String> = key.scopes.iter().map(ToString::to_string).collect();
                let state = if key.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{:<14} {:<24} {:<40} {state}",
                    key.id,
                    key.name,
                    scopes.join(",")
                );
            }
            Ok(())
        }
        Command::Keys(KeysCommand::Revoke { id }) => {
            let db = connect(&cli.database_url).await?;
            if !app::auth::revoke(&db, &id).await? {
                anyhow::bail!("no active key {id}");
            }
            println!("key {id} revoked (servers stop accepting it within 5 s)");
            Ok(())
        }
        Command::Erp(ErpCommand::Outbox { state }) => {
            let db = connect(&cli.database_url).await?;
            let items = app::erp::outbox::list(&db, state.as_deref(), 1000).await?;
            println!(
                "{:<48} {:<8} {:>8}  LAST ERROR / OUTCOME",
                "DELIVERY", "STATE", "ATTEMPTS"
            );
            for d in items {
                println!(
                    "{:<48} {:<8} {:>8}  {}",
                    d.id,
                    d.state,
                    d.attempts,
                    d.outcome.or(d.last_error).unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Erp(ErpCommand::Retry { id }) => {
            let db = connect(&cli.database_url).await?;
            let delivery = app::erp::outbox::get(&db, &id)
                .await?
                .filter(|d| d.state == "dead")
                .with_context(|| format!("no dead letter {id}"))?;
            if delivery.compensated {
                anyhow::bail!(
                    "{id} was refused by the ERP and its order compensated; it cannot be resent"
                );
            }
            app::erp::outbox::requeue(&db, &id).await?;
            println!("{id} is pending again; a running server delivers it");
            Ok(())
        }
        Command::Bench(args) => crate::bench::run(&cli.database_url, args).await,
        Command::Demo(args) => crate::demo::run(args).await,
        Command::ErpSim(args) => crate::erp_sim::run(args).await,
    }
}

/// Connects and checks the schema for the one-shot commands.
pub async fn connect(url: &str) -> anyhow::Result<app::db::Db> {
    let db = app::db::Db::connect(url, &app::db::PoolSettings::default()).await?;
    let version = app::schema::version(&db).await?;
    if version.applied > version.known {
        anyhow::bail!(
            "the database schema is at version {} but this binary knows only up to {}",
            version.applied,
            version.known
        );
    }
    if version.applied < version.known {
        app::schema::migrate(&db).await?;
    }
    Ok(db)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use clap::Parser;

    use super::*;

    /// Log lines written by the test's subscriber.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("capture").extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn serve(args: &[&str]) -> Result<ServeArgs, clap::Error> {
        let line = ["ordercore", "serve"].iter().chain(args).copied();
        match Cli::try_parse_from(line)?.command {
            Command::Serve(serve) => Ok(serve),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn secrets_never_reach_a_log_line_through_debug() {
        const PASSWORD: &str = "pw-s3cret-db";
        const ERP_SECRET: &str = "whsec_c2VjcmV0LXNpZ25pbmcta2V5LTEyMzQ1";
        const DEMO_KEY: &str = "oc_abc123abc123_demokeysecret0001";
        let url = format!("postgres://ordercore:{PASSWORD}@db.internal:5432/prod");
        let cli = Cli::try_parse_from([
            "ordercore",
            "--database-url",
            &url,
            "serve",
            "--erp-url",
            "https://erp.example",
            "--erp-secret",
            ERP_SECRET,
        ])
        .expect("serve flags parse");
        let demo =
            Cli::try_parse_from(["ordercore", "demo", "--key", DEMO_KEY]).expect("demo flags");
        let config = crate::server::ServerConfig::new(url.clone());
        let created = app::auth::CreatedKey {
            key: app::auth::ApiKey {
                id: "abc123abc123".into(),
                name: "test".into(),
                scopes: vec![app::auth::Scope::Erp],
                created_at: 0,
                revoked_at: None,
            },
            token: "oc_abc123abc123_tokensecret0002".into(),
        };
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(?cli, ?demo, ?config, ?created, "starting");
        });
        let logged = String::from_utf8(captured.0.lock().expect("capture").clone()).expect("utf-8");
        // The line is there, with what is not secret.
        assert!(
            logged.contains("starting") && logged.contains("db.internal"),
            "{logged}"
        );
        assert!(
            logged.contains("abc123abc123"),
            "the key id is kept: {logged}"
        );
        for secret in [PASSWORD, ERP_SECRET, "demokeysecret0001", "tokensecret0002"] {
            assert!(!logged.contains(secret), "{secret} was logged: {logged}");
        }
    }

    #[test]
    fn the_lease_ttl_is_a_flag_with_a_default_and_bounds() {
        // The environment variable is left alone: tests run in parallel in one process.
        if std::env::var_os("ORDERCORE_LEASE_TTL_MS").is_none() {
            assert_eq!(serve(&[]).unwrap().lease_ttl_ms, 15_000);
        }
        assert_eq!(
            serve(&["--lease-ttl-ms", "2500"]).unwrap().lease_ttl_ms,
            2_500
        );
        for bad in ["0", "299", "-1", "soon"] {
            assert!(
                serve(&["--lease-ttl-ms", bad]).is_err(),
                "--lease-ttl-ms {bad}"
            );
        }
    }
}
