//! PostgreSQL restarted under load: `/readyz` says so while the store is away, the server
//! recovers by itself, and no acknowledged command is lost. This binary restarts the local
//! PostgreSQL cluster, so it runs alone (cargo runs test binaries one at a time).

#[path = "../it/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::collections::HashSet;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::Mutex;

use support::app::TestApp;
use support::catalog::{add_users, load_spec_example, order_body};
use support::store::TestStore;

/// Stops PostgreSQL (fast: active connections are cut), keeps it down for three seconds, starts
/// it again.
/// Stops PostgreSQL (fast: active connections are cut), keeps it down for three seconds and
/// starts it again, so the server must see the store gone and come back by itself.
fn restart_postgres() {
    let version = std::fs::read_dir("/etc/postgresql")
        .ok()
        .and_then(|mut d| d.next())
        .and_then(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .expect("a PostgreSQL cluster under /etc/postgresql");
    let run = |args: &[&str]| {
        let status = Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", version.as_str(), "main"])
            .args(args)
            .status()
            .expect("pg_ctlcluster runs");
        assert!(status.success(), "pg_ctlcluster {args:?} failed");
    };
    run(&["stop", "-m", "fast"]);
    std::thread::sleep(Duration::from_secs(3));
    run(&["start"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_server_rides_out_a_postgres_restart_and_loses_no_acknowledged_command() {
    support::init();
    let Some(store) = TestStore::new(app::db::Backend::Postgres).await else {
        return;
    };
    let app = Arc::new(TestApp::start(&store).await);
    load_spec_example(&app).await;
    add_users(&app).await;
    app.post(
        "/v1/erp/stock-levels",
        &json!({"message_id": "lvl-many", "levels": [
            {"sku": "DRILL-18V", "warehouse": "PRG", "on_hand": "1000000"},
        ]}),
    )
    .await
    .expect(200);

    let acknowledged: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let refused: Arc<Mutex<Vec<u16>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (app, acknowledged, refused, stop) = (
            app.clone(),
            acknowledged.clone(),
            refused.clone(),
            stop.clone(),
        );
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let key = format!("restart-{w}-{i}");
                let body = order_body(json!([{"sku": "DRILL-18V", "quantity": 1}]));
                let reply = app
                    .client
                    .post(format!("{}/v1/orders", app.base))
                    .header("x-acting-user", "jana")
                    .header("idempotency-key", &key)
                    .json(&body)
                    .send()
                    .await;
                match reply {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let v: serde_json::Value = r.json().await.unwrap_or_default();
                        if let Some(id) = v["order_id"].as_str() {
                            acknowledged
                                .lock()
                                .await
                                .push((id.to_string(), Instant::now()));
                        }
                    }
                    Ok(r) => refused.lock().await.push(r.status().as_u16()),
                    Err(_) => refused.lock().await.push(0),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Watch readiness while PostgreSQL restarts.
    let watcher = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut seen = HashSet::new();
            let until = Instant::now() + Duration::from_secs(8);
            while Instant::now() < until {
                let r = app.plain.get(format!("{}/readyz", app.base)).send().await;
                if let Ok(r) = r {
                    seen.insert(r.status().as_u16());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            seen
        })
    };
    let restart_started = Instant::now();
    tokio::task::spawn_blocking(restart_postgres)
        .await
        .expect("restart");
    let restarted = Instant::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.expect("writer");
    }
    let readiness = watcher.await.expect("watcher");

    // The server came back by itself.
    support::eventually(
        "the server to be ready again",
        Duration::from_secs(30),
        || async {
            (app.plain
                .get(format!("{}/readyz", app.base))
                .send()
                .await
                .ok()?
                .status()
                .as_u16()
                == 200)
                .then_some(())
        },
    )
    .await;
    assert!(
        readiness.contains(&503),
        "readyz said 503 while PostgreSQL was away: {readiness:?}"
    );

    let acknowledged = acknowledged.lock().await.clone();
    let refused = refused.lock().await.clone();
    assert!(
        refused.iter().all(|s| *s != 500),
        "no 500 while the store was away: {refused:?}"
    );
    let after = acknowledged
        .iter()
        .filter(|(_, at)| *at > restarted)
        .count();
    assert!(
        after > 0,
        "orders were acknowledged again after the restart"
    );
    // Every acknowledged order is in the log.
    let db = store.db().await;
    for (id, _) in &acknowledged {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'order' AND aggregate_id = $1 AND event_type = 'OrderPlaced'")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("count");
        assert_eq!(n, 1, "acknowledged order {id} is in the log");
    }
    println!(
        "restart took {:?}; {} orders acknowledged ({} after the restart), {} refused while away ({:?})",
        restarted - restart_started,
        acknowledged.len(),
        after,
        refused.len(),
        refused.iter().collect::<HashSet<_>>()
    );
    if let Ok(app) = Arc::try_unwrap(app) {
        app.stop().await;
    }
}
