//! The conformance suite of the event stores: the same behaviour on Postgres (postgres-es) and
//! SQLite (ours).

use std::time::Duration;

use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{AggregateError, EventStore};
use serde_json::json;

use app::aggregate_store::{AggregateStore, Loading};
use app::event_log::{self, Checkpoint, StoreRepository};
use app::metadata::{Actor, CommandMetadata};

use crate::both_stores;
use crate::support::account::{Account, AccountCommand, DepositedV1ToV2, TYPE};
use crate::support::raw::{self, RawEvent};

/// The global log once `n` events are visible to a reader (on Postgres a transaction open
/// elsewhere in the cluster can hold the reader back for a moment).
async fn visible(db: &app::db::Db, n: usize) -> Vec<event_log::RecordedEvent> {
    crate::support::eventually(
        "the events to be visible",
        Duration::from_secs(10),
        || async {
            let events = event_log::read_after(db, Checkpoint::START, 1000)
                .await
                .unwrap();
            (events.len() >= n).then_some(events)
        },
    )
    .await
}

fn meta() -> CommandMetadata {
    CommandMetadata::new(Actor("user:ACME/jana".into())).with_channel("b2b-cz")
}

both_stores! {
    async fn load_and_append_round_trip(store: &TestStore) {
        let db = store.db().await;
        let accounts = AggregateStore::<Account>::new(&db, Loading::Events, ());
        accounts.execute("a-1", AccountCommand::Open, &meta()).await.unwrap();
        let committed = accounts.execute("a-1", AccountCommand::Deposit(40), &meta()).await.unwrap();
        assert_eq!(committed.version, 2);
        assert_eq!(committed.state.balance, 40);

        let (state, version) = accounts.load("a-1").await.unwrap();
        assert_eq!(version, 2);
        assert_eq!(state.balance, 40);
        assert!(state.opened);
        let (empty, version) = accounts.load("nobody").await.unwrap();
        assert_eq!(version, 0);
        assert_eq!(empty, Account::default());
    }
}

both_stores! {
    async fn a_refused_command_writes_nothing(store: &TestStore) {
        let db = store.db().await;
        let accounts = AggregateStore::<Account>::new(&db, Loading::Events, ());
        accounts.execute("a-1", AccountCommand::Open, &meta()).await.unwrap();
        let err = accounts.execute("a-1", AccountCommand::Fail, &meta()).await.err().unwrap();
        assert!(matches!(err, AggregateError::UserError(_)), "{err}");
        assert_eq!(accounts.events("a-1").await.unwrap().len(), 1);
    }
}

both_stores! {
    async fn a_command_expecting_a_version_the_aggregate_has_left_writes_nothing(store: &TestStore) {
        let db = store.db().await;
        let accounts = AggregateStore::<Account>::new(&db, Loading::Events, ());
        accounts.execute("a-1", AccountCommand::Open, &meta()).await.unwrap();
        let (_, seen) = accounts.load("a-1").await.unwrap();
        // Someone else's change lands after the caller read version `seen` (If-Match).
        accounts.execute("a-1", AccountCommand::Deposit(5), &meta()).await.unwrap();
        let stale = accounts.execute_expecting("a-1", AccountCommand::Deposit(40), &meta(), Some(seen)).await.err().unwrap();
        assert!(matches!(stale, AggregateError::AggregateConflict), "{stale}");
        assert_eq!(accounts.load("a-1").await.unwrap().0.balance, 5);
        let (_, now) = accounts.load("a-1").await.unwrap();
        let ok = accounts.execute_expecting("a-1", AccountCommand::Deposit(40), &meta(), Some(now)).await.unwrap();
        assert_eq!((ok.version, ok.state.balance), (now + 1, 45));
    }
}

both_stores! {
    async fn a_concurrent_append_to_the_same_aggregate_fails_as_a_conflict(store: &TestStore) {
        let db = store.db().await;
        let accounts = AggregateStore::<Account>::new(&db, Loading::Events, ());
        accounts.execute("a-1", AccountCommand::Open, &meta()).await.unwrap();

        // Two writers load the same version; the second commit must lose.
        let es = PersistedEventStore::<StoreRepository, Account>::new_event_store(StoreRepository::new(&db));
        let first = es.load_aggregate("a-1").await.unwrap();
        let second = es.load_aggregate("a-1").await.unwrap();
        let deposit = || vec![crate::support::account::AccountEvent::Deposited { amount: 1, currency: "EUR".into() }];
        es.commit(deposit(), first, meta().to_map()).await.unwrap();
        let lost = es.commit(deposit(), second, meta().to_map()).await.err().unwrap();
        assert!(matches!(lost, AggregateError::AggregateConflict), "{lost}");
        assert_eq!(accounts.load("a-1").await.unwrap().0.balance, 1);
    }
}

