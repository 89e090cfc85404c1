//! API keys and scopes, company and channel isolation, and rate limits, over HTTP on both
//! stores.

use reqwest::Method;
use serde_json::{json, Value};

use app::auth::Scope;

use crate::both_stores;
use crate::support::app::TestApp;
use crate::support::catalog::{add_users, load_spec_example, order_body};

async fn key(app: &TestApp, scopes: &[Scope]) -> String {
    app::auth::create(app.db(), "matrix", scopes)
        .await
        .expect("key")
        .token
}

both_stores! {
    async fn each_scope_reaches_only_its_endpoints(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let keys = [
            ("eshop", key(&app, &[Scope::Eshop(Some("b2b-cz".into()))]).await),
            ("erp", key(&app, &[Scope::Erp]).await),
            ("ops", key(&app, &[Scope::Ops]).await),
            ("auditor", key(&app, &[Scope::Auditor]).await),
        ];
        // One representative endpoint per group; each is answered (not 401/403) only for its
        // own scope.
        let quote = json!({"company_id": "ACME", "channel": "b2b-cz", "currency": "CZK", "lines": [{"sku": "DRILL-18V", "quantity": 1}]});
        let product = json!({"message_id": "matrix-1", "name": "X", "unit": "pcs", "vat_class": "standard", "active": true});
        let endpoints: Vec<(&str, Method, &str, Option<Value>)> = vec![
            ("eshop", Method::POST, "/v1/prices/quote", Some(quote)),
            ("eshop", Method::GET, "/v1/availability?skus=DRILL-18V", None),
            ("eshop", Method::GET, "/v1/companies/ACME/orders", None),
            ("erp", Method::PUT, "/v1/erp/products/MATRIX-1", Some(product)),
            ("ops", Method::GET, "/v1/ops/projections", None),
            ("ops", Method::GET, "/v1/ops/erp/outbox", None),
            ("auditor", Method::GET, "/v1/audit/verify", None),
        ];
        for (owner, method, path, body) in &endpoints {
            for (scope, token) in &keys {
                let reply = app.request_with_key(token, method.clone(), path, body.as_ref(), &[("x-acting-user", "jana")]).await;
                let status = reply.status.as_u16();
                if scope == owner {
                    assert!(status != 401 && status != 403, "{scope} key on {method} {path}: {status} {}", reply.text);
                } else {
                    assert_eq!(status, 403, "{scope} key on {method} {path}: {}", reply.text);
                    assert_eq!(reply.body["type"], "/problems/insufficient-scope");
                }
            }
            let anonymous = app.request_with_key("", method.clone(), path, body.as_ref(), &[]).await;
            assert_eq!(anonymous.status.as_u16(), 401, "no key on {method} {path}");
            assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));
            let forged = app.request_with_key("oc_000000000000_deadbeef", method.clone(), path, body.as_ref(), &[]).await;
            assert_eq!(forged.status.as_u16(), 401, "a forged key on {method} {path}");
        }
        // Public endpoints need no key.
        for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
            assert_eq!(app.request_with_key("", Method::GET, path, None, &[]).await.status.as_u16(), 200, "{path}");
        }
        // A revoked key stops working.
        let revoked = key(&app, &[Scope::Ops]).await;
        let id = revoked.split('_').nth(1).unwrap().to_string();
        assert!(app::auth::revoke(app.db(), &id).await.unwrap());
        let reply = app.request_with_key(&revoked, Method::GET, "/v1/ops/projections", None, &[]).await;
        assert_eq!(reply.status.as_u16(), 401);
        assert!(reply.body["detail"].as_str().unwrap().contains("revoked"));
        app.stop().await;
    }
}

