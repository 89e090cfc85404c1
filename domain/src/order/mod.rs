//! The order aggregate: one buyer's order from placement through stock reservation, approval,
//! ERP dispatch, shipments and invoices to completion, rejection or cancellation (SPEC
//! "Aggregates and their invariants" → Order). Its aggregate id is the order id, a UUID the app
//! makes.
//!
//! Prices, VAT and totals are fixed at placement and stored in `OrderPlaced`. The order only
//! checks its own state: roles and four-eyes approval are the company's
//! ([`Company::may_approve`](crate::company::Company::may_approve)), stock is the stock items'.
//! Process managers react to its events: they reserve stock after `OrderPlaced` and release it
//! after `RejectedForStock`, `Rejected`, `Cancelled` and `RejectedByErp`.

mod aggregate;
mod commands;
mod error;
mod events;
mod fulfilment;
mod handover;
mod lines;
mod placement;
mod rules;
mod status;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

pub use aggregate::{Order, PendingCancellation};
pub use commands::{OrderCommand, PlaceOrder};
pub use error::OrderError;
pub use events::OrderEvent;
pub use lines::{Allocation, OrderLine, OrderSource, ReservationOutcome, ShippedLine, ShortLine};
pub use placement::MAX_ORDER_LINES;
pub use status::OrderStatus;
