//! The stock rules: what each command does to a stock item, decided before anything changes.

use rust_decimal::Decimal;

use super::{Reservation, StockCommand, StockError, StockEvent, StockItem};

/// Decides the events a command produces for `item`; never changes state itself.
pub(super) fn decide(
    item: &StockItem,
    command: StockCommand,
) -> Result<Vec<StockEvent>, StockError> {
    let (sku, warehouse) = command.item();
    item.check_item(sku, warehouse)?;
    let events = match command {
        StockCommand::SetOnHand {
            sku,
            warehouse,
            on_hand,
            message_id,
        } => {
            let on_hand = on_hand.value();
            (on_hand != item.on_hand())
                .then(|| StockEvent::StockAdjusted {
                    sku,
                    warehouse,
                    previous: item.on_hand(),
                    on_hand,
                    delta: (on_hand - item.on_hand()).normalize(),
                    message_id,
                })
                .into_iter()
                .collect()
        }
        StockCommand::RecordMovement {
            sku,
            warehouse,
            movement_id,
            kind,
            quantity,
        } => {
            if item.has_applied_movement(&movement_id) {
                return Ok(vec![]);
            }
            let delta = if kind.is_inbound() {
                quantity.value()
            } else {
                -quantity.value()
            };
            vec![StockEvent::StockMoved {
                sku,
                warehouse,
                movement_id,
                kind,
                delta,
                on_hand: (item.on_hand() + delta).normalize(),
            }]
        }
        StockCommand::Reserve {
            sku,
            warehouse,
            order_id,
            line_no,
            quantity,
            allow_backorder,
        } => {
            if let Some(existing) = item.reservation(&order_id, line_no) {
                if existing.quantity == quantity.value() {
                    return Ok(vec![]);
                }
                return Err(StockError::ReservationMismatch {
                    order_id,
                    line_no,
                    reserved: existing.quantity,
                    requested: quantity,
                });
            }
            let available = item.available();
            if !allow_backorder && available < quantity.value() {
                return Err(StockError::InsufficientStock { available });
            }
            vec![StockEvent::StockReserved {
                sku,
                warehouse,
                order_id,
                line_no,
                quantity,
            }]
        }
        StockCommand::Release {
            sku,
            warehouse,
            order_id,
            reason,
        } => {
            let mut lines: Vec<&Reservation> = item
                .reservations()
                .values()
                .filter(|reservation| reservation.order_id == order_id)
                .collect();
            lines.sort_by_key(|reservation| reservation.line_no);
            lines
                .into_iter()
                .map(|reservation| StockEvent::ReservationReleased {
                    sku: sku.clone(),
                    warehouse: warehouse.clone(),
                    order_id: order_id.clone(),
                    line_no: reservation.line_no,
                    quantity: reservation.quantity,
                    reason: reason.clone(),
                })
                .collect()
        }
        StockCommand::Fulfil {
            sku,
            warehouse,
            order_id,
            line_no,
            quantity,
            shipment_id,
        } => {
            if item.has_applied_shipment(&shipment_id, &order_id, line_no) {
                return Ok(vec![]);
            }
            let reserved = item
                .reservation(&order_id, line_no)
                .map_or(Decimal::ZERO, |reservation| reservation.quantity);
            vec![StockEvent::ReservationFulfilled {
                sku,
                warehouse,
                order_id,
                line_no,
                quantity,
                released: reserved.min(quantity.value()),
                shipment_id,
                on_hand: (item.on_hand() - quantity.value()).normalize(),
            }]
        }
    };
    Ok(events)
}
