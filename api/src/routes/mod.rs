//! HTTP routes, one module per audience.

pub mod audit;
pub mod companies;
pub mod erp;
pub mod health;
pub mod ops;
pub mod orders;
pub mod pricing;
pub mod templates;
