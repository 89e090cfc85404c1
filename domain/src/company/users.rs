//! A company's e-shop users and what their roles allow.

use serde::{Deserialize, Serialize};

use crate::values::UserId;

/// What a user may do in the company's name; serialized lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Places orders.
    Buyer,
    /// Places and approves orders.
    Approver,
    /// Places and approves orders and manages users.
    Admin,
}

impl Role {
    /// Whether the role may place orders (every role may).
    pub fn may_order(&self) -> bool {
        true
    }

    /// Whether the role may approve orders (approvers and admins).
    pub fn may_approve(&self) -> bool {
        matches!(self, Role::Approver | Role::Admin)
    }

    /// Whether the role may add, change and deactivate users (admins).
    pub fn may_manage_users(&self) -> bool {
        matches!(self, Role::Admin)
    }
}

/// One user of a company's e-shop account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyUser {
    /// The user's id as the e-shop names it.
    pub user_id: UserId,
    /// Display name.
    pub name: String,
    /// Current role.
    pub role: Role,
    /// False once deactivated; inactive users can do nothing until reactivated.
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_approvers_and_admins_may_approve_and_only_admins_manage_users() {
        assert!(Role::Buyer.may_order() && Role::Approver.may_order() && Role::Admin.may_order());
        assert!(!Role::Buyer.may_approve());
        assert!(Role::Approver.may_approve() && Role::Admin.may_approve());
        assert!(!Role::Approver.may_manage_users() && Role::Admin.may_manage_users());
        assert_eq!(
            serde_json::to_string(&Role::Approver).unwrap(),
            "\"approver\""
        );
    }
}
