//! Tests of the pricing engine: the SPEC's example, list selection, VAT and rounding, and
//! properties over random price books.

mod fixtures;
mod list_selection;
mod properties;
mod spec_example;
mod vat_and_rounding;
