//! Property tests of the stock invariant: without backorders and issues, reservations never
//! exceed on hand, and available is always on hand minus the sum of the reservations.

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::values::{Quantity, Sku, StockQuantity, WarehouseCode};

/// One step of a random scenario.
#[derive(Debug, Clone)]
enum Step {
    Reserve { order: u8, line: u32, quantity: u32 },
    Release { order: u8 },
    Receive { quantity: u32 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..6, 1u32..4, 1u32..40)
            .prop_map(|(order, line, quantity)| Step::Reserve { order, line, quantity }),
        2 => (0u8..6).prop_map(|order| Step::Release { order }),
        1 => (1u32..30).prop_map(|quantity| Step::Receive { quantity }),
    ]
}

fn command(step: &Step, index: usize) -> StockCommand {
    let sku = Sku::parse("DRILL-18V").unwrap();
    let warehouse = WarehouseCode::parse("PRG").unwrap();
    let quantity = |n: u32| Quantity::parse(Decimal::from(n)).unwrap();
    match *step {
        Step::Reserve {
            order,
            line,
            quantity: n,
        } => StockCommand::Reserve {
            sku,
            warehouse,
            order_id: format!("O-{order}"),
            line_no: line,
            quantity: quantity(n),
            allow_backorder: false,
        },
        Step::Release { order } => StockCommand::Release {
            sku,
            warehouse,
            order_id: format!("O-{order}"),
            reason: "test".to_owned(),
        },
        Step::Receive { quantity: n } => StockCommand::RecordMovement {
            sku,
            warehouse,
            movement_id: format!("mv-{index}"),
            kind: MovementKind::Receipt,
            quantity: quantity(n),
        },
    }
}

/// Runs a command as the framework would, keeping the state only when it succeeds.
fn execute(runtime: &tokio::runtime::Runtime, item: &mut StockItem, command: StockCommand) {
    let mut candidate = item.clone();
    let sink = EventSink::default();
    if runtime
        .block_on(candidate.handle(command, &(), &sink))
        .is_ok()
    {
        *item = candidate;
    }
}

fn assert_invariant(item: &StockItem) -> Result<(), TestCaseError> {
    let sum: Decimal = item.reservations().values().map(|r| r.quantity).sum();
    prop_assert_eq!(item.reserved(), sum);
    prop_assert_eq!(item.available(), item.on_hand() - sum);
    prop_assert!(
        item.reserved() <= item.on_hand(),
        "reserved {} > on hand {}",
        item.reserved(),
        item.on_hand()
    );
    prop_assert!(item.available() >= Decimal::ZERO);
    prop_assert!(item
        .reservations()
        .values()
        .all(|r| r.quantity > Decimal::ZERO));
    Ok(())
}

proptest! {
    #[test]
    fn reservations_without_backorder_never_exceed_on_hand(
        initial in 0u32..100,
        steps in proptest::collection::vec(step(), 0..40),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut item = StockItem::default();
        execute(&runtime, &mut item, StockCommand::SetOnHand {
            sku: Sku::parse("DRILL-18V").unwrap(),
            warehouse: WarehouseCode::parse("PRG").unwrap(),
            on_hand: StockQuantity::parse(Decimal::from(initial)).unwrap(),
            message_id: "erp-0".to_owned(),
        });
        assert_invariant(&item)?;
        for (index, step) in steps.iter().enumerate() {
            execute(&runtime, &mut item, command(step, index));
            assert_invariant(&item)?;
        }
    }
}
