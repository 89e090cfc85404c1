//! What happened to a price list.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::{PriceEntry, PriceListHeader};
use crate::values::Sku;

/// Events of the [`PriceList`](super::PriceList) aggregate. One import produces, in this order:
/// a header event when the header is new or changed, then `EntriesUpserted` chunks, then
/// `EntriesRemoved` chunks, each sorted by SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriceListEvent {
    /// The list was imported for the first time.
    PriceListCreated(PriceListHeader),
    /// The list's header changed (never its currency); the payload is the whole new header.
    PriceListHeaderChanged(PriceListHeader),
    /// Entries were added or changed (at most [`ENTRY_CHUNK`](super::ENTRY_CHUNK) per event).
    EntriesUpserted {
        /// The new entries, whole.
        entries: Vec<PriceEntry>,
    },
    /// SKUs left the list (at most [`REMOVAL_CHUNK`](super::REMOVAL_CHUNK) per event).
    EntriesRemoved {
        /// The SKUs removed.
        skus: Vec<Sku>,
    },
}

impl DomainEvent for PriceListEvent {
    fn event_type(&self) -> String {
        match self {
            PriceListEvent::PriceListCreated(_) => "PriceListCreated",
            PriceListEvent::PriceListHeaderChanged(_) => "PriceListHeaderChanged",
            PriceListEvent::EntriesUpserted { .. } => "EntriesUpserted",
            PriceListEvent::EntriesRemoved { .. } => "EntriesRemoved",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
