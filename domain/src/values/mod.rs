//! Value types that can only hold valid values ("parse, don't validate").
//!
//! Every newtype is built through `parse` (or `TryFrom`) and deserializes through the same
//! check, so a value read from JSON, an event or a snapshot is as trustworthy as one built in code.

mod address;
mod catalogue;
mod codes;
mod decimal_input;
mod error;
mod identifiers;
mod money;
mod quantity;

pub use address::Address;
pub use catalogue::{Unit, VatClass};
pub use codes::{CountryCode, CurrencyCode};
pub use error::ValueError;
pub use identifiers::{
    ChannelCode, CompanyId, PriceLevel, PriceListCode, Sku, UserId, WarehouseCode,
};
pub use money::{Money, Percent};
pub use quantity::{Quantity, StockQuantity};
