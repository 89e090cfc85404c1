//! The demo's price lists: a base list in CZK and one in EUR over every product, level lists a
//! few per cent under the base, and contract lists with quantity tiers for single companies.
//! Every price follows from a product's CZK list price in decimal arithmetic.

use rand::seq::index::sample;
use rand::Rng;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::catalog::Product;
use super::companies::Company;
use super::message::ErpMessage;
use super::size::rng;

/// The price levels: code, per cent under the base list, and whether an EUR list exists too
/// (Slovak customers are on `VO` or `A`; `A` falls back to the EUR base list).
pub const LEVELS: &[(&str, u32, bool)] = &[
    ("VO", 12, true),
    ("A", 8, false),
    ("B", 5, false),
    ("MO", 3, false),
];

/// CZK per EUR, for the EUR lists.
const CZK_PER_EUR: Decimal = Decimal::from_parts(25, 0, 0, false, 0);

/// Contract lists with a validity window run to the end of this decade; the rest are open-ended.
const CONTRACT_FROM: &str = "2026-01-01T00:00:00Z";
const CONTRACT_TO: &str = "2030-12-31T23:59:59Z";

/// Whom a list is for.
#[derive(Clone, Debug)]
pub(crate) enum ListKind {
    /// Everyone.
    Base,
    /// Companies of a price level.
    Level(&'static str),
    /// One company; the company's position in the data set.
    Contract(usize),
}

/// A price list to send, before its entries are generated.
#[derive(Clone, Debug)]
pub(crate) struct ListSpec {
    /// Code (aggregate id).
    pub code: String,
    /// Kind.
    pub kind: ListKind,
    /// `CZK` or `EUR`.
    pub currency: &'static str,
}

#[derive(Serialize)]
struct ListBody<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    company_id: Option<&'a str>,
    currency: &'static str,
    channel: Option<&'static str>,
    valid_from: Option<&'static str>,
    valid_to: Option<&'static str>,
    priority: i32,
    entries: Vec<Entry>,
}

/// One entry of a list body.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Entry {
    /// SKU.
    pub sku: String,
    /// Unit net price.
    pub unit_price: Decimal,
    /// Quantity tiers, cheapest last.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<TierBody>,
}

/// One tier of an entry.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TierBody {
    /// From this quantity on.
    pub min_qty: u32,
    /// Unit net price.
    pub unit_price: Decimal,
}

/// Every list of the data set, cheap to build: entries come later, one list at a time.
pub(crate) fn specs(companies: &[Company]) -> Vec<ListSpec> {
    let mut specs = vec![
        spec("BASE-CZK".into(), ListKind::Base, "CZK"),
        spec("BASE-EUR".into(), ListKind::Base, "EUR"),
    ];
    for (level, _, with_eur) in LEVELS {
        specs.push(spec(format!("{level}-CZK"), ListKind::Level(level), "CZK"));
        if *with_eur {
            specs.push(spec(format!("{level}-EUR"), ListKind::Level(level), "EUR"));
        }
    }
    for (index, company) in companies.iter().enumerate() {
        if let Some(code) = &company.contract {
            specs.push(spec(
                code.clone(),
                ListKind::Contract(index),
                company.currency,
            ));
        }
    }
    specs
}

/// The entries of company number `company`'s contract list (empty without one).
pub(crate) fn contract_entries(dataset: &super::Dataset, company: usize) -> Vec<Entry> {
    if !dataset.size.has_contract(company) {
        return Vec::new();
    }
    let Some(c) = dataset.companies.get(company) else {
        return Vec::new();
    };
    let spec = spec(String::new(), ListKind::Contract(company), c.currency);
    spec.entries(&dataset.products, dataset.size.contract_entries)
}

fn spec(code: String, kind: ListKind, currency: &'static str) -> ListSpec {
    ListSpec {
        code,
        kind,
        currency,
    }
}

impl ListSpec {
    /// The list's entries.
    pub(crate) fn entries(&self, products: &[Product], contract_entries: usize) -> Vec<Entry> {
        match self.kind {
            // Discontinued products keep their base price (the ERP still knows it) but are in
            // no customer-specific list.
            ListKind::Base => products
                .iter()
                .map(|p| plain(p, self.base_price(p)))
                .collect(),
            ListKind::Level(level) => {
                let off = level_discount(level);
                products
                    .iter()
                    .filter(|p| p.active)
                    .map(|p| plain(p, percent_of(self.base_price(p), 100 - off)))
                    .collect()
            }
            ListKind::Contract(company) => {
                let mut rng = rng("contract", company as u64);
                let active: Vec<&Product> = products.iter().filter(|p| p.active).collect();
                let mut picked =
                    sample(&mut rng, active.len(), contract_entries.min(active.len())).into_vec();
                picked.sort_unstable();
                picked
                    .into_iter()
                    .map(|i| {
                        let p = active[i];
                        let price = percent_of(self.base_price(p), rng.random_range(82..=92));
                        let tiers = if rng.random_bool(0.6) {
                            tiers(p.unit, price)
                        } else {
                            Vec::new()
                        };
                        Entry {
                            sku: p.sku.clone(),
                            unit_price: price,
                            tiers,
                        }
                    })
                    .collect()
            }
        }
    }

