//! `ordercore demo`'s loader against a running server on both stores, with a reduced size: what
//! it loads, that the loaded data prices, and that a second run replays every message and
//! writes no event.

use serde_json::{json, Value};

use api::demo::{load, Dataset, DemoSize};

use crate::both_stores;
use crate::support::app::TestApp;
use crate::support::catalog::wait_for_read_models;

async fn event_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(app.db().pool())
        .await
        .expect("events counted")
}

fn quote_body(company: &api::demo::Company, lines: &[Value]) -> Value {
    json!({
        "company_id": company.id, "channel": company.channel(), "currency": company.currency,
        "lines": lines,
    })
}

/// A quote for a demo company as its user `jana` (added first: the loader brings no users, and
/// only a company's own users may ask for its prices).
async fn quote(app: &TestApp, company: &api::demo::Company, lines: &[Value]) -> Value {
    let added = app
        .post(
            &format!("/v1/companies/{}/users", company.id),
            &json!({"user_id": "jana", "name": "Jana", "role": "buyer"}),
        )
        .await;
    assert!(matches!(added.status.as_u16(), 201 | 409), "{}", added.text);
    app.as_user(
        reqwest::Method::POST,
        "/v1/prices/quote",
        "jana",
        None,
        Some(&quote_body(company, lines)),
    )
    .await
    .expect(200)
    .body
}

both_stores! {
    async fn the_demo_loads_prices_every_line_and_replays_without_new_events(store: &TestStore) {
        let app = TestApp::start(store).await;
        let dataset = Dataset::generate(&DemoSize::demo().resized(Some(200), Some(10)));

        let summary = load(&app.base, Some(&app.key), &dataset, None).await.expect("demo loads");
        assert_eq!((summary.channels, summary.products, summary.companies), (2, 200, 10));
        assert_eq!(summary.slovak_companies, 1, "company 8 of 10 is Slovak");
        // Base CZK and EUR, four CZK level lists and VO in EUR, and four contract lists.
        assert_eq!((summary.price_lists, summary.contract_lists), (11, 4));
        assert_eq!(summary.stock_levels, 600);
        let messages = 2 + 200 + 10 + 11 + 1;
        assert_eq!((summary.tally.requests, summary.tally.applied), (messages, messages));
        wait_for_read_models(&app).await;

        // A Czech company with a contract: every active product is priced, contract lines with
        // their tiers among them.
        let czech = &dataset.companies[0];
        assert!(czech.contract.is_some());
        let lines: Vec<Value> = dataset
            .active_products()
            .map(|p| json!({"sku": p.sku, "quantity": 60}))
            .collect();
        let q = quote(&app, czech, &lines).await;
        let priced = q["lines"].as_array().expect("lines");
        assert_eq!(priced.len(), lines.len());
        for line in priced {
            assert!(line.get("error").is_none() && line["unit_price"].is_string(), "unpriced: {line}");
        }
        assert!(priced.iter().any(|l| l["explanation"]["kind"] == "contract" && l["explanation"]["tier_min_qty"].is_string()), "{q}");
        assert!(priced.iter().any(|l| l["explanation"]["kind"] == "level"), "{q}");
        assert!(priced.iter().any(|l| l["vat_rate"] != "21"), "other VAT classes too: {q}");
        assert_eq!(q["reverse_charge"], false);

        // A Slovak company in EUR: reverse charge, no VAT.
        let slovak = dataset.companies.iter().find(|c| c.country == "SK").expect("a Slovak company");
        let q = quote(&app, slovak, &lines[..20]).await;
        assert_eq!((q["currency"].as_str(), q["reverse_charge"].as_bool()), (Some("EUR"), Some(true)), "{q}");
        for line in q["lines"].as_array().expect("lines") {
            assert_eq!((line["vat_rate"].as_str(), line["explanation"]["vat_rule"].as_str()), (Some("0"), Some("EU reverse charge")), "{line}");
        }
        assert_eq!(q["total_vat"], "0.00");

        // Stock in the warehouses.
        let sku = &dataset.products[0].sku;
        let stock = app.get(&format!("/v1/availability?skus={sku}")).await.expect(200).body;
        assert_eq!(stock["items"][0]["sku"], json!(sku), "{stock}");

        // Loading again replays every message and writes nothing.
        let before = event_count(&app).await;
        let again = load(&app.base, Some(&app.key), &dataset, None).await.expect("demo loads again");
        assert_eq!((again.tally.requests, again.tally.replayed, again.tally.applied), (messages, messages, 0));
        assert_eq!(event_count(&app).await, before, "a second load wrote events");
        app.stop().await;
    }
}
