//! Subscribers: exactly-once read models across crashes, retries without skipping, leases,
//! reactors, and rebuilds that swap in beside the live read model.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use tokio::sync::{watch, Mutex};

use app::db::Db;
use app::event_log::{self, RecordedEvent};
use app::subscription::{self, Projection, Reactor, RunnerConfig, Subscriber, TableDef, Tables};

use crate::both_stores;
use crate::support::eventually;
use crate::support::raw::{self, RawEvent};

/// Counts events per aggregate: applying an event twice would show.
struct Counting {
    /// Fails this many times on events of aggregate "poison".
    poison_failures: AtomicU32,
}

impl Counting {
    fn new(poison_failures: u32) -> Self {
        Self {
            poison_failures: AtomicU32::new(poison_failures),
        }
    }
}

#[async_trait]
impl Projection for Counting {
    fn name(&self) -> &'static str {
        "test_counts"
    }

    fn tables(&self) -> Vec<TableDef> {
        vec![TableDef {
            name: "rm_test_counts",
            ddl: "CREATE TABLE {table} (aggregate_id TEXT PRIMARY KEY, events BIGINT NOT NULL)",
        }]
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        tables: &Tables,
        event: &RecordedEvent,
    ) -> anyhow::Result<()> {
        if event.aggregate_id == "poison"
            && self
                .poison_failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            anyhow::bail!("poison event refused on purpose");
        }
        let table = tables.get("rm_test_counts")?;
        sqlx::query(&format!(
            "INSERT INTO {table} (aggregate_id, events) VALUES ($1, 1) \
             ON CONFLICT (aggregate_id) DO UPDATE SET events = {table}.events + 1"
        ))
        .bind(&event.aggregate_id)
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// The same read model in a later version: a new column, the last sequence seen.
struct CountingV2;

#[async_trait]
impl Projection for CountingV2 {
    fn name(&self) -> &'static str {
        "test_counts"
    }

    fn version(&self) -> i64 {
        2
    }

    fn tables(&self) -> Vec<TableDef> {
        vec![TableDef {
            name: "rm_test_counts",
            ddl: "CREATE TABLE {table} (aggregate_id TEXT PRIMARY KEY, events BIGINT NOT NULL, \
                  last_sequence BIGINT NOT NULL)",
        }]
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        tables: &Tables,
        event: &RecordedEvent,
    ) -> anyhow::Result<()> {
        let table = tables.get("rm_test_counts")?;
        sqlx::query(&format!(
            "INSERT INTO {table} (aggregate_id, events, last_sequence) VALUES ($1, 1, $2) \
             ON CONFLICT (aggregate_id) DO UPDATE SET events = {table}.events + 1, \
             last_sequence = $2"
        ))
        .bind(&event.aggregate_id)
        .bind(event.sequence)
        .execute(conn)
        .await?;
        Ok(())
    }
}

async fn write_events(db: &Db, aggregate: &str, from: i64, count: i64) {
    let events: Vec<RawEvent> = (from..from + count)
        .map(|sequence| RawEvent {
            aggregate_type: "sub_test".into(),
            aggregate_id: aggregate.into(),
            sequence,
            event_type: "Ticked".into(),
            event_version: "1".into(),
            payload: json!({"Ticked": {}}),
            metadata: json!({"actor": "test"}),
        })
        .collect();
    raw::append_in_tx(db, &events, Duration::ZERO, false)
        .await
        .expect("append");
}

