//! What the ERP may ask of an invoice.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::InvoiceData;
use crate::values::Money;

/// Commands to the [`Invoice`](super::Invoice) aggregate.
// Commands live briefly and are moved, not copied around in bulk; boxing the invoice would
// only make every match on them noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoiceCommand {
    /// Records an invoice or credit note; an identical re-send is a no-op.
    RecordInvoice(InvoiceData),
    /// Records a payment against the invoice; applied once per payment id.
    RecordPayment {
        /// The ERP's id for the payment.
        payment_id: String,
        /// How much was paid, in the invoice's currency.
        amount: Money,
        /// When.
        paid_on: NaiveDate,
    },
}
