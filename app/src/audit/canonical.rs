//! The canonical form of an event, and the chain hash over it.
//!
//! A seal must come out the same on every store and after every move between stores, so the
//! bytes that are hashed cannot depend on how a store or a serialiser happens to order object
//! keys (Postgres `jsonb` orders them by length, SQLite keeps them as written, serde_json's map
//! order depends on a cargo feature). The canonical JSON written here sorts the keys of every
//! object by their UTF-8 bytes, at every depth, and writes no whitespace.

use std::fmt::Write as _;

use chrono::SecondsFormat;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::event_log::RecordedEvent;

/// The previous hash of the first seal: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Writes a JSON value in canonical form: object keys sorted by their bytes at every depth, no
/// whitespace, strings escaped as serde_json escapes them, numbers as serde_json prints them.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            // Writing into a String cannot fail.
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    // serde_json's string escaping is the JSON standard's; serialising a &str cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// The canonical form of an event: the JSON array `[position, aggregate_type, aggregate_id,
/// sequence, event_type, event_version, payload, metadata, recorded_at]`, with `recorded_at` in
/// RFC 3339 UTC with microseconds. The Postgres transaction id is left out on purpose: it does
/// not survive a move between stores.
pub fn event_form(event: &RecordedEvent) -> String {
    let form = Value::Array(vec![
        Value::from(event.checkpoint.position),
        Value::from(event.aggregate_type.as_str()),
        Value::from(event.aggregate_id.as_str()),
        Value::from(event.sequence),
        Value::from(event.event_type.as_str()),
        Value::from(event.event_version.as_str()),
        event.payload.clone(),
        event.metadata.clone(),
        Value::from(
            event
                .recorded_at
                .to_rfc3339_opts(SecondsFormat::Micros, true),
        ),
    ]);
    canonical_json(&form)
}

/// The hash of a seal: lowercase hex SHA-256 over the previous seal's hash (64 hex characters,
/// so the boundary is unambiguous) followed by the event's canonical form.
pub fn chain_hash(previous_hash: &str, event_form: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(previous_hash.as_bytes());
    hasher.update(event_form.as_bytes());
    hex::encode(hasher.finalize())
}

/// The hash that seals `event` after a seal whose hash is `previous_hash`.
pub fn seal_hash(previous_hash: &str, event: &RecordedEvent) -> String {
    chain_hash(previous_hash, &event_form(event))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;
    use crate::event_log::Checkpoint;

    fn event(payload: Value) -> RecordedEvent {
        RecordedEvent {
            checkpoint: Checkpoint {
                tx_id: 991,
                position: 7,
            },
            aggregate_type: "Order".into(),
            aggregate_id: "o-1".into(),
            sequence: 2,
            event_type: "Placed".into(),
            event_version: "1".into(),
            payload,
            metadata: json!({"actor": "erp", "channel": null}),
            recorded_at: Utc.timestamp_opt(1_780_000_000, 123_000).single().unwrap(),
        }
    }

    #[test]
    fn keys_are_sorted_at_every_depth_whatever_the_input_order() {
        let a: Value =
            serde_json::from_str(r#"{"b":1,"a":{"y":[{"d":1,"c":2}],"x":"é\n"}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{"a":{"x":"é\n","y":[{"c":2,"d":1}]},"b":1}"#).unwrap();
        let expected = r#"{"a":{"x":"é\n","y":[{"c":2,"d":1}]},"b":1}"#;
        assert_eq!(canonical_json(&a), expected);
        assert_eq!(canonical_json(&b), expected);
    }

    #[test]
    fn event_form_lists_the_fields_in_order_without_the_transaction_id() {
        let form = event_form(&event(json!({"Placed": {"total": "10.00"}})));
        assert_eq!(
            form,
            r#"[7,"Order","o-1",2,"Placed","1",{"Placed":{"total":"10.00"}},{"actor":"erp","channel":null},"2026-05-28T20:26:40.000123Z"]"#
        );
        let mut moved = event(json!({"Placed": {"total": "10.00"}}));
        moved.checkpoint.tx_id = 0;
        assert_eq!(event_form(&moved), form);
    }

    #[test]
    fn a_changed_payload_or_previous_hash_changes_the_seal() {
        let original = seal_hash(GENESIS_HASH, &event(json!({"Placed": {"total": "10.00"}})));
        assert_eq!(original.len(), 64);
        let changed = seal_hash(GENESIS_HASH, &event(json!({"Placed": {"total": "10.01"}})));
        assert_ne!(original, changed);
        let relinked = seal_hash(&original, &event(json!({"Placed": {"total": "10.00"}})));
        assert_ne!(original, relinked);
    }
}
