//! What happened to a product. Each event carries the full state, so projections stay trivial.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::values::{Sku, Unit, VatClass};

/// Events of the [`Product`](super::Product) aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductEvent {
    /// The ERP defined the product for the first time.
    ProductRegistered {
        /// The product's SKU.
        sku: Sku,
        /// Display name.
        name: String,
        /// Unit of measure.
        unit: Unit,
        /// VAT class.
        vat_class: VatClass,
        /// Whether the product may be ordered.
        active: bool,
    },
    /// The ERP changed something about the product; all fields are the new state.
    ProductUpdated {
        /// The product's SKU.
        sku: Sku,
        /// Display name.
        name: String,
        /// Unit of measure.
        unit: Unit,
        /// VAT class.
        vat_class: VatClass,
        /// Whether the product may be ordered.
        active: bool,
    },
}

impl DomainEvent for ProductEvent {
    fn event_type(&self) -> String {
        match self {
            ProductEvent::ProductRegistered { .. } => "ProductRegistered",
            ProductEvent::ProductUpdated { .. } => "ProductUpdated",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