both_stores! {
    async fn a_user_of_one_company_can_read_or_change_nothing_of_another(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        // BETA has an order and a template.
        let mut beta = order_body(json!([{"sku": "DRILL-18V", "quantity": 1}]));
        beta["company_id"] = json!("BETA");
        let order = app.as_user(Method::POST, "/v1/orders", "karel", Some("beta-1"), Some(&beta)).await.expect(201).body;
        let beta_order = order["order_id"].as_str().unwrap().to_string();
        let template = app.as_user(Method::POST, "/v1/companies/BETA/order-templates", "karel", None, Some(&json!({
            "name": "Beta's", "lines": [{"sku": "BOOK-1", "quantity": 1}],
        }))).await.expect(201).body;
        let beta_template = template["template_id"].as_str().unwrap().to_string();

        // jana (ACME) tries everything of BETA.
        let attempts: Vec<(Method, String, Option<Value>, u16)> = vec![
            (Method::GET, format!("/v1/orders/{beta_order}"), None, 404),
            (Method::POST, format!("/v1/orders/{beta_order}/cancel"), Some(json!({})), 404),
            (Method::POST, format!("/v1/orders/{beta_order}/approve"), Some(json!({})), 404),
            (Method::GET, "/v1/companies/BETA/orders".into(), None, 403),
            (Method::GET, "/v1/companies/BETA/invoices".into(), None, 403),
            (Method::GET, "/v1/companies/BETA/purchase-history".into(), None, 403),
            (Method::GET, "/v1/companies/BETA/order-templates".into(), None, 403),
            (Method::GET, "/v1/companies/BETA/users".into(), None, 403),
            (Method::PUT, format!("/v1/companies/BETA/order-templates/{beta_template}"), Some(json!({"name": "mine"})), 403),
            (Method::PUT, "/v1/companies/BETA/approval-rules".into(), Some(json!({"rules": []})), 403),
            (Method::POST, "/v1/companies/BETA/users".into(), Some(json!({"user_id": "spy", "name": "Spy", "role": "admin"})), 403),
        ];
        for (method, path, body, expected) in attempts {
            let reply = app.as_user(method.clone(), &path, "jana", None, body.as_ref()).await;
            assert_eq!(reply.status.as_u16(), expected, "{method} {path}: {}", reply.text);
        }
        let mut as_beta = order_body(json!([{"sku": "DRILL-18V", "quantity": 1}]));
        as_beta["company_id"] = json!("BETA");
        let refused = app.as_user(Method::POST, "/v1/orders", "jana", Some("jana-for-beta"), Some(&as_beta)).await.expect(403);
        assert_eq!(refused.body["type"], "/problems/foreign-user");
        // Nothing of BETA changed.
        let still = app.as_user(Method::GET, &format!("/v1/orders/{beta_order}"), "karel", None, None).await.expect(200).body;
        assert_eq!(still["status"], order["status"]);
        let users = app.as_user(Method::GET, "/v1/companies/BETA/users", "karel", None, None).await.expect(200).body;
        assert_eq!(users["items"].as_array().unwrap().len(), 1);
        app.stop().await;
    }
}

