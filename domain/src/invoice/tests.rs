//! Given/when/then scenarios for the invoice aggregate.

use chrono::NaiveDate;
use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::values::{CompanyId, CurrencyCode, Money, Quantity, Sku};

type InvoiceTest = TestFramework<Invoice>;

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

fn line(sku: &str, quantity: Decimal, unit_price: Decimal, rate: Decimal) -> InvoiceLine {
    InvoiceLine {
        sku: Sku::parse(sku).unwrap(),
        quantity: Quantity::parse(quantity).unwrap(),
        unit_price: Money::parse(unit_price).unwrap(),
        vat_rate: rate,
        net: (quantity * unit_price).round_dp(2),
    }
}

/// Invoice FV-2026-001: 4800.00 + 250.00 at 21 %, 100.00 at 12 %.
fn fv1() -> InvoiceData {
    InvoiceData {
        number: "FV-2026-001".to_owned(),
        kind: InvoiceKind::Invoice,
        company_id: CompanyId::parse("ACME").unwrap(),
        currency: CurrencyCode::parse("CZK").unwrap(),
        order_ids: vec!["O-1".to_owned()],
        lines: vec![
            line("DRILL-18V", dec!(60), dec!(80.00), dec!(21)),
            line("BIT-SET", dec!(10), dec!(25.00), dec!(21)),
            line("GLOVES", dec!(5), dec!(20.00), dec!(12)),
        ],
        vat: vec![
            VatLine {
                rate: dec!(21),
                base: dec!(5050.00),
                vat: dec!(1060.50),
            },
            VatLine {
                rate: dec!(12),
                base: dec!(100.00),
                vat: dec!(12.00),
            },
        ],
        total_net: dec!(5150.00),
        total_vat: dec!(1072.50),
        total_gross: dec!(6222.50),
        issued_on: date(3, 1),
        due_on: date(3, 15),
        credited_invoice: None,
    }
}

fn recorded() -> Vec<InvoiceEvent> {
    vec![InvoiceEvent::InvoiceRecorded(fv1())]
}

fn check_code(data: InvoiceData) -> &'static str {
    data.check().unwrap_err().code()
}

fn pay(payment_id: &str, amount: Decimal) -> InvoiceCommand {
    InvoiceCommand::RecordPayment {
        payment_id: payment_id.to_owned(),
        amount: Money::parse(amount).unwrap(),
        paid_on: date(3, 10),
    }
}

fn paid(payment_id: &str, amount: Decimal) -> InvoiceEvent {
    InvoiceEvent::PaymentRecorded {
        payment_id: payment_id.to_owned(),
        amount: Money::parse(amount).unwrap(),
        paid_on: date(3, 10),
    }
}

fn invoice_after(events: Vec<InvoiceEvent>) -> Invoice {
    let mut invoice = Invoice::default();
    for event in events {
        invoice.apply(event);
    }
    invoice
}

#[test]
fn record_invoice_records_an_invoice_that_adds_up() {
    InvoiceTest::with(())
        .given_no_previous_events()
        .when(InvoiceCommand::RecordInvoice(fv1()))
        .then_expect_events(recorded());
    let invoice = invoice_after(recorded());
    assert_eq!(invoice.data(), Some(&fv1()));
    assert_eq!(invoice.outstanding(), dec!(6222.5));
    assert!(!invoice.is_paid());
}

#[test]
fn record_invoice_ignores_an_identical_resend() {
    let mut same = fv1();
    same.total_net = dec!(5150);
    InvoiceTest::with(())
        .given(recorded())
        .when(InvoiceCommand::RecordInvoice(same))
        .then_expect_events(vec![]);
}

#[test]
fn record_invoice_fails_when_the_number_was_recorded_with_other_content() {
    let mut other = fv1();
    other.due_on = date(3, 31);
    InvoiceTest::with(())
        .given(recorded())
        .when(InvoiceCommand::RecordInvoice(other))
        .then_expect_error_message("invoice FV-2026-001 was already recorded with other content");
    let mut renumbered = fv1();
    renumbered.number = "FV-2026-002".to_owned();
    let error = InvoiceTest::with(())
        .given(recorded())
        .when(InvoiceCommand::RecordInvoice(renumbered))
        .inspect_result()
        .unwrap_err();
    assert_eq!(error.code(), "wrong-invoice");
}

#[test]
fn an_invoice_must_have_a_number_an_order_and_a_due_date_after_issue() {
    let mut data = fv1();
    data.number = String::new();
    assert_eq!(check_code(data), "invalid-invoice-number");
    let mut data = fv1();
    data.number = "9".repeat(65);
    assert_eq!(check_code(data), "invalid-invoice-number");
    let mut data = fv1();
    data.order_ids.clear();
    assert_eq!(check_code(data), "no-orders");
    let mut data = fv1();
    data.due_on = date(2, 28);
    assert_eq!(check_code(data), "due-before-issue");
    let mut data = fv1();
    data.due_on = data.issued_on;
    assert!(data.check().is_ok());
}

