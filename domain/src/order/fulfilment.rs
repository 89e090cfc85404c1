//! The order rules for the ERP's feedback: shipments, deliveries and invoices. Each is applied
//! once per id, so a message the ERP repeats changes nothing.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::rules::require;
use super::{Order, OrderError, OrderEvent, OrderStatus, ShippedLine};
use crate::values::Sku;

/// Why a pending cancellation is refused when goods ship first.
const SHIPPED_FIRST: &str = "already shipped";

/// Goods left a warehouse: shipped totals grow per SKU and never exceed what was ordered.
/// A late partial shipment may still arrive after the invoice.
pub(super) fn record_shipment(
    order: &Order,
    status: OrderStatus,
    shipment_id: String,
    lines: Vec<ShippedLine>,
) -> Result<Vec<OrderEvent>, OrderError> {
    if order.shipments().contains(&shipment_id) {
        return Ok(vec![]);
    }
    require(
        matches!(
            status,
            OrderStatus::SentToErp
                | OrderStatus::AcceptedByErp
                | OrderStatus::PartiallyShipped
                | OrderStatus::Invoiced
        ),
        "record a shipment for",
        status,
    )?;
    if lines.is_empty() {
        return Err(OrderError::EmptyShipment);
    }
    let mut totals: BTreeMap<&Sku, Decimal> = BTreeMap::new();
    for line in &lines {
        let ordered = order.ordered_quantity(&line.sku);
        if ordered.is_zero() {
            return Err(OrderError::UnknownLine {
                sku: line.sku.clone(),
            });
        }
        let total = totals
            .entry(&line.sku)
            .or_insert_with(|| order.shipped_quantity(&line.sku));
        *total = (*total + line.quantity.value()).normalize();
        if *total > ordered {
            return Err(OrderError::OverShipment {
                sku: line.sku.clone(),
                ordered,
                shipped: *total,
            });
        }
    }
    let completes = status == OrderStatus::Invoiced
        && order.lines().iter().all(|line| {
            let shipped = totals
                .get(&line.sku)
                .copied()
                .unwrap_or_else(|| order.shipped_quantity(&line.sku));
            shipped == order.ordered_quantity(&line.sku)
        });

    let mut events = Vec::with_capacity(3);
    if order.cancellation_pending() {
        events.push(OrderEvent::CancellationRefused {
            reason: SHIPPED_FIRST.to_owned(),
        });
    }
    events.push(OrderEvent::ShipmentRecorded { shipment_id, lines });
    if completes {
        events.push(OrderEvent::OrderCompleted);
    }
    Ok(events)
}

/// Goods were delivered: once per shipment (or once for the order, without a shipment id).
pub(super) fn record_delivery(
    order: &Order,
    status: OrderStatus,
    shipment_id: Option<String>,
) -> Result<Vec<OrderEvent>, OrderError> {
    require(status.has_shipped(), "record a delivery for", status)?;
    if order.has_delivery(&shipment_id) {
        return Ok(vec![]);
    }
    if let Some(id) = &shipment_id {
        if !order.shipments().contains(id) {
            return Err(OrderError::UnknownShipment {
                shipment_id: id.clone(),
            });
        }
    }
    Ok(vec![OrderEvent::DeliveryConfirmed { shipment_id }])
}

/// The ERP invoiced the order: once per invoice number. A fully shipped order is complete
/// with its first invoice; one still shipping completes with its last shipment.
pub(super) fn record_invoice(
    order: &Order,
    status: OrderStatus,
    invoice_number: String,
) -> Result<Vec<OrderEvent>, OrderError> {
    if order.invoices().contains(&invoice_number) {
        return Ok(vec![]);
    }
    require(
        matches!(
            status,
            OrderStatus::AcceptedByErp
                | OrderStatus::PartiallyShipped
                | OrderStatus::Shipped
                | OrderStatus::Invoiced
                | OrderStatus::Completed
        ),
        "record an invoice for",
        status,
    )?;
    let mut events = vec![OrderEvent::InvoiceRecorded { invoice_number }];
    if status == OrderStatus::Shipped {
        events.push(OrderEvent::OrderCompleted);
    }
    Ok(events)
}
