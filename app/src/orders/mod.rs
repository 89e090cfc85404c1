//! Orders: placement (pricing, approval rules, credit limit), the actions of approvers, buyers
//! and admins, the reservation process manager, templates and their scheduler.

pub mod access;
pub mod actions;
pub mod placement;
pub mod reservations;
pub mod scheduler;
pub mod templates;
