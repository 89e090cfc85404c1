//! Submits and cancels: numbering, deduplication, signatures, refusals, bad input.

use std::time::{SystemTime, UNIX_EPOCH};

use app::erp::signature::SigningSecret;
use axum::http::StatusCode;
use serde_json::{json, Value};

use super::{eventually, fast_config, post, simple_order, start_sim, FakeOrdercore};
use crate::erp_sim::{OrderState, RunningSim};

#[tokio::test]
async fn a_submit_is_accepted_and_numbered() {
    let ordercore = FakeOrdercore::start(0).await;
    let sim = start_sim(fast_config(ordercore.url())).await;

    let first = post(&sim, "/orders", "o-1:submit", &simple_order("o-1", "DRILL")).await;
    let second = post(&sim, "/orders", "o-2:submit", &simple_order("o-2", "DRILL")).await;

    assert_eq!(
        first,
        (StatusCode::OK, json!({ "erp_order_no": "ERP-000001" }))
    );
    assert_eq!(
        second,
        (StatusCode::OK, json!({ "erp_order_no": "ERP-000002" }))
    );
    let stats = sim.stats();
    assert_eq!(stats.orders_accepted, 2);
    assert_eq!(stats.duplicate_submits_absorbed, 0);
    assert_eq!(stats.orders[0].order_id, "o-1");
    assert_eq!(stats.orders[0].erp_order_no.as_deref(), Some("ERP-000001"));
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn a_repeated_key_answers_the_same_number_and_counts_one_duplicate() {
    let ordercore = FakeOrdercore::start(0).await;
    let sim = start_sim(fast_config(ordercore.url())).await;
    let body = simple_order("o-1", "DRILL");

    let first = post(&sim, "/orders", "o-1:submit", &body).await;
    let again = post(&sim, "/orders", "o-1:submit", &body).await;

    assert_eq!(first, again);
    let stats = sim.stats();
    assert_eq!(stats.orders_accepted, 1);
    assert_eq!(stats.duplicate_submits_absorbed, 1);
    assert_eq!(stats.duplicates_by_key.get("o-1:submit"), Some(&2));
    assert_eq!(stats.orders.len(), 1);
    assert_eq!(stats.orders[0].submits, 2);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn a_known_order_under_a_new_key_is_not_booked_twice() {
    let ordercore = FakeOrdercore::start(0).await;
    let sim = start_sim(fast_config(ordercore.url())).await;
    let body = simple_order("o-1", "DRILL");

    let first = post(&sim, "/orders", "key-a", &body).await;
    let other_key = post(&sim, "/orders", "key-b", &body).await;

    assert_eq!(first, other_key);
    let stats = sim.stats();
    assert_eq!((stats.orders_accepted, stats.orders.len()), (1, 1));
    assert_eq!(stats.resubmits_under_new_key, 1);
    assert!(stats.duplicates_by_key.is_empty());
    sim.stop().await.unwrap();
}

async fn signed_submit(
    sim: &RunningSim,
    secret: &SigningSecret,
    signed_body: &[u8],
    sent_body: &[u8],
) -> StatusCode {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    reqwest::Client::new()
        .post(format!("{}/orders", sim.url()))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", "o-1:submit")
        .header("webhook-id", "o-1:submit")
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            secret.sign("o-1:submit", timestamp, signed_body),
        )
        .body(sent_body.to_vec())
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_bad_signature_is_401_and_a_good_one_is_accepted() {
    let ordercore = FakeOrdercore::start(0).await;
    let secret = SigningSecret::parse(&SigningSecret::generate()).unwrap();
    let mut config = fast_config(ordercore.url());
    config.secret = Some(secret.clone());
    let sim = start_sim(config).await;
    let body = serde_json::to_vec(&simple_order("o-1", "DRILL")).unwrap();
    let tampered = serde_json::to_vec(&simple_order("o-1", "SAW")).unwrap();

    let unsigned = post(&sim, "/orders", "o-1:submit", &simple_order("o-1", "DRILL")).await;
    let bad = signed_submit(&sim, &secret, &body, &tampered).await;
    let good = signed_submit(&sim, &secret, &body, &body).await;

    assert_eq!(unsigned.0, StatusCode::UNAUTHORIZED);
    assert!(unsigned.1["reason"]
        .as_str()
        .unwrap()
        .contains("webhook-id"));
    assert_eq!(bad, StatusCode::UNAUTHORIZED);
    assert_eq!(good, StatusCode::OK);
    assert_eq!(sim.stats().orders_accepted, 1);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn a_refused_sku_is_422_and_the_refusal_repeats() {
    let ordercore = FakeOrdercore::start(0).await;
    let mut config = fast_config(ordercore.url());
    config.faults.refuse_skus = vec!["LASER".into()];
    let sim = start_sim(config).await;
    let body = simple_order("o-1", "LASER");

    let first = post(&sim, "/orders", "o-1:submit", &body).await;
    let again = post(&sim, "/orders", "o-1:submit", &body).await;

    let refusal = json!({ "reason": "SKU LASER is not sold by this ERP" });
    assert_eq!(first, (StatusCode::UNPROCESSABLE_ENTITY, refusal));
    assert_eq!(again, first);
    let stats = sim.stats();
    assert_eq!((stats.orders_refused, stats.orders_accepted), (1, 0));
    assert_eq!(stats.orders[0].state, OrderState::Refused);
    assert_eq!(stats.orders[0].erp_order_no, None);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn malformed_requests_get_a_4xx_with_a_reason() {
    let ordercore = FakeOrdercore::start(0).await;
    let sim = start_sim(fast_config(ordercore.url())).await;
    let mut bad_quantity = simple_order("o-1", "DRILL");
    bad_quantity["lines"][0]["quantity"] = json!("many");
    let mut negative = simple_order("o-1", "DRILL");
    negative["lines"][0]["quantity"] = json!("-1");

    let cases: [(&str, Value, StatusCode, &str); 3] = [
        (
            "o-1:submit",
            bad_quantity,
            StatusCode::BAD_REQUEST,
            "lines[0].quantity",
        ),
        (
            "o-1:submit",
            negative,
            StatusCode::UNPROCESSABLE_ENTITY,
            "must be positive",
        ),
        (
            "",
            simple_order("o-1", "DRILL"),
            StatusCode::BAD_REQUEST,
            "Idempotency-Key",
        ),
    ];
    for (key, body, status, reason) in cases {
        let (got, answer) = post(&sim, "/orders", key, &body).await;
        assert_eq!(got, status, "case {reason}");
        let text = answer["reason"].as_str().unwrap_or_default();
        assert!(text.contains(reason), "case {reason}: {answer}");
    }
    assert_eq!(sim.stats().orders.len(), 0);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn a_cancel_before_shipping_stops_the_order_and_after_shipping_is_409() {
    let ordercore = FakeOrdercore::start(0).await;
    let mut config = fast_config(ordercore.url());
    config.confirm_after = std::time::Duration::from_millis(300);
    config.ship_after = std::time::Duration::from_millis(300);
    config.invoice_after = std::time::Duration::from_millis(300);
    let sim = start_sim(config).await;
    let cancel = json!({ "operation": "cancel", "order_id": "o-1", "reason": "changed mind" });
    post(&sim, "/orders", "o-1:submit", &simple_order("o-1", "DRILL")).await;
    post(&sim, "/orders", "o-2:submit", &simple_order("o-2", "DRILL")).await;

    let cancelled = post(&sim, "/orders/o-1/cancel", "o-1:cancel", &cancel).await;
    let again = post(&sim, "/orders/o-1/cancel", "o-1:cancel", &cancel).await;
    let orders = eventually("o-2 invoiced", || async {
        let stats = sim.stats();
        (stats.orders[1].state == OrderState::Invoiced).then_some(stats.orders)
    })
    .await;
    let too_late = post(&sim, "/orders/o-2/cancel", "o-2:cancel", &cancel).await;

    assert_eq!(cancelled, (StatusCode::OK, json!({ "cancelled": true })));
    assert_eq!(again, cancelled);
    assert_eq!(
        too_late,
        (StatusCode::CONFLICT, json!({ "reason": "already shipped" }))
    );
    assert_eq!(orders[0].state, OrderState::Cancelled);
    assert_eq!(sim.stats().cancels, 1);
    let about_o1 = ordercore
        .received()
        .iter()
        .filter(|m| m.path.contains("/o-1/"))
        .count();
    assert_eq!(about_o1, 0, "a cancelled order is not processed further");
    sim.stop().await.unwrap();
}
