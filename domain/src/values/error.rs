//! The one error type for every value that fails to parse.

use thiserror::Error;

/// Why a raw value could not become a domain value. Messages are short and lowercase so that
/// the API can show them next to the offending field (`lines[0].quantity: must be positive`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValueError {
    /// The text was empty.
    #[error("must not be empty")]
    Empty,
    /// The text was longer than allowed.
    #[error("at most {max} characters")]
    TooLong {
        /// The largest allowed number of characters.
        max: usize,
    },
    /// The text held a character outside the allowed set.
    #[error("may only contain {allowed}")]
    InvalidCharacters {
        /// A human description of the allowed characters.
        allowed: &'static str,
    },
    /// Not an ISO 4217 currency code.
    #[error("must be 3 uppercase letters")]
    NotACurrencyCode,
    /// Not an ISO 3166-1 alpha-2 country code.
    #[error("must be 2 uppercase letters")]
    NotACountryCode,
    /// The text is not a decimal number.
    #[error("must be a decimal number")]
    NotADecimal,
    /// Zero or negative where only positive amounts make sense.
    #[error("must be positive")]
    NotPositive,
    /// Negative where zero is the lowest sensible amount.
    #[error("must not be negative")]
    Negative,
    /// Larger than any sensible amount; the bound keeps all arithmetic far from overflow.
    #[error("at most {max}")]
    TooLarge {
        /// The largest allowed value.
        max: u64,
    },
    /// More decimal places than the value allows.
    #[error("at most {max} decimal places")]
    TooManyDecimalPlaces {
        /// The largest allowed number of decimal places.
        max: u32,
    },
    /// A percentage outside 0..=100.
    #[error("must be between 0 and 100")]
    PercentOutOfRange,
    /// A unit of measure we do not know.
    #[error("unknown unit")]
    UnknownUnit,
    /// A VAT class we do not know.
    #[error("unknown vat class")]
    UnknownVatClass,
}
