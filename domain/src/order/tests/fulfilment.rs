//! Shipments, deliveries and invoices from the ERP, up to completion.

use rust_decimal_macros::dec;

use super::*;

fn invoice(number: &str) -> OrderCommand {
    OrderCommand::RecordInvoice {
        invoice_number: number.to_owned(),
    }
}

fn invoiced(number: &str) -> OrderEvent {
    OrderEvent::InvoiceRecorded {
        invoice_number: number.to_owned(),
    }
}

fn deliver(shipment_id: Option<&str>) -> OrderCommand {
    OrderCommand::RecordDelivery {
        shipment_id: shipment_id.map(str::to_owned),
    }
}

#[test]
fn a_partial_shipment_makes_the_order_partially_shipped() {
    let first = shipment("SH-1", &[(drill(), dec!(20))]);
    OrderTest::with(())
        .given(accepted())
        .when(ship("SH-1", &[(drill(), dec!(20))]))
        .then_expect_events(vec![first.clone()]);
    let order = order_after(then(accepted(), &[first]));
    assert_eq!(order.status(), Some(OrderStatus::PartiallyShipped));
    assert_eq!(order.shipped_quantity(&drill()), dec!(20));
    assert_eq!(order.shipped_quantity(&bits()), dec!(0));
    assert!(order.holds_stock());
}

#[test]
fn shipments_accumulate_until_every_sku_has_shipped() {
    let history = then(
        accepted(),
        &[
            shipment("SH-1", &[(drill(), dec!(20))]),
            shipment("SH-2", &[(drill(), dec!(40)), (bits(), dec!(4))]),
        ],
    );
    assert_eq!(
        status_after(history.clone()),
        Some(OrderStatus::PartiallyShipped)
    );
    let done = then(history, &[shipment("SH-3", &[(bits(), dec!(6))])]);
    let order = order_after(done);
    assert_eq!(order.status(), Some(OrderStatus::Shipped));
    assert!(order.is_fully_shipped());
    assert!(!order.holds_stock());
}

#[test]
fn a_shipment_may_arrive_before_the_erp_acceptance() {
    OrderTest::with(())
        .given(sent())
        .when(ship("SH-1", &[(drill(), dec!(60)), (bits(), dec!(10))]))
        .then_expect_events(vec![shipment(
            "SH-1",
            &[(drill(), dec!(60)), (bits(), dec!(10))],
        )]);
    assert_eq!(status_after(shipped()), Some(OrderStatus::Shipped));
}

#[test]
fn a_known_shipment_is_applied_only_once() {
    OrderTest::with(())
        .given(shipped())
        .when(ship("SH-1", &[(drill(), dec!(60)), (bits(), dec!(10))]))
        .then_expect_events(vec![]);
}

#[test]
fn a_shipment_fails_when_it_ships_more_than_was_ordered() {
    let history = then(accepted(), &[shipment("SH-1", &[(drill(), dec!(50))])]);
    OrderTest::with(())
        .given(history.clone())
        .when(ship("SH-2", &[(drill(), dec!(5)), (drill(), dec!(6))]))
        .then_expect_error_message("shipping 61 of DRILL-18V would exceed the 60 ordered");
    OrderTest::with(())
        .given(history)
        .when(ship("SH-2", &[(drill(), dec!(10))]))
        .then_expect_events(vec![shipment("SH-2", &[(drill(), dec!(10))])]);
}

#[test]
fn a_shipment_fails_for_a_sku_not_in_the_order_or_without_lines() {
    let other = Sku::parse("SAW-1").unwrap();
    assert_eq!(
        error_code(accepted(), ship("SH-1", &[(other, dec!(1))])),
        "unknown-line"
    );
    assert_eq!(error_code(accepted(), ship("SH-1", &[])), "empty-shipment");
}

#[test]
fn a_shipment_fails_before_the_erp_has_the_order() {
    let code = error_code(ready(), ship("SH-1", &[(drill(), dec!(1))]));
    assert_eq!(code, "invalid-transition");
}

