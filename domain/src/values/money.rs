//! Money amounts and percentages.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::decimal_input::{normalized, parse_decimal, DecimalInput};
use super::quantity::decimal_conversions;
use super::ValueError;

/// Unit prices may carry up to four decimal places (cheap fasteners sold per piece).
const MONEY_PLACES: u32 = 4;
/// Discounts and rates carry at most two decimal places.
const PERCENT_PLACES: u32 = 2;
/// A trillion: far above any B2B price, far below where sums could overflow.
const MONEY_MAX: u64 = 1_000_000_000_000;

/// A net amount of money in some currency (the currency travels beside it): zero to a trillion,
/// at most 4 decimal places, normalized so that `85.00` and `85` are the same value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "DecimalInput", into = "Decimal")]
pub struct Money(Decimal);

impl Money {
    /// Nothing.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Parses a non-negative amount with at most 4 decimal places.
    pub fn parse(value: Decimal) -> Result<Self, ValueError> {
        if value < Decimal::ZERO {
            return Err(ValueError::Negative);
        }
        normalized(value, MONEY_PLACES, MONEY_MAX).map(Self)
    }

    /// The amount as a decimal.
    pub fn value(&self) -> Decimal {
        self.0
    }
}

/// A percentage between 0 and 100 inclusive with at most 2 decimal places, normalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "DecimalInput", into = "Decimal")]
pub struct Percent(Decimal);

impl Percent {
    /// Zero percent.
    pub const ZERO: Percent = Percent(Decimal::ZERO);

    /// Parses a percentage in 0..=100 with at most 2 decimal places.
    pub fn parse(value: Decimal) -> Result<Self, ValueError> {
        if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED {
            return Err(ValueError::PercentOutOfRange);
        }
        normalized(value, PERCENT_PLACES, 100).map(Self)
    }

    /// The percentage as a decimal (`3` for 3 %).
    pub fn value(&self) -> Decimal {
        self.0
    }

    /// Whether this is zero percent.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
}

impl Default for Percent {
    fn default() -> Self {
        Self::ZERO
    }
}

decimal_conversions!(Money);
decimal_conversions!(Percent);

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn money_allows_four_places_and_normalizes() {
        assert_eq!(Money::parse(dec!(85.00)).unwrap().to_string(), "85");
        assert_eq!(Money::parse(dec!(0.1234)).unwrap().value(), dec!(0.1234));
        assert_eq!(
            Money::parse(dec!(0.12345)),
            Err(ValueError::TooManyDecimalPlaces { max: 4 })
        );
        assert_eq!(Money::parse(dec!(-0.01)), Err(ValueError::Negative));
        assert!(Money::parse(dec!(1000000000000)).is_ok());
        assert!(Money::parse(dec!(1000000000000.01)).is_err());
        assert_eq!(Money::parse(dec!(0)).unwrap(), Money::ZERO);
    }

    #[test]
    fn percent_stays_between_zero_and_one_hundred() {
        assert!(Percent::parse(dec!(0)).is_ok());
        assert!(Percent::parse(dec!(100)).is_ok());
        assert_eq!(
            Percent::parse(dec!(100.01)),
            Err(ValueError::PercentOutOfRange)
        );
        assert_eq!(Percent::parse(dec!(-1)), Err(ValueError::PercentOutOfRange));
        assert_eq!(
            Percent::parse(dec!(2.505)),
            Err(ValueError::TooManyDecimalPlaces { max: 2 })
        );
    }

    #[test]
    fn money_serializes_as_a_decimal_string() {
        let money: Money = "500000.00".parse().unwrap();
        assert_eq!(serde_json::to_string(&money).unwrap(), "\"500000\"");
        let back: Money = serde_json::from_str("\"500000\"").unwrap();
        assert_eq!(back, money);
        assert!(serde_json::from_str::<Money>("\"abc\"").is_err());
    }
}
