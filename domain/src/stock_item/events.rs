//! What happened to a stock item. Every event names the SKU and warehouse, so projections need
//! nothing else.

use cqrs_es::DomainEvent;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::MovementKind;
use crate::values::{Quantity, Sku, WarehouseCode};

/// Events of the [`StockItem`](super::StockItem) aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StockEvent {
    /// The ERP's on-hand level differed from ours; ours now equals it.
    StockAdjusted {
        /// The SKU.
        sku: Sku,
        /// The warehouse.
        warehouse: WarehouseCode,
        /// Our level before.
        previous: Decimal,
        /// The new level.
        on_hand: Decimal,
        /// `on_hand − previous`.
        delta: Decimal,
        /// The ERP message that carried the level.
        message_id: String,
    },
    /// An ERP movement changed on hand.
    StockMoved {
        /// The SKU.
        sku: Sku,
        /// The warehouse.
        warehouse: WarehouseCode,
        /// The ERP's id for the movement.
        movement_id: String,
        /// What kind of movement.
        kind: MovementKind,
        /// The change of on hand (negative for issues and outgoing transfers).
        delta: Decimal,
        /// On hand after the movement.
        on_hand: Decimal,
    },
    /// Stock was reserved for an order line.
    StockReserved {
        /// The SKU.
        sku: Sku,
        /// The warehouse.
        warehouse: WarehouseCode,
        /// The order.
        order_id: String,
        /// The order line.
        line_no: u32,
        /// How much was reserved.
        quantity: Quantity,
    },
    /// An order line's reservation was released (compensation, never a delete).
    ReservationReleased {
        /// The SKU.
        sku: Sku,
        /// The warehouse.
        warehouse: WarehouseCode,
        /// The order.
        order_id: String,
        /// The order line.
        line_no: u32,
        /// How much was still reserved and is now free.
        quantity: Decimal,
        /// Why.
        reason: String,
    },
    /// Goods of an order line were shipped.
    ReservationFulfilled {
        /// The SKU.
        sku: Sku,
        /// The warehouse.
        warehouse: WarehouseCode,
        /// The order.
        order_id: String,
        /// The order line.
        line_no: u32,
        /// How much was shipped (lowers on hand).
        quantity: Quantity,
        /// How much of the line's reservation this consumed: min(quantity, reserved).
        released: Decimal,
        /// The ERP's shipment id.
        shipment_id: String,
        /// On hand after the shipment.
        on_hand: Decimal,
    },
}

impl StockEvent {
    /// The SKU and warehouse the event is about.
    pub fn item(&self) -> (&Sku, &WarehouseCode) {
        match self {
            StockEvent::StockAdjusted { sku, warehouse, .. }
            | StockEvent::StockMoved { sku, warehouse, .. }
            | StockEvent::StockReserved { sku, warehouse, .. }
            | StockEvent::ReservationReleased { sku, warehouse, .. }
            | StockEvent::ReservationFulfilled { sku, warehouse, .. } => (sku, warehouse),
        }
    }
}

impl DomainEvent for StockEvent {
    fn event_type(&self) -> String {
        match self {
            StockEvent::StockAdjusted { .. } => "StockAdjusted",
            StockEvent::StockMoved { .. } => "StockMoved",
            StockEvent::StockReserved { .. } => "StockReserved",
            StockEvent::ReservationReleased { .. } => "ReservationReleased",
            StockEvent::ReservationFulfilled { .. } => "ReservationFulfilled",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
