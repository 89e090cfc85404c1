//! The channel aggregate: commands, events, state and rules (small enough for one file).

use std::collections::HashSet;

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::pricing::VatRounding;
use crate::values::{ChannelCode, WarehouseCode};

/// A channel's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSettings {
    /// The channel's code.
    pub code: ChannelCode,
    /// Display name.
    pub name: String,
    /// Warehouses that serve the channel, highest priority first.
    pub warehouses: Vec<WarehouseCode>,
    /// How the channel's documents round VAT.
    #[serde(default)]
    pub vat_rounding: VatRounding,
}

/// Commands of a channel.
#[derive(Debug, Clone, PartialEq)]
pub enum ChannelCommand {
    /// Sets the channel's settings (the whole of them).
    Define(ChannelSettings),
}

/// Events of a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ChannelEvent {
    /// The channel was first defined.
    ChannelDefined(ChannelSettings),
    /// The channel's settings changed.
    ChannelUpdated(ChannelSettings),
}

impl DomainEvent for ChannelEvent {
    fn event_type(&self) -> String {
        match self {
            Self::ChannelDefined(_) => "ChannelDefined".into(),
            Self::ChannelUpdated(_) => "ChannelUpdated".into(),
        }
    }

    fn event_version(&self) -> String {
        "1".into()
    }
}

/// Why a channel command was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChannelError {
    /// No warehouse was named.
    #[error("a channel needs at least one warehouse")]
    NoWarehouse,
    /// A warehouse was named twice.
    #[error("warehouse {0} is listed twice")]
    DuplicateWarehouse(WarehouseCode),
    /// The name was empty or too long.
    #[error("name must be 1 to 100 characters")]
    BadName,
    /// The command names another channel.
    #[error("command for channel {given} sent to channel {registered}")]
    WrongChannel {
        /// This channel's code.
        registered: ChannelCode,
        /// The code in the command.
        given: ChannelCode,
    },
}

impl ChannelError {
    /// A stable kebab-case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoWarehouse | Self::DuplicateWarehouse(_) | Self::BadName => "invalid-channel",
            Self::WrongChannel { .. } => "wrong-channel",
        }
    }
}

/// The channel aggregate; empty until first defined.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    settings: Option<ChannelSettings>,
}

impl Channel {
    /// The settings, once defined.
    pub fn settings(&self) -> Option<&ChannelSettings> {
        self.settings.as_ref()
    }
}

impl Aggregate for Channel {
    const TYPE: &'static str = "channel";
    type Command = ChannelCommand;
    type Event = ChannelEvent;
    type Error = ChannelError;
    type Services = ();

    async fn handle(
        &mut self,
        command: ChannelCommand,
        _services: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), ChannelError> {
        let ChannelCommand::Define(settings) = command;
        let name = settings.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ChannelError::BadName);
        }
        if settings.warehouses.is_empty() {
            return Err(ChannelError::NoWarehouse);
        }
        let mut seen = HashSet::new();
        for warehouse in &settings.warehouses {
            if !seen.insert(warehouse) {
                return Err(ChannelError::DuplicateWarehouse(warehouse.clone()));
            }
        }
        match &self.settings {
            None => {
                sink.write(ChannelEvent::ChannelDefined(settings), self)
                    .await
            }
            Some(current) if current.code != settings.code => {
                return Err(ChannelError::WrongChannel {
                    registered: current.code.clone(),
                    given: settings.code,
                })
            }
            Some(current) if *current == settings => {}
            Some(_) => {
                sink.write(ChannelEvent::ChannelUpdated(settings), self)
                    .await
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: ChannelEvent) {
        match event {
            ChannelEvent::ChannelDefined(settings) | ChannelEvent::ChannelUpdated(settings) => {
                self.settings = Some(settings);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use cqrs_es::test::TestFramework;

    use super::*;

    fn settings(warehouses: &[&str]) -> ChannelSettings {
        ChannelSettings {
            code: ChannelCode::parse("b2b-cz").unwrap(),
            name: "B2B Czech".into(),
            warehouses: warehouses
                .iter()
                .map(|w| WarehouseCode::parse(*w).unwrap())
                .collect(),
            vat_rounding: VatRounding::Document,
        }
    }

    #[test]
    fn defining_a_new_channel_records_its_settings() {
        TestFramework::<Channel>::with(())
            .given_no_previous_events()
            .when(ChannelCommand::Define(settings(&["PRG", "BRQ"])))
            .then_expect_events(vec![ChannelEvent::ChannelDefined(settings(&[
                "PRG", "BRQ",
            ]))]);
    }

    #[test]
    fn redefining_with_the_same_settings_changes_nothing() {
        TestFramework::<Channel>::with(())
            .given(vec![ChannelEvent::ChannelDefined(settings(&["PRG"]))])
            .when(ChannelCommand::Define(settings(&["PRG"])))
            .then_expect_events(vec![]);
    }

    #[test]
    fn a_new_warehouse_order_is_an_update() {
        TestFramework::<Channel>::with(())
            .given(vec![ChannelEvent::ChannelDefined(settings(&[
                "PRG", "BRQ",
            ]))])
            .when(ChannelCommand::Define(settings(&["BRQ", "PRG"])))
            .then_expect_events(vec![ChannelEvent::ChannelUpdated(settings(&[
                "BRQ", "PRG",
            ]))]);
    }

    #[test]
    fn a_channel_needs_distinct_warehouses() {
        TestFramework::<Channel>::with(())
            .given_no_previous_events()
            .when(ChannelCommand::Define(settings(&["PRG", "PRG"])))
            .then_expect_error(ChannelError::DuplicateWarehouse(
                WarehouseCode::parse("PRG").unwrap(),
            ));
        TestFramework::<Channel>::with(())
            .given_no_previous_events()
            .when(ChannelCommand::Define(settings(&[])))
            .then_expect_error(ChannelError::NoWarehouse);
    }
}
