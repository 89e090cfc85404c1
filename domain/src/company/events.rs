//! What happened to a company.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::{ApprovalRule, CompanyMaster, Role};
use crate::values::UserId;

/// Events of the [`Company`](super::Company) aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompanyEvent {
    /// The ERP synced the company for the first time.
    CompanyRegistered(CompanyMaster),
    /// The ERP changed the company's master data; the payload is the whole new master data.
    CompanyMasterUpdated(CompanyMaster),
    /// A user was added.
    UserAdded {
        /// The user.
        user_id: UserId,
        /// Display name.
        name: String,
        /// Role.
        role: Role,
    },
    /// A user's role changed.
    UserRoleChanged {
        /// The user.
        user_id: UserId,
        /// The new role.
        role: Role,
    },
    /// A user was deactivated.
    UserDeactivated {
        /// The user.
        user_id: UserId,
    },
    /// A deactivated user was reactivated.
    UserReactivated {
        /// The user.
        user_id: UserId,
    },
    /// The approval policy was replaced.
    ApprovalPolicySet {
        /// The rules.
        rules: Vec<ApprovalRule>,
        /// Whether the buyer may approve their own order.
        allow_self_approval: bool,
    },
}

impl DomainEvent for CompanyEvent {
    fn event_type(&self) -> String {
        match self {
            CompanyEvent::CompanyRegistered(_) => "CompanyRegistered",
            CompanyEvent::CompanyMasterUpdated(_) => "CompanyMasterUpdated",
            CompanyEvent::UserAdded { .. } => "UserAdded",
            CompanyEvent::UserRoleChanged { .. } => "UserRoleChanged",
            CompanyEvent::UserDeactivated { .. } => "UserDeactivated",
            CompanyEvent::UserReactivated { .. } => "UserReactivated",
            CompanyEvent::ApprovalPolicySet { .. } => "ApprovalPolicySet",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
