//! What the ERP tells ordercore about its orders: accepted, shipped (partial shipments add up),
//! delivered, cancelled, and invoices with payments. A message older than the state it describes
//! changes nothing; a message that arrives before the state it builds on is "not yet".

use cqrs_es::AggregateError;
use thiserror::Error;

use domain::invoice::{InvoiceCommand, InvoiceData, InvoiceError, InvoiceKind};
use domain::order::{Order, OrderCommand, OrderError, OrderStatus, ShippedLine};
use domain::values::Money;

use crate::aggregate_store::Committed;
use crate::aggregates::Aggregates;
use crate::metadata::CommandMetadata;

/// A status message about one order.
#[derive(Clone, Debug)]
pub enum StatusMessage {
    /// The ERP took the order, under its number.
    Accepted {
        /// The ERP's number.
        erp_order_no: String,
    },
    /// Goods left a warehouse.
    Shipped {
        /// The ERP's shipment id.
        shipment_id: String,
        /// What was shipped from where.
        lines: Vec<ShippedLine>,
    },
    /// The customer received a shipment.
    Delivered {
        /// The shipment, when named.
        shipment_id: Option<String>,
    },
    /// The ERP cancelled the order (on our request or its own).
    Cancelled {
        /// Why.
        reason: String,
    },
    /// The ERP refused a cancellation we asked for.
    CancelRefused {
        /// Why.
        reason: String,
    },
}

/// Why a message was not applied.
#[derive(Debug, Error)]
pub enum FeedbackError {
    /// No such order.
    #[error("unknown order {0}")]
    UnknownOrder(String),
    /// The order has not reached the state the message builds on; send it again later.
    #[error("order {order} is {status}: the message cannot be applied yet")]
    NotYet {
        /// The order.
        order: String,
        /// Its status now.
        status: String,
    },
    /// The order refused the message for good.
    #[error(transparent)]
    Order(OrderError),
    /// The invoice refused.
    #[error(transparent)]
    Invoice(InvoiceError),
    /// An invoice's order belongs to another company.
    #[error("order {order} is not an order of company {company}")]
    ForeignOrder {
        /// The order.
        order: String,
        /// The invoice's company.
        company: String,
    },
    /// The store failed.
    #[error("{0}")]
    Store(String),
}

/// States before the ERP has the order: messages about its life in the ERP are "not yet".
fn before_erp(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Placed
            | OrderStatus::Reserved
            | OrderStatus::Backordered
            | OrderStatus::PendingApproval
            | OrderStatus::ReadyForErp
    )
}

async fn load(aggregates: &Aggregates, order_id: &str) -> Result<Order, FeedbackError> {
    let (order, _) = aggregates
        .orders
        .load(order_id)
        .await
        .map_err(|e| FeedbackError::Store(e.to_string()))?;
    if order.placed().is_none() {
        return Err(FeedbackError::UnknownOrder(order_id.to_string()));
    }
    Ok(order)
}

fn refused(order_id: &str, order: &Order, error: AggregateError<OrderError>) -> FeedbackError {
    match error {
        AggregateError::UserError(OrderError::InvalidTransition { .. })
            if order.status().is_some_and(before_erp) =>
        {
            FeedbackError::NotYet {
                order: order_id.to_string(),
                status: order
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            }
        }
        // "Delivered" for a shipment whose "shipped" message is still on its way.
        AggregateError::UserError(OrderError::UnknownShipment { .. }) => FeedbackError::NotYet {
            order: order_id.to_string(),
            status: "waiting for the shipment".to_string(),
        },
        AggregateError::UserError(e) => FeedbackError::Order(e),
        other => FeedbackError::Store(other.to_string()),
    }
}

