//! What the ERP and the order process may ask of a stock item.

use serde::{Deserialize, Serialize};

use crate::values::{Quantity, Sku, StockQuantity, WarehouseCode};

/// The kind of an ERP stock movement; serialized snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// Goods received; raises on hand.
    Receipt,
    /// Goods issued outside our orders (scrap, internal use); lowers on hand.
    Issue,
    /// Goods arriving from another warehouse; raises on hand.
    TransferIn,
    /// Goods leaving for another warehouse; lowers on hand.
    TransferOut,
}

impl MovementKind {
    /// Whether the movement raises on hand (receipts and incoming transfers).
    pub fn is_inbound(&self) -> bool {
        matches!(self, MovementKind::Receipt | MovementKind::TransferIn)
    }
}

/// Commands to the [`StockItem`](super::StockItem) aggregate. Each names the SKU and warehouse,
/// which must match the item's once it exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StockCommand {
    /// The ERP's absolute on-hand level; becomes an adjustment when it differs from ours.
    SetOnHand {
        /// The SKU.
        sku: Sku,
        /// The warehouse.
        warehouse: WarehouseCode,
        /// The ERP's level.
        on_hand: StockQuantity,
        /// The ERP message that carried it.
        message_id: String,
    },
    /// An ERP stock movement; applied once per movement id.
    RecordMovement {
        /// The SKU.
        sku: Sku,
        /// The warehouse.
        warehouse: WarehouseCode,
        /// The ERP's id for the movement (idempotency key).
        movement_id: String,
        /// What kind of movement.
        kind: MovementKind,
        /// How much moved.
        quantity: Quantity,
    },
    /// Reserves stock for an order line; idempotent per order line.
    Reserve {
        /// The SKU.
        sku: Sku,
        /// The warehouse.
        warehouse: WarehouseCode,
        /// The order.
        order_id: String,
        /// The order line.
        line_no: u32,
        /// How much to reserve.
        quantity: Quantity,
        /// Whether the reservation may exceed available stock.
        allow_backorder: bool,
    },
    /// Releases every reservation of an order in this item (rejection, cancellation, ERP refusal).
    Release {
        /// The SKU.
        sku: Sku,
        /// The warehouse.
        warehouse: WarehouseCode,
        /// The order.
        order_id: String,
        /// Why, for the audit trail.
        reason: String,
    },
    /// Goods of an order line left the warehouse: lowers on hand and consumes the reservation.
    Fulfil {
        /// The SKU.
        sku: Sku,
        /// The warehouse.
        warehouse: WarehouseCode,
        /// The order.
        order_id: String,
        /// The order line.
        line_no: u32,
        /// How much was shipped.
        quantity: Quantity,
        /// The ERP's shipment id; applied once per shipment and order line.
        shipment_id: String,
    },
}

impl StockCommand {
    /// The SKU and warehouse the command is for.
    pub fn item(&self) -> (&Sku, &WarehouseCode) {
        match self {
            StockCommand::SetOnHand { sku, warehouse, .. }
            | StockCommand::RecordMovement { sku, warehouse, .. }
            | StockCommand::Reserve { sku, warehouse, .. }
            | StockCommand::Release { sku, warehouse, .. }
            | StockCommand::Fulfil { sku, warehouse, .. } => (sku, warehouse),
        }
    }
}
