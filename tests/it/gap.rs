//! The gap test: concurrent writers with pauses inside their transactions, some rolled back,
//! while a subscriber follows the global log. It must see every committed event exactly once and
//! no rolled-back one.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use serde_json::json;
use tokio::sync::Mutex;

use app::db::Backend;
use app::event_log::{self, Checkpoint};

use crate::both_stores;
use crate::support::raw::{self, RawEvent};
use crate::support::store::TestStore;

const WRITERS: usize = 10;
const TRANSACTIONS_PER_WRITER: usize = 25;

fn event(writer: usize, sequence: i64) -> RawEvent {
    RawEvent {
        aggregate_type: "gap_test".into(),
        aggregate_id: format!("w{writer}"),
        sequence,
        event_type: "Happened".into(),
        event_version: "1".into(),
        payload: json!({"Happened": {"writer": writer, "sequence": sequence}}),
        metadata: json!({"actor": "test"}),
    }
}

both_stores! {
    async fn a_follower_sees_every_committed_event_exactly_once_and_no_rolled_back_one(store: &TestStore) {
        let db = store.db().await;
        let committed: Arc<Mutex<BTreeSet<(String, i64)>>> = Arc::default();
        let rolled_back: Arc<Mutex<HashSet<(String, i64)>>> = Arc::default();
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let db = db.clone();
            let committed = committed.clone();
            let rolled_back = rolled_back.clone();
            writers.push(tokio::spawn(async move {
                let mut next = 1i64;
                for _ in 0..TRANSACTIONS_PER_WRITER {
                    let (count, pause_ms, rollback) = {
                        let mut rng = rand::rng();
                        (rng.random_range(1..=3i64), rng.random_range(0..15u64), rng.random_bool(0.2))
                    };
                    let events: Vec<RawEvent> = (next..next + count).map(|s| event(w, s)).collect();
                    raw::append_in_tx(&db, &events, Duration::from_millis(pause_ms), rollback)
                        .await
                        .expect("writer transaction");
                    let keys = events.iter().map(|e| (e.aggregate_id.clone(), e.sequence));
                    if rollback {
                        rolled_back.lock().await.extend(keys);
                    } else {
                        committed.lock().await.extend(keys);
                        next += count;
                    }
                }
            }));
        }

        // The follower runs until the writers are done and it has seen as many events as were
        // committed (or a deadline passes), then keeps reading a little longer to catch any
        // duplicate or phantom.
        let (done_tx, mut done_rx) = tokio::sync::watch::channel(None::<usize>);
        let follower = {
            let db = db.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut checkpoint = Checkpoint::START;
                let deadline = std::time::Instant::now() + Duration::from_secs(60);
                let mut quiet_after_target = 0;
                loop {
                    let batch = event_log::read_after(&db, checkpoint, 7).await.expect("read");
                    if let Some(last) = batch.last() {
                        assert!(last.checkpoint > checkpoint);
                        checkpoint = last.checkpoint;
                        seen.extend(batch.into_iter().map(|e| (e.aggregate_id, e.sequence)));
                        continue;
                    }
                    let target = *done_rx.borrow_and_update();
                    if let Some(target) = target {
                        if seen.len() >= target {
                            quiet_after_target += 1;
                            if quiet_after_target >= 10 {
                                break;
                            }
                        }
                    }
                    if std::time::Instant::now() > deadline {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                seen
            })
        };
        for w in writers {
            w.await.expect("writer");
        }
        done_tx.send(Some(committed.lock().await.len())).expect("follower alive");
        let seen = follower.await.expect("follower");
        let committed = committed.lock().await.clone();
        let rolled_back = rolled_back.lock().await.clone();
        assert!(committed.len() >= WRITERS * TRANSACTIONS_PER_WRITER / 2, "enough events written");
        assert!(!rolled_back.is_empty(), "some transactions were rolled back");

        let unique: BTreeSet<_> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "an event was delivered twice");
        let missed: Vec<_> = committed.difference(&unique).collect();
        assert!(missed.is_empty(), "the follower missed committed events: {missed:?}");
        let phantoms: Vec<_> = unique.difference(&committed).collect();
        assert!(phantoms.is_empty(), "the follower saw events that were never committed: {phantoms:?}");
        // A rolled-back attempt and a later committed one can share (writer, sequence); what
        // matters is that what was seen is exactly what was committed.
        assert!(rolled_back.iter().all(|k| !unique.contains(k) || committed.contains(k)));
    }
}

/// Why the xmin guard exists, shown deterministically on Postgres: a transaction that got its
/// position first but commits last is skipped by a reader that orders by position alone, and is
/// seen by the guarded reader.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_xmin_guard_a_slow_transaction_is_skipped() {
    crate::support::init();
    let Some(store) = TestStore::new(Backend::Postgres).await else {
        return;
    };
    let db = store.db().await;
    let pool = db.pg().expect("postgres").clone();
    const INSERT: &str = "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, \
                          event_version, payload, metadata) VALUES ($1, $2, 1, 'E', '1', '{}', '{}')";

    let mut slow = pool.begin().await.unwrap();
    sqlx::query(INSERT)
        .bind("g")
        .bind("slow")
        .execute(&mut *slow)
        .await
        .unwrap();
    let mut fast = pool.begin().await.unwrap();
    sqlx::query(INSERT)
        .bind("g")
        .bind("fast")
        .execute(&mut *fast)
        .await
        .unwrap();
    fast.commit().await.unwrap();

    // An unguarded reader: by position, no xmin condition.
    let unguarded_after = |position: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT aggregate_id FROM events WHERE position > $1 ORDER BY position",
            )
            .bind(position)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(unguarded_after(0).await, vec!["fast".to_string()]);
    let fast_position: i64 =
        sqlx::query_scalar("SELECT position FROM events WHERE aggregate_id = 'fast'")
            .fetch_one(&pool)
            .await
            .unwrap();
    // The guarded reader sees nothing yet: the slow transaction could still commit before it.
    assert!(event_log::read_after(&db, Checkpoint::START, 10)
        .await
        .unwrap()
        .is_empty());

    slow.commit().await.unwrap();
    // The unguarded reader, having moved its checkpoint past `fast`, never sees `slow`.
    assert!(
        unguarded_after(fast_position).await.is_empty(),
        "the unguarded reader skipped 'slow'"
    );
    // The guarded reader sees both, slow first (its transaction id is lower).
    let guarded: Vec<String> = event_log::read_after(&db, Checkpoint::START, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.aggregate_id)
        .collect();
    assert_eq!(guarded, vec!["slow".to_string(), "fast".to_string()]);
}
