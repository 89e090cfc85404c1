//! One SKU's prices in a list: a base unit price and quantity tiers.

use serde::{Deserialize, Serialize};

use super::PriceListError;
use crate::values::{Money, Quantity, Sku};

/// A quantity tier: from `min_qty` units on, each unit costs `unit_price`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tier {
    /// The smallest quantity the tier applies to (inclusive).
    pub min_qty: Quantity,
    /// The net price per unit within the tier.
    pub unit_price: Money,
}

/// A SKU's net unit price and tiers. Built by [`PriceEntry::new`], which sorts the tiers by
/// `min_qty` and refuses repeated thresholds or a tier dearer than smaller quantities, so that
/// buying more never raises the unit price; deserializing checks the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "EntryData")]
pub struct PriceEntry {
    sku: Sku,
    unit_price: Money,
    tiers: Vec<Tier>,
}

/// The unchecked shape of an entry, as it is read before [`PriceEntry::new`] checks it.
#[derive(Deserialize)]
struct EntryData {
    sku: Sku,
    unit_price: Money,
    #[serde(default)]
    tiers: Vec<Tier>,
}

impl PriceEntry {
    /// Builds an entry from a base unit price and tiers in any order.
    pub fn new(sku: Sku, unit_price: Money, mut tiers: Vec<Tier>) -> Result<Self, PriceListError> {
        tiers.sort_by_key(|tier| tier.min_qty);
        let mut previous_price = unit_price;
        for (index, tier) in tiers.iter().enumerate() {
            if index > 0 && tiers[index - 1].min_qty == tier.min_qty {
                return Err(PriceListError::DuplicateTier {
                    sku,
                    min_qty: tier.min_qty,
                });
            }
            if tier.unit_price > previous_price {
                return Err(PriceListError::TierPriceRises {
                    sku,
                    min_qty: tier.min_qty,
                });
            }
            previous_price = tier.unit_price;
        }
        Ok(Self {
            sku,
            unit_price,
            tiers,
        })
    }

    /// The SKU priced.
    pub fn sku(&self) -> &Sku {
        &self.sku
    }

    /// The net unit price below the first tier.
    pub fn unit_price(&self) -> Money {
        self.unit_price
    }

    /// The tiers, sorted by `min_qty`.
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }

    /// The unit price for `qty`: the highest tier whose `min_qty <= qty` (with that `min_qty`),
    /// or the base price (with `None`) when no tier is reached.
    pub fn unit_price_for(&self, qty: &Quantity) -> (Money, Option<Quantity>) {
        let reached = self.tiers.partition_point(|tier| tier.min_qty <= *qty);
        match reached.checked_sub(1).map(|index| &self.tiers[index]) {
            Some(tier) => (tier.unit_price, Some(tier.min_qty)),
            None => (self.unit_price, None),
        }
    }
}

impl TryFrom<EntryData> for PriceEntry {
    type Error = PriceListError;

    fn try_from(data: EntryData) -> Result<Self, Self::Error> {
        PriceEntry::new(data.sku, data.unit_price, data.tiers)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn qty(value: u32) -> Quantity {
        Quantity::parse(value.into()).unwrap()
    }

    fn money(value: rust_decimal::Decimal) -> Money {
        Money::parse(value).unwrap()
    }

    fn tier(min: u32, price: rust_decimal::Decimal) -> Tier {
        Tier {
            min_qty: qty(min),
            unit_price: money(price),
        }
    }

    fn drill(tiers: Vec<Tier>) -> Result<PriceEntry, PriceListError> {
        PriceEntry::new(Sku::parse("DRILL-18V").unwrap(), money(dec!(85.00)), tiers)
    }

    #[test]
    fn unit_price_for_picks_the_highest_tier_reached() {
        let entry = drill(vec![tier(100, dec!(75)), tier(50, dec!(80))]).unwrap();
        assert_eq!(entry.unit_price_for(&qty(1)), (money(dec!(85)), None));
        assert_eq!(entry.unit_price_for(&qty(49)), (money(dec!(85)), None));
        assert_eq!(
            entry.unit_price_for(&qty(50)),
            (money(dec!(80)), Some(qty(50)))
        );
        assert_eq!(
            entry.unit_price_for(&qty(60)),
            (money(dec!(80)), Some(qty(50)))
        );
        assert_eq!(
            entry.unit_price_for(&qty(500)),
            (money(dec!(75)), Some(qty(100)))
        );
    }

    #[test]
    fn new_sorts_tiers_by_threshold() {
        let entry = drill(vec![
            tier(100, dec!(75)),
            tier(10, dec!(84)),
            tier(50, dec!(80)),
        ])
        .unwrap();
        let thresholds: Vec<_> = entry.tiers().iter().map(|t| t.min_qty).collect();
        assert_eq!(thresholds, vec![qty(10), qty(50), qty(100)]);
    }

    #[test]
    fn new_refuses_duplicate_thresholds_and_rising_tier_prices() {
        let duplicate = drill(vec![tier(50, dec!(80)), tier(50, dec!(79))]).unwrap_err();
        assert_eq!(duplicate.code(), "duplicate-tier");
        let rising = drill(vec![tier(50, dec!(80)), tier(100, dec!(81))]).unwrap_err();
        assert_eq!(rising.code(), "tier-price-rises");
        let above_base = drill(vec![tier(10, dec!(90))]).unwrap_err();
        assert_eq!(above_base.code(), "tier-price-rises");
    }

    #[test]
    fn entries_deserialize_through_the_same_checks() {
        let json = r#"{"sku":"DRILL-18V","unit_price":"85.00","tiers":[{"min_qty":"50","unit_price":"80.00"}]}"#;
        let entry: PriceEntry = serde_json::from_str(json).unwrap();
        assert_eq!(entry.tiers().len(), 1);
        let without_tiers: PriceEntry =
            serde_json::from_str(r#"{"sku":"X","unit_price":"1"}"#).unwrap();
        assert!(without_tiers.tiers().is_empty());
        let bad = json.replace("80.00", "90.00");
        assert!(serde_json::from_str::<PriceEntry>(&bad).is_err());
    }
}
