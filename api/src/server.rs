//! Building the application (`app`), starting it (`start`) and stopping it gracefully.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::extract::{MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::{HeaderName, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter};
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use app::access_log::AccessLog;
use app::aggregates::Aggregates;
use app::auth::Scope;
use app::db::{Db, PoolSettings};
use app::read_side::ReadSide;
use app::subscription::{RunnerConfig, RunnerHandle, Subscriber};
use projections::queries::Queries;

use crate::problem::Problem;
use crate::routes::erp::{feedback, master_data, stock};
use crate::routes::{companies, health, ops, orders, pricing, templates};

/// Largest request body in general.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Largest price-list import (tens of thousands of entries).
pub const PRICE_LIST_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub db: Db,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// Every subscriber this server knows (for status).
    pub subscribers: Arc<Vec<Subscriber>>,
    /// The aggregate stores.
    pub aggregates: Arc<Aggregates>,
    /// Read-model queries.
    pub queries: Queries,
    /// The same queries as the port command services use.
    pub read_side: Arc<dyn ReadSide>,
    /// API key checks and rate limits.
    pub gate: Arc<crate::auth::Gate>,
}

impl AppState {
    /// The state for a connected store.
    pub fn new(db: Db, subscribers: Vec<Subscriber>, rate_limit: (u32, u32)) -> Self {
        let queries = Queries::new(db.clone());
        Self {
            metrics: crate::telemetry::metrics_handle(),
            subscribers: Arc::new(subscribers),
            aggregates: Arc::new(Aggregates::new(&db)),
            read_side: Arc::new(queries.clone()),
            gate: Arc::new(crate::auth::Gate::new(rate_limit.0, rate_limit.1)),
            queries,
            db,
        }
    }
}

/// How to run the server.
#[derive(Clone)]
pub struct ServerConfig {
    /// `postgres://…` or `sqlite://…`.
    pub database_url: String,
    /// Address to listen on (port 0 picks a free one).
    pub listen: SocketAddr,
    /// Apply migrations at start.
    pub migrate: bool,
    /// Run the subscribers in this process.
    pub run_subscribers: bool,
    /// Subscriber tuning.
    pub runner: RunnerConfig,
    /// Longest time a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Pool sizing.
    pub pool: PoolSettings,
    /// How often the template scheduler looks for due occurrences.
    pub scheduler_interval: Duration,
    /// The ERP to deliver orders to (none: orders wait in the outbox).
    pub erp: Option<ErpSettings>,
    /// Requests per second each API key may make, and its burst.
    pub rate_limit: (u32, u32),
    /// Serve HTTPS with this certificate and key (PEM files); plain HTTP without.
    pub tls: Option<TlsFiles>,
}

// By hand: the database URL may carry a password, which is never printed.
impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("database_url", &app::db::redact(&self.database_url))
            .field("listen", &self.listen)
            .field("migrate", &self.migrate)
            .field("run_subscribers", &self.run_subscribers)
            .field("runner", &self.runner)
            .field("request_timeout", &self.request_timeout)
            .field("pool", &self.pool)
            .field("scheduler_interval", &self.scheduler_interval)
            .field("erp", &self.erp)
            .field("rate_limit", &self.rate_limit)
            .field("tls", &self.tls)
            .finish()
    }
}

/// A TLS certificate chain and its private key, PEM files.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert: std::path::PathBuf,
    /// The private key (never logged).
    pub key: std::path::PathBuf,
}

/// The ERP adapter and the dispatcher's tuning.
#[derive(Clone, Debug)]
pub struct ErpSettings {
    /// The HTTP adapter.
    pub adapter: app::erp::adapter::HttpAdapterConfig,
    /// Retries, breaker, concurrency.
    pub dispatch: app::erp::dispatcher::DispatchConfig,
}

impl ServerConfig {
    /// Defaults for a database URL.
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            migrate: true,
            run_subscribers: true,
            runner: RunnerConfig::default(),
            request_timeout: Duration::from_secs(30),
            pool: PoolSettings::default(),
            scheduler_interval: Duration::from_secs(60),
            erp: None,
            rate_limit: (200, 400),
            tls: None,
        }
    }
}

