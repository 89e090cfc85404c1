//! The dispatcher sends only while it holds the delivery lease, also in the middle of a round:
//! once another process has taken the lease, the rest of the round stays pending for it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::sync::watch;

use app::erp::adapter::{DeliveryOutcome, ErpAdapter};
use app::erp::dispatcher::{DispatchConfig, Dispatcher};

use crate::both_stores;
use crate::support::app::{fast_dispatch, TestApp};
use crate::support::catalog::{add_users, load_spec_example, order_body};
use crate::support::eventually;

/// An ERP whose first request takes longer than a third of the lease, during which another
/// process takes the lease over. Every answer is a transient failure, so nothing settles.
struct LeaseTakenMidRound {
    db: app::db::Db,
    keys: Arc<Mutex<Vec<String>>>,
    pause: Duration,
}

#[async_trait]
impl ErpAdapter for LeaseTakenMidRound {
    async fn post(&self, _path: &str, key: &str, _body: &Value) -> DeliveryOutcome {
        let first = {
            let mut keys = self.keys.lock().unwrap();
            keys.push(key.to_string());
            keys.len() == 1
        };
        if first {
            sqlx::query("UPDATE subscription_leases SET holder = 'another-process', expires_at = $1 WHERE name = 'erp_delivery'")
                .bind(app::clock::now_ms() + 600_000)
                .execute(self.db.pool())
                .await
                .expect("lease taken over");
            tokio::time::sleep(self.pause).await;
        }
        DeliveryOutcome::Transient {
            reason: "not now".into(),
            retry_after: None,
        }
    }
}

async fn pending(db: &app::db::Db) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT id, attempts FROM erp_outbox WHERE state = 'pending' ORDER BY id")
        .fetch_all(db.pool())
        .await
        .expect("outbox")
}

both_stores! {
    async fn a_dispatcher_that_lost_its_lease_mid_round_sends_nothing_more(store: &TestStore) {
        // No dispatcher of its own: the one under test is started below.
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        // Two companies, so that two deliveries are due in the same round.
        let acme = order_body(json!([{"sku": "DRILL-18V", "quantity": 1}]));
        let mut beta = acme.clone();
        beta["company_id"] = json!("BETA");
        app.as_user(Method::POST, "/v1/orders", "jana", Some("lease-acme"), Some(&acme)).await.expect(201);
        app.as_user(Method::POST, "/v1/orders", "karel", Some("lease-beta"), Some(&beta)).await.expect(201);
        let db = app.db().clone();
        eventually("both deliveries queued", Duration::from_secs(20), || async {
            (pending(&db).await.len() == 2).then_some(())
        }).await;

        let keys = Arc::new(Mutex::new(Vec::new()));
        let ttl = Duration::from_millis(900);
        let adapter = LeaseTakenMidRound { db: db.clone(), keys: keys.clone(), pause: ttl / 3 + Duration::from_millis(150) };
        let config = DispatchConfig { concurrency: 1, ..fast_dispatch() };
        let aggregates = app.server.as_ref().expect("a local server").state.aggregates.clone();
        let dispatcher = Arc::new(Dispatcher::new(db.clone(), aggregates, Arc::new(adapter), config));
        let (stop, stop_rx) = watch::channel(false);
        let task = dispatcher.spawn("tested-process".into(), ttl, stop_rx);

        eventually("the first request", Duration::from_secs(20), || async {
            (!keys.lock().unwrap().is_empty()).then_some(())
        }).await;
        // Several rounds' worth of time: the other process holds the lease throughout.
        tokio::time::sleep(ttl * 3).await;
        let sent = keys.lock().unwrap().clone();
        assert_eq!(sent.len(), 1, "nothing sent after the lease was lost: {sent:?}");
        let left = pending(&db).await;
        assert_eq!(left.len(), 2);
        assert_eq!(left.iter().filter(|(_, attempts)| *attempts == 0).count(), 1, "the second delivery was left untouched: {left:?}");

        // Once the lease is free again, the dispatcher takes it and goes on.
        sqlx::query("DELETE FROM subscription_leases WHERE name = 'erp_delivery'").execute(db.pool()).await.unwrap();
        eventually("both deliveries tried", Duration::from_secs(20), || async {
            let keys = keys.lock().unwrap();
            (keys.iter().collect::<std::collections::BTreeSet<_>>().len() == 2).then_some(())
        }).await;
        stop.send(true).unwrap();
        task.await.unwrap();
        app.stop().await;
    }
}
