//! The company aggregate: a customer account with its ERP master data, its e-shop users and
//! their roles, and the approval policy for its orders. Its aggregate id is the [`CompanyId`].
//!
//! [`CompanyId`]: crate::values::CompanyId

mod aggregate;
mod approval;
mod commands;
mod error;
mod events;
mod master;
mod users;

#[cfg(test)]
mod tests;

pub use aggregate::Company;
pub use approval::{ApprovalPolicy, ApprovalRule};
pub use commands::CompanyCommand;
pub use error::CompanyError;
pub use events::CompanyEvent;
pub use master::CompanyMaster;
pub use users::{CompanyUser, Role};
