//! The auditors' API on both stores: the event log with filters and cursor pages, time travel
//! on aggregates, one correlation id across a business flow, and the append-only access log.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use app::auth::Scope;
use app::event_log::{self, Checkpoint};

use crate::both_stores;
use crate::support::app::TestApp;
use crate::support::catalog::{
    add_users, load_spec_example, order_body, price_list, wait_for_read_models,
};
use crate::support::eventually;

async fn setup(store: &crate::support::store::TestStore) -> TestApp {
    let app = TestApp::start(store).await;
    load_spec_example(&app).await;
    add_users(&app).await;
    app
}

async fn place(app: &TestApp, key: &str, lines: Value) -> Value {
    app.as_user(
        Method::POST,
        "/v1/orders",
        "jana",
        Some(key),
        Some(&order_body(lines)),
    )
    .await
    .expect(201)
    .body
}

/// Every page of `/v1/audit/events?{query}`, followed by cursor.
async fn all_pages(app: &TestApp, query: &str, limit: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut after = String::new();
    loop {
        let page = app
            .get(&format!("/v1/audit/events?{query}&limit={limit}{after}"))
            .await
            .expect(200)
            .body;
        let got = page["items"].as_array().unwrap().clone();
        assert!(got.len() <= limit);
        items.extend(got);
        match page["next"].as_str() {
            Some(next) => after = format!("&after={next}"),
            None => return items,
        }
    }
}

