//! The price-list aggregate: one of the ERP's price lists (base, level or contract), with its
//! header and its entries. Its aggregate id is the [`PriceListCode`].
//!
//! The ERP always imports a whole list; the aggregate diffs it against what it holds so that
//! only changed SKUs produce events and an identical re-import produces none.
//!
//! [`PriceListCode`]: crate::values::PriceListCode

mod aggregate;
mod commands;
mod diff;
mod entry;
mod error;
mod events;
mod header;

#[cfg(test)]
mod tests;

pub use aggregate::{PriceList, ENTRY_CHUNK, REMOVAL_CHUNK};
pub use commands::PriceListCommand;
pub use diff::{diff, PriceListDiff};
pub use entry::{PriceEntry, Tier};
pub use error::PriceListError;
pub use events::PriceListEvent;
pub use header::{PriceListHeader, PriceListKind};
