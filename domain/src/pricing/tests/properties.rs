//! Properties of the engine over random price books: totals add up per rate under either
//! rounding, nothing is negative, more never costs more per unit, contract beats level beats
//! base, and the answer does not depend on the order of the inputs.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::fixtures::*;
use crate::price_list::{PriceEntry, PriceListHeader};
use crate::pricing::rounding::{amount, vat_of};
use crate::pricing::{
    price_document, PriceBook, PricedDocument, PricingProfile, PricingRequest, VatRounding,
};
use crate::values::{CountryCode, Percent, PriceLevel, Unit, VatClass};

/// SKUs the random books know; requests may also ask for `S4`, which no book has.
const SKUS: [&str; 4] = ["S0", "S1", "S2", "S3"];

/// The moment every random request is priced at.
fn now() -> DateTime<Utc> {
    day(2026, 6, 15)
}

/// A random price with two or four places, up to 10 000.
fn price() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (0i64..1_000_000).prop_map(|cents| Decimal::new(cents, 2)),
        (0i64..100_000_000).prop_map(|units| Decimal::new(units, 4)),
    ]
}

/// A random entry whose tiers never get dearer.
fn entry_for(sku: &'static str) -> impl Strategy<Value = PriceEntry> {
    (
        price(),
        proptest::collection::btree_map(2u32..300, 0u32..100, 0..4),
    )
        .prop_map(move |(base_price, tiers)| {
            let mut unit_price = base_price;
            let tiers: Vec<(u32, Decimal)> = tiers
                .into_iter()
                .map(|(min, percent_off)| {
                    let cut = unit_price * Decimal::new(percent_off.into(), 2);
                    unit_price = (unit_price - cut)
                        .round_dp(2)
                        .max(Decimal::ZERO)
                        .min(unit_price);
                    (min, unit_price)
                })
                .collect();
            entry(sku, base_price, &tiers)
        })
}

/// A random list header: any kind for or against ACME, either currency, any channel and window.
fn header(index: usize) -> impl Strategy<Value = PriceListHeader> {
    (0u8..6, prop::bool::weighted(0.2), 0u8..3, 0u8..6, 0i32..2).prop_map(
        move |(kind, eur, channel, window, priority)| {
            let name = format!("L{index}");
            let builder = match kind {
                0 => base(&name),
                1 => level(&name, "VO"),
                2 => level(&name, "MO"),
                3 => contract(&name, "ACME"),
                4 => contract(&format!("C-CODE-{index}"), "GROUP"),
                _ => contract(&name, "OTHER"),
            };
            let builder = if eur {
                builder.currency("EUR")
            } else {
                builder
            };
            let builder = match channel {
                0 => builder,
                1 => builder.channel("b2b-cz"),
                _ => builder.channel("retail"),
            };
            let (from, to) = match window {
                0 => (None, None),
                1 => (Some(day(2026, 1, 1)), None),
                2 => (None, Some(day(2026, 12, 31))),
                3 => (Some(day(2026, 1, 1)), Some(day(2026, 12, 31))),
                4 => (Some(day(2026, 6, 1)), Some(day(2026, 6, 30))),
                _ => (Some(day(2025, 1, 1)), Some(day(2025, 12, 31))),
            };
            builder.valid(from, to).priority(priority).build()
        },
    )
}

/// A random list with entries for some of the SKUs.
fn list(index: usize) -> impl Strategy<Value = (PriceListHeader, Vec<PriceEntry>)> {
    let entries = SKUS.map(|sku| proptest::option::weighted(0.7, entry_for(sku)));
    (header(index), entries)
        .prop_map(|(header, entries)| (header, entries.into_iter().flatten().collect()))
}

fn lists() -> impl Strategy<Value = Vec<(PriceListHeader, Vec<PriceEntry>)>> {
    (1usize..10).prop_flat_map(|count| (0..count).map(list).collect::<Vec<_>>())
}

