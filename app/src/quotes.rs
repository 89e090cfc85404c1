//! Price quotes: the same engine and the same inputs as order placement, so a quote and an order
//! for the same lines agree to the cent.

use chrono::{DateTime, Utc};
use thiserror::Error;

use domain::pricing::{
    price_document, LineResult, PricedDocument, PricingProfile, PricingRequest, RequestedLine,
};
use domain::values::{ChannelCode, CompanyId, CurrencyCode};

use crate::read_side::ReadSide;

/// Why a quote could not be made at all (per-line problems are answered per line instead).
#[derive(Debug, Error)]
pub enum QuoteError {
    /// No such company (as of the time asked).
    #[error("unknown company {0}")]
    UnknownCompany(CompanyId),
    /// No such channel.
    #[error("unknown channel {0}")]
    UnknownChannel(ChannelCode),
    /// The store could not answer.
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// A quote request.
#[derive(Clone, Debug)]
pub struct QuoteRequest {
    /// The buying company.
    pub company: CompanyId,
    /// The sales channel.
    pub channel: ChannelCode,
    /// The document currency.
    pub currency: CurrencyCode,
    /// For a past time: the answer ordercore would have given then. For a future time: today's
    /// lists evaluated at that date. `None`: now.
    pub as_of: Option<DateTime<Utc>>,
    /// The lines.
    pub lines: Vec<RequestedLine>,
}

/// Prices a document for a company.
pub async fn quote(
    read_side: &dyn ReadSide,
    request: &QuoteRequest,
    now: DateTime<Utc>,
) -> Result<PricedDocument, QuoteError> {
    let evaluated_at = request.as_of.unwrap_or(now);
    // The lists as they were known then: never later than now.
    let known_at = evaluated_at.min(now);
    let company = read_side
        .company(&request.company, Some(known_at))
        .await?
        .ok_or_else(|| QuoteError::UnknownCompany(request.company.clone()))?;
    let channel = read_side
        .channel(&request.channel)
        .await?
        .ok_or_else(|| QuoteError::UnknownChannel(request.channel.clone()))?;
    let profile = PricingProfile {
        company_id: company.company_id.clone(),
        country: company.country.clone(),
        vat_id: company.dic.clone(),
        price_level: company.price_level.clone(),
        contract_lists: company.contract_price_lists.clone(),
        discount_percent: company.discount_percent,
    };
    let mut skus: Vec<_> = request.lines.iter().map(|l| l.sku.clone()).collect();
    skus.sort();
    skus.dedup();
    let book = read_side
        .price_book(&profile, &request.currency, &skus, known_at)
        .await?;
    let pricing = PricingRequest {
        profile,
        channel: request.channel.clone(),
        currency: request.currency.clone(),
        at: evaluated_at,
        vat_rounding: channel.vat_rounding,
        lines: request.lines.clone(),
    };
    let document = price_document(&pricing, &book);
    report_ties(&request.company, &document);
    Ok(document)
}

/// A tie between price lists is a configuration error in the ERP's data, not the buyer's: the
/// line is answered with an error, and ops are told by a warning and a counter they can alert
/// on (`ordercore_price_list_ties_total`).
fn report_ties(company: &CompanyId, document: &PricedDocument) {
    for line in &document.lines {
        if let LineResult::Failed(failure) = line {
            if failure.error_type == "ambiguous-price-lists" {
                metrics::counter!("ordercore_price_list_ties_total").increment(1);
                tracing::warn!(
                    company = %company,
                    sku = %failure.sku,
                    detail = %failure.detail,
                    "price lists tie: fix their validity or priority in the ERP"
                );
            }
        }
    }
}
