//! Faults on demand: 503s, a down window, dropped connections, latency and the admin endpoint.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::{eventually, fast_config, post, simple_order, start_sim, FakeOrdercore};
use crate::erp_sim::Faults;

#[tokio::test]
async fn error_rate_one_answers_503_and_books_nothing() {
    let ordercore = FakeOrdercore::start(0).await;
    let sim = start_sim(fast_config(ordercore.url())).await;
    sim.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    })
    .unwrap();

    for i in 0..5 {
        let (status, _) = post(
            &sim,
            "/orders",
            &format!("o-{i}:submit"),
            &simple_order(&format!("o-{i}"), "DRILL"),
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "request {i}");
    }

    assert_eq!(sim.stats().orders.len(), 0);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn down_for_secs_answers_503_until_the_window_ends() {
    let ordercore = FakeOrdercore::start(0).await;
    let sim = start_sim(fast_config(ordercore.url())).await;
    let client = reqwest::Client::new();
    let body = simple_order("o-1", "DRILL");

    let set: Value = client
        .put(format!("{}/admin/faults", sim.url()))
        .json(&json!({ "down_for_secs": 1 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let while_down = post(&sim, "/orders", "o-1:submit", &body).await;
    let health = client
        .get(format!("{}/healthz", sim.url()))
        .send()
        .await
        .unwrap();
    let recovered = eventually("the ERP back up", || async {
        let answer = post(&sim, "/orders", "o-1:submit", &body).await;
        (answer.0 == StatusCode::OK).then_some(answer)
    })
    .await;

    assert_eq!(set["down_for_secs"], 1);
    assert_eq!(while_down.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(recovered.1, json!({ "erp_order_no": "ERP-000001" }));
    assert_eq!(sim.faults().down_for_secs, 0);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn a_dropped_connection_is_a_client_error_yet_the_order_is_booked() {
    let ordercore = FakeOrdercore::start(0).await;
    let mut config = fast_config(ordercore.url());
    config.faults.drop_rate = 1.0;
    let sim = start_sim(config).await;

    let result = reqwest::Client::new()
        .post(format!("{}/orders", sim.url()))
        .header("Idempotency-Key", "o-1:submit")
        .json(&simple_order("o-1", "DRILL"))
        .send()
        .await;

    let error = result.expect_err("no answer should arrive");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    assert_eq!(sim.stats().orders_accepted, 1);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn latency_slows_the_answers_down() {
    let ordercore = FakeOrdercore::start(0).await;
    let mut config = fast_config(ordercore.url());
    config.faults.latency_ms = 150;
    let sim = start_sim(config).await;

    let started = Instant::now();
    let (status, _) = post(&sim, "/orders", "o-1:submit", &simple_order("o-1", "DRILL")).await;

    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(150));
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn an_answer_delay_holds_the_answer_after_the_order_is_booked() {
    let ordercore = FakeOrdercore::start(0).await;
    let mut config = fast_config(ordercore.url());
    config.faults.answer_delay_ms = 400;
    let sim = start_sim(config).await;

    let body = simple_order("o-1", "DRILL");
    let started = Instant::now();
    let (answered, booked) = {
        let call = async {
            let answer = post(&sim, "/orders", "o-1:submit", &body).await;
            (answer, started.elapsed())
        };
        // While the answer is held, the ERP already has the order.
        let booked = eventually("the order in the books", || async {
            (sim.stats().orders_accepted == 1).then_some(started.elapsed())
        });
        tokio::join!(call, booked)
    };
    let ((status, _), answered_after) = answered;
    let repeat_started = Instant::now();
    let (repeat, _) = post(&sim, "/orders", "o-1:submit", &body).await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        answered_after >= Duration::from_millis(400),
        "{answered_after:?}"
    );
    assert!(
        booked < Duration::from_millis(400),
        "booked after {booked:?}"
    );
    assert_eq!(repeat, StatusCode::OK);
    assert!(
        repeat_started.elapsed() < Duration::from_millis(400),
        "a repeat is answered at once"
    );
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn put_faults_changes_the_given_fields_and_refuses_bad_ones() {
    let ordercore = FakeOrdercore::start(0).await;
    let mut config = fast_config(ordercore.url());
    config.faults.refuse_skus = vec!["LASER".into()];
    let sim = start_sim(config).await;
    let client = reqwest::Client::new();
    let url = format!("{}/admin/faults", sim.url());

    let changed = client
        .put(&url)
        .json(&json!({ "error_rate": 0.25, "shuffle_inbound": true }))
        .send()
        .await
        .unwrap();
    let bad_rate = client
        .put(&url)
        .json(&json!({ "drop_rate": 2 }))
        .send()
        .await
        .unwrap();
    let unknown = client
        .put(&url)
        .json(&json!({ "eror_rate": 0.1 }))
        .send()
        .await
        .unwrap();
    let now: Value = client.get(&url).send().await.unwrap().json().await.unwrap();

    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(bad_rate.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert_eq!(now["error_rate"], 0.25);
    assert_eq!(now["shuffle_inbound"], true);
    assert_eq!(now["drop_rate"], 0.0);
    assert_eq!(now["refuse_skus"], json!(["LASER"]));
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn answer_status_forces_the_answer_with_retry_after_and_every_request_is_recorded() {
    let ordercore = FakeOrdercore::start(0).await;
    let sim = start_sim(fast_config(ordercore.url())).await;
    let client = reqwest::Client::new();
    let url = format!("{}/admin/faults", sim.url());
    let send = || {
        client
            .post(format!("{}/orders", sim.url()))
            .header("Idempotency-Key", "o-1:submit")
            .json(&simple_order("o-1", "DRILL"))
            .send()
    };

    client
        .put(&url)
        .json(&json!({ "answer_status": 429, "retry_after_secs": 7 }))
        .send()
        .await
        .unwrap();
    let seconds = send().await.unwrap();
    client
        .put(&url)
        .json(&json!({ "answer_status": 401, "retry_after_as_date": true }))
        .send()
        .await
        .unwrap();
    let date = send().await.unwrap();
    let bad = client
        .put(&url)
        .json(&json!({ "answer_status": 200 }))
        .send()
        .await
        .unwrap();
    client
        .put(&url)
        .json(&json!({ "answer_status": 0 }))
        .send()
        .await
        .unwrap();
    let through = send().await.unwrap();

    assert_eq!(seconds.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(seconds.headers()["retry-after"], "7");
    assert_eq!(date.status(), StatusCode::UNAUTHORIZED);
    let at = httpdate::parse_http_date(date.headers()["retry-after"].to_str().unwrap()).unwrap();
    let ahead = at.duration_since(std::time::SystemTime::now()).unwrap();
    assert!(
        ahead > Duration::from_secs(5) && ahead <= Duration::from_secs(7),
        "{ahead:?}"
    );
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(through.status(), StatusCode::OK);
    let stats = sim.stats();
    assert_eq!(stats.orders.len(), 1, "only the last request was booked");
    let statuses: Vec<u16> = stats.requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 401, 200]);
    assert!(stats
        .requests
        .iter()
        .all(|r| r.key == "o-1:submit" && r.path == "/orders"));
    assert!(stats.requests.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    sim.stop().await.unwrap();
}
