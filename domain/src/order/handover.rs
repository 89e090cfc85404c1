//! The order rules while the ERP takes the order over (SPEC "ERP dispatch"): sending, the ERP's
//! acceptance or refusal, and its answers about cancellation.
//!
//! Delivery to the ERP is at least once and its messages may come late, twice, or before our
//! own record of sending: a repeated or late message never moves an order backwards, it is
//! either a no-op or refused.

use super::{Order, OrderError, OrderEvent, OrderStatus};

/// The actor of events the ERP causes.
const ERP: &str = "erp";

/// The dispatcher sent the order: from `ready_for_erp`, or again from `sent_to_erp`. An
/// attempt that is not newer than the last one recorded is a repeat.
pub(super) fn mark_sent(
    order: &Order,
    status: OrderStatus,
    attempt: u32,
) -> Result<Vec<OrderEvent>, OrderError> {
    match status {
        OrderStatus::ReadyForErp => Ok(vec![OrderEvent::SentToErp { attempt }]),
        OrderStatus::SentToErp if attempt <= order.last_attempt() => Ok(vec![]),
        OrderStatus::SentToErp => Ok(vec![OrderEvent::SentToErp { attempt }]),
        _ => Err(OrderError::InvalidTransition {
            action: "send",
            status,
        }),
    }
}

/// The ERP accepted the order. It may answer before our `SentToErp` is recorded, so
/// `ready_for_erp` accepts too; once accepted (or later), a repeat is a no-op.
pub(super) fn record_acceptance(
    order: &Order,
    status: OrderStatus,
    erp_order_no: String,
) -> Result<Vec<OrderEvent>, OrderError> {
    match status {
        OrderStatus::ReadyForErp | OrderStatus::SentToErp => {
            Ok(vec![OrderEvent::AcceptedByErp { erp_order_no }])
        }
        // A late acceptance never moves the order back, but the ERP's number is kept when the
        // order got past acceptance without it (a shipment reported first).
        OrderStatus::AcceptedByErp
        | OrderStatus::PartiallyShipped
        | OrderStatus::Shipped
        | OrderStatus::Invoiced
        | OrderStatus::Completed => Ok(if order.erp_order_no().is_none() {
            vec![OrderEvent::ErpOrderNumberRecorded { erp_order_no }]
        } else {
            vec![]
        }),
        _ => Err(OrderError::InvalidTransition {
            action: "record the erp's acceptance of",
            status,
        }),
    }
}

/// The ERP refused the order for good; the process manager releases its stock.
pub(super) fn record_refusal(
    status: OrderStatus,
    reason: String,
) -> Result<Vec<OrderEvent>, OrderError> {
    match status {
        OrderStatus::ReadyForErp | OrderStatus::SentToErp => {
            Ok(vec![OrderEvent::RejectedByErp { reason }])
        }
        OrderStatus::RejectedByErp => Ok(vec![]),
        _ => Err(OrderError::InvalidTransition {
            action: "record the erp's refusal of",
            status,
        }),
    }
}

/// The ERP agreed to the pending cancellation: cancelled by `"erp"` for the reason asked.
pub(super) fn confirm_cancellation(
    order: &Order,
    status: OrderStatus,
) -> Result<Vec<OrderEvent>, OrderError> {
    if status == OrderStatus::Cancelled {
        return Ok(vec![]);
    }
    // An order invoiced (which may come before shipping) or shipped meanwhile is past
    // cancelling, even with the request still pending.
    if status.has_shipped() {
        return Err(OrderError::AlreadyShipped);
    }
    if let Some(pending) = order.pending_cancellation() {
        return Ok(vec![OrderEvent::Cancelled {
            by: ERP.to_owned(),
            reason: pending.reason.clone(),
        }]);
    }
    Err(OrderError::NoCancellationPending)
}

/// The ERP refused the pending cancellation; the order goes on as before. A refusal that was
/// already recorded (the ERP's own, or ours when it shipped first) is a no-op.
pub(super) fn refuse_cancellation(
    order: &Order,
    reason: String,
) -> Result<Vec<OrderEvent>, OrderError> {
    if order.cancellation_pending() {
        return Ok(vec![OrderEvent::CancellationRefused { reason }]);
    }
    if order.cancellation_refused() {
        return Ok(vec![]);
    }
    Err(OrderError::NoCancellationPending)
}

/// The ERP cancelled the order on its own, which it may do until goods leave.
pub(super) fn record_erp_cancellation(
    status: OrderStatus,
    reason: String,
) -> Result<Vec<OrderEvent>, OrderError> {
    match status {
        OrderStatus::Cancelled => Ok(vec![]),
        OrderStatus::SentToErp | OrderStatus::AcceptedByErp => Ok(vec![OrderEvent::Cancelled {
            by: ERP.to_owned(),
            reason,
        }]),
        _ if status.has_shipped() => Err(OrderError::AlreadyShipped),
        _ => Err(OrderError::InvalidTransition {
            action: "record the erp's cancellation of",
            status,
        }),
    }
}
