//! Why an invoice or a payment was refused.

use rust_decimal::Decimal;
use thiserror::Error;

/// Errors of the [`Invoice`](super::Invoice) aggregate; [`InvoiceError::code`] gives each a
/// stable kebab-case code for problem types.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvoiceError {
    /// No invoice has been recorded under this number.
    #[error("unknown invoice")]
    UnknownInvoice,
    /// The number is empty or too long.
    #[error("invoice number must have 1 to {max} characters")]
    InvalidNumber {
        /// The largest allowed number of characters.
        max: usize,
    },
    /// The invoice names no order.
    #[error("an invoice must name at least one order")]
    NoOrders,
    /// Payment would be due before the invoice was issued.
    #[error("due_on must not be before issued_on")]
    DueBeforeIssue,
    /// A credit note does not say which invoice it credits.
    #[error("a credit note must name the invoice it credits")]
    MissingCreditedInvoice,
    /// An amount is negative.
    #[error("{field} must not be negative")]
    NegativeAmount {
        /// Which amount.
        field: &'static str,
    },
    /// An amount is beyond any sensible invoice.
    #[error("{field} must be at most {max}")]
    AmountTooLarge {
        /// Which amount.
        field: &'static str,
        /// The largest allowed amount.
        max: u64,
    },
    /// A VAT rate outside 0..=100.
    #[error("vat rate {rate} is not between 0 and 100")]
    InvalidVatRate {
        /// The rate.
        rate: Decimal,
    },
    /// Two VAT lines share a rate.
    #[error("vat rate {rate} appears more than once")]
    DuplicateVatRate {
        /// The rate.
        rate: Decimal,
    },
    /// A rate's VAT base is not the sum of the line nets at that rate.
    #[error("the vat base at {rate} % is {base} but the lines at that rate add up to {lines}")]
    VatBaseMismatch {
        /// The rate.
        rate: Decimal,
        /// The VAT line's base (zero when there is no VAT line for the rate).
        base: Decimal,
        /// The sum of the line nets at the rate.
        lines: Decimal,
    },
    /// A total is not the sum of the VAT lines.
    #[error("{total} is {stated} but the vat lines add up to {computed}")]
    TotalsMismatch {
        /// Which total.
        total: &'static str,
        /// The total the ERP stated.
        stated: Decimal,
        /// The sum of the VAT lines.
        computed: Decimal,
    },
    /// The number was recorded before with other content.
    #[error("invoice {number} was already recorded with other content")]
    InvoiceConflict {
        /// The invoice number.
        number: String,
    },
    /// The command names another invoice than this aggregate's.
    #[error("invoice {given} sent to invoice {registered}")]
    WrongInvoice {
        /// The invoice this aggregate holds.
        registered: String,
        /// The invoice the command named.
        given: String,
    },
    /// A payment would take the paid sum above the gross total.
    #[error("a payment of {amount} exceeds the outstanding {outstanding}")]
    Overpayment {
        /// The payment.
        amount: Decimal,
        /// What was still to pay.
        outstanding: Decimal,
    },
    /// The payment id was recorded before with other content.
    #[error("payment {payment_id} was already recorded with other content")]
    PaymentConflict {
        /// The payment id.
        payment_id: String,
    },
}

impl InvoiceError {
    /// A stable kebab-case code for problem types and logs.
    pub fn code(&self) -> &'static str {
        match self {
            InvoiceError::UnknownInvoice => "unknown-invoice",
            InvoiceError::InvalidNumber { .. } => "invalid-invoice-number",
            InvoiceError::NoOrders => "no-orders",
            InvoiceError::DueBeforeIssue => "due-before-issue",
            InvoiceError::MissingCreditedInvoice => "missing-credited-invoice",
            InvoiceError::NegativeAmount { .. } => "negative-amount",
            InvoiceError::AmountTooLarge { .. } => "amount-too-large",
            InvoiceError::InvalidVatRate { .. } => "invalid-vat-rate",
            InvoiceError::DuplicateVatRate { .. } => "duplicate-vat-rate",
            InvoiceError::VatBaseMismatch { .. } => "vat-base-mismatch",
            InvoiceError::TotalsMismatch { .. } => "totals-mismatch",
            InvoiceError::InvoiceConflict { .. } => "invoice-conflict",
            InvoiceError::WrongInvoice { .. } => "wrong-invoice",
            InvoiceError::Overpayment { .. } => "overpayment",
            InvoiceError::PaymentConflict { .. } => "payment-conflict",
        }
    }
}
