//! Product catalogue vocabulary: units of measure and VAT classes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::ValueError;

/// The unit of measure a product is sold in; serialized as lowercase text (`"pcs"`, `"m2"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Unit {
    /// Pieces.
    Pcs,
    /// Boxes.
    Box,
    /// Packs.
    Pack,
    /// Sets.
    Set,
    /// Pairs.
    Pair,
    /// Kilograms.
    Kg,
    /// Grams.
    G,
    /// Metres.
    M,
    /// Square metres.
    M2,
    /// Cubic metres.
    M3,
    /// Litres.
    L,
}

impl Unit {
    /// Every unit, in declaration order.
    pub const ALL: [Unit; 11] = [
        Unit::Pcs,
        Unit::Box,
        Unit::Pack,
        Unit::Set,
        Unit::Pair,
        Unit::Kg,
        Unit::G,
        Unit::M,
        Unit::M2,
        Unit::M3,
        Unit::L,
    ];

    /// Parses the lowercase name of a unit; anything else is an "unknown unit".
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        Self::ALL
            .into_iter()
            .find(|unit| unit.as_str() == text)
            .ok_or(ValueError::UnknownUnit)
    }

    /// The unit's lowercase name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Unit::Pcs => "pcs",
            Unit::Box => "box",
            Unit::Pack => "pack",
            Unit::Set => "set",
            Unit::Pair => "pair",
            Unit::Kg => "kg",
            Unit::G => "g",
            Unit::M => "m",
            Unit::M2 => "m2",
            Unit::M3 => "m3",
            Unit::L => "l",
        }
    }

    /// Whether a fractional quantity makes sense: 2.5 kg does, 2.5 pieces do not.
    pub fn allows_fractions(&self) -> bool {
        !matches!(
            self,
            Unit::Pcs | Unit::Box | Unit::Pack | Unit::Set | Unit::Pair
        )
    }
}

/// A product's VAT class; the rate follows from the class and the buyer's VAT regime.
/// Serialized as `"standard"`, `"reduced"` or `"zero"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum VatClass {
    /// The standard rate (21 % in the Czech Republic).
    Standard,
    /// The reduced rate (12 % in the Czech Republic).
    Reduced,
    /// Zero-rated supplies.
    Zero,
}

impl VatClass {
    /// Parses `standard`, `reduced` or `zero`; anything else is an "unknown vat class".
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        match text {
            "standard" => Ok(VatClass::Standard),
            "reduced" => Ok(VatClass::Reduced),
            "zero" => Ok(VatClass::Zero),
            _ => Err(ValueError::UnknownVatClass),
        }
    }

    /// The class's lowercase name.
    pub fn as_str(&self) -> &'static str {
        match self {
            VatClass::Standard => "standard",
            VatClass::Reduced => "reduced",
            VatClass::Zero => "zero",
        }
    }
}

/// Implements text parsing, `Display` and the string conversions serde uses.
macro_rules! text_enum_conversions {
    ($name:ident) => {
        impl FromStr for $name {
            type Err = ValueError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.as_str().to_owned()
            }
        }
    };
}

text_enum_conversions!(Unit);
text_enum_conversions!(VatClass);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_parses_back_from_its_name() {
        for unit in Unit::ALL {
            assert_eq!(Unit::parse(unit.as_str()), Ok(unit));
        }
        assert_eq!(Unit::parse("PCS"), Err(ValueError::UnknownUnit));
        assert_eq!(Unit::parse("ton"), Err(ValueError::UnknownUnit));
    }

    #[test]
    fn only_measured_units_allow_fractions() {
        assert!(!Unit::Pcs.allows_fractions());
        assert!(!Unit::Pair.allows_fractions());
        assert!(Unit::Kg.allows_fractions());
        assert!(Unit::M2.allows_fractions());
    }

    #[test]
    fn units_and_vat_classes_serialize_as_lowercase_text() {
        assert_eq!(serde_json::to_string(&Unit::M3).unwrap(), "\"m3\"");
        assert_eq!(
            serde_json::to_string(&VatClass::Reduced).unwrap(),
            "\"reduced\""
        );
        let error = serde_json::from_str::<Unit>("\"ton\"").unwrap_err();
        assert!(error.to_string().contains("unknown unit"));
        assert!(serde_json::from_str::<VatClass>("\"super\"").is_err());
    }
}
