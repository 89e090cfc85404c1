//! ordercore's domain: aggregates, commands, events, errors and the pricing engine.
//!
//! Everything here is pure: no I/O, no clock reads (time comes in the command), no database or
//! HTTP types. Aggregates implement [`cqrs_es::Aggregate`].

#![warn(missing_docs)]

pub mod channel;
pub mod company;
pub mod invoice;
pub mod order;
pub mod order_template;
pub mod price_list;
pub mod pricing;
pub mod product;
pub mod stock_item;
pub mod values;
