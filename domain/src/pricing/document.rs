//! The priced document: lines with their explanation, the VAT breakdown and the totals.
//!
//! Everything here is stored as is in an order's `placed` event, so all of it serializes, and
//! every amount is a decimal string with exactly two places (unit prices: at least two).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::values::{CurrencyCode, Percent, PriceListCode, Quantity, Sku};

/// The answer of [`price_document`](super::price_document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedDocument {
    /// The document's currency.
    pub currency: CurrencyCode,
    /// One result per requested line, in request order.
    pub lines: Vec<LineResult>,
    /// Base and VAT per rate, highest rate first; only priced lines count.
    pub vat: Vec<VatBreakdown>,
    /// The sum of the priced lines' net amounts.
    pub total_net: Decimal,
    /// The sum of the VAT per rate.
    pub total_vat: Decimal,
    /// `total_net + total_vat`.
    pub total_gross: Decimal,
    /// Whether the buyer accounts for the VAT (EU B2B outside CZ with a VAT id).
    pub reverse_charge: bool,
    /// Notes the document must carry (the reverse-charge wording, for one).
    pub notes: Vec<String>,
}

impl PricedDocument {
    /// The priced lines, skipping failures.
    pub fn priced_lines(&self) -> impl Iterator<Item = &PricedLine> {
        self.lines.iter().filter_map(|line| match line {
            LineResult::Priced(priced) => Some(priced),
            LineResult::Failed(_) => None,
        })
    }

    /// The lines that could not be priced.
    pub fn failures(&self) -> impl Iterator<Item = &LineFailure> {
        self.lines.iter().filter_map(|line| match line {
            LineResult::Failed(failure) => Some(failure),
            LineResult::Priced(_) => None,
        })
    }

    /// Whether every line was priced.
    pub fn is_fully_priced(&self) -> bool {
        self.failures().next().is_none()
    }
}

/// A line's outcome; serialized with an `outcome` tag (`"priced"` or `"failed"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LineResult {
    /// The line has a price.
    Priced(PricedLine),
    /// The line cannot be priced, and why.
    Failed(LineFailure),
}

/// A priced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    /// The SKU.
    pub sku: Sku,
    /// The quantity.
    pub quantity: Quantity,
    /// Net unit price after any customer discount (at least two places).
    pub unit_price: Decimal,
    /// `unit_price × quantity`, rounded to two places half away from zero.
    pub line_net: Decimal,
    /// VAT rate in percent (`21`).
    pub vat_rate: Decimal,
    /// The line's own VAT, only in per-line rounding.
    pub line_vat: Option<Decimal>,
    /// Which list, tier, discount and VAT rule produced the price.
    pub explanation: Explanation,
}

/// Why a line costs what it costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The list that priced the line.
    pub price_list: PriceListCode,
    /// The list's kind: `"contract"`, `"level"` or `"base"`.
    pub kind: String,
    /// The list's unit price for the quantity, before discount (at least two places).
    pub list_unit_price: Decimal,
    /// The tier that applied, if any.
    pub tier_min_qty: Option<Quantity>,
    /// The customer discount that applied, if any (never on contract prices).
    pub discount_percent: Option<Percent>,
    /// The VAT rule: `"CZ standard"`, `"EU reverse charge"`, `"export outside EU"`, ...
    pub vat_rule: String,
}

/// A line that cannot be priced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineFailure {
    /// The SKU asked for.
    pub sku: String,
    /// The quantity asked for.
    pub quantity: Quantity,
    /// A stable type: `"unknown-sku"`, `"inactive-product"`, `"no-price"`,
    /// `"ambiguous-price-lists"` or `"fractional-quantity"`.
    pub error_type: String,
    /// A human explanation.
    pub detail: String,
}

/// The base and VAT of one rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatBreakdown {
    /// The rate in percent.
    pub rate: Decimal,
    /// The sum of the net amounts of the lines at this rate.
    pub base: Decimal,
    /// The VAT at this rate, rounded as the request asked.
    pub vat: Decimal,
}
