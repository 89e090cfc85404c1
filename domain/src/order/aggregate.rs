//! The order aggregate: state, the queries the app and process managers ask of it, and how
//! events change it.

use std::collections::{BTreeMap, BTreeSet};

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::rules::decide;
use super::{
    Allocation, OrderCommand, OrderError, OrderEvent, OrderLine, OrderStatus, PlaceOrder,
    ReservationOutcome,
};
use crate::pricing::PricedDocument;
use crate::values::{CompanyId, Sku, UserId};

/// A cancellation the ERP has been asked to agree to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCancellation {
    /// Who asked.
    pub by: String,
    /// Why.
    pub reason: String,
}

/// The order aggregate (aggregate id = order id). Empty until placed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    placed: Option<PlaceOrder>,
    status: Option<OrderStatus>,
    reservation: Option<ReservationOutcome>,
    pending_cancellation: Option<PendingCancellation>,
    /// Whether the last cancellation asked of the ERP was refused, so that a repeated refusal
    /// is recognised as one.
    cancellation_refused: bool,
    last_attempt: u32,
    erp_order_no: Option<String>,
    shipped: BTreeMap<Sku, Decimal>,
    shipments: BTreeSet<String>,
    deliveries: BTreeSet<Option<String>>,
    invoices: Vec<String>,
}

impl Order {
    /// The order as placed (the `OrderPlaced` data), once placed.
    pub fn placed(&self) -> Option<&PlaceOrder> {
        self.placed.as_ref()
    }

    /// The status, once placed.
    pub fn status(&self) -> Option<OrderStatus> {
        self.status
    }

    /// The buying company, once placed.
    pub fn company_id(&self) -> Option<&CompanyId> {
        self.placed.as_ref().map(|placed| &placed.company_id)
    }

    /// The user who placed the order, once placed.
    pub fn buyer(&self) -> Option<&UserId> {
        self.placed.as_ref().map(|placed| &placed.buyer)
    }

    /// The order lines; empty until placed.
    pub fn lines(&self) -> &[OrderLine] {
        self.placed.as_ref().map_or(&[], |placed| &placed.lines)
    }

    /// The prices, VAT and totals fixed at placement.
    pub fn pricing(&self) -> Option<&PricedDocument> {
        self.placed.as_ref().map(|placed| &placed.pricing)
    }

    /// The reservation outcome as the process manager recorded it.
    pub fn reservation(&self) -> Option<&ReservationOutcome> {
        self.reservation.as_ref()
    }

    /// The stock allocations as recorded; whether they must still be held is
    /// [`holds_stock`](Self::holds_stock).
    pub fn allocations(&self) -> &[Allocation] {
        self.reservation
            .as_ref()
            .map_or(&[], ReservationOutcome::allocations)
    }

    /// The total ordered of a SKU over all lines.
    pub fn ordered_quantity(&self, sku: &Sku) -> Decimal {
        self.lines()
            .iter()
            .filter(|line| &line.sku == sku)
            .map(|line| line.quantity.value())
            .sum::<Decimal>()
            .normalize()
    }

    /// The total shipped of a SKU so far.
    pub fn shipped_quantity(&self, sku: &Sku) -> Decimal {
        self.shipped.get(sku).copied().unwrap_or_default()
    }

    /// Whether every SKU's shipped total equals its ordered total.
    pub fn is_fully_shipped(&self) -> bool {
        !self.lines().is_empty()
            && self
                .lines()
                .iter()
                .all(|line| self.shipped_quantity(&line.sku) == self.ordered_quantity(&line.sku))
    }

    /// The ids of the shipments recorded so far.
    pub fn shipments(&self) -> &BTreeSet<String> {
        &self.shipments
    }

    /// The numbers of the invoices recorded so far, in the order they arrived.
    pub fn invoices(&self) -> &[String] {
        &self.invoices
    }

    /// The ERP's number for the order, once accepted.
    pub fn erp_order_no(&self) -> Option<&str> {
        self.erp_order_no.as_deref()
    }

    /// The last delivery attempt the dispatcher recorded (0 before the first).
    pub fn last_attempt(&self) -> u32 {
        self.last_attempt
    }

    /// Whether a cancellation is waiting for the ERP's answer.
    pub fn cancellation_pending(&self) -> bool {
        self.pending_cancellation.is_some()
    }

    /// The cancellation waiting for the ERP's answer, if any.
    pub fn pending_cancellation(&self) -> Option<&PendingCancellation> {
        self.pending_cancellation.as_ref()
    }

    /// Whether the order can still change: placed, and not rejected, refused by the ERP,
    /// cancelled or completed.
    pub fn is_open(&self) -> bool {
        self.status.is_some_and(|status| !status.is_final())
    }

