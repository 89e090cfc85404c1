//! How the dispatcher reads the ERP's answers, against the ERP simulator in-process: answers
//! about credentials and routing never reject an order, `Retry-After` is waited out, a cancel
//! never goes before a dead-lettered submit, and ops can send dead letters again. Times come
//! from the simulator's record of each request, not from the test's clock.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use api::erp_sim::{Faults, ReceivedRequest, RunningSim, SimConfig};
use app::erp::dispatcher::DispatchConfig;
use app::erp::signature::SigningSecret;

use super::{order, place, until_status};
use crate::both_stores;
use crate::support::app::{fast_dispatch, TestApp};
use crate::support::catalog::{add_users, load_spec_example};
use crate::support::eventually;
use crate::support::store::TestStore;

/// The simulator (which only answers: its own messages to ordercore are not due within a
/// test) and a server delivering to it.
async fn start(store: &TestStore, dispatch: DispatchConfig) -> (TestApp, RunningSim) {
    let secret = SigningSecret::generate();
    // Nothing listens on the discard port: the simulator never gets to send anything.
    let mut config = SimConfig::new("http://127.0.0.1:9");
    config.listen = "127.0.0.1:0".parse().expect("address");
    config.secret = Some(SigningSecret::parse(&secret).expect("secret"));
    config.confirm_after = Duration::from_secs(600);
    config.ship_after = Duration::from_secs(600);
    config.invoice_after = Duration::from_secs(600);
    config.seed = Some(7);
    let sim = api::erp_sim::start(config).await.expect("simulator starts");
    let app = TestApp::start_with_dispatch(store, &sim.url(), &secret, dispatch).await;
    load_spec_example(&app).await;
    add_users(&app).await;
    (app, sim)
}

/// The requests the simulator received under `key`, in order of arrival.
fn requests(sim: &RunningSim, key: &str) -> Vec<ReceivedRequest> {
    let mut requests: Vec<ReceivedRequest> = sim
        .stats()
        .requests
        .into_iter()
        .filter(|r| r.key == key)
        .collect();
    requests.sort_by_key(|r| r.at_ms);
    requests
}

fn answering(status: u16) -> Faults {
    Faults {
        answer_status: status,
        ..Faults::default()
    }
}

