//! The invoice aggregate: state, command handling and the payment queries.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{InvoiceCommand, InvoiceData, InvoiceError, InvoiceEvent};
use crate::values::Money;

/// A payment made against an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The ERP's id for the payment.
    pub payment_id: String,
    /// How much was paid.
    pub amount: Money,
    /// When.
    pub paid_on: NaiveDate,
}

/// The invoice aggregate (aggregate id = invoice number). Empty until the ERP records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    data: Option<InvoiceData>,
    payments: BTreeMap<String, Payment>,
    paid: Decimal,
}

impl Invoice {
    /// The invoice as the ERP issued it, once recorded.
    pub fn data(&self) -> Option<&InvoiceData> {
        self.data.as_ref()
    }

    /// The payments, by payment id.
    pub fn payments(&self) -> &BTreeMap<String, Payment> {
        &self.payments
    }

    /// The sum of the payments.
    pub fn paid(&self) -> Decimal {
        self.paid
    }

    /// The gross total less the payments; zero before the invoice is recorded.
    pub fn outstanding(&self) -> Decimal {
        self.data.as_ref().map_or(Decimal::ZERO, |data| {
            (data.total_gross - self.paid).normalize()
        })
    }

    /// Whether the invoice is recorded and paid in full.
    pub fn is_paid(&self) -> bool {
        self.data.is_some() && self.outstanding() <= Decimal::ZERO
    }

    /// Decides the event a command produces, or none for a repeat; never changes state.
    fn decide(&self, command: InvoiceCommand) -> Result<Option<InvoiceEvent>, InvoiceError> {
        match command {
            InvoiceCommand::RecordInvoice(data) => {
                data.check()?;
                match &self.data {
                    None => Ok(Some(InvoiceEvent::InvoiceRecorded(data))),
                    Some(current) if current.number != data.number => {
                        Err(InvoiceError::WrongInvoice {
                            registered: current.number.clone(),
                            given: data.number,
                        })
                    }
                    Some(current) if *current == data => Ok(None),
                    Some(_) => Err(InvoiceError::InvoiceConflict {
                        number: data.number,
                    }),
                }
            }
            InvoiceCommand::RecordPayment {
                payment_id,
                amount,
                paid_on,
            } => {
                if self.data.is_none() {
                    return Err(InvoiceError::UnknownInvoice);
                }
                let payment = Payment {
                    payment_id,
                    amount,
                    paid_on,
                };
                if let Some(recorded) = self.payments.get(&payment.payment_id) {
                    if *recorded == payment {
                        return Ok(None);
                    }
                    return Err(InvoiceError::PaymentConflict {
                        payment_id: payment.payment_id,
                    });
                }
                let outstanding = self.outstanding();
                if amount.value() > outstanding {
                    return Err(InvoiceError::Overpayment {
                        amount: amount.value(),
                        outstanding,
                    });
                }
                Ok(Some(InvoiceEvent::PaymentRecorded {
                    payment_id: payment.payment_id,
                    amount,
                    paid_on,
                }))
            }
        }
    }
}

impl Aggregate for Invoice {
    const TYPE: &'static str = "invoice";
    type Command = InvoiceCommand;
    type Event = InvoiceEvent;
    type Error = InvoiceError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        if let Some(event) = self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            InvoiceEvent::InvoiceRecorded(data) => self.data = Some(data),
            InvoiceEvent::PaymentRecorded {
                payment_id,
                amount,
                paid_on,
            } => {
                self.paid = (self.paid + amount.value()).normalize();
                let payment = Payment {
                    payment_id: payment_id.clone(),
                    amount,
                    paid_on,
                };
                self.payments.insert(payment_id, payment);
            }
        }
    }
}
