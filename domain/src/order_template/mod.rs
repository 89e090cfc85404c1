//! The order-template aggregate: a company's saved cart (named lines to order again), made from
//! scratch or from a past order, with an optional schedule for recurring purchases. Its
//! aggregate id is the template id.
//!
//! The template only knows when its next occurrence is due ([`OrderTemplate::due_occurrence`]);
//! the app's scheduler asks it with today's date, places the order and records the occurrence.

mod aggregate;
mod commands;
mod error;
mod events;
mod rules;
mod schedule;

#[cfg(test)]
mod tests;

pub use aggregate::OrderTemplate;
pub use commands::{TemplateCommand, TemplateLine};
pub use error::TemplateError;
pub use events::TemplateEvent;
pub use rules::{MAX_TEMPLATE_LINES, NAME_MAX};
pub use schedule::{IntervalUnit, Schedule, MAX_INTERVAL};
