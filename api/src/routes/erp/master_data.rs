//! ERP master data: products, companies, channels and whole price lists.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use cqrs_es::AggregateError;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use app::metadata::{Actor, CommandMetadata};
use domain::channel::{ChannelCommand, ChannelSettings};
use domain::company::{CompanyCommand, CompanyMaster};
use domain::price_list::{PriceEntry, PriceListCommand, PriceListHeader, PriceListKind, Tier};
use domain::pricing::VatRounding;
use domain::product::ProductCommand;
use domain::values::{
    Address, ChannelCode, CompanyId, CountryCode, CurrencyCode, Money, Percent, PriceLevel,
    PriceListCode, Quantity, Sku, Unit, VatClass, WarehouseCode,
};

use super::{handle, Outcome};
use crate::domain_errors::{command_error, domain_problem, Coded};
use crate::input::{index, join, Input};
use crate::problem::{ApiError, Problem};
use crate::server::AppState;

/// ERP metadata for a message.
pub(crate) fn erp_meta(message_id: &str) -> CommandMetadata {
    let mut meta = CommandMetadata::new(Actor::erp());
    meta.causation_id = format!("erp-message:{message_id}");
    meta
}

/// A refused command: domain refusals are part of the answer (quarantined, replayed); anything
/// else is an error the ERP should retry.
pub(crate) fn refusal<E: Coded>(error: AggregateError<E>) -> Result<Outcome, ApiError> {
    match error {
        AggregateError::UserError(e) => Ok(Outcome::Refused(domain_problem(&e))),
        other => Err(command_error(other)),
    }
}

/// Runs a master-data command and answers with the resource's key, version and whether the
/// message changed anything (an identical message changes nothing).
async fn define<A>(
    store: &app::aggregate_store::AggregateStore<A>,
    key: (&str, &str),
    command: A::Command,
    message_id: &str,
) -> Result<Outcome, ApiError>
where
    A: cqrs_es::Aggregate + Clone,
    A::Error: Coded,
{
    match store.execute(key.1, command, &erp_meta(message_id)).await {
        Ok(done) => Ok(Outcome::Done(
            StatusCode::OK,
            json!({ key.0: key.1, "version": done.version, "changed": !done.events.is_empty() }),
        )),
        Err(e) => refusal(e),
    }
}

/// `PUT /v1/erp/products/{sku}` body.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)] // Documentation of the contract; the handler reads fields one by one.
pub struct ProductMessage {
    /// Unique per message; a repeat is answered as the first time.
    message_id: String,
    /// Display name (1–200 characters).
    name: String,
    /// `pcs`, `box`, `pack`, `set`, `pair`, `kg`, `g`, `m`, `m2`, `m3`, `l`.
    unit: String,
    /// `standard` (21 %), `reduced` (12 %) or `zero`.
    vat_class: String,
    /// Whether it may be sold.
    active: bool,
}

/// Creates or updates a product.
#[utoipa::path(put, path = "/v1/erp/products/{sku}", tag = "erp",
    params(("sku" = String, Path)), request_body = ProductMessage,
    responses((status = 200, description = "Applied (or replayed)", body = Object),
        (status = 422, description = "Refused and quarantined", body = Problem, content_type = "application/problem+json")))]
pub async fn put_product(
    State(state): State<AppState>,
    Path(sku): Path<String>,
    body: Bytes,
) -> Response {
    let endpoint = "PUT /v1/erp/products";
    handle(
        &state.clone(),
        endpoint,
        body,
        |doc, message_id| async move {
            let mut input = Input::new();
            let sku = input.parsed(Sku::parse(sku), "sku");
            let Some(root) = input.root(&doc) else {
                return Ok(Outcome::Invalid(input.finish().err().unwrap_or_default()));
            };
            let name = input.string(root, "name", "");
            let unit = input
                .string(root, "unit", "")
                .and_then(|u| input.parsed(Unit::parse(&u), "unit"));
            let vat_class = input
                .string(root, "vat_class", "")
                .and_then(|v| input.parsed(VatClass::parse(&v), "vat_class"));
            let active = input.boolean(root, "active", "");
            let (Some(sku), Some(name), Some(unit), Some(vat_class), Some(active)) =
                (sku, name, unit, vat_class, active)
            else {
                return Ok(Outcome::Invalid(input.finish().err().unwrap_or_default()));
            };
            let command = ProductCommand::Define {
                sku: sku.clone(),
                name,
                unit,
                vat_class,
                active,
            };
            define(
                &state.aggregates.products,
                ("sku", sku.as_str()),
                command,
                &message_id,
            )
            .await
        },
    )
    .await
}

