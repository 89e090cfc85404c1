//! `TestApp`: the real server started on port 0 against a test store, with a typed HTTP client.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use api::server::{RunningServer, ServerConfig};
use app::subscription::RunnerConfig;

use super::store::TestStore;

pub struct TestApp {
    pub base: String,
    /// Sends `Authorization: Bearer <key>` with a key that has every scope.
    pub client: reqwest::Client,
    /// Sends no key (for authorization tests).
    pub plain: reqwest::Client,
    /// The all-scopes key the client sends.
    pub key: String,
    pub server: Option<RunningServer>,
    /// For a server in another process: a connection to its store.
    pub remote_db: Option<app::db::Db>,
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

/// A key with every scope, made directly in the store.
pub async fn all_scopes_key(db: &app::db::Db) -> String {
    use app::auth::Scope;
    app::auth::create(
        db,
        "tests",
        &[Scope::Eshop(None), Scope::Erp, Scope::Ops, Scope::Auditor],
    )
    .await
    .expect("an API key")
    .token
}

/// A client that sends `key` (none when empty).
pub fn client_with_key(key: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if !key.is_empty() {
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {key}").parse().expect("header"),
        );
    }
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .default_headers(headers)
        .build()
        .expect("client")
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }
}

impl TestApp {
    /// Starts a server on the store with fast subscribers.
    pub async fn start(store: &TestStore) -> Self {
        let mut config = ServerConfig::new(store.url.clone());
        config.listen = "127.0.0.1:0".parse().expect("address");
        config.runner = RunnerConfig {
            poll_interval: Duration::from_millis(200),
            lease_ttl: Duration::from_secs(5),
            max_backoff: Duration::from_millis(500),
            ..RunnerConfig::default()
        };
        config.scheduler_interval = Duration::from_millis(300);
        Self::start_with(config).await
    }

    /// Starts a server that delivers orders to an ERP at `url`, signing with `secret`, with
    /// short retry delays.
    pub async fn start_with_erp(store: &TestStore, url: &str, secret: &str) -> Self {
        Self::start_with_dispatch(store, url, secret, fast_dispatch()).await
    }

    /// Like [`TestApp::start_with_erp`], with the dispatcher tuned as given.
    pub async fn start_with_dispatch(
        store: &TestStore,
        url: &str,
        secret: &str,
        dispatch: app::erp::dispatcher::DispatchConfig,
    ) -> Self {
        let mut config = ServerConfig::new(store.url.clone());
        config.listen = "127.0.0.1:0".parse().expect("address");
        config.runner = RunnerConfig {
            poll_interval: Duration::from_millis(200),
            lease_ttl: Duration::from_secs(5),
            max_backoff: Duration::from_millis(500),
            ..RunnerConfig::default()
        };
        config.erp = Some(api::server::ErpSettings {
            adapter: app::erp::adapter::HttpAdapterConfig {
                url: url.to_string(),
                secret: Some(app::erp::signature::SigningSecret::parse(secret).expect("secret")),
                timeout: Duration::from_secs(2),
                concurrency: 4,
            },
            dispatch,
        });
        Self::start_with(config).await
    }

    pub async fn start_with(config: ServerConfig) -> Self {
        let server = api::server::start(config).await.expect("server starts");
        let key = all_scopes_key(&server.state.db).await;
        Self {
            base: format!("http://{}", server.addr),
            client: client_with_key(&key),
            plain: client_with_key(""),
            key,
            server: Some(server),
            remote_db: None,
        }
    }

    /// A client of a server running in another process, with a connection to its store.
    pub async fn remote(base: &str, db: app::db::Db) -> Self {
        let key = all_scopes_key(&db).await;
        Self {
            base: base.to_string(),
            client: client_with_key(&key),
            plain: client_with_key(""),
            key,
            server: None,
            remote_db: Some(db),
        }
    }

    /// A request with another key (or none: `""`).
    pub async fn request_with_key(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.plain.request(method, format!("{}{}", self.base, path));
        if !key.is_empty() {
            request = request.bearer_auth(key);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        read(request.send().await.expect("request sent")).await
    }

    pub fn db(&self) -> &app::db::Db {
        match &self.server {
            Some(server) => &server.state.db,
            None => self
                .remote_db
                .as_ref()
                .expect("a local server or a remote store"),
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        read(request.send().await.expect("request sent")).await
    }
}

async fn read(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> Reply {
        self.request(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.request(Method::POST, path, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.request(Method::PUT, path, Some(body), &[]).await
    }

    /// A request acting as a company user, with an idempotency key when given.
    pub async fn as_user(
        &self,
        method: Method,
        path: &str,
        user: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut headers = vec![("x-acting-user", user)];
        if let Some(key) = key {
            headers.push(("idempotency-key", key));
        }
        self.request(method, path, body, &headers).await
    }

    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("clean stop");
        }
    }
}

/// The dispatcher of the ERP tests: short retry delays and breaker cooldowns.
pub fn fast_dispatch() -> app::erp::dispatcher::DispatchConfig {
    app::erp::dispatcher::DispatchConfig {
        base_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(400),
        breaker_cooldown: Duration::from_millis(200),
        breaker_max_cooldown: Duration::from_millis(800),
        idle: Duration::from_millis(100),
        ..Default::default()
    }
}
