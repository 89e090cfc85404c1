//! Property tests of the order lifecycle: whatever commands arrive, in whatever order, the status
//! only moves along the allowed transitions, nothing panics, shipped quantities never exceed the
//! ordered ones, and an order that has ended stays where it ended.

use cqrs_es::Aggregate;
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::rules::decide;
use super::tests::{bits, drill, line, place_order, prg, pricing_of, qty, user};
use super::*;
use crate::values::Sku;
use OrderStatus::*;

/// Every status change an event may make; staying put is always allowed.
const ALLOWED: &[(OrderStatus, OrderStatus)] = &[
    (Placed, Reserved),
    (Placed, Backordered),
    (Placed, Rejected),
    (Placed, Cancelled),
    (Reserved, PendingApproval),
    (Reserved, ReadyForErp),
    (Reserved, Cancelled),
    (Backordered, PendingApproval),
    (Backordered, ReadyForErp),
    (Backordered, Cancelled),
    (PendingApproval, ReadyForErp),
    (PendingApproval, Rejected),
    (PendingApproval, Cancelled),
    (ReadyForErp, SentToErp),
    (ReadyForErp, AcceptedByErp),
    (ReadyForErp, RejectedByErp),
    (ReadyForErp, Cancelled),
    (SentToErp, AcceptedByErp),
    (SentToErp, RejectedByErp),
    (SentToErp, Cancelled),
    (SentToErp, PartiallyShipped),
    (SentToErp, Shipped),
    (AcceptedByErp, PartiallyShipped),
    (AcceptedByErp, Shipped),
    (AcceptedByErp, Invoiced),
    (AcceptedByErp, Cancelled),
    (PartiallyShipped, Shipped),
    (PartiallyShipped, Invoiced),
    (Shipped, Invoiced),
    (Invoiced, Completed),
];

/// One command of a random scenario, with small ids so that repeats are frequent. Commands that
/// end an order are rarer than those that move it on, so that most scenarios get far.
fn command() -> impl Strategy<Value = OrderCommand> {
    // Mostly successful reservations, so that most scenarios get past placement.
    let outcome = (0u8..6).prop_map(|kind| {
        let allocations = vec![Allocation {
            line_no: 1,
            sku: drill(),
            warehouse: prg(),
            quantity: qty(Decimal::from(3)),
        }];
        match kind {
            0..=3 => ReservationOutcome::Reserved { allocations },
            4 => ReservationOutcome::Backordered {
                allocations,
                short: vec![ShortLine {
                    line_no: 2,
                    sku: bits(),
                    missing: qty(Decimal::ONE),
                }],
            },
            _ => ReservationOutcome::Rejected {
                reason: "short".to_owned(),
            },
        }
    });
    let text = || Just("why".to_owned());
    prop_oneof![
        6 => outcome.prop_map(|outcome| OrderCommand::RecordReservation {
            outcome,
            by: "system".to_owned(),
        }),
        4 => text().prop_map(|comment| OrderCommand::Approve { by: user("eva"), comment }),
        1 => text().prop_map(|comment| OrderCommand::Reject { by: user("eva"), comment }),
        1 => text().prop_map(|reason| OrderCommand::Cancel { by: "jana".to_owned(), reason }),
        4 => (1u32..4).prop_map(|attempt| OrderCommand::MarkSent { attempt }),
        4 => Just(OrderCommand::RecordErpAcceptance { erp_order_no: "E-1".to_owned() }),
        1 => text().prop_map(|reason| OrderCommand::RecordErpRefusal { reason }),
        1 => text().prop_map(|reason| OrderCommand::RecordDeadLetter { operation: "cancel".to_owned(), reason }),
        1 => Just(OrderCommand::ConfirmCancellation),
        1 => text().prop_map(|reason| OrderCommand::RefuseCancellation { reason }),
        1 => text().prop_map(|reason| OrderCommand::RecordErpCancellation { reason }),
        8 => (0u8..5, prop::bool::ANY, 1u32..4).prop_map(|(id, is_drill, n)| {
            OrderCommand::RecordShipment {
                shipment_id: format!("SH-{id}"),
                lines: vec![ShippedLine {
                    sku: if is_drill { drill() } else { bits() },
                    warehouse: prg(),
                    quantity: qty(Decimal::from(n)),
                }],
            }
        }),
        1 => prop::option::of(0u8..5).prop_map(|id| OrderCommand::RecordDelivery {
            shipment_id: id.map(|id| format!("SH-{id}")),
        }),
        4 => (0u8..3).prop_map(|id| OrderCommand::RecordInvoice {
            invoice_number: format!("FV-{id}"),
        }),
    ]
}

