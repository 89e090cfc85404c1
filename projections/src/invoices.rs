//! `invoices`: invoices and credit notes from the ERP, with what is paid, per company.

use async_trait::async_trait;
use cqrs_es::Aggregate;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use app::event_log::RecordedEvent;
use app::subscription::{Projection, TableDef, Tables};
use domain::invoice::{Invoice, InvoiceEvent};

use crate::queries::Queries;
use crate::{decode, recorded_at};

/// The `invoices` read model.
pub struct Invoices;

/// One row per invoice or credit note; `state` is the aggregate's JSON.
pub const INVOICES: &str = "rm_invoices";

#[async_trait]
impl Projection for Invoices {
    fn name(&self) -> &'static str {
        "invoices"
    }

    fn tables(&self) -> Vec<TableDef> {
        vec![TableDef {
            name: INVOICES,
            ddl: "CREATE TABLE {table} (
                      number     TEXT PRIMARY KEY,
                      company_id TEXT NOT NULL,
                      issued_on  TEXT NOT NULL,
                      updated_at TEXT NOT NULL,
                      state      TEXT NOT NULL
                  );
                  CREATE INDEX {table}_by_company ON {table} (company_id, issued_on, number)",
        }]
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        tables: &Tables,
        event: &RecordedEvent,
    ) -> anyhow::Result<()> {
        if event.aggregate_type != Invoice::TYPE {
            return Ok(());
        }
        let table = tables.get(INVOICES)?;
        let payload: InvoiceEvent = decode(event)?;
        let current = sqlx::query(&format!("SELECT state FROM {table} WHERE number = $1"))
            .bind(&event.aggregate_id)
            .fetch_optional(&mut *conn)
            .await?;
        let mut invoice: Invoice = match current {
            Some(row) => serde_json::from_str(&row.try_get::<String, _>("state")?)?,
            None => Invoice::default(),
        };
        invoice.apply(payload);
        let Some(data) = invoice.data() else {
            return Ok(());
        };
        sqlx::query(&format!(
            "INSERT INTO {table} (number, company_id, issued_on, updated_at, state) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (number) DO UPDATE SET updated_at = excluded.updated_at, state = excluded.state"
        ))
        .bind(&event.aggregate_id)
        .bind(data.company_id.as_str())
        .bind(data.issued_on.to_string())
        .bind(recorded_at(event))
        .bind(serde_json::to_string(&invoice)?)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

/// An invoice as the e-shop shows it.
#[derive(Clone, Debug, Serialize)]
pub struct InvoiceView {
    /// The invoice's data as the ERP sent it.
    #[serde(flatten)]
    pub data: serde_json::Value,
    /// Paid so far.
    pub paid: String,
    /// Still to pay.
    pub outstanding: String,
    /// Payments.
    pub payments: serde_json::Value,
}

/// The view of an invoice aggregate (`None` before it is recorded).
pub fn view(invoice: &Invoice) -> anyhow::Result<Option<InvoiceView>> {
    let Some(data) = invoice.data() else {
        return Ok(None);
    };
    Ok(Some(InvoiceView {
        data: serde_json::to_value(data)?,
        paid: format!("{:.2}", invoice.paid()),
        outstanding: format!("{:.2}", invoice.outstanding()),
        payments: serde_json::to_value(invoice.payments())?,
    }))
}

impl Queries {
    /// A company's invoices and credit notes, newest first, after a cursor (`issued_on|number`).
    /// With `channels` (an e-shop key of some channels), only invoices whose every order was
    /// placed through one of them: an invoice shows its orders' lines and amounts, so one that
    /// covers an order of another channel (or one the read model does not know yet) is left
    /// out. Pages stay full: rows are read on until `limit` visible ones are found.
    pub async fn company_invoices(
        &self,
        company: &str,
        channels: Option<&[String]>,
        after: Option<(&str, &str)>,
        limit: i64,
    ) -> anyhow::Result<Vec<InvoiceView>> {
        let (at, number) = after.unwrap_or(("9999-12-31", "\u{10FFFF}"));
        let (mut at, mut number) = (at.to_string(), number.to_string());
        let wanted = usize::try_from(limit).unwrap_or(0);
        let mut result = Vec::new();
        while result.len() < wanted {
            let rows = sqlx::query(&format!(
                "SELECT number, issued_on, state FROM {INVOICES} WHERE company_id = $1 AND (issued_on < $2 OR (issued_on = $2 AND number < $3)) \
                 ORDER BY issued_on DESC, number DESC LIMIT $4"
            ))
            .bind(company)
            .bind(&at)
            .bind(&number)
            .bind(limit)
            .fetch_all(self.db().pool())
            .await?;
            let fetched = rows.len();
            let mut invoices = Vec::with_capacity(fetched);
            for row in &rows {
                at = row.try_get("issued_on")?;
                number = row.try_get("number")?;
                let invoice: Invoice = serde_json::from_str(&row.try_get::<String, _>("state")?)?;
                invoices.push(invoice);
            }
            if let Some(channels) = channels {
                let ids: Vec<String> = invoices
                    .iter()
                    .filter_map(Invoice::data)
                    .flat_map(|d| d.order_ids.iter().cloned())
                    .collect();
                let known = self.order_channels(&ids).await?;
                invoices.retain(|invoice| {
                    invoice.data().is_some_and(|d| {
                        d.order_ids.iter().all(|order| {
                            known
                                .get(order)
                                .is_some_and(|channel| channels.contains(channel))
                        })
                    })
                });
            }
            for invoice in &invoices {
                if result.len() < wanted {
                    result.extend(view(invoice)?);
                }
            }
            if fetched < wanted {
                break;
            }
        }
        Ok(result)
    }
}
