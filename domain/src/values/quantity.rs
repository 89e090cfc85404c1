//! Quantities: ordered or moved amounts (positive) and stock levels (zero or more).

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::decimal_input::{normalized, parse_decimal, DecimalInput};
use super::ValueError;

/// Quantities carry at most this many decimal places (grams of a kilogram).
const QUANTITY_PLACES: u32 = 3;
/// No order line or stock level comes near a billion units.
const QUANTITY_MAX: u64 = 1_000_000_000;

/// A quantity that is ordered, reserved, moved or shipped: positive, at most a billion, at most
/// 3 decimal places, normalized so that `60` and `60.000` are the same value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "DecimalInput", into = "Decimal")]
pub struct Quantity(Decimal);

impl Quantity {
    /// Parses a positive quantity with at most 3 decimal places.
    pub fn parse(value: Decimal) -> Result<Self, ValueError> {
        if value <= Decimal::ZERO {
            return Err(ValueError::NotPositive);
        }
        normalized(value, QUANTITY_PLACES, QUANTITY_MAX).map(Self)
    }

    /// The quantity as a decimal.
    pub fn value(&self) -> Decimal {
        self.0
    }

    /// Whether the quantity is a whole number (as units such as `pcs` require).
    pub fn is_whole(&self) -> bool {
        self.0.fract().is_zero()
    }
}

/// A stock level as the ERP reports it: zero to a billion, at most 3 decimal places, normalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "DecimalInput", into = "Decimal")]
pub struct StockQuantity(Decimal);

impl StockQuantity {
    /// Parses a non-negative stock level with at most 3 decimal places.
    pub fn parse(value: Decimal) -> Result<Self, ValueError> {
        if value < Decimal::ZERO {
            return Err(ValueError::Negative);
        }
        normalized(value, QUANTITY_PLACES, QUANTITY_MAX).map(Self)
    }

    /// The level as a decimal.
    pub fn value(&self) -> Decimal {
        self.0
    }
}

/// Implements text parsing, `Display` and the decimal conversions for a decimal newtype.
macro_rules! decimal_conversions {
    ($name:ident) => {
        impl FromStr for $name {
            type Err = ValueError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(parse_decimal(text)?)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl TryFrom<Decimal> for $name {
            type Error = ValueError;

            fn try_from(value: Decimal) -> Result<Self, Self::Error> {
                Self::parse(value)
            }
        }

        impl TryFrom<DecimalInput> for $name {
            type Error = ValueError;

            fn try_from(input: DecimalInput) -> Result<Self, Self::Error> {
                Self::parse(input.0)
            }
        }

        impl From<$name> for Decimal {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}
pub(crate) use decimal_conversions;

decimal_conversions!(Quantity);
decimal_conversions!(StockQuantity);

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn quantity_is_normalized_so_trailing_zeros_do_not_matter() {
        let a = Quantity::parse(dec!(60)).unwrap();
        let b: Quantity = "60.000".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(b.to_string(), "60");
    }

    #[test]
    fn quantity_must_be_positive_with_at_most_three_places() {
        assert_eq!(Quantity::parse(dec!(0)), Err(ValueError::NotPositive));
        assert_eq!(Quantity::parse(dec!(-1)), Err(ValueError::NotPositive));
        assert_eq!(
            Quantity::parse(dec!(1.0001)),
            Err(ValueError::TooManyDecimalPlaces { max: 3 })
        );
        assert!(Quantity::parse(dec!(1.500)).unwrap().value() == dec!(1.5));
        assert_eq!(
            Quantity::parse(dec!(1000000000.001)),
            Err(ValueError::TooLarge { max: 1_000_000_000 })
        );
    }

    #[test]
    fn stock_quantity_allows_zero_but_not_negative() {
        assert!(StockQuantity::parse(dec!(0)).is_ok());
        assert_eq!(StockQuantity::parse(dec!(-0.5)), Err(ValueError::Negative));
    }

    #[test]
    fn quantity_reads_strings_and_integers_but_not_floats() {
        let from_text: Quantity = serde_json::from_str("\"2.50\"").unwrap();
        let from_integer: Quantity = serde_json::from_str("60").unwrap();
        assert_eq!(from_text.value(), dec!(2.5));
        assert_eq!(from_integer.value(), dec!(60));
        assert!(serde_json::from_str::<Quantity>("2.5").is_err());
        assert!(serde_json::from_str::<Quantity>("\"-1\"").is_err());
        assert_eq!(serde_json::to_string(&from_text).unwrap(), "\"2.5\"");
    }

    #[test]
    fn whole_quantities_are_recognised() {
        assert!(Quantity::parse(dec!(3.000)).unwrap().is_whole());
        assert!(!Quantity::parse(dec!(3.5)).unwrap().is_whole());
    }
}
