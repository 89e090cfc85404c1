//! The invoice aggregate: an invoice or credit note as the ERP issued it, with its lines, VAT
//! breakdown and totals, and the payments made against it. Its aggregate id is the invoice
//! number.
//!
//! The ERP is the master of accounting: ordercore checks that an invoice adds up and keeps it
//! unchanged, it never computes one.

mod aggregate;
mod commands;
mod data;
mod error;
mod events;

#[cfg(test)]
mod tests;

pub use aggregate::{Invoice, Payment};
pub use commands::InvoiceCommand;
pub use data::{InvoiceData, InvoiceKind, InvoiceLine, VatLine, INVOICE_NUMBER_MAX};
pub use error::InvoiceError;
pub use events::InvoiceEvent;
