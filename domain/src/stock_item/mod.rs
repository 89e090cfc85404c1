//! The stock-item aggregate: one SKU in one warehouse, with the ERP's on-hand level and the
//! reservations of order lines. Its aggregate id is [`StockItem::id`] (`"{sku}@{warehouse}"`).

mod aggregate;
mod commands;
mod error;
mod events;
mod rules;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

pub use aggregate::{Reservation, StockItem};
pub use commands::{MovementKind, StockCommand};
pub use error::StockError;
pub use events::StockEvent;
