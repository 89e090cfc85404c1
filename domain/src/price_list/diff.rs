//! Diffing an imported list against the entries a list holds.

use std::collections::BTreeMap;

use super::PriceEntry;
use crate::values::Sku;

/// What an import changes: entries that are new or differ, and SKUs no longer in the list.
/// Both are sorted by SKU, so the same import always yields the same events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceListDiff {
    /// New or changed entries, sorted by SKU.
    pub upserted: Vec<PriceEntry>,
    /// SKUs held now but absent from the import, sorted.
    pub removed: Vec<Sku>,
}

impl PriceListDiff {
    /// Whether the import changes nothing.
    pub fn is_empty(&self) -> bool {
        self.upserted.is_empty() && self.removed.is_empty()
    }
}

/// Compares the entries held (`current`) with a whole imported list (`incoming`, any order).
/// Runs in O(n log n). Should `incoming` repeat a SKU, the last entry wins; the aggregate
/// refuses such imports before diffing.
pub fn diff(current: &BTreeMap<Sku, PriceEntry>, incoming: Vec<PriceEntry>) -> PriceListDiff {
    let incoming: BTreeMap<Sku, PriceEntry> = incoming
        .into_iter()
        .map(|entry| (entry.sku().clone(), entry))
        .collect();
    let removed = current
        .keys()
        .filter(|sku| !incoming.contains_key(*sku))
        .cloned()
        .collect();
    let upserted = incoming
        .into_values()
        .filter(|entry| current.get(entry.sku()) != Some(entry))
        .collect();
    PriceListDiff { upserted, removed }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::values::Money;

    fn entry(sku: &str, price: u32) -> PriceEntry {
        let price = Money::parse(Decimal::from(price)).unwrap();
        PriceEntry::new(Sku::parse(sku).unwrap(), price, vec![]).unwrap()
    }

    fn held(entries: &[PriceEntry]) -> BTreeMap<Sku, PriceEntry> {
        entries
            .iter()
            .map(|e| (e.sku().clone(), e.clone()))
            .collect()
    }

    #[test]
    fn diff_of_an_identical_list_is_empty() {
        let current = held(&[entry("A", 1), entry("B", 2)]);
        let result = diff(&current, vec![entry("B", 2), entry("A", 1)]);
        assert!(result.is_empty());
    }

    #[test]
    fn diff_finds_new_changed_and_removed_skus_in_sku_order() {
        let current = held(&[entry("A", 1), entry("B", 2), entry("C", 3)]);
        let result = diff(&current, vec![entry("D", 4), entry("B", 20), entry("A", 1)]);
        assert_eq!(result.upserted, vec![entry("B", 20), entry("D", 4)]);
        assert_eq!(result.removed, vec![Sku::parse("C").unwrap()]);
    }

    #[test]
    fn diff_against_an_empty_list_upserts_everything_sorted() {
        let result = diff(&BTreeMap::new(), vec![entry("B", 2), entry("A", 1)]);
        assert_eq!(result.upserted, vec![entry("A", 1), entry("B", 2)]);
        assert!(result.removed.is_empty());
    }

    #[test]
    fn diff_with_an_empty_import_removes_everything() {
        let current = held(&[entry("A", 1), entry("B", 2)]);
        let result = diff(&current, vec![]);
        assert!(result.upserted.is_empty());
        assert_eq!(result.removed.len(), 2);
    }
}
