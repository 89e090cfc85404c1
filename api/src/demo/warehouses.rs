//! The demo's warehouses, the two sales channels they serve, and the stock of every product in
//! each warehouse.

use rand::Rng;
use serde::Serialize;

use super::catalog::Product;
use super::message::ErpMessage;
use super::size::rng;

/// Warehouse codes and the towns they stand in.
pub const WAREHOUSES: &[(&str, &str)] = &[("PRG", "Praha"), ("BRQ", "Brno"), ("OVA", "Ostrava")];

/// A sales channel: code, name, warehouses in priority order, VAT rounding.
pub const CHANNELS: &[(&str, &str, &[&str], &str)] = &[
    (
        "b2b-cz",
        "Velkoobchodní e-shop CZ",
        &["PRG", "BRQ", "OVA"],
        "document",
    ),
    // Slovak customers are served from Moravia, and their ERP rounds VAT per line.
    (
        "b2b-sk",
        "Veľkoobchodný e-shop SK (EUR)",
        &["BRQ", "OVA"],
        "per_line",
    ),
];

#[derive(Serialize)]
struct ChannelBody {
    name: &'static str,
    warehouses: &'static [&'static str],
    vat_rounding: &'static str,
}

#[derive(Serialize)]
struct LevelsBody {
    levels: Vec<LevelBody>,
}

#[derive(Serialize)]
struct LevelBody {
    sku: String,
    warehouse: &'static str,
    on_hand: u32,
}

/// The channel messages.
pub(crate) fn channel_messages() -> anyhow::Result<Vec<ErpMessage>> {
    CHANNELS
        .iter()
        .map(|(code, name, warehouses, rounding)| {
            ErpMessage::put(
                format!("/v1/erp/channels/{code}"),
                &format!("channel:{code}"),
                &ChannelBody {
                    name,
                    warehouses,
                    vat_rounding: rounding,
                },
            )
        })
        .collect()
}

/// Stock levels of `products` (a consecutive chunk starting at product number `first`) in
/// every warehouse, as one message.
pub(crate) fn stock_message(first: usize, products: &[Product]) -> anyhow::Result<ErpMessage> {
    let mut levels = Vec::with_capacity(products.len() * WAREHOUSES.len());
    for (offset, product) in products.iter().enumerate() {
        let mut rng = rng("stock", (first + offset) as u64);
        for (i, (warehouse, _)) in WAREHOUSES.iter().enumerate() {
            levels.push(LevelBody {
                sku: product.sku.clone(),
                warehouse,
                on_hand: on_hand(&mut rng, product, i),
            });
        }
    }
    ErpMessage::post(
        "/v1/erp/stock-levels".into(),
        &format!("stock:{first}+{}", products.len()),
        &LevelsBody { levels },
    )
}

/// Praha holds the most; about one level in eight is zero (sold out or never stocked there),
/// and discontinued products are sold out everywhere.
fn on_hand(rng: &mut impl Rng, product: &Product, warehouse: usize) -> u32 {
    if !product.active || rng.random_bool(0.12) {
        return 0;
    }
    let max: u32 = match product.unit {
        "pcs" => 300,
        "box" => 120,
        "kg" => 2_000,
        "l" => 600,
        _ => 5_000,
    };
    let share = [100, 60, 40][warehouse.min(2)];
    let quantity = rng.random_range(1..=max * share / 100);
    // Cable and pipe are stocked by the drum of 50 m.
    if product.unit == "m" {
        quantity.div_ceil(50) * 50
    } else {
        quantity
    }
}

#[cfg(test)]
mod tests {
    use super::super::catalog::products;
    use super::*;

    #[test]
    fn every_product_has_a_level_in_every_warehouse_and_some_are_zero() {
        let products = products(300);
        let message = stock_message(0, &products).unwrap();
        let body: serde_json::Value = serde_json::from_slice(&message.body).unwrap();
        let levels = body["levels"].as_array().unwrap();
        assert_eq!(levels.len(), 900);
        let zero = levels.iter().filter(|l| l["on_hand"] == 0).count();
        assert!((50..300).contains(&zero), "{zero} zero levels");
    }
}
