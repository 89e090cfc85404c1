//! The parts an order is made of and the facts reported about it: order lines, where an order
//! came from, stock allocations and shortages, and shipped lines.

use serde::{Deserialize, Serialize};

use crate::values::{Quantity, Sku, WarehouseCode};

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The line's number, unique within the order (reservations are keyed by it).
    pub line_no: u32,
    /// The SKU.
    pub sku: Sku,
    /// How many units.
    pub quantity: Quantity,
}

/// Where an order came from; serialized with a `kind` tag (`"direct"`, `"template"`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderSource {
    /// Put together by the buyer.
    Direct,
    /// Placed from a saved template.
    Template {
        /// The template.
        template_id: String,
    },
    /// "Order again" from an earlier order.
    Reorder {
        /// The earlier order.
        from_order_id: String,
    },
    /// Placed by a template's schedule.
    Schedule {
        /// The template whose schedule placed it.
        template_id: String,
        /// The schedule's occurrence number.
        occurrence: u32,
    },
}

/// Stock reserved for an order line in one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// The order line.
    pub line_no: u32,
    /// The line's SKU.
    pub sku: Sku,
    /// The warehouse the stock is reserved in.
    pub warehouse: WarehouseCode,
    /// How much is reserved there.
    pub quantity: Quantity,
}

/// The part of an order line that no warehouse had; it waits as a backorder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShortLine {
    /// The order line.
    pub line_no: u32,
    /// The line's SKU.
    pub sku: Sku,
    /// How much is missing.
    pub missing: Quantity,
}

/// What the reservation process manager achieved for a placed order; serialized with an
/// `outcome` tag (`"reserved"`, `"backordered"` or `"rejected"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReservationOutcome {
    /// Every line is reserved in full.
    Reserved {
        /// Where the stock is reserved.
        allocations: Vec<Allocation>,
    },
    /// Some stock is reserved and the rest is backordered (the company allows backorders).
    Backordered {
        /// Where the stock that exists is reserved.
        allocations: Vec<Allocation>,
        /// What is missing.
        short: Vec<ShortLine>,
    },
    /// Not enough stock and no backorders allowed; nothing stays reserved.
    Rejected {
        /// Why, for the buyer.
        reason: String,
    },
}

impl ReservationOutcome {
    /// The allocations the outcome reserves (none for a rejection).
    pub fn allocations(&self) -> &[Allocation] {
        match self {
            ReservationOutcome::Reserved { allocations }
            | ReservationOutcome::Backordered { allocations, .. } => allocations,
            ReservationOutcome::Rejected { .. } => &[],
        }
    }

    /// The order lines the outcome names, as `(line_no, sku)`.
    pub(super) fn named_lines(&self) -> impl Iterator<Item = (u32, &Sku)> {
        let short: &[ShortLine] = match self {
            ReservationOutcome::Backordered { short, .. } => short,
            _ => &[],
        };
        self.allocations()
            .iter()
            .map(|allocation| (allocation.line_no, &allocation.sku))
            .chain(short.iter().map(|line| (line.line_no, &line.sku)))
    }
}

/// Goods of one SKU that left one warehouse in a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedLine {
    /// The SKU.
    pub sku: Sku,
    /// The warehouse the goods left.
    pub warehouse: WarehouseCode,
    /// How much shipped.
    pub quantity: Quantity,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_sources_serialize_with_a_kind_tag() {
        let source = OrderSource::Schedule {
            template_id: "T-1".to_owned(),
            occurrence: 3,
        };
        let json = serde_json::to_string(&source).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"schedule","template_id":"T-1","occurrence":3}"#
        );
        assert_eq!(serde_json::from_str::<OrderSource>(&json).unwrap(), source);
        assert_eq!(
            serde_json::to_string(&OrderSource::Direct).unwrap(),
            r#"{"kind":"direct"}"#
        );
    }

    #[test]
    fn reservation_outcomes_serialize_with_an_outcome_tag() {
        let outcome = ReservationOutcome::Rejected {
            reason: "no stock".to_owned(),
        };
        let json = serde_json::to_string(&outcome).unwrap();
        assert_eq!(json, r#"{"outcome":"rejected","reason":"no stock"}"#);
        assert!(outcome.allocations().is_empty());
    }
}
