//! Orders over HTTP on both stores: placement with reservation, approval and four eyes,
//! rejection and cancellation with compensation, idempotent placement, concurrency, bad input,
//! and the reservation process manager resuming after a failpoint.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_stores;
use crate::support::app::TestApp;
use crate::support::catalog::{
    add_users, company, load_spec_example, order_body, wait_for_read_models,
};
use crate::support::eventually;

/// Serialises the tests that arm failpoints (a failpoint has one configuration per process).
static FAILPOINTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn setup(store: &crate::support::store::TestStore) -> TestApp {
    let app = TestApp::start(store).await;
    load_spec_example(&app).await;
    add_users(&app).await;
    app
}

async fn place(app: &TestApp, user: &str, key: &str, body: &Value) -> crate::support::app::Reply {
    app.as_user(Method::POST, "/v1/orders", user, Some(key), Some(body))
        .await
}

async fn reserved(app: &TestApp, sku: &str) -> HashMap<String, String> {
    wait_for_read_models(app).await;
    let a = app
        .get(&format!("/v1/availability?skus={sku}"))
        .await
        .expect(200)
        .body;
    a["items"][0]["warehouses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["warehouse"].as_str().unwrap().to_string(),
                w["reserved"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.db().pool())
        .await
        .unwrap()
}

both_stores! {
    async fn a_placed_order_is_priced_reserved_and_ready_for_the_erp(store: &TestStore) {
        let app = setup(store).await;
        let reply = place(&app, "jana", "k-1", &order_body(json!([{"sku": "DRILL-18V", "quantity": 10}, {"sku": "BOOK-1", "quantity": "2"}]))).await.expect(201);
        let order = &reply.body;
        assert_eq!(order["status"], "ready_for_erp", "{order}");
        assert_eq!(order["lines"][0]["unit_price"], "85.00");
        assert_eq!(order["total_net"], "1020.00", "both lines at ACME's contract price");
        assert_eq!(order["reservations"], json!([
            {"line_no": 1, "sku": "DRILL-18V", "warehouse": "PRG", "quantity": "10"},
            {"line_no": 2, "sku": "BOOK-1", "warehouse": "PRG", "quantity": "2"},
        ]));
        let statuses: Vec<&str> = order["status_history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, vec!["placed", "reserved", "ready_for_erp"]);
        assert_eq!(order["status_history"][0]["actor"], "user:ACME/jana");
        assert_eq!(order["status_history"][1]["actor"], "system:reservations");
        let etag = reply.header("etag").unwrap().to_string();
        assert_eq!(etag, format!("\"{}\"", order["version"]));

        let id = order["order_id"].as_str().unwrap();
        let read = app.as_user(Method::GET, &format!("/v1/orders/{id}"), "tomas", None, None).await.expect(200);
        assert_eq!(read.body["status"], "ready_for_erp");
        assert_eq!(read.header("etag"), Some(etag.as_str()));
        // Another company's user sees nothing of it.
        app.as_user(Method::GET, &format!("/v1/orders/{id}"), "karel", None, None).await.expect(404);
        assert_eq!(reserved(&app, "DRILL-18V").await["PRG"], "10");

        // The read models show it too.
        let list = app.as_user(Method::GET, "/v1/companies/ACME/orders?status=ready_for_erp", "jana", None, None).await.expect(200).body;
        assert_eq!(list["items"][0]["order_id"], id);
        let history = app.as_user(Method::GET, "/v1/companies/ACME/purchase-history", "jana", None, None).await.expect(200).body;
        assert_eq!(history["items"], json!([
            {"sku": "BOOK-1", "quantity": "2", "orders": 1, "last_price": "85.00", "last_date": list["items"][0]["placed_at"]},
            {"sku": "DRILL-18V", "quantity": "10", "orders": 1, "last_price": "85.00", "last_date": list["items"][0]["placed_at"]},
        ]));
        app.stop().await;
    }
}

both_stores! {
    async fn an_order_over_the_limit_waits_for_an_approver_and_four_eyes_apply(store: &TestStore) {
        let app = setup(store).await;
        app.as_user(Method::PUT, "/v1/companies/ACME/approval-rules", "eva", None, Some(&json!({
            "rules": [{"kind": "order_total_above", "amount": "1000", "currency": "CZK"}],
            "allow_self_approval": false,
        }))).await.expect(200);
        let order = place(&app, "jana", "k-big", &order_body(json!([{"sku": "DRILL-18V", "quantity": 60}]))).await.expect(201).body;
        assert_eq!(order["status"], "pending_approval", "{order}");
        assert_eq!(order["total_net"], "4800.00");
        assert!(order["approval_reasons"][0].as_str().unwrap().contains("1000"));
        let id = order["order_id"].as_str().unwrap().to_string();

        // A buyer cannot approve; the approver can, once.
        let denied = app.as_user(Method::POST, &format!("/v1/orders/{id}/approve"), "tomas", None, Some(&json!({"comment": "ok"}))).await.expect(403);
        assert_eq!(denied.body["type"], "/problems/not-an-approver");
        let stale = app.request(Method::POST, &format!("/v1/orders/{id}/approve"), Some(&json!({})), &[("x-acting-user", "petr"), ("if-match", "\"1\"")]).await;
        assert_eq!(stale.status.as_u16(), 412);
        let approved = app.as_user(Method::POST, &format!("/v1/orders/{id}/approve"), "petr", None, Some(&json!({"comment": "fine"}))).await.expect(200).body;
        assert_eq!(approved["status"], "ready_for_erp");
        let approval = approved["status_history"].as_array().unwrap().iter().find(|h| h["event"] == "Approved").unwrap();
        assert_eq!((approval["actor"].as_str(), approval["comment"].as_str()), (Some("user:ACME/petr"), Some("fine")));
        let twice = app.as_user(Method::POST, &format!("/v1/orders/{id}/approve"), "petr", None, None).await.expect(409);
        assert_eq!(twice.body["type"], "/problems/invalid-transition");

        // Four eyes: the approver's own big order needs someone else.
        let own = place(&app, "petr", "k-own", &order_body(json!([{"sku": "DRILL-18V", "quantity": 20}]))).await.expect(201).body;
        let own_id = own["order_id"].as_str().unwrap();
        let refused = app.as_user(Method::POST, &format!("/v1/orders/{own_id}/approve"), "petr", None, None).await.expect(403);
        assert_eq!(refused.body["type"], "/problems/four-eyes-required");
        app.as_user(Method::POST, &format!("/v1/orders/{own_id}/approve"), "eva", None, None).await.expect(200);
        app.stop().await;
    }
}

both_stores! {
    async fn open_orders_above_the_credit_limit_send_the_next_order_to_an_approver(store: &TestStore) {
        let app = setup(store).await;
        let mut beta = company("BETA", "0", json!([]), "CZ", json!("CZ87654321"));
        beta["message_id"] = json!("c-BETA-limit");
        beta["credit_limit"] = json!("1000.00");
        app.put("/v1/erp/companies/BETA", &beta).await.expect(200);
        wait_for_read_models(&app).await;
        let body = |quantity: u32| {
            let mut b = order_body(json!([{"sku": "DRILL-18V", "quantity": quantity}]));
            b["company_id"] = json!("BETA");
            b
        };

        // 5 × 92.00 = 460.00 net, 556.60 gross: within the limit of 1,000.00.
        let first = place(&app, "karel", "cl-1", &body(5)).await.expect(201).body;
        assert_eq!(first["status"], "ready_for_erp", "{first}");
        assert_eq!(first["total_gross"], "556.60");
        wait_for_read_models(&app).await;

        // The same again: 556.60 open + 556.60 is above the limit.
        let second = place(&app, "karel", "cl-2", &body(5)).await.expect(201).body;
        assert_eq!(second["status"], "pending_approval", "{second}");
        let reasons = second["approval_reasons"].as_array().unwrap();
        assert!(reasons.iter().any(|r| r.as_str().unwrap().contains("credit limit 1000.00 CZK exceeded: open orders 556.60")), "{reasons:?}");

        // A cancelled order no longer counts: 556.60 (the second, still open) + 333.96 fits.
        let first_id = first["order_id"].as_str().unwrap();
        app.as_user(Method::POST, &format!("/v1/orders/{first_id}/cancel"), "karel", None, Some(&json!({"comment": "not needed"}))).await.expect(200);
        wait_for_read_models(&app).await;
        let third = place(&app, "karel", "cl-3", &body(3)).await.expect(201).body;
        assert_eq!(third["total_gross"], "333.96");
        assert_eq!(third["status"], "ready_for_erp", "{third}");
        app.stop().await;
    }
}

both_stores! {
    async fn rejection_and_cancellation_release_the_reservations(store: &TestStore) {
        let app = setup(store).await;
        app.as_user(Method::PUT, "/v1/companies/ACME/approval-rules", "eva", None, Some(&json!({
            "rules": [{"kind": "any_order_by", "user_id": "tomas"}],
        }))).await.expect(200);
        let a = place(&app, "tomas", "k-a", &order_body(json!([{"sku": "DRILL-18V", "quantity": 30}]))).await.expect(201).body;
        assert_eq!(a["status"], "pending_approval");
        let b = place(&app, "jana", "k-b", &order_body(json!([{"sku": "DRILL-18V", "quantity": 5}]))).await.expect(201).body;
        assert_eq!(reserved(&app, "DRILL-18V").await["PRG"], "35");

        let a_id = a["order_id"].as_str().unwrap();
        let rejected = app.as_user(Method::POST, &format!("/v1/orders/{a_id}/reject"), "petr", None, Some(&json!({"comment": "too many"}))).await.expect(200).body;
        assert_eq!(rejected["status"], "rejected");
        eventually("the rejected order's stock to come back", Duration::from_secs(20), || async {
            (reserved(&app, "DRILL-18V").await["PRG"] == "5").then_some(())
        }).await;

        let b_id = b["order_id"].as_str().unwrap();
        // Another buyer may not cancel jana's order; a user of another company does not see it.
        app.as_user(Method::POST, &format!("/v1/orders/{b_id}/cancel"), "tomas", None, None).await.expect(403);
        app.as_user(Method::POST, &format!("/v1/orders/{b_id}/cancel"), "karel", None, None).await.expect(404);
        let cancelled = app.as_user(Method::POST, &format!("/v1/orders/{b_id}/cancel"), "jana", None, Some(&json!({"comment": "changed my mind"}))).await.expect(200).body;
        assert_eq!(cancelled["status"], "cancelled");
        eventually("the cancelled order's stock to come back", Duration::from_secs(20), || async {
            (reserved(&app, "DRILL-18V").await["PRG"] == "0").then_some(())
        }).await;
        app.as_user(Method::POST, &format!("/v1/orders/{b_id}/cancel"), "jana", None, None).await.expect(409);
        app.stop().await;
    }
}

both_stores! {
    async fn an_order_line_is_split_across_warehouses_or_rejected_when_short(store: &TestStore) {
        let app = setup(store).await;
        // PRG 120 + BRQ 30: 140 pieces split (ACME allows partial deliveries).
        let split = place(&app, "jana", "k-split", &order_body(json!([{"sku": "DRILL-18V", "quantity": 140}]))).await.expect(201).body;
        assert_eq!(split["status"], "ready_for_erp", "{split}");
        assert_eq!(split["reservations"], json!([
            {"line_no": 1, "sku": "DRILL-18V", "warehouse": "PRG", "quantity": "120"},
            {"line_no": 1, "sku": "DRILL-18V", "warehouse": "BRQ", "quantity": "20"},
        ]));
        // 11 more cannot be covered: the whole order is rejected and its first line released.
        let short = place(&app, "jana", "k-short", &order_body(json!([{"sku": "BOOK-1", "quantity": 3}, {"sku": "DRILL-18V", "quantity": 11}]))).await.expect(201).body;
        assert_eq!(short["status"], "rejected", "{short}");
        let reason = short["status_history"].as_array().unwrap().last().unwrap()["reason"].as_str().unwrap().to_string();
        assert!(reason.contains("insufficient stock for line 2"), "{reason}");
        assert_eq!(reserved(&app, "BOOK-1").await["PRG"], "0");
        app.stop().await;
    }
}

both_stores! {
    async fn placement_is_idempotent_per_key(store: &TestStore) {
        let app = setup(store).await;
        let body = order_body(json!([{"sku": "DRILL-18V", "quantity": 1}]));
        let missing = app.as_user(Method::POST, "/v1/orders", "jana", None, Some(&body)).await.expect(400);
        assert_eq!(missing.body["type"], "/problems/idempotency-key-required");
        let first = place(&app, "jana", "same-key", &body).await.expect(201);
        let again = place(&app, "jana", "same-key", &body).await.expect(201);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body["order_id"], first.body["order_id"]);
        let other = place(&app, "jana", "same-key", &order_body(json!([{"sku": "DRILL-18V", "quantity": 2}]))).await.expect(422);
        assert_eq!(other.body["type"], "/problems/idempotency-key-reused");
        // The same request pretty-printed (as another HTTP library might send it) is a repeat.
        let pretty = app.client.post(format!("{}/v1/orders", app.base))
            .header("x-acting-user", "jana").header("idempotency-key", "same-key")
            .header("content-type", "application/json")
            .body(serde_json::to_string_pretty(&body).unwrap()).send().await.expect("sent");
        assert_eq!(pretty.status(), 201);
        assert_eq!(pretty.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
        // Another user's identical request under the same key is not a repeat of jana's.
        let eva = place(&app, "eva", "same-key", &body).await.expect(422);
        assert_eq!(eva.body["type"], "/problems/idempotency-key-reused");

        // Ten identical requests at once: exactly one order.
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let client = app.client.clone();
            let url = format!("{}/v1/orders", app.base);
            let body = body.clone();
            tasks.push(tokio::spawn(async move {
                client.post(url).header("x-acting-user", "jana").header("idempotency-key", "burst").json(&body).send().await.unwrap()
            }));
        }
        let mut ids = std::collections::HashSet::new();
        for t in tasks {
            let response = t.await.unwrap();
            let status = response.status().as_u16();
            assert!(status == 201 || status == 409, "status {status}");
            if status == 201 {
                let v: Value = response.json().await.unwrap();
                ids.insert(v["order_id"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(ids.len(), 1, "every successful answer names the same order");
        let placed = count(&app, "SELECT count(*) FROM events WHERE event_type = 'OrderPlaced'").await;
        assert_eq!(placed, 2, "one order for 'same-key', one for 'burst'");
        app.stop().await;
    }
}

both_stores! {
    async fn an_idempotency_key_still_running_is_409_and_answers_survive_a_restart(store: &TestStore) {
        let app = setup(store).await;
        let body = order_body(json!([{"sku": "DRILL-18V", "quantity": 1}]));
        // Another server holds this key for the very same request and has not finished yet.
        let bytes = serde_json::to_vec(&body).unwrap();
        let fingerprint = app::fingerprint::Fingerprint::of("jana", &bytes);
        let claim = app::idempotency::claim(app.db(), "POST /v1/orders", "held", &fingerprint, "held-order").await.unwrap();
        assert_eq!(claim, app::idempotency::Claim::Proceed { resource_id: "held-order".into() });
        let busy = place(&app, "jana", "held", &body).await.expect(409);
        assert_eq!(busy.body["type"], "/problems/request-in-progress");
        assert!(busy.header("retry-after").is_some(), "the client is told when to come back");
        let placed = "SELECT count(*) FROM events WHERE event_type = 'OrderPlaced'";
        assert_eq!(count(&app, placed).await, 0, "nothing placed while the key is held");

        // A finished request is answered again after the server restarted.
        let first = place(&app, "jana", "kept", &body).await.expect(201);
        app.stop().await;
        let app = TestApp::start(store).await;
        let again = place(&app, "jana", "kept", &body).await.expect(201);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body["order_id"], first.body["order_id"]);
        assert_eq!(count(&app, placed).await, 1);
        app.stop().await;
    }
}

both_stores! {
    async fn a_retry_after_a_failure_past_the_commit_finds_the_order_instead_of_placing_another(store: &TestStore) {
        let app = setup(store).await;
        // The first attempt commits the order and then fails before it answers, as a process
        // does whose answer is lost (a timeout, a lost connection to the store).
        let reference = format!("FP-{}", uuid::Uuid::new_v4().simple());
        fail::cfg("orders::after_placed", &format!("return({reference})")).unwrap();
        let mut body = order_body(json!([{"sku": "DRILL-18V", "quantity": 2}]));
        body["customer_reference"] = json!(reference);
        let failed = place(&app, "jana", "lost-answer", &body).await.expect(500);
        assert_eq!(failed.body["status"], 500);
        fail::remove("orders::after_placed");
        let placed_sql = format!(
            "SELECT count(*) FROM events WHERE event_type = 'OrderPlaced' AND CAST(payload AS TEXT) LIKE '%{reference}%'"
        );
        assert_eq!(count(&app, &placed_sql).await, 1, "the first attempt did place the order");

        let retried = place(&app, "jana", "lost-answer", &body).await.expect(201);
        let id = retried.body["order_id"].as_str().unwrap().to_string();
        assert_eq!(count(&app, &placed_sql).await, 1, "the retry placed no second order");
        let again = place(&app, "jana", "lost-answer", &body).await.expect(201);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body["order_id"], id.as_str());
        app.stop().await;
    }
}

both_stores! {
    async fn concurrent_orders_never_oversell(store: &TestStore) {
        let app = setup(store).await;
        app.post("/v1/erp/stock-levels", &json!({"message_id": "lvl-100", "levels": [
            {"sku": "DRILL-18V", "warehouse": "PRG", "on_hand": "100"},
            {"sku": "DRILL-18V", "warehouse": "BRQ", "on_hand": "0"},
        ]})).await.expect(200);
        let mut tasks = Vec::new();
        for i in 0..64u32 {
            let client = app.client.clone();
            let url = format!("{}/v1/orders", app.base);
            let user = ["jana", "tomas", "petr", "eva"][i as usize % 4];
            let quantity = 1 + i % 3;
            let body = order_body(json!([{"sku": "DRILL-18V", "quantity": quantity}]));
            tasks.push(tokio::spawn(async move {
                let r = client.post(url).header("x-acting-user", user).header("idempotency-key", format!("c-{i}")).json(&body).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 201);
                let v: Value = r.json().await.unwrap();
                (v["order_id"].as_str().unwrap().to_string(), quantity)
            }));
        }
        let mut orders = Vec::new();
        for t in tasks {
            orders.push(t.await.unwrap());
        }
        let mut held = 0u32;
        let mut accepted = 0;
        for (id, quantity) in &orders {
            let order = eventually("the reservation outcome", Duration::from_secs(30), || async {
                let o = app.as_user(Method::GET, &format!("/v1/orders/{id}"), "eva", None, None).await.body;
                (o["status"] != "placed").then_some(o)
            }).await;
            let reservations: u32 = order["reservations"].as_array().unwrap().iter().map(|r| r["quantity"].as_str().unwrap().parse::<u32>().unwrap()).sum();
            if order["status"] == "rejected" {
                assert_eq!(reservations, 0, "a refused order holds nothing");
            } else {
                assert_eq!(reservations, *quantity, "an accepted order holds its quantity");
                held += quantity;
                accepted += 1;
            }
        }
        assert!(held <= 100, "reserved {held} of 100");
        assert!(held >= 98, "stock was left although orders were refused: {held}");
        assert!(accepted < 64);
        assert_eq!(reserved(&app, "DRILL-18V").await["PRG"], held.to_string());
        app.stop().await;
    }
}

both_stores! {
    async fn bad_orders_are_clear_4xx_and_write_nothing(store: &TestStore) {
        let app = setup(store).await;
        app.post("/v1/companies/ACME/users/tomas/deactivate", &json!({})).await.expect(200);
        let before = count(&app, "SELECT count(*) FROM events").await;
        let line = |q: Value| json!([{"sku": "DRILL-18V", "quantity": q}]);
        let mut unknown_company = order_body(line(json!(1)));
        unknown_company["company_id"] = json!("NOBODY");
        let mut eur = order_body(line(json!(1)));
        eur["currency"] = json!("EUR");
        let mut address = order_body(line(json!(1)));
        address["delivery_address_id"] = json!("MOON");
        let many: Vec<Value> = (0..5000).map(|_| json!({"sku": "DRILL-18V", "quantity": 1})).collect();
        let cases: Vec<(&str, &str, Value, u16, &str)> = vec![
            ("unknown company", "jana", unknown_company, 422, "company_id"),
            ("inactive user", "tomas", order_body(line(json!(1))), 403, ""),
            ("foreign user", "karel", order_body(line(json!(1))), 403, ""),
            ("zero quantity", "jana", order_body(line(json!(0))), 422, "lines[0].quantity"),
            ("negative quantity", "jana", order_body(line(json!("-2"))), 422, "lines[0].quantity"),
            ("fractional pieces", "jana", order_body(line(json!("1.5"))), 422, "lines[0].quantity"),
            ("no prices in EUR", "jana", eur, 422, "lines[0].sku"),
            ("unknown address", "jana", address, 422, "delivery_address_id"),
            ("5,000 lines", "jana", order_body(json!(many)), 422, "lines"),
        ];
        for (i, (case, user, body, status, field)) in cases.into_iter().enumerate() {
            let reply = place(&app, user, &format!("bad-{i}"), &body).await;
            assert_eq!(reply.status.as_u16(), status, "{case}: {}", reply.text);
            assert_eq!(reply.header("content-type"), Some("application/problem+json"), "{case}");
            if !field.is_empty() {
                assert_eq!(reply.body["errors"][0]["field"], field, "{case}: {}", reply.text);
            }
        }
        assert_eq!(count(&app, "SELECT count(*) FROM events").await, before, "nothing was written");
        app.stop().await;
    }
}

both_stores! {
    async fn the_reservation_manager_resumes_after_dying_between_steps(store: &TestStore) {
        // Failpoints are process-wide: one test at a time arms them.
        let _failpoints = FAILPOINTS.lock().await;
        let app = setup(store).await;
        // Dies after reserving the first line, every time, until the failpoint is removed.
        let reference = format!("FP-{}", uuid::Uuid::new_v4().simple());
        fail::cfg("reservations::after_line", &format!("return({reference})")).unwrap();
        let mut body = order_body(json!([{"sku": "BOOK-1", "quantity": 4}, {"sku": "DRILL-18V", "quantity": 6}]));
        body["customer_reference"] = json!(reference);
        let order = place(&app, "jana", "k-fp", &body).await.expect(201).body;
        assert_eq!(order["status"], "placed", "the manager is stuck at the failpoint");
        let id = order["order_id"].as_str().unwrap().to_string();
        // Stop the server (the process dies) and start a new one on the same store.
        app.stop().await;
        fail::remove("reservations::after_line");
        let app = TestApp::start(store).await;
        let resumed = eventually("the order to be reserved after the restart", Duration::from_secs(30), || async {
            let o = app.as_user(Method::GET, &format!("/v1/orders/{id}"), "jana", None, None).await.body;
            (o["status"] != "placed").then_some(o)
        }).await;
        assert_eq!(resumed["status"], "ready_for_erp", "{resumed}");
        assert_eq!(reserved(&app, "BOOK-1").await["PRG"], "4", "the first line was not reserved twice");
        assert_eq!(reserved(&app, "DRILL-18V").await["PRG"], "6");

        // Dies after releasing a rejected order's lines but before recording the rejection.
        let reference = format!("FP-{}", uuid::Uuid::new_v4().simple());
        fail::cfg("reservations::before_reject", &format!("return({reference})")).unwrap();
        let mut body = order_body(json!([{"sku": "BOOK-1", "quantity": 5}, {"sku": "DRILL-18V", "quantity": 1000}]));
        body["customer_reference"] = json!(reference);
        let order = place(&app, "jana", "k-fp2", &body).await.expect(201).body;
        let id = order["order_id"].as_str().unwrap().to_string();
        app.stop().await;
        fail::remove("reservations::before_reject");
        let app = TestApp::start(store).await;
        let rejected = eventually("the short order to be rejected after the restart", Duration::from_secs(30), || async {
            let o = app.as_user(Method::GET, &format!("/v1/orders/{id}"), "jana", None, None).await.body;
            (o["status"] != "placed").then_some(o)
        }).await;
        assert_eq!(rejected["status"], "rejected");
        assert_eq!(reserved(&app, "BOOK-1").await["PRG"], "4", "no reservation leaked from the rejected order");
        app.stop().await;
    }
}