both_stores! {
    async fn an_eshop_key_sees_only_its_channel(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let cz = app.as_user(Method::POST, "/v1/orders", "jana", Some("cz-1"), Some(&order_body(json!([{"sku": "DRILL-18V", "quantity": 1}])))).await.expect(201).body;
        let cz_order = cz["order_id"].as_str().unwrap().to_string();
        let line_key = key(&app, &[Scope::Eshop(Some("b2b-line".into()))]).await;
        let as_line = |method: Method, path: String, body: Option<Value>, idem: Option<&'static str>| {
            let app = &app;
            let line_key = line_key.clone();
            async move {
                let mut headers = vec![("x-acting-user", "jana")];
                if let Some(k) = idem {
                    headers.push(("idempotency-key", k));
                }
                app.request_with_key(&line_key, method, &path, body.as_ref(), &headers).await
            }
        };
        let refused = as_line(Method::POST, "/v1/orders".into(), Some(order_body(json!([{"sku": "DRILL-18V", "quantity": 1}]))), Some("line-1")).await;
        assert_eq!(refused.status.as_u16(), 403, "{}", refused.text);
        assert_eq!(refused.body["type"], "/problems/foreign-channel");
        assert_eq!(as_line(Method::GET, format!("/v1/orders/{cz_order}"), None, None).await.status.as_u16(), 404);
        assert_eq!(as_line(Method::POST, format!("/v1/orders/{cz_order}/cancel"), Some(json!({})), None).await.status.as_u16(), 404);
        let quote = json!({"company_id": "ACME", "channel": "b2b-cz", "currency": "CZK", "lines": [{"sku": "DRILL-18V", "quantity": 1}]});
        assert_eq!(as_line(Method::POST, "/v1/prices/quote".into(), Some(quote), None).await.status.as_u16(), 403);

        let mut own = order_body(json!([{"sku": "DRILL-18V", "quantity": 2}]));
        own["channel"] = json!("b2b-line");
        let placed = as_line(Method::POST, "/v1/orders".into(), Some(own), Some("line-2")).await;
        assert_eq!(placed.status.as_u16(), 201, "{}", placed.text);
        crate::support::catalog::wait_for_read_models(&app).await;
        let list = as_line(Method::GET, "/v1/companies/ACME/orders".into(), None, None).await.body;
        let channels: Vec<&str> = list["items"].as_array().unwrap().iter().map(|o| o["channel"].as_str().unwrap()).collect();
        assert_eq!(channels, vec!["b2b-line"]);
        // b2b-line is served by PRG only: BRQ's stock is not shown to this key.
        let stock = as_line(Method::GET, "/v1/availability?skus=DRILL-18V".into(), None, None).await.body;
        let warehouses: Vec<&str> = stock["items"][0]["warehouses"].as_array().unwrap().iter().map(|w| w["warehouse"].as_str().unwrap()).collect();
        assert_eq!(warehouses, vec!["PRG"]);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_over_its_rate_limit_is_told_when_to_come_back() {
    crate::support::init();
    let store = crate::support::store::TestStore::new(app::db::Backend::Sqlite)
        .await
        .expect("store");
    let mut config = api::server::ServerConfig::new(store.url.clone());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.rate_limit = (2, 5);
    let app = TestApp::start_with(config).await;
    let mut limited = None;
    for _ in 0..20 {
        let reply = app.get("/v1/ops/projections").await;
        if reply.status.as_u16() == 429 {
            limited = Some(reply);
            break;
        }
    }
    let reply = limited.expect("a 429 within 20 quick requests");
    assert_eq!(reply.body["type"], "/problems/rate-limited");
    let retry: u64 = reply
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(retry >= 1);
    // Another key is not affected.
    let other = key(&app, &[Scope::Ops]).await;
    assert_eq!(
        app.request_with_key(&other, Method::GET, "/v1/ops/projections", None, &[])
            .await
            .status
            .as_u16(),
        200
    );
    app.stop().await;
}

both_stores! {
    async fn prices_are_quoted_only_to_users_of_the_company(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let body = |company: &str| json!({"company_id": company, "channel": "b2b-cz", "currency": "CZK", "lines": [{"sku": "DRILL-18V", "quantity": 60}]});
        let quote = |user: Option<&'static str>, company: &'static str| {
            let app = &app;
            let body = body(company);
            async move {
                let headers: Vec<(&str, &str)> = user.map(|u| ("x-acting-user", u)).into_iter().collect();
                app.request(Method::POST, "/v1/prices/quote", Some(&body), &headers).await
            }
        };
        let sheet = |user: Option<&'static str>, company: &'static str| {
            let app = &app;
            async move {
                let headers: Vec<(&str, &str)> = user.map(|u| ("x-acting-user", u)).into_iter().collect();
                app.request(Method::GET, &format!("/v1/companies/{company}/prices?channel=b2b-cz"), None, &headers).await
            }
        };
        // ACME's own buyer sees ACME's contract price.
        let own = quote(Some("jana"), "ACME").await.expect(200).body;
        assert_eq!(own["lines"][0]["unit_price"], "80.00", "{own}");
        let own_sheet = sheet(Some("jana"), "ACME").await.expect(200).body;
        assert!(own_sheet["items"].as_array().unwrap().iter().any(|i| i["explanation"]["kind"] == "contract"), "{own_sheet}");
        // BETA's buyer cannot read ACME's prices, nor can an unknown user; no user is a 400.
        for (user, company) in [(Some("karel"), "ACME"), (Some("nobody"), "ACME"), (Some("jana"), "BETA")] {
            for (what, reply) in [("quote", quote(user, company).await), ("price sheet", sheet(user, company).await)] {
                assert_eq!(reply.status.as_u16(), 403, "{what} of {company} as {user:?}: {}", reply.text);
                assert_eq!(reply.header("content-type"), Some("application/problem+json"));
                assert_eq!(reply.body["type"], "/problems/foreign-user", "{}", reply.text);
                assert!(reply.text.find("80.00").is_none(), "{what} leaked a price: {}", reply.text);
            }
        }
        for (what, reply) in [("quote", quote(None, "ACME").await), ("price sheet", sheet(None, "ACME").await)] {
            assert_eq!(reply.status.as_u16(), 400, "{what} without X-Acting-User: {}", reply.text);
            assert_eq!(reply.body["type"], "/problems/acting-user-required");
        }
        // A deactivated user is refused too.
        app.post("/v1/companies/ACME/users/tomas/deactivate", &json!({})).await.expect(200);
        let reply = quote(Some("tomas"), "ACME").await;
        assert_eq!(reply.status.as_u16(), 403, "{}", reply.text);
        assert_eq!(reply.body["type"], "/problems/inactive-user");
        // An unknown company stays the body's field error.
        let unknown = quote(Some("jana"), "NOBODY").await.expect(422);
        assert_eq!(unknown.body["errors"][0]["field"], "company_id");
        app.stop().await;
    }
}

/// An invoice from the ERP for one order of ACME.
fn invoice(number: &str, order_id: &str, sku: &str) -> Value {
    json!({
        "message_id": format!("inv-{number}"), "number": number, "kind": "invoice", "company_id": "ACME", "currency": "CZK",
        "order_ids": [order_id],
        "lines": [{"sku": sku, "quantity": "1", "unit_price": "100.00", "vat_rate": "21", "net": "100.00"}],
        "vat": [{"rate": "21", "base": "100.00", "vat": "21.00"}],
        "total_net": "100.00", "total_vat": "21.00", "total_gross": "121.00",
        "issued_on": "2026-12-05", "due_on": "2026-12-19", "payments": [],
    })
}

fn names(list: &Value, field: &str) -> Vec<String> {
    let mut names: Vec<String> = list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|i| i[field].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names
}

both_stores! {
    async fn an_eshop_key_sees_only_its_channels_invoices_purchases_and_templates(store: &TestStore) {
        let erp = crate::support::fake_erp::FakeErp::start(Default::default()).await;
        let app = TestApp::start_with_erp(store, &erp.url, &erp.secret).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let cz = key(&app, &[Scope::Eshop(Some("b2b-cz".into()))]).await;
        let line = key(&app, &[Scope::Eshop(Some("b2b-line".into()))]).await;
        let call = |token: &str, method: Method, path: String, body: Option<Value>, idem: Option<&'static str>| {
            let app = &app;
            let token = token.to_string();
            async move {
                let mut headers = vec![("x-acting-user", "jana")];
                headers.extend(idem.map(|k| ("idempotency-key", k)));
                app.request_with_key(&token, method, &path, body.as_ref(), &headers).await
            }
        };
        // One order through each channel, each accepted by the ERP and invoiced.
        let mut order = order_body(json!([{"sku": "BOOK-1", "quantity": 1}]));
        let cz_order = call(&cz, Method::POST, "/v1/orders".into(), Some(order.clone()), Some("cz-order")).await.expect(201).body["order_id"].as_str().unwrap().to_string();
        order["channel"] = json!("b2b-line");
        order["lines"] = json!([{"sku": "DRILL-18V", "quantity": 1}]);
        let line_order = call(&line, Method::POST, "/v1/orders".into(), Some(order), Some("line-order")).await.expect(201).body["order_id"].as_str().unwrap().to_string();
        for id in [&cz_order, &line_order] {
            crate::support::eventually(&format!("order {id} accepted by the ERP"), std::time::Duration::from_secs(30), || async {
                let o = app.as_user(Method::GET, &format!("/v1/orders/{id}"), "jana", None, None).await.body;
                (o["status"] == "accepted_by_erp").then_some(())
            }).await;
        }
        app.post("/v1/erp/invoices", &invoice("FV-CZ", &cz_order, "BOOK-1")).await.expect(200);
        app.post("/v1/erp/invoices", &invoice("FV-LINE", &line_order, "DRILL-18V")).await.expect(200);
        // Templates: one from each channel's order, one bound to no channel.
        for (token, name, from) in [(&cz, "from cz", &cz_order), (&line, "from line", &line_order)] {
            call(token, Method::POST, "/v1/companies/ACME/order-templates".into(), Some(json!({"name": name, "from_order_id": from})), None).await.expect(201);
        }
        let plain = call(&cz, Method::POST, "/v1/companies/ACME/order-templates".into(), Some(json!({"name": "plain", "lines": [{"sku": "BOOK-1", "quantity": 1}]})), None).await.expect(201).body;
        let plain_id = plain["template_id"].as_str().unwrap().to_string();
        crate::support::catalog::wait_for_read_models(&app).await;

        for (who, token, invoices, skus, templates) in [
            ("b2b-cz key", cz.as_str(), vec!["FV-CZ"], vec!["BOOK-1"], vec!["from cz", "plain"]),
            ("b2b-line key", line.as_str(), vec!["FV-LINE"], vec!["DRILL-18V"], vec!["from line", "plain"]),
            ("eshop:* key", app.key.as_str(), vec!["FV-CZ", "FV-LINE"], vec!["BOOK-1", "DRILL-18V"], vec!["from cz", "from line", "plain"]),
        ] {
            let got = call(token, Method::GET, "/v1/companies/ACME/invoices".into(), None, None).await.expect(200).body;
            assert_eq!(names(&got, "number"), invoices, "{who}: invoices {got}");
            let got = call(token, Method::GET, "/v1/companies/ACME/purchase-history".into(), None, None).await.expect(200).body;
            assert_eq!(names(&got, "sku"), skus, "{who}: purchase history {got}");
            let got = call(token, Method::GET, "/v1/companies/ACME/order-templates".into(), None, None).await.expect(200).body;
            assert_eq!(names(&got, "name"), templates, "{who}: templates {got}");
        }
        // A page of one invoice is still full for a key that sees only some.
        let page = call(&cz, Method::GET, "/v1/companies/ACME/invoices?limit=1".into(), None, None).await.expect(200).body;
        assert_eq!(names(&page, "number"), vec!["FV-CZ"], "{page}");

        // The other channel's template and order are not there for the b2b-cz key, nor can it
        // make a template of that order or bind a template to that channel.
        let templates = app.as_user(Method::GET, "/v1/companies/ACME/order-templates", "jana", None, None).await.body;
        let line_template = templates["items"].as_array().unwrap().iter().find(|t| t["name"] == "from line").unwrap()["template_id"].as_str().unwrap().to_string();
        let renamed = call(&cz, Method::PUT, format!("/v1/companies/ACME/order-templates/{line_template}"), Some(json!({"name": "mine"})), None).await;
        assert_eq!(renamed.status.as_u16(), 404, "{}", renamed.text);
        let deleted = call(&cz, Method::DELETE, format!("/v1/companies/ACME/order-templates/{line_template}"), None, None).await;
        assert_eq!(deleted.status.as_u16(), 404, "{}", deleted.text);
        let copied = call(&cz, Method::POST, "/v1/companies/ACME/order-templates".into(), Some(json!({"name": "copy", "from_order_id": line_order})), None).await;
        assert_eq!(copied.status.as_u16(), 422, "{}", copied.text);
        let reordered = call(&cz, Method::POST, format!("/v1/orders/{line_order}/reorder"), Some(json!({"channel": "b2b-cz"})), Some("cz-reorder")).await;
        assert_eq!(reordered.status.as_u16(), 404, "{}", reordered.text);
        let today = chrono::Utc::now().date_naive();
        let bound = call(&cz, Method::PUT, format!("/v1/companies/ACME/order-templates/{plain_id}/schedule"), Some(json!({
            "every": 1, "unit": "weeks", "starts_on": today, "channel": "b2b-line", "currency": "CZK", "delivery_address_id": "HQ",
        })), None).await;
        assert_eq!(bound.status.as_u16(), 403, "{}", bound.text);
        assert_eq!(bound.body["type"], "/problems/foreign-channel");
        let still = app.as_user(Method::GET, "/v1/companies/ACME/order-templates", "jana", None, None).await.body;
        assert_eq!(names(&still, "name"), vec!["from cz", "from line", "plain"], "{still}");
        app.stop().await;
    }
}

