//! The documents the ERP writes back to ordercore about an order it took: the confirmation,
//! shipments (whole or split in two), deliveries and the invoice, shaped as
//! docs/erp-adapter.md describes the inbound API.

use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

use super::submission::{Allocation, Submission};

/// The warehouse a line ships from when the submit names none.
const DEFAULT_WAREHOUSE: &str = "MAIN";

/// A message for ordercore before it gets its `message_id`.
#[derive(Clone, Debug)]
pub(super) struct Draft {
    /// Path on ordercore, e.g. `/v1/erp/invoices`.
    pub path: String,
    /// What it is, for logs: `accepted`, `shipped`, `delivered`, `invoice`.
    pub kind: &'static str,
    /// The body without `message_id`.
    pub body: Value,
}

fn status(order_id: &str, kind: &'static str, body: Value) -> Draft {
    Draft {
        path: format!("/v1/erp/orders/{order_id}/status"),
        kind,
        body,
    }
}

/// `status: accepted` with the ERP's number.
pub(super) fn accepted(order_id: &str, erp_order_no: &str) -> Draft {
    let body = json!({ "status": "accepted", "erp_order_no": erp_order_no });
    status(order_id, "accepted", body)
}

/// The shipments of an order: one with everything, or two splitting each warehouse line
/// (the first takes half rounded down, so a single piece goes whole in the second).
pub(super) fn shipments(
    submission: &Submission,
    partial: bool,
    mut next_id: impl FnMut() -> String,
) -> Vec<(String, Vec<Value>)> {
    let mut first = Vec::new();
    let mut second = Vec::new();
    for line in &submission.lines {
        let default = [Allocation {
            warehouse: DEFAULT_WAREHOUSE.to_string(),
            quantity: line.quantity,
        }];
        let allocations = match line.warehouses.as_slice() {
            [] => &default[..],
            given => given,
        };
        for allocation in allocations {
            let now = if partial {
                (allocation.quantity / Decimal::TWO).floor()
            } else {
                allocation.quantity
            };
            let later = allocation.quantity - now;
            for (shipment, quantity) in [(&mut first, now), (&mut second, later)] {
                if quantity > Decimal::ZERO {
                    shipment.push(json!({
                        "sku": line.sku,
                        "warehouse": allocation.warehouse,
                        "quantity": quantity.normalize().to_string(),
                    }));
                }
            }
        }
    }
    [first, second]
        .into_iter()
        .filter(|lines| !lines.is_empty())
        .map(|lines| (next_id(), lines))
        .collect()
}

/// `status: shipped` for one shipment.
pub(super) fn shipped(order_id: &str, shipment_id: &str, lines: &[Value]) -> Draft {
    let body = json!({ "status": "shipped", "shipment_id": shipment_id, "lines": lines });
    status(order_id, "shipped", body)
}

/// `status: delivered` for one shipment.
pub(super) fn delivered(order_id: &str, shipment_id: &str) -> Draft {
    let body = json!({ "status": "delivered", "shipment_id": shipment_id });
    status(order_id, "delivered", body)
}

/// Rounds to cents, half away from zero, always showing two places.
fn money(amount: Decimal) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded
}

/// How the ERP writes the invoice of one order.
pub(super) struct InvoiceTerms<'a> {
    pub number: &'a str,
    pub issued_on: NaiveDate,
    pub payment_terms_days: u32,
    /// A payment id when the invoice is paid at once (`--pay`).
    pub payment_id: Option<&'a str>,
}