/// An order of 3 drills and 2 bit sets, needing approval or not.
fn placed_order(needs_approval: bool) -> Order {
    let mut placed = place_order();
    placed.lines = vec![
        line(1, drill(), Decimal::from(3)),
        line(2, bits(), Decimal::from(2)),
    ];
    placed.pricing = pricing_of(&placed.lines);
    if needs_approval {
        placed.approval_reasons = vec!["big order".to_owned()];
    }
    let mut order = Order::default();
    for event in decide(&order, OrderCommand::Place(placed)).unwrap() {
        order.apply(event);
    }
    order
}

/// One way to each end an order can reach, with the status it ends in.
fn endings() -> Vec<(Vec<OrderCommand>, OrderStatus)> {
    let reserve = |outcome| OrderCommand::RecordReservation {
        outcome,
        by: "system".to_owned(),
    };
    let reserved = || {
        reserve(ReservationOutcome::Reserved {
            allocations: vec![],
        })
    };
    let text = || "why".to_owned();
    vec![
        (
            vec![OrderCommand::Cancel {
                by: text(),
                reason: text(),
            }],
            Cancelled,
        ),
        (
            vec![reserve(ReservationOutcome::Rejected { reason: text() })],
            Rejected,
        ),
        (
            vec![
                reserved(),
                OrderCommand::MarkSent { attempt: 1 },
                OrderCommand::RecordErpRefusal { reason: text() },
            ],
            RejectedByErp,
        ),
        (
            vec![
                reserved(),
                OrderCommand::RecordErpAcceptance {
                    erp_order_no: "E-1".to_owned(),
                },
                OrderCommand::RecordShipment {
                    shipment_id: "SH-9".to_owned(),
                    lines: vec![
                        ShippedLine {
                            sku: drill(),
                            warehouse: prg(),
                            quantity: qty(Decimal::from(3)),
                        },
                        ShippedLine {
                            sku: bits(),
                            warehouse: prg(),
                            quantity: qty(Decimal::from(2)),
                        },
                    ],
                },
                OrderCommand::RecordInvoice {
                    invoice_number: "FV-9".to_owned(),
                },
            ],
            Completed,
        ),
    ]
}

fn status(order: &Order) -> OrderStatus {
    order.status().expect("the order is placed")
}

fn assert_shipped_within_ordered(order: &Order) -> Result<(), TestCaseError> {
    for sku in [drill(), bits()] {
        prop_assert!(order.shipped_quantity(&sku) <= order.ordered_quantity(&sku));
    }
    prop_assert!(order
        .shipped_quantity(&Sku::parse("SAW-1").unwrap())
        .is_zero());
    Ok(())
}

proptest! {
    #[test]
    fn the_status_only_moves_along_allowed_transitions(
        needs_approval in prop::bool::ANY,
        commands in prop::collection::vec(command(), 0..60),
    ) {
        let mut order = placed_order(needs_approval);
        for command in commands {
            let before = status(&order);
            let Ok(events) = decide(&order, command.clone()) else {
                continue;
            };
            for event in events {
                let from = status(&order);
                order.apply(event.clone());
                let to = status(&order);
                if from.is_final() {
                    prop_assert_eq!(from, to, "{:?} moved an ended order", event);
                }
                prop_assert!(
                    from == to || ALLOWED.contains(&(from, to)),
                    "{:?} moved {} to {} (command {:?})", event, from, to, command
                );
            }
            if before.is_final() {
                prop_assert_eq!(before, status(&order));
            }
            assert_shipped_within_ordered(&order)?;
        }
    }

    #[test]
    fn an_ended_order_stays_where_it_ended(
        commands in prop::collection::vec(command(), 0..40),
    ) {
        for (ending, expected) in endings() {
            let mut order = placed_order(false);
            for command in ending {
                for event in decide(&order, command).unwrap() {
                    order.apply(event);
                }
            }
            prop_assert_eq!(status(&order), expected);
            for command in &commands {
                if let Ok(events) = decide(&order, command.clone()) {
                    for event in events {
                        order.apply(event);
                    }
                }
                prop_assert_eq!(status(&order), expected);
            }
        }
    }
}
