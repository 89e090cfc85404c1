//! Why an order command was refused.

use rust_decimal::Decimal;
use thiserror::Error;

use super::OrderStatus;
use crate::values::Sku;

/// Errors of the [`Order`](super::Order) aggregate; [`OrderError::code`] gives each a stable
/// kebab-case code for problem types.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderError {
    /// The order has not been placed.
    #[error("unknown order")]
    UnknownOrder,
    /// `Place` was sent to an order that exists.
    #[error("order {order_id} was already placed")]
    AlreadyPlaced {
        /// The existing order.
        order_id: String,
    },
    /// The order id was empty.
    #[error("order id must not be empty")]
    EmptyOrderId,
    /// The order has no lines.
    #[error("an order needs at least one line")]
    NoLines,
    /// The order has more lines than allowed.
    #[error("an order may have at most {max} lines")]
    TooManyLines {
        /// The largest allowed number of lines.
        max: usize,
    },
    /// Two lines share a line number.
    #[error("line number {line_no} appears more than once")]
    DuplicateLineNo {
        /// The repeated line number.
        line_no: u32,
    },
    /// A text field is longer than allowed.
    #[error("{field} may have at most {max} characters")]
    TooLong {
        /// The field.
        field: &'static str,
        /// The largest allowed number of characters.
        max: usize,
    },
    /// A line of the pricing could not be priced.
    #[error("line {sku} cannot be priced: {detail}")]
    UnpricedLine {
        /// The SKU that failed.
        sku: String,
        /// The pricing engine's explanation.
        detail: String,
    },
    /// The pricing is not the pricing of these lines in this currency.
    #[error("the pricing does not match the order: {reason}")]
    PricingMismatch {
        /// What differs.
        reason: String,
    },
    /// The command is not allowed in the order's current status.
    #[error("cannot {action} an order that is {status}")]
    InvalidTransition {
        /// What was attempted (`"approve"`).
        action: &'static str,
        /// The order's status.
        status: OrderStatus,
    },
    /// A cancellation is already waiting for the ERP's answer.
    #[error("a cancellation is already waiting for the erp")]
    CancellationPending,
    /// The ERP answered a cancellation that nobody asked for.
    #[error("no cancellation is pending")]
    NoCancellationPending,
    /// Goods have left: too late to cancel.
    #[error("cannot cancel: the order has shipped")]
    AlreadyShipped,
    /// An allocation, shortage or shipment names a line or SKU the order does not have.
    #[error("sku {sku} is not in the order")]
    UnknownLine {
        /// The SKU named.
        sku: Sku,
    },
    /// A shipment has no lines.
    #[error("a shipment needs at least one line")]
    EmptyShipment,
    /// A shipment would ship more of a SKU than was ordered.
    #[error("shipping {shipped} of {sku} would exceed the {ordered} ordered")]
    OverShipment {
        /// The SKU.
        sku: Sku,
        /// The quantity ordered over all lines.
        ordered: Decimal,
        /// The quantity shipped, this shipment included.
        shipped: Decimal,
    },
    /// A delivery names a shipment the order has not recorded.
    #[error("unknown shipment {shipment_id}")]
    UnknownShipment {
        /// The shipment named.
        shipment_id: String,
    },
}

impl OrderError {
    /// A stable kebab-case code for problem types and logs.
    pub fn code(&self) -> &'static str {
        match self {
            OrderError::UnknownOrder => "unknown-order",
            OrderError::AlreadyPlaced { .. } => "order-exists",
            OrderError::EmptyOrderId => "empty-order-id",
            OrderError::NoLines => "no-lines",
            OrderError::TooManyLines { .. } => "too-many-lines",
            OrderError::DuplicateLineNo { .. } => "duplicate-line-no",
            OrderError::TooLong { .. } => "too-long",
            OrderError::UnpricedLine { .. } => "unpriced-line",
            OrderError::PricingMismatch { .. } => "pricing-mismatch",
            OrderError::InvalidTransition { .. } => "invalid-transition",
            OrderError::CancellationPending => "cancellation-pending",
            OrderError::NoCancellationPending => "no-cancellation-pending",
            OrderError::AlreadyShipped => "already-shipped",
            OrderError::UnknownLine { .. } => "unknown-line",
            OrderError::EmptyShipment => "empty-shipment",
            OrderError::OverShipment { .. } => "over-shipment",
            OrderError::UnknownShipment { .. } => "unknown-shipment",
        }
    }
}
