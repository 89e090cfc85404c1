//! The metadata every event carries: who acted, through which channel, in which business flow
//! (correlation), because of what (causation), in which request, and when.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

/// Who or what issued a command: a user (`user:<company>/<id>`), an API key (`key:<id>`), the ERP
/// (`erp`), or ordercore itself (`system`, `system:schedule`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor(pub String);

impl Actor {
    /// ordercore itself.
    pub fn system(component: &str) -> Self {
        if component.is_empty() {
            Self("system".into())
        } else {
            Self(format!("system:{component}"))
        }
    }

    /// The ERP or its connector.
    pub fn erp() -> Self {
        Self("erp".into())
    }
}

/// Metadata of one command, copied onto each event it produces.
#[derive(Clone, Debug)]
pub struct CommandMetadata {
    /// Who acted.
    pub actor: Actor,
    /// The sales channel, where there is one.
    pub channel: Option<String>,
    /// The business flow this belongs to; process managers pass it on.
    pub correlation_id: String,
    /// What caused the command: a request id or the id of the event a process manager reacted to.
    pub causation_id: String,
    /// The HTTP request, where there is one.
    pub request_id: Option<String>,
    /// When the command was accepted (the application's clock; the store records its own too).
    pub recorded_at: DateTime<Utc>,
}

impl CommandMetadata {
    /// Metadata for a command that starts a new flow.
    pub fn new(actor: Actor) -> Self {
        let id = Uuid::now_v7().to_string();
        Self {
            actor,
            channel: None,
            correlation_id: id.clone(),
            causation_id: id,
            request_id: None,
            recorded_at: Utc::now(),
        }
    }

    /// Metadata for a command issued in reaction to a recorded event: same flow, caused by it.
    pub fn caused_by(actor: Actor, event: &crate::event_log::RecordedEvent) -> Self {
        let correlation = event.meta("correlation_id");
        Self {
            actor,
            channel: Some(event.meta("channel").to_string()).filter(|c| !c.is_empty()),
            correlation_id: if correlation.is_empty() {
                Uuid::now_v7().to_string()
            } else {
                correlation.to_string()
            },
            causation_id: format!(
                "{}/{}/{}",
                event.aggregate_type, event.aggregate_id, event.sequence
            ),
            request_id: None,
            recorded_at: Utc::now(),
        }
    }

    /// Sets the channel.
    pub fn with_channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = Some(channel.into());
        self
    }

    /// The map cqrs-es stores with each event. Every key is present; an absent value is "".
    pub fn to_map(&self) -> HashMap<String, String> {
        HashMap::from([
            ("actor".to_string(), self.actor.0.clone()),
            (
                "channel".to_string(),
                self.channel.clone().unwrap_or_default(),
            ),
            ("correlation_id".to_string(), self.correlation_id.clone()),
            ("causation_id".to_string(), self.causation_id.clone()),
            (
                "request_id".to_string(),
                self.request_id.clone().unwrap_or_default(),
            ),
            (
                "recorded_at".to_string(),
                self.recorded_at
                    .to_rfc3339_opts(SecondsFormat::Micros, true),
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_map_has_every_key_even_when_empty() {
        let map = CommandMetadata::new(Actor::erp()).to_map();
        for key in [
            "actor",
            "channel",
            "correlation_id",
            "causation_id",
            "request_id",
            "recorded_at",
        ] {
            assert!(map.contains_key(key), "missing {key}");
        }
        assert_eq!(map["actor"], "erp");
        assert_eq!(map["channel"], "");
    }
}
