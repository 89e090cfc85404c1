//! Reading decimal amounts from serialized data: decimal strings, or integers, never floats.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::ValueError;

/// A decimal as it arrives in JSON: `"12.50"` or `12`. Floats such as `12.5` are refused, since
/// they may already have lost precision on the way to us.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DecimalInput(pub(crate) Decimal);

/// Parses decimal text, accepting surrounding whitespace but no exponent or thousands separators.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, ValueError> {
    Decimal::from_str(text.trim()).map_err(|_| ValueError::NotADecimal)
}

impl<'de> Deserialize<'de> for DecimalInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DecimalInputVisitor)
    }
}

struct DecimalInputVisitor;

impl Visitor<'_> for DecimalInputVisitor {
    type Value = DecimalInput;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number as a string, or an integer")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        parse_decimal(text).map(DecimalInput).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(DecimalInput(Decimal::from(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(DecimalInput(Decimal::from(value)))
    }
}

/// Normalizes `value` (so `60.000` becomes `60`), refuses more than `max_places` decimals and
/// values above `max`. The bounds keep every product and sum the pricing engine forms far below
/// `Decimal::MAX`, so its arithmetic can never overflow.
pub(crate) fn normalized(value: Decimal, max_places: u32, max: u64) -> Result<Decimal, ValueError> {
    if value > Decimal::from(max) {
        return Err(ValueError::TooLarge { max });
    }
    let value = value.normalize();
    if value.scale() > max_places {
        return Err(ValueError::TooManyDecimalPlaces { max: max_places });
    }
    Ok(value)
}
