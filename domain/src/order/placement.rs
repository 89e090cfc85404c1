//! What a new order must satisfy before it is placed: its lines, its texts, and a pricing that
//! prices exactly its lines, so that the price the buyer saw is the price ordered.

use std::collections::BTreeSet;

use super::{OrderError, PlaceOrder};
use crate::pricing::LineResult;

/// The most lines one order may have.
pub const MAX_ORDER_LINES: usize = 1000;
/// The longest customer reference (the buyer's PO number).
const CUSTOMER_REFERENCE_MAX: usize = 64;
/// The longest note.
const NOTE_MAX: usize = 2000;

impl PlaceOrder {
    /// Checks what the value types cannot: 1 to [`MAX_ORDER_LINES`] lines with unique numbers,
    /// text lengths, and a fully priced document in the order's currency whose lines are the
    /// order's lines (same SKU and quantity, same order).
    pub fn check(&self) -> Result<(), OrderError> {
        if self.order_id.trim().is_empty() {
            return Err(OrderError::EmptyOrderId);
        }
        if self.lines.is_empty() {
            return Err(OrderError::NoLines);
        }
        if self.lines.len() > MAX_ORDER_LINES {
            return Err(OrderError::TooManyLines {
                max: MAX_ORDER_LINES,
            });
        }
        let mut seen = BTreeSet::new();
        if let Some(line) = self.lines.iter().find(|line| !seen.insert(line.line_no)) {
            return Err(OrderError::DuplicateLineNo {
                line_no: line.line_no,
            });
        }
        check_length(
            "customer_reference",
            self.customer_reference.as_deref().unwrap_or_default(),
            CUSTOMER_REFERENCE_MAX,
        )?;
        check_length("note", &self.note, NOTE_MAX)?;
        self.check_pricing()
    }

    fn check_pricing(&self) -> Result<(), OrderError> {
        if let Some(failure) = self.pricing.failures().next() {
            return Err(OrderError::UnpricedLine {
                sku: failure.sku.clone(),
                detail: failure.detail.clone(),
            });
        }
        let mismatch = |reason: String| Err(OrderError::PricingMismatch { reason });
        if self.pricing.currency != self.currency {
            return mismatch(format!(
                "priced in {}, ordered in {}",
                self.pricing.currency, self.currency
            ));
        }
        if self.pricing.lines.len() != self.lines.len() {
            return mismatch(format!(
                "{} lines priced, {} ordered",
                self.pricing.lines.len(),
                self.lines.len()
            ));
        }
        for (line, result) in self.lines.iter().zip(&self.pricing.lines) {
            let LineResult::Priced(priced) = result else {
                continue; // Failures were refused above.
            };
            if priced.sku != line.sku || priced.quantity != line.quantity {
                return mismatch(format!(
                    "line {} orders {} × {} but {} × {} was priced",
                    line.line_no, line.quantity, line.sku, priced.quantity, priced.sku
                ));
            }
        }
        Ok(())
    }
}

fn check_length(field: &'static str, text: &str, max: usize) -> Result<(), OrderError> {
    if text.chars().count() > max {
        return Err(OrderError::TooLong { field, max });
    }
    Ok(())
}
