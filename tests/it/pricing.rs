//! Master data from the ERP and the e-shop's price and stock queries, over HTTP on both stores.

use serde_json::{json, Value};

use crate::both_stores;
use crate::support::app::{Reply, TestApp};
use crate::support::catalog::{
    add_users, after_the_contract, buyer_of, load_spec_example, price_list, wait_for_read_models,
};

async fn quote(
    app: &TestApp,
    company: &str,
    channel: &str,
    as_of: Option<&str>,
    lines: Value,
) -> Value {
    post_quote(app, json!({
        "company_id": company, "channel": channel, "currency": "CZK", "as_of": as_of, "lines": lines,
    })).await.expect(200).body
}

/// A quote as a user of the company in the body.
async fn post_quote(app: &TestApp, body: Value) -> Reply {
    let user = buyer_of(body["company_id"].as_str().unwrap_or_default());
    app.as_user(
        reqwest::Method::POST,
        "/v1/prices/quote",
        user,
        None,
        Some(&body),
    )
    .await
}

/// A price sheet (`/v1/companies/{id}/prices…`) as a user of that company.
async fn price_sheet(app: &TestApp, path: &str) -> Reply {
    let company = path
        .trim_start_matches("/v1/companies/")
        .split('/')
        .next()
        .unwrap_or_default();
    app.as_user(reqwest::Method::GET, path, buyer_of(company), None, None)
        .await
}

async fn event_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
}

both_stores! {
    async fn the_spec_example_holds_to_the_cent(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;

        let q = quote(&app, "ACME", "b2b-cz", None, json!([{"sku": "DRILL-18V", "quantity": "60"}])).await;
        let line = &q["lines"][0];
        assert_eq!(line["unit_price"], "80.00", "{q}");
        assert_eq!(line["line_net"], "4800.00");
        assert_eq!(line["vat_rate"], "21");
        assert_eq!(line["explanation"]["price_list"], "ACME-2026");
        assert_eq!(line["explanation"]["kind"], "contract");
        assert_eq!(line["explanation"]["tier_min_qty"], "50");
        assert_eq!(line["explanation"]["discount_percent"], Value::Null);
        assert_eq!(line["explanation"]["vat_rule"], "CZ standard");
        assert_eq!(q["vat"], json!([{"rate": "21", "base": "4800.00", "vat": "1008.00"}]));
        assert_eq!((q["total_net"].as_str(), q["total_vat"].as_str(), q["total_gross"].as_str()),
                   (Some("4800.00"), Some("1008.00"), Some("5808.00")));

        // Below the tier: the contract's base price.
        let q = quote(&app, "ACME", "b2b-cz", None, json!([{"sku": "DRILL-18V", "quantity": 10}])).await;
        assert_eq!(q["lines"][0]["unit_price"], "85.00");

        // After the contract expires: the level price, with ACME's 3 % discount; none for BETA.
        let later = after_the_contract();
        let later = Some(later.as_str());
        let q = quote(&app, "ACME", "b2b-cz", later, json!([{"sku": "DRILL-18V", "quantity": "60"}])).await;
        assert_eq!(q["lines"][0]["unit_price"], "89.24", "{q}");
        assert_eq!(q["lines"][0]["explanation"]["kind"], "level");
        assert_eq!(q["lines"][0]["explanation"]["discount_percent"], "3");
        let q = quote(&app, "BETA", "b2b-cz", later, json!([{"sku": "DRILL-18V", "quantity": "60"}])).await;
        assert_eq!(q["lines"][0]["unit_price"], "92.00");
        app.stop().await;
    }
}

