//! What happened to an order. Events that a person or process caused name it in `by`; the
//! others follow from the event before them in the same command (`ReadyForErp` after `Approved`,
//! `OrderCompleted` after the last shipment or invoice).

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::{Allocation, PlaceOrder, ShippedLine, ShortLine};
use crate::values::UserId;

/// Events of the [`Order`](super::Order) aggregate.
// The placed order is by far the largest event and the reason the aggregate exists; boxing it
// would only make every match on the events noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderEvent {
    /// The order was placed, with its prices fixed (→ `placed`).
    OrderPlaced(PlaceOrder),
    /// Every line's stock was reserved (→ `reserved`).
    StockReserved {
        /// Where the stock is reserved.
        allocations: Vec<Allocation>,
        /// Who reserved it.
        by: String,
    },
    /// Some stock was reserved and the rest backordered (→ `backordered`).
    StockBackordered {
        /// Where the stock that exists is reserved.
        allocations: Vec<Allocation>,
        /// What is missing.
        short: Vec<ShortLine>,
        /// Who reserved it.
        by: String,
    },
    /// Not enough stock (→ `rejected`).
    RejectedForStock {
        /// Why.
        reason: String,
        /// Who found out.
        by: String,
    },
    /// The order needs an approver (→ `pending_approval`).
    ApprovalRequested {
        /// Why, one reason per rule that applies.
        reasons: Vec<String>,
    },
    /// An approver approved the order; `ReadyForErp` follows.
    Approved {
        /// The approver.
        by: UserId,
        /// The approver's comment.
        comment: String,
    },
    /// An approver rejected the order (→ `rejected`); its stock is to be released.
    Rejected {
        /// The approver.
        by: UserId,
        /// Why.
        comment: String,
    },
    /// Reserved and approved: the dispatcher may send it (→ `ready_for_erp`).
    ReadyForErp,
    /// The order was cancelled (→ `cancelled`); its stock is to be released.
    Cancelled {
        /// Who cancelled (`"erp"` when the ERP agreed or cancelled on its own).
        by: String,
        /// Why.
        reason: String,
    },
    /// Cancellation was asked of the ERP, which has the order; the status stays.
    CancellationRequested {
        /// Who asked.
        by: String,
        /// Why.
        reason: String,
    },
    /// The ERP refused the pending cancellation (or shipped first); the status stays.
    CancellationRefused {
        /// Why.
        reason: String,
    },
    /// The dispatcher sent the order to the ERP (→ `sent_to_erp`).
    SentToErp {
        /// The delivery attempt, counting from 1.
        attempt: u32,
    },
    /// The ERP accepted the order (→ `accepted_by_erp`).
    AcceptedByErp {
        /// The ERP's number for the order.
        erp_order_no: String,
    },
    /// The ERP's number arrived after the order had moved past acceptance (status unchanged).
    ErpOrderNumberRecorded {
        /// The ERP's number for the order.
        erp_order_no: String,
    },
    /// A delivery to the ERP was given up and dead-lettered for ops, without an answer from
    /// the ERP that decides anything: the status (and a pending cancellation) stays.
    ErpDeliveryDeadLettered {
        /// `submit` or `cancel`.
        operation: String,
        /// Why it was given up.
        reason: String,
    },
    /// The ERP refused the order (→ `rejected_by_erp`); its stock is to be released.
    RejectedByErp {
        /// Why.
        reason: String,
    },
    /// Goods left a warehouse (→ `partially_shipped` or `shipped`; an invoiced order stays
    /// `invoiced`).
    ShipmentRecorded {
        /// The ERP's shipment id.
        shipment_id: String,
        /// What shipped.
        lines: Vec<ShippedLine>,
    },
    /// Goods were delivered; the status stays.
    DeliveryConfirmed {
        /// The shipment, when the ERP named one.
        shipment_id: Option<String>,
    },
    /// The ERP invoiced the order (→ `invoiced` unless already invoiced or completed).
    InvoiceRecorded {
        /// The invoice's number.
        invoice_number: String,
    },
    /// Fully shipped and invoiced (→ `completed`).
    OrderCompleted,
}

impl DomainEvent for OrderEvent {
    fn event_type(&self) -> String {
        match self {
            OrderEvent::OrderPlaced(_) => "OrderPlaced",
            OrderEvent::StockReserved { .. } => "StockReserved",
            OrderEvent::StockBackordered { .. } => "StockBackordered",
            OrderEvent::RejectedForStock { .. } => "RejectedForStock",
            OrderEvent::ApprovalRequested { .. } => "ApprovalRequested",
            OrderEvent::Approved { .. } => "Approved",
            OrderEvent::Rejected { .. } => "Rejected",
            OrderEvent::ReadyForErp => "ReadyForErp",
            OrderEvent::Cancelled { .. } => "Cancelled",
            OrderEvent::CancellationRequested { .. } => "CancellationRequested",
            OrderEvent::CancellationRefused { .. } => "CancellationRefused",
            OrderEvent::SentToErp { .. } => "SentToErp",
            OrderEvent::AcceptedByErp { .. } => "AcceptedByErp",
            OrderEvent::ErpOrderNumberRecorded { .. } => "ErpOrderNumberRecorded",
            OrderEvent::ErpDeliveryDeadLettered { .. } => "ErpDeliveryDeadLettered",
            OrderEvent::RejectedByErp { .. } => "RejectedByErp",
            OrderEvent::ShipmentRecorded { .. } => "ShipmentRecorded",
            OrderEvent::DeliveryConfirmed { .. } => "DeliveryConfirmed",
            OrderEvent::InvoiceRecorded { .. } => "InvoiceRecorded",
            OrderEvent::OrderCompleted => "OrderCompleted",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
