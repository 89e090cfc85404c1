//! Pricing a whole document: each line, then the VAT breakdown and the totals.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::document::{
    Explanation, LineFailure, LineResult, PricedDocument, PricedLine, VatBreakdown,
};
use super::resolution::{resolve, CandidateKind, Unresolved};
use super::rounding::{amount, discounted_among, unit_price, vat_of};
use super::{PriceBook, PricingRequest, RequestedLine, VatRegime, VatRounding};

/// Prices every line of `request` from `book` and totals the priced lines (SPEC "Pricing
/// rules"). Lines that cannot be priced are reported in place, with a stable error type.
pub fn price_document(request: &PricingRequest, book: &PriceBook) -> PricedDocument {
    let regime = VatRegime::for_buyer(&request.profile);
    let lines: Vec<LineResult> = request
        .lines
        .iter()
        .map(|line| match price_line(request, book, regime, line) {
            Ok(priced) => LineResult::Priced(priced),
            Err(failure) => LineResult::Failed(failure),
        })
        .collect();

    let vat = vat_breakdown(&lines, request.vat_rounding);
    let total_net = amount(vat.iter().map(|rate| rate.base).sum());
    let total_vat = amount(vat.iter().map(|rate| rate.vat).sum());
    let any_priced = lines
        .iter()
        .any(|line| matches!(line, LineResult::Priced(_)));
    let reverse_charge = regime == VatRegime::ReverseCharge && any_priced;
    PricedDocument {
        currency: request.currency.clone(),
        lines,
        vat,
        total_net,
        total_vat,
        total_gross: amount(total_net + total_vat),
        reverse_charge,
        notes: if any_priced { regime.notes() } else { vec![] },
    }
}

/// Prices one line, or says why it cannot be priced.
fn price_line(
    request: &PricingRequest,
    book: &PriceBook,
    regime: VatRegime,
    line: &RequestedLine,
) -> Result<PricedLine, LineFailure> {
    let fail = |error_type: &str, detail: String| LineFailure {
        sku: line.sku.to_string(),
        quantity: line.quantity,
        error_type: error_type.to_owned(),
        detail,
    };
    let sku = &line.sku;
    let product = book
        .products
        .get(sku)
        .ok_or_else(|| fail("unknown-sku", format!("unknown sku {sku}")))?;
    if !product.active {
        return Err(fail(
            "inactive-product",
            format!("product {sku} is not sold any more"),
        ));
    }
    if !product.unit.allows_fractions() && !line.quantity.is_whole() {
        return Err(fail(
            "fractional-quantity",
            format!(
                "{sku} is sold in whole {}, not {}",
                product.unit, line.quantity
            ),
        ));
    }
    let resolved = resolve(request, book, sku).map_err(|unresolved| match unresolved {
        Unresolved::NoPrice => fail(
            "no-price",
            format!(
                "no price list in {} for channel {} prices {sku} at {}",
                request.currency,
                request.channel,
                request.at.to_rfc3339()
            ),
        ),
        Unresolved::Ambiguous(codes) => {
            let codes: Vec<&str> = codes.iter().map(|code| code.as_str()).collect();
            fail(
                "ambiguous-price-lists",
                format!(
                    "price lists {} tie for {sku} on kind, channel, validity and priority",
                    codes.join(", ")
                ),
            )
        }
    })?;

    let (list_price, tier_min_qty) = resolved.entry.unit_price_for(&line.quantity);
    let discount = request.profile.discount_percent;
    let discount_applies = resolved.kind != CandidateKind::Contract && !discount.is_zero();
    let unit = if discount_applies {
        let entry = &resolved.entry;
        let prices =
            std::iter::once(entry.unit_price()).chain(entry.tiers().iter().map(|t| t.unit_price));
        discounted_among(list_price, discount, prices)
    } else {
        unit_price(list_price)
    };
    let line_net = amount(unit * line.quantity.value());
    let vat = regime.rate(product.vat_class);
    let line_vat = match request.vat_rounding {
        VatRounding::Document => None,
        VatRounding::PerLine => Some(vat_of(line_net, vat.rate)),
    };
    Ok(PricedLine {
        sku: sku.clone(),
        quantity: line.quantity,
        unit_price: unit,
        line_net,
        vat_rate: vat.rate,
        line_vat,
        explanation: Explanation {
            price_list: resolved.list.code().clone(),
            kind: resolved.kind.name().to_owned(),
            list_unit_price: unit_price(list_price),
            tier_min_qty,
            discount_percent: discount_applies.then_some(discount),
            vat_rule: vat.rule.to_owned(),
        },
    })
}

/// Base and VAT per rate over the priced lines, highest rate first.
fn vat_breakdown(lines: &[LineResult], rounding: VatRounding) -> Vec<VatBreakdown> {
    let mut per_rate: BTreeMap<Decimal, (Decimal, Decimal)> = BTreeMap::new();
    for line in lines {
        if let LineResult::Priced(priced) = line {
            let (base, line_vats) = per_rate.entry(priced.vat_rate).or_default();
            *base += priced.line_net;
            *line_vats += priced.line_vat.unwrap_or_default();
        }
    }
    per_rate
        .into_iter()
        .rev()
        .map(|(rate, (base, line_vats))| VatBreakdown {
            rate,
            base: amount(base),
            vat: match rounding {
                VatRounding::Document => vat_of(base, rate),
                VatRounding::PerLine => amount(line_vats),
            },
        })
        .collect()
}