both_stores! {
    async fn vat_classes_reverse_charge_and_per_line_rounding(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let q = quote(&app, "BETA", "b2b-cz", None, json!([
            {"sku": "DRILL-18V", "quantity": 1}, {"sku": "BOOK-1", "quantity": 2},
        ])).await;
        assert_eq!(q["lines"][1]["vat_rate"], "12");
        assert_eq!(q["vat"], json!([
            {"rate": "21", "base": "92.00", "vat": "19.32"},
            {"rate": "12", "base": "184.00", "vat": "22.08"},
        ]));
        assert_eq!(q["total_gross"], "317.40");

        let q = quote(&app, "WIEN", "b2b-cz", None, json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
        assert_eq!(q["lines"][0]["vat_rate"], "0");
        assert_eq!(q["lines"][0]["explanation"]["vat_rule"], "EU reverse charge");
        assert_eq!(q["reverse_charge"], true);
        assert_eq!(q["total_vat"], "0.00");

        // 3 × 0.333 m of cable at 92.00: per-line rounding differs from document rounding.
        let lines = json!([
            {"sku": "CABLE-3X", "quantity": "0.333"}, {"sku": "CABLE-3X", "quantity": "0.333"},
            {"sku": "CABLE-3X", "quantity": "0.333"},
        ]);
        let document = quote(&app, "BETA", "b2b-cz", None, lines.clone()).await;
        let per_line = quote(&app, "BETA", "b2b-line", None, lines).await;
        assert_eq!(document["total_net"], per_line["total_net"]);
        assert_eq!(document["total_vat"], "19.30", "{document}");
        assert_eq!(per_line["total_vat"], "19.29", "{per_line}");
        assert_eq!(per_line["lines"][0]["line_vat"], "6.43");
        app.stop().await;
    }
}

both_stores! {
    async fn lines_that_cannot_be_priced_are_answered_per_line(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let q = post_quote(&app, json!({
            "company_id": "BETA", "channel": "b2b-cz", "currency": "EUR",
            "lines": [{"sku": "DRILL-18V", "quantity": 1}, {"sku": "NOPE-1", "quantity": 1}, {"sku": "DRILL-18V", "quantity": "1.5"}],
        })).await.expect(200).body;
        assert_eq!(q["lines"][0]["error"]["type"], "/problems/no-price", "{q}");
        assert_eq!(q["lines"][1]["error"]["type"], "/problems/unknown-sku");
        assert_eq!(q["lines"][2]["error"]["type"], "/problems/fractional-quantity");
        assert_eq!(q["total_gross"], "0.00");

        let bad = post_quote(&app, json!({
            "company_id": "NOBODY", "channel": "b2b-cz", "currency": "CZK", "lines": [{"sku": "DRILL-18V", "quantity": 1}],
        })).await.expect(422);
        assert_eq!(bad.body["errors"][0]["field"], "company_id");
        let bad = post_quote(&app, json!({
            "company_id": "BETA", "channel": "b2b-cz", "currency": "czk",
            "lines": [{"sku": "DRILL 18V", "quantity": -1}, {"sku": "X", "quantity": 1.5}],
        })).await.expect(422);
        let fields: Vec<&str> = bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["currency", "lines[0].sku", "lines[0].quantity", "lines[1].quantity"], "{}", bad.text);
        let malformed = app.request(reqwest::Method::POST, "/v1/prices/quote", None, &[("content-type", "application/json")]).await;
        assert_eq!(malformed.status.as_u16(), 400);
        app.stop().await;
    }
}

