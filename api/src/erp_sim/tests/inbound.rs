//! Messages to ordercore: the sequence, consistent invoices, duplicates, shuffling, retries.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::{
    eventually, fast_config, order, post, simple_order, start_sim, FakeOrdercore, Received,
};
use crate::erp_sim::OrderState;

fn dec(value: &Value) -> Decimal {
    value.as_str().unwrap_or_default().parse().unwrap()
}

/// `accepted`, `shipped`, `delivered` or `invoice` for each message.
fn kinds(messages: &[Received]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m.body["status"].as_str().unwrap_or("invoice").to_string())
        .collect()
}

async fn all_received(ordercore: &FakeOrdercore, count: usize) -> Vec<Received> {
    eventually(&format!("{count} messages at ordercore"), || async {
        let received = ordercore.received();
        (received.len() >= count).then_some(received)
    })
    .await
}

#[tokio::test]
async fn accepted_partial_shipments_delivered_and_invoice_reach_ordercore_consistently() {
    let ordercore = FakeOrdercore::start(0).await;
    let mut config = fast_config(ordercore.url());
    config.partial_shipments = true;
    config.pay = true;
    config.ordercore_key = Some("erp-key-1".into());
    let sim = start_sim(config).await;
    let body = order(
        "o-1",
        &[
            (
                "DRILL",
                "60",
                "80.00",
                "21",
                &[("PRG", "40"), ("BRN", "20")],
            ),
            ("SAW", "1", "333.33", "12", &[("PRG", "1")]),
        ],
    );
    post(&sim, "/orders", "o-1:submit", &body).await;

    let got = all_received(&ordercore, 6).await;

    assert_eq!(
        kinds(&got),
        [
            "accepted",
            "shipped",
            "shipped",
            "delivered",
            "delivered",
            "invoice"
        ]
    );
    assert_eq!(got[0].path, "/v1/erp/orders/o-1/status");
    assert_eq!(got[0].body["erp_order_no"], "ERP-000001");
    assert_eq!(got[0].authorization.as_deref(), Some("Bearer erp-key-1"));
    let shipped = |i: usize| got[i].body["lines"].as_array().unwrap().clone();
    assert_eq!(
        shipped(1),
        vec![
            json!({ "sku": "DRILL", "warehouse": "PRG", "quantity": "20" }),
            json!({ "sku": "DRILL", "warehouse": "BRN", "quantity": "10" }),
        ]
    );
    assert_eq!(
        shipped(2),
        vec![
            json!({ "sku": "DRILL", "warehouse": "PRG", "quantity": "20" }),
            json!({ "sku": "DRILL", "warehouse": "BRN", "quantity": "10" }),
            json!({ "sku": "SAW", "warehouse": "PRG", "quantity": "1" }),
        ]
    );
    assert_ne!(got[1].body["shipment_id"], got[2].body["shipment_id"]);
    assert_eq!(got[3].body["shipment_id"], got[1].body["shipment_id"]);

    let invoice = &got[5];
    assert_eq!(invoice.path, "/v1/erp/invoices");
    assert_eq!(
        invoice.body["number"].as_str().unwrap().len(),
        "FV-2026-000001".len()
    );
    assert_eq!(invoice.body["order_ids"], json!(["o-1"]));
    let vat = invoice.body["vat"].as_array().unwrap();
    assert_eq!(
        vat,
        &vec![
            json!({ "rate": "21", "base": "4800.00", "vat": "1008.00" }),
            json!({ "rate": "12", "base": "333.33", "vat": "40.00" }),
        ]
    );
    let lines_net: Decimal = invoice.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| dec(&l["net"]))
        .sum();
    let vat_sum: Decimal = vat.iter().map(|v| dec(&v["vat"])).sum();
    assert_eq!(dec(&invoice.body["total_net"]), lines_net);
    assert_eq!(dec(&invoice.body["total_vat"]), vat_sum);
    assert_eq!(invoice.body["total_gross"], "6181.33");
    assert_eq!(invoice.body["payments"][0]["amount"], "6181.33");
    let issued: chrono::NaiveDate = invoice.body["issued_on"].as_str().unwrap().parse().unwrap();
    let due: chrono::NaiveDate = invoice.body["due_on"].as_str().unwrap().parse().unwrap();
    assert_eq!((due - issued).num_days(), 14);

    let ids: std::collections::HashSet<_> =
        got.iter().map(|m| m.body["message_id"].clone()).collect();
    assert_eq!(ids.len(), 6, "every message has its own id");
    let stats = sim.stats();
    assert_eq!(
        (stats.shipped, stats.invoiced, stats.inbound_sent),
        (1, 1, 6)
    );
    assert_eq!(stats.orders[0].state, OrderState::Invoiced);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn duplicate_inbound_sends_each_message_twice_with_the_same_id() {
    let ordercore = FakeOrdercore::start(0).await;
    let mut config = fast_config(ordercore.url());
    config.faults.duplicate_inbound = true;
    let sim = start_sim(config).await;
    post(&sim, "/orders", "o-1:submit", &simple_order("o-1", "DRILL")).await;

    let got = all_received(&ordercore, 8).await;

    let mut copies: HashMap<String, usize> = HashMap::new();
    for message in &got {
        *copies
            .entry(message.body["message_id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(copies.len(), 4, "accepted, shipped, delivered, invoice");
    assert!(copies.values().all(|&n| n == 2), "{copies:?}");
    assert_eq!(sim.stats().inbound_sent, 8);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn shuffle_inbound_changes_the_order_but_delivers_everything() {
    let ordercore = FakeOrdercore::start(0).await;
    let mut config = fast_config(ordercore.url());
    config.partial_shipments = true;
    config.faults.shuffle_inbound = true;
    let sim = start_sim(config).await;
    let body = order("o-1", &[("DRILL", "4", "10.00", "21", &[("PRG", "4")])]);
    post(&sim, "/orders", "o-1:submit", &body).await;

    let got = all_received(&ordercore, 6).await;

    let natural = [
        "accepted",
        "shipped",
        "shipped",
        "delivered",
        "delivered",
        "invoice",
    ];
    let mut sorted = kinds(&got);
    assert_ne!(sorted, natural);
    sorted.sort();
    let mut expected = natural.map(String::from).to_vec();
    expected.sort();
    assert_eq!(sorted, expected);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn a_conflict_from_ordercore_is_retried_until_it_accepts() {
    let ordercore = FakeOrdercore::start(3).await;
    let sim = start_sim(fast_config(ordercore.url())).await;
    post(&sim, "/orders", "o-1:submit", &simple_order("o-1", "DRILL")).await;

    let got = all_received(&ordercore, 4).await;

    assert_eq!(kinds(&got), ["accepted", "shipped", "delivered", "invoice"]);
    let stats = sim.stats();
    assert_eq!(stats.inbound_failed_attempts, 3);
    assert_eq!(stats.inbound_sent, 4);
    sim.stop().await.unwrap();
}
