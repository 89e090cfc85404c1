//! What the buyer, the approver, the process managers, the dispatcher and the ERP may ask of an
//! order.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{OrderLine, OrderSource, ReservationOutcome, ShippedLine};
use crate::pricing::PricedDocument;
use crate::values::{Address, ChannelCode, CompanyId, CurrencyCode, UserId};

/// A new order as the buyer placed it, with the prices fixed at placement. The accepted
/// command is stored whole in the `OrderPlaced` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceOrder {
    /// The order's id (the aggregate id): a UUID the app makes.
    pub order_id: String,
    /// The buying company.
    pub company_id: CompanyId,
    /// The sales channel it was placed through.
    pub channel: ChannelCode,
    /// The order's currency; the pricing must be in it.
    pub currency: CurrencyCode,
    /// The user who placed it (the actor of `OrderPlaced`).
    pub buyer: UserId,
    /// 1 to 1000 lines with unique line numbers.
    pub lines: Vec<OrderLine>,
    /// The pricing engine's answer for exactly these lines, in the same order, fully priced.
    pub pricing: PricedDocument,
    /// Where to deliver.
    pub delivery_address: Address,
    /// The buyer's own reference (their PO number), at most 64 characters.
    pub customer_reference: Option<String>,
    /// A free note, at most 2000 characters.
    pub note: String,
    /// When the buyer would like the goods.
    pub requested_delivery_date: Option<NaiveDate>,
    /// Why the order needs approval, computed by the app from the company's rules and credit
    /// limit; empty when it needs none.
    pub approval_reasons: Vec<String>,
    /// Whether lines may be split over warehouses and deliveries.
    pub allow_partial_delivery: bool,
    /// Whether stock may be reserved beyond what is available.
    pub allow_backorders: bool,
    /// Where the order came from.
    pub source: OrderSource,
}

/// Commands to the [`Order`](super::Order) aggregate. Commands that a person or process issues
/// name the actor in `by` (a user id, `"erp"` or `"system"`); the events repeat it so that the
/// status history can say who did what.
// Commands live briefly and are moved, not copied around in bulk; boxing the placed order
// would only make every match on them noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderCommand {
    /// Places a new order; only on an empty aggregate.
    Place(PlaceOrder),
    /// Records what the reservation process manager reserved; only in `placed`.
    RecordReservation {
        /// What was reserved, backordered or refused.
        outcome: ReservationOutcome,
        /// Who reserved (normally `"system"`).
        by: String,
    },
    /// An approver approves; only in `pending_approval`. Role and four-eyes checks happen in the
    /// app with the company aggregate.
    Approve {
        /// The approver.
        by: UserId,
        /// The approver's comment.
        comment: String,
    },
    /// An approver rejects; only in `pending_approval`.
    Reject {
        /// The approver.
        by: UserId,
        /// Why.
        comment: String,
    },
    /// Cancels the order, or asks the ERP to once it has the order.
    Cancel {
        /// Who cancels.
        by: String,
        /// Why.
        reason: String,
    },
    /// The dispatcher sent (or re-sent) the order to the ERP.
    MarkSent {
        /// The delivery attempt, counting from 1.
        attempt: u32,
    },
    /// The ERP accepted the order.
    RecordErpAcceptance {
        /// The ERP's number for the order.
        erp_order_no: String,
    },
    /// The ERP refused the order for good (a 4xx answer or an explicit refusal).
    RecordErpRefusal {
        /// Why.
        reason: String,
    },
    /// The dispatcher gave a delivery up (dead letter) without a decisive answer from the ERP.
    RecordDeadLetter {
        /// `submit` or `cancel`.
        operation: String,
        /// Why.
        reason: String,
    },
    /// The ERP agreed to the pending cancellation.
    ConfirmCancellation,
    /// The ERP refused the pending cancellation.
    RefuseCancellation {
        /// Why.
        reason: String,
    },
    /// The ERP cancelled the order on its own.
    RecordErpCancellation {
        /// Why.
        reason: String,
    },
    /// Goods left a warehouse; applied once per shipment id.
    RecordShipment {
        /// The ERP's shipment id.
        shipment_id: String,
        /// What shipped.
        lines: Vec<ShippedLine>,
    },
    /// The goods (of one shipment, or of the order) were delivered.
    RecordDelivery {
        /// The shipment, when the ERP names one.
        shipment_id: Option<String>,
    },
    /// The ERP invoiced the order; applied once per invoice number.
    RecordInvoice {
        /// The invoice's number.
        invoice_number: String,
    },
}
