//! Approval rules: which orders need an approver before they go to the ERP.

use serde::{Deserialize, Serialize};

use crate::values::{CurrencyCode, Money, UserId};

/// One reason an order may need approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApprovalRule {
    /// Orders whose total net amount, in this currency, is above `amount`.
    OrderTotalAbove {
        /// The threshold (exclusive).
        amount: Money,
        /// The currency the threshold is in; orders in other currencies are not compared.
        currency: CurrencyCode,
    },
    /// Every order placed by this user.
    AnyOrderBy {
        /// The buyer whose orders need approval.
        user_id: UserId,
    },
}

impl ApprovalRule {
    /// Why this rule asks for approval of the order, or `None` when it does not apply.
    pub fn reason(
        &self,
        buyer: &UserId,
        total_net: &Money,
        order_currency: &CurrencyCode,
    ) -> Option<String> {
        match self {
            ApprovalRule::OrderTotalAbove { amount, currency } => (currency == order_currency
                && total_net > amount)
                .then(|| {
                    format!("order total {total_net} {currency} is above the approval limit of {amount} {currency}")
                }),
            ApprovalRule::AnyOrderBy { user_id } => {
                (user_id == buyer).then(|| format!("every order by {user_id} needs approval"))
            }
        }
    }
}

/// A company's approval policy: the rules, and whether an approver may approve their own order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalPolicy {
    /// The rules; an order needs approval when any applies. None by default.
    pub rules: Vec<ApprovalRule>,
    /// Whether the buyer may approve their own order (false by default: four eyes).
    pub allow_self_approval: bool,
}

impl ApprovalPolicy {
    /// The reasons, one per applying rule, why the order needs approval; empty when none apply.
    pub fn reasons(
        &self,
        buyer: &UserId,
        total_net: &Money,
        currency: &CurrencyCode,
    ) -> Vec<String> {
        self.rules
            .iter()
            .filter_map(|rule| rule.reason(buyer, total_net, currency))
            .collect()
    }
}
