//! Bad ERP master data over HTTP: refused whole with every field at fault, kept in quarantine,
//! nothing written; a message id reused for other content is refused too, never dropped unseen.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_stores;
use crate::support::app::TestApp;
use crate::support::catalog::{add_users, company, load_spec_example, wait_for_read_models};

async fn event_count(app: &TestApp) -> i64 {
    crate::audit::event_count(app.db()).await
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

async fn quarantined(app: &TestApp) -> Vec<Value> {
    app.get("/v1/ops/quarantine").await.expect(200).body["items"]
        .as_array()
        .unwrap()
        .clone()
}

both_stores! {
    async fn bad_products_companies_and_stock_levels_are_refused_whole_and_quarantined(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        let events = event_count(&app).await;
        let stock_before = app.get("/v1/availability?skus=DRILL-18V").await.expect(200).body;

        let product = app.put("/v1/erp/products/HAMMER", &json!({
            "message_id": "bad-p", "unit": "parsecs", "vat_class": "luxury", "active": "yes",
        })).await.expect(422);
        assert_eq!(product.header("content-type"), Some("application/problem+json"));
        let mut got = fields(&product.body);
        got.sort();
        assert_eq!(got, ["active", "name", "unit", "vat_class"], "{}", product.text);

        let mut bad_company = company("GAMMA", "120", json!(["NO SUCH LIST!"]), "Czechia", json!(null));
        bad_company["message_id"] = json!("bad-c");
        bad_company["currency"] = json!("crowns");
        bad_company["payment_terms_days"] = json!(400);
        bad_company["credit_limit"] = json!("-5");
        let reply = app.put("/v1/erp/companies/GAMMA", &bad_company).await.expect(422);
        let got = fields(&reply.body);
        for expected in ["country", "currency", "discount_percent", "payment_terms_days", "credit_limit", "contract_price_lists[0]"] {
            assert!(got.iter().any(|f| f == expected), "{expected} missing from {got:?}");
        }

        let levels = app.post("/v1/erp/stock-levels", &json!({
            "message_id": "bad-l", "levels": [
                {"sku": "DRILL-18V", "warehouse": "PRG", "on_hand": "-5"},
                {"sku": "GHOST", "warehouse": "PRG", "on_hand": "7"},
                {"sku": "BOOK-1", "warehouse": "PRG", "on_hand": "12"},
                {"sku": "BOOK-1", "warehouse": "PRG", "on_hand": "1.5.0"},
            ],
        })).await.expect(422);
        let mut got = fields(&levels.body);
        got.sort();
        assert_eq!(got, ["levels[0].on_hand", "levels[1].sku", "levels[3].on_hand"], "{}", levels.text);
        let ghost = levels.body["errors"].as_array().unwrap().iter().find(|e| e["field"] == "levels[1].sku").unwrap();
        assert_eq!(ghost["message"], "unknown SKU GHOST");

        // Nothing was written, not even the one good level in the refused message.
        assert_eq!(event_count(&app).await, events);
        wait_for_read_models(&app).await;
        assert_eq!(app.get("/v1/availability?skus=DRILL-18V").await.expect(200).body, stock_before);
        app.get("/v1/audit/aggregates/company/GAMMA").await.expect(404);

        let items = quarantined(&app).await;
        let ids: Vec<&str> = items.iter().filter_map(|i| i["message_id"].as_str()).collect();
        assert_eq!(ids, ["bad-p", "bad-c", "bad-l"]);
        assert!(items[1]["body"].as_str().unwrap().contains("crowns"), "the message is kept as received");
        assert_eq!(items[2]["endpoint"], "POST /v1/erp/stock-levels");
        assert!(items[2]["errors"].to_string().contains("unknown SKU GHOST"), "{}", items[2]);
        app.stop().await;
    }
}

both_stores! {
    async fn a_message_id_reused_for_other_content_is_refused_and_kept_for_ops(store: &TestStore) {
        let app = TestApp::start(store).await;
        let message = json!({"message_id": "m-1", "name": "Hammer", "unit": "pcs", "vat_class": "standard", "active": true});
        let first = app.put("/v1/erp/products/HAMMER", &message).await.expect(200);
        let events = event_count(&app).await;

        let mut changed = message.clone();
        changed["name"] = json!("Sledgehammer");
        let conflict = app.put("/v1/erp/products/HAMMER", &changed).await.expect(409);
        assert_eq!(conflict.header("content-type"), Some("application/problem+json"));
        assert_eq!(fields(&conflict.body), ["message_id"]);
        assert_eq!(event_count(&app).await, events, "the other content is not applied");
        let items = quarantined(&app).await;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["message_id"], "m-1");
        assert!(items[0]["body"].as_str().unwrap().contains("Sledgehammer"), "{}", items[0]);

        // The true repeat still gets the first answer, and the product kept its first name.
        let again = app.put("/v1/erp/products/HAMMER", &message).await.expect(200);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body, first.body);
        let audit = app.get("/v1/audit/aggregates/product/HAMMER").await.expect(200).body;
        assert!(audit.to_string().contains("\"Hammer\"") && !audit.to_string().contains("Sledgehammer"), "{audit}");

        // The same content serialised again by another library (other key order, spacing) is
        // the same message: replayed, not refused.
        let reserialised = "{\n  \"active\": true, \"vat_class\": \"standard\",\n  \"unit\": \"pcs\", \"name\": \"Hammer\", \"message_id\": \"m-1\"\n}";
        let resent = app.client.put(format!("{}/v1/erp/products/HAMMER", app.base))
            .header("content-type", "application/json").body(reserialised).send().await.expect("sent");
        assert_eq!(resent.status(), 200);
        assert_eq!(resent.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
        assert_eq!(quarantined(&app).await.len(), 1, "nothing more quarantined");
        assert_eq!(event_count(&app).await, events);
        app.stop().await;
    }
}

both_stores! {
    async fn a_price_sheet_asked_for_more_than_1000_skus_is_refused_not_cut_short(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let sheet = |skus: &[String]| format!("/v1/companies/ACME/prices?channel=b2b-cz&skus={}", skus.join(","));
        let skus: Vec<String> = (0..1001).map(|i| format!("S-{i}")).collect();
        let reply = app.as_user(Method::GET, &sheet(&skus), "jana", None, None).await.expect(422);
        assert_eq!(fields(&reply.body), ["skus"]);
        app.as_user(Method::GET, &sheet(&skus[..1000]), "jana", None, None).await.expect(200);
        app.stop().await;
    }
}
