//! Reserving, releasing and fulfilling order lines.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::stock_item::*;

#[test]
fn reserve_reserves_available_stock() {
    StockTest::with(())
        .given(vec![adjusted(dec!(120))])
        .when(reserve("O-1", 1, dec!(60), false))
        .then_expect_events(vec![reserved("O-1", 1, dec!(60))]);
}

#[test]
fn reserve_fails_when_available_stock_is_short() {
    StockTest::with(())
        .given(vec![adjusted(dec!(120)), reserved("O-1", 1, dec!(100))])
        .when(reserve("O-2", 1, dec!(21), false))
        .then_expect_error_message("insufficient stock: 20 available");
}

#[test]
fn reserve_beyond_available_stock_succeeds_when_backorders_are_allowed() {
    StockTest::with(())
        .given(vec![adjusted(dec!(10))])
        .when(reserve("O-1", 1, dec!(25), true))
        .then_expect_events(vec![reserved("O-1", 1, dec!(25))]);
}

#[test]
fn reserve_is_idempotent_per_order_line() {
    StockTest::with(())
        .given(vec![adjusted(dec!(120)), reserved("O-1", 1, dec!(60))])
        .when(reserve("O-1", 1, dec!(60.000), false))
        .then_expect_events(vec![]);
    let error = StockTest::with(())
        .given(vec![adjusted(dec!(120)), reserved("O-1", 1, dec!(60))])
        .when(reserve("O-1", 1, dec!(61), false))
        .inspect_result()
        .unwrap_err();
    assert_eq!(error.code(), "reservation-mismatch");
}

#[test]
fn release_releases_every_line_of_the_order_in_line_order() {
    let released = |line_no: u32, quantity: Decimal| StockEvent::ReservationReleased {
        sku: sku(),
        warehouse: prg(),
        order_id: "O-1".to_owned(),
        line_no,
        quantity,
        reason: "cancelled by buyer".to_owned(),
    };
    StockTest::with(())
        .given(vec![
            adjusted(dec!(120)),
            reserved("O-1", 10, dec!(5)),
            reserved("O-2", 1, dec!(7)),
            reserved("O-1", 2, dec!(3)),
        ])
        .when(StockCommand::Release {
            sku: sku(),
            warehouse: prg(),
            order_id: "O-1".to_owned(),
            reason: "cancelled by buyer".to_owned(),
        })
        .then_expect_events(vec![released(2, dec!(3)), released(10, dec!(5))]);
}

#[test]
fn release_produces_nothing_when_the_order_holds_no_reservation() {
    StockTest::with(())
        .given(vec![adjusted(dec!(120))])
        .when(StockCommand::Release {
            sku: sku(),
            warehouse: prg(),
            order_id: "O-9".to_owned(),
            reason: "rejected".to_owned(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn fulfil_lowers_on_hand_and_consumes_at_most_the_reservation() {
    StockTest::with(())
        .given(vec![adjusted(dec!(120)), reserved("O-1", 1, dec!(60))])
        .when(fulfil(1, dec!(70), "SH-1"))
        .then_expect_events(vec![StockEvent::ReservationFulfilled {
            sku: sku(),
            warehouse: prg(),
            order_id: "O-1".to_owned(),
            line_no: 1,
            quantity: qty(dec!(70)),
            released: dec!(60),
            shipment_id: "SH-1".to_owned(),
            on_hand: dec!(50),
        }]);
}

#[test]
fn fulfil_applies_a_shipment_once_per_order_line() {
    let first = StockTest::with(())
        .given(vec![adjusted(dec!(120)), reserved("O-1", 1, dec!(60))])
        .when(fulfil(1, dec!(20), "SH-1"))
        .inspect_result()
        .unwrap();
    let mut history = vec![adjusted(dec!(120)), reserved("O-1", 1, dec!(60))];
    history.extend(first);
    StockTest::with(())
        .given(history.clone())
        .when(fulfil(1, dec!(20), "SH-1"))
        .then_expect_events(vec![]);
    let other_line = StockTest::with(())
        .given(history)
        .when(fulfil(2, dec!(5), "SH-1"))
        .inspect_result()
        .unwrap();
    assert_eq!(other_line.len(), 1);
}

#[test]
fn partial_fulfilment_leaves_the_rest_reserved() {
    let mut item = StockItem::default();
    for event in [
        adjusted(dec!(120)),
        reserved("O-1", 1, dec!(60)),
        StockEvent::ReservationFulfilled {
            sku: sku(),
            warehouse: prg(),
            order_id: "O-1".to_owned(),
            line_no: 1,
            quantity: qty(dec!(20)),
            released: dec!(20),
            shipment_id: "SH-1".to_owned(),
            on_hand: dec!(100),
        },
    ] {
        cqrs_es::Aggregate::apply(&mut item, event);
    }
    assert_eq!(item.on_hand(), dec!(100));
    assert_eq!(item.reserved(), dec!(40));
    assert_eq!(item.available(), dec!(60));
    assert_eq!(item.reservation("O-1", 1).unwrap().quantity, dec!(40));
}
