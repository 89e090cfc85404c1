//! What command services need to read from the read models, as a port: `app` defines it,
//! `projections` implements it on its tables (so `app` does not depend on `projections`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use domain::channel::ChannelSettings;
use domain::company::CompanyMaster;
use domain::pricing::{PriceBook, PricingProfile};
use domain::values::{ChannelCode, CompanyId, CurrencyCode, Sku};

/// Read-model queries used by command services.
#[async_trait]
pub trait ReadSide: Send + Sync {
    /// A company's master data as it was known at `known_at` (now when `None`).
    async fn company(
        &self,
        id: &CompanyId,
        known_at: Option<DateTime<Utc>>,
    ) -> anyhow::Result<Option<CompanyMaster>>;

    /// A channel's current settings.
    async fn channel(&self, code: &ChannelCode) -> anyhow::Result<Option<ChannelSettings>>;

    /// Everything pricing needs for these SKUs, as known at `known_at`: the products, every list
    /// header that could apply to the company in that currency, and those lists' entries for the
    /// SKUs.
    async fn price_book(
        &self,
        profile: &PricingProfile,
        currency: &CurrencyCode,
        skus: &[Sku],
        known_at: DateTime<Utc>,
    ) -> anyhow::Result<PriceBook>;

    /// Templates whose next scheduled occurrence falls on or before `today`.
    async fn due_templates(&self, today: chrono::NaiveDate) -> anyhow::Result<Vec<String>>;

    /// Gross total of the company's open orders in a currency (for the credit limit).
    async fn open_orders_total(
        &self,
        company: &CompanyId,
        currency: &CurrencyCode,
    ) -> anyhow::Result<Decimal>;
}