/// Every subscriber of the application.
pub fn subscribers(db: &Db) -> Vec<Subscriber> {
    let aggregates = Arc::new(Aggregates::new(db));
    let read_side: Arc<dyn ReadSide> = Arc::new(Queries::new(db.clone()));
    let mut all: Vec<Subscriber> = projections::all()
        .into_iter()
        .map(Subscriber::Projection)
        .collect();
    all.push(Subscriber::Reactor(Arc::new(
        app::orders::reservations::Reservations::new(aggregates, read_side),
    )));
    all.push(Subscriber::Reactor(Arc::new(
        app::erp::dispatcher::OutboxFeeder::new(db.clone()),
    )));
    all.push(Subscriber::Projection(Arc::new(app::audit::Sealer::new())));
    all
}

/// The names of the reactors (process managers) among [`subscribers`]: an import moves their
/// checkpoints to the head, since their effects (reservations, ERP deliveries) already happened
/// where the events were written.
pub fn reactor_names(db: &Db) -> Vec<&'static str> {
    subscribers(db)
        .iter()
        .filter(|s| s.kind() == "reactor")
        .map(|s| s.name())
        .collect()
}

/// A group of routes being built: the router, and the method and path of each route, so that
/// the routes the server answers can be listed ([`route_table`]) and compared with the OpenAPI
/// document. Each route names its method once, for both.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<(Method, &'static str)>,
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    /// Adds `handler` for `method` on `path`.
    pub fn at<H, T>(self, method: Method, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.at_limited(method, path, handler, None)
    }

    /// Adds `handler` for `method` on `path`, with its own body limit when given.
    pub fn at_limited<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        handler: H,
        body_limit: Option<usize>,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone())
            .unwrap_or_else(|_| panic!("{method} is not a method routes can have"));
        let mut route = on(filter, handler);
        if let Some(limit) = body_limit {
            route = route.layer(DefaultBodyLimit::max(limit));
        }
        self.router = self.router.route(path, route);
        self.table.push((method, path));
        self
    }

    /// Lets only keys with `scope` through to these routes.
    fn scoped(mut self, scope: Scope) -> Self {
        self.router = self.router.route_layer(middleware::from_fn_with_state(
            Arc::new(scope),
            crate::auth::require,
        ));
        self
    }
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

/// Every route group, each behind its scope.
fn route_groups() -> Vec<Routes> {
    vec![
        public_routes(),
        eshop_routes().scoped(Scope::Eshop(None)),
        erp_routes().scoped(Scope::Erp),
        ops_routes().scoped(Scope::Ops),
        crate::routes::audit::routes().scoped(Scope::Auditor),
    ]
}

/// The method and path of every route the server answers (the fallback aside).
pub fn route_table() -> Vec<(Method, &'static str)> {
    route_groups().into_iter().flat_map(|g| g.table).collect()
}

/// The router with every route and middleware.
pub fn app(state: AppState, request_timeout: Duration, access_log: AccessLog) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let routes = route_groups()
        .into_iter()
        .fold(Router::new(), |router, group| router.merge(group.router));
    routes
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(crate::access_log::expose_principal))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::authenticate,
        ))
        // Outside authentication, so that its 401 and 429 answers are counted too.
        .layer(middleware::from_fn(record_metrics))
        .layer(middleware::from_fn_with_state(request_timeout, timeout))
        .layer(middleware::from_fn(refuse_nul))
        .layer(middleware::from_fn(problem_everywhere))
        // Outside authentication and the timeout, so that every final status is logged.
        .layer(middleware::from_fn_with_state(
            access_log,
            crate::access_log::record,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(
                    x_request_id.clone(),
                    MakeRequestUuid,
                ))
                .layer(TraceLayer::new_for_http())
                .layer(PropagateRequestIdLayer::new(x_request_id))
                .layer(CatchPanicLayer::custom(|_| {
                    Problem::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "Internal error",
                        "an unexpected error occurred; it has been logged",
                    )
                    .into_response()
                })),
        )
        .with_state(state)
}

