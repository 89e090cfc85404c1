//! The template scheduler: places each due occurrence of a scheduled template once, as the actor
//! `system:schedule`, even across restarts. The order id of an occurrence is derived from the
//! template and the occurrence number, so a second attempt finds the order the first placed.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use cqrs_es::AggregateError;
use tokio::sync::watch;

use domain::order::{OrderError, OrderSource};
use domain::order_template::TemplateCommand;
use domain::pricing::RequestedLine;

use super::placement::{place, PlaceError, PlaceRequest};
use crate::aggregates::Aggregates;
use crate::db::Db;
use crate::metadata::{Actor, CommandMetadata};
use crate::read_side::ReadSide;
use crate::subscription::Lease;

/// The order id of a template's occurrence.
pub fn occurrence_order_id(template_id: &str, occurrence: u32) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("ordercore/template/{template_id}/occurrence/{occurrence}").as_bytes(),
    )
    .to_string()
}

/// Places what is due today; returns how many occurrences were placed.
pub async fn run_once(
    aggregates: &Aggregates,
    read_side: &dyn ReadSide,
    today: NaiveDate,
) -> anyhow::Result<usize> {
    let mut placed = 0;
    for template_id in read_side.due_templates(today).await? {
        // A template may be several occurrences behind (the scheduler was down): catch up.
        for _ in 0..100 {
            let (template, _) = aggregates
                .templates
                .load(&template_id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let (Some((occurrence, _date)), Some(schedule), Some(company)) = (
                template.due_occurrence(today),
                template.schedule().cloned(),
                template.company_id().cloned(),
            ) else {
                break;
            };
            let order_id = occurrence_order_id(&template_id, occurrence);
            let mut meta = CommandMetadata::new(Actor::system("schedule"));
            meta.channel = Some(schedule.channel.to_string());
            meta.causation_id = format!("order_template/{template_id}/occurrence/{occurrence}");
            let request = PlaceRequest {
                company,
                channel: schedule.channel.clone(),
                currency: schedule.currency,
                lines: template
                    .lines()
                    .iter()
                    .map(|l| RequestedLine {
                        sku: l.sku.clone(),
                        quantity: l.quantity,
                    })
                    .collect(),
                delivery_address_id: schedule.delivery_address_id.clone(),
                customer_reference: Some(format!("{} #{}", template.name(), occurrence + 1)),
                note: String::new(),
                requested_delivery_date: None,
                source: OrderSource::Schedule {
                    template_id: template_id.clone(),
                    occurrence,
                },
            };
            match place(
                aggregates,
                read_side,
                &order_id,
                &schedule.buyer,
                request,
                &meta,
            )
            .await
            {
                Ok(_)
                | Err(PlaceError::Command(AggregateError::UserError(
                    OrderError::AlreadyPlaced { .. },
                ))) => {}
                Err(e) => {
                    // Left due: it is tried again at the next run, and ops see why in the log.
                    tracing::warn!(template = %template_id, occurrence, error = %e, "scheduled order not placed");
                    break;
                }
            }
            aggregates
                .templates
                .execute(
                    &template_id,
                    TemplateCommand::RecordOccurrence {
                        occurrence,
                        order_id,
                    },
                    &meta,
                )
                .await
                .map_err(|e| {
                    anyhow::anyhow!("recording occurrence {occurrence} of {template_id}: {e}")
                })?;
            placed += 1;
        }
    }
    Ok(placed)
}

/// Runs the scheduler every `interval` while this process holds the `scheduler` lease.
pub fn spawn(
    db: Db,
    aggregates: Arc<Aggregates>,
    read_side: Arc<dyn ReadSide>,
    interval: Duration,
    holder: String,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let lease = Lease::new(
            db,
            "scheduler",
            &holder,
            Duration::from_secs(60).max(interval * 3),
        );
        while !*shutdown.borrow() {
            match lease.acquire_or_renew().await {
                Ok(true) => {
                    match run_once(&aggregates, read_side.as_ref(), Utc::now().date_naive()).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(orders = n, "scheduled orders placed"),
                        Err(e) => {
                            tracing::error!(error = %format!("{e:#}"), "scheduler run failed")
                        }
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "scheduler lease"),
            }
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = tokio::time::sleep(interval) => {}
            }
        }
        let _ = lease.release().await;
    })
}
