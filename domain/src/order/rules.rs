//! The order rules before the ERP has the order: placement, the reservation outcome, approval
//! and cancellation. Every rule decides the events a command produces before anything changes.

use super::ReservationOutcome;
use super::{fulfilment, handover};
use super::{Order, OrderCommand, OrderError, OrderEvent, OrderStatus, PlaceOrder};

/// Decides the events a command produces for `order`; never changes state itself. An empty
/// list means the command was a repeat of something already recorded.
pub(super) fn decide(order: &Order, command: OrderCommand) -> Result<Vec<OrderEvent>, OrderError> {
    let Ok((placed, status)) = order.current() else {
        return match command {
            OrderCommand::Place(placed) => {
                placed.check()?;
                Ok(vec![OrderEvent::OrderPlaced(placed)])
            }
            _ => Err(OrderError::UnknownOrder),
        };
    };
    match command {
        OrderCommand::Place(_) => Err(OrderError::AlreadyPlaced {
            order_id: placed.order_id.clone(),
        }),
        OrderCommand::RecordReservation { outcome, by } => {
            record_reservation(order, placed, status, outcome, by)
        }
        OrderCommand::Approve { by, comment } => {
            require(status == OrderStatus::PendingApproval, "approve", status)?;
            Ok(vec![
                OrderEvent::Approved { by, comment },
                OrderEvent::ReadyForErp,
            ])
        }
        OrderCommand::Reject { by, comment } => {
            require(status == OrderStatus::PendingApproval, "reject", status)?;
            Ok(vec![OrderEvent::Rejected { by, comment }])
        }
        OrderCommand::Cancel { by, reason } => cancel(order, status, by, reason),
        OrderCommand::MarkSent { attempt } => handover::mark_sent(order, status, attempt),
        OrderCommand::RecordErpAcceptance { erp_order_no } => {
            handover::record_acceptance(order, status, erp_order_no)
        }
        OrderCommand::RecordErpRefusal { reason } => handover::record_refusal(status, reason),
        // A fact for ops: nothing about the order changes, whatever its status.
        OrderCommand::RecordDeadLetter { operation, reason } => {
            Ok(vec![OrderEvent::ErpDeliveryDeadLettered {
                operation,
                reason,
            }])
        }
        OrderCommand::ConfirmCancellation => handover::confirm_cancellation(order, status),
        OrderCommand::RefuseCancellation { reason } => handover::refuse_cancellation(order, reason),
        OrderCommand::RecordErpCancellation { reason } => {
            handover::record_erp_cancellation(status, reason)
        }
        OrderCommand::RecordShipment { shipment_id, lines } => {
            fulfilment::record_shipment(order, status, shipment_id, lines)
        }
        OrderCommand::RecordDelivery { shipment_id } => {
            fulfilment::record_delivery(order, status, shipment_id)
        }
        OrderCommand::RecordInvoice { invoice_number } => {
            fulfilment::record_invoice(order, status, invoice_number)
        }
    }
}

/// Refuses a command unless `allowed`, naming the action and the status in the error.
pub(super) fn require(
    allowed: bool,
    action: &'static str,
    status: OrderStatus,
) -> Result<(), OrderError> {
    if allowed {
        Ok(())
    } else {
        Err(OrderError::InvalidTransition { action, status })
    }
}

fn record_reservation(
    order: &Order,
    placed: &PlaceOrder,
    status: OrderStatus,
    outcome: ReservationOutcome,
    by: String,
) -> Result<Vec<OrderEvent>, OrderError> {
    if status != OrderStatus::Placed {
        // The process manager may repeat itself after a restart; the same outcome again is
        // already recorded, anything else comes too late.
        if order.reservation() == Some(&outcome) {
            return Ok(vec![]);
        }
        return Err(OrderError::InvalidTransition {
            action: "record a reservation for",
            status,
        });
    }
    if let Some((_, sku)) = outcome.named_lines().find(|&(line_no, sku)| {
        !placed
            .lines
            .iter()
            .any(|line| line.line_no == line_no && &line.sku == sku)
    }) {
        return Err(OrderError::UnknownLine { sku: sku.clone() });
    }
    let reserved = match outcome {
        ReservationOutcome::Rejected { reason } => {
            return Ok(vec![OrderEvent::RejectedForStock { reason, by }]);
        }
        ReservationOutcome::Reserved { allocations } => {
            OrderEvent::StockReserved { allocations, by }
        }
        ReservationOutcome::Backordered { allocations, short } => OrderEvent::StockBackordered {
            allocations,
            short,
            by,
        },
    };
    let next = if placed.approval_reasons.is_empty() {
        OrderEvent::ReadyForErp
    } else {
        OrderEvent::ApprovalRequested {
            reasons: placed.approval_reasons.clone(),
        }
    };
    Ok(vec![reserved, next])
}

fn cancel(
    order: &Order,
    status: OrderStatus,
    by: String,
    reason: String,
) -> Result<Vec<OrderEvent>, OrderError> {
    match status {
        OrderStatus::Placed
        | OrderStatus::Reserved
        | OrderStatus::Backordered
        | OrderStatus::PendingApproval
        | OrderStatus::ReadyForErp => Ok(vec![OrderEvent::Cancelled { by, reason }]),
        // The ERP has the order: it must agree.
        OrderStatus::SentToErp | OrderStatus::AcceptedByErp => {
            if order.cancellation_pending() {
                return Err(OrderError::CancellationPending);
            }
            Ok(vec![OrderEvent::CancellationRequested { by, reason }])
        }
        OrderStatus::PartiallyShipped
        | OrderStatus::Shipped
        | OrderStatus::Invoiced
        | OrderStatus::Completed => Err(OrderError::AlreadyShipped),
        OrderStatus::Rejected | OrderStatus::RejectedByErp | OrderStatus::Cancelled => {
            Err(OrderError::InvalidTransition {
                action: "cancel",
                status,
            })
        }
    }
}
