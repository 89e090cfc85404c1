//! Given/when/then scenarios for the order aggregate, with their fixtures: an order of 60 drills
//! and 10 bit sets, and its history at each stage of the lifecycle.

mod approval;
mod cancellation;
mod dispatch;
mod fulfilment;
mod placement;

use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::pricing::{Explanation, LineResult, PricedDocument, PricedLine, VatBreakdown};
use crate::values::{
    Address, ChannelCode, CompanyId, CountryCode, CurrencyCode, PriceListCode, Quantity, Sku,
    UserId, WarehouseCode,
};

pub(super) type OrderTest = TestFramework<Order>;

pub(super) fn drill() -> Sku {
    Sku::parse("DRILL-18V").unwrap()
}

pub(super) fn bits() -> Sku {
    Sku::parse("BIT-SET").unwrap()
}

pub(super) fn prg() -> WarehouseCode {
    WarehouseCode::parse("PRG").unwrap()
}

pub(super) fn qty(value: Decimal) -> Quantity {
    Quantity::parse(value).unwrap()
}

pub(super) fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

pub(super) fn czk() -> CurrencyCode {
    CurrencyCode::parse("CZK").unwrap()
}

pub(super) fn line(line_no: u32, sku: Sku, quantity: Decimal) -> OrderLine {
    OrderLine {
        line_no,
        sku,
        quantity: qty(quantity),
    }
}

/// A priced line at 80.00 a unit and 21 % VAT.
fn priced(line: &OrderLine) -> LineResult {
    let unit_price = dec!(80.00);
    LineResult::Priced(PricedLine {
        sku: line.sku.clone(),
        quantity: line.quantity,
        unit_price,
        line_net: (unit_price * line.quantity.value()).round_dp(2),
        vat_rate: dec!(21),
        line_vat: None,
        explanation: Explanation {
            price_list: PriceListCode::parse("ACME-2026").unwrap(),
            kind: "contract".to_owned(),
            list_unit_price: unit_price,
            tier_min_qty: None,
            discount_percent: None,
            vat_rule: "CZ standard".to_owned(),
        },
    })
}

/// The pricing engine's answer for `lines`, every line at 80.00 and 21 % VAT.
pub(super) fn pricing_of(lines: &[OrderLine]) -> PricedDocument {
    let results: Vec<LineResult> = lines.iter().map(priced).collect();
    let net: Decimal = results
        .iter()
        .map(|result| match result {
            LineResult::Priced(line) => line.line_net,
            LineResult::Failed(_) => Decimal::ZERO,
        })
        .sum();
    let vat = (net * dec!(0.21)).round_dp(2);
    PricedDocument {
        currency: czk(),
        lines: results,
        vat: vec![VatBreakdown {
            rate: dec!(21),
            base: net,
            vat,
        }],
        total_net: net,
        total_vat: vat,
        total_gross: net + vat,
        reverse_charge: false,
        notes: vec![],
    }
}

/// Jana's order of 60 drills (line 1) and 10 bit sets (line 2); no approval needed.
pub(super) fn place_order() -> PlaceOrder {
    let lines = vec![line(1, drill(), dec!(60)), line(2, bits(), dec!(10))];
    let cz = CountryCode::parse("CZ").unwrap();
    PlaceOrder {
        order_id: "0190c0de-0000-7000-8000-000000000001".to_owned(),
        company_id: CompanyId::parse("ACME").unwrap(),
        channel: ChannelCode::parse("b2b-cz").unwrap(),
        currency: czk(),
        buyer: user("jana"),
        pricing: pricing_of(&lines),
        lines,
        delivery_address: Address::new("HQ", "Vídeňská 1", "Brno", "60200", cz).unwrap(),
        customer_reference: Some("PO-2026-118".to_owned()),
        note: String::new(),
        requested_delivery_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 10),
        approval_reasons: vec![],
        allow_partial_delivery: true,
        allow_backorders: false,
        source: OrderSource::Direct,
    }
}

/// The allocations of the whole order in Prague.
pub(super) fn allocations() -> Vec<Allocation> {
    vec![
        Allocation {
            line_no: 1,
            sku: drill(),
            warehouse: prg(),
            quantity: qty(dec!(60)),
        },
        Allocation {
            line_no: 2,
            sku: bits(),
            warehouse: prg(),
            quantity: qty(dec!(10)),
        },
    ]
}

