//! The reservation process manager. It follows the log: when an order is placed it allocates
//! each line across the channel's warehouses in priority order (split over several warehouses
//! only where the company allows partial deliveries), reserves the stock and records the outcome
//! on the order; when a line cannot be covered it releases everything reserved for the order and
//! rejects it (or backorders it where the company allows). When an order is rejected, cancelled
//! or refused by the ERP, it releases the order's reservations.
//!
//! Every step is idempotent and it starts from what is already reserved, so a process that dies
//! between steps resumes from the log on restart: no order stays `placed`, no reservation leaks.

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use cqrs_es::{Aggregate, AggregateError};
use rust_decimal::Decimal;

use domain::order::{
    Allocation, Order, OrderCommand, OrderError, OrderStatus, PlaceOrder, ReservationOutcome,
    ShortLine,
};
use domain::stock_item::{StockCommand, StockError, StockItem};
use domain::values::{Quantity, Sku, WarehouseCode};

use crate::aggregates::Aggregates;
use crate::event_log::RecordedEvent;
use crate::failpoints;
use crate::metadata::{Actor, CommandMetadata};
use crate::read_side::ReadSide;
use crate::subscription::Reactor;

/// The reservation process manager.
pub struct Reservations {
    aggregates: Arc<Aggregates>,
    read_side: Arc<dyn ReadSide>,
}

impl Reservations {
    /// The process manager.
    pub fn new(aggregates: Arc<Aggregates>, read_side: Arc<dyn ReadSide>) -> Self {
        Self {
            aggregates,
            read_side,
        }
    }
}

/// Events after which an order's stock is released.
const RELEASING: &[&str] = &["RejectedForStock", "Rejected", "Cancelled", "RejectedByErp"];

#[async_trait]
impl Reactor for Reservations {
    fn name(&self) -> &'static str {
        "order_reservations"
    }

    fn concurrency(&self) -> usize {
        8
    }

    async fn handle(&self, event: &RecordedEvent) -> anyhow::Result<()> {
        if event.aggregate_type != Order::TYPE {
            return Ok(());
        }
        let meta = CommandMetadata::caused_by(Actor::system("reservations"), event);
        if event.event_type == "OrderPlaced" {
            self.reserve(&event.aggregate_id, &meta).await
        } else if event.event_type == "ShipmentRecorded" {
            let shipment: ShipmentBody = event.body_as()?;
            self.fulfil(&event.aggregate_id, &shipment, &meta).await
        } else if RELEASING.contains(&event.event_type.as_str()) {
            self.release_all(&event.aggregate_id, &event.event_type, &meta)
                .await
        } else {
            Ok(())
        }
    }
}

/// The warehouses that may hold stock for an order: the channel's, in priority order.
async fn warehouses_of(
    read_side: &dyn ReadSide,
    placed: &PlaceOrder,
) -> anyhow::Result<Vec<WarehouseCode>> {
    Ok(read_side
        .channel(&placed.channel)
        .await?
        .map(|c| c.warehouses)
        .unwrap_or_default())
}

impl Reservations {
    async fn reserve(&self, order_id: &str, meta: &CommandMetadata) -> anyhow::Result<()> {
        let (order, _) = self.aggregates.orders.load(order_id).await.map_err(err)?;
        let Some(placed) = order.placed().cloned() else {
            return Ok(());
        };
        match order.status() {
            Some(OrderStatus::Placed) => {}
            // Already decided (a rerun after the outcome was recorded), or cancelled meanwhile:
            // make sure nothing is held that should not be.
            _ if order.holds_stock() => return Ok(()),
            _ => return self.release_all(order_id, "not held", meta).await,
        }
        let warehouses = warehouses_of(self.read_side.as_ref(), &placed).await?;
        // Lines touch different stock items (one per SKU × warehouse), so they are reserved side
        // by side: an order costs about one round of commits instead of one per line. Two lines
        // of one SKU meet on the same stock item and retry on its version like any other
        // concurrent writer. The outcomes are then taken in line order, as before.
        let outcomes = futures::future::join_all(placed.lines.iter().map(|line| {
            self.reserve_line(
                order_id,
                &placed,
                line.line_no,
                &line.sku,
                line.quantity,
                &warehouses,
                meta,
            )
        }))
        .await;
        let mut allocations = Vec::new();
        let mut short = Vec::new();
        for (line, outcome) in placed.lines.iter().zip(outcomes) {
            match outcome? {
                LineOutcome::Covered(mut a) => allocations.append(&mut a),
                LineOutcome::Backordered(mut a, missing) => {
                    allocations.append(&mut a);
                    short.push(ShortLine {
                        line_no: line.line_no,
                        sku: line.sku.clone(),
                        missing,
                    });
                }
                LineOutcome::Short(reason) => {
                    // Compensation: give back everything this order holds, then reject it.
                    self.release_all(order_id, "rejected for stock", meta)
                        .await?;
                    failpoints::hit("reservations::before_reject", failpoint_key(&placed))?;
                    return self
                        .record(order_id, ReservationOutcome::Rejected { reason }, meta)
                        .await;
                }
            }
            failpoints::hit("reservations::after_line", failpoint_key(&placed))?;
        }
        let outcome = if short.is_empty() {
            ReservationOutcome::Reserved { allocations }
        } else {
            ReservationOutcome::Backordered { allocations, short }
        };
        self.record(order_id, outcome, meta).await
    }

