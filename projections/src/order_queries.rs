//! Queries on the orders read model: a company's orders, its purchase history, its templates,
//! open order totals and due schedules.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::Row;

use crate::orders::{LINES, ORDERS, TEMPLATES};
use crate::queries::Queries;

/// Filters of a company's order list.
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only this buyer.
    pub buyer: Option<String>,
    /// Placed at or after (RFC 3339).
    pub from: Option<String>,
    /// Placed before (RFC 3339).
    pub to: Option<String>,
    /// Cursor: `placed_at|order_id` of the last row of the previous page.
    pub after: Option<(String, String)>,
    /// Only orders of these channels (an e-shop key of one channel).
    pub channels: Option<Vec<String>>,
}

/// A row of a company's order list.
#[derive(Clone, Debug, Serialize)]
pub struct OrderSummary {
    /// The order.
    pub order_id: String,
    /// Its status.
    pub status: String,
    /// Who placed it.
    pub buyer: String,
    /// The channel.
    pub channel: String,
    /// The currency.
    pub currency: String,
    /// Net total.
    pub total_net: String,
    /// Gross total.
    pub total_gross: String,
    /// The buyer's reference.
    pub customer_reference: Option<String>,
    /// When it was placed.
    pub placed_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Its version.
    pub version: i64,
}

/// What a company bought of one SKU.
#[derive(Clone, Debug, Serialize)]
pub struct PurchaseLine {
    /// The SKU.
    pub sku: String,
    /// Total quantity over orders that were not rejected or cancelled.
    pub quantity: String,
    /// Orders it was on.
    pub orders: u64,
    /// Unit price on the latest of them.
    pub last_price: String,
    /// When the latest of them was placed.
    pub last_date: String,
}

/// Statuses of orders that do not count as purchases or open orders.
const DEAD: &[&str] = &["rejected", "rejected_by_erp", "cancelled"];

impl Queries {
    /// A page of a company's orders, newest first.
    pub async fn company_orders(
        &self,
        company: &str,
        filter: &OrderFilter,
        limit: i64,
    ) -> anyhow::Result<Vec<OrderSummary>> {
        let mut sql = format!(
            "SELECT order_id, status, buyer, channel, currency, total_net, total_gross, reference, \
             placed_at, updated_at, version FROM {ORDERS} WHERE company_id = $1"
        );
        let mut binds: Vec<String> = vec![company.to_string()];
        let mut add = |condition: &str, values: Vec<String>| {
            let mut c = condition.to_string();
            for v in values {
                binds.push(v);
                c = c.replacen('?', &format!("${}", binds.len()), 1);
            }
            sql.push_str(" AND ");
            sql.push_str(&c);
        };
        if let Some(status) = &filter.status {
            add("status = ?", vec![status.clone()]);
        }
        if let Some(buyer) = &filter.buyer {
            add("buyer = ?", vec![buyer.clone()]);
        }
        if let Some(from) = &filter.from {
            add("placed_at >= ?", vec![from.clone()]);
        }
        if let Some(to) = &filter.to {
            add("placed_at < ?", vec![to.clone()]);
        }
        if let Some(channels) = &filter.channels {
            let marks = vec!["?"; channels.len().max(1)].join(", ");
            let values = if channels.is_empty() {
                vec![String::new()]
            } else {
                channels.clone()
            };
            add(&format!("channel IN ({marks})"), values);
        }
        if let Some((at, id)) = &filter.after {
            add(
                "(placed_at < ? OR (placed_at = ? AND order_id < ?))",
                vec![at.clone(), at.clone(), id.clone()],
            );
        }
        sql.push_str(&format!(
            " ORDER BY placed_at DESC, order_id DESC LIMIT ${}",
            binds.len() + 1
        ));
        let mut query = sqlx::query(&sql);
        for b in &binds {
            query = query.bind(b.as_str());
        }
        query
            .bind(limit)
            .fetch_all(self.db().pool())
            .await?
            .iter()
            .map(|row| {
                Ok(OrderSummary {
                    order_id: row.try_get("order_id")?,
                    status: row.try_get("status")?,
                    buyer: row.try_get("buyer")?,
                    channel: row.try_get("channel")?,
                    currency: row.try_get("currency")?,
                    total_net: row.try_get("total_net")?,
                    total_gross: row.try_get("total_gross")?,
                    customer_reference: row.try_get("reference")?,
                    placed_at: row.try_get("placed_at")?,
                    updated_at: row.try_get("updated_at")?,
                    version: row.try_get("version")?,
                })
            })
            .collect()
    }