/// Every operation of an OpenAPI document: (method, path template, operation).
fn operations(doc: &Value) -> Vec<(Method, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (name, operation) in item.as_object().expect("a path item") {
            let method = match name.as_str() {
                "get" => Method::GET,
                "put" => Method::PUT,
                "post" => Method::POST,
                "delete" => Method::DELETE,
                "patch" => Method::PATCH,
                _ => continue,
            };
            all.push((method, path.clone(), operation.clone()));
        }
    }
    all
}

/// A path template with a made-up value for each parameter.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => inside = true,
            '}' => {
                inside = false;
                out.push_str("X1");
            }
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}

both_stores! {
    async fn every_documented_operation_refuses_keys_without_its_scope_and_requests_without_a_key(store: &TestStore) {
        let app = TestApp::start(store).await;
        let doc = app.request_with_key("", Method::GET, "/openapi.json", None, &[]).await.expect(200).body;
        let bearer = &doc["components"]["securitySchemes"]["bearer"];
        assert_eq!((bearer["type"].as_str(), bearer["scheme"].as_str()), (Some("http"), Some("bearer")), "{bearer}");
        let keys = [
            ("eshop", key(&app, &[Scope::Eshop(Some("b2b-cz".into()))]).await),
            ("erp", key(&app, &[Scope::Erp]).await),
            ("ops", key(&app, &[Scope::Ops]).await),
            ("auditor", key(&app, &[Scope::Auditor]).await),
        ];
        let operations = operations(&doc);
        assert!(operations.len() >= 45, "only {} operations documented", operations.len());
        let mut scoped = 0;
        for (method, template, operation) in &operations {
            let path = concrete(template);
            let body = matches!(*method, Method::POST | Method::PUT).then(|| json!({}));
            let what = format!("{method} {template}");
            let security = operation["security"].as_array().unwrap_or_else(|| panic!("{what} declares no security"));
            let anonymous = app.request_with_key("", method.clone(), &path, body.as_ref(), &[]).await;
            let Some(required) = security.first().and_then(|s| s["bearer"][0].as_str()) else {
                assert_eq!(security, &vec![json!({})], "{what}: public, or bearer with its scope");
                assert!(!matches!(anonymous.status.as_u16(), 401 | 403), "{what} without a key: {}", anonymous.text);
                continue;
            };
            scoped += 1;
            for status in ["401", "403", "429"] {
                assert!(operation["responses"].get(status).is_some(), "{what} does not document {status}");
            }
            assert_eq!(anonymous.status.as_u16(), 401, "{what} without a key: {}", anonymous.text);
            assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"), "{what}");
            assert_eq!(anonymous.header("content-type"), Some("application/problem+json"), "{what}");
            assert!(keys.iter().any(|(scope, _)| *scope == required), "{what} needs an unknown scope {required}");
            for (scope, token) in &keys {
                let reply = app.request_with_key(token, method.clone(), &path, body.as_ref(), &[]).await;
                if *scope == required {
                    assert!(reply.status.as_u16() != 401 && reply.body["type"] != "/problems/insufficient-scope",
                        "{what} with its own {scope} key: {} {}", reply.status, reply.text);
                } else {
                    assert_eq!(reply.status.as_u16(), 403, "{what} with a {scope} key: {}", reply.text);
                    assert_eq!(reply.body["type"], "/problems/insufficient-scope", "{what} with a {scope} key");
                    assert_eq!(reply.header("content-type"), Some("application/problem+json"), "{what}");
                }
            }
        }
        assert!(scoped >= 40, "only {scoped} operations need a key");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_router_and_the_openapi_document_have_the_same_operations() {
    crate::support::init();
    let store = crate::support::store::TestStore::new(app::db::Backend::Sqlite)
        .await
        .expect("store");
    let app = TestApp::start(&store).await;
    let doc = app.get("/openapi.json").await.expect(200).body;
    let documented: std::collections::BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m.to_string(), p))
        .collect();
    let routed: std::collections::BTreeSet<(String, String)> = api::server::route_table()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let missing: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(
        missing.is_empty(),
        "documented operations with no route: {missing:?}"
    );
    // The table is what the server answers: no listed route falls through to the fallback or
    // lacks its method.
    for (method, template) in &routed {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = matches!(method, Method::POST | Method::PUT).then(|| json!({}));
        let reply = app
            .request(method.clone(), &concrete(template), body.as_ref(), &[])
            .await;
        let detail = reply.body["detail"].as_str().unwrap_or_default();
        assert!(
            reply.status.as_u16() != 405 && !detail.starts_with("no route for"),
            "{method} {template} is listed but not served: {} {}",
            reply.status,
            reply.text
        );
    }
    app.stop().await;
}