    async fn record(
        &self,
        order_id: &str,
        outcome: ReservationOutcome,
        meta: &CommandMetadata,
    ) -> anyhow::Result<()> {
        let command = OrderCommand::RecordReservation {
            outcome,
            by: meta.actor.0.clone(),
        };
        match self
            .aggregates
            .orders
            .execute(order_id, command, meta)
            .await
        {
            Ok(_) => Ok(()),
            // Cancelled while we were reserving: the compensation is ours to do.
            Err(AggregateError::UserError(OrderError::InvalidTransition { .. })) => {
                self.release_all(order_id, "cancelled while reserving", meta)
                    .await
            }
            Err(e) => Err(err(e)),
        }
    }

    /// Reserves one line, starting from what is already reserved for it (a rerun).
    #[allow(clippy::too_many_arguments)]
    async fn reserve_line(
        &self,
        order_id: &str,
        placed: &PlaceOrder,
        line_no: u32,
        sku: &Sku,
        quantity: Quantity,
        warehouses: &[WarehouseCode],
        meta: &CommandMetadata,
    ) -> anyhow::Result<LineOutcome> {
        for _attempt in 0..8 {
            let mut held = Vec::new();
            let mut available = Vec::new();
            for warehouse in warehouses {
                let (item, _) = self
                    .aggregates
                    .stock
                    .load(&StockItem::id(sku, warehouse))
                    .await
                    .map_err(err)?;
                if let Some(r) = item.reservation(order_id, line_no) {
                    held.push((warehouse.clone(), r.quantity));
                }
                available.push((warehouse.clone(), item.available().max(Decimal::ZERO)));
            }
            let already: Decimal = held.iter().map(|(_, q)| *q).sum();
            let remaining = quantity.value() - already;
            if remaining <= Decimal::ZERO {
                return Ok(LineOutcome::Covered(allocations(line_no, sku, &held)?));
            }
            let plan = plan(&available, &held, remaining, placed.allow_partial_delivery);
            let (plan, backorder) = match plan {
                Some(plan) => (plan, None),
                None if placed.allow_backorders => {
                    // Reserve what there is, and the rest as a backorder at the first warehouse.
                    let mut plan: Vec<(WarehouseCode, Decimal)> = Vec::new();
                    let mut left = remaining;
                    if placed.allow_partial_delivery {
                        for (w, a) in &available {
                            let take = left.min(*a);
                            if take > Decimal::ZERO {
                                plan.push((w.clone(), take));
                                left -= take;
                            }
                        }
                    }
                    let Some(first) = warehouses.first() else {
                        return Ok(LineOutcome::Short(format!(
                            "channel {} has no warehouse",
                            placed.channel
                        )));
                    };
                    (plan, Some((first.clone(), left)))
                }
                None => {
                    let total: Decimal = available.iter().map(|(_, a)| *a).sum();
                    return Ok(LineOutcome::Short(format!(
                        "insufficient stock for line {line_no} ({sku}): {} requested, {} available",
                        remaining.normalize(),
                        total.normalize()
                    )));
                }
            };
            match self
                .execute_plan(order_id, line_no, sku, &plan, backorder.as_ref(), meta)
                .await?
            {
                true => {
                    let mut reserved = held.clone();
                    reserved.extend(plan.iter().cloned());
                    let missing = backorder.as_ref().map(|(_, q)| *q);
                    if let Some((w, q)) = backorder {
                        reserved.push((w, q));
                    }
                    let allocations = allocations(line_no, sku, &reserved)?;
                    return Ok(match missing {
                        Some(missing) if missing > Decimal::ZERO => LineOutcome::Backordered(
                            allocations,
                            Quantity::parse(missing).context("backorder quantity")?,
                        ),
                        _ => LineOutcome::Covered(allocations),
                    });
                }
                // Someone reserved the same stock first: look again.
                false => continue,
            }
        }
        Ok(LineOutcome::Short(format!(
            "stock for line {line_no} ({sku}) kept changing; try again"
        )))
    }

