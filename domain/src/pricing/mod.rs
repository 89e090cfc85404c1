//! The pricing engine: which list prices a line, at which tier and discount, with which VAT,
//! and how the document's totals are rounded (SPEC "Pricing rules").
//!
//! It is a pure function of its inputs: [`price_document`] takes a [`PricingRequest`] and the
//! [`PriceBook`] the app loaded from read models, and answers a [`PricedDocument`]. The same
//! inputs always give the same document, to the cent, whichever order the lists arrive in, so a
//! quote and an order placed from the same inputs agree.

mod document;
mod engine;
mod request;
mod resolution;
mod rounding;
mod vat;

#[cfg(test)]
mod tests;

pub use document::{
    Explanation, LineFailure, LineResult, PricedDocument, PricedLine, VatBreakdown,
};
pub use engine::price_document;
pub use request::{
    PriceBook, PricingProfile, PricingRequest, ProductFacts, RequestedLine, VatRounding,
};
pub use vat::{VatRegime, REVERSE_CHARGE_NOTE};
