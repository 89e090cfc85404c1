//! Why a company command or query was refused.

use thiserror::Error;

use crate::values::{CompanyId, UserId};

/// Errors of the [`Company`](super::Company) aggregate; [`CompanyError::code`] gives each a
/// stable kebab-case code for problem types.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CompanyError {
    /// The company has not been synced from the ERP yet.
    #[error("unknown company")]
    UnknownCompany,
    /// The master data names another company than this aggregate's.
    #[error("master data for company {given} sent to company {registered}")]
    CompanyMismatch {
        /// The company this aggregate holds.
        registered: CompanyId,
        /// The company the master data named.
        given: CompanyId,
    },
    /// The ERP's master data is unusable.
    #[error("invalid master data: {reason}")]
    InvalidMaster {
        /// What is wrong with it.
        reason: String,
    },
    /// A user's name was empty.
    #[error("user name must not be empty")]
    EmptyUserName,
    /// No such user in this company.
    #[error("unknown user {user_id}")]
    UnknownUser {
        /// The user asked for.
        user_id: UserId,
    },
    /// The user id is already taken in this company (active or not).
    #[error("user {user_id} already exists")]
    UserExists {
        /// The user asked for.
        user_id: UserId,
    },
    /// The user has been deactivated.
    #[error("user {user_id} is inactive")]
    UserInactive {
        /// The user asked for.
        user_id: UserId,
    },
    /// The user's role does not allow approving orders.
    #[error("user {user_id} may not approve orders")]
    NotAnApprover {
        /// The user asked for.
        user_id: UserId,
    },
    /// The approver is the order's buyer and the company does not allow self-approval.
    #[error("an order must be approved by someone other than its buyer")]
    FourEyesRequired,
}

impl CompanyError {
    /// A stable kebab-case code for problem types and logs.
    pub fn code(&self) -> &'static str {
        match self {
            CompanyError::UnknownCompany => "unknown-company",
            CompanyError::CompanyMismatch { .. } => "wrong-company",
            CompanyError::InvalidMaster { .. } => "invalid-master-data",
            CompanyError::EmptyUserName => "invalid-user-name",
            CompanyError::UnknownUser { .. } => "unknown-user",
            CompanyError::UserExists { .. } => "user-exists",
            CompanyError::UserInactive { .. } => "user-inactive",
            CompanyError::NotAnApprover { .. } => "not-an-approver",
            CompanyError::FourEyesRequired => "four-eyes-required",
        }
    }
}