/// `PUT /v1/erp/companies/{id}` body (see SPEC "Shapes of the main messages").
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CompanyMessage {
    message_id: String,
    erp_customer_no: String,
    name: String,
    ico: String,
    dic: Option<String>,
    country: String,
    currency: String,
    price_level: Option<String>,
    #[serde(default)]
    contract_price_lists: Vec<String>,
    /// Decimal string, 0–100.
    discount_percent: Option<String>,
    /// Decimal string; null for no limit.
    credit_limit: Option<String>,
    payment_terms_days: Option<u32>,
    allow_backorders: Option<bool>,
    allow_partial_delivery: Option<bool>,
    addresses: Vec<AddressMessage>,
}

/// A delivery address.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct AddressMessage {
    id: String,
    street: String,
    city: String,
    zip: String,
    country: String,
}

/// Creates or updates a company's master data.
#[utoipa::path(put, path = "/v1/erp/companies/{id}", tag = "erp",
    params(("id" = String, Path)), request_body = CompanyMessage,
    responses((status = 200, body = Object),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn put_company(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    handle(
        &state.clone(),
        "PUT /v1/erp/companies",
        body,
        |doc, message_id| async move {
            let mut input = Input::new();
            let Some(master) = read_company(&mut input, &id, &doc) else {
                return Ok(Outcome::Invalid(input.finish().err().unwrap_or_default()));
            };
            let company_id = master.company_id.clone();
            let command = CompanyCommand::SyncMaster(master);
            define(
                &state.aggregates.companies,
                ("company_id", company_id.as_str()),
                command,
                &message_id,
            )
            .await
        },
    )
    .await
}

fn read_company(input: &mut Input, id: &str, doc: &Value) -> Option<CompanyMaster> {
    let company_id = input.parsed(CompanyId::parse(id), "id");
    let root = input.root(doc)?;
    let erp_customer_no = input.string(root, "erp_customer_no", "");
    let name = input.string(root, "name", "");
    let ico = input.string(root, "ico", "");
    let dic = input.opt_string(root, "dic", "");
    let country = input
        .string(root, "country", "")
        .and_then(|c| input.parsed(CountryCode::parse(c), "country"));
    let currency = input
        .string(root, "currency", "")
        .and_then(|c| input.parsed(CurrencyCode::parse(c), "currency"));
    let price_level = input.opt_string(root, "price_level", "").and_then(|l| {
        l.map(|l| input.parsed(PriceLevel::parse(l), "price_level").map(Some))
            .unwrap_or(Some(None))
    });
    let mut contracts = Vec::new();
    if let Some(Value::Array(items)) = root.get("contract_price_lists") {
        for (i, item) in items.iter().enumerate() {
            let field = index("contract_price_lists", i);
            match item.as_str() {
                Some(code) => contracts.extend(input.parsed(PriceListCode::parse(code), &field)),
                None => input.error(field, "must be a string"),
            }
        }
    } else if root
        .get("contract_price_lists")
        .is_some_and(|v| !v.is_null())
    {
        input.error("contract_price_lists", "must be an array");
    }
    let discount = match root.get("discount_percent") {
        None | Some(Value::Null) => Some(Percent::ZERO),
        Some(v) => input
            .decimal_value(v, "discount_percent")
            .and_then(|d| input.parsed(Percent::parse(d), "discount_percent")),
    };
    let credit_limit = match root.get("credit_limit") {
        None | Some(Value::Null) => Some(None),
        Some(v) => input
            .decimal_value(v, "credit_limit")
            .and_then(|d| input.parsed(Money::parse(d), "credit_limit"))
            .map(Some),
    };
    let terms = input
        .integer_or(root, "payment_terms_days", "", 14)
        .and_then(|d| {
            let days = u32::try_from(d).ok().filter(|d| *d <= 365);
            if days.is_none() {
                input.error("payment_terms_days", "must be 0 to 365");
            }
            days
        });
    let backorders = optional_bool(input, root, "allow_backorders");
    let partial = optional_bool(input, root, "allow_partial_delivery");
    let mut addresses = Vec::new();
    if let Some(items) = input.array(root, "addresses", "") {
        for (i, item) in items.iter().enumerate() {
            let path = index("addresses", i);
            let Some(a) = input.object(item, &path) else {
                continue;
            };
            let fields = (
                input.string(a, "id", &path),
                input.string(a, "street", &path),
                input.string(a, "city", &path),
                input.string(a, "zip", &path),
                input
                    .string(a, "country", &path)
                    .and_then(|c| input.parsed(CountryCode::parse(c), &join(&path, "country"))),
            );
            if let (Some(id), Some(street), Some(city), Some(zip), Some(country)) = fields {
                addresses.extend(input.parsed(Address::new(id, street, city, zip, country), &path));
            }
        }
    }
    input.errors().is_empty().then_some(())?;
    Some(CompanyMaster {
        company_id: company_id?,
        erp_customer_no: erp_customer_no?,
        name: name?,
        ico: ico?,
        dic: dic?,
        country: country?,
        currency: currency?,
        price_level: price_level?,
        contract_price_lists: contracts,
        discount_percent: discount?,
        credit_limit: credit_limit?,
        payment_terms_days: terms?,
        allow_backorders: backorders?,
        allow_partial_delivery: partial?,
        addresses,
    })
}

fn optional_bool(input: &mut Input, root: &Map<String, Value>, key: &str) -> Option<bool> {
    match root.get(key) {
        None | Some(Value::Null) => Some(false),
        Some(_) => input.boolean(root, key, ""),
    }
}

/// `PUT /v1/erp/channels/{code}` body.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ChannelMessage {
    message_id: String,
    name: String,
    /// Warehouses serving the channel, highest priority first.
    warehouses: Vec<String>,
    /// `document` (default: VAT per rate on the document) or `per_line`.
    vat_rounding: Option<String>,
}

