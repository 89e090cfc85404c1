//! The restore drill: a store with real read models is exported, imported into a fresh store of
//! the other kind, its read models rebuilt there, and the checksums, the chain and the head seal
//! compared. And the refusals: a non-empty target, a file whose chain is broken.

use std::time::Duration;

use app::db::{Backend, Db};
use app::event_log;
use app::subscription::checksum::checksums;
use app::subscription::load_checkpoint;
use app::transfer::{export, import, import_with};

use super::{event_count, seal_count};
use crate::support::app::TestApp;
use crate::support::catalog::load_spec_example;
use crate::support::eventually;
use crate::support::raw;
use crate::support::store::TestStore;

/// Waits until every committed event is sealed and every subscriber (read models, the sealer
/// and the process managers, whose reactions are events too) stands at the head.
async fn caught_up(db: &Db) {
    let names: Vec<&str> = api::server::subscribers(db)
        .iter()
        .map(|s| s.name())
        .collect();
    assert!(
        names.contains(&app::audit::SEALER_NAME) && names.contains(&"order_reservations"),
        "{names:?}"
    );
    eventually(
        "read models and sealer to catch up",
        Duration::from_secs(60),
        || async {
            // Every committed event sealed means every one is visible to readers (on Postgres a
            // transaction open elsewhere can hide new events for a moment); then the head is final.
            if seal_count(db).await != event_count(db).await {
                return None;
            }
            let head = event_log::head(db).await.ok()?;
            for name in &names {
                if load_checkpoint(db, name).await.ok()? != head {
                    return None;
                }
            }
            Some(())
        },
    )
    .await;
}

async fn drill(from: Backend, to: Backend) {
    crate::support::init();
    let (Some(source), Some(target), Some(spare)) = (
        TestStore::new(from).await,
        TestStore::new(to).await,
        TestStore::new(to).await,
    ) else {
        return;
    };
    let erp = crate::support::fake_erp::FakeErp::start(Default::default()).await;
    let app = TestApp::start_with_erp(&source, &erp.url, &erp.secret).await;
    load_spec_example(&app).await;
    orders_and_an_invoice(&app).await;
    let db = app.db().clone();
    caught_up(&db).await;
    let digests = checksums(&db, &projections::all())
        .await
        .expect("source checksums");
    let empty: Vec<&str> = digests
        .iter()
        .filter(|d| d.rows == 0)
        .map(|d| d.name.as_str())
        .collect();
    assert!(
        digests.iter().filter(|d| d.rows > 0).count() >= 7,
        "read models with rows: {digests:?}"
    );
    for busy in ["orders", "invoices"] {
        assert!(
            digests.iter().any(|d| d.name.contains(busy) && d.rows > 0),
            "no {busy} rows to compare; empty read models: {empty:?}"
        );
    }
    let before = app::audit::verify(&db).await.expect("verify the source");
    assert!(
        before.ok && before.sealed == before.events,
        "{}",
        before.summary()
    );
    let mut file = Vec::new();
    let exported = export(&db, &mut file, &|_, _| {}).await.expect("export");
    if exported.events != before.events as u64 {
        let tail: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT position, aggregate_type, event_type FROM events WHERE position > $1 ORDER BY position",
        )
        .bind(before.events)
        .fetch_all(db.pool())
        .await
        .unwrap_or_default();
        panic!("events were written after the source was checked: {tail:?}");
    }
    assert_eq!(
        (exported.events, exported.sealed),
        (before.events as u64, before.sealed as u64)
    );
    app.stop().await;

    // As `ordercore events import` does: the reactors' effects happened at the source, so they
    // start after the imported events (from zero they would reserve, release and send again).
    let target_db = target.db().await;
    let reactors = api::server::reactor_names(&target_db);
    let imported = import_with(&target_db, &mut file.as_slice(), &|_, _| {}, &reactors)
        .await
        .expect("import");
    assert_eq!(imported.events, exported.events);
    assert_eq!(imported.head, before.head);
    let again = import(&target_db, &mut file.as_slice(), &|_, _| {})
        .await
        .expect_err("a second import");
    assert!(format!("{again:#}").contains("not empty"), "{again:#}");
    assert_eq!(event_count(&target_db).await, before.events);
    target_db.close().await;

    // The target's runners build the read models from the imported log.
    let app = TestApp::start(&target).await;
    let db = app.db().clone();
    caught_up(&db).await;
    assert_eq!(
        checksums(&db, &projections::all())
            .await
            .expect("target checksums"),
        digests
    );
    let after = app::audit::verify(&db).await.expect("verify the target");
    assert!(after.ok, "{}", after.summary());
    assert_eq!(after.head, before.head);
    // New events on the target continue the chain.
    app.put("/v1/erp/products/NEW-1", &serde_json::json!({
        "message_id": "after-import", "name": "New", "unit": "pcs", "vat_class": "standard", "active": true,
    })).await.expect(200);
    caught_up(&db).await;
    let continued = app::audit::verify(&db)
        .await
        .expect("verify the continued chain");
    assert!(
        continued.ok && continued.sealed == before.sealed + 1,
        "{}",
        continued.summary()
    );
    app.stop().await;

    // One payload edited in the file: refused, nothing written.
    let mut lines: Vec<serde_json::Value> = file
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("a JSON line"))
        .collect();
    let intact = lines.clone();
    lines[5]["payload"] = serde_json::json!({"Edited": {"by": "someone"}});
    let broken: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let spare_db = spare.db().await;
    let err = import(&spare_db, &mut broken.as_bytes(), &|_, _| {})
        .await
        .expect_err("a broken chain");
    let message = format!("{err:#}");
    assert!(
        message.contains("line 6") && message.contains("broken seal chain"),
        "{message}"
    );
    assert_eq!(
        (event_count(&spare_db).await, seal_count(&spare_db).await),
        (0, 0)
    );
    // A truncated file too.
    let truncated: String = intact[..intact.len() - 1]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    let err = import(&spare_db, &mut truncated.as_bytes(), &|_, _| {})
        .await
        .expect_err("a truncated file");
    assert!(format!("{err:#}").contains("announces"), "{err:#}");
    assert_eq!(event_count(&spare_db).await, 0);
}

