//! A small catalogue loaded through the ERP API, as the ERP would: SPEC's pricing example.

use std::time::Duration;

use serde_json::{json, Value};

use super::app::TestApp;
use super::eventually;

/// The validity of ACME's contract list: from a month ago to eleven months from now, so the
/// tests see it valid whenever they run, and `after_the_contract()` lies beyond it.
pub fn contract_window() -> (String, String) {
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Days::new(30);
    let to = today + chrono::Days::new(335);
    (format!("{from}T00:00:00Z"), format!("{to}T23:59:59Z"))
}

/// A time after ACME's contract list has expired.
pub fn after_the_contract() -> String {
    let day = chrono::Utc::now().date_naive() + chrono::Days::new(400);
    format!("{day}T10:00:00Z")
}

/// A requested delivery date a week from today.
pub fn next_week() -> String {
    (chrono::Utc::now().date_naive() + chrono::Days::new(7)).to_string()
}

/// The channel, products, companies, lists and stock of SPEC's example.
pub async fn load_spec_example(app: &TestApp) {
    let window = contract_window();
    app.put(
        "/v1/erp/channels/b2b-cz",
        &json!({
            "message_id": "ch-1", "name": "B2B Czech", "warehouses": ["PRG", "BRQ"],
        }),
    )
    .await
    .expect(200);
    app.put("/v1/erp/channels/b2b-line", &json!({
        "message_id": "ch-2", "name": "B2B per-line VAT", "warehouses": ["PRG"], "vat_rounding": "per_line",
    })).await.expect(200);
    for (sku, vat, unit) in [
        ("DRILL-18V", "standard", "pcs"),
        ("BOOK-1", "reduced", "pcs"),
        ("CABLE-3X", "standard", "m"),
    ] {
        app.put(
            &format!("/v1/erp/products/{sku}"),
            &json!({
                "message_id": format!("p-{sku}"), "name": format!("Product {sku}"), "unit": unit,
                "vat_class": vat, "active": true,
            }),
        )
        .await
        .expect(200);
    }
    for (id, discount, contracts, country, dic) in [
        ("ACME", "3", json!(["ACME-2026"]), "CZ", json!("CZ12345678")),
        ("BETA", "0", json!([]), "CZ", json!("CZ87654321")),
        ("WIEN", "0", json!([]), "AT", json!("ATU12345678")),
    ] {
        app.put(
            &format!("/v1/erp/companies/{id}"),
            &company(id, discount, contracts, country, dic),
        )
        .await
        .expect(200);
    }
    price_list(
        app,
        "BASE-CZK",
        json!({"kind": "base"}),
        "100.00",
        json!([]),
        None,
    )
    .await;
    price_list(
        app,
        "VO-CZK",
        json!({"kind": "level", "level": "VO"}),
        "92.00",
        json!([]),
        None,
    )
    .await;
    price_list(
        app,
        "ACME-2026",
        json!({"kind": "contract", "company_id": "ACME"}),
        "85.00",
        json!([{"min_qty": "50", "unit_price": "80.00"}]),
        Some((&window.0, &window.1)),
    )
    .await;
    app.post(
        "/v1/erp/stock-levels",
        &json!({
            "message_id": "lvl-1",
            "levels": [
                {"sku": "DRILL-18V", "warehouse": "PRG", "on_hand": "120"},
                {"sku": "DRILL-18V", "warehouse": "BRQ", "on_hand": "30"},
                {"sku": "BOOK-1", "warehouse": "PRG", "on_hand": 500},
            ],
        }),
    )
    .await
    .expect(200);
    wait_for_read_models(app).await;
}

/// A company master message.
pub fn company(id: &str, discount: &str, contracts: Value, country: &str, dic: Value) -> Value {
    json!({
        "message_id": format!("c-{id}-{discount}"), "erp_customer_no": format!("1{id}"), "name": format!("{id} s.r.o."),
        "ico": "12345678", "dic": dic, "country": country, "currency": "CZK",
        "price_level": "VO", "contract_price_lists": contracts, "discount_percent": discount,
        "credit_limit": "500000.00", "payment_terms_days": 14, "allow_backorders": false,
        "allow_partial_delivery": true,
        "addresses": [{"id": "HQ", "street": "Vídeňská 1", "city": "Brno", "zip": "60200", "country": country}],
    })
}

/// Imports a list whose every product (DRILL-18V, BOOK-1, CABLE-3X) has the same price.
pub async fn price_list(
    app: &TestApp,
    code: &str,
    kind: Value,
    price: &str,
    tiers: Value,
    validity: Option<(&str, &str)>,
) {
    let entries: Vec<Value> = ["DRILL-18V", "BOOK-1", "CABLE-3X"]
        .iter()
        .map(|sku| json!({"sku": sku, "unit_price": price, "tiers": tiers}))
        .collect();
    let mut body = json!({
        "message_id": format!("pl-{code}-{price}"), "currency": "CZK", "channel": null, "priority": 0,
        "valid_from": validity.map(|v| v.0), "valid_to": validity.map(|v| v.1),
        "entries": entries,
    });
    for (k, v) in kind.as_object().expect("kind object") {
        body[k] = v.clone();
    }
    app.put(&format!("/v1/erp/price-lists/{code}"), &body)
        .await
        .expect(200);
}

/// Waits until every subscriber has caught up with the log.
pub async fn wait_for_read_models(app: &TestApp) {
    let db = app.db().clone();
    eventually(
        "the read models to catch up",
        Duration::from_secs(30),
        || async {
            let reply = app.get("/v1/ops/projections").await;
            let items = reply.body["items"].as_array()?.clone();
            let head = app::event_log::head(&db).await.ok()?;
            items
                .iter()
                .all(|i| i["lag_events"] == 0 && i["position"].as_i64() == Some(head.position))
                .then_some(())
        },
    )
    .await;
}

/// ACME's users: jana (buyer), tomas (buyer), petr (approver), eva (admin), BETA's karel and
/// WIEN's franz (buyers).
pub async fn add_users(app: &TestApp) {
    for (company, user, role) in [
        ("ACME", "jana", "buyer"),
        ("ACME", "tomas", "buyer"),
        ("ACME", "petr", "approver"),
        ("ACME", "eva", "admin"),
        ("BETA", "karel", "buyer"),
        ("WIEN", "franz", "buyer"),
    ] {
        app.post(
            &format!("/v1/companies/{company}/users"),
            &json!({
                "user_id": user, "name": user, "role": role,
            }),
        )
        .await
        .expect(201);
    }
}

/// A buyer of one of the example's companies (see [`add_users`]); jana for any other.
pub fn buyer_of(company: &str) -> &'static str {
    match company {
        "BETA" => "karel",
        "WIEN" => "franz",
        _ => "jana",
    }
}

/// An order body for ACME.
pub fn order_body(lines: Value) -> Value {
    json!({
        "company_id": "ACME", "channel": "b2b-cz", "currency": "CZK", "lines": lines,
        "delivery_address_id": "HQ", "customer_reference": "PO-1", "note": "",
        "requested_delivery_date": next_week(),
    })
}
