//! VAT regimes on whole documents, the VAT breakdown, and document versus per-line rounding.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::fixtures::*;
use crate::pricing::{price_document, PriceBook, PricingRequest, VatRounding, REVERSE_CHARGE_NOTE};
use crate::values::{CountryCode, VatClass};

/// Three products at three rates, all on one base list.
fn mixed_book() -> PriceBook {
    let mut food = product("COFFEE");
    food.vat_class = VatClass::Reduced;
    let mut book_item = product("MANUAL");
    book_item.vat_class = VatClass::Zero;
    book(
        [product("DRILL-18V"), food, book_item],
        vec![(
            base("ANY").build(),
            vec![
                entry("DRILL-18V", dec!(100), &[]),
                entry("COFFEE", dec!(10.10), &[]),
                entry("MANUAL", dec!(7), &[]),
            ],
        )],
    )
}

fn mixed_request(country: &str, vat_id: Option<&str>) -> PricingRequest {
    let mut profile = acme();
    profile.country = CountryCode::parse(country).unwrap();
    profile.vat_id = vat_id.map(str::to_owned);
    request(
        profile,
        day(2026, 6, 1),
        &[
            ("DRILL-18V", dec!(2)),
            ("COFFEE", dec!(3)),
            ("MANUAL", dec!(1)),
        ],
    )
}

#[test]
fn czech_buyers_get_a_breakdown_per_rate_highest_first() {
    let document = price_document(&mixed_request("CZ", Some("CZ1")), &mixed_book());
    let rates: Vec<Decimal> = document.vat.iter().map(|rate| rate.rate).collect();
    assert_eq!(rates, vec![dec!(21), dec!(12), dec!(0)]);
    let vats: Vec<String> = document
        .vat
        .iter()
        .map(|rate| rate.vat.to_string())
        .collect();
    assert_eq!(vats, vec!["42.00", "3.64", "0.00"]);
    assert_eq!(priced(&document, 1).explanation.vat_rule, "CZ reduced");
    assert_eq!(priced(&document, 2).explanation.vat_rule, "CZ zero");
    assert_eq!(document.total_net.to_string(), "237.30");
    assert_eq!(document.total_vat.to_string(), "45.64");
    assert_eq!(document.total_gross.to_string(), "282.94");
}

#[test]
fn eu_buyers_with_a_vat_id_get_reverse_charge_with_the_note() {
    let document = price_document(&mixed_request("DE", Some("DE123456789")), &mixed_book());
    assert!(document.reverse_charge);
    assert_eq!(document.notes, vec![REVERSE_CHARGE_NOTE.to_owned()]);
    assert!(document
        .priced_lines()
        .all(|line| line.vat_rate.is_zero() && line.explanation.vat_rule == "EU reverse charge"));
    assert_eq!(document.vat.len(), 1);
    assert_eq!(document.total_vat.to_string(), "0.00");
    assert_eq!(document.total_gross.to_string(), "237.30");
}

#[test]
fn eu_buyers_without_a_vat_id_pay_czech_vat() {
    let document = price_document(&mixed_request("SK", None), &mixed_book());
    assert!(!document.reverse_charge);
    assert_eq!(priced(&document, 0).explanation.vat_rule, "CZ standard");
    assert_eq!(document.total_vat.to_string(), "45.64");
}

#[test]
fn buyers_outside_the_eu_are_exports_at_zero_without_reverse_charge() {
    let document = price_document(&mixed_request("CH", Some("CHE-123")), &mixed_book());
    assert!(!document.reverse_charge);
    assert!(document.notes.is_empty());
    assert_eq!(
        priced(&document, 0).explanation.vat_rule,
        "export outside EU"
    );
    assert_eq!(document.total_vat.to_string(), "0.00");
}

/// Three lines of 0.50 at 21 %: per line 0.105 rounds to 0.11 each (0.33), while the document's
/// 1.50 × 21 % = 0.315 rounds to 0.32.
fn half_crown_request(rounding: VatRounding) -> (PricingRequest, PriceBook) {
    let mut request = request(
        acme(),
        day(2026, 6, 1),
        &[("NUT", dec!(1)), ("BOLT", dec!(1)), ("WASHER", dec!(1))],
    );
    request.vat_rounding = rounding;
    let book = book(
        [product("NUT"), product("BOLT"), product("WASHER")],
        vec![(
            base("ANY").build(),
            vec![
                entry("NUT", dec!(0.50), &[]),
                entry("BOLT", dec!(0.50), &[]),
                entry("WASHER", dec!(0.50), &[]),
            ],
        )],
    );
    (request, book)
}

#[test]
fn document_rounding_rounds_vat_once_per_rate() {
    let (request, book) = half_crown_request(VatRounding::Document);
    let document = price_document(&request, &book);
    assert_eq!(document.total_vat.to_string(), "0.32");
    assert_eq!(document.total_gross.to_string(), "1.82");
    assert!(document.priced_lines().all(|line| line.line_vat.is_none()));
}

#[test]
fn per_line_rounding_rounds_each_line_and_sums_them() {
    let (request, book) = half_crown_request(VatRounding::PerLine);
    let document = price_document(&request, &book);
    assert!(document
        .priced_lines()
        .all(|line| line.line_vat.map(|vat| vat.to_string()) == Some("0.11".to_owned())));
    assert_eq!(document.vat[0].vat.to_string(), "0.33");
    assert_eq!(document.total_vat.to_string(), "0.33");
    assert_eq!(document.total_gross.to_string(), "1.83");
}

#[test]
fn four_place_unit_prices_are_kept_and_line_nets_rounded() {
    let lists = vec![(base("ANY").build(), vec![entry("SCREW", dec!(0.1235), &[])])];
    let document = price_document(
        &request(
            acme_with_discount(dec!(3)),
            day(2026, 6, 1),
            &[("SCREW", dec!(1000))],
        ),
        &book([product("SCREW")], lists),
    );
    let line = priced(&document, 0);
    assert_eq!(line.unit_price.to_string(), "0.1198");
    assert_eq!(line.line_net.to_string(), "119.80");
}

#[test]
fn an_empty_request_gives_zero_totals() {
    let (mut request, book) = half_crown_request(VatRounding::Document);
    request.lines.clear();
    let document = price_document(&request, &book);
    assert!(document.lines.is_empty() && document.vat.is_empty());
    assert_eq!(document.total_gross.to_string(), "0.00");
}