async fn counts(db: &Db, table: &str) -> BTreeMap<String, i64> {
    sqlx::query(&format!("SELECT aggregate_id, events FROM {table}"))
        .fetch_all(db.pool())
        .await
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r.get::<String, _>("aggregate_id"),
                        r.get::<i64, _>("events"),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn fast(holder: &str) -> RunnerConfig {
    RunnerConfig {
        batch_size: 50,
        poll_interval: Duration::from_millis(100),
        lease_ttl: Duration::from_millis(900),
        holder: holder.to_string(),
        max_backoff: Duration::from_millis(400),
    }
}

/// True when no event at all stands after the subscriber's checkpoint. (The head as a reader
/// sees it can lag on Postgres while a transaction is open elsewhere; the backlog counts every
/// stored event.)
async fn caught_up(db: &Db, name: &str) -> bool {
    let checkpoint = subscription::load_checkpoint(db, name)
        .await
        .expect("checkpoint");
    event_log::backlog(db, checkpoint).await.expect("backlog").0 == 0
}

both_stores! {
    async fn a_read_model_applies_each_event_exactly_once_across_crashes(store: &TestStore) {
        let db = store.db().await;
        let projection: Arc<dyn Projection> = Arc::new(Counting::new(0));
        let mut expected: BTreeMap<String, i64> = BTreeMap::new();
        let (_stop, stop_rx) = watch::channel(false);
        for round in 0..4 {
            for a in 0..5 {
                let id = format!("agg-{a}");
                let from = expected.get(&id).copied().unwrap_or(0) + 1;
                write_events(&db, &id, from, 40).await;
                *expected.entry(id).or_default() += 40;
            }
            // A runner that is killed (its task aborted) part-way through.
            let runner = subscription::spawn(db.clone(), Subscriber::Projection(projection.clone()),
                fast(&format!("crashing-{round}")), stop_rx.clone());
            tokio::time::sleep(Duration::from_millis(30 + round * 20)).await;
            runner.task.abort();
            let _ = runner.task.await;
        }
        let runner = subscription::spawn(db.clone(), Subscriber::Projection(projection.clone()),
            fast("survivor"), stop_rx.clone());
        eventually("the read model to catch up", Duration::from_secs(30), || async {
            caught_up(&db, "test_counts").await.then_some(())
        }).await;
        assert_eq!(counts(&db, "rm_test_counts").await, expected);
        runner.task.abort();
    }
}

both_stores! {
    async fn a_failing_handler_is_retried_and_never_skips_its_event(store: &TestStore) {
        let db = store.db().await;
        write_events(&db, "before", 1, 3).await;
        write_events(&db, "poison", 1, 1).await;
        write_events(&db, "after", 1, 3).await;
        let projection: Arc<dyn Projection> = Arc::new(Counting::new(4));
        let subscribers = vec![Subscriber::Projection(projection.clone())];
        let (_stop, stop_rx) = watch::channel(false);
        let runner = subscription::spawn(db.clone(), subscribers[0].clone(), fast("one"), stop_rx);

        let failing = eventually("the status to show the failure", Duration::from_secs(20), || async {
            let status = subscription::status_of(&db, &subscribers).await.unwrap().remove(0);
            (status.state == "failing").then_some(status)
        }).await;
        assert!(failing.last_error.as_deref().unwrap_or("").contains("poison"), "{failing:?}");
        // The checkpoint stands just before the poison event: nothing after it was applied.
        assert_eq!(counts(&db, "rm_test_counts").await.get("after"), None);

        eventually("the poison event to go through", Duration::from_secs(30), || async {
            caught_up(&db, "test_counts").await.then_some(())
        }).await;
        let expected = BTreeMap::from([("before".to_string(), 3), ("poison".to_string(), 1), ("after".to_string(), 3)]);
        assert_eq!(counts(&db, "rm_test_counts").await, expected);
        let status = subscription::status_of(&db, &subscribers).await.unwrap().remove(0);
        assert_eq!(status.failures, 0);
        assert_eq!(status.last_error, None);
        assert_eq!(status.lag_events, 0);
        runner.task.abort();
    }
}

both_stores! {
    async fn only_the_lease_holder_runs_a_subscriber_and_another_takes_over(store: &TestStore) {
        let db = store.db().await;
        let projection: Arc<dyn Projection> = Arc::new(Counting::new(0));
        write_events(&db, "x", 1, 20).await;
        let (stop_a, stop_a_rx) = watch::channel(false);
        let (_stop_b, stop_b_rx) = watch::channel(false);
        let a = subscription::spawn(db.clone(), Subscriber::Projection(projection.clone()), fast("process-a"), stop_a_rx);
        eventually("process a to run", Duration::from_secs(10), || async { (a.phase() == "running").then_some(()) }).await;
        let b = subscription::spawn(db.clone(), Subscriber::Projection(projection.clone()), fast("process-b"), stop_b_rx);
        eventually("process b to stand by", Duration::from_secs(10), || async { (b.phase() == "standby").then_some(()) }).await;
        assert_eq!(a.phase(), "running");

        stop_a.send(true).unwrap();
        let _ = a.task.await;
        write_events(&db, "x", 21, 10).await;
        eventually("process b to take over", Duration::from_secs(10), || async {
            (b.phase() == "running" && caught_up(&db, "test_counts").await).then_some(())
        }).await;
        assert_eq!(counts(&db, "rm_test_counts").await.get("x"), Some(&30));
        b.task.abort();
    }
}

/// Records what it handled; fails twice on the first "poison" event it meets.
struct Recorder {
    handled: Mutex<Vec<(String, i64)>>,
    failures_left: AtomicU32,
}

#[async_trait]
impl Reactor for Recorder {
    fn name(&self) -> &'static str {
        "test_recorder"
    }

    async fn handle(&self, event: &RecordedEvent) -> anyhow::Result<()> {
        if event.aggregate_id == "poison"
            && self
                .failures_left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            anyhow::bail!("downstream refused");
        }
        self.handled
            .lock()
            .await
            .push((event.aggregate_id.clone(), event.sequence));
        Ok(())
    }
}

