//! Why an order-template command was refused.

use thiserror::Error;

use crate::values::Sku;

/// Errors of the [`OrderTemplate`](super::OrderTemplate) aggregate; [`TemplateError::code`]
/// gives each a stable kebab-case code for problem types.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    /// The template has not been created.
    #[error("unknown template")]
    UnknownTemplate,
    /// `Create` was sent to a template that exists.
    #[error("template {template_id} already exists")]
    TemplateExists {
        /// The existing template.
        template_id: String,
    },
    /// The template was deleted.
    #[error("the template was deleted")]
    TemplateDeleted,
    /// The template id was empty.
    #[error("template id must not be empty")]
    EmptyTemplateId,
    /// The name was empty or too long.
    #[error("name must have 1 to {max} characters")]
    InvalidName {
        /// The largest allowed number of characters.
        max: usize,
    },
    /// The template has no lines.
    #[error("a template needs at least one line")]
    NoLines,
    /// The template has more lines than allowed.
    #[error("a template may have at most {max} lines")]
    TooManyLines {
        /// The largest allowed number of lines.
        max: usize,
    },
    /// A SKU appears on two lines.
    #[error("sku {sku} appears more than once")]
    DuplicateSku {
        /// The repeated SKU.
        sku: Sku,
    },
    /// The schedule is unusable.
    #[error("invalid schedule: {reason}")]
    InvalidSchedule {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An occurrence was recorded for a template without a schedule.
    #[error("the template has no schedule")]
    NoSchedule,
    /// An occurrence was recorded out of turn.
    #[error("occurrence {given} is not the next one; expected {expected}")]
    OccurrenceOutOfOrder {
        /// The next occurrence.
        expected: u32,
        /// The occurrence given.
        given: u32,
    },
    /// An occurrence was recorded again with another order.
    #[error("occurrence {occurrence} was already placed as order {order_id}")]
    OccurrenceConflict {
        /// The occurrence.
        occurrence: u32,
        /// The order recorded for it.
        order_id: String,
    },
}

impl TemplateError {
    /// A stable kebab-case code for problem types and logs.
    pub fn code(&self) -> &'static str {
        match self {
            TemplateError::UnknownTemplate => "unknown-template",
            TemplateError::TemplateExists { .. } => "template-exists",
            TemplateError::TemplateDeleted => "template-deleted",
            TemplateError::EmptyTemplateId => "empty-template-id",
            TemplateError::InvalidName { .. } => "invalid-template-name",
            TemplateError::NoLines => "no-lines",
            TemplateError::TooManyLines { .. } => "too-many-lines",
            TemplateError::DuplicateSku { .. } => "duplicate-sku",
            TemplateError::InvalidSchedule { .. } => "invalid-schedule",
            TemplateError::NoSchedule => "no-schedule",
            TemplateError::OccurrenceOutOfOrder { .. } => "occurrence-out-of-order",
            TemplateError::OccurrenceConflict { .. } => "occurrence-conflict",
        }
    }
}