    /// Reserves a plan; false when a concurrent reservation took the stock first (what was
    /// reserved stays and counts as held on the next attempt).
    async fn execute_plan(
        &self,
        order_id: &str,
        line_no: u32,
        sku: &Sku,
        plan: &[(WarehouseCode, Decimal)],
        backorder: Option<&(WarehouseCode, Decimal)>,
        meta: &CommandMetadata,
    ) -> anyhow::Result<bool> {
        let steps = plan
            .iter()
            .map(|(w, q)| (w, q, false))
            .chain(backorder.iter().map(|(w, q)| (w, q, true)));
        for (warehouse, qty, allow_backorder) in steps {
            if *qty <= Decimal::ZERO {
                continue;
            }
            let quantity = Quantity::parse(*qty).context("allocation quantity")?;
            let result = self
                .aggregates
                .stock
                .execute_with_retry(
                    &StockItem::id(sku, warehouse),
                    || StockCommand::Reserve {
                        sku: sku.clone(),
                        warehouse: warehouse.clone(),
                        order_id: order_id.to_string(),
                        line_no,
                        quantity,
                        allow_backorder,
                    },
                    meta,
                )
                .await;
            match result {
                Ok(_) => {}
                Err(AggregateError::UserError(StockError::InsufficientStock { .. })) => {
                    return Ok(false)
                }
                // A reservation for this line already exists there with another quantity (a
                // rerun that planned differently): release it and plan again.
                Err(AggregateError::UserError(StockError::ReservationMismatch { .. })) => {
                    self.release_item(order_id, sku, warehouse, "re-planned", meta)
                        .await?;
                    return Ok(false);
                }
                Err(e) => return Err(err(e)),
            }
        }
        Ok(true)
    }

    /// Releases everything the order holds in every warehouse of its channel.
    async fn release_all(
        &self,
        order_id: &str,
        reason: &str,
        meta: &CommandMetadata,
    ) -> anyhow::Result<()> {
        let (order, _) = self.aggregates.orders.load(order_id).await.map_err(err)?;
        let Some(placed) = order.placed() else {
            return Ok(());
        };
        if order.holds_stock() {
            return Ok(()); // Only a rejected, cancelled or refused order gives its stock back.
        }
        let mut warehouses = warehouses_of(self.read_side.as_ref(), placed).await?;
        for allocation in order.allocations() {
            if !warehouses.contains(&allocation.warehouse) {
                warehouses.push(allocation.warehouse.clone());
            }
        }
        let mut skus: Vec<&Sku> = placed.lines.iter().map(|l| &l.sku).collect();
        skus.sort();
        skus.dedup();
        for sku in skus {
            for warehouse in &warehouses {
                self.release_item(order_id, sku, warehouse, reason, meta)
                    .await?;
            }
        }
        Ok(())
    }

    async fn release_item(
        &self,
        order_id: &str,
        sku: &Sku,
        warehouse: &WarehouseCode,
        reason: &str,
        meta: &CommandMetadata,
    ) -> anyhow::Result<()> {
        self.aggregates
            .stock
            .execute_with_retry(
                &StockItem::id(sku, warehouse),
                || StockCommand::Release {
                    sku: sku.clone(),
                    warehouse: warehouse.clone(),
                    order_id: order_id.to_string(),
                    reason: reason.to_string(),
                },
                meta,
            )
            .await
            .map_err(err)?;
        Ok(())
    }
}

/// The part of `ShipmentRecorded` the fulfilment needs.
#[derive(serde::Deserialize)]
struct ShipmentBody {
    shipment_id: String,
    lines: Vec<domain::order::ShippedLine>,
}

