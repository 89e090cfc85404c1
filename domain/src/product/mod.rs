//! The product aggregate: the ERP's catalogue facts that pricing and ordering need (name, unit,
//! VAT class, whether it may be sold). Its aggregate id is the SKU.

mod aggregate;
mod commands;
mod events;

pub use aggregate::{Product, ProductDetails, ProductError};
pub use commands::ProductCommand;
pub use events::ProductEvent;
