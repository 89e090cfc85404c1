//! Why a price list, entry or import was refused.

use thiserror::Error;

use crate::values::{PriceListCode, Quantity, Sku};

/// Errors of price-list headers, entries and the [`PriceList`](super::PriceList) aggregate;
/// [`PriceListError::code`] gives each a stable kebab-case code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PriceListError {
    /// The validity window ends before it starts.
    #[error("valid_to must not be before valid_from")]
    InvalidValidity,
    /// Two tiers of one entry start at the same quantity.
    #[error("sku {sku} has two tiers from {min_qty}")]
    DuplicateTier {
        /// The entry's SKU.
        sku: Sku,
        /// The repeated threshold.
        min_qty: Quantity,
    },
    /// A tier costs more than the price for smaller quantities.
    #[error("sku {sku}: the tier from {min_qty} costs more than smaller quantities")]
    TierPriceRises {
        /// The entry's SKU.
        sku: Sku,
        /// The tier whose price rises.
        min_qty: Quantity,
    },
    /// An import holds the same SKU twice.
    #[error("sku {sku} appears more than once in the import")]
    DuplicateSku {
        /// The repeated SKU.
        sku: Sku,
    },
    /// An import would change the currency of an existing list.
    #[error("a list's currency cannot change; import it under a new code")]
    CurrencyChange,
    /// An import names another list than this aggregate's.
    #[error("import of list {given} sent to list {registered}")]
    CodeMismatch {
        /// The list this aggregate holds.
        registered: PriceListCode,
        /// The list the import named.
        given: PriceListCode,
    },
}

impl PriceListError {
    /// A stable kebab-case code for problem types and logs.
    pub fn code(&self) -> &'static str {
        match self {
            PriceListError::InvalidValidity => "invalid-validity",
            PriceListError::DuplicateTier { .. } => "duplicate-tier",
            PriceListError::TierPriceRises { .. } => "tier-price-rises",
            PriceListError::DuplicateSku { .. } => "duplicate-sku",
            PriceListError::CurrencyChange => "currency-change",
            PriceListError::CodeMismatch { .. } => "wrong-price-list",
        }
    }
}
