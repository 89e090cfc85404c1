//! ordercore's integration tests: one binary (as matklad recommends), modules per area.
//! Tests marked for both stores run on SQLite and on Postgres (`DATABASE_URL`).

mod audit;
mod audit_api;
mod demo;
mod erp;
mod erp_inbound;
mod event_store;
mod faults;
mod gap;
mod order_list;
mod orders;
mod pricing;
mod security;
mod server;
mod subscriptions;
#[allow(dead_code)] // Helpers are shared; not every test binary build uses each one.
mod support;
mod templates;
