//! What happened to an order template.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::{Schedule, TemplateLine};
use crate::values::CompanyId;

/// Events of the [`OrderTemplate`](super::OrderTemplate) aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TemplateEvent {
    /// The template was created.
    TemplateCreated {
        /// The template's id.
        template_id: String,
        /// The company it belongs to.
        company_id: CompanyId,
        /// Its name.
        name: String,
        /// Its lines.
        lines: Vec<TemplateLine>,
        /// Who created it.
        created_by: String,
        /// The order it was saved from, if any.
        from_order_id: Option<String>,
    },
    /// The template was renamed.
    TemplateRenamed {
        /// The new name.
        name: String,
        /// Who renamed it.
        by: String,
    },
    /// The template's lines were replaced.
    TemplateLinesReplaced {
        /// The new lines, whole.
        lines: Vec<TemplateLine>,
        /// Who changed them.
        by: String,
    },
    /// The template was deleted (its history stays).
    TemplateDeleted {
        /// Who deleted it.
        by: String,
    },
    /// A schedule was set or replaced; occurrence numbers keep counting across schedules.
    ScheduleSet {
        /// The schedule.
        schedule: Schedule,
        /// Who set it.
        by: String,
    },
    /// The schedule was cleared.
    ScheduleCleared {
        /// Who cleared it.
        by: String,
    },
    /// The order of an occurrence was placed.
    OccurrencePlaced {
        /// The occurrence number.
        occurrence: u32,
        /// The order placed for it.
        order_id: String,
    },
}

impl DomainEvent for TemplateEvent {
    fn event_type(&self) -> String {
        match self {
            TemplateEvent::TemplateCreated { .. } => "TemplateCreated",
            TemplateEvent::TemplateRenamed { .. } => "TemplateRenamed",
            TemplateEvent::TemplateLinesReplaced { .. } => "TemplateLinesReplaced",
            TemplateEvent::TemplateDeleted { .. } => "TemplateDeleted",
            TemplateEvent::ScheduleSet { .. } => "ScheduleSet",
            TemplateEvent::ScheduleCleared { .. } => "ScheduleCleared",
            TemplateEvent::OccurrencePlaced { .. } => "OccurrencePlaced",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