/// Liveness, readiness, metrics and the OpenAPI document: no key needed.
fn public_routes() -> Routes {
    Routes::new()
        .at(Method::GET, "/healthz", health::healthz)
        .at(Method::GET, "/readyz", health::readyz)
        .at(Method::GET, "/metrics", health::metrics)
        .at(Method::GET, "/openapi.json", health::openapi)
}

/// The e-shop backend's API (scope `eshop:<channel>`).
fn eshop_routes() -> Routes {
    use Method as M;
    Routes::new()
        .at(M::POST, "/v1/prices/quote", pricing::post_quote)
        .at(
            M::GET,
            "/v1/companies/{id}/prices",
            pricing::get_price_sheet,
        )
        .at(M::GET, "/v1/availability", pricing::get_availability)
        .at(M::POST, "/v1/orders", orders::post_order)
        .at(M::GET, "/v1/orders/{id}", orders::get_order)
        .at(M::POST, "/v1/orders/{id}/approve", orders::approve)
        .at(M::POST, "/v1/orders/{id}/reject", orders::reject)
        .at(M::POST, "/v1/orders/{id}/cancel", orders::cancel)
        .at(M::POST, "/v1/orders/{id}/reorder", templates::reorder)
        .at(M::GET, "/v1/companies/{id}/users", companies::list_users)
        .at(M::POST, "/v1/companies/{id}/users", companies::add_user)
        .at(
            M::PUT,
            "/v1/companies/{id}/users/{user_id}",
            companies::change_role,
        )
        .at(
            M::POST,
            "/v1/companies/{id}/users/{user_id}/deactivate",
            companies::deactivate_user,
        )
        .at(
            M::POST,
            "/v1/companies/{id}/users/{user_id}/reactivate",
            companies::reactivate_user,
        )
        .at(
            M::GET,
            "/v1/companies/{id}/approval-rules",
            companies::get_rules,
        )
        .at(
            M::PUT,
            "/v1/companies/{id}/approval-rules",
            companies::put_rules,
        )
        .at(M::GET, "/v1/companies/{id}/orders", companies::list_orders)
        .at(M::GET, "/v1/companies/{id}/invoices", companies::invoices)
        .at(
            M::GET,
            "/v1/companies/{id}/purchase-history",
            companies::purchase_history,
        )
        .at(
            M::GET,
            "/v1/companies/{id}/order-templates",
            templates::list,
        )
        .at(
            M::POST,
            "/v1/companies/{id}/order-templates",
            templates::create,
        )
        .at(
            M::PUT,
            "/v1/companies/{id}/order-templates/{template_id}",
            templates::update,
        )
        .at(
            M::DELETE,
            "/v1/companies/{id}/order-templates/{template_id}",
            templates::delete,
        )
        .at(
            M::PUT,
            "/v1/companies/{id}/order-templates/{template_id}/schedule",
            templates::set_schedule,
        )
        .at(
            M::DELETE,
            "/v1/companies/{id}/order-templates/{template_id}/schedule",
            templates::clear_schedule,
        )
        .at(
            M::POST,
            "/v1/companies/{id}/order-templates/{template_id}/orders",
            templates::order_template,
        )
}

/// The ERP's inbound API (scope `erp`).
fn erp_routes() -> Routes {
    use Method as M;
    Routes::new()
        .at(M::PUT, "/v1/erp/products/{sku}", master_data::put_product)
        .at(M::PUT, "/v1/erp/companies/{id}", master_data::put_company)
        .at(M::PUT, "/v1/erp/channels/{code}", master_data::put_channel)
        .at_limited(
            M::PUT,
            "/v1/erp/price-lists/{code}",
            master_data::put_price_list,
            Some(PRICE_LIST_BODY_LIMIT),
        )
        .at(M::POST, "/v1/erp/stock-levels", stock::post_levels)
        .at(M::POST, "/v1/erp/stock-movements", stock::post_movements)
        .at(M::POST, "/v1/erp/orders/{id}/status", feedback::post_status)
        .at(M::POST, "/v1/erp/invoices", feedback::post_invoice)
}

