//! What people do to a placed order: approve or reject it (an approver of the same company,
//! four eyes where the company requires them) and cancel it (its buyer or an admin).

use cqrs_es::AggregateError;
use thiserror::Error;

use domain::order::{Order, OrderCommand, OrderError};
use domain::values::{CompanyId, UserId};

use super::access::{active_user, require, AccessError};
use crate::aggregate_store::Committed;
use crate::aggregates::Aggregates;
use crate::metadata::CommandMetadata;

/// A person's action on an order.
#[derive(Clone, Debug)]
pub enum OrderAction {
    /// Approve, with a comment.
    Approve(String),
    /// Reject, with a comment.
    Reject(String),
    /// Cancel, with a reason.
    Cancel(String),
}

/// Why the action was not taken.
#[derive(Debug, Error)]
pub enum ActionError {
    /// No such order.
    #[error("unknown order {0}")]
    UnknownOrder(String),
    /// The acting user may not do this.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The company refused (not an approver, four eyes).
    #[error(transparent)]
    Company(domain::company::CompanyError),
    /// The order changed since the version the caller saw (`If-Match`).
    #[error("the order is at version {current}, not {expected}")]
    StaleVersion {
        /// What the caller sent.
        expected: usize,
        /// What it is.
        current: usize,
    },
    /// The order refused, or the store failed.
    #[error("{0}")]
    Command(AggregateError<OrderError>),
}

/// Takes `action` on `order_id` as `user` of `company` (the company the caller says it acts
/// for: an order of another company is reported as unknown, never shown).
///
/// Without `expected_version`, a race lost to another writer (typically the reservation process
/// manager moving a fresh order along) is decided again on the new state, a few times: the
/// person asked for the action on the order as it is, and every rule is checked again. With
/// `expected_version` (`If-Match`), the caller asked for that version only: no retry.
pub async fn act(
    aggregates: &Aggregates,
    company_id: &CompanyId,
    order_id: &str,
    user_id: &UserId,
    action: OrderAction,
    expected_version: Option<usize>,
    metadata: &CommandMetadata,
) -> Result<Committed<Order>, ActionError> {
    let mut attempt = 0u32;
    loop {
        let result = act_once(
            aggregates,
            company_id,
            order_id,
            user_id,
            action.clone(),
            expected_version,
            metadata,
        )
        .await;
        match result {
            Err(ActionError::Command(AggregateError::AggregateConflict))
                if expected_version.is_none() && attempt < 5 =>
            {
                attempt += 1;
                crate::aggregate_store::conflict_pause(attempt).await;
            }
            other => return other,
        }
    }
}

async fn act_once(
    aggregates: &Aggregates,
    company_id: &CompanyId,
    order_id: &str,
    user_id: &UserId,
    action: OrderAction,
    expected_version: Option<usize>,
    metadata: &CommandMetadata,
) -> Result<Committed<Order>, ActionError> {
    let (order, version) = aggregates
        .orders
        .load(order_id)
        .await
        .map_err(ActionError::Command)?;
    let Some(placed) = order.placed() else {
        return Err(ActionError::UnknownOrder(order_id.to_string()));
    };
    if &placed.company_id != company_id {
        return Err(ActionError::UnknownOrder(order_id.to_string()));
    }
    if let Some(expected) = expected_version {
        if expected != version {
            return Err(ActionError::StaleVersion {
                expected,
                current: version,
            });
        }
    }
    let (company, _) = aggregates
        .companies
        .load(company_id.as_str())
        .await
        .map_err(|e| ActionError::Command(AggregateError::UnexpectedError(e.to_string().into())))?;
    let user = active_user(&company, company_id, user_id)?;
    let command = match action {
        OrderAction::Approve(comment) => {
            company
                .may_approve(user_id, &placed.buyer)
                .map_err(ActionError::Company)?;
            OrderCommand::Approve {
                by: user_id.clone(),
                comment,
            }
        }
        OrderAction::Reject(comment) => {
            company
                .may_approve(user_id, &placed.buyer)
                .map_err(ActionError::Company)?;
            OrderCommand::Reject {
                by: user_id.clone(),
                comment,
            }
        }
        OrderAction::Cancel(reason) => {
            let own = &placed.buyer == user_id;
            require(
                user,
                own || user.role.may_manage_users(),
                "cancel another buyer's order",
            )?;
            OrderCommand::Cancel {
                by: user_id.to_string(),
                reason,
            }
        }
    };
    // The version is checked again on the state the command commits on: a change that lands
    // after the check above is caught here, never applied over.
    let result = aggregates
        .orders
        .execute_expecting(order_id, command, metadata, expected_version)
        .await;
    match (result, expected_version) {
        (Err(AggregateError::AggregateConflict), Some(expected)) => {
            let (_, current) = aggregates
                .orders
                .load(order_id)
                .await
                .map_err(ActionError::Command)?;
            Err(ActionError::StaleVersion { expected, current })
        }
        (result, _) => result.map_err(ActionError::Command),
    }
}
