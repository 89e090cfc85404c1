//! Queries on the read models: the `ReadSide` port that command services use, and what the
//! e-shop's query endpoints read.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::Row;

use app::db::Db;
use app::read_side::ReadSide;
use domain::channel::ChannelSettings;
use domain::company::CompanyMaster;
use domain::price_list::{PriceEntry, PriceListHeader};
use domain::pricing::{PriceBook, PricingProfile, ProductFacts};
use domain::values::{ChannelCode, CompanyId, CurrencyCode, Sku, Unit, VatClass, WarehouseCode};

use crate::{availability, catalog, companies, price_lists, timestamp};

/// The read models of one store.
#[derive(Clone)]
pub struct Queries {
    db: Db,
}

/// `$first, $first+1, …` for `n` values.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// SQL condition: the row version was current at `$n` (a time in the read models' format).
fn current_at(n: usize) -> String {
    format!("known_from <= ${n} AND (known_to IS NULL OR known_to > ${n})")
}

impl Queries {
    /// Queries on `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// The store.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Current facts of the given products.
    pub async fn products(
        &self,
        skus: &[Sku],
        known_at: DateTime<Utc>,
    ) -> anyhow::Result<HashMap<Sku, ProductRow>> {
        let mut found = HashMap::new();
        let at = timestamp(known_at);
        for chunk in skus.chunks(500) {
            let sql = format!(
                "SELECT sku, name, unit, vat_class, active FROM {} WHERE {} AND sku IN ({})",
                catalog::PRODUCTS,
                current_at(1),
                placeholders(2, chunk.len())
            );
            let mut query = sqlx::query(&sql).bind(&at);
            for sku in chunk {
                query = query.bind(sku.as_str());
            }
            for row in query.fetch_all(self.db.pool()).await? {
                let product = ProductRow::from_row(&row)?;
                found.insert(product.facts.sku.clone(), product);
            }
        }
        Ok(found)
    }

    /// A page of current products, by SKU.
    pub async fn product_page(&self, after: &str, limit: i64) -> anyhow::Result<Vec<ProductRow>> {
        let sql = format!(
            "SELECT sku, name, unit, vat_class, active FROM {} WHERE known_to IS NULL AND sku > $1 \
             ORDER BY sku LIMIT $2",
            catalog::PRODUCTS
        );
        sqlx::query(&sql)
            .bind(after)
            .bind(limit)
            .fetch_all(self.db.pool())
            .await?
            .iter()
            .map(ProductRow::from_row)
            .collect()
    }

    /// Stock per warehouse for the given SKUs.
    pub async fn stock(&self, skus: &[Sku]) -> anyhow::Result<BTreeMap<String, Vec<StockRow>>> {
        let mut result: BTreeMap<String, Vec<StockRow>> = BTreeMap::new();
        for chunk in skus.chunks(500) {
            let sql = format!(
                "SELECT sku, warehouse, on_hand, reserved FROM {} WHERE sku IN ({}) \
                 ORDER BY sku, warehouse",
                availability::STOCK,
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for sku in chunk {
                query = query.bind(sku.as_str());
            }
            for row in query.fetch_all(self.db.pool()).await? {
                let sku: String = row.try_get("sku")?;
                result.entry(sku).or_default().push(StockRow {
                    warehouse: row.try_get("warehouse")?,
                    on_hand: row.try_get::<String, _>("on_hand")?.parse()?,
                    reserved: row.try_get::<String, _>("reserved")?.parse()?,
                });
            }
        }
        Ok(result)
    }

    /// Available quantity of one SKU per warehouse, for allocation.
    pub async fn available_by_warehouse(
        &self,
        sku: &Sku,
    ) -> anyhow::Result<HashMap<WarehouseCode, Decimal>> {
        let rows = self.stock(std::slice::from_ref(sku)).await?;
        let mut result = HashMap::new();
        for row in rows.into_values().flatten() {
            if let Ok(warehouse) = WarehouseCode::parse(row.warehouse.clone()) {
                result.insert(warehouse, row.on_hand - row.reserved);
            }
        }
        Ok(result)
    }
}

/// A product as the catalogue read model holds it.
#[derive(Clone, Debug)]
pub struct ProductRow {
    /// What pricing needs.
    pub facts: ProductFacts,
    /// Display name.
    pub name: String,
}

impl ProductRow {
    fn from_row(row: &sqlx::any::AnyRow) -> anyhow::Result<Self> {
        let sku: String = row.try_get("sku")?;
        let unit: String = row.try_get("unit")?;
        let vat_class: String = row.try_get("vat_class")?;
        let active: i64 = row.try_get("active")?;
        Ok(Self {
            facts: ProductFacts {
                sku: Sku::parse(sku)?,
                vat_class: VatClass::parse(&vat_class)?,
                unit: Unit::parse(&unit)?,
                active: active != 0,
            },
            name: row.try_get("name")?,
        })
    }
}

/// Stock of a SKU in one warehouse.
#[derive(Clone, Debug)]
pub struct StockRow {
    /// The warehouse.
    pub warehouse: String,
    /// On hand.
    pub on_hand: Decimal,
    /// Reserved for orders.
    pub reserved: Decimal,
}

#[async_trait]
impl ReadSide for Queries {
    async fn company(
        &self,
        id: &CompanyId,
        known_at: Option<DateTime<Utc>>,
    ) -> anyhow::Result<Option<CompanyMaster>> {
        let row = match known_at {
            None => {
                sqlx::query(&format!(
                    "SELECT master FROM {} WHERE company_id = $1 AND known_to IS NULL",
                    companies::COMPANIES
                ))
                .bind(id.as_str())
                .fetch_optional(self.db.pool())
                .await?
            }
            Some(at) => {
                sqlx::query(&format!(
                    "SELECT master FROM {} WHERE company_id = $1 AND {}",
                    companies::COMPANIES,
                    current_at(2)
                ))
                .bind(id.as_str())
                .bind(timestamp(at))
                .fetch_optional(self.db.pool())
                .await?
            }
        };
        row.map(|row| {
            let master: String = row.try_get("master")?;
            serde_json::from_str(&master).context("company master in the read model")
        })
        .transpose()
    }

