//! Given/when/then scenarios for the stock-item aggregate: fixtures, levels and movements here,
//! reservations in their own file.

mod reservations;

use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::values::{Quantity, Sku, StockQuantity, WarehouseCode};

pub(super) type StockTest = TestFramework<StockItem>;

pub(super) fn sku() -> Sku {
    Sku::parse("DRILL-18V").unwrap()
}

pub(super) fn prg() -> WarehouseCode {
    WarehouseCode::parse("PRG").unwrap()
}

pub(super) fn qty(value: Decimal) -> Quantity {
    Quantity::parse(value).unwrap()
}

pub(super) fn adjusted(on_hand: Decimal) -> StockEvent {
    StockEvent::StockAdjusted {
        sku: sku(),
        warehouse: prg(),
        previous: Decimal::ZERO,
        on_hand,
        delta: on_hand,
        message_id: "erp-1".to_owned(),
    }
}

pub(super) fn reserved(order_id: &str, line_no: u32, quantity: Decimal) -> StockEvent {
    StockEvent::StockReserved {
        sku: sku(),
        warehouse: prg(),
        order_id: order_id.to_owned(),
        line_no,
        quantity: qty(quantity),
    }
}

pub(super) fn reserve(
    order_id: &str,
    line_no: u32,
    quantity: Decimal,
    backorder: bool,
) -> StockCommand {
    StockCommand::Reserve {
        sku: sku(),
        warehouse: prg(),
        order_id: order_id.to_owned(),
        line_no,
        quantity: qty(quantity),
        allow_backorder: backorder,
    }
}

pub(super) fn fulfil(line_no: u32, quantity: Decimal, shipment_id: &str) -> StockCommand {
    StockCommand::Fulfil {
        sku: sku(),
        warehouse: prg(),
        order_id: "O-1".to_owned(),
        line_no,
        quantity: qty(quantity),
        shipment_id: shipment_id.to_owned(),
    }
}

#[test]
fn id_joins_sku_and_warehouse() {
    assert_eq!(StockItem::id(&sku(), &prg()), "DRILL-18V@PRG");
}

#[test]
fn set_on_hand_of_an_unknown_item_is_an_adjustment_from_zero() {
    StockTest::with(())
        .given_no_previous_events()
        .when(StockCommand::SetOnHand {
            sku: sku(),
            warehouse: prg(),
            on_hand: StockQuantity::parse(dec!(120.000)).unwrap(),
            message_id: "erp-1".to_owned(),
        })
        .then_expect_events(vec![adjusted(dec!(120))]);
}

#[test]
fn set_on_hand_produces_nothing_when_the_level_is_ours() {
    StockTest::with(())
        .given(vec![adjusted(dec!(120))])
        .when(StockCommand::SetOnHand {
            sku: sku(),
            warehouse: prg(),
            on_hand: StockQuantity::parse(dec!(120)).unwrap(),
            message_id: "erp-2".to_owned(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn set_on_hand_records_the_difference_as_a_delta() {
    StockTest::with(())
        .given(vec![adjusted(dec!(120))])
        .when(StockCommand::SetOnHand {
            sku: sku(),
            warehouse: prg(),
            on_hand: StockQuantity::parse(dec!(100)).unwrap(),
            message_id: "erp-2".to_owned(),
        })
        .then_expect_events(vec![StockEvent::StockAdjusted {
            sku: sku(),
            warehouse: prg(),
            previous: dec!(120),
            on_hand: dec!(100),
            delta: dec!(-20),
            message_id: "erp-2".to_owned(),
        }]);
}

#[test]
fn record_movement_applies_each_movement_once() {
    let issue = StockCommand::RecordMovement {
        sku: sku(),
        warehouse: prg(),
        movement_id: "mv-7".to_owned(),
        kind: MovementKind::Issue,
        quantity: qty(dec!(30)),
    };
    let moved = StockEvent::StockMoved {
        sku: sku(),
        warehouse: prg(),
        movement_id: "mv-7".to_owned(),
        kind: MovementKind::Issue,
        delta: dec!(-30),
        on_hand: dec!(90),
    };
    StockTest::with(())
        .given(vec![adjusted(dec!(120))])
        .when(issue.clone())
        .then_expect_events(vec![moved.clone()]);
    StockTest::with(())
        .given(vec![adjusted(dec!(120)), moved])
        .when(issue)
        .then_expect_events(vec![]);
}

#[test]
fn commands_fail_when_they_name_another_item() {
    let error = StockTest::with(())
        .given(vec![adjusted(dec!(120))])
        .when(StockCommand::SetOnHand {
            sku: sku(),
            warehouse: WarehouseCode::parse("BRN").unwrap(),
            on_hand: StockQuantity::parse(dec!(1)).unwrap(),
            message_id: "erp-3".to_owned(),
        })
        .inspect_result()
        .unwrap_err();
    assert_eq!(error.code(), "wrong-item");
}

#[test]
fn stock_events_serialize_quantities_as_strings() {
    let json = serde_json::to_value(reserved("O-1", 1, dec!(2.5))).unwrap();
    assert_eq!(json["StockReserved"]["quantity"], "2.5");
    let kind = serde_json::to_value(MovementKind::TransferOut).unwrap();
    assert_eq!(kind, "transfer_out");
}

#[test]
fn stock_state_survives_a_snapshot_round_trip() {
    let mut item = StockItem::default();
    for event in [
        adjusted(dec!(120)),
        reserved("O-1", 1, dec!(2.5)),
        StockEvent::StockMoved {
            sku: sku(),
            warehouse: prg(),
            movement_id: "mv-1".to_owned(),
            kind: MovementKind::Receipt,
            delta: dec!(5),
            on_hand: dec!(125),
        },
    ] {
        cqrs_es::Aggregate::apply(&mut item, event);
    }
    let json = serde_json::to_string(&item).unwrap();
    let back: StockItem = serde_json::from_str(&json).unwrap();
    assert_eq!(back, item);
    assert_eq!(back.available(), dec!(122.5));
    assert_eq!(back.sku(), Some(&sku()));
}
