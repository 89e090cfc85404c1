//! The server skeleton over HTTP, and the command line's handling of bad configuration.

use std::process::Command;
use std::time::Duration;

use app::event_log;

use crate::both_stores;
use crate::support::app::TestApp;
use crate::support::eventually;
use crate::support::raw;

both_stores! {
    async fn health_readiness_metrics_and_openapi_answer(store: &TestStore) {
        let app = TestApp::start(store).await;
        let health = app.get("/healthz").await.expect(200);
        assert_eq!(health.body["status"], "ok");
        let ready = app.get("/readyz").await.expect(200);
        assert_eq!(ready.body["status"], "ready");
        assert_eq!(ready.body["store"], store.backend.name());

        let metrics = app.get("/metrics").await.expect(200);
        assert!(metrics.header("content-type").unwrap_or("").starts_with("text/plain"));
        assert!(metrics.text.contains("ordercore_http_requests_total"), "{}", metrics.text);

        let doc = app.get("/openapi.json").await.expect(200);
        assert!(doc.body["openapi"].as_str().unwrap_or("").starts_with("3.1"));
        for path in ["/healthz", "/readyz", "/metrics", "/v1/ops/projections"] {
            assert!(doc.body["paths"].get(path).is_some(), "{path} missing from the document");
        }
        app.stop().await;
    }
}

both_stores! {
    async fn unknown_routes_are_problem_json(store: &TestStore) {
        let app = TestApp::start(store).await;
        let reply = app.get("/v1/nothing-here").await.expect(404);
        assert_eq!(reply.header("content-type"), Some("application/problem+json"));
        assert_eq!(reply.body["type"], "/problems/not-found");
        assert_eq!(reply.body["status"], 404);
        assert!(reply.header("x-request-id").is_some());
        app.stop().await;
    }
}

both_stores! {
    async fn ops_sees_the_read_models_catch_up_and_can_rebuild_them(store: &TestStore) {
        let app = TestApp::start(store).await;
        let db = app.db().clone();
        let accounts = app::aggregate_store::AggregateStore::<crate::support::account::Account>::new(
            &db, app::aggregate_store::Loading::Events, ());
        let meta = app::metadata::CommandMetadata::new(app::metadata::Actor::system("test"));
        for id in ["a", "b", "c"] {
            accounts.execute(id, crate::support::account::AccountCommand::Open, &meta).await.unwrap();
        }
        let status = eventually("stream_heads to catch up", Duration::from_secs(20), || async {
            // The head is read anew each time: on Postgres a transaction still open elsewhere
            // can hide the newest events from a reader for a moment.
            let head = event_log::head(&db).await.unwrap();
            let reply = app.get("/v1/ops/projections").await.expect(200);
            let item = reply.body["items"].as_array()?.iter().find(|i| i["name"] == "stream_heads")?.clone();
            (item["position"] == head.position && item["lag_events"] == 0).then_some(item)
        }).await;
        assert_eq!(status["state"], "running");
        let rows_before: i64 = sqlx::query_scalar("SELECT count(*) FROM rm_stream_heads").fetch_one(db.pool()).await.unwrap();
        assert_eq!(rows_before, 3);

        app.post("/v1/ops/projections/stream_heads/rebuild", &serde_json::json!({})).await.expect(202);
        app.post("/v1/ops/projections/nope/rebuild", &serde_json::json!({})).await.expect(404);
        eventually("the rebuild to be registered", Duration::from_secs(20), || async {
            let built: Option<i64> = sqlx::query_scalar("SELECT built_at FROM read_models WHERE name = 'stream_heads'")
                .fetch_optional(db.pool()).await.ok()?;
            let events: i64 = sqlx::query_scalar("SELECT events_handled FROM subscriptions WHERE name = 'stream_heads'")
                .fetch_one(db.pool()).await.ok()?;
            (built.is_some() && events == 3).then_some(())
        }).await;
        let rows_after: i64 = sqlx::query_scalar("SELECT count(*) FROM rm_stream_heads").fetch_one(db.pool()).await.unwrap();
        assert_eq!(rows_after, 3);
        app.stop().await;
    }
}

both_stores! {
    async fn a_database_with_a_newer_schema_is_refused(store: &TestStore) {
        let db = store.db().await;
        raw::execute(&db, "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                           VALUES (99999, 'from the future', TRUE, X'00', 0)").await
            .or(raw::execute(&db, "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                           VALUES (99999, 'from the future', TRUE, '\\x00', 0)").await)
            .expect("fake a future migration");
        db.close().await;
        let config = api::server::ServerConfig::new(store.url.clone());
        let err = api::server::start(config).await.err().expect("start must fail");
        let message = format!("{err:#}");
        assert!(message.contains("99999") && message.contains("upgrade ordercore"), "{message}");
    }
}