both_stores! {
    async fn concurrent_commands_with_retry_all_land_exactly_once(store: &TestStore) {
        let db = store.db().await;
        let accounts = std::sync::Arc::new(AggregateStore::<Account>::new(&db, Loading::Events, ()));
        accounts.execute("a-1", AccountCommand::Open, &meta()).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..16 {
            let accounts = accounts.clone();
            tasks.push(tokio::spawn(async move {
                accounts.execute_with_retry("a-1", || AccountCommand::Deposit(i), &meta()).await.map(|_| ())
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let (state, version) = accounts.load("a-1").await.unwrap();
        assert_eq!(state.deposits, 16);
        assert_eq!(state.balance, (0..16).sum::<i64>());
        assert_eq!(version, 17);
    }
}

both_stores! {
    async fn a_multi_event_commit_is_all_or_nothing(store: &TestStore) {
        let db = store.db().await;
        let accounts = AggregateStore::<Account>::new(&db, Loading::Events, ());
        accounts.execute("a-1", AccountCommand::Open, &meta()).await.unwrap();
        let es = PersistedEventStore::<StoreRepository, Account>::new_event_store(StoreRepository::new(&db));
        let context = es.load_aggregate("a-1").await.unwrap();
        // A competing writer takes sequence 3 meanwhile: the two-event commit (2, 3) must fail
        // on its second event and leave sequence 2 unwritten as well.
        raw::append_in_tx(&db, &[RawEvent {
            aggregate_type: TYPE.into(), aggregate_id: "a-1".into(), sequence: 3,
            event_type: "Deposited".into(), event_version: "2".into(),
            payload: json!({"Deposited": {"amount": 5, "currency": "EUR"}}), metadata: json!({}),
        }], Duration::ZERO, false).await.unwrap();
        let deposit = crate::support::account::AccountEvent::Deposited { amount: 10, currency: "EUR".into() };
        let err = es.commit(vec![deposit.clone(), deposit], context, meta().to_map()).await.err().unwrap();
        assert!(matches!(err, AggregateError::AggregateConflict), "{err}");
        let events = accounts.events("a-1").await.unwrap();
        let sequences: Vec<usize> = events.iter().map(|e| e.sequence).collect();
        assert_eq!(sequences, vec![1, 3], "sequence 2 must not have been written");
    }
}

both_stores! {
    async fn snapshots_give_the_same_state_as_replaying_events(store: &TestStore) {
        let db = store.db().await;
        let snapshotted = AggregateStore::<Account>::new(&db, Loading::Snapshots(2), ());
        snapshotted.execute("a-1", AccountCommand::Open, &meta()).await.unwrap();
        for amount in 1..=6 {
            snapshotted.execute("a-1", AccountCommand::Deposit(amount), &meta()).await.unwrap();
        }
        snapshotted.execute("a-1", AccountCommand::DepositTwice(100), &meta()).await.unwrap();
        let replayed = AggregateStore::<Account>::new(&db, Loading::Events, ());
        let (from_events, v1) = replayed.load("a-1").await.unwrap();
        let (from_snapshot, v2) = snapshotted.load("a-1").await.unwrap();
        assert_eq!(from_events.balance, 21 + 200);
        assert_eq!(from_snapshot, from_events);
        assert_eq!(v1, v2);
        let snapshots: i64 = sqlx::query_scalar("SELECT count(*) FROM snapshots WHERE aggregate_id = 'a-1'")
            .fetch_one(db.pool()).await.unwrap();
        assert!(snapshots >= 1, "a snapshot row was written");
    }
}

both_stores! {
    async fn an_old_event_version_is_upcast_on_load(store: &TestStore) {
        let db = store.db().await;
        raw::append_in_tx(&db, &[
            RawEvent { aggregate_type: TYPE.into(), aggregate_id: "old".into(), sequence: 1,
                event_type: "Opened".into(), event_version: "1".into(),
                payload: json!("Opened"), metadata: json!({}) },
            RawEvent { aggregate_type: TYPE.into(), aggregate_id: "old".into(), sequence: 2,
                event_type: "Deposited".into(), event_version: "1".into(),
                payload: json!({"Deposited": {"amount": 7}}), metadata: json!({}) },
        ], Duration::ZERO, false).await.unwrap();
        let with = AggregateStore::<Account>::with_upcasters(&db, Loading::Events, (), vec![Box::new(DepositedV1ToV2)]);
        let (state, _) = with.load("old").await.unwrap();
        assert_eq!(state.balance, 7);
        assert_eq!(state.currency, "CZK");
        // Without the upcaster the old shape does not decode: the upcaster is what makes it work.
        let without = AggregateStore::<Account>::new(&db, Loading::Events, ());
        assert!(without.load("old").await.is_err());
        // New commands append after the upcast history.
        with.execute("old", AccountCommand::Deposit(3), &meta()).await.unwrap();
        assert_eq!(with.load("old").await.unwrap().0.balance, 10);
    }
}

both_stores! {
    async fn metadata_round_trips_through_both_reads(store: &TestStore) {
        let db = store.db().await;
        let accounts = AggregateStore::<Account>::new(&db, Loading::Events, ());
        let mut m = meta();
        m.request_id = Some("req-42".into());
        m.correlation_id = "corr-7".into();
        m.causation_id = "cause-9".into();
        accounts.execute("a-1", AccountCommand::Open, &m).await.unwrap();
        let envelope = &accounts.events("a-1").await.unwrap()[0];
        assert_eq!(envelope.metadata, m.to_map());
        let recorded = visible(&db, 1).await;
        let e = &recorded[0];
        for (key, value) in m.to_map() {
            assert_eq!(e.meta(&key), value, "metadata {key}");
        }
        assert_eq!(e.aggregate_type, TYPE);
        assert_eq!(e.event_type, "Opened");
        assert!((chrono::Utc::now() - e.recorded_at).num_seconds().abs() < 60);
    }
}

both_stores! {
    async fn the_global_log_returns_every_event_once_in_commit_order(store: &TestStore) {
        let db = store.db().await;
        let accounts = AggregateStore::<Account>::new(&db, Loading::Events, ());
        let mut expected = Vec::new();
        for round in 0..5 {
            for id in ["a", "b", "c"] {
                let command = if round == 0 { AccountCommand::Open } else { AccountCommand::Deposit(round) };
                accounts.execute(id, command, &meta()).await.unwrap();
                expected.push((id.to_string(), round + 1));
            }
        }
        visible(&db, 15).await;
        // Read in pages of 4: order and exactly-once across page boundaries.
        let mut seen = Vec::new();
        let mut checkpoint = Checkpoint::START;
        loop {
            let page = event_log::read_after(&db, checkpoint, 4).await.unwrap();
            let Some(last) = page.last() else { break };
            for pair in page.windows(2) {
                assert!(pair[0].checkpoint < pair[1].checkpoint);
            }
            assert!(page[0].checkpoint > checkpoint);
            checkpoint = last.checkpoint;
            seen.extend(page.into_iter().map(|e| (e.aggregate_id, e.sequence)));
        }
        assert_eq!(seen, expected);
        assert_eq!(event_log::head(&db).await.unwrap(), checkpoint);
        let (backlog, _) = event_log::backlog(&db, Checkpoint::START).await.unwrap();
        assert_eq!(backlog, 15);
    }
}

both_stores! {
    async fn stored_events_cannot_be_updated_or_deleted(store: &TestStore) {
        let db = store.db().await;
        let accounts = AggregateStore::<Account>::new(&db, Loading::Events, ());
        accounts.execute("a-1", AccountCommand::Open, &meta()).await.unwrap();
        let update = raw::execute(&db, "UPDATE events SET event_type = 'Forged'").await;
        assert!(update.is_err(), "UPDATE must be refused");
        let delete = raw::execute(&db, "DELETE FROM events").await;
        assert!(delete.is_err(), "DELETE must be refused");
        assert_eq!(accounts.events("a-1").await.unwrap().len(), 1);
    }
}

/// Transaction ids cross a power of ten in every long-lived database (9,999 → 10,000, 99,999 →
/// 100,000, ...). The global log must keep numeric order across such a crossing: read in text
/// order, `100003` sorts before `99996`, a batch's last event is not its newest and subscribers
/// apply events twice or skip them. The rows carry chosen transaction ids (all below any live
/// one, so the xmin guard lets them through) whose text order differs from their numeric order.
#[tokio::test]
async fn postgres_global_order_is_numeric_across_a_power_of_ten_in_transaction_ids() {
    let Some(store) = crate::support::store::TestStore::new(app::db::Backend::Postgres).await
    else {
        return;
    };
    let db = store.db().await;
    let pool = db.pg().expect("postgres pool");
    // Written in this order, so positions 1..=4 go to transactions 100, 10, 9, 99.
    for (i, tx_id) in [100i64, 10, 9, 99].into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                                 payload, metadata, tx_id)
             VALUES ('account', $1, 1, 'Opened', '1', '\"Opened\"', '{}', $2::text::xid8)",
        )
        .bind(format!("x-{i}"))
        .bind(tx_id.to_string())
        .execute(pool)
        .await
        .unwrap();
    }
    let expected: Vec<i64> = vec![9, 10, 99, 100];
    // One event per page: each page must be the next transaction in numeric order.
    let mut seen = Vec::new();
    let mut checkpoint = Checkpoint::START;
    loop {
        let page = event_log::read_after(&db, checkpoint, 1).await.unwrap();
        let Some(last) = page.last() else { break };
        checkpoint = last.checkpoint;
        seen.push(checkpoint.tx_id);
    }
    assert_eq!(
        seen, expected,
        "read_after pages in numeric transaction order"
    );
    assert_eq!(event_log::head(&db).await.unwrap().tx_id, 100);
    // The auditors' search pages the same way.
    let mut seen = Vec::new();
    let mut after = Checkpoint::START;
    loop {
        let filter = app::audit::query::EventFilter::default();
        let page = app::audit::query::events(&db, &filter, after, 1)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.checkpoint;
        seen.push(after.tx_id);
    }
    assert_eq!(
        seen, expected,
        "the audit search pages in numeric transaction order"
    );
}
