//! Placing an order: what it must satisfy, and what the placed order answers.

use rust_decimal_macros::dec;

use super::*;
use crate::pricing::{LineFailure, LineResult};

fn place_code(order: PlaceOrder) -> &'static str {
    OrderTest::with(())
        .given_no_previous_events()
        .when(OrderCommand::Place(order))
        .inspect_result()
        .unwrap_err()
        .code()
}

#[test]
fn place_records_the_whole_order_with_its_prices() {
    OrderTest::with(())
        .given_no_previous_events()
        .when(OrderCommand::Place(place_order()))
        .then_expect_events(placed());
}

#[test]
fn place_fails_when_the_order_exists() {
    OrderTest::with(())
        .given(placed())
        .when(OrderCommand::Place(place_order()))
        .then_expect_error_message("order 0190c0de-0000-7000-8000-000000000001 was already placed");
}

#[test]
fn commands_fail_for_an_order_that_was_never_placed() {
    let code = error_code(
        vec![],
        OrderCommand::Cancel {
            by: "jana".to_owned(),
            reason: "changed my mind".to_owned(),
        },
    );
    assert_eq!(code, "unknown-order");
}

#[test]
fn place_fails_without_lines_or_with_more_than_a_thousand() {
    let mut empty = place_order();
    empty.lines.clear();
    empty.pricing = pricing_of(&[]);
    assert_eq!(place_code(empty), "no-lines");

    let mut huge = place_order();
    huge.lines = (1..=1001).map(|n| line(n, drill(), dec!(1))).collect();
    huge.pricing = pricing_of(&huge.lines);
    assert_eq!(place_code(huge.clone()), "too-many-lines");
    huge.lines.pop();
    huge.pricing = pricing_of(&huge.lines);
    assert!(huge.check().is_ok());
}

#[test]
fn place_fails_when_a_line_number_repeats() {
    let mut order = place_order();
    order.lines[1].line_no = 1;
    assert_eq!(
        order.check(),
        Err(OrderError::DuplicateLineNo { line_no: 1 })
    );
}

#[test]
fn place_fails_when_the_reference_or_the_note_is_too_long() {
    let mut order = place_order();
    order.customer_reference = Some("R".repeat(65));
    assert_eq!(
        order.check().unwrap_err().to_string(),
        "customer_reference may have at most 64 characters"
    );
    order.customer_reference = Some("Ř".repeat(64));
    order.note = "n".repeat(2001);
    assert_eq!(place_code(order.clone()), "too-long");
    order.note = "ň".repeat(2000);
    assert!(order.check().is_ok());
}

#[test]
fn place_fails_when_a_line_is_not_priced() {
    let mut order = place_order();
    order.pricing.lines[1] = LineResult::Failed(LineFailure {
        sku: "BIT-SET".to_owned(),
        quantity: qty(dec!(10)),
        error_type: "no-price".to_owned(),
        detail: "no price list prices BIT-SET".to_owned(),
    });
    assert_eq!(
        order.check().unwrap_err().to_string(),
        "line BIT-SET cannot be priced: no price list prices BIT-SET"
    );
    assert_eq!(place_code(order), "unpriced-line");
}

#[test]
fn place_fails_when_the_pricing_is_for_other_lines_or_another_currency() {
    let mut other_quantity = place_order();
    other_quantity.lines[0].quantity = qty(dec!(61));
    assert_eq!(
        other_quantity.check().unwrap_err().to_string(),
        "the pricing does not match the order: line 1 orders 61 × DRILL-18V but 60 × DRILL-18V \
         was priced"
    );

    let mut fewer = place_order();
    fewer.pricing.lines.pop();
    assert_eq!(place_code(fewer), "pricing-mismatch");

    let mut euro = place_order();
    euro.currency = CurrencyCode::parse("EUR").unwrap();
    assert_eq!(place_code(euro), "pricing-mismatch");
}

#[test]
fn place_fails_without_an_order_id() {
    let mut order = place_order();
    order.order_id = " ".to_owned();
    assert_eq!(place_code(order), "empty-order-id");
}

#[test]
fn a_placed_order_answers_its_facts() {
    let order = order_after(placed());
    assert_eq!(order.status(), Some(OrderStatus::Placed));
    assert_eq!(order.company_id().unwrap().as_str(), "ACME");
    assert_eq!(order.buyer(), Some(&user("jana")));
    assert_eq!(order.lines().len(), 2);
    assert_eq!(order.pricing().unwrap().total_net, dec!(5600.00));
    assert_eq!(order.placed(), Some(&place_order()));
    assert_eq!(order.ordered_quantity(&drill()), dec!(60));
    assert!(order.allocations().is_empty());
    assert!(order.is_open());
    assert!(!order.holds_stock());

    let empty = Order::default();
    assert_eq!(empty.status(), None);
    assert!(empty.lines().is_empty());
    assert!(!empty.is_open());
}

#[test]
fn the_same_sku_on_two_lines_counts_once_per_sku() {
    let mut order = place_order();
    order.lines.push(line(3, drill(), dec!(5)));
    order.pricing = pricing_of(&order.lines);
    let placed = order_after(vec![OrderEvent::OrderPlaced(order)]);
    assert_eq!(placed.ordered_quantity(&drill()), dec!(65));
}
