//! `catalog`: products (every version, for pricing as of a past time) and sales channels.

use async_trait::async_trait;
use sqlx::AnyConnection;

use app::event_log::RecordedEvent;
use app::subscription::{Projection, TableDef, Tables};
use domain::channel::{Channel, ChannelEvent};
use domain::product::{Product, ProductEvent};

use crate::{decode, recorded_at};

/// The `catalog` read model.
pub struct Catalog;

/// Product versions.
pub const PRODUCTS: &str = "rm_products";
/// Channels (current settings).
pub const CHANNELS: &str = "rm_channels";

#[async_trait]
impl Projection for Catalog {
    fn name(&self) -> &'static str {
        "catalog"
    }

    fn tables(&self) -> Vec<TableDef> {
        vec![
            TableDef {
                name: PRODUCTS,
                ddl: "CREATE TABLE {table} (
                          sku        TEXT   NOT NULL,
                          set_at     BIGINT NOT NULL,
                          known_from TEXT   NOT NULL,
                          known_to   TEXT,
                          name       TEXT   NOT NULL,
                          unit       TEXT   NOT NULL,
                          vat_class  TEXT   NOT NULL,
                          active     BIGINT NOT NULL,
                          PRIMARY KEY (sku, set_at)
                      );
                      CREATE INDEX {table}_current ON {table} (sku) WHERE known_to IS NULL",
            },
            TableDef {
                name: CHANNELS,
                ddl: "CREATE TABLE {table} (
                          code         TEXT PRIMARY KEY,
                          name         TEXT NOT NULL,
                          warehouses   TEXT NOT NULL,
                          vat_rounding TEXT NOT NULL
                      )",
            },
        ]
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        tables: &Tables,
        event: &RecordedEvent,
    ) -> anyhow::Result<()> {
        use cqrs_es::Aggregate;
        if event.aggregate_type == Product::TYPE {
            let (ProductEvent::ProductRegistered {
                sku,
                name,
                unit,
                vat_class,
                active,
            }
            | ProductEvent::ProductUpdated {
                sku,
                name,
                unit,
                vat_class,
                active,
            }) = decode(event)?;
            let table = tables.get(PRODUCTS)?;
            let at = recorded_at(event);
            sqlx::query(&format!(
                "UPDATE {table} SET known_to = $2 WHERE sku = $1 AND known_to IS NULL"
            ))
            .bind(sku.as_str())
            .bind(&at)
            .execute(&mut *conn)
            .await?;
            sqlx::query(&format!(
                "INSERT INTO {table} (sku, set_at, known_from, name, unit, vat_class, active) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"
            ))
            .bind(sku.as_str())
            .bind(event.checkpoint.position)
            .bind(&at)
            .bind(name)
            .bind(unit.as_str())
            .bind(vat_class.as_str())
            .bind(i64::from(active))
            .execute(&mut *conn)
            .await?;
        } else if event.aggregate_type == Channel::TYPE {
            let (ChannelEvent::ChannelDefined(settings) | ChannelEvent::ChannelUpdated(settings)) =
                decode(event)?;
            let table = tables.get(CHANNELS)?;
            sqlx::query(&format!(
                "INSERT INTO {table} (code, name, warehouses, vat_rounding) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
                 warehouses = excluded.warehouses, vat_rounding = excluded.vat_rounding"
            ))
            .bind(settings.code.as_str())
            .bind(&settings.name)
            .bind(serde_json::to_string(&settings.warehouses)?)
            .bind(
                serde_json::to_value(settings.vat_rounding)?
                    .as_str()
                    .unwrap_or("document")
                    .to_string(),
            )
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}
