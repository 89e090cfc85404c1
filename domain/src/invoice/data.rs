//! An invoice's content as the ERP sends it, and the checks that it adds up.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::InvoiceError;
use crate::values::{CompanyId, CurrencyCode, Money, Quantity, Sku};

/// The longest invoice number.
pub const INVOICE_NUMBER_MAX: usize = 64;
/// A trillion: far above any B2B invoice, far below where sums could overflow.
const AMOUNT_MAX: u64 = 1_000_000_000_000;

/// Whether a document charges or credits; serialized `"invoice"` or `"credit_note"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    /// Charges the customer.
    Invoice,
    /// Credits the customer (its amounts are positive; the kind says it credits).
    CreditNote,
}

/// One invoiced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// The SKU.
    pub sku: Sku,
    /// How many units.
    pub quantity: Quantity,
    /// Net unit price.
    pub unit_price: Money,
    /// VAT rate in percent (`21`).
    pub vat_rate: Decimal,
    /// The line's net amount, as the ERP computed it.
    pub net: Decimal,
}

/// The base and VAT of one rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatLine {
    /// The rate in percent.
    pub rate: Decimal,
    /// The sum of the line nets at this rate.
    pub base: Decimal,
    /// The VAT at this rate.
    pub vat: Decimal,
}

/// An invoice or credit note as the ERP issued it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceData {
    /// The ERP's invoice number (the aggregate id): 1 to 64 characters.
    pub number: String,
    /// Invoice or credit note.
    pub kind: InvoiceKind,
    /// The invoiced company.
    pub company_id: CompanyId,
    /// The currency of every amount.
    pub currency: CurrencyCode,
    /// The orders the invoice covers; at least one.
    pub order_ids: Vec<String>,
    /// The invoiced lines.
    pub lines: Vec<InvoiceLine>,
    /// Base and VAT per rate, one line per rate.
    pub vat: Vec<VatLine>,
    /// The sum of the VAT lines' bases.
    pub total_net: Decimal,
    /// The sum of the VAT lines' VAT.
    pub total_vat: Decimal,
    /// `total_net + total_vat`.
    pub total_gross: Decimal,
    /// The date of issue.
    pub issued_on: NaiveDate,
    /// The date payment is due; not before `issued_on`.
    pub due_on: NaiveDate,
    /// The invoice a credit note credits; required for credit notes.
    pub credited_invoice: Option<String>,
}

impl InvoiceData {
    /// Checks that the invoice is complete and adds up: a number, at least one order, a due
    /// date not before the issue, amounts from zero to a trillion, rates of 0 to 100 %, one
    /// VAT line per rate whose base is the sum of the line nets at that rate, totals that are
    /// the sums of the VAT lines, and a credited invoice for a credit note.
    pub fn check(&self) -> Result<(), InvoiceError> {
        if self.number.trim().is_empty() || self.number.chars().count() > INVOICE_NUMBER_MAX {
            return Err(InvoiceError::InvalidNumber {
                max: INVOICE_NUMBER_MAX,
            });
        }
        if self.order_ids.is_empty() {
            return Err(InvoiceError::NoOrders);
        }
        if self.due_on < self.issued_on {
            return Err(InvoiceError::DueBeforeIssue);
        }
        if self.kind == InvoiceKind::CreditNote && self.credited_invoice.is_none() {
            return Err(InvoiceError::MissingCreditedInvoice);
        }
        self.check_amounts()?;
        self.check_vat_bases()?;
        self.check_totals()
    }

    fn check_amounts(&self) -> Result<(), InvoiceError> {
        let rates = self.lines.iter().map(|line| line.vat_rate);
        if let Some(rate) = rates
            .chain(self.vat.iter().map(|vat| vat.rate))
            .find(|rate| *rate < Decimal::ZERO || *rate > Decimal::ONE_HUNDRED)
        {
            return Err(InvoiceError::InvalidVatRate { rate });
        }
        let amounts = self
            .lines
            .iter()
            .map(|line| ("line net", line.net))
            .chain(
                self.vat
                    .iter()
                    .flat_map(|vat| [("vat base", vat.base), ("vat", vat.vat)]),
            )
            .chain([
                ("total_net", self.total_net),
                ("total_vat", self.total_vat),
                ("total_gross", self.total_gross),
            ]);
        for (field, amount) in amounts {
            if amount < Decimal::ZERO {
                return Err(InvoiceError::NegativeAmount { field });
            }
            if amount > Decimal::from(AMOUNT_MAX) {
                return Err(InvoiceError::AmountTooLarge {
                    field,
                    max: AMOUNT_MAX,
                });
            }
        }
        Ok(())
    }

    fn check_vat_bases(&self) -> Result<(), InvoiceError> {
        let mut nets: BTreeMap<Decimal, Decimal> = BTreeMap::new();
        for line in &self.lines {
            *nets.entry(line.vat_rate).or_default() += line.net;
        }
        let mut bases: BTreeMap<Decimal, Decimal> = BTreeMap::new();
        for vat in &self.vat {
            if bases.insert(vat.rate, vat.base).is_some() {
                return Err(InvoiceError::DuplicateVatRate { rate: vat.rate });
            }
        }
        for rate in nets.keys().chain(bases.keys()) {
            let lines = nets.get(rate).copied().unwrap_or_default();
            let base = bases.get(rate).copied().unwrap_or_default();
            if lines != base {
                return Err(InvoiceError::VatBaseMismatch {
                    rate: rate.normalize(),
                    base: base.normalize(),
                    lines: lines.normalize(),
                });
            }
        }
        Ok(())
    }

    fn check_totals(&self) -> Result<(), InvoiceError> {
        let net: Decimal = self.vat.iter().map(|vat| vat.base).sum();
        let vat: Decimal = self.vat.iter().map(|vat| vat.vat).sum();
        for (total, stated, computed) in [
            ("total_net", self.total_net, net),
            ("total_vat", self.total_vat, vat),
            ("total_gross", self.total_gross, net + vat),
        ] {
            if stated != computed {
                return Err(InvoiceError::TotalsMismatch {
                    total,
                    stated,
                    computed,
                });
            }
        }
        Ok(())
    }
}