pub(super) fn placed() -> Vec<OrderEvent> {
    vec![OrderEvent::OrderPlaced(place_order())]
}

pub(super) fn stock_reserved() -> OrderEvent {
    OrderEvent::StockReserved {
        allocations: allocations(),
        by: "system".to_owned(),
    }
}

/// Placed by a buyer whose orders need approval, reserved, waiting for an approver.
pub(super) fn pending_approval() -> Vec<OrderEvent> {
    let mut order = place_order();
    order.approval_reasons = vec!["every order by jana needs approval".to_owned()];
    vec![
        OrderEvent::OrderPlaced(order.clone()),
        stock_reserved(),
        OrderEvent::ApprovalRequested {
            reasons: order.approval_reasons,
        },
    ]
}

pub(super) fn ready() -> Vec<OrderEvent> {
    let mut events = placed();
    events.extend([stock_reserved(), OrderEvent::ReadyForErp]);
    events
}

pub(super) fn sent() -> Vec<OrderEvent> {
    let mut events = ready();
    events.push(OrderEvent::SentToErp { attempt: 1 });
    events
}

pub(super) fn accepted() -> Vec<OrderEvent> {
    let mut events = sent();
    events.push(OrderEvent::AcceptedByErp {
        erp_order_no: "ERP-77".to_owned(),
    });
    events
}

/// `history` followed by `more`.
pub(super) fn then(mut history: Vec<OrderEvent>, more: &[OrderEvent]) -> Vec<OrderEvent> {
    history.extend_from_slice(more);
    history
}

pub(super) fn shipped_lines(lines: &[(Sku, Decimal)]) -> Vec<ShippedLine> {
    lines
        .iter()
        .map(|(sku, quantity)| ShippedLine {
            sku: sku.clone(),
            warehouse: prg(),
            quantity: qty(*quantity),
        })
        .collect()
}

pub(super) fn ship(shipment_id: &str, lines: &[(Sku, Decimal)]) -> OrderCommand {
    OrderCommand::RecordShipment {
        shipment_id: shipment_id.to_owned(),
        lines: shipped_lines(lines),
    }
}

pub(super) fn shipment(shipment_id: &str, lines: &[(Sku, Decimal)]) -> OrderEvent {
    OrderEvent::ShipmentRecorded {
        shipment_id: shipment_id.to_owned(),
        lines: shipped_lines(lines),
    }
}

/// Accepted, then shipped in full in one shipment.
pub(super) fn shipped() -> Vec<OrderEvent> {
    then(
        accepted(),
        &[shipment("SH-1", &[(drill(), dec!(60)), (bits(), dec!(10))])],
    )
}

pub(super) fn order_after(events: Vec<OrderEvent>) -> Order {
    let mut order = Order::default();
    for event in events {
        order.apply(event);
    }
    order
}

pub(super) fn status_after(events: Vec<OrderEvent>) -> Option<OrderStatus> {
    order_after(events).status()
}

/// The error code a command gets after `history`.
pub(super) fn error_code(history: Vec<OrderEvent>, command: OrderCommand) -> &'static str {
    OrderTest::with(())
        .given(history)
        .when(command)
        .inspect_result()
        .unwrap_err()
        .code()
}

#[test]
fn order_state_survives_a_snapshot_round_trip() {
    let order = order_after(then(
        accepted(),
        &[
            shipment("SH-1", &[(drill(), dec!(20))]),
            OrderEvent::DeliveryConfirmed {
                shipment_id: Some("SH-1".to_owned()),
            },
            OrderEvent::InvoiceRecorded {
                invoice_number: "FV-1".to_owned(),
            },
        ],
    ));
    let json = serde_json::to_string(&order).unwrap();
    let back: Order = serde_json::from_str(&json).unwrap();
    assert_eq!(back, order);
    assert_eq!(back.shipped_quantity(&drill()), dec!(20));
    assert_eq!(back.status(), Some(OrderStatus::Invoiced));
}

#[test]
fn order_events_are_named_after_their_variant_at_version_one() {
    use cqrs_es::DomainEvent;
    let event = OrderEvent::ReadyForErp;
    assert_eq!(event.event_type(), "ReadyForErp");
    assert_eq!(event.event_version(), "1");
    assert_eq!(placed()[0].event_type(), "OrderPlaced");
    let json = serde_json::to_value(stock_reserved()).unwrap();
    assert_eq!(json["StockReserved"]["allocations"][0]["quantity"], "60");
}
