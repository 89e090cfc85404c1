//! Placing an order: the acting user may order for the company, every line is priced by the same
//! engine as quotes, the company's approval rules and credit limit decide whether an approver
//! must look at it, and the priced document is fixed in the `OrderPlaced` event.

use chrono::{NaiveDate, Utc};
use cqrs_es::AggregateError;
use rust_decimal::Decimal;
use thiserror::Error;

use domain::company::Company;
use domain::order::{Order, OrderCommand, OrderError, OrderLine, OrderSource, PlaceOrder};
use domain::pricing::{LineFailure, RequestedLine};
use domain::values::{ChannelCode, CompanyId, CurrencyCode, Money, UserId};

use super::access::{active_user, require, AccessError};
use crate::aggregate_store::Committed;
use crate::aggregates::Aggregates;
use crate::metadata::CommandMetadata;
use crate::quotes::{quote, QuoteError, QuoteRequest};
use crate::read_side::ReadSide;

/// An order as the buyer asks for it.
#[derive(Clone, Debug)]
pub struct PlaceRequest {
    /// The buying company.
    pub company: CompanyId,
    /// The sales channel.
    pub channel: ChannelCode,
    /// The currency.
    pub currency: CurrencyCode,
    /// SKU and quantity per line, in order.
    pub lines: Vec<RequestedLine>,
    /// One of the company's delivery addresses.
    pub delivery_address_id: String,
    /// The buyer's own reference (PO number).
    pub customer_reference: Option<String>,
    /// A note.
    pub note: String,
    /// Requested delivery date.
    pub requested_delivery_date: Option<NaiveDate>,
    /// Where the order came from.
    pub source: OrderSource,
}

/// Why an order was not placed.
#[derive(Debug, Error)]
pub enum PlaceError {
    /// The acting user may not order for this company.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The delivery address is not one of the company's.
    #[error("unknown delivery address {0}")]
    UnknownAddress(String),
    /// Some lines cannot be priced.
    #[error("{} line(s) cannot be priced", .0.len())]
    Unpriced(Vec<(usize, LineFailure)>),
    /// The quote could not be made.
    #[error(transparent)]
    Quote(#[from] QuoteError),
    /// The order aggregate refused, or the store failed.
    #[error("{0}")]
    Command(AggregateError<OrderError>),
    /// Loading the company failed.
    #[error("{0}")]
    Store(String),
}

/// Places an order with the given id for `buyer` (who must be an active user of the company
/// with a role that may order).
pub async fn place(
    aggregates: &Aggregates,
    read_side: &dyn ReadSide,
    order_id: &str,
    buyer: &UserId,
    request: PlaceRequest,
    metadata: &CommandMetadata,
) -> Result<Committed<Order>, PlaceError> {
    let (company, _) = aggregates
        .companies
        .load(request.company.as_str())
        .await
        .map_err(|e| PlaceError::Store(e.to_string()))?;
    let user = active_user(&company, &request.company, buyer)?;
    require(user, user.role.may_order(), "place orders")?;
    let master = company
        .master()
        .ok_or_else(|| AccessError::UnknownCompany(request.company.clone()))?;
    let address = master
        .address(&request.delivery_address_id)
        .cloned()
        .ok_or_else(|| PlaceError::UnknownAddress(request.delivery_address_id.clone()))?;

    let document = quote(
        read_side,
        &QuoteRequest {
            company: request.company.clone(),
            channel: request.channel.clone(),
            currency: request.currency.clone(),
            as_of: None,
            lines: request.lines.clone(),
        },
        Utc::now(),
    )
    .await?;
    let failures: Vec<(usize, LineFailure)> = document
        .lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| match line {
            domain::pricing::LineResult::Failed(f) => Some((i, f.clone())),
            domain::pricing::LineResult::Priced(_) => None,
        })
        .collect();
    if !failures.is_empty() {
        return Err(PlaceError::Unpriced(failures));
    }

    let approval_reasons = approval_reasons(
        &company,
        read_side,
        buyer,
        &request,
        document.total_net,
        document.total_gross,
    )
    .await?;
    let command = OrderCommand::Place(PlaceOrder {
        order_id: order_id.to_string(),
        company_id: request.company.clone(),
        channel: request.channel,
        currency: request.currency,
        buyer: buyer.clone(),
        lines: request
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| OrderLine {
                line_no: u32::try_from(i + 1).unwrap_or(u32::MAX),
                sku: line.sku.clone(),
                quantity: line.quantity,
            })
            .collect(),
        pricing: document,
        delivery_address: address,
        customer_reference: request.customer_reference,
        note: request.note,
        requested_delivery_date: request.requested_delivery_date,
        approval_reasons,
        allow_partial_delivery: master.allow_partial_delivery,
        allow_backorders: master.allow_backorders,
        source: request.source,
    });
    aggregates
        .orders
        .execute(order_id, command, metadata)
        .await
        .map_err(PlaceError::Command)
}

/// The company's approval rules, plus the credit limit: open orders and this one (gross) above
/// the limit send the order to an approver.
async fn approval_reasons(
    company: &Company,
    read_side: &dyn ReadSide,
    buyer: &UserId,
    request: &PlaceRequest,
    total_net: Decimal,
    total_gross: Decimal,
) -> Result<Vec<String>, PlaceError> {
    let net = Money::parse(total_net).map_err(|e| PlaceError::Store(e.to_string()))?;
    let mut reasons = company.approval_reasons(buyer, &net, &request.currency);
    // The limit is in the company's currency; orders in another currency are not converted.
    let limit = company
        .master()
        .filter(|m| m.currency == request.currency)
        .and_then(|m| m.credit_limit);
    if let Some(limit) = limit {
        let open = read_side
            .open_orders_total(&request.company, &request.currency)
            .await
            .map_err(|e| PlaceError::Store(format!("{e:#}")))?;
        if open + total_gross > limit.value() {
            reasons.push(format!(
                "credit limit {:.2} {} exceeded: open orders {:.2} + this order {:.2}",
                limit.value(),
                request.currency,
                open,
                total_gross
            ));
        }
    }
    Ok(reasons)
}
