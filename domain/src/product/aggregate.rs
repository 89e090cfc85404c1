//! The product aggregate: state, rules and their tests.

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{ProductCommand, ProductEvent};
use crate::values::{Sku, Unit, VatClass};

/// The longest product name we accept.
const NAME_MAX: usize = 200;

/// Why a product command was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProductError {
    /// The name was empty or only whitespace.
    #[error("name must not be empty")]
    EmptyName,
    /// The name was longer than 200 characters.
    #[error("name must be at most 200 characters")]
    NameTooLong,
    /// The command names another SKU than the one this product was registered under.
    #[error("command for sku {given} sent to product {registered}")]
    SkuMismatch {
        /// The SKU the product was registered under.
        registered: Sku,
        /// The SKU the command named.
        given: Sku,
    },
}

impl ProductError {
    /// A stable kebab-case code for problem types and logs.
    pub fn code(&self) -> &'static str {
        match self {
            ProductError::EmptyName | ProductError::NameTooLong => "invalid-product-name",
            ProductError::SkuMismatch { .. } => "wrong-product",
        }
    }
}

/// A registered product's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetails {
    /// The product's SKU.
    pub sku: Sku,
    /// Display name.
    pub name: String,
    /// Unit of measure.
    pub unit: Unit,
    /// VAT class.
    pub vat_class: VatClass,
    /// Whether the product may be ordered.
    pub active: bool,
}

/// The product aggregate (aggregate id = SKU). Empty until the ERP first defines it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    details: Option<ProductDetails>,
}

impl Product {
    /// The product's facts, once registered.
    pub fn details(&self) -> Option<&ProductDetails> {
        self.details.as_ref()
    }
}

impl Aggregate for Product {
    const TYPE: &'static str = "product";
    type Command = ProductCommand;
    type Event = ProductEvent;
    type Error = ProductError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let ProductCommand::Define {
            sku,
            name,
            unit,
            vat_class,
            active,
        } = command;
        if name.trim().is_empty() {
            return Err(ProductError::EmptyName);
        }
        if name.chars().count() > NAME_MAX {
            return Err(ProductError::NameTooLong);
        }
        let wanted = ProductDetails {
            sku,
            name,
            unit,
            vat_class,
            active,
        };
        let event = match &self.details {
            None => registered(wanted),
            Some(current) if current.sku != wanted.sku => {
                return Err(ProductError::SkuMismatch {
                    registered: current.sku.clone(),
                    given: wanted.sku,
                })
            }
            Some(current) if *current == wanted => return Ok(()),
            Some(_) => updated(wanted),
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        let details = match event {
            ProductEvent::ProductRegistered {
                sku,
                name,
                unit,
                vat_class,
                active,
            }
            | ProductEvent::ProductUpdated {
                sku,
                name,
                unit,
                vat_class,
                active,
            } => ProductDetails {
                sku,
                name,
                unit,
                vat_class,
                active,
            },
        };
        self.details = Some(details);
    }
}

fn registered(d: ProductDetails) -> ProductEvent {
    ProductEvent::ProductRegistered {
        sku: d.sku,
        name: d.name,
        unit: d.unit,
        vat_class: d.vat_class,
        active: d.active,
    }
}

fn updated(d: ProductDetails) -> ProductEvent {
    ProductEvent::ProductUpdated {
        sku: d.sku,
        name: d.name,
        unit: d.unit,
        vat_class: d.vat_class,
        active: d.active,
    }
}

#[cfg(test)]
mod tests {
    use cqrs_es::test::TestFramework;

    use super::*;

    type ProductTest = TestFramework<Product>;

    fn sku(text: &str) -> Sku {
        Sku::parse(text).unwrap()
    }

    fn define(name: &str, active: bool) -> ProductCommand {
        ProductCommand::Define {
            sku: sku("DRILL-18V"),
            name: name.to_owned(),
            unit: Unit::Pcs,
            vat_class: VatClass::Standard,
            active,
        }
    }

    fn registered_drill() -> ProductEvent {
        ProductEvent::ProductRegistered {
            sku: sku("DRILL-18V"),
            name: "Aku vrtačka 18 V".to_owned(),
            unit: Unit::Pcs,
            vat_class: VatClass::Standard,
            active: true,
        }
    }

    #[test]
    fn define_registers_a_new_product() {
        ProductTest::with(())
            .given_no_previous_events()
            .when(define("Aku vrtačka 18 V", true))
            .then_expect_events(vec![registered_drill()]);
    }

    #[test]
    fn define_updates_a_product_when_anything_differs() {
        ProductTest::with(())
            .given(vec![registered_drill()])
            .when(define("Aku vrtačka 18 V", false))
            .then_expect_events(vec![ProductEvent::ProductUpdated {
                sku: sku("DRILL-18V"),
                name: "Aku vrtačka 18 V".to_owned(),
                unit: Unit::Pcs,
                vat_class: VatClass::Standard,
                active: false,
            }]);
    }

    #[test]
    fn define_produces_nothing_when_the_product_is_unchanged() {
        ProductTest::with(())
            .given(vec![registered_drill()])
            .when(define("Aku vrtačka 18 V", true))
            .then_expect_events(vec![]);
    }

    #[test]
    fn define_fails_when_the_name_is_empty_or_too_long() {
        ProductTest::with(())
            .given_no_previous_events()
            .when(define("  ", true))
            .then_expect_error(ProductError::EmptyName);
        ProductTest::with(())
            .given_no_previous_events()
            .when(define(&"x".repeat(201), true))
            .then_expect_error_message("name must be at most 200 characters");
    }

    #[test]
    fn define_fails_when_the_sku_is_not_the_products_own() {
        let command = ProductCommand::Define {
            sku: sku("OTHER"),
            name: "Other".to_owned(),
            unit: Unit::Pcs,
            vat_class: VatClass::Standard,
            active: true,
        };
        let error = ProductTest::with(())
            .given(vec![registered_drill()])
            .when(command)
            .inspect_result()
            .unwrap_err();
        assert_eq!(error.code(), "wrong-product");
    }

    #[test]
    fn product_state_survives_a_snapshot_round_trip() {
        let mut product = Product::default();
        product.apply(registered_drill());
        let json = serde_json::to_string(&product).unwrap();
        let back: Product = serde_json::from_str(&json).unwrap();
        assert_eq!(back, product);
        assert_eq!(back.details().unwrap().unit, Unit::Pcs);
    }
}