/// Operations (scope `ops`).
fn ops_routes() -> Routes {
    use Method as M;
    Routes::new()
        .at(M::GET, "/v1/ops/projections", ops::list)
        .at(M::POST, "/v1/ops/projections/{name}/rebuild", ops::rebuild)
        .at(M::GET, "/v1/ops/quarantine", ops::quarantine)
        .at(M::GET, "/v1/ops/erp/outbox", ops::erp_outbox)
        .at(
            M::POST,
            "/v1/ops/erp/dead-letters/{id}/retry",
            ops::retry_dead_letter,
        )
}

/// Turns every error answer that is not problem+json yet (axum's own rejections: a query that
/// does not parse, a body over the limit, a method the route does not have) into one, keeping
/// its status and its text as the detail.
async fn problem_everywhere(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let slug = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        s if s.is_server_error() => "internal",
        _ => "bad-request",
    };
    let title = status.canonical_reason().unwrap_or("Error");
    let detail = if text.trim().is_empty() {
        title.to_string()
    } else {
        text
    };
    let mut converted = Problem::new(status, slug, title, detail).into_response();
    for name in [axum::http::header::ALLOW, axum::http::header::RETRY_AFTER] {
        if let Some(value) = parts.headers.get(&name) {
            converted.headers_mut().insert(name, value.clone());
        }
    }
    converted
}

/// Refuses a request whose path or query holds a NUL character (`%00`): no text column can
/// store it, so it is bad input, answered before it reaches a handler.
async fn refuse_nul(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let has_nul = |text: &str| text.contains('\0') || text.to_ascii_lowercase().contains("%00");
    if has_nul(uri.path()) || uri.query().is_some_and(has_nul) {
        return Problem::malformed("url", "must not contain NUL characters (%00)").into_response();
    }
    next.run(request).await
}

async fn not_found(request: Request) -> Problem {
    Problem::not_found(format!(
        "no route for {} {}",
        request.method(),
        request.uri().path()
    ))
}

/// Answers 503 problem+json when a request runs past the configured time.
async fn timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let mut problem = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "Request timed out",
                format!("the request took longer than {} s", limit.as_secs()),
            );
            problem.retry_after = Some(1);
            problem.into_response()
        }
    }
}

/// Request counts and latency per route and status.
async fn record_metrics(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("ordercore_http_requests_total", &labels).increment(1);
    metrics::histogram!("ordercore_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A started server.
pub struct RunningServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state (tests use the store directly).
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    serve: tokio::task::JoinHandle<std::io::Result<()>>,
    runners: Vec<RunnerHandle>,
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningServer {
    /// Stops accepting requests, lets running ones finish, stops the subscribers (releasing
    /// their leases) and closes the pools.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        let served = self.serve.await.context("server task")?;
        for runner in self.runners {
            let _ = runner.task.await;
        }
        for task in self.background {
            let _ = task.await;
        }
        self.state.db.close().await;
        served.context("serving HTTP")
    }

    /// Waits until shutdown is signalled (ctrl-c or SIGTERM), then stops.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.stop().await
    }

    /// The subscribers' runners.
    pub fn runners(&self) -> &[RunnerHandle] {
        &self.runners
    }
}