both_stores! {
    async fn a_tie_between_price_lists_is_a_line_error_and_counted_for_ops(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        // A second undated level list for VO with the same priority: nothing decides between them.
        price_list(&app, "VO2-CZK", json!({"kind": "level", "level": "VO"}), "91.00", json!([]), None).await;
        wait_for_read_models(&app).await;
        let q = quote(&app, "BETA", "b2b-cz", None, json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
        let error = &q["lines"][0]["error"];
        assert_eq!(error["type"], "/problems/ambiguous-price-lists", "{q}");
        let detail = error["detail"].as_str().unwrap();
        assert!(detail.contains("VO-CZK") && detail.contains("VO2-CZK"), "{detail}");
        let metrics = app.get("/metrics").await.expect(200).text;
        let ties = metrics.lines().find(|l| l.starts_with("ordercore_price_list_ties_total")).unwrap_or_else(|| panic!("no tie counter in {metrics}"));
        let count: f64 = ties.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(count >= 1.0, "{ties}");
        app.stop().await;
    }
}

both_stores! {
    async fn a_repeated_erp_message_gets_the_first_answer_and_changes_nothing(store: &TestStore) {
        let app = TestApp::start(store).await;
        let message = json!({"message_id": "m-1", "name": "Hammer", "unit": "pcs", "vat_class": "standard", "active": true});
        let first = app.put("/v1/erp/products/HAMMER", &message).await.expect(200);
        assert_eq!(first.body["changed"], true);
        let events = event_count(&app).await;
        let again = app.put("/v1/erp/products/HAMMER", &message).await.expect(200);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body, first.body);
        // A reused id with another body changes nothing (refused as a conflict, see erp_inbound).
        let mut changed = message.clone();
        changed["name"] = json!("Sledgehammer");
        app.put("/v1/erp/products/HAMMER", &changed).await.expect(409);
        assert_eq!(event_count(&app).await, events);
        // A new message with the same content is applied and changes nothing either.
        let mut same = message.clone();
        same["message_id"] = json!("m-2");
        let reply = app.put("/v1/erp/products/HAMMER", &same).await.expect(200);
        assert_eq!(reply.body["changed"], false);
        assert_eq!(event_count(&app).await, events);
        app.stop().await;
    }
}

both_stores! {
    async fn an_invalid_price_list_is_refused_whole_listing_every_bad_entry_and_quarantined(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let events = event_count(&app).await;
        let reply = app.put("/v1/erp/price-lists/BAD-1", &json!({
            "message_id": "bad-1", "kind": "base", "currency": "CZK",
            "valid_from": "2026-06-01T00:00:00Z", "valid_to": "2026-01-01T00:00:00Z",
            "entries": [
                {"sku": "DRILL-18V", "unit_price": "10.00"},
                {"sku": "GHOST", "unit_price": "10.00"},
                {"sku": "BOOK-1", "unit_price": "-1"},
                {"sku": "CABLE-3X", "unit_price": "1O.00"},
                {"sku": "DRILL-18V", "unit_price": "9.00"},
                {"sku": "BOOK-1", "unit_price": "5", "currency": "EUR",
                 "tiers": [{"min_qty": 10, "unit_price": "4"}, {"min_qty": 10, "unit_price": "3"}]},
            ],
        })).await.expect(422);
        assert_eq!(reply.header("content-type"), Some("application/problem+json"));
        let fields: Vec<&str> = reply.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        for expected in ["entries[1].sku", "entries[2].unit_price", "entries[3].unit_price", "entries[4].sku", "entries[5].currency", "entries[5].tiers", "entries[5].sku", "valid_to"] {
            assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
        }
        let ghost = reply.body["errors"].as_array().unwrap().iter().find(|e| e["field"] == "entries[1].sku").unwrap();
        assert_eq!(ghost["message"], "unknown SKU GHOST", "an unknown SKU is named beside the malformed entries");
        // A message whose only fault is an unknown SKU.
        let reply = app.put("/v1/erp/price-lists/BAD-2", &json!({
            "message_id": "bad-2", "kind": "base", "currency": "CZK",
            "entries": [{"sku": "DRILL-18V", "unit_price": "10.00"}, {"sku": "GHOST", "unit_price": "10.00"}],
        })).await.expect(422);
        assert_eq!(reply.body["errors"], json!([{"field": "entries[1].sku", "message": "unknown SKU GHOST"}]));
        assert_eq!(event_count(&app).await, events, "nothing was written");

        let quarantine = app.get("/v1/ops/quarantine").await.expect(200).body;
        let ids: Vec<&str> = quarantine["items"].as_array().unwrap().iter().filter_map(|i| i["message_id"].as_str()).collect();
        assert_eq!(ids, vec!["bad-1", "bad-2"]);
        assert!(quarantine["items"][1]["body"].as_str().unwrap().contains("GHOST"));
        // Replaying the refused message answers the same and does not quarantine it twice.
        let reply = app.put("/v1/erp/price-lists/BAD-2", &json!({
            "message_id": "bad-2", "kind": "base", "currency": "CZK",
            "entries": [{"sku": "DRILL-18V", "unit_price": "10.00"}, {"sku": "GHOST", "unit_price": "10.00"}],
        })).await.expect(422);
        assert_eq!(reply.header("idempotent-replayed"), Some("true"));
        assert_eq!(app.get("/v1/ops/quarantine").await.body["items"].as_array().unwrap().len(), 2);
        app.stop().await;
    }
}

