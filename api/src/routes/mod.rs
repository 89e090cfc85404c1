//! HTTP routes, one module per audience.

pub mod erp;
pub mod health;
pub mod ops;
pub mod pricing;
