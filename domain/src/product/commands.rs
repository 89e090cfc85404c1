//! What the ERP may ask of a product.

use serde::{Deserialize, Serialize};

use crate::values::{Sku, Unit, VatClass};

/// Commands to the [`Product`](super::Product) aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductCommand {
    /// Defines the product as the ERP knows it now (create or update, whole state).
    Define {
        /// The product's SKU; must equal the aggregate id.
        sku: Sku,
        /// Display name, 1 to 200 characters.
        name: String,
        /// Unit of measure.
        unit: Unit,
        /// VAT class.
        vat_class: VatClass,
        /// Whether the product may be ordered.
        active: bool,
    },
}
