//! ordercore's read models. Each is a [`Projection`]: a checkpointed subscriber to the global
//! log that owns its tables and can be rebuilt from position zero beside the live ones.
//!
//! Tables that pricing resolves "as of" a past time keep every version of a row: `set_at` is the
//! global position of the event that wrote it, `known_from`/`known_to` the times (RFC 3339, UTC,
//! microseconds, so text order is time order) between which it was the current version.

pub mod availability;
pub mod catalog;
pub mod companies;
pub mod invoices;
pub mod order_queries;
pub mod orders;
pub mod price_lists;
pub mod queries;
pub mod stream_heads;

use std::sync::Arc;

use app::event_log::RecordedEvent;
use app::subscription::Projection;

/// Every read model, in the order the server starts them.
pub fn all() -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(stream_heads::StreamHeads),
        Arc::new(catalog::Catalog),
        Arc::new(companies::Companies),
        Arc::new(price_lists::PriceLists),
        Arc::new(availability::Availability),
        Arc::new(orders::Orders),
        Arc::new(invoices::Invoices),
    ]
}

/// The read model of that name.
pub fn by_name(name: &str) -> Option<Arc<dyn Projection>> {
    all().into_iter().find(|p| p.name() == name)
}

/// The time format of every time column in read models.
pub fn timestamp(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// When the store recorded an event, in the read models' time format.
pub fn recorded_at(event: &RecordedEvent) -> String {
    timestamp(event.recorded_at)
}

/// The event's payload as the aggregate's event enum.
pub fn decode<T: serde::de::DeserializeOwned>(event: &RecordedEvent) -> anyhow::Result<T> {
    serde_json::from_value(event.payload.clone()).map_err(|e| {
        anyhow::anyhow!(
            "{} {} at {} does not decode as {}: {e}",
            event.aggregate_type,
            event.event_type,
            event.checkpoint,
            std::any::type_name::<T>()
        )
    })
}
