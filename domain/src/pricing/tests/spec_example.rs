//! The SPEC's worked example, to the cent.

use rust_decimal_macros::dec;

use super::fixtures::*;
use crate::pricing::{price_document, PriceBook};

/// List 100.00 (base), level 92.00, contract 85.00 with a tier of 80.00 from 50 pieces.
fn spec_book() -> PriceBook {
    book(
        [product("DRILL-18V")],
        vec![
            (
                base("BASE-CZK").build(),
                vec![entry("DRILL-18V", dec!(100.00), &[])],
            ),
            (
                level("VO-CZK", "VO").build(),
                vec![entry("DRILL-18V", dec!(92.00), &[])],
            ),
            (
                contract("ACME-2026", "ACME")
                    .valid(Some(day(2026, 1, 1)), Some(day(2026, 12, 31)))
                    .build(),
                vec![entry("DRILL-18V", dec!(85.00), &[(50, dec!(80.00))])],
            ),
        ],
    )
}

#[test]
fn sixty_pieces_cost_80_each_while_the_contract_is_valid() {
    let document = price_document(
        &request(acme(), day(2026, 6, 1), &[("DRILL-18V", dec!(60))]),
        &spec_book(),
    );
    let line = priced(&document, 0);
    assert_eq!(line.unit_price.to_string(), "80.00");
    assert_eq!(line.line_net.to_string(), "4800.00");
    assert_eq!(line.vat_rate, dec!(21));
    assert_eq!(line.explanation.price_list.as_str(), "ACME-2026");
    assert_eq!(line.explanation.kind, "contract");
    assert_eq!(line.explanation.tier_min_qty, Some(qty(dec!(50))));
    assert_eq!(line.explanation.discount_percent, None);
    assert_eq!(line.explanation.vat_rule, "CZ standard");
    assert_eq!(document.total_net.to_string(), "4800.00");
    assert_eq!(document.total_vat.to_string(), "1008.00");
    assert_eq!(document.total_gross.to_string(), "5808.00");
    assert_eq!(document.vat.len(), 1);
    assert_eq!(document.vat[0].base.to_string(), "4800.00");
    assert_eq!(document.vat[0].vat.to_string(), "1008.00");
    assert!(!document.reverse_charge);
    assert!(document.notes.is_empty());
}

#[test]
fn contract_prices_ignore_the_customer_discount() {
    let document = price_document(
        &request(
            acme_with_discount(dec!(3)),
            day(2026, 6, 1),
            &[("DRILL-18V", dec!(60))],
        ),
        &spec_book(),
    );
    assert_eq!(priced(&document, 0).unit_price.to_string(), "80.00");
    assert_eq!(priced(&document, 0).explanation.discount_percent, None);
}

#[test]
fn after_the_contract_expires_the_level_price_applies() {
    let document = price_document(
        &request(acme(), day(2027, 1, 15), &[("DRILL-18V", dec!(60))]),
        &spec_book(),
    );
    let line = priced(&document, 0);
    assert_eq!(line.unit_price.to_string(), "92.00");
    assert_eq!(line.explanation.kind, "level");
    assert_eq!(line.explanation.tier_min_qty, None);
    assert_eq!(document.total_net.to_string(), "5520.00");
}

#[test]
fn after_the_contract_expires_a_3_percent_discount_gives_89_24() {
    let document = price_document(
        &request(
            acme_with_discount(dec!(3)),
            day(2027, 1, 15),
            &[("DRILL-18V", dec!(60))],
        ),
        &spec_book(),
    );
    let line = priced(&document, 0);
    assert_eq!(line.unit_price.to_string(), "89.24");
    assert_eq!(line.explanation.list_unit_price.to_string(), "92.00");
    assert_eq!(line.explanation.discount_percent.unwrap().value(), dec!(3));
    assert_eq!(line.line_net.to_string(), "5354.40");
}

#[test]
fn without_a_level_the_base_price_applies() {
    let mut profile = acme();
    profile.price_level = None;
    profile.contract_lists.clear();
    let mut other = profile.clone();
    other.company_id = crate::values::CompanyId::parse("OTHER").unwrap();
    let document = price_document(
        &request(other, day(2026, 6, 1), &[("DRILL-18V", dec!(60))]),
        &spec_book(),
    );
    assert_eq!(priced(&document, 0).unit_price.to_string(), "100.00");
    assert_eq!(priced(&document, 0).explanation.kind, "base");
}

#[test]
fn the_document_serializes_amounts_as_two_place_strings() {
    let document = price_document(
        &request(acme(), day(2026, 6, 1), &[("DRILL-18V", dec!(60))]),
        &spec_book(),
    );
    let json = serde_json::to_value(&document).unwrap();
    assert_eq!(json["total_net"], "4800.00");
    assert_eq!(json["total_gross"], "5808.00");
    assert_eq!(json["vat"][0]["rate"], "21");
    assert_eq!(json["lines"][0]["outcome"], "priced");
    assert_eq!(json["lines"][0]["quantity"], "60");
    assert_eq!(json["lines"][0]["explanation"]["tier_min_qty"], "50");
    let back: crate::pricing::PricedDocument = serde_json::from_value(json).unwrap();
    assert_eq!(back, document);
}