/// A random buyer: country and VAT id decide the regime; level, contracts and discount vary.
fn profile() -> impl Strategy<Value = PricingProfile> {
    let countries = prop_oneof![Just("CZ"), Just("SK"), Just("DE"), Just("US")];
    (
        countries,
        any::<bool>(),
        any::<bool>(),
        0i64..=1000,
        any::<bool>(),
    )
        .prop_map(
            |(country, vat_id, has_level, discount, has_codes)| PricingProfile {
                country: CountryCode::parse(country).unwrap(),
                vat_id: vat_id.then(|| format!("{country}123")),
                price_level: has_level.then(|| PriceLevel::parse("VO").unwrap()),
                contract_lists: if has_codes {
                    (0..7).map(|n| code(&format!("C-CODE-{n}"))).collect()
                } else {
                    vec![]
                },
                discount_percent: Percent::parse(Decimal::new(discount, 2)).unwrap(),
                ..acme()
            },
        )
}

/// Random lines: known and unknown SKUs, whole and fractional quantities.
fn lines() -> impl Strategy<Value = Vec<(&'static str, Decimal)>> {
    let sku = prop_oneof![Just("S0"), Just("S1"), Just("S2"), Just("S3"), Just("S4")];
    let quantity = prop_oneof![
        3 => (1i64..500).prop_map(Decimal::from),
        1 => (1i64..2000).prop_map(|quarters| Decimal::new(quarters * 25, 2)),
    ];
    proptest::collection::vec((sku, quantity), 0..7)
}

/// Products for every known SKU, some sold by weight, some inactive, at any VAT class.
fn products() -> impl Strategy<Value = Vec<crate::pricing::ProductFacts>> {
    let facts = (0u8..3, any::<bool>(), prop::bool::weighted(0.9));
    proptest::collection::vec(facts, SKUS.len()).prop_map(|all| {
        all.into_iter()
            .zip(SKUS)
            .map(|((class, by_weight, active), sku)| {
                let mut facts = product(sku);
                facts.vat_class =
                    [VatClass::Standard, VatClass::Reduced, VatClass::Zero][usize::from(class)];
                facts.unit = if by_weight { Unit::Kg } else { Unit::Pcs };
                facts.active = active;
                facts
            })
            .collect()
    })
}

/// A whole random scenario.
fn scenario() -> impl Strategy<Value = (PricingRequest, PriceBook)> {
    (profile(), lines(), any::<bool>(), products(), lists()).prop_map(
        |(profile, lines, per_line, products, lists)| {
            let mut request = request(profile, now(), &lines);
            if per_line {
                request.vat_rounding = VatRounding::PerLine;
            }
            (request, book(products, lists))
        },
    )
}

/// Every amount the document shows.
fn amounts(document: &PricedDocument) -> Vec<Decimal> {
    let mut all = vec![document.total_net, document.total_vat, document.total_gross];
    for rate in &document.vat {
        all.extend([rate.rate, rate.base, rate.vat]);
    }
    for line in document.priced_lines() {
        all.extend([line.unit_price, line.line_net, line.vat_rate]);
        all.extend(line.line_vat);
        all.push(line.explanation.list_unit_price);
    }
    all
}