/// Orders in several states and an invoice, so the order read models have rows to compare.
async fn orders_and_an_invoice(app: &TestApp) {
    use reqwest::Method;
    use serde_json::json;
    crate::support::catalog::add_users(app).await;
    let mut ids = Vec::new();
    for (i, quantity) in [2, 3, 4].iter().enumerate() {
        let body =
            crate::support::catalog::order_body(json!([{"sku": "BOOK-1", "quantity": quantity}]));
        let order = app
            .as_user(
                Method::POST,
                "/v1/orders",
                "jana",
                Some(&format!("drill-{i}")),
                Some(&body),
            )
            .await
            .expect(201)
            .body;
        ids.push(order["order_id"].as_str().unwrap().to_string());
    }
    app.as_user(
        Method::POST,
        &format!("/v1/orders/{}/cancel", ids[1]),
        "jana",
        None,
        Some(&json!({"comment": "drill"})),
    )
    .await
    .expect(200);
    // Every order settles with the fake ERP (accepted, or its cancellation confirmed) before
    // the log is exported, so no dispatch is still writing events meanwhile.
    for (id, settled) in [
        (&ids[0], "accepted_by_erp"),
        (&ids[1], "cancelled"),
        (&ids[2], "accepted_by_erp"),
    ] {
        until(app, id, settled).await;
    }
    let invoiced = &ids[0];
    app.post(
        &format!("/v1/erp/orders/{invoiced}/status"),
        &json!({
            "message_id": "drill-ship", "status": "shipped", "shipment_id": "SH-DRILL",
            "lines": [{"sku": "BOOK-1", "warehouse": "PRG", "quantity": "2"}],
        }),
    )
    .await
    .expect(200);
    app.post("/v1/erp/invoices", &json!({
        "message_id": "drill-inv", "number": "FV-DRILL", "kind": "invoice", "company_id": "ACME", "currency": "CZK",
        "order_ids": [ids[0]],
        "lines": [{"sku": "BOOK-1", "quantity": "2", "unit_price": "85.00", "vat_rate": "12", "net": "170.00"}],
        "vat": [{"rate": "12", "base": "170.00", "vat": "20.40"}],
        "total_net": "170.00", "total_vat": "20.40", "total_gross": "190.40",
        "issued_on": "2026-12-05", "due_on": "2026-12-19", "payments": [],
    })).await.expect(200);
    until(app, invoiced, "completed").await;
}

