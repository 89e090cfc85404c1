//! What the e-shop and the scheduler may ask of an order template.

use serde::{Deserialize, Serialize};

use super::Schedule;
use crate::values::{CompanyId, Quantity, Sku};

/// One line of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateLine {
    /// The SKU; unique within the template.
    pub sku: Sku,
    /// How many units to order.
    pub quantity: Quantity,
}

/// Commands to the [`OrderTemplate`](super::OrderTemplate) aggregate. Commands a person issues
/// name the actor in `by` (or `created_by`); the events repeat it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TemplateCommand {
    /// Creates the template; only on an empty aggregate.
    Create {
        /// The template's id (the aggregate id).
        template_id: String,
        /// The company it belongs to.
        company_id: CompanyId,
        /// Its name: 1 to 100 characters.
        name: String,
        /// 1 to 1000 lines, each SKU once.
        lines: Vec<TemplateLine>,
        /// Who created it.
        created_by: String,
        /// The order it was saved from, if any.
        from_order_id: Option<String>,
    },
    /// Renames the template; the same name again is a no-op.
    Rename {
        /// The new name: 1 to 100 characters.
        name: String,
        /// Who renamed it.
        by: String,
    },
    /// Replaces every line; the same lines again are a no-op.
    ReplaceLines {
        /// 1 to 1000 lines, each SKU once.
        lines: Vec<TemplateLine>,
        /// Who changed them.
        by: String,
    },
    /// Deletes the template; after this only a repeated `Delete` is accepted (as a no-op).
    Delete {
        /// Who deleted it.
        by: String,
    },
    /// Sets or replaces the schedule; the same schedule again is a no-op.
    SetSchedule {
        /// The schedule.
        schedule: Schedule,
        /// Who set it.
        by: String,
    },
    /// Stops the recurring orders; a no-op without a schedule.
    ClearSchedule {
        /// Who stopped them.
        by: String,
    },
    /// The scheduler placed the order of an occurrence; occurrences are recorded in order from
    /// 0, and the same one again (with the same order) is a no-op.
    RecordOccurrence {
        /// The occurrence number.
        occurrence: u32,
        /// The order placed for it.
        order_id: String,
    },
}
