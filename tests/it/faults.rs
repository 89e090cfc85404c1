//! Fault tests: ordercore and the ERP simulator as real processes on loopback. In CI they run
//! scaled down; `ORDERCORE_FAULT_SCALE=full` runs them at the size (200 orders, the ERP
//! down for 30 s): `ORDERCORE_FAULT_SCALE=full cargo test -p tests --test it faults:: -- --nocapture --test-threads=1`.

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};

use app::erp::signature::SigningSecret;

use crate::both_stores;
use crate::support::app::TestApp;
use crate::support::catalog::{add_users, load_spec_example, order_body};
use crate::support::eventually;
use crate::support::processes::{free_port, Proc};
use crate::support::store::TestStore;

struct Scale {
    orders: usize,
    down_secs: u64,
}

fn scale() -> Scale {
    if std::env::var("ORDERCORE_FAULT_SCALE").is_ok_and(|v| v == "full") {
        Scale {
            orders: 200,
            down_secs: 30,
        }
    } else {
        Scale {
            orders: 40,
            down_secs: 4,
        }
    }
}

/// A running pair: ordercore (a process) and the simulator (a process).
struct Rig {
    ordercore: Proc,
    sim: Proc,
    app: TestApp,
    secret: String,
    database_url: String,
    ordercore_port: u16,
    sim_port: u16,
}

impl Rig {
    async fn start(store: &TestStore, sim_flags: &[&str]) -> Self {
        let secret = SigningSecret::generate();
        let (ordercore_port, sim_port) = (free_port(), free_port());
        let ordercore_url = format!("http://127.0.0.1:{ordercore_port}");
        let db = store.db().await;
        let erp_key = app::auth::create(&db, "erp-sim", &[app::auth::Scope::Erp])
            .await
            .expect("key")
            .token;
        let sim = Proc::erp_sim(sim_port, &ordercore_url, &secret, &erp_key, sim_flags);
        sim.ready("/healthz").await;
        let ordercore = Proc::ordercore(ordercore_port, &store.url, &sim.url, &secret);
        ordercore.ready("/readyz").await;
        let app = TestApp::remote(&ordercore.url, db).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        app.post(
            "/v1/erp/stock-levels",
            &json!({"message_id": "lvl-big", "levels": [
                {"sku": "DRILL-18V", "warehouse": "PRG", "on_hand": "100000"},
                {"sku": "BOOK-1", "warehouse": "PRG", "on_hand": "100000"},
            ]}),
        )
        .await
        .expect(200);
        Self {
            ordercore,
            sim,
            app,
            secret,
            database_url: store.url.clone(),
            ordercore_port,
            sim_port,
        }
    }

    /// Kills ordercore with SIGKILL and starts it again on the same store.
    async fn restart_ordercore(&mut self) {
        self.ordercore.kill();
        self.ordercore = Proc::ordercore(
            self.ordercore_port,
            &self.database_url,
            &self.sim.url,
            &self.secret,
        );
        self.ordercore.ready("/readyz").await;
    }

    async fn set_faults(&self, faults: Value) {
        let reply = self
            .app
            .client
            .put(format!("{}/admin/faults", self.sim.url))
            .json(&faults)
            .send()
            .await
            .expect("faults");
        assert!(
            reply.status().is_success(),
            "setting faults: {}",
            reply.status()
        );
    }

    /// Orders the ERP has booked so far.
    async fn booked(&self) -> u64 {
        self.stats().await["orders_accepted"].as_u64().unwrap_or(0)
    }

    async fn stats(&self) -> Value {
        self.app
            .client
            .get(format!("{}/admin/stats", self.sim.url))
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("stats json")
    }

    async fn place_many(&self, n: usize, lines: Value) -> Vec<String> {
        let results: Vec<String> = futures::stream::iter(0..n)
            .map(|i| {
                let body = order_body(lines.clone());
                async move {
                    let key = format!("fault-{}-{i}", self.sim_port);
                    let reply = self
                        .app
                        .as_user(Method::POST, "/v1/orders", "jana", Some(&key), Some(&body))
                        .await
                        .expect(201);
                    reply.body["order_id"]
                        .as_str()
                        .expect("order id")
                        .to_string()
                }
            })
            .buffer_unordered(8)
            .collect()
            .await;
        results
    }

