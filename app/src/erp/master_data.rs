//! Master data from the ERP: the checks that need the store (does this SKU exist?) and the
//! messages that touch many aggregates (stock levels and movements).

use std::collections::HashSet;

use anyhow::Context;
use cqrs_es::AggregateError;
use rust_decimal::Decimal;
use sqlx::Row;

use domain::stock_item::{MovementKind, StockCommand, StockError, StockItem};
use domain::values::{Quantity, Sku, StockQuantity, WarehouseCode};

use crate::aggregates::Aggregates;
use crate::db::Db;
use crate::metadata::CommandMetadata;

/// Which of `ids` exist as aggregates of `aggregate_type`. Reads the event log itself, so a
/// product defined a moment ago counts even before any read model has caught up.
pub async fn existing(
    db: &Db,
    aggregate_type: &str,
    ids: &[&str],
) -> anyhow::Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(500) {
        let placeholders: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT DISTINCT aggregate_id FROM events WHERE aggregate_type = $1 \
             AND sequence = 1 AND aggregate_id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(aggregate_type);
        for id in chunk {
            query = query.bind(*id);
        }
        let rows = query
            .fetch_all(db.pool())
            .await
            .context("checking which aggregates exist")?;
        for row in rows {
            found.insert(row.try_get::<String, _>("aggregate_id")?);
        }
    }
    Ok(found)
}

/// One absolute level from the ERP.
#[derive(Clone, Debug)]
pub struct StockLevel {
    /// The SKU.
    pub sku: Sku,
    /// The warehouse.
    pub warehouse: WarehouseCode,
    /// The ERP's on-hand figure.
    pub on_hand: StockQuantity,
}

/// What a level did to our figure.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LevelOutcome {
    /// The SKU.
    pub sku: String,
    /// The warehouse.
    pub warehouse: String,
    /// On hand before the message.
    pub previous: Decimal,
    /// On hand after it.
    pub on_hand: Decimal,
    /// The adjustment recorded (0 when the levels agreed and nothing was written).
    pub adjustment: Decimal,
}

/// Applies absolute on-hand levels: each level that differs from ours becomes an adjustment
/// event naming the difference. Each item is its own aggregate; a retried message re-applies
/// harmlessly because levels are absolute.
pub async fn apply_stock_levels(
    aggregates: &Aggregates,
    message_id: &str,
    levels: Vec<StockLevel>,
    metadata: &CommandMetadata,
) -> Result<Vec<LevelOutcome>, AggregateError<StockError>> {
    let mut outcomes = Vec::with_capacity(levels.len());
    for level in levels {
        let id = StockItem::id(&level.sku, &level.warehouse);
        let (before, _) = aggregates.stock.load(&id).await?;
        let committed = aggregates
            .stock
            .execute_with_retry(
                &id,
                || StockCommand::SetOnHand {
                    sku: level.sku.clone(),
                    warehouse: level.warehouse.clone(),
                    on_hand: level.on_hand,
                    message_id: message_id.to_string(),
                },
                metadata,
            )
            .await?;
        outcomes.push(LevelOutcome {
            sku: level.sku.to_string(),
            warehouse: level.warehouse.to_string(),
            previous: before.on_hand(),
            on_hand: committed.state.on_hand(),
            adjustment: committed.state.on_hand() - before.on_hand(),
        });
    }
    Ok(outcomes)
}

/// One movement from the ERP; a transfer names both warehouses.
#[derive(Clone, Debug)]
pub struct Movement {
    /// The ERP's id (or one derived from the message and position).
    pub movement_id: String,
    /// The SKU.
    pub sku: Sku,
    /// Receipt, issue or transfer.
    pub kind: MovementKindInput,
    /// How much.
    pub quantity: Quantity,
}

/// A movement's kind and warehouses.
#[derive(Clone, Debug)]
pub enum MovementKindInput {
    /// Goods came into a warehouse.
    Receipt(WarehouseCode),
    /// Goods left a warehouse (not for an order of ours).
    Issue(WarehouseCode),
    /// Goods moved between warehouses.
    Transfer {
        /// From.
        from: WarehouseCode,
        /// To.
        to: WarehouseCode,
    },
}

/// Applies movements; each is applied once per movement id, however often the message comes.
pub async fn apply_movements(
    aggregates: &Aggregates,
    movements: Vec<Movement>,
    metadata: &CommandMetadata,
) -> Result<usize, AggregateError<StockError>> {
    let mut written = 0;
    for movement in movements {
        let legs: Vec<(WarehouseCode, MovementKind, String)> = match &movement.kind {
            MovementKindInput::Receipt(w) => {
                vec![(
                    w.clone(),
                    MovementKind::Receipt,
                    movement.movement_id.clone(),
                )]
            }
            MovementKindInput::Issue(w) => {
                vec![(w.clone(), MovementKind::Issue, movement.movement_id.clone())]
            }
            MovementKindInput::Transfer { from, to } => vec![
                (
                    from.clone(),
                    MovementKind::TransferOut,
                    format!("{}:out", movement.movement_id),
                ),
                (
                    to.clone(),
                    MovementKind::TransferIn,
                    format!("{}:in", movement.movement_id),
                ),
            ],
        };
        for (warehouse, kind, movement_id) in legs {
            let id = StockItem::id(&movement.sku, &warehouse);
            let committed = aggregates
                .stock
                .execute_with_retry(
                    &id,
                    || StockCommand::RecordMovement {
                        sku: movement.sku.clone(),
                        warehouse: warehouse.clone(),
                        movement_id: movement_id.clone(),
                        kind,
                        quantity: movement.quantity,
                    },
                    metadata,
                )
                .await?;
            written += committed.events.len();
        }
    }
    Ok(written)
}