    /// Per SKU: how much the company bought, at what price last, and when; with `channels`,
    /// only from orders placed through those channels (an e-shop key of some channels).
    pub async fn purchase_history(
        &self,
        company: &str,
        channels: Option<&[String]>,
    ) -> anyhow::Result<Vec<PurchaseLine>> {
        let mut sql = format!(
            "SELECT l.sku, l.quantity, l.unit_price, l.placed_at, o.status FROM {LINES} l \
             JOIN {ORDERS} o ON o.order_id = l.order_id WHERE l.company_id = $1"
        );
        // No channel at all matches no order: an empty list is "IN ('')", never "IN ()".
        let channels: Option<Vec<String>> = channels.map(|c| {
            if c.is_empty() {
                vec![String::new()]
            } else {
                c.to_vec()
            }
        });
        if let Some(channels) = &channels {
            let marks: Vec<String> = (0..channels.len()).map(|i| format!("${}", i + 2)).collect();
            sql.push_str(&format!(" AND o.channel IN ({})", marks.join(", ")));
        }
        sql.push_str(" ORDER BY l.placed_at, l.order_id, l.line_no");
        let mut query = sqlx::query(&sql).bind(company);
        for channel in channels.iter().flatten() {
            query = query.bind(channel.as_str());
        }
        let rows = query.fetch_all(self.db().pool()).await?;
        let mut by_sku: BTreeMap<String, (Decimal, u64, String, String)> = BTreeMap::new();
        for row in rows {
            let status: String = row.try_get("status")?;
            if DEAD.contains(&status.as_str()) {
                continue;
            }
            let sku: String = row.try_get("sku")?;
            let quantity: Decimal = row.try_get::<String, _>("quantity")?.parse()?;
            let entry = by_sku.entry(sku).or_default();
            entry.0 += quantity;
            entry.1 += 1;
            entry.2 = row.try_get("unit_price")?;
            entry.3 = row.try_get("placed_at")?;
        }
        Ok(by_sku
            .into_iter()
            .map(
                |(sku, (quantity, orders, last_price, last_date))| PurchaseLine {
                    sku,
                    quantity: quantity.normalize().to_string(),
                    orders,
                    last_price,
                    last_date,
                },
            )
            .collect())
    }

    /// The channel of each of these orders that the read model knows.
    pub async fn order_channels(
        &self,
        order_ids: &[String],
    ) -> anyhow::Result<std::collections::HashMap<String, String>> {
        let mut found = std::collections::HashMap::new();
        for chunk in order_ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT order_id, channel FROM {ORDERS} WHERE order_id IN ({})",
                marks.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.as_str());
            }
            for row in query.fetch_all(self.db().pool()).await? {
                found.insert(row.try_get("order_id")?, row.try_get("channel")?);
            }
        }
        Ok(found)
    }

    /// Gross total of a company's open orders in a currency.
    pub async fn open_total(&self, company: &str, currency: &str) -> anyhow::Result<Decimal> {
        // Only the open orders leave the database; the sum is taken in Rust because the
        // amounts are decimal strings, which SQLite would add as floating point.
        let closed: Vec<String> = DEAD
            .iter()
            .chain(&["completed"])
            .map(|s| format!("'{s}'"))
            .collect();
        let sql = format!(
            "SELECT total_gross FROM {ORDERS} WHERE company_id = $1 AND currency = $2 \
             AND status NOT IN ({})",
            closed.join(", ")
        );
        let rows = sqlx::query(&sql)
            .bind(company)
            .bind(currency)
            .fetch_all(self.db().pool())
            .await?;
        let mut total = Decimal::ZERO;
        for row in rows {
            total += row
                .try_get::<String, _>("total_gross")?
                .parse::<Decimal>()?;
        }
        Ok(total)
    }

    /// A company's templates (not deleted), by name: id, version and state JSON.
    pub async fn templates(&self, company: &str) -> anyhow::Result<Vec<(String, i64, String)>> {
        let sql = format!(
            "SELECT template_id, version, state FROM {TEMPLATES} WHERE company_id = $1 AND deleted = 0 \
             ORDER BY name, template_id"
        );
        sqlx::query(&sql)
            .bind(company)
            .fetch_all(self.db().pool())
            .await?
            .iter()
            .map(|row| {
                Ok((
                    row.try_get("template_id")?,
                    row.try_get("version")?,
                    row.try_get("state")?,
                ))
            })
            .collect()
    }

    /// Templates whose next scheduled occurrence falls on or before `today` (YYYY-MM-DD).
    pub async fn due_templates(&self, today: &str) -> anyhow::Result<Vec<String>> {
        let sql = format!(
            "SELECT template_id FROM {TEMPLATES} WHERE deleted = 0 AND next_due IS NOT NULL \
             AND next_due <= $1 ORDER BY next_due, template_id LIMIT 500"
        );
        sqlx::query(&sql)
            .bind(today)
            .fetch_all(self.db().pool())
            .await?
            .iter()
            .map(|row| Ok(row.try_get("template_id")?))
            .collect()
    }
}