/// Connects, migrates, starts the subscribers and serves HTTP.
pub async fn start(config: ServerConfig) -> anyhow::Result<RunningServer> {
    let db = Db::connect(&config.database_url, &config.pool).await?;
    if config.migrate {
        app::schema::migrate(&db).await?;
    } else {
        let version = app::schema::version(&db).await?;
        if version.applied > version.known {
            anyhow::bail!(
                "the database schema is at version {} but this binary knows only up to {}",
                version.applied,
                version.known
            );
        }
    }
    if let Some(pg) = db.pg() {
        db.notifier().spawn_pg_listener(pg.clone());
    }
    let (shutdown, shutdown_rx) = watch::channel(false);
    let subscribers = subscribers(&db);
    // Read models exist before anything (the scheduler, the first request) queries them.
    for subscriber in &subscribers {
        if let Subscriber::Projection(p) = subscriber {
            app::subscription::ensure_created(&db, p.as_ref()).await?;
        }
    }
    let runners = if config.run_subscribers {
        subscribers
            .iter()
            .cloned()
            .map(|s| {
                app::subscription::spawn(db.clone(), s, config.runner.clone(), shutdown_rx.clone())
            })
            .collect()
    } else {
        Vec::new()
    };
    let state = AppState::new(db.clone(), subscribers, config.rate_limit);
    let mut background = Vec::new();
    if config.run_subscribers {
        background.push(app::orders::scheduler::spawn(
            db.clone(),
            state.aggregates.clone(),
            state.read_side.clone(),
            config.scheduler_interval,
            config.runner.holder.clone(),
            shutdown_rx.clone(),
        ));
        background.push(spawn_key_purge(db.clone(), shutdown_rx.clone()));
        if let Some(erp) = &config.erp {
            if erp.adapter.timeout * 3 >= config.runner.lease_ttl * 2 {
                tracing::warn!(
                    erp_timeout_ms = erp.adapter.timeout.as_millis() as u64,
                    lease_ttl_ms = config.runner.lease_ttl.as_millis() as u64,
                    "the ERP timeout is not below two thirds of the lease: a request of a \
                     process that lost the lease could still be under way when another takes over"
                );
            }
            let adapter = app::erp::adapter::HttpAdapter::new(erp.adapter.clone())?;
            let dispatcher = Arc::new(app::erp::dispatcher::Dispatcher::new(
                db.clone(),
                state.aggregates.clone(),
                Arc::new(adapter),
                erp.dispatch.clone(),
            ));
            background.push(dispatcher.spawn(
                config.runner.holder.clone(),
                config.runner.lease_ttl,
                shutdown_rx.clone(),
            ));
        }
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    // The access-log writer ends once the router (the last holder of its handle) is dropped
    // after serving; `stop` awaits it among the background tasks, so the last entries are kept.
    let (access_log, access_writer) = AccessLog::spawn(db.clone(), Default::default());
    background.push(access_writer);
    let router = app(state.clone(), config.request_timeout, access_log);
    let mut stop = shutdown_rx.clone();
    let serve = match &config.tls {
        None => tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await
        }),
        Some(tls) => {
            // ring is the crypto provider of the whole dependency tree (no aws-lc).
            let _ = rustls::crypto::ring::default_provider().install_default();
            let rustls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                .await
                .with_context(|| {
                    format!(
                        "loading TLS certificate {} and key {}",
                        tls.cert.display(),
                        tls.key.display()
                    )
                })?;
            let handle = axum_server::Handle::new();
            let graceful = handle.clone();
            let timeout = config.request_timeout;
            tokio::spawn(async move {
                let _ = stop.wait_for(|s| *s).await;
                graceful.graceful_shutdown(Some(timeout));
            });
            let server = axum_server::tls_rustls::from_tcp_rustls(listener.into_std()?, rustls)?
                .handle(handle);
            tokio::spawn(async move { server.serve(router.into_make_service()).await })
        }
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    tracing::info!(%addr, scheme, store = db.backend().name(), url = %db.display_url(), "ordercore listening");
    Ok(RunningServer {
        addr,
        state,
        shutdown,
        serve,
        runners,
        background,
    })
}

/// Deletes idempotency keys past their retention, hourly.
fn spawn_key_purge(db: Db, mut shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while !*shutdown.borrow() {
            match app::idempotency::purge_expired(&db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(keys = n, "expired idempotency keys purged"),
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "idempotency key purge failed"),
            }
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            }
        }
    })
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
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
