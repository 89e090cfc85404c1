//! Sending the order to the ERP, and the ERP's acceptance or refusal.

use super::*;

fn mark_sent(attempt: u32) -> OrderCommand {
    OrderCommand::MarkSent { attempt }
}

fn accept() -> OrderCommand {
    OrderCommand::RecordErpAcceptance {
        erp_order_no: "ERP-77".to_owned(),
    }
}

fn refuse() -> OrderCommand {
    OrderCommand::RecordErpRefusal {
        reason: "customer blocked".to_owned(),
    }
}

fn refused() -> OrderEvent {
    OrderEvent::RejectedByErp {
        reason: "customer blocked".to_owned(),
    }
}

#[test]
fn mark_sent_moves_a_ready_order_to_sent() {
    OrderTest::with(())
        .given(ready())
        .when(mark_sent(1))
        .then_expect_events(vec![OrderEvent::SentToErp { attempt: 1 }]);
    let order = order_after(sent());
    assert_eq!(order.status(), Some(OrderStatus::SentToErp));
    assert_eq!(order.last_attempt(), 1);
}

#[test]
fn mark_sent_records_each_newer_attempt_once() {
    OrderTest::with(())
        .given(sent())
        .when(mark_sent(2))
        .then_expect_events(vec![OrderEvent::SentToErp { attempt: 2 }]);
    OrderTest::with(())
        .given(sent())
        .when(mark_sent(1))
        .then_expect_events(vec![]);
}

#[test]
fn mark_sent_fails_before_approval_and_after_acceptance() {
    assert_eq!(
        error_code(pending_approval(), mark_sent(1)),
        "invalid-transition"
    );
    OrderTest::with(())
        .given(accepted())
        .when(mark_sent(2))
        .then_expect_error_message("cannot send an order that is accepted_by_erp");
}

#[test]
fn record_erp_acceptance_accepts_a_sent_order() {
    OrderTest::with(())
        .given(sent())
        .when(accept())
        .then_expect_events(vec![OrderEvent::AcceptedByErp {
            erp_order_no: "ERP-77".to_owned(),
        }]);
    assert_eq!(order_after(accepted()).erp_order_no(), Some("ERP-77"));
}

#[test]
fn record_erp_acceptance_accepts_an_answer_that_overtook_our_record_of_sending() {
    OrderTest::with(())
        .given(ready())
        .when(accept())
        .then_expect_events(vec![OrderEvent::AcceptedByErp {
            erp_order_no: "ERP-77".to_owned(),
        }]);
}

#[test]
fn record_erp_acceptance_never_moves_an_order_backwards() {
    let invoiced = then(
        shipped(),
        &[
            OrderEvent::InvoiceRecorded {
                invoice_number: "FV-1".to_owned(),
            },
            OrderEvent::OrderCompleted,
        ],
    );
    for history in [accepted(), shipped(), invoiced] {
        OrderTest::with(())
            .given(history)
            .when(accept())
            .then_expect_events(vec![]);
    }
}

#[test]
fn a_late_acceptance_keeps_the_erp_number_of_an_order_that_shipped_first() {
    // The shipment was reported before the acceptance: the order has no ERP number yet.
    let shipped_first = then(sent(), &[shipment("SH-1", &[(drill(), dec!(60))])]);
    OrderTest::with(())
        .given(shipped_first)
        .when(accept())
        .then_expect_events(vec![OrderEvent::ErpOrderNumberRecorded {
            erp_order_no: "ERP-77".to_owned(),
        }]);
}

#[test]
fn record_erp_acceptance_fails_for_an_order_the_erp_never_got() {
    assert_eq!(
        error_code(pending_approval(), accept()),
        "invalid-transition"
    );
    let cancelled = then(
        ready(),
        &[OrderEvent::Cancelled {
            by: "jana".to_owned(),
            reason: "oops".to_owned(),
        }],
    );
    assert_eq!(error_code(cancelled, accept()), "invalid-transition");
}

#[test]
fn record_erp_refusal_rejects_a_sent_or_ready_order_once() {
    for history in [ready(), sent()] {
        OrderTest::with(())
            .given(history)
            .when(refuse())
            .then_expect_events(vec![refused()]);
    }
    let rejected = then(sent(), &[refused()]);
    let order = order_after(rejected.clone());
    assert_eq!(order.status(), Some(OrderStatus::RejectedByErp));
    assert!(!order.is_open());
    assert!(!order.holds_stock());
    OrderTest::with(())
        .given(rejected)
        .when(refuse())
        .then_expect_events(vec![]);
    assert_eq!(error_code(accepted(), refuse()), "invalid-transition");
}