fn ordercore(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ordercore-it"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run the binary")
}

#[test]
fn a_malformed_or_unreachable_database_url_is_one_clear_error_line() {
    for (url, expected) in [
        ("mysql://nope", "unsupported database URL"),
        ("postgres://postgres@127.0.0.1:1/x", "cannot connect"),
        ("sqlite:///nonexistent-dir/for/sure/x.db", "cannot open"),
    ] {
        let out = ordercore(&["--database-url", url, "migrate"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{url}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{url}: expected one line, got {stderr}");
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains(expected),
            "{url}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_certificate_the_server_speaks_https_only() {
    crate::support::init();
    let store = crate::support::store::TestStore::new(app::db::Backend::Sqlite)
        .await
        .expect("store");
    let dir = std::env::temp_dir().join(format!("ordercore-tls-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let mut config = api::server::ServerConfig::new(store.url.clone());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.tls = Some(api::server::TlsFiles { cert, key });
    let server = api::server::start(config).await.expect("starts with TLS");
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let https = client
        .get(format!("https://{}/healthz", server.addr))
        .send()
        .await
        .expect("https answers");
    assert_eq!(https.status().as_u16(), 200);
    assert!(
        client
            .get(format!("http://{}/healthz", server.addr))
            .send()
            .await
            .map(|r| !r.status().is_success())
            .unwrap_or(true),
        "plain HTTP is not served"
    );
    server.stop().await.expect("clean stop");
    let _ = std::fs::remove_dir_all(dir);
}

both_stores! {
    async fn nul_characters_are_refused_as_bad_input_never_a_500(store: &TestStore) {
        let app = TestApp::start(store).await;
        crate::support::catalog::load_spec_example(&app).await;
        crate::support::catalog::add_users(&app).await;
        let product = serde_json::json!({"message_id": "nul-1", "name": "Kla\u{0}divo", "unit": "pcs", "vat_class": "standard", "active": true});
        let reply = app.put("/v1/erp/products/NUL-1", &product).await.expect(422);
        assert_eq!(reply.body["errors"][0]["field"], "name");
        let mut order = crate::support::catalog::order_body(serde_json::json!([{"sku": "DRILL-18V", "quantity": 1}]));
        order["note"] = serde_json::json!("a\u{0}b");
        let reply = app.as_user(reqwest::Method::POST, "/v1/orders", "jana", Some("nul-order"), Some(&order)).await.expect(422);
        assert_eq!(reply.body["errors"][0]["field"], "note");
        app.as_user(reqwest::Method::GET, "/v1/companies/ACME/orders?status=x%00y", "jana", None, None).await.expect(400);
        app.get("/v1/availability?skus=A%00B").await.expect(400);
        let raw = app.client.put(format!("{}/v1/erp/products/NUL-2", app.base))
            .header("content-type", "application/json")
            .body(b"{\"message_id\": \"nul-2\", \"name\": \"a\x00b\"}".to_vec())
            .send().await.unwrap();
        assert_eq!(raw.status().as_u16(), 400);
        let quarantine = app.get("/v1/ops/quarantine").await.expect(200).body;
        assert_eq!(quarantine["items"].as_array().unwrap().len(), 2, "both refused messages are kept");
        app.stop().await;
    }
}

both_stores! {
    async fn the_frameworks_own_rejections_are_problem_json_too(store: &TestStore) {
        let app = TestApp::start(store).await;
        let bad_query = app.get("/v1/companies/ACME/orders?limit=lots").await;
        assert_eq!(bad_query.status.as_u16(), 400, "{}", bad_query.text);
        assert_eq!(bad_query.header("content-type"), Some("application/problem+json"));
        assert_eq!(bad_query.body["type"], "/problems/bad-request");
        let wrong_method = app.request(reqwest::Method::DELETE, "/v1/orders", None, &[]).await;
        assert_eq!(wrong_method.status.as_u16(), 405);
        assert_eq!(wrong_method.header("content-type"), Some("application/problem+json"));
        assert!(wrong_method.header("allow").is_some());
        let too_big = app.client.post(format!("{}/v1/prices/quote", app.base))
            .header("content-type", "application/json")
            .body(vec![b' '; 2 * 1024 * 1024])
            .send().await.unwrap();
        assert_eq!(too_big.status().as_u16(), 413);
        assert_eq!(too_big.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
        app.stop().await;
    }
}