#[test]
fn an_invoice_completes_a_fully_shipped_order() {
    OrderTest::with(())
        .given(shipped())
        .when(invoice("FV-1"))
        .then_expect_events(vec![invoiced("FV-1"), OrderEvent::OrderCompleted]);
    let order = order_after(then(
        shipped(),
        &[invoiced("FV-1"), OrderEvent::OrderCompleted],
    ));
    assert_eq!(order.status(), Some(OrderStatus::Completed));
    assert_eq!(order.invoices(), ["FV-1".to_owned()]);
    assert!(!order.is_open());
}

#[test]
fn an_invoice_before_the_last_shipment_waits_for_it_to_complete() {
    let partial = then(accepted(), &[shipment("SH-1", &[(drill(), dec!(60))])]);
    OrderTest::with(())
        .given(partial.clone())
        .when(invoice("FV-1"))
        .then_expect_events(vec![invoiced("FV-1")]);
    let history = then(partial, &[invoiced("FV-1")]);
    assert_eq!(status_after(history.clone()), Some(OrderStatus::Invoiced));
    OrderTest::with(())
        .given(history)
        .when(ship("SH-2", &[(bits(), dec!(10))]))
        .then_expect_events(vec![
            shipment("SH-2", &[(bits(), dec!(10))]),
            OrderEvent::OrderCompleted,
        ]);
}

#[test]
fn a_late_partial_shipment_keeps_an_invoiced_order_invoiced() {
    let history = then(accepted(), &[invoiced("FV-1")]);
    OrderTest::with(())
        .given(history.clone())
        .when(ship("SH-1", &[(drill(), dec!(30))]))
        .then_expect_events(vec![shipment("SH-1", &[(drill(), dec!(30))])]);
    let after = then(history, &[shipment("SH-1", &[(drill(), dec!(30))])]);
    assert_eq!(status_after(after), Some(OrderStatus::Invoiced));
}

#[test]
fn an_invoice_is_recorded_once_per_number() {
    let completed = then(shipped(), &[invoiced("FV-1"), OrderEvent::OrderCompleted]);
    OrderTest::with(())
        .given(completed.clone())
        .when(invoice("FV-1"))
        .then_expect_events(vec![]);
    OrderTest::with(())
        .given(completed.clone())
        .when(invoice("FV-2"))
        .then_expect_events(vec![invoiced("FV-2")]);
    let order = order_after(then(completed, &[invoiced("FV-2")]));
    assert_eq!(order.status(), Some(OrderStatus::Completed));
}

#[test]
fn an_invoice_fails_before_the_erp_accepted_the_order() {
    OrderTest::with(())
        .given(sent())
        .when(invoice("FV-1"))
        .then_expect_error_message("cannot record an invoice for an order that is sent_to_erp");
}

#[test]
fn a_delivery_is_recorded_once_per_shipment() {
    let confirmed = OrderEvent::DeliveryConfirmed {
        shipment_id: Some("SH-1".to_owned()),
    };
    OrderTest::with(())
        .given(shipped())
        .when(deliver(Some("SH-1")))
        .then_expect_events(vec![confirmed.clone()]);
    let history = then(shipped(), &[confirmed]);
    OrderTest::with(())
        .given(history.clone())
        .when(deliver(Some("SH-1")))
        .then_expect_events(vec![]);
    OrderTest::with(())
        .given(history)
        .when(deliver(None))
        .then_expect_events(vec![OrderEvent::DeliveryConfirmed { shipment_id: None }]);
}

#[test]
fn a_delivery_fails_before_shipping_or_for_an_unknown_shipment() {
    assert_eq!(error_code(accepted(), deliver(None)), "invalid-transition");
    assert_eq!(
        error_code(shipped(), deliver(Some("SH-9"))),
        "unknown-shipment"
    );
}
