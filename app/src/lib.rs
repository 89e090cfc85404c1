//! ordercore's application layer: the event stores and the global log, subscriptions and
//! rebuilds, command services, process managers, ERP dispatch and configuration.

pub mod access_log;
pub mod aggregate_store;
pub mod aggregates;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod db;
pub mod erp;
pub mod event_log;
pub mod failpoints;
pub mod fingerprint;
pub mod idempotency;
pub mod metadata;
pub mod orders;
pub mod quotes;
pub mod read_side;
pub mod schema;
pub mod subscription;
pub mod transfer;
pub mod upcasting;
