//! Delivery addresses of a customer company.

use serde::{Deserialize, Serialize};

use super::{CountryCode, ValueError};

/// The longest address id the ERP may use.
const ADDRESS_ID_MAX: usize = 32;

/// A delivery address as the ERP keeps it. Its `id` (1 to 32 characters) is what orders refer to
/// (`delivery_address_id`); the other lines are free text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AddressData")]
pub struct Address {
    id: String,
    street: String,
    city: String,
    zip: String,
    country: CountryCode,
}

/// The unchecked shape of an address, as it is read before [`Address::new`] checks it.
#[derive(Deserialize)]
struct AddressData {
    id: String,
    street: String,
    city: String,
    zip: String,
    country: CountryCode,
}

impl Address {
    /// Builds an address, refusing an empty id or one longer than 32 characters.
    pub fn new(
        id: impl Into<String>,
        street: impl Into<String>,
        city: impl Into<String>,
        zip: impl Into<String>,
        country: CountryCode,
    ) -> Result<Self, ValueError> {
        let id = id.into();
        if id.trim().is_empty() {
            return Err(ValueError::Empty);
        }
        if id.chars().count() > ADDRESS_ID_MAX {
            return Err(ValueError::TooLong {
                max: ADDRESS_ID_MAX,
            });
        }
        Ok(Self {
            id,
            street: street.into(),
            city: city.into(),
            zip: zip.into(),
            country,
        })
    }

    /// The address's id within its company.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Street and number.
    pub fn street(&self) -> &str {
        &self.street
    }

    /// City.
    pub fn city(&self) -> &str {
        &self.city
    }

    /// Postal code.
    pub fn zip(&self) -> &str {
        &self.zip
    }

    /// Country.
    pub fn country(&self) -> &CountryCode {
        &self.country
    }
}

impl TryFrom<AddressData> for Address {
    type Error = ValueError;

    fn try_from(data: AddressData) -> Result<Self, Self::Error> {
        Address::new(data.id, data.street, data.city, data.zip, data.country)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cz() -> CountryCode {
        CountryCode::parse("CZ").unwrap()
    }

    #[test]
    fn address_id_must_be_one_to_32_characters() {
        assert_eq!(
            Address::new("", "s", "c", "z", cz()),
            Err(ValueError::Empty)
        );
        assert_eq!(
            Address::new("x".repeat(33), "s", "c", "z", cz()),
            Err(ValueError::TooLong { max: 32 })
        );
        assert_eq!(Address::new("HQ", "s", "c", "z", cz()).unwrap().id(), "HQ");
    }

    #[test]
    fn address_round_trips_through_json_and_checks_on_the_way_in() {
        let json =
            r#"{"id":"HQ","street":"Vídeňská 1","city":"Brno","zip":"60200","country":"CZ"}"#;
        let address: Address = serde_json::from_str(json).unwrap();
        assert_eq!(address.city(), "Brno");
        assert_eq!(serde_json::to_string(&address).unwrap(), json);
        let bad = json.replace("\"HQ\"", "\"\"");
        assert!(serde_json::from_str::<Address>(&bad).is_err());
    }
}