/// Creates or updates a sales channel: its warehouses in priority order and VAT rounding.
#[utoipa::path(put, path = "/v1/erp/channels/{code}", tag = "erp",
    params(("code" = String, Path)), request_body = ChannelMessage,
    responses((status = 200, body = Object),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn put_channel(
    State(state): State<AppState>,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    handle(
        &state.clone(),
        "PUT /v1/erp/channels",
        body,
        |doc, message_id| async move {
            let mut input = Input::new();
            let code = input.parsed(ChannelCode::parse(code), "code");
            let Some(root) = input.root(&doc) else {
                return Ok(Outcome::Invalid(input.finish().err().unwrap_or_default()));
            };
            let name = input.string(root, "name", "");
            let mut warehouses = Vec::new();
            if let Some(items) = input.array(root, "warehouses", "") {
                for (i, w) in items.iter().enumerate() {
                    let field = index("warehouses", i);
                    match w.as_str() {
                        Some(w) => warehouses.extend(input.parsed(WarehouseCode::parse(w), &field)),
                        None => input.error(field, "must be a string"),
                    }
                }
            }
            let rounding = match input.opt_string(root, "vat_rounding", "") {
                Some(None) => Some(VatRounding::Document),
                Some(Some(r)) => input.parsed(
                    serde_json::from_value::<VatRounding>(Value::String(r.clone()))
                        .map_err(|_| format!("{r:?} is not document or per_line")),
                    "vat_rounding",
                ),
                None => None,
            };
            let (Some(code), Some(name), Some(rounding), true) =
                (code, name, rounding, input.errors().is_empty())
            else {
                return Ok(Outcome::Invalid(input.finish().err().unwrap_or_default()));
            };
            let command = ChannelCommand::Define(ChannelSettings {
                code: code.clone(),
                name,
                warehouses,
                vat_rounding: rounding,
            });
            define(
                &state.aggregates.channels,
                ("code", code.as_str()),
                command,
                &message_id,
            )
            .await
        },
    )
    .await
}

/// One entry of a price list.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct PriceEntryMessage {
    sku: String,
    /// Unit net price, decimal string.
    unit_price: String,
    /// Must equal the list's currency when given.
    currency: Option<String>,
    #[serde(default)]
    tiers: Vec<TierMessage>,
}

