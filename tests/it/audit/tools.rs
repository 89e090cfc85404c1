//! The auditors' and operators' tools: `GET /v1/audit/verify` on a server that runs the sealer,
//! and the command line: `audit verify` (exit code 0 or 2), `events export` and `import` across
//! two stores, `projections checksum`.

use std::process::Command;
use std::time::Duration;

use app::aggregate_store::{AggregateStore, Loading};
use app::db::Backend;
use app::metadata::{Actor, CommandMetadata};

use super::{disable_triggers, event_count, json, seal_count, sealed_log};
use crate::both_stores;
use crate::support::account::{Account, AccountCommand};
use crate::support::app::TestApp;
use crate::support::eventually;
use crate::support::raw;
use crate::support::store::TestStore;

both_stores! {
    async fn the_server_seals_and_its_verify_endpoint_reports_tampering_with_200(store: &TestStore) {
        let app = TestApp::start(store).await;
        let db = app.db().clone();
        let accounts = AggregateStore::<Account>::new(&db, Loading::Events, ());
        let meta = CommandMetadata::new(Actor::system("test"));
        for id in ["x-1", "x-2", "x-3"] {
            accounts.execute(id, AccountCommand::Open, &meta).await.expect("open");
        }
        eventually("the server's sealer to seal", Duration::from_secs(20), || async {
            (seal_count(&db).await == event_count(&db).await).then_some(())
        }).await;
        let reply = app.get("/v1/audit/verify").await.expect(200);
        assert_eq!((&reply.body["ok"], &reply.body["sealed"]), (&true.into(), &3.into()), "{}", reply.text);
        assert_eq!(reply.body["head"]["seal_no"], 3);
        let doc = app.get("/openapi.json").await.expect(200);
        assert!(doc.body["paths"]["/v1/audit/verify"]["get"].is_object(), "not in the OpenAPI document");

        disable_triggers(&db).await;
        raw::execute(&db, &format!("UPDATE events SET metadata = {} WHERE aggregate_id = 'x-2'",
            json(&db, r#"{"actor":"erp"}"#))).await.expect("tamper");
        let reply = app.get("/v1/audit/verify").await.expect(200);
        assert_eq!(reply.body["ok"], false, "{}", reply.text);
        assert_eq!(reply.body["first_mismatch"]["seal_no"], 2, "{}", reply.text);
        assert!(reply.body["summary"].as_str().unwrap_or("").starts_with("TAMPERED"), "{}", reply.text);
        app.stop().await;
    }
}

fn ordercore(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ordercore-it"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run the binary")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cli_exports_imports_verifies_and_exits_2_on_tampering() {
    crate::support::init();
    let (Some(source), Some(target)) = (
        TestStore::new(Backend::Sqlite).await,
        TestStore::new(Backend::Sqlite).await,
    ) else {
        return;
    };
    let db = source.db().await;
    let events = sealed_log(&db).await;
    let out = ordercore(&source.url, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("intact: 11 events, 11 sealed"),
        "{stdout}"
    );

    let file = std::env::temp_dir().join(format!(
        "ordercore-it-{}.jsonl",
        uuid::Uuid::new_v4().simple()
    ));
    let file_arg = file.to_str().expect("a UTF-8 path");
    let out = ordercore(&source.url, &["events", "export", "--output", file_arg]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = ordercore(&target.url, &["events", "import", "--input", file_arg]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("imported 11 events"));
    let _ = std::fs::remove_file(&file);
    let out = ordercore(&target.url, &["audit", "verify", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert_eq!(
        (out.status.code(), &report["ok"], &report["sealed"]),
        (Some(0), &true.into(), &11.into())
    );
    let out = ordercore(&target.url, &["projections", "checksum"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("stream_heads"));

    disable_triggers(&db).await;
    raw::execute(
        &db,
        &format!(
            "DELETE FROM events WHERE position = {}",
            events[4].checkpoint.position
        ),
    )
    .await
    .expect("tamper");
    let out = ordercore(&source.url, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with("TAMPERED at position 5 (seal 5)"),
        "{stdout}"
    );
}
