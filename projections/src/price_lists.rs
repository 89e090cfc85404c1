//! `price_lists`: list headers and entries, every version, indexed for price resolution now and
//! as of any past time.

use async_trait::async_trait;
use cqrs_es::Aggregate;
use sqlx::AnyConnection;

use app::event_log::RecordedEvent;
use app::subscription::{Projection, TableDef, Tables};
use domain::price_list::{PriceEntry, PriceList, PriceListEvent, PriceListHeader, PriceListKind};
use domain::values::Sku;

use crate::{decode, recorded_at};

/// The `price_lists` read model.
pub struct PriceLists;

/// Header versions; `header` is the whole `PriceListHeader` as JSON.
pub const LISTS: &str = "rm_price_lists";
/// Entry versions; `entry` is the whole `PriceEntry` (price and tiers) as JSON.
pub const ENTRIES: &str = "rm_price_entries";

#[async_trait]
impl Projection for PriceLists {
    fn name(&self) -> &'static str {
        "price_lists"
    }

    fn tables(&self) -> Vec<TableDef> {
        vec![
            TableDef {
                name: LISTS,
                ddl: "CREATE TABLE {table} (
                          code       TEXT   NOT NULL,
                          set_at     BIGINT NOT NULL,
                          known_from TEXT   NOT NULL,
                          known_to   TEXT,
                          kind       TEXT   NOT NULL,
                          level      TEXT,
                          company_id TEXT,
                          currency   TEXT   NOT NULL,
                          header     TEXT   NOT NULL,
                          PRIMARY KEY (code, set_at)
                      );
                      CREATE INDEX {table}_by_currency ON {table} (currency, kind)",
            },
            TableDef {
                name: ENTRIES,
                ddl: "CREATE TABLE {table} (
                          list_code  TEXT   NOT NULL,
                          sku        TEXT   NOT NULL,
                          set_at     BIGINT NOT NULL,
                          known_from TEXT   NOT NULL,
                          known_to   TEXT,
                          entry      TEXT   NOT NULL,
                          PRIMARY KEY (list_code, sku, set_at)
                      );
                      CREATE INDEX {table}_by_sku ON {table} (sku, list_code, known_from)",
            },
        ]
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        tables: &Tables,
        event: &RecordedEvent,
    ) -> anyhow::Result<()> {
        if event.aggregate_type != PriceList::TYPE {
            return Ok(());
        }
        let at = recorded_at(event);
        match decode::<PriceListEvent>(event)? {
            PriceListEvent::PriceListCreated(header)
            | PriceListEvent::PriceListHeaderChanged(header) => {
                write_header(conn, tables.get(LISTS)?, event, &at, &header).await
            }
            PriceListEvent::EntriesUpserted { entries } => {
                let table = tables.get(ENTRIES)?;
                let skus: Vec<&Sku> = entries.iter().map(PriceEntry::sku).collect();
                close_entries(conn, table, &event.aggregate_id, &skus, &at).await?;
                insert_entries(conn, table, event, &at, &entries).await
            }
            PriceListEvent::EntriesRemoved { skus } => {
                let skus: Vec<&Sku> = skus.iter().collect();
                close_entries(conn, tables.get(ENTRIES)?, &event.aggregate_id, &skus, &at).await
            }
        }
    }
}

async fn write_header(
    conn: &mut AnyConnection,
    table: &str,
    event: &RecordedEvent,
    at: &str,
    header: &PriceListHeader,
) -> anyhow::Result<()> {
    sqlx::query(&format!(
        "UPDATE {table} SET known_to = $2 WHERE code = $1 AND known_to IS NULL"
    ))
    .bind(&event.aggregate_id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    let (level, company) = match header.kind() {
        PriceListKind::Base => (None, None),
        PriceListKind::Level { level } => (Some(level.to_string()), None),
        PriceListKind::Contract { company_id } => (None, Some(company_id.to_string())),
    };
    sqlx::query(&format!(
        "INSERT INTO {table} (code, set_at, known_from, kind, level, company_id, currency, header) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&event.aggregate_id)
    .bind(event.checkpoint.position)
    .bind(at)
    .bind(header.kind().name())
    .bind(level)
    .bind(company)
    .bind(header.currency().as_str())
    .bind(serde_json::to_string(header)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends the current version of the given entries (one statement per 500 SKUs).
async fn close_entries(
    conn: &mut AnyConnection,
    table: &str,
    list: &str,
    skus: &[&Sku],
    at: &str,
) -> anyhow::Result<()> {
    for chunk in skus.chunks(500) {
        let placeholders: Vec<String> = (3..chunk.len() + 3).map(|i| format!("${i}")).collect();
        let sql = format!(
            "UPDATE {table} SET known_to = $2 WHERE list_code = $1 AND known_to IS NULL \
             AND sku IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(list).bind(at);
        for sku in chunk {
            query = query.bind(sku.as_str());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts new entry versions (multi-row statements of up to 500 rows).
async fn insert_entries(
    conn: &mut AnyConnection,
    table: &str,
    event: &RecordedEvent,
    at: &str,
    entries: &[PriceEntry],
) -> anyhow::Result<()> {
    for chunk in entries.chunks(500) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, $2, $3, ${}, ${})", 4 + 2 * i, 5 + 2 * i))
            .collect();
        let sql = format!(
            "INSERT INTO {table} (list_code, set_at, known_from, sku, entry) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql)
            .bind(&event.aggregate_id)
            .bind(event.checkpoint.position)
            .bind(at);
        for entry in chunk {
            query = query
                .bind(entry.sku().as_str())
                .bind(serde_json::to_string(entry)?);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
