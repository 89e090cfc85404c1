//! HTTP routes, one module per audience.

pub mod health;
pub mod ops;
