//! Order templates (saved carts and recurring purchases) and "order again": the lines come from
//! a template or a past order, prices are resolved anew, and the answer shows where they differ
//! from last time.

use cqrs_es::AggregateError;
use rust_decimal::Decimal;
use serde::Serialize;
use thiserror::Error;

use domain::order::OrderSource;
use domain::order_template::{OrderTemplate, TemplateCommand, TemplateError, TemplateLine};
use domain::pricing::{PricedDocument, RequestedLine};
use domain::values::{CompanyId, UserId};

use super::access::{active_user, require, AccessError};
use super::placement::PlaceRequest;
use crate::aggregate_store::Committed;
use crate::aggregates::Aggregates;
use crate::metadata::CommandMetadata;

/// Why a template command was not taken.
#[derive(Debug, Error)]
pub enum TemplateActionError {
    /// The acting user may not.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such template (or another company's).
    #[error("unknown template {0}")]
    UnknownTemplate(String),
    /// No such order (or another company's).
    #[error("unknown order {0}")]
    UnknownOrder(String),
    /// The template refused, or the store failed.
    #[error("{0}")]
    Command(AggregateError<TemplateError>),
    /// Loading failed.
    #[error("{0}")]
    Store(String),
}

fn store<E: std::fmt::Display>(e: E) -> TemplateActionError {
    TemplateActionError::Store(e.to_string())
}

/// Checks the acting user is an active user of the company who may order.
pub async fn check_member(
    aggregates: &Aggregates,
    company: &CompanyId,
    user: &UserId,
) -> Result<(), TemplateActionError> {
    let (state, _) = aggregates
        .companies
        .load(company.as_str())
        .await
        .map_err(store)?;
    let member = active_user(&state, company, user)?;
    require(member, member.role.may_order(), "manage order templates")?;
    Ok(())
}

/// The lines of a past order of the company, as template lines.
pub async fn order_lines(
    aggregates: &Aggregates,
    company: &CompanyId,
    order_id: &str,
) -> Result<(Vec<TemplateLine>, PricedDocument), TemplateActionError> {
    let (order, _) = aggregates.orders.load(order_id).await.map_err(store)?;
    let placed = order
        .placed()
        .filter(|p| &p.company_id == company)
        .ok_or_else(|| TemplateActionError::UnknownOrder(order_id.to_string()))?;
    // A template holds each SKU once: repeated lines of the order are summed.
    let mut lines: Vec<TemplateLine> = Vec::new();
    for line in &placed.lines {
        match lines.iter_mut().find(|l| l.sku == line.sku) {
            Some(existing) => {
                existing.quantity = domain::values::Quantity::parse(
                    existing.quantity.value() + line.quantity.value(),
                )
                .map_err(store)?;
            }
            None => lines.push(TemplateLine {
                sku: line.sku.clone(),
                quantity: line.quantity,
            }),
        }
    }
    Ok((lines, placed.pricing.clone()))
}

/// A template of the company (not another's).
pub async fn load(
    aggregates: &Aggregates,
    company: &CompanyId,
    template_id: &str,
) -> Result<(OrderTemplate, usize), TemplateActionError> {
    let (template, version) = aggregates
        .templates
        .load(template_id)
        .await
        .map_err(store)?;
    if template.company_id() != Some(company) {
        return Err(TemplateActionError::UnknownTemplate(
            template_id.to_string(),
        ));
    }
    Ok((template, version))
}

/// Runs a template command after checking the template belongs to the company.
pub async fn execute(
    aggregates: &Aggregates,
    company: &CompanyId,
    template_id: &str,
    command: TemplateCommand,
    metadata: &CommandMetadata,
) -> Result<Committed<OrderTemplate>, TemplateActionError> {
    if !matches!(command, TemplateCommand::Create { .. }) {
        load(aggregates, company, template_id).await?;
    }
    aggregates
        .templates
        .execute(template_id, command, metadata)
        .await
        .map_err(TemplateActionError::Command)
}

/// The request to order a template's lines.
pub fn template_order(
    template: &OrderTemplate,
    template_id: &str,
    base: PlaceRequest,
) -> PlaceRequest {
    PlaceRequest {
        lines: template
            .lines()
            .iter()
            .map(|l| RequestedLine {
                sku: l.sku.clone(),
                quantity: l.quantity,
            })
            .collect(),
        source: OrderSource::Template {
            template_id: template_id.to_string(),
        },
        ..base
    }
}

/// A unit price that changed since the previous document.
#[derive(Clone, Debug, Serialize)]
pub struct PriceChange {
    /// The SKU.
    pub sku: String,
    /// Its unit price last time.
    pub previous_unit_price: Decimal,
    /// Its unit price now.
    pub unit_price: Decimal,
}

/// Where unit prices differ between a previous document and a new one (by SKU; first line of
/// each SKU).
pub fn price_changes(previous: &PricedDocument, now: &PricedDocument) -> Vec<PriceChange> {
    let mut changes = Vec::new();
    for line in now.priced_lines() {
        if changes
            .iter()
            .any(|c: &PriceChange| c.sku == line.sku.as_str())
        {
            continue;
        }
        if let Some(before) = previous.priced_lines().find(|p| p.sku == line.sku) {
            if before.unit_price != line.unit_price {
                changes.push(PriceChange {
                    sku: line.sku.to_string(),
                    previous_unit_price: before.unit_price,
                    unit_price: line.unit_price,
                });
            }
        }
    }
    changes
}
