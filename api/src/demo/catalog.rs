//! The demo's products: SKU, Czech name, unit, VAT class, whether it is sold, and the list price
//! every price list is derived from.

use rand::seq::IndexedRandom;
use rand::Rng;
use rust_decimal::Decimal;
use serde::Serialize;

use super::message::ErpMessage;
use super::product_names::{Category, CATEGORIES};
use super::size::rng;

/// One generated product.
#[derive(Clone, Debug)]
pub struct Product {
    /// `NAR-000001`: the department's prefix and the product's number.
    pub sku: String,
    /// Czech display name, e.g. "Aku vrtačka 18 V Makita".
    pub name: String,
    /// Unit of measure.
    pub unit: &'static str,
    /// `standard`, `reduced` or `zero`.
    pub vat_class: &'static str,
    /// Discontinued products are inactive: still in the base lists, not sold.
    pub active: bool,
    /// Net list price in CZK per unit (the base list's price).
    pub list_price_czk: Decimal,
}

/// The body of `PUT /v1/erp/products/{sku}`.
#[derive(Serialize)]
struct ProductBody<'a> {
    name: &'a str,
    unit: &'a str,
    vat_class: &'a str,
    active: bool,
}

impl Product {
    /// Product number `index` (0-based); the same for every size of data set.
    pub fn generate(index: usize) -> Self {
        let mut rng = rng("product", index as u64);
        let category = pick_category(rng.random_range(0..total_weight()));
        let template = category
            .templates
            .choose(&mut rng)
            .expect("every category has templates");
        let variant = template
            .variants
            .choose(&mut rng)
            .expect("every template has variants");
        let mut name = format!("{} {variant}", template.name);
        if let Some(brand) = category.brands.choose(&mut rng) {
            if rng.random_bool(0.85) {
                name.push(' ');
                name.push_str(brand);
            }
        }
        let (low, high) = template.price_czk;
        let crowns = rng.random_range(low..=high);
        // Wholesale prices end in ,00 or ,90 for goods by the piece; by the metre, kilogram or
        // litre they have any number of hellers.
        let hellers = if template.unit == "pcs" || template.unit == "box" {
            *[0, 90].choose(&mut rng).expect("non-empty")
        } else {
            rng.random_range(0..10) * 10
        };
        Self {
            sku: format!("{}-{:06}", category.prefix, index + 1),
            name,
            unit: template.unit,
            vat_class: category.vat_class,
            active: !rng.random_bool(0.015),
            list_price_czk: Decimal::new(i64::from(crowns) * 100 + hellers, 2),
        }
    }

    /// The ERP's message defining this product.
    pub(crate) fn message(&self) -> anyhow::Result<ErpMessage> {
        ErpMessage::put(
            format!("/v1/erp/products/{}", self.sku),
            &format!("product:{}", self.sku),
            &ProductBody {
                name: &self.name,
                unit: self.unit,
                vat_class: self.vat_class,
                active: self.active,
            },
        )
    }
}

/// The first `count` products.
pub fn products(count: usize) -> Vec<Product> {
    (0..count).map(Product::generate).collect()
}

fn total_weight() -> u32 {
    CATEGORIES.iter().map(|c| c.weight).sum()
}

fn pick_category(mut roll: u32) -> &'static Category {
    for category in CATEGORIES {
        if roll < category.weight {
            return category;
        }
        roll -= category.weight;
    }
    &CATEGORIES[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_is_the_same_whatever_the_size_of_the_set() {
        let small = products(10);
        let large = products(100);
        assert_eq!(small[7].sku, large[7].sku);
        assert_eq!(small[7].name, large[7].name);
        assert_eq!(small[7].list_price_czk, large[7].list_price_czk);
    }

    #[test]
    fn the_catalogue_spans_every_vat_class_and_unit() {
        let all = products(2000);
        for class in ["standard", "reduced", "zero"] {
            assert!(all.iter().any(|p| p.vat_class == class), "{class}");
        }
        for unit in ["pcs", "box", "kg", "m", "l"] {
            assert!(all.iter().any(|p| p.unit == unit), "{unit}");
        }
        let inactive = all.iter().filter(|p| !p.active).count();
        assert!((5..100).contains(&inactive), "{inactive} inactive");
        assert!(all.iter().all(|p| p.list_price_czk > Decimal::ZERO));
    }
}