impl Reservations {
    /// A shipment consumes the order lines' reservations and lowers on hand; once the order is
    /// fully shipped, whatever is still reserved for it (the ERP shipped from elsewhere) is
    /// released.
    async fn fulfil(
        &self,
        order_id: &str,
        shipment: &ShipmentBody,
        meta: &CommandMetadata,
    ) -> anyhow::Result<()> {
        let (order, _) = self.aggregates.orders.load(order_id).await.map_err(err)?;
        let Some(placed) = order.placed() else {
            return Ok(());
        };
        for shipped in &shipment.lines {
            let item_id = StockItem::id(&shipped.sku, &shipped.warehouse);
            let (item, _) = self.aggregates.stock.load(&item_id).await.map_err(err)?;
            // Spread the quantity over the order's lines of that SKU: lines reserved in this
            // warehouse first, in line order.
            let mut lines: Vec<u32> = placed
                .lines
                .iter()
                .filter(|l| l.sku == shipped.sku)
                .map(|l| l.line_no)
                .collect();
            lines.sort_by_key(|l| (item.reservation(order_id, *l).is_none(), *l));
            let mut left = shipped.quantity.value();
            for (i, line_no) in lines.iter().enumerate() {
                if left <= Decimal::ZERO {
                    break;
                }
                let reserved = item
                    .reservation(order_id, *line_no)
                    .map(|r| r.quantity)
                    .unwrap_or_default();
                let take = if i + 1 == lines.len() {
                    left
                } else {
                    left.min(reserved)
                };
                if take <= Decimal::ZERO {
                    continue;
                }
                left -= take;
                let quantity = Quantity::parse(take).context("shipped quantity")?;
                self.aggregates
                    .stock
                    .execute_with_retry(
                        &item_id,
                        || StockCommand::Fulfil {
                            sku: shipped.sku.clone(),
                            warehouse: shipped.warehouse.clone(),
                            order_id: order_id.to_string(),
                            line_no: *line_no,
                            quantity,
                            shipment_id: shipment.shipment_id.clone(),
                        },
                        meta,
                    )
                    .await
                    .map_err(err)?;
            }
        }
        if order.is_fully_shipped() {
            self.release_all(order_id, "fully shipped", meta).await?;
        }
        Ok(())
    }
}

enum LineOutcome {
    Covered(Vec<Allocation>),
    Backordered(Vec<Allocation>, Quantity),
    Short(String),
}

/// Where to take `remaining` from: whole from the first warehouse that has it, or (when the
/// company allows partial deliveries) split in priority order. A warehouse that already holds
/// part of the line (a rerun) is left out: a line has one reservation per warehouse.
fn plan(
    available: &[(WarehouseCode, Decimal)],
    held: &[(WarehouseCode, Decimal)],
    remaining: Decimal,
    allow_split: bool,
) -> Option<Vec<(WarehouseCode, Decimal)>> {
    let candidates: Vec<&(WarehouseCode, Decimal)> = available
        .iter()
        .filter(|(w, _)| !held.iter().any(|(h, _)| h == w))
        .collect();
    if let Some((w, _)) = candidates.iter().find(|(_, a)| *a >= remaining) {
        return Some(vec![(w.clone(), remaining)]);
    }
    if !allow_split {
        return None;
    }
    let mut left = remaining;
    let mut plan = Vec::new();
    for (w, a) in candidates {
        let take = left.min(*a);
        if take > Decimal::ZERO {
            plan.push((w.clone(), take));
            left -= take;
        }
        if left.is_zero() {
            return Some(plan);
        }
    }
    None
}

fn allocations(
    line_no: u32,
    sku: &Sku,
    reserved: &[(WarehouseCode, Decimal)],
) -> anyhow::Result<Vec<Allocation>> {
    // One allocation per warehouse (a warehouse reserved twice for the line is summed).
    let mut merged: Vec<(WarehouseCode, Decimal)> = Vec::new();
    for (w, q) in reserved {
        match merged.iter_mut().find(|(m, _)| m == w) {
            Some((_, total)) => *total += *q,
            None => merged.push((w.clone(), *q)),
        }
    }
    merged
        .into_iter()
        .filter(|(_, q)| *q > Decimal::ZERO)
        .map(|(warehouse, q)| {
            Ok(Allocation {
                line_no,
                sku: sku.clone(),
                warehouse,
                quantity: Quantity::parse(q).context("allocation quantity")?,
            })
        })
        .collect()
}

/// Tests arm failpoints for an order by its customer reference.
fn failpoint_key(placed: &PlaceOrder) -> &str {
    placed.customer_reference.as_deref().unwrap_or("")
}

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}
