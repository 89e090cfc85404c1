//! The price-list aggregate: state and import handling.

use std::collections::BTreeMap;

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use super::{diff, PriceEntry, PriceListCommand, PriceListError, PriceListEvent, PriceListHeader};
use crate::values::Sku;

/// The most entries one `EntriesUpserted` event carries, to keep event payloads small.
pub const ENTRY_CHUNK: usize = 500;
/// The most SKUs one `EntriesRemoved` event carries.
pub const REMOVAL_CHUNK: usize = 1000;

/// The price-list aggregate (aggregate id = list code). Empty until first imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceList {
    header: Option<PriceListHeader>,
    entries: BTreeMap<Sku, PriceEntry>,
}

impl PriceList {
    /// The header, once imported.
    pub fn header(&self) -> Option<&PriceListHeader> {
        self.header.as_ref()
    }

    /// Every entry, by SKU.
    pub fn entries(&self) -> &BTreeMap<Sku, PriceEntry> {
        &self.entries
    }

    /// The entry for one SKU.
    pub fn entry(&self, sku: &Sku) -> Option<&PriceEntry> {
        self.entries.get(sku)
    }

    /// The header event an import needs, if any, or why the import is refused.
    fn header_event(
        &self,
        header: PriceListHeader,
    ) -> Result<Option<PriceListEvent>, PriceListError> {
        let Some(current) = &self.header else {
            return Ok(Some(PriceListEvent::PriceListCreated(header)));
        };
        if current.code() != header.code() {
            return Err(PriceListError::CodeMismatch {
                registered: current.code().clone(),
                given: header.code().clone(),
            });
        }
        if current.currency() != header.currency() {
            return Err(PriceListError::CurrencyChange);
        }
        Ok((*current != header).then_some(PriceListEvent::PriceListHeaderChanged(header)))
    }
}

/// Refuses an import that lists a SKU twice; sorts the entries by SKU on the way.
fn sorted_without_duplicates(
    mut entries: Vec<PriceEntry>,
) -> Result<Vec<PriceEntry>, PriceListError> {
    entries.sort_by(|a, b| a.sku().cmp(b.sku()));
    if let Some(pair) = entries
        .windows(2)
        .find(|pair| pair[0].sku() == pair[1].sku())
    {
        return Err(PriceListError::DuplicateSku {
            sku: pair[0].sku().clone(),
        });
    }
    Ok(entries)
}

/// Splits `items` into consecutive chunks of at most `size`, moving rather than cloning.
fn chunked<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut chunks = Vec::with_capacity(items.len().div_ceil(size));
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(size).collect());
    }
    chunks
}

impl Aggregate for PriceList {
    const TYPE: &'static str = "price_list";
    type Command = PriceListCommand;
    type Event = PriceListEvent;
    type Error = PriceListError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let PriceListCommand::Import { header, entries } = command;
        let entries = sorted_without_duplicates(entries)?;
        let header_event = self.header_event(header)?;
        let changes = diff(&self.entries, entries);

        let mut events: Vec<PriceListEvent> = header_event.into_iter().collect();
        events.extend(
            chunked(changes.upserted, ENTRY_CHUNK)
                .into_iter()
                .map(|entries| PriceListEvent::EntriesUpserted { entries }),
        );
        events.extend(
            chunked(changes.removed, REMOVAL_CHUNK)
                .into_iter()
                .map(|skus| PriceListEvent::EntriesRemoved { skus }),
        );
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            PriceListEvent::PriceListCreated(header)
            | PriceListEvent::PriceListHeaderChanged(header) => self.header = Some(header),
            PriceListEvent::EntriesUpserted { entries } => {
                for entry in entries {
                    self.entries.insert(entry.sku().clone(), entry);
                }
            }
            PriceListEvent::EntriesRemoved { skus } => {
                for sku in skus {
                    self.entries.remove(&sku);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::chunked;

    #[test]
    fn chunked_splits_into_full_chunks_and_a_remainder() {
        let chunks = chunked((0..1001).collect::<Vec<_>>(), 500);
        let sizes: Vec<_> = chunks.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![500, 500, 1]);
        assert!(chunked(Vec::<u8>::new(), 500).is_empty());
    }
}
