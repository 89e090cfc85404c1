//! Tamper evidence on both stores: the sealer chains every event; an attacker with database
//! rights changes, deletes, swaps or inserts events, or alters a seal, and `verify` names the
//! first position where the stored events no longer match.

mod drill;
mod order;
mod tools;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use app::aggregate_store::{AggregateStore, Loading};
use app::audit::{Mismatch, Sealer, VerifyReport};
use app::db::{Backend, Db};
use app::event_log::{self, Checkpoint, RecordedEvent};
use app::metadata::{Actor, CommandMetadata};
use app::subscription::{self, RunnerConfig, Subscriber};

use crate::both_stores;
use crate::support::account::{Account, AccountCommand};
use crate::support::eventually;
use crate::support::raw;

/// Seals stored.
pub async fn seal_count(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_seals")
        .fetch_one(db.pool())
        .await
        .expect("count seals")
}

/// Events stored.
pub async fn event_count(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(db.pool())
        .await
        .expect("count events")
}

/// Runs the sealer until every event is sealed, then stops it.
async fn seal_everything(db: &Db) {
    let (stop, stop_rx) = watch::channel(false);
    let config = RunnerConfig {
        batch_size: 4,
        poll_interval: Duration::from_millis(50),
        ..RunnerConfig::default()
    };
    let runner = subscription::spawn(
        db.clone(),
        Subscriber::Projection(Arc::new(Sealer::new())),
        config,
        stop_rx,
    );
    let events = event_count(db).await;
    eventually(
        "every event to be sealed",
        Duration::from_secs(20),
        || async { (seal_count(db).await == events).then_some(()) },
    )
    .await;
    let _ = stop.send(true);
    let _ = runner.task.await;
}

/// Eleven events in eight transactions (one of them commits two), all sealed and verified.
async fn sealed_log(db: &Db) -> Vec<RecordedEvent> {
    let accounts = AggregateStore::<Account>::new(db, Loading::Events, ());
    let meta = CommandMetadata::new(Actor("user:ACME/jana".into())).with_channel("b2b-cz");
    for id in ["a-1", "a-2"] {
        accounts
            .execute(id, AccountCommand::Open, &meta)
            .await
            .expect("open");
    }
    for amount in [10, 20, 30] {
        accounts
            .execute("a-1", AccountCommand::Deposit(amount), &meta)
            .await
            .expect("deposit");
    }
    accounts
        .execute("a-2", AccountCommand::DepositTwice(7), &meta)
        .await
        .expect("deposit twice");
    for amount in [40, 50, 60, 70] {
        accounts
            .execute("a-1", AccountCommand::Deposit(amount), &meta)
            .await
            .expect("deposit");
    }
    seal_everything(db).await;
    let report = app::audit::verify(db).await.expect("verify");
    assert!(report.ok, "{}", report.summary());
    assert_eq!(
        (report.sealed, report.verified, report.events),
        (11, 11, 11)
    );
    let events = event_log::read_after(db, Checkpoint::START, 100)
        .await
        .expect("read the log");
    let head = report.head.expect("a head seal");
    assert_eq!(
        (head.seal_no, head.position),
        (11, events[10].checkpoint.position)
    );
    events
}

/// Plays an attacker with database rights: the immutability triggers go first.
async fn disable_triggers(db: &Db) {
    let statements: &[&str] = match db.backend() {
        Backend::Postgres => &[
            "ALTER TABLE events DISABLE TRIGGER USER",
            "ALTER TABLE audit_seals DISABLE TRIGGER USER",
        ],
        Backend::Sqlite => &[
            "DROP TRIGGER events_no_update",
            "DROP TRIGGER events_no_delete",
            "DROP TRIGGER audit_seals_no_update",
            "DROP TRIGGER audit_seals_no_delete",
        ],
    };
    for sql in statements {
        raw::execute(db, sql).await.expect(sql);
    }
}

/// A JSON literal for the store's payload and metadata columns.
fn json(db: &Db, text: &str) -> String {
    match db.backend() {
        Backend::Postgres => format!("'{text}'::jsonb"),
        Backend::Sqlite => format!("'{text}'"),
    }
}

async fn tampered(db: &Db) -> (VerifyReport, Mismatch) {
    let report = app::audit::verify(db).await.expect("verify");
    assert!(!report.ok, "tampering went unnoticed: {}", report.summary());
    let mismatch = report.first_mismatch.clone().expect("a mismatch");
    (report, mismatch)
}