/// A quantity tier.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TierMessage {
    /// From this quantity on (decimal string or integer).
    min_qty: String,
    /// Unit net price from that quantity.
    unit_price: String,
}

/// `PUT /v1/erp/price-lists/{code}` body: the whole list.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct PriceListMessage {
    message_id: String,
    /// `base`, `level` (with `level`) or `contract` (with `company_id`).
    kind: String,
    level: Option<String>,
    company_id: Option<String>,
    currency: String,
    channel: Option<String>,
    valid_from: Option<DateTime<Utc>>,
    valid_to: Option<DateTime<Utc>>,
    #[serde(default)]
    priority: i32,
    entries: Vec<PriceEntryMessage>,
}

/// Imports a whole price list; only changed entries become events, an identical re-import none.
#[utoipa::path(put, path = "/v1/erp/price-lists/{code}", tag = "erp",
    params(("code" = String, Path)), request_body = PriceListMessage,
    responses((status = 200, body = Object),
        (status = 422, description = "Refused with every bad entry; quarantined", body = Problem, content_type = "application/problem+json")))]
pub async fn put_price_list(
    State(state): State<AppState>,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    handle(
        &state.clone(),
        "PUT /v1/erp/price-lists",
        body,
        |doc, message_id| async move {
            let mut input = Input::new();
            let read = read_price_list(&mut input, &code, &doc);
            // Every SKU must be a product we know (checked against the event log itself), also
            // where other entries are malformed, so one answer lists every bad entry.
            let skus: Vec<&str> = read.skus.iter().map(|(_, sku)| sku.as_str()).collect();
            let known = app::erp::master_data::existing(&state.db, "product", &skus).await?;
            for (i, sku) in &read.skus {
                if !known.contains(sku.as_str()) {
                    input.error(
                        join(&index("entries", *i), "sku"),
                        format!("unknown SKU {sku}"),
                    );
                }
            }
            let (Some((header, entries)), true) = (read.list, input.errors().is_empty()) else {
                return Ok(Outcome::Invalid(input.finish().err().unwrap_or_default()));
            };
            let count = entries.len();
            let list = header.code().clone();
            let command = PriceListCommand::Import { header, entries };
            match state
                .aggregates
                .price_lists
                .execute(list.as_str(), command, &erp_meta(&message_id))
                .await
            {
                Ok(done) => {
                    let mut upserted = 0;
                    let mut removed = 0;
                    for e in &done.events {
                        match &e.payload {
                            domain::price_list::PriceListEvent::EntriesUpserted { entries } => {
                                upserted += entries.len()
                            }
                            domain::price_list::PriceListEvent::EntriesRemoved { skus } => {
                                removed += skus.len()
                            }
                            _ => {}
                        }
                    }
                    Ok(Outcome::Done(
                        StatusCode::OK,
                        json!({
                            "code": list, "version": done.version, "entries": count,
                            "events": done.events.len(), "upserted": upserted, "removed": removed,
                        }),
                    ))
                }
                Err(e) => refusal(e),
            }
        },
    )
    .await
}

/// A price-list message as read: the list when every field was valid, and each well-formed
/// SKU with its entry's index either way (for the existence check).
struct ReadPriceList {
    list: Option<(PriceListHeader, Vec<PriceEntry>)>,
    skus: Vec<(usize, Sku)>,
}

fn read_price_list(input: &mut Input, code: &str, doc: &Value) -> ReadPriceList {
    let mut skus = Vec::new();
    let list = read_price_list_into(input, code, doc, &mut skus);
    ReadPriceList { list, skus }
}

