//! The sales channel (an e-shop or market): which warehouses serve it, in which order of
//! priority, and how its documents round VAT. Master data, set by the ERP. Aggregate id = the
//! channel code.

mod aggregate;

pub use aggregate::{Channel, ChannelCommand, ChannelError, ChannelEvent, ChannelSettings};
