//! ERP dispatch and feedback over HTTP on both stores, against a scriptable fake ERP: the whole
//! path to `completed`, refusals that are dead-lettered and compensated, retries, cancellation
//! after acceptance, and inbound messages twice and out of order.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_stores;
use crate::support::app::TestApp;
use crate::support::catalog::{add_users, load_spec_example, order_body, wait_for_read_models};
use crate::support::eventually;
use crate::support::fake_erp::{FakeErp, Script};

mod answers;
mod lease;

async fn start(store: &crate::support::store::TestStore, script: Script) -> (TestApp, FakeErp) {
    let erp = FakeErp::start(script).await;
    let app = TestApp::start_with_erp(store, &erp.url, &erp.secret).await;
    load_spec_example(&app).await;
    add_users(&app).await;
    (app, erp)
}

async fn order(app: &TestApp, id: &str) -> Value {
    app.as_user(Method::GET, &format!("/v1/orders/{id}"), "eva", None, None)
        .await
        .expect(200)
        .body
}

async fn until_status(app: &TestApp, id: &str, status: &str) -> Value {
    eventually(
        &format!("order {id} to be {status}"),
        Duration::from_secs(30),
        || async {
            let o = order(app, id).await;
            (o["status"] == status).then_some(o)
        },
    )
    .await
}

async fn place(app: &TestApp, key: &str, lines: Value) -> String {
    let reply = app
        .as_user(
            Method::POST,
            "/v1/orders",
            "jana",
            Some(key),
            Some(&order_body(lines)),
        )
        .await
        .expect(201);
    reply.body["order_id"].as_str().unwrap().to_string()
}

async fn status(app: &TestApp, id: &str, message: Value) -> crate::support::app::Reply {
    app.post(&format!("/v1/erp/orders/{id}/status"), &message)
        .await
}

fn invoice(number: &str, id: &str, message: &str) -> Value {
    json!({
        "message_id": message, "number": number, "kind": "invoice", "company_id": "ACME", "currency": "CZK",
        "order_ids": [id],
        "lines": [{"sku": "DRILL-18V", "quantity": "10", "unit_price": "85.00", "vat_rate": "21", "net": "850.00"}],
        "vat": [{"rate": "21", "base": "850.00", "vat": "178.50"}],
        "total_net": "850.00", "total_vat": "178.50", "total_gross": "1028.50",
        "issued_on": "2026-12-05", "due_on": "2026-12-19",
        "payments": [{"payment_id": "PAY-1", "amount": "1028.50", "paid_on": "2026-12-10"}],
    })
}

