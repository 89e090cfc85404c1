//! Which list prices a line: filtering by currency, channel, validity and buyer, the
//! tie-breaks within a kind, and the per-line failures.

use rust_decimal_macros::dec;

use super::fixtures::*;
use crate::price_list::PriceListHeader;
use crate::pricing::{price_document, PricedDocument};
use crate::values::Unit;

/// Prices ten DRILL-18V for ACME on 2026-06-01 from lists that each price it differently.
fn price_with(lists: Vec<(PriceListHeader, rust_decimal::Decimal)>) -> PricedDocument {
    let lists = lists
        .into_iter()
        .map(|(header, price)| (header, vec![entry("DRILL-18V", price, &[])]))
        .collect();
    price_document(
        &request(acme(), day(2026, 6, 1), &[("DRILL-18V", dec!(10))]),
        &book([product("DRILL-18V")], lists),
    )
}

fn winner(document: &PricedDocument) -> &str {
    priced(document, 0).explanation.price_list.as_str()
}

#[test]
fn a_channel_specific_list_beats_a_channel_less_one() {
    let document = price_with(vec![
        (base("ANY").priority(9).build(), dec!(100)),
        (base("CHANNEL").channel("b2b-cz").build(), dec!(110)),
    ]);
    assert_eq!(winner(&document), "CHANNEL");
}

#[test]
fn a_list_for_another_channel_is_ignored() {
    let document = price_with(vec![
        (base("OTHER-CHANNEL").channel("retail").build(), dec!(50)),
        (base("ANY").build(), dec!(100)),
    ]);
    assert_eq!(winner(&document), "ANY");
}

#[test]
fn a_dated_list_beats_an_undated_one() {
    let document = price_with(vec![
        (base("UNDATED").priority(9).build(), dec!(100)),
        (
            base("DATED").valid(Some(day(2026, 1, 1)), None).build(),
            dec!(105),
        ),
    ]);
    assert_eq!(winner(&document), "DATED");
}

#[test]
fn the_narrower_validity_window_wins() {
    let document = price_with(vec![
        (
            base("YEAR")
                .valid(Some(day(2026, 1, 1)), Some(day(2026, 12, 31)))
                .priority(9)
                .build(),
            dec!(100),
        ),
        (
            base("JUNE")
                .valid(Some(day(2026, 6, 1)), Some(day(2026, 6, 30)))
                .build(),
            dec!(90),
        ),
        (
            base("FROM-MAY").valid(Some(day(2026, 5, 1)), None).build(),
            dec!(80),
        ),
    ]);
    assert_eq!(winner(&document), "JUNE");
}

#[test]
fn the_higher_priority_breaks_a_remaining_tie() {
    let document = price_with(vec![
        (base("LOW").priority(1).build(), dec!(100)),
        (base("HIGH").priority(2).build(), dec!(120)),
    ]);
    assert_eq!(winner(&document), "HIGH");
    assert_eq!(priced(&document, 0).unit_price.to_string(), "120.00");
}

#[test]
fn a_tie_left_after_every_rule_is_an_error_naming_the_lists() {
    let document = price_with(vec![
        (base("B-LIST").build(), dec!(100)),
        (base("A-LIST").build(), dec!(100)),
        (base("LOSER").priority(-1).build(), dec!(100)),
    ]);
    let failure = failed(&document, 0);
    assert_eq!(failure.error_type, "ambiguous-price-lists");
    assert!(
        failure.detail.contains("A-LIST, B-LIST"),
        "{}",
        failure.detail
    );
    assert!(!failure.detail.contains("LOSER"));
    assert_eq!(document.total_net.to_string(), "0.00");
}

#[test]
fn a_tie_in_a_losing_kind_does_not_matter() {
    let document = price_with(vec![
        (base("B-LIST").build(), dec!(100)),
        (base("A-LIST").build(), dec!(100)),
        (level("VO-CZK", "VO").build(), dec!(92)),
    ]);
    assert_eq!(winner(&document), "VO-CZK");
}

#[test]
fn lists_in_another_currency_are_ignored() {
    let document = price_with(vec![
        (
            contract("ACME-2026", "ACME").currency("EUR").build(),
            dec!(3),
        ),
        (base("ANY").build(), dec!(100)),
    ]);
    assert_eq!(winner(&document), "ANY");
    let only_eur = price_with(vec![(base("EUR").currency("EUR").build(), dec!(4))]);
    assert_eq!(failed(&only_eur, 0).error_type, "no-price");
}

