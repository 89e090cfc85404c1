//! Events moved in the log: reordered (renumbered, or on Postgres a changed commit order) and
//! inserted between sealed ones.

use app::db::Backend;

use super::{disable_triggers, json, sealed_log, tampered};
use crate::both_stores;
use crate::support::raw;

both_stores! {
    async fn reordered_events_are_caught(store: &TestStore) {
        let db = store.db().await;
        let events = sealed_log(&db).await;
        disable_triggers(&db).await;
        let (a, b) = (events[3].checkpoint, events[4].checkpoint);
        match db.backend() {
            // Renumbering swaps the two events' places in the log.
            Backend::Sqlite => {
                for sql in [
                    format!("UPDATE events SET position = -1 WHERE position = {}", a.position),
                    format!("UPDATE events SET position = {} WHERE position = {}", a.position, b.position),
                    format!("UPDATE events SET position = {} WHERE position = -1", b.position),
                ] {
                    raw::execute(&db, &sql).await.expect("tamper");
                }
            }
            // On Postgres the commit order is (tx_id, position): swap both.
            Backend::Postgres => {
                for sql in [
                    format!("UPDATE events SET position = -1 WHERE position = {}", a.position),
                    format!("UPDATE events SET position = {}, tx_id = '{}'::xid8 WHERE position = {}", a.position, a.tx_id, b.position),
                    format!("UPDATE events SET position = {}, tx_id = '{}'::xid8 WHERE position = -1", b.position, b.tx_id),
                ] {
                    raw::execute(&db, &sql).await.expect("tamper");
                }
            }
        }
        let (report, mismatch) = tampered(&db).await;
        assert_eq!((mismatch.seal_no, mismatch.position), (4, a.position), "{}", report.summary());
    }
}

both_stores! {
    async fn an_event_inserted_in_the_middle_is_caught(store: &TestStore) {
        let db = store.db().await;
        let events = sealed_log(&db).await;
        disable_triggers(&db).await;
        let after = events[5].checkpoint;
        let payload = json(&db, r#"{"Deposited":{"amount":1000000,"currency":"EUR"}}"#);
        let metadata = json(&db, r#"{"actor":"erp"}"#);
        let (position, expected_seal) = match db.backend() {
            // SQLite orders by position alone: make room by moving the later events up by one.
            Backend::Sqlite => {
                let at = after.position + 1;
                raw::execute(&db, &format!("UPDATE events SET position = position + 1000000 WHERE position >= {at}")).await.expect("tamper");
                raw::execute(&db, "UPDATE events SET position = position - 999999 WHERE position >= 1000000").await.expect("tamper");
                raw::execute(&db, &format!(
                    "INSERT INTO events (position, aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
                     VALUES ({at}, 'test_account', 'intruder', 1, 'Deposited', '2', {payload}, {metadata})")).await.expect("tamper");
                (at, 7)
            }
            // Postgres orders by (tx_id, position): reuse an old transaction id.
            Backend::Postgres => {
                let at = 1_000_000;
                raw::execute(&db, &format!(
                    "INSERT INTO events (position, tx_id, aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
                     VALUES ({at}, '{}'::xid8, 'test_account', 'intruder', 1, 'Deposited', '2', {payload}, {metadata})", after.tx_id)).await.expect("tamper");
                // It stands after every event of that transaction.
                let before = events.iter().filter(|e| e.checkpoint.tx_id <= after.tx_id).count();
                (at, i64::try_from(before).unwrap() + 1)
            }
        };
        let (report, mismatch) = tampered(&db).await;
        assert_eq!((mismatch.seal_no, mismatch.position), (expected_seal, position), "{}", report.summary());
    }
}