both_stores! {
    async fn an_order_travels_from_placement_to_completed(store: &TestStore) {
        let (app, erp) = start(store, Script::default()).await;
        let id = place(&app, "k-1", json!([{"sku": "DRILL-18V", "quantity": 10}])).await;
        let accepted = until_status(&app, &id, "accepted_by_erp").await;
        assert_eq!(accepted["erp_order_no"], "ERP-000001");
        let submits = erp.submits();
        assert_eq!(submits.len(), 1);
        assert_eq!(submits[0].0, format!("{id}:submit"));
        let body = &submits[0].1;
        assert_eq!((body["company"]["erp_customer_no"].as_str(), body["total_gross"].as_str()), (Some("1ACME"), Some("1028.50")));
        assert_eq!(body["lines"][0]["warehouses"], json!([{"warehouse": "PRG", "quantity": "10"}]));
        assert_eq!(erp.seen.lock().unwrap().bad_signatures, 0);

        // Two partial shipments add up; the same shipment twice changes nothing.
        let ship = |m: &str, s: &str, q: &str| json!({"message_id": m, "status": "shipped", "shipment_id": s,
            "lines": [{"sku": "DRILL-18V", "warehouse": "PRG", "quantity": q}]});
        assert_eq!(status(&app, &id, ship("s-1", "SH-1", "4")).await.expect(200).body["status"], "partially_shipped");
        status(&app, &id, ship("s-1b", "SH-1", "4")).await.expect(200);
        assert_eq!(status(&app, &id, ship("s-2", "SH-2", "6")).await.expect(200).body["status"], "shipped");
        // Goods on the road cannot be cancelled from the e-shop.
        let late = app.as_user(Method::POST, &format!("/v1/orders/{id}/cancel"), "jana", None, Some(&json!({"comment": "too late"}))).await.expect(409);
        assert_eq!(late.body["type"], "/problems/already-shipped", "{}", late.text);
        status(&app, &id, json!({"message_id": "d-1", "status": "delivered", "shipment_id": "SH-2"})).await.expect(200);
        // A late "accepted" does not move it back.
        assert_eq!(status(&app, &id, json!({"message_id": "a-late", "status": "accepted", "erp_order_no": "ERP-000001"})).await.expect(200).body["status"], "shipped");

        app.post("/v1/erp/invoices", &invoice("FV-1", &id, "inv-1")).await.expect(200);
        let done = until_status(&app, &id, "completed").await;
        let events: Vec<(&str, &str)> = done["status_history"].as_array().unwrap().iter()
            .map(|h| (h["event"].as_str().unwrap(), h["actor"].as_str().unwrap())).collect();
        assert_eq!(events, vec![
            ("OrderPlaced", "user:ACME/jana"), ("StockReserved", "system:reservations"), ("ReadyForErp", "system:reservations"),
            ("SentToErp", "system:erp-dispatcher"), ("AcceptedByErp", "system:erp-dispatcher"),
            ("ShipmentRecorded", "erp"), ("ShipmentRecorded", "erp"), ("DeliveryConfirmed", "erp"),
            ("InvoiceRecorded", "erp"), ("OrderCompleted", "erp"),
        ]);
        assert_eq!(done["invoice_details"][0]["number"], "FV-1", "{done}");
        assert_eq!(done["invoice_details"][0]["outstanding"], "0.00");

        // The shipments consumed the reservation and lowered on hand.
        wait_for_read_models(&app).await;
        let a = app.get("/v1/availability?skus=DRILL-18V").await.body;
        let prg = a["items"][0]["warehouses"].as_array().unwrap().iter().find(|w| w["warehouse"] == "PRG").unwrap().clone();
        assert_eq!((prg["on_hand"].as_str(), prg["reserved"].as_str()), (Some("110"), Some("0")));
        let invoices = app.as_user(Method::GET, "/v1/companies/ACME/invoices", "jana", None, None).await.expect(200).body;
        assert_eq!(invoices["items"][0]["number"], "FV-1");
        assert_eq!(invoices["items"][0]["paid"], "1028.50");
        app.as_user(Method::GET, "/v1/companies/ACME/invoices", "karel", None, None).await.expect(403);
        app.stop().await;
    }
}