#[test]
fn validity_bounds_are_inclusive_and_outside_them_a_list_does_not_apply() {
    let document = price_with(vec![
        (
            contract("ACME-2026", "ACME")
                .valid(Some(day(2026, 6, 1)), None)
                .build(),
            dec!(80),
        ),
        (
            level("ENDED", "VO")
                .valid(None, Some(day(2026, 5, 31)))
                .build(),
            dec!(90),
        ),
        (base("ANY").build(), dec!(100)),
    ]);
    assert_eq!(winner(&document), "ACME-2026");
    let later = price_with(vec![
        (
            contract("ACME-2026", "ACME")
                .valid(None, Some(day(2026, 6, 1)))
                .build(),
            dec!(80),
        ),
        (base("ANY").build(), dec!(100)),
    ]);
    assert_eq!(winner(&later), "ACME-2026");
    let future = price_with(vec![
        (
            contract("ACME-2026", "ACME")
                .valid(Some(day(2026, 7, 1)), None)
                .build(),
            dec!(80),
        ),
        (base("ANY").build(), dec!(100)),
    ]);
    assert_eq!(winner(&future), "ANY");
}

#[test]
fn contract_lists_apply_by_code_or_by_company_but_not_to_others() {
    let document = price_with(vec![
        (contract("OTHER-CO", "OTHER").build(), dec!(10)),
        (level("OTHER-LEVEL", "MO").build(), dec!(20)),
        (base("ANY").build(), dec!(100)),
    ]);
    assert_eq!(winner(&document), "ANY");
    let by_company = price_with(vec![
        (contract("ACME-SPECIAL", "ACME").build(), dec!(70)),
        (base("ANY").build(), dec!(100)),
    ]);
    assert_eq!(winner(&by_company), "ACME-SPECIAL");
    let by_code = price_with(vec![
        (contract("ACME-2026", "ACME-GROUP").build(), dec!(75)),
        (base("ANY").build(), dec!(100)),
    ]);
    assert_eq!(winner(&by_code), "ACME-2026");
}

#[test]
fn a_list_without_an_entry_for_the_sku_is_no_candidate() {
    let lists = vec![
        (
            contract("ACME-2026", "ACME").build(),
            vec![entry("OTHER", dec!(1), &[])],
        ),
        (
            base("ANY").build(),
            vec![entry("DRILL-18V", dec!(100), &[])],
        ),
    ];
    let document = price_document(
        &request(acme(), day(2026, 6, 1), &[("DRILL-18V", dec!(1))]),
        &book([product("DRILL-18V")], lists),
    );
    assert_eq!(winner(&document), "ANY");
}

#[test]
fn unknown_inactive_fractional_and_unpriced_lines_fail_one_by_one() {
    let mut inactive = product("OLD");
    inactive.active = false;
    let mut cable = product("CABLE");
    cable.unit = Unit::M;
    let lists = vec![(
        base("ANY").build(),
        vec![
            entry("DRILL-18V", dec!(100), &[]),
            entry("OLD", dec!(5), &[]),
            entry("CABLE", dec!(12.5), &[]),
        ],
    )];
    let document = price_document(
        &request(
            acme(),
            day(2026, 6, 1),
            &[
                ("GHOST", dec!(1)),
                ("OLD", dec!(1)),
                ("DRILL-18V", dec!(2.5)),
                ("NOPRICE", dec!(1)),
                ("CABLE", dec!(2.5)),
                ("DRILL-18V", dec!(2)),
            ],
        ),
        &book(
            [product("DRILL-18V"), inactive, cable, product("NOPRICE")],
            lists,
        ),
    );
    assert_eq!(failed(&document, 0).error_type, "unknown-sku");
    assert_eq!(failed(&document, 0).sku, "GHOST");
    assert_eq!(failed(&document, 1).error_type, "inactive-product");
    assert_eq!(failed(&document, 2).error_type, "fractional-quantity");
    assert_eq!(failed(&document, 3).error_type, "no-price");
    assert_eq!(priced(&document, 4).line_net.to_string(), "31.25");
    assert_eq!(priced(&document, 5).line_net.to_string(), "200.00");
    assert_eq!(document.total_net.to_string(), "231.25");
    assert!(!document.is_fully_priced());
    assert_eq!(document.failures().count(), 4);
}