fn field_of(reply: &crate::support::app::Reply) -> String {
    reply.body["errors"][0]["field"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

both_stores! {
    async fn filters_and_cursor_pages_return_each_event_once_in_log_order(store: &TestStore) {
        let app = setup(store).await;
        let order = place(&app, "a-1", json!([{"sku": "DRILL-18V", "quantity": 5}])).await;
        let id = order["order_id"].as_str().unwrap();
        wait_for_read_models(&app).await;

        let log = event_log::read_after(app.db(), Checkpoint::START, 100_000).await.unwrap();
        let expected: Vec<i64> = log.iter().map(|e| e.checkpoint.position).collect();
        let paged: Vec<i64> = all_pages(&app, "", 7).await.iter().map(|e| e["position"].as_i64().unwrap()).collect();
        assert_eq!(paged, expected, "pages of 7 give the whole log once, in log order");

        let mine = all_pages(&app, &format!("aggregate_type=order&aggregate_id={id}"), 2).await;
        let sequences: Vec<i64> = mine.iter().map(|e| e["sequence"].as_i64().unwrap()).collect();
        assert_eq!(sequences, (1..=sequences.len() as i64).collect::<Vec<_>>());
        assert!(sequences.len() >= 3, "placed, reserved, ready: {mine:?}");
        assert_eq!(mine[0]["event_type"], "OrderPlaced");
        assert_eq!(mine[0]["metadata"]["actor"], "user:ACME/jana");
        assert!(mine[0]["payload"].is_object() && mine[0]["recorded_at"].is_string());

        let placed = all_pages(&app, "event_type=OrderPlaced&actor=user:ACME/jana", 100).await;
        assert_eq!(placed.len(), 1);
        assert_eq!(placed[0]["aggregate_id"], id);

        // A bare position works as a cursor too.
        let k = expected[expected.len() / 2];
        let rest = app.get(&format!("/v1/audit/events?after={k}&limit=1000")).await.expect(200).body;
        let rest: Vec<i64> = rest["items"].as_array().unwrap().iter().map(|e| e["position"].as_i64().unwrap()).collect();
        assert_eq!(rest, expected[expected.len() / 2 + 1..].to_vec());

        // from is inclusive, to exclusive: the two halves make the whole.
        let middle = log[log.len() / 2].recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let middle = middle.replace('+', "%2B");
        let before = all_pages(&app, &format!("to={middle}"), 1000).await;
        let after = all_pages(&app, &format!("from={middle}"), 1000).await;
        assert_eq!(before.len() + after.len(), log.len());
        assert!(!before.is_empty() && !after.is_empty());

        for (query, field) in [
            ("limit=0", "limit"), ("limit=1001", "limit"), ("aggregate_type=orders", "aggregate_type"),
            ("from=yesterday", "from"), ("after=x/1", "after"), ("after=-3", "after"),
            ("after=999999", "after"), ("aggregat_type=order", "aggregat_type"), ("actor=", "actor"),
            ("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"),
        ] {
            let reply = app.get(&format!("/v1/audit/events?{query}")).await;
            assert_eq!(reply.status.as_u16(), 422, "{query}: {}", reply.text);
            assert_eq!(field_of(&reply), field, "{query}");
            assert_eq!(reply.header("content-type"), Some("application/problem+json"));
        }
        app.stop().await;
    }
}

both_stores! {
    async fn time_travel_shows_an_order_and_a_price_list_as_they_were(store: &TestStore) {
        let app = setup(store).await;
        app.as_user(Method::PUT, "/v1/companies/ACME/approval-rules", "eva", None, Some(&json!({
            "rules": [{"kind": "order_total_above", "amount": "1000", "currency": "CZK"}],
            "allow_self_approval": false,
        }))).await.expect(200);
        let order = place(&app, "t-1", json!([{"sku": "DRILL-18V", "quantity": 60}])).await;
        assert_eq!(order["status"], "pending_approval");
        let id = order["order_id"].as_str().unwrap().to_string();
        let path = format!("/v1/audit/aggregates/order/{id}");
        let pending = app.get(&path).await.expect(200).body;
        assert_eq!(pending["state"]["status"], "pending_approval");
        let version = pending["version"].as_i64().unwrap();
        let as_of = pending["events"].as_array().unwrap().last().unwrap()["recorded_at"].as_str().unwrap().replace('+', "%2B");
        app.as_user(Method::POST, &format!("/v1/orders/{id}/approve"), "petr", None, Some(&json!({}))).await.expect(200);

        let now = app.get(&path).await.expect(200).body;
        assert_eq!(now["state"]["status"], "ready_for_erp");
        assert!(now["version"].as_i64().unwrap() > version);
        for query in [format!("as_of={as_of}"), format!("version={version}")] {
            let then = app.get(&format!("{path}?{query}")).await.expect(200).body;
            assert_eq!(then["state"]["status"], "pending_approval", "{query}");
            assert_eq!(then["version"], version, "{query}");
            assert_eq!(then["latest_version"], now["version"], "{query}");
            assert_eq!(then["events"].as_array().unwrap().len() as i64, version, "{query}");
            assert!(then["events"].as_array().unwrap().iter().all(|e| e["event_type"] != "Approved"));
        }
        let missing = app.get(&format!("{path}?as_of=2000-01-01T00:00:00Z")).await.expect(404);
        assert_eq!(missing.body["type"], "/problems/not-found");
        app.get(&format!("{path}?version=999")).await.expect(404);
        app.get("/v1/audit/aggregates/order/NO-SUCH-ORDER").await.expect(404);
        for (query, field) in [
            ("/v1/audit/aggregates/orders/x", "type"), ("/v1/audit/aggregates/order/x?version=0", "version"),
            ("/v1/audit/aggregates/order/x?as_of=2026-01-01T00:00:00Z&version=2", "version"),
            ("/v1/audit/aggregates/order/x?as_of=soon", "as_of"),
        ] {
            let reply = app.get(query).await;
            assert_eq!(reply.status.as_u16(), 422, "{query}: {}", reply.text);
            assert_eq!(field_of(&reply), field, "{query}");
        }

        // A price list before and after the ERP changed it.
        let list = "/v1/audit/aggregates/price_list/BASE-CZK";
        let old = app.get(list).await.expect(200).body;
        assert_eq!(old["state"]["entries"]["DRILL-18V"]["unit_price"], "100", "{}", old["state"]);
        let old_at = old["events"].as_array().unwrap().last().unwrap()["recorded_at"].as_str().unwrap().replace('+', "%2B");
        price_list(&app, "BASE-CZK", json!({"kind": "base"}), "110.00", json!([]), None).await;
        let new = app.get(list).await.expect(200).body;
        assert_eq!(new["state"]["entries"]["DRILL-18V"]["unit_price"], "110");
        let then = app.get(&format!("{list}?as_of={old_at}")).await.expect(200).body;
        assert_eq!(then["state"], old["state"]);
        let by_version = app.get(&format!("{list}?version={}", old["version"])).await.expect(200).body;
        assert_eq!(by_version["state"], old["state"]);
        app.stop().await;
    }
}

both_stores! {
    async fn one_correlation_id_follows_an_order_through_reservation_to_the_erp(store: &TestStore) {
        let app = setup(store).await;
        let order = place(&app, "c-1", json!([{"sku": "DRILL-18V", "quantity": 3}])).await;
        let id = order["order_id"].as_str().unwrap().to_string();
        // The reservation process manager is not a read model: wait for its outcome on the order
        // before the ERP answers (an answer before it is "not yet applicable").
        let path = format!("/v1/orders/{id}");
        eventually("the order to be reserved and ready for the ERP", Duration::from_secs(30), || async {
            let o = app.as_user(Method::GET, &path, "jana", None, None).await.expect(200).body;
            (o["status"] == "ready_for_erp").then_some(())
        })
        .await;
        wait_for_read_models(&app).await;
        let placed = all_pages(&app, &format!("aggregate_id={id}&event_type=OrderPlaced"), 10).await;
        let correlation = placed[0]["metadata"]["correlation_id"].as_str().unwrap().to_string();
        app.post(&format!("/v1/erp/orders/{id}/status"), &json!({
            "message_id": "st-1", "status": "accepted", "erp_order_no": "ERP-1",
        })).await.expect(200);

        // The audit log reads below PostgreSQL's xmin horizon: a transaction open elsewhere in the
        // server (a lease renewal, the access log) can hide the newest events for a moment.
        let erp_query = format!("aggregate_type=order&aggregate_id={id}&actor=erp");
        eventually("the ERP's answer to reach the audit log", Duration::from_secs(10), || async {
            (!all_pages(&app, &erp_query, 10).await.is_empty()).then_some(())
        })
        .await;
        let flow = all_pages(&app, &format!("correlation_id={correlation}"), 3).await;
        assert!(flow.iter().all(|e| e["metadata"]["correlation_id"] == correlation.as_str()));
        let has = |ty: &str, actor: &str| flow.iter().any(|e| e["aggregate_type"] == ty && e["metadata"]["actor"] == actor);
        assert!(has("order", "user:ACME/jana"), "the placement: {flow:?}");
        assert!(has("stock_item", "system:reservations"), "the stock reservation: {flow:?}");
        assert!(has("order", "system:reservations"), "the order's reservation outcome: {flow:?}");
        let stock: Vec<&Value> = flow.iter().filter(|e| e["aggregate_type"] == "stock_item").collect();
        assert!(stock.iter().all(|e| e["metadata"]["causation_id"].as_str().unwrap().starts_with(&format!("order/{id}/"))));

        // The ERP's answer is in the order's history with who sent it.
        let erp = all_pages(&app, &erp_query, 10).await;
        assert_eq!(erp.len(), 1, "{erp:?}");
        assert_eq!(erp[0]["metadata"]["causation_id"], "erp-message:st-1");
        app.stop().await;
    }
}

/// The access log's entries for a query, once they are written.
async fn logged(app: &TestApp, query: &str, at_least: usize) -> Vec<Value> {
    eventually(
        &format!("{at_least} access log entries for {query}"),
        Duration::from_secs(10),
        || async {
            let page = app
                .get(&format!("/v1/audit/access-log?{query}&limit=1000"))
                .await
                .expect(200)
                .body;
            let items = page["items"].as_array().unwrap().clone();
            (items.len() >= at_least).then_some(items)
        },
    )
    .await
}

both_stores! {
    async fn the_access_log_records_who_did_what_and_how_it_ended(store: &TestStore) {
        let app = TestApp::start(store).await;
        let auditor = app::auth::create(app.db(), "auditor", &[Scope::Auditor]).await.unwrap();
        let (token, key_id) = (auditor.token.as_str(), auditor.key.id.as_str());
        let headers = [("x-acting-user", "audit-jane"), ("x-request-id", "req-audit-1")];
        app.request_with_key(token, Method::GET, "/v1/audit/events?limit=5", None, &headers).await.expect(200);
        app.request_with_key(token, Method::GET, "/v1/nowhere", None, &[]).await.expect(404);
        app.request_with_key(token, Method::GET, "/v1/ops/projections", None, &[]).await.expect(403);
        app.request_with_key(token, Method::GET, "/v1/audit/events?limit=5&api_key=s3cret", None, &[]).await.expect(422);
        app.request_with_key("", Method::GET, "/v1/audit/events", None, &[]).await.expect(401);
        app.request_with_key("oc_nokey_nosecret", Method::GET, "/v1/audit/events", None, &[]).await.expect(401);

        let mine = logged(&app, &format!("key_id={key_id}"), 4).await;
        let statuses: Vec<i64> = mine.iter().map(|e| e["status"].as_i64().unwrap()).collect();
        assert_eq!(statuses, vec![200, 404, 403, 422]);
        let ok = &mine[0];
        assert_eq!((ok["method"].as_str(), ok["route"].as_str(), ok["path"].as_str()), (Some("GET"), Some("/v1/audit/events"), Some("/v1/audit/events")));
        assert_eq!((ok["acting_user"].as_str(), ok["request_id"].as_str(), ok["query"].as_str()), (Some("audit-jane"), Some("req-audit-1"), Some("limit=5")));
        assert!(ok["duration_ms"].as_i64().unwrap() >= 0 && ok["at"].is_string());
        assert_eq!((mine[1]["route"].clone(), mine[1]["path"].as_str()), (Value::Null, Some("/v1/nowhere")));
        assert_eq!(mine[3]["query"], "limit=5&api_key=***", "secrets are never logged");
        assert!(mine.iter().all(|e| e["request_id"].as_str().is_some_and(|r| !r.is_empty())));

        let refused = logged(&app, "status=401&path=/v1/audit/", 2).await;
        assert!(refused.iter().all(|e| e["key_id"].is_null() && e["path"] == "/v1/audit/events"), "{refused:?}");
        assert!(!app.get(&format!("/v1/audit/access-log?acting_user=audit-jane&key_id={key_id}")).await.expect(200).body["items"].as_array().unwrap().is_empty());

        // Pages of one give every entry once, in order.
        let all = logged(&app, "", 6).await;
        let mut paged = Vec::new();
        let mut after = String::new();
        while paged.len() < all.len() {
            let page = app.get(&format!("/v1/audit/access-log?limit=1{after}")).await.expect(200).body;
            paged.push(page["items"][0]["id"].as_i64().unwrap());
            after = format!("&after={}", page["next"].as_str().unwrap());
        }
        assert_eq!(paged, all.iter().map(|e| e["id"].as_i64().unwrap()).collect::<Vec<_>>());
        let doc = app.get("/openapi.json").await.expect(200).body;
        for path in ["/v1/audit/events", "/v1/audit/aggregates/{type}/{id}", "/v1/audit/access-log"] {
            assert!(doc["paths"][path]["get"].is_object(), "{path} is documented");
        }
        for (query, field) in [("status=42", "status"), ("after=7", "after"), ("from=never", "from"), ("limit=x", "limit")] {
            let reply = app.get(&format!("/v1/audit/access-log?{query}")).await;
            assert_eq!((reply.status.as_u16(), field_of(&reply)), (422, field.to_string()), "{query}");
        }
        app.stop().await;
    }
}

both_stores! {
    async fn the_access_log_is_flushed_on_stop_and_the_database_refuses_changes(store: &TestStore) {
        let app = TestApp::start(store).await;
        app.get("/v1/audit/events?limit=1").await.expect(200);
        app.get("/healthz").await.expect(200);
        app.stop().await;
        let db = store.db().await;
        let count = |sql: &'static str| {
            let db = db.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(db.pool()).await.unwrap() }
        };
        let rows = count("SELECT count(*) FROM access_log").await;
        assert!(rows >= 2, "the last requests were written at stop: {rows}");
        for sql in ["UPDATE access_log SET status = 200", "DELETE FROM access_log", "UPDATE access_log SET key_id = 'x' WHERE id = 1"] {
            let refused = sqlx::query(sql).execute(db.pool()).await;
            let message = refused.expect_err(sql).to_string();
            assert!(message.contains("append-only"), "{sql}: {message}");
        }
        if db.backend() == app::db::Backend::Postgres {
            assert!(sqlx::query("TRUNCATE access_log").execute(db.pool()).await.is_err());
        }
        assert_eq!(count("SELECT count(*) FROM access_log").await, rows);
        assert_eq!(count("SELECT count(*) FROM access_log WHERE path = '/healthz'").await, 1);
        db.close().await;
    }
}
