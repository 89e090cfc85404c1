//! Who may act on a company: the acting user must be an active user of the company with a role
//! that allows the action.

use thiserror::Error;

use domain::company::{Company, CompanyUser};
use domain::values::{CompanyId, UserId};

/// Why the acting user may not do this.
#[derive(Debug, Error, PartialEq)]
pub enum AccessError {
    /// No such company.
    #[error("unknown company {0}")]
    UnknownCompany(CompanyId),
    /// The user is not a user of this company.
    #[error("user {user} is not a user of company {company}")]
    ForeignUser {
        /// The user.
        user: UserId,
        /// The company.
        company: CompanyId,
    },
    /// The user is deactivated.
    #[error("user {0} is deactivated")]
    InactiveUser(UserId),
    /// The user's role does not allow the action.
    #[error("user {user} ({role}) may not {action}")]
    Forbidden {
        /// The user.
        user: UserId,
        /// The user's role.
        role: String,
        /// What they tried.
        action: &'static str,
    },
}

impl AccessError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownCompany(_) => "unknown-company",
            Self::ForeignUser { .. } => "foreign-user",
            Self::InactiveUser(_) => "inactive-user",
            Self::Forbidden { .. } => "forbidden",
        }
    }
}

/// The acting user, checked to be an active user of the (registered) company.
pub fn active_user<'c>(
    company: &'c Company,
    company_id: &CompanyId,
    user: &UserId,
) -> Result<&'c CompanyUser, AccessError> {
    if company.master().is_none() {
        return Err(AccessError::UnknownCompany(company_id.clone()));
    }
    let found = company.user(user).ok_or_else(|| AccessError::ForeignUser {
        user: user.clone(),
        company: company_id.clone(),
    })?;
    if !found.active {
        return Err(AccessError::InactiveUser(user.clone()));
    }
    Ok(found)
}

/// Checks a role permission, naming the action in the refusal.
pub fn require(user: &CompanyUser, allowed: bool, action: &'static str) -> Result<(), AccessError> {
    if allowed {
        Ok(())
    } else {
        Err(AccessError::Forbidden {
            user: user.user_id.clone(),
            role: serde_json::to_value(user.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            action,
        })
    }
}
