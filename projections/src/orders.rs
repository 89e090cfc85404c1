//! `orders`: each order's current state and status history, its lines (for purchase history),
//! and order templates. Rows are derived by folding the events with the domain's own `apply`,
//! so the read model's status can never disagree with the aggregate's.

use async_trait::async_trait;
use cqrs_es::Aggregate;
use sqlx::{AnyConnection, Row};

use app::event_log::RecordedEvent;
use app::subscription::{Projection, TableDef, Tables};
use domain::order::{Order, OrderEvent};
use domain::order_template::{OrderTemplate, TemplateEvent};

use crate::{decode, recorded_at};

/// The `orders` read model.
pub struct Orders;

/// One row per order.
pub const ORDERS: &str = "rm_orders";
/// One row per order line.
pub const LINES: &str = "rm_order_lines";
/// One row per order event: status, actor, time.
pub const HISTORY: &str = "rm_order_history";
/// One row per template.
pub const TEMPLATES: &str = "rm_order_templates";

#[async_trait]
impl Projection for Orders {
    fn name(&self) -> &'static str {
        "orders"
    }

    fn tables(&self) -> Vec<TableDef> {
        vec![
            TableDef {
                name: ORDERS,
                ddl: "CREATE TABLE {table} (
                          order_id    TEXT PRIMARY KEY,
                          company_id  TEXT   NOT NULL,
                          buyer       TEXT   NOT NULL,
                          status      TEXT   NOT NULL,
                          channel     TEXT   NOT NULL,
                          currency    TEXT   NOT NULL,
                          total_net   TEXT   NOT NULL,
                          total_gross TEXT   NOT NULL,
                          reference   TEXT,
                          placed_at   TEXT   NOT NULL,
                          updated_at  TEXT   NOT NULL,
                          version     BIGINT NOT NULL,
                          state       TEXT   NOT NULL
                      );
                      CREATE INDEX {table}_by_company ON {table} (company_id, placed_at, order_id)",
            },
            TableDef {
                name: LINES,
                ddl: "CREATE TABLE {table} (
                          order_id   TEXT   NOT NULL,
                          line_no    BIGINT NOT NULL,
                          company_id TEXT   NOT NULL,
                          sku        TEXT   NOT NULL,
                          quantity   TEXT   NOT NULL,
                          unit_price TEXT   NOT NULL,
                          placed_at  TEXT   NOT NULL,
                          PRIMARY KEY (order_id, line_no)
                      );
                      CREATE INDEX {table}_by_company ON {table} (company_id, sku)",
            },
            TableDef {
                name: HISTORY,
                ddl: "CREATE TABLE {table} (
                          order_id   TEXT   NOT NULL,
                          sequence   BIGINT NOT NULL,
                          event_type TEXT   NOT NULL,
                          status     TEXT   NOT NULL,
                          actor      TEXT   NOT NULL,
                          at         TEXT   NOT NULL,
                          PRIMARY KEY (order_id, sequence)
                      )",
            },
            TableDef {
                name: TEMPLATES,
                ddl: "CREATE TABLE {table} (
                          template_id TEXT PRIMARY KEY,
                          company_id  TEXT   NOT NULL,
                          name        TEXT   NOT NULL,
                          deleted     BIGINT NOT NULL,
                          next_due    TEXT,
                          version     BIGINT NOT NULL,
                          updated_at  TEXT   NOT NULL,
                          state       TEXT   NOT NULL
                      );
                      CREATE INDEX {table}_by_company ON {table} (company_id, name);
                      CREATE INDEX {table}_due ON {table} (next_due)",
            },
        ]
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        tables: &Tables,
        event: &RecordedEvent,
    ) -> anyhow::Result<()> {
        if event.aggregate_type == Order::TYPE {
            apply_order(conn, tables, event).await
        } else if event.aggregate_type == OrderTemplate::TYPE {
            apply_template(conn, tables.get(TEMPLATES)?, event).await
        } else {
            Ok(())
        }
    }
}

