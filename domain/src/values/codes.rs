//! ISO codes: currencies (ISO 4217) and countries (ISO 3166-1 alpha-2).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValueError;

/// The 27 member states of the European Union, as ISO 3166-1 alpha-2 codes (Greece is `GR`).
const EU_MEMBER_STATES: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

fn is_upper_letters(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_uppercase())
}

/// An ISO 4217 currency code such as `CZK` or `EUR`: exactly three uppercase ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CurrencyCode(String);

impl CurrencyCode {
    /// Parses a currency code; lowercase or other lengths are refused, not corrected.
    pub fn parse(text: impl Into<String>) -> Result<Self, ValueError> {
        let text = text.into();
        if is_upper_letters(&text, 3) {
            Ok(Self(text))
        } else {
            Err(ValueError::NotACurrencyCode)
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An ISO 3166-1 alpha-2 country code such as `CZ`: exactly two uppercase ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl CountryCode {
    /// Parses a country code; lowercase or other lengths are refused, not corrected.
    pub fn parse(text: impl Into<String>) -> Result<Self, ValueError> {
        let text = text.into();
        if is_upper_letters(&text, 2) {
            Ok(Self(text))
        } else {
            Err(ValueError::NotACountryCode)
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the country is one of the 27 EU member states (for VAT).
    pub fn is_eu(&self) -> bool {
        EU_MEMBER_STATES.contains(&self.0.as_str())
    }
}

/// Implements `Display`, `TryFrom<String>` and `From<Self> for String` for a code newtype.
macro_rules! code_conversions {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(text)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

code_conversions!(CurrencyCode);
code_conversions!(CountryCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_code_must_be_three_uppercase_letters() {
        assert!(CurrencyCode::parse("CZK").is_ok());
        assert_eq!(
            CurrencyCode::parse("czk"),
            Err(ValueError::NotACurrencyCode)
        );
        assert_eq!(
            CurrencyCode::parse("CZKK"),
            Err(ValueError::NotACurrencyCode)
        );
        assert_eq!(
            CurrencyCode::parse("ČZK"),
            Err(ValueError::NotACurrencyCode)
        );
    }

    #[test]
    fn country_code_must_be_two_uppercase_letters() {
        assert!(CountryCode::parse("CZ").is_ok());
        assert_eq!(CountryCode::parse("cz"), Err(ValueError::NotACountryCode));
        assert_eq!(CountryCode::parse("CZE"), Err(ValueError::NotACountryCode));
    }

    #[test]
    fn eu_membership_knows_the_27_member_states() {
        let eu = |code: &str| CountryCode::parse(code).unwrap().is_eu();
        assert!(eu("CZ") && eu("SK") && eu("DE") && eu("GR"));
        assert!(!eu("GB") && !eu("CH") && !eu("NO") && !eu("EL") && !eu("US"));
        assert_eq!(EU_MEMBER_STATES.len(), 27);
    }

    #[test]
    fn deserializing_a_bad_country_code_fails() {
        assert!(serde_json::from_str::<CountryCode>("\"cz\"").is_err());
    }
}
