//! Order templates, "order again" and the scheduler, over HTTP on both stores.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_stores;
use crate::support::app::TestApp;
use crate::support::catalog::{
    add_users, contract_window, load_spec_example, order_body, price_list, wait_for_read_models,
};
use crate::support::eventually;

both_stores! {
    async fn templates_are_kept_per_company_and_ordered_at_todays_prices(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let first = app.as_user(Method::POST, "/v1/orders", "jana", Some("t-1"), Some(&order_body(json!([{"sku": "BOOK-1", "quantity": 3}])))).await.expect(201).body;
        let first_id = first["order_id"].as_str().unwrap();

        let created = app.as_user(Method::POST, "/v1/companies/ACME/order-templates", "jana", None, Some(&json!({
            "name": "Weekly books", "from_order_id": first_id,
        }))).await.expect(201).body;
        let tid = created["template_id"].as_str().unwrap().to_string();
        assert_eq!(created["lines"], json!([{"sku": "BOOK-1", "quantity": "3"}]));
        app.as_user(Method::POST, "/v1/companies/ACME/order-templates", "jana", None, Some(&json!({
            "name": "Drills", "lines": [{"sku": "DRILL-18V", "quantity": 2}],
        }))).await.expect(201);
        let renamed = app.as_user(Method::PUT, &format!("/v1/companies/ACME/order-templates/{tid}"), "jana", None, Some(&json!({
            "name": "Books every week", "lines": [{"sku": "BOOK-1", "quantity": 4}],
        }))).await.expect(200).body;
        assert_eq!(renamed["name"], "Books every week");
        // Another company's user cannot see or change it.
        app.as_user(Method::PUT, &format!("/v1/companies/BETA/order-templates/{tid}"), "karel", None, Some(&json!({"name": "x"}))).await.expect(404);
        app.as_user(Method::GET, "/v1/companies/ACME/order-templates", "karel", None, None).await.expect(403);

        // The contract price changes; ordering from the template shows the difference.
        let window = contract_window();
        price_list(&app, "ACME-2026", json!({"kind": "contract", "company_id": "ACME"}), "83.00",
            json!([{"min_qty": "50", "unit_price": "80.00"}]), Some((&window.0, &window.1))).await;
        wait_for_read_models(&app).await;
        let from_template = app.as_user(Method::POST, &format!("/v1/companies/ACME/order-templates/{tid}/orders"), "jana", Some("t-2"), Some(&json!({
            "channel": "b2b-cz", "currency": "CZK", "delivery_address_id": "HQ",
        }))).await.expect(201).body;
        assert_eq!(from_template["lines"][0]["quantity"], "4");
        assert_eq!(from_template["source"], json!({"kind": "template", "template_id": tid}));
        assert_eq!(from_template["price_changes"], json!([{"sku": "BOOK-1", "previous_unit_price": "85.00", "unit_price": "83.00"}]));

        let again = app.as_user(Method::POST, &format!("/v1/orders/{first_id}/reorder"), "jana", Some("t-3"), Some(&json!({}))).await.expect(201).body;
        assert_eq!(again["lines"][0]["quantity"], "3");
        assert_eq!(again["compared_with_order"], first_id);
        assert_eq!(again["price_changes"][0]["unit_price"], "83.00");

        wait_for_read_models(&app).await;
        let list = app.as_user(Method::GET, "/v1/companies/ACME/order-templates", "jana", None, None).await.expect(200).body;
        let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["Books every week", "Drills"]);
        app.request(Method::DELETE, &format!("/v1/companies/ACME/order-templates/{tid}"), None, &[("x-acting-user", "jana")]).await.expect(204);
        let gone = app.as_user(Method::PUT, &format!("/v1/companies/ACME/order-templates/{tid}"), "jana", None, Some(&json!({"name": "x"}))).await;
        assert_eq!(gone.status.as_u16(), 409, "{}", gone.text);
        app.stop().await;
    }
}

async fn scheduled_orders(app: &TestApp) -> Vec<Value> {
    let list = app
        .as_user(Method::GET, "/v1/companies/ACME/orders", "eva", None, None)
        .await
        .expect(200)
        .body;
    let mut found = Vec::new();
    for item in list["items"].as_array().unwrap() {
        let id = item["order_id"].as_str().unwrap();
        let order = app
            .as_user(Method::GET, &format!("/v1/orders/{id}"), "eva", None, None)
            .await
            .body;
        if order["source"]["kind"] == "schedule" {
            found.push(order);
        }
    }
    found
}

both_stores! {
    async fn the_scheduler_places_each_occurrence_once_across_restarts(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let created = app.as_user(Method::POST, "/v1/companies/ACME/order-templates", "jana", None, Some(&json!({
            "name": "Daily cable", "lines": [{"sku": "CABLE-3X", "quantity": "2.5"}],
        }))).await.expect(201).body;
        let tid = created["template_id"].as_str().unwrap().to_string();
        let today = chrono::Utc::now().date_naive();
        let scheduled = app.as_user(Method::PUT, &format!("/v1/companies/ACME/order-templates/{tid}/schedule"), "jana", None, Some(&json!({
            "every": 1, "unit": "days", "starts_on": today, "channel": "b2b-cz", "currency": "CZK",
            "delivery_address_id": "HQ",
        }))).await.expect(200).body;
        assert_eq!(scheduled["next_due"], json!(today));

        let orders = eventually("today's occurrence to be placed", Duration::from_secs(30), || async {
            wait_for_read_models(&app).await;
            let orders = scheduled_orders(&app).await;
            (!orders.is_empty()).then_some(orders)
        }).await;
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0]["status_history"][0]["actor"], "system:schedule");
        assert_eq!(orders[0]["buyer"], "jana");
        app.stop().await;

        // A restart does not place today's occurrence again; tomorrow's is not due yet. A run
        // of the restarted server's scheduler, made here so that it is known to have happened,
        // finds nothing to place (the background one may run beside it: either way, one order).
        let app = TestApp::start(store).await;
        let state = &app.server.as_ref().expect("a local server").state;
        wait_for_read_models(&app).await;
        let placed = app::orders::scheduler::run_once(&state.aggregates, state.read_side.as_ref(), today).await.expect("a run");
        assert_eq!(placed, 0, "nothing is due again after the restart");
        wait_for_read_models(&app).await;
        assert_eq!(scheduled_orders(&app).await.len(), 1);
        let template = app.as_user(Method::GET, "/v1/companies/ACME/order-templates", "jana", None, None).await.body;
        assert_eq!(template["items"][0]["next_occurrence"], 1);
        app.stop().await;
    }
}
