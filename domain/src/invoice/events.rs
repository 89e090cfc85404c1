//! What happened to an invoice.

use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::InvoiceData;
use crate::values::Money;

/// Events of the [`Invoice`](super::Invoice) aggregate.
// The invoice itself is by far the largest event and the reason the aggregate exists; boxing it
// would only make every match on the events noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoiceEvent {
    /// The ERP issued the invoice or credit note.
    InvoiceRecorded(InvoiceData),
    /// A payment was made against it.
    PaymentRecorded {
        /// The ERP's id for the payment.
        payment_id: String,
        /// How much was paid.
        amount: Money,
        /// When.
        paid_on: NaiveDate,
    },
}

impl DomainEvent for InvoiceEvent {
    fn event_type(&self) -> String {
        match self {
            InvoiceEvent::InvoiceRecorded(_) => "InvoiceRecorded",
            InvoiceEvent::PaymentRecorded { .. } => "PaymentRecorded",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
