//! What the ERP may ask of a price list.

use serde::{Deserialize, Serialize};

use super::{PriceEntry, PriceListHeader};

/// Commands to the [`PriceList`](super::PriceList) aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriceListCommand {
    /// The ERP's whole list: header and every entry (any order, each SKU once).
    Import {
        /// The header; its code must be the aggregate id.
        header: PriceListHeader,
        /// Every entry of the list; SKUs absent here are removed from the list.
        entries: Vec<PriceEntry>,
    },
}
