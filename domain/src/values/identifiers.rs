//! Textual identifiers: SKUs, warehouse codes, company and user ids, channel and price-list codes.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValueError;

/// Characters allowed in SKUs and warehouse codes.
const CODE_CHARSET: &str = "letters, digits and . _ / -";
/// Characters allowed in ids that other systems hand us (companies, users, channels, lists).
const ID_CHARSET: &str = "letters, digits and . _ : @ -";

fn is_code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-')
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '@' | '-')
}

/// Checks length (in characters) and charset; shared by every identifier below.
fn check(
    text: &str,
    max: usize,
    allowed: fn(char) -> bool,
    description: &'static str,
) -> Result<(), ValueError> {
    if text.is_empty() {
        return Err(ValueError::Empty);
    }
    if text.chars().count() > max {
        return Err(ValueError::TooLong { max });
    }
    if !text.chars().all(allowed) {
        return Err(ValueError::InvalidCharacters {
            allowed: description,
        });
    }
    Ok(())
}

/// Declares a validated string newtype with `parse`, `as_str`, `Display` and checked serde.
macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, max = $max:expr, chars = $allowed:expr, describe = $description:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses the text, refusing an empty, over-long or badly spelled value.
            pub fn parse(text: impl Into<String>) -> Result<Self, ValueError> {
                let text = text.into();
                check(&text, $max, $allowed, $description)?;
                Ok(Self(text))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

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

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

identifier!(
    /// A stock-keeping unit: 1 to 64 characters of letters, digits and `. _ / -`.
    Sku, max = 64, chars = is_code_char, describe = CODE_CHARSET
);
identifier!(
    /// A warehouse code: 1 to 32 characters of letters, digits and `. _ / -`.
    WarehouseCode, max = 32, chars = is_code_char, describe = CODE_CHARSET
);
identifier!(
    /// A customer company's id (the ERP's): 1 to 64 characters of letters, digits and `. _ : @ -`.
    CompanyId, max = 64, chars = is_id_char, describe = ID_CHARSET
);
identifier!(
    /// A buyer's user id, as the e-shop names it: 1 to 64 characters of letters, digits and `. _ : @ -`.
    UserId, max = 64, chars = is_id_char, describe = ID_CHARSET
);
identifier!(
    /// A sales channel (an e-shop storefront): 1 to 64 characters of letters, digits and `. _ : @ -`.
    ChannelCode, max = 64, chars = is_id_char, describe = ID_CHARSET
);
identifier!(
    /// A price list's code: 1 to 64 characters of letters, digits and `. _ : @ -`.
    PriceListCode, max = 64, chars = is_id_char, describe = ID_CHARSET
);
identifier!(
    /// A price level (customer group): 1 to 64 characters of letters, digits and `. _ : @ -`.
    PriceLevel, max = 64, chars = is_id_char, describe = ID_CHARSET
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sku_accepts_letters_digits_and_separators() {
        assert_eq!(
            Sku::parse("DRILL-18V/a_b.c").unwrap().as_str(),
            "DRILL-18V/a_b.c"
        );
    }

    #[test]
    fn sku_refuses_empty_long_and_odd_text() {
        assert_eq!(Sku::parse(""), Err(ValueError::Empty));
        assert_eq!(
            Sku::parse("x".repeat(65)),
            Err(ValueError::TooLong { max: 64 })
        );
        assert!(Sku::parse("a b").is_err());
        assert!(Sku::parse("a@b").is_err());
    }

    #[test]
    fn warehouse_code_is_at_most_32_characters() {
        assert!(WarehouseCode::parse("W".repeat(32)).is_ok());
        assert_eq!(
            WarehouseCode::parse("W".repeat(33)),
            Err(ValueError::TooLong { max: 32 })
        );
    }

    #[test]
    fn user_id_accepts_email_like_text_but_not_slashes() {
        assert!(UserId::parse("jana.novakova@acme:cz").is_ok());
        assert!(UserId::parse("jana/novakova").is_err());
    }

    #[test]
    fn deserializing_an_invalid_identifier_fails() {
        assert!(serde_json::from_str::<CompanyId>("\"\"").is_err());
        let id: CompanyId = serde_json::from_str("\"ACME\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"ACME\"");
    }
}