fn events(order: &Value) -> Vec<String> {
    order["status_history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["event"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn outbox_item(app: &TestApp, id: &str) -> Option<Value> {
    let outbox = app.get("/v1/ops/erp/outbox").await.expect(200).body;
    outbox["items"]
        .as_array()?
        .iter()
        .find(|i| i["id"] == id)
        .cloned()
}

both_stores! {
    async fn auth_and_routing_answers_never_reject_an_order_which_goes_once_they_clear(store: &TestStore) {
        let (app, sim) = start(store, fast_dispatch()).await;
        for status in [401u16, 404, 403, 405, 407, 307] {
            sim.set_faults(answering(status)).unwrap();
            let id = place(&app, &format!("k-storm-{status}"), json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
            let key = format!("{id}:submit");
            // The first storm is long enough to open the breaker (5 failures in a row).
            let storm = if status == 401 { 6 } else { 4 };
            eventually(&format!("a storm of {status} answers"), Duration::from_secs(30), || async {
                (requests(&sim, &key).len() >= storm).then_some(())
            }).await;
            let during = order(&app, &id).await;
            assert_eq!(during["status"], "sent_to_erp", "HTTP {status}: {during}");
            let pending = outbox_item(&app, &key).await.unwrap_or_else(|| panic!("HTTP {status}: {key} in the outbox"));
            assert_eq!(pending["state"], "pending", "HTTP {status}: {pending}");
            assert!(pending["last_error"].as_str().unwrap_or("").contains(&status.to_string()), "ops see why: {pending}");

            sim.set_faults(Faults::default()).unwrap();
            let accepted = until_status(&app, &id, "accepted_by_erp").await;
            assert!(!events(&accepted).iter().any(|e| e == "RejectedByErp"), "HTTP {status}: {accepted}");
            let seen = requests(&sim, &key);
            let answered: Vec<u16> = seen.iter().map(|r| r.status).collect();
            assert_eq!(answered.iter().filter(|s| **s == 200).count(), 1, "HTTP {status}: delivered once: {answered:?}");
            assert_eq!(answered.last(), Some(&200), "HTTP {status}: nothing after the delivery: {answered:?}");
            let booked = sim.stats().orders.iter().filter(|o| o.order_id == id).count();
            assert_eq!(booked, 1, "HTTP {status}: in the ERP's books once");
        }
        let metrics = app.get("/metrics").await.expect(200).text;
        assert!(metrics.contains("ordercore_erp_failures_total{kind=\"misdirected\"}"), "{metrics}");
        assert!(metrics.contains("ordercore_erp_breaker_opened_total{kind=\"misdirected\"}"), "ops see what opened the breaker: {metrics}");
        app.stop().await;
        sim.stop().await.unwrap();
    }
}

both_stores! {
    async fn a_429_is_retried_no_sooner_than_its_retry_after_in_seconds_or_as_a_date(store: &TestStore) {
        let (app, sim) = start(store, fast_dispatch()).await;
        // Without Retry-After the test dispatcher retries within 400 ms. An HTTP-date has whole
        // seconds, so "now + 2 s" as a date is at least 1 s ahead.
        for (form, as_date, at_least_ms) in [("seconds", false, 2000), ("an HTTP-date", true, 1000)] {
            sim.set_faults(Faults { answer_status: 429, retry_after_secs: Some(2), retry_after_as_date: as_date, ..Faults::default() }).unwrap();
            let id = place(&app, &format!("k-429-{as_date}"), json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
            let key = format!("{id}:submit");
            eventually(&format!("two 429s with Retry-After as {form}"), Duration::from_secs(30), || async {
                (requests(&sim, &key).iter().filter(|r| r.status == 429).count() >= 2).then_some(())
            }).await;
            sim.set_faults(Faults::default()).unwrap();
            until_status(&app, &id, "accepted_by_erp").await;
            let seen = requests(&sim, &key);
            assert!(seen.len() >= 3, "{seen:?}");
            for pair in seen.windows(2) {
                let gap = pair[1].at_ms - pair[0].at_ms;
                assert!(gap >= at_least_ms, "Retry-After as {form}: retried {gap} ms after a 429: {seen:?}");
            }
        }
        app.stop().await;
        sim.stop().await.unwrap();
    }
}

both_stores! {
    async fn a_cancel_waits_in_the_dead_letters_behind_its_submit_until_ops_send_both_again(store: &TestStore) {
        let (app, sim) = start(store, DispatchConfig { max_attempts: 2, ..fast_dispatch() }).await;
        sim.set_faults(answering(503)).unwrap();
        let id = place(&app, "k-dead", json!([{"sku": "DRILL-18V", "quantity": 2}])).await;
        let submit = format!("{id}:submit");
        eventually("the submit to be dead-lettered", Duration::from_secs(30), || async {
            outbox_item(&app, &submit).await.filter(|d| d["state"] == "dead")
        }).await;
        let stuck = order(&app, &id).await;
        assert_eq!(stuck["status"], "sent_to_erp");
        let last = stuck["status_history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["event"], "ErpDeliveryDeadLettered", "{stuck}");
        assert!(last["reason"].as_str().unwrap().contains("gave up after 2 attempts"), "{last}");

        // The buyer cancels; the ERP is back, but never had the order: the cancel must not go.
        sim.set_faults(Faults::default()).unwrap();
        let asked = app.as_user(Method::POST, &format!("/v1/orders/{id}/cancel"), "jana", None, Some(&json!({"comment": "too late"}))).await.expect(200).body;
        assert_eq!(asked["cancellation_pending"], true);
        let dead_cancels = || async {
            let o = order(&app, &id).await;
            let n = o["status_history"].as_array().unwrap().iter()
                .filter(|h| h["event"] == "ErpDeliveryDeadLettered" && h["reason"].as_str().unwrap_or("").contains(&submit))
                .count();
            (n, o)
        };
        let cancel_dead = eventually("the cancel to be dead-lettered", Duration::from_secs(30), || async {
            let (n, o) = dead_cancels().await;
            (n == 1).then_some(o)
        }).await;
        assert_eq!(cancel_dead["cancellation_pending"], true, "the cancellation still stands: {cancel_dead}");
        let dead = app.get("/v1/ops/erp/outbox?state=dead").await.expect(200).body;
        let ids: Vec<&str> = dead["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 2, "{dead}");
        assert_eq!(ids[0], submit);
        let cancel = ids[1].to_string();
        assert!(cancel.starts_with(&format!("{id}:cancel:")), "{cancel}");

        // Ops retry the cancel first: it is dead-lettered again, without reaching the ERP.
        app.post(&format!("/v1/ops/erp/dead-letters/{cancel}/retry"), &json!({})).await.expect(202);
        eventually("the retried cancel to be dead-lettered again", Duration::from_secs(30), || async {
            (dead_cancels().await.0 == 2).then_some(())
        }).await;
        assert!(requests(&sim, &cancel).is_empty(), "no cancel reached the ERP before its submit");

        // Then the submit, then the cancel: both go, in that order, once each.
        app.post(&format!("/v1/ops/erp/dead-letters/{submit}/retry"), &json!({})).await.expect(202);
        until_status(&app, &id, "accepted_by_erp").await;
        app.post(&format!("/v1/ops/erp/dead-letters/{cancel}/retry"), &json!({})).await.expect(202);
        let cancelled = until_status(&app, &id, "cancelled").await;
        assert_eq!(cancelled["cancellation_pending"], false);
        let submitted = requests(&sim, &submit);
        let cancels = requests(&sim, &cancel);
        assert_eq!(submitted.iter().filter(|r| r.status == 200).count(), 1, "{submitted:?}");
        assert_eq!(cancels.len(), 1, "{cancels:?}");
        assert!(cancels[0].at_ms >= submitted.last().unwrap().at_ms);
        // Ops see attempts, failures and dead letters on /metrics (the recorder is shared by
        // every test in the process, so only presence is certain, and a positive count).
        let metrics = app.get("/metrics").await.expect(200).text;
        for name in [
            "ordercore_erp_attempts_total",
            "ordercore_erp_failures_total{kind=\"transient\"}",
            "ordercore_erp_dead_letters_total",
        ] {
            let count = metrics.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse::<f64>().ok()));
            assert!(count.is_some_and(|c| c > 0.0), "{name} on /metrics: {metrics}");
        }
        let books = sim.stats();
        let booked: Vec<_> = books.orders.iter().filter(|o| o.order_id == id).collect();
        assert_eq!(booked.len(), 1);
        assert_eq!(booked[0].state, api::erp_sim::OrderState::Cancelled);
        // The order is cancelled a moment before the outbox records the delivery as done.
        eventually("the outbox to empty", Duration::from_secs(10), || async {
            let outbox = app.get("/v1/ops/erp/outbox").await.expect(200).body;
            (outbox["items"] == json!([])).then_some(())
        }).await;
        app.stop().await;
        sim.stop().await.unwrap();
    }
}
