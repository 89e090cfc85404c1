//! The order-template aggregate: state, queries and how events change it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use super::rules::decide;
use super::{Schedule, TemplateCommand, TemplateError, TemplateEvent, TemplateLine};
use crate::values::CompanyId;

/// The order-template aggregate (aggregate id = template id). Empty until created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTemplate {
    template_id: Option<String>,
    company_id: Option<CompanyId>,
    name: String,
    lines: Vec<TemplateLine>,
    created_by: String,
    from_order_id: Option<String>,
    deleted: bool,
    schedule: Option<Schedule>,
    /// The occurrence number the current schedule started at: its occurrence `n` falls on
    /// `starts_on + (n − schedule_base) × interval`.
    schedule_base: u32,
    /// The order placed for each occurrence.
    occurrences: BTreeMap<u32, String>,
}

impl OrderTemplate {
    /// The template's id, once created.
    pub fn template_id(&self) -> Option<&str> {
        self.template_id.as_deref()
    }

    /// The company it belongs to, once created.
    pub fn company_id(&self) -> Option<&CompanyId> {
        self.company_id.as_ref()
    }

    /// Its name (empty until created).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its lines (empty until created).
    pub fn lines(&self) -> &[TemplateLine] {
        &self.lines
    }

    /// Who created it.
    pub fn created_by(&self) -> &str {
        &self.created_by
    }

    /// The order it was saved from, if any.
    pub fn from_order_id(&self) -> Option<&str> {
        self.from_order_id.as_deref()
    }

    /// Whether it was deleted.
    pub fn is_deleted(&self) -> bool {
        self.deleted
    }

    /// The schedule, if one is set.
    pub fn schedule(&self) -> Option<&Schedule> {
        self.schedule.as_ref()
    }

    /// The number of the next occurrence to record (0 before the first).
    pub fn next_occurrence(&self) -> u32 {
        self.occurrences
            .keys()
            .next_back()
            .map_or(0, |last| last.saturating_add(1))
    }

    /// The order placed for an occurrence, once recorded.
    pub fn order_for_occurrence(&self, occurrence: u32) -> Option<&str> {
        self.occurrences.get(&occurrence).map(String::as_str)
    }

    /// The next occurrence and its date, when that date is on or before `today`; `None` when
    /// nothing is due, the template has no schedule, or it was deleted. Occurrence numbers keep
    /// counting across schedules: the first occurrence of a schedule set after `k` occurrences
    /// is `k`, on the schedule's `starts_on`.
    pub fn due_occurrence(&self, today: NaiveDate) -> Option<(u32, NaiveDate)> {
        if self.deleted {
            return None;
        }
        let schedule = self.schedule.as_ref()?;
        let next = self.next_occurrence();
        let date = schedule.date_of(next.checked_sub(self.schedule_base)?)?;
        (date <= today).then_some((next, date))
    }
}

impl Aggregate for OrderTemplate {
    const TYPE: &'static str = "order_template";
    type Command = TemplateCommand;
    type Event = TemplateEvent;
    type Error = TemplateError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        if let Some(event) = decide(self, command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            TemplateEvent::TemplateCreated {
                template_id,
                company_id,
                name,
                lines,
                created_by,
                from_order_id,
            } => {
                self.template_id = Some(template_id);
                self.company_id = Some(company_id);
                self.name = name;
                self.lines = lines;
                self.created_by = created_by;
                self.from_order_id = from_order_id;
            }
            TemplateEvent::TemplateRenamed { name, .. } => self.name = name,
            TemplateEvent::TemplateLinesReplaced { lines, .. } => self.lines = lines,
            TemplateEvent::TemplateDeleted { .. } => self.deleted = true,
            TemplateEvent::ScheduleSet { schedule, .. } => {
                self.schedule_base = self.next_occurrence();
                self.schedule = Some(schedule);
            }
            TemplateEvent::ScheduleCleared { .. } => self.schedule = None,
            TemplateEvent::OccurrencePlaced {
                occurrence,
                order_id,
            } => {
                self.occurrences.insert(occurrence, order_id);
            }
        }
    }
}