    /// Whether the order's stock reservation must still be held (see
    /// [`OrderStatus::holds_stock`]).
    pub fn holds_stock(&self) -> bool {
        self.status.is_some_and(|status| status.holds_stock())
    }

    /// The placed order and its status, or `UnknownOrder`.
    pub(super) fn current(&self) -> Result<(&PlaceOrder, OrderStatus), OrderError> {
        match (&self.placed, self.status) {
            (Some(placed), Some(status)) => Ok((placed, status)),
            _ => Err(OrderError::UnknownOrder),
        }
    }

    /// Whether the ERP asked us to refuse the last cancellation already.
    pub(super) fn cancellation_refused(&self) -> bool {
        self.cancellation_refused
    }

    /// Whether a delivery was recorded for this shipment (or for the order, with `None`).
    pub(super) fn has_delivery(&self, shipment_id: &Option<String>) -> bool {
        self.deliveries.contains(shipment_id)
    }

    fn set_status(&mut self, status: OrderStatus) {
        self.status = Some(status);
    }
}

impl Aggregate for Order {
    const TYPE: &'static str = "order";
    type Command = OrderCommand;
    type Event = OrderEvent;
    type Error = OrderError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in decide(self, command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            OrderEvent::OrderPlaced(placed) => {
                self.placed = Some(placed);
                self.set_status(OrderStatus::Placed);
            }
            OrderEvent::StockReserved { allocations, .. } => {
                self.reservation = Some(ReservationOutcome::Reserved { allocations });
                self.set_status(OrderStatus::Reserved);
            }
            OrderEvent::StockBackordered {
                allocations, short, ..
            } => {
                self.reservation = Some(ReservationOutcome::Backordered { allocations, short });
                self.set_status(OrderStatus::Backordered);
            }
            OrderEvent::RejectedForStock { reason, .. } => {
                self.reservation = Some(ReservationOutcome::Rejected { reason });
                self.set_status(OrderStatus::Rejected);
            }
            OrderEvent::ApprovalRequested { .. } => self.set_status(OrderStatus::PendingApproval),
            // Approval itself changes nothing: `ReadyForErp` follows in the same command.
            OrderEvent::Approved { .. } => {}
            OrderEvent::Rejected { .. } => self.set_status(OrderStatus::Rejected),
            OrderEvent::ReadyForErp => self.set_status(OrderStatus::ReadyForErp),
            OrderEvent::Cancelled { .. } => {
                self.pending_cancellation = None;
                self.set_status(OrderStatus::Cancelled);
            }
            OrderEvent::CancellationRequested { by, reason } => {
                self.pending_cancellation = Some(PendingCancellation { by, reason });
                self.cancellation_refused = false;
            }
            OrderEvent::CancellationRefused { .. } => {
                self.pending_cancellation = None;
                self.cancellation_refused = true;
            }
            OrderEvent::SentToErp { attempt } => {
                self.last_attempt = attempt;
                self.set_status(OrderStatus::SentToErp);
            }
            OrderEvent::AcceptedByErp { erp_order_no } => {
                self.erp_order_no = Some(erp_order_no);
                self.set_status(OrderStatus::AcceptedByErp);
            }
            OrderEvent::ErpOrderNumberRecorded { erp_order_no } => {
                self.erp_order_no = Some(erp_order_no);
            }
            // The delivery waits for ops; the order and its pending cancellation stay as they
            // are, so that a retried delivery finds them unchanged.
            OrderEvent::ErpDeliveryDeadLettered { .. } => {}
            OrderEvent::RejectedByErp { .. } => {
                self.pending_cancellation = None;
                self.set_status(OrderStatus::RejectedByErp);
            }
            OrderEvent::ShipmentRecorded { shipment_id, lines } => {
                for line in lines {
                    let total = self.shipped.entry(line.sku).or_default();
                    *total = (*total + line.quantity.value()).normalize();
                }
                self.shipments.insert(shipment_id);
                // An invoiced order stays invoiced until `OrderCompleted` follows.
                if self.status != Some(OrderStatus::Invoiced) {
                    let status = if self.is_fully_shipped() {
                        OrderStatus::Shipped
                    } else {
                        OrderStatus::PartiallyShipped
                    };
                    self.set_status(status);
                }
            }
            OrderEvent::DeliveryConfirmed { shipment_id } => {
                self.deliveries.insert(shipment_id);
            }
            OrderEvent::InvoiceRecorded { invoice_number } => {
                self.invoices.push(invoice_number);
                if matches!(
                    self.status,
                    Some(
                        OrderStatus::AcceptedByErp
                            | OrderStatus::PartiallyShipped
                            | OrderStatus::Shipped
                    )
                ) {
                    self.set_status(OrderStatus::Invoiced);
                }
            }
            OrderEvent::OrderCompleted => self.set_status(OrderStatus::Completed),
        }
    }
}
