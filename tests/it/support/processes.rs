//! Real processes on loopback: ordercore and the ERP simulator, started from the built binary,
//! killed with SIGKILL when a test says so or when dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port on loopback (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A child process of the test.
pub struct Proc {
    child: Option<Child>,
    /// Its base URL.
    pub url: String,
    name: &'static str,
}

impl Proc {
    fn spawn(name: &'static str, port: u16, args: &[String], envs: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ordercore-it"));
        command
            .args(args)
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null());
        if std::env::var_os("TEST_LOG").is_none() {
            command
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .env("RUST_LOG", "error");
        }
        for (k, v) in envs {
            command.env(k, v);
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Self {
            child: Some(child),
            url: format!("http://127.0.0.1:{port}"),
            name,
        }
    }

    /// `ordercore serve` on `port` against `database_url`, delivering to `erp_url`.
    pub fn ordercore(port: u16, database_url: &str, erp_url: &str, secret: &str) -> Self {
        let args: Vec<String> = [
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--erp-url",
            erp_url,
            "--erp-timeout-ms",
            "1000",
            "--erp-concurrency",
            "8",
            "--erp-retry-base-ms",
            "100",
            "--erp-retry-max-ms",
            "1500",
            "--erp-breaker-cooldown-ms",
            "500",
            // A killed process's subscribers and dispatcher move on after 2 s, not 15.
            "--lease-ttl-ms",
            "2000",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        Self::spawn(
            "ordercore",
            port,
            &args,
            &[
                ("DATABASE_URL", database_url),
                ("ORDERCORE_ERP_SECRET", secret),
            ],
        )
    }

    /// `ordercore erp-sim` on `port`, reporting to `ordercore_url`, with extra flags (which
    /// replace the defaults of the same name).
    pub fn erp_sim(
        port: u16,
        ordercore_url: &str,
        secret: &str,
        key: &str,
        extra: &[&str],
    ) -> Self {
        let listen = format!("127.0.0.1:{port}");
        let defaults = [
            ("--listen", listen.as_str()),
            ("--ordercore-url", ordercore_url),
            ("--confirm-after-ms", "50"),
            ("--ship-after-ms", "150"),
            ("--invoice-after-ms", "250"),
            ("--hang-ms", "2500"),
            ("--retry-base-ms", "50"),
            ("--retry-max-ms", "500"),
            ("--seed", "7"),
        ];
        let mut args = vec!["erp-sim".to_string()];
        for (flag, value) in defaults {
            if !extra.contains(&flag) {
                args.push(flag.to_string());
                args.push(value.to_string());
            }
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        Self::spawn(
            "erp-sim",
            port,
            &args,
            &[
                ("ORDERCORE_ERP_SIM_SECRET", secret),
                ("ORDERCORE_ERP_KEY", key),
            ],
        )
    }

    /// Waits until `GET {url}{path}` answers 200.
    pub async fn ready(&self, path: &str) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = client.get(format!("{}{path}", self.url)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{} at {} did not become ready", self.name, self.url);
    }

    /// Kills the process with SIGKILL (no shutdown, no cleanup) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}
