//! A company's master data, as the ERP masters it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::CompanyError;
use crate::values::{
    Address, CompanyId, CountryCode, CurrencyCode, Money, Percent, PriceLevel, PriceListCode,
};

/// Everything the ERP knows about a customer company; synced as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyMaster {
    /// The company's id (the aggregate id).
    pub company_id: CompanyId,
    /// The ERP's customer number.
    pub erp_customer_no: String,
    /// Legal name.
    pub name: String,
    /// Company registration number (IČO).
    pub ico: String,
    /// VAT id (DIČ), when the company has one.
    pub dic: Option<String>,
    /// Country of the registered seat; decides the VAT regime.
    pub country: CountryCode,
    /// Default currency.
    pub currency: CurrencyCode,
    /// Price level (customer group), if any.
    pub price_level: Option<PriceLevel>,
    /// Contract price lists that apply to this company.
    pub contract_price_lists: Vec<PriceListCode>,
    /// Customer discount on level and base prices.
    pub discount_percent: Percent,
    /// Credit limit, if any.
    pub credit_limit: Option<Money>,
    /// Payment terms in days.
    pub payment_terms_days: u32,
    /// Whether orders may be reserved beyond available stock.
    pub allow_backorders: bool,
    /// Whether an order line may be split over several warehouses or deliveries.
    pub allow_partial_delivery: bool,
    /// Delivery addresses.
    pub addresses: Vec<Address>,
}

impl CompanyMaster {
    /// The delivery address with this id.
    pub fn address(&self, id: &str) -> Option<&Address> {
        self.addresses.iter().find(|address| address.id() == id)
    }

    /// Checks what the value types cannot: required text and unique address ids.
    pub(crate) fn check(&self) -> Result<(), CompanyError> {
        let invalid = |reason: &str| {
            Err(CompanyError::InvalidMaster {
                reason: reason.to_owned(),
            })
        };
        if self.name.trim().is_empty() {
            return invalid("name must not be empty");
        }
        if self.erp_customer_no.trim().is_empty() {
            return invalid("erp_customer_no must not be empty");
        }
        let mut seen = BTreeSet::new();
        for address in &self.addresses {
            if !seen.insert(address.id()) {
                return Err(CompanyError::InvalidMaster {
                    reason: format!("address id {} appears twice", address.id()),
                });
            }
        }
        Ok(())
    }
}