both_stores! {
    async fn an_intact_log_verifies_and_events_after_the_last_seal_are_not_yet_sealed(store: &TestStore) {
        let db = store.db().await;
        sealed_log(&db).await;
        let accounts = AggregateStore::<Account>::new(&db, Loading::Events, ());
        let meta = CommandMetadata::new(Actor::system("test"));
        accounts.execute("a-3", AccountCommand::Open, &meta).await.expect("open");
        let report = app::audit::verify(&db).await.expect("verify");
        assert!(report.ok, "{}", report.summary());
        assert_eq!((report.sealed, report.events), (11, 12));
        assert!(report.summary().contains("1 not yet sealed"), "{}", report.summary());
        // The sealer picks up where it stopped and the chain still holds.
        seal_everything(&db).await;
        let report = app::audit::verify(&db).await.expect("verify");
        assert!(report.ok && report.sealed == 12, "{}", report.summary());
        assert!(subscription::rebuild(&db, &Sealer::new(), 100, &|_| {}).await.is_err(),
            "re-sealing the log must fail, not fork the chain");
        assert!(app::audit::verify(&db).await.expect("verify").ok);
    }
}

both_stores! {
    async fn a_changed_payload_is_caught_at_its_position(store: &TestStore) {
        let db = store.db().await;
        let events = sealed_log(&db).await;
        disable_triggers(&db).await;
        let target = events[5].checkpoint.position;
        raw::execute(&db, &format!("UPDATE events SET payload = {} WHERE position = {target}",
            json(&db, r#"{"Deposited":{"amount":30000,"currency":"EUR"}}"#))).await.expect("tamper");
        let (report, mismatch) = tampered(&db).await;
        assert_eq!((mismatch.seal_no, mismatch.position), (6, target), "{}", report.summary());
        assert!(mismatch.reason.contains("no longer matches"), "{}", mismatch.reason);
        assert_eq!(report.verified, 5);
    }
}

both_stores! {
    async fn changed_metadata_is_caught_at_its_position(store: &TestStore) {
        let db = store.db().await;
        let events = sealed_log(&db).await;
        disable_triggers(&db).await;
        let target = events[2].checkpoint.position;
        let mut metadata = events[2].metadata.clone();
        metadata["actor"] = "user:ACME/someone-else".into();
        raw::execute(&db, &format!("UPDATE events SET metadata = {} WHERE position = {target}",
            json(&db, &metadata.to_string()))).await.expect("tamper");
        let (report, mismatch) = tampered(&db).await;
        assert_eq!((mismatch.seal_no, mismatch.position), (3, target), "{}", report.summary());
    }
}

both_stores! {
    async fn a_deleted_event_is_caught_at_its_position(store: &TestStore) {
        let db = store.db().await;
        let events = sealed_log(&db).await;
        disable_triggers(&db).await;
        let target = events[7].checkpoint.position;
        raw::execute(&db, &format!("DELETE FROM events WHERE position = {target}")).await.expect("tamper");
        let (report, mismatch) = tampered(&db).await;
        assert_eq!((mismatch.seal_no, mismatch.position), (8, target), "{}", report.summary());
        assert!(mismatch.reason.contains("deleted"), "{}", mismatch.reason);
    }
}

both_stores! {
    async fn swapped_payloads_are_caught_at_the_first_of_the_pair(store: &TestStore) {
        let db = store.db().await;
        let events = sealed_log(&db).await;
        disable_triggers(&db).await;
        // Deposits of 20 and 30 on a-1: same shape, other amounts.
        let (first, second) = (&events[3], &events[4]);
        for (event, other) in [(first, second), (second, first)] {
            raw::execute(&db, &format!("UPDATE events SET payload = {} WHERE position = {}",
                json(&db, &other.payload.to_string()), event.checkpoint.position)).await.expect("tamper");
        }
        let (report, mismatch) = tampered(&db).await;
        assert_eq!((mismatch.seal_no, mismatch.position), (4, first.checkpoint.position), "{}", report.summary());
    }
}

both_stores! {
    async fn an_altered_seal_is_caught(store: &TestStore) {
        let db = store.db().await;
        let events = sealed_log(&db).await;
        disable_triggers(&db).await;
        raw::execute(&db, &format!("UPDATE audit_seals SET hash = '{}' WHERE seal_no = 9", "ab".repeat(32))).await.expect("tamper");
        let (report, mismatch) = tampered(&db).await;
        assert_eq!((mismatch.seal_no, mismatch.position), (9, events[8].checkpoint.position), "{}", report.summary());
        assert!(mismatch.reason.contains("seal 9 was altered"), "{}", mismatch.reason);

        raw::execute(&db, "DELETE FROM audit_seals WHERE seal_no = 2").await.expect("tamper");
        let (report, mismatch) = tampered(&db).await;
        assert_eq!((mismatch.seal_no, mismatch.position), (2, events[1].checkpoint.position), "{}", report.summary());
        assert!(mismatch.reason.contains("seal 2 is missing"), "{}", mismatch.reason);
    }
}
