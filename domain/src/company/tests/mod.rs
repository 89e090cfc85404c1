//! Given/when/then scenarios for the company aggregate and its queries, with their fixtures.

mod approval;
mod master;
mod users;

use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use rust_decimal_macros::dec;

use super::*;
use crate::values::{
    Address, CompanyId, CountryCode, CurrencyCode, Money, Percent, PriceLevel, PriceListCode,
    UserId,
};

pub(super) type CompanyTest = TestFramework<Company>;

pub(super) fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

pub(super) fn czk() -> CurrencyCode {
    CurrencyCode::parse("CZK").unwrap()
}

pub(super) fn acme() -> CompanyMaster {
    let cz = CountryCode::parse("CZ").unwrap();
    CompanyMaster {
        company_id: CompanyId::parse("ACME").unwrap(),
        erp_customer_no: "10042".to_owned(),
        name: "ACME s.r.o.".to_owned(),
        ico: "12345678".to_owned(),
        dic: Some("CZ12345678".to_owned()),
        country: cz.clone(),
        currency: czk(),
        price_level: Some(PriceLevel::parse("VO").unwrap()),
        contract_price_lists: vec![PriceListCode::parse("ACME-2026").unwrap()],
        discount_percent: Percent::parse(dec!(3)).unwrap(),
        credit_limit: Some(Money::parse(dec!(500000)).unwrap()),
        payment_terms_days: 14,
        allow_backorders: false,
        allow_partial_delivery: true,
        addresses: vec![Address::new("HQ", "Vídeňská 1", "Brno", "60200", cz).unwrap()],
    }
}

pub(super) fn registered() -> Vec<CompanyEvent> {
    vec![CompanyEvent::CompanyRegistered(acme())]
}

pub(super) fn added(id: &str, role: Role) -> CompanyEvent {
    CompanyEvent::UserAdded {
        user_id: user(id),
        name: id.to_owned(),
        role,
    }
}

pub(super) fn company_after(events: Vec<CompanyEvent>) -> Company {
    let mut company = Company::default();
    for event in events {
        company.apply(event);
    }
    company
}