both_stores! {
    async fn a_reactor_handles_every_event_in_order_and_retries_failures(store: &TestStore) {
        let db = store.db().await;
        write_events(&db, "a", 1, 5).await;
        write_events(&db, "poison", 1, 2).await;
        write_events(&db, "b", 1, 5).await;
        let recorder = Arc::new(Recorder { handled: Mutex::default(), failures_left: AtomicU32::new(2) });
        let (_stop, stop_rx) = watch::channel(false);
        let runner = subscription::spawn(db.clone(), Subscriber::Reactor(recorder.clone()), fast("r"), stop_rx);
        eventually("the reactor to catch up", Duration::from_secs(20), || async {
            caught_up(&db, "test_recorder").await.then_some(())
        }).await;
        let handled = recorder.handled.lock().await.clone();
        let expected: Vec<(String, i64)> = [("a", 5), ("poison", 2), ("b", 5)]
            .iter()
            .flat_map(|(id, n)| (1..=*n).map(move |s| (id.to_string(), s)))
            .collect();
        assert_eq!(handled, expected);
        runner.task.abort();
    }
}

both_stores! {
    async fn a_rebuild_swaps_in_the_same_read_model_while_the_live_one_serves(store: &TestStore) {
        let db = store.db().await;
        let projection: Arc<dyn Projection> = Arc::new(Counting::new(0));
        for a in 0..4 {
            write_events(&db, &format!("agg-{a}"), 1, 50).await;
        }
        let (_stop, stop_rx) = watch::channel(false);
        let runner = subscription::spawn(db.clone(), Subscriber::Projection(projection.clone()), fast("live"), stop_rx);
        eventually("the live read model", Duration::from_secs(20), || async {
            caught_up(&db, "test_counts").await.then_some(())
        }).await;
        let before = counts(&db, "rm_test_counts").await;

        // Readers keep reading and writers keep writing while the rebuild runs.
        let reader = {
            let db = db.clone();
            tokio::spawn(async move {
                let mut smallest = i64::MAX;
                for _ in 0..100 {
                    let total: i64 = counts(&db, "rm_test_counts").await.values().sum();
                    smallest = smallest.min(total);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                smallest
            })
        };
        let writer = {
            let db = db.clone();
            tokio::spawn(async move {
                for i in 0..10 {
                    write_events(&db, "during", i * 5 + 1, 5).await;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        };
        let progressed = Arc::new(AtomicU32::new(0));
        let seen = progressed.clone();
        let applied = subscription::rebuild(&db, projection.as_ref(), 30, &move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        }).await.expect("rebuild");
        writer.await.unwrap();
        let smallest_seen = reader.await.unwrap();
        assert!(applied >= 200, "applied {applied}");
        assert!(progressed.load(Ordering::SeqCst) > 1, "progress was reported");
        assert!(smallest_seen >= before.values().sum::<i64>(), "readers never saw a partial read model");

        eventually("the live runner to continue after the swap", Duration::from_secs(20), || async {
            caught_up(&db, "test_counts").await.then_some(())
        }).await;
        let mut expected = before.clone();
        expected.insert("during".into(), 50);
        assert_eq!(counts(&db, "rm_test_counts").await, expected);
        let leftovers: i64 = match db.backend() {
            app::db::Backend::Sqlite => sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE 'rm_test_counts__r%'").fetch_one(db.pool()).await.unwrap(),
            app::db::Backend::Postgres => sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'rm\\_test\\_counts\\_\\_r%'").fetch_one(db.pool()).await.unwrap(),
        };
        assert_eq!(leftovers, 0, "shadow tables were renamed, none left behind");
        runner.task.abort();
    }
}

both_stores! {
    async fn a_reactor_that_lost_its_lease_does_not_move_the_checkpoint(store: &TestStore) {
        let db = store.db().await;
        write_events(&db, "a", 1, 3).await;
        let recorder = Arc::new(Recorder { handled: Mutex::default(), failures_left: AtomicU32::new(0) });
        let subscribers = vec![Subscriber::Reactor(recorder.clone())];
        let (_stop, stop_rx) = watch::channel(false);
        // A lease long enough that the holder does not renew it (and notice) during the test.
        let config = RunnerConfig { lease_ttl: Duration::from_secs(120), ..fast("paused") };
        let runner = subscription::spawn(db.clone(), subscribers[0].clone(), config, stop_rx);
        eventually("the reactor to catch up", Duration::from_secs(20), || async {
            caught_up(&db, "test_recorder").await.then_some(())
        }).await;
        let before = subscription::load_checkpoint(&db, "test_recorder").await.unwrap();

        // Another process holds the lease now, as when this one stalled past its expiry.
        let far = app::clock::now_ms() + 3_600_000;
        let taken = sqlx::query("UPDATE subscription_leases SET holder = 'successor', expires_at = $1 WHERE name = 'test_recorder'")
            .bind(far).execute(db.pool()).await.unwrap();
        assert_eq!(taken.rows_affected(), 1);
        write_events(&db, "b", 1, 2).await;

        let status = eventually("the lost lease to show", Duration::from_secs(20), || async {
            let status = subscription::status_of(&db, &subscribers).await.unwrap().remove(0);
            status.last_error.as_deref().is_some_and(|e| e.contains("lease")).then_some(status)
        }).await;
        let after = subscription::load_checkpoint(&db, "test_recorder").await.unwrap();
        assert_eq!((after.tx_id, after.position), (before.tx_id, before.position), "{status:?}");
        let holder: String = sqlx::query_scalar("SELECT holder FROM subscription_leases WHERE name = 'test_recorder'")
            .fetch_one(db.pool()).await.unwrap();
        assert_eq!(holder, "successor", "the stalled process did not take the lease back");
        runner.task.abort();
    }
}

async fn registered_version(db: &Db, name: &str) -> Option<i64> {
    subscription::live_version(db, name)
        .await
        .expect("registry")
}

both_stores! {
    async fn a_read_model_of_an_older_version_is_rebuilt_at_start_and_a_newer_one_refused(store: &TestStore) {
        let db = store.db().await;
        for a in 0..3 {
            write_events(&db, &format!("agg-{a}"), 1, 40).await;
        }
        // Version 1 builds its read model and stops.
        let (stop, stop_rx) = watch::channel(false);
        let v1 = subscription::spawn(db.clone(), Subscriber::Projection(Arc::new(Counting::new(0))), fast("v1"), stop_rx);
        eventually("version 1 to catch up", Duration::from_secs(20), || async {
            caught_up(&db, "test_counts").await.then_some(())
        }).await;
        stop.send(true).unwrap();
        v1.task.await.unwrap();
        assert_eq!(registered_version(&db, "test_counts").await, Some(1));
        let v1_counts = counts(&db, "rm_test_counts").await;

        // Version 2 starts on it: rebuilt from the log into the new layout, then followed.
        write_events(&db, "later", 1, 5).await;
        let (stop, stop_rx) = watch::channel(false);
        let v2 = subscription::spawn(db.clone(), Subscriber::Projection(Arc::new(CountingV2)), fast("v2"), stop_rx);
        eventually("version 2 rebuilt and caught up", Duration::from_secs(30), || async {
            (registered_version(&db, "test_counts").await == Some(2) && caught_up(&db, "test_counts").await).then_some(())
        }).await;
        let mut expected = v1_counts.clone();
        expected.insert("later".into(), 5);
        assert_eq!(counts(&db, "rm_test_counts").await, expected, "every event once, the old ones included");
        let last: BTreeMap<String, i64> = sqlx::query("SELECT aggregate_id, last_sequence FROM rm_test_counts")
            .fetch_all(db.pool()).await.expect("the new column")
            .iter().map(|r| (r.get::<String, _>("aggregate_id"), r.get::<i64, _>("last_sequence"))).collect();
        assert_eq!(last["agg-0"], 40, "the new column is filled for events from before the upgrade");
        assert_eq!(last["later"], 5);
        stop.send(true).unwrap();
        v2.task.await.unwrap();

        // Version 1 again (a rollback of the binary): it does not touch a version 2 read model.
        write_events(&db, "after-rollback", 1, 3).await;
        let (stop, stop_rx) = watch::channel(false);
        let old = subscription::spawn(db.clone(), Subscriber::Projection(Arc::new(Counting::new(0))), fast("v1-again"), stop_rx);
        let error = eventually("the refusal recorded", Duration::from_secs(20), || async {
            let row = sqlx::query("SELECT last_error FROM subscriptions WHERE name = 'test_counts'")
                .fetch_one(db.pool()).await.ok()?;
            row.get::<Option<String>, _>("last_error").filter(|e| e.contains("newer"))
        }).await;
        assert!(error.contains("version 2") && error.contains("version 1"), "{error}");
        assert_eq!(registered_version(&db, "test_counts").await, Some(2));
        assert!(!counts(&db, "rm_test_counts").await.contains_key("after-rollback"), "the old binary applied nothing");
        stop.send(true).unwrap();
        old.task.await.unwrap();
    }
}
