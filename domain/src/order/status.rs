//! Where an order stands in its lifecycle, and what each stage means for stock and the ERP.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An order's status; serialized snake_case (`"pending_approval"`).
///
/// The lifecycle (SPEC "Aggregates and their invariants" → Order): `placed` → `reserved` |
/// `backordered` | `rejected` → `pending_approval` where a rule applies → `ready_for_erp` →
/// `sent_to_erp` → `accepted_by_erp` | `rejected_by_erp` → `partially_shipped` → `shipped` →
/// `invoiced` → `completed`, and `cancelled` from any state before shipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed with fixed prices; stock is being reserved.
    Placed,
    /// Every line's stock is reserved.
    Reserved,
    /// Stock is reserved where there is some; the rest waits as a backorder.
    Backordered,
    /// Refused: not enough stock, or an approver rejected it.
    Rejected,
    /// Waiting for an approver of the buying company.
    PendingApproval,
    /// Reserved and approved; waiting for the dispatcher to send it to the ERP.
    ReadyForErp,
    /// Sent to the ERP (at least once); no answer yet.
    SentToErp,
    /// The ERP took the order.
    AcceptedByErp,
    /// The ERP refused the order.
    RejectedByErp,
    /// Some goods have shipped.
    PartiallyShipped,
    /// Every ordered quantity has shipped.
    Shipped,
    /// The ERP invoiced the order (possibly before the last shipment).
    Invoiced,
    /// Fully shipped and invoiced.
    Completed,
    /// Cancelled before shipping.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [OrderStatus; 14] = [
        OrderStatus::Placed,
        OrderStatus::Reserved,
        OrderStatus::Backordered,
        OrderStatus::Rejected,
        OrderStatus::PendingApproval,
        OrderStatus::ReadyForErp,
        OrderStatus::SentToErp,
        OrderStatus::AcceptedByErp,
        OrderStatus::RejectedByErp,
        OrderStatus::PartiallyShipped,
        OrderStatus::Shipped,
        OrderStatus::Invoiced,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ];

    /// The status's snake_case name, as serialized.
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Reserved => "reserved",
            OrderStatus::Backordered => "backordered",
            OrderStatus::Rejected => "rejected",
            OrderStatus::PendingApproval => "pending_approval",
            OrderStatus::ReadyForErp => "ready_for_erp",
            OrderStatus::SentToErp => "sent_to_erp",
            OrderStatus::AcceptedByErp => "accepted_by_erp",
            OrderStatus::RejectedByErp => "rejected_by_erp",
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Invoiced => "invoiced",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the order has reached an end: nothing can change its status any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            OrderStatus::Rejected
                | OrderStatus::RejectedByErp
                | OrderStatus::Cancelled
                | OrderStatus::Completed
        )
    }

    /// Whether the order's stock reservation must still be held. Rejection, cancellation and
    /// ERP refusal release it; shipping the last goods and invoicing consume it.
    pub fn holds_stock(&self) -> bool {
        matches!(
            self,
            OrderStatus::Reserved
                | OrderStatus::Backordered
                | OrderStatus::PendingApproval
                | OrderStatus::ReadyForErp
                | OrderStatus::SentToErp
                | OrderStatus::AcceptedByErp
                | OrderStatus::PartiallyShipped
        )
    }

    /// Whether goods have left (or the ERP has invoiced): too late to cancel.
    pub fn has_shipped(&self) -> bool {
        matches!(
            self,
            OrderStatus::PartiallyShipped
                | OrderStatus::Shipped
                | OrderStatus::Invoiced
                | OrderStatus::Completed
        )
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_serializes_as_its_snake_case_name() {
        for status in OrderStatus::ALL {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(serde_json::from_str::<OrderStatus>(&json).unwrap(), status);
        }
    }

    #[test]
    fn final_statuses_hold_no_stock() {
        for status in OrderStatus::ALL.into_iter().filter(OrderStatus::is_final) {
            assert!(!status.holds_stock(), "{status} holds stock");
        }
        assert!(OrderStatus::PartiallyShipped.holds_stock());
        assert!(!OrderStatus::Shipped.holds_stock());
        assert!(!OrderStatus::Placed.holds_stock());
    }
}