/// The invoice of a whole order: lines as submitted, VAT per rate on the sum of the line nets
/// (rounded per rate, as Czech VAT law has it), totals as the sums of those.
pub(super) fn invoice(submission: &Submission, terms: &InvoiceTerms<'_>) -> Draft {
    let mut bases: Vec<(Decimal, Decimal)> = Vec::new();
    let mut lines = Vec::new();
    for line in &submission.lines {
        let net = money(line.line_net.unwrap_or(line.unit_price * line.quantity));
        match bases.iter_mut().find(|(rate, _)| *rate == line.vat_rate) {
            Some((_, base)) => *base += net,
            None => bases.push((line.vat_rate, net)),
        }
        lines.push(json!({
            "sku": line.sku,
            "quantity": line.quantity.normalize().to_string(),
            "unit_price": line.unit_price.to_string(),
            "vat_rate": line.vat_rate.normalize().to_string(),
            "net": net.to_string(),
        }));
    }
    let (mut total_net, mut total_vat) = (money(Decimal::ZERO), money(Decimal::ZERO));
    let vat: Vec<Value> = bases
        .iter()
        .map(|&(rate, base)| {
            let tax = if submission.reverse_charge {
                money(Decimal::ZERO)
            } else {
                money(base * rate / Decimal::ONE_HUNDRED)
            };
            total_net += base;
            total_vat += tax;
            json!({ "rate": rate.normalize().to_string(), "base": money(base).to_string(), "vat": tax.to_string() })
        })
        .collect();
    let total_gross = total_net + total_vat;
    let due_on = terms
        .issued_on
        .checked_add_days(Days::new(terms.payment_terms_days.into()))
        .unwrap_or(terms.issued_on);
    let payments: Vec<Value> = terms
        .payment_id
        .map(|id| json!({ "payment_id": id, "amount": total_gross.to_string(), "paid_on": terms.issued_on.to_string() }))
        .into_iter()
        .collect();
    Draft {
        path: "/v1/erp/invoices".to_string(),
        kind: "invoice",
        body: json!({
            "number": terms.number, "kind": "invoice",
            "company_id": submission.company.id, "currency": submission.currency,
            "order_ids": [submission.order_id],
            "lines": lines, "vat": vat,
            "total_net": total_net.to_string(), "total_vat": total_vat.to_string(),
            "total_gross": total_gross.to_string(),
            "issued_on": terms.issued_on.to_string(), "due_on": due_on.to_string(),
            "credited_invoice": null, "payments": payments,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission(lines: serde_json::Value, reverse_charge: bool) -> Submission {
        serde_json::from_value(json!({
            "order_id": "o-1", "company": {"id": "ACME"}, "currency": "CZK",
            "lines": lines, "reverse_charge": reverse_charge,
        }))
        .unwrap()
    }

    #[test]
    fn a_partial_split_ships_odd_pieces_later_and_never_an_empty_line() {
        let order = submission(
            json!([
                {"sku": "A", "quantity": "1", "unit_price": "1", "vat_rate": "21",
                 "warehouses": [{"warehouse": "PRG", "quantity": "1"}]},
                {"sku": "B", "quantity": "2.5", "unit_price": "1", "vat_rate": "21"},
            ]),
            false,
        );
        let mut n = 0;
        let shipments = shipments(&order, true, || {
            n += 1;
            format!("SH-{n}")
        });

        assert_eq!(shipments.len(), 2);
        assert_eq!(
            shipments[0].1,
            vec![json!({"sku": "B", "warehouse": "MAIN", "quantity": "1"})]
        );
        assert_eq!(
            shipments[1].1,
            vec![
                json!({"sku": "A", "warehouse": "PRG", "quantity": "1"}),
                json!({"sku": "B", "warehouse": "MAIN", "quantity": "1.5"}),
            ]
        );
    }

    #[test]
    fn a_split_of_single_pieces_is_one_shipment() {
        let order = submission(
            json!([{"sku": "A", "quantity": "1", "unit_price": "1", "vat_rate": "21"}]),
            false,
        );
        assert_eq!(shipments(&order, true, || "SH".into()).len(), 1);
    }

    #[test]
    fn invoice_vat_is_rounded_per_rate_on_the_sum_of_line_nets() {
        // Three lines of 0.07 at 21 %: per line 0.01 VAT each (0.03), per rate 0.21 × 21 % = 0.04.
        // Two lines of 10.10 at 12 %: 20.20 × 12 % = 2.424 → 2.42.
        let line = |sku: &str, price: &str, rate: &str| json!({"sku": sku, "quantity": "1", "unit_price": price, "vat_rate": rate});
        let order = submission(
            json!([
                line("A", "0.07", "21"),
                line("B", "0.07", "21"),
                line("C", "0.07", "21"),
                line("D", "10.10", "12"),
                line("E", "10.10", "12")
            ]),
            false,
        );
        let terms = InvoiceTerms {
            number: "FV-2026-000001",
            issued_on: NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
            payment_terms_days: 30,
            payment_id: None,
        };
        let body = invoice(&order, &terms).body;

        assert_eq!(
            body["vat"],
            json!([{"rate": "21", "base": "0.21", "vat": "0.04"},
                   {"rate": "12", "base": "20.20", "vat": "2.42"}])
        );
        assert_eq!(
            (&body["total_net"], &body["total_vat"], &body["total_gross"]),
            (&json!("20.41"), &json!("2.46"), &json!("22.87"))
        );
        assert_eq!(body["due_on"], "2027-01-24");
        assert_eq!(body["payments"], json!([]));
    }

    #[test]
    fn reverse_charge_invoices_carry_no_vat() {
        let order = submission(
            json!([{"sku": "A", "quantity": "3", "unit_price": "33.333", "vat_rate": "0"}]),
            true,
        );
        let terms = InvoiceTerms {
            number: "FV-2026-000002",
            issued_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            payment_terms_days: 14,
            payment_id: Some("PAY-000001"),
        };
        let body = invoice(&order, &terms).body;

        assert_eq!(body["lines"][0]["net"], "100.00");
        assert_eq!(body["total_vat"], "0.00");
        assert_eq!(body["payments"][0]["amount"], "100.00");
    }
}
