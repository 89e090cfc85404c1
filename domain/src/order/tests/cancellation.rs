//! Cancelling an order: at once before the ERP has it, with the ERP's agreement after.

use rust_decimal_macros::dec;

use super::*;

fn cancel() -> OrderCommand {
    OrderCommand::Cancel {
        by: "jana".to_owned(),
        reason: "ordered twice".to_owned(),
    }
}

fn cancelled(by: &str) -> OrderEvent {
    OrderEvent::Cancelled {
        by: by.to_owned(),
        reason: "ordered twice".to_owned(),
    }
}

fn requested() -> OrderEvent {
    OrderEvent::CancellationRequested {
        by: "jana".to_owned(),
        reason: "ordered twice".to_owned(),
    }
}

#[test]
fn cancel_cancels_at_once_before_the_erp_has_the_order() {
    for history in [placed(), ready(), pending_approval()] {
        OrderTest::with(())
            .given(history)
            .when(cancel())
            .then_expect_events(vec![cancelled("jana")]);
    }
    let order = order_after(then(ready(), &[cancelled("jana")]));
    assert_eq!(order.status(), Some(OrderStatus::Cancelled));
    assert!(!order.holds_stock());
}

#[test]
fn cancel_asks_the_erp_once_it_has_the_order() {
    for history in [sent(), accepted()] {
        OrderTest::with(())
            .given(history.clone())
            .when(cancel())
            .then_expect_events(vec![requested()]);
        let before = status_after(history.clone());
        let order = order_after(then(history, &[requested()]));
        assert!(order.cancellation_pending());
        assert_eq!(order.pending_cancellation().unwrap().by, "jana");
        assert_eq!(order.status(), before);
    }
}

#[test]
fn cancel_fails_while_a_cancellation_is_pending() {
    let code = error_code(then(accepted(), &[requested()]), cancel());
    assert_eq!(code, "cancellation-pending");
}

#[test]
fn cancel_fails_once_the_order_has_shipped() {
    let partial = then(accepted(), &[shipment("SH-1", &[(drill(), dec!(1))])]);
    OrderTest::with(())
        .given(partial)
        .when(cancel())
        .then_expect_error_message("cannot cancel: the order has shipped");
    assert_eq!(error_code(shipped(), cancel()), "already-shipped");
}

#[test]
fn cancel_fails_for_an_order_that_has_ended_otherwise() {
    let rejected_by_erp = then(
        sent(),
        &[OrderEvent::RejectedByErp {
            reason: "blocked customer".to_owned(),
        }],
    );
    for history in [then(ready(), &[cancelled("jana")]), rejected_by_erp] {
        assert_eq!(error_code(history, cancel()), "invalid-transition");
    }
}

#[test]
fn confirm_cancellation_cancels_for_the_reason_asked_and_only_once() {
    let pending = then(accepted(), &[requested()]);
    OrderTest::with(())
        .given(pending.clone())
        .when(OrderCommand::ConfirmCancellation)
        .then_expect_events(vec![cancelled("erp")]);
    let done = then(pending, &[cancelled("erp")]);
    assert!(!order_after(done.clone()).cancellation_pending());
    OrderTest::with(())
        .given(done)
        .when(OrderCommand::ConfirmCancellation)
        .then_expect_events(vec![]);
}

#[test]
fn confirm_cancellation_fails_when_nobody_asked() {
    let code = error_code(accepted(), OrderCommand::ConfirmCancellation);
    assert_eq!(code, "no-cancellation-pending");
    let code = error_code(shipped(), OrderCommand::ConfirmCancellation);
    assert_eq!(code, "already-shipped");
}

#[test]
fn refuse_cancellation_clears_the_pending_request_and_keeps_the_status() {
    let refuse = OrderCommand::RefuseCancellation {
        reason: "already picked".to_owned(),
    };
    let refused = OrderEvent::CancellationRefused {
        reason: "already picked".to_owned(),
    };
    let pending = then(accepted(), &[requested()]);
    OrderTest::with(())
        .given(pending.clone())
        .when(refuse.clone())
        .then_expect_events(vec![refused.clone()]);
    let after = then(pending, &[refused]);
    let order = order_after(after.clone());
    assert!(!order.cancellation_pending());
    assert_eq!(order.status(), Some(OrderStatus::AcceptedByErp));
    OrderTest::with(())
        .given(after.clone())
        .when(refuse.clone())
        .then_expect_events(vec![]);
    assert_eq!(error_code(accepted(), refuse), "no-cancellation-pending");
    // A refused cancellation may be asked for again.
    OrderTest::with(())
        .given(after)
        .when(cancel())
        .then_expect_events(vec![requested()]);
}

#[test]
fn a_shipment_refuses_a_pending_cancellation_first() {
    OrderTest::with(())
        .given(then(accepted(), &[requested()]))
        .when(ship("SH-1", &[(drill(), dec!(60))]))
        .then_expect_events(vec![
            OrderEvent::CancellationRefused {
                reason: "already shipped".to_owned(),
            },
            shipment("SH-1", &[(drill(), dec!(60))]),
        ]);
}

#[test]
fn the_erp_may_cancel_on_its_own_until_goods_ship() {
    let erp_cancel = OrderCommand::RecordErpCancellation {
        reason: "ordered twice".to_owned(),
    };
    for history in [sent(), accepted()] {
        OrderTest::with(())
            .given(history)
            .when(erp_cancel.clone())
            .then_expect_events(vec![cancelled("erp")]);
    }
    OrderTest::with(())
        .given(then(accepted(), &[cancelled("erp")]))
        .when(erp_cancel.clone())
        .then_expect_events(vec![]);
    assert_eq!(error_code(shipped(), erp_cancel.clone()), "already-shipped");
    assert_eq!(error_code(placed(), erp_cancel), "invalid-transition");
}

#[test]
fn a_dead_lettered_cancel_is_recorded_and_leaves_the_cancellation_pending() {
    let dead = OrderEvent::ErpDeliveryDeadLettered {
        operation: "cancel".to_owned(),
        reason: "the order's submit is dead-lettered".to_owned(),
    };
    let pending = then(sent(), &[requested()]);
    OrderTest::with(())
        .given(pending.clone())
        .when(OrderCommand::RecordDeadLetter {
            operation: "cancel".to_owned(),
            reason: "the order's submit is dead-lettered".to_owned(),
        })
        .then_expect_events(vec![dead.clone()]);
    let order = order_after(then(pending, &[dead]));
    // Still pending, so that ops can retry the delivery; still with the ERP's status.
    assert!(order.cancellation_pending());
    assert_eq!(order.status(), Some(OrderStatus::SentToErp));
    // And the ERP's agreement, once the retried cancel gets through, still cancels it.
    OrderTest::with(())
        .given(then(
            then(sent(), &[requested()]),
            &[OrderEvent::ErpDeliveryDeadLettered {
                operation: "cancel".to_owned(),
                reason: "x".to_owned(),
            }],
        ))
        .when(OrderCommand::ConfirmCancellation)
        .then_expect_events(vec![cancelled("erp")]);
}

#[test]
fn confirm_cancellation_fails_once_the_order_is_invoiced_even_with_the_request_pending() {
    let invoiced = then(
        then(accepted(), &[requested()]),
        &[OrderEvent::InvoiceRecorded {
            invoice_number: "FV-1".to_owned(),
        }],
    );
    assert_eq!(
        error_code(invoiced, OrderCommand::ConfirmCancellation),
        "already-shipped"
    );
}
