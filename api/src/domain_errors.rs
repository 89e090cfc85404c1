//! How domain errors become problems: each error's stable code is the problem type, its message
//! the detail; errors about the state an aggregate is in are 409, the rest 422.

use axum::http::StatusCode;
use cqrs_es::AggregateError;

use crate::problem::{ApiError, Problem};

/// A domain error with a stable code.
pub trait Coded: std::error::Error {
    /// The stable kebab-case code.
    fn code(&self) -> &'static str;
}

macro_rules! coded {
    ($($t:ty),* $(,)?) => {
        $(impl Coded for $t {
            fn code(&self) -> &'static str {
                <$t>::code(self)
            }
        })*
    };
}

coded!(
    domain::product::ProductError,
    domain::company::CompanyError,
    domain::price_list::PriceListError,
    domain::stock_item::StockError,
    domain::channel::ChannelError,
    domain::order::OrderError,
    domain::order_template::TemplateError,
    domain::invoice::InvoiceError,
);

/// Codes that mean "not in a state that allows this": 409 Conflict.
const STATE_CONFLICTS: &[&str] = &[
    "invalid-transition",
    "cancellation-pending",
    "no-cancellation-pending",
    "already-shipped",
    "order-exists",
    "template-deleted",
    "user-exists",
    "invoice-conflict",
    "payment-conflict",
    "occurrence-conflict",
];

/// Codes that name a resource that does not exist: 404. (An unknown line or shipment inside a
/// message is a fault of the message: 422.)
const NOT_FOUND: &[&str] = &[
    "unknown-order",
    "unknown-company",
    "unknown-template",
    "unknown-invoice",
    "unknown-user",
];

/// The problem for a refused domain command.
pub fn domain_problem<E: Coded>(error: &E) -> Problem {
    let code = error.code();
    let status = if STATE_CONFLICTS.contains(&code) {
        StatusCode::CONFLICT
    } else if NOT_FOUND.contains(&code) {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Problem::new(status, code, "The command was refused", error.to_string())
}

/// Maps a failed command to the HTTP answer.
pub fn command_error<E: Coded>(error: AggregateError<E>) -> ApiError {
    match error {
        AggregateError::UserError(e) => domain_problem(&e).into(),
        AggregateError::AggregateConflict => Problem::conflict(
            "another change to the same resource won the race; nothing was written, retry",
        )
        .into(),
        AggregateError::DatabaseConnectionError(e) => {
            tracing::error!(error = %e, "store unavailable");
            unavailable()
        }
        AggregateError::UnexpectedError(e) if crate::problem::store_unavailable(e.as_ref()) => {
            tracing::error!(error = %e, "store unavailable");
            unavailable()
        }
        AggregateError::DeserializationError(e) | AggregateError::UnexpectedError(e) => {
            ApiError::Internal(anyhow::anyhow!("command failed: {e}"))
        }
    }
}

fn unavailable() -> ApiError {
    let mut problem = Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "store-unavailable",
        "The store is unavailable",
        "the event store cannot be reached right now; nothing was changed, retry later",
    );
    problem.retry_after = Some(2);
    problem.into()
}
