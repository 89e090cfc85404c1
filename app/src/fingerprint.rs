//! Fingerprints of requests, to recognise a repeat (an ERP message id, an idempotency key) and
//! tell it from other content sent under the same id.
//!
//! A JSON body is fingerprinted by its content (the audit seal's canonical JSON: object keys in
//! order, no whitespace), so a sender that re-serialises its message (another library, another key order)
//! is still recognised. Fingerprints stored before content fingerprints existed were over the
//! raw bytes; a stored value matches either.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::audit::canonical::canonical_json;

/// The fingerprints of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// Of the content (`c1:` and hex); what is stored.
    content: String,
    /// Of the raw bytes (hex), as stored by earlier versions.
    bytes: String,
}

impl Fingerprint {
    /// The fingerprint of `body`, sent by whoever `scope` names (empty when nobody in
    /// particular: the same body from two senders then counts as the same request).
    pub fn of(scope: &str, body: &[u8]) -> Self {
        // The sender and a newline before the body, as earlier versions hashed them.
        let prefixed = |text: &[u8]| {
            let mut hasher = Sha256::new();
            if !scope.is_empty() {
                hasher.update(scope.as_bytes());
                hasher.update(b"\n");
            }
            hasher.update(text);
            hex::encode(hasher.finalize())
        };
        let bytes = prefixed(body);
        let content = match serde_json::from_slice::<Value>(body) {
            Ok(value) => format!("c1:{}", prefixed(canonical_json(&value).as_bytes())),
            // Not JSON: the bytes are all there is.
            Err(_) => format!("c1:{bytes}"),
        };
        Self { content, bytes }
    }

    /// The value to store.
    pub fn stored(&self) -> &str {
        &self.content
    }

    /// Whether a stored fingerprint is of this same request.
    pub fn matches(&self, stored: &str) -> bool {
        stored == self.content || stored == self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_content_in_another_key_order_or_spacing_is_the_same_request() {
        let first = Fingerprint::of(
            "",
            br#"{"message_id":"m-1","levels":[{"sku":"A","on_hand":"5"}]}"#,
        );
        let resent = Fingerprint::of(
            "",
            b"{ \"levels\": [ { \"on_hand\": \"5\", \"sku\": \"A\" } ],\n  \"message_id\": \"m-1\" }",
        );
        assert!(resent.matches(first.stored()));
        let other = Fingerprint::of(
            "",
            br#"{"message_id":"m-1","levels":[{"sku":"A","on_hand":"6"}]}"#,
        );
        assert!(!other.matches(first.stored()));
        // Array order is content.
        let swapped = Fingerprint::of("", br#"{"a":[1,2]}"#);
        assert!(!swapped.matches(Fingerprint::of("", br#"{"a":[2,1]}"#).stored()));
    }

    #[test]
    fn the_sender_is_part_of_the_request_and_old_byte_fingerprints_still_match() {
        let body = br#"{"lines":[]}"#;
        assert!(!Fingerprint::of("jana", body).matches(Fingerprint::of("eva", body).stored()));
        let legacy = hex::encode(Sha256::digest([b"jana\n".as_slice(), body].concat()));
        assert!(Fingerprint::of("jana", body).matches(&legacy));
        let not_json = Fingerprint::of("", b"not json");
        assert!(not_json.matches(Fingerprint::of("", b"not json").stored()));
        assert!(!not_json.matches(Fingerprint::of("", b"not json!").stored()));
    }
}
