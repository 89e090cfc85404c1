//! `Account`: a small aggregate for store conformance tests, with a multi-event command and an
//! event whose payload shape changed between versions (for upcasting).

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::{EventUpcaster, SerializedEvent};
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

pub const TYPE: &str = "test_account";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub opened: bool,
    pub balance: i64,
    pub deposits: u32,
    pub currency: String,
}

#[derive(Debug)]
pub enum AccountCommand {
    Open,
    Deposit(i64),
    /// Two deposits in one commit.
    DepositTwice(i64),
    Fail,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AccountEvent {
    Opened,
    /// Version 2 added `currency`; version 1 events are upcast with "CZK".
    Deposited {
        amount: i64,
        currency: String,
    },
}

impl DomainEvent for AccountEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Opened => "Opened".into(),
            Self::Deposited { .. } => "Deposited".into(),
        }
    }
    fn event_version(&self) -> String {
        match self {
            Self::Opened => "1".into(),
            Self::Deposited { .. } => "2".into(),
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct AccountError(pub String);

impl std::fmt::Display for AccountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AccountError {}

impl Aggregate for Account {
    const TYPE: &'static str = TYPE;
    type Command = AccountCommand;
    type Event = AccountEvent;
    type Error = AccountError;
    type Services = ();

    async fn handle(
        &mut self,
        command: AccountCommand,
        _: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), AccountError> {
        match command {
            AccountCommand::Open if self.opened => return Err(AccountError("already open".into())),
            AccountCommand::Open => sink.write(AccountEvent::Opened, self).await,
            AccountCommand::Deposit(amount) => {
                sink.write(deposit(amount), self).await;
            }
            AccountCommand::DepositTwice(amount) => {
                sink.write(deposit(amount), self).await;
                sink.write(deposit(amount), self).await;
            }
            AccountCommand::Fail => return Err(AccountError("refused".into())),
        }
        Ok(())
    }

    fn apply(&mut self, event: AccountEvent) {
        match event {
            AccountEvent::Opened => self.opened = true,
            AccountEvent::Deposited { amount, currency } => {
                self.balance += amount;
                self.deposits += 1;
                self.currency = currency;
            }
        }
    }
}

fn deposit(amount: i64) -> AccountEvent {
    AccountEvent::Deposited {
        amount,
        currency: "EUR".into(),
    }
}

/// Upcasts `Deposited` version 1 (`{"amount": n}`) to version 2 by adding `"currency": "CZK"`.
pub struct DepositedV1ToV2;

impl EventUpcaster for DepositedV1ToV2 {
    fn can_upcast(&self, event_type: &str, event_version: &str) -> bool {
        event_type == "Deposited" && event_version == "1"
    }

    fn upcast(&self, mut event: SerializedEvent) -> SerializedEvent {
        if let Some(body) = event
            .payload
            .get_mut("Deposited")
            .and_then(|b| b.as_object_mut())
        {
            body.insert("currency".into(), serde_json::json!("CZK"));
        }
        event.event_version = "2".into();
        event
    }
}