both_stores! {
    async fn a_price_list_import_is_diffed_and_an_identical_one_writes_nothing(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let skus: Vec<String> = (0..1200).map(|i| format!("BULK-{i:05}")).collect();
        for sku in &skus {
            app.put(&format!("/v1/erp/products/{sku}"), &json!({
                "message_id": format!("p-{sku}"), "name": sku, "unit": "pcs", "vat_class": "standard", "active": true,
            })).await.expect(200);
        }
        let list = |message: &str, changed: Option<usize>| {
            let entries: Vec<Value> = skus
                .iter()
                .enumerate()
                .map(|(i, sku)| {
                    let price = if Some(i) == changed { "2.50".to_string() } else { format!("{}.00", i + 1) };
                    json!({"sku": sku, "unit_price": price})
                })
                .collect();
            json!({"message_id": message, "kind": "base", "currency": "EUR", "entries": entries})
        };
        let first = app.put("/v1/erp/price-lists/BULK-EUR", &list("bulk-1", None)).await.expect(200).body;
        assert_eq!(first["upserted"], 1200);
        assert_eq!(first["events"], 1 + 3, "a header and 3 chunks of at most 500 entries: {first}");
        let events = event_count(&app).await;
        let same = app.put("/v1/erp/price-lists/BULK-EUR", &list("bulk-2", None)).await.expect(200).body;
        assert_eq!(same["events"], 0);
        assert_eq!(event_count(&app).await, events);
        let one = app.put("/v1/erp/price-lists/BULK-EUR", &list("bulk-3", Some(700))).await.expect(200).body;
        assert_eq!((one["events"].as_i64(), one["upserted"].as_i64()), (Some(1), Some(1)));
        wait_for_read_models(&app).await;
        let q = post_quote(&app, json!({
            "company_id": "BETA", "channel": "b2b-cz", "currency": "EUR",
            "lines": [{"sku": "BULK-00700", "quantity": 1}, {"sku": "BULK-00701", "quantity": 1}],
        })).await.expect(200).body;
        assert_eq!((q["lines"][0]["unit_price"].as_str(), q["lines"][1]["unit_price"].as_str()), (Some("2.50"), Some("702.00")));
        app.stop().await;
    }
}