async fn apply_order(
    conn: &mut AnyConnection,
    tables: &Tables,
    event: &RecordedEvent,
) -> anyhow::Result<()> {
    let table = tables.get(ORDERS)?;
    let payload: OrderEvent = decode(event)?;
    let at = recorded_at(event);
    let current = sqlx::query(&format!("SELECT state FROM {table} WHERE order_id = $1"))
        .bind(&event.aggregate_id)
        .fetch_optional(&mut *conn)
        .await?;
    let mut order: Order = match current {
        Some(row) => serde_json::from_str(&row.try_get::<String, _>("state")?)?,
        None => Order::default(),
    };
    let placed_now = matches!(payload, OrderEvent::OrderPlaced(_));
    order.apply(payload);
    let Some(placed) = order.placed() else {
        return Ok(());
    };
    let status = order.status().map(|s| s.as_str()).unwrap_or("placed");
    sqlx::query(&format!(
        "INSERT INTO {table} (order_id, company_id, buyer, status, channel, currency, total_net, \
         total_gross, reference, placed_at, updated_at, version, state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12) \
         ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, \
         updated_at = excluded.updated_at, version = excluded.version, state = excluded.state"
    ))
    .bind(&event.aggregate_id)
    .bind(placed.company_id.as_str())
    .bind(placed.buyer.as_str())
    .bind(status)
    .bind(placed.channel.as_str())
    .bind(placed.currency.as_str())
    .bind(placed.pricing.total_net.to_string())
    .bind(placed.pricing.total_gross.to_string())
    .bind(placed.customer_reference.clone())
    .bind(&at)
    .bind(event.sequence)
    .bind(serde_json::to_string(&order)?)
    .execute(&mut *conn)
    .await?;
    if placed_now {
        let lines = tables.get(LINES)?;
        for (line, priced) in placed.lines.iter().zip(placed.pricing.priced_lines()) {
            sqlx::query(&format!(
                "INSERT INTO {lines} (order_id, line_no, company_id, sku, quantity, unit_price, placed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"
            ))
            .bind(&event.aggregate_id)
            .bind(i64::from(line.line_no))
            .bind(placed.company_id.as_str())
            .bind(line.sku.as_str())
            .bind(line.quantity.value().to_string())
            .bind(priced.unit_price.to_string())
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
    }
    let history = tables.get(HISTORY)?;
    sqlx::query(&format!(
        "INSERT INTO {history} (order_id, sequence, event_type, status, actor, at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(&event.aggregate_id)
    .bind(event.sequence)
    .bind(&event.event_type)
    .bind(status)
    .bind(event.meta("actor"))
    .bind(&at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn apply_template(
    conn: &mut AnyConnection,
    table: &str,
    event: &RecordedEvent,
) -> anyhow::Result<()> {
    let payload: TemplateEvent = decode(event)?;
    let current = sqlx::query(&format!("SELECT state FROM {table} WHERE template_id = $1"))
        .bind(&event.aggregate_id)
        .fetch_optional(&mut *conn)
        .await?;
    let mut template: OrderTemplate = match current {
        Some(row) => serde_json::from_str(&row.try_get::<String, _>("state")?)?,
        None => OrderTemplate::default(),
    };
    template.apply(payload);
    let Some(company) = template.company_id() else {
        return Ok(());
    };
    // The next occurrence and its date, whenever it falls.
    let next_due = template
        .due_occurrence(chrono::NaiveDate::MAX)
        .map(|(_, date)| date.to_string());
    sqlx::query(&format!(
        "INSERT INTO {table} (template_id, company_id, name, deleted, next_due, version, updated_at, state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (template_id) DO UPDATE SET \
         name = excluded.name, deleted = excluded.deleted, next_due = excluded.next_due, \
         version = excluded.version, updated_at = excluded.updated_at, state = excluded.state"
    ))
    .bind(&event.aggregate_id)
    .bind(company.as_str())
    .bind(template.name())
    .bind(i64::from(template.is_deleted()))
    .bind(next_due)
    .bind(event.sequence)
    .bind(recorded_at(event))
    .bind(serde_json::to_string(&template)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
