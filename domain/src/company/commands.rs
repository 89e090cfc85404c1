//! What the ERP and the e-shop may ask of a company.

use serde::{Deserialize, Serialize};

use super::{ApprovalRule, CompanyMaster, Role};
use crate::values::UserId;

/// Commands to the [`Company`](super::Company) aggregate.
// Commands live briefly and are moved, not copied around in bulk; boxing the master
// data would only make every match on them noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompanyCommand {
    /// The ERP's current master data for the company (create or update, whole state).
    SyncMaster(CompanyMaster),
    /// Adds an e-shop user to a registered company.
    AddUser {
        /// The new user's id; must not exist yet in this company.
        user_id: UserId,
        /// Display name.
        name: String,
        /// Role.
        role: Role,
    },
    /// Changes an active user's role.
    ChangeUserRole {
        /// The user.
        user_id: UserId,
        /// The new role.
        role: Role,
    },
    /// Deactivates a user; they keep their history but can do nothing.
    DeactivateUser {
        /// The user.
        user_id: UserId,
    },
    /// Reactivates a deactivated user.
    ReactivateUser {
        /// The user.
        user_id: UserId,
    },
    /// Replaces the company's approval policy.
    SetApprovalPolicy {
        /// The rules; an order needs approval when any applies.
        rules: Vec<ApprovalRule>,
        /// Whether the buyer may approve their own order.
        allow_self_approval: bool,
    },
}