both_stores! {
    async fn a_quote_as_of_a_past_time_uses_the_lists_known_then(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let before = chrono::Utc::now();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        price_list(&app, "VO-CZK", json!({"kind": "level", "level": "VO"}), "95.00", json!([]), None).await;
        wait_for_read_models(&app).await;
        let now = quote(&app, "BETA", "b2b-cz", None, json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
        assert_eq!(now["lines"][0]["unit_price"], "95.00");
        let then = quote(&app, "BETA", "b2b-cz", Some(&before.to_rfc3339()), json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
        assert_eq!(then["lines"][0]["unit_price"], "92.00", "{then}");
        app.stop().await;
    }
}

both_stores! {
    async fn stock_levels_become_adjustments_and_availability_shows_each_warehouse(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let reply = app.post("/v1/erp/stock-levels", &json!({
            "message_id": "lvl-2", "levels": [
                {"sku": "DRILL-18V", "warehouse": "PRG", "on_hand": "100"},
                {"sku": "DRILL-18V", "warehouse": "BRQ", "on_hand": "30"},
            ],
        })).await.expect(200).body;
        assert_eq!(reply["adjusted"], 1);
        assert_eq!(reply["levels"][0]["adjustment"], "-20");
        app.post("/v1/erp/stock-movements", &json!({
            "message_id": "mov-1", "movements": [
                {"kind": "receipt", "sku": "DRILL-18V", "warehouse": "BRQ", "quantity": 5},
                {"kind": "transfer", "sku": "DRILL-18V", "from_warehouse": "PRG", "to_warehouse": "BRQ", "quantity": "10", "movement_id": "T-1"},
            ],
        })).await.expect(200);
        // The same transfer again under another message: applied once per movement id.
        app.post("/v1/erp/stock-movements", &json!({
            "message_id": "mov-2", "movements": [
                {"kind": "transfer", "sku": "DRILL-18V", "from_warehouse": "PRG", "to_warehouse": "BRQ", "quantity": "10", "movement_id": "T-1"},
            ],
        })).await.expect(200);
        let bad = app.post("/v1/erp/stock-movements", &json!({
            "message_id": "mov-3", "movements": [
                {"kind": "teleport", "sku": "DRILL-18V", "warehouse": "PRG", "quantity": 1},
                {"kind": "receipt", "sku": "GHOST", "warehouse": "PRG", "quantity": 1},
                {"kind": "issue", "sku": "DRILL-18V", "warehouse": "PRG", "quantity": -4},
            ],
        })).await.expect(422);
        assert_eq!(bad.body["errors"].as_array().unwrap().len(), 3, "{}", bad.text);
        wait_for_read_models(&app).await;
        let a = app.get("/v1/availability?skus=DRILL-18V,UNKNOWN-1").await.expect(200).body;
        assert_eq!(a["items"][0]["available"], "135", "{a}");
        assert_eq!(a["items"][0]["warehouses"], json!([
            {"warehouse": "BRQ", "on_hand": "45", "reserved": "0", "available": "45"},
            {"warehouse": "PRG", "on_hand": "90", "reserved": "0", "available": "90"},
        ]));
        assert_eq!(a["items"][1]["known"], false);
        app.get("/v1/availability?skus=").await.expect(422);
        app.stop().await;
    }
}

both_stores! {
    async fn a_companys_price_sheet_pages_through_products_with_tiers(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let page = price_sheet(&app, "/v1/companies/ACME/prices?channel=b2b-cz&limit=2").await.expect(200).body;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["sku"], "BOOK-1");
        assert_eq!(page["next"], "CABLE-3X");
        let rest = price_sheet(&app, "/v1/companies/ACME/prices?channel=b2b-cz&limit=2&after=CABLE-3X").await.expect(200).body;
        let drill = &rest["items"][0];
        assert_eq!(drill["sku"], "DRILL-18V");
        assert_eq!(drill["unit_price"], "85.00");
        assert_eq!(drill["tiers"], json!([{"min_qty": "50", "unit_price": "80.00"}]));
        assert_eq!(rest["next"], Value::Null);
        price_sheet(&app, "/v1/companies/ACME/prices").await.expect(422);
        price_sheet(&app, "/v1/companies/NOBODY/prices?channel=b2b-cz").await.expect(404);
        app.stop().await;
    }
}

both_stores! {
    async fn rebuilding_every_read_model_gives_the_same_answers(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        price_list(&app, "VO-CZK", json!({"kind": "level", "level": "VO"}), "95.00", json!([]), None).await;
        wait_for_read_models(&app).await;
        let ask = || async {
            (
                quote(&app, "ACME", "b2b-cz", None, json!([{"sku": "DRILL-18V", "quantity": 60}, {"sku": "BOOK-1", "quantity": 3}])).await,
                app.get("/v1/availability?skus=DRILL-18V,BOOK-1").await.body,
                price_sheet(&app, "/v1/companies/BETA/prices?channel=b2b-cz").await.body,
            )
        };
        let before = ask().await;
        for projection in projections::all() {
            app::subscription::rebuild(app.db(), projection.as_ref(), 100, &|_| {}).await.expect("rebuild");
        }
        wait_for_read_models(&app).await;
        assert_eq!(ask().await, before);
        app.stop().await;
    }
}
