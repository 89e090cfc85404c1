//! `availability`: on hand, reserved and available per SKU and warehouse, live.

use async_trait::async_trait;
use cqrs_es::Aggregate;
use rust_decimal::Decimal;
use sqlx::{AnyConnection, Row};

use app::event_log::RecordedEvent;
use app::subscription::{Projection, TableDef, Tables};
use domain::stock_item::{StockEvent, StockItem};

use crate::recorded_at;

/// The `availability` read model.
pub struct Availability;

/// One row per SKU × warehouse; quantities are decimal text.
pub const STOCK: &str = "rm_stock";

#[async_trait]
impl Projection for Availability {
    fn name(&self) -> &'static str {
        "availability"
    }

    fn tables(&self) -> Vec<TableDef> {
        vec![TableDef {
            name: STOCK,
            ddl: "CREATE TABLE {table} (
                      sku        TEXT NOT NULL,
                      warehouse  TEXT NOT NULL,
                      on_hand    TEXT NOT NULL,
                      reserved   TEXT NOT NULL,
                      updated_at TEXT NOT NULL,
                      PRIMARY KEY (sku, warehouse)
                  )",
        }]
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        tables: &Tables,
        event: &RecordedEvent,
    ) -> anyhow::Result<()> {
        if event.aggregate_type != StockItem::TYPE {
            return Ok(());
        }
        let table = tables.get(STOCK)?;
        let (sku, warehouse, on_hand, reserved_delta) = match crate::decode::<StockEvent>(event)? {
            StockEvent::StockAdjusted {
                sku,
                warehouse,
                on_hand,
                ..
            }
            | StockEvent::StockMoved {
                sku,
                warehouse,
                on_hand,
                ..
            } => (sku, warehouse, Some(on_hand), Decimal::ZERO),
            StockEvent::StockReserved {
                sku,
                warehouse,
                quantity,
                ..
            } => (sku, warehouse, None, quantity.value()),
            StockEvent::ReservationReleased {
                sku,
                warehouse,
                quantity,
                ..
            } => (sku, warehouse, None, -quantity),
            StockEvent::ReservationFulfilled {
                sku,
                warehouse,
                released,
                on_hand,
                ..
            } => (sku, warehouse, Some(on_hand), -released),
        };
        let current = sqlx::query(&format!(
            "SELECT on_hand, reserved FROM {table} WHERE sku = $1 AND warehouse = $2"
        ))
        .bind(sku.as_str())
        .bind(warehouse.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        let (old_on_hand, old_reserved) = match current {
            Some(row) => (
                row.try_get::<String, _>("on_hand")?.parse::<Decimal>()?,
                row.try_get::<String, _>("reserved")?.parse::<Decimal>()?,
            ),
            None => (Decimal::ZERO, Decimal::ZERO),
        };
        let on_hand = on_hand.unwrap_or(old_on_hand).normalize();
        let reserved = (old_reserved + reserved_delta).normalize();
        sqlx::query(&format!(
            "INSERT INTO {table} (sku, warehouse, on_hand, reserved, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sku, warehouse) DO UPDATE SET \
             on_hand = excluded.on_hand, reserved = excluded.reserved, updated_at = excluded.updated_at"
        ))
        .bind(sku.as_str())
        .bind(warehouse.as_str())
        .bind(on_hand.to_string())
        .bind(reserved.to_string())
        .bind(recorded_at(event))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}