    /// The whole `PUT /v1/erp/price-lists/{code}` message with `entries`.
    pub(crate) fn message(
        &self,
        companies: &[Company],
        entries: Vec<Entry>,
    ) -> anyhow::Result<ErpMessage> {
        let (kind, level, company_id) = match self.kind {
            ListKind::Base => ("base", None, None),
            ListKind::Level(level) => ("level", Some(level), None),
            ListKind::Contract(index) => ("contract", None, Some(companies[index].id.as_str())),
        };
        // A third of the contracts are dated, to show validity windows in the explanations.
        let dated = matches!(self.kind, ListKind::Contract(i) if i % 3 == 1);
        let body = ListBody {
            kind,
            level,
            company_id,
            currency: self.currency,
            channel: None,
            valid_from: dated.then_some(CONTRACT_FROM),
            valid_to: dated.then_some(CONTRACT_TO),
            priority: 0,
            entries,
        };
        ErpMessage::put(
            format!("/v1/erp/price-lists/{}", self.code),
            &format!("price-list:{}", self.code),
            &body,
        )
    }

    fn base_price(&self, product: &Product) -> Decimal {
        if self.currency == "EUR" {
            round(product.list_price_czk / CZK_PER_EUR).max(Decimal::new(1, 2))
        } else {
            product.list_price_czk
        }
    }
}

fn plain(product: &Product, unit_price: Decimal) -> Entry {
    Entry {
        sku: product.sku.clone(),
        unit_price,
        tiers: Vec::new(),
    }
}

fn level_discount(level: &str) -> u32 {
    LEVELS
        .iter()
        .find(|(l, _, _)| *l == level)
        .map_or(0, |(_, off, _)| *off)
}

/// Quantity tiers fitting the unit: pieces from 10 and 50, boxes from 5 and 20, goods by
/// measure from 100 and 500; each step cheaper than the last, as the aggregate requires.
fn tiers(unit: &str, price: Decimal) -> Vec<TierBody> {
    let steps: [(u32, u32); 2] = match unit {
        "pcs" => [(10, 97), (50, 94)],
        "box" => [(5, 97), (20, 95)],
        _ => [(100, 96), (500, 92)],
    };
    steps
        .iter()
        .map(|(min_qty, percent)| TierBody {
            min_qty: *min_qty,
            unit_price: percent_of(price, *percent).max(Decimal::new(1, 2)),
        })
        .collect()
}

/// `percent` per cent of `price`, to the heller.
pub(crate) fn percent_of(price: Decimal, percent: u32) -> Decimal {
    round(price * Decimal::from(percent) / Decimal::ONE_HUNDRED)
}

fn round(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::super::catalog::products;
    use super::super::companies::companies;
    use super::super::size::DemoSize;
    use super::*;

    #[test]
    fn the_demo_has_two_base_five_level_and_fifteen_contract_lists() {
        let size = DemoSize::demo();
        let specs = specs(&companies(&size));
        let count = |f: fn(&ListKind) -> bool| specs.iter().filter(|s| f(&s.kind)).count();
        assert_eq!(count(|k| matches!(k, ListKind::Base)), 2);
        assert_eq!(count(|k| matches!(k, ListKind::Level(_))), 5);
        assert_eq!(count(|k| matches!(k, ListKind::Contract(_))), 15);
    }

    #[test]
    fn levels_are_under_the_base_and_tiers_get_cheaper() {
        let size = DemoSize::demo();
        let products = products(200);
        let companies = companies(&size);
        let specs = specs(&companies);
        let base = specs[0].entries(&products, 50);
        let vo = specs
            .iter()
            .find(|s| s.code == "VO-CZK")
            .unwrap()
            .entries(&products, 50);
        let first_vo = &vo[0];
        let same_base = base.iter().find(|e| e.sku == first_vo.sku).unwrap();
        assert!(first_vo.unit_price < same_base.unit_price);
        let contract = specs
            .iter()
            .find(|s| matches!(s.kind, ListKind::Contract(_)))
            .unwrap();
        let entries = contract.entries(&products, 50);
        assert_eq!(entries.len(), 50);
        for e in &entries {
            let mut previous = e.unit_price;
            for t in &e.tiers {
                assert!(t.unit_price <= previous, "{e:?}");
                previous = t.unit_price;
            }
        }
    }

    #[test]
    fn eur_prices_are_the_czk_price_at_twenty_five_crowns() {
        assert_eq!(
            round(Decimal::new(14_990, 2) / CZK_PER_EUR),
            Decimal::new(600, 2)
        );
        assert_eq!(
            percent_of(Decimal::new(10_000, 2), 88),
            Decimal::new(8_800, 2)
        );
    }
}
