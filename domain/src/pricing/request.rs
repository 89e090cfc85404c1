//! What the pricing engine is asked, and the price book it answers from.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::price_list::{PriceEntry, PriceListHeader};
use crate::values::{
    ChannelCode, CompanyId, CountryCode, CurrencyCode, Percent, PriceLevel, PriceListCode,
    Quantity, Sku, Unit, VatClass,
};

/// The buyer's side of pricing, taken from the company's master data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricingProfile {
    /// The buying company.
    pub company_id: CompanyId,
    /// The company's country; decides the VAT regime.
    pub country: CountryCode,
    /// The company's VAT id (DIČ), if any; an EU buyer outside CZ with one gets reverse charge.
    pub vat_id: Option<String>,
    /// The company's price level, if any.
    pub price_level: Option<PriceLevel>,
    /// The company's contract lists (contract lists naming the company apply as well).
    pub contract_lists: Vec<PriceListCode>,
    /// The customer discount on level and base prices.
    pub discount_percent: Percent,
}

/// How VAT is rounded; a channel may choose, as ERPs offer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatRounding {
    /// VAT per rate on the document's net sum per rate, rounded once (Czech VAT law §37).
    #[default]
    Document,
    /// VAT per line, rounded per line; a rate's VAT is the sum of its lines' VAT.
    PerLine,
}

/// One line to price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedLine {
    /// The SKU.
    pub sku: Sku,
    /// How many units.
    pub quantity: Quantity,
}

/// A request to price a document (a quote or an order) for one buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricingRequest {
    /// Who buys.
    pub profile: PricingProfile,
    /// Through which channel.
    pub channel: ChannelCode,
    /// In which currency; only lists in this currency apply.
    pub currency: CurrencyCode,
    /// The moment the prices are for (list validity is checked against it).
    pub at: DateTime<Utc>,
    /// How VAT is rounded.
    pub vat_rounding: VatRounding,
    /// The lines, in the order the answer keeps.
    pub lines: Vec<RequestedLine>,
}

/// What pricing needs to know about a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductFacts {
    /// The SKU.
    pub sku: Sku,
    /// VAT class.
    pub vat_class: VatClass,
    /// Unit of measure (decides whether fractional quantities are allowed).
    pub unit: Unit,
    /// Whether the product may be sold.
    pub active: bool,
}

/// What the app loaded from read models: every product asked for that exists, every list header
/// that could apply, and the entries of those lists for the asked SKUs. Extra lists and entries
/// do no harm; the engine filters them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceBook {
    /// Products by SKU.
    pub products: HashMap<Sku, ProductFacts>,
    /// List headers, in any order.
    pub lists: Vec<PriceListHeader>,
    /// Entries by list code and SKU.
    pub entries: HashMap<(PriceListCode, Sku), PriceEntry>,
}

impl PriceBook {
    /// Adds (or replaces) a product's facts.
    pub fn add_product(&mut self, product: ProductFacts) {
        self.products.insert(product.sku.clone(), product);
    }

    /// Adds a list header and its entries.
    pub fn add_list(
        &mut self,
        header: PriceListHeader,
        entries: impl IntoIterator<Item = PriceEntry>,
    ) {
        for entry in entries {
            self.add_entry(header.code().clone(), entry);
        }
        self.lists.push(header);
    }

    /// Adds (or replaces) one entry of a list.
    pub fn add_entry(&mut self, list: PriceListCode, entry: PriceEntry) {
        self.entries.insert((list, entry.sku().clone()), entry);
    }

    /// The entry of `list` for `sku`.
    pub fn entry(&self, list: &PriceListCode, sku: &Sku) -> Option<&PriceEntry> {
        // The map is keyed by owned pairs; building one costs two small clones per lookup.
        self.entries.get(&(list.clone(), sku.clone()))
    }
}
