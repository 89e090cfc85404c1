//! The e-shop's order list: filters by status, buyer and time, newest first, cursor pages that
//! neither repeat nor skip an order, and a clear 422 for a filter that cannot match anything.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_stores;
use crate::support::app::TestApp;
use crate::support::catalog::{add_users, load_spec_example, order_body, wait_for_read_models};

async fn list(app: &TestApp, query: &str) -> Value {
    app.as_user(
        Method::GET,
        &format!("/v1/companies/ACME/orders{query}"),
        "eva",
        None,
        None,
    )
    .await
    .expect(200)
    .body
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_id"].as_str().unwrap().to_string())
        .collect()
}

both_stores! {
    async fn the_order_list_filters_pages_and_refuses_filters_it_cannot_read(store: &TestStore) {
        let app = TestApp::start(store).await;
        load_spec_example(&app).await;
        add_users(&app).await;
        let mut placed = Vec::new();
        for (i, buyer) in ["jana", "tomas", "jana", "jana"].iter().enumerate() {
            let order = app.as_user(Method::POST, "/v1/orders", buyer, Some(&format!("list-{i}")),
                Some(&order_body(json!([{"sku": "BOOK-1", "quantity": 1}])))).await.expect(201).body;
            placed.push(order["order_id"].as_str().unwrap().to_string());
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let cancelled = &placed[2];
        app.as_user(Method::POST, &format!("/v1/orders/{cancelled}/cancel"), "jana", None, Some(&json!({"comment": "no"}))).await.expect(200);
        wait_for_read_models(&app).await;

        let all = list(&app, "").await;
        let newest_first: Vec<String> = placed.iter().rev().cloned().collect();
        assert_eq!(ids(&all), newest_first);

        // Cursor pages of one: every order once, in the same order, then no next page.
        let mut seen = Vec::new();
        let mut page_query = "?limit=1".to_string();
        loop {
            let page = list(&app, &page_query).await;
            seen.extend(ids(&page));
            match page["next"].as_str() {
                Some(next) => page_query = query(&[("limit", "1"), ("after", next)]),
                None => break,
            }
            assert!(seen.len() <= placed.len(), "paging does not end: {seen:?}");
        }
        assert_eq!(seen, newest_first);

        let janas = list(&app, "?buyer=jana").await;
        assert_eq!(ids(&janas).len(), 3);
        assert!(janas["items"].as_array().unwrap().iter().all(|o| o["buyer"] == "jana"));
        assert_eq!(ids(&list(&app, "?status=cancelled").await), vec![cancelled.to_string()]);
        assert_eq!(ids(&list(&app, "?status=cancelled&buyer=tomas").await), Vec::<String>::new());

        // Time windows: from is inclusive, to exclusive, on the placed_at the list shows.
        let times: Vec<String> = all["items"].as_array().unwrap().iter().map(|o| o["placed_at"].as_str().unwrap().to_string()).collect();
        let second_oldest = &times[2];
        let since = list(&app, &query(&[("from", second_oldest)])).await;
        assert_eq!(ids(&since), newest_first[..3].to_vec());
        let before = list(&app, &query(&[("to", second_oldest)])).await;
        assert_eq!(ids(&before), newest_first[3..].to_vec());

        for (query, field) in [("?status=shipping", "status"), ("?buyer=jana%2Fx", "buyer"), ("?from=yesterday", "from"), ("?after=nonsense", "after"), ("?limit=0", "limit")] {
            let reply = app.as_user(Method::GET, &format!("/v1/companies/ACME/orders{query}"), "eva", None, None).await.expect(422);
            assert_eq!(reply.body["errors"][0]["field"], field, "{query}: {}", reply.text);
        }
        app.stop().await;
    }
}

/// `?name=value&…` with every value percent-encoded (a cursor or an RFC 3339 time holds `+`, `:`
/// and `|`), by the URL library reqwest already brings.
fn query(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://query.invalid/").expect("a base URL");
    url.query_pairs_mut().extend_pairs(pairs);
    format!("?{}", url.query().unwrap_or_default())
}