fn read_price_list_into(
    input: &mut Input,
    code: &str,
    doc: &Value,
    skus: &mut Vec<(usize, Sku)>,
) -> Option<(PriceListHeader, Vec<PriceEntry>)> {
    let code = input.parsed(PriceListCode::parse(code), "code");
    let root = input.root(doc)?;
    let kind = match input.string(root, "kind", "").as_deref() {
        Some("base") => Some(PriceListKind::Base),
        Some("level") => input
            .string(root, "level", "")
            .and_then(|l| input.parsed(PriceLevel::parse(l), "level"))
            .map(|level| PriceListKind::Level { level }),
        Some("contract") => input
            .string(root, "company_id", "")
            .and_then(|c| input.parsed(CompanyId::parse(c), "company_id"))
            .map(|company_id| PriceListKind::Contract { company_id }),
        Some(other) => {
            input.error("kind", format!("{other:?} is not base, level or contract"));
            None
        }
        None => None,
    };
    let currency = input
        .string(root, "currency", "")
        .and_then(|c| input.parsed(CurrencyCode::parse(c), "currency"));
    let channel = input.opt_string(root, "channel", "").and_then(|c| {
        c.map(|c| input.parsed(ChannelCode::parse(c), "channel").map(Some))
            .unwrap_or(Some(None))
    });
    let valid_from = read_time(input, root, "valid_from");
    let valid_to = read_time(input, root, "valid_to");
    let priority = input
        .integer_or(root, "priority", "", 0)
        .and_then(|p| input.parsed(i32::try_from(p), "priority"));
    let mut entries = Vec::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    if let Some(items) = input.array(root, "entries", "") {
        for (i, item) in items.iter().enumerate() {
            let path = index("entries", i);
            let Some(e) = input.object(item, &path) else {
                continue;
            };
            let sku = input
                .string(e, "sku", &path)
                .and_then(|s| input.parsed(Sku::parse(s), &join(&path, "sku")));
            if let Some(sku) = &sku {
                skus.push((i, sku.clone()));
                if let Some(first) = first_seen.insert(sku.to_string(), i) {
                    input.error(
                        join(&path, "sku"),
                        format!("duplicate SKU {sku} (also at entries[{first}])"),
                    );
                }
            }
            let price = input
                .decimal(e, "unit_price", &path)
                .and_then(|d| input.parsed(Money::parse(d), &join(&path, "unit_price")));
            if let (Some(Some(entry_currency)), Some(list_currency)) =
                (input.opt_string(e, "currency", &path), &currency)
            {
                if entry_currency != list_currency.as_str() {
                    input.error(
                        join(&path, "currency"),
                        format!(
                            "{entry_currency} does not match the list's currency {list_currency}"
                        ),
                    );
                }
            }
            let mut tiers = Vec::new();
            if let Some(Value::Array(items)) = e.get("tiers") {
                for (t, tier) in items.iter().enumerate() {
                    let tpath = index(&join(&path, "tiers"), t);
                    let Some(tier) = input.object(tier, &tpath) else {
                        continue;
                    };
                    let min_qty = input
                        .decimal(tier, "min_qty", &tpath)
                        .and_then(|d| input.parsed(Quantity::parse(d), &join(&tpath, "min_qty")));
                    let unit_price = input
                        .decimal(tier, "unit_price", &tpath)
                        .and_then(|d| input.parsed(Money::parse(d), &join(&tpath, "unit_price")));
                    if let (Some(min_qty), Some(unit_price)) = (min_qty, unit_price) {
                        tiers.push(Tier {
                            min_qty,
                            unit_price,
                        });
                    }
                }
            } else if e.get("tiers").is_some_and(|t| !t.is_null()) {
                input.error(join(&path, "tiers"), "must be an array");
            }
            if let (Some(sku), Some(price)) = (sku, price) {
                entries.extend(
                    input.parsed(PriceEntry::new(sku, price, tiers), &join(&path, "tiers")),
                );
            }
        }
    }
    let header = match (
        code,
        kind,
        currency.clone(),
        channel,
        valid_from,
        valid_to,
        priority,
    ) {
        (
            Some(code),
            Some(kind),
            Some(currency),
            Some(channel),
            Some(from),
            Some(to),
            Some(priority),
        ) => input.parsed(
            PriceListHeader::new(code, kind, currency, channel, from, to, priority),
            "valid_to",
        ),
        _ => None,
    };
    input.errors().is_empty().then_some(())?;
    Some((header?, entries))
}

fn read_time(
    input: &mut Input,
    root: &Map<String, Value>,
    key: &str,
) -> Option<Option<DateTime<Utc>>> {
    match input.opt_string(root, key, "")? {
        None => Some(None),
        Some(text) => input
            .parsed(
                DateTime::parse_from_rfc3339(&text)
                    .map_err(|_| format!("{text:?} is not an RFC 3339 time")),
                key,
            )
            .map(|t| Some(t.with_timezone(&Utc))),
    }
}
