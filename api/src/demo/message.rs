//! One ERP message of the demo, with a message id derived from its content.
//!
//! The id names what the message is about and carries a hash of its body: sending the same data
//! again reuses the id (the server replays its first answer and writes nothing), while changed
//! data (another size, another version of the generator) gets a new id and is applied as the
//! ERP's newer word on the matter.

use serde::Serialize;

/// HTTP method of an ERP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verb {
    /// `PUT` a whole resource (product, company, channel, price list).
    Put,
    /// `POST` a batch (stock levels).
    Post,
}

/// A ready-to-send ERP message.
#[derive(Clone, Debug)]
pub(crate) struct ErpMessage {
    /// `PUT` or `POST`.
    pub verb: Verb,
    /// Path under the server's base URL, e.g. `/v1/erp/products/NAR-000001`.
    pub path: String,
    /// The message id inside `body`.
    pub message_id: String,
    /// The JSON body, `message_id` first.
    pub body: Vec<u8>,
}

impl ErpMessage {
    /// A `PUT` of `body` (a struct that serializes to a JSON object) to `path`.
    pub fn put(path: String, key: &str, body: &impl Serialize) -> anyhow::Result<Self> {
        Self::new(Verb::Put, path, key, body)
    }

    /// A `POST` of `body` to `path`.
    pub fn post(path: String, key: &str, body: &impl Serialize) -> anyhow::Result<Self> {
        Self::new(Verb::Post, path, key, body)
    }

    fn new(verb: Verb, path: String, key: &str, body: &impl Serialize) -> anyhow::Result<Self> {
        let content = serde_json::to_vec(body)?;
        anyhow::ensure!(
            content.first() == Some(&b'{') && content.len() > 2,
            "an ERP message body must be a non-empty JSON object"
        );
        let message_id = format!("demo:{key}:{:016x}", fnv1a(&content));
        // Splice the id in front of the serialized members rather than serializing twice: the
        // largest price lists are tens of megabytes.
        let mut framed = Vec::with_capacity(content.len() + message_id.len() + 20);
        framed.extend_from_slice(b"{\"message_id\":");
        framed.extend_from_slice(serde_json::to_string(&message_id)?.as_bytes());
        framed.push(b',');
        framed.extend_from_slice(&content[1..]);
        Ok(Self {
            verb,
            path,
            message_id,
            body: framed,
        })
    }
}

/// FNV-1a, 64 bits: stable across platforms and Rust versions, which `DefaultHasher` is not.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    #[test]
    fn the_id_follows_the_content_and_leads_the_body() {
        let a = ErpMessage::put("/x".into(), "product:A", &json!({"name": "Kladivo"})).unwrap();
        let again = ErpMessage::put("/x".into(), "product:A", &json!({"name": "Kladivo"})).unwrap();
        let changed = ErpMessage::put("/x".into(), "product:A", &json!({"name": "Pila"})).unwrap();
        assert_eq!(a.message_id, again.message_id);
        assert_ne!(a.message_id, changed.message_id);
        assert!(a.message_id.starts_with("demo:product:A:"));
        let body: Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(body, json!({"message_id": a.message_id, "name": "Kladivo"}));
    }

    #[test]
    fn an_empty_or_non_object_body_is_refused() {
        assert!(ErpMessage::post("/x".into(), "k", &json!({})).is_err());
        assert!(ErpMessage::post("/x".into(), "k", &json!([1])).is_err());
    }
}