both_stores! {
    async fn a_refused_order_is_dead_lettered_and_compensated_while_others_go_through(store: &TestStore) {
        let (app, erp) = start(store, Script { refuse_sku: Some("BOOK-1".into()), ..Default::default() }).await;
        let refused = place(&app, "k-r", json!([{"sku": "BOOK-1", "quantity": 5}])).await;
        let fine = place(&app, "k-f", json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
        let rejected = until_status(&app, &refused, "rejected_by_erp").await;
        let reason = rejected["status_history"].as_array().unwrap().last().unwrap()["reason"].as_str().unwrap().to_string();
        assert!(reason.contains("BOOK-1 is not sold here"), "{reason}");
        until_status(&app, &fine, "accepted_by_erp").await;
        eventually("the refused order's stock to come back", Duration::from_secs(20), || async {
            wait_for_read_models(&app).await;
            let a = app.get("/v1/availability?skus=BOOK-1").await.body;
            (a["items"][0]["warehouses"][0]["reserved"] == "0").then_some(())
        }).await;
        let outbox = app.get("/v1/ops/erp/outbox?state=dead").await.expect(200).body;
        assert_eq!(outbox["items"][0]["id"], format!("{refused}:submit"));
        assert_eq!(outbox["items"][0]["compensated"], true);
        let retry = app.post(&format!("/v1/ops/erp/dead-letters/{refused}:submit/retry"), &json!({})).await.expect(409);
        assert_eq!(retry.body["type"], "/problems/conflict");
        app.post("/v1/ops/erp/dead-letters/nothing/retry", &json!({})).await.expect(404);
        assert_eq!(erp.submits().len(), 2);
        app.stop().await;
    }
}

both_stores! {
    async fn transient_failures_are_retried_with_backoff_and_the_erp_sees_one_order(store: &TestStore) {
        let (app, erp) = start(store, Script { fail_first: 3, ..Default::default() }).await;
        let id = place(&app, "k-t", json!([{"sku": "DRILL-18V", "quantity": 2}])).await;
        let accepted = until_status(&app, &id, "accepted_by_erp").await;
        let attempts: Vec<&str> = accepted["status_history"].as_array().unwrap().iter()
            .filter(|h| h["event"] == "SentToErp").map(|h| h["attempt"].as_str().unwrap()).collect();
        assert_eq!(attempts, vec!["1", "2", "3", "4"]);
        let submits = erp.submits();
        assert_eq!(submits.len(), 4, "three failures and the success");
        assert!(submits.iter().all(|(key, _)| key == &format!("{id}:submit")), "one key for every attempt");
        assert_eq!(erp.seen.lock().unwrap().numbers.len(), 1, "one order in the ERP's books");
        // Backoff, from when the ERP saw each attempt: the n-th retry waits at least half of
        // 50 ms × 2^(n−1) (full jitter keeps the upper half), so the waits grow.
        let times = erp.submit_times();
        let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
        for (n, gap) in gaps.iter().enumerate() {
            let floor = Duration::from_millis(25 << n);
            assert!(*gap >= floor, "retry {}: waited {gap:?}, less than {floor:?}: {gaps:?}", n + 1);
        }
        assert!(gaps[2] > gaps[0], "the waits grow: {gaps:?}");
        app.stop().await;
    }
}

both_stores! {
    async fn cancelling_after_the_erp_accepted_asks_the_erp(store: &TestStore) {
        let (app, erp) = start(store, Script::default()).await;
        let id = place(&app, "k-c", json!([{"sku": "DRILL-18V", "quantity": 3}])).await;
        until_status(&app, &id, "accepted_by_erp").await;
        let asked = app.as_user(Method::POST, &format!("/v1/orders/{id}/cancel"), "jana", None, Some(&json!({"comment": "wrong item"}))).await.expect(200).body;
        assert_eq!(asked["status"], "accepted_by_erp");
        assert_eq!(asked["cancellation_pending"], true);
        until_status(&app, &id, "cancelled").await;

        erp.script.lock().unwrap().refuse_cancel = true;
        let other = place(&app, "k-c2", json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
        until_status(&app, &other, "accepted_by_erp").await;
        app.as_user(Method::POST, &format!("/v1/orders/{other}/cancel"), "jana", None, None).await.expect(200);
        let refused = eventually("the refusal to reach the order", Duration::from_secs(20), || async {
            let o = order(&app, &other).await;
            (o["cancellation_pending"] == false).then_some(o)
        }).await;
        assert_eq!(refused["status"], "accepted_by_erp");
        let last = refused["status_history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["event"].as_str(), last["reason"].as_str()), (Some("CancellationRefused"), Some("already shipped")));
        app.stop().await;
    }
}

both_stores! {
    async fn inbound_messages_twice_and_out_of_order_end_in_the_right_state(store: &TestStore) {
        let (app, _erp) = start(store, Script::default()).await;
        let id = place(&app, "k-o", json!([{"sku": "DRILL-18V", "quantity": 10}])).await;
        until_status(&app, &id, "accepted_by_erp").await;
        // The invoice first: welcome, since the ERP accepted; the order is invoiced but not
        // shipped, so not completed.
        app.post("/v1/erp/invoices", &invoice("FV-2", &id, "inv-a")).await.expect(200);
        app.post("/v1/erp/invoices", &invoice("FV-2", &id, "inv-a")).await.expect(200);
        assert_eq!(order(&app, &id).await["status"], "invoiced");
        let ship = json!({"message_id": "s-a", "status": "shipped", "shipment_id": "SH-A",
            "lines": [{"sku": "DRILL-18V", "warehouse": "PRG", "quantity": "10"}]});
        status(&app, &id, ship.clone()).await.expect(200);
        let replay = status(&app, &id, ship).await.expect(200);
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
        let done = until_status(&app, &id, "completed").await;
        let shipments = done["status_history"].as_array().unwrap().iter().filter(|h| h["event"] == "ShipmentRecorded").count();
        assert_eq!(shipments, 1, "no event doubled");

        // A message that builds on a state the order has not reached is "not yet", not stored.
        let early = place(&app, "k-early", json!([{"sku": "BOOK-1", "quantity": 1}])).await;
        let _ = until_status(&app, &early, "accepted_by_erp").await;
        let other = json!({"message_id": "x-1", "status": "shipped", "shipment_id": "SH-X",
            "lines": [{"sku": "NOPE", "warehouse": "PRG", "quantity": "1"}]});
        let refused = status(&app, &early, other).await.expect(422);
        assert_eq!(refused.body["type"], "/problems/unknown-line");
        let quarantine = app.get("/v1/ops/quarantine").await.body;
        assert!(quarantine["items"].as_array().unwrap().iter().any(|i| i["message_id"] == "x-1"));
        app.stop().await;
    }
}

both_stores! {
    async fn a_restored_store_starts_its_reactors_after_the_imported_events(store: &TestStore) {
        let (app, erp) = start(store, Script::default()).await;
        let id = place(&app, "k-restore", json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
        until_status(&app, &id, "accepted_by_erp").await;
        app.stop().await;
        let mut file = Vec::new();
        let source = store.db().await;
        app::transfer::export(&source, &mut file, &|_, _| {}).await.expect("export");

        // The other kind of store, restored with the reactors at the head (as the CLI does).
        let other = match store.backend {
            app::db::Backend::Sqlite => app::db::Backend::Postgres,
            app::db::Backend::Postgres => app::db::Backend::Sqlite,
        };
        let Some(target) = crate::support::store::TestStore::new(other).await else { return };
        let target_db = target.db().await;
        let reactors = api::server::reactor_names(&target_db);
        assert!(reactors.contains(&"erp_outbox") && reactors.contains(&"order_reservations"));
        let imported = app::transfer::import_with(&target_db, &mut file.as_slice(), &|_, _| {}, &reactors).await.expect("import");
        let last: i64 = sqlx::query_scalar("SELECT max(position) FROM events").fetch_one(target_db.pool()).await.unwrap();
        for reactor in &reactors {
            let at = app::subscription::load_checkpoint(&target_db, reactor).await.unwrap();
            assert_eq!(at.position, last, "{reactor} starts after the {} imported events", imported.events);
        }
        let restored = TestApp::start_with_erp(&target, &erp.url, &erp.secret).await;
        crate::support::catalog::wait_for_read_models(&restored).await;
        let order = restored.as_user(Method::GET, &format!("/v1/orders/{id}"), "eva", None, None).await.expect(200).body;
        assert_eq!(order["status"], "accepted_by_erp");
        // A new order of the same company goes through the restored dispatcher, which deals
        // with a company's deliveries in log order: anything the restore queued again for the
        // old order has been dealt with once the new one is accepted.
        let next = place(&restored, "k-restore-2", json!([{"sku": "DRILL-18V", "quantity": 1}])).await;
        until_status(&restored, &next, "accepted_by_erp").await;
        let keys: Vec<String> = erp.submits().into_iter().map(|(key, _)| key).collect();
        assert_eq!(keys, vec![format!("{id}:submit"), format!("{next}:submit")], "the restored store sent nothing again");
        let outbox = restored.get("/v1/ops/erp/outbox").await.expect(200).body;
        assert_eq!(outbox["items"], json!([]));
        restored.stop().await;
    }
}