/// The value of the request counter for one method, route and status in `/metrics`.
fn requests_counted(metrics: &str, method: &str, route: &str, status: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| l.starts_with("ordercore_http_requests_total{"))
        .filter(|l| {
            l.contains(&format!("method=\"{method}\""))
                && l.contains(&format!("route=\"{route}\""))
                && l.contains(&format!("status=\"{status}\""))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|v| v as u64)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_by_authentication_are_counted_and_logged_with_their_key() {
    crate::support::init();
    let store = crate::support::store::TestStore::new(app::db::Backend::Sqlite)
        .await
        .expect("store");
    let mut config = api::server::ServerConfig::new(store.url.clone());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.rate_limit = (1, 2);
    let app = TestApp::start_with(config).await;
    // DELETE on a GET route: no other test sends it, so these counts are this test's own.
    let (method, path) = (Method::DELETE, "/v1/ops/quarantine");
    let forged = app
        .request_with_key("oc_000000000000_deadbeef", method.clone(), path, None, &[])
        .await;
    assert_eq!(forged.status.as_u16(), 401, "{}", forged.text);
    let revoked = key(&app, &[Scope::Ops]).await;
    let revoked_id = revoked.split('_').nth(1).unwrap().to_string();
    assert!(app::auth::revoke(app.db(), &revoked_id).await.unwrap());
    assert_eq!(
        app.request_with_key(&revoked, method.clone(), path, None, &[])
            .await
            .status
            .as_u16(),
        401
    );
    let limited = key(&app, &[Scope::Ops]).await;
    let limited_id = limited.split('_').nth(1).unwrap().to_string();
    let mut got_429 = false;
    for _ in 0..20 {
        if app
            .request_with_key(&limited, method.clone(), path, None, &[])
            .await
            .status
            .as_u16()
            == 429
        {
            got_429 = true;
            break;
        }
    }
    assert!(got_429, "a 429 within 20 quick requests");

    let metrics = app
        .request_with_key("", Method::GET, "/metrics", None, &[])
        .await
        .expect(200)
        .text;
    assert!(
        requests_counted(&metrics, "DELETE", path, "401") >= 2,
        "401s not counted:\n{metrics}"
    );
    assert!(
        requests_counted(&metrics, "DELETE", path, "429") >= 1,
        "429s not counted:\n{metrics}"
    );

    let db = app.db().clone();
    let filter = app::access_log::AccessFilter {
        path_prefix: Some(path.into()),
        ..Default::default()
    };
    let entries = crate::support::eventually(
        "the refusals in the access log",
        std::time::Duration::from_secs(10),
        || async {
            let records =
                app::access_log::list(&db, &filter, app::event_log::Checkpoint::START, 100)
                    .await
                    .ok()?;
            let seen: Vec<(i64, Option<String>)> = records
                .into_iter()
                .map(|r| (r.entry.status, r.entry.key_id))
                .collect();
            seen.iter().any(|(s, _)| *s == 429).then_some(seen)
        },
    )
    .await;
    assert!(
        entries.contains(&(401, None)),
        "the forged key's 401 names no key: {entries:?}"
    );
    assert!(
        entries.contains(&(401, Some(revoked_id.clone()))),
        "the revoked key's 401 names it: {entries:?}"
    );
    assert!(
        entries.contains(&(429, Some(limited_id.clone()))),
        "the 429 names the key: {entries:?}"
    );
    app.stop().await;
}

both_stores! {
    async fn a_body_over_its_limit_is_413_problem_json_and_writes_nothing(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        // Events, ERP messages answered and quarantined: a refused body adds to none of them.
        let written = || async {
            let mut counts = Vec::new();
            for table in ["events", "erp_inbox", "erp_quarantine"] {
                let sql = format!("SELECT count(*) FROM {table}");
                counts.push(sqlx::query_scalar::<_, i64>(&sql).fetch_one(app.db().pool()).await.unwrap());
            }
            counts
        };
        let before = written().await;
        let send = |path: &'static str, body: Vec<u8>| {
            let app = &app;
            async move {
                let reply = app.client.put(format!("{}{path}", app.base))
                    .header("content-type", "application/json")
                    .body(body)
                    .send().await.unwrap();
                let status = reply.status().as_u16();
                let content_type = reply.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string);
                let body: Value = serde_json::from_str(&reply.text().await.unwrap()).unwrap_or(Value::Null);
                (status, content_type, body)
            }
        };
        // A whole price list of valid JSON, just over the import's own limit.
        let entry = r#"{"sku": "DRILL-18V", "unit_price": "1.00", "tiers": []},"#;
        let mut big = String::from(r#"{"message_id": "big-1", "kind": "base", "currency": "CZK", "entries": ["#);
        while big.len() <= api::server::PRICE_LIST_BODY_LIMIT {
            big.push_str(entry);
        }
        big.push_str(r#"{"sku": "BOOK-1", "unit_price": "1.00", "tiers": []}]}"#);
        let (status, content_type, body) = send("/v1/erp/price-lists/BIG-CZK", big.into_bytes()).await;
        assert_eq!(status, 413, "{body}");
        assert_eq!(content_type.as_deref(), Some("application/problem+json"));
        assert_eq!(body["type"], "/problems/payload-too-large", "{body}");
        // Other ERP messages keep the general limit of 1 MiB.
        let product = format!(r#"{{"message_id": "big-2", "name": "{}", "unit": "pcs", "vat_class": "standard", "active": true}}"#, "x".repeat(api::server::BODY_LIMIT));
        let (status, content_type, _) = send("/v1/erp/products/BIG-1", product.into_bytes()).await;
        assert_eq!((status, content_type.as_deref()), (413, Some("application/problem+json")));
        crate::support::catalog::wait_for_read_models(&app).await;
        assert_eq!(written().await, before, "a refused body wrote something");
        // The same import under the limit is read and answered on its merits.
        let fits = r#"{"message_id": "big-3", "kind": "base", "currency": "CZK", "entries": [{"sku": "NOPE-1", "unit_price": "1.00", "tiers": []}]}"#;
        let (status, _, body) = send("/v1/erp/price-lists/BIG-CZK", fits.as_bytes().to_vec()).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["errors"][0]["field"], "entries[0].sku", "{body}");
        app.stop().await;
    }
}
