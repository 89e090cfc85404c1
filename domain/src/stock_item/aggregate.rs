//! The stock-item aggregate: state, rules and the availability query.

use std::collections::{BTreeMap, BTreeSet};

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::rules::decide;
use super::{StockCommand, StockError, StockEvent};
use crate::values::{Sku, WarehouseCode};

/// One order line's reservation in this item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// The order.
    pub order_id: String,
    /// The order line.
    pub line_no: u32,
    /// How much is still reserved (shipments consume it).
    pub quantity: Decimal,
}

/// The stock-item aggregate (aggregate id = [`StockItem::id`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockItem {
    sku: Option<Sku>,
    warehouse: Option<WarehouseCode>,
    on_hand: Decimal,
    reservations: BTreeMap<String, Reservation>,
    reserved: Decimal,
    applied_movements: BTreeSet<String>,
    applied_shipments: BTreeSet<String>,
}

/// The key of an order line's reservation: `"{order_id}#{line_no}"`.
fn reservation_key(order_id: &str, line_no: u32) -> String {
    format!("{order_id}#{line_no}")
}

/// The idempotency key of a shipment: per order line, since one shipment may carry several
/// lines of the same SKU.
fn shipment_key(shipment_id: &str, order_id: &str, line_no: u32) -> String {
    format!("{shipment_id}|{}", reservation_key(order_id, line_no))
}

impl StockItem {
    /// The aggregate id of the stock item for a SKU in a warehouse: `"{sku}@{warehouse}"`.
    pub fn id(sku: &Sku, warehouse: &WarehouseCode) -> String {
        format!("{sku}@{warehouse}")
    }

    /// The SKU, once the item has an event.
    pub fn sku(&self) -> Option<&Sku> {
        self.sku.as_ref()
    }

    /// The warehouse, once the item has an event.
    pub fn warehouse(&self) -> Option<&WarehouseCode> {
        self.warehouse.as_ref()
    }

    /// On hand, as the ERP's levels and movements and our shipments leave it; negative only
    /// when the ERP issued more than we knew of.
    pub fn on_hand(&self) -> Decimal {
        self.on_hand
    }

    /// The sum of all reservations.
    pub fn reserved(&self) -> Decimal {
        self.reserved
    }

    /// On hand − reserved.
    pub fn available(&self) -> Decimal {
        (self.on_hand - self.reserved).normalize()
    }

    /// Every reservation, by `"{order_id}#{line_no}"`.
    pub fn reservations(&self) -> &BTreeMap<String, Reservation> {
        &self.reservations
    }

    /// The reservation of one order line.
    pub fn reservation(&self, order_id: &str, line_no: u32) -> Option<&Reservation> {
        self.reservations.get(&reservation_key(order_id, line_no))
    }

    /// Refuses a command for another SKU or warehouse than this item's.
    pub(super) fn check_item(
        &self,
        sku: &Sku,
        warehouse: &WarehouseCode,
    ) -> Result<(), StockError> {
        match (&self.sku, &self.warehouse) {
            (Some(own_sku), Some(own_warehouse))
                if own_sku != sku || own_warehouse != warehouse =>
            {
                Err(StockError::WrongItem {
                    item: Self::id(own_sku, own_warehouse),
                    given: Self::id(sku, warehouse),
                })
            }
            _ => Ok(()),
        }
    }

    /// Whether the ERP movement with this id has been applied.
    pub(super) fn has_applied_movement(&self, movement_id: &str) -> bool {
        self.applied_movements.contains(movement_id)
    }

    /// Whether this shipment has been applied to this order line.
    pub(super) fn has_applied_shipment(
        &self,
        shipment_id: &str,
        order_id: &str,
        line_no: u32,
    ) -> bool {
        self.applied_shipments
            .contains(&shipment_key(shipment_id, order_id, line_no))
    }

    /// Lowers an order line's reservation, dropping it when nothing is left.
    fn consume_reservation(&mut self, order_id: &str, line_no: u32, amount: Decimal) {
        let key = reservation_key(order_id, line_no);
        if let Some(reservation) = self.reservations.get_mut(&key) {
            reservation.quantity = (reservation.quantity - amount).normalize();
            if reservation.quantity <= Decimal::ZERO {
                self.reservations.remove(&key);
            }
        }
        self.reserved = (self.reserved - amount).normalize();
    }
}

impl Aggregate for StockItem {
    const TYPE: &'static str = "stock_item";
    type Command = StockCommand;
    type Event = StockEvent;
    type Error = StockError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in decide(self, command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        let (sku, warehouse) = event.item();
        if self.sku.is_none() {
            self.sku = Some(sku.clone());
            self.warehouse = Some(warehouse.clone());
        }
        match event {
            StockEvent::StockAdjusted { on_hand, .. } => self.on_hand = on_hand,
            StockEvent::StockMoved {
                movement_id,
                on_hand,
                ..
            } => {
                self.on_hand = on_hand;
                self.applied_movements.insert(movement_id);
            }
            StockEvent::StockReserved {
                order_id,
                line_no,
                quantity,
                ..
            } => {
                self.reserved = (self.reserved + quantity.value()).normalize();
                let reservation = Reservation {
                    order_id: order_id.clone(),
                    line_no,
                    quantity: quantity.value(),
                };
                self.reservations
                    .insert(reservation_key(&order_id, line_no), reservation);
            }
            StockEvent::ReservationReleased {
                order_id,
                line_no,
                quantity,
                ..
            } => self.consume_reservation(&order_id, line_no, quantity),
            StockEvent::ReservationFulfilled {
                order_id,
                line_no,
                released,
                shipment_id,
                on_hand,
                ..
            } => {
                self.on_hand = on_hand;
                self.consume_reservation(&order_id, line_no, released);
                self.applied_shipments
                    .insert(shipment_key(&shipment_id, &order_id, line_no));
            }
        }
    }
}
