//! Recording the stock reservation, and approving or rejecting an order.

use rust_decimal_macros::dec;

use super::*;

fn record(outcome: ReservationOutcome) -> OrderCommand {
    OrderCommand::RecordReservation {
        outcome,
        by: "system".to_owned(),
    }
}

fn reserved_outcome() -> ReservationOutcome {
    ReservationOutcome::Reserved {
        allocations: allocations(),
    }
}

fn approve(by: &str) -> OrderCommand {
    OrderCommand::Approve {
        by: user(by),
        comment: "ok".to_owned(),
    }
}

#[test]
fn record_reservation_makes_an_order_ready_for_the_erp_when_no_approval_is_needed() {
    OrderTest::with(())
        .given(placed())
        .when(record(reserved_outcome()))
        .then_expect_events(vec![stock_reserved(), OrderEvent::ReadyForErp]);
}

#[test]
fn record_reservation_requests_approval_when_a_rule_applies() {
    let history = pending_approval();
    OrderTest::with(())
        .given(history[..1].to_vec())
        .when(record(reserved_outcome()))
        .then_expect_events(history[1..].to_vec());
    assert_eq!(status_after(history), Some(OrderStatus::PendingApproval));
}

#[test]
fn record_reservation_of_a_backorder_keeps_the_shortage() {
    let short = vec![ShortLine {
        line_no: 2,
        sku: bits(),
        missing: qty(dec!(4)),
    }];
    let outcome = ReservationOutcome::Backordered {
        allocations: allocations(),
        short: short.clone(),
    };
    OrderTest::with(())
        .given(placed())
        .when(record(outcome.clone()))
        .then_expect_events(vec![
            OrderEvent::StockBackordered {
                allocations: allocations(),
                short,
                by: "system".to_owned(),
            },
            OrderEvent::ReadyForErp,
        ]);
}

#[test]
fn record_reservation_rejects_the_order_when_stock_is_short() {
    let outcome = ReservationOutcome::Rejected {
        reason: "insufficient stock of BIT-SET".to_owned(),
    };
    let events = OrderTest::with(())
        .given(placed())
        .when(record(outcome.clone()))
        .inspect_result()
        .unwrap();
    assert_eq!(
        events,
        vec![OrderEvent::RejectedForStock {
            reason: "insufficient stock of BIT-SET".to_owned(),
            by: "system".to_owned(),
        }]
    );
    let order = order_after(then(placed(), &events));
    assert_eq!(order.status(), Some(OrderStatus::Rejected));
    assert!(!order.is_open());
    assert_eq!(order.reservation(), Some(&outcome));
}

#[test]
fn record_reservation_again_with_the_same_outcome_is_a_no_op() {
    OrderTest::with(())
        .given(ready())
        .when(record(reserved_outcome()))
        .then_expect_events(vec![]);
    OrderTest::with(())
        .given(ready())
        .when(record(ReservationOutcome::Rejected {
            reason: "late".to_owned(),
        }))
        .then_expect_error_message(
            "cannot record a reservation for an order that is ready_for_erp",
        );
}

#[test]
fn record_reservation_fails_for_a_line_the_order_does_not_have() {
    let mut wrong = allocations();
    wrong[1].line_no = 7;
    let code = error_code(
        placed(),
        record(ReservationOutcome::Reserved { allocations: wrong }),
    );
    assert_eq!(code, "unknown-line");
}

#[test]
fn a_reserved_order_answers_its_allocations_and_holds_stock() {
    let order = order_after(ready());
    assert_eq!(order.allocations(), allocations().as_slice());
    assert!(order.holds_stock());
}

#[test]
fn approve_makes_a_pending_order_ready_for_the_erp() {
    OrderTest::with(())
        .given(pending_approval())
        .when(approve("eva"))
        .then_expect_events(vec![
            OrderEvent::Approved {
                by: user("eva"),
                comment: "ok".to_owned(),
            },
            OrderEvent::ReadyForErp,
        ]);
}

#[test]
fn approve_twice_fails_naming_the_current_status() {
    let approved = then(
        pending_approval(),
        &[
            OrderEvent::Approved {
                by: user("eva"),
                comment: "ok".to_owned(),
            },
            OrderEvent::ReadyForErp,
        ],
    );
    OrderTest::with(())
        .given(approved.clone())
        .when(approve("eva"))
        .then_expect_error_message("cannot approve an order that is ready_for_erp");
    assert_eq!(error_code(approved, approve("adam")), "invalid-transition");
}

#[test]
fn approve_fails_before_the_stock_is_reserved() {
    assert_eq!(error_code(placed(), approve("eva")), "invalid-transition");
}

#[test]
fn reject_rejects_a_pending_order() {
    let reject = OrderCommand::Reject {
        by: user("eva"),
        comment: "too expensive".to_owned(),
    };
    let rejected = OrderEvent::Rejected {
        by: user("eva"),
        comment: "too expensive".to_owned(),
    };
    OrderTest::with(())
        .given(pending_approval())
        .when(reject.clone())
        .then_expect_events(vec![rejected.clone()]);
    let history = then(pending_approval(), &[rejected]);
    assert_eq!(status_after(history.clone()), Some(OrderStatus::Rejected));
    assert!(!order_after(history.clone()).holds_stock());
    assert_eq!(error_code(history, reject), "invalid-transition");
}
