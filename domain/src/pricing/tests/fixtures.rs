//! Builders for pricing tests: products, lists, entries, profiles and requests.

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;

use crate::price_list::{PriceEntry, PriceListHeader, PriceListKind, Tier};
use crate::pricing::{
    LineFailure, LineResult, PriceBook, PricedDocument, PricedLine, PricingProfile, PricingRequest,
    ProductFacts, RequestedLine, VatRounding,
};
use crate::values::{
    ChannelCode, CompanyId, CountryCode, CurrencyCode, Money, Percent, PriceLevel, PriceListCode,
    Quantity, Sku, Unit, VatClass,
};

/// Midnight UTC of a day.
pub(super) fn day(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 0, 0, 0).unwrap()
}

/// The channel every request goes through unless a test says otherwise.
pub(super) fn channel() -> ChannelCode {
    ChannelCode::parse("b2b-cz").unwrap()
}

pub(super) fn sku(text: &str) -> Sku {
    Sku::parse(text).unwrap()
}

pub(super) fn money(value: Decimal) -> Money {
    Money::parse(value).unwrap()
}

pub(super) fn qty(value: Decimal) -> Quantity {
    Quantity::parse(value).unwrap()
}

pub(super) fn code(text: &str) -> PriceListCode {
    PriceListCode::parse(text).unwrap()
}

/// An active product sold in pieces at the standard rate.
pub(super) fn product(text: &str) -> ProductFacts {
    ProductFacts {
        sku: sku(text),
        vat_class: VatClass::Standard,
        unit: Unit::Pcs,
        active: true,
    }
}

/// An entry with tiers given as `(min_qty, unit_price)`.
pub(super) fn entry(text: &str, price: Decimal, tiers: &[(u32, Decimal)]) -> PriceEntry {
    let tiers = tiers
        .iter()
        .map(|&(min, unit_price)| Tier {
            min_qty: qty(min.into()),
            unit_price: money(unit_price),
        })
        .collect();
    PriceEntry::new(sku(text), money(price), tiers).unwrap()
}

/// A header under construction: CZK, no channel, undated, priority 0 unless changed.
pub(super) struct ListBuilder {
    code: PriceListCode,
    kind: PriceListKind,
    currency: &'static str,
    channel: Option<ChannelCode>,
    valid_from: Option<DateTime<Utc>>,
    valid_to: Option<DateTime<Utc>>,
    priority: i32,
}

pub(super) fn base(text: &str) -> ListBuilder {
    list(text, PriceListKind::Base)
}

pub(super) fn level(text: &str, level: &str) -> ListBuilder {
    list(
        text,
        PriceListKind::Level {
            level: PriceLevel::parse(level).unwrap(),
        },
    )
}

pub(super) fn contract(text: &str, company: &str) -> ListBuilder {
    list(
        text,
        PriceListKind::Contract {
            company_id: CompanyId::parse(company).unwrap(),
        },
    )
}

fn list(text: &str, kind: PriceListKind) -> ListBuilder {
    ListBuilder {
        code: code(text),
        kind,
        currency: "CZK",
        channel: None,
        valid_from: None,
        valid_to: None,
        priority: 0,
    }
}

impl ListBuilder {
    pub(super) fn currency(mut self, currency: &'static str) -> Self {
        self.currency = currency;
        self
    }

    pub(super) fn channel(mut self, channel: &str) -> Self {
        self.channel = Some(ChannelCode::parse(channel).unwrap());
        self
    }

    pub(super) fn valid(mut self, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Self {
        self.valid_from = from;
        self.valid_to = to;
        self
    }

    pub(super) fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    pub(super) fn build(self) -> PriceListHeader {
        PriceListHeader::new(
            self.code,
            self.kind,
            CurrencyCode::parse(self.currency).unwrap(),
            self.channel,
            self.valid_from,
            self.valid_to,
            self.priority,
        )
        .unwrap()
    }
}

/// ACME: Czech, with a VAT id, price level VO, contract list ACME-2026, no discount.
pub(super) fn acme() -> PricingProfile {
    PricingProfile {
        company_id: CompanyId::parse("ACME").unwrap(),
        country: CountryCode::parse("CZ").unwrap(),
        vat_id: Some("CZ12345678".to_owned()),
        price_level: Some(PriceLevel::parse("VO").unwrap()),
        contract_lists: vec![code("ACME-2026")],
        discount_percent: Percent::ZERO,
    }
}

/// ACME with a customer discount.
pub(super) fn acme_with_discount(percent: Decimal) -> PricingProfile {
    PricingProfile {
        discount_percent: Percent::parse(percent).unwrap(),
        ..acme()
    }
}

/// A CZK request through the b2b-cz channel with document rounding.
pub(super) fn request(
    profile: PricingProfile,
    at: DateTime<Utc>,
    lines: &[(&str, Decimal)],
) -> PricingRequest {
    PricingRequest {
        profile,
        channel: channel(),
        currency: CurrencyCode::parse("CZK").unwrap(),
        at,
        vat_rounding: VatRounding::Document,
        lines: lines
            .iter()
            .map(|&(text, quantity)| RequestedLine {
                sku: sku(text),
                quantity: qty(quantity),
            })
            .collect(),
    }
}

/// A book with these products and lists.
pub(super) fn book(
    products: impl IntoIterator<Item = ProductFacts>,
    lists: Vec<(PriceListHeader, Vec<PriceEntry>)>,
) -> PriceBook {
    let mut book = PriceBook::default();
    for product in products {
        book.add_product(product);
    }
    for (header, entries) in lists {
        book.add_list(header, entries);
    }
    book
}

/// The priced line at `index`, or a panic naming the failure.
pub(super) fn priced(document: &PricedDocument, index: usize) -> &PricedLine {
    match &document.lines[index] {
        LineResult::Priced(line) => line,
        LineResult::Failed(failure) => panic!("line {index} failed: {failure:?}"),
    }
}

/// The failure at `index`, or a panic naming the price.
pub(super) fn failed(document: &PricedDocument, index: usize) -> &LineFailure {
    match &document.lines[index] {
        LineResult::Failed(failure) => failure,
        LineResult::Priced(line) => panic!("line {index} was priced: {line:?}"),
    }
}
