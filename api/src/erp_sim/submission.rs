//! What the ERP reads from a submitted order (docs/erp-adapter.md, "Submit body"): only the
//! fields it needs; the rest is ignored, as an ERP would.

use rust_decimal::Decimal;
use serde::Deserialize;

/// The parts of a submitted order the ERP uses; other fields are ignored, as an ERP would.
#[derive(Clone, Debug, Deserialize)]
pub(super) struct Submission {
    pub order_id: String,
    pub company: Customer,
    pub currency: String,
    pub lines: Vec<SubmittedLine>,
    #[serde(default)]
    pub reverse_charge: bool,
}

/// The customer of a submitted order.
#[derive(Clone, Debug, Deserialize)]
pub(super) struct Customer {
    pub id: String,
    /// Not in the contract's submit body; honoured when a sender includes it.
    #[serde(default)]
    pub payment_terms_days: Option<u32>,
}

/// One submitted line.
#[derive(Clone, Debug, Deserialize)]
pub(super) struct SubmittedLine {
    pub sku: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    #[serde(default)]
    pub line_net: Option<Decimal>,
    pub vat_rate: Decimal,
    #[serde(default)]
    pub warehouses: Vec<Allocation>,
}

/// Part of a line's quantity reserved in one warehouse.
#[derive(Clone, Debug, Deserialize)]
pub(super) struct Allocation {
    pub warehouse: String,
    pub quantity: Decimal,
}

impl Submission {
    /// The rules serde cannot express; answers the reason for a 422.
    pub fn check(&self) -> Result<(), String> {
        if self.order_id.trim().is_empty() {
            return Err("order_id must not be empty".into());
        }
        if self.lines.is_empty() {
            return Err("an order needs at least one line".into());
        }
        for (i, line) in self.lines.iter().enumerate() {
            if line.quantity <= Decimal::ZERO {
                return Err(format!("lines[{i}].quantity must be positive"));
            }
            if line.warehouses.iter().any(|a| a.quantity <= Decimal::ZERO) {
                return Err(format!(
                    "lines[{i}].warehouses: quantities must be positive"
                ));
            }
        }
        Ok(())
    }
}
