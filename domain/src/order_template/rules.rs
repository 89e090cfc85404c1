//! The order-template rules: what each command produces, decided before anything changes.

use std::collections::BTreeSet;

use super::{OrderTemplate, TemplateCommand, TemplateError, TemplateEvent, TemplateLine};

/// The longest template name.
pub const NAME_MAX: usize = 100;
/// The most lines one template may have.
pub const MAX_TEMPLATE_LINES: usize = 1000;

/// Decides the event a command produces for `template`, or none when it changes nothing;
/// never changes state itself.
pub(super) fn decide(
    template: &OrderTemplate,
    command: TemplateCommand,
) -> Result<Option<TemplateEvent>, TemplateError> {
    let Some(template_id) = template.template_id() else {
        return match command {
            TemplateCommand::Create {
                template_id,
                company_id,
                name,
                lines,
                created_by,
                from_order_id,
            } => {
                if template_id.trim().is_empty() {
                    return Err(TemplateError::EmptyTemplateId);
                }
                check_name(&name)?;
                check_lines(&lines)?;
                Ok(Some(TemplateEvent::TemplateCreated {
                    template_id,
                    company_id,
                    name,
                    lines,
                    created_by,
                    from_order_id,
                }))
            }
            _ => Err(TemplateError::UnknownTemplate),
        };
    };
    if template.is_deleted() {
        return match command {
            TemplateCommand::Delete { .. } => Ok(None),
            _ => Err(TemplateError::TemplateDeleted),
        };
    }
    let event = match command {
        TemplateCommand::Create { .. } => {
            return Err(TemplateError::TemplateExists {
                template_id: template_id.to_owned(),
            })
        }
        TemplateCommand::Rename { name, by } => {
            check_name(&name)?;
            (name != template.name()).then_some(TemplateEvent::TemplateRenamed { name, by })
        }
        TemplateCommand::ReplaceLines { lines, by } => {
            check_lines(&lines)?;
            (lines != template.lines())
                .then_some(TemplateEvent::TemplateLinesReplaced { lines, by })
        }
        TemplateCommand::Delete { by } => Some(TemplateEvent::TemplateDeleted { by }),
        TemplateCommand::SetSchedule { schedule, by } => {
            schedule.check()?;
            (template.schedule() != Some(&schedule))
                .then_some(TemplateEvent::ScheduleSet { schedule, by })
        }
        TemplateCommand::ClearSchedule { by } => template
            .schedule()
            .is_some()
            .then_some(TemplateEvent::ScheduleCleared { by }),
        TemplateCommand::RecordOccurrence {
            occurrence,
            order_id,
        } => return record_occurrence(template, occurrence, order_id),
    };
    Ok(event)
}

fn record_occurrence(
    template: &OrderTemplate,
    occurrence: u32,
    order_id: String,
) -> Result<Option<TemplateEvent>, TemplateError> {
    // The scheduler may repeat itself after a restart: the same occurrence with the same order
    // is already recorded, with another order it would be a second order for one occurrence.
    if let Some(recorded) = template.order_for_occurrence(occurrence) {
        if recorded == order_id {
            return Ok(None);
        }
        return Err(TemplateError::OccurrenceConflict {
            occurrence,
            order_id: recorded.to_owned(),
        });
    }
    if template.schedule().is_none() {
        return Err(TemplateError::NoSchedule);
    }
    let expected = template.next_occurrence();
    if occurrence != expected {
        return Err(TemplateError::OccurrenceOutOfOrder {
            expected,
            given: occurrence,
        });
    }
    Ok(Some(TemplateEvent::OccurrencePlaced {
        occurrence,
        order_id,
    }))
}

fn check_name(name: &str) -> Result<(), TemplateError> {
    if name.trim().is_empty() || name.chars().count() > NAME_MAX {
        return Err(TemplateError::InvalidName { max: NAME_MAX });
    }
    Ok(())
}

fn check_lines(lines: &[TemplateLine]) -> Result<(), TemplateError> {
    if lines.is_empty() {
        return Err(TemplateError::NoLines);
    }
    if lines.len() > MAX_TEMPLATE_LINES {
        return Err(TemplateError::TooManyLines {
            max: MAX_TEMPLATE_LINES,
        });
    }
    let mut seen = BTreeSet::new();
    if let Some(line) = lines.iter().find(|line| !seen.insert(&line.sku)) {
        return Err(TemplateError::DuplicateSku {
            sku: line.sku.clone(),
        });
    }
    Ok(())
}