proptest! {
    #[test]
    fn totals_add_up_per_rate_under_the_chosen_rounding((request, book) in scenario()) {
        let document = price_document(&request, &book);
        let mut rates: Vec<Decimal> = document.priced_lines().map(|line| line.vat_rate).collect();
        rates.sort_by(|a, b| b.cmp(a));
        rates.dedup();
        let shown: Vec<Decimal> = document.vat.iter().map(|rate| rate.rate).collect();
        prop_assert_eq!(shown, rates);
        for rate in &document.vat {
            let lines: Vec<_> = document
                .priced_lines()
                .filter(|line| line.vat_rate == rate.rate)
                .collect();
            let base: Decimal = lines.iter().map(|line| line.line_net).sum();
            prop_assert_eq!(rate.base, base);
            let expected_vat = match request.vat_rounding {
                VatRounding::Document => vat_of(base, rate.rate),
                VatRounding::PerLine => {
                    for line in &lines {
                        prop_assert_eq!(line.line_vat, Some(vat_of(line.line_net, line.vat_rate)));
                    }
                    lines.iter().map(|line| line.line_vat.unwrap()).sum()
                }
            };
            prop_assert_eq!(rate.vat, expected_vat);
        }
        for line in document.priced_lines() {
            prop_assert_eq!(line.line_net, amount(line.unit_price * line.quantity.value()));
        }
        let net: Decimal = document.vat.iter().map(|rate| rate.base).sum();
        let vat: Decimal = document.vat.iter().map(|rate| rate.vat).sum();
        prop_assert_eq!(document.total_net, net);
        prop_assert_eq!(document.total_vat, vat);
        prop_assert_eq!(document.total_gross, net + vat);
        prop_assert_eq!(document.total_gross.scale(), 2);
        prop_assert_eq!(document.lines.len(), request.lines.len());
    }

    #[test]
    fn no_amount_is_ever_negative((request, book) in scenario()) {
        let document = price_document(&request, &book);
        for value in amounts(&document) {
            prop_assert!(value >= Decimal::ZERO, "negative amount {}", value);
        }
    }

    #[test]
    fn the_answer_does_not_depend_on_input_order(
        (request, book) in scenario(),
        seed in any::<u64>(),
    ) {
        let first = price_document(&request, &book);
        prop_assert_eq!(&first, &price_document(&request, &book));
        let mut lists = book.lists.clone();
        let len = lists.len().max(1);
        lists.rotate_left((seed as usize) % len);
        if seed % 2 == 0 {
            lists.reverse();
        }
        // Rebuilt maps get fresh hash seeds, so their iteration order differs too.
        let permuted = PriceBook {
            products: book.products.clone().into_iter().collect(),
            lists,
            entries: book.entries.clone().into_iter().collect(),
        };
        prop_assert_eq!(&first, &price_document(&request, &permuted));
        let json = serde_json::to_string(&first).unwrap();
        prop_assert_eq!(first, serde_json::from_str::<PricedDocument>(&json).unwrap());
    }

    #[test]
    fn a_higher_quantity_never_gets_a_higher_unit_price_in_one_list(
        entry in entry_for("S0"),
        discount in 0i64..=10_000,
        smaller in 1i64..400,
        extra in 0i64..400,
    ) {
        let mut profile = acme();
        profile.price_level = None;
        profile.discount_percent = Percent::parse(Decimal::new(discount, 2)).unwrap();
        let book = book([product("S0")], vec![(base("ANY").build(), vec![entry])]);
        let quantities = [("S0", Decimal::from(smaller)), ("S0", Decimal::from(smaller + extra))];
        let document = price_document(&request(profile, now(), &quantities), &book);
        prop_assert!(priced(&document, 1).unit_price <= priced(&document, 0).unit_price);
    }

    #[test]
    fn contract_beats_level_beats_base_whenever_present_and_valid(
        present in (any::<bool>(), any::<bool>(), any::<bool>()),
        prices in (price(), price(), price()),
        channels in (any::<bool>(), any::<bool>(), any::<bool>()),
        dated in (any::<bool>(), any::<bool>(), any::<bool>()),
    ) {
        let (has_contract, has_level, has_base) = present;
        prop_assume!(has_contract || has_level || has_base);
        let shape = |builder: super::fixtures::ListBuilder, channel: bool, dated: bool| {
            let builder = if channel { builder.channel("b2b-cz") } else { builder };
            let builder = if dated { builder.valid(Some(day(2026, 1, 1)), None) } else { builder };
            builder.build()
        };
        let mut lists = vec![];
        if has_base {
            lists.push((shape(base("B"), channels.0, dated.0), vec![entry("S0", prices.0, &[])]));
        }
        if has_level {
            lists.push((shape(level("V", "VO"), channels.1, dated.1), vec![entry("S0", prices.1, &[])]));
        }
        if has_contract {
            lists.push((shape(contract("C", "ACME"), channels.2, dated.2), vec![entry("S0", prices.2, &[])]));
        }
        let book = book([product("S0")], lists);
        let document = price_document(&request(acme(), now(), &[("S0", Decimal::ONE)]), &book);
        let expected = if has_contract { "contract" } else if has_level { "level" } else { "base" };
        prop_assert_eq!(priced(&document, 0).explanation.kind.as_str(), expected);
    }
}
