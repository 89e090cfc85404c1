//! Why a stock command was refused.

use rust_decimal::Decimal;
use thiserror::Error;

use crate::values::Quantity;

/// Errors of the [`StockItem`](super::StockItem) aggregate; [`StockError::code`] gives each a
/// stable kebab-case code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StockError {
    /// Not enough available stock and no backorder allowed.
    #[error("insufficient stock: {available} available")]
    InsufficientStock {
        /// What is available now (on hand − reserved; may be negative).
        available: Decimal,
    },
    /// The order line is already reserved with another quantity.
    #[error("order {order_id} line {line_no} already has {reserved} reserved, not {requested}")]
    ReservationMismatch {
        /// The order.
        order_id: String,
        /// The order line.
        line_no: u32,
        /// The quantity reserved now.
        reserved: Decimal,
        /// The quantity the command asked for.
        requested: Quantity,
    },
    /// The command names another SKU or warehouse than this item's.
    #[error("command for stock item {given} sent to stock item {item}")]
    WrongItem {
        /// This item's id.
        item: String,
        /// The id the command named.
        given: String,
    },
}

impl StockError {
    /// A stable kebab-case code for problem types and logs.
    pub fn code(&self) -> &'static str {
        match self {
            StockError::InsufficientStock { .. } => "insufficient-stock",
            StockError::ReservationMismatch { .. } => "reservation-mismatch",
            StockError::WrongItem { .. } => "wrong-item",
        }
    }
}