/// Applies a status message.
pub async fn apply_status(
    aggregates: &Aggregates,
    order_id: &str,
    message: StatusMessage,
    metadata: &CommandMetadata,
) -> Result<Committed<Order>, FeedbackError> {
    let order = load(aggregates, order_id).await?;
    let metadata = &in_flow(aggregates, order_id, metadata).await;
    let status = order.status().unwrap_or(OrderStatus::Placed);
    let command = match message {
        StatusMessage::Accepted { erp_order_no } => {
            OrderCommand::RecordErpAcceptance { erp_order_no }
        }
        StatusMessage::Shipped { shipment_id, lines } => {
            if before_erp(status) && status != OrderStatus::ReadyForErp {
                return Err(FeedbackError::NotYet {
                    order: order_id.into(),
                    status: status.as_str().into(),
                });
            }
            OrderCommand::RecordShipment { shipment_id, lines }
        }
        StatusMessage::Delivered { shipment_id } => OrderCommand::RecordDelivery { shipment_id },
        StatusMessage::Cancelled { reason } => {
            // Our own request confirmed (or confirmed again), or the ERP cancelling on its own.
            if status == OrderStatus::Cancelled || order.cancellation_pending() {
                OrderCommand::ConfirmCancellation
            } else {
                OrderCommand::RecordErpCancellation { reason }
            }
        }
        StatusMessage::CancelRefused { reason } => OrderCommand::RefuseCancellation { reason },
    };
    aggregates
        .orders
        .execute(order_id, command, metadata)
        .await
        .map_err(|e| refused(order_id, &order, e))
}

/// The message's metadata, joined to the order's business flow (its correlation id).
async fn in_flow(
    aggregates: &Aggregates,
    order_id: &str,
    metadata: &CommandMetadata,
) -> CommandMetadata {
    let mut joined = metadata.clone();
    if let Some(correlation) = aggregates.order_correlation(order_id).await {
        joined.correlation_id = correlation;
    }
    joined
}

/// A payment on an invoice.
#[derive(Clone, Debug)]
pub struct PaymentMessage {
    /// The ERP's payment id.
    pub payment_id: String,
    /// Amount.
    pub amount: Money,
    /// When.
    pub paid_on: chrono::NaiveDate,
}

/// Records an invoice (or credit note) and its payments, and moves its orders to `invoiced`
/// (and `completed` when fully shipped). Checks every order first, so nothing is written when
/// one is not ready for it.
pub async fn record_invoice(
    aggregates: &Aggregates,
    data: InvoiceData,
    payments: Vec<PaymentMessage>,
    metadata: &CommandMetadata,
) -> Result<(), FeedbackError> {
    data.check().map_err(FeedbackError::Invoice)?;
    let invoice_orders = data.kind == InvoiceKind::Invoice;
    for order_id in &data.order_ids {
        let order = load(aggregates, order_id).await?;
        if order.company_id() != Some(&data.company_id) {
            return Err(FeedbackError::ForeignOrder {
                order: order_id.clone(),
                company: data.company_id.to_string(),
            });
        }
        let status = order.status().unwrap_or(OrderStatus::Placed);
        if invoice_orders && (before_erp(status) || status == OrderStatus::SentToErp) {
            return Err(FeedbackError::NotYet {
                order: order_id.clone(),
                status: status.as_str().into(),
            });
        }
    }
    let number = data.number.clone();
    let order_ids = data.order_ids.clone();
    aggregates
        .invoices
        .execute(&number, InvoiceCommand::RecordInvoice(data), metadata)
        .await
        .map_err(|e| match e {
            AggregateError::UserError(e) => FeedbackError::Invoice(e),
            other => FeedbackError::Store(other.to_string()),
        })?;
    for payment in payments {
        aggregates
            .invoices
            .execute(
                &number,
                InvoiceCommand::RecordPayment {
                    payment_id: payment.payment_id,
                    amount: payment.amount,
                    paid_on: payment.paid_on,
                },
                metadata,
            )
            .await
            .map_err(|e| match e {
                AggregateError::UserError(e) => FeedbackError::Invoice(e),
                other => FeedbackError::Store(other.to_string()),
            })?;
    }
    if invoice_orders {
        for order_id in &order_ids {
            let order = load(aggregates, order_id).await?;
            let metadata = &in_flow(aggregates, order_id, metadata).await;
            aggregates
                .orders
                .execute(
                    order_id,
                    OrderCommand::RecordInvoice {
                        invoice_number: number.clone(),
                    },
                    metadata,
                )
                .await
                .map_err(|e| refused(order_id, &order, e))?;
        }
    }
    Ok(())
}
