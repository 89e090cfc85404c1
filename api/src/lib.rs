//! ordercore's HTTP API (axum) and command line. Only this crate knows HTTP; request and
//! response types here are separate from the domain's events.

pub mod access_log;
pub mod acting;
pub mod auth;
pub mod bench;
pub mod cli;
pub mod demo;
pub mod domain_errors;
pub mod erp_sim;
pub mod input;
pub mod json;
pub mod openapi;
pub mod ops_cli;
pub mod problem;
pub mod routes;
pub mod server;
pub mod telemetry;