    async fn channel(&self, code: &ChannelCode) -> anyhow::Result<Option<ChannelSettings>> {
        let row = sqlx::query(&format!(
            "SELECT code, name, warehouses, vat_rounding FROM {} WHERE code = $1",
            catalog::CHANNELS
        ))
        .bind(code.as_str())
        .fetch_optional(self.db.pool())
        .await?;
        row.map(|row| {
            let warehouses: String = row.try_get("warehouses")?;
            let rounding: String = row.try_get("vat_rounding")?;
            Ok(ChannelSettings {
                code: code.clone(),
                name: row.try_get("name")?,
                warehouses: serde_json::from_str(&warehouses)?,
                vat_rounding: serde_json::from_value(serde_json::Value::String(rounding))?,
            })
        })
        .transpose()
    }

    async fn price_book(
        &self,
        profile: &PricingProfile,
        currency: &CurrencyCode,
        skus: &[Sku],
        known_at: DateTime<Utc>,
    ) -> anyhow::Result<PriceBook> {
        let at = timestamp(known_at);
        let mut book = PriceBook::default();
        for (_, product) in self.products(skus, known_at).await? {
            book.add_product(product.facts);
        }

        let contracts = &profile.contract_lists;
        let sql = format!(
            "SELECT header FROM {} WHERE currency = $1 AND {} AND (kind = 'base' \
             OR (kind = 'level' AND level = $3) OR (kind = 'contract' AND (company_id = $4{})))",
            price_lists::LISTS,
            current_at(2),
            if contracts.is_empty() {
                String::new()
            } else {
                format!(" OR code IN ({})", placeholders(5, contracts.len()))
            }
        );
        let mut query = sqlx::query(&sql)
            .bind(currency.as_str())
            .bind(&at)
            .bind(profile.price_level.as_ref().map(|l| l.to_string()))
            .bind(profile.company_id.as_str());
        for code in contracts {
            query = query.bind(code.as_str());
        }
        let mut codes = Vec::new();
        for row in query.fetch_all(self.db.pool()).await? {
            let header: String = row.try_get("header")?;
            let header: PriceListHeader = serde_json::from_str(&header)?;
            codes.push(header.code().to_string());
            book.lists.push(header);
        }
        if codes.is_empty() || skus.is_empty() {
            return Ok(book);
        }
        for chunk in skus.chunks(400) {
            let sql = format!(
                "SELECT list_code, entry FROM {} WHERE {} AND list_code IN ({}) AND sku IN ({})",
                price_lists::ENTRIES,
                current_at(1),
                placeholders(2, codes.len()),
                placeholders(2 + codes.len(), chunk.len())
            );
            let mut query = sqlx::query(&sql).bind(&at);
            for code in &codes {
                query = query.bind(code.as_str());
            }
            for sku in chunk {
                query = query.bind(sku.as_str());
            }
            for row in query.fetch_all(self.db.pool()).await? {
                let code: String = row.try_get("list_code")?;
                let entry: String = row.try_get("entry")?;
                let entry: PriceEntry = serde_json::from_str(&entry)?;
                book.add_entry(domain::values::PriceListCode::parse(code)?, entry);
            }
        }
        Ok(book)
    }

    async fn due_templates(&self, today: chrono::NaiveDate) -> anyhow::Result<Vec<String>> {
        Queries::due_templates(self, &today.to_string()).await
    }

    async fn open_orders_total(
        &self,
        company: &CompanyId,
        currency: &CurrencyCode,
    ) -> anyhow::Result<Decimal> {
        self.open_total(company.as_str(), currency.as_str()).await
    }
}