#[test]
fn the_totals_must_be_the_sums_of_the_vat_lines() {
    let mut data = fv1();
    data.total_net = dec!(5150.01);
    assert_eq!(
        data.check().unwrap_err().to_string(),
        "total_net is 5150.01 but the vat lines add up to 5150.00"
    );
    let mut data = fv1();
    data.total_vat = dec!(1072.49);
    assert_eq!(check_code(data), "totals-mismatch");
    let mut data = fv1();
    data.total_gross = dec!(6222.00);
    assert_eq!(check_code(data), "totals-mismatch");
}

#[test]
fn each_vat_base_must_be_the_sum_of_its_lines() {
    let mut data = fv1();
    data.lines[1].net = dec!(249.99);
    assert_eq!(
        data.check().unwrap_err().to_string(),
        "the vat base at 21 % is 5050 but the lines at that rate add up to 5049.99"
    );
    let mut data = fv1();
    data.lines.push(line("SAW-1", dec!(1), dec!(10), dec!(0)));
    assert_eq!(check_code(data), "vat-base-mismatch");
    let mut data = fv1();
    data.vat.push(data.vat[1].clone());
    assert_eq!(check_code(data), "duplicate-vat-rate");
}

#[test]
fn amounts_must_not_be_negative_and_rates_stay_within_a_hundred() {
    let mut data = fv1();
    data.lines[0].net = dec!(-4800.00);
    assert_eq!(
        data.check().unwrap_err().to_string(),
        "line net must not be negative"
    );
    let mut data = fv1();
    data.vat[0].rate = dec!(121);
    assert_eq!(check_code(data), "invalid-vat-rate");
    let mut data = fv1();
    data.total_gross = dec!(10000000000000);
    assert_eq!(check_code(data), "amount-too-large");
}

#[test]
fn a_credit_note_names_the_invoice_it_credits_with_positive_amounts() {
    let mut note = fv1();
    note.number = "DN-2026-001".to_owned();
    note.kind = InvoiceKind::CreditNote;
    assert_eq!(check_code(note.clone()), "missing-credited-invoice");
    note.credited_invoice = Some("FV-2026-001".to_owned());
    InvoiceTest::with(())
        .given_no_previous_events()
        .when(InvoiceCommand::RecordInvoice(note.clone()))
        .then_expect_events(vec![InvoiceEvent::InvoiceRecorded(note)]);
    let json = serde_json::to_string(&InvoiceKind::CreditNote).unwrap();
    assert_eq!(json, "\"credit_note\"");
}

#[test]
fn record_payment_records_each_payment_once() {
    InvoiceTest::with(())
        .given(recorded())
        .when(pay("P-1", dec!(1000)))
        .then_expect_events(vec![paid("P-1", dec!(1000))]);
    let history = vec![
        InvoiceEvent::InvoiceRecorded(fv1()),
        paid("P-1", dec!(1000)),
    ];
    InvoiceTest::with(())
        .given(history.clone())
        .when(pay("P-1", dec!(1000.00)))
        .then_expect_events(vec![]);
    InvoiceTest::with(())
        .given(history)
        .when(pay("P-1", dec!(999)))
        .then_expect_error_message("payment P-1 was already recorded with other content");
}

#[test]
fn record_payment_fails_when_it_exceeds_the_outstanding_amount() {
    let history = vec![
        InvoiceEvent::InvoiceRecorded(fv1()),
        paid("P-1", dec!(6000)),
    ];
    InvoiceTest::with(())
        .given(history.clone())
        .when(pay("P-2", dec!(222.51)))
        .then_expect_error_message("a payment of 222.51 exceeds the outstanding 222.5");
    InvoiceTest::with(())
        .given(history)
        .when(pay("P-2", dec!(222.50)))
        .then_expect_events(vec![paid("P-2", dec!(222.50))]);
}

#[test]
fn record_payment_fails_for_an_invoice_not_yet_recorded() {
    let error = InvoiceTest::with(())
        .given_no_previous_events()
        .when(pay("P-1", dec!(1)))
        .inspect_result()
        .unwrap_err();
    assert_eq!(error.code(), "unknown-invoice");
}

#[test]
fn an_invoice_is_paid_when_the_payments_reach_its_gross_total() {
    let invoice = invoice_after(vec![
        InvoiceEvent::InvoiceRecorded(fv1()),
        paid("P-1", dec!(6000)),
        paid("P-2", dec!(222.50)),
    ]);
    assert_eq!(invoice.paid(), dec!(6222.5));
    assert_eq!(invoice.outstanding(), Decimal::ZERO);
    assert!(invoice.is_paid());
    assert_eq!(invoice.payments().len(), 2);
    assert!(!Invoice::default().is_paid());

    let json = serde_json::to_string(&invoice).unwrap();
    assert_eq!(serde_json::from_str::<Invoice>(&json).unwrap(), invoice);
}
