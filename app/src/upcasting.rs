//! Upcasters turn events stored in an older payload shape into the current one, on every read:
//! aggregate loads (through cqrs-es) and the global log (for subscribers) alike. Stored events are
//! never rewritten.

use std::sync::OnceLock;

use cqrs_es::persist::{EventUpcaster, SerializedEvent};

use crate::event_log::RecordedEvent;

/// The upcasters of ordercore's own events, oldest first. Empty while every event is at its
/// first version; an event whose shape changes gets its `event_version` raised and an upcaster
/// here.
pub fn upcasters() -> Vec<Box<dyn EventUpcaster>> {
    Vec::new()
}

fn registry() -> &'static [Box<dyn EventUpcaster>] {
    static REGISTRY: OnceLock<Vec<Box<dyn EventUpcaster>>> = OnceLock::new();
    REGISTRY.get_or_init(upcasters)
}

/// Applies a list of upcasters to one serialised event, in order.
pub fn upcast(event: SerializedEvent, upcasters: &[Box<dyn EventUpcaster>]) -> SerializedEvent {
    upcasters.iter().fold(event, |event, upcaster| {
        if upcaster.can_upcast(&event.event_type, &event.event_version) {
            upcaster.upcast(event)
        } else {
            event
        }
    })
}

/// Upcasts events read from the global log with ordercore's registry.
pub fn upcast_all(events: Vec<RecordedEvent>) -> Vec<RecordedEvent> {
    let upcasters = registry();
    if upcasters.is_empty() {
        return events;
    }
    events
        .into_iter()
        .map(|recorded| {
            let serialized = SerializedEvent {
                aggregate_id: recorded.aggregate_id,
                sequence: usize::try_from(recorded.sequence).unwrap_or_default(),
                aggregate_type: recorded.aggregate_type,
                event_type: recorded.event_type,
                event_version: recorded.event_version,
                payload: recorded.payload,
                metadata: recorded.metadata,
            };
            let upcast = upcast(serialized, upcasters);
            RecordedEvent {
                checkpoint: recorded.checkpoint,
                aggregate_type: upcast.aggregate_type,
                aggregate_id: upcast.aggregate_id,
                sequence: recorded.sequence,
                event_type: upcast.event_type,
                event_version: upcast.event_version,
                payload: upcast.payload,
                metadata: upcast.metadata,
                recorded_at: recorded.recorded_at,
            }
        })
        .collect()
}