async fn until(app: &TestApp, id: &str, status: &str) {
    eventually(
        &format!("order {id} to be {status}"),
        Duration::from_secs(30),
        || async {
            let order = app
                .as_user(
                    reqwest::Method::GET,
                    &format!("/v1/orders/{id}"),
                    "jana",
                    None,
                    None,
                )
                .await
                .expect(200)
                .body;
            let history: Vec<String> = order["status_history"]
                .as_array()?
                .iter()
                .filter_map(|h| h["event"].as_str().map(str::to_string))
                .collect();
            // A cancellation is settled once the ERP confirmed it (or it never reached the ERP).
            let pending = history.last().is_some_and(|e| e == "CancellationRequested");
            (order["status"] == status && !pending).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn drill_from_sqlite_to_postgres_keeps_read_models_and_seals() {
    drill(Backend::Sqlite, Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn drill_from_postgres_to_sqlite_keeps_read_models_and_seals() {
    drill(Backend::Postgres, Backend::Sqlite).await;
}

/// On Postgres the log is in commit order, `(tx_id, position)`, which need not be position
/// order; a target orders the imported events by position. The chain must survive the move.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_chain_in_commit_order_survives_an_import_that_orders_by_position() {
    crate::support::init();
    let (Some(source), Some(target)) = (
        TestStore::new(Backend::Postgres).await,
        TestStore::new(Backend::Sqlite).await,
    ) else {
        return;
    };
    let db = source.db().await;
    let event = |id: &str, sequence: i64| raw::RawEvent {
        aggregate_type: "drill".into(),
        aggregate_id: id.into(),
        sequence,
        event_type: "Ticked".into(),
        event_version: "1".into(),
        payload: serde_json::json!({"Ticked": {"n": sequence}}),
        metadata: serde_json::json!({"actor": "test"}),
    };
    // The slow transaction takes position 1, the fast one 2 and commits, then the slow one 3.
    let slow_db = db.clone();
    let slow = tokio::spawn(async move {
        raw::append_in_tx(
            &slow_db,
            &[event("slow", 1), event("slow", 2)],
            Duration::from_millis(400),
            false,
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    raw::append_in_tx(&db, &[event("fast", 1)], Duration::ZERO, false)
        .await
        .expect("fast writer");
    slow.await.expect("join").expect("slow writer");
    // A transaction open elsewhere in the cluster can hide the events for a moment (xmin).
    let log: Vec<i64> = eventually("the three events", Duration::from_secs(20), || async {
        let events = event_log::read_after(&db, event_log::Checkpoint::START, 10)
            .await
            .ok()?;
        (events.len() == 3).then(|| events.iter().map(|e| e.checkpoint.position).collect())
    })
    .await;
    assert_eq!(log, [1, 3, 2], "commit order differs from position order");
    super::seal_everything(&db).await;
    assert!(app::audit::verify(&db).await.expect("verify").ok);
    // One event not yet sealed when the export runs: the import seals it.
    raw::append_in_tx(&db, &[event("tail", 1)], Duration::ZERO, false)
        .await
        .expect("append");
    eventually(
        "the tail to be visible",
        Duration::from_secs(20),
        || async {
            let events = event_log::read_after(&db, event_log::Checkpoint::START, 10)
                .await
                .ok()?;
            (events.len() == 4).then_some(())
        },
    )
    .await;

    let mut file = Vec::new();
    let exported = export(&db, &mut file, &|_, _| {}).await.expect("export");
    assert_eq!((exported.events, exported.sealed), (4, 3));
    // As `ordercore events import` does: the reactors' effects happened at the source, so they
    // start after the imported events (from zero they would reserve, release and send again).
    let target_db = target.db().await;
    let reactors = api::server::reactor_names(&target_db);
    let imported = import_with(&target_db, &mut file.as_slice(), &|_, _| {}, &reactors)
        .await
        .expect("import");
    assert_eq!((imported.events, imported.sealed_in_file), (4, 3));
    let report = app::audit::verify(&target_db)
        .await
        .expect("verify the target");
    assert!(report.ok && report.sealed == 4, "{}", report.summary());
    raw::append_in_tx(&target_db, &[event("later", 1)], Duration::ZERO, false)
        .await
        .expect("append");
    super::seal_everything(&target_db).await;
    let report = app::audit::verify(&target_db)
        .await
        .expect("verify the continued chain");
    assert!(report.ok && report.sealed == 5, "{}", report.summary());
    // Exporting the imported store again gives the same chain.
    let mut again = Vec::new();
    export(&target_db, &mut again, &|_, _| {})
        .await
        .expect("export the target");
    let chain = |file: &[u8]| -> Vec<(i64, String)> {
        file.split(|b| *b == b'\n')
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice::<app::transfer::EventLine>(l).expect("a line"))
            .map(|l| (l.position, l.seal_hash.unwrap_or_default()))
            .collect()
    };
    let (before, after) = (chain(&file), chain(&again));
    assert_eq!(after[..3], before[..3]);
    assert_eq!(
        (before[3].0, before[3].1.as_str()),
        (4, ""),
        "the tail was not sealed"
    );
}