    /// The order's detail, as a well-behaved client gets it: on 429 it waits as long as
    /// `Retry-After` says (the rig polls hundreds of orders, past the key's rate limit).
    async fn status_of(&self, id: &str) -> Value {
        loop {
            let reply = self
                .app
                .as_user(Method::GET, &format!("/v1/orders/{id}"), "eva", None, None)
                .await;
            if reply.status != reqwest::StatusCode::TOO_MANY_REQUESTS {
                return reply.expect(200).body;
            }
            let wait = reply
                .headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| app::erp::adapter::parse_retry_after(v, std::time::SystemTime::now()))
                .unwrap_or(Duration::from_secs(1));
            tokio::time::sleep(wait).await;
        }
    }

    /// Waits until every order has reached one of `statuses`. Each round asks only for the
    /// orders not there yet and then pauses, so that the waiting does not load the server it
    /// measures; while it waits it reports progress every 10 s.
    async fn until_all(&self, ids: &[String], statuses: &[&str], timeout: Duration) -> Vec<Value> {
        let started = std::time::Instant::now();
        let mut reported = started;
        let mut waiting: Vec<&String> = ids.iter().collect();
        loop {
            let mut still = Vec::new();
            let mut by_status: std::collections::BTreeMap<String, usize> = Default::default();
            for id in waiting {
                let status = self.status_of(id).await["status"]
                    .as_str()
                    .unwrap_or("?")
                    .to_string();
                if !statuses.contains(&status.as_str()) {
                    still.push(id);
                    *by_status.entry(status).or_default() += 1;
                }
            }
            waiting = still;
            if waiting.is_empty() {
                let all: Vec<Value> =
                    futures::stream::iter(ids.iter().map(|id| self.status_of(id)))
                        .buffered(8)
                        .collect()
                        .await;
                if all
                    .iter()
                    .all(|o| statuses.contains(&o["status"].as_str().unwrap_or("")))
                {
                    return all;
                }
                waiting = ids.iter().collect();
            }
            if reported.elapsed() >= Duration::from_secs(10) {
                reported = std::time::Instant::now();
                println!(
                    "after {:.0?}: {} of {} through, the rest {by_status:?}",
                    started.elapsed(),
                    ids.len() - waiting.len(),
                    ids.len()
                );
            }
            assert!(started.elapsed() < timeout, "timed out after {timeout:?} waiting for every order to get through; {} left: {by_status:?}", waiting.len());
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Each of `ids` is in the simulator's books exactly once; returns duplicates absorbed.
    async fn assert_booked_once(&self, ids: &[String]) -> u64 {
        let stats = self.stats().await;
        let booked: Vec<&str> = stats["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .filter_map(|o| o["order_id"].as_str())
            .collect();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for id in &booked {
            *counts.entry(id).or_default() += 1;
        }
        for id in ids {
            assert_eq!(
                counts.get(id.as_str()),
                Some(&1),
                "order {id} is in the ERP's books once"
            );
        }
        assert_eq!(
            stats["resubmits_under_new_key"], 0,
            "no order sent under a second key"
        );
        stats["duplicate_submits_absorbed"].as_u64().unwrap_or(0)
    }
}

fn attempts(order: &Value) -> usize {
    order["status_history"]
        .as_array()
        .map(|h| h.iter().filter(|e| e["event"] == "SentToErp").count())
        .unwrap_or(0)
}

both_stores! {
    async fn orders_placed_while_the_erp_is_down_all_reach_it_once(store: &TestStore) {
        let scale = scale();
        let rig = Rig::start(store, &["--ship-after-ms", "600000"]).await;
        rig.set_faults(json!({"down_for_secs": scale.down_secs})).await;
        let started = std::time::Instant::now();
        let ids = rig.place_many(scale.orders, json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
        let orders = rig.until_all(&ids, &["accepted_by_erp"], Duration::from_secs(scale.down_secs + 120)).await;
        assert!(started.elapsed() >= Duration::from_secs(scale.down_secs - 1), "nothing got through while the ERP was down");
        let absorbed = rig.assert_booked_once(&ids).await;
        let retried = orders.iter().filter(|o| attempts(o) > 1).count();
        assert!(retried > 0, "orders were retried during the outage");
        println!("outage: {} orders, {} retried, {} duplicate deliveries absorbed by key, all accepted {:.1?} after placing began", ids.len(), retried, absorbed, started.elapsed());
    }
}

both_stores! {
    async fn orders_get_through_5xx_and_timeouts_with_backoff(store: &TestStore) {
        let scale = scale();
        // The ERP confirms nothing on its own, so an order whose answer timed out is only
        // settled by sending it again under its key.
        let rig = Rig::start(store, &["--error-rate", "0.3", "--timeout-rate", "0.1", "--confirm-after-ms", "600000", "--ship-after-ms", "600000"]).await;
        let started = std::time::Instant::now();
        let ids = rig.place_many(scale.orders, json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
        let orders = rig.until_all(&ids, &["accepted_by_erp"], Duration::from_secs(180)).await;
        let absorbed = rig.assert_booked_once(&ids).await;
        let total_attempts: usize = orders.iter().map(attempts).sum();
        assert!(total_attempts > ids.len(), "some attempts failed and were retried: {total_attempts}");
        // Backoff, from when the simulator saw each attempt: after the n-th failed attempt the
        // next waits at least half of min(100 ms × 2^(n−1), 1500 ms) (ordercore's flags; full
        // jitter keeps the upper half), so the shortest possible wait grows with every retry.
        let stats = rig.stats().await;
        let mut by_key: HashMap<String, Vec<i64>> = HashMap::new();
        for request in stats["requests"].as_array().expect("requests") {
            if request["path"] == "/orders" {
                by_key.entry(request["key"].as_str().unwrap().to_string()).or_default()
                    .push(request["at_ms"].as_i64().unwrap());
            }
        }
        let mut deepest = 0;
        for (key, times) in &mut by_key {
            times.sort_unstable();
            deepest = deepest.max(times.len());
            for (n, pair) in times.windows(2).enumerate() {
                let floor = (100i64 << n).min(1500) / 2;
                assert!(pair[1] - pair[0] >= floor, "{key}: retry {} after {} ms, less than {floor} ms: {times:?}", n + 1, pair[1] - pair[0]);
            }
        }
        assert!(deepest >= 3, "some order needed three attempts or more, so growth was checked: {deepest}");
        assert!(absorbed > 0, "timed-out submits had taken effect and their resends were absorbed by key");
        println!("5xx/timeouts: {} orders, {} attempts (deepest {deepest}), {} duplicate deliveries absorbed, all accepted in {:.1?}", ids.len(), total_attempts, absorbed, started.elapsed());
    }
}

both_stores! {
    async fn killing_ordercore_during_dispatch_never_duplicates_an_order(store: &TestStore) {
        let scale = scale();
        // The ERP confirms nothing on its own: what ordercore knows of an order's fate comes
        // from the answers to its own requests.
        let mut rig = Rig::start(store, &["--latency-ms", "100", "--confirm-after-ms", "600000", "--ship-after-ms", "600000"]).await;
        let started = std::time::Instant::now();
        let ids = rig.place_many(scale.orders, json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
        // The hardest moment for a kill: the ERP has booked an order and its answer is still on
        // the way. The kills come at a quarter, half and three quarters of the dispatch: there
        // the ERP starts holding its answers back, and the kill comes as soon as it has booked
        // one more order, so that order's answer is lost with the process.
        for kill in 1..=3u64 {
            let mark = kill * ids.len() as u64 / 4;
            eventually(&format!("{mark} orders booked before kill {kill}"), Duration::from_secs(120), || async {
                (rig.booked().await >= mark).then_some(())
            }).await;
            rig.set_faults(json!({"answer_delay_ms": 3000})).await;
            let before = rig.booked().await;
            assert!(before < ids.len() as u64, "orders are left to dispatch before kill {kill}");
            eventually(&format!("an order booked before kill {kill}"), Duration::from_secs(120), || async {
                (rig.booked().await > before).then_some(())
            }).await;
            rig.ordercore.kill();
            rig.set_faults(json!({"answer_delay_ms": 0})).await;
            rig.restart_ordercore().await;
        }
        rig.until_all(&ids, &["accepted_by_erp"], Duration::from_secs(180)).await;
        let absorbed = rig.assert_booked_once(&ids).await;
        assert!(absorbed >= 3, "each kill lost the answer to a booked order, and its resend was absorbed by key: {absorbed}");
        println!("kill -9 three times: {} orders, 0 duplicates in the ERP's books, {} duplicate deliveries absorbed by key, all accepted in {:.1?}", ids.len(), absorbed, started.elapsed());
    }
}

both_stores! {
    async fn a_refused_sku_is_dead_lettered_and_the_rest_delivered(store: &TestStore) {
        let rig = Rig::start(store, &["--refuse-skus", "BOOK-1", "--ship-after-ms", "600000"]).await;
        let good = rig.place_many(6, json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
        let bad = rig.app.as_user(Method::POST, "/v1/orders", "jana", Some("refused-1"), Some(&order_body(json!([{"sku": "BOOK-1", "quantity": 2}])))).await.expect(201).body;
        let bad_id = bad["order_id"].as_str().unwrap().to_string();
        rig.until_all(&good, &["accepted_by_erp"], Duration::from_secs(60)).await;
        let refused = rig.until_all(std::slice::from_ref(&bad_id), &["rejected_by_erp"], Duration::from_secs(60)).await;
        let reason = refused[0]["status_history"].as_array().unwrap().last().unwrap()["reason"].as_str().unwrap().to_string();
        assert!(reason.contains("BOOK-1"), "{reason}");
        // The order records the refusal before the dispatcher marks its delivery dead.
        let dead = eventually("the refused delivery in the dead letters", Duration::from_secs(10), || async {
            let dead = rig.app.get("/v1/ops/erp/outbox?state=dead").await.expect(200).body;
            (!dead["items"].as_array()?.is_empty()).then_some(dead)
        }).await;
        assert_eq!(dead["items"].as_array().unwrap().len(), 1);
        assert_eq!(dead["items"][0]["order_id"], bad_id);
        rig.assert_booked_once(&good).await;
    }
}

both_stores! {
    async fn inbound_messages_twice_and_out_of_order_still_complete_every_order(store: &TestStore) {
        let rig = Rig::start(store, &["--duplicate-inbound", "--shuffle-inbound", "--partial-shipments", "--pay"]).await;
        let ids = rig.place_many(8, json!([{"sku": "DRILL-18V", "quantity": 4}, {"sku": "BOOK-1", "quantity": 2}])).await;
        let orders = rig.until_all(&ids, &["completed"], Duration::from_secs(120)).await;
        for order in &orders {
            let count = |event: &str| order["status_history"].as_array().unwrap().iter().filter(|e| e["event"] == event).count();
            assert_eq!(count("ShipmentRecorded"), 2, "two partial shipments, none doubled: {order}");
            assert_eq!(count("InvoiceRecorded"), 1, "one invoice");
            assert_eq!(count("OrderCompleted"), 1);
            assert!(order["erp_order_no"].is_string(), "the ERP number is known: {order}");
        }
        // Stock: shipped quantities left on hand once, nothing stays reserved.
        crate::support::catalog::wait_for_read_models(&rig.app).await;
        let a = rig.app.get("/v1/availability?skus=DRILL-18V").await.body;
        let prg = a["items"][0]["warehouses"].as_array().unwrap().iter().find(|w| w["warehouse"] == "PRG").unwrap().clone();
        assert_eq!(prg["on_hand"], json!((100000 - 4 * ids.len()).to_string()));
        assert_eq!(prg["reserved"], "0");
        let stats = rig.stats().await;
        assert_eq!(stats["inbound_quarantined"], 0, "{stats}");
    }
}
